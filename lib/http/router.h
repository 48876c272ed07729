/*
 * router.h — maps a method and a path to a handler.
 *
 * Patterns are paths whose segments are literals or {name} parameters, each
 * parameter matching one whole non-empty segment: "/api/photos/{id}/image".
 * The first route added that matches wins, so add literals ("/api/photos/new")
 * before parameters in the same place. A GET route also answers HEAD.
 * Segments are matched before percent-decoding, so an encoded "/" (%2F) stays
 * inside its segment; parameter values are handed over decoded.
 */
#ifndef CA_HTTP_ROUTER_H
#define CA_HTTP_ROUTER_H

#include <stdbool.h>

#include "http/request.h"
#include "http/response.h"
#include "util/error.h"

/*
 * A handler fills resp. Returning non-CA_OK without having set resp->status
 * makes the server answer 500 with the generic error shape.
 */
typedef int (*ca_http_handler_fn)(struct ca_http_request *req, struct ca_http_response *resp,
				  void *ctx);

struct ca_http_router;

/* A new, empty router in *out (free with ca_http_router_free). CA_OK or CA_ENOMEM. */
int ca_http_router_new(struct ca_http_router **out, struct ca_err *err);
/* Frees the router. NULL is accepted. */
void ca_http_router_free(struct ca_http_router *r);
/*
 * Adds a route. method is an HTTP method in capitals; ctx is passed to the
 * handler as is. CA_EINVAL for a malformed pattern (not starting with '/',
 * a brace that is not a whole {name} segment, a name outside [A-Za-z0-9_] or
 * used twice), CA_ENOMEM.
 */
int ca_http_router_add(struct ca_http_router *r, const char *method, const char *pattern,
		       ca_http_handler_fn handler, void *ctx, struct ca_err *err);
/*
 * The same with flags: bits the router keeps for whoever asks with
 * ca_http_router_match(), in the application's own meanings: lib/app declares
 * there what each route requires (a session, a CSRF token, a JSON body), which
 * its dispatcher (the handler it registers) enforces and its admit callback
 * reads before a body arrives; ca_http_router_add() gives 0.
 */
int ca_http_router_add_flags(struct ca_http_router *r, const char *method, const char *pattern,
			     ca_http_handler_fn handler, void *ctx, unsigned flags,
			     struct ca_err *err);
/*
 * true when a route takes method on raw_path (still percent-encoded, without
 * the query); then *flags (when not NULL) receives its flags. false when only
 * the fallback or a 405 would answer. Runs nothing.
 */
bool ca_http_router_match(const struct ca_http_router *r, const char *method,
			  const char *raw_path, unsigned *flags);
/* The handler for paths no route matches (e.g. static files); NULL: answer 404. */
void ca_http_router_set_fallback(struct ca_http_router *r, ca_http_handler_fn handler, void *ctx);

/*
 * Routes req (its method and raw_path) and runs the handler, filling
 * req->params. With no route for the path: the fallback, or 404. With routes
 * for the path but none for the method: 405 with an Allow header. A route
 * parameter that does not decode cleanly gives 400. Returns the handler's
 * result, or CA_OK when the router answered itself.
 */
int ca_http_router_dispatch(const struct ca_http_router *r, struct ca_http_request *req,
			    struct ca_http_response *resp);

#endif
