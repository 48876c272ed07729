/*
 * imgfile.h — reading an image file whole into memory, and writing one atomically.
 */
#ifndef CA_IMAGE_IMGFILE_H
#define CA_IMAGE_IMGFILE_H

#include <stddef.h>

#include "util/error.h"

/* The default cap on an image file read into memory: 256 MiB. */
#define CA_IMG_FILE_MAX ((size_t)256 * 1024 * 1024)

/*
 * Reads the whole file at path into a malloc'd buffer (*data, the caller frees; a NUL
 * follows the last byte) of *len bytes. Files over max_bytes (0 = CA_IMG_FILE_MAX) are
 * refused with CA_ERANGE; a missing file is CA_ENOTFOUND, other failures CA_EIO or
 * CA_ENOMEM. On error *data is NULL and *len 0.
 */
int ca_img_file_read(const char *path, size_t max_bytes, unsigned char **data, size_t *len,
		     struct ca_err *err);

/*
 * Writes data[0..len) to path through a temporary file in the same directory and a
 * rename, so readers see the old file or the whole new one. CA_OK or CA_EIO.
 */
int ca_img_file_write(const char *path, const unsigned char *data, size_t len, struct ca_err *err);

#endif
