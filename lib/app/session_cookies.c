/*
 * session_cookies.c — starting and ending a signed-in session: the one place
 * that writes the session subject "<user id>:<email>" (app_signed_in reads it)
 * and pairs the session cookie with its CSRF cookie.
 */
#include "app/app_internal.h"

#include <time.h>

#include "http/csrf.h"
#include "util/buf.h"
#include "util/banned.h"

bool app_session_start(struct ca_app *app, const struct ca_http_request *req,
		       struct ca_http_response *resp, const char *user_id, const char *email)
{
	struct ca_buf subject = CA_BUF_INIT;
	char csrf[CA_CSRF_TOKEN_LEN + 1];
	struct ca_err err;
	bool ok = false;
	int rc;

	ca_err_clear(&err);
	ca_buf_addf(&subject, "%s:%s", user_id, email);
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
	ok = true;
out:
	ca_buf_release(&subject);
	return ok;
}

bool app_session_end(struct ca_app *app, const struct ca_http_request *req,
		     struct ca_http_response *resp)
{
	struct ca_http_cookie_attrs gone = { "/", 0, false, app->keys.secure, "Lax" };

	if (ca_session_clear(&app->keys, resp) != CA_OK ||
	    ca_http_set_cookie(resp, CA_CSRF_COOKIE, "", &gone) != CA_OK) {
		app_oom(req, resp);
		return false;
	}
	return true;
}
