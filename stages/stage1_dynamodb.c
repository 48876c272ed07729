/*
 * Stage 1: the DynamoDB tables of the data contract (docs/CONTRACTS.md):
 *   User        hash id (S); GSI user-email-index hash email (S), projection INCLUDE [password]
 *   Photo       hash user_id (S), range id (N)
 *   User-guard  hash id (S): the email guards and the migrator's lock, kept out of
 *               the User table the seed's models scan (db/dynamodb.h); its name is
 *               the user table's with CA_DDB_GUARD_SUFFIX
 * Provisioned (10/10 as in the lab, the GSI too) or on-demand, from
 * provision.dynamodb. Tables are found by name; one whose keys differ from the
 * contract is an error that says what differs (never re-created: it holds data);
 * drift in billing mode or capacity is put back with UpdateTable.
 */
#include "stage.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aws/dynamodb.h"
#include "db/dynamodb.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define WAIT_SECONDS 600
#define KIND "dynamodb table"

struct ddb_cfg {
	int billing;                    /* index into billing_names */
	long read_capacity, write_capacity;
	char *user_table, *photo_table, *guard_table;
};

enum table_kind { TABLE_USER, TABLE_PHOTO, TABLE_GUARD };

static const char *const billing_names[] = { "provisioned", "on-demand", NULL };

static const struct ca_cfg_key provision_keys[] = {
	{ .name = "billing", .type = CA_CFG_ENUM, .offset = offsetof(struct ddb_cfg, billing),
	  .flags = CA_CFG_REQUIRED, .choices = billing_names },
	{ .name = "read_capacity", .type = CA_CFG_INT,
	  .offset = offsetof(struct ddb_cfg, read_capacity), .def = "10", .min = 1, .max = 40000,
	  .when_key = "billing", .when_is = "provisioned" },
	{ .name = "write_capacity", .type = CA_CFG_INT,
	  .offset = offsetof(struct ddb_cfg, write_capacity), .def = "10", .min = 1, .max = 40000,
	  .when_key = "billing", .when_is = "provisioned" },
	CA_CFG_END
};

static bool table_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > 255)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_.-", s[i])))
			return false;
	return true;
}

static void unload(void *priv)
{
	struct ddb_cfg *cfg = priv;

	if (!cfg)
		return;
	ca_cfg_release(provision_keys, cfg);
	free(cfg->user_table);
	free(cfg->photo_table);
	free(cfg->guard_table);
	free(cfg);
}

static int load(struct stage_ctx *ctx, void **priv, struct ca_err *err)
{
	struct ddb_cfg *cfg = calloc(1, sizeof(*cfg));
	const char *bad = NULL, *bad_path = NULL;
	int rc;

	if (!cfg)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = stage_cfg_fill(ctx, "provision.dynamodb", provision_keys, cfg, err)) ||
	    (rc = stage_cfg_string(ctx, "database.user_table", "User", &cfg->user_table, err)) ||
	    (rc = stage_cfg_string(ctx, "database.photo_table", "Photo", &cfg->photo_table, err)))
		goto fail;
	if (!table_name_ok(cfg->user_table) || strlen(cfg->user_table) > CA_DDB_USER_TABLE_MAX) {
		bad = cfg->user_table;
		bad_path = "database.user_table";
	} else if (!table_name_ok(cfg->photo_table)) {
		bad = cfg->photo_table;
		bad_path = "database.photo_table";
	} else if (!strcmp(cfg->user_table, cfg->photo_table)) {
		bad = cfg->photo_table;
		bad_path = "database.photo_table";
	}
	if (bad) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: '%s' \"%.64s\" is not a usable table name (3 to 255 letters, "
				"digits, '_', '.', '-', the user table at most %zu so that its guard "
				"table's name fits, and the two tables must differ)",
				ctx->doc->name, stage_cfg_line(ctx, bad_path), bad_path, bad,
				(size_t)CA_DDB_USER_TABLE_MAX);
		goto fail;
	}
	cfg->guard_table = ca_ddb_guard_table(cfg->user_table);
	if (!cfg->guard_table) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto fail;
	}
	*priv = cfg;
	return CA_OK;
fail:
	unload(cfg);
	return rc;
}

/* The contract's tables, built into spec (release with ddb_table_release). */
static int build_spec(const struct ddb_cfg *cfg, enum table_kind kind, struct ddb_table *t)
{
	bool user = kind == TABLE_USER;

	ddb_table_init(t);
	t->billing = cfg->billing == 0 ? DDB_BILLING_PROVISIONED : DDB_BILLING_PAY_PER_REQUEST;
	if (t->billing == DDB_BILLING_PROVISIONED) {
		t->read_capacity = cfg->read_capacity;
		t->write_capacity = cfg->write_capacity;
	}
	t->name = ca_strdup(kind == TABLE_USER ? cfg->user_table
			    : kind == TABLE_PHOTO ? cfg->photo_table : cfg->guard_table);
	if (user) {
		t->hash.name = ca_strdup("id");
		t->hash.type = 'S';
		t->gsis = calloc(1, sizeof(*t->gsis));
		if (!t->gsis)
			return CA_ENOMEM;
		t->n_gsis = 1;
		t->gsis[0].name = ca_strdup("user-email-index");
		t->gsis[0].hash.name = ca_strdup("email");
		t->gsis[0].hash.type = 'S';
		t->gsis[0].projection = ca_strdup("INCLUDE");
		t->gsis[0].non_key = calloc(1, sizeof(char *));
		if (!t->gsis[0].non_key)
			return CA_ENOMEM;
		t->gsis[0].non_key[0] = ca_strdup("password");
		t->gsis[0].n_non_key = 1;
		t->gsis[0].read_capacity = t->read_capacity;
		t->gsis[0].write_capacity = t->write_capacity;
		if (!t->gsis[0].name || !t->gsis[0].hash.name || !t->gsis[0].projection ||
		    !t->gsis[0].non_key[0])
			return CA_ENOMEM;
	} else if (kind == TABLE_GUARD) {
		t->hash.name = ca_strdup("id");
		t->hash.type = 'S';
	} else {
		t->hash.name = ca_strdup("user_id");
		t->hash.type = 'S';
		t->range.name = ca_strdup("id");
		t->range.type = 'N';
		if (!t->range.name)
			return CA_ENOMEM;
	}
	return t->name && t->hash.name ? CA_OK : CA_ENOMEM;
}

static void describe_key(struct ca_buf *b, const char *what, const struct ddb_key *k)
{
	if (k->name)
		ca_buf_addf(b, "%s %s (%c)", what, k->name, k->type);
	else
		ca_buf_addf(b, "no %s", what);
}

static bool same_key(const struct ddb_key *a, const struct ddb_key *b)
{
	if (!a->name || !b->name)
		return !a->name && !b->name;
	return !strcmp(a->name, b->name) && a->type == b->type;
}

static const struct ddb_gsi *find_gsi(const struct ddb_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_gsis; i++)
		if (t->gsis[i].name && !strcmp(t->gsis[i].name, name))
			return &t->gsis[i];
	return NULL;
}

static bool same_projection(const struct ddb_gsi *want, const struct ddb_gsi *have)
{
	size_t i, j;

	if (!have->projection || strcmp(want->projection, have->projection) ||
	    want->n_non_key != have->n_non_key)
		return false;
	for (i = 0; i < want->n_non_key; i++) {
		for (j = 0; j < have->n_non_key; j++)
			if (!strcmp(want->non_key[i], have->non_key[j]))
				break;
		if (j == have->n_non_key)
			return false;
	}
	return true;
}

/* Keys, indexes and projections: differences here are conflicts, never changed. */
static int check_shape(const struct ddb_table *want, const struct ddb_table *have,
		       struct ca_err *err)
{
	struct ca_buf why = CA_BUF_INIT;
	size_t i;
	int rc = CA_OK;

	if (!same_key(&want->hash, &have->hash) || !same_key(&want->range, &have->range)) {
		ca_buf_adds(&why, "it has ");
		describe_key(&why, "hash key", &have->hash);
		ca_buf_adds(&why, " and ");
		describe_key(&why, "range key", &have->range);
		ca_buf_adds(&why, ", the contract needs ");
		describe_key(&why, "hash key", &want->hash);
		ca_buf_adds(&why, " and ");
		describe_key(&why, "range key", &want->range);
	}
	for (i = 0; i < want->n_gsis && !why.len; i++) {
		const struct ddb_gsi *w = &want->gsis[i];
		const struct ddb_gsi *h = find_gsi(have, w->name);
		if (!h)
			ca_buf_addf(&why, "it has no global secondary index %s", w->name);
		else if (!same_key(&w->hash, &h->hash) || !same_key(&w->range, &h->range)) {
			ca_buf_addf(&why, "its index %s has ", w->name);
			describe_key(&why, "hash key", &h->hash);
			ca_buf_adds(&why, ", the contract needs ");
			describe_key(&why, "hash key", &w->hash);
		} else if (!same_projection(w, h))
			ca_buf_addf(&why, "its index %s projects %s, the contract needs INCLUDE "
				    "[password]", w->name, h->projection ? h->projection : "?");
	}
	if (why.len)
		rc = ca_err_set(err, CA_STAGE_CONFLICT,
				"table %s exists but does not match the data contract: %s; it is "
				"never re-created (it may hold data): rename or delete it yourself, "
				"or set database.%s to another name", want->name, why.data,
				want->range.name ? "photo_table" : "user_table");
	ca_buf_release(&why);
	return rc;
}

/* Billing mode and capacity differences, as "what is -> what should be"; "" when none. */
static void capacity_drift(const struct ddb_table *want, const struct ddb_table *have,
			   struct ca_buf *d)
{
	size_t i;

	if (want->billing != have->billing) {
		ca_buf_addf(d, "billing mode %s -> %s",
			    have->billing == DDB_BILLING_PROVISIONED ? "provisioned" : "on-demand",
			    want->billing == DDB_BILLING_PROVISIONED ? "provisioned" : "on-demand");
		return;
	}
	if (want->billing != DDB_BILLING_PROVISIONED)
		return;
	if (want->read_capacity != have->read_capacity)
		ca_buf_addf(d, "%sread capacity %ld -> %ld", d->len ? ", " : "", have->read_capacity,
			    want->read_capacity);
	if (want->write_capacity != have->write_capacity)
		ca_buf_addf(d, "%swrite capacity %ld -> %ld", d->len ? ", " : "",
			    have->write_capacity, want->write_capacity);
	for (i = 0; i < want->n_gsis; i++) {
		const struct ddb_gsi *w = &want->gsis[i], *h = find_gsi(have, w->name);
		if (h && w->read_capacity != h->read_capacity)
			ca_buf_addf(d, "%s%s read capacity %ld -> %ld", d->len ? ", " : "", w->name,
				    h->read_capacity, w->read_capacity);
		if (h && w->write_capacity != h->write_capacity)
			ca_buf_addf(d, "%s%s write capacity %ld -> %ld", d->len ? ", " : "", w->name,
				    h->write_capacity, w->write_capacity);
	}
}

static const char *const kind_shape[] = {
	"hash id (S); index user-email-index on email, INCLUDE password",
	"hash user_id (S), range id (N)",
	"hash id (S): email guards and the migrator's lock",
};
static const char *const kind_output[] = { "user_table", "photo_table", "guard_table" };
static const char *const kind_arn_output[] = { "user_table_arn", "photo_table_arn",
					       "guard_table_arn" };
/* the guard table's name follows from the user table's: no serve config key */
static const char *const kind_serve_key[] = { "database.user_table", "database.photo_table", NULL };

static int converge_table(struct stage_ctx *ctx, const struct ddb_table *want,
			  enum table_kind kind, struct ca_err *err)
{
	struct ddb_table have;
	struct ca_buf drift = CA_BUF_INIT;
	int rc;

	rc = ddb_describe_table(ctx->aws, want->name, &have, err);
	if (rc == CA_ENOTFOUND) {
		stage_report(ctx, STAGE_CREATE, KIND, want->name, "%s", kind_shape[kind]);
		if (!stage_applying(ctx))
			return CA_OK;
		rc = ddb_create_table(ctx->aws, want, err);
		if (rc != CA_OK && rc != CA_EEXIST)   /* EEXIST: made meanwhile; adopt it */
			goto out;
		if ((rc = ddb_wait(ctx->aws, want->name, false, WAIT_SECONDS, err)) ||
		    (rc = ddb_describe_table(ctx->aws, want->name, &have, err)))
			goto out;
		if ((rc = check_shape(want, &have, err)) ||
		    (rc = stage_resource_created(ctx, KIND, want->name, have.arn, err)))
			goto out;
		goto outputs;
	}
	if (rc != CA_OK)
		goto out;
	if ((rc = check_shape(want, &have, err)))
		goto out;
	capacity_drift(want, &have, &drift);
	if (!ca_buf_ok(&drift)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if (drift.len) {
		stage_report(ctx, STAGE_UPDATE, KIND, want->name, "%s", drift.data);
		if (!stage_applying(ctx))
			goto out;
		if ((rc = ddb_wait(ctx->aws, want->name, false, WAIT_SECONDS, err)) ||
		    (rc = ddb_update_capacity(ctx->aws, want, &have, err)) ||
		    (rc = ddb_wait(ctx->aws, want->name, false, WAIT_SECONDS, err)))
			goto out;
	} else {
		stage_report(ctx, STAGE_OK, KIND, want->name, NULL);
	}
	if (stage_applying(ctx) &&
	    (rc = stage_resource_created(ctx, KIND, want->name, have.arn, err)))
		goto out;
outputs:
	rc = stage_output(ctx, kind_output[kind], want->name, kind_serve_key[kind], 0, err);
	if (rc == CA_OK)
		rc = stage_output(ctx, kind_arn_output[kind], have.arn ? have.arn : "", NULL, 0, err);
out:
	ddb_table_release(&have);
	ca_buf_release(&drift);
	return rc;
}

static int converge(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct ddb_cfg *cfg = ctx->priv;
	struct ddb_table t;
	int kind, rc = CA_OK;

	for (kind = TABLE_USER; kind <= TABLE_GUARD && rc == CA_OK; kind++) {
		ddb_table_init(&t);
		if (build_spec(cfg, (enum table_kind)kind, &t))
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		else
			rc = converge_table(ctx, &t, (enum table_kind)kind, err);
		ddb_table_release(&t);
	}
	return rc;
}

static int destroy(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct ddb_cfg *cfg = ctx->priv;
	const char *names[3] = { cfg->guard_table, cfg->photo_table, cfg->user_table }; /* reverse order */
	bool present[3] = { false, false, false };
	int i, rc;

	/* Refuse before deleting anything, so a refusal leaves the stage whole. */
	for (i = 0; i < 3; i++) {
		struct ddb_table t;
		bool has_items = false;

		rc = ddb_describe_table(ctx->aws, names[i], &t, err);
		ddb_table_release(&t);
		if (rc == CA_ENOTFOUND)
			continue;
		if (rc != CA_OK)
			return rc;
		present[i] = true;
		if ((rc = ddb_table_has_items(ctx->aws, names[i], &has_items, err)))
			return rc;
		if (has_items && !ctx->force)
			return ca_err_set(err, CA_STAGE_NOT_EMPTY,
					  "table %s holds items, so destroy deleted nothing; pass "
					  "--force to delete it with its items", names[i]);
	}
	for (i = 0; i < 3; i++) {
		if (!present[i]) {
			stage_report(ctx, STAGE_ABSENT, KIND, names[i], NULL);
		} else {
			rc = ddb_delete_table(ctx->aws, names[i], err);
			if (rc != CA_OK && rc != CA_ENOTFOUND)
				return rc;
			if ((rc = ddb_wait(ctx->aws, names[i], true, WAIT_SECONDS, err)))
				return rc;
			stage_report(ctx, STAGE_DELETE, KIND, names[i], NULL);
		}
		if ((rc = stage_resource_deleted(ctx, KIND, names[i], err)))
			return rc;
	}
	return CA_OK;
}

const struct stage_def stage1_dynamodb = {
	.number = 1,
	.name = "dynamodb",
	.title = "Stage 1: the DynamoDB tables User (with user-email-index), Photo, and User-guard (email guards).",
	.load = load,
	.unload = unload,
	.converge = converge,
	.destroy = destroy,
};
