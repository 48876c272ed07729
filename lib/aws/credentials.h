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

/*
 * Resolves the chain once into *out (release it later). On failure returns
 * CA_AWS_NO_CREDENTIALS, CA_AWS_BAD_CREDENTIALS_FILE or CA_AWS_IMDS with one sentence
 * in err saying what was tried and what to do.
 */
int aws_credentials_resolve(struct aws_credentials *out, struct ca_err *err);

/*
 * A provider for long-running programs: resolves lazily, caches, and re-resolves
 * when the cached credentials expire within 5 minutes. Thread-safe.
 * aws_credentials_provider_new() returns NULL on OOM; free with _release (NULL ok).
 * _get() copies the current credentials into *out (release it later).
 */
struct aws_credentials_provider;
struct aws_credentials_provider *aws_credentials_provider_new(void);
int aws_credentials_provider_get(struct aws_credentials_provider *p, struct aws_credentials *out,
				 struct ca_err *err);
void aws_credentials_provider_release(struct aws_credentials_provider *p);

/*
 * The region: AWS_REGION, AWS_DEFAULT_REGION, the config file's `region` for the
 * active profile, then `fallback` (may be NULL). *out is malloc'd (caller frees);
 * *source (may be NULL) receives "env", "config-file" or "config" (the fallback).
 * CA_AWS_NO_REGION with a sentence when none is set anywhere.
 */
int aws_region_resolve(const char *fallback, char **out, const char **source, struct ca_err *err);

/* ---- additions: named profiles, sources for diagnostics, a testable provider ---- */

/* Refresh this many seconds before the cached credentials expire. */
#define AWS_CREDENTIALS_REFRESH_EARLY 300

/*
 * The profile in use: `override` when non-NULL and non-empty, else AWS_PROFILE, else
 * "default". Borrowed. *source (may be NULL) gets "manual" (override), "env" or NULL
 * (the default).
 */
const char *aws_profile_name(const char *override, const char **source);

/*
 * The shared files' paths: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (a leading "~/"
 * expanded), else ~/.aws/credentials and ~/.aws/config. Each malloc'd (caller frees);
 * NULL when HOME is unset and no variable names the file. CA_OK or CA_ENOMEM.
 */
int aws_shared_file_paths(char **credentials_path, char **config_path, struct ca_err *err);

/* aws_credentials_resolve() for a named profile (NULL: as aws_profile_name(NULL)). */
int aws_credentials_resolve_profile(const char *profile, struct aws_credentials *out,
				    struct ca_err *err);

/*
 * aws_region_resolve() for a named profile (NULL: as aws_profile_name(NULL)), also giving
 * *location (may be NULL; malloc'd, caller frees): the variable name, the config file's
 * path, or NULL for the fallback. A malformed config file gives
 * CA_AWS_BAD_CREDENTIALS_FILE; a value that is not a region name, CA_AWS_NO_REGION.
 */
int aws_region_resolve_profile(const char *profile, const char *fallback, char **out,
			       const char **source, char **location, struct ca_err *err);

/*
 * A provider with an injected fetch function and clock (tests; other sources). fetch
 * fills *out like aws_credentials_resolve; clock returns the current time (NULL: time()).
 * ctx is passed to both. NULL on OOM or when fetch is NULL.
 * When a refresh fails while the cached credentials have not yet expired, _get() keeps
 * serving them; when they have, it returns the fetch error. Credentials that arrive
 * already inside the refresh window are used and re-fetched at most every 30 s.
 */
typedef int (*aws_credentials_fetch_fn)(void *ctx, struct aws_credentials *out,
					struct ca_err *err);
typedef time_t (*aws_clock_fn)(void *ctx);
struct aws_credentials_provider *aws_credentials_provider_new_with(aws_credentials_fetch_fn fetch,
								   aws_clock_fn clock, void *ctx);

#endif
