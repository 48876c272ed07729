/*
 * dynamodb_session.c — session revocation state (db.h) in the guard table
 * (`<user table>-guard`, beside the email guards), one item per user: id
 * "session#<user id>", with `user_id` (S), `generation` (N, absent = 0) and
 * `revoked` (SS of "<session id>.<expires>"). The User table holds users only, so
 * the seed application's `User.scan()` never meets it (docs/CONTRACTS.md, "User
 * item"); the user's own item stays exactly as the seed writes it. It works alike for users of the
 * User table and for user-pool users who have no item there (stage 3).
 *
 * A revoke adds to the set and then drops expired entries; when more than
 * DDB_REVOKED_MAX would remain, it starts a new generation instead (every
 * session of that user ends) and empties the set, so the item stays small.
 */
#include "db/dynamodb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define DDB_REVOKED_MAX 100

static char *state_id(const char *user_id)
{
	struct ca_buf id = CA_BUF_INIT;

	ca_buf_addf(&id, "%s%s", DDB_SESSION_PREFIX, user_id);
	return ca_buf_detach(&id, NULL);
}

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
}

/* The generation attribute of item (0 when absent or unreadable). */
static int64_t item_generation(const json_t *item)
{
	const char *n = json_string_value(json_object_get(json_object_get(item, "generation"), "N"));
	char *end = NULL;
	long long v;

	if (!n)
		return 0;
	v = strtoll(n, &end, 10);
	return end && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* The entry's expiry, or -1 when it is not "<id>.<expires>". */
static int64_t entry_expires(const char *entry)
{
	const char *dot = strrchr(entry, '.');
	char *end = NULL;
	long long v;

	if (!dot)
		return -1;
	v = strtoll(dot + 1, &end, 10);
	return end && *end == '\0' && end != dot + 1 ? (int64_t)v : -1;
}

static bool entry_is(const char *entry, const char *session_id)
{
	size_t n = strlen(session_id);

	return strncmp(entry, session_id, n) == 0 && entry[n] == '.';
}

int ddb_session_state(struct ca_db *db, const char *user_id, const char *session_id,
		      int64_t *generation, bool *revoked, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	char *id = state_id(user_id);
	json_t *in = NULL, *answer = NULL, *item, *set;
	size_t i;
	int rc;

	if (!id)
		return oom(err);
	in = json_pack("{s:s, s:{s:o}, s:b, s:s}", "TableName", d->guard_table, "Key", "id",
		       ddb_s(id), "ConsistentRead", 1, "ProjectionExpression",
		       "generation, revoked");
	if (!in) {
		rc = oom(err);
		goto out;
	}
	rc = ddb_call(d, "GetItem", in, &answer, NULL, err);
	if (rc != CA_OK)
		goto out;
	item = json_object_get(answer, "Item");
	*generation = item_generation(item);
	set = json_object_get(json_object_get(item, "revoked"), "SS");
	for (i = 0; session_id && i < json_array_size(set); i++) {
		const char *e = json_string_value(json_array_get(set, i));

		if (e && entry_is(e, session_id))
			*revoked = true;
	}
out:
	free(id);
	json_decref(in);
	json_decref(answer);
	return rc;
}

/* UpdateItem on the state item with expression and values (taken); *out the new item. */
static int update(struct ddb *d, const char *id, const char *user_id, const char *expression,
		  json_t *values, json_t **out, struct ca_err *err)
{
	json_t *in, *answer = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!values || json_object_set_new(values, ":u", ddb_s(user_id)) != 0) {
		json_decref(values);
		return oom(err);
	}
	in = json_pack("{s:s, s:{s:o}, s:s, s:o, s:s}", "TableName", d->guard_table, "Key", "id",
		       ddb_s(id), "UpdateExpression", expression, "ExpressionAttributeValues",
		       values, "ReturnValues", "ALL_NEW");
	if (!in)
		return oom(err);
	rc = ddb_call(d, "UpdateItem", in, &answer, NULL, err);
	json_decref(in);
	if (rc == CA_OK && out)
		*out = json_incref(json_object_get(answer, "Attributes"));
	json_decref(answer);
	return rc;
}

int ddb_sessions_revoke_all(struct ca_db *db, const char *user_id, int64_t *generation,
			    struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	char *id = state_id(user_id);
	json_t *item = NULL;
	int rc;

	if (!id)
		return oom(err);
	rc = update(d, id, user_id, "SET user_id = :u ADD generation :one REMOVE revoked",
		    json_pack("{s:o}", ":one", ddb_n_i64(1)), &item, err);
	if (rc == CA_OK)
		*generation = item_generation(item);
	json_decref(item);
	free(id);
	return rc;
}

int ddb_session_revoke(struct ca_db *db, const char *user_id, const char *session_id,
		       int64_t expires, int64_t now, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	char *id = state_id(user_id);
	char entry[CA_DB_SESSION_ID_MAX + 32];
	json_t *item = NULL, *set, *stale = NULL;
	size_t i, live = 0;
	int64_t gen;
	int rc;

	if (!id)
		return oom(err);
	snprintf(entry, sizeof(entry), "%s.%lld", session_id, (long long)expires);
	rc = update(d, id, user_id, "SET user_id = :u ADD revoked :r",
		    json_pack("{s:{s:[s]}}", ":r", "SS", entry), &item, err);
	if (rc != CA_OK)
		goto out;
	set = json_object_get(json_object_get(item, "revoked"), "SS");
	stale = json_array();
	for (i = 0; stale && i < json_array_size(set); i++) {
		const char *e = json_string_value(json_array_get(set, i));

		if (e && entry_expires(e) >= now)
			live++;
		else if (e && json_array_append_new(stale, json_string(e)) != 0)
			break;
	}
	if (!stale || i < json_array_size(set)) {
		rc = oom(err);
		goto out;
	}
	if (live > DDB_REVOKED_MAX)
		rc = ddb_sessions_revoke_all(db, user_id, &gen, err);
	else if (json_array_size(stale) > 0)
		rc = update(d, id, user_id, "SET user_id = :u DELETE revoked :old",
			    json_pack("{s:{s:O}}", ":old", "SS", stale), NULL, err);
out:
	json_decref(stale);
	json_decref(item);
	free(id);
	return rc;
}
