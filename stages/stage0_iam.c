/*
 * Stage 0: IAM for the workshop instance (docs/CONTRACTS.md, "IAM"):
 *   policy   workshop-cloud9-policy      infra/iam/workshop-cloud9-policy.json, or with
 *                                        provision.iam.policy: least-privilege,
 *                                        infra/iam/cloudalbum-app-policy.json filled in
 *   role     workshop-cloud9-instance-profile-role, trusted by EC2, the policy attached
 *   profile  workshop-cloud9-instance-profile holding the role
 *   and its association with every instance tagged Name=aws-cloud9-workshop-<INITIAL>*
 *   (--initial or provision.iam.initial), replacing a different association.
 * The three names are provision.iam.policy_name, role_name and profile_name (the lab's
 * above by default; cloudalbum-classroom gives each attendee of a shared account its own).
 * Drift: a changed policy document becomes a new default version (the oldest
 * non-default one is deleted when IAM's five are in use); a changed trust policy is
 * put back. Nothing here holds data, so destroy needs no --force.
 */
#include "stage.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/ec2.h"
#include "aws/iam.h"
#include "aws/protocol.h"
#include "config/expand.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* The names, provision.iam.policy_name / role_name / profile_name (the lab's by default;
 * cloudalbum-classroom gives each attendee of a shared account its own). */
#define CFG(ctx) ((const struct iam_cfg *)(ctx)->priv)
#define POLICY_NAME (CFG(ctx)->policy_name)
#define ROLE_NAME (CFG(ctx)->role_name)
#define PROFILE_NAME (CFG(ctx)->profile_name)
#define ROLE_POLICY (CFG(ctx)->role_policy)
#define NAME_PREFIX "aws-cloud9-workshop-"
#define WORKSHOP_FILE "workshop-cloud9-policy.json"
#define APP_FILE "cloudalbum-app-policy.json"
#define TRUST_FILE "workshop-cloud9-instance-profile-role-trust.json"
#define MAX_DOC_BYTES (64 * 1024)
#define ASSOCIATE_TRIES 10      /* a new profile takes a few seconds to reach EC2 */

struct iam_cfg {
	int policy;                     /* index into policy_kinds */
	char *initial;
	char *documents;                /* the directory of the JSON documents */
	json_t *policy_doc, *trust_doc;
	char *policy_file;              /* for messages */
	char *policy_name, *role_name, *profile_name;
	char *role_policy;              /* "<role>/<policy>", the attachment's report name */
};

static const char *const policy_kinds[] = { "workshop", "least-privilege", NULL };

static const struct ca_cfg_key provision_keys[] = {
	{ .name = "policy", .type = CA_CFG_ENUM, .offset = offsetof(struct iam_cfg, policy),
	  .def = "workshop", .choices = policy_kinds },
	{ .name = "initial", .type = CA_CFG_STRING, .offset = offsetof(struct iam_cfg, initial),
	  .max = 64 },
	{ .name = "documents", .type = CA_CFG_STRING,
	  .offset = offsetof(struct iam_cfg, documents), .def = "infra/iam" },
	{ .name = "policy_name", .type = CA_CFG_STRING,
	  .offset = offsetof(struct iam_cfg, policy_name), .def = "workshop-cloud9-policy",
	  .min = 1, .max = 128 },
	{ .name = "role_name", .type = CA_CFG_STRING,
	  .offset = offsetof(struct iam_cfg, role_name),
	  .def = "workshop-cloud9-instance-profile-role", .min = 1, .max = 64 },
	{ .name = "profile_name", .type = CA_CFG_STRING,
	  .offset = offsetof(struct iam_cfg, profile_name),
	  .def = "workshop-cloud9-instance-profile", .min = 1, .max = 128 },
	CA_CFG_END
};

static void unload(void *priv)
{
	struct iam_cfg *cfg = priv;

	if (!cfg)
		return;
	ca_cfg_release(provision_keys, cfg);
	json_decref(cfg->policy_doc);
	json_decref(cfg->trust_doc);
	free(cfg->policy_file);
	free(cfg->role_policy);
	free(cfg);
}

static bool initial_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return i > 0;
}

/* IAM's names: letters, digits and +=,.@_- */
static bool iam_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("+=,.@_-", s[i])))
			return false;
	return i > 0;
}

/* The documents directory: as written from the working directory, else beside the
 * repository the config file lives in (<config dir>/../../<dir>). */
static char *documents_path(const struct stage_ctx *ctx, const char *dir, const char *file)
{
	struct ca_buf b = CA_BUF_INIT;
	const char *slash = strrchr(ctx->config_path, '/');
	struct stat sb;

	ca_buf_addf(&b, "%s/%s", dir, file);
	if (dir[0] == '/' || !ca_buf_ok(&b) || stat(b.data, &sb) == 0 || !slash)
		return ca_buf_detach(&b, NULL);
	ca_buf_reset(&b);
	ca_buf_addf(&b, "%.*s/../../%s/%s", (int)(slash - ctx->config_path), ctx->config_path, dir,
		    file);
	if (ca_buf_ok(&b) && stat(b.data, &sb) == 0)
		return ca_buf_detach(&b, NULL);
	ca_buf_reset(&b);
	ca_buf_addf(&b, "%s/%s", dir, file);
	return ca_buf_detach(&b, NULL);
}

static int read_text(const char *path, char **out, struct ca_err *err)
{
	FILE *f = fopen(path, "re");
	struct ca_buf b = CA_BUF_INIT;
	char chunk[4096];
	size_t n;
	int rc = CA_OK;

	*out = NULL;
	if (!f)
		return ca_err_set(err, CA_EIO, "cannot read the IAM document %s: %s (set "
				  "provision.iam.documents to the infra/iam directory)", path,
				  strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > MAX_DOC_BYTES) {
			rc = ca_err_set(err, CA_ERANGE, "%s is over %d bytes", path, MAX_DOC_BYTES);
			break;
		}
		ca_buf_add(&b, chunk, n);
	}
	fclose(f);
	if (rc == CA_OK && !(*out = ca_buf_detach(&b, NULL)))
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
	ca_buf_release(&b);
	return rc;
}

/* Values for the ${name}s of the least-privilege document. */
struct doc_vars {
	const char *names[6];
	char *values[6];
};

static const char *doc_var(void *ctx, const char *name)
{
	struct doc_vars *v = ctx;
	int i;

	for (i = 0; i < 6; i++)
		if (!strcmp(v->names[i], name))
			return v->values[i];
	return NULL;
}

static const char *partition_of(const char *region)
{
	if (ca_starts_with(region, "cn-"))
		return "aws-cn";
	if (ca_starts_with(region, "us-gov-"))
		return "aws-us-gov";
	return "aws";
}

static int account_id(struct stage_ctx *ctx, char **out, struct ca_err *err)
{
	struct ca_xml_node *x = NULL;
	int rc = aws_query_call(ctx->aws, AWS_SVC_STS, "GetCallerIdentity", NULL, 0, &x, err);

	*out = NULL;
	if (rc == CA_OK) {
		*out = ca_strdup(ca_xml_path_text(x, "GetCallerIdentityResult/Account"));
		if (!*out)
			rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
					"sts: GetCallerIdentity gave no account id");
	}
	ca_xml_free(x);
	return rc;
}

/* Reads a JSON document; with vars, ${name}s are filled in first. */
static int load_document(const char *path, struct doc_vars *vars, json_t **out,
			 struct ca_err *err)
{
	struct ca_buf expanded = CA_BUF_INIT;
	json_error_t jerr;
	char *text = NULL;
	int rc;

	*out = NULL;
	if ((rc = read_text(path, &text, err)))
		return rc;
	if (vars) {
		rc = ca_expand_vars(text, strlen(text), doc_var, vars, MAX_DOC_BYTES, &expanded, err);
		if (rc) {
			ca_err_prefix(err, "%s", path);
			goto out;
		}
	}
	*out = json_loads(vars ? expanded.data : text, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = ca_err_set(err, CA_EPARSE, "%s:%d: not a JSON policy document (%s)", path,
				jerr.line, jerr.text);
	}
out:
	free(text);
	ca_buf_release(&expanded);
	return rc;
}

static int least_privilege_vars(struct stage_ctx *ctx, struct doc_vars *v, struct ca_err *err)
{
	const char *region = aws_client_region(ctx->aws);
	int rc;

	memset(v, 0, sizeof(*v));
	v->names[0] = "partition";
	v->names[1] = "region";
	v->names[2] = "account_id";
	v->names[3] = "user_table";
	v->names[4] = "photo_table";
	v->names[5] = "bucket";
	v->values[0] = ca_strdup(partition_of(region));
	v->values[1] = ca_strdup(region);
	if (!v->values[0] || !v->values[1])
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = account_id(ctx, &v->values[2], err)) ||
	    (rc = stage_cfg_string(ctx, "database.user_table", "User", &v->values[3], err)) ||
	    (rc = stage_cfg_string(ctx, "database.photo_table", "Photo", &v->values[4], err)))
		return rc;
	rc = stage_cfg_string(ctx, "storage.bucket", NULL, &v->values[5], err);
	if (rc == CA_CONFIG_MISSING_KEY)
		return ca_err_set(err, CA_CONFIG_MISSING_KEY,
				  "%s:%d: provision.iam.policy least-privilege names the photo "
				  "bucket, so the config needs storage.bucket (use a stage-2 or later "
				  "config, or policy: workshop)", ctx->doc->name,
				  stage_cfg_line(ctx, "provision.iam.policy"));
	return rc;
}

static int load(struct stage_ctx *ctx, void **priv, struct ca_err *err)
{
	struct iam_cfg *cfg = calloc(1, sizeof(*cfg));
	int rc;

	if (!cfg)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = stage_cfg_fill(ctx, "provision.iam", provision_keys, cfg, err)))
		goto fail;
	if (ctx->initial) {
		free(cfg->initial);
		if (!(cfg->initial = ca_strdup(ctx->initial))) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (!iam_name_ok(cfg->policy_name) || !iam_name_ok(cfg->role_name) ||
	    !iam_name_ok(cfg->profile_name)) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s: provision.iam.policy_name, role_name and profile_name may hold "
				"only letters, digits and +=,.@_-", ctx->doc->name);
		goto fail;
	}
	{
		struct ca_buf rp = CA_BUF_INIT;
		ca_buf_addf(&rp, "%s/%s", cfg->role_name, cfg->policy_name);
		if (!(cfg->role_policy = ca_buf_detach(&rp, NULL))) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (cfg->initial && !initial_ok(cfg->initial)) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"the attendee initial \"%.64s\" may only hold letters, digits, '-' "
				"and '_' (it becomes the instance Name pattern %s<INITIAL>*)",
				cfg->initial, NAME_PREFIX);
		goto fail;
	}
	*priv = cfg;
	return CA_OK;
fail:
	unload(cfg);
	return rc;
}

/* Reads both documents (needs the client for the least-privilege account id). */
static int load_documents(struct stage_ctx *ctx, struct iam_cfg *cfg, struct ca_err *err)
{
	struct doc_vars vars;
	char *trust_path = NULL;
	bool app = cfg->policy == 1;
	int i, rc = CA_OK;

	memset(&vars, 0, sizeof(vars));
	if (cfg->policy_doc)
		return CA_OK;
	cfg->policy_file = documents_path(ctx, cfg->documents, app ? APP_FILE : WORKSHOP_FILE);
	trust_path = documents_path(ctx, cfg->documents, TRUST_FILE);
	if (!cfg->policy_file || !trust_path) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if (app && (rc = least_privilege_vars(ctx, &vars, err)))
		goto out;
	if ((rc = load_document(cfg->policy_file, app ? &vars : NULL, &cfg->policy_doc, err)))
		goto out;
	rc = load_document(trust_path, NULL, &cfg->trust_doc, err);
out:
	for (i = 0; i < 6; i++)
		free(vars.values[i]);
	free(trust_path);
	return rc;
}

/* Makes room for a new version: IAM keeps five; the oldest non-default one goes. */
static int prune_versions(struct stage_ctx *ctx, const char *arn, struct ca_err *err)
{
	struct iam_policy_version *v = NULL;
	size_t n = 0, i;
	int rc = iam_list_policy_versions(ctx->aws, arn, &v, &n, err);

	if (rc == CA_OK && n >= IAM_MAX_POLICY_VERSIONS)
		for (i = 0; i < n; i++)
			if (!v[i].is_default) {
				rc = iam_delete_policy_version(ctx->aws, arn, v[i].id, err);
				break;
			}
	iam_policy_versions_free(v, n);
	return rc;
}

static int converge_policy(struct stage_ctx *ctx, struct iam_cfg *cfg, char **arn,
			   struct ca_err *err)
{
	json_t *have = NULL;
	int rc = iam_find_policy(ctx->aws, POLICY_NAME, arn, err);

	if (rc == CA_ENOTFOUND) {
		stage_report(ctx, STAGE_CREATE, "iam policy", POLICY_NAME, "from %s",
			     cfg->policy_file);
		if (!stage_applying(ctx))
			return CA_OK;
		if ((rc = iam_create_policy(ctx->aws, POLICY_NAME, cfg->policy_doc, arn, err)))
			return rc;
		return stage_resource_created(ctx, "iam policy", POLICY_NAME, *arn, err);
	}
	if (rc != CA_OK)
		return rc;
	if ((rc = iam_policy_document(ctx->aws, *arn, &have, err)))
		return rc;
	if (iam_documents_equal(have, cfg->policy_doc)) {
		stage_report(ctx, STAGE_OK, "iam policy", POLICY_NAME, NULL);
	} else {
		stage_report(ctx, STAGE_UPDATE, "iam policy", POLICY_NAME,
			     "the default version's document differs from %s; a new version "
			     "becomes the default", cfg->policy_file);
		if (stage_applying(ctx) && ((rc = prune_versions(ctx, *arn, err)) ||
					    (rc = iam_create_policy_version(ctx->aws, *arn,
									    cfg->policy_doc, err))))
			goto out;
	}
	if (stage_applying(ctx))
		rc = stage_resource_created(ctx, "iam policy", POLICY_NAME, *arn, err);
out:
	json_decref(have);
	return rc;
}

static int converge_role(struct stage_ctx *ctx, struct iam_cfg *cfg, char **arn,
			 bool *exists, struct ca_err *err)
{
	json_t *trust = NULL;
	int rc = iam_get_role(ctx->aws, ROLE_NAME, arn, &trust, err);

	*exists = rc == CA_OK;
	if (rc == CA_ENOTFOUND) {
		stage_report(ctx, STAGE_CREATE, "iam role", ROLE_NAME, "trusted by ec2.amazonaws.com");
		if (!stage_applying(ctx))
			return CA_OK;
		if ((rc = iam_create_role(ctx->aws, ROLE_NAME, cfg->trust_doc, arn, err)))
			return rc;
		*exists = true;
		return stage_resource_created(ctx, "iam role", ROLE_NAME, *arn, err);
	}
	if (rc != CA_OK)
		return rc;
	if (iam_documents_equal(trust, cfg->trust_doc)) {
		stage_report(ctx, STAGE_OK, "iam role", ROLE_NAME, NULL);
	} else {
		stage_report(ctx, STAGE_UPDATE, "iam role", ROLE_NAME,
			     "its trust policy differs from %s", TRUST_FILE);
		if (stage_applying(ctx) &&
		    (rc = iam_update_trust(ctx->aws, ROLE_NAME, cfg->trust_doc, err)))
			goto out;
	}
	if (stage_applying(ctx))
		rc = stage_resource_created(ctx, "iam role", ROLE_NAME, *arn, err);
out:
	json_decref(trust);
	return rc;
}

static int converge_attachment(struct stage_ctx *ctx, const char *policy_arn, bool role_exists,
			       struct ca_err *err)
{
	bool attached = false;
	int rc = CA_OK;

	if (role_exists && policy_arn)
		rc = iam_role_has_policy(ctx->aws, ROLE_NAME, policy_arn, &attached, err);
	if (rc != CA_OK)
		return rc;
	if (attached) {
		stage_report(ctx, STAGE_OK, "iam role policy", ROLE_POLICY, NULL);
	} else {
		stage_report(ctx, STAGE_CREATE, "iam role policy", ROLE_POLICY,
			     "attach");
		if (!stage_applying(ctx))
			return CA_OK;
		if ((rc = iam_attach_role_policy(ctx->aws, ROLE_NAME, policy_arn, err)))
			return rc;
	}
	return stage_applying(ctx) ? stage_resource_created(ctx, "iam role policy",
							    ROLE_POLICY, policy_arn,
							    err)
				   : CA_OK;
}

static int converge_profile(struct stage_ctx *ctx, char **arn, struct ca_err *err)
{
	char *role = NULL;
	bool created = false;
	int rc = iam_get_instance_profile(ctx->aws, PROFILE_NAME, arn, &role, err);

	if (rc == CA_ENOTFOUND) {
		stage_report(ctx, STAGE_CREATE, "iam instance profile", PROFILE_NAME, "with role %s",
			     ROLE_NAME);
		if (!stage_applying(ctx))
			return CA_OK;
		if ((rc = iam_create_instance_profile(ctx->aws, PROFILE_NAME, arn, err)) ||
		    (rc = stage_resource_created(ctx, "iam instance profile", PROFILE_NAME, *arn,
						 err)))
			return rc;
		created = true;
	} else if (rc != CA_OK) {
		return rc;
	}
	if (role && !strcmp(role, ROLE_NAME)) {
		stage_report(ctx, STAGE_OK, "iam instance profile", PROFILE_NAME, NULL);
		goto out;
	}
	if (!created)
		stage_report(ctx, STAGE_UPDATE, "iam instance profile", PROFILE_NAME,
			     "holds %s%s, should hold %s", role ? "role " : "no role",
			     role ? role : "", ROLE_NAME);
	if (!stage_applying(ctx))
		goto out;
	if (role && (rc = iam_remove_role_from_instance_profile(ctx->aws, PROFILE_NAME, role, err)))
		goto out;
	rc = iam_add_role_to_instance_profile(ctx->aws, PROFILE_NAME, ROLE_NAME, err);
	if (rc == CA_OK && !created)
		rc = stage_resource_created(ctx, "iam instance profile", PROFILE_NAME, *arn, err);
out:
	free(role);
	return rc;
}

static int find_instances(struct stage_ctx *ctx, const struct iam_cfg *cfg, char ***ids,
			  size_t *n, struct ca_err *err)
{
	struct ca_buf pattern = CA_BUF_INIT;
	int rc;

	*ids = NULL;
	*n = 0;
	if (!cfg->initial)
		return ca_err_set(err, CA_CONFIG_MISSING_KEY,
				  "%s: no attendee initial: pass --initial X or set "
				  "provision.iam.initial, so stage 0 can find the instance tagged "
				  "Name=%sX*", ctx->doc->name, NAME_PREFIX);
	ca_buf_addf(&pattern, "%s%s*", NAME_PREFIX, cfg->initial);
	if (!ca_buf_ok(&pattern))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = ec2_find_instances_by_name(ctx->aws, pattern.data, ids, n, err);
	if (rc == CA_OK && *n == 0)
		rc = ca_err_set(err, CA_ENOTFOUND,
				"no EC2 instance tagged Name=%s in %s: start the attendee's Cloud9 "
				"environment first (locally: scripts/local.sh up makes a stand-in)",
				pattern.data, aws_client_region(ctx->aws));
	ca_buf_release(&pattern);
	return rc;
}

static int associate_with_retry(struct stage_ctx *ctx, const char *instance,
				const char *assoc_id, struct ca_err *err)
{
	struct ca_err local;
	int i, rc = CA_OK;

	for (i = 0; i < ASSOCIATE_TRIES; i++) {
		ca_err_clear(&local);
		rc = assoc_id ? ec2_replace_profile_association(ctx->aws, assoc_id, PROFILE_NAME,
								&local)
			      : ec2_associate_profile(ctx->aws, instance, PROFILE_NAME, &local);
		/* a just-made profile is "invalid" to EC2 until IAM's change has spread */
		if (rc != CA_AWS_SERVICE || !strstr(local.msg, "nvalid"))
			break;
		stage_sleep_ms(3000);
	}
	if (rc != CA_OK)
		return ca_err_set(err, rc, "%s", ca_err_msg(&local));
	return CA_OK;
}

static int converge_association(struct stage_ctx *ctx, const char *instance,
				const char *profile_arn, struct ca_err *err)
{
	struct ec2_profile_association a;
	int rc = ec2_get_profile_association(ctx->aws, instance, &a, err);

	if (rc == CA_ENOTFOUND) {
		stage_report(ctx, STAGE_CREATE, "instance profile association", instance,
			     "%s", PROFILE_NAME);
		if (!stage_applying(ctx))
			return CA_OK;
		rc = associate_with_retry(ctx, instance, NULL, err);
	} else if (rc == CA_OK && profile_arn && !strcmp(a.profile_arn, profile_arn)) {
		stage_report(ctx, STAGE_OK, "instance profile association", instance, NULL);
	} else if (rc == CA_OK) {
		stage_report(ctx, STAGE_UPDATE, "instance profile association", instance,
			     "replace %s with %s", a.profile_arn, PROFILE_NAME);
		if (stage_applying(ctx))
			rc = associate_with_retry(ctx, instance, a.id, err);
	}
	ec2_profile_association_release(&a);
	if (rc == CA_OK && stage_applying(ctx))
		rc = stage_resource_created(ctx, "instance profile association", instance,
					    PROFILE_NAME, err);
	return rc;
}

static int converge(struct stage_ctx *ctx, struct ca_err *err)
{
	struct iam_cfg *cfg = ctx->priv;
	char *policy_arn = NULL, *role_arn = NULL, *profile_arn = NULL;
	char **ids = NULL;
	size_t n = 0, i;
	struct ca_buf id_list = CA_BUF_INIT;
	bool role_exists = false;
	int rc;

	if ((rc = load_documents(ctx, cfg, err)) || (rc = find_instances(ctx, cfg, &ids, &n, err)))
		goto out;
	if ((rc = converge_policy(ctx, cfg, &policy_arn, err)) ||
	    (rc = converge_role(ctx, cfg, &role_arn, &role_exists, err)) ||
	    (rc = converge_attachment(ctx, policy_arn, role_exists, err)) ||
	    (rc = converge_profile(ctx, &profile_arn, err)))
		goto out;
	for (i = 0; i < n && rc == CA_OK; i++) {
		rc = converge_association(ctx, ids[i], profile_arn, err);
		ca_buf_addf(&id_list, "%s%s", i ? "," : "", ids[i]);
	}
	if (rc)
		goto out;
	if (!ca_buf_ok(&id_list)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if ((policy_arn && (rc = stage_output(ctx, "policy_arn", policy_arn, NULL, 0, err))) ||
	    (role_arn && (rc = stage_output(ctx, "role_arn", role_arn, NULL, 0, err))) ||
	    (profile_arn &&
	     (rc = stage_output(ctx, "instance_profile_arn", profile_arn, NULL, 0, err))) ||
	    (rc = stage_output(ctx, "instance_ids", id_list.data, NULL, 0, err)))
		goto out;
out:
	free(policy_arn);
	free(role_arn);
	free(profile_arn);
	ec2_ids_free(ids, n);
	ca_buf_release(&id_list);
	return rc;
}

/* The instances to detach: by the initial when known, else those the state recorded. */
static int instances_to_detach(struct stage_ctx *ctx, const struct iam_cfg *cfg, char ***ids,
			       size_t *n, struct ca_err *err)
{
	const char *recorded = stage_output_get(ctx, 0, "instance_ids");
	char *copy, *p, *comma;
	int rc = CA_OK;

	*ids = NULL;
	*n = 0;
	if (cfg->initial) {
		rc = find_instances(ctx, cfg, ids, n, err);
		if (rc == CA_ENOTFOUND) {
			ca_err_clear(err);
			rc = CA_OK;
		}
		return rc;
	}
	if (!recorded || !*recorded)
		return CA_OK;
	if (!(copy = ca_strdup(recorded)))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	for (p = copy; p && rc == CA_OK; p = comma ? comma + 1 : NULL) {
		char **grown;
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		grown = realloc(*ids, (*n + 1) * sizeof(char *));
		if (!grown || !(grown[*n] = ca_strdup(p))) {
			if (grown)
				*ids = grown;
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			break;
		}
		*ids = grown;
		(*n)++;
	}
	free(copy);
	return rc;
}

static int destroy(struct stage_ctx *ctx, struct ca_err *err)
{
	struct iam_cfg *cfg = ctx->priv;
	char *profile_arn = NULL, *role = NULL, *policy_arn = NULL, *role_arn = NULL;
	char **ids = NULL;
	size_t n = 0, i;
	bool attached = false;
	int rc;

	if ((rc = instances_to_detach(ctx, cfg, &ids, &n, err)))
		goto out;
	rc = iam_get_instance_profile(ctx->aws, PROFILE_NAME, &profile_arn, &role, err);
	if (rc != CA_OK && rc != CA_ENOTFOUND)
		goto out;
	for (i = 0; i < n; i++) {
		struct ec2_profile_association a;
		rc = ec2_get_profile_association(ctx->aws, ids[i], &a, err);
		if (rc == CA_OK && profile_arn && !strcmp(a.profile_arn, profile_arn)) {
			rc = ec2_disassociate_profile(ctx->aws, a.id, err);
			if (rc == CA_OK)
				stage_report(ctx, STAGE_DELETE, "instance profile association", ids[i],
					     NULL);
		} else if (rc == CA_ENOTFOUND || rc == CA_OK) {
			rc = CA_OK;
			stage_report(ctx, STAGE_ABSENT, "instance profile association", ids[i], NULL);
		}
		ec2_profile_association_release(&a);
		if (rc || (rc = stage_resource_deleted(ctx, "instance profile association", ids[i],
						       err)))
			goto out;
	}
	if (profile_arn) {
		if ((role && (rc = iam_remove_role_from_instance_profile(ctx->aws, PROFILE_NAME,
									 role, err))) ||
		    (rc = iam_delete_instance_profile(ctx->aws, PROFILE_NAME, err)))
			goto out;
		stage_report(ctx, STAGE_DELETE, "iam instance profile", PROFILE_NAME, NULL);
	} else {
		stage_report(ctx, STAGE_ABSENT, "iam instance profile", PROFILE_NAME, NULL);
	}
	if ((rc = stage_resource_deleted(ctx, "iam instance profile", PROFILE_NAME, err)))
		goto out;
	rc = iam_find_policy(ctx->aws, POLICY_NAME, &policy_arn, err);
	if (rc != CA_OK && rc != CA_ENOTFOUND)
		goto out;
	rc = iam_get_role(ctx->aws, ROLE_NAME, &role_arn, NULL, err);
	if (rc != CA_OK && rc != CA_ENOTFOUND)
		goto out;
	if (role_arn && policy_arn &&
	    (rc = iam_role_has_policy(ctx->aws, ROLE_NAME, policy_arn, &attached, err)))
		goto out;
	if (attached) {
		if ((rc = iam_detach_role_policy(ctx->aws, ROLE_NAME, policy_arn, err)))
			goto out;
		stage_report(ctx, STAGE_DELETE, "iam role policy", ROLE_POLICY, NULL);
	}
	if ((rc = stage_resource_deleted(ctx, "iam role policy", ROLE_POLICY, err)))
		goto out;
	if (role_arn) {
		if ((rc = iam_delete_role(ctx->aws, ROLE_NAME, err)))
			goto out;
		stage_report(ctx, STAGE_DELETE, "iam role", ROLE_NAME, NULL);
	} else {
		stage_report(ctx, STAGE_ABSENT, "iam role", ROLE_NAME, NULL);
	}
	if ((rc = stage_resource_deleted(ctx, "iam role", ROLE_NAME, err)))
		goto out;
	if (policy_arn) {
		if ((rc = iam_delete_policy(ctx->aws, policy_arn, err)))
			goto out;
		stage_report(ctx, STAGE_DELETE, "iam policy", POLICY_NAME, NULL);
	} else {
		stage_report(ctx, STAGE_ABSENT, "iam policy", POLICY_NAME, NULL);
	}
	rc = stage_resource_deleted(ctx, "iam policy", POLICY_NAME, err);
out:
	if (rc == CA_ENOTFOUND)
		rc = ca_err_set(err, CA_ENOTFOUND, "a stage 0 resource vanished during destroy; "
				"run destroy again");
	ec2_ids_free(ids, n);
	free(profile_arn);
	free(role);
	free(policy_arn);
	free(role_arn);
	return rc;
}

const struct stage_def stage0_iam = {
	.number = 0,
	.name = "iam",
	.title = "Stage 0: the workshop IAM policy, role and instance profile, attached to the "
		 "attendee's Cloud9 instance.",
	.load = load,
	.unload = unload,
	.converge = converge,
	.destroy = destroy,
};
