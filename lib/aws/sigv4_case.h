/*
 * sigv4_case.h — one case of AWS's SigV4 test suite (aws-c-auth's layout): a folder
 * with context.json (credentials, region, service, time, flags) and request.txt (an
 * HTTP/1.1 request), signed with our signer and printed the way the suite's expected
 * files are written. Used by `cloudalbum-aws sign-case` and the unit tests.
 *
 * Lifecycle: sigv4_case_init(), _load() or the two _parse_*() calls, use,
 * sigv4_case_release(). Both inputs are untrusted: size-capped, every malformed
 * piece is an error with a sentence, never a crash.
 */
#ifndef CA_AWS_SIGV4_CASE_H
#define CA_AWS_SIGV4_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/error.h"

#define SIGV4_CASE_MAX_FILE (1024 * 1024)

struct sigv4_case {
	/* request.txt */
	char *request_line;     /* the first line as written */
	char *method;
	char *path;             /* the request target before '?' */
	char *query;            /* after '?', NULL when the target has no '?' */
	char *version;          /* "HTTP/1.1" */
	char *header_lines;     /* the header lines as written, each ending "\n" */
	struct sigv4_header *headers; /* name and value strings owned (continuations joined by "\n") */
	size_t n_headers;
	char *body;             /* after the blank line, may hold any bytes; NUL-terminated */
	size_t body_len;
	/* context.json */
	struct aws_credentials creds;
	char *region;
	char *service;          /* "s3" selects S3 rules */
	time_t when;
	long expires;           /* expiration_in_seconds, default 3600 */
	bool normalize;         /* default true */
	bool sign_body;         /* default false */
	bool omit_session_token;/* default false */
};

enum sigv4_case_output {
	SIGV4_CASE_CREQ,        /* <mode>-canonical-request.txt */
	SIGV4_CASE_STS,         /* <mode>-string-to-sign.txt */
	SIGV4_CASE_SIGNATURE,   /* <mode>-signature.txt */
	SIGV4_CASE_REQUEST,     /* <mode>-signed-request.txt */
};

void sigv4_case_init(struct sigv4_case *c);
/* Frees every member (wiping the secret) and re-initialises. NULL accepted. */
void sigv4_case_release(struct sigv4_case *c);

/*
 * Reads DIR/context.json and DIR/request.txt (each at most SIGV4_CASE_MAX_FILE).
 * CA_OK; CA_EIO when a file cannot be read; CA_EPARSE / CA_EINVAL / CA_ERANGE for
 * malformed content (the message names the file); CA_ENOMEM.
 */
int sigv4_case_load(const char *dir, struct sigv4_case *c, struct ca_err *err);

/* Parses request.txt's bytes into c's request members. CA_EPARSE, CA_ERANGE or CA_ENOMEM. */
int sigv4_case_parse_request(struct sigv4_case *c, const char *text, size_t len,
			     struct ca_err *err);

/* Parses context.json's bytes (jansson) into c's context members. CA_EPARSE or CA_ENOMEM. */
int sigv4_case_parse_context(struct sigv4_case *c, const char *json, size_t len,
			     struct ca_err *err);

/* Signs the case in header mode or query mode (release *out afterwards, even on error).
 * Returns what sigv4_sign_headers / sigv4_sign_query return. */
int sigv4_case_sign(const struct sigv4_case *c, bool query_mode, struct sigv4_signed *out,
		    struct ca_err *err);

/* Appends to `out` exactly what the suite's file for `what` holds. CA_OK or CA_ENOMEM. */
int sigv4_case_render(const struct sigv4_case *c, bool query_mode, const struct sigv4_signed *s,
		      enum sigv4_case_output what, struct ca_buf *out);

#endif
