#include "http/body.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/banned.h"

void ca_http_body_init(struct ca_http_body *b, size_t max, size_t memory_max,
		       const char *spool_dir)
{
	b->max = max;
	b->memory_max = memory_max;
	b->spool_dir = spool_dir && *spool_dir ? spool_dir : "/tmp";
	ca_buf_init(&b->mem);
	b->fd = -1;
	b->len = 0;
	b->map = NULL;
}

void ca_http_body_release(struct ca_http_body *b)
{
	if (!b)
		return;
	if (b->map)
		munmap(b->map, b->len);
	b->map = NULL;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	ca_buf_release(&b->mem);
	b->len = 0;
}

/* Moves what is in memory to a new unlinked temp file. */
static int spill(struct ca_http_body *b, struct ca_err *err)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/cloudalbum-body-XXXXXX", b->spool_dir) >=
	    sizeof(path))
		return ca_err_set(err, CA_EIO, "The upload spool directory path is too long.");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return ca_err_set(err, CA_EIO, "Cannot create a temp file in %s: %s.",
				  b->spool_dir, strerror(errno));
	unlink(path);
	if (ca_write_all(fd, b->mem.data, b->mem.len) < 0) {
		close(fd);
		return ca_err_set(err, CA_EIO, "Cannot write the upload to a temp file in %s.",
				  b->spool_dir);
	}
	b->fd = fd;
	ca_buf_release(&b->mem);
	return CA_OK;
}

int ca_http_body_append(struct ca_http_body *b, const void *data, size_t len,
			struct ca_err *err)
{
	int rc;

	if (len > b->max - b->len)
		return ca_err_set(err, CA_HTTP_TOO_LARGE,
				  "The request body is larger than the %zu bytes allowed.", b->max);
	if (b->fd < 0 && b->len + len > b->memory_max && (rc = spill(b, err)) != CA_OK)
		return rc;
	if (b->fd >= 0) {
		if (ca_write_all(b->fd, data, len) < 0)
			return ca_err_set(err, CA_EIO, "Cannot write the upload to a temp file in %s.",
					  b->spool_dir);
	} else if (ca_buf_add(&b->mem, data, len) != CA_OK) {
		return ca_err_set(err, CA_ENOMEM, "Out of memory receiving the request body.");
	}
	b->len += len;
	return CA_OK;
}

int ca_http_body_finish(struct ca_http_body *b, const char **data, size_t *len,
			struct ca_err *err)
{
	if (b->fd < 0) {
		*data = b->mem.data;
		*len = b->mem.len;
		return CA_OK;
	}
	if (!b->map && b->len) {
		void *m = mmap(NULL, b->len, PROT_READ, MAP_PRIVATE, b->fd, 0);

		if (m == MAP_FAILED)
			return ca_err_set(err, CA_EIO, "Cannot map the spooled request body: %s.",
					  strerror(errno));
		b->map = m;
	}
	*data = b->len ? b->map : "";
	*len = b->len;
	return CA_OK;
}
