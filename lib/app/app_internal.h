/*
 * app_internal.h — what the files of lib/app share: the app record, the
 * request helpers (who is signed in, CSRF, JSON bodies, answering errors) and
 * the handlers each file defines. Not for use outside lib/app.
 */
#ifndef CA_APP_INTERNAL_H
#define CA_APP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "auth/cognito_auth.h"
#include "backends/backends.h"
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
/*
 * Attempt limits (token buckets, see http/ratelimit.h). Sign-in: per client
 * address and per (client address, account), so that someone guessing a
 * password slows only their own address down and never the owner signing in
 * from elsewhere; a success empties the (address, account) bucket's debt.
 * Profile changes (which check the current password): per user. Sign-ups (each
 * costs a 600,000-iteration hash): per client address.
 */
#define APP_LOGIN_ACCOUNT_BURST 5
#define APP_LOGIN_ACCOUNT_PER_MINUTE 5
#define APP_PROFILE_BURST 5
#define APP_PROFILE_PER_MINUTE 5
#define APP_SIGNUP_PER_MINUTE 1     /* after server.signup_limit at once */
/* Photos on the map at most, and the largest image file served. */
#define APP_MAP_MAX 10000
#define APP_IMAGE_READ_MAX ((size_t)256 * 1024 * 1024)

/*
 * What a route requires (app_route.requires, bitwise or), declared in the route
 * table and enforced by the dispatcher before the handler runs, in this order;
 * the first that fails answers and the handler is not run. ca_app_admit() reads
 * them too, before a body is read (401 for no session; the body cap).
 */
#define APP_ROUTE_SESSION 1u      /* a session cookie whose signature and expiry hold, else
				   * 401; its state in the database is left to the handler
				   * (the album reads it with the page: app_session_valid) */
#define APP_ROUTE_SIGNED_IN 2u    /* the same, and the database's session state says it is
				   * valid (not revoked, current generation), else 401 */
#define APP_ROUTE_SAME_ORIGIN 4u  /* not sent by another site (app_origin_ok), else 403 */
#define APP_ROUTE_CSRF 8u         /* the same, and the session's CSRF token in the header
				   * (app_csrf_ok), else 403; with SESSION or SIGNED_IN */
#define APP_ROUTE_JSON_BODY 16u   /* a JSON object body (app_json_body), else 413/415/400 */
#define APP_ROUTE_UPLOAD 32u      /* takes bodies up to the upload limit, not the JSON one */

struct ca_app {
	const struct serve_config *cfg;      /* borrowed */
	struct ca_backends backends;         /* owned: database, storage, user pool, AWS client */
	struct ca_db *db;                    /* backends.db */
	struct ca_storage *storage;          /* backends.storage */
	struct geo *geo;                     /* NULL: no reverse geocoding */
	char *geo_note;                      /* what ca_app_geocoding() says */
	struct ca_session_keys keys;
	struct ca_ratelimit *login_by_account;   /* keys "acct:<address>|<email>" */
	struct ca_ratelimit *login_by_address;   /* keys "addr:<address>" */
	struct ca_ratelimit *profile_changes;    /* keys "user:<id>" */
	struct ca_ratelimit *signups;            /* keys "addr:<address>"; NULL: no limit */
	struct ca_http_static *web;          /* NULL when there is no static_dir */
	struct ca_http_router *router;
	struct app_bound_block *bound;       /* what the router's routes run (app.c) */
	struct ca_http_server *server;       /* borrowed, for /healthz; may be NULL */
	size_t upload_max;                   /* bytes of files in one upload */
	struct ca_cognito_auth *cognito;     /* backends.cognito: auth.kind cognito; NULL: local */
	struct app_tracing *tracing;         /* tracing.kind xray; NULL: not traced */
	char *csp;                           /* Content-Security-Policy; NULL: the server's */
};

/* The signed-in user as the session cookie names them. */
struct app_session_user {
	char *id;
	char *email;
	char *sid;            /* this session's id (random, base64url) */
	int64_t generation;   /* the user's session generation when it was issued */
};

void app_session_user_release(struct app_session_user *u);

/*
 * The request body as a JSON object into *out (json_decref it). false after
 * answering 413 (over APP_JSON_BODY_MAX), 415 (not JSON) or 400 (malformed).
 */
bool app_json_body(const struct ca_http_request *req, struct ca_http_response *resp,
		   json_t **out);

/*
 * A string member of obj into *out (borrowed from obj; NULL when the member
 * is absent or null). false, with *out NULL, when it is of another type or
 * holds a NUL. Answers nothing.
 */
bool app_json_string(const json_t *obj, const char *key, const char **out);

/*
 * true when every key of obj is in allowed (NULL-terminated). Otherwise false,
 * with *unknown (when unknown is not NULL) naming the first other key,
 * borrowed from obj. Answers nothing.
 */
bool app_json_only_keys(const json_t *obj, const char *const *allowed, const char **unknown);

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

/* --- sessions (session_cookies.c) ------------------------------------------- */

/*
 * The session subject is "<user id>:<session id>:<generation>:<email>"; a
 * session is honoured while the database's session state (db.h, "Session
 * revocation") says its generation is current and its id is not revoked, so
 * sign-out and password changes hold in every process sharing the database.
 */

/*
 * Reads the session cookie into *u and checks only its signature and expiry (no
 * database read). true when it holds a session; otherwise answers (401, or the
 * out-of-memory answer) and returns false, with *u empty. The admission check
 * before a body uses this; handlers use app_signed_in.
 */
bool app_session_signed(struct ca_app *app, const struct ca_http_request *req,
			struct ca_http_response *resp, struct app_session_user *u);

/*
 * Reads the session cookie into *u and checks it against the database's session
 * state. true when signed in; otherwise answers (401 for no, a bad, an ended or
 * a revoked session; the failure's status when the state cannot be read) and
 * returns false (then the handler returns CA_OK).
 */
bool app_signed_in(struct ca_app *app, const struct ca_http_request *req,
		   struct ca_http_response *resp, struct app_session_user *u);

/*
 * The second half of app_signed_in, for a handler that read the session state
 * itself (rc, generation, revoked and err of ca_db_session_state, or of a read
 * that includes it, e.g. ca_db_photo_list_session) for *u from
 * app_session_signed: true when the session is valid; otherwise answers as
 * app_signed_in does, releases *u and returns false.
 */
bool app_session_valid(const struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_session_user *u, int rc, int64_t generation, bool revoked,
		       const struct ca_err *err);

/*
 * true when a state-changing request may go ahead: it does not come from another
 * site (app_origin_ok) and its X-CSRF-Token header is the token of who's session
 * (who NULL: there is no session, and only safe methods pass). Otherwise
 * answers 403 and returns false.
 */
bool app_csrf_ok(struct ca_app *app, const struct ca_http_request *req,
		 struct ca_http_response *resp, const struct app_session_user *who);

/* The Origin / Sec-Fetch-Site check alone (http/csrf.h), for sign-in and sign-up. */
bool app_origin_ok(struct ca_app *app, const struct ca_http_request *req,
		   struct ca_http_response *resp);

/*
 * Signs the client in: a new session id with the user's current generation, the
 * session cookie and the session's CSRF cookie on resp. true then; false after
 * answering (500 on out of memory, else the failure's status).
 */
bool app_session_start(struct ca_app *app, const struct ca_http_request *req,
		       struct ca_http_response *resp, const char *user_id, const char *email);

/*
 * After a password change: starts a new generation for who (every other session
 * of the user ends, in every process) and signs this client in again under it.
 * true then; false after answering.
 */
bool app_session_renew(struct ca_app *app, const struct ca_http_request *req,
		       struct ca_http_response *resp, const struct app_session_user *who);

/*
 * The request's session cookie, signature and expiry checked and parsed into *u
 * (release it), without asking the database whether it was revoked. CA_OK,
 * CA_AUTH_BAD_TOKEN (none, or not valid), CA_ENOMEM. Answers nothing.
 */
int app_session_cookie(struct ca_app *app, const struct ca_http_request *req,
		       struct app_session_user *u);

/*
 * Signs out: records who's session (who: the request's session cookie, or NULL
 * when it has none) as revoked, ends the user's user-pool sessions when auth is
 * cognito (AdminUserGlobalSignOut; a failure there is logged, not answered) and
 * sets cookies deleting the session and CSRF cookies. false after answering
 * (500, or the failure's status when the revocation cannot be recorded).
 */
bool app_session_end(struct ca_app *app, const struct ca_http_request *req,
		     struct ca_http_response *resp, const struct app_session_user *who);

/* --- sign-in attempts (sign_in_limits.c) -------------------------------------- */

/* Room for the seconds app_throttled() writes. */
#define APP_RETRY_SECS_LEN 24

/*
 * The client's address into out: the peer's address, or, when the peer is one
 * of server.trusted_proxies, the nearest X-Forwarded-For hop (read from the
 * right) that is not itself a trusted proxy. A hop that is not an IP address
 * ends the walk at the last address vouched for. X-Forwarded-For from anyone
 * else is ignored.
 */
void app_client_address(const struct ca_app *app, const struct ca_http_request *req,
			char out[CA_HTTP_REMOTE_MAX]);

/*
 * The bucket keys "addr:<client address>", "acct:<client address>|<email in
 * lower case>" (so that case games give no more attempts) and "user:<id>".
 * malloc'd, the caller frees; NULL on out of memory.
 */
char *app_address_key(const struct ca_app *app, const struct ca_http_request *req);
char *app_account_key(const struct ca_app *app, const struct ca_http_request *req,
		      const char *email);
char *app_user_key(const char *user_id);

/*
 * Takes an attempt from key's bucket in rl. true when none is left: then the
 * Retry-After header is set on resp and secs holds the same number of seconds
 * (at least 1) for the 429 answer, which the caller gives. false when the
 * attempt may go ahead (also when the limiter fails: it fails open; and when
 * rl is NULL: that limit is off).
 */
bool app_throttled(struct ca_ratelimit *rl, const char *key, struct ca_http_response *resp,
		   char secs[APP_RETRY_SECS_LEN]);

/* --- new account fields (account_fields.c) ----------------------------------- */

/*
 * true when name is 1 to max_chars UTF-8 characters without control
 * characters; otherwise false after answering 400.
 */
bool app_name_acceptable(const char *name, long max_chars, struct ca_http_response *resp);

/* true when password is APP_PASSWORD_MIN to _MAX bytes; otherwise false after answering 400. */
bool app_password_acceptable(const char *password, struct ca_http_response *resp);

/* --- storage folders (folder_guard.c) ---------------------------------------- */

/*
 * true when no existing account (database or user pool) has email's storage
 * folder under another address (storage/layout.h, "Folder collisions"). false
 * after answering: 409 when one has, 400 for an address with too many readings,
 * the failure's status when a look-up fails.
 */
bool app_folder_free(struct ca_app *app, const struct ca_http_request *req,
		     struct ca_http_response *resp, const char *email);

/* --- JSON of records (photo_json.c) ------------------------------------------ */

/* New JSON objects (the caller owns them), NULL on out of memory. */
json_t *app_user_json(const struct ca_user *u);
json_t *app_photo_json(const struct ca_photo *p);
/*
 * Appends the JSON text of app_photo_json(p) to out (the same members, in the
 * same order, the same values), without building a jansson tree: the album's
 * page is written this way. CA_OK, or CA_ENOMEM when out has failed.
 */
int app_photo_json_write(struct ca_buf *out, const struct ca_photo *p);
/* A JSON string of s (null for NULL); invalid UTF-8 bytes become U+FFFD. */
json_t *app_json_text(const char *s);
/*
 * Copies s into a malloc'd string with invalid UTF-8 sequences replaced by
 * U+FFFD and control characters by spaces, cut to at most max_chars
 * characters. NULL on out of memory.
 */
char *app_clean_text(const char *s, size_t len, size_t max_chars);

/* --- routes and handlers (app.c) ---------------------------------------------- */

/* What the dispatcher checked and read for a handler; owned by the dispatcher. */
struct app_call {
	struct ca_app *app;
	struct app_session_user who;  /* APP_ROUTE_SESSION / SIGNED_IN: the session; else empty */
	json_t *body;                 /* APP_ROUTE_JSON_BODY: the body object; else NULL */
};

/* A handler answers into resp and returns CA_OK (or an error code, as router.h says). */
typedef int (*app_handler_fn)(struct ca_http_request *req, struct ca_http_response *resp,
			      struct app_call *call);

/* One row of a route table: what answers method on pattern, and what it requires. */
struct app_route {
	const char *method;
	const char *pattern;
	app_handler_fn handler;
	unsigned requires;            /* APP_ROUTE_* */
};

/*
 * Adds n routes to app->router, each run by the dispatcher that enforces its
 * requirements (app_route.requires) before the handler. Routes added earlier win
 * (router.h). CA_EINVAL for a route that requires CSRF without a session, else
 * the router's codes (CA_ENOMEM).
 */
int app_routes_add(struct ca_app *app, const struct app_route *routes, size_t n,
		   struct ca_err *err);
/* Frees what app_routes_add kept for the router; after the router is freed. */
void app_routes_release(struct ca_app *app);

int app_handle_healthz(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_config(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_signout(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_photos_list(struct ca_http_request *, struct ca_http_response *,
			   struct app_call *);
int app_handle_photos_upload(struct ca_http_request *, struct ca_http_response *,
			     struct app_call *);
int app_handle_photo_get(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_photo_patch(struct ca_http_request *, struct ca_http_response *,
			   struct app_call *);
int app_handle_photo_delete(struct ca_http_request *, struct ca_http_response *,
			    struct app_call *);
int app_handle_photo_image(struct ca_http_request *, struct ca_http_response *,
			   struct app_call *);
int app_handle_map(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_api_not_found(struct ca_http_request *, struct ca_http_response *, void *);
/* the account endpoints when the User table holds the accounts (auth kind local) */
int app_handle_signup(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_signin(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_me_get(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_handle_me_put(struct ca_http_request *, struct ca_http_response *, struct app_call *);
/* the same endpoints when the user pool holds the accounts (auth kind cognito, api_cognito.c) */
int app_cognito_signup(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_cognito_signin(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_cognito_me_get(struct ca_http_request *, struct ca_http_response *, struct app_call *);
int app_cognito_me_put(struct ca_http_request *, struct ca_http_response *, struct app_call *);

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
 * server's default, or the default with origins added to img-src: the S3
 * endpoint's when storage is S3 on a custom endpoint, the tile server's when
 * server.tile_url is plain http://. CA_OK, CA_AWS_BAD_ENDPOINT, CA_EINVAL
 * (a host that cannot be named in a policy; the message names the key), CA_ENOMEM.
 */
int app_csp_build(const struct serve_config *cfg, char **out, struct ca_err *err);

#endif
