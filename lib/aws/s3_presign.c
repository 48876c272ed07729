/*
 * s3_presign.c — presigned S3 URLs (see s3_presign.h).
 */
#include "aws/s3_presign.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4.h"
#include "aws/sigv4_canon.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/url.h"
#include "util/banned.h"

/* The pieces of a URL, pointing into it; host_header is built (lower case, port when
 * not the default). */
struct url_parts {
	const char *prefix;      /* "scheme://authority" */
	size_t prefix_len;
	const char *path;        /* up to '?' or the end; may be empty */
	size_t path_len;
	const char *query;       /* after '?', NULL when none */
	struct ca_buf host_header;
};

static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static int bad_url(struct ca_err *err, const char *why)
{
	return ca_err_set(err, CA_AWS_BAD_ENDPOINT, "Bad URL: %s.", why);
}

static int parse_url(const char *url, struct url_parts *u, struct ca_err *err)
{
	static const char *const split_errors[] = {
		[CA_URL_IPV6_UNCLOSED] = "an IPv6 address is missing its ']'",
		[CA_URL_AFTER_HOST] = "unexpected characters after the host",
		[CA_URL_PORT_MALFORMED] = "the port must be a number from 1 to 65535",
		[CA_URL_PORT_RANGE] = "the port must be a number from 1 to 65535",
	};
	struct ca_url parts;
	enum ca_url_error split;
	bool https;
	size_t i, len;

	if (!url || !*url)
		return bad_url(err, "none given");
	len = strlen(url);
	if (len > S3_PRESIGN_MAX_URL)
		return ca_err_set(err, CA_ERANGE, "The URL is longer than %d bytes.", S3_PRESIGN_MAX_URL);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f)
			return bad_url(err, "it holds a space, a control character or a non-ASCII byte "
					    "(percent-encode the key, e.g. ' ' as %20)");
	}
	if (strchr(url, '#'))
		return bad_url(err, "it has a #fragment");
	split = ca_url_split(url, &parts);
	https = ca_url_scheme_is(&parts, "https");
	if (split == CA_URL_NO_SCHEME || !(https || ca_url_scheme_is(&parts, "http")))
		return bad_url(err, "it must start with http:// or https://");
	if (parts.has_userinfo)
		return bad_url(err, "user names and passwords (user@host) are not allowed");
	if (split == CA_URL_IPV6_UNCLOSED || (parts.ipv6 && parts.host_len == 0))
		return bad_url(err, split_errors[CA_URL_IPV6_UNCLOSED]);
	for (i = 0; i < parts.host_len; i++)
		if (parts.ipv6 ? !strchr("0123456789abcdefABCDEF:.", parts.host[i])
			       : !is_host_char(parts.host[i]))
			return bad_url(err, parts.ipv6 ? "the IPv6 address holds a character it cannot have"
						       : "the host name holds a character it cannot have");
	if (parts.host_len == 0)
		return bad_url(err, "it has no host");
	if (split != CA_URL_OK)
		return bad_url(err, split_errors[split]);
	u->prefix = url;
	u->prefix_len = (size_t)(parts.authority + parts.authority_len - url);
	u->path = parts.path;
	u->path_len = parts.path_len;
	u->query = parts.has_query ? parts.query : NULL;
	/* the Host header: lower case, the IPv6 literal in its brackets */
	if (parts.ipv6)
		ca_buf_addch(&u->host_header, '[');
	for (i = 0; i < parts.host_len; i++) {
		char c = parts.host[i];

		ca_buf_addch(&u->host_header, (char)((c >= 'A' && c <= 'Z') ? c + 32 : c));
	}
	if (parts.ipv6)
		ca_buf_addch(&u->host_header, ']');
	if (parts.port && parts.port != (https ? 443 : 80))
		ca_buf_addf(&u->host_header, ":%ld", parts.port);
	return ca_buf_ok(&u->host_header) ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

int s3_presign_url(const struct s3_presign_request *r, char **out, struct ca_err *err)
{
	struct url_parts u;
	struct sigv4_request req;
	struct sigv4_params p;
	struct sigv4_signed s;
	struct sigv4_header host;
	struct ca_buf path = CA_BUF_INIT, result = CA_BUF_INIT;
	int rc;

	memset(&u, 0, sizeof(u));
	ca_buf_init(&u.host_header);
	memset(&s, 0, sizeof(s));
	if (!out)
		return ca_err_set(err, CA_EINVAL, "Nowhere to put the presigned URL (out is NULL).");
	*out = NULL;
	if (!r) {
		rc = ca_err_set(err, CA_EINVAL, "Nothing to presign.");
		goto out;
	}
	rc = parse_url(r->url, &u, err);
	if (rc)
		goto out;
	/* the URL carries the path as S3 reads it, so as it is signed ('$' -> %24) */
	if (u.path_len)
		rc = aws_s3_path_encode_buf(&path, u.path, u.path_len);
	else
		rc = ca_buf_addch(&path, '/');
	if (rc || !ca_buf_ok(&path)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	host.name = "host";
	host.value = u.host_header.data;
	memset(&req, 0, sizeof(req));
	memset(&p, 0, sizeof(p));
	req.method = r->method ? r->method : "GET";
	req.path = path.data;
	req.query = u.query;
	req.headers = &host;
	req.n_headers = 1;
	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	p.creds = r->creds;
	p.region = r->region;
	p.service = "s3";
	p.when = r->when;
	p.s3 = true;
	p.expires = r->expires;
	rc = sigv4_sign_query(&req, &p, &s, err);
	if (rc)
		goto out;
	ca_buf_add(&result, u.prefix, u.prefix_len);
	ca_buf_adds(&result, path.data);
	ca_buf_addch(&result, '?');
	ca_buf_adds(&result, s.query);
	*out = ca_buf_detach(&result, NULL);
	if (!*out)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
out:
	sigv4_signed_release(&s);
	ca_buf_release(&u.host_header);
	ca_buf_release(&path);
	ca_buf_release(&result);
	return rc;
}
