/*
 * request.h — what a handler sees of one HTTP request.
 *
 * The server builds it and owns everything in it; a handler borrows it for the
 * length of its call and must copy what it keeps. All strings are
 * NUL-terminated; query values, path and route parameters are percent-decoded
 * (and never contain NUL: a request with %00 is refused with 400 before it
 * reaches a handler).
 */
#ifndef CA_HTTP_REQUEST_H
#define CA_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http/kv.h"
#include "util/error.h"

#define CA_HTTP_REQUEST_ID_MAX 128
#define CA_HTTP_REMOTE_MAX 64

struct ca_http_request {
	const char *method;        /* "GET", "POST", ... as sent */
	const char *path;          /* decoded path, without the query ("/api/photos/7") */
	const char *raw_path;      /* the same as sent, still percent-encoded */
	struct ca_http_kv query;   /* decoded query parameters, in order */
	struct ca_http_kv headers; /* as received; look up with ca_http_header() */
	struct ca_http_kv cookies; /* from the Cookie header (see cookie.h) */
	struct ca_http_kv params;  /* route parameters ("id" for /api/photos/{id}) */
	const char *body;          /* the whole request body, read-only; "" when none. Not
	                              NUL-terminated in general (large bodies are a
	                              mapping of a temp file): use body_len. */
	size_t body_len;
	char remote[CA_HTTP_REMOTE_MAX];          /* client address, numeric */
	char request_id[CA_HTTP_REQUEST_ID_MAX + 1];
	void *app;                 /* the server's app pointer (ca_http_server_opts.app) */
	bool on_worker;            /* true when run on the server's worker pool after
	                              the handler asked for it (ca_http_respond_defer) */
};

/* The first query parameter called name, or NULL. */
const char *ca_http_query(const struct ca_http_request *req, const char *name);
/* The first header called name (any case), or NULL. */
const char *ca_http_header(const struct ca_http_request *req, const char *name);
/* The first cookie called name, or NULL. */
const char *ca_http_cookie(const struct ca_http_request *req, const char *name);
/* The route parameter called name, or NULL. */
const char *ca_http_param(const struct ca_http_request *req, const char *name);

/*
 * The body parsed as JSON into *out (the caller json_decref()s it). Requires a
 * Content-Type of application/json (with any parameters). Returns CA_OK;
 * CA_HTTP_BAD_MEDIA_TYPE for another content type; CA_HTTP_BAD_REQUEST with
 * the parser's complaint for malformed JSON, duplicate keys or a top level
 * that is not an object. *out is NULL on error.
 */
int ca_http_body_json(const struct ca_http_request *req, json_t **out, struct ca_err *err);

#endif
