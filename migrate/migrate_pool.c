/* migrate_pool.c — a fixed set of threads taking numbered tasks until done or failed. */
#include "migrate_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

struct pool {
	mig_task_fn fn;
	void *arg;
	const struct aws_call_observer *observer; /* the starting thread's, for every worker */
	size_t n;
	atomic_size_t next;
	atomic_int failed;
	pthread_mutex_t lock;
	int rc;
	struct ca_err err;
};

static void *worker(void *p)
{
	struct pool *pl = p;
	struct ca_err err;
	const struct aws_call_observer *before = aws_call_observer_set(pl->observer);

	for (;;) {
		size_t i;
		int rc;

		if (atomic_load(&pl->failed))
			break;
		i = atomic_fetch_add(&pl->next, 1);
		if (i >= pl->n)
			break;
		ca_err_clear(&err);
		rc = pl->fn(pl->arg, i, &err);
		if (rc != CA_OK) {
			pthread_mutex_lock(&pl->lock);
			if (pl->rc == CA_OK) {
				pl->rc = rc;
				pl->err = err;
			}
			pthread_mutex_unlock(&pl->lock);
			atomic_store(&pl->failed, 1);
			break;
		}
	}
	(void)aws_call_observer_set(before);
	return NULL;
}

int mig_pool_run(int jobs, size_t n, mig_task_fn fn, void *arg, struct ca_err *err)
{
	pthread_t threads[MIGRATE_JOBS_MAX];
	struct pool pl;
	int started = 0, k;

	memset(&pl, 0, sizeof(pl));
	pl.fn = fn;
	pl.arg = arg;
	pl.n = n;
	pl.observer = aws_call_observer_set(NULL);
	(void)aws_call_observer_set(pl.observer);
	atomic_init(&pl.next, 0);
	atomic_init(&pl.failed, 0);
	pthread_mutex_init(&pl.lock, NULL);
	ca_err_clear(&pl.err);
	if (jobs < 1)
		jobs = 1;
	if (jobs > MIGRATE_JOBS_MAX)
		jobs = MIGRATE_JOBS_MAX;
	if ((size_t)jobs > n)
		jobs = n ? (int)n : 1;
	if (jobs == 1) {
		worker(&pl);
	} else {
		for (k = 0; k < jobs; k++) {
			if (pthread_create(&threads[k], NULL, worker, &pl) != 0)
				break;
			started++;
		}
		if (started == 0)
			worker(&pl); /* no threads to be had: do it here */
		for (k = 0; k < started; k++)
			pthread_join(threads[k], NULL);
	}
	pthread_mutex_destroy(&pl.lock);
	if (pl.rc != CA_OK)
		return ca_err_set(err, pl.rc, "%s", ca_err_msg(&pl.err));
	return CA_OK;
}
