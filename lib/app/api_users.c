/*
 * api_users.c — POST /api/users (sign up), GET /api/me and PUT /api/me.
 */
#include "app/app_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* An email as the legacy app kept them: something@something, no spaces or controls. */
static bool email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	const unsigned char *c;

	if (!at || at == e || !at[1] || strchr(at + 1, '@') || strlen(e) > CA_DB_EMAIL_MAX)
		return false;
	for (c = (const unsigned char *)e; *c; c++)
		if (*c <= 0x20 || *c == 0x7f || *c == '/' || *c == '\\')
			return false;
	return ca_db_utf8_chars(e) > 0;
}

/* Sign-ups per client address (each costs a full password hash). false after answering 429. */
static bool signup_allowed(struct ca_app *app, const struct ca_http_request *req,
			   struct ca_http_response *resp)
{
	char secs[APP_RETRY_SECS_LEN];
	char *key = app_address_key(app, req);
	bool throttled;

	if (!key) {
		app_oom(req, resp);
		return false;
	}
	throttled = app_throttled(app->signups, key, resp, secs);
	free(key);
	if (throttled)
		ca_http_respond_error(resp, 429, "Too many sign-ups from your address; wait %s "
				      "seconds and try again.", secs);
	return !throttled;
}

int app_handle_signup(struct ca_http_request *req, struct ca_http_response *resp,
		      struct app_call *call)
{
	static const char *const allowed[] = { "email", "username", "password", NULL };
	struct ca_app *app = call->app;
	const char *email = NULL, *username = NULL, *password = NULL;
	struct ca_user user = { 0 };
	char *hash = NULL, *id = NULL;
	json_t *body = call->body;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_only_keys(body, allowed, NULL)) {
		ca_http_respond_error(resp, 400, "Sign-up takes email, username and password only.");
		goto out;
	}
	if (!app_json_string(body, "email", &email) ||
	    !app_json_string(body, "username", &username) ||
	    !app_json_string(body, "password", &password) || !email || !username || !password) {
		ca_http_respond_error(resp, 400, "Send email, username and password as strings.");
		goto out;
	}
	if (!email_ok(email)) {
		ca_http_respond_error(resp, 400, "Enter a valid email address of at most %d characters.",
				      CA_DB_EMAIL_MAX);
		goto out;
	}
	if (!app_name_acceptable(username, CA_DB_USERNAME_MAX, resp) ||
	    !app_password_acceptable(password, resp))
		goto out;
	if (!signup_allowed(app, req, resp) || !app_folder_free(app, req, resp, email))
		goto out;
	rc = ca_password_hash(password, &hash, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	user.email = (char *)email;
	user.username = (char *)username;
	user.password = hash;
	rc = ca_db_user_create(app->db, &user, &id, &err);
	if (rc == CA_DB_CONFLICT) {
		ca_http_respond_error(resp, 409, "An account with that email already exists; sign in "
				      "instead.");
		goto out;
	}
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	user.id = id;
	app_respond_json_new(req, resp, 201, app_user_json(&user));
out:
	ca_free_secret(hash);
	free(id);
	return CA_OK;
}

int app_handle_me_get(struct ca_http_request *req, struct ca_http_response *resp,
		      struct app_call *call)
{
	struct ca_user user = { 0 };
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = ca_db_user_find_by_id(call->app->db, call->who.id, &user, &err);
	if (rc == CA_DB_NOTFOUND)
		ca_http_respond_error(resp, 401, "This account no longer exists; sign in again.");
	else if (rc != CA_OK)
		app_fail(req, resp, &err);
	else
		app_respond_json_new(req, resp, 200, app_user_json(&user));
	ca_user_release(&user);
	return CA_OK;
}

/* Checks the current password, rate-limited per user. false after answering. */
static bool current_password_ok(struct ca_app *app, const struct ca_http_request *req,
				struct ca_http_response *resp, const struct ca_user *user,
				const char *current)
{
	char secs[APP_RETRY_SECS_LEN];
	char *key;
	bool throttled;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	/* a bucket of its own: others' sign-in failures never block the owner's changes */
	key = app_user_key(user->id);
	if (!key) {
		app_oom(req, resp);
		return false;
	}
	throttled = app_throttled(app->profile_changes, key, resp, secs);
	if (throttled) {
		free(key);
		ca_http_respond_error(resp, 429, "Too many password attempts; wait %s seconds.", secs);
		return false;
	}
	rc = ca_password_verify(user->password, current, &err);
	if (rc == CA_OK)
		ca_ratelimit_reset(app->profile_changes, key);
	free(key);
	if (rc == CA_OK)
		return true;
	if (rc == CA_AUTH_MISMATCH || rc == CA_AUTH_BAD_HASH)
		ca_http_respond_error(resp, 403, "The current password is not right.");
	else
		app_fail(req, resp, &err);
	return false;
}

int app_handle_me_put(struct ca_http_request *req, struct ca_http_response *resp,
		      struct app_call *call)
{
	static const char *const allowed[] = { "username", "password", "current_password", NULL };
	struct ca_app *app = call->app;
	const struct app_session_user *who = &call->who;
	struct ca_user user = { 0 };
	const char *username = NULL, *password = NULL, *current = NULL;
	char *hash = NULL;
	json_t *body = call->body;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	if (!app_json_only_keys(body, allowed, NULL)) {
		ca_http_respond_error(resp, 400, "A profile change takes username, password and "
				      "current_password only.");
		goto out;
	}
	if (!app_json_string(body, "username", &username) ||
	    !app_json_string(body, "password", &password) ||
	    !app_json_string(body, "current_password", &current)) {
		ca_http_respond_error(resp, 400, "username, password and current_password are strings.");
		goto out;
	}
	if (!current) {
		ca_http_respond_error(resp, 400, "Enter your current password to change your profile.");
		goto out;
	}
	if (!username && !password) {
		ca_http_respond_error(resp, 400, "Send a new username or a new password.");
		goto out;
	}
	if ((username && !app_name_acceptable(username, CA_DB_USERNAME_MAX, resp)) ||
	    (password && !app_password_acceptable(password, resp)))
		goto out;
	rc = ca_db_user_find_by_id(app->db, who->id, &user, &err);
	if (rc == CA_DB_NOTFOUND) {
		ca_http_respond_error(resp, 401, "This account no longer exists; sign in again.");
		goto out;
	}
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	if (!current_password_ok(app, req, resp, &user, current))
		goto out;
	if (password && ca_password_hash(password, &hash, &err) != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	rc = ca_db_user_update(app->db, who->id, username, hash, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	/* a new password ends every other session of the account, here and elsewhere */
	if (password && !app_session_renew(app, req, resp, who))
		goto out;
	if (username) {
		free(user.username);
		user.username = ca_strdup(username);
		if (!user.username) {
			app_oom(req, resp);
			goto out;
		}
	}
	app_respond_json_new(req, resp, 200, app_user_json(&user));
out:
	ca_free_secret(hash);
	ca_user_release(&user);
	return CA_OK;
}
