/*
 * session_cookies.c — signed-in sessions: the one place that writes and reads
 * the session subject "<user id>:<session id>:<generation>:<email>", checks it
 * against the database's revocation state, pairs each session with its own
 * CSRF token, and ends sessions (sign-out, password change).
 */
#include "app/app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/csrf.h"
#include "http/urlcode.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

#define SESSION_ID_BYTES 16   /* 22 base64url characters */

void app_session_user_release(struct app_session_user *u)
{
	if (!u)
		return;
	ca_free_str(&u->id);
	ca_free_str(&u->email);
	ca_free_str(&u->sid);
	u->generation = 0;
}

/* Splits off subject's next ':'-terminated field into a new string; NULL when none. */
static char *next_field(const char **subject, bool *oom)
{
	const char *colon = strchr(*subject, ':');
	char *field;

	if (!colon || colon == *subject)
		return NULL;
	field = ca_strndup(*subject, (size_t)(colon - *subject));
	if (!field)
		*oom = true;
	*subject = colon + 1;
	return field;
}

/*
 * Parses "<id>:<sid>:<generation>:<email>" into *u. CA_OK, CA_AUTH_BAD_TOKEN for
 * another shape (the subjects of older releases, "<id>:<email>", included),
 * CA_ENOMEM. u is released on error.
 */
static int parse_subject(const char *subject, struct app_session_user *u)
{
	const char *rest = subject;
	char *gen = NULL, *end = NULL;

	bool oom = false;
	long long g = -1;
	size_t i;

	memset(u, 0, sizeof(*u));
	u->id = next_field(&rest, &oom);
	u->sid = u->id ? next_field(&rest, &oom) : NULL;
	gen = u->sid ? next_field(&rest, &oom) : NULL;
	if (gen && gen[0] >= '0' && gen[0] <= '9') {
		g = strtoll(gen, &end, 10);
		if (*end != '\0')
			g = -1;
	}
	free(gen);
	if (!oom && g >= 0 && *rest) {
		u->generation = (int64_t)g;
		u->email = ca_strdup(rest);
		oom = !u->email;
	}
	for (i = 0; u->sid && u->sid[i]; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
			    u->sid[i]))
			break;
	if (!oom && u->email && u->sid && !u->sid[i] && i <= CA_DB_SESSION_ID_MAX)
		return CA_OK;
	app_session_user_release(u);
	return oom ? CA_ENOMEM : CA_AUTH_BAD_TOKEN;
}

int app_session_cookie(struct ca_app *app, const struct ca_http_request *req,
		       struct app_session_user *u)
{
	char *subject = NULL;
	int rc;

	memset(u, 0, sizeof(*u));
	rc = ca_session_read(&app->keys, req, (int64_t)time(NULL), &subject, NULL);
	if (rc == CA_OK)
		rc = parse_subject(subject, u);
	ca_free_str(&subject);
	return rc;
}

bool app_session_signed(struct ca_app *app, const struct ca_http_request *req,
			struct ca_http_response *resp, struct app_session_user *u)
{
	int rc = app_session_cookie(app, req, u);

	if (rc == CA_ENOMEM)
		app_oom(req, resp);
	else if (rc != CA_OK)
		ca_http_respond_error(resp, 401, "Sign in to do that.");
	return rc == CA_OK;
}

bool app_session_valid(const struct ca_http_request *req, struct ca_http_response *resp,
		       struct app_session_user *u, int rc, int64_t generation, bool revoked,
		       const struct ca_err *err)
{
	if (rc == CA_OK && !revoked && generation == u->generation)
		return true;
	app_session_user_release(u);
	if (rc == CA_OK || rc == CA_EINVAL)
		ca_http_respond_error(resp, 401, "This session has ended (signed out, or the "
				      "password was changed); sign in again.");
	else
		app_fail(req, resp, err);
	return false;
}

bool app_signed_in(struct ca_app *app, const struct ca_http_request *req,
		   struct ca_http_response *resp, struct app_session_user *u)
{
	struct ca_err err;
	int64_t generation = 0;
	bool revoked = false;
	int rc;

	if (!app_session_signed(app, req, resp, u))
		return false;
	ca_err_clear(&err);
	rc = ca_db_session_state(app->db, u->id, u->sid, &generation, &revoked, &err);
	return app_session_valid(req, resp, u, rc, generation, revoked, &err);
}

bool app_origin_ok(struct ca_app *app, const struct ca_http_request *req,
		   struct ca_http_response *resp)
{
	struct ca_err err;

	ca_err_clear(&err);
	if (ca_csrf_origin_check(req, app->cfg->server.base_url, &err) == CA_OK)
		return true;
	ca_http_respond_error(resp, 403, "%s", ca_err_msg(&err));
	return false;
}

bool app_csrf_ok(struct ca_app *app, const struct ca_http_request *req,
		 struct ca_http_response *resp, const struct app_session_user *who)
{
	char expected[CA_CSRF_TOKEN_LEN + 1];
	struct ca_err err;
	int rc;

	if (!app_origin_ok(app, req, resp))
		return false;
	ca_err_clear(&err);
	if (who && who->sid)
		ca_csrf_token_for(app->keys.key, who->sid, expected);
	rc = ca_csrf_check(req, who && who->sid ? expected : NULL, &err);
	memset(expected, 0, sizeof(expected));
	if (rc == CA_OK)
		return true;
	ca_http_respond_error(resp, 403, "%s", ca_err_msg(&err));
	return false;
}

/* Issues a new session of user_id at generation: the session and its CSRF cookie. */
static bool issue(struct ca_app *app, const struct ca_http_request *req,
		  struct ca_http_response *resp, const char *user_id, const char *email,
		  int64_t generation)
{
	struct ca_buf subject = CA_BUF_INIT;
	uint8_t raw[SESSION_ID_BYTES];
	char sid[((SESSION_ID_BYTES + 2) / 3) * 4 + 1];
	char csrf[CA_CSRF_TOKEN_LEN + 1];
	struct ca_err err;
	bool ok = false;
	int rc;

	ca_err_clear(&err);
	if (ca_random_bytes(raw, sizeof(raw)) != CA_OK) {
		ca_err_set(&err, CA_EIO, "No randomness available for a session id.");
		app_fail(req, resp, &err);
		return false;
	}
	ca_base64url_encode(raw, sizeof(raw), sid);
	ca_buf_addf(&subject, "%s:%s:%lld:%s", user_id, sid, (long long)generation, email);
	if (!ca_buf_ok(&subject)) {
		app_oom(req, resp);
		goto out;
	}
	ca_csrf_token_for(app->keys.key, sid, csrf);
	rc = ca_session_issue(&app->keys, resp, subject.data, (int64_t)time(NULL), &err);
	if (rc == CA_OK)
		rc = ca_csrf_set_cookie(resp, csrf, app->keys.secure, app->keys.lifetime_s, &err);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		goto out;
	}
	ok = true;
out:
	memset(csrf, 0, sizeof(csrf));
	ca_buf_release(&subject);
	return ok;
}

bool app_session_start(struct ca_app *app, const struct ca_http_request *req,
		       struct ca_http_response *resp, const char *user_id, const char *email)
{
	struct ca_err err;
	int64_t generation = 0;

	ca_err_clear(&err);
	if (ca_db_session_state(app->db, user_id, NULL, &generation, NULL, &err) != CA_OK) {
		app_fail(req, resp, &err);
		return false;
	}
	return issue(app, req, resp, user_id, email, generation);
}

bool app_session_renew(struct ca_app *app, const struct ca_http_request *req,
		       struct ca_http_response *resp, const struct app_session_user *who)
{
	struct ca_err err;
	int64_t generation = 0;

	ca_err_clear(&err);
	if (ca_db_sessions_revoke_all(app->db, who->id, &generation, &err) != CA_OK) {
		app_fail(req, resp, &err);
		return false;
	}
	return issue(app, req, resp, who->id, who->email, generation);
}

bool app_session_end(struct ca_app *app, const struct ca_http_request *req,
		     struct ca_http_response *resp, const struct app_session_user *who)
{
	struct ca_http_cookie_attrs gone = { "/", 0, false, app->keys.secure, "Lax" };
	struct ca_err err;
	int64_t now = (int64_t)time(NULL);

	ca_err_clear(&err);
	if (who) {
		/* the cookie lives at most lifetime_s from now: so long is the record kept */
		if (ca_db_session_revoke(app->db, who->id, who->sid, now + app->keys.lifetime_s, now,
					 &err) != CA_OK) {
			app_fail(req, resp, &err);
			return false;
		}
		if (app->cognito &&
		    ca_cognito_auth_sign_out_everywhere(app->cognito, who->id, &err) != CA_OK)
			app_log(req, "sign-out: ending pool user %s's user pool sessions failed: %s",
				who->id, ca_err_msg(&err));
	}
	if (ca_session_clear(&app->keys, resp) != CA_OK ||
	    ca_http_set_cookie(resp, CA_CSRF_COOKIE, "", &gone) != CA_OK) {
		app_oom(req, resp);
		return false;
	}
	return true;
}
