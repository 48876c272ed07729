/*
 * conn_watch.h — deadlines a connection must keep while the server waits on
 * its client: the request line and headers within a fixed time (not one that
 * restarts with every byte, so a client dribbling a header byte at a time is
 * cut off), and a body that keeps up a minimum rate. One watcher thread checks
 * every connection a few times a second and shuts down the socket of one that
 * is late; the HTTP library then sees the connection end and closes it.
 *
 * A connection is in one of three phases: waiting for headers (from its
 * accept, and again from the end of each response on a kept-alive
 * connection), receiving a body, or being answered (no deadline: the handler's
 * own time is not the client's fault). Nor is a wait the server causes: a
 * connection whose whole header block, or any body bytes, sit unread in the
 * socket (every handler busy) is not cut until the server has read them.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef CA_HTTP_CONN_WATCH_H
#define CA_HTTP_CONN_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct ca_conn_watch;
struct ca_conn_track;

struct ca_conn_watch_opts {
	unsigned header_timeout_ms;   /* headers must be in within this; 0: no deadline */
	unsigned body_min_rate;       /* bytes per second a body must average; 0: no floor */
	unsigned body_grace_ms;       /* the floor applies once a body has taken this long */
};

/*
 * Starts the watcher thread. *out receives the watcher (ca_conn_watch_free
 * frees it). CA_ENOMEM, or CA_EIO when the thread cannot start.
 */
int ca_conn_watch_start(struct ca_conn_watch **out, const struct ca_conn_watch_opts *opts,
			struct ca_err *err);

/*
 * Starts watching the connected socket fd, waiting for headers. The record is
 * the watcher's; NULL on out of memory (the connection is then not watched).
 * fd stays the caller's: the watcher only ever calls shutdown() on it, and
 * only until ca_conn_watch_remove(), which must come before fd is closed.
 */
struct ca_conn_track *ca_conn_watch_add(struct ca_conn_watch *w, int fd);
/* Stops watching and frees t. NULL is accepted. */
void ca_conn_watch_remove(struct ca_conn_watch *w, struct ca_conn_track *t);

/* The headers are in: a body follows (body true) or the request is answered now. */
void ca_conn_watch_headers_done(struct ca_conn_watch *w, struct ca_conn_track *t, bool body);
/* n more bytes of body arrived. */
void ca_conn_watch_body(struct ca_conn_watch *w, struct ca_conn_track *t, size_t n);
/* The body is complete: the request is being answered. */
void ca_conn_watch_answering(struct ca_conn_watch *w, struct ca_conn_track *t);
/* The response is done: the next request's headers are due within the deadline. */
void ca_conn_watch_idle(struct ca_conn_watch *w, struct ca_conn_track *t);

/* Connections cut so far for late headers and for slow bodies. */
void ca_conn_watch_counts(struct ca_conn_watch *w, uint64_t *late_headers, uint64_t *slow_bodies);

/* Stops the thread and frees the watcher and any record left. NULL is accepted. */
void ca_conn_watch_free(struct ca_conn_watch *w);

#endif
