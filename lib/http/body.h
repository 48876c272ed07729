/*
 * body.h — collects a request body as it streams in: in memory up to a
 * threshold, then in an unlinked temp file, never beyond a hard cap. Used by
 * the server; exposed for its tests.
 *
 * Lifecycle: ca_http_body_init(), ca_http_body_append() per chunk,
 * ca_http_body_finish() to get one contiguous read-only view,
 * ca_http_body_release().
 */
#ifndef CA_HTTP_BODY_H
#define CA_HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

struct ca_http_body {
	size_t max;           /* hard cap in bytes */
	size_t memory_max;    /* beyond this, spill to a file */
	const char *spool_dir;/* where temp files go (borrowed) */
	struct ca_buf mem;
	int fd;               /* -1 until spilled */
	size_t len;           /* bytes received */
	void *map;            /* mapping of fd after finish, or NULL */
};

void ca_http_body_init(struct ca_http_body *b, size_t max, size_t memory_max,
		       const char *spool_dir);
/*
 * Adds a chunk. CA_HTTP_TOO_LARGE when the total would pass max (nothing
 * added); CA_EIO when the temp file cannot be created or written; CA_ENOMEM.
 */
int ca_http_body_append(struct ca_http_body *b, const void *data, size_t len,
			struct ca_err *err);
/*
 * Points *data at the whole body ("" when empty) and *len at its size. The
 * view stays valid until ca_http_body_release(). CA_OK or CA_EIO.
 */
int ca_http_body_finish(struct ca_http_body *b, const char **data, size_t *len,
			struct ca_err *err);
/* Frees memory, unmaps, closes the temp file. NULL is accepted. */
void ca_http_body_release(struct ca_http_body *b);

#endif
