#include "aws/endpoint.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/url.h"
#include "util/banned.h"

#define ENDPOINT_URL_MAX 2048

void aws_endpoint_release(struct aws_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->url);
	free(ep->host);
	free(ep->hostname);
	free(ep->signing_region);
	memset(ep, 0, sizeof(*ep));
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A DNS name: labels of letters, digits, '-' and '_' separated by single dots. */
static bool valid_dns_name(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 || (n > 1 && s[n - 1] == '.'); /* a trailing dot is allowed */
}

/* Path characters allowed without question: unreserved, sub-delims, ':', '@', '%', '/'. */
static bool valid_path(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (is_alnum(c) || strchr("-._~!$&'()*+,;=:@/%", c))
			continue;
		return false;
	}
	return true;
}

static bool is_localhost(const char *host)
{
	return ca_starts_with(host, "localhost") || !strcasecmp(host, "localhost");
}

/* The sentence for a URL ca_url_split refused (after the checks that come first). */
static int split_error(enum ca_url_error e, const char *what, const char *url,
		       struct ca_err *err)
{
	switch (e) {
	case CA_URL_IPV6_UNCLOSED:
		return ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" has an IPv6 "
				  "address without its closing ']'", what, url);
	case CA_URL_PORT_RANGE:
		return ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" has a port that is "
				  "not a number from 1 to 65535", what, url);
	default:        /* AFTER_HOST, PORT_MALFORMED */
		return ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" has a malformed "
				  "port", what, url);
	}
}

int aws_endpoint_parse_url(const char *url, const char *what, struct aws_endpoint *out,
			   struct ca_err *err)
{
	struct aws_endpoint ep = { 0 };
	struct ca_buf b = CA_BUF_INIT;
	struct ca_url u;
	enum ca_url_error split;
	const char *path_e;
	char *hostname = NULL;
	bool ip = false;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	if (!what)
		what = "the endpoint URL";
	if (!url || !*url) {
		rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s is empty; give a URL such as "
				"http://127.0.0.1:5000", what);
		goto fail;
	}
	if (strlen(url) > ENDPOINT_URL_MAX) {
		rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s is longer than %d characters",
				what, ENDPOINT_URL_MAX);
		goto fail;
	}
	split = ca_url_split(url, &u);
	ep.https = ca_url_scheme_is(&u, "https");
	if (split == CA_URL_NO_SCHEME || !(ep.https || ca_url_scheme_is(&u, "http"))) {
		rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" must start with http:// "
				"or https://", what, url);
		goto fail;
	}
	if (u.has_query || u.has_fragment) {
		rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" must not have a query "
				"or fragment", what, url);
		goto fail;
	}
	if (u.has_userinfo) {
		rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" must not carry a user "
				"name or password", what, url);
		goto fail;
	}
	if (split != CA_URL_OK) {
		rc = split_error(split, what, url, err);
		goto fail;
	}
	hostname = ca_strndup(u.host, u.host_len);
	if (!hostname) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto fail;
	}
	if (u.ipv6) {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, hostname, &a6) != 1) {
			rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" has a malformed "
					"IPv6 address", what, url);
			goto fail;
		}
		ip = true;
	} else {
		struct in_addr a4;

		if (!valid_dns_name(hostname, strlen(hostname))) {
			rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" has no valid host "
					"name", what, url);
			goto fail;
		}
		ip = inet_pton(AF_INET, hostname, &a4) == 1;
	}
	path_e = u.path + u.path_len;
	while (path_e > u.path && path_e[-1] == '/')
		path_e--;
	if (!valid_path(u.path, (size_t)(path_e - u.path))) {
		rc = ca_err_set(err, CA_AWS_BAD_ENDPOINT, "%s \"%.200s\" has characters that are "
				"not allowed in a URL path", what, url);
		goto fail;
	}
	ep.port = u.port ? (int)u.port : (ep.https ? 443 : 80);
	ep.s3_path_style = ip || is_localhost(hostname);

	/* Host header form: port only when explicit and not the default */
	if (u.ipv6)
		ca_buf_addf(&b, "[%s]", hostname);
	else
		ca_buf_adds(&b, hostname);
	if (u.port && u.port != (ep.https ? 443 : 80))
		ca_buf_addf(&b, ":%ld", u.port);
	ep.host = ca_buf_detach(&b, NULL);
	ca_buf_addf(&b, "%s://%s%.*s", ep.https ? "https" : "http", ep.host ? ep.host : "",
		    (int)(path_e - u.path), u.path);
	ep.url = ca_buf_detach(&b, NULL);
	ep.hostname = hostname;
	hostname = NULL;
	if (!ep.host || !ep.url) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto fail;
	}
	*out = ep;
	return CA_OK;
fail:
	free(hostname);
	ca_buf_release(&b);
	aws_endpoint_release(&ep);
	return rc;
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);

	return v && !strcasecmp(v, "true");
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The partition's DNS suffix and, for global services, the region they are signed for. */
static void partition_of(const char *region, const char **suffix, const char **home)
{
	if (ca_starts_with(region, "cn-")) {
		*suffix = "amazonaws.com.cn";
		*home = "cn-north-1";
	} else if (ca_starts_with(region, "us-gov-")) {
		*suffix = "amazonaws.com";
		*home = "us-gov-west-1";
	} else {
		*suffix = "amazonaws.com";
		*home = "us-east-1";
	}
}

static int default_url(const struct aws_service_meta *si, const char *region, char **url,
		       const char **signing_region)
{
	struct ca_buf b = CA_BUF_INIT;
	const char *suffix, *home;

	partition_of(region, &suffix, &home);
	*signing_region = region;
	if (si->global) {
		*signing_region = home;
		if (!strcmp(home, "us-east-1"))
			ca_buf_addf(&b, "https://%s.%s", si->endpoint_prefix, suffix);
		else if (!strcmp(home, "us-gov-west-1"))
			ca_buf_addf(&b, "https://%s.us-gov.%s", si->endpoint_prefix, suffix);
		else
			ca_buf_addf(&b, "https://%s.%s.%s", si->endpoint_prefix, home, suffix);
	} else {
		ca_buf_addf(&b, "https://%s.%s.%s", si->endpoint_prefix, region, suffix);
	}
	*url = ca_buf_detach(&b, NULL);
	return *url ? CA_OK : CA_ENOMEM;
}

int aws_endpoint_resolve(enum aws_service svc, const char *region,
			 const char *configured_endpoint, struct aws_endpoint *out,
			 struct ca_err *err)
{
	const struct aws_service_meta *si = aws_service_meta(svc);
	struct aws_endpoint ep = { 0 };
	char *url = NULL;
	const char *chosen = NULL, *source = NULL, *signing_region = region;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!si)
		return ca_err_set(err, CA_EINVAL, "unknown AWS service number %d", (int)svc);
	if (!ca_region_name_valid(region))
		return ca_err_set(err, CA_EINVAL, "AWS region \"%.64s\" is not a region name such "
				  "as ap-southeast-1 (lowercase letters, digits and '-')",
				  region ? region : "");
	if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		if ((chosen = env_nonempty(si->env_var)))
			source = si->env_var;
		else if ((chosen = env_nonempty("AWS_ENDPOINT_URL")))
			source = "AWS_ENDPOINT_URL";
	}
	if (!chosen && configured_endpoint && *configured_endpoint) {
		chosen = configured_endpoint;
		source = "config";
	}
	if (chosen) {
		rc = aws_endpoint_parse_url(chosen, strcmp(source, "config") ? source :
					    "aws.endpoint in the config", &ep, err);
		if (rc)
			return rc;
	} else {
		rc = default_url(si, region, &url, &signing_region);
		if (rc)
			return ca_err_set(err, rc, "out of memory");
		rc = aws_endpoint_parse_url(url, "the default AWS endpoint", &ep, err);
		free(url);
		if (rc)
			return rc;
		ep.s3_path_style = false;
		source = "default";
	}
	ep.source = source;
	ep.signing_name = si->signing_name;
	ep.signing_region = ca_strdup(signing_region);
	if (!ep.signing_region) {
		aws_endpoint_release(&ep);
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	*out = ep;
	return CA_OK;
}
