#include "storage/storage.h"

#include "util/banned.h"

static int check_names(const char *email, const char *filename, bool for_write,
		       struct ca_err *err)
{
	struct ca_buf norm = CA_BUF_INIT;
	int rc;

	rc = for_write ? ca_storage_check_new_name(filename, err)
		       : ca_storage_check_name(filename, err);
	if (rc == CA_OK)
		rc = ca_storage_norm_email(email, &norm, err);
	ca_buf_release(&norm);
	return rc;
}

static int check_kind(enum ca_image_kind kind, struct ca_err *err)
{
	if (kind != CA_IMAGE_ORIGINAL && kind != CA_IMAGE_THUMB && kind != CA_IMAGE_GRID)
		return ca_err_set(err, CA_EINVAL, "Unknown image kind %d.", (int)kind);
	return CA_OK;
}

int ca_storage_put(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, const void *data, size_t len, struct ca_err *err)
{
	int rc = check_kind(kind, err);

	if (rc == CA_OK)
		rc = check_names(email, filename, true, err);
	if (rc == CA_OK)
		rc = st->ops->put(st, email, filename, kind, data, len, err);
	return rc;
}

int ca_storage_get(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, size_t max_len, struct ca_buf *out, struct ca_err *err)
{
	int rc = check_kind(kind, err);

	if (rc == CA_OK)
		rc = check_names(email, filename, false, err);
	if (rc == CA_OK)
		rc = st->ops->get(st, email, filename, kind, max_len, out, err);
	return rc;
}

int ca_storage_open(struct ca_storage *st, const char *email, const char *filename,
		    enum ca_image_kind kind, int *fd, uint64_t *size, struct ca_err *err)
{
	int rc = check_kind(kind, err);

	*fd = -1;
	*size = 0;
	if (rc == CA_OK && !st->ops->open)
		rc = ca_err_set(err, CA_EUNSUPPORTED, "The %s storage keeps no local files.",
				st->ops->name);
	if (rc == CA_OK)
		rc = check_names(email, filename, false, err);
	if (rc == CA_OK)
		rc = st->ops->open(st, email, filename, kind, fd, size, err);
	return rc;
}

int ca_storage_delete(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, struct ca_err *err)
{
	int rc = check_kind(kind, err);

	if (rc == CA_OK)
		rc = check_names(email, filename, false, err);
	if (rc == CA_OK)
		rc = st->ops->remove(st, email, filename, kind, err);
	return rc;
}

int ca_storage_delete_photo(struct ca_storage *st, const char *email, const char *filename,
			    struct ca_err *err)
{
	struct ca_err step;
	int rc_orig, rc_thumb, rc_grid;

	ca_err_clear(&step);
	rc_orig = ca_storage_delete(st, email, filename, CA_IMAGE_ORIGINAL,
				    &step);
	if (rc_orig != CA_OK && rc_orig != CA_STORAGE_NOTFOUND) {
		return ca_err_set(err, rc_orig, "%s", ca_err_msg(&step));
	}
	ca_err_clear(&step);
	rc_thumb = ca_storage_delete(st, email, filename, CA_IMAGE_THUMB, &step);
	if (rc_thumb != CA_OK && rc_thumb != CA_STORAGE_NOTFOUND) {
		return ca_err_set(err, rc_thumb, "%s", ca_err_msg(&step));
	}
	ca_err_clear(&step);
	rc_grid = ca_storage_delete(st, email, filename, CA_IMAGE_GRID, &step);
	if (rc_grid != CA_OK && rc_grid != CA_STORAGE_NOTFOUND) {
		return ca_err_set(err, rc_grid, "%s", ca_err_msg(&step));
	}
	if (rc_orig == CA_STORAGE_NOTFOUND && rc_thumb == CA_STORAGE_NOTFOUND &&
	    rc_grid == CA_STORAGE_NOTFOUND)
		return ca_err_set(err, CA_STORAGE_NOTFOUND,
				  "Neither the image %s nor its thumbnail is in storage.", filename);
	return CA_OK;
}

int ca_storage_exists(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, bool *exists, struct ca_err *err)
{
	int rc = check_kind(kind, err);

	*exists = false;
	if (rc == CA_OK)
		rc = check_names(email, filename, false, err);
	if (rc == CA_OK)
		rc = st->ops->exists(st, email, filename, kind, exists, err);
	return rc;
}

int ca_storage_url(struct ca_storage *st, const char *email, const char *filename,
		   enum ca_image_kind kind, long expires, char **url, struct ca_err *err)
{
	int rc = check_kind(kind, err);

	*url = NULL;
	if (rc == CA_OK && (expires < 0 || expires > CA_STORAGE_URL_MAX_EXPIRES))
		rc = ca_err_set(err, CA_ERANGE, "A link to an image lasts 1 to %d seconds.",
				CA_STORAGE_URL_MAX_EXPIRES);
	if (rc == CA_OK)
		rc = check_names(email, filename, false, err);
	if (rc == CA_OK && st->ops->url)
		rc = st->ops->url(st, email, filename, kind, expires, url, err);
	return rc;
}

const char *ca_storage_kind(const struct ca_storage *st)
{
	return st ? st->ops->name : "";
}

void ca_storage_release(struct ca_storage *st)
{
	if (st)
		st->ops->release(st);
}
