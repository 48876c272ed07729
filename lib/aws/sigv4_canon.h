/*
 * sigv4_canon.h — the pieces of a SigV4 canonical request: AWS's URI encoding,
 * the canonical path, the canonical (sorted, re-encoded) query and the canonical
 * header block. sigv4.c assembles them; they are public so tests can check each.
 *
 * Every function appends to a ca_buf the caller owns (and releases); on error the
 * buffer may hold a partial result. Limits are in sigv4.h.
 */
#ifndef CA_AWS_SIGV4_CANON_H
#define CA_AWS_SIGV4_CANON_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/sigv4.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/url.h"

#define SIGV4_MAX_HEADERS 200
#define SIGV4_MAX_HEADER_NAME 256
#define SIGV4_MAX_HEADER_VALUE (16 * 1024)
#define SIGV4_MAX_PATH (16 * 1024)
#define SIGV4_MAX_QUERY (16 * 1024)
#define SIGV4_MAX_QUERY_PARAMS 1000

/* Appends s[0..len) URI-encoded the AWS way (unreserved kept, the rest %XX upper
 * case; '/' kept unless encode_slash): util/url.h's encoder. CA_OK or CA_ENOMEM. */
static inline int aws_uri_encode_buf(struct ca_buf *out, const void *s, size_t len,
				     bool encode_slash)
{
	return ca_percent_encode(out, s, len, !encode_slash);
}

/* Appends s[0..len) with each %XX decoded; a '%' not followed by two hex digits is
 * kept as it is. '+' stays '+': util/url.h's decoder, lenient. CA_OK or CA_ENOMEM. */
static inline int aws_percent_decode_buf(struct ca_buf *out, const char *s, size_t len)
{
	return ca_percent_decode(out, s, len, CA_PCT_LENIENT);
}

/*
 * Appends path[0..len) the way S3 reads a request path: each %XX decoded, then
 * URI-encoded once the AWS way with '/' kept. A path the caller encoded already is
 * unchanged ("/test%24file.text"); a reserved character left raw is encoded as S3
 * does before it checks a signature ("/test$file.text" -> "/test%24file.text", '+' ->
 * %2B). Both the S3 canonical URI and the path S3 requests are sent with. CA_OK or
 * CA_ENOMEM.
 */
int aws_s3_path_encode_buf(struct ca_buf *out, const char *path, size_t len);

/* true when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool aws_utf8_valid(const void *s, size_t len);

/*
 * Appends the canonical URI of `path`. S3: aws_s3_path_encode_buf of the path (which
 * must be printable ASCII without spaces, i.e. percent-encoded where it has to be on
 * the wire), never normalized. Other services:
 * dot segments and empty segments removed unless !normalize, then encoded again
 * ('/' kept). "" counts as "/". CA_EINVAL for NULL, a path not starting with '/',
 * control characters or invalid UTF-8; CA_ERANGE over SIGV4_MAX_PATH; CA_ENOMEM.
 */
int sigv4_canonical_path(struct ca_buf *out, const char *path, bool s3, bool normalize,
			 struct ca_err *err);

/* An extra query parameter, name and value NOT encoded (the signer's X-Amz-*). */
struct sigv4_param {
	const char *name;
	const char *value;
};

/*
 * Appends the canonical query string: the parameters of `query` (as sent; NULL or
 * "" for none; each name and value percent-decoded, then encoded the AWS way; a
 * parameter without '=' gets an empty value; empty pieces between '&' ignored)
 * together with `extra`, sorted by encoded name then value, joined with '&'.
 * CA_EINVAL for control characters or invalid UTF-8, CA_ERANGE over the caps,
 * CA_ENOMEM.
 */
int sigv4_canonical_query(struct ca_buf *out, const char *query, const struct sigv4_param *extra,
			  size_t n_extra, struct ca_err *err);

/*
 * Appends the canonical header block ("name:value\n" per distinct lower-cased
 * name, sorted; values trimmed, runs of whitespace folded into one space, values
 * of repeated names joined with ',' in the order given) to `block`, and the
 * SignedHeaders list ("a;b;c") to `names`. Headers that are never signed
 * (Authorization, User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id) are
 * skipped. At most SIGV4_MAX_HEADERS + 3 headers. CA_EINVAL for an empty or non-token name, a NULL value, a value with
 * control characters (obs-folds allowed) or no Host; CA_ERANGE over the caps;
 * CA_ENOMEM.
 */
int sigv4_canonical_headers(struct ca_buf *block, struct ca_buf *names,
			    const struct sigv4_header *headers, size_t n_headers,
			    struct ca_err *err);

/* true when `name` is one of the headers sigv4_canonical_headers never signs. */
bool sigv4_header_unsigned(const char *name);

#endif
