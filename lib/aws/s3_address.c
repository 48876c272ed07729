/*
 * s3_address.c — virtual-hosted or path-style addressing of S3 objects
 * (s3_address.h).
 */
#include "aws/s3_address.h"

#include <string.h>

#include "util/error.h"

#include "aws/sigv4_canon.h"
#include "util/banned.h"

/* A bucket name that can be a DNS label in front of the endpoint host (no dots: TLS). */
static bool bucket_dns_label(const char *b)
{
	size_t i, n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-'))
			return false;
	return true;
}

bool aws_s3_virtual_host(const struct aws_endpoint *ep, const char *bucket)
{
	return bucket && !ep->s3_path_style && ep->source && strcmp(ep->source, "default") == 0 &&
	       bucket_dns_label(bucket);
}

void aws_s3_address(const struct aws_endpoint *ep, const char *bucket, const char *key,
		    struct ca_buf *host, struct ca_buf *path)
{
	size_t start = path->len;

	if (aws_s3_virtual_host(ep, bucket)) {
		ca_buf_addf(host, "%s.%s", bucket, ep->host);
	} else {
		ca_buf_adds(host, ep->host);
		if (bucket) {
			ca_buf_addch(path, '/');
			aws_uri_encode_buf(path, bucket, strlen(bucket), true);
		}
	}
	if (key && *key) {
		ca_buf_addch(path, '/');
		aws_uri_encode_buf(path, key, strlen(key), false);
	} else if (path->len == start) {
		ca_buf_addch(path, '/');
	}
}

int aws_s3_object_url(const struct aws_endpoint *ep, const char *bucket, const char *key,
		      struct ca_buf *url)
{
	struct ca_buf host = CA_BUF_INIT, path = CA_BUF_INIT;
	int rc = CA_ENOMEM;

	aws_s3_address(ep, bucket, key, &host, &path);
	if (!ca_buf_ok(&host) || !ca_buf_ok(&path))
		goto out;
	if (aws_s3_virtual_host(ep, bucket))
		ca_buf_addf(url, "%s://%s", ep->https ? "https" : "http", host.data);
	else
		ca_buf_adds(url, ep->url); /* scheme, host and any base path */
	ca_buf_adds(url, path.data);
	if (ca_buf_ok(url))
		rc = CA_OK;
out:
	ca_buf_release(&host);
	ca_buf_release(&path);
	return rc;
}
