/*
 * client.h — one AWS client for every service: endpoint, SigV4 signing, transport,
 * retries and error parsing in one call. The wire protocols sit on it: protocol.h
 * (awsJson, rest-json, query: aws_call) and, here, S3's rest-xml (aws_s3_send).
 *
 *   aws_client_send     any request, already shaped (the layer under protocol.h)
 *   aws_s3_send         rest-xml for S3: bucket + key addressing, headers and body
 *
 * The endpoint and the retry policy of each service are resolved once per client, on
 * its first request to that service (AWS_ENDPOINT_URL_* and the retry variables are
 * read then, not per request); a failed resolution is not kept and is tried again.
 * Each attempt is signed afresh (new X-Amz-Date, current credentials), sent, and
 * retried per retry.h. A failure leaves one sentence in err:
 *   "<signing name>: <Code>: <message> (HTTP <status>, request id <id>)"
 * with CA_AWS_SERVICE (CA_AWS_THROTTLED when throttling outlasted every retry), or the
 * transport's CA_AWS_NETWORK / CA_AWS_TIMEOUT sentence.
 * A client is safe to share between threads once created.
 *
 * Setting CA_AWS_DEBUG=1 prints one line per retry to stderr ("aws: <svc> attempt N:
 * <why>; retrying in X ms (bound Y ms)") — never headers, bodies or keys.
 */
#ifndef CA_AWS_CLIENT_H
#define CA_AWS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "util/error.h"
#include "util/xml.h"

struct aws_client_options {
	const char *region;             /* NULL: aws_region_resolve(fallback_region) */
	const char *fallback_region;    /* the YAML's aws.region; may be NULL */
	const char *endpoint;           /* the YAML's aws.endpoint; NULL: env or real AWS */
	/* zeros: CA_AWS_CONNECT_TIMEOUT_MS / CA_AWS_TIMEOUT_MS from the environment,
	 * else the transport's defaults (3 s to connect, 30 s in all) */
	struct aws_http_options http;
	/* NULL: aws_retry_policy_from_env() per service. Copied. */
	const struct aws_retry_policy *retry;
	/* Borrowed, must outlive the client; NULL: the client owns a default provider. */
	struct aws_credentials_provider *credentials;
};

struct aws_client;

/*
 * Creates a client into *out (free with aws_client_free). opt may be NULL.
 * Fails with CA_AWS_NO_REGION when no region is set anywhere, CA_EINVAL for a bad
 * AWS_MAX_ATTEMPTS/backoff variable, CA_ENOMEM. Credentials are resolved lazily, on
 * the first request.
 */
int aws_client_new(const struct aws_client_options *opt, struct aws_client **out,
		   struct ca_err *err);
void aws_client_free(struct aws_client *c);

/* The region requests are made in. Borrowed, lives as long as the client. */
const char *aws_client_region(const struct aws_client *c);

/* A request before signing. Borrowed for the duration of the call. */
struct aws_request {
	enum aws_service service;
	const char *method;                     /* "GET", "POST", ... */
	const char *path;                       /* percent-encoded, starts with '/'; NULL: "/" */
	const char *query;                      /* percent-encoded, without '?'; may be NULL */
	const struct aws_http_header *headers;  /* extra headers (Content-Type, X-Amz-Target ...);
						 * not Host, Authorization or X-Amz-Date */
	size_t n_headers;
	const void *body;
	size_t body_len;
	size_t max_body;                        /* answer cap; 0: the transport's */
};

/* The answer to the last attempt. */
struct aws_response {
	struct aws_http_response http;  /* status, headers and body */
	struct aws_error error;         /* parsed when the status is not 2xx */
	int attempts;                   /* attempts made, 1.. */
};

void aws_response_init(struct aws_response *r);
/* Frees what the response holds and re-initialises it. NULL accepted. */
void aws_response_release(struct aws_response *r);

/*
 * Resolves the endpoint, signs, sends and retries. *resp (initialised by the caller,
 * released by the caller) holds the last answer, also on CA_AWS_SERVICE so callers can
 * look at resp->http.status (e.g. S3 HEAD 404) or resp->error.code.
 * Returns CA_OK for a 2xx answer; see the top of this file for the failures;
 * also CA_AWS_NO_CREDENTIALS & co. from the credentials chain, CA_AWS_BAD_ENDPOINT,
 * CA_EINVAL/CA_ERANGE from the signer.
 */
int aws_client_send(struct aws_client *c, const struct aws_request *req,
		    struct aws_response *resp, struct ca_err *err);

/* A name and value, both NOT encoded (the client encodes). value NULL: name alone. */
struct aws_param {
	const char *name;
	const char *value;
};

/* An S3 request. Borrowed for the duration of the call. */
struct aws_s3_request {
	const char *method;
	const char *bucket;                     /* NULL: the service (ListBuckets) */
	const char *key;                        /* raw UTF-8 key, encoded here; NULL or "": none */
	const struct aws_param *query;          /* raw, encoded here ("list-type"="2", "uploads"=NULL) */
	size_t n_query;
	const struct aws_http_header *headers;  /* Content-Type, x-amz-*, Range ... */
	size_t n_headers;
	const void *body;
	size_t body_len;
	size_t max_body;                        /* answer cap; 0: the transport's */
};

/*
 * rest-xml for S3: the bucket goes in the path (path-style endpoints: IP addresses,
 * localhost, custom endpoints that ask for it, bucket names that are not DNS labels)
 * or the host (bucket.s3.<region>.amazonaws.com). Signed with S3's rules
 * (x-amz-content-sha256). *resp as for aws_client_send.
 */
int aws_s3_send(struct aws_client *c, const struct aws_s3_request *r, struct aws_response *resp,
		struct ca_err *err);

/* Parses resp's body as XML into *out (ca_xml_free it). CA_AWS_BAD_RESPONSE if it is not. */
int aws_response_xml(const struct aws_response *resp, struct ca_xml_node **out,
		     struct ca_err *err);

/*
 * Appends name=value pairs to out, each part encoded the AWS way ('&' between, a NULL
 * value writes the name alone). For query strings and form bodies. CA_OK or CA_ENOMEM.
 */
int aws_params_encode(struct ca_buf *out, const struct aws_param *params, size_t n);

/* --- watching calls (X-Ray subsegments) ----------------------------------------------
 *
 * A thread-local observer, so that lib/aws knows nothing of who watches: the tracing
 * of served requests (lib/app/tracing.c) sets one around each sampled request's
 * dispatch and turns every call into a subsegment. Every call a thread makes through
 * aws_client_send or aws_s3_send (and so every call built on them) is reported to the
 * thread's observer once, after its last attempt, whatever the outcome: retries of
 * one call are one report. Presigned URLs are not calls and are never reported.
 * A thread without an observer pays nothing.
 */

/* Most table names one record lists (BatchWriteItem, TransactWriteItems); more are left out. */
#define AWS_CALL_TABLES_MAX 8

/*
 * One finished call. Every pointer is borrowed for the duration of the callback only.
 * Nothing of a request's or answer's body is carried but DynamoDB table names.
 */
struct aws_call_record {
	enum aws_service service;
	const char *operation;          /* "Query", "PutObject", "InitiateAuth"; "" unknown */
	const char *region;             /* the signing region */
	const char *table_name;         /* DynamoDB: the request's TableName, else NULL */
	const char *table_names[AWS_CALL_TABLES_MAX]; /* DynamoDB batch/transaction tables */
	size_t n_table_names;
	const char *bucket;             /* S3: the bucket, else NULL */
	const char *request_id;         /* of the last answer; "" when none */
	const char *error_code;         /* the service's code ("ResourceNotFoundException"); "" */
	const char *error_message;      /* the call's failure sentence; "" on success */
	int status;                     /* last answer's HTTP status; 0: none (network, signing) */
	long long content_length;       /* bytes of the last answer's body; -1 when none */
	int rc;                         /* the call's result, CA_OK or the CA_* it returned */
	bool throttled;                 /* the last answer was the service throttling */
	int attempts;                   /* 1..; retries are attempts - 1 (0 when never sent) */
	double start_time, end_time;    /* epoch seconds, around every attempt */
	const char *subsegment_id;      /* the Parent its X-Amzn-Trace-Id named (16 hex), ""
					 * when the observer has no trace_root */
};

struct aws_call_observer {
	/* Called on the calling thread. Must not make AWS calls itself (the thread's
	 * observer is cleared while it runs, so they would go unreported). */
	void (*on_call)(void *ctx, const struct aws_call_record *rec);
	void *ctx;
	/* An X-Ray trace id ("1-5f84c7a1-..."), or NULL. When set, every attempt of a call
	 * carries "X-Amzn-Trace-Id: Root=<trace_root>;Parent=<id>;Sampled=1", unsigned (as
	 * the AWS SDKs send it), with an id made for the call and reported as
	 * rec->subsegment_id, so that the call's subsegment is the parent downstream. */
	const char *trace_root;
};

/*
 * Sets the calling thread's observer (NULL: none) and returns the one it replaces,
 * for the caller to put back when done. obs is borrowed: it must stay valid until
 * replaced. Threads start with none. Never fails.
 */
const struct aws_call_observer *aws_call_observer_set(const struct aws_call_observer *obs);

#endif
