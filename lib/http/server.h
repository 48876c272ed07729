/*
 * server.h — the HTTP server: libmicrohttpd with a thread pool on epoll,
 * keep-alive, a connection limit, idle timeouts and request body limits, in
 * front of a router.
 *
 * Every response carries the security headers (Content-Security-Policy,
 * X-Content-Type-Options, X-Frame-Options, Referrer-Policy), X-Request-Id, and
 * Cache-Control: no-store unless the handler set a Cache-Control of its own.
 * A body announced larger than body_max is refused with 413 before any of it
 * is read; a streamed (chunked) body that grows past body_max ends the
 * connection. Each finished request writes one access-log line (accesslog.h).
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

struct ca_http_server_opts {
	const char *listen;            /* "127.0.0.1:8080", "[::1]:8080", "*:8080"; port 0 picks a free one */
	const struct ca_http_router *router; /* borrowed; must outlive the server */
	void *app;                     /* handed to handlers as req->app */
	unsigned threads;              /* worker threads; 0: 4 */
	unsigned connection_limit;     /* open connections at once; 0: 256 */
	unsigned idle_timeout_s;       /* an idle connection is closed after this; 0: 30 */
	size_t body_max;               /* largest request body in bytes; 0: 1 MiB */
	size_t body_memory_max;        /* bodies above this are spooled to a temp file; 0: 256 KiB */
	const char *spool_dir;         /* for spooled bodies; NULL: $TMPDIR or /tmp */
	FILE *access_log;              /* NULL: no access log */
	const char *content_security_policy; /* NULL: CA_HTTP_DEFAULT_CSP */
	bool trust_forwarded_for;      /* behind a proxy: remote = last X-Forwarded-For hop */
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
