/*
 * multipart.h — parsing a multipart/form-data request body (RFC 7578) that is
 * already in memory (the server hands handlers the whole body).
 *
 * Strict where it matters for safety: lines end in CRLF, the boundary comes
 * only from the Content-Type, each part has a form-data Content-Disposition
 * with a name, header folding is refused, and the number of parts, the size
 * of each part, the total and the bytes of headers per part are capped.
 * Part data is not copied: it points into the body.
 */
#ifndef CA_HTTP_MULTIPART_H
#define CA_HTTP_MULTIPART_H

#include <stddef.h>

#include "util/error.h"

struct ca_multipart_part {
	char *name;          /* the form field name (never NULL) */
	char *filename;      /* NULL for plain fields; for files, only the last path
	                        component, without control characters, never "", "."
	                        or ".." (then "upload") */
	char *content_type;  /* the part's Content-Type, or NULL */
	const char *data;    /* into the body; not NUL-terminated */
	size_t len;
};

struct ca_multipart {
	struct ca_multipart_part *parts;
	size_t n;
};

struct ca_multipart_limits {
	size_t max_parts;        /* 0: 64 */
	size_t max_part_bytes;   /* data bytes of one part; 0: no cap beyond the total */
	size_t max_total_bytes;  /* data bytes of all parts; 0: no cap beyond the body */
	size_t max_header_bytes; /* header bytes of one part; 0: 8192 */
};

#define CA_MULTIPART_BOUNDARY_MAX 70

/*
 * Reads the boundary parameter of a multipart/form-data Content-Type into out
 * (quoted or not). CA_HTTP_BAD_MEDIA_TYPE when the type is something else;
 * CA_HTTP_BAD_REQUEST when the boundary is missing, empty, longer than 70 or
 * holds characters RFC 2046 does not allow.
 */
int ca_multipart_boundary(const char *content_type, char out[CA_MULTIPART_BOUNDARY_MAX + 1],
			  struct ca_err *err);

/*
 * Parses body[0..len) sent with content_type into out (release with
 * ca_multipart_release, also after an error). CA_OK; CA_HTTP_BAD_MEDIA_TYPE;
 * CA_HTTP_BAD_REQUEST for malformed input (no closing boundary, bad part
 * headers, ...); CA_HTTP_TOO_LARGE when a limit is passed; CA_ENOMEM.
 */
int ca_multipart_parse(const char *content_type, const char *body, size_t len,
		       const struct ca_multipart_limits *limits, struct ca_multipart *out,
		       struct ca_err *err);
/* Frees the parts (not the body). NULL is accepted. */
void ca_multipart_release(struct ca_multipart *mp);
/* The first part called name, or NULL. */
const struct ca_multipart_part *ca_multipart_get(const struct ca_multipart *mp, const char *name);

#endif
