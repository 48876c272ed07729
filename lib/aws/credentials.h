/*
 * credentials.h — AWS credentials, region and endpoints, resolved the way AWS's own
 * SDKs and CLI do.
 *
 * Credentials chain, first hit wins:
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *   2. shared files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and
 *      AWS_CONFIG_FILE (default ~/.aws/config, sections "[profile NAME]" / "[default]"),
 *      profile from AWS_PROFILE (default "default");
 *   3. EC2 instance profile through IMDSv2: PUT /latest/api/token, then
 *      GET /latest/meta-data/iam/security-credentials/ and .../<role>; endpoint from
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254), skipped when
 *      AWS_EC2_METADATA_DISABLED=true. These credentials expire and are refreshed
 *      before expiry by aws_credentials_provider_get().
 * Region: AWS_REGION, AWS_DEFAULT_REGION, the config file's `region` for the profile,
 * then the fallback the caller passes (the YAML's aws.region).
 */
#ifndef CA_AWS_CREDENTIALS_H
#define CA_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <time.h>

#include "util/error.h"

struct aws_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;    /* NULL when none (an empty value counts as none) */
	time_t expiration;      /* 0: does not expire */
	/* where they came from, for `configure-list`: "env", "shared-credentials-file",
	 * "config-file" or "iam-role" */
	const char *source;
	char *location;         /* file path, variable names or role name; may be NULL */
};

/* Frees every member (wiping the secret) and zeroes the struct. NULL accepted. */
void aws_credentials_release(struct aws_credentials *c);
/* Deep copy into *dst (release it later). CA_OK or CA_ENOMEM. */
int aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src);

#endif
