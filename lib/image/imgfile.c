#include "image/imgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/banned.h"

int ca_img_file_read(const char *path, size_t max_bytes, unsigned char **data, size_t *len,
		     struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	char chunk[65536];
	int fd = -1, rc = CA_OK;
	ssize_t n;

	*data = NULL;
	*len = 0;
	if (!max_bytes)
		max_bytes = CA_IMG_FILE_MAX;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = ca_err_set(err, errno == ENOENT ? CA_ENOTFOUND : CA_EIO,
				"Cannot open %s: %s.", path, strerror(errno));
		goto out;
	}
	{
		struct stat st;

		/* Size the buffer once for regular files; the loop below still enforces the cap. */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (uint64_t)st.st_size <= max_bytes)
			ca_buf_grow(&b, (size_t)st.st_size);
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ca_err_set(err, CA_EIO, "Cannot read %s: %s.", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > max_bytes - b.len) {
			rc = ca_err_set(err, CA_ERANGE, "%s is larger than the limit of %zu bytes.",
					path, max_bytes);
			goto out;
		}
		if (ca_buf_add(&b, chunk, (size_t)n) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading %s.", path);
			goto out;
		}
	}
	*data = (unsigned char *)ca_buf_detach(&b, len);
	if (!*data)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading %s.", path);
out:
	if (fd >= 0)
		close(fd);
	ca_buf_release(&b);
	if (rc)
		*len = 0;
	return rc;
}

int ca_img_file_write(const char *path, const unsigned char *data, size_t len, struct ca_err *err)
{
	return ca_file_write_atomic(path, data, len, 0644, 0, err);
}
