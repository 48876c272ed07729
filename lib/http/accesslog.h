/*
 * accesslog.h — one line per request, as JSON or as text, and the request id
 * that ties a log line to what the client saw (echoed in the X-Request-Id
 * response header).
 *
 * A JSON line: {"time":"2024-05-01T12:00:00.123Z","method":"GET","path":"/api/me",
 * "status":200,"bytes":57,"duration_ms":1.25,"request_id":"...","remote":"127.0.0.1"}
 * A text line, the Common Log Format's fields then duration and request id:
 *   127.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /api/me" 200 57 1.250ms id=...
 * The query string is never logged (it may carry cursors or tokens); bytes
 * outside printable ASCII in method and path are written as %XX, and in the
 * text form so are space, '"' and '\', so a path cannot forge fields or lines.
 */
#ifndef CA_HTTP_ACCESSLOG_H
#define CA_HTTP_ACCESSLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "http/request.h"
#include "util/buf.h"

struct ca_http_access_entry {
	struct timespec time;     /* wall clock when the request arrived */
	const char *method;
	const char *path;
	int status;
	uint64_t bytes;           /* response body bytes */
	double duration_ms;
	const char *request_id;
	const char *remote;
};

enum ca_http_log_format { CA_HTTP_LOG_JSON, CA_HTTP_LOG_TEXT };

/* Appends the entry's JSON line, with its '\n', to out. CA_OK or CA_ENOMEM. */
int ca_http_access_format(struct ca_buf *out, const struct ca_http_access_entry *e);
/* Appends the entry's text line, with its '\n', to out. CA_OK or CA_ENOMEM. */
int ca_http_access_format_text(struct ca_buf *out, const struct ca_http_access_entry *e);

/*
 * Chooses the form ca_http_access_write() writes, for the whole process
 * (default CA_HTTP_LOG_JSON). Meant to be called once at start, before the
 * server runs; safe from any thread.
 */
void ca_http_access_set_format(enum ca_http_log_format format);
enum ca_http_log_format ca_http_access_get_format(void);

/*
 * Writes the entry's line, in the chosen form, to f in one piece (safe from
 * many threads) and flushes. f NULL: nothing.
 */
void ca_http_access_write(FILE *f, const struct ca_http_access_entry *e);

/* true when s can serve as a request id: 1..CA_HTTP_REQUEST_ID_MAX of [A-Za-z0-9._:;=+/@-]. */
bool ca_http_request_id_ok(const char *s);
/*
 * Chooses the id for a request into out: x_request_id when sane; else the
 * Root= part of x_amzn_trace_id (or the whole value) when sane; else 32 random
 * hex digits. Either input may be NULL.
 */
void ca_http_request_id_choose(const char *x_request_id, const char *x_amzn_trace_id,
			       char out[CA_HTTP_REQUEST_ID_MAX + 1]);

#endif
