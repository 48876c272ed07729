/*
 * conn_watch.c — header deadline and minimum body rate (see conn_watch.h).
 */
#include "http/conn_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "util/banned.h"

/* How often the watcher looks (ms); a deadline is kept to within this. */
#define WATCH_TICK_MS 200

enum phase { PHASE_HEADERS, PHASE_BODY, PHASE_ANSWERING, PHASE_CUT };

struct ca_conn_track {
	struct ca_conn_track *prev, *next;
	int fd;
	enum phase phase;
	uint64_t since_ms;            /* when the phase began */
	uint64_t body_bytes;
};

struct ca_conn_watch {
	struct ca_conn_watch_opts opts;
	pthread_mutex_t lock;
	pthread_cond_t stop_cond;
	pthread_t thread;
	bool stop;
	struct ca_conn_track *head;
	uint64_t late_headers, slow_bodies;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * True when what the client sent is waiting in the socket, unread: the wait is the
 * server's (every handler thread busy), not the client's. For headers that means a
 * whole header block is there; for a body, any bytes at all.
 */
static bool client_is_waiting_on_us(const struct ca_conn_track *t)
{
	char peek[16384];
	ssize_t n;
	int pending = 0;

	if (t->phase == PHASE_BODY)
		return ioctl(t->fd, FIONREAD, &pending) == 0 && pending > 0;
	n = recv(t->fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
	return n >= 4 && memmem(peek, (size_t)n, "\r\n\r\n", 4) != NULL;
}

/* Under the lock: cuts t when it is late and the wait is the client's. */
static void check(struct ca_conn_watch *w, struct ca_conn_track *t, uint64_t now)
{
	uint64_t took = now - t->since_ms;
	bool late_headers = t->phase == PHASE_HEADERS && w->opts.header_timeout_ms &&
			    took > w->opts.header_timeout_ms;
	bool slow_body = t->phase == PHASE_BODY && w->opts.body_min_rate &&
			 took > w->opts.body_grace_ms &&
			 t->body_bytes * 1000u < (uint64_t)w->opts.body_min_rate * took;

	if (!(late_headers || slow_body) || client_is_waiting_on_us(t))
		return;
	if (late_headers)
		w->late_headers++;
	else
		w->slow_bodies++;
	/* the library sees end of stream and closes; fd stays open until it does */
	shutdown(t->fd, SHUT_RDWR);
	t->phase = PHASE_CUT;
}

static void *watch_main(void *arg)
{
	struct ca_conn_watch *w = arg;
	struct timespec until;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct ca_conn_track *t;
		uint64_t now = now_ms();

		for (t = w->head; t; t = t->next)
			check(w, t, now);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WATCH_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!w->stop &&
		       pthread_cond_timedwait(&w->stop_cond, &w->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int ca_conn_watch_start(struct ca_conn_watch **out, const struct ca_conn_watch_opts *opts,
			struct ca_err *err)
{
	struct ca_conn_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t cattr;

	*out = NULL;
	if (!w)
		return ca_err_set(err, CA_ENOMEM, "Out of memory starting the connection watcher.");
	w->opts = *opts;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->stop_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_cond_destroy(&w->stop_cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return ca_err_set(err, CA_EIO, "Cannot start the connection watcher thread.");
	}
	*out = w;
	return CA_OK;
}

static void enter(struct ca_conn_watch *w, struct ca_conn_track *t, enum phase phase)
{
	if (!t)
		return;
	pthread_mutex_lock(&w->lock);
	if (t->phase != PHASE_CUT) {
		t->phase = phase;
		t->since_ms = now_ms();
		t->body_bytes = 0;
	}
	pthread_mutex_unlock(&w->lock);
}

struct ca_conn_track *ca_conn_watch_add(struct ca_conn_watch *w, int fd)
{
	struct ca_conn_track *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fd = fd;
	t->phase = PHASE_HEADERS;
	t->since_ms = now_ms();
	pthread_mutex_lock(&w->lock);
	t->next = w->head;
	if (w->head)
		w->head->prev = t;
	w->head = t;
	pthread_mutex_unlock(&w->lock);
	return t;
}

void ca_conn_watch_remove(struct ca_conn_watch *w, struct ca_conn_track *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&w->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		w->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&w->lock);
	free(t);
}

void ca_conn_watch_headers_done(struct ca_conn_watch *w, struct ca_conn_track *t, bool body)
{
	enter(w, t, body ? PHASE_BODY : PHASE_ANSWERING);
}

void ca_conn_watch_body(struct ca_conn_watch *w, struct ca_conn_track *t, size_t n)
{
	if (!t)
		return;
	pthread_mutex_lock(&w->lock);
	t->body_bytes += n;
	pthread_mutex_unlock(&w->lock);
}

void ca_conn_watch_answering(struct ca_conn_watch *w, struct ca_conn_track *t)
{
	enter(w, t, PHASE_ANSWERING);
}

void ca_conn_watch_idle(struct ca_conn_watch *w, struct ca_conn_track *t)
{
	enter(w, t, PHASE_HEADERS);
}

void ca_conn_watch_counts(struct ca_conn_watch *w, uint64_t *late_headers, uint64_t *slow_bodies)
{
	pthread_mutex_lock(&w->lock);
	*late_headers = w->late_headers;
	*slow_bodies = w->slow_bodies;
	pthread_mutex_unlock(&w->lock);
}

void ca_conn_watch_free(struct ca_conn_watch *w)
{
	struct ca_conn_track *t, *next;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->stop_cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	for (t = w->head; t; t = next) {
		next = t->next;
		free(t);
	}
	pthread_cond_destroy(&w->stop_cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
