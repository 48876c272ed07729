/*
 * app.c — wiring the backends the serve config names, and the routes.
 */
#include "app/app_internal.h"
#include "app/api_hostedui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/strutil.h"
#include "util/banned.h"

/*
 * The route tables. What each route requires (APP_ROUTE_*, app_internal.h) is
 * enforced by dispatch() before its handler runs; the account routes are chosen
 * by auth kind when the app opens.
 */
static const struct app_route common_routes[] = {
	{ "GET", "/healthz", app_handle_healthz, 0 },
	{ "GET", "/api/config", app_handle_config, 0 },
	/* its own check: CSRF with a session, the origin without one */
	{ "DELETE", "/api/session", app_handle_signout, 0 },
	{ "GET", "/api/photos", app_handle_photos_list, APP_ROUTE_SESSION },
	{ "POST", "/api/photos", app_handle_photos_upload,
	  APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF | APP_ROUTE_UPLOAD },
	{ "GET", "/api/photos/{id}", app_handle_photo_get, APP_ROUTE_SIGNED_IN },
	{ "PATCH", "/api/photos/{id}", app_handle_photo_patch,
	  APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF | APP_ROUTE_JSON_BODY },
	{ "DELETE", "/api/photos/{id}", app_handle_photo_delete,
	  APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF },
	{ "GET", "/api/photos/{id}/image", app_handle_photo_image, APP_ROUTE_SIGNED_IN },
	{ "GET", "/api/map", app_handle_map, APP_ROUTE_SIGNED_IN },
};

/* The accounts in the database's User table (auth kind local). */
static const struct app_route local_account_routes[] = {
	{ "POST", "/api/users", app_handle_signup, APP_ROUTE_SAME_ORIGIN | APP_ROUTE_JSON_BODY },
	{ "POST", "/api/session", app_handle_signin, APP_ROUTE_SAME_ORIGIN | APP_ROUTE_JSON_BODY },
	{ "GET", "/api/me", app_handle_me_get, APP_ROUTE_SIGNED_IN },
	{ "PUT", "/api/me", app_handle_me_put,
	  APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF | APP_ROUTE_JSON_BODY },
};

/* The accounts in the user pool (auth kind cognito, api_cognito.c). */
static const struct app_route cognito_account_routes[] = {
	{ "POST", "/api/users", app_cognito_signup, APP_ROUTE_SAME_ORIGIN | APP_ROUTE_JSON_BODY },
	{ "POST", "/api/session", app_cognito_signin, APP_ROUTE_SAME_ORIGIN | APP_ROUTE_JSON_BODY },
	{ "GET", "/api/me", app_cognito_me_get, APP_ROUTE_SIGNED_IN },
	{ "PUT", "/api/me", app_cognito_me_put,
	  APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF | APP_ROUTE_JSON_BODY },
};

#define N_ROUTES(t) (sizeof(t) / sizeof((t)[0]))

/* A route as the router holds it: the row and the app it runs for. */
struct app_bound_route {
	struct ca_app *app;
	const struct app_route *route;
};

/* The routes of one app_routes_add call (the router points into it), in a list. */
struct app_bound_block {
	struct app_bound_block *next;
	struct app_bound_route routes[];
};

/* Checks what the route requires, in the order app_internal.h gives; false after answering. */
static bool requirements_met(struct ca_http_request *req, struct ca_http_response *resp,
			     unsigned requires, struct app_call *call)
{
	struct ca_app *app = call->app;

	if ((requires & APP_ROUTE_SIGNED_IN) && !app_signed_in(app, req, resp, &call->who))
		return false;
	if ((requires & APP_ROUTE_SESSION) && !(requires & APP_ROUTE_SIGNED_IN) &&
	    !app_session_signed(app, req, resp, &call->who))
		return false;
	if ((requires & APP_ROUTE_CSRF) && !app_csrf_ok(app, req, resp, &call->who))
		return false;
	if ((requires & APP_ROUTE_SAME_ORIGIN) && !(requires & APP_ROUTE_CSRF) &&
	    !app_origin_ok(app, req, resp))
		return false;
	return !(requires & APP_ROUTE_JSON_BODY) || app_json_body(req, resp, &call->body);
}

/* What the router runs for every app route: the route's requirements, then its handler. */
static int dispatch(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	const struct app_bound_route *bound = ctx;
	struct app_call call = { bound->app, { 0 }, NULL };
	int rc = CA_OK;

	if (requirements_met(req, resp, bound->route->requires, &call))
		rc = bound->route->handler(req, resp, &call);
	app_session_user_release(&call.who);
	json_decref(call.body);
	return rc;
}

int app_routes_add(struct ca_app *app, const struct app_route *routes, size_t n,
		   struct ca_err *err)
{
	const unsigned session = APP_ROUTE_SESSION | APP_ROUTE_SIGNED_IN;
	struct app_bound_block *block;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((routes[i].requires & APP_ROUTE_CSRF) && !(routes[i].requires & session))
			return ca_err_set(err, CA_EINVAL, "The route %s %s requires a CSRF token "
					  "without requiring a session to bind it to.",
					  routes[i].method, routes[i].pattern);
	block = malloc(sizeof(*block) + n * sizeof(block->routes[0]));
	if (!block)
		return ca_err_set(err, CA_ENOMEM, "Out of memory adding the routes.");
	block->next = app->bound;
	app->bound = block;
	for (i = 0; i < n; i++) {
		block->routes[i].app = app;
		block->routes[i].route = &routes[i];
		rc = ca_http_router_add_flags(app->router, routes[i].method, routes[i].pattern,
					      dispatch, &block->routes[i], routes[i].requires, err);
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

void app_routes_release(struct ca_app *app)
{
	struct app_bound_block *block = app->bound;

	app->bound = NULL;
	while (block) {
		struct app_bound_block *next = block->next;

		free(block);
		block = next;
	}
}

/*
 * true for a path the browser app answers itself: a GET or HEAD of one or more
 * segments of letters, digits, '-' and '_' ("/album", "/photos/12"). A missing
 * file ("/css/nope.css") and anything odd ("/../x", "//x") stay a 404.
 */
static bool app_route_path(const struct ca_http_request *req)
{
	const char *c;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	for (c = req->raw_path; *c; c++) {
		if (*c == '/') {
			if (c[1] == '/' || c[1] == '\0')
				return false;
		} else if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
			return false;
		}
	}
	return req->raw_path[0] == '/';
}

/*
 * Paths under /api/ that no route knows get the JSON 404; the rest are the front
 * end's files. A typed or reloaded app address that is no file ("/album") gets
 * the app's page (index.html), which shows that route or its own "not found" view.
 */
static int fallback(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct ca_app *app = ctx;
	const char *path, *raw_path;
	int rc;

	if (strcmp(req->path, "/api") == 0 || ca_starts_with(req->path, "/api/") || !app->web)
		return app_handle_api_not_found(req, resp, ctx);
	rc = ca_http_static_serve(req, resp, app->web);
	if (rc != CA_OK || resp->status != 404 || !app_route_path(req))
		return rc;
	ca_http_response_release(resp);
	ca_http_response_init(resp);
	path = req->path;
	raw_path = req->raw_path;
	req->path = "/";
	req->raw_path = "/";
	rc = ca_http_static_serve(req, resp, app->web);
	req->path = path;
	req->raw_path = raw_path;
	return rc;
}

/*
 * Opens the front end's folder for serving. A folder without index.html (a
 * build not made yet: `make build` writes build/web) is refused with a
 * sentence saying so, rather than served as nothing but 404s.
 */
static int open_front_end(struct ca_app *app, const char *dir, struct ca_err *err)
{
	struct ca_buf index = CA_BUF_INIT;
	int rc;

	ca_buf_addf(&index, "%s/index.html", dir);
	if (!ca_buf_ok(&index)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory opening the web directory.");
		goto out;
	}
	if (access(index.data, R_OK) != 0) {
		rc = ca_err_set(err, CA_ENOTFOUND,
				"server.static_dir %s holds no front end (%s: %s); `make build` "
				"builds it into build/web, the default.",
				dir, index.data, strerror(errno));
		goto out;
	}
	rc = ca_http_static_new(&app->web, dir, 3600, err);
	if (rc != CA_OK)
		ca_err_prefix(err, "server.static_dir %s", dir);
out:
	ca_buf_release(&index);
	return rc;
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

static int add_routes(struct ca_app *app, struct ca_err *err)
{
	bool pool = app->cfg->auth.kind == SERVE_AUTH_COGNITO;
	int rc;

	rc = ca_http_router_new(&app->router, err);
	if (rc != CA_OK)
		return rc;
	/* the hosted UI's routes first: they replace DELETE /api/session and GET /api/config */
	rc = app_hostedui_add_routes(app, err);
	if (rc == CA_OK)
		rc = pool ? app_routes_add(app, cognito_account_routes,
					   N_ROUTES(cognito_account_routes), err)
			  : app_routes_add(app, local_account_routes,
					   N_ROUTES(local_account_routes), err);
	if (rc == CA_OK)
		rc = app_routes_add(app, common_routes, N_ROUTES(common_routes), err);
	if (rc == CA_OK)
		ca_http_router_set_fallback(app->router, fallback, app);
	return rc;
}

int ca_app_open(const struct serve_config *cfg, struct ca_app **out, struct ca_err *err)
{
	struct ca_app *app = NULL;
	struct ca_ratelimit_opts account = { 0, APP_LOGIN_ACCOUNT_BURST,
					     APP_LOGIN_ACCOUNT_PER_MINUTE, NULL, NULL };
	/* server.signin_limit at once, then as many a minute */
	struct ca_ratelimit_opts address = { 0, (unsigned)cfg->server.signin_limit,
					     (unsigned)cfg->server.signin_limit, NULL, NULL };
	struct ca_ratelimit_opts profile = { 0, APP_PROFILE_BURST, APP_PROFILE_PER_MINUTE, NULL,
					     NULL };
	struct ca_ratelimit_opts signup = { 0, (unsigned)cfg->server.signup_limit,
					    APP_SIGNUP_PER_MINUTE, NULL, NULL };
	/* a database connection for each server and image thread, unless the URL says pool=N */
	struct ca_backends_options backends = {
		CA_BACKENDS_ALL, (unsigned)(cfg->server.threads + cfg->server.image_workers), false
	};
	int rc;

	*out = NULL;
	app = calloc(1, sizeof(*app));
	if (!app)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	app->cfg = cfg;
	app->upload_max = (size_t)cfg->server.max_upload_mb * 1024 * 1024;

	rc = ca_session_keys_init(&app->keys, cfg->server.session_secret, cfg->server.base_url,
				  cfg->server.session_ttl, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_backends_open(cfg, &backends, &app->backends, err);
	if (rc != CA_OK)
		goto fail;
	app->db = app->backends.db;
	app->storage = app->backends.storage;
	app->cognito = app->backends.cognito;
	rc = app_csp_build(cfg, &app->csp, err);
	if (rc != CA_OK)
		goto fail;
	rc = app_tracing_open(app, err);
	if (rc != CA_OK)
		goto fail;
	rc = open_geo(app, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_ratelimit_new(&app->login_by_account, &account, err);
	if (rc != CA_OK)
		goto fail;
	rc = ca_ratelimit_new(&app->login_by_address, &address, err);
	if (rc == CA_OK)
		rc = ca_ratelimit_new(&app->profile_changes, &profile, err);
	if (rc == CA_OK && cfg->server.signup_limit > 0)
		rc = ca_ratelimit_new(&app->signups, &signup, err);
	if (rc != CA_OK)
		goto fail;
	if (cfg->server.static_dir && *cfg->server.static_dir) {
		rc = open_front_end(app, cfg->server.static_dir, err);
		if (rc != CA_OK)
			goto fail;
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
	const struct ca_http_router *traced = app_tracing_router(app);

	return traced ? traced : app->router;
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
	app_routes_release(app);
	ca_http_static_free(app->web);
	ca_ratelimit_free(app->login_by_address);
	ca_ratelimit_free(app->login_by_account);
	ca_ratelimit_free(app->profile_changes);
	ca_ratelimit_free(app->signups);
	geo_close(app->geo);
	free(app->geo_note);
	app_tracing_close(app);
	free(app->csp);
	ca_backends_close(&app->backends);
	ca_session_keys_release(&app->keys);
	free(app);
}
