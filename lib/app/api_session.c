/*
 * api_session.c — POST /api/session (sign in) and DELETE /api/session (sign out).
 *
 * Sign-in is limited per client address and per (address, account) (token
 * buckets, see app_internal.h) before any password is checked; a success
 * forgets the (address, account) bucket. An unknown email costs the same hash
 * work as a known one (ca_password_verify_nobody), and both answer alike. The session cookie names "<user id>:<email>", so that
 * requests need no database call to know whose photos and folder they touch,
 * and any process with the same secret honours it. A fresh CSRF token comes
 * with every sign-in.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "util/banned.h"

/* Answers 429 when key's bucket in rl is empty; `what` says whose attempts they were. */
static bool rate_limited(struct ca_ratelimit *rl, const char *key,
			 struct ca_http_response *resp, const char *what)
{
	char secs[APP_RETRY_SECS_LEN];

	if (!app_throttled(rl, key, resp, secs))
		return false;
	ca_http_respond_error(resp, 429, "Too many sign-in attempts %s; wait %s seconds and try "
			      "again.", what, secs);
	return true;
}

int app_handle_signin(struct ca_http_request *req, struct ca_http_response *resp,
		      struct app_call *call)
{
	struct ca_app *app = call->app;
	struct ca_user user = { 0 };
	const char *email = NULL, *password = NULL;
	char *addr_key = NULL, *acct_key = NULL;
	json_t *body = call->body;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_string(body, "email", &email) ||
	    !app_json_string(body, "password", &password) || !email || !password || !*email ||
	    strlen(email) > CA_DB_EMAIL_MAX * 4 || strlen(password) > APP_PASSWORD_MAX) {
		ca_http_respond_error(resp, 400, "Send email and password as strings.");
		goto out;
	}
	addr_key = app_address_key(app, req);
	acct_key = app_account_key(app, req, email);
	if (!acct_key || !addr_key) {
		app_oom(req, resp);
		goto out;
	}
	if (rate_limited(app->login_by_address, addr_key, resp, "from your address") ||
	    rate_limited(app->login_by_account, acct_key, resp, "for this account from your "
			 "address"))
		goto out;

	rc = ca_db_user_find_by_email(app->db, email, &user, &err);
	if (rc == CA_OK && user.password) {
		rc = ca_password_verify(user.password, password, &err);
	} else if (rc == CA_OK || rc == CA_DB_NOTFOUND) {
		/* the same hash work for an unknown account as for a known one (enumeration) */
		ca_err_clear(&err);
		rc = ca_password_verify_nobody(password, &err);
	}
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

	if (!app_session_start(app, req, resp, user.id, user.email))
		goto out;
	app_respond_json_new(req, resp, 200, app_user_json(&user));
out:
	ca_user_release(&user);
	free(addr_key);
	free(acct_key);
	return CA_OK;
}

int app_handle_signout(struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_call *call)
{
	struct ca_app *app = call->app;
	struct app_session_user who;
	int rc;

	/* a session that no longer verifies has nothing to protect: its cookies just go */
	rc = app_session_cookie(app, req, &who);
	if (rc == CA_ENOMEM)
		return app_oom(req, resp);
	if ((rc == CA_OK && !app_csrf_ok(app, req, resp, &who)) ||
	    (rc != CA_OK && !app_origin_ok(app, req, resp)) ||
	    !app_session_end(app, req, resp, rc == CA_OK ? &who : NULL)) {
		app_session_user_release(&who);
		return CA_OK;
	}
	app_session_user_release(&who);
	ca_http_respond_empty(resp, 204);
	return CA_OK;
}
