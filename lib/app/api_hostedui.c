/*
 * api_hostedui.c — signing in through the user pool's hosted UI (see
 * api_hostedui.h and auth/oauth.h).
 *
 * The browser round trip: GET /login makes a sign-in attempt (state, nonce,
 * PKCE verifier), seals it in a cookie only /callback receives, and sends the
 * browser to the hosted UI. The hosted UI sends it back to /callback with a
 * one-time code and the state. The callback is believed only when its state
 * equals the sealed one (so another site cannot finish a sign-in it started in
 * this browser); the code is then exchanged with the client secret and the
 * verifier, and the id token must pass the same checks as password sign-in
 * (RS256 with the pool's keys, iss, aud, token_use, exp) and carry the
 * attempt's nonce. The attempt cookie is deleted by every callback answer, so
 * an attempt is finished once at most; a code replayed with an old cookie is
 * refused by the token endpoint.
 */
#include "app/api_hostedui.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/oauth.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define AFTER_SIGN_IN "/#/album"
#define LOGIN_PATH "/login"

static struct ca_oauth *hosted(struct ca_app *app)
{
	return app->cognito ? ca_cognito_auth_hosted_ui(app->cognito) : NULL;
}

static void no_store(struct ca_http_response *resp)
{
	ca_http_set_header(resp, "Cache-Control", "no-store");
}

static bool wants_html(const struct ca_http_request *req)
{
	const char *accept = ca_http_header(req, "Accept");

	return accept && strstr(accept, "text/html");
}

static void add_html_text(struct ca_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': ca_buf_adds(b, "&lt;"); break;
		case '>': ca_buf_adds(b, "&gt;"); break;
		case '&': ca_buf_adds(b, "&amp;"); break;
		case '"': ca_buf_adds(b, "&quot;"); break;
		case '\'': ca_buf_adds(b, "&#39;"); break;
		default: ca_buf_addch(b, *s);
		}
	}
}

/*
 * Answers a sign-in that did not complete: a short page for a browser, the
 * API's error shape for everything else. Returns CA_OK.
 */
static int refuse(const struct ca_http_request *req, struct ca_http_response *resp, int status,
		  const char *message)
{
	struct ca_buf page = CA_BUF_INIT;
	const char *error;

	no_store(resp);
	if (!wants_html(req)) {
		ca_http_respond_error(resp, status, "%s", message);
		return CA_OK;
	}
	error = ca_http_error_name(status);
	ca_buf_adds(&page, "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>Sign-in did not complete - CloudAlbum</title>"
		    "<link rel=\"stylesheet\" href=\"/css/app.css\"></head>\n<body><main>"
		    "<section class=\"panel narrow\"><h1>Sign-in did not complete</h1>\n<p>");
	add_html_text(&page, message);
	ca_buf_addf(&page, "</p>\n<p><a class=\"button wide\" href=\"/#/signin\">Back to sign-in"
		    "</a></p>\n<p class=\"muted\">(%d %s)</p></section></main></body>\n</html>\n",
		    status, error);
	if (!ca_buf_ok(&page) ||
	    ca_http_respond(resp, status, "text/html; charset=utf-8", page.data, page.len) != CA_OK)
		app_oom(req, resp);
	ca_buf_release(&page);
	return CA_OK;
}

static int only_get(const struct ca_http_request *req, struct ca_http_response *resp)
{
	ca_http_set_header(resp, "Allow", "GET");
	(void)req;
	ca_http_respond_error(resp, 405, "Open this address with GET, in a browser.");
	return CA_OK;
}

/* GET /login */
static int login(struct ca_http_request *req, struct ca_http_response *resp,
		 struct app_call *call)
{
	struct ca_app *app = call->app;
	struct ca_oauth *oauth = hosted(app);
	struct ca_session_keys keys;
	struct ca_oauth_attempt attempt;
	struct ca_http_cookie_attrs attrs = { CA_OAUTH_ATTEMPT_COOKIE_PATH, CA_OAUTH_ATTEMPT_TTL_S,
					      true, false, "Lax" };
	char *sealed = NULL, *url = NULL;
	struct ca_err err;
	int rc;

	if (strcmp(req->method, "GET") != 0)
		return only_get(req, resp);
	ca_err_clear(&err);
	ca_oauth_attempt_keys(&app->keys, &keys);
	attrs.secure = keys.secure;
	rc = ca_oauth_attempt_new(&attempt, &err);
	if (rc == CA_OK)
		rc = ca_oauth_attempt_seal(&keys, &attempt,
					   (int64_t)time(NULL) + CA_OAUTH_ATTEMPT_TTL_S, &sealed, &err);
	if (rc == CA_OK)
		rc = ca_oauth_authorize_url(oauth, &attempt, &url, &err);
	if (rc == CA_OK)
		rc = ca_http_set_cookie(resp, CA_OAUTH_ATTEMPT_COOKIE, sealed, &attrs);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	no_store(resp);
	ca_http_respond_redirect(resp, 302, url);
out:
	ca_free_secret(sealed);
	free(url);
	memset(&attempt, 0, sizeof(attempt));
	ca_session_keys_release(&keys);
	return CA_OK;
}

/* What the hosted UI's error parameter means, in a sentence; the code is never echoed. */
static const char *hosted_error_sentence(const char *error)
{
	if (strcmp(error, "access_denied") == 0)
		return "The sign-in was cancelled or refused at the sign-in page; sign in again "
		       "to continue.";
	if (strcmp(error, "temporarily_unavailable") == 0 || strcmp(error, "server_error") == 0)
		return "The sign-in page had a problem of its own; wait a moment and sign in "
		       "again.";
	return "The sign-in page refused this app's request; the server's auth settings "
	       "(app client, callback URL, scopes) need checking.";
}

static void clear_attempt(struct ca_app *app, struct ca_http_response *resp)
{
	struct ca_http_cookie_attrs gone = { CA_OAUTH_ATTEMPT_COOKIE_PATH, 0, true,
					     app->keys.secure, "Lax" };

	ca_http_set_cookie(resp, CA_OAUTH_ATTEMPT_COOKIE, "", &gone);
}

/* Answers a failed code exchange or token check. Returns CA_OK. */
static int refuse_exchange(const struct ca_http_request *req, struct ca_http_response *resp,
			   int rc, const struct ca_err *err)
{
	switch (rc) {
	case CA_AUTH_BAD_TOKEN:
		app_log(req, "hosted UI sign-in refused: %s", ca_err_msg(err));
		return refuse(req, resp, 400, ca_err_msg(err));
	case CA_AWS_TIMEOUT:
		app_log(req, "hosted UI sign-in: %s", ca_err_msg(err));
		return refuse(req, resp, 504, "The user pool took too long to answer; sign in "
			      "again in a moment.");
	case CA_ENOMEM:
		return app_oom(req, resp);
	default:
		app_log(req, "hosted UI sign-in failed: %s", ca_err_msg(err));
		return refuse(req, resp, 502, "The user pool's answer could not be used; sign in "
			      "again in a moment, and if this persists the server's auth settings "
			      "need checking.");
	}
}

static bool attempts_left(struct ca_app *app, const struct ca_http_request *req,
			  struct ca_http_response *resp)
{
	char *key = app_address_key(app, req);
	char secs[APP_RETRY_SECS_LEN];
	bool throttled;

	if (!key) {
		app_oom(req, resp);
		return false;
	}
	throttled = app_throttled(app->login_by_address, key, resp, secs);
	free(key);
	if (!throttled)
		return true;
	refuse(req, resp, 429, "Too many sign-in attempts from your address; wait a little and "
	       "try again.");
	return false;
}

/* Exchanges the code and verifies the id token into *who. Answers on failure. */
static bool finish_attempt(struct ca_app *app, const struct ca_http_request *req,
			   struct ca_http_response *resp, const char *code,
			   const struct ca_oauth_attempt *attempt, struct ca_cognito_identity *who)
{
	struct ca_oauth_tokens tokens = { 0 };
	json_t *claims = NULL;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = ca_oauth_exchange_code(hosted(app), code, attempt->verifier, &tokens, &err);
	if (rc == CA_OK)
		rc = ca_cognito_auth_check_id_token(app->cognito, tokens.id_token,
						    (int64_t)time(NULL), who, &claims, &err);
	/* (without an id token it was the code that was refused, and the message says so) */
	if (rc == CA_AUTH_BAD_TOKEN && tokens.id_token)
		ca_err_prefix(&err, "the hosted UI's id token");
	if (rc == CA_OK)
		rc = ca_oauth_check_nonce(claims, attempt->nonce, &err);
	json_decref(claims);
	ca_oauth_tokens_release(&tokens);
	if (rc == CA_OK)
		return true;
	ca_cognito_identity_release(who);
	refuse_exchange(req, resp, rc, &err);
	return false;
}

/* GET /callback?code=&state= (or ?error=&state=) */
static int callback(struct ca_http_request *req, struct ca_http_response *resp,
		    struct app_call *call)
{
	struct ca_app *app = call->app;
	const char *code = ca_http_query(req, "code");
	const char *state = ca_http_query(req, "state");
	const char *error = ca_http_query(req, "error");
	const char *iss = ca_http_query(req, "iss");
	const char *sealed = ca_http_cookie(req, CA_OAUTH_ATTEMPT_COOKIE);
	struct ca_cognito_identity who = { 0 };
	struct ca_oauth_attempt attempt;
	struct ca_session_keys keys;

	if (strcmp(req->method, "GET") != 0)
		return only_get(req, resp);
	memset(&attempt, 0, sizeof(attempt));
	ca_oauth_attempt_keys(&app->keys, &keys);
	clear_attempt(app, resp);
	if (error) {
		app_log(req, "hosted UI sign-in ended with an error from the sign-in page");
		refuse(req, resp, strcmp(error, "access_denied") == 0 ? 403 : 502,
		       hosted_error_sentence(error));
		goto out;
	}
	if (!code || !*code || !state || !*state || strlen(code) > CA_OAUTH_CODE_MAX) {
		refuse(req, resp, 400, "This sign-in answer lacks its code or state; start again "
		       "from the sign-in page.");
		goto out;
	}
	if (!sealed || ca_oauth_attempt_open(&keys, sealed, (int64_t)time(NULL), &attempt,
					     NULL) != CA_OK ||
	    !ca_oauth_state_matches(&attempt, state)) {
		refuse(req, resp, 400, "This sign-in answer does not belong to a sign-in started in "
		       "this browser in the last 10 minutes (or it was used already); start again "
		       "from the sign-in page.");
		goto out;
	}
	/* RFC 9207: a provider that names itself must be the one this app trusts (mix-up) */
	if (iss && app->cfg->auth.issuer && strcmp(iss, app->cfg->auth.issuer) != 0) {
		app_log(req, "hosted UI sign-in refused: the callback names another issuer");
		refuse(req, resp, 400, "This sign-in answer comes from another sign-in service; "
		       "start again from the sign-in page.");
		goto out;
	}
	if (!attempts_left(app, req, resp))
		goto out;
	if (!finish_attempt(app, req, resp, code, &attempt, &who))
		goto out;
	if (!app_session_start(app, req, resp, who.username, who.email))
		goto out;
	no_store(resp);
	ca_http_respond_redirect(resp, 302, AFTER_SIGN_IN);
out:
	ca_cognito_identity_release(&who);
	memset(&attempt, 0, sizeof(attempt));
	ca_session_keys_release(&keys);
	return CA_OK;
}

/* GET /logout: ends the session here, then at the hosted UI. */
static int logout(struct ca_http_request *req, struct ca_http_response *resp,
		  struct app_call *call)
{
	struct ca_app *app = call->app;
	struct app_session_user who;
	char *url = NULL;
	struct ca_err err;
	bool ended;
	int rc;

	if (strcmp(req->method, "GET") != 0)
		return only_get(req, resp);
	ca_err_clear(&err);
	rc = app_session_cookie(app, req, &who);
	if (rc == CA_ENOMEM)
		return app_oom(req, resp);
	ended = app_session_end(app, req, resp, rc == CA_OK ? &who : NULL);
	app_session_user_release(&who);
	if (!ended)
		return CA_OK;
	if (ca_oauth_logout_url(hosted(app), &url, &err) != CA_OK)
		return app_oom(req, resp);
	no_store(resp);
	ca_http_respond_redirect(resp, 302, url);
	free(url);
	return CA_OK;
}

/* DELETE /api/session: as without the hosted UI, answering where to sign out there. */
static int signout(struct ca_http_request *req, struct ca_http_response *resp,
		   struct app_call *call)
{
	struct ca_app *app = call->app;
	char *url = NULL;
	json_t *out;
	int rc;

	rc = app_handle_signout(req, resp, call);
	if (rc != CA_OK || resp->status != 204)
		return rc;
	if (ca_oauth_logout_url(hosted(app), &url, NULL) != CA_OK)
		return app_oom(req, resp);
	out = json_pack("{s:s}", "logout_url", url);
	free(url);
	return app_respond_json_new(req, resp, 200, out);
}

/* GET /api/config: as without the hosted UI, plus its sign-in link. */
static int config(struct ca_http_request *req, struct ca_http_response *resp,
		  struct app_call *call)
{
	json_t *out;
	int rc;

	rc = app_handle_config(req, resp, call);
	if (rc != CA_OK || resp->status != 200)
		return rc;
	out = json_loadb(resp->body.data, resp->body.len, 0, NULL);
	if (!json_is_object(out) || json_object_set_new(out, "login_url", json_string(LOGIN_PATH))) {
		json_decref(out);
		return app_oom(req, resp);
	}
	return app_respond_json_new(req, resp, 200, out);
}

int app_hostedui_add_routes(struct ca_app *app, struct ca_err *err)
{
	static const struct app_route routes[] = {
		{ "GET", LOGIN_PATH, login, 0 },
		{ "GET", "/callback", callback, 0 },
		{ "GET", "/logout", logout, 0 },
		{ "DELETE", "/api/session", signout, 0 },
		{ "GET", "/api/config", config, 0 },
	};

	if (!hosted(app))
		return CA_OK;
	return app_routes_add(app, routes, sizeof(routes) / sizeof(routes[0]), err);
}
