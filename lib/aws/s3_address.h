/*
 * s3_address.h — how S3 addresses a bucket and key on an endpoint, written once:
 * the client's requests (aws_s3_send, client.c) and the storage backend's
 * presigned URLs (storage/s3.c) both take it from here, so that a URL handed to a
 * browser names the object exactly as a request would.
 *
 * Virtual-hosted ("bucket.<endpoint host>", path "/<key>") only on AWS's own
 * endpoints (source "default", not s3_path_style) and for a bucket name that can
 * be one DNS label (3..63 of a-z, 0-9, '-', no '-' at either end; no dots, which
 * a wildcard TLS certificate does not cover); everywhere else path style
 * ("<endpoint host>", path "/<bucket>/<key>"): custom endpoints (emulators,
 * proxies) cannot be expected to resolve bucket.host.
 */
#ifndef CA_AWS_S3_ADDRESS_H
#define CA_AWS_S3_ADDRESS_H

#include <stdbool.h>

#include "aws/endpoint.h"
#include "util/buf.h"

/* Whether bucket goes in the host on ep (above). false for a NULL bucket. */
bool aws_s3_virtual_host(const struct aws_endpoint *ep, const char *bucket);

/*
 * Appends to host the Host header's value for bucket (NULL: a service-level
 * request) on ep, and to path the URI-encoded absolute path of key (NULL or "":
 * the bucket itself, "/" at least). Out of memory shows in the buffers
 * (ca_buf_ok).
 */
void aws_s3_address(const struct aws_endpoint *ep, const char *bucket, const char *key,
		    struct ca_buf *host, struct ca_buf *path);

/*
 * Appends to url the object's unsigned URL, as aws_s3_send puts it on the wire:
 * "https://bucket.<host>/<key>" virtual-hosted, else "<endpoint URL, with any base
 * path>/<bucket>/<key>". CA_OK or CA_ENOMEM.
 */
int aws_s3_object_url(const struct aws_endpoint *ep, const char *bucket, const char *key,
		      struct ca_buf *url);

#endif
