/*
 * credentials.c — the credentials chain (environment, shared files, instance profile)
 * and region resolution. The caching provider is in credentials_provider.c.
 */
#include "aws/credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/imds.h"
#include "aws/ini.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/url.h"
#include "util/banned.h"


void aws_credentials_release(struct aws_credentials *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	ca_free_secret(c->secret_access_key);
	ca_free_secret(c->session_token);
	free(c->location);
	memset(c, 0, sizeof(*c));
}

int aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->access_key_id = ca_strdup(src->access_key_id);
	dst->secret_access_key = ca_strdup(src->secret_access_key);
	dst->session_token = ca_strdup(src->session_token);
	dst->location = ca_strdup(src->location);
	dst->expiration = src->expiration;
	dst->source = src->source;
	if ((src->access_key_id && !dst->access_key_id) ||
	    (src->secret_access_key && !dst->secret_access_key) ||
	    (src->session_token && !dst->session_token) || (src->location && !dst->location)) {
		aws_credentials_release(dst);
		return CA_ENOMEM;
	}
	return CA_OK;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *aws_profile_name(const char *override, const char **source)
{
	const char *v;

	if (override && *override) {
		if (source)
			*source = "manual";
		return override;
	}
	v = env_nonempty("AWS_PROFILE");
	if (source)
		*source = v ? "env" : NULL;
	return v ? v : "default";
}

/* The variable's value with a leading "~/" expanded, or the default under $HOME. */
static int shared_path(const char *var, const char *def, char **out)
{
	struct ca_buf b = CA_BUF_INIT;
	const char *v = env_nonempty(var), *home = env_nonempty("HOME");

	*out = NULL;
	if (v && (v[0] != '~' || (v[1] != '/' && v[1] != '\0')))
		return (*out = ca_strdup(v)) ? CA_OK : CA_ENOMEM;
	if (!home)
		return CA_OK;
	if (v)
		ca_buf_addf(&b, "%s%s", home, v + 1);
	else
		ca_buf_addf(&b, "%s/%s", home, def);
	*out = ca_buf_detach(&b, NULL);
	return *out ? CA_OK : CA_ENOMEM;
}

int aws_shared_file_paths(char **credentials_path, char **config_path, struct ca_err *err)
{
	*credentials_path = NULL;
	*config_path = NULL;
	if (shared_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", credentials_path) ||
	    shared_path("AWS_CONFIG_FILE", ".aws/config", config_path)) {
		ca_free_str(credentials_path);
		ca_free_str(config_path);
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	return CA_OK;
}

/* Loads a shared file (an absent file or NULL path gives an empty ini). A malformed one
 * is CA_AWS_BAD_CREDENTIALS_FILE with the parser's sentence (file and line). */
static int load_shared(struct aws_ini *ini, const char *path, struct ca_err *err)
{
	struct ca_err inner;
	int rc;

	if (!path)
		return CA_OK;
	ca_err_clear(&inner);
	rc = aws_ini_load(ini, path, NULL, &inner);
	if (rc == CA_ENOMEM)
		return ca_err_set(err, rc, "%s", ca_err_msg(&inner));
	if (rc)
		return ca_err_set(err, CA_AWS_BAD_CREDENTIALS_FILE, "%s; fix the file or point %s "
				  "at another one", ca_err_msg(&inner),
				  ca_ends_with(path, "config") ? "AWS_CONFIG_FILE" :
				  "AWS_SHARED_CREDENTIALS_FILE");
	return CA_OK;
}

/* The config file's section for a profile: "default" (or "profile default") or
 * "profile NAME". Returns NULL when the file has none. */
static const char *config_section(const struct aws_ini *ini, const char *profile,
				  char *buf, size_t cap)
{
	int n;

	if (!strcmp(profile, "default") && aws_ini_has_section(ini, "default"))
		return "default";
	n = snprintf(buf, cap, "profile %s", profile);
	if (n < 0 || (size_t)n >= cap)
		return NULL;
	return aws_ini_has_section(ini, buf) ? buf : NULL;
}

static int credentials_from_env(struct aws_credentials *out, bool *found, struct ca_err *err)
{
	const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
	const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
	const char *token = env_nonempty("AWS_SESSION_TOKEN");
	struct aws_credentials c = { 0 };

	*found = false;
	if (!id && !secret)
		return CA_OK;
	if (!id || !secret)
		return ca_err_set(err, CA_AWS_NO_CREDENTIALS, "%s is set but %s is not; set both "
				  "or unset both", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
				  id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	c.source = "env";
	c.access_key_id = ca_strdup(id);
	c.secret_access_key = ca_strdup(secret);
	c.session_token = ca_strdup(token);
	c.location = ca_strdup(token ? "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN"
			       : "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY");
	if (!c.access_key_id || !c.secret_access_key || (token && !c.session_token) ||
	    !c.location) {
		aws_credentials_release(&c);
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	*out = c;
	*found = true;
	return CA_OK;
}

/* Settings that would make a profile get credentials some other way. */
static const char *unsupported_setting(const struct aws_ini *ini, const char *section)
{
	static const char *const keys[] = { "role_arn", "credential_process", "sso_session",
					    "sso_start_url", "web_identity_token_file" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (aws_ini_get(ini, section, keys[i], NULL))
			return keys[i];
	return NULL;
}

/* Static keys from one section of one shared file. */
static int credentials_from_section(const struct aws_ini *ini, const char *section,
				    const char *profile, const char *source,
				    struct aws_credentials *out, bool *found, struct ca_err *err)
{
	struct aws_credentials c = { 0 };
	const char *id, *secret, *token, *other;
	int line = 0;

	*found = false;
	id = aws_ini_get(ini, section, "aws_access_key_id", &line);
	secret = aws_ini_get(ini, section, "aws_secret_access_key", line ? NULL : &line);
	token = aws_ini_get(ini, section, "aws_session_token", NULL);
	if (!token)
		token = aws_ini_get(ini, section, "aws_security_token", NULL);
	if (id && !*id)
		id = NULL;
	if (secret && !*secret)
		secret = NULL;
	if (!id && !secret) {
		other = unsupported_setting(ini, section);
		if (other)
			return ca_err_set(err, CA_AWS_NO_CREDENTIALS, "profile %s in %s uses %s, "
					  "which this toolkit does not support; give the profile "
					  "aws_access_key_id and aws_secret_access_key, or set "
					  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", profile,
					  ini->path, other);
		return CA_OK;
	}
	if (!id || !secret)
		return ca_err_set(err, CA_AWS_BAD_CREDENTIALS_FILE, "%s line %d: profile %s has "
				  "%s but no %s", ini->path, line, profile,
				  id ? "aws_access_key_id" : "aws_secret_access_key",
				  id ? "aws_secret_access_key" : "aws_access_key_id");
	c.source = source;
	c.access_key_id = ca_strdup(id);
	c.secret_access_key = ca_strdup(secret);
	c.session_token = token && *token ? ca_strdup(token) : NULL;
	c.location = ca_strdup(ini->path);
	if (!c.access_key_id || !c.secret_access_key || (token && *token && !c.session_token) ||
	    !c.location) {
		aws_credentials_release(&c);
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	*out = c;
	*found = true;
	return CA_OK;
}

/*
 * The shared files: the credentials file's [profile], then the config file's
 * [profile NAME]. *profile_seen tells whether either file has the profile at all.
 */
static int credentials_from_files(const char *profile, struct aws_credentials *out,
				  bool *found, bool *profile_seen, char **cred_path,
				  char **config_path, struct ca_err *err)
{
	struct aws_ini cred = AWS_INI_INIT, conf = AWS_INI_INIT;
	char section[256];
	const char *csec;
	int rc;

	*found = false;
	*profile_seen = false;
	rc = aws_shared_file_paths(cred_path, config_path, err);
	if (rc)
		goto out;
	rc = load_shared(&cred, *cred_path, err);
	if (rc)
		goto out;
	if (aws_ini_has_section(&cred, profile)) {
		*profile_seen = true;
		rc = credentials_from_section(&cred, profile, profile, "shared-credentials-file",
					      out, found, err);
		if (rc || *found)
			goto out;
	}
	rc = load_shared(&conf, *config_path, err);
	if (rc)
		goto out;
	csec = config_section(&conf, profile, section, sizeof(section));
	if (csec) {
		*profile_seen = true;
		rc = credentials_from_section(&conf, csec, profile, "config-file", out, found, err);
	}
out:
	aws_ini_release(&cred);
	aws_ini_release(&conf);
	return rc;
}

int aws_credentials_resolve_profile(const char *profile_override, struct aws_credentials *out,
				    struct ca_err *err)
{
	const char *profile_source = NULL;
	const char *profile = aws_profile_name(profile_override, &profile_source);
	char *cred_path = NULL, *config_path = NULL;
	struct ca_err imds_err;
	const char *endpoint;
	bool found = false, seen = false, endpoint_from_env = false;
	int rc;

	memset(out, 0, sizeof(*out));
	ca_err_clear(&imds_err);
	rc = credentials_from_env(out, &found, err);
	if (rc || found)
		goto out;
	rc = credentials_from_files(profile, out, &found, &seen, &cred_path, &config_path, err);
	if (rc || found)
		goto out;
	if (!seen && profile_source) {
		rc = ca_err_set(err, CA_AWS_NO_CREDENTIALS, "profile %s (named by %s) is in neither "
				"%s nor %s; add it or choose another profile",
				profile, !strcmp(profile_source, "env") ? "AWS_PROFILE" : "--profile",
				cred_path ? cred_path : "the credentials file",
				config_path ? config_path : "the config file");
		goto out;
	}
	if (aws_imds_disabled()) {
		rc = ca_err_set(err, CA_AWS_NO_CREDENTIALS, "no AWS credentials found: set "
				"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile %s "
				"keys in %s (the instance metadata service is off: "
				"AWS_EC2_METADATA_DISABLED=true)", profile,
				cred_path ? cred_path : "~/.aws/credentials");
		goto out;
	}
	endpoint = aws_imds_endpoint(&endpoint_from_env);
	rc = aws_imds_fetch_credentials(endpoint, out, &imds_err);
	if (rc == CA_OK)
		goto out;
	if (rc == CA_ENOMEM) {
		ca_err_set(err, rc, "%s", ca_err_msg(&imds_err));
		goto out;
	}
	if (!endpoint_from_env && (rc == CA_AWS_NETWORK || rc == CA_AWS_TIMEOUT)) {
		/* the usual case off EC2: nothing is configured anywhere */
		rc = ca_err_set(err, CA_AWS_NO_CREDENTIALS, "no AWS credentials found: set "
				"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile %s "
				"keys in %s, or run on EC2 with an instance profile (%s)", profile,
				cred_path ? cred_path : "~/.aws/credentials", ca_err_msg(&imds_err));
		goto out;
	}
	rc = ca_err_set(err, CA_AWS_IMDS, "no AWS credentials in the environment or the shared "
			"files (profile %s), and %s", profile, ca_err_msg(&imds_err));
out:
	free(cred_path);
	free(config_path);
	return rc;
}

int aws_credentials_resolve(struct aws_credentials *out, struct ca_err *err)
{
	return aws_credentials_resolve_profile(NULL, out, err);
}

int aws_region_resolve_profile(const char *profile_override, const char *fallback, char **out,
			       const char **source, char **location, struct ca_err *err)
{
	struct aws_ini conf = AWS_INI_INIT;
	const char *profile = aws_profile_name(profile_override, NULL);
	char *cred_path = NULL, *config_path = NULL, *where = NULL;
	char section[256];
	const char *value = NULL, *src = NULL, *csec;
	int rc = CA_OK, line = 0;

	*out = NULL;
	if (source)
		*source = NULL;
	if (location)
		*location = NULL;
	if ((value = env_nonempty("AWS_REGION"))) {
		src = "env";
		where = ca_strdup("AWS_REGION");
	} else if ((value = env_nonempty("AWS_DEFAULT_REGION"))) {
		src = "env";
		where = ca_strdup("AWS_DEFAULT_REGION");
	} else {
		rc = aws_shared_file_paths(&cred_path, &config_path, err);
		if (rc)
			goto out;
		rc = load_shared(&conf, config_path, err);
		if (rc)
			goto out;
		csec = config_section(&conf, profile, section, sizeof(section));
		if (csec && (value = aws_ini_get(&conf, csec, "region", &line)) && *value) {
			src = "config-file";
			where = ca_strdup(config_path);
		} else if (fallback && *fallback) {
			value = fallback;
			src = "config";
		} else {
			rc = ca_err_set(err, CA_AWS_NO_REGION, "no AWS region configured: set "
					"AWS_REGION, add region to profile %s in %s, or set "
					"aws.region in the YAML config", profile,
					config_path ? config_path : "~/.aws/config");
			goto out;
		}
	}
	if (src && strcmp(src, "config") && !where) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if (!ca_region_name_valid(value)) {
		if (!strcmp(src, "config-file"))
			rc = ca_err_set(err, CA_AWS_NO_REGION, "%s line %d: region \"%.64s\" is not "
					"a region name such as ap-southeast-1", where, line, value);
		else
			rc = ca_err_set(err, CA_AWS_NO_REGION, "%s \"%.64s\" is not a region name "
					"such as ap-southeast-1", where ? where : "aws.region",
					value);
		goto out;
	}
	*out = ca_strdup(value);
	if (!*out) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if (source)
		*source = src;
	if (location) {
		*location = where;
		where = NULL;
	}
out:
	aws_ini_release(&conf);
	free(cred_path);
	free(config_path);
	free(where);
	return rc;
}

int aws_region_resolve(const char *fallback, char **out, const char **source, struct ca_err *err)
{
	return aws_region_resolve_profile(NULL, fallback, out, source, NULL, err);
}
