#include "http/csrf.h"

#include <string.h>

#include "http/urlcode.h"
#include "util/crypto.h"
#include "util/banned.h"

int ca_csrf_issue(struct ca_http_response *resp, bool secure, long max_age_s,
		  char out[CA_CSRF_TOKEN_LEN + 1], struct ca_err *err)
{
	struct ca_http_cookie_attrs attrs = { "/", max_age_s > 0 ? max_age_s : -1, false, secure,
					      "Lax" };
	uint8_t raw[32];

	out[0] = '\0';
	if (ca_random_bytes(raw, sizeof(raw)) != CA_OK)
		return ca_err_set(err, CA_EIO, "No randomness available for a CSRF token.");
	ca_base64url_encode(raw, sizeof(raw), out);
	if (ca_http_set_cookie(resp, CA_CSRF_COOKIE, out, &attrs) != CA_OK)
		return ca_err_set(err, CA_ENOMEM, "Out of memory setting the CSRF cookie.");
	return CA_OK;
}

bool ca_csrf_method_changes_state(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

static bool token_well_formed(const char *t)
{
	uint8_t raw[32];
	size_t n = 0;

	return t && strlen(t) == CA_CSRF_TOKEN_LEN &&
	       ca_base64url_decode(t, CA_CSRF_TOKEN_LEN, raw, sizeof(raw), &n) && n == sizeof(raw);
}

int ca_csrf_check(const struct ca_http_request *req, struct ca_err *err)
{
	const char *cookie, *header;

	if (!ca_csrf_method_changes_state(req->method))
		return CA_OK;
	cookie = ca_http_cookie(req, CA_CSRF_COOKIE);
	header = ca_http_header(req, CA_CSRF_HEADER);
	if (!token_well_formed(cookie))
		return ca_err_set(err, CA_HTTP_CSRF,
				  "The csrf_token cookie is missing; sign in again to get one.");
	if (!header)
		return ca_err_set(err, CA_HTTP_CSRF,
				  "Send the csrf_token cookie's value in the X-CSRF-Token header.");
	if (!ca_consttime_eq(cookie, strlen(cookie), header, strlen(header)))
		return ca_err_set(err, CA_HTTP_CSRF,
				  "The X-CSRF-Token header does not match the csrf_token cookie.");
	return CA_OK;
}
