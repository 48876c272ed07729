/*
 * migrate_batch.h — BatchWriteItem in chunks of 25, with the UnprocessedItems the
 * service hands back re-sent after a capped exponential backoff.
 *
 * The sending and the sleeping are functions of the caller's, so the re-send
 * logic can be tested without a service that ever leaves items unprocessed (the
 * local stand-in never does).
 */
#ifndef CA_MIGRATE_BATCH_H
#define CA_MIGRATE_BATCH_H

#include <jansson.h>
#include <stddef.h>

#include "util/error.h"

#define MIG_BATCH_MAX 25          /* DynamoDB's limit per BatchWriteItem */
#define MIG_BATCH_BASE_MS 50
#define MIG_BATCH_CAP_MS 5000
#define MIG_BATCH_ROUNDS 10       /* sends of one chunk before giving up */

/* Sends one BatchWriteItem request; on CA_OK *answer is the answer (decref'd by the writer). */
typedef int (*mig_batch_send_fn)(void *ctx, const json_t *request, json_t **answer,
				 struct ca_err *err);
typedef void (*mig_batch_sleep_fn)(void *ctx, long ms);

struct mig_batch_writer {
	const char *table;
	mig_batch_send_fn send;
	mig_batch_sleep_fn sleep;   /* NULL: nanosleep */
	void *ctx;
	long base_ms, cap_ms;       /* 0: the defaults above */
	int max_rounds;             /* 0: MIG_BATCH_ROUNDS */
	/* counters, added to by each call */
	size_t requests;            /* BatchWriteItem calls made */
	size_t resent;              /* items sent again because they came back unprocessed */
	long slept_ms;              /* total backoff */
};

/*
 * The backoff before re-send number round (1..): min(cap, base * 2^(round-1)).
 */
long mig_batch_backoff(long base_ms, long cap_ms, int round);

/*
 * Puts items[0..n) (Item objects, borrowed) into w->table, at most 25 per
 * request. CA_OK when every item was accepted. When a chunk still has
 * unprocessed items after max_rounds sends: CA_AWS_THROTTLED naming how many;
 * a failed send: its code. Items of earlier chunks stay written.
 */
int mig_batch_put(struct mig_batch_writer *w, json_t *const *items, size_t n,
		  struct ca_err *err);

#endif
