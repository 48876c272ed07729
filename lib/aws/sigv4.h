/*
 * sigv4.h — AWS Signature Version 4, written on OpenSSL (not libcurl's CURLOPT_AWS_SIGV4).
 *
 * Two modes: header signing (Authorization + X-Amz-Date [+ X-Amz-Security-Token,
 * x-amz-content-sha256 for S3]) and query signing (presigned URLs).
 * Passes AWS's published suite (../shared/aws-sigv4-suite/v4).
 */
#ifndef CA_AWS_SIGV4_H
#define CA_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"
#include "util/error.h"

#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

struct sigv4_header {
	const char *name;
	const char *value;
};

/* What is being signed. Borrowed: the signer copies nothing it keeps. */
struct sigv4_request {
	const char *method;                 /* "GET", "POST", ... */
	const char *path;                   /* as sent on the wire (already percent-encoded) */
	const char *query;                  /* as sent, without '?'; NULL or "" for none */
	const struct sigv4_header *headers; /* as sent; must include Host */
	size_t n_headers;
	const void *body;                   /* may be NULL when body_len is 0 */
	size_t body_len;
	/* Hex SHA-256 of the body when the caller knows it (streamed uploads),
	 * or SIGV4_UNSIGNED_PAYLOAD; NULL: hash body/body_len. */
	const char *payload_hash;
};

/* How to sign. */
struct sigv4_params {
	const struct aws_credentials *creds;
	const char *region;
	const char *service;                /* signing name: "dynamodb", "s3", "sts", ... */
	time_t when;                        /* signing time (UTC seconds) */
	/* S3 rules: path never normalized, and canonical as S3 reads it (each %XX
	 * decoded, then encoded once: "$" and "%24" both sign as %24; send the path
	 * aws_s3_path_encode_buf gives), and (header mode) an x-amz-content-sha256 header. Other services: the path is
	 * normalized (RFC 3986 dot segments, duplicate slashes) and each segment
	 * encoded again, as the suite expects. */
	bool s3;
	bool omit_session_token;            /* presign: add the token after signing (suite 'post-sts-header-after') */
	long expires;                       /* query mode: X-Amz-Expires seconds (1..604800) */
	/* Added by sigv4 (zero keeps the rules above): */
	bool no_normalize;                  /* non-S3: keep dot segments and '//' (suite 'normalize: false'); still encoded */
	bool content_sha256_header;         /* header mode: add x-amz-content-sha256 for non-S3 too (suite 'sign_body') */
};

/* The result of signing; every member is owned by the struct. */
struct sigv4_signed {
	char *canonical_request;
	char *string_to_sign;
	char signature[65];
	/* header mode: values of the headers to add to the request */
	char *authorization;
	char amz_date[17];                  /* YYYYMMDDTHHMMSSZ */
	char *content_sha256;               /* S3 only, else NULL */
	/* query mode: the full query string to send (original parameters plus the
	 * X-Amz-* ones, X-Amz-Signature last), without '?' */
	char *query;
	/* header mode: the session token to send as X-Amz-Security-Token (a copy), or NULL
	 * when the credentials have none. Send it even with omit_session_token. */
	char *security_token;
	/* both modes: the SignedHeaders list ("host;x-amz-date"), for logs and tests */
	char *signed_headers;
};

/*
 * Input rules (both modes). Every header given is signed, except Authorization,
 * User-Agent, Expect, Transfer-Encoding and X-Amzn-Trace-Id, which proxies and
 * tracers change in flight. In header mode the signer owns X-Amz-Date,
 * X-Amz-Security-Token (when there is a token) and x-amz-content-sha256 (when it adds
 * it): passing them is an error (use payload_hash for the content hash). In query mode
 * the query must not already carry X-Amz-Algorithm/-Credential/-Date/-Expires/
 * -SignedHeaders/-Security-Token/-Signature. Method: 1..20 upper-case letters. Header
 * values may contain obs-folds (CRLF or LF followed by space or tab), no other control
 * characters. Non-S3 paths may hold raw UTF-8 (it must be valid) and are encoded;
 * S3 paths must be printable ASCII without spaces (percent-encode the rest). Caps: 200
 * headers, 256-byte names, 16 KiB values, 16 KiB path, 16 KiB query, 1000 query
 * parameters; over a cap is CA_ERANGE.
 * Thread-safe; each thread caches the last signing key it derived (keyed by access key
 * id, a SHA-256 of the secret, day, region and service).
 */

/*
 * Header mode. Fills *out (release with sigv4_signed_release even on error).
 * Returns CA_OK, CA_EINVAL (missing credentials/region/service/Host, bad input),
 * CA_ERANGE (input over a cap above) or CA_ENOMEM, with a message in err.
 */
int sigv4_sign_headers(const struct sigv4_request *req, const struct sigv4_params *p,
		       struct sigv4_signed *out, struct ca_err *err);

/* Query mode (presigning): as sigv4_sign_headers, filling out->query. */
int sigv4_sign_query(const struct sigv4_request *req, const struct sigv4_params *p,
		     struct sigv4_signed *out, struct ca_err *err);

void sigv4_signed_release(struct sigv4_signed *s);

/*
 * How many signing keys the calling thread has derived (four HMACs each) rather than
 * taken from its cache, since it started. For tests and benchmarks. Never fails.
 */
unsigned long sigv4_key_derivations(void);

/*
 * AWS's URI encoding (RFC 3986 unreserved kept, everything else %XX uppercase);
 * encode_slash false keeps '/'. Appends to a malloc'd string returned to the
 * caller (free it); NULL on OOM.
 */
char *aws_uri_encode(const char *s, size_t len, bool encode_slash);

#endif
