/*
 * app.h — the CloudAlbum web application (cloudalbum-serve): its backends
 * chosen by the serve config, and the routes of the JSON API (docs/CONTRACTS.md "The
 * JSON API"), /healthz and the static front end.
 *
 * Lifecycle: ca_app_open(), start an HTTP server with ca_app_router() and the
 * app as its app pointer, optionally ca_app_attach_server(), and after the
 * server is freed, ca_app_close().
 *
 * Every kind of the serve config is served: database mysql or dynamodb,
 * storage disk or s3 (images then reach the browser through presigned URLs),
 * auth local or cognito, tracing none or xray.
 */
#ifndef CA_APP_APP_H
#define CA_APP_APP_H

#include <stddef.h>

#include "config/serve_config.h"
#include "http/router.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/error.h"

struct ca_app;

/*
 * Opens every backend cfg names (database, storage, the offline geocoder,
 * session keys, login rate limiters, the static directory) and builds the
 * routes. cfg is borrowed and must outlive the app. On CA_OK *out is the app
 * (ca_app_close() frees it); on error *out is NULL and err says which backend
 * failed and what to do (CA_DB_CONNECT, CA_STORAGE_IO, CA_GEO_NO_DATA when
 * server.geodata names a file that cannot be loaded, CA_EUNSUPPORTED for a
 * backend kind this build does not serve yet, CA_ENOMEM, ...).
 * A geodata file that is only looked for by default and not found turns
 * reverse geocoding off (see ca_app_geocoding()) instead of failing.
 */
int ca_app_open(const struct serve_config *cfg, struct ca_app **out, struct ca_err *err);

/* The router to hand to the HTTP server (owned by the app). */
const struct ca_http_router *ca_app_router(const struct ca_app *app);

/*
 * The server's admit callback (ca_http_server_opts.admit): for a request that
 * announces a body, answers before the body is read when the route is unknown
 * (404/405 as the router would), or needs a session the request does not carry
 * (401); caps the body at the JSON limit except for uploads. req->app must be
 * the app. CA_OK (answering or not).
 */
int ca_app_admit(struct ca_http_request *req, struct ca_http_response *resp, size_t *body_max);

/* Lets /healthz report requests in flight. srv is borrowed; NULL detaches. */
void ca_app_attach_server(struct ca_app *app, struct ca_http_server *srv);

/* The bytes one upload request may carry (server.max_upload_mb), for body_max. */
size_t ca_app_upload_max(const struct ca_app *app);

/* A sentence on reverse geocoding: the file in use, or why it is off. Owned by app. */
const char *ca_app_geocoding(const struct ca_app *app);

/*
 * The Content-Security-Policy to give the HTTP server (its content_security_policy
 * option), or NULL for the server's default. Owned by app.
 */
const char *ca_app_content_security_policy(const struct ca_app *app);

/* Frees the app and closes its backends. NULL is accepted. */
void ca_app_close(struct ca_app *app);

/*
 * Appends a human-readable summary of cfg to out (stage, listen address, each
 * backend; never the session secret or a database password). CA_OK or CA_ENOMEM.
 */
int ca_app_config_summary(const struct serve_config *cfg, struct ca_buf *out);

#endif
