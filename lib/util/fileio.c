#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/banned.h"

int ca_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsyncs the directory holding path so that a rename into it is durable. */
static void sync_parent_dir(const char *path)
{
	struct ca_buf copy = CA_BUF_INIT;
	int dfd;

	if (ca_buf_adds(&copy, path) != CA_OK)
		goto out;
	dfd = open(dirname(copy.data), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
out:
	ca_buf_release(&copy);
}

int ca_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 unsigned flags, struct ca_err *err)
{
	struct ca_buf tmp = CA_BUF_INIT;
	int fd = -1, rc = CA_OK;
	bool created = false;

	if (ca_buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid()) != CA_OK) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory writing %s.", path);
		goto out;
	}
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = ca_err_set(err, CA_EIO, "Cannot create %s: %s.", tmp.data, strerror(errno));
		goto out;
	}
	created = true;
	if ((flags & CA_FILE_EXACT_MODE) && fchmod(fd, mode) != 0) {
		rc = ca_err_set(err, CA_EIO, "Cannot set the mode of %s: %s.", tmp.data,
				strerror(errno));
		goto out;
	}
	if (ca_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		rc = ca_err_set(err, CA_EIO, "Cannot write %s: %s.", tmp.data, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = ca_err_set(err, CA_EIO, "Cannot write %s: %s.", tmp.data, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path) != 0) {
		rc = ca_err_set(err, CA_EIO, "Cannot rename %s to %s: %s.", tmp.data, path,
				strerror(errno));
		goto out;
	}
	created = false;
	sync_parent_dir(path);
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp.data);
	ca_buf_release(&tmp);
	return rc;
}
