/*
 * endpoint.h — where to send a request for one AWS service, the way AWS's SDKs decide.
 *
 * Order, first hit wins:
 *   1. AWS_ENDPOINT_URL_<SERVICE_ID> (DYNAMODB, S3, STS, IAM, EC2,
 *      COGNITO_IDENTITY_PROVIDER, XRAY);
 *   2. AWS_ENDPOINT_URL;
 *      (both skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true)
 *   3. the configured endpoint the caller passes (the YAML's aws.endpoint);
 *   4. real AWS: https://<prefix>.<region>.amazonaws.com (amazonaws.com.cn for cn-*
 *      regions); IAM is global: https://iam.amazonaws.com, signed for us-east-1.
 * An endpoint URL must be http or https with a host, an optional port and an optional
 * path, and nothing else (no user info, query or fragment).
 */
#ifndef CA_AWS_ENDPOINT_H
#define CA_AWS_ENDPOINT_H

#include <stdbool.h>

#include "aws/service.h"
#include "util/error.h"

struct aws_endpoint {
	char *url;              /* scheme://host[:port][/path], no trailing slash */
	char *host;             /* as in the Host header: "host" or "host:port" (port kept
				 * only when not the scheme's default); IPv6 in brackets */
	char *hostname;         /* host alone, no port, no brackets */
	int port;               /* explicit or the scheme's default (80/443) */
	bool https;
	char *signing_region;
	const char *signing_name;  /* static: "dynamodb", "s3", "sts", "iam", "ec2",
				    * "cognito-idp", "xray" */
	/* S3 must address buckets in the path (http://host/bucket/key): the host is an IP
	 * address or localhost, where bucket.host cannot resolve. */
	bool s3_path_style;
	/* where the URL came from, for diagnostics: "AWS_ENDPOINT_URL_S3",
	 * "AWS_ENDPOINT_URL", "config" or "default" (static string) */
	const char *source;
};

/*
 * Resolves the endpoint of svc for region (required, e.g. "ap-southeast-1"; checked to
 * be letters, digits and '-'). configured_endpoint is the YAML's aws.endpoint or NULL.
 * Fills *out (release with aws_endpoint_release). CA_AWS_BAD_ENDPOINT with a sentence
 * naming the variable or setting when a URL is malformed; CA_EINVAL for a bad region;
 * CA_ENOMEM. On error *out holds nothing to free.
 */
int aws_endpoint_resolve(enum aws_service svc, const char *region,
			 const char *configured_endpoint, struct aws_endpoint *out,
			 struct ca_err *err);

/*
 * Parses and validates one endpoint URL into *out (url, host, hostname, port, https,
 * s3_path_style; signing fields left NULL). `what` names where the URL came from, for
 * the error sentence. CA_AWS_BAD_ENDPOINT, CA_ENOMEM.
 */
int aws_endpoint_parse_url(const char *url, const char *what, struct aws_endpoint *out,
			   struct ca_err *err);

/* Frees the members and zeroes *ep. NULL accepted. */
void aws_endpoint_release(struct aws_endpoint *ep);

#endif
