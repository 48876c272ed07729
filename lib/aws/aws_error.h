/*
 * aws_error.h — what an AWS service said went wrong, read from its error answer.
 *
 * Understands both JSON protocols (awsJson 1.0/1.1 and rest-json: `__type`, `code`,
 * `message`/`Message`, the `x-amzn-ErrorType` header) and the XML ones (query and
 * rest-xml: <ErrorResponse><Error><Code>/<Message>, S3's bare <Error> root, EC2's
 * <Response><Errors><Error>). The request id comes from the x-amzn-RequestId /
 * x-amz-request-id header or the body's <RequestId>/<RequestID>.
 * Bodies are untrusted: anything unreadable falls back to the HTTP status.
 */
#ifndef CA_AWS_ERROR_H
#define CA_AWS_ERROR_H

#include <stddef.h>

#include "util/error.h"

#define AWS_ERROR_CODE_MAX 128
#define AWS_ERROR_MESSAGE_MAX 320
#define AWS_ERROR_REQUEST_ID_MAX 128
/* Bodies longer than this are not parsed at all (the status is used instead). */
#define AWS_ERROR_BODY_MAX (256u * 1024)

/* What the caller has of an error answer. Borrowed; any member may be NULL/0. */
struct aws_error_input {
	int status;                     /* HTTP status */
	const char *body;
	size_t body_len;
	const char *error_type_header;  /* x-amzn-ErrorType */
	const char *request_id_header;  /* x-amzn-RequestId, else x-amz-request-id */
};

/* The parsed error. Strings are NUL-terminated, printable ASCII/UTF-8, possibly empty. */
struct aws_error {
	int status;
	char code[AWS_ERROR_CODE_MAX];          /* "ThrottlingException"; never empty after
						 * parse: "<status>" (the bare number) when the body had none */
	char message[AWS_ERROR_MESSAGE_MAX];    /* may be empty */
	char request_id[AWS_ERROR_REQUEST_ID_MAX]; /* may be empty */
	int code_from_body;                     /* 1 when code came from the answer, 0 if from status */
};

/* Fills *out from *in. Never fails and never allocates anything the caller keeps. */
void aws_error_parse(const struct aws_error_input *in, struct aws_error *out);

/*
 * Writes "<service>: <code>: <message> (HTTP <status>, request id <id>)" into err with
 * `code` (normally CA_AWS_SERVICE or CA_AWS_THROTTLED), and returns `code`.
 * service may be NULL. err may be NULL.
 */
int aws_error_to_err(const struct aws_error *e, const char *service, int code,
		     struct ca_err *err);

#endif
