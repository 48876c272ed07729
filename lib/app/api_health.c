/*
 * api_health.c — GET /healthz (can each backend be reached? anonymous callers
 * learn only ok / unavailable; the checks, requests in flight and the password
 * work done so far go only to "Authorization: Bearer <server.healthz_token>") and
 * GET /api/config (what the front end needs to know about this server).
 */
#include "app/app_internal.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/password.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

#define OSM_ATTRIBUTION "\xc2\xa9 OpenStreetMap contributors"

/* A query that reaches the server: a user id no one is likely to have (found is fine too). */
static bool database_ok(struct ca_app *app, struct ca_err *err)
{
	struct ca_user u = { 0 };
	int rc = ca_db_user_find_by_id(app->db, "2147483647", &u, err);

	ca_user_release(&u);
	if (rc == CA_DB_NOTFOUND || rc == CA_OK) {
		ca_err_clear(err);
		return true;
	}
	return false;
}

/* A bucket is reachable when asking for an object no one has gets an answer. */
static bool bucket_ok(struct ca_app *app, struct ca_err *err)
{
	bool exists = false;

	return ca_storage_exists(app->storage, "healthz@cloudalbum.invalid",
				 "00000000-0000-4000-8000-000000000000.jpg", CA_IMAGE_ORIGINAL,
				 &exists, err) == CA_OK;
}

static bool storage_ok(struct ca_app *app, struct ca_err *err)
{
	const char *root = app->cfg->storage.path;
	struct stat st;

	if (app->cfg->storage.kind != SERVE_STORAGE_DISK)
		return bucket_ok(app, err);

	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ca_err_set(err, CA_STORAGE_IO, "The upload folder is missing.");
		return false;
	}
	if (access(root, W_OK | X_OK) != 0) {
		ca_err_set(err, CA_STORAGE_IO, "The upload folder is not writable.");
		return false;
	}
	return true;
}

static json_t *check_json(bool ok, const char *kind, const struct ca_err *err)
{
	json_t *obj = json_pack("{s:b, s:s}", "ok", ok, "kind", kind);

	if (obj && !ok && json_object_set_new(obj, "error", app_json_text(ca_err_msg(err))) != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* true when the request carries "Authorization: Bearer <server.healthz_token>". */
static bool may_see_details(const struct ca_app *app, const struct ca_http_request *req)
{
	const char *token = app->cfg->server.healthz_token;
	const char *auth = ca_http_header(req, "Authorization");
	static const char bearer[] = "Bearer ";

	if (!token || !*token || !auth || strncmp(auth, bearer, sizeof(bearer) - 1) != 0)
		return false;
	auth += sizeof(bearer) - 1;
	return ca_consttime_eq(auth, strlen(auth), token, strlen(token));
}

int app_handle_healthz(struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_call *call)
{
	struct ca_app *app = call->app;
	struct ca_err db_err, st_err;
	json_t *out = NULL, *checks = NULL, *geo = NULL;
	uint64_t derivations = 0, iterations = 0;
	bool db_ok, st_ok;

	ca_err_clear(&db_err);
	ca_err_clear(&st_err);
	db_ok = database_ok(app, &db_err);
	st_ok = storage_ok(app, &st_err);
	if (!db_ok)
		app_log(req, "healthz: database: %s", ca_err_msg(&db_err));
	if (!st_ok)
		app_log(req, "healthz: storage: %s", ca_err_msg(&st_err));
	if (!may_see_details(app, req))
		return app_respond_json_new(req, resp, db_ok && st_ok ? 200 : 503,
					    json_pack("{s:s}", "status",
						      db_ok && st_ok ? "ok" : "unavailable"));
	if (app->geo)
		geo = json_pack("{s:b, s:I}", "ok", 1, "places", (json_int_t)geo_count(app->geo));
	else
		geo = json_pack("{s:b, s:s}", "ok", 0, "note", "reverse geocoding is off");
	checks = json_pack("{s:o, s:o, s:o*}", "database",
			   check_json(db_ok, ca_db_kind(app->db), &db_err), "storage",
			   check_json(st_ok, ca_storage_kind(app->storage), &st_err), "geodata", geo);
	if (!checks)
		return app_oom(req, resp);
	ca_password_work(&derivations, &iterations);
	out = json_pack("{s:s, s:o, s:I, s:{s:I, s:I}}", "status",
			db_ok && st_ok ? "ok" : "unavailable", "checks", checks, "in_flight",
			(json_int_t)(app->server ? ca_http_server_in_flight(app->server) : 0),
			"password_work", "derivations", (json_int_t)derivations,
			"pbkdf2_iterations", (json_int_t)iterations);
	return app_respond_json_new(req, resp, db_ok && st_ok ? 200 : 503, out);
}

int app_handle_config(struct ca_http_request *req, struct ca_http_response *resp,
		      struct app_call *call)
{
	struct ca_app *app = call->app;
	const struct serve_config *cfg = app->cfg;
	const char *tiles = cfg->server.tile_url;
	json_t *out;

	out = json_pack("{s:o, s:s, s:s, s:s, s:I, s:b}",
			"stage", cfg->stage >= 0 ? json_integer(cfg->stage) : json_null(),
			"auth_kind", serve_auth_kinds[cfg->auth.kind],
			"tile_url", tiles,
			"tile_attribution", strstr(tiles, "openstreetmap.org") ? OSM_ATTRIBUTION : "",
			"max_upload_mb", (json_int_t)cfg->server.max_upload_mb,
			"geocoding", app->geo != NULL);
	return app_respond_json_new(req, resp, 200, out);
}
