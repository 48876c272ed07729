/*
 * api_session.c — POST /api/session (sign in) and DELETE /api/session (sign out).
 *
 * Sign-in is limited per account and per client address (token buckets, see
 * app_internal.h) before any password is checked; a success forgets the
 * account's bucket. The session cookie names "<user id>:<email>", so that
 * requests need no database call to know whose photos and folder they touch,
 * and any process with the same secret honours it. A fresh CSRF token comes
 * with every sign-in.
 */
#include "app/app_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"
#include "http/csrf.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

static bool rate_limited(struct ca_ratelimit *rl, const char *key,
			 struct ca_http_response *resp, const char *what)
{
	unsigned retry = 0;
	char secs[24];

	if (ca_ratelimit_take(rl, key, &retry, NULL) != CA_AUTH_RATE_LIMITED)
		return false;
	snprintf(secs, sizeof(secs), "%u", retry ? retry : 1);
	ca_http_set_header(resp, "Retry-After", secs);
	ca_http_respond_error(resp, 429, "Too many sign-in attempts %s; wait %s seconds and try "
			      "again.", what, secs);
	return true;
}

/* "acct:<email in lower case>", so that case games do not give more attempts. */
static char *account_key(const char *email)
{
	struct ca_buf key = CA_BUF_INIT;
	const char *c;

	ca_buf_adds(&key, "acct:");
	for (c = email; *c; c++)
		ca_buf_addch(&key, (char)tolower((unsigned char)*c));
	return ca_buf_detach(&key, NULL);
}

int app_handle_signin(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct ca_app *app = ctx;
	struct ca_user user = { 0 };
	struct ca_buf subject = CA_BUF_INIT, addr_key = CA_BUF_INIT;
	char csrf[CA_CSRF_TOKEN_LEN + 1];
	const char *email = NULL, *password = NULL;
	char *acct_key = NULL;
	json_t *body = NULL, *v;
	struct ca_err err;
	int rc;

	if (app->cognito)
		return app_cognito_signin(req, resp, ctx);
	ca_err_clear(&err);
	if (!app_json_body(req, resp, &body))
		goto out;
	if ((v = json_object_get(body, "email")) && json_is_string(v))
		email = json_string_value(v);
	if ((v = json_object_get(body, "password")) && json_is_string(v))
		password = json_string_value(v);
	if (!email || !password || !*email || strlen(email) > CA_DB_EMAIL_MAX * 4 ||
	    strlen(password) > APP_PASSWORD_MAX) {
		ca_http_respond_error(resp, 400, "Send email and password as strings.");
		goto out;
	}
	ca_buf_addf(&addr_key, "addr:%s", req->remote);
	acct_key = account_key(email);
	if (!acct_key || !ca_buf_ok(&addr_key)) {
		app_oom(req, resp);
		goto out;
	}
	if (rate_limited(app->login_by_address, addr_key.data, resp, "from your address") ||
	    rate_limited(app->login_by_account, acct_key, resp, "for this account"))
		goto out;

	rc = ca_db_user_find_by_email(app->db, email, &user, &err);
	if (rc == CA_OK)
		rc = ca_password_verify(user.password ? user.password : "", password, &err);
	if (rc == CA_DB_NOTFOUND || rc == CA_AUTH_MISMATCH || rc == CA_AUTH_BAD_HASH ||
	    rc == CA_EINVAL || rc == CA_ERANGE) {
		if (rc == CA_AUTH_BAD_HASH)
			app_log(req, "sign-in: user %s has a password hash we cannot read", user.id);
		ca_http_respond_error(resp, 401, "The email or password is not right.");
		goto out;
	}
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	ca_ratelimit_reset(app->login_by_account, acct_key);

	ca_buf_addf(&subject, "%s:%s", user.id, user.email);
	if (!ca_buf_ok(&subject)) {
		app_oom(req, resp);
		goto out;
	}
	rc = ca_session_issue(&app->keys, resp, subject.data, (int64_t)time(NULL), &err);
	if (rc == CA_OK)
		rc = ca_csrf_issue(resp, app->keys.secure, app->keys.lifetime_s, csrf, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	app_respond_json_new(req, resp, 200, app_user_json(&user));
out:
	ca_user_release(&user);
	ca_buf_release(&subject);
	ca_buf_release(&addr_key);
	free(acct_key);
	json_decref(body);
	return CA_OK;
}

int app_handle_signout(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct ca_app *app = ctx;
	struct ca_http_cookie_attrs gone = { "/", 0, false, app->keys.secure, "Lax" };

	if (!app_csrf_ok(req, resp))
		return CA_OK;
	if (ca_session_clear(&app->keys, resp) != CA_OK ||
	    ca_http_set_cookie(resp, CA_CSRF_COOKIE, "", &gone) != CA_OK)
		return app_oom(req, resp);
	ca_http_respond_empty(resp, 204);
	return CA_OK;
}
