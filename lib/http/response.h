/*
 * response.h — what a handler fills in: status, headers, cookies and a body
 * held in memory or read from a file.
 *
 * Lifecycle: the server calls ca_http_response_init() before the handler and
 * ca_http_response_release() after sending. Every ca_http_respond_*() replaces
 * the status and body set before. JSON errors have the API's shape
 * {"error": "<short name>", "message": "<sentence>"}.
 */
#ifndef CA_HTTP_RESPONSE_H
#define CA_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http/cookie.h"
#include "http/kv.h"
#include "util/buf.h"
#include "util/error.h"

struct ca_http_response {
	int status;                /* 0 until a handler sets one: the server then sends 500 */
	struct ca_http_kv headers; /* names may repeat (Set-Cookie) */
	struct ca_buf body;        /* used unless file_fd >= 0 */
	int file_fd;               /* -1, or an open file the response owns and closes */
	uint64_t file_size;        /* bytes of file_fd to send, from offset 0 */
	bool defer;                /* set by ca_http_respond_defer() */
};

void ca_http_response_init(struct ca_http_response *resp);
/* Frees headers and body, closes file_fd. NULL is accepted. */
void ca_http_response_release(struct ca_http_response *resp);

/*
 * Adds a header. CA_EINVAL when name is not a token or value holds CR, LF or
 * NUL (header injection); CA_ENOMEM.
 */
int ca_http_add_header(struct ca_http_response *resp, const char *name, const char *value);
/* Removes every header called name (any case), then adds it as above. */
int ca_http_set_header(struct ca_http_response *resp, const char *name, const char *value);

/* status with a body of len bytes copied from data, of content_type (NULL: none). */
int ca_http_respond(struct ca_http_response *resp, int status, const char *content_type,
		    const void *data, size_t len);
/* status with value serialised compactly as application/json. value is borrowed. */
int ca_http_respond_json(struct ca_http_response *resp, int status, const json_t *value);
/*
 * status with the error shape. The short name comes from the status
 * ("not_found" for 404, see ca_http_error_name()); message is printf-style.
 */
int ca_http_respond_error(struct ca_http_response *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The error shape for a failed library call: the status from
 * ca_http_status_for(err->code) and err's sentence as message, except for
 * server-side failures (5xx), whose details stay out of the answer.
 */
int ca_http_respond_ca_err(struct ca_http_response *resp, const struct ca_err *err);
/* status with the body read from fd (size bytes). Takes fd, also on error. */
int ca_http_respond_fd(struct ca_http_response *resp, int status, int fd, uint64_t size,
		       const char *content_type);
/* A redirect (301, 302, 303, 307, 308) to location, without a body. */
int ca_http_respond_redirect(struct ca_http_response *resp, int status, const char *location);
/*
 * Asks the server to run the handler again, with req->on_worker true, on its
 * bounded worker pool: for heavy work (decoding images) that must not hold up
 * the threads serving other requests. A handler calls it, before doing the
 * heavy part, when req->on_worker is false, and returns CA_OK having answered
 * nothing else. When the pool is full the server answers 503 with Retry-After
 * instead. Clears anything set on resp before. CA_OK.
 */
int ca_http_respond_defer(struct ca_http_response *resp);
/* status with no body (204, 304). */
int ca_http_respond_empty(struct ca_http_response *resp, int status);

/* Adds a Set-Cookie header (see cookie.h). CA_EINVAL for a bad name or value. */
int ca_http_set_cookie(struct ca_http_response *resp, const char *name, const char *value,
		       const struct ca_http_cookie_attrs *attrs);

/* The HTTP status that fits a ca_code (CA_DB_NOTFOUND -> 404, CA_ENOMEM -> 500, ...). */
int ca_http_status_for(int code);
/* The error shape's short name for a status ("bad_request", "not_found", ...). */
const char *ca_http_error_name(int status);

#endif
