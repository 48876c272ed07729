#include "http/cookie.h"

#include <string.h>

#include "util/error.h"
#include "util/banned.h"

/* RFC 7230 tchar */
static bool is_token_char(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon, backslash */
static bool is_cookie_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

static bool all_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!is_token_char((unsigned char)s[i]))
			return false;
	return true;
}

static bool all_cookie_octets(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_cookie_octet((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int ca_http_cookie_parse(const char *header, struct ca_http_kv *out)
{
	size_t len, pos = 0, taken = 0;

	if (!header)
		return CA_OK;
	len = strnlen(header, CA_HTTP_COOKIE_HEADER_MAX);
	while (pos < len && taken < CA_HTTP_COOKIE_MAX) {
		size_t start, end, eq;
		const char *name, *value;
		size_t name_len, value_len;

		while (pos < len && (is_ows(header[pos]) || header[pos] == ';'))
			pos++;
		start = pos;
		while (pos < len && header[pos] != ';')
			pos++;
		end = pos;
		while (end > start && is_ows(header[end - 1]))
			end--;
		if (end == start)
			continue;
		for (eq = start; eq < end && header[eq] != '='; eq++)
			;
		if (eq == end)
			continue; /* no '=': not a pair */
		name = header + start;
		name_len = eq - start;
		while (name_len && is_ows(name[name_len - 1]))
			name_len--;
		value = header + eq + 1;
		value_len = end - eq - 1;
		while (value_len && is_ows(*value)) {
			value++;
			value_len--;
		}
		if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
			value++;
			value_len -= 2;
		}
		if (!all_token(name, name_len) || !all_cookie_octets(value, value_len))
			continue;
		if (ca_http_kv_add(out, name, name_len, value, value_len) != CA_OK)
			return CA_ENOMEM;
		taken++;
	}
	return CA_OK;
}

bool ca_http_cookie_valid(const char *name, const char *value)
{
	return name && value && all_token(name, strlen(name)) &&
	       all_cookie_octets(value, strlen(value));
}

int ca_http_cookie_format(struct ca_buf *out, const char *name, const char *value,
			  const struct ca_http_cookie_attrs *attrs)
{
	const char *path = attrs && attrs->path ? attrs->path : "/";

	if (!ca_http_cookie_valid(name, value) || !all_cookie_octets(path, strlen(path)))
		return CA_EINVAL;
	if (attrs && attrs->same_site && !all_token(attrs->same_site, strlen(attrs->same_site)))
		return CA_EINVAL;
	ca_buf_addf(out, "%s=%s; Path=%s", name, value, path);
	if (attrs && attrs->max_age >= 0)
		ca_buf_addf(out, "; Max-Age=%ld", attrs->max_age);
	if (attrs && attrs->max_age == 0)
		ca_buf_adds(out, "; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
	if (attrs && attrs->http_only)
		ca_buf_adds(out, "; HttpOnly");
	if (attrs && attrs->secure)
		ca_buf_adds(out, "; Secure");
	if (attrs && attrs->same_site)
		ca_buf_addf(out, "; SameSite=%s", attrs->same_site);
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}
