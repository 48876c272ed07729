/* url.c — see url.h. */
#include "util/url.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/strutil.h"
#include "util/banned.h"

#define PORT_MAX_CHARS 7        /* "0000080" still reads as 80 */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The length of "scheme" when url starts with "scheme://", else 0. */
static size_t scheme_length(const char *url)
{
	size_t n = 0;

	if (!is_alpha(url[0]))
		return 0;
	while (is_alpha(url[n]) || is_digit(url[n]) || url[n] == '+' || url[n] == '-' ||
	       url[n] == '.')
		n++;
	return strncmp(url + n, "://", 3) ? 0 : n;
}

/* The port text p[0..n) (after ':') into *port. */
static enum ca_url_error split_port(const char *p, size_t n, long *port)
{
	char digits[PORT_MAX_CHARS + 1];

	if (n == 0 || n > PORT_MAX_CHARS)
		return CA_URL_PORT_MALFORMED;
	memcpy(digits, p, n);
	digits[n] = '\0';
	if (strspn(digits, "0123456789") != n || !ca_parse_long(digits, 1, 65535, port))
		return CA_URL_PORT_RANGE;
	return CA_URL_OK;
}

/* host[:port] or [v6][:port], the authority after any userinfo: a[0..n). */
static enum ca_url_error split_host_port(const char *a, size_t n, struct ca_url *u)
{
	const char *end = a + n, *after;

	if (n && a[0] == '[') {
		const char *close = memchr(a, ']', n);

		if (!close)
			return CA_URL_IPV6_UNCLOSED;
		u->ipv6 = true;
		u->host = a + 1;
		u->host_len = (size_t)(close - a - 1);
		after = close + 1;
		if (after < end && *after != ':')
			return CA_URL_AFTER_HOST;
	} else {
		after = memchr(a, ':', n);
		if (!after)
			after = end;
		u->host = a;
		u->host_len = (size_t)(after - a);
	}
	if (after == end)
		return CA_URL_OK;
	return split_port(after + 1, (size_t)(end - after - 1), &u->port);
}

enum ca_url_error ca_url_split(const char *url, struct ca_url *out)
{
	const char *a, *at = NULL, *p, *rest;
	size_t i, len;

	memset(out, 0, sizeof(*out));
	if (!url || !*url)
		return CA_URL_EMPTY;
	len = strnlen(url, CA_URL_MAX + 1);
	if (len > CA_URL_MAX)
		return CA_URL_TOO_LONG;
	if (!(out->scheme_len = scheme_length(url)))
		return CA_URL_NO_SCHEME;
	out->scheme = url;
	a = url + out->scheme_len + 3;
	out->authority = a;
	out->authority_len = strcspn(a, "/?#");
	for (i = 0; i < out->authority_len; i++)
		if (a[i] == '@')
			at = a + i;
	if (at) {
		out->has_userinfo = true;
		out->userinfo = a;
		out->userinfo_len = (size_t)(at - a);
		a = at + 1;
	}
	rest = out->authority + out->authority_len;
	out->path = rest;
	out->path_len = strcspn(rest, "?#");
	p = rest + out->path_len;
	if (*p == '?') {
		out->has_query = true;
		out->query = p + 1;
		out->query_len = strcspn(p + 1, "#");
		p = out->query + out->query_len;
	}
	if (*p == '#') {
		out->has_fragment = true;
		out->fragment = p + 1;
		out->fragment_len = strlen(p + 1);
	}
	return split_host_port(a, (size_t)(rest - a), out);
}

bool ca_url_scheme_is(const struct ca_url *u, const char *scheme)
{
	return u->scheme && strlen(scheme) == u->scheme_len &&
	       !strncasecmp(u->scheme, scheme, u->scheme_len);
}

static const char upper_hex[] = "0123456789ABCDEF";

/* Ends a direct write into the room ca_buf_grow made: w is one past the last byte. */
static void commit_written(struct ca_buf *out, char *w)
{
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}

static bool is_unreserved(unsigned char c)
{
	return is_alpha((char)c) || is_digit((char)c) || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int ca_percent_encode(struct ca_buf *out, const void *s, size_t len, bool keep_slash)
{
	const unsigned char *p = s;
	char *w;
	size_t i;

	if (len > (SIZE_MAX - 1) / 3 || ca_buf_grow(out, len * 3) != CA_OK)
		return CA_ENOMEM;
	/* written straight into the room just made: the hot path of every signature */
	w = out->data + out->len;
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (is_unreserved(c) || (c == '/' && keep_slash)) {
			*w++ = (char)c;
		} else {
			*w++ = '%';
			*w++ = upper_hex[c >> 4];
			*w++ = upper_hex[c & 0x0f];
		}
	}
	commit_written(out, w);
	return CA_OK;
}

/* AWS's reading: every %XX decoded, anything else (a lone '%' too) kept. */
static void decode_lenient(char *w, const char *s, size_t len, struct ca_buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && len - i >= 3 && (hi = ca_hex_digit(s[i + 1])) >= 0 &&
		    (lo = ca_hex_digit(s[i + 2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			i += 2;
		} else {
			*w++ = s[i];
		}
	}
	commit_written(out, w);
}

int ca_percent_decode(struct ca_buf *out, const char *s, size_t len, unsigned flags)
{
	bool plus_is_space = flags & CA_PCT_PLUS_IS_SPACE;
	char *w;
	size_t i;

	if (ca_buf_grow(out, len) != CA_OK)
		return CA_ENOMEM;
	w = out->data + out->len;
	if (flags & CA_PCT_LENIENT && !plus_is_space) {
		decode_lenient(w, s, len, out);
		return CA_OK;
	}
	for (i = 0; i < len; i++) {
		char c = s[i];
		int hi = -1, lo = -1;

		if (c == '%' && len - i >= 3) {
			hi = ca_hex_digit(s[i + 1]);
			lo = ca_hex_digit(s[i + 2]);
		}
		if (hi >= 0 && lo >= 0 && (flags & CA_PCT_LENIENT || hi || lo)) {
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (!(flags & CA_PCT_LENIENT) && (c == '%' || c == '\0')) {
			commit_written(out, w);
			return CA_EPARSE;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		*w++ = c;
	}
	commit_written(out, w);
	return CA_OK;
}

bool ca_region_name_valid(const char *r)
{
	size_t i, n;

	if (!r)
		return false;
	n = strnlen(r, 65);
	if (n == 0 || n > 64 || r[0] == '-' || r[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || is_digit(r[i]) || r[i] == '-'))
			return false;
	return true;
}
