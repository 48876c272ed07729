/*
 * api_image.c — GET /api/photos/{id}/image?size=thumb|grid|original: the image
 * of the signed-in user's photo: sent from its file on disk (stage 0, 1; the
 * file is streamed, never read whole into memory), or a 302 to a presigned URL
 * when the storage gives one (S3, stage 2+).
 *
 * A legacy photo whose thumbnail is missing gets one made from the original
 * and stored, so old deployments heal as they are browsed; so does a photo
 * without the album grid's image (uploaded or migrated before there was one,
 * docs/CONTRACTS.md "Grid images"): its first request makes and stores it, on
 * the server's image worker pool. Photo bytes are
 * private: Cache-Control: no-store, so none stay in a shared browser's cache
 * after sign-out.
 */
#include "app/app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/thumb.h"
#include "util/banned.h"

/*
 * Answers a 302 to the storage's URL for the image when it has one (*done
 * true). The redirect may be cached privately for half the URL's lifetime, so a
 * browser reuses one URL (and its cached image) instead of getting a new one
 * each time; Vary: Cookie keeps it from serving anyone with another session
 * cookie (after sign-out, on a shared computer). A grid image is looked for
 * first (many photos have none yet): CA_STORAGE_NOTFOUND when it is missing.
 */
static int redirect_to_url(struct ca_app *app, const char *email, const char *filename,
			   enum ca_image_kind kind, struct ca_http_response *resp, bool *done,
			   struct ca_err *err)
{
	char *url = NULL;
	char cache[64];
	bool exists = true;
	int rc;

	*done = false;
	rc = ca_storage_url(app->storage, email, filename, kind, 0, &url, err);
	if (rc != CA_OK || !url)
		goto out;
	if (kind == CA_IMAGE_GRID) {
		rc = ca_storage_exists(app->storage, email, filename, kind, &exists, err);
		if (rc == CA_OK && !exists)
			rc = ca_err_set(err, CA_STORAGE_NOTFOUND, "The grid image of %s is not made yet.",
					filename);
		if (rc != CA_OK)
			goto out;
	}
	snprintf(cache, sizeof(cache), "private, max-age=%ld",
		 app->cfg->storage.presign_expires > 1 ? app->cfg->storage.presign_expires / 2 : 0);
	if (ca_http_respond_redirect(resp, 302, url) != CA_OK ||
	    ca_http_set_header(resp, "Cache-Control", cache) != CA_OK ||
	    ca_http_set_header(resp, "Vary", "Cookie") != CA_OK) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	*done = true;
out:
	free(url);
	return rc;
}

/* Makes, stores and appends to out the thumbnail (or grid image) of the photo's original. */
static int remake_thumb(struct ca_app *app, const char *email, const char *filename,
			enum ca_image_kind kind, struct ca_buf *out, struct ca_err *err)
{
	struct ca_buf original = CA_BUF_INIT;
	struct ca_thumb_opts opts;
	struct ca_thumb thumb = { 0 };
	int rc;

	rc = ca_storage_get(app->storage, email, filename, CA_IMAGE_ORIGINAL, APP_IMAGE_READ_MAX,
			    &original, err);
	if (rc != CA_OK)
		goto out;
	ca_thumb_opts_init(&opts);
	opts.max_width = kind == CA_IMAGE_GRID ? CA_THUMB_GRID_WIDTH
					       : (unsigned)app->cfg->server.thumb_width;
	opts.max_height = kind == CA_IMAGE_GRID ? CA_THUMB_GRID_HEIGHT
						: (unsigned)app->cfg->server.thumb_height;
	opts.max_pixels = (uint64_t)app->cfg->server.max_pixels;
	opts.max_scan_pixels = (uint64_t)app->cfg->server.max_scan_pixels;
	rc = ca_thumb_make((const unsigned char *)original.data, original.len, &opts, &thumb, err);
	if (rc != CA_OK)
		goto out;
	/* Storing is a courtesy; a name the writer refuses still gets its thumbnail served. */
	ca_storage_put(app->storage, email, filename, kind, thumb.jpeg, thumb.len, NULL);
	rc = ca_buf_add(out, thumb.jpeg, thumb.len);
out:
	ca_thumb_release(&thumb);
	ca_buf_release(&original);
	return rc;
}

int app_handle_photo_image(struct ca_http_request *req, struct ca_http_response *resp,
			   struct app_call *call)
{
	struct ca_app *app = call->app;
	const struct app_session_user *who = &call->who;
	struct ca_photo photo = { 0 };
	struct ca_buf bytes = CA_BUF_INIT;
	const char *size = ca_http_query(req, "size");
	enum ca_image_kind kind;
	struct ca_err err;
	bool redirected = false;
	uint64_t file_size = 0;
	int fd = -1, rc;

	ca_err_clear(&err);
	if (!size || strcmp(size, "original") == 0) {
		kind = CA_IMAGE_ORIGINAL;
	} else if (strcmp(size, "thumb") == 0) {
		kind = CA_IMAGE_THUMB;
	} else if (strcmp(size, "grid") == 0) {
		kind = CA_IMAGE_GRID;
	} else {
		ca_http_respond_error(resp, 400, "size must be thumb, grid or original.");
		return CA_OK;
	}
	if (!app_photo_load(app, req, resp, who, &photo))
		goto out;
	rc = redirect_to_url(app, who->email, photo.filename, kind, resp, &redirected, &err);
	if (rc == CA_OK && redirected)
		goto out;
	if (rc == CA_OK) {
		/* a file is sent from the file, never read whole into memory */
		rc = ca_storage_open(app->storage, who->email, photo.filename, kind, &fd, &file_size,
				     &err);
		if (rc == CA_EUNSUPPORTED) {
			ca_err_clear(&err);
			rc = ca_storage_get(app->storage, who->email, photo.filename, kind,
					    APP_IMAGE_READ_MAX, &bytes, &err);
		}
	}
	if (rc == CA_STORAGE_NOTFOUND && kind != CA_IMAGE_ORIGINAL) {
		if (!req->on_worker) {
			/* decoding the original is image work: the server's bounded pool does it */
			ca_http_respond_defer(resp);
			goto out;
		}
		ca_err_clear(&err);
		rc = remake_thumb(app, who->email, photo.filename, kind, &bytes, &err);
	}
	if (rc == CA_STORAGE_NOTFOUND || rc == CA_STORAGE_BAD_NAME) {
		ca_http_respond_error(resp, 404, "The image file of this photo is missing.");
		goto out;
	}
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	if (fd >= 0)
		rc = ca_http_respond_fd(resp, 200, fd, file_size, "image/jpeg");
	else
		rc = ca_http_respond(resp, 200, "image/jpeg", bytes.data, bytes.len);
	fd = -1; /* the response owns it now */
	if (rc != CA_OK ||
	    ca_http_set_header(resp, "Cache-Control", "no-store") != CA_OK)
		app_oom(req, resp);
out:
	if (fd >= 0)
		close(fd);
	ca_buf_release(&bytes);
	ca_photo_release(&photo);
	return CA_OK;
}
