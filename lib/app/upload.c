/*
 * upload.c — the upload pipeline (see upload.h).
 */
#include "app/upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_internal.h"
#include "db/date.h"
#include "image/jpeg_inspect.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/uuid.h"
#include "util/banned.h"

/* An image library error as the API answers it, with the file named. */
static int image_error(int rc, const char *name, const struct ca_err *lib, struct ca_err *err)
{
	if (rc == CA_EUNSUPPORTED)
		return ca_err_set(err, CA_HTTP_BAD_MEDIA_TYPE,
				  "%s: this kind of JPEG cannot be read here (%s); save it as an "
				  "ordinary JPEG and upload it again.", name, ca_err_msg(lib));
	if (rc == CA_IMG_NOT_JPEG)
		return ca_err_set(err, rc, "%s is not a JPEG image; only JPEG photos can be "
				  "uploaded.", name);
	if (rc == CA_IMG_TOO_COMPLEX)
		return ca_err_set(err, rc, "%s would take too much work to decode (%s); save it as "
				  "an ordinary (baseline) JPEG and upload it again.", name, ca_err_msg(lib));
	if (rc == CA_IMG_TOO_LARGE)
		return ca_err_set(err, rc, "%s has too many pixels (%s).", name, ca_err_msg(lib));
	if (rc == CA_IMG_CORRUPT)
		return ca_err_set(err, rc, "%s is truncated or damaged (%s).", name, ca_err_msg(lib));
	return ca_err_set(err, rc, "%s: %s", name, ca_err_msg(lib));
}

/* A copy of s (may be NULL or "" giving NULL) checked to be UTF-8. */
static int text_field(const char *s, const char *what, char **out, struct ca_err *err)
{
	long chars;

	*out = NULL;
	if (!s || !*s)
		return CA_OK;
	chars = ca_db_utf8_chars(s);
	if (chars < 0)
		return ca_err_set(err, CA_EINVAL, "The %s is not valid UTF-8 text.", what);
	if (chars > CA_DB_TEXT_MAX)
		return ca_err_set(err, CA_ERANGE, "The %s may be at most %d characters.", what,
				  CA_DB_TEXT_MAX);
	*out = ca_strdup(s);
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

static char *dup_nonempty(const char *s)
{
	return s && *s ? app_clean_text(s, strlen(s), CA_DB_TEXT_MAX) : NULL;
}

static char *number_text(unsigned n)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", n);
	return ca_strdup(text);
}

/* City, nation and address from the geocoder; absent when far from every place. */
static int geocode(const struct geo *geo, struct ca_photo *p, struct ca_err *err)
{
	struct geo_place place;

	if (!geo || !p->has_geotag)
		return CA_OK;
	if (geo_lookup(geo, p->geotag_lat, p->geotag_lng, &place, NULL) != CA_OK || !place.found)
		return CA_OK;
	p->city = dup_nonempty(place.city);
	p->nation = dup_nonempty(place.nation);
	p->address = dup_nonempty(place.address);
	if ((*place.city && !p->city) || (*place.nation && !p->nation) ||
	    (*place.address && !p->address))
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	return CA_OK;
}

/*
 * Reads the JPEG's headers and EXIF once into *jpeg, then makes the thumbnail and the
 * grid image from one decode of it.
 */
static int make_images(const struct app_upload_limits *limits, const char *name,
		       const unsigned char *data, size_t len, struct ca_jpeg_inspect *jpeg,
		       struct app_upload *up, struct ca_err *err)
{
	const struct ca_thumb_box boxes[2] = {
		{ limits->thumb_width, limits->thumb_height },
		{ CA_THUMB_GRID_WIDTH, CA_THUMB_GRID_HEIGHT },
	};
	struct ca_thumb_opts opts;
	struct ca_thumb made[2];
	struct ca_err lib;
	int rc;

	ca_err_clear(&lib);
	rc = ca_jpeg_inspect(data, len, limits->max_pixels, jpeg, &lib);
	if (rc != CA_OK)
		return image_error(rc, name, &lib, err);
	ca_thumb_opts_init(&opts);
	opts.max_pixels = limits->max_pixels;
	opts.max_scan_pixels = limits->max_scan_pixels;
	rc = ca_thumb_make_set(data, len, jpeg, &opts, boxes, 2, made, &lib);
	if (rc != CA_OK)
		return image_error(rc, name, &lib, err);
	up->thumb = made[0];
	up->grid = made[1];
	return CA_OK;
}

int app_upload_prepare(const struct app_upload_limits *limits, const struct geo *geo,
		       const char *name, const unsigned char *data, size_t len, const char *tags,
		       const char *desc, struct app_upload *up, struct ca_err *err)
{
	struct ca_jpeg_inspect jpeg;
	const struct ca_exif *exif;
	char uuid[37], file[48];
	int rc;

	memset(up, 0, sizeof(*up));
	up->photo.filesize = -1;
	up->data = data;
	up->len = len;
	if (!name || !*name)
		name = "upload.jpg";
	if (len == 0)
		return ca_err_set(err, CA_EINVAL, "%s is empty.", name);
	if (len > limits->max_bytes)
		return ca_err_set(err, CA_HTTP_TOO_LARGE, "%s is larger than %zu MiB.", name,
				  limits->max_bytes / (1024 * 1024));

	rc = make_images(limits, name, data, len, &jpeg, up, err);
	if (rc != CA_OK)
		return rc;
	exif = &jpeg.exif;

	rc = text_field(tags, "tags", &up->photo.tags, err);
	if (rc == CA_OK)
		rc = text_field(desc, "description", &up->photo.desc, err);
	if (rc != CA_OK)
		return rc;
	if (ca_uuid4_dashed(uuid) != CA_OK)
		rc = ca_err_set(err, CA_EIO, "No randomness available for a file name.");
	if (rc != CA_OK)
		return rc;
	snprintf(file, sizeof(file), "%s.jpg", uuid);

	up->photo.filename = ca_strdup(file);
	up->photo.filename_orig = app_clean_text(name, strlen(name), APP_UPLOAD_NAME_MAX);
	up->photo.filesize = (int64_t)len;
	up->photo.width = number_text(exif->width);
	up->photo.height = number_text(exif->height);
	up->photo.make = dup_nonempty(exif->make);
	up->photo.model = dup_nonempty(exif->model);
	if (!up->photo.filename || !up->photo.filename_orig || !up->photo.width ||
	    !up->photo.height || (exif->make[0] && !up->photo.make) ||
	    (exif->model[0] && !up->photo.model))
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	if (exif->taken[0]) {
		struct ca_db_date d;
		char text[CA_DB_DATE_LEN + 1];

		if (ca_db_date_parse(exif->taken, &d, NULL) == CA_OK) {
			ca_db_date_format(&d, text);
			up->photo.taken_date = ca_strdup(text);
			if (!up->photo.taken_date)
				return ca_err_set(err, CA_ENOMEM, "Out of memory.");
		}
	}
	if (exif->has_gps) {
		up->photo.has_geotag = true;
		up->photo.geotag_lat = exif->latitude;
		up->photo.geotag_lng = exif->longitude;
	}
	return geocode(geo, &up->photo, err);
}

int app_upload_store(struct ca_db *db, struct ca_storage *st, const char *owner_id,
		     const char *email, bool *owner_known, struct app_upload *up,
		     struct ca_err *err)
{
	const char *file = up->photo.filename;
	int rc;

	rc = ca_storage_put(st, email, file, CA_IMAGE_ORIGINAL, up->data, up->len, err);
	if (rc != CA_OK)
		goto fail;
	up->files_written = true;
	rc = ca_storage_put(st, email, file, CA_IMAGE_THUMB, up->thumb.jpeg, up->thumb.len, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_storage_put(st, email, file, CA_IMAGE_GRID, up->grid.jpeg, up->grid.len, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_db_photo_create(db, owner_id, owner_known, &up->photo, &up->stored, err);
	if (rc != CA_OK)
		goto fail;
	return CA_OK;
fail:
	if (up->files_written)
		ca_storage_delete_photo(st, email, file, NULL);
	up->files_written = false;
	return rc;
}

int app_upload_unstore(struct ca_db *db, struct ca_storage *st, const char *owner_id,
		       const char *email, struct app_upload *up, struct ca_err *err)
{
	int rc = CA_OK;

	if (up->stored.id) {
		rc = ca_db_photo_delete(db, owner_id, up->stored.id, err);
		ca_photo_release(&up->stored);
	}
	if (up->files_written) {
		int frc = ca_storage_delete_photo(st, email, up->photo.filename,
						  rc == CA_OK ? err : NULL);

		if (rc == CA_OK && frc != CA_STORAGE_NOTFOUND)
			rc = frc;
		up->files_written = false;
	}
	return rc;
}

void app_upload_release(struct app_upload *up)
{
	if (!up)
		return;
	ca_photo_release(&up->photo);
	ca_thumb_release(&up->thumb);
	ca_thumb_release(&up->grid);
	ca_photo_release(&up->stored);
	memset(up, 0, sizeof(*up));
}
