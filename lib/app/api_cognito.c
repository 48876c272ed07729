/*
 * api_cognito.c — the account endpoints when auth.kind is cognito: the user
 * pool holds the accounts (see auth/cognito_auth.h), this app only issues its
 * own signed session cookie once the pool's id token has been verified.
 *
 *   POST /api/users   {email, username, password}  SignUp (username is the
 *                     pool's `name`); confirmed at once on the local stand-in,
 *                     else the answer asks the user to verify their email.
 *   POST /api/session {email, password}            InitiateAuth, id token verified;
 *                                                  a user moved by cloudalbum-migrate
 *                                                  --cognito keeps their legacy
 *                                                  password (see legacy_sign_in);
 *                                                  403 "new_password_required" when
 *                                                  the pool's rules refuse it
 *                or   {email, password, new_password}  as above; for that migrated
 *                                                  user only (legacy password right),
 *                                                  new_password becomes the pool
 *                                                  password instead; ignored for
 *                                                  everyone else
 *                or   {id_token}                   an id token the browser got
 *                                                  from the pool (hosted UI, SDK),
 *                                                  verified the same way
 *   GET  /api/me                                   AdminGetUser
 *   PUT  /api/me  {username?, password?, current_password}
 *                     the current password is checked by a fresh InitiateAuth,
 *                     whose access token makes the change at once.
 * The session subject is "<cognito:username>:<email>"; the user's id in every
 * answer (and the photo owner id) is cognito:username.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/cognito_auth.h"
#include "auth/password.h"
#include "util/banned.h"

#define NAME_MAX_CHARS 50
#define EMAIL_MAX_BYTES 254

static bool email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	const unsigned char *c;

	if (!at || at == e || !at[1] || strchr(at + 1, '@') || strlen(e) > EMAIL_MAX_BYTES)
		return false;
	for (c = (const unsigned char *)e; *c; c++)
		if (*c <= 0x20 || *c == 0x7f || *c == ':' || *c == '/' || *c == '\\')
			return false;
	return true;
}

static json_t *identity_json(const struct ca_cognito_identity *who)
{
	struct ca_user u = { who->username, who->name, who->email, NULL };

	return app_user_json(&u);
}

/* Answers a refusal of the pool; returns CA_OK. */
static int pool_refusal(const struct ca_http_request *req, struct ca_http_response *resp,
			int rc, const struct ca_err *err)
{
	switch (rc) {
	case CA_AUTH_MISMATCH:
		ca_http_respond_error(resp, 401, "The email or password is not right.");
		break;
	case CA_AUTH_NOT_CONFIRMED:
		ca_http_respond_error(resp, 403, "Verify your email address first (follow the link "
				      "in the email the user pool sent), then sign in.");
		break;
	case CA_AUTH_RATE_LIMITED:
		ca_http_set_header(resp, "Retry-After", "30");
		ca_http_respond_error(resp, 429, "Too many attempts; wait a little and try again.");
		break;
	case CA_EINVAL:
		ca_http_respond_error(resp, 400, "%s", ca_err_msg(err));
		break;
	case CA_EUNSUPPORTED:
		ca_http_respond_error(resp, 403, "%s", ca_err_msg(err));
		break;
	case CA_AUTH_BAD_TOKEN:
		/* the pool's own token failed our checks: the server's settings are wrong */
		app_log(req, "%s %s: the user pool's id token did not verify: %s", req->method,
			req->path, ca_err_msg(err));
		ca_http_respond_error(resp, 502, "The user pool's answer could not be verified; "
				      "the server's auth settings need checking.");
		break;
	default:
		app_fail(req, resp, err);
	}
	return CA_OK;
}

/*
 * Takes an attempt from rl under key (made by make_key; false after answering 500
 * when it cannot be made). false after answering 429 when none is left.
 */
static bool attempt_ok(struct ca_ratelimit *rl, char *key, const struct ca_http_request *req,
		       struct ca_http_response *resp, const char *what)
{
	char secs[APP_RETRY_SECS_LEN];
	bool ok = false;

	if (!key)
		app_oom(req, resp);
	else if (app_throttled(rl, key, resp, secs))
		ca_http_respond_error(resp, 429, "Too many %s; wait %s seconds and try again.", what,
				      secs);
	else
		ok = true;
	free(key);
	return ok;
}

/* Sign-in: per client address, then per (address, account), as for local sign-in. */
static bool attempts_left(struct ca_app *app, const struct ca_http_request *req,
			  struct ca_http_response *resp, const char *email)
{
	return attempt_ok(app->login_by_address, app_address_key(app, req), req, resp,
			  "sign-in attempts") &&
	       (!email || attempt_ok(app->login_by_account, app_account_key(app, req, email), req,
				     resp, "sign-in attempts"));
}

static int not_right(struct ca_err *err)
{
	return ca_err_set(err, CA_AUTH_MISMATCH, "The email or password is not right.");
}

/*
 * What Cognito's user migration trigger does, done here. The pool has just refused
 * email and password. When the pool's user for email waits for its legacy password
 * (cognito_auth.h: FORCE_CHANGE_PASSWORD, custom:legacy_id) and the User item of its
 * email is the one the migration wrote for it (id = the pool's user name), the
 * password is checked against the item's werkzeug hash; if it matches, new_password
 * (when not NULL: the user chose one, as in Cognito's NEW_PASSWORD_REQUIRED
 * challenge) or else password becomes the user's pool password (AdminSetUserPassword,
 * permanent) and the sign-in is made again with it. CA_OK with *who filled then.
 * CA_AUTH_MISMATCH in every other case, alike (a failed look-up on the way is
 * logged, not shown); when the pool's password rules refuse the password, nothing
 * is changed and the answer is CA_EUNSUPPORTED with *must_change set (password
 * itself; err asks for a new one) or CA_EINVAL (new_password; err holds the pool's
 * sentence); the code of setting the password or of the second sign-in when those
 * fail. Passwords and hashes are never logged.
 */
static int legacy_sign_in(struct ca_app *app, const struct ca_http_request *req,
			  const char *email, const char *password, const char *new_password,
			  struct ca_cognito_identity *who, bool *must_change, struct ca_err *err)
{
	struct ca_cognito_pool_user pu = { 0 };
	struct ca_user rec = { 0 };
	const char *chosen = new_password ? new_password : password;
	struct ca_err local;
	int rc;

	*must_change = false;
	ca_err_clear(&local);
	rc = ca_cognito_auth_pool_user(app->cognito, email, &pu, &local);
	if (rc != CA_OK) {
		if (rc != CA_ENOTFOUND)
			app_log(req, "%s %s: reading the pool user after a refused sign-in failed: %s",
				req->method, req->path, ca_err_msg(&local));
		rc = not_right(err);
		goto out;
	}
	if (!ca_cognito_awaits_legacy_password(&pu)) {
		rc = not_right(err);
		goto out;
	}
	rc = ca_db_user_find_by_email(app->db, pu.email, &rec, &local);
	if (rc != CA_OK) {
		if (rc != CA_DB_NOTFOUND)
			app_log(req, "%s %s: reading the legacy record of pool user %s failed: %s",
				req->method, req->path, pu.username, ca_err_msg(&local));
		rc = not_right(err);
		goto out;
	}
	if (!ca_cognito_legacy_record_is(&pu, rec.id, rec.email)) {
		app_log(req, "%s %s: pool user %s waits for its legacy password, but the User item "
			"of its email (id %s) is not the one the migration wrote for it; not carried "
			"over", req->method, req->path, pu.username, rec.id);
		rc = not_right(err);
		goto out;
	}
	rc = rec.password ? ca_password_verify(rec.password, password, &local) : CA_AUTH_MISMATCH;
	if (rc != CA_OK) {
		if (rc != CA_AUTH_MISMATCH)
			app_log(req, "%s %s: the legacy password hash of pool user %s cannot be "
				"checked: %s", req->method, req->path, pu.username, ca_err_msg(&local));
		rc = not_right(err);
		goto out;
	}
	rc = ca_cognito_auth_set_password(app->cognito, pu.username, chosen, &local);
	if (rc == CA_EINVAL && new_password) {
		rc = ca_err_set(err, CA_EINVAL, "The user pool's password rules do not accept the "
				"new password; choose another. The user pool says: %s",
				ca_err_msg(&local));
		goto out;
	}
	if (rc == CA_EINVAL) {
		*must_change = true;
		rc = ca_err_set(err, CA_EUNSUPPORTED, "Your password is right, but it must be "
				"changed: the user pool's password rules do not accept it. Choose a "
				"new password and send it with your email and password "
				"(new_password); the sign-in page asks for it. The user pool says: %s",
				ca_err_msg(&local));
		goto out;
	}
	if (rc != CA_OK) {
		ca_err_set(err, rc, "%s", ca_err_msg(&local));
		goto out;
	}
	app_log(req, "%s %s: pool user %s (legacy user %s) signed in with the legacy password%s, "
		"which is now their user pool password", req->method, req->path, pu.username,
		pu.legacy_id, new_password ? " and chose a new one" : "");
	rc = ca_cognito_auth_sign_in(app->cognito, email, chosen, who, err);
out:
	ca_user_release(&rec);
	ca_cognito_pool_user_release(&pu);
	return rc;
}

int app_cognito_signup(struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_call *call)
{
	static const char *const allowed[] = { "email", "username", "password", NULL };
	struct ca_app *app = call->app;
	const char *email = NULL, *name = NULL, *password = NULL;
	bool confirmed = false;
	json_t *body = call->body, *out;
	struct ca_cognito_identity who = { 0 };
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_string(body, "email", &email) || !app_json_string(body, "username", &name) ||
	    !app_json_string(body, "password", &password) ||
	    !app_json_only_keys(body, allowed, NULL) || !email || !name || !password) {
		ca_http_respond_error(resp, 400, "Send email, username and password as strings.");
		goto out;
	}
	if (!email_ok(email)) {
		ca_http_respond_error(resp, 400, "Enter a valid email address.");
		goto out;
	}
	if (!app_name_acceptable(name, NAME_MAX_CHARS, resp) ||
	    !app_password_acceptable(password, resp))
		goto out;
	if (!attempt_ok(app->signups, app_address_key(app, req), req, resp, "sign-ups from your "
			"address") || !app_folder_free(app, req, resp, email))
		goto out;
	rc = ca_cognito_auth_sign_up(app->cognito, email, name, password, &confirmed, &err);
	if (rc == CA_EEXIST) {
		ca_http_respond_error(resp, 409, "An account with that email already exists; sign in "
				      "instead.");
		goto out;
	}
	if (rc != CA_OK) {
		pool_refusal(req, resp, rc, &err);
		goto out;
	}
	who.email = (char *)email;
	who.name = (char *)name;
	out = identity_json(&who);
	if (out && (json_object_set_new(out, "confirmed", json_boolean(confirmed)) ||
		    json_object_set_new(out, "message", json_string(
				confirmed ? "Your account is ready (the local user pool confirms "
					    "accounts at once); sign in now."
					  : "Check your email and follow the link to verify your "
					    "address, then sign in.")))) {
		json_decref(out);
		out = NULL;
	}
	app_respond_json_new(req, resp, 201, out);
out:
	return CA_OK;
}

int app_cognito_signin(struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_call *call)
{
	struct ca_app *app = call->app;
	struct ca_cognito_identity who = { 0 };
	const char *email = NULL, *password = NULL, *id_token = NULL, *new_password = NULL;
	bool must_change = false;
	json_t *body = call->body;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_string(body, "email", &email) ||
	    !app_json_string(body, "password", &password) ||
	    !app_json_string(body, "new_password", &new_password) ||
	    !app_json_string(body, "id_token", &id_token) ||
	    (id_token ? (email || password || new_password)
		      : (!email || !password || !*email || strlen(email) > EMAIL_MAX_BYTES ||
			 strlen(password) > APP_PASSWORD_MAX ||
			 (new_password && strlen(new_password) > APP_PASSWORD_MAX)))) {
		ca_http_respond_error(resp, 400, "Send email and password as strings (and "
				      "new_password when asked to choose one), or an id_token "
				      "alone.");
		goto out;
	}
	if (!attempts_left(app, req, resp, email))
		goto out;
	if (id_token) {
		rc = ca_cognito_auth_check_id_token(app->cognito, id_token, (int64_t)time(NULL),
						    &who, NULL, &err);
		if (rc == CA_AUTH_BAD_TOKEN) {
			ca_http_respond_error(resp, 401, "%s", ca_err_msg(&err));
			goto out;
		}
	} else {
		rc = ca_cognito_auth_sign_in(app->cognito, email, password, &who, &err);
		if (rc == CA_AUTH_MISMATCH) {
			ca_err_clear(&err);
			rc = legacy_sign_in(app, req, email, password, new_password, &who,
					    &must_change, &err);
		}
	}
	if (rc == CA_EUNSUPPORTED && must_change) {
		/* its own error code: the sign-in page then asks for a new password */
		app_respond_json_new(req, resp, 403, json_pack("{s:s, s:s}", "error",
				     "new_password_required", "message", ca_err_msg(&err)));
		goto out;
	}
	if (rc != CA_OK) {
		pool_refusal(req, resp, rc, &err);
		goto out;
	}
	if (email) {
		char *key = app_account_key(app, req, email);

		if (key)
			ca_ratelimit_reset(app->login_by_account, key);
		free(key);
	}
	if (!app_session_start(app, req, resp, who.username, who.email))
		goto out;
	app_respond_json_new(req, resp, 200, identity_json(&who));
out:
	ca_cognito_identity_release(&who);
	return CA_OK;
}

int app_cognito_me_get(struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_call *call)
{
	struct ca_cognito_identity profile = { 0 };
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = ca_cognito_auth_profile(call->app->cognito, call->who.id, &profile, &err);
	if (rc == CA_ENOTFOUND || rc == CA_AUTH_MISMATCH)
		ca_http_respond_error(resp, 401, "This account no longer exists; sign in again.");
	else if (rc != CA_OK)
		app_fail(req, resp, &err);
	else
		app_respond_json_new(req, resp, 200, identity_json(&profile));
	ca_cognito_identity_release(&profile);
	return CA_OK;
}

int app_cognito_me_put(struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_call *call)
{
	static const char *const allowed[] = { "username", "password", "current_password", NULL };
	struct ca_app *app = call->app;
	const struct app_session_user *who = &call->who;
	struct ca_cognito_identity profile = { 0 };
	const char *name = NULL, *password = NULL, *current = NULL;
	json_t *body = call->body;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_string(body, "username", &name) ||
	    !app_json_string(body, "password", &password) ||
	    !app_json_string(body, "current_password", &current) ||
	    !app_json_only_keys(body, allowed, NULL)) {
		ca_http_respond_error(resp, 400, "A profile change takes username, password and "
				      "current_password, as strings.");
		goto out;
	}
	if (!current || strlen(current) > APP_PASSWORD_MAX) {
		ca_http_respond_error(resp, 400, "Enter your current password to change your profile.");
		goto out;
	}
	if (!name && !password) {
		ca_http_respond_error(resp, 400, "Send a new username or a new password.");
		goto out;
	}
	if ((name && !app_name_acceptable(name, NAME_MAX_CHARS, resp)) ||
	    (password && !app_password_acceptable(password, resp)))
		goto out;
	if (!attempt_ok(app->profile_changes, app_user_key(who->id), req, resp,
			"password attempts"))
		goto out;
	rc = ca_cognito_auth_update(app->cognito, who->email, who->id, current, name, password,
				    &err);
	if (rc == CA_AUTH_MISMATCH) {
		ca_http_respond_error(resp, 403, "The current password is not right.");
		goto out;
	}
	if (rc != CA_OK) {
		pool_refusal(req, resp, rc, &err);
		goto out;
	}
	/* a new password ends every other session of the account, here and elsewhere */
	if (password && !app_session_renew(app, req, resp, who))
		goto out;
	{
		char *key = app_user_key(who->id);

		if (key)
			ca_ratelimit_reset(app->profile_changes, key);
		free(key);
	}
	rc = ca_cognito_auth_profile(app->cognito, who->id, &profile, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	app_respond_json_new(req, resp, 200, identity_json(&profile));
out:
	ca_cognito_identity_release(&profile);
	return CA_OK;
}
