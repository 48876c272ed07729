/*
 * verify_hostedui.c — signing the test user in through the user pool's hosted UI, as a
 * browser would: the app's /login sends it to the hosted UI, whose sign-in form is
 * filled in and sent; the hosted UI sends it back to the app's /callback, after which
 * GET /api/me must name the test user. A fresh cookie jar, so the password sign-in's
 * session is not what is tested. Where the app has no hosted UI, or the hosted UI
 * cannot be reached from here (the local stand-in has none), the step is skipped.
 */
#include "verify/verify_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* Appends s[0..n) with the HTML entities forms use decoded. */
static void add_decoded(struct ca_buf *out, const char *s, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&quot;", '"' }, { "&#39;", '\'' }, { "&#x27;", '\'' },
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&#x2F;", '/' }, { "&#47;", '/' },
	};
	size_t i = 0, k;

	while (i < n) {
		for (k = 0; s[i] == '&' && k < sizeof(ents) / sizeof(ents[0]); k++) {
			size_t len = strlen(ents[k].ent);

			if (i + len <= n && strncasecmp(s + i, ents[k].ent, len) == 0) {
				ca_buf_addch(out, ents[k].c);
				i += len;
				break;
			}
		}
		if (s[i] == '&' && k < sizeof(ents) / sizeof(ents[0]))
			continue;
		ca_buf_addch(out, s[i++]);
	}
}

/*
 * The value of attribute `name` in the tag starting at tag (just after "<input" or
 * "<form", up to '>'), decoded; NULL when absent. malloc'd.
 */
static char *attr(const char *tag, const char *end, const char *name)
{
	const char *p = tag;
	size_t want = strlen(name);

	while (p < end) {
		const char *n, *v = NULL;
		size_t nlen, vlen = 0;

		while (p < end && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		n = p;
		while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/')
			p++;
		nlen = (size_t)(p - n);
		if (nlen == 0) {
			p++;
			continue;
		}
		if (p < end && *p == '=') {
			p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;

				v = p;
				while (p < end && *p != q)
					p++;
				vlen = (size_t)(p - v);
				if (p < end)
					p++;
			} else {
				v = p;
				while (p < end && !isspace((unsigned char)*p) && *p != '>')
					p++;
				vlen = (size_t)(p - v);
			}
		}
		if (nlen == want && strncasecmp(n, name, want) == 0) {
			struct ca_buf out = CA_BUF_INIT;

			add_decoded(&out, v ? v : "", vlen);
			return ca_buf_detach(&out, NULL);
		}
	}
	return NULL;
}

/* Appends "name=value" form-encoded (with '&' before when not first). */
static void add_field(struct ca_buf *b, const char *name, const char *value)
{
	const char *parts[2] = { name, value };
	int k;

	if (b->len)
		ca_buf_addch(b, '&');
	for (k = 0; k < 2; k++) {
		const unsigned char *c;

		for (c = (const unsigned char *)parts[k]; *c; c++) {
			if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
				ca_buf_addch(b, (char)*c);
			else
				ca_buf_addf(b, "%%%02X", *c);
		}
		if (k == 0)
			ca_buf_addch(b, '=');
	}
}

/* The sign-in form of an HTML page: its action and the encoded fields. false if none. */
static bool fill_form(const char *html, const char *email, const char *password,
		      char **action, struct ca_buf *fields)
{
	const char *form = html;

	*action = NULL;
	while ((form = strcasestr(form, "<form")) != NULL) {
		const char *tag_end = strchr(form, '>');
		const char *form_end = tag_end ? strcasestr(tag_end, "</form") : NULL;
		const char *in;
		bool has_password = false;

		if (!tag_end)
			return false;
		if (!form_end)
			form_end = html + strlen(html);
		ca_buf_reset(fields);
		for (in = tag_end; (in = strcasestr(in, "<input")) && in < form_end; in += 6) {
			const char *end = strchr(in, '>');
			char *type, *name, *value;

			if (!end || end > form_end)
				break;
			type = attr(in + 6, end, "type");
			name = attr(in + 6, end, "name");
			value = attr(in + 6, end, "value");
			if (name && *name) {
				if (type && strcasecmp(type, "password") == 0) {
					add_field(fields, name, password);
					has_password = true;
				} else if (strcasecmp(name, "username") == 0 ||
					   strcasecmp(name, "email") == 0 ||
					   strcasecmp(name, "login") == 0) {
					add_field(fields, name, email);
				} else if (!type || strcasecmp(type, "submit") != 0 ||
					   value) {
					add_field(fields, name, value ? value : "");
				}
			}
			free(type);
			free(name);
			free(value);
		}
		if (has_password) {
			*action = attr(form + 5, tag_end, "action");
			return true;
		}
		form = tag_end;
	}
	return false;
}

/* action resolved against the page's URL; malloc'd. */
static char *resolve(const char *page, const char *action)
{
	struct ca_buf b = CA_BUF_INIT;
	const char *host_end, *scheme = strstr(page, "://"), *q;

	if (!action || !*action)
		return ca_strdup(page);
	if (ca_starts_with(action, "http://") || ca_starts_with(action, "https://"))
		return ca_strdup(action);
	if (!scheme)
		return NULL;
	host_end = strchr(scheme + 3, '/');
	if (!host_end)
		host_end = page + strlen(page);
	if (action[0] == '/') {
		ca_buf_add(&b, page, (size_t)(host_end - page));
	} else {
		q = strchr(page, '?');
		if (!q)
			q = page + strlen(page);
		while (q > host_end && q[-1] != '/')
			q--;
		ca_buf_add(&b, page, (size_t)(q - page));
		if (q == host_end)
			ca_buf_addch(&b, '/');
	}
	ca_buf_adds(&b, action);
	return ca_buf_detach(&b, NULL);
}

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
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_SKIP, "the app offers no hosted-UI "
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
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_FAIL, "GET %s did not redirect to the "
				     "hosted UI (%s).", login, rc != CA_OK ? ca_err_msg(&err)
									 : "no 302 with a Location");
		goto out;
	}
	ca_err_clear(&err);
	rc = vweb_request(hw, "GET", start.location, NULL, true, &page, &err);
	if (rc == CA_ENOMEM)
		goto out;
	if (rc != CA_OK) {
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_SKIP, "the hosted UI cannot be reached "
				     "from here (%s)", ca_err_msg(&err));
		goto out;
	}
	if (!ca_buf_ok(&page.body) || !fill_form(page.body.data, run->email, run->password,
						 &action, &fields)) {
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_FAIL, "The hosted UI page %s (HTTP %ld) "
				     "has no sign-in form with a password field; open it in a "
				     "browser to see what it shows.", page.url ? page.url : "?",
				     page.status);
		goto out;
	}
	target = resolve(page.url ? page.url : start.location, action);
	if (!target || !ca_buf_ok(&fields)) {
		rc = CA_ENOMEM;
		goto out;
	}
	ca_err_clear(&err);
	rc = vweb_post_form(hw, target, fields.data, true, &back, &err);
	if (rc == CA_ENOMEM)
		goto out;
	if (rc != CA_OK) {
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_FAIL, "Sending the hosted UI's sign-in "
				     "form failed: %s", ca_err_msg(&err));
		goto out;
	}
	rc = vweb_request(hw, "GET", "/api/me", NULL, false, &me, &err);
	if (rc == CA_ENOMEM)
		goto out;
	who = rc == CA_OK && me.status == 200 ? json_loadb(me.body.data, me.body.len, 0, NULL)
					      : NULL;
	email = json_string_value(json_object_get(who, "email"));
	if (!email || strcmp(email, run->email) != 0)
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_FAIL, "After the hosted UI's sign-in "
				     "(ending at %s, HTTP %ld) the app has no session for the test "
				     "user: check the app client's callback URL (it must be the "
				     "app's base_url + /callback) and the app's log.",
				     back.url ? back.url : "?", back.status);
	else
		rc = verify_step_add(run, VERIFY_STEP_HOSTED_UI, VERIFY_PASS, NULL);
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
