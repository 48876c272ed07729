/*
 * server.h — the HTTP server: libmicrohttpd with a thread pool on epoll,
 * keep-alive, a connection limit, idle timeouts and request body limits, in
 * front of a router.
 *
 * Every response carries the security headers (Content-Security-Policy,
 * X-Content-Type-Options, X-Frame-Options, Referrer-Policy; with the hsts option
 * Strict-Transport-Security: max-age=31536000), X-Request-Id, and
 * Cache-Control: no-store unless the handler set a Cache-Control of its own.
 * Each finished request writes one access-log line (accesslog.h).
 *
 * Before any body is read: a Transfer-Encoding other than plain "chunked" is
 * answered 501; the admit callback (when given) sees the request line and
 * headers and may answer at once (401, 404, ...) or lower the body cap for the
 * route; a body announced larger than the cap is answered 413. An early answer
 * goes out instead of "100 Continue" to a client that sent Expect:
 * 100-continue, and the connection is closed after it (the body is never
 * read). A chunked body that grows past the cap is read on and dropped (at
 * most CA_HTTP_DISCARD_MAX more bytes, else the connection is cut) and then
 * answered 413.
 *
 * Connections: at most connection_limit open, at most per_address_limit from
 * one client address (more are closed at once, so one address cannot starve
 * the others); the request line and headers must arrive within
 * header_timeout_ms of the connection opening (or of the previous response on
 * a kept-alive connection), however the bytes trickle in; a body must average
 * body_min_rate bytes a second once it has taken body_grace_ms; a connection
 * silent for idle_timeout_s is closed. A late connection is closed without an
 * answer (conn_watch.h).
 *
 * Handlers: with handler_threads, an HTTP thread that has a request's line,
 * headers and body suspends the connection and queues the request; handler
 * threads take requests from that one queue in arrival order (it has a place
 * for every connection, so it never refuses), and the answer is written by
 * the HTTP thread again. MHD pins each connection to one HTTP thread, so
 * without the queue a slow request (a database round trip) delays every other
 * connection that thread holds while the other threads may be idle.
 *
 * Heavy work: a handler may defer itself (ca_http_respond_defer) to a pool of
 * `workers` threads with `work_queue` places waiting; the connection is
 * suspended meanwhile, so the HTTP threads keep serving everyone else. When
 * the pool is full the request is answered 503 with Retry-After.
 *
 * Lifecycle: ca_http_server_start(), ..., ca_http_server_shutdown() (optional,
 * graceful), ca_http_server_free().
 */
#ifndef CA_HTTP_SERVER_H
#define CA_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "http/router.h"
#include "util/error.h"

/* img-src allows https: for map tiles and presigned S3 URLs. */
#define CA_HTTP_DEFAULT_CSP                                                        \
	"default-src 'self'; img-src 'self' data: blob: https:; object-src 'none'; " \
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

/* Bytes of an over-cap chunked body read and dropped before the connection is cut. */
#define CA_HTTP_DISCARD_MAX ((size_t)8 << 20)
/* Retry-After (seconds) of the 503 a full worker pool answers. */
#define CA_HTTP_BUSY_RETRY_S 2

/*
 * Called once a request's line and headers are in, before any body is read
 * (only for requests that announce a body). req has no body yet (body_len 0)
 * and req->app set. To answer now, fill resp (the body is then never read);
 * to go on, leave resp->status 0, optionally lowering *body_max (the cap on
 * this request's body; it starts at the server's body_max). Returns CA_OK;
 * another code makes the server answer 500.
 */
typedef int (*ca_http_admit_fn)(struct ca_http_request *req, struct ca_http_response *resp,
				size_t *body_max);

struct ca_http_server_opts {
	const char *listen;            /* "127.0.0.1:8080", "[::1]:8080", "*:8080"; port 0 picks a free one */
	const struct ca_http_router *router; /* borrowed; must outlive the server */
	void *app;                     /* handed to handlers as req->app */
	unsigned threads;              /* HTTP threads (MHD's pool: reading, writing); 0: 4 */
	unsigned handler_threads;      /* threads running handlers from one queue; 0: the
	                                  HTTP threads run them (each for the connections
	                                  it holds) */
	unsigned connection_limit;     /* open connections at once; 0: 512 */
	unsigned per_address_limit;    /* open connections from one address; 0: 64 */
	unsigned idle_timeout_s;       /* an idle connection is closed after this; 0: 30 */
	unsigned header_timeout_ms;    /* request line and headers within this; 0: 20000 */
	unsigned body_min_rate;        /* bytes/s a body must average; 0: 1024 */
	unsigned body_grace_ms;        /* ... once it has taken this long; 0: 10000 */
	unsigned workers;              /* threads for deferred (heavy) handlers; 0: 2 */
	unsigned work_queue;           /* deferred requests that may wait; 0: 4 */
	ca_http_admit_fn admit;        /* NULL: no early check */
	size_t body_max;               /* largest request body in bytes; 0: 1 MiB */
	size_t body_memory_max;        /* bodies above this are spooled to a temp file; 0: 256 KiB */
	const char *spool_dir;         /* for spooled bodies; NULL: $TMPDIR or /tmp */
	FILE *access_log;              /* NULL: no access log */
	const char *content_security_policy; /* NULL: CA_HTTP_DEFAULT_CSP */
	bool trust_forwarded_for;      /* behind a proxy: remote = last X-Forwarded-For hop */
	bool hsts;                     /* add Strict-Transport-Security (served over https) */
};

struct ca_http_server;

/*
 * Starts listening and serving in background threads. *out receives the
 * server (free with ca_http_server_free). CA_EINVAL for a bad listen address,
 * CA_HTTP_SERVER when the address cannot be bound (in use, no permission),
 * CA_ENOMEM.
 */
int ca_http_server_start(struct ca_http_server **out, const struct ca_http_server_opts *opts,
			 struct ca_err *err);
/* The port actually listened on (useful with port 0). */
uint16_t ca_http_server_port(const struct ca_http_server *srv);
/*
 * Graceful shutdown, part one: stops accepting connections, marks later
 * responses "Connection: close", and waits up to grace_ms for requests in
 * flight to finish. CA_OK when none is left; CA_ETIMEOUT when some still run
 * (ca_http_server_free() then closes their connections once their handlers
 * return). Safe to call once, from any thread except a handler.
 */
int ca_http_server_shutdown(struct ca_http_server *srv, unsigned grace_ms, struct ca_err *err);
/* Requests started and not yet finished (for tests and /healthz). */
unsigned ca_http_server_in_flight(struct ca_http_server *srv);
/* Deferred requests running or waiting on the worker pool. */
unsigned ca_http_server_work_pending(struct ca_http_server *srv);
/*
 * Stops the server: closes every connection (waiting for running handlers to
 * return), joins the threads and frees. NULL is accepted.
 */
void ca_http_server_free(struct ca_http_server *srv);

/*
 * Splits a listen address "host:port" ("[v6]:port", "*:port" for every IPv4
 * address) into host (NUL-terminated, "" for any) and port. CA_EINVAL with a
 * sentence when malformed.
 */
int ca_http_parse_listen(const char *listen, char *host, size_t host_cap, uint16_t *port,
			 struct ca_err *err);

#endif
