/*
 * api_upload.c — POST /api/photos: a multipart form of one or more `file`
 * parts plus `tags` and `desc` for all of them → 201 {photos}.
 *
 * The work runs on the server's image pool (ca_http_respond_defer; 503 with
 * Retry-After when it is full). All files are checked and prepared (upload.h)
 * before anything is written;
 * then each is stored. Should storing one fail, the ones stored before it in
 * the same request are removed again: a request adds all its photos or none.
 * The answer lists the rows as the database stored them (no read back), and the
 * owner is looked up once per request, not once per photo.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>

#include "app/upload.h"
#include "http/multipart.h"
#include "util/strutil.h"
#include "util/banned.h"

/* Most files one request may carry (each is a part; tags and desc are two more). */
#define APP_UPLOAD_FILES_MAX 50

/* A plain form field as a NUL-terminated copy (*out NULL when absent). false on a NUL or OOM. */
static bool form_text(const struct ca_multipart *mp, const char *name, char **out,
		      struct ca_err *err)
{
	const struct ca_multipart_part *p = ca_multipart_get(mp, name);

	*out = NULL;
	if (!p)
		return true;
	if (p->filename) {
		ca_err_set(err, CA_HTTP_BAD_REQUEST, "The %s field must be text, not a file.", name);
		return false;
	}
	if (memchr(p->data, '\0', p->len)) {
		ca_err_set(err, CA_HTTP_BAD_REQUEST, "The %s field holds a NUL byte.", name);
		return false;
	}
	*out = ca_strndup(p->data, p->len);
	if (!*out) {
		ca_err_set(err, CA_ENOMEM, "Out of memory.");
		return false;
	}
	return true;
}

int app_handle_photos_upload(struct ca_http_request *req, struct ca_http_response *resp,
			     struct app_call *call)
{
	struct ca_app *app = call->app;
	const struct serve_config *cfg = app->cfg;
	const struct app_session_user *who = &call->who;
	struct ca_multipart mp = { 0 };
	struct ca_multipart_limits limits = { APP_UPLOAD_FILES_MAX + 8, app->upload_max,
					      app->upload_max, 0 };
	struct app_upload_limits ulimits = { app->upload_max, (uint64_t)cfg->server.max_pixels,
					     (uint64_t)cfg->server.max_scan_pixels,
					     (unsigned)cfg->server.thumb_width,
					     (unsigned)cfg->server.thumb_height };
	struct app_upload *ups = NULL;
	size_t nfiles = 0, i, stored = 0;
	bool owner_known = false;
	char *tags = NULL, *desc = NULL;
	const char *ctype = ca_http_header(req, "Content-Type");
	json_t *list = NULL;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!req->on_worker) {
		/* decoding and thumbnailing run on the server's bounded image pool */
		ca_http_respond_defer(resp);
		goto out;
	}
	rc = ca_multipart_parse(ctype ? ctype : "", req->body, req->body_len, &limits, &mp, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	if (!form_text(&mp, "tags", &tags, &err) || !form_text(&mp, "desc", &desc, &err)) {
		app_fail(req, resp, &err);
		goto out;
	}
	for (i = 0; i < mp.n; i++)
		if (strcmp(mp.parts[i].name, "file") == 0)
			nfiles++;
	if (nfiles == 0) {
		ca_http_respond_error(resp, 400, "Choose at least one JPEG to upload (a `file` part).");
		goto out;
	}
	if (nfiles > APP_UPLOAD_FILES_MAX) {
		ca_http_respond_error(resp, 413, "Upload at most %d photos at once.",
				      APP_UPLOAD_FILES_MAX);
		goto out;
	}
	ups = calloc(nfiles, sizeof(*ups));
	if (!ups) {
		app_oom(req, resp);
		goto out;
	}
	nfiles = 0;
	for (i = 0; i < mp.n; i++) {
		const struct ca_multipart_part *p = &mp.parts[i];

		if (strcmp(p->name, "file") != 0)
			continue;
		rc = app_upload_prepare(&ulimits, app->geo, p->filename,
					(const unsigned char *)p->data, p->len, tags, desc,
					&ups[nfiles++], &err);
		if (rc != CA_OK) {
			app_fail(req, resp, &err);
			goto out;
		}
	}
	for (stored = 0; stored < nfiles; stored++) {
		rc = app_upload_store(app->db, app->storage, who->id, who->email, &owner_known,
				      &ups[stored], &err);
		if (rc != CA_OK) {
			app_fail(req, resp, &err);
			goto undo;
		}
	}
	list = json_array();
	for (i = 0; list && i < nfiles; i++) {
		if (json_array_append_new(list, app_photo_json(&ups[i].stored)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (!list) {
		app_log(req, "upload stored %zu photo(s) but ran out of memory listing them", nfiles);
		ca_http_respond_error(resp, 500, "The photos were saved but could not be listed; "
				      "reload the album.");
		goto out;
	}
	app_respond_json_new(req, resp, 201, json_pack("{s:o}", "photos", list));
	goto out;
undo:
	while (stored-- > 0) {
		struct ca_err uerr;

		ca_err_clear(&uerr);
		if (app_upload_unstore(app->db, app->storage, who->id, who->email, &ups[stored],
				       &uerr) != CA_OK)
			app_log(req, "could not undo stored photo %s: %s", ups[stored].photo.filename,
				ca_err_msg(&uerr));
	}
out:
	for (i = 0; ups && i < nfiles; i++)
		app_upload_release(&ups[i]);
	free(ups);
	free(tags);
	free(desc);
	ca_multipart_release(&mp);
	return CA_OK;
}
