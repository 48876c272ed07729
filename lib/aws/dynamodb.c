#include "aws/dynamodb.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/protocol.h"
#include "util/strutil.h"
#include "util/banned.h"


/*
 * One DynamoDB operation; *out (if not NULL) the answer on CA_OK. A refusal with the
 * code `quiet` (may be NULL) returns quiet_rc and leaves err alone: "absent" or
 * "exists" is an answer, not an error.
 */
static int op(struct aws_client *c, const char *name, const json_t *in, json_t **out,
	      const char *quiet, int quiet_rc, struct ca_err *err)
{
	struct aws_op o = { .name = name, .json = in };
	struct aws_expect e = { .code = quiet, .rc = quiet_rc };

	return aws_call_answer(c, AWS_SVC_DYNAMODB, &o, &e, out, NULL, err);
}

void ddb_table_init(struct ddb_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void gsi_release(struct ddb_gsi *g)
{
	size_t i;

	free(g->name);
	free(g->hash.name);
	free(g->range.name);
	free(g->projection);
	for (i = 0; i < g->n_non_key; i++)
		free(g->non_key[i]);
	free(g->non_key);
	free(g->status);
}

void ddb_table_release(struct ddb_table *t)
{
	size_t i;

	if (!t)
		return;
	free(t->name);
	free(t->arn);
	free(t->status);
	free(t->hash.name);
	free(t->range.name);
	for (i = 0; i < t->n_gsis; i++)
		gsi_release(&t->gsis[i]);
	free(t->gsis);
	ddb_table_init(t);
}

static char attr_type(json_t *defs, const char *name)
{
	size_t i;
	json_t *d;

	json_array_foreach(defs, i, d) {
		const char *n = json_string_value(json_object_get(d, "AttributeName"));
		const char *t = json_string_value(json_object_get(d, "AttributeType"));
		if (n && t && !strcmp(n, name))
			return t[0];
	}
	return '?';
}

/* Reads a KeySchema array into hash and range. false when it has no HASH key. */
static bool read_keys(json_t *schema, json_t *defs, struct ddb_key *hash, struct ddb_key *range)
{
	size_t i;
	json_t *k;

	json_array_foreach(schema, i, k) {
		const char *n = json_string_value(json_object_get(k, "AttributeName"));
		const char *t = json_string_value(json_object_get(k, "KeyType"));
		struct ddb_key *dst = !t ? NULL : !strcmp(t, "HASH") ? hash
						 : !strcmp(t, "RANGE") ? range : NULL;
		if (!n || !dst || dst->name)
			continue;
		dst->name = ca_strdup(n);
		dst->type = attr_type(defs, n);
	}
	return hash->name != NULL;
}

static void read_capacity(json_t *pt, long *rcu, long *wcu)
{
	*rcu = (long)json_integer_value(json_object_get(pt, "ReadCapacityUnits"));
	*wcu = (long)json_integer_value(json_object_get(pt, "WriteCapacityUnits"));
}

static int read_gsis(json_t *arr, json_t *defs, struct ddb_table *t)
{
	size_t i, j;
	json_t *g;

	if (!json_array_size(arr))
		return CA_OK;
	t->gsis = calloc(json_array_size(arr), sizeof(*t->gsis));
	if (!t->gsis)
		return CA_ENOMEM;
	json_array_foreach(arr, i, g) {
		struct ddb_gsi *d = &t->gsis[t->n_gsis++];
		json_t *proj = json_object_get(g, "Projection");
		json_t *nk = json_object_get(proj, "NonKeyAttributes");
		json_t *a;

		d->name = ca_strdup(json_string_value(json_object_get(g, "IndexName")));
		d->status = ca_strdup(json_string_value(json_object_get(g, "IndexStatus")));
		d->projection = ca_strdup(json_string_value(json_object_get(proj, "ProjectionType")));
		read_keys(json_object_get(g, "KeySchema"), defs, &d->hash, &d->range);
		read_capacity(json_object_get(g, "ProvisionedThroughput"), &d->read_capacity,
			      &d->write_capacity);
		if (json_array_size(nk)) {
			d->non_key = calloc(json_array_size(nk), sizeof(char *));
			if (!d->non_key)
				return CA_ENOMEM;
			json_array_foreach(nk, j, a)
				if (json_is_string(a))
					d->non_key[d->n_non_key++] = ca_strdup(json_string_value(a));
		}
	}
	return CA_OK;
}

int ddb_describe_table(struct aws_client *c, const char *name, struct ddb_table *out,
		       struct ca_err *err)
{
	json_t *in = json_pack("{s:s}", "TableName", name);
	json_t *ans = NULL, *t, *defs, *billing;
	int rc;

	ddb_table_init(out);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = op(c, "DescribeTable", in, &ans, "ResourceNotFoundException", CA_ENOTFOUND, err);
	if (rc != CA_OK)
		goto out;
	t = json_object_get(ans, "Table");
	defs = json_object_get(t, "AttributeDefinitions");
	out->name = ca_strdup(json_string_value(json_object_get(t, "TableName")));
	out->arn = ca_strdup(json_string_value(json_object_get(t, "TableArn")));
	out->status = ca_strdup(json_string_value(json_object_get(t, "TableStatus")));
	out->item_count = (long)json_integer_value(json_object_get(t, "ItemCount"));
	billing = json_object_get(json_object_get(t, "BillingModeSummary"), "BillingMode");
	out->billing = json_is_string(billing) &&
				       !strcmp(json_string_value(billing), "PAY_PER_REQUEST")
			       ? DDB_BILLING_PAY_PER_REQUEST
			       : DDB_BILLING_PROVISIONED;
	read_capacity(json_object_get(t, "ProvisionedThroughput"), &out->read_capacity,
		      &out->write_capacity);
	if (!read_keys(json_object_get(t, "KeySchema"), defs, &out->hash, &out->range)) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"DescribeTable %s: the answer has no key schema", name);
		goto out;
	}
	if (read_gsis(json_object_get(t, "GlobalSecondaryIndexes"), defs, out) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
out:
	if (rc != CA_OK)
		ddb_table_release(out);
	json_decref(in);
	json_decref(ans);
	return rc;
}

static json_t *capacity_json(long rcu, long wcu)
{
	return json_pack("{s:I, s:I}", "ReadCapacityUnits", (json_int_t)rcu,
			 "WriteCapacityUnits", (json_int_t)wcu);
}

static json_t *key_schema_json(const struct ddb_key *hash, const struct ddb_key *range)
{
	json_t *ks = json_pack("[{s:s, s:s}]", "AttributeName", hash->name, "KeyType", "HASH");

	if (ks && range->name)
		json_array_append_new(ks, json_pack("{s:s, s:s}", "AttributeName", range->name,
						    "KeyType", "RANGE"));
	return ks;
}

static void add_attr_def(json_t *defs, const struct ddb_key *k)
{
	char type[2] = { k->type, '\0' };
	size_t i;
	json_t *d;

	if (!k->name)
		return;
	json_array_foreach(defs, i, d)
		if (!strcmp(json_string_value(json_object_get(d, "AttributeName")), k->name))
			return;
	json_array_append_new(defs, json_pack("{s:s, s:s}", "AttributeName", k->name,
					      "AttributeType", type));
}

static json_t *gsi_json(const struct ddb_gsi *g, bool provisioned)
{
	json_t *proj = json_pack("{s:s}", "ProjectionType", g->projection);
	json_t *nk = json_array();
	json_t *out;
	size_t i;

	for (i = 0; i < g->n_non_key; i++)
		json_array_append_new(nk, json_string(g->non_key[i]));
	if (g->n_non_key)
		json_object_set(proj, "NonKeyAttributes", nk);
	json_decref(nk);
	out = json_pack("{s:s, s:o, s:o}", "IndexName", g->name, "KeySchema",
			key_schema_json(&g->hash, &g->range), "Projection", proj);
	if (out && provisioned)
		json_object_set_new(out, "ProvisionedThroughput",
				    capacity_json(g->read_capacity, g->write_capacity));
	return out;
}

int ddb_create_table(struct aws_client *c, const struct ddb_table *spec, struct ca_err *err)
{
	bool prov = spec->billing == DDB_BILLING_PROVISIONED;
	json_t *defs = json_array(), *gsis = json_array(), *in;
	size_t i;
	int rc;

	add_attr_def(defs, &spec->hash);
	add_attr_def(defs, &spec->range);
	for (i = 0; i < spec->n_gsis; i++) {
		add_attr_def(defs, &spec->gsis[i].hash);
		add_attr_def(defs, &spec->gsis[i].range);
		json_array_append_new(gsis, gsi_json(&spec->gsis[i], prov));
	}
	in = json_pack("{s:s, s:o, s:O, s:s}", "TableName", spec->name, "KeySchema",
		       key_schema_json(&spec->hash, &spec->range), "AttributeDefinitions", defs,
		       "BillingMode", prov ? "PROVISIONED" : "PAY_PER_REQUEST");
	if (in && prov)
		json_object_set_new(in, "ProvisionedThroughput",
				    capacity_json(spec->read_capacity, spec->write_capacity));
	if (in && spec->n_gsis)
		json_object_set(in, "GlobalSecondaryIndexes", gsis);
	if (!in) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	rc = op(c, "CreateTable", in, NULL, "ResourceInUseException", CA_EEXIST, err);
out:
	json_decref(defs);
	json_decref(gsis);
	json_decref(in);
	return rc;
}

static const struct ddb_gsi *gsi_named(const struct ddb_table *t, const char *name)
{
	size_t i;

	for (i = 0; t && i < t->n_gsis; i++)
		if (t->gsis[i].name && name && !strcmp(t->gsis[i].name, name))
			return &t->gsis[i];
	return NULL;
}

json_t *ddb_update_capacity_request(const struct ddb_table *want, const struct ddb_table *have)
{
	bool prov = want->billing == DDB_BILLING_PROVISIONED;
	bool switching = !have || have->billing != want->billing;
	json_t *in = json_pack("{s:s}", "TableName", want->name);
	json_t *updates = json_array();
	size_t i;

	if (!in || !updates)
		goto fail;
	if (switching && json_object_set_new(in, "BillingMode", json_string(
			prov ? "PROVISIONED" : "PAY_PER_REQUEST")))
		goto fail;
	if (!prov)
		goto done;
	/* Switching to provisioned needs every capacity; otherwise only those that differ
	 * (DynamoDB refuses a throughput equal to the current one). */
	if ((switching || want->read_capacity != have->read_capacity ||
	     want->write_capacity != have->write_capacity) &&
	    json_object_set_new(in, "ProvisionedThroughput",
				capacity_json(want->read_capacity, want->write_capacity)))
		goto fail;
	for (i = 0; i < want->n_gsis; i++) {
		const struct ddb_gsi *w = &want->gsis[i];
		const struct ddb_gsi *h = switching ? NULL : gsi_named(have, w->name);

		if (h && h->read_capacity == w->read_capacity &&
		    h->write_capacity == w->write_capacity)
			continue;
		if (json_array_append_new(updates, json_pack(
			"{s:{s:s, s:o}}", "Update", "IndexName", w->name, "ProvisionedThroughput",
			capacity_json(w->read_capacity, w->write_capacity))))
			goto fail;
	}
	if (json_array_size(updates) &&
	    json_object_set(in, "GlobalSecondaryIndexUpdates", updates))
		goto fail;
done:
	json_decref(updates);
	return in;
fail:
	json_decref(in);
	json_decref(updates);
	return NULL;
}

int ddb_update_capacity(struct aws_client *c, const struct ddb_table *want,
			const struct ddb_table *have, struct ca_err *err)
{
	json_t *in = ddb_update_capacity_request(want, have);
	int rc;

	if (!in)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if (json_object_size(in) <= 1)          /* TableName alone: nothing changes */
		rc = CA_OK;
	else
		rc = op(c, "UpdateTable", in, NULL, NULL, CA_OK, err);
	json_decref(in);
	return rc;
}

int ddb_delete_table(struct aws_client *c, const char *name, struct ca_err *err)
{
	json_t *in = json_pack("{s:s}", "TableName", name);
	int rc;

	if (!in)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = op(c, "DeleteTable", in, NULL, "ResourceNotFoundException", CA_ENOTFOUND, err);
	json_decref(in);
	return rc;
}

static bool all_active(const struct ddb_table *t)
{
	size_t i;

	if (!t->status || strcmp(t->status, "ACTIVE"))
		return false;
	for (i = 0; i < t->n_gsis; i++)
		if (t->gsis[i].status && strcmp(t->gsis[i].status, "ACTIVE"))
			return false;
	return true;
}

int ddb_wait(struct aws_client *c, const char *name, bool gone, long timeout_s,
	     struct ca_err *err)
{
	struct ddb_table t;
	time_t deadline = time(NULL) + timeout_s;
	struct timespec pause = { 0, 500 * 1000000L };
	char last[32] = "unknown";
	int rc;

	for (;;) {
		rc = ddb_describe_table(c, name, &t, err);
		if (rc == CA_ENOTFOUND && gone)
			return CA_OK;
		if (rc == CA_ENOTFOUND)
			return ca_err_set(err, CA_ENOTFOUND, "table %s disappeared while waiting "
					  "for it to become ACTIVE", name);
		if (rc != CA_OK)
			return rc;
		if (!gone && all_active(&t)) {
			ddb_table_release(&t);
			return CA_OK;
		}
		snprintf(last, sizeof(last), "%s", t.status ? t.status : "unknown");
		ddb_table_release(&t);
		if (time(NULL) >= deadline)
			return ca_err_set(err, CA_ETIMEOUT,
					  "table %s is still %s after %ld s; check it in the "
					  "DynamoDB console and re-run", name, last, timeout_s);
		nanosleep(&pause, NULL);
	}
}

void ddb_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int ddb_list_tables(struct aws_client *c, char ***names, size_t *n, struct ca_err *err)
{
	json_t *in = NULL, *ans = NULL, *v;
	const char *last = NULL;
	char *last_copy = NULL;
	size_t i;
	int rc = CA_OK;

	*names = NULL;
	*n = 0;
	do {
		in = last ? json_pack("{s:s}", "ExclusiveStartTableName", last) : json_object();
		if (!in) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			break;
		}
		rc = op(c, "ListTables", in, &ans, NULL, CA_OK, err);
		json_decref(in);
		if (rc)
			break;
		json_array_foreach(json_object_get(ans, "TableNames"), i, v) {
			char **grown = realloc(*names, (*n + 1) * sizeof(char *));
			if (!grown || !((grown[*n] = ca_strdup(json_string_value(v))))) {
				if (grown)
					*names = grown;
				rc = ca_err_set(err, CA_ENOMEM, "out of memory");
				break;
			}
			*names = grown;
			(*n)++;
		}
		free(last_copy);
		last_copy = ca_strdup(json_string_value(json_object_get(ans, "LastEvaluatedTableName")));
		last = last_copy;
		json_decref(ans);
		ans = NULL;
	} while (rc == CA_OK && last);
	free(last_copy);
	if (rc) {
		ddb_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

int ddb_table_has_items(struct aws_client *c, const char *name, bool *has_items,
			struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:i, s:s}", "TableName", name, "Limit", 1, "Select", "COUNT");
	json_t *ans = NULL;
	int rc;

	*has_items = false;
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = op(c, "Scan", in, &ans, NULL, CA_OK, err);
	if (rc == CA_OK)
		*has_items = json_integer_value(json_object_get(ans, "Count")) > 0 ||
			     json_object_get(ans, "LastEvaluatedKey") != NULL;
	json_decref(in);
	json_decref(ans);
	return rc;
}
