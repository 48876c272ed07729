/* migrate_main.c — setting a migration up (config, clients, legacy data, state) and the verbs. */
#include "migrate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "db/dynamodb.h"
#include "storage/disk.h"
#include "storage/s3.h"
#include "util/strutil.h"

#include "util/banned.h"

static int load_target(struct mig_ctx *c, struct ca_err *err)
{
	const struct serve_config *cfg = &c->cfg;
	/* the tables as stage 1 makes them (keys, types, email index), checked at open; S3
	 * and Cognito are called through the same client (migrate_target.c) */
	struct ca_backends_options want = { CA_BACKENDS_DB, 1, true };
	int rc;

	rc = serve_config_load(c->opts->to, &c->cfg, err);
	if (rc != CA_OK)
		return rc;
	if (cfg->database.kind != SERVE_DB_DYNAMODB || cfg->storage.kind != SERVE_STORAGE_S3)
		return ca_err_set(err, CA_EINVAL,
				  "%s must name DynamoDB and S3 (database kind dynamodb, storage kind s3: a stage 2 or later config).",
				  c->opts->to);
	if (c->opts->cognito && cfg->auth.kind != SERVE_AUTH_COGNITO)
		return ca_err_set(err, CA_EINVAL,
				  "--cognito needs a config whose auth kind is cognito (stage 3 or later); %s has none.",
				  c->opts->to);
	c->user_table = cfg->database.user_table ? cfg->database.user_table : CA_DDB_USER_TABLE_DEFAULT;
	c->photo_table = cfg->database.photo_table ? cfg->database.photo_table : CA_DDB_PHOTO_TABLE_DEFAULT;
	c->guard_table = ca_ddb_guard_table(c->user_table);
	if (!c->guard_table)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	c->bucket = cfg->storage.bucket;
	c->prefix = cfg->storage.prefix ? cfg->storage.prefix : CA_STORAGE_S3_PREFIX_DEFAULT;
	if (*c->prefix && c->prefix[strlen(c->prefix) - 1] == '/')
		c->cfg.storage.prefix[strlen(c->prefix) - 1] = '\0';
	c->pool_id = cfg->auth.user_pool_id;
	rc = ca_backends_open(cfg, &want, &c->target, err);
	c->aws = c->target.aws;
	return rc;
}

static int load_state(struct mig_ctx *c, struct ca_err *err)
{
	struct mig_state *s = &c->state;
	int rc;

	rc = mig_state_load(c->opts->state, s, &c->state_existed, err);
	if (rc != CA_OK)
		return rc;
	if (s->n == 0) {
		s->cognito = c->opts->cognito;
		free(s->pool_id);
		s->pool_id = c->opts->cognito ? ca_strdup(c->pool_id) : NULL;
		if (c->opts->cognito && !s->pool_id)
			return ca_err_set(err, CA_ENOMEM, "Out of memory.");
		return CA_OK;
	}
	if (s->cognito != c->opts->cognito)
		return ca_err_set(err, CA_MIGRATE_STATE,
				  "The state file %s was made by a run %s --cognito; owner ids differ between the two, so use the same choice (or another --state for a new target).",
				  c->opts->state, s->cognito ? "with" : "without");
	if (s->cognito && (!s->pool_id || !c->pool_id || strcmp(s->pool_id, c->pool_id) != 0))
		return ca_err_set(err, CA_MIGRATE_STATE,
				  "The state file %s belongs to the user pool %s, not %s; use another --state for a new pool.",
				  c->opts->state, s->pool_id ? s->pool_id : "-", c->pool_id ? c->pool_id : "-");
	return CA_OK;
}

/* Gives users the ids the state file remembers. */
static int apply_state(struct mig_ctx *c, struct ca_err *err)
{
	size_t i;

	for (i = 0; i < c->legacy.n_users; i++) {
		struct mig_user *u = &c->legacy.users[i];
		const char *id = mig_state_find(&c->state, u->legacy_id);

		if (id && !(u->target_id = ca_strdup(id)))
			return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	return CA_OK;
}

int mig_next_chunk(struct mig_ctx *c, bool *got, struct ca_err *err)
{
	int rc = mig_legacy_next(&c->legacy, got, err);

	if (rc == CA_OK && *got)
		rc = mig_legacy_scan_chunk(c->opts->from_dir, &c->legacy, err);
	if (rc == CA_OK && *got)
		mig_legacy_assign_ids(&c->legacy);
	return rc;
}

int migrate_main(const struct migrate_opts *o, FILE *out, FILE *progress, struct ca_err *err)
{
	struct mig_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	mig_requests_watch(&c);
	c.opts = o;
	c.out = out;
	c.progress = progress;
	mig_state_init(&c.state);
	rc = load_target(&c, err);
	if (rc == CA_OK)
		rc = load_state(&c, err);
	if (rc == CA_OK)
		rc = mig_legacy_open(o->from_db, o->shard_k, o->shard_n, &c.legacy, err);
	if (rc == CA_OK)
		rc = mig_legacy_scan_top(o->from_dir, &c.legacy, err);
	if (rc == CA_OK)
		rc = ca_storage_disk_open(o->from_dir, &c.disk, err);
	if (rc == CA_OK)
		rc = apply_state(&c, err);
	if (rc == CA_OK) {
		if (o->verb == MIGRATE_PLAN || (o->verb == MIGRATE_RUN && o->dry_run))
			rc = mig_plan(&c, err);
		else if (o->verb == MIGRATE_RUN)
			rc = mig_run(&c, err);
		else
			rc = mig_verify(&c, err);
	}
	(void)aws_call_observer_set(NULL);
	mig_legacy_release(&c.legacy);
	mig_state_release(&c.state);
	ca_storage_release(c.disk);
	ca_backends_close(&c.target);
	free(c.guard_table);
	mig_list_release(&c.adopt_notes);
	serve_config_release(&c.cfg);
	return rc;
}
