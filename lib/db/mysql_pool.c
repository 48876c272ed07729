/*
 * mysql_pool.c — the handle's connections: lent to one call at a time,
 * connected on first use, waited for (with a deadline) when all are busy.
 */
#include "db/mysql_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "util/banned.h"

int ca_mysql_pool_init(struct mysql_db *m, size_t n, struct ca_err *err)
{
	pthread_condattr_t attr;

	if (n < 1 || n > CA_MYSQL_POOL_MAX)
		return ca_err_set(err, CA_EINVAL, "A MySQL pool holds 1 to %d connections, not %zu.",
				  CA_MYSQL_POOL_MAX, n);
	m->conns = calloc(n, sizeof(*m->conns));
	if (!m->conns)
		return ca_err_set(err, CA_ENOMEM, "Out of memory opening the database.");
	m->nconns = n;
	if (pthread_mutex_init(&m->lock, NULL) != 0)
		return ca_err_set(err, CA_ENOMEM, "Cannot set up the MySQL connection pool.");
	m->sync_ok = true;
	/* the wait deadline is on the monotonic clock: wall-clock jumps do not cut it short */
	if (pthread_condattr_init(&attr) != 0)
		return ca_err_set(err, CA_ENOMEM, "Cannot set up the MySQL connection pool.");
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&m->freed, &attr) == 0)
		m->freed_ok = true;
	pthread_condattr_destroy(&attr);
	if (!m->freed_ok)
		return ca_err_set(err, CA_ENOMEM, "Cannot set up the MySQL connection pool.");
	return CA_OK;
}

/* A free slot, connected ones first (they need no handshake). Lock held. */
static struct mysql_conn *pick_free(struct mysql_db *m)
{
	struct mysql_conn *unconnected = NULL;
	size_t i;

	for (i = 0; i < m->nconns; i++) {
		struct mysql_conn *c = &m->conns[i];

		if (c->busy)
			continue;
		if (c->handle)
			return c;
		if (!unconnected)
			unconnected = c;
	}
	return unconnected;
}

int ca_mysql_pool_acquire(struct mysql_db *m, struct mysql_conn **out, struct ca_err *err)
{
	struct timespec deadline;
	struct mysql_conn *c;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)m->url.pool_timeout;
	pthread_mutex_lock(&m->lock);
	while ((c = pick_free(m)) == NULL) {
		if (pthread_cond_timedwait(&m->freed, &m->lock, &deadline) == ETIMEDOUT) {
			c = pick_free(m);
			break;
		}
	}
	if (c)
		c->busy = true;
	pthread_mutex_unlock(&m->lock);
	if (!c)
		return ca_err_set(err, CA_ETIMEOUT,
				  "All %zu MySQL connections stayed busy for %u seconds; try again, or "
				  "allow more with pool=N in the database URL.",
				  m->nconns, m->url.pool_timeout);
	/* the handshake (if needed) happens in the caller, outside the lock */
	if (ca_mysql_conn_stale(c))
		ca_mysql_conn_close(c);
	*out = c;
	return CA_OK;
}

void ca_mysql_pool_release(struct mysql_db *m, struct mysql_conn *c)
{
	if (!c)
		return;
	ca_mysql_conn_settle(c);
	pthread_mutex_lock(&m->lock);
	c->busy = false;
	pthread_cond_signal(&m->freed);
	pthread_mutex_unlock(&m->lock);
}

void ca_mysql_pool_destroy(struct mysql_db *m)
{
	size_t i;

	for (i = 0; m->conns && i < m->nconns; i++)
		ca_mysql_conn_close(&m->conns[i]);
	free(m->conns);
	m->conns = NULL;
	m->nconns = 0;
	if (m->freed_ok)
		pthread_cond_destroy(&m->freed);
	if (m->sync_ok)
		pthread_mutex_destroy(&m->lock);
	m->freed_ok = m->sync_ok = false;
}
