/*
 * verify_hostedui.c — signing the test user in through the user pool's hosted UI, as a
 * browser would: the app's /login sends it to the hosted UI, whose sign-in form is
 * filled in and sent; the hosted UI sends it back to the app's /callback, after which
 * GET /api/me must name the test user. A fresh cookie jar, so the password sign-in's
 * session is not what is tested. Where the app has no hosted UI, or the hosted UI
 * cannot be reached from here (the local stand-in has none), the step is skipped.
 */
#include "verify/verify_internal.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define S_HOSTED VERIFY_STEP_HOSTED_UI

/* The app's login_url from GET /api/config, or NULL when it has no hosted UI. */
static char *login_url(struct vweb *web)
{
	struct vweb_resp resp;
	json_t *j;
	char *url = NULL;

	if (vweb_request(web, "GET", "/api/config", NULL, false, &resp, NULL) != CA_OK)
		return NULL;
	j = resp.status == 200 ? json_loadb(resp.body.data, resp.body.len, 0, NULL) : NULL;
	if (json_is_string(json_object_get(j, "login_url")))
		url = ca_strdup(json_string_value(json_object_get(j, "login_url")));
	json_decref(j);
	vweb_resp_release(&resp);
	return url;
}

/* Whether url (where the sign-in form's redirects ended) is the app's: its base followed
 * by '/', '?', '#' or nothing. NULL is not. */
static bool back_at_app(struct vweb *web, const char *url)
{
	const char *base = vweb_base(web);
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return url && strncmp(url, base, n) == 0 && strchr("/?#", url[n]) != NULL;
}

int verify_hosted_ui(struct verify_run *run, struct vweb *web)
{
	struct vweb *hw = NULL;
	struct vweb_resp start, page, back, me;
	struct ca_buf fields = CA_BUF_INIT;
	char *login = login_url(web), *action = NULL, *target = NULL;
	const char *email;
	json_t *who = NULL;
	struct ca_err err;
	int rc;

	memset(&start, 0, sizeof(start));
	memset(&page, 0, sizeof(page));
	memset(&back, 0, sizeof(back));
	memset(&me, 0, sizeof(me));
	ca_err_clear(&err);
	if (!login) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_SKIP, "the app offers no hosted-UI "
				     "sign-in (GET /api/config has no login_url: auth.hosted_ui_url "
				     "is not set)");
		goto out;
	}
	rc = vweb_new(vweb_base(web), run->opt.timeout_s, &hw, &err);
	if (rc == CA_OK)
		rc = vweb_request(hw, "GET", login, NULL, false, &start, &err);
	if (rc == CA_ENOMEM)
		goto out;
	if (rc != CA_OK || start.status != 302 || !start.location) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_FAIL, "GET %s did not redirect to the "
				     "hosted UI (%s).", login, rc != CA_OK ? ca_err_msg(&err)
									 : "no 302 with a Location");
		goto out;
	}
	ca_err_clear(&err);
	rc = vweb_request(hw, "GET", start.location, NULL, true, &page, &err);
	if (rc == CA_ENOMEM)
		goto out;
	if (rc != CA_OK) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_SKIP, "the hosted UI cannot be reached "
				     "from here (%s)", ca_err_msg(&err));
		goto out;
	}
	if (page.status != 200) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_FAIL, "The hosted UI answered "
				     "HTTP %ld at %s: open that address in a browser to read its "
				     "error (a callback URL the app client does not list, or a "
				     "client without the code grant, are the usual ones; make "
				     "stage-3 sets both from server.base_url).", page.status,
				     page.url ? page.url : "?");
		goto out;
	}
	if (!ca_buf_ok(&page.body) || !verify_form_fill(page.body.data, run->email, run->password,
							&action, &fields)) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_SKIP, "the hosted UI page %s has "
				     "no HTML sign-in form with a password field (a managed-login "
				     "page needs JavaScript); sign in there with a browser instead",
				     page.url ? page.url : "?");
		goto out;
	}
	target = verify_url_resolve(page.url ? page.url : start.location, action);
	if (!target || !ca_buf_ok(&fields)) {
		rc = CA_ENOMEM;
		goto out;
	}
	ca_err_clear(&err);
	rc = vweb_post_form(hw, target, fields.data, true, &back, &err);
	if (rc == CA_ENOMEM)
		goto out;
	if (rc != CA_OK) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_FAIL, "Sending the hosted UI's sign-in "
				     "form failed: %s", ca_err_msg(&err));
		goto out;
	}
	if (!back_at_app(web, back.url)) {
		rc = verify_step_add(run, S_HOSTED, VERIFY_FAIL, "The hosted UI did not send the "
				     "browser back to the app after its sign-in form (it stayed at "
				     "%s, HTTP %ld): it refused the test user's email and password "
				     "(the user is made in pool %s), or its form asks for more than "
				     "those; open that address in a browser to see what it says.",
				     back.url ? back.url : "?", back.status,
				     run->cfg->auth.user_pool_id ? run->cfg->auth.user_pool_id : "?");
		goto out;
	}
	rc = vweb_request(hw, "GET", "/api/me", NULL, false, &me, &err);
	if (rc == CA_ENOMEM)
		goto out;
	who = rc == CA_OK && me.status == 200 ? json_loadb(me.body.data, me.body.len, 0, NULL)
					      : NULL;
	email = json_string_value(json_object_get(who, "email"));
	if (!email || strcmp(email, run->email) != 0)
		rc = verify_step_add(run, S_HOSTED, VERIFY_FAIL, "After the hosted UI's sign-in "
				     "(ending at %s, HTTP %ld) the app has no session for the test "
				     "user: check the app client's callback URL (it must be the "
				     "app's base_url + /callback) and the app's log.",
				     back.url ? back.url : "?", back.status);
	else
		rc = verify_step_add(run, S_HOSTED, VERIFY_PASS, NULL);
	/* the app's session of this sign-in ends here; the user goes with the clean-up */
	if (who) {
		vweb_resp_release(&me);
		vweb_request(hw, "DELETE", "/api/session", NULL, false, &me, NULL);
	}
out:
	json_decref(who);
	vweb_resp_release(&start);
	vweb_resp_release(&page);
	vweb_resp_release(&back);
	vweb_resp_release(&me);
	ca_buf_release(&fields);
	free(login);
	free(action);
	free(target);
	vweb_free(hw);
	return rc;
}
