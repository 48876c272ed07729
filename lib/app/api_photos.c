/*
 * api_photos.c — the signed-in user's photos: GET /api/photos (paged, newest
 * first, keyword search; the first page of the whole album also says how many
 * photos there are in all), GET, PATCH and DELETE /api/photos/{id}.
 *
 * Every call names the owner to the database, which answers "not found" for a
 * photo that is someone else's; so another user's photo is a 404 and nothing
 * of it is read or changed.
 */
#include "app/app_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/banned.h"

int app_handle_photos_list(struct ca_http_request *req, struct ca_http_response *resp,
			   struct app_call *call)
{
	struct ca_app *app = call->app;
	struct app_session_user *who = &call->who; /* the signature checked; its state below */
	struct ca_photo_query q = { 0 };
	struct ca_photo_page page = { 0 };
	const char *limit = ca_http_query(req, "limit");
	struct ca_err err;
	int64_t total = -1;
	bool want_total;
	int64_t generation = 0;
	bool revoked = false;
	long n = 0;
	size_t i;
	int rc;

	ca_err_clear(&err);
	if (limit && *limit && !ca_parse_long(limit, 1, CA_DB_PAGE_MAX, &n)) {
		ca_http_respond_error(resp, 400, "limit must be a whole number from 1 to %d.",
				      CA_DB_PAGE_MAX);
		goto out;
	}
	q.limit = (size_t)n;
	q.keyword = ca_http_query(req, "q");
	q.cursor = ca_http_query(req, "cursor");
	if (q.cursor && !*q.cursor)
		q.cursor = NULL;
	if (q.keyword && ca_db_utf8_chars(q.keyword) > CA_DB_KEYWORD_MAX) {
		ca_http_respond_error(resp, 400, "A search may be at most %d characters.",
				      CA_DB_KEYWORD_MAX);
		goto out;
	}
	/* The total: the album's first page only (later pages and searches say null). */
	want_total = !q.cursor && !(q.keyword && *q.keyword);
	/* one database read for the album: the session's state, the page, the total (db.h) */
	rc = ca_db_photo_list_session(app->db, who->id, who->sid, &q, want_total, &page,
				      &generation, &revoked, &err);
	if (rc != CA_OK) {
		/* a cursor not ours (400) is refused before any read, whoever sends it */
		app_fail(req, resp, &err);
		goto out;
	}
	if (!app_session_valid(req, resp, who, rc, generation, revoked, &err))
		goto out;
	if (want_total)
		total = page.total;
	/* written straight out: a page of 50 is a thousand values, too many to build as a tree */
	if (ca_http_respond(resp, 200, "application/json", "{\"photos\":[", 11) != CA_OK) {
		app_oom(req, resp);
		goto out;
	}
	for (i = 0; i < page.count; i++) {
		if (i)
			ca_buf_addch(&resp->body, ',');
		app_photo_json_write(&resp->body, &page.photos[i]);
	}
	ca_buf_adds(&resp->body, "],\"next_cursor\":");
	if (page.next_cursor) {
		json_t *cursor = json_string(page.next_cursor);
		char *text = cursor ? json_dumps(cursor, JSON_ENCODE_ANY) : NULL;

		if (text)
			ca_buf_adds(&resp->body, text);
		else
			resp->body.failed = true;
		free(text);
		json_decref(cursor);
	} else {
		ca_buf_adds(&resp->body, "null");
	}
	if (total >= 0)
		ca_buf_addf(&resp->body, ",\"total\":%lld", (long long)total);
	else
		ca_buf_adds(&resp->body, ",\"total\":null");
	ca_buf_addch(&resp->body, '}');
	if (!ca_buf_ok(&resp->body))
		app_oom(req, resp);
out:
	ca_photo_page_release(&page);
	return CA_OK;
}

int app_handle_photo_get(struct ca_http_request *req, struct ca_http_response *resp,
			 struct app_call *call)
{
	struct ca_photo photo = { 0 };

	if (app_photo_load(call->app, req, resp, &call->who, &photo))
		app_respond_json_new(req, resp, 200, app_photo_json(&photo));
	ca_photo_release(&photo);
	return CA_OK;
}

/* A text member for PATCH: absent (false, *set 0), null or a string. false after answering. */
static bool patch_text(json_t *body, const char *key, unsigned field, unsigned *fields,
		       char **out, struct ca_http_response *resp)
{
	json_t *v = json_object_get(body, key);
	long chars;

	if (!v)
		return true;
	if (json_is_null(v)) {
		*fields |= field;
		return true;
	}
	if (!json_is_string(v)) {
		ca_http_respond_error(resp, 400, "%s must be a string or null.", key);
		return false;
	}
	chars = ca_db_utf8_chars(json_string_value(v));
	if (chars < 0 || chars > CA_DB_TEXT_MAX || strlen(json_string_value(v)) !=
						   json_string_length(v)) {
		ca_http_respond_error(resp, 400, "%s must be text of at most %d characters.", key,
				      CA_DB_TEXT_MAX);
		return false;
	}
	*out = ca_strdup(json_string_value(v));
	*fields |= field;
	return true;
}

/* geotag_lat/geotag_lng: both numbers in range, or both null. false after answering. */
static bool patch_geotag(json_t *body, struct ca_photo *values, unsigned *fields,
			 struct ca_http_response *resp)
{
	json_t *lat = json_object_get(body, "geotag_lat");
	json_t *lng = json_object_get(body, "geotag_lng");

	if (!lat && !lng)
		return true;
	if (lat && lng && json_is_null(lat) && json_is_null(lng)) {
		values->has_geotag = false;
		*fields |= CA_PHOTO_GEOTAG;
		return true;
	}
	if (!json_is_number(lat) || !json_is_number(lng) ||
	    !isfinite(json_number_value(lat)) || !isfinite(json_number_value(lng)) ||
	    fabs(json_number_value(lat)) > 90 || fabs(json_number_value(lng)) > 180) {
		ca_http_respond_error(resp, 400, "Send geotag_lat (-90 to 90) and geotag_lng (-180 "
				      "to 180) together as numbers, or both as null.");
		return false;
	}
	values->has_geotag = true;
	values->geotag_lat = json_number_value(lat);
	values->geotag_lng = json_number_value(lng);
	*fields |= CA_PHOTO_GEOTAG;
	return true;
}

/* A new location without a place named in the request: the geocoder's, or none. */
static int fill_place(struct ca_app *app, struct ca_photo *values, unsigned *fields)
{
	const unsigned place = CA_PHOTO_CITY | CA_PHOTO_NATION | CA_PHOTO_ADDRESS;
	struct geo_place found;

	if (!(*fields & CA_PHOTO_GEOTAG) || (*fields & place))
		return CA_OK;
	*fields |= place;
	if (!values->has_geotag || !app->geo ||
	    geo_lookup(app->geo, values->geotag_lat, values->geotag_lng, &found, NULL) != CA_OK ||
	    !found.found)
		return CA_OK;
	values->city = *found.city ? app_clean_text(found.city, strlen(found.city),
						    CA_DB_TEXT_MAX) : NULL;
	values->nation = *found.nation ? app_clean_text(found.nation, strlen(found.nation),
							CA_DB_TEXT_MAX) : NULL;
	values->address = *found.address ? app_clean_text(found.address, strlen(found.address),
							  CA_DB_TEXT_MAX) : NULL;
	if ((*found.city && !values->city) || (*found.nation && !values->nation) ||
	    (*found.address && !values->address))
		return CA_ENOMEM;
	return CA_OK;
}

int app_handle_photo_patch(struct ca_http_request *req, struct ca_http_response *resp,
			   struct app_call *call)
{
	static const char *const allowed[] = { "tags", "desc", "geotag_lat", "geotag_lng", "city",
					       "nation", "address", NULL };
	struct ca_app *app = call->app;
	const struct app_session_user *who = &call->who;
	struct ca_photo values = { 0 }, photo = { 0 };
	const char *key = NULL;
	unsigned fields = 0;
	json_t *body = call->body;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_only_keys(body, allowed, &key)) {
		ca_http_respond_error(resp, 400, "A photo's %s cannot be changed; send tags, "
				      "desc, geotag_lat/geotag_lng, city, nation or address.",
				      strlen(key) <= 40 && ca_db_utf8_chars(key) >= 0 ? key : "field");
		goto out;
	}
	if (!patch_text(body, "tags", CA_PHOTO_TAGS, &fields, &values.tags, resp) ||
	    !patch_text(body, "desc", CA_PHOTO_DESC, &fields, &values.desc, resp) ||
	    !patch_text(body, "city", CA_PHOTO_CITY, &fields, &values.city, resp) ||
	    !patch_text(body, "nation", CA_PHOTO_NATION, &fields, &values.nation, resp) ||
	    !patch_text(body, "address", CA_PHOTO_ADDRESS, &fields, &values.address, resp) ||
	    !patch_geotag(body, &values, &fields, resp))
		goto out;
	if (fill_place(app, &values, &fields) != CA_OK) {
		app_oom(req, resp);
		goto out;
	}
	if (!app_photo_load(app, req, resp, who, &photo))
		goto out;
	if (fields) {
		rc = ca_db_photo_update(app->db, who->id, photo.id, &values, fields, &err);
		if (rc == CA_OK) {
			ca_photo_release(&photo);
			rc = ca_db_photo_get(app->db, who->id, ca_http_param(req, "id"), &photo, &err);
		}
		if (rc != CA_OK) {
			app_fail(req, resp, &err);
			goto out;
		}
	}
	app_respond_json_new(req, resp, 200, app_photo_json(&photo));
out:
	ca_photo_release(&values);
	ca_photo_release(&photo);
	return CA_OK;
}

int app_handle_photo_delete(struct ca_http_request *req, struct ca_http_response *resp,
			    struct app_call *call)
{
	struct ca_app *app = call->app;
	const struct app_session_user *who = &call->who;
	struct ca_photo photo = { 0 };
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_photo_load(app, req, resp, who, &photo))
		goto out;
	rc = ca_db_photo_delete(app->db, who->id, photo.id, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	/* The row is gone, so the photo is; files that cannot be removed are only logged. */
	ca_err_clear(&err);
	rc = ca_storage_delete_photo(app->storage, who->email, photo.filename, &err);
	if (rc != CA_OK && rc != CA_STORAGE_NOTFOUND)
		app_log(req, "photo %s deleted, its files not: %s", photo.id, ca_err_msg(&err));
	ca_http_respond_empty(resp, 204);
out:
	ca_photo_release(&photo);
	return CA_OK;
}
