/*
 * upload.h — the upload pipeline: one uploaded file to a stored photo.
 *
 *   prepare: read the JPEG's headers and EXIF once (camera, size, date taken,
 *            GPS, orientation; the pixel cap), make the thumbnail and the grid
 *            image from one decode, and fill city/nation/address from the
 *            offline geocoder when the photo has GPS and a geocoder is loaded;
 *            nothing is written anywhere.
 *   store:   write the original, then the thumbnail and the grid image, then the
 *            database row; the row as stored is kept for the answer.
 *            When a step fails, what the earlier steps wrote is removed, so
 *            nothing of the photo is left behind.
 *   unstore: remove a stored photo again (row and files), for a request that
 *            uploads several files and fails on a later one.
 *
 * Files are named <uuid4>.jpg, as the seed application named them; the name
 * the user gave is kept (cleaned for display) in filename_orig.
 */
#ifndef CA_APP_UPLOAD_H
#define CA_APP_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "geo/geo.h"
#include "image/thumb.h"
#include "storage/storage.h"
#include "util/error.h"

/* Longest filename_orig kept, in characters (the legacy column holds 400). */
#define APP_UPLOAD_NAME_MAX 200

struct app_upload_limits {
	size_t max_bytes;         /* largest file */
	uint64_t max_pixels;      /* width × height cap */
	uint64_t max_scan_pixels; /* progressive decode budget: pixels × scans */
	unsigned thumb_width, thumb_height;
};

/* One prepared photo. Owns every string in photo and the thumbnail. */
struct app_upload {
	struct ca_photo photo;            /* the row to create (no id, no user_id) */
	const unsigned char *data;        /* the original's bytes, borrowed */
	size_t len;
	struct ca_thumb thumb;
	struct ca_thumb grid;             /* the album grid's image (CA_THUMB_GRID_*) */
	struct ca_photo stored;           /* the row as stored (stored.id NULL before) */
	bool files_written;
};

/*
 * Prepares data[0..len) uploaded as name with the form's tags and desc (any
 * of them may be NULL) into *up (release with app_upload_release(), also
 * after an error). data is borrowed and must outlive *up. geo may be NULL.
 * Errors, with a sentence naming the file: CA_HTTP_TOO_LARGE (over max_bytes),
 * CA_IMG_TOO_LARGE (over the pixel cap), CA_IMG_NOT_JPEG, CA_HTTP_BAD_MEDIA_TYPE
 * (a JPEG flavour that cannot be decoded), CA_IMG_CORRUPT (truncated or
 * damaged), CA_EINVAL (empty file, text that is not UTF-8), CA_ERANGE (tags
 * or desc longer than the column), CA_ENOMEM, CA_EIO (no randomness).
 */
int app_upload_prepare(const struct app_upload_limits *limits, const struct geo *geo,
		       const char *name, const unsigned char *data, size_t len, const char *tags,
		       const char *desc, struct app_upload *up, struct ca_err *err);

/*
 * Stores a prepared photo for the owner (id and email): original, thumbnail,
 * grid image, row. On CA_OK up->stored is the row as the database keeps it. On
 * error nothing of it is left (files written are removed) and the storage or
 * database error is returned. owner_known is ca_db_photo_create()'s: pass one
 * flag, false at first, to every store of a request, so the owner is looked up once.
 */
int app_upload_store(struct ca_db *db, struct ca_storage *st, const char *owner_id,
		     const char *email, bool *owner_known, struct app_upload *up,
		     struct ca_err *err);

/* Removes a stored photo (row, then files); errors are only logged by the caller. */
int app_upload_unstore(struct ca_db *db, struct ca_storage *st, const char *owner_id,
		       const char *email, struct app_upload *up, struct ca_err *err);

/* Frees what *up owns. NULL is accepted. */
void app_upload_release(struct app_upload *up);

#endif
