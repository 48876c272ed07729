/*
 * imds.h — the EC2 instance metadata service (IMDSv2) as a credentials source.
 *
 * PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds), then, with the token in
 * X-aws-ec2-metadata-token, GET /latest/meta-data/iam/security-credentials/ (the role
 * name) and .../<role> (JSON: AccessKeyId, SecretAccessKey, Token, Expiration).
 * Timeouts as AWS's SDKs use them: 1 s to connect, 2 s per request, one retry; no proxy.
 */
#ifndef CA_AWS_IMDS_H
#define CA_AWS_IMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"
#include "util/error.h"

#define AWS_IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define AWS_IMDS_DEFAULT_ENDPOINT_V6 "http://[fd00:ec2::254]"

/* true when AWS_EC2_METADATA_DISABLED is "true" (any case). */
bool aws_imds_disabled(void);

/*
 * The endpoint to use: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the IPv6 default when
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is "IPv6", else AWS_IMDS_DEFAULT_ENDPOINT.
 * Borrowed (environment or static). *from_env (may be NULL) tells whether a variable
 * named it explicitly.
 */
const char *aws_imds_endpoint(bool *from_env);

/*
 * Fetches the instance profile's credentials from the service at endpoint (a base URL
 * such as "http://169.254.169.254"; validated). Fills *out (source "iam-role", location
 * "role <name> at <endpoint>"; release it later). Errors, each with one sentence naming
 * the endpoint: CA_AWS_BAD_ENDPOINT (bad URL), CA_AWS_NETWORK or CA_AWS_TIMEOUT (not
 * reachable: not on EC2, or metadata access is off), CA_AWS_IMDS (it answered, but with
 * an error status, no role, or a malformed document), CA_ENOMEM.
 */
int aws_imds_fetch_credentials(const char *endpoint, struct aws_credentials *out,
			       struct ca_err *err);

/*
 * Parses a role's credentials document (len bytes of JSON) into *out. Requires
 * AccessKeyId, SecretAccessKey and Expiration strings; Token optional; a "Code" other than
 * "Success" is an error. CA_AWS_IMDS with a sentence, CA_ENOMEM.
 */
int aws_imds_parse_credentials(const char *json, size_t len, const char *role,
			       struct aws_credentials *out, struct ca_err *err);

#endif
