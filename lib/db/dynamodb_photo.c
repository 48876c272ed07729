/*
 * dynamodb_photo.c — the photo operations of the DynamoDB backend: create with a
 * unique epoch-millisecond id, get, list and search newest first, update, delete.
 * The range key is the upload time, so the upload order is the table's; the taken-date
 * order has no index (docs/CONTRACTS.md): each page of it reads all the owner's photos
 * (at most CA_DB_SORT_MAX) and sorts them here.
 */
#include "db/dynamodb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/banned.h"

/* Items read per Query while searching (matching is done here, see dynamodb.h). */
#define DDB_SEARCH_BATCH 200
/* Pages a photo count may read (each up to 1 MB of items, over a thousand photos). */
#define DDB_COUNT_PAGES_MAX 1000

static int not_found(struct ca_err *err)
{
	return ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
}

/* Replaces a condition failure's message with "not found". */
static int condition_to_not_found(int rc, const struct aws_result *fail, struct ca_err *err)
{
	if (rc != CA_OK && ddb_failed_with(fail, "ConditionalCheckFailedException")) {
		if (err)
			ca_err_clear(err);
		return not_found(err);
	}
	return rc;
}

static json_t *photo_key(const char *owner_id, int64_t id)
{
	return json_pack("{s:o, s:o}", "user_id", ddb_s(owner_id), "id", ddb_n_i64(id));
}

static int owner_exists(struct ddb *d, const char *owner_id, struct ca_err *err)
{
	json_t *in, *out = NULL;
	int rc;

	if (ca_starts_with(owner_id, DDB_GUARD_PREFIX))
		return ca_err_set(err, CA_DB_NOTFOUND, "The photo's owner does not exist.");
	in = json_pack("{s:s, s:{s:o}, s:s, s:b}", "TableName", d->user_table, "Key", "id",
		       ddb_s(owner_id), "ProjectionExpression", "id, email", "ConsistentRead", 1);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
	rc = ddb_call(d, "GetItem", in, &out, NULL, err);
	if (rc == CA_OK && !json_object_get(json_object_get(out, "Item"), "email"))
		rc = ca_err_set(err, CA_DB_NOTFOUND, "The photo's owner does not exist.");
	json_decref(in);
	json_decref(out);
	return rc;
}

int ddb_photo_create(struct ca_db *db, const char *owner_id, bool *owner_known,
		     const struct ca_photo *in, struct ca_photo *out, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	struct aws_result fail = { 0 };
	struct ca_db_date date;
	json_t *req = NULL;
	int64_t id;
	int rc, tries;

	/* the guard table's items are never owners, whatever the caller knows */
	if (ca_starts_with(owner_id, DDB_GUARD_PREFIX))
		return ca_err_set(err, CA_DB_NOTFOUND, "The photo's owner does not exist.");
	if (!d->owners_external && !*owner_known) {
		rc = owner_exists(d, owner_id, err);
		if (rc != CA_OK)
			return rc;
		*owner_known = true;
	}
	/* the wrapper has set and checked upload_date */
	rc = ca_db_date_parse(in->upload_date, &date, err);
	if (rc != CA_OK)
		return rc;
	id = ca_db_date_epoch_ms(&date);
	for (tries = 0; tries < DDB_PHOTO_ID_TRIES; tries++, id++) {
		json_decref(req);
		req = json_pack("{s:s, s:o, s:s}", "TableName", d->photo_table, "Item",
				ddb_photo_item(owner_id, id, in), "ConditionExpression",
				"attribute_not_exists(id)");
		if (!req) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a photo item.");
			goto out;
		}
		rc = ddb_call(d, "PutItem", req, NULL, &fail, err);
		if (rc == CA_OK || !ddb_failed_with(&fail, "ConditionalCheckFailedException"))
			break;
		if (err)
			ca_err_clear(err);
		rc = ca_err_set(err, CA_DB_CONFLICT,
				"Every photo id from the upload time on is taken; try again.");
	}
	/* the stored record is the item as written: what a GetItem would give back */
	if (rc == CA_OK)
		rc = ddb_photo_from_item(json_object_get(req, "Item"), out, err);
out:
	aws_result_release(&fail);
	json_decref(req);
	return rc;
}

int ddb_photo_get(struct ca_db *db, const char *owner_id, const char *photo_id,
		  struct ca_photo *out, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	json_t *in, *answer = NULL, *item;
	int64_t id;
	int rc;

	if (!ddb_parse_photo_id(photo_id, &id))
		return not_found(err);
	in = json_pack("{s:s, s:o, s:b}", "TableName", d->photo_table, "Key",
		       photo_key(owner_id, id), "ConsistentRead", 1);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
	rc = ddb_call(d, "GetItem", in, &answer, NULL, err);
	if (rc == CA_OK) {
		item = json_object_get(answer, "Item");
		rc = json_is_object(item) ? ddb_photo_from_item(item, out, err) : not_found(err);
	}
	json_decref(in);
	json_decref(answer);
	return rc;
}

static bool photo_matches(const struct ca_photo *p, const char *keyword)
{
	return !keyword || ddb_contains_nocase(p->tags, keyword) ||
	       ddb_contains_nocase(p->desc, keyword) || ddb_contains_nocase(p->city, keyword) ||
	       ddb_contains_nocase(p->nation, keyword) || ddb_contains_nocase(p->address, keyword) ||
	       ddb_contains_nocase(p->filename_orig, keyword);
}

/* One Query of the owner's items, newest first, from *start (NULL: the top). */
static int query_page(struct ddb *d, const char *owner_id, json_t *start, size_t limit,
		      json_t **answer, struct ca_err *err)
{
	json_t *in;
	int rc;

	in = json_pack("{s:s, s:s, s:{s:o}, s:b, s:b, s:I}", "TableName", d->photo_table,
		       "KeyConditionExpression", "user_id = :u", "ExpressionAttributeValues",
		       ":u", ddb_s(owner_id), "ScanIndexForward", 0, "ConsistentRead", 1,
		       "Limit", (json_int_t)limit);
	if (in && start && json_object_set(in, "ExclusiveStartKey", start) != 0) {
		json_decref(in);
		in = NULL;
	}
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB query.");
	rc = ddb_call(d, "Query", in, answer, NULL, err);
	json_decref(in);
	return rc;
}

/* A photo and where it sits in the taken-date order. */
struct taken_entry {
	char taken[CA_DB_DATE_LEN + 1]; /* canonical, or "" without a taken date */
	int64_t id;
	struct ca_photo photo;
};

/* Taken date newest first, photos without one last; ties: newest id first. */
static int taken_order(const char *ta, int64_t ia, const char *tb, int64_t ib)
{
	int c;

	if (!*ta != !*tb)
		return *ta ? -1 : 1;
	c = strcmp(tb, ta);
	if (c)
		return c;
	return ia > ib ? -1 : ia < ib ? 1 : 0;
}

static int taken_entry_cmp(const void *a, const void *b)
{
	const struct taken_entry *x = a, *y = b;

	return taken_order(x->taken, x->id, y->taken, y->id);
}

static void taken_entries_release(struct taken_entry *e, size_t n)
{
	size_t i;

	for (i = 0; e && i < n; i++)
		ca_photo_release(&e[i].photo);
	free(e);
}

/* Every photo of the owner matching q->keyword, at most CA_DB_SORT_MAX. */
static int taken_entries_read(struct ddb *d, const char *owner_id, const char *keyword,
			      struct taken_entry **entries, size_t *count, struct ca_err *err)
{
	json_t *start = NULL, *answer = NULL, *items, *last;
	struct taken_entry *all = NULL;
	size_t n = 0, cap = 0, read = 0, i;
	int rc = CA_OK;

	for (;;) {
		json_decref(answer);
		answer = NULL;
		rc = query_page(d, owner_id, start, DDB_SEARCH_BATCH * 5, &answer, err);
		if (rc != CA_OK)
			goto out;
		items = json_object_get(answer, "Items");
		for (i = 0; i < json_array_size(items); i++) {
			struct taken_entry *e;
			struct ca_db_date date;
			const char *taken;

			if (++read > CA_DB_SORT_MAX) {
				rc = ca_err_set(err, CA_EINVAL, "Sorting by date taken works for albums of "
						"up to %d photos; sort this one by upload date.",
						CA_DB_SORT_MAX);
				goto out;
			}
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct taken_entry *grown = realloc(all, ncap * sizeof(*all));

				if (!grown) {
					rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
					goto out;
				}
				all = grown;
				cap = ncap;
			}
			e = &all[n];
			memset(e, 0, sizeof(*e));
			rc = ddb_photo_from_item(json_array_get(items, i), &e->photo, err);
			if (rc != CA_OK)
				goto out;
			if (!photo_matches(&e->photo, keyword) ||
			    !ddb_parse_photo_id(e->photo.id, &e->id)) {
				ca_photo_release(&e->photo);
				continue;
			}
			taken = e->photo.taken_date; /* not ddb_taken_date(): no fallback here */
			if (taken && ca_db_date_parse(taken, &date, NULL) == CA_OK)
				ca_db_date_format(&date, e->taken);
			n++;
		}
		last = json_object_get(answer, "LastEvaluatedKey");
		if (!json_is_object(last))
			break;
		json_decref(start);
		start = json_incref(last);
	}
out:
	json_decref(start);
	json_decref(answer);
	if (rc != CA_OK) {
		taken_entries_release(all, n);
		all = NULL;
		n = 0;
	}
	*entries = all;
	*count = n;
	return rc;
}

/* The taken-date order: all matching photos sorted, the page after the cursor's photo. */
static int photo_list_by_taken(struct ddb *d, const char *owner_id,
			       const struct ca_photo_query *q, struct ca_photo_page *out,
			       struct ca_err *err)
{
	char after_taken[CA_DB_DATE_LEN + 1] = "";
	struct taken_entry *all = NULL;
	size_t n = 0, from = 0, i;
	int64_t after_id = 0;
	int rc;

	if (q->cursor && !ddb_taken_cursor_parse(q->cursor, after_taken, &after_id))
		return ca_err_set(err, CA_EINVAL, "The page cursor is not one this server issued.");
	rc = taken_entries_read(d, owner_id, q->keyword, &all, &n, err);
	if (rc != CA_OK)
		return rc;
	if (n)
		qsort(all, n, sizeof(*all), taken_entry_cmp);
	if (q->cursor)
		while (from < n && taken_order(all[from].taken, all[from].id, after_taken, after_id) <= 0)
			from++;
	out->photos = calloc(q->limit, sizeof(*out->photos));
	if (!out->photos) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
		goto out;
	}
	for (i = from; i < n && out->count < q->limit; i++) {
		out->photos[out->count++] = all[i].photo;
		memset(&all[i].photo, 0, sizeof(all[i].photo));
	}
	if (i < n) {
		out->next_cursor = ddb_taken_cursor_format(all[i - 1].taken[0] ? all[i - 1].taken : NULL,
							   all[i - 1].id);
		if (!out->next_cursor)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
	}
out:
	if (rc != CA_OK)
		ca_photo_page_release(out);
	taken_entries_release(all, n);
	return rc;
}

int ddb_photo_list(struct ca_db *db, const char *owner_id, const struct ca_photo_query *q,
		   struct ca_photo_page *out, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	size_t limit = q->limit, i;
	json_t *start = NULL, *answer = NULL;
	bool more = false, done = false;
	int64_t after;
	int rc = CA_OK;

	if (q->order == CA_PHOTO_BY_TAKEN)
		return photo_list_by_taken(d, owner_id, q, out, err);
	if (q->cursor) {
		if (!ddb_cursor_parse(q->cursor, &after))
			return ca_err_set(err, CA_EINVAL, "The page cursor is not one this server issued.");
		start = photo_key(owner_id, after);
		if (!start)
			return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	out->photos = calloc(limit, sizeof(*out->photos));
	if (!out->photos) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
		goto out;
	}
	while (!done) {
		size_t want = q->keyword ? DDB_SEARCH_BATCH : limit + 1 - out->count;
		json_t *items, *last;

		json_decref(answer);
		answer = NULL;
		rc = query_page(d, owner_id, start, want, &answer, err);
		if (rc != CA_OK)
			goto out;
		items = json_object_get(answer, "Items");
		for (i = 0; i < json_array_size(items); i++) {
			struct ca_photo p;

			rc = ddb_photo_from_item(json_array_get(items, i), &p, err);
			if (rc != CA_OK)
				goto out;
			if (!photo_matches(&p, q->keyword)) {
				ca_photo_release(&p);
				continue;
			}
			if (out->count == limit) {
				/* one match past the page: there is a next page */
				ca_photo_release(&p);
				more = true;
				done = true;
				break;
			}
			out->photos[out->count++] = p;
		}
		last = json_object_get(answer, "LastEvaluatedKey");
		if (!done && !json_is_object(last))
			done = true;
		if (!done) {
			json_decref(start);
			start = json_incref(last);
		}
	}
	if (more) {
		int64_t id;

		if (!ddb_parse_photo_id(out->photos[limit - 1].id, &id)) {
			rc = ca_err_set(err, CA_DB_QUERY, "A photo id is not a number.");
			goto out;
		}
		out->next_cursor = ddb_cursor_format(id);
		if (!out->next_cursor)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
	}
out:
	if (rc != CA_OK)
		ca_photo_page_release(out);
	json_decref(start);
	json_decref(answer);
	return rc;
}

/*
 * The owner's photo count: a Query with Select=COUNT reads only the key condition's
 * items and returns their number (up to 1 MB of items per page, so a large album
 * takes a few pages; each is summed). Eventually consistent: a count, not a list.
 */
int ddb_photo_count(struct ca_db *db, const char *owner_id, int64_t *count, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	json_t *start = NULL, *answer = NULL, *in = NULL, *last;
	int pages = 0;
	int rc = CA_OK;

	*count = 0;
	for (;;) {
		in = json_pack("{s:s, s:s, s:{s:o}, s:s}", "TableName", d->photo_table,
			       "KeyConditionExpression", "user_id = :u", "ExpressionAttributeValues",
			       ":u", ddb_s(owner_id), "Select", "COUNT");
		if (in && start && json_object_set(in, "ExclusiveStartKey", start) != 0) {
			json_decref(in);
			in = NULL;
		}
		if (!in) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB query.");
			goto out;
		}
		json_decref(answer);
		answer = NULL;
		rc = ddb_call(d, "Query", in, &answer, NULL, err);
		json_decref(in);
		in = NULL;
		if (rc != CA_OK)
			goto out;
		if (json_is_integer(json_object_get(answer, "Count")))
			*count += (int64_t)json_integer_value(json_object_get(answer, "Count"));
		last = json_object_get(answer, "LastEvaluatedKey");
		if (!json_is_object(last))
			break;
		if (++pages >= DDB_COUNT_PAGES_MAX) {
			rc = ca_err_set(err, CA_DB_QUERY, "Counting photos took more than %d pages.",
					DDB_COUNT_PAGES_MAX);
			goto out;
		}
		json_decref(start);
		start = json_incref(last);
	}
out:
	json_decref(start);
	json_decref(answer);
	return rc;
}

/* Adds "#name = :name" to set with its value (NULL written as ""). */
static void add_set(struct ca_buf *set, json_t *names, json_t *values, const char *name,
		    const char *value)
{
	char alias[40];

	ca_buf_adds(set, set->len ? ", " : "SET ");
	ca_buf_addf(set, "#%s = :%s", name, name);
	snprintf(alias, sizeof(alias), "#%s", name);
	json_object_set_new(names, alias, json_string(name));
	snprintf(alias, sizeof(alias), ":%s", name);
	json_object_set_new(values, alias, ddb_s(value ? value : ""));
}

/* Just whether the owner's photo exists. */
static int photo_exists(struct ddb *d, const char *owner_id, int64_t id, struct ca_err *err)
{
	json_t *in, *answer = NULL;
	int rc;

	in = json_pack("{s:s, s:o, s:s, s:b}", "TableName", d->photo_table, "Key",
		       photo_key(owner_id, id), "ProjectionExpression", "user_id",
		       "ConsistentRead", 1);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
	rc = ddb_call(d, "GetItem", in, &answer, NULL, err);
	if (rc == CA_OK && !json_is_object(json_object_get(answer, "Item")))
		rc = not_found(err);
	json_decref(in);
	json_decref(answer);
	return rc;
}

int ddb_photo_update(struct ca_db *db, const char *owner_id, const char *photo_id,
		     const struct ca_photo *values, unsigned fields, struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	struct aws_result fail = { 0 };
	struct ca_buf set = CA_BUF_INIT, expr = CA_BUF_INIT;
	json_t *names = NULL, *vals = NULL, *in = NULL;
	char lat[32], lng[32];
	int64_t id;
	int rc;

	if (!ddb_parse_photo_id(photo_id, &id))
		return not_found(err);
	if (!fields)
		return photo_exists(d, owner_id, id, err);
	names = json_pack("{s:s}", "#user_id", "user_id");
	vals = json_object();
	if (!names || !vals) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	if (fields & CA_PHOTO_TAGS)
		add_set(&set, names, vals, "tags", values->tags);
	if (fields & CA_PHOTO_DESC)
		add_set(&set, names, vals, "desc", values->desc);
	if (fields & CA_PHOTO_GEOTAG) {
		ddb_geotag_text(values, lat, lng, sizeof(lat));
		add_set(&set, names, vals, "geotag_lat", lat);
		add_set(&set, names, vals, "geotag_lng", lng);
	}
	if (fields & CA_PHOTO_CITY)
		add_set(&set, names, vals, "city", values->city);
	if (fields & CA_PHOTO_NATION)
		add_set(&set, names, vals, "nation", values->nation);
	if (fields & CA_PHOTO_ADDRESS)
		add_set(&set, names, vals, "address", values->address);
	ca_buf_adds(&expr, set.data);
	in = json_pack("{s:s, s:o, s:s, s:s, s:O}", "TableName", d->photo_table, "Key",
		       photo_key(owner_id, id), "UpdateExpression", expr.data,
		       "ConditionExpression", "attribute_exists(#user_id)",
		       "ExpressionAttributeNames", names);
	if (in && json_object_size(vals) &&
	    json_object_set(in, "ExpressionAttributeValues", vals) != 0) {
		json_decref(in);
		in = NULL;
	}
	if (!in || !ca_buf_ok(&set) || !ca_buf_ok(&expr)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
		goto out;
	}
	rc = ddb_call(d, "UpdateItem", in, NULL, &fail, err);
	rc = condition_to_not_found(rc, &fail, err);
out:
	aws_result_release(&fail);
	ca_buf_release(&set);
	ca_buf_release(&expr);
	json_decref(names);
	json_decref(vals);
	json_decref(in);
	return rc;
}

int ddb_photo_delete(struct ca_db *db, const char *owner_id, const char *photo_id,
		     struct ca_err *err)
{
	struct ddb *d = ddb_of(db);
	struct aws_result fail = { 0 };
	json_t *in;
	int64_t id;
	int rc;

	if (!ddb_parse_photo_id(photo_id, &id))
		return not_found(err);
	in = json_pack("{s:s, s:o, s:s, s:{s:s}}", "TableName", d->photo_table, "Key",
		       photo_key(owner_id, id), "ConditionExpression", "attribute_exists(#u)",
		       "ExpressionAttributeNames", "#u", "user_id");
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
	rc = ddb_call(d, "DeleteItem", in, NULL, &fail, err);
	rc = condition_to_not_found(rc, &fail, err);
	aws_result_release(&fail);
	json_decref(in);
	return rc;
}
