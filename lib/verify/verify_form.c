/*
 * verify_form.c — the little HTML reading the hosted-UI step needs: the first form of a
 * page that has a password field, filled in (verify_internal.h). Pages come from the
 * network: every scan is bounded by the text and the tags it has found.
 */
#include "verify/verify_internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/url.h"
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
		bool decoded = false;

		for (k = 0; s[i] == '&' && !decoded && k < sizeof(ents) / sizeof(ents[0]); k++) {
			size_t len = strlen(ents[k].ent);

			if (i + len <= n && strncasecmp(s + i, ents[k].ent, len) == 0) {
				ca_buf_addch(out, ents[k].c);
				i += len;
				decoded = true;
			}
		}
		if (!decoded)
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
		/* a failure marks b, which the caller checks */
		(void)ca_percent_encode(b, parts[k], strlen(parts[k]), false);
		if (k == 0)
			ca_buf_addch(b, '=');
	}
}

/* The sign-in form of an HTML page: its action and the encoded fields. false if none. */
/* The first case-insensitive needle in [p, end), or NULL. */
static const char *find_ci(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p && (size_t)(end - p) >= n; p++)
		if (strncasecmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* The first c in [p, end), or NULL. */
static const char *find_ch(const char *p, const char *end, char c)
{
	return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

bool verify_form_fill(const char *html, const char *email, const char *password,
		      char **action, struct ca_buf *fields)
{
	const char *end = html + strlen(html), *form = html;

	*action = NULL;
	/* forms do not nest: each is read once and the search goes on after it */
	while ((form = find_ci(form, end, "<form")) != NULL) {
		const char *tag_end = find_ch(form, end, '>');
		const char *form_end = tag_end ? find_ci(tag_end, end, "</form") : NULL;
		const char *in;
		bool has_password = false;

		if (!tag_end)
			break;
		if (!form_end)
			form_end = end;
		ca_buf_reset(fields);
		for (in = tag_end; (in = find_ci(in, form_end, "<input")) != NULL; in += 6) {
			const char *in_end = find_ch(in, form_end, '>');
			char *type, *name, *value;

			if (!in_end)
				break;
			type = attr(in + 6, in_end, "type");
			name = attr(in + 6, in_end, "name");
			value = attr(in + 6, in_end, "value");
			if (name && *name) {
				if (type && strcasecmp(type, "password") == 0) {
					add_field(fields, name, password);
					has_password = true;
				} else if (strcasecmp(name, "username") == 0 ||
					   strcasecmp(name, "email") == 0 ||
					   strcasecmp(name, "login") == 0) {
					add_field(fields, name, email);
				} else if (!type || strcasecmp(type, "submit") != 0 || value) {
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
		form = form_end;
	}
	ca_buf_reset(fields);
	return false;
}

/* action resolved against the page's URL; malloc'd. */
char *verify_url_resolve(const char *page, const char *action)
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
