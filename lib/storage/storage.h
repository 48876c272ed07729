/*
 * storage.h — where a photo's image bytes live: the backend interface.
 *
 * A backend stores up to three images per photo (the original, its thumbnail and
 * the album grid's image, layout.h's enum ca_image_kind), named
 * by the owner's email and the photo's filename (see layout.h for the legacy
 * names and the checks applied). Backends: disk (disk.h, the legacy
 * UPLOAD_FOLDER) and S3 (s3.h).
 *
 * Lifecycle: a backend's open function returns a struct ca_storage *; use it
 * through the ca_storage_* functions below, then ca_storage_release(). The
 * wrappers check email and filename before the backend sees them. A backend is
 * safe to use from several threads at once when its open function says so.
 */
#ifndef CA_STORAGE_STORAGE_H
#define CA_STORAGE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/layout.h"
#include "util/buf.h"
#include "util/error.h"

/* The longest a presigned link can last (SigV4's limit, 7 days). */
#define CA_STORAGE_URL_MAX_EXPIRES 604800

struct ca_storage;

/* What a backend implements; names are already checked when these are called. */
struct ca_storage_ops {
	const char *name; /* "disk", "s3" */
	int (*put)(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, const void *data, size_t len, struct ca_err *err);
	int (*get)(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, size_t max_len, struct ca_buf *out, struct ca_err *err);
	int (*remove)(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, struct ca_err *err);
	int (*exists)(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, bool *exists, struct ca_err *err);
	void (*release)(struct ca_storage *st);
	/* Optional (NULL: the backend keeps no local files, as S3). */
	int (*open)(struct ca_storage *st, const char *email, const char *filename,
		    enum ca_image_kind kind, int *fd, uint64_t *size, struct ca_err *err);
	/* Optional (NULL: the backend has no URLs, as disk). expires 0: its default. */
	int (*url)(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, long expires, char **url, struct ca_err *err);
};

/* Backends embed this as their first member. */
struct ca_storage {
	const struct ca_storage_ops *ops;
};

/*
 * Stores len bytes as the image, replacing any earlier one atomically (a reader
 * sees the old bytes or the new, never a part). filename must pass
 * ca_storage_check_new_name(). CA_OK, CA_STORAGE_BAD_NAME, CA_STORAGE_IO.
 */
int ca_storage_put(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, const void *data, size_t len, struct ca_err *err);

/*
 * Appends the image's bytes to out (caller-owned, initialised). A thumbnail is
 * looked for under thumbnails/ and then thumbnail/. CA_OK,
 * CA_STORAGE_NOTFOUND, CA_STORAGE_BAD_NAME, CA_ERANGE when the image is larger
 * than max_len bytes (nothing appended), CA_STORAGE_IO, CA_ENOMEM.
 */
int ca_storage_get(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, size_t max_len, struct ca_buf *out, struct ca_err *err);

/*
 * Opens the image's file for reading, so that it can be sent without holding
 * it in memory: *fd (read-only, close-on-exec; the caller closes it) and *size
 * (its bytes when opened; a file replaced later stays whole, writes are
 * atomic renames). A thumbnail is looked for as ca_storage_get() does.
 * CA_OK, CA_EUNSUPPORTED for a backend without local files (S3: use
 * ca_storage_url or ca_storage_get), CA_STORAGE_NOTFOUND, CA_STORAGE_BAD_NAME,
 * CA_STORAGE_IO. *fd is -1 on error.
 */
int ca_storage_open(struct ca_storage *st, const char *email, const char *filename,
		    enum ca_image_kind kind, int *fd, uint64_t *size, struct ca_err *err);

/*
 * Deletes the image (a thumbnail under both thumbnails/ and thumbnail/).
 * CA_OK when something was deleted, CA_STORAGE_NOTFOUND when there was nothing,
 * CA_STORAGE_BAD_NAME, CA_STORAGE_IO.
 */
int ca_storage_delete(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, struct ca_err *err);

/*
 * Deletes the original, the thumbnail and the grid image. CA_OK when at least one
 * existed, CA_STORAGE_NOTFOUND when none did; other errors as ca_storage_delete().
 */
int ca_storage_delete_photo(struct ca_storage *st, const char *email, const char *filename,
			    struct ca_err *err);

/* Sets *exists. CA_OK, CA_STORAGE_BAD_NAME or CA_STORAGE_IO. */
int ca_storage_exists(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, bool *exists, struct ca_err *err);

/*
 * A URL the browser can fetch the image from directly: a presigned GET URL for
 * S3 (valid for `expires` seconds, 0: the backend's configured default, at most
 * 604800), NULL for backends that serve the bytes through the application
 * (disk). Does not check that the image exists. *url is malloc'd (the caller
 * frees) or NULL. CA_OK, CA_STORAGE_BAD_NAME, CA_ERANGE (expires), CA_STORAGE_IO
 * (no credentials, a bad endpoint), CA_ENOMEM.
 */
int ca_storage_url(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, long expires, char **url, struct ca_err *err);

/* The backend's name ("disk"). */
const char *ca_storage_kind(const struct ca_storage *st);

/* Closes the backend and frees it. NULL is accepted. */
void ca_storage_release(struct ca_storage *st);

#endif
