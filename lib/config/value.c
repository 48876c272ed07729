#include "config/value.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "util/strutil.h"
#include "util/banned.h"

#define URL_MAX 2048
#define DURATION_MAX (100L * 366 * 24 * 3600)

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool ca_value_int(const char *s, long *out)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (!is_digit(*p))
		return false;
	return ca_parse_long(s, LONG_MIN, LONG_MAX, out);
}

bool ca_value_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		*out = false;
		return true;
	}
	return false;
}

static long unit_seconds(char u)
{
	switch (u) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	default: return 0;
	}
}

bool ca_value_duration(const char *s, long *seconds)
{
	long total = 0, n, unit, last_unit = LONG_MAX;
	const char *p = s;

	if (!is_digit(*p))
		return false;
	while (*p) {
		n = 0;
		if (!is_digit(*p))
			return false;
		while (is_digit(*p)) {
			if (n > DURATION_MAX)
				return false;
			n = n * 10 + (*p++ - '0');
		}
		if (!*p && p == s + strspn(s, "0123456789")) {
			unit = 1;       /* a bare number: seconds */
		} else {
			unit = unit_seconds(*p);
			if (!unit || unit >= last_unit)
				return false;
			p++;
		}
		last_unit = unit;
		if (n > DURATION_MAX / unit || total > DURATION_MAX - n * unit)
			return false;
		total += n * unit;
	}
	*seconds = total;
	return true;
}

static bool host_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n > CA_HOST_MAX || h[0] == '-' || h[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!is_alpha(h[i]) && !is_digit(h[i]) && h[i] != '-' && h[i] != '.' && h[i] != '_')
			return false;
	return true;
}

static bool ipv6_ok(const char *h, size_t n)
{
	size_t i;

	if (n < 2 || n > CA_HOST_MAX || !memchr(h, ':', n))
		return false;
	for (i = 0; i < n; i++)
		if (!is_digit(h[i]) && !strchr("abcdefABCDEF:.", h[i]))
			return false;
	return true;
}

static bool port_ok(const char *p, size_t n, int *port)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port = (int)v;
	return true;
}

bool ca_value_hostport(const char *s, struct ca_hostport *out)
{
	const char *host = s, *colon, *end;
	size_t hlen;
	int port;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return false;
		host = s + 1;
		hlen = (size_t)(end - host);
		if (!ipv6_ok(host, hlen))
			return false;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		hlen = (size_t)(colon - s);
		if (!host_ok(host, hlen))
			return false;
	}
	if (!port_ok(colon + 1, strlen(colon + 1), &port))
		return false;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	out->port = port;
	return true;
}

static bool scheme_allowed(const char *s, size_t n, const char *const *schemes)
{
	static const char *const web[] = { "http", "https", NULL };
	size_t i;

	if (!schemes)
		schemes = web;
	for (i = 0; schemes[i]; i++)
		if (strlen(schemes[i]) == n && strncasecmp(s, schemes[i], n) == 0)
			return true;
	return false;
}

const char *ca_value_url_problem(const char *s, const char *const *schemes)
{
	const char *p, *auth, *auth_end, *host, *at, *colon;
	size_t n, i;
	int port;

	n = strlen(s);
	if (n > URL_MAX)
		return "it is longer than 2048 characters";
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return "it contains spaces, control or non-ASCII characters";
	p = strstr(s, "://");
	if (!p || p == s || !is_alpha(s[0]))
		return "it does not start with a scheme such as http://";
	for (i = 0; s + i < p; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("+.-", s[i]))
			return "its scheme has characters a scheme cannot have";
	if (!scheme_allowed(s, (size_t)(p - s), schemes))
		return "its scheme is not one accepted here";
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (host = auth; host < auth_end; host++)
		if (*host == '@')
			at = host;
	host = at ? at + 1 : auth;
	if (host == auth_end)
		return "it has no host";
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(auth_end - host));

		if (!close || !ipv6_ok(host + 1, (size_t)(close - host - 1)))
			return "its IPv6 host is malformed";
		colon = close + 1 < auth_end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return "its host is malformed";
	} else {
		colon = memchr(host, ':', (size_t)(auth_end - host));
		if (!host_ok(host, (size_t)((colon ? colon : auth_end) - host)))
			return "its host name is malformed";
	}
	if (colon && !port_ok(colon + 1, (size_t)(auth_end - colon - 1), &port))
		return "its port is not a number from 1 to 65535";
	return NULL;
}
