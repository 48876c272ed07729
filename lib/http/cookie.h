/*
 * cookie.h — reading the Cookie request header and writing Set-Cookie values.
 * The Cookie header is untrusted: parsing is lenient (a malformed pair is
 * skipped, as browsers do) and bounded (at most CA_HTTP_COOKIE_MAX pairs and
 * CA_HTTP_COOKIE_HEADER_MAX bytes are looked at).
 */
#ifndef CA_HTTP_COOKIE_H
#define CA_HTTP_COOKIE_H

#include <stdbool.h>

#include "http/kv.h"
#include "util/buf.h"

#define CA_HTTP_COOKIE_MAX 64
#define CA_HTTP_COOKIE_HEADER_MAX 8192

/*
 * Appends the pairs of a Cookie header value ("a=1; b=2") to out. Names must be
 * RFC 6265 tokens; a value in double quotes loses them; pairs with bad names,
 * bad value bytes or no '=' are skipped. Bytes past CA_HTTP_COOKIE_HEADER_MAX
 * and pairs past CA_HTTP_COOKIE_MAX are ignored. CA_OK or CA_ENOMEM.
 */
int ca_http_cookie_parse(const char *header, struct ca_http_kv *out);

struct ca_http_cookie_attrs {
	const char *path;      /* NULL: "/" */
	long max_age;          /* seconds; < 0: a browser-session cookie; 0: delete now */
	bool http_only;
	bool secure;
	const char *same_site; /* "Lax", "Strict", "None" or NULL for none */
};

/* true when name is a cookie-name token and value only cookie-octets (RFC 6265 §4.1.1). */
bool ca_http_cookie_valid(const char *name, const char *value);
/*
 * Writes a Set-Cookie header value for name=value with attrs into out (appended).
 * CA_EINVAL when the name or value is not valid (nothing written), CA_ENOMEM.
 */
int ca_http_cookie_format(struct ca_buf *out, const char *name, const char *value,
			  const struct ca_http_cookie_attrs *attrs);

#endif
