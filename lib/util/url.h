/*
 * url.h — the one URL splitter and the one percent-encoding, percent-decoding and
 * region-name check of the toolkit (the AWS endpoint, S3 presigning, the MySQL URL and
 * the HTTP side all use these).
 *
 * ca_url_split cuts "scheme://[userinfo@]host[:port][/path][?query][#fragment]" into
 * pieces that point INTO the string (nothing is allocated, nothing decoded); each
 * caller then applies its own rules (which schemes, whether a user or a query may be
 * there, what a host may hold) and its own error sentences.
 */
#ifndef CA_UTIL_URL_H
#define CA_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define CA_URL_MAX 65536        /* longer input is CA_URL_TOO_LONG */

/* Why ca_url_split refused a URL. */
enum ca_url_error {
	CA_URL_OK = 0,
	CA_URL_EMPTY,           /* NULL or "" */
	CA_URL_TOO_LONG,        /* over CA_URL_MAX bytes */
	CA_URL_NO_SCHEME,       /* no "scheme://" at the start (scheme: a letter, then
				 * letters, digits, '+', '-', '.') */
	CA_URL_IPV6_UNCLOSED,   /* "[" with no "]" in the authority */
	CA_URL_AFTER_HOST,      /* something other than ":port" after "[...]" */
	CA_URL_PORT_MALFORMED,  /* ':' with no digits, or more than 7 characters */
	CA_URL_PORT_RANGE,      /* a port that is not all digits or not 1..65535 */
};

/* The pieces of a URL, each a pointer into it and a length. */
struct ca_url {
	const char *scheme;             /* as written, without "://" */
	size_t scheme_len;
	const char *authority;          /* everything between "://" and the path */
	size_t authority_len;
	bool has_userinfo;              /* there is an '@' in the authority */
	const char *userinfo;           /* before its LAST '@' (may itself hold '@', ':') */
	size_t userinfo_len;
	const char *host;               /* an IPv6 literal without its brackets; may be empty */
	size_t host_len;
	bool ipv6;                      /* the host was written in [brackets] */
	long port;                      /* 1..65535, or 0 when none is written */
	const char *path;               /* from the authority's end up to '?' or '#'; may be empty */
	size_t path_len;
	bool has_query;
	const char *query;              /* after '?', up to '#' */
	size_t query_len;
	bool has_fragment;
	const char *fragment;           /* after '#' */
	size_t fragment_len;
};

/*
 * Splits url into *out (zeroed first; pointers into url). CA_URL_OK or why not. An empty
 * host is not an error here (the caller decides); nothing is checked beyond the
 * shape above.
 */
enum ca_url_error ca_url_split(const char *url, struct ca_url *out);

/* true when the scheme is `scheme`, compared without regard to case. */
bool ca_url_scheme_is(const struct ca_url *u, const char *scheme);

/*
 * Appends s[0..len) percent-encoded: the RFC 3986 unreserved characters (A-Z a-z 0-9
 * - . _ ~) kept, '/' kept when keep_slash, every other byte as %XX (upper case).
 * CA_OK or CA_ENOMEM.
 */
int ca_percent_encode(struct ca_buf *out, const void *s, size_t len, bool keep_slash);

/* How ca_percent_decode treats its input. */
enum {
	CA_PCT_PLUS_IS_SPACE = 0x1,     /* '+' becomes ' ' (form encoding) */
	CA_PCT_LENIENT = 0x2,           /* a '%' not followed by two hex digits is kept as
					 * it is; %00 and NUL bytes pass (AWS's reading) */
};

/*
 * Appends the percent-decoding of s[0..len) to out. CA_OK; CA_EPARSE (not with
 * CA_PCT_LENIENT) for a '%' not followed by two hex digits or an encoded or raw NUL,
 * which no caller wants; CA_ENOMEM. out may hold a partial result on error.
 */
int ca_percent_decode(struct ca_buf *out, const char *s, size_t len, unsigned flags);

/*
 * true when r looks like an AWS region name: 1..64 of [a-z0-9-], not starting or
 * ending with '-' ("us-east-1", "eu-central-2", "local"). NULL is false.
 */
bool ca_region_name_valid(const char *r);

#endif
