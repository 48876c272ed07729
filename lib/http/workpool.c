/*
 * workpool.c — worker threads with a bounded queue (see workpool.h).
 */
#include "http/workpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/banned.h"

#define WORKPOOL_MAX_WORKERS 256
#define WORKPOOL_MAX_QUEUE 65536

struct job {
	ca_work_fn fn;
	void *arg;
};

struct ca_workpool {
	pthread_mutex_t lock;
	pthread_cond_t wake;          /* a job was queued, or stopping */
	pthread_t *threads;
	unsigned workers, started;
	unsigned busy;                /* workers running a job */
	struct job *ring;             /* queue_max + workers slots */
	unsigned cap, head, count;
	unsigned queue_max;
	bool stopping;
};

static void *worker_main(void *arg)
{
	struct ca_workpool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job j;

		while (p->count == 0 && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->count == 0)
			break; /* stopping, and nothing left */
		j = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		j.fn(j.arg);
		pthread_mutex_lock(&p->lock);
		p->busy--;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int ca_workpool_new(struct ca_workpool **out, unsigned workers, unsigned queue_max,
		    struct ca_err *err)
{
	struct ca_workpool *p;
	unsigned i;

	*out = NULL;
	if (workers < 1 || workers > WORKPOOL_MAX_WORKERS || queue_max > WORKPOOL_MAX_QUEUE)
		return ca_err_set(err, CA_EINVAL,
				  "A worker pool takes 1 to %d workers and a queue of 0 to %d.",
				  WORKPOOL_MAX_WORKERS, WORKPOOL_MAX_QUEUE);
	p = calloc(1, sizeof(*p));
	if (!p)
		return ca_err_set(err, CA_ENOMEM, "Out of memory starting the worker pool.");
	p->workers = workers;
	p->queue_max = queue_max;
	p->cap = workers + queue_max;
	p->ring = calloc(p->cap, sizeof(*p->ring));
	p->threads = calloc(workers, sizeof(*p->threads));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (!p->ring || !p->threads) {
		ca_workpool_free(p);
		return ca_err_set(err, CA_ENOMEM, "Out of memory starting the worker pool.");
	}
	for (i = 0; i < workers; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
			ca_workpool_free(p);
			return ca_err_set(err, CA_EIO, "Cannot start a worker thread.");
		}
		p->started++;
	}
	*out = p;
	return CA_OK;
}

bool ca_workpool_submit(struct ca_workpool *p, ca_work_fn fn, void *arg)
{
	bool taken = false;

	pthread_mutex_lock(&p->lock);
	/* room: the idle workers plus the queue's own slots */
	if (!p->stopping && p->busy + p->count < p->workers + p->queue_max) {
		p->ring[(p->head + p->count) % p->cap] = (struct job){ fn, arg };
		p->count++;
		taken = true;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
	return taken;
}

unsigned ca_workpool_pending(struct ca_workpool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->busy + p->count;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void ca_workpool_free(struct ca_workpool *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->ring);
	free(p);
}
