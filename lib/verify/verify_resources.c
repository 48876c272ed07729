/*
 * verify_resources.c — what the serve config names exists and is usable. One step per
 * resource; a failure names the resource, where it was looked for, and what to run.
 */
#include "verify/verify_internal.h"

#include <string.h>
#include <unistd.h>

#include "aws/cognito.h"
#include "aws/dynamodb.h"
#include "aws/s3.h"
#include "aws/xray.h"
#include "db/db.h"
#include "db/dynamodb.h"
#include "db/mysql.h"
#include "util/buf.h"
#include "util/banned.h"

/* The step for a resource that needs the AWS client when there is none. */
static int no_client(struct verify_run *run, const char *name)
{
	return verify_step_add(run, name, VERIFY_FAIL, "%s cannot be checked: %s", name,
			       run->aws_note ? run->aws_note : "no AWS client");
}

/* "mysql://user:secret@host/db" without the password, for sentences. */
static void url_without_password(const char *url, struct ca_buf *out)
{
	const char *scheme = strstr(url, "://"), *at = strrchr(url, '@'), *colon;

	if (!scheme || !at || at < scheme) {
		ca_buf_adds(out, url);
		return;
	}
	colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
	if (!colon) {
		ca_buf_adds(out, url);
		return;
	}
	ca_buf_add(out, url, (size_t)(colon - url));
	ca_buf_adds(out, at);
}

static int check_mysql(struct verify_run *run)
{
	struct ca_buf name = CA_BUF_INIT, shown = CA_BUF_INIT;
	struct ca_db *db = NULL;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	url_without_password(run->cfg->database.url, &shown);
	ca_buf_addf(&name, "MySQL database %s", shown.data);
	if (!ca_buf_ok(&name)) {
		rc = CA_ENOMEM;
		goto out;
	}
	rc = ca_db_mysql_open(run->cfg->database.url, &db, &err);
	if (rc == CA_OK)
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
	else
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The MySQL database %s (database.url) "
				     "cannot be used: %s Start MariaDB (make local-up runs "
				     "scripts/ensure-deps.sh) or correct database.url.", shown.data,
				     ca_err_msg(&err));
out:
	ca_db_close(db);
	ca_buf_release(&name);
	ca_buf_release(&shown);
	return rc;
}

static int check_folder(struct verify_run *run)
{
	const char *path = run->cfg->storage.path;
	struct ca_buf name = CA_BUF_INIT;
	int rc;

	ca_buf_addf(&name, "upload folder %s", path);
	if (!ca_buf_ok(&name))
		return CA_ENOMEM;
	if (access(path, W_OK | X_OK) == 0)
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
	else
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The upload folder %s "
				     "(storage.path) does not exist or is not writable here; "
				     "create it (mkdir -p %s) or correct storage.path.", path, path);
	ca_buf_release(&name);
	return rc;
}

/* A DynamoDB table: ACTIVE, with its contract key (and the email index for User). */
static int check_table(struct verify_run *run, const char *table, const char *hash,
		       const char *range, const char *index)
{
	struct ca_buf name = CA_BUF_INIT;
	struct ddb_table t;
	struct ca_err err;
	size_t i;
	bool has_index = !index;
	int rc;

	ddb_table_init(&t);
	ca_err_clear(&err);
	ca_buf_addf(&name, "DynamoDB table %s", table);
	if (index)
		ca_buf_addf(&name, " (index %s)", index);
	if (!ca_buf_ok(&name)) {
		rc = CA_ENOMEM;
		goto out;
	}
	if (!run->aws) {
		rc = no_client(run, name.data);
		goto out;
	}
	rc = ddb_describe_table(run->aws, table, &t, &err);
	if (rc == CA_ENOTFOUND) {
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The DynamoDB table %s does not "
				     "exist %s; create it with make stage-1 (stage-1-dynamodb "
				     "apply) or correct database.%s_table.", table, run->where,
				     strcmp(table, run->cfg->database.user_table) == 0 ? "user"
											: "photo");
		goto out;
	}
	if (rc != CA_OK) {
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The DynamoDB table %s could not "
				     "be read: %s", table, ca_err_msg(&err));
		goto out;
	}
	for (i = 0; index && i < t.n_gsis; i++)
		if (t.gsis[i].name && strcmp(t.gsis[i].name, index) == 0)
			has_index = true;
	if (!t.status || strcmp(t.status, "ACTIVE") != 0)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The DynamoDB table %s is %s, not "
				     "ACTIVE; wait for it and run again.", table,
				     t.status ? t.status : "in no state");
	else if (!t.hash.name || strcmp(t.hash.name, hash) != 0 ||
		 (range && (!t.range.name || strcmp(t.range.name, range) != 0)))
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The DynamoDB table %s is not keyed "
				     "as CloudAlbum needs (hash %s%s%s); it was made by something "
				     "else: delete it and run make stage-1.", table, hash,
				     range ? ", range " : "", range ? range : "");
	else if (!has_index)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The DynamoDB table %s has no "
				     "index %s, which sign-in needs; run make stage-1 to add it.",
				     table, index);
	else
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
out:
	ddb_table_release(&t);
	ca_buf_release(&name);
	return rc;
}

static int check_bucket(struct verify_run *run)
{
	const char *bucket = run->cfg->storage.bucket;
	struct ca_buf name = CA_BUF_INIT;
	struct s3_bucket_probe probe;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	memset(&probe, 0, sizeof(probe));
	ca_buf_addf(&name, "S3 bucket %s", bucket);
	if (!ca_buf_ok(&name))
		return CA_ENOMEM;
	if (!run->aws) {
		rc = no_client(run, name.data);
		goto out;
	}
	rc = s3_bucket_probe(run->aws, bucket, &probe, &err);
	if (rc != CA_OK)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The S3 bucket %s could not be "
				     "checked: %s", bucket, ca_err_msg(&err));
	else if (probe.status == S3_BUCKET_ABSENT)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The S3 bucket %s does not exist "
				     "%s; create it with make stage-2 (stage-2-s3 apply) or correct "
				     "storage.bucket.", bucket, run->where);
	else if (probe.status == S3_BUCKET_FORBIDDEN)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The S3 bucket %s exists but these "
				     "credentials may not use it (HTTP 403): it belongs to another "
				     "account, or the role lacks s3:ListBucket; check storage.bucket "
				     "and the IAM policy of stage 0.", bucket);
	else
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
out:
	ca_buf_release(&name);
	return rc;
}

static int check_pool(struct verify_run *run, bool *pool_ok)
{
	const char *pool = run->cfg->auth.user_pool_id;
	struct ca_buf name = CA_BUF_INIT;
	json_t *desc = NULL;
	struct ca_err err;
	int rc;

	*pool_ok = false;
	ca_err_clear(&err);
	ca_buf_addf(&name, "Cognito user pool %s", pool);
	if (!ca_buf_ok(&name))
		return CA_ENOMEM;
	if (!run->aws) {
		rc = no_client(run, name.data);
		goto out;
	}
	rc = cognito_describe_user_pool(run->aws, pool, &desc, &err);
	if (rc == CA_ENOTFOUND) {
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The Cognito user pool %s does not "
				     "exist %s; create it with make stage-3 (stage-3-cognito apply) "
				     "and use the serve config it writes (auth.user_pool_id).", pool,
				     run->where);
	} else if (rc != CA_OK) {
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The Cognito user pool %s could "
				     "not be read: %s", pool, ca_err_msg(&err));
	} else {
		*pool_ok = true;
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
	}
out:
	json_decref(desc);
	ca_buf_release(&name);
	return rc;
}

/* Whether the client allows flow (ExplicitAuthFlows). */
static bool has_flow(const json_t *client, const char *flow)
{
	const json_t *flows = json_object_get(client, "ExplicitAuthFlows");
	size_t i;

	for (i = 0; i < json_array_size(flows); i++)
		if (json_is_string(json_array_get(flows, i)) &&
		    strcmp(json_string_value(json_array_get(flows, i)), flow) == 0)
			return true;
	return false;
}

static int check_client(struct verify_run *run, bool pool_ok)
{
	const char *pool = run->cfg->auth.user_pool_id, *id = run->cfg->auth.client_id;
	struct ca_buf name = CA_BUF_INIT;
	json_t *client = NULL;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	ca_buf_addf(&name, "Cognito app client %s", id);
	if (!ca_buf_ok(&name))
		return CA_ENOMEM;
	if (!pool_ok) {
		rc = verify_step_add(run, name.data, VERIFY_SKIP, "needs the user pool %s, which "
				     "failed its check", pool);
		goto out;
	}
	rc = cognito_describe_user_pool_client(run->aws, pool, id, &client, &err);
	if (rc != CA_OK)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The app client %s of user pool %s "
				     "cannot be read (%s); run make stage-3 and use the serve config "
				     "it writes (auth.client_id).", id, pool, ca_err_msg(&err));
	else if (!has_flow(client, "ALLOW_USER_PASSWORD_AUTH") &&
		 !has_flow(client, "USER_PASSWORD_AUTH"))
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The app client %s does not allow "
				     "USER_PASSWORD_AUTH, which the app's sign-in uses; run make "
				     "stage-3 to set its flows.", id);
	else
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
out:
	json_decref(client);
	ca_buf_release(&name);
	return rc;
}

static int check_domain(struct verify_run *run, bool pool_ok)
{
	const char *domain = run->cfg->auth.domain, *pool = run->cfg->auth.user_pool_id;
	struct ca_buf name = CA_BUF_INIT;
	json_t *desc = NULL;
	const char *owner;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	ca_buf_addf(&name, "Cognito domain %s", domain ? domain : "(none)");
	if (!ca_buf_ok(&name))
		return CA_ENOMEM;
	if (!domain || !*domain) {
		rc = verify_step_add(run, name.data, VERIFY_SKIP, "the config names no domain "
				     "(auth.domain)");
		goto out;
	}
	if (!pool_ok) {
		rc = verify_step_add(run, name.data, VERIFY_SKIP, "needs the user pool %s, which "
				     "failed its check", pool);
		goto out;
	}
	if (strchr(domain, '.')) {
		rc = verify_step_add(run, name.data, VERIFY_SKIP, "a custom domain is checked by "
				     "the hosted-UI step, not here");
		goto out;
	}
	rc = cognito_describe_user_pool_domain(run->aws, domain, &desc, &err);
	owner = json_string_value(json_object_get(desc, "UserPoolId"));
	if (rc != CA_OK)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The Cognito domain %s could not "
				     "be read: %s", domain, ca_err_msg(&err));
	else if (!desc || !owner)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The Cognito domain %s does not "
				     "exist %s; create it with make stage-3 or correct auth.domain.",
				     domain, run->where);
	else if (strcmp(owner, pool) != 0)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The Cognito domain %s belongs to "
				     "user pool %s, not to %s (auth.user_pool_id); correct "
				     "auth.domain or run make stage-3.", domain, owner, pool);
	else
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
out:
	json_decref(desc);
	ca_buf_release(&name);
	return rc;
}

/* Whether list (of SamplingRuleRecord or Group objects) names `name` at `key`. */
static bool names(const json_t *list, const char *outer, const char *key, const char *name)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++) {
		const json_t *o = json_array_get(list, i);
		const char *v;

		if (outer)
			o = json_object_get(o, outer);
		v = json_string_value(json_object_get(o, key));
		if (v && strcmp(v, name) == 0)
			return true;
	}
	return false;
}

static int check_xray(struct verify_run *run, bool group)
{
	const char *what = group ? "group" : "sampling rule";
	const char *want = group ? run->t->xray_group : run->t->xray_sampling_rule;
	struct ca_buf name = CA_BUF_INIT;
	json_t *list = NULL;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	ca_buf_addf(&name, "X-Ray %s %s", what, want ? want : "(not named)");
	if (!ca_buf_ok(&name))
		return CA_ENOMEM;
	if (!want) {
		rc = verify_step_add(run, name.data, VERIFY_SKIP, "the config names no X-Ray %s "
				     "(provision.xray.%s)", what, group ? "group" : "sampling_rule");
		goto out;
	}
	if (!run->aws) {
		rc = no_client(run, name.data);
		goto out;
	}
	rc = group ? xray_get_groups(run->aws, &list, &err)
		   : xray_get_sampling_rules(run->aws, &list, &err);
	if (rc == CA_EUNSUPPORTED)
		rc = verify_step_add(run, name.data, VERIFY_SKIP, "X-Ray %ss are not offered by "
				     "the endpoint %s", what, run->where);
	else if (rc != CA_OK)
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The X-Ray %ss could not be read: "
				     "%s", what, ca_err_msg(&err));
	else if (!(group ? names(list, NULL, "GroupName", want)
			 : names(list, "SamplingRule", "RuleName", want)))
		rc = verify_step_add(run, name.data, VERIFY_FAIL, "The X-Ray %s %s does not exist %s; "
				     "create it with make stage-4 (stage-4-xray apply).", what, want,
				     run->where);
	else
		rc = verify_step_add(run, name.data, VERIFY_PASS, NULL);
out:
	json_decref(list);
	ca_buf_release(&name);
	return rc;
}

int verify_resources(struct verify_run *run)
{
	const struct serve_config *cfg = run->cfg;
	bool pool_ok = false;
	int rc = CA_OK;

	if (cfg->database.kind == SERVE_DB_MYSQL && run->opt.skip_host_checks)
		rc = verify_step_add(run, "MySQL database", VERIFY_SKIP, "on the app's own machine, "
				     "not checked from here");
	else if (cfg->database.kind == SERVE_DB_MYSQL)
		rc = check_mysql(run);
	else
		rc = check_table(run, cfg->database.user_table, "id", NULL, CA_DDB_EMAIL_INDEX);
	if (rc == CA_OK && cfg->database.kind == SERVE_DB_DYNAMODB)
		rc = check_table(run, cfg->database.photo_table, "user_id", "id", NULL);
	if (rc == CA_OK && cfg->storage.kind == SERVE_STORAGE_S3)
		rc = check_bucket(run);
	else if (rc == CA_OK && run->opt.skip_host_checks)
		rc = verify_step_add(run, "upload folder", VERIFY_SKIP, "on the app's own machine, not "
				     "checked from here");
	else if (rc == CA_OK)
		rc = check_folder(run);
	if (rc == CA_OK && cfg->auth.kind == SERVE_AUTH_COGNITO) {
		rc = check_pool(run, &pool_ok);
		if (rc == CA_OK)
			rc = check_client(run, pool_ok);
		if (rc == CA_OK)
			rc = check_domain(run, pool_ok);
	}
	if (rc == CA_OK && cfg->tracing.kind == SERVE_TRACING_XRAY)
		rc = check_xray(run, false);
	if (rc == CA_OK && cfg->tracing.kind == SERVE_TRACING_XRAY)
		rc = check_xray(run, true);
	return rc;
}
