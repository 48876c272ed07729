/*
 * http.h — the HTTP transport of the AWS layer, on libcurl.
 *
 * One `struct aws_http` per client. It keeps a small pool of libcurl easy handles, so
 * connections are kept alive and reused between requests, and several threads may
 * send through the same aws_http at once (each request borrows one handle).
 * Every request has a connect timeout and a total timeout; the response body is held
 * in memory up to a size cap. Signals are never used (CURLOPT_NOSIGNAL); only http
 * and https are spoken; redirects are not followed (AWS answers them as errors).
 * Nothing here signs: callers add the SigV4 headers first.
 */
#ifndef CA_AWS_HTTP_H
#define CA_AWS_HTTP_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define AWS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define AWS_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define AWS_HTTP_DEFAULT_MAX_BODY (64u * 1024 * 1024)
#define AWS_HTTP_MAX_HEADERS 128
#define AWS_HTTP_MAX_HEADER_BYTES (64u * 1024)

struct aws_http_options {
	long connect_timeout_ms;        /* 0: default */
	long timeout_ms;                /* whole request; 0: default */
	size_t max_body;                /* response body cap; 0: default */
};

struct aws_http_header {
	const char *name;
	const char *value;
};

/* One request. Everything is borrowed for the duration of aws_http_send. */
struct aws_http_request {
	const char *method;             /* "GET", "PUT", "POST", "DELETE", "HEAD" */
	const char *url;                /* scheme://host[:port]/path[?query], already encoded */
	const struct aws_http_header *headers;  /* sent as given (Host, signature, ...) */
	size_t n_headers;
	const void *body;               /* NULL when body_len is 0 */
	size_t body_len;
	size_t max_body;                /* this request's response cap; 0: the handle's */
};

/* A response header; both strings are owned by the response. */
struct aws_http_resp_header {
	char *name;
	char *value;
};

struct aws_http_response {
	long status;                    /* HTTP status; 0 before an answer arrived */
	struct aws_http_resp_header *headers;   /* of the final answer, in order received */
	size_t n_headers;
	struct ca_buf body;
};

/* S_init / S_release for responses. release accepts NULL and leaves an initialised struct. */
void aws_http_response_init(struct aws_http_response *r);
void aws_http_response_release(struct aws_http_response *r);

/* The value of response header `name` (case-insensitive), or NULL. Borrowed. */
const char *aws_http_response_header(const struct aws_http_response *r, const char *name);

/* The request id AWS gave the answer (x-amzn-RequestId, x-amz-request-id), or NULL. */
const char *aws_http_response_request_id(const struct aws_http_response *r);

/*
 * A transport. opt may be NULL (defaults). Returns NULL on OOM (with err set).
 * Free it with aws_http_free (NULL accepted) once no thread is sending through it.
 */
struct aws_http *aws_http_new(const struct aws_http_options *opt, struct ca_err *err);
void aws_http_free(struct aws_http *h);

/*
 * Sends req and fills *resp (aws_http_response_init'ed by the caller, reset here;
 * the caller releases it). Returns CA_OK whenever an HTTP answer arrived, whatever its
 * status; CA_AWS_TIMEOUT when a timeout ran out; CA_AWS_NETWORK when the connection
 * failed or dropped; CA_ERANGE when the answer was larger than the cap; CA_EINVAL for a
 * bad request; CA_ENOMEM. err names the host (never the query or the headers).
 */
int aws_http_send(struct aws_http *h, const struct aws_http_request *req,
		  struct aws_http_response *resp, struct ca_err *err);

#endif
