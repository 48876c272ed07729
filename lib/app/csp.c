/*
 * csp.c — the Content-Security-Policy the server sends. The default img-src
 * allows 'self', data:, blob: and any https: origin. Two configured origins
 * may need more, and img-src then names exactly them:
 *   - S3 storage on a custom http endpoint (the local stand-in): the browser
 *     follows the image redirects to that endpoint's origin;
 *   - server.tile_url on http:// (a LAN or offline tile server): Leaflet loads
 *     the map tiles from that origin ("{s}." in front of the host, Leaflet's
 *     subdomain letter, becomes the CSP wildcard "*.").
 * Real AWS and https tile servers are already allowed by the default policy.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/endpoint.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* true when host ("name", "name:port", "[v6]:port", "*.name") can stand in a CSP source as is. */
static bool csp_safe_host(const char *host)
{
	const char *c;

	if (!host || !*host)
		return false;
	c = host;
	if (strncmp(c, "*.", 2) == 0 && c[2])
		c += 2;
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-' || *c == ':' || *c == '[' || *c == ']'))
			return false;
	return true;
}

/* The default policy with origins (" a b", each after a space) added at the end of its img-src directive. */
static char *policy_with_image_origins(const char *origins)
{
	static const char base[] = CA_HTTP_DEFAULT_CSP;
	const char *img = strstr(base, "img-src ");
	struct ca_buf b = CA_BUF_INIT;
	size_t at;

	if (!img)
		return NULL;
	at = (size_t)(img - base) + strcspn(img, ";");
	ca_buf_add(&b, base, at);
	ca_buf_adds(&b, origins);
	ca_buf_adds(&b, base + at);
	return ca_buf_detach(&b, NULL);
}

/* Adds " http://host" for an S3 endpoint that is not AWS's own, if any. */
static int add_s3_origin(const struct serve_config *cfg, struct ca_buf *origins,
			 struct ca_err *err)
{
	struct aws_endpoint ep;
	struct ca_err step;
	int rc;

	memset(&ep, 0, sizeof(ep));
	if (cfg->storage.kind != SERVE_STORAGE_S3)
		return CA_OK;
	ca_err_clear(&step);
	/* the region only shapes AWS's own host names, which the default policy covers */
	rc = aws_endpoint_resolve(AWS_SVC_S3, cfg->aws.region ? cfg->aws.region : "us-east-1",
				  cfg->aws.endpoint, &ep, &step);
	if (rc != CA_OK) {
		rc = ca_err_set(err, rc, "aws.endpoint: %s", ca_err_msg(&step));
		goto out;
	}
	if (strcmp(ep.source, "default") == 0)
		goto out;
	if (!csp_safe_host(ep.host)) {
		rc = ca_err_set(err, CA_EINVAL,
				"aws.endpoint: the S3 endpoint host %.100s cannot be named in a "
				"Content-Security-Policy.",
				ep.host);
		goto out;
	}
	ca_buf_addf(origins, " %s://%s", ep.https ? "https" : "http", ep.host);
out:
	aws_endpoint_release(&ep);
	return rc;
}

/*
 * Adds " http://host[:port]" for a tile_url on plain http (https: and same-origin
 * paths are allowed already). The host is what comes before the first '/', '?'
 * or '#'; a leading "{s}." becomes "*.".
 */
static int add_tile_origin(const struct serve_config *cfg, struct ca_buf *origins,
			   struct ca_err *err)
{
	static const char scheme[] = "http://";
	const char *url = cfg->server.tile_url;
	struct ca_buf host = CA_BUF_INIT;
	const char *h;
	size_t n;
	int rc = CA_OK;

	if (!url || strncasecmp(url, scheme, sizeof(scheme) - 1) != 0)
		return CA_OK;
	h = url + sizeof(scheme) - 1;
	n = strcspn(h, "/?#");
	if (n > 5 && strncmp(h, "{s}.", 4) == 0) {
		ca_buf_adds(&host, "*.");
		ca_buf_add(&host, h + 4, n - 4);
	} else {
		ca_buf_add(&host, h, n);
	}
	if (!ca_buf_ok(&host)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	if (!csp_safe_host(host.data) || strchr(host.data, '@')) {
		rc = ca_err_set(err, CA_EINVAL,
				"server.tile_url: the host of %.200s cannot be named in a "
				"Content-Security-Policy; give a template like "
				"http://tiles.lan:8081/{z}/{x}/{y}.png.",
				url);
		goto out;
	}
	ca_buf_addf(origins, " http://%s", host.data);
out:
	ca_buf_release(&host);
	return rc;
}

int app_csp_build(const struct serve_config *cfg, char **out, struct ca_err *err)
{
	struct ca_buf origins = CA_BUF_INIT;
	int rc;

	*out = NULL;
	rc = add_s3_origin(cfg, &origins, err);
	if (rc == CA_OK)
		rc = add_tile_origin(cfg, &origins, err);
	if (rc != CA_OK)
		goto out;
	if (!ca_buf_ok(&origins)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	if (origins.len == 0)
		goto out;
	*out = policy_with_image_origins(origins.data);
	if (!*out)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
out:
	ca_buf_release(&origins);
	return rc;
}

const char *ca_app_content_security_policy(const struct ca_app *app)
{
	return app->csp;
}
