#include "http/csrf.h"

#include <string.h>
#include <strings.h>

#include "http/urlcode.h"
#include "util/banned.h"

#define CSRF_LABEL "csrf-token\n"

void ca_csrf_token_for(const uint8_t key[CA_SHA256_LEN], const char *binding,
		       char out[CA_CSRF_TOKEN_LEN + 1])
{
	uint8_t mac[CA_SHA256_LEN];
	char msg[256];
	size_t label = strlen(CSRF_LABEL), n = strnlen(binding, sizeof(msg) - label);

	memcpy(msg, CSRF_LABEL, label);
	memcpy(msg + label, binding, n);
	ca_hmac_sha256(key, CA_SHA256_LEN, msg, label + n, mac);
	ca_base64url_encode(mac, sizeof(mac), out);
	memset(mac, 0, sizeof(mac));
}

int ca_csrf_set_cookie(struct ca_http_response *resp, const char *token, bool secure,
		       long max_age_s, struct ca_err *err)
{
	struct ca_http_cookie_attrs attrs = { "/", max_age_s > 0 ? max_age_s : -1, false, secure,
					      "Lax" };

	if (ca_http_set_cookie(resp, CA_CSRF_COOKIE, token, &attrs) != CA_OK)
		return ca_err_set(err, CA_ENOMEM, "Out of memory setting the CSRF cookie.");
	return CA_OK;
}

bool ca_csrf_method_changes_state(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

int ca_csrf_check(const struct ca_http_request *req, const char *expected, struct ca_err *err)
{
	const char *header;

	if (!ca_csrf_method_changes_state(req->method))
		return CA_OK;
	header = ca_http_header(req, CA_CSRF_HEADER);
	if (!header)
		return ca_err_set(err, CA_HTTP_CSRF,
				  "Send the csrf_token cookie's value in the X-CSRF-Token header.");
	if (!expected || strlen(expected) != CA_CSRF_TOKEN_LEN ||
	    !ca_consttime_eq(expected, CA_CSRF_TOKEN_LEN, header, strlen(header)))
		return ca_err_set(err, CA_HTTP_CSRF,
				  "The X-CSRF-Token header is not this session's token; reload the "
				  "page (or sign in again) and retry.");
	return CA_OK;
}

/* The length of url's "scheme://authority" part, 0 when it has none. */
static size_t origin_len(const char *url)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	size_t n;

	if (!sep || sep == url)
		return 0;
	n = (size_t)(sep - url) + 3;
	n += strcspn(url + n, "/?#");
	return n;
}

/* true when origin (scheme://host[:port]) names host (host[:port], the Host header). */
static bool origin_is_host(const char *origin, const char *host)
{
	const char *sep = strstr(origin, "://");

	return sep && host && *host && strcasecmp(sep + 3, host) == 0;
}

int ca_csrf_origin_check(const struct ca_http_request *req, const char *base_url,
			 struct ca_err *err)
{
	const char *site, *origin;
	size_t base_n = origin_len(base_url);

	if (!ca_csrf_method_changes_state(req->method))
		return CA_OK;
	site = ca_http_header(req, "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return ca_err_set(err, CA_HTTP_CSRF, "This request comes from another site "
				  "(Sec-Fetch-Site: %s); send it from this app's own pages.",
				  strcmp(site, "same-site") == 0 ? "same-site" : "cross-site");
	origin = ca_http_header(req, "Origin");
	if (!origin)
		return CA_OK;
	if (origin_len(origin) == strlen(origin) && origin_len(origin) > 0 &&
	    ((base_n && strlen(origin) == base_n && strncasecmp(origin, base_url, base_n) == 0) ||
	     origin_is_host(origin, ca_http_header(req, "Host"))))
		return CA_OK;
	return ca_err_set(err, CA_HTTP_CSRF, "This request comes from another origin than this "
			  "app's; send it from this app's own pages.");
}
