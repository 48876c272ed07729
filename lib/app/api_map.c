/*
 * api_map.c — GET /api/map: a GeoJSON FeatureCollection of the signed-in
 * user's geotagged photos (at most APP_MAP_MAX, newest first), each a Point
 * at [lng, lat] whose properties are the photo object. (0, 0), which the
 * legacy app stored for "no location", is left out.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/banned.h"

static json_t *feature(const struct ca_photo *p)
{
	return json_pack("{s:s, s:{s:s, s:[f, f]}, s:o}", "type", "Feature", "geometry", "type",
			 "Point", "coordinates", p->geotag_lng, p->geotag_lat, "properties",
			 app_photo_json(p));
}

int app_handle_map(struct ca_http_request *req, struct ca_http_response *resp,
		   struct app_call *call)
{
	struct ca_app *app = call->app;
	const struct app_session_user *who = &call->who;
	struct ca_photo_page page = { 0 };
	struct ca_photo_query q = { NULL, NULL, CA_DB_PAGE_MAX };
	char *cursor = NULL;
	json_t *features = NULL;
	struct ca_err err;
	size_t i, seen = 0;
	int rc;

	ca_err_clear(&err);
	features = json_array();
	if (!features) {
		app_oom(req, resp);
		goto out;
	}
	do {
		q.cursor = cursor;
		rc = ca_db_photo_list(app->db, who->id, &q, &page, &err);
		if (rc != CA_OK) {
			app_fail(req, resp, &err);
			goto out;
		}
		for (i = 0; i < page.count && seen < APP_MAP_MAX; i++) {
			const struct ca_photo *p = &page.photos[i];

			if (!p->has_geotag || (p->geotag_lat == 0 && p->geotag_lng == 0))
				continue;
			seen++;
			if (json_array_append_new(features, feature(p)) != 0) {
				app_oom(req, resp);
				goto out;
			}
		}
		free(cursor);
		cursor = page.next_cursor;
		page.next_cursor = NULL;
		ca_photo_page_release(&page);
	} while (cursor && seen < APP_MAP_MAX);
	app_respond_json_new(req, resp, 200,
			     json_pack("{s:s, s:O}", "type", "FeatureCollection", "features",
				       features));
out:
	free(cursor);
	ca_photo_page_release(&page);
	json_decref(features);
	return CA_OK;
}
