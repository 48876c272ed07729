/*
 * admit.c — what the app decides from a request's line and headers alone,
 * before its body is read (see ca_app_admit in app.h): an unknown route or a
 * missing session is answered without taking the body, and bodies are capped
 * per route. Only the cookie's signature is checked here: the session's state
 * in the database (revocation) is read once, by the route's dispatcher (app.c) or
 * its handler, so a signed-in request costs one read, not two.
 */
#include "app/app_internal.h"

#include "util/banned.h"

int ca_app_admit(struct ca_http_request *req, struct ca_http_response *resp, size_t *body_max)
{
	struct ca_app *app = req->app;
	struct app_session_user who = { 0 };
	unsigned flags = 0;

	if (!ca_http_router_match(app->router, req->method, req->raw_path, &flags))
		/* 404, 405 or a static file: none of them reads a body */
		return ca_http_router_dispatch(app->router, req, resp);
	if (!(flags & APP_ROUTE_UPLOAD) && *body_max > APP_JSON_BODY_MAX)
		*body_max = APP_JSON_BODY_MAX;
	if (flags & (APP_ROUTE_SESSION | APP_ROUTE_SIGNED_IN))
		app_session_signed(app, req, resp, &who); /* answers 401 when not */
	app_session_user_release(&who);
	return CA_OK;
}
