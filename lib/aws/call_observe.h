/*
 * call_observe.h — internal to lib/aws: what client.c needs to report a finished call
 * to the thread's observer (aws_call_observer_set in client.h).
 */
#ifndef CA_AWS_CALL_OBSERVE_H
#define CA_AWS_CALL_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"

/* Longest operation name written (S3's longest are ~40 characters). */
#define AWS_CALL_OPERATION_MAX 64

/* The calling thread's observer, or NULL. */
const struct aws_call_observer *aws_call_observer_current(void);

/* Epoch seconds now, microseconds kept. */
double aws_call_now(void);

/*
 * The S3 operation a request is ("GetObject", "ListObjectsV2", "PutPublicAccessBlock"...)
 * into out (cap bytes with the NUL; "" when it cannot be told): from the method, whether
 * a bucket and a key are addressed, the encoded query string (may be NULL) and the
 * headers (x-amz-copy-source).
 */
void aws_call_s3_operation(const char *method, bool has_bucket, bool has_key, const char *query,
			   const struct aws_http_header *headers, size_t n_headers, char *out,
			   size_t cap);

/* How a call ended, for aws_call_report. Borrowed. */
struct aws_call_outcome {
	const struct aws_endpoint *ep;
	const struct aws_request *req;
	const char *s3_operation;      /* aws_s3_send's, or NULL: told from req */
	const char *bucket;            /* aws_s3_send's raw bucket, or NULL */
	const struct aws_response *resp;
	int rc;
	bool throttled;
	const char *message;           /* the failure sentence, "" on success */
	double start_time, end_time;
	const char *subsegment_id;     /* the Parent sent in X-Amzn-Trace-Id, or "" */
};

/*
 * Describes the call (operation, region, tables, bucket, status, request id...) and hands
 * it to obs->on_call with the thread's observer cleared meanwhile. Never fails: what
 * cannot be told (out of memory reading a body) is left out.
 */
void aws_call_report(const struct aws_call_observer *obs, const struct aws_call_outcome *o);

#endif
