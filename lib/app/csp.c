/*
 * csp.c — the Content-Security-Policy the server sends. With S3 storage on a
 * custom endpoint (the local stand-in), the browser follows the image
 * redirects to that endpoint's origin, so img-src names exactly that origin;
 * real AWS is https and already allowed by the default policy.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* true when host ("name", "name:port", "[v6]:port") can stand in a CSP source as is. */
static bool csp_safe_host(const char *host)
{
	const char *c;

	if (!host || !*host)
		return false;
	for (c = host; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-' || *c == ':' || *c == '[' || *c == ']'))
			return false;
	return true;
}

/* The default policy with origin added at the end of its img-src directive. */
static char *policy_with_image_origin(const char *origin)
{
	static const char base[] = CA_HTTP_DEFAULT_CSP;
	const char *img = strstr(base, "img-src ");
	struct ca_buf b = CA_BUF_INIT;
	size_t at;

	if (!img)
		return NULL;
	at = (size_t)(img - base) + strcspn(img, ";");
	ca_buf_add(&b, base, at);
	ca_buf_addf(&b, " %s", origin);
	ca_buf_adds(&b, base + at);
	return ca_buf_detach(&b, NULL);
}

int app_csp_build(const struct serve_config *cfg, char **out, struct ca_err *err)
{
	struct aws_endpoint ep;
	struct ca_buf origin = CA_BUF_INIT;
	struct ca_err step;
	int rc = CA_OK;

	*out = NULL;
	memset(&ep, 0, sizeof(ep));
	if (cfg->storage.kind != SERVE_STORAGE_S3)
		return CA_OK;
	ca_err_clear(&step);
	/* the region only shapes AWS's own host names, which the default policy covers */
	rc = aws_endpoint_resolve(AWS_SVC_S3, cfg->aws.region ? cfg->aws.region : "us-east-1",
				  cfg->aws.endpoint, &ep, &step);
	if (rc != CA_OK) {
		rc = ca_err_set(err, rc, "%s", ca_err_msg(&step));
		goto out;
	}
	if (strcmp(ep.source, "default") == 0)
		goto out;
	if (!csp_safe_host(ep.host)) {
		rc = ca_err_set(err, CA_EINVAL,
				"The S3 endpoint host %.100s cannot be named in a Content-Security-Policy.",
				ep.host);
		goto out;
	}
	ca_buf_addf(&origin, "%s://%s", ep.https ? "https" : "http", ep.host);
	if (ca_buf_ok(&origin))
		*out = policy_with_image_origin(origin.data);
	if (!*out)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
out:
	ca_buf_release(&origin);
	aws_endpoint_release(&ep);
	return rc;
}

const char *ca_app_content_security_policy(const struct ca_app *app)
{
	return app->csp;
}
