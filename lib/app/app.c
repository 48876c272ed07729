/*
 * app.c — wiring the backends the serve config names, and the routes.
 */
#include "app/app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/mysql.h"
#include "storage/disk.h"
#include "util/strutil.h"
#include "util/banned.h"

static const struct {
	const char *method;
	const char *pattern;
	ca_http_handler_fn handler;
} routes[] = {
	{ "GET", "/healthz", app_handle_healthz },
	{ "GET", "/api/config", app_handle_config },
	{ "POST", "/api/users", app_handle_signup },
	{ "POST", "/api/session", app_handle_signin },
	{ "DELETE", "/api/session", app_handle_signout },
	{ "GET", "/api/me", app_handle_me_get },
	{ "PUT", "/api/me", app_handle_me_put },
	{ "GET", "/api/photos", app_handle_photos_list },
	{ "POST", "/api/photos", app_handle_photos_upload },
	{ "GET", "/api/photos/{id}", app_handle_photo_get },
	{ "PATCH", "/api/photos/{id}", app_handle_photo_patch },
	{ "DELETE", "/api/photos/{id}", app_handle_photo_delete },
	{ "GET", "/api/photos/{id}/image", app_handle_photo_image },
	{ "GET", "/api/map", app_handle_map },
};

/* Paths under /api/ that no route knows get the JSON 404; the rest are the front end's. */
static int fallback(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct ca_app *app = ctx;

	if (strcmp(req->path, "/api") == 0 || ca_starts_with(req->path, "/api/") || !app->web)
		return app_handle_api_not_found(req, resp, ctx);
	return ca_http_static_serve(req, resp, app->web);
}

int app_handle_api_not_found(struct ca_http_request *req, struct ca_http_response *resp,
			     void *ctx)
{
	(void)ctx;
	(void)req;
	ca_http_respond_error(resp, 404, "There is nothing at this address.");
	return CA_OK;
}

static int open_geo(struct ca_app *app, struct ca_err *err)
{
	const char *path = app->cfg->server.geodata;
	struct ca_err geo_err;
	int rc;

	ca_err_clear(&geo_err);
	if (path && *path) {
		rc = geo_open(path, &app->geo, err);
		if (rc != CA_OK) {
			ca_err_prefix(err, "server.geodata");
			return rc;
		}
	} else if (geo_open(NULL, &app->geo, &geo_err) != CA_OK) {
		struct ca_buf note = CA_BUF_INIT;

		ca_buf_addf(&note, "off: %s", ca_err_msg(&geo_err));
		app->geo_note = ca_buf_detach(&note, NULL);
		return app->geo_note ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	{
		struct ca_buf note = CA_BUF_INIT;

		ca_buf_addf(&note, "%s (%zu places)", geo_path(app->geo), geo_count(app->geo));
		app->geo_note = ca_buf_detach(&note, NULL);
	}
	return app->geo_note ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

static int check_kinds(const struct serve_config *cfg, struct ca_err *err)
{
	if (cfg->database.kind != SERVE_DB_MYSQL)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "%s: database kind %s is not served by this build yet; use mysql "
				  "(stage 0).", cfg->path ? cfg->path : "config",
				  serve_db_kinds[cfg->database.kind]);
	if (cfg->storage.kind != SERVE_STORAGE_DISK)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "%s: storage kind %s is not served by this build yet; use disk "
				  "(stage 0).", cfg->path ? cfg->path : "config",
				  serve_storage_kinds[cfg->storage.kind]);
	if (cfg->auth.kind != SERVE_AUTH_LOCAL)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "%s: auth kind %s is not served by this build yet; use local "
				  "(stage 0).", cfg->path ? cfg->path : "config",
				  serve_auth_kinds[cfg->auth.kind]);
	if (cfg->tracing.kind != SERVE_TRACING_NONE)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "%s: tracing kind %s is not served by this build yet; use none "
				  "(stage 0).", cfg->path ? cfg->path : "config",
				  serve_tracing_kinds[cfg->tracing.kind]);
	return CA_OK;
}

static int add_routes(struct ca_app *app, struct ca_err *err)
{
	size_t i;
	int rc;

	rc = ca_http_router_new(&app->router, err);
	if (rc != CA_OK)
		return rc;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		rc = ca_http_router_add(app->router, routes[i].method, routes[i].pattern,
					routes[i].handler, app, err);
		if (rc != CA_OK)
			return rc;
	}
	ca_http_router_set_fallback(app->router, fallback, app);
	return CA_OK;
}

int ca_app_open(const struct serve_config *cfg, struct ca_app **out, struct ca_err *err)
{
	struct ca_app *app = NULL;
	struct ca_ratelimit_opts account = { 0, APP_LOGIN_ACCOUNT_BURST,
					     APP_LOGIN_ACCOUNT_PER_MINUTE, NULL, NULL };
	struct ca_ratelimit_opts address = { 0, APP_LOGIN_ADDRESS_BURST,
					     APP_LOGIN_ADDRESS_PER_MINUTE, NULL, NULL };
	int rc;

	*out = NULL;
	rc = check_kinds(cfg, err);
	if (rc != CA_OK)
		return rc;
	app = calloc(1, sizeof(*app));
	if (!app)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	app->cfg = cfg;
	app->upload_max = (size_t)cfg->server.max_upload_mb * 1024 * 1024;

	rc = ca_session_keys_init(&app->keys, cfg->server.session_secret, cfg->server.base_url,
				  cfg->server.session_ttl, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_db_open(cfg->database.url, &app->db, err);
	if (rc != CA_OK) {
		ca_err_prefix(err, "database");
		goto fail;
	}
	rc = ca_storage_disk_open(cfg->storage.path, &app->storage, err);
	if (rc != CA_OK) {
		ca_err_prefix(err, "storage.path %s", cfg->storage.path);
		goto fail;
	}
	rc = open_geo(app, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_ratelimit_new(&app->login_by_account, &account, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_ratelimit_new(&app->login_by_address, &address, err);
	if (rc != CA_OK)
		goto fail;
	if (cfg->server.static_dir && *cfg->server.static_dir) {
		rc = ca_http_static_new(&app->web, cfg->server.static_dir, 3600, err);
		if (rc != CA_OK) {
			ca_err_prefix(err, "server.static_dir %s", cfg->server.static_dir);
			goto fail;
		}
	}
	rc = add_routes(app, err);
	if (rc != CA_OK)
		goto fail;
	*out = app;
	return CA_OK;
fail:
	ca_app_close(app);
	return rc;
}

const struct ca_http_router *ca_app_router(const struct ca_app *app)
{
	return app->router;
}

void ca_app_attach_server(struct ca_app *app, struct ca_http_server *srv)
{
	app->server = srv;
}

size_t ca_app_upload_max(const struct ca_app *app)
{
	return app->upload_max;
}

const char *ca_app_geocoding(const struct ca_app *app)
{
	return app->geo_note ? app->geo_note : "off";
}

void ca_app_close(struct ca_app *app)
{
	if (!app)
		return;
	ca_http_router_free(app->router);
	ca_http_static_free(app->web);
	ca_ratelimit_free(app->login_by_address);
	ca_ratelimit_free(app->login_by_account);
	geo_close(app->geo);
	free(app->geo_note);
	ca_storage_release(app->storage);
	ca_db_close(app->db);
	ca_session_keys_release(&app->keys);
	free(app);
}
