/*
 * fileio.h — writing whole files safely.
 */
#ifndef CA_FILEIO_H
#define CA_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * Writes all len bytes of data to fd, retrying on EINTR and short writes.
 * Returns 0, or -1 with errno set (EIO when write() made no progress).
 */
int ca_write_all(int fd, const void *data, size_t len);

enum ca_file_write_flags {
	/* Give the file exactly `mode`, not `mode` less the umask; also
	 * corrects the mode of a stale temporary file being reused. */
	CA_FILE_EXACT_MODE = 1,
};

/*
 * Replaces path with data[0..len) so that readers see the old or the new
 * contents, never a mix: writes "<path>.tmp.<pid>" (created with mode, not
 * following a symlink), fsyncs it, renames it over path, then fsyncs the
 * directory (best effort). flags: ca_file_write_flags.
 * Returns CA_OK; CA_ENOMEM; CA_EIO with a sentence naming the file. On
 * error the temporary file is removed and path is left as it was.
 */
int ca_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 unsigned flags, struct ca_err *err);

#endif
