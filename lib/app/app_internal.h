/*
 * app_internal.h — what the files of lib/app share: the app record, the
 * request helpers (who is signed in, CSRF, JSON bodies, answering errors) and
 * the handlers each file defines. Not for use outside lib/app.
 */
#ifndef CA_APP_INTERNAL_H
#define CA_APP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "app/app.h"
#include "auth/cognito_auth.h"
#include "db/db.h"
#include "geo/geo.h"
#include "http/ratelimit.h"
#include "http/request.h"
#include "http/response.h"
#include "http/session.h"
#include "http/static.h"
#include "storage/storage.h"

/* Largest JSON request body the API reads. */
#define APP_JSON_BODY_MAX (64 * 1024)
/* Password lengths accepted for new passwords (bytes). */
#define APP_PASSWORD_MIN 8
#define APP_PASSWORD_MAX 1024
/* Login attempts: per account, then per client address. */
#define APP_LOGIN_ACCOUNT_BURST 5
#define APP_LOGIN_ACCOUNT_PER_MINUTE 5
#define APP_LOGIN_ADDRESS_BURST 60
#define APP_LOGIN_ADDRESS_PER_MINUTE 60
/* Photos on the map at most, and the largest image file served. */
#define APP_MAP_MAX 10000
#define APP_IMAGE_READ_MAX ((size_t)256 * 1024 * 1024)

struct ca_app {
	const struct serve_config *cfg;      /* borrowed */
	struct ca_db *db;
	struct ca_storage *storage;
	struct geo *geo;                     /* NULL: no reverse geocoding */
	char *geo_note;                      /* what ca_app_geocoding() says */
	struct ca_session_keys keys;
	struct ca_ratelimit *login_by_account;
	struct ca_ratelimit *login_by_address;
	struct ca_http_static *web;          /* NULL when there is no static_dir */
	struct ca_http_router *router;
	struct ca_http_server *server;       /* borrowed, for /healthz; may be NULL */
	size_t upload_max;                   /* bytes of files in one upload */
	struct ca_cognito_auth *cognito;     /* auth.kind cognito; NULL for local auth */
	struct app_tracing *tracing;         /* tracing.kind xray; NULL: not traced */
	char *csp;                           /* Content-Security-Policy; NULL: the server's */
};

/* The signed-in user as the session cookie names them. */
struct app_session_user {
	char *id;
	char *email;
};

void app_session_user_release(struct app_session_user *u);

/*
 * Reads the session cookie into *u. true when signed in; otherwise answers
 * 401 on resp and returns false (then the handler returns CA_OK).
 */
bool app_signed_in(struct ca_app *app, const struct ca_http_request *req,
		   struct ca_http_response *resp, struct app_session_user *u);

/* true when the CSRF token is right; otherwise answers 403 and returns false. */
bool app_csrf_ok(const struct ca_http_request *req, struct ca_http_response *resp);

/*
 * The request body as a JSON object into *out (json_decref it). false after
 * answering 413 (over APP_JSON_BODY_MAX), 415 (not JSON) or 400 (malformed).
 */
bool app_json_body(const struct ca_http_request *req, struct ca_http_response *resp,
		   json_t **out);

/*
 * Answers the error shape for a failed library call; 5xx details go to the
 * server's log with the request id, not to the client. Returns CA_OK so that a
 * handler may `return app_fail(...)`.
 */
int app_fail(const struct ca_http_request *req, struct ca_http_response *resp,
	     const struct ca_err *err);

/* Answers a 500 for out of memory; returns CA_OK. */
int app_oom(const struct ca_http_request *req, struct ca_http_response *resp);

/* Answers value (which it takes, NULL meaning out of memory) as JSON. Returns CA_OK. */
int app_respond_json_new(const struct ca_http_request *req, struct ca_http_response *resp,
			 int status, json_t *value);

/* One line on stderr about a request ("cloudalbum-serve: [id] ..."). No secrets. */
void app_log(const struct ca_http_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The signed-in user's photo named by the route's {id} into *photo (the
 * caller releases it). false after answering 404 (no such photo, not theirs,
 * or an id no backend could have issued) or a failure.
 */
bool app_photo_load(struct ca_app *app, const struct ca_http_request *req,
		    struct ca_http_response *resp, const struct app_session_user *who,
		    struct ca_photo *photo);

/* --- JSON of records (photo_json.c) ------------------------------------------ */

/* New JSON objects (the caller owns them), NULL on out of memory. */
json_t *app_user_json(const struct ca_user *u);
json_t *app_photo_json(const struct ca_photo *p);
/* A JSON string of s (null for NULL); invalid UTF-8 bytes become U+FFFD. */
json_t *app_json_text(const char *s);
/*
 * Copies s into a malloc'd string with invalid UTF-8 sequences replaced by
 * U+FFFD and control characters by spaces, cut to at most max_chars
 * characters. NULL on out of memory.
 */
char *app_clean_text(const char *s, size_t len, size_t max_chars);

/* --- handlers (ctx is the struct ca_app) ------------------------------------- */

int app_handle_healthz(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_config(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_signup(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_me_get(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_me_put(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_signin(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_signout(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_photos_list(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_photos_upload(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_photo_get(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_photo_patch(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_photo_delete(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_photo_image(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_map(struct ca_http_request *, struct ca_http_response *, void *);
int app_handle_api_not_found(struct ca_http_request *, struct ca_http_response *, void *);
/* the same endpoints when the user pool holds the accounts (api_cognito.c) */
int app_cognito_signup(struct ca_http_request *, struct ca_http_response *, void *);
int app_cognito_signin(struct ca_http_request *, struct ca_http_response *, void *);
int app_cognito_me_get(struct ca_http_request *, struct ca_http_response *, void *);
int app_cognito_me_put(struct ca_http_request *, struct ca_http_response *, void *);

/* --- tracing (tracing.c) and the security policy (csp.c) ---------------------- */

struct app_tracing;

/*
 * Opens the X-Ray emitter when cfg says tracing.kind xray (app->tracing; NULL
 * otherwise). The daemon is AWS_XRAY_DAEMON_ADDRESS when set, else
 * tracing.daemon_address. CA_OK, CA_EINVAL (bad address), CA_EIO, CA_ENOMEM.
 */
int app_tracing_open(struct ca_app *app, struct ca_err *err);
/* Frees app->tracing. */
void app_tracing_close(struct ca_app *app);
/*
 * With tracing on, the router to serve with: it traces each request and
 * dispatches it on app->router. NULL when not tracing. Owned by app->tracing.
 */
const struct ca_http_router *app_tracing_router(const struct ca_app *app);
/* "host:port" segments go to, or NULL when not tracing. */
const char *app_tracing_daemon(const struct ca_app *app);

/*
 * The policy for cfg into *out (malloc'd, the caller frees): NULL for the
 * server's default, or the default with the S3 endpoint's origin added to
 * img-src when storage is S3 on a custom endpoint. CA_OK, CA_AWS_BAD_ENDPOINT,
 * CA_EINVAL, CA_ENOMEM.
 */
int app_csp_build(const struct serve_config *cfg, char **out, struct ca_err *err);

#endif
