/*
 * workpool.h — a fixed set of worker threads with a bounded queue, for work
 * too heavy for the threads that talk HTTP (decoding and thumbnailing images).
 *
 * Admission is all or nothing: a job is taken only when a worker is idle or
 * the queue has room, so the caller can refuse at once (503 + Retry-After)
 * instead of piling up work. Jobs run in the order they were taken.
 *
 * Lifecycle: ca_workpool_new(), ca_workpool_submit() from any thread,
 * ca_workpool_free() (runs what is queued, then joins the workers).
 */
#ifndef CA_HTTP_WORKPOOL_H
#define CA_HTTP_WORKPOOL_H

#include <stdbool.h>

#include "util/error.h"

typedef void (*ca_work_fn)(void *arg);

struct ca_workpool;

/*
 * Starts threads workers (1..256) with room for queue_max jobs waiting (0..65536)
 * besides the running ones. *out receives the pool (ca_workpool_free frees it).
 * CA_EINVAL for sizes out of range, CA_ENOMEM, CA_EIO when a thread cannot start.
 */
int ca_workpool_new(struct ca_workpool **out, unsigned workers, unsigned queue_max,
		    struct ca_err *err);

/*
 * Takes fn(arg) to run on a worker. true when taken (fn will run exactly once,
 * on a worker thread); false, having taken nothing, when every worker is busy
 * and queue_max jobs already wait, or the pool is being freed.
 */
bool ca_workpool_submit(struct ca_workpool *p, ca_work_fn fn, void *arg);

/* Jobs taken and not yet finished (running or waiting). */
unsigned ca_workpool_pending(struct ca_workpool *p);

/*
 * Stops taking jobs, lets the workers finish every job already taken, joins
 * them and frees the pool. NULL is accepted. Not from a worker thread.
 */
void ca_workpool_free(struct ca_workpool *p);

#endif
