/*
 * dynamodb.c — the DynamoDB backend: opening (options or URL), the table
 * checks, and the user operations. Photos are in dynamodb_photo.c.
 */
#include "db/dynamodb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dynamodb_internal.h"
#include "http/urlcode.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/uuid.h"
#include "util/banned.h"

/* ---- users ---- */

/* Whether the email index already holds email (users written with or without a guard). */
static int email_in_index(struct ddb *d, const char *email, bool *taken, struct ca_err *err)
{
	json_t *in, *out = NULL;
	int rc;

	*taken = false;
	in = json_pack("{s:s, s:s, s:s, s:{s:o}, s:s}", "TableName", d->user_table, "IndexName",
		       CA_DDB_EMAIL_INDEX, "KeyConditionExpression", "email = :e",
		       "ExpressionAttributeValues", ":e", ddb_s(email), "Select", "COUNT");
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB query.");
	rc = ddb_call(d, "Query", in, &out, NULL, err);
	if (rc == CA_OK)
		*taken = json_integer_value(json_object_get(out, "Count")) > 0;
	json_decref(in);
	json_decref(out);
	return rc;
}

/* Whether a cancelled transaction's item i failed with reason `code`. */
static bool cancelled_with(const struct aws_result *f, size_t i, const char *code)
{
	json_t *reason = json_array_get(json_object_get(f->output, "CancellationReasons"), i);
	const char *got = json_string_value(json_object_get(reason, "Code"));

	return got && strcmp(got, code) == 0;
}

static int user_create_locked(struct ca_db *db, const struct ca_user *in, char **id_out,
			      struct ca_err *err);

static int ddb_user_create(struct ca_db *db, const struct ca_user *in, char **id_out,
			   struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	int rc;

	pthread_mutex_lock(&d->create_lock);
	rc = user_create_locked(db, in, id_out, err);
	pthread_mutex_unlock(&d->create_lock);
	return rc;
}

static int user_create_locked(struct ca_db *db, const struct ca_user *in, char **id_out,
			      struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	struct aws_result fail = { 0 };
	struct ca_user user = *in;
	char id[CA_UUID_HEX_LEN + 1];
	json_t *req = NULL;
	bool taken = false;
	int rc, attempt;

	rc = email_in_index(d, in->email, &taken, err);
	if (rc == CA_OK && taken)
		rc = ca_err_set(err, CA_DB_CONFLICT, "A user with that email address already exists.");
	if (rc != CA_OK)
		goto out;
	/* tried again only when the random id was taken or another transaction on the
	 * same items was in flight (which then decides the email's owner) */
	for (attempt = 0; attempt < DDB_USER_CREATE_TRIES; attempt++) {
		if (attempt && err)
			ca_err_clear(err);
		if (ca_uuid4_hex(id) != CA_OK) {
			rc = ca_err_set(err, CA_EIO, "Could not read random bytes for a new user id.");
			goto out;
		}
		json_decref(req);
		/* The new id is the idempotency token: unique to this logical write, the same
		 * on every retry of it by the client layer, so a retry after a commit whose
		 * answer was lost succeeds instead of failing the guard (docs/CONTRACTS.md). */
		user.id = id;
		req = json_pack("{s:s, s:[{s:{s:s, s:o, s:s}}, {s:{s:s, s:o, s:s}}]}",
				"ClientRequestToken", id, "TransactItems",
				"Put", "TableName", d->user_table, "Item", ddb_user_item(&user),
				"ConditionExpression", "attribute_not_exists(id)",
				"Put", "TableName", d->guard_table, "Item",
				ddb_guard_item(in->email, id),
				"ConditionExpression", "attribute_not_exists(id)");
		if (!req) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory creating a user.");
			goto out;
		}
		rc = ddb_call(d, "TransactWriteItems", req, NULL, &fail, err);
		if (rc == CA_OK || !ddb_failed_with(&fail, "TransactionCanceledException"))
			break;
		if (err)
			ca_err_clear(err);
		if (cancelled_with(&fail, 0, "ConditionalCheckFailed") ||
		    cancelled_with(&fail, 0, "TransactionConflict") ||
		    cancelled_with(&fail, 1, "TransactionConflict")) {
			rc = ca_err_set(err, CA_DB_QUERY,
					"The user table was busy creating this user; try again.");
			continue;
		}
		/* the guard's condition failed (or the service gave no reasons) */
		rc = ca_err_set(err, CA_DB_CONFLICT, "A user with that email address already exists.");
		break;
	}
	if (rc == CA_OK) {
		*id_out = ca_strdup(id);
		if (!*id_out)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory creating a user.");
	}
out:
	aws_result_release(&fail);
	json_decref(req);
	return rc;
}

static int get_user(struct ddb *d, const char *id, struct ca_user *out, struct ca_err *err)
{
	json_t *in, *answer = NULL;
	int rc;

	if (ca_starts_with(id, DDB_GUARD_PREFIX) || ca_starts_with(id, DDB_SESSION_PREFIX))
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	in = json_pack("{s:s, s:{s:o}, s:b}", "TableName", d->user_table, "Key", "id", ddb_s(id),
		       "ConsistentRead", 1);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
	rc = ddb_call(d, "GetItem", in, &answer, NULL, err);
	if (rc == CA_OK) {
		json_t *item = json_object_get(answer, "Item");

		if (!json_is_object(item))
			rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
		else
			rc = ddb_user_from_item(item, out, err);
	}
	json_decref(in);
	json_decref(answer);
	return rc;
}

static int ddb_user_find_by_id(struct ca_db *db, const char *id, struct ca_user *out,
			       struct ca_err *err)
{
	return get_user(ddb_of(db), id, out, err);
}

static int ddb_user_find_by_email(struct ca_db *db, const char *email, struct ca_user *out,
				  struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	json_t *in, *answer = NULL, *items;
	char *id = NULL;
	size_t i;
	int rc;

	in = json_pack("{s:s, s:s, s:s, s:{s:o}}", "TableName", d->user_table, "IndexName",
		       CA_DDB_EMAIL_INDEX, "KeyConditionExpression", "email = :e",
		       "ExpressionAttributeValues", ":e", ddb_s(email));
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB query.");
	rc = ddb_call(d, "Query", in, &answer, NULL, err);
	if (rc != CA_OK)
		goto out;
	items = json_object_get(answer, "Items");
	/* several users with one email can only come from writers without the guard: take
	 * the first, as the seed application did */
	for (i = 0; i < json_array_size(items) && !id; i++) {
		rc = ddb_attr_text(json_array_get(items, i), "id", &id);
		if (rc != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a user.");
			goto out;
		}
	}
	if (!id) {
		rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that email address.");
		goto out;
	}
	rc = get_user(d, id, out, err);
	if (rc == CA_DB_NOTFOUND) {
		if (err)
			ca_err_clear(err);
		rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that email address.");
	}
out:
	free(id);
	json_decref(in);
	json_decref(answer);
	return rc;
}

static int ddb_user_update(struct ca_db *db, const char *id, const char *username,
			   const char *password, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	struct aws_result fail = { 0 };
	struct ca_buf expr = CA_BUF_INIT;
	json_t *in = NULL, *values = NULL;
	int rc;

	if (ca_starts_with(id, DDB_GUARD_PREFIX) || ca_starts_with(id, DDB_SESSION_PREFIX))
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	values = json_object();
	ca_buf_adds(&expr, "SET ");
	if (username) {
		ca_buf_adds(&expr, "username = :u");
		json_object_set_new(values, ":u", ddb_s(username));
	}
	if (password) {
		ca_buf_adds(&expr, username ? ", password = :p" : "password = :p");
		json_object_set_new(values, ":p", ddb_s(password));
	}
	in = json_pack("{s:s, s:{s:o}, s:s, s:s, s:O}", "TableName", d->user_table, "Key", "id",
		       ddb_s(id), "UpdateExpression", expr.data, "ConditionExpression",
		       "attribute_exists(email)", "ExpressionAttributeValues", values);
	if (!in || !ca_buf_ok(&expr) || json_object_size(values) != (username ? 1u : 0u) + (password ? 1u : 0u)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
		goto out;
	}
	rc = ddb_call(d, "UpdateItem", in, NULL, &fail, err);
	if (rc != CA_OK && ddb_failed_with(&fail, "ConditionalCheckFailedException")) {
		if (err)
			ca_err_clear(err);
		rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	}
out:
	aws_result_release(&fail);
	ca_buf_release(&expr);
	json_decref(values);
	json_decref(in);
	return rc;
}

/* ---- opening ---- */

static void ddb_close(struct ca_db *db)
{
	struct ddb *d = ddb_of(db);

	if (!d)
		return;
	if (d->own_client)
		aws_client_free(d->client);
	free(d->user_table);
	free(d->photo_table);
	free(d->guard_table);
	pthread_mutex_destroy(&d->create_lock);
	free(d);
}

/* Deletes the user's item, then the guard item of its email when that names this user
 * (a user written without a guard has none; another user's guard is left alone). */
static int ddb_user_delete(struct ca_db *db, const char *id, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	struct aws_result fail = { 0 };
	struct ca_user user = { 0 };
	char *guard = NULL;
	json_t *in = NULL;
	int rc;

	rc = get_user(d, id, &user, err);
	if (rc != CA_OK)
		goto out;
	guard = ddb_guard_id(user.email ? user.email : "");
	in = json_pack("{s:s, s:{s:o}}", "TableName", d->user_table, "Key", "id", ddb_s(id));
	if (!in || !guard) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
		goto out;
	}
	rc = ddb_call(d, "DeleteItem", in, NULL, NULL, err);
	if (rc != CA_OK || !user.email)
		goto out;
	json_decref(in);
	in = json_pack("{s:s, s:{s:o}, s:s, s:{s:o}}", "TableName", d->guard_table, "Key", "id",
		       ddb_s(guard), "ConditionExpression", "user_id = :u",
		       "ExpressionAttributeValues", ":u", ddb_s(id));
	if (!in) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
		goto out;
	}
	rc = ddb_call(d, "DeleteItem", in, NULL, &fail, err);
	if (rc != CA_OK && ddb_failed_with(&fail, "ConditionalCheckFailedException")) {
		if (err)
			ca_err_clear(err);
		rc = CA_OK;
	}
out:
	aws_result_release(&fail);
	ca_user_release(&user);
	free(guard);
	json_decref(in);
	return rc;
}

static const struct ca_db_ops dynamodb_ops = {
	.name = "dynamodb",
	.user_create = ddb_user_create,
	.user_find_by_email = ddb_user_find_by_email,
	.user_find_by_id = ddb_user_find_by_id,
	.user_update = ddb_user_update,
	.photo_create = ddb_photo_create,
	.photo_get = ddb_photo_get,
	.photo_list = ddb_photo_list,
	.photo_update = ddb_photo_update,
	.photo_delete = ddb_photo_delete,
	.session_state = ddb_session_state,
	.session_revoke = ddb_session_revoke,
	.sessions_revoke_all = ddb_sessions_revoke_all,
	.close = ddb_close,
	.user_delete = ddb_user_delete,
	.photo_count = ddb_photo_count,
};

/* DynamoDB's rule for table names: 3..255 of [A-Za-z0-9_.-]. */
static int check_table_name(const char *what, const char *name, struct ca_err *err)
{
	size_t n = strnlen(name, DDB_TABLE_NAME_MAX + 1), i;

	if (n < 3 || n > DDB_TABLE_NAME_MAX)
		return ca_err_set(err, CA_EINVAL, "The %s table name must be 3 to 255 characters long.",
				  what);
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return ca_err_set(err, CA_EINVAL,
					  "The %s table name may hold only letters, digits, '_', '-' and '.'.",
					  what);
	}
	return CA_OK;
}

/* true when key_schema (a KeySchema array) has attr as key_type. */
static bool has_key(const json_t *key_schema, const char *attr, const char *key_type)
{
	size_t i;

	for (i = 0; i < json_array_size(key_schema); i++) {
		const json_t *k = json_array_get(key_schema, i);
		const char *a = json_string_value(json_object_get(k, "AttributeName"));
		const char *t = json_string_value(json_object_get(k, "KeyType"));

		if (a && t && strcmp(a, attr) == 0 && strcmp(t, key_type) == 0)
			return true;
	}
	return false;
}

/* The declared type ("S", "N") of attr in the table's AttributeDefinitions, or "". */
static const char *attr_type(const json_t *table, const char *attr)
{
	const json_t *defs = json_object_get(table, "AttributeDefinitions");
	size_t i;

	for (i = 0; i < json_array_size(defs); i++) {
		const json_t *def = json_array_get(defs, i);
		const char *a = json_string_value(json_object_get(def, "AttributeName"));
		const char *t = json_string_value(json_object_get(def, "AttributeType"));

		if (a && t && strcmp(a, attr) == 0)
			return t;
	}
	return "";
}

static bool has_email_index(const json_t *table)
{
	const json_t *gsis = json_object_get(table, "GlobalSecondaryIndexes");
	size_t i;

	for (i = 0; i < json_array_size(gsis); i++) {
		const json_t *g = json_array_get(gsis, i);
		const char *name = json_string_value(json_object_get(g, "IndexName"));

		if (name && strcmp(name, CA_DDB_EMAIL_INDEX) == 0)
			return has_key(json_object_get(g, "KeySchema"), "email", "HASH");
	}
	return false;
}

static int describe(struct ddb *d, const char *name, json_t **table, struct ca_err *err)
{
	json_t *in = json_pack("{s:s}", "TableName", name), *out = NULL;
	int rc;

	*table = NULL;
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = ddb_call(d, "DescribeTable", in, &out, NULL, err);
	json_decref(in);
	if (rc == CA_DB_SCHEMA) {
		if (err)
			ca_err_clear(err);
		return ca_err_set(err, CA_DB_SCHEMA,
				  "The DynamoDB table %s does not exist in region %s; create the tables with stage 1 (make stage-1).",
				  name, aws_client_region(d->client));
	}
	if (rc == CA_OK) {
		*table = json_incref(json_object_get(out, "Table"));
		json_decref(out);
	}
	return rc;
}

char *ca_ddb_guard_table(const char *user_table)
{
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_adds(&b, user_table);
	ca_buf_adds(&b, CA_DDB_GUARD_SUFFIX);
	return ca_buf_detach(&b, NULL);
}

static int check_tables(struct ddb *d, struct ca_err *err)
{
	json_t *user = NULL, *photo = NULL, *guard = NULL;
	int rc;

	rc = describe(d, d->user_table, &user, err);
	if (rc == CA_OK)
		rc = describe(d, d->photo_table, &photo, err);
	if (rc == CA_OK)
		rc = describe(d, d->guard_table, &guard, err);
	if (rc != CA_OK)
		goto out;
	if (!has_key(json_object_get(user, "KeySchema"), "id", "HASH") ||
	    json_array_size(json_object_get(user, "KeySchema")) != 1 ||
	    strcmp(attr_type(user, "id"), "S") != 0) {
		rc = ca_err_set(err, CA_DB_SCHEMA,
				"The DynamoDB table %s is not a User table: its key must be id (S) alone.",
				d->user_table);
	} else if (!has_email_index(user)) {
		rc = ca_err_set(err, CA_DB_SCHEMA,
				"The DynamoDB table %s lacks the index " CA_DDB_EMAIL_INDEX
				" on email; recreate it with stage 1.", d->user_table);
	} else if (!has_key(json_object_get(photo, "KeySchema"), "user_id", "HASH") ||
		   !has_key(json_object_get(photo, "KeySchema"), "id", "RANGE") ||
		   strcmp(attr_type(photo, "user_id"), "S") != 0 ||
		   strcmp(attr_type(photo, "id"), "N") != 0) {
		rc = ca_err_set(err, CA_DB_SCHEMA,
				"The DynamoDB table %s is not a Photo table: its keys must be user_id (S) and id (N).",
				d->photo_table);
	} else if (!has_key(json_object_get(guard, "KeySchema"), "id", "HASH") ||
		   json_array_size(json_object_get(guard, "KeySchema")) != 1 ||
		   strcmp(attr_type(guard, "id"), "S") != 0) {
		rc = ca_err_set(err, CA_DB_SCHEMA,
				"The DynamoDB table %s is not the email guard table: its key must be id (S) alone.",
				d->guard_table);
	}
out:
	json_decref(user);
	json_decref(photo);
	json_decref(guard);
	return rc;
}

int ca_db_dynamodb_open(const struct ca_db_dynamodb_options *opt, struct ca_db **out,
			struct ca_err *err)
{
	struct ca_db_dynamodb_options none = { 0 };
	struct ddb *d = NULL;
	int rc;

	*out = NULL;
	if (!opt)
		opt = &none;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	d->base.ops = &dynamodb_ops;
	pthread_mutex_init(&d->create_lock, NULL);
	d->user_table = ca_strdup(opt->user_table ? opt->user_table : CA_DDB_USER_TABLE_DEFAULT);
	d->photo_table = ca_strdup(opt->photo_table ? opt->photo_table : CA_DDB_PHOTO_TABLE_DEFAULT);
	d->owners_external = opt->owners_external;
	d->guard_table = d->user_table ? ca_ddb_guard_table(d->user_table) : NULL;
	if (!d->user_table || !d->photo_table || !d->guard_table) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto fail;
	}
	rc = check_table_name("user", d->user_table, err);
	if (rc == CA_OK && strlen(d->user_table) > CA_DDB_USER_TABLE_MAX)
		rc = ca_err_set(err, CA_EINVAL,
				"The user table name must be at most %zu characters long (its guard table adds \"" CA_DDB_GUARD_SUFFIX "\").",
				(size_t)CA_DDB_USER_TABLE_MAX);
	if (rc == CA_OK)
		rc = check_table_name("photo", d->photo_table, err);
	if (rc != CA_OK)
		goto fail;
	if (opt->client) {
		d->client = opt->client;
	} else {
		struct aws_client_options copt;
		struct ca_err step;

		memset(&copt, 0, sizeof(copt));
		ca_err_clear(&step);
		copt.fallback_region = opt->region;
		copt.endpoint = opt->endpoint;
		rc = aws_client_new(&copt, &d->client, &step);
		if (rc != CA_OK) {
			rc = ca_err_set(err, rc == CA_ENOMEM ? CA_ENOMEM : CA_DB_CONNECT, "%s",
					ca_err_msg(&step));
			goto fail;
		}
		d->own_client = true;
	}
	rc = check_tables(d, err);
	if (rc != CA_OK)
		goto fail;
	*out = &d->base;
	return CA_OK;
fail:
	ddb_close(&d->base);
	return rc;
}

/* Stores the decoded value of one URL option into *slot (once). */
static int url_option(const char *value, size_t len, const char *name, char **slot,
		      struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;

	if (*slot)
		return ca_err_set(err, CA_EINVAL, "The database URL gives %s twice.", name);
	if (ca_http_percent_decode(value, len, false, &b) != CA_OK) {
		ca_buf_release(&b);
		return ca_err_set(err, CA_EINVAL, "The database URL's %s is not properly percent-encoded.",
				  name);
	}
	*slot = ca_buf_detach(&b, NULL);
	return *slot ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

int ca_db_dynamodb_open_url(const char *url, struct ca_db **out, struct ca_err *err)
{
	static const char *const names[] = { "user_table", "photo_table", "region", "endpoint" };
	char *values[4] = { NULL, NULL, NULL, NULL };
	struct ca_db_dynamodb_options opt = { 0 };
	const char *p;
	size_t i;
	int rc = CA_OK;

	*out = NULL;
	if (!url || !ca_starts_with(url, "dynamodb://"))
		return ca_err_set(err, CA_EINVAL, "A DynamoDB database URL starts with dynamodb://.");
	p = url + strlen("dynamodb://");
	if (*p && *p != '?')
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "A DynamoDB database URL names no host (dynamodb://?region=R&endpoint=URL); the endpoint goes in ?endpoint=.");
	if (*p == '?')
		p++;
	while (*p && rc == CA_OK) {
		const char *amp = strchr(p, '&'), *eq;
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		bool known = false;

		eq = memchr(p, '=', len);
		if (!eq) {
			rc = ca_err_set(err, CA_EINVAL, "The database URL option \"%.*s\" has no value.",
					(int)(len > 40 ? 40 : len), p);
			break;
		}
		for (i = 0; i < 4 && !known; i++) {
			if (strlen(names[i]) == (size_t)(eq - p) && memcmp(p, names[i], (size_t)(eq - p)) == 0) {
				known = true;
				rc = url_option(eq + 1, len - (size_t)(eq - p) - 1, names[i], &values[i], err);
			}
		}
		if (!known)
			rc = ca_err_set(err, CA_EINVAL,
					"The database URL option \"%.*s\" is unknown; dynamodb:// takes user_table, photo_table, region and endpoint.",
					(int)((size_t)(eq - p) > 40 ? 40 : (size_t)(eq - p)), p);
		p += len;
		if (*p == '&')
			p++;
	}
	if (rc == CA_OK) {
		opt.client = NULL;
		opt.user_table = values[0] && *values[0] ? values[0] : NULL;
		opt.photo_table = values[1] && *values[1] ? values[1] : NULL;
		opt.region = values[2] && *values[2] ? values[2] : NULL;
		opt.endpoint = values[3] && *values[3] ? values[3] : NULL;
		rc = ca_db_dynamodb_open(&opt, out, err);
	}
	for (i = 0; i < 4; i++)
		free(values[i]);
	return rc;
}
