/*
 * s3_presign.h — presigned S3 URLs (SigV4 query mode, UNSIGNED-PAYLOAD), the way
 * the AWS SDKs make them: the Host header is the URL's host in lower case, with
 * the port when it is not the scheme's default, and the only signed header.
 */
#ifndef CA_AWS_S3_PRESIGN_H
#define CA_AWS_S3_PRESIGN_H

#include <time.h>

#include "aws/credentials.h"
#include "util/error.h"

#define S3_PRESIGN_MAX_URL (16 * 1024)

struct s3_presign_request {
	const char *method;      /* NULL: "GET" */
	/* http(s)://host[:port]/path[?query]: path-style (http://host:port/bucket/key)
	 * or virtual-host (https://bucket.s3.region.amazonaws.com/key). The path and
	 * query are signed exactly as given, so they must already be percent-encoded;
	 * no user:password@, no #fragment. */
	const char *url;
	long expires;            /* seconds, 1..604800 */
	time_t when;             /* signing time */
	const struct aws_credentials *creds;
	const char *region;
};

/*
 * Puts the presigned URL (malloc'd, the caller frees) in *out. CA_OK;
 * CA_AWS_BAD_ENDPOINT for a URL that is malformed, not http(s), or holds a space,
 * a control or non-ASCII byte; CA_EINVAL / CA_ERANGE / CA_ENOMEM as sigv4_sign_query.
 * *out is NULL on error.
 */
int s3_presign_url(const struct s3_presign_request *r, char **out, struct ca_err *err);

#endif
