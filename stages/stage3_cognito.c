/*
 * Stage 3: the Cognito user pool, its app client and its hosted-UI domain
 * (docs/CONTRACTS.md, "Cognito"):
 *   pool    email is the username (case-insensitive), `name` required, email
 *           auto-verified by LINK, a password policy, custom attribute legacy_id
 *           (String, mutable) for the user migration, recovery by verified email;
 *   client  with a secret, authorization-code grant, scopes openid email profile,
 *           callback <base_url>/callback, sign-out <base_url>, password sign-in and
 *           refresh (USER_PASSWORD, REFRESH_TOKEN, USER_SRP), ReadAttributes with email
 *           and name so id tokens carry them;
 *   domain  provision.cognito.domain, or the pool's current one, or derived from the
 *           pool id ("cloudalbum-<12 hex>").
 * Pool and client are found by NAME on every run (never duplicated). What cannot change
 * on an existing pool (username attributes, required attributes) or client (a secret)
 * is an error that says so, never a re-create: the pool holds users. Mutable settings
 * that drifted are put back with the Update calls, which reset what they are not
 * given, so the update carries the settings this stage does not manage unchanged,
 * each request built from its API's input members (aws/cognito_update.h). With
 * aws.emulator: moto the outputs name moto's JWKS address and no hosted UI.
 * destroy refuses a pool with users unless --force.
 */
#include "stage.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cognito.h"
#include "aws/cognito_update.h"
#include "aws/endpoint.h"
#include "config/value.h"
#include "state.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

#define KIND_POOL "cognito user pool"
#define KIND_CLIENT "cognito app client"
#define KIND_DOMAIN "cognito domain"
#define LEGACY_ATTR "legacy_id"
#define DOMAIN_TRIES 60
#define DOMAIN_SLEEP_MS 2000

struct cognito_cfg {
	char *pool_name;
	char *client_name;
	char *domain;                   /* NULL: the pool's, or derived */
	long password_min_length;
	char *base_url;                 /* no trailing '/' */
	char *endpoint;                 /* aws.endpoint, "" when not set */
	bool moto;                      /* aws.emulator: moto (never inferred from endpoint) */
};

static const struct ca_cfg_key provision_keys[] = {
	{ .name = "pool_name", .type = CA_CFG_STRING,
	  .offset = offsetof(struct cognito_cfg, pool_name), .def = "cloudalbum-users",
	  .min = 1, .max = 128 },
	{ .name = "client_name", .type = CA_CFG_STRING,
	  .offset = offsetof(struct cognito_cfg, client_name), .def = "cloudalbum-web",
	  .min = 1, .max = 128 },
	{ .name = "domain", .type = CA_CFG_STRING, .offset = offsetof(struct cognito_cfg, domain),
	  .min = 1, .max = 63 },
	{ .name = "password_min_length", .type = CA_CFG_INT,
	  .offset = offsetof(struct cognito_cfg, password_min_length), .def = "8",
	  .min = 6, .max = 99 },
	CA_CFG_END
};

static void unload(void *priv)
{
	struct cognito_cfg *cfg = priv;

	if (!cfg)
		return;
	ca_cfg_release(provision_keys, cfg);
	free(cfg->base_url);
	free(cfg->endpoint);
	free(cfg);
}

/* A hosted-UI prefix: [a-z0-9-], alphanumeric ends, no reserved words. */
static bool domain_prefix_ok(const char *d)
{
	size_t i, n = strlen(d);

	if (n < 1 || n > 63 || d[0] == '-' || d[n - 1] == '-' || strstr(d, "aws") ||
	    strstr(d, "amazon") || strstr(d, "cognito"))
		return false;
	for (i = 0; i < n; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' && d[i] <= '9') || d[i] == '-'))
			return false;
	return true;
}

static int load(struct stage_ctx *ctx, void **priv, struct ca_err *err)
{
	struct cognito_cfg *cfg = calloc(1, sizeof(*cfg));
	char *emulator = NULL;
	const char *problem;
	size_t n;
	int rc;

	if (!cfg)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = stage_cfg_fill(ctx, "provision.cognito", provision_keys, cfg, err)) ||
	    (rc = stage_cfg_string(ctx, "server.base_url", "http://localhost:8080",
				   &cfg->base_url, err)) ||
	    (rc = stage_cfg_string(ctx, "aws.endpoint", "", &cfg->endpoint, err)) ||
	    (rc = stage_cfg_string(ctx, "aws.emulator", "none", &emulator, err)))
		goto fail;
	if (strcmp(emulator, "none") && strcmp(emulator, "moto")) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'aws.emulator' \"%.40s\" is not none or moto", ctx->doc->name,
				stage_cfg_line(ctx, "aws.emulator"), emulator);
		goto fail;
	}
	cfg->moto = !strcmp(emulator, "moto");
	if (cfg->domain && !domain_prefix_ok(cfg->domain)) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'provision.cognito.domain' \"%.63s\" is not a Cognito domain "
				"prefix (lowercase letters, digits and '-', not starting or ending with "
				"'-', without the words aws, amazon or cognito)", ctx->doc->name,
				stage_cfg_line(ctx, "provision.cognito.domain"), cfg->domain);
		goto fail;
	}
	if ((problem = ca_value_url_problem(cfg->base_url, NULL))) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'server.base_url' is not an http(s) URL (%s); the app "
				"client's callback is <base_url>/callback", ctx->doc->name,
				stage_cfg_line(ctx, "server.base_url"), problem);
		goto fail;
	}
	n = strlen(cfg->base_url);
	while (n > 0 && cfg->base_url[n - 1] == '/')
		cfg->base_url[--n] = '\0';
	free(emulator);
	*priv = cfg;
	return CA_OK;
fail:
	free(emulator);
	unload(cfg);
	return rc;
}

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "out of memory");
}

/* ---- what we want ---- */

static json_t *legacy_attribute(void)
{
	return json_pack("[{s:s, s:s, s:b, s:b, s:{s:s, s:s}}]", "Name", LEGACY_ATTR,
			 "AttributeDataType", "String", "Mutable", 1, "Required", 0,
			 "StringAttributeConstraints", "MinLength", "0", "MaxLength", "64");
}

/* The mutable settings this stage manages (UpdateUserPool takes the same shape). */
static json_t *pool_settings(const struct cognito_cfg *cfg)
{
	return json_pack(
		"{s:[s], s:{s:{s:I, s:b, s:b, s:b, s:b, s:i}},"
		" s:{s:s, s:s, s:s}, s:{s:[{s:i, s:s}]}, s:{s:b}}",
		"AutoVerifiedAttributes", "email",
		"Policies", "PasswordPolicy", "MinimumLength", (json_int_t)cfg->password_min_length,
		"RequireUppercase", 1, "RequireLowercase", 1, "RequireNumbers", 1,
		"RequireSymbols", 0, "TemporaryPasswordValidityDays", 7,
		"VerificationMessageTemplate", "DefaultEmailOption", "CONFIRM_WITH_LINK",
		"EmailSubjectByLink", "Verify your CloudAlbum account",
		"EmailMessageByLink", "Welcome to CloudAlbum. {##Click here to verify your email##}",
		"AccountRecoverySetting", "RecoveryMechanisms", "Priority", 1, "Name",
		"verified_email",
		"AdminCreateUserConfig", "AllowAdminCreateUserOnly", 0);
}

static json_t *pool_create_request(const struct cognito_cfg *cfg)
{
	json_t *req = pool_settings(cfg), *schema = legacy_attribute();

	if (!req || !schema ||
	    json_array_insert_new(schema, 0, json_pack("{s:s, s:s, s:b, s:b}", "Name", "name",
						       "AttributeDataType", "String", "Required",
						       1, "Mutable", 1)) ||
	    json_array_insert_new(schema, 0, json_pack("{s:s, s:s, s:b, s:b}", "Name", "email",
						       "AttributeDataType", "String", "Required",
						       1, "Mutable", 1)) ||
	    json_object_set_new(req, "PoolName", json_string(cfg->pool_name)) ||
	    json_object_set_new(req, "UsernameAttributes", json_pack("[s]", "email")) ||
	    json_object_set_new(req, "UsernameConfiguration", json_pack("{s:b}", "CaseSensitive",
									 0)) ||
	    json_object_set(req, "Schema", schema)) {
		json_decref(req);
		req = NULL;
	}
	json_decref(schema);
	return req;
}

/* The client settings this stage manages (without ClientName and GenerateSecret). */
static json_t *client_settings(const struct cognito_cfg *cfg)
{
	struct ca_buf cb = CA_BUF_INIT;
	json_t *o;

	ca_buf_addf(&cb, "%s/callback", cfg->base_url);
	if (!ca_buf_ok(&cb))
		return NULL;
	o = json_pack("{s:[s,s,s], s:[s], s:[s], s:[s], s:[s], s:[s,s,s], s:b, s:[s,s,s],"
		      " s:[s,s]}",
		      "ExplicitAuthFlows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
		      "ALLOW_USER_SRP_AUTH",
		      "SupportedIdentityProviders", "COGNITO",
		      "CallbackURLs", cb.data,
		      "LogoutURLs", cfg->base_url,
		      "AllowedOAuthFlows", "code",
		      "AllowedOAuthScopes", "openid", "email", "profile",
		      "AllowedOAuthFlowsUserPoolClient", 1,
		      "ReadAttributes", "email", "email_verified", "name",
		      "WriteAttributes", "email", "name");
	ca_buf_release(&cb);
	return o;
}

/* ---- comparing ---- */

static bool array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

/* The same strings, in any order (duplicates ignored). */
static bool same_set(const json_t *a, const json_t *b)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (!json_is_string(v) || !array_has(b, json_string_value(v)))
			return false;
	json_array_foreach(b, i, v)
		if (!json_is_string(v) || !array_has(a, json_string_value(v)))
			return false;
	return true;
}

static void add_detail(struct ca_buf *d, const char *what)
{
	ca_buf_addf(d, "%s%s", d->len ? ", " : "", what);
}

static const json_t *schema_attribute(const json_t *pool, const char *name)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(pool, "SchemaAttributes"), i, a) {
		const char *n = json_string_value(json_object_get(a, "Name"));

		if (n && !strcmp(n, name))
			return a;
	}
	return NULL;
}

/* What an existing pool has that no update can change. */
static int pool_conflicts(const struct cognito_cfg *cfg, const char *id, const json_t *pool,
			  struct ca_err *err)
{
	const json_t *name = schema_attribute(pool, "name");

	if (!array_has(json_object_get(pool, "UsernameAttributes"), "email"))
		return ca_err_set(err, CA_STAGE_CONFLICT,
				  "user pool %s (%s) does not use the email address as the username, "
				  "and that cannot change; delete the pool or choose another "
				  "provision.cognito.pool_name", cfg->pool_name, id);
	if (!name || !json_is_true(json_object_get(name, "Required")))
		return ca_err_set(err, CA_STAGE_CONFLICT,
				  "user pool %s (%s) does not require the attribute 'name', and "
				  "required attributes cannot change; delete the pool or choose another "
				  "provision.cognito.pool_name", cfg->pool_name, id);
	return CA_OK;
}

static long int_member(const json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

/* Mutable pool settings that differ from pool_settings(); sentence into d. */
static void pool_drift(const struct cognito_cfg *cfg, const json_t *pool, struct ca_buf *d)
{
	const json_t *pp = json_object_get(json_object_get(pool, "Policies"), "PasswordPolicy");
	const char *opt = json_string_value(json_object_get(
		json_object_get(pool, "VerificationMessageTemplate"), "DefaultEmailOption"));

	if (!array_has(json_object_get(pool, "AutoVerifiedAttributes"), "email"))
		add_detail(d, "email not auto-verified");
	if (!opt || strcmp(opt, "CONFIRM_WITH_LINK") != 0)
		ca_buf_addf(d, "%sverification %s -> CONFIRM_WITH_LINK", d->len ? ", " : "",
			    opt ? opt : "(none)");
	if (int_member(pp, "MinimumLength") != cfg->password_min_length)
		ca_buf_addf(d, "%spassword minimum length %ld -> %ld", d->len ? ", " : "",
			    int_member(pp, "MinimumLength"), cfg->password_min_length);
	if (!json_is_true(json_object_get(pp, "RequireUppercase")) ||
	    !json_is_true(json_object_get(pp, "RequireLowercase")) ||
	    !json_is_true(json_object_get(pp, "RequireNumbers")) ||
	    json_is_true(json_object_get(pp, "RequireSymbols")))
		add_detail(d, "password character rules");
}

/* Client settings that differ from client_settings(); sentence into d. */
static void client_drift(const json_t *want, const json_t *have, struct ca_buf *d)
{
	static const char *const sets[] = { "ExplicitAuthFlows", "SupportedIdentityProviders",
					    "CallbackURLs", "LogoutURLs", "AllowedOAuthFlows",
					    "AllowedOAuthScopes", "ReadAttributes",
					    "WriteAttributes", NULL };
	int i;

	for (i = 0; sets[i]; i++)
		if (!same_set(json_object_get(want, sets[i]), json_object_get(have, sets[i])))
			add_detail(d, sets[i]);
	if (!json_is_true(json_object_get(have, "AllowedOAuthFlowsUserPoolClient")))
		add_detail(d, "AllowedOAuthFlowsUserPoolClient false -> true");
}

/* ---- updates that keep what we do not manage (aws/cognito_update.h) ---- */

static int update_pool(struct stage_ctx *ctx, const struct cognito_cfg *cfg, const char *id,
		       const json_t *have, struct ca_err *err)
{
	json_t *want = pool_settings(cfg), *req = NULL;
	int rc;

	if (!want || !(req = cognito_pool_update_request(want, have)))
		rc = oom(err);
	else
		rc = cognito_update_user_pool(ctx->aws, id, req, err);
	json_decref(want);
	json_decref(req);
	return rc;
}

static int update_client(struct stage_ctx *ctx, const char *pool_id, const char *client_id,
			 const json_t *want, const json_t *have, struct ca_err *err)
{
	json_t *req = cognito_client_update_request(want, have);
	int rc;

	if (!req)
		return oom(err);
	rc = cognito_update_user_pool_client(ctx->aws, pool_id, client_id, req, err);
	json_decref(req);
	return rc;
}

/* ---- the three resources ---- */

static int converge_pool(struct stage_ctx *ctx, const struct cognito_cfg *cfg, char **id,
			 json_t **pool, struct ca_err *err)
{
	struct ca_buf drift = CA_BUF_INIT;
	json_t *req = NULL, *attrs = NULL;
	bool need_legacy;
	int rc;

	*pool = NULL;
	if ((rc = cognito_find_user_pool(ctx->aws, cfg->pool_name, id, err)))
		goto out;
	if (!*id) {
		stage_report(ctx, STAGE_CREATE, KIND_POOL, cfg->pool_name,
			     "email as username, name required, verification by link, "
			     "custom:" LEGACY_ATTR);
		if (!stage_applying(ctx))
			goto out;
		if (!(req = pool_create_request(cfg))) {
			rc = oom(err);
			goto out;
		}
		if ((rc = cognito_create_user_pool(ctx->aws, req, pool, err)))
			goto out;
		*id = ca_strdup(json_string_value(json_object_get(*pool, "Id")));
		if (!*id) {
			rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
					"cognito-idp: CreateUserPool answered without a pool id");
			goto out;
		}
		json_decref(*pool);
		*pool = NULL;
		if ((rc = cognito_describe_user_pool(ctx->aws, *id, pool, err)) ||
		    (rc = stage_resource_created(ctx, KIND_POOL, cfg->pool_name, *id, err)))
			goto out;
		goto out;
	}
	if ((rc = cognito_describe_user_pool(ctx->aws, *id, pool, err)) ||
	    (rc = pool_conflicts(cfg, *id, *pool, err)))
		goto out;
	pool_drift(cfg, *pool, &drift);
	need_legacy = !schema_attribute(*pool, "custom:" LEGACY_ATTR);
	if (need_legacy)
		add_detail(&drift, "add custom attribute " LEGACY_ATTR);
	if (!ca_buf_ok(&drift)) {
		rc = oom(err);
		goto out;
	}
	if (!drift.len) {
		stage_report(ctx, STAGE_OK, KIND_POOL, cfg->pool_name, "%s", *id);
	} else {
		stage_report(ctx, STAGE_UPDATE, KIND_POOL, cfg->pool_name, "%s", drift.data);
		if (!stage_applying(ctx))
			goto out;
		if (need_legacy) {
			if (!(attrs = legacy_attribute())) {
				rc = oom(err);
				goto out;
			}
			if ((rc = cognito_add_custom_attributes(ctx->aws, *id, attrs, err)))
				goto out;
		}
		if ((rc = update_pool(ctx, cfg, *id, *pool, err)))
			goto out;
		json_decref(*pool);
		*pool = NULL;
		if ((rc = cognito_describe_user_pool(ctx->aws, *id, pool, err)))
			goto out;
	}
	if (stage_applying(ctx))
		rc = stage_resource_created(ctx, KIND_POOL, cfg->pool_name, *id, err);
out:
	ca_buf_release(&drift);
	json_decref(req);
	json_decref(attrs);
	return rc;
}

static int converge_client(struct stage_ctx *ctx, const struct cognito_cfg *cfg,
			   const char *pool_id, json_t **client, struct ca_err *err)
{
	struct ca_buf drift = CA_BUF_INIT;
	json_t *want = client_settings(cfg), *req = NULL;
	char *id = NULL;
	int rc = CA_OK;

	*client = NULL;
	if (!want)
		return oom(err);
	if (!pool_id) {         /* plan for a pool still to create */
		stage_report(ctx, STAGE_CREATE, KIND_CLIENT, cfg->client_name,
			     "with a secret, code grant, callback %s/callback", cfg->base_url);
		goto out;
	}
	if ((rc = cognito_find_user_pool_client(ctx->aws, pool_id, cfg->client_name, &id, err)))
		goto out;
	if (!id) {
		stage_report(ctx, STAGE_CREATE, KIND_CLIENT, cfg->client_name,
			     "with a secret, code grant, callback %s/callback", cfg->base_url);
		if (!stage_applying(ctx))
			goto out;
		if (!(req = json_deep_copy(want)) ||
		    json_object_set_new(req, "ClientName", json_string(cfg->client_name)) ||
		    json_object_set_new(req, "GenerateSecret", json_true())) {
			rc = oom(err);
			goto out;
		}
		if ((rc = cognito_create_user_pool_client(ctx->aws, pool_id, req, client, err)))
			goto out;
		id = ca_strdup(json_string_value(json_object_get(*client, "ClientId")));
		if (!id) {
			rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "cognito-idp: CreateUserPoolClient "
					"answered without a client id");
			goto out;
		}
		rc = stage_resource_created(ctx, KIND_CLIENT, cfg->client_name, id, err);
		goto out;
	}
	if ((rc = cognito_describe_user_pool_client(ctx->aws, pool_id, id, client, err)))
		goto out;
	if (!json_string_value(json_object_get(*client, "ClientSecret"))) {
		rc = ca_err_set(err, CA_STAGE_CONFLICT,
				"app client %s (%s) has no secret, and a secret cannot be added "
				"later; delete the client (apply then makes a new one) or choose "
				"another provision.cognito.client_name", cfg->client_name, id);
		goto out;
	}
	client_drift(want, *client, &drift);
	if (!ca_buf_ok(&drift)) {
		rc = oom(err);
		goto out;
	}
	if (!drift.len) {
		stage_report(ctx, STAGE_OK, KIND_CLIENT, cfg->client_name, "%s", id);
	} else {
		stage_report(ctx, STAGE_UPDATE, KIND_CLIENT, cfg->client_name, "%s", drift.data);
		if (!stage_applying(ctx))
			goto out;
		if ((rc = update_client(ctx, pool_id, id, want, *client, err)))
			goto out;
	}
	if (stage_applying(ctx))
		rc = stage_resource_created(ctx, KIND_CLIENT, cfg->client_name, id, err);
out:
	if (rc && *client) {
		json_decref(*client);
		*client = NULL;
	}
	ca_buf_release(&drift);
	json_decref(want);
	json_decref(req);
	free(id);
	return rc;
}

/* "cloudalbum-" and 12 hex digits of SHA-256(pool id): stable, unique per pool. */
static char *derived_domain(const char *pool_id)
{
	uint8_t md[CA_SHA256_LEN];
	char hex[2 * CA_SHA256_LEN + 1];
	struct ca_buf b = CA_BUF_INIT;

	ca_sha256(pool_id, strlen(pool_id), md);
	ca_hex_encode(md, sizeof(md), hex);
	ca_buf_addf(&b, "cloudalbum-%.12s", hex);
	return ca_buf_detach(&b, NULL);
}

static int wait_domain(struct stage_ctx *ctx, const char *domain, struct ca_err *err)
{
	json_t *desc = NULL;
	const char *status;
	int i, rc = CA_OK;

	for (i = 0; i < DOMAIN_TRIES; i++) {
		json_decref(desc);
		if ((rc = cognito_describe_user_pool_domain(ctx->aws, domain, &desc, err)))
			break;
		status = json_string_value(json_object_get(desc, "Status"));
		if (desc && (!status || !strcmp(status, "ACTIVE")))
			break;
		if (status && !strcmp(status, "FAILED")) {
			rc = ca_err_set(err, CA_AWS_SERVICE,
					"cognito domain %s could not be set up (status FAILED); "
					"run destroy and apply again", domain);
			break;
		}
		stage_sleep_ms(DOMAIN_SLEEP_MS);
	}
	if (rc == CA_OK && i == DOMAIN_TRIES)
		rc = ca_err_set(err, CA_ETIMEOUT, "cognito domain %s did not become ACTIVE within "
				"%d s; run apply again", domain, DOMAIN_TRIES * DOMAIN_SLEEP_MS / 1000);
	json_decref(desc);
	return rc;
}

static int converge_domain(struct stage_ctx *ctx, const struct cognito_cfg *cfg,
			   const char *pool_id, const json_t *pool, char **domain,
			   struct ca_err *err)
{
	const char *have = pool ? json_string_value(json_object_get(pool, "Domain")) : NULL;
	json_t *desc = NULL;
	const char *owner;
	int rc = CA_OK;

	if (have && !*have)
		have = NULL;
	if (!pool_id) {
		stage_report(ctx, STAGE_CREATE, KIND_DOMAIN,
			     cfg->domain ? cfg->domain : "cloudalbum-<from the pool id>", NULL);
		return CA_OK;
	}
	*domain = cfg->domain ? ca_strdup(cfg->domain) : have ? ca_strdup(have)
		: derived_domain(pool_id);
	if (!*domain)
		return oom(err);
	if (have && !strcmp(have, *domain)) {
		stage_report(ctx, STAGE_OK, KIND_DOMAIN, *domain, NULL);
		goto record;
	}
	if ((rc = cognito_describe_user_pool_domain(ctx->aws, *domain, &desc, err)))
		goto out;
	owner = json_string_value(json_object_get(desc, "UserPoolId"));
	if (owner && strcmp(owner, pool_id) != 0) {
		rc = ca_err_set(err, CA_STAGE_CONFLICT,
				"cognito domain %s is already used by another user pool (%s); "
				"choose another provision.cognito.domain", *domain, owner);
		goto out;
	}
	if (owner) {            /* ours, though DescribeUserPool did not say so */
		stage_report(ctx, STAGE_OK, KIND_DOMAIN, *domain, NULL);
		goto record;
	}
	if (have)
		stage_report(ctx, STAGE_UPDATE, KIND_DOMAIN, *domain, "replaces %s", have);
	else
		stage_report(ctx, STAGE_CREATE, KIND_DOMAIN, *domain, NULL);
	if (!stage_applying(ctx))
		goto out;
	/* a pool has one prefix domain; it holds no data, so moving it is safe */
	if (have && (rc = cognito_delete_user_pool_domain(ctx->aws, pool_id, have, err)) &&
	    rc != CA_ENOTFOUND)
		goto out;
	if ((rc = cognito_create_user_pool_domain(ctx->aws, pool_id, *domain, err)) ||
	    (rc = wait_domain(ctx, *domain, err)))
		goto out;
record:
	if (stage_applying(ctx))
		rc = stage_resource_created(ctx, KIND_DOMAIN, *domain, pool_id, err);
out:
	json_decref(desc);
	return rc;
}

/* ---- outputs ---- */

static int set_outputs(struct stage_ctx *ctx, const struct cognito_cfg *cfg,
		       const char *pool_id, const json_t *pool, const json_t *client,
		       const char *domain, struct ca_err *err)
{
	const char *region = aws_client_region(ctx->aws);
	struct aws_endpoint ep = { 0 };
	struct ca_buf issuer = CA_BUF_INIT, jwks = CA_BUF_INIT, ui = CA_BUF_INIT;
	const char *arn = json_string_value(json_object_get(pool, "Arn"));
	int rc;

	if (cfg->moto) {
		if ((rc = aws_endpoint_resolve(AWS_SVC_COGNITO_IDP, region,
					       *cfg->endpoint ? cfg->endpoint : NULL, &ep, err)))
			return rc;
		if (!strcmp(ep.source, "default")) {
			aws_endpoint_release(&ep);
			return ca_err_set(err, CA_CONFIG_VALUE,
					  "%s:%d: 'aws.emulator' is moto but no endpoint is set; give "
					  "aws.endpoint (like http://127.0.0.1:5000), or remove "
					  "'aws.emulator' for real AWS", ctx->doc->name,
					  stage_cfg_line(ctx, "aws.emulator"));
		}
	}
	ca_buf_addf(&issuer, "https://cognito-idp.%s.amazonaws.com/%s", region, pool_id);
	/* moto serves the pool's keys under its own address; AWS (also behind a custom
	 * endpoint) at the issuer's */
	if (!cfg->moto)
		ca_buf_addf(&jwks, "%s/.well-known/jwks.json", issuer.data);
	else
		ca_buf_addf(&jwks, "%s/%s/.well-known/jwks.json", ep.url, pool_id);
	ca_buf_addf(&ui, "https://%s.auth.%s.amazoncognito.com", domain, region);
	if (!ca_buf_ok(&issuer) || !ca_buf_ok(&jwks) || !ca_buf_ok(&ui)) {
		rc = oom(err);
		goto out;
	}
	if ((rc = stage_output(ctx, "user_pool_id", pool_id, "auth.user_pool_id", 0, err)) ||
	    (rc = stage_output(ctx, "user_pool_arn", arn ? arn : "", NULL, 0, err)) ||
	    (rc = stage_output(ctx, "client_id",
			       json_string_value(json_object_get(client, "ClientId")),
			       "auth.client_id", 0, err)) ||
	    (rc = stage_output(ctx, "client_secret",
			       json_string_value(json_object_get(client, "ClientSecret")),
			       "auth.client_secret", STAGE_OUTPUT_SECRET, err)) ||
	    (rc = stage_output(ctx, "domain", domain, "auth.domain", 0, err)) ||
	    (rc = stage_output(ctx, "issuer", issuer.data, "auth.issuer", 0, err)) ||
	    (rc = stage_output(ctx, "jwks_url", jwks.data, "auth.jwks_url", 0, err)))
		goto out;
	if (!cfg->moto)         /* moto has no hosted UI */
		rc = stage_output(ctx, "hosted_ui_url", ui.data, "auth.hosted_ui_url", 0, err);
out:
	aws_endpoint_release(&ep);
	ca_buf_release(&issuer);
	ca_buf_release(&jwks);
	ca_buf_release(&ui);
	return rc;
}

static int converge(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct cognito_cfg *cfg = ctx->priv;
	json_t *pool = NULL, *client = NULL;
	char *pool_id = NULL, *domain = NULL;
	int rc;

	if ((rc = converge_pool(ctx, cfg, &pool_id, &pool, err)))
		goto out;
	if ((rc = converge_client(ctx, cfg, pool_id, &client, err)) ||
	    (rc = converge_domain(ctx, cfg, pool_id, pool, &domain, err)))
		goto out;
	if (pool_id && client && domain)
		rc = set_outputs(ctx, cfg, pool_id, pool, client, domain, err);
out:
	json_decref(pool);
	json_decref(client);
	free(pool_id);
	free(domain);
	return rc;
}

/* With the pool gone, the domain recorded in the state (whatever its name) is gone too. */
static int forget_domains(struct stage_ctx *ctx, struct ca_err *err)
{
	json_t *s = stage_state_stage(ctx->state, ctx->def->number, NULL, false);
	json_t *res = json_object_get(s, "resources"), *r;
	char *name;
	int rc;

	for (;;) {
		size_t i;
		const char *found = NULL;

		json_array_foreach(res, i, r) {
			const char *k = json_string_value(json_object_get(r, "kind"));

			if (k && !strcmp(k, KIND_DOMAIN)) {
				found = json_string_value(json_object_get(r, "name"));
				break;
			}
		}
		if (!found)
			return CA_OK;
		if (!(name = ca_strdup(found)))
			return oom(err);
		rc = stage_resource_deleted(ctx, KIND_DOMAIN, name, err);
		free(name);
		if (rc)
			return rc;
	}
}

static int destroy(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct cognito_cfg *cfg = ctx->priv;
	json_t *pool = NULL;
	char *pool_id = NULL, *client_id = NULL;
	const char *domain;
	json_int_t users;
	int rc;

	if ((rc = cognito_find_user_pool(ctx->aws, cfg->pool_name, &pool_id, err)))
		goto out;
	if (!pool_id) {
		stage_report(ctx, STAGE_ABSENT, KIND_POOL, cfg->pool_name, NULL);
		if ((rc = forget_domains(ctx, err)) ||
		    (rc = stage_resource_deleted(ctx, KIND_CLIENT, cfg->client_name, err)))
			goto out;
		rc = stage_resource_deleted(ctx, KIND_POOL, cfg->pool_name, err);
		goto out;
	}
	if ((rc = cognito_describe_user_pool(ctx->aws, pool_id, &pool, err)))
		goto out;
	users = json_integer_value(json_object_get(pool, "EstimatedNumberOfUsers"));
	if (users > 0 && !ctx->force) {
		rc = ca_err_set(err, CA_STAGE_NOT_EMPTY,
				"user pool %s (%s) holds about %lld user(s), so destroy deleted "
				"nothing; pass --force to delete it with its users", cfg->pool_name,
				pool_id, (long long)users);
		goto out;
	}
	domain = json_string_value(json_object_get(pool, "Domain"));
	if (domain && *domain) {
		rc = cognito_delete_user_pool_domain(ctx->aws, pool_id, domain, err);
		if (rc && rc != CA_ENOTFOUND)
			goto out;
		stage_report(ctx, STAGE_DELETE, KIND_DOMAIN, domain, NULL);
		if ((rc = stage_resource_deleted(ctx, KIND_DOMAIN, domain, err)))
			goto out;
	}
	if ((rc = cognito_find_user_pool_client(ctx->aws, pool_id, cfg->client_name, &client_id,
						err)))
		goto out;
	if (client_id) {
		rc = cognito_delete_user_pool_client(ctx->aws, pool_id, client_id, err);
		if (rc && rc != CA_ENOTFOUND)
			goto out;
		stage_report(ctx, STAGE_DELETE, KIND_CLIENT, cfg->client_name, "%s", client_id);
	} else {
		stage_report(ctx, STAGE_ABSENT, KIND_CLIENT, cfg->client_name, NULL);
	}
	if ((rc = stage_resource_deleted(ctx, KIND_CLIENT, cfg->client_name, err)))
		goto out;
	rc = cognito_delete_user_pool(ctx->aws, pool_id, err);
	if (rc && rc != CA_ENOTFOUND)
		goto out;
	if (users > 0)
		stage_report(ctx, STAGE_DELETE, KIND_POOL, cfg->pool_name, "%s with %lld user(s)",
			     pool_id, (long long)users);
	else
		stage_report(ctx, STAGE_DELETE, KIND_POOL, cfg->pool_name, "%s", pool_id);
	rc = stage_resource_deleted(ctx, KIND_POOL, cfg->pool_name, err);
out:
	json_decref(pool);
	free(pool_id);
	free(client_id);
	return rc;
}

const struct stage_def stage3_cognito = {
	.number = 3,
	.name = "cognito",
	.title = "Stage 3: the Cognito user pool, its app client (with a secret) and domain.",
	.load = load,
	.unload = unload,
	.converge = converge,
	.destroy = destroy,
};
