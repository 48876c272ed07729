/*
 * migrate_verify.c — reads the target back and compares it with the legacy data:
 * one User item per legacy user (email, username, password hash identical), one
 * Photo item per row with every field as the contract says, every image an
 * object with the same bytes (ETag = MD5, or a full read for multipart ETags)
 * and Content-Type image/jpeg. Lists every difference.
 */
#include "migrate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "db/dynamodb.h"
#include "db/items.h"
#include "migrate_ids.h"
#include "util/strutil.h"

#include "util/banned.h"

struct verify {
	struct mig_ctx *c;
	pthread_mutex_t lock;
	struct mig_list diffs;
	size_t *todo;
	size_t n_todo;
	bool oom;
};

#define DIFF(v, ...)                                                  \
	do {                                                          \
		pthread_mutex_lock(&(v)->lock);                       \
		if (!mig_list_addf(&(v)->diffs, __VA_ARGS__))         \
			(v)->oom = true;                              \
		pthread_mutex_unlock(&(v)->lock);                     \
	} while (0)

static const char *attr_of(const json_t *item, const char *name, const char *type)
{
	return json_string_value(json_object_get(json_object_get(item, name), type));
}

/* An S attribute that is always written: "" stands for NULL. */
static void expect_s(struct verify *v, const char *what, const json_t *item, const char *name,
		     const char *want, bool always)
{
	const char *got = attr_of(item, name, "S");

	if (!want && !always) {
		if (json_object_get(item, name))
			DIFF(v, "%s: %s is present, the legacy row has NULL", what, name);
		return;
	}
	if (!want)
		want = "";
	if (!got)
		DIFF(v, "%s: %s is missing or not a string (S)", what, name);
	else if (strcmp(got, want) != 0 ||
		 json_string_length(json_object_get(json_object_get(item, name), "S")) != strlen(want))
		/* lengths too: a stored text with a NUL byte is not the legacy text */
		DIFF(v, "%s: %s is \"%.60s\" (%zu bytes), the legacy row has \"%.60s\" (%zu bytes)", what,
		     name, got, json_string_length(json_object_get(json_object_get(item, name), "S")),
		     want, strlen(want));
}

static void expect_geotag(struct verify *v, const char *what, const json_t *item,
			  const char *name, bool has, double want)
{
	const char *got = attr_of(item, name, "S");
	char *end = NULL;
	double d;

	if (!got) {
		DIFF(v, "%s: %s is missing or not a string (S)", what, name);
		return;
	}
	if (!has) {
		if (strcmp(got, DDB_NO_GEOTAG) != 0)
			DIFF(v, "%s: %s is \"%.30s\", the legacy row has none (want %s)", what, name,
			     got, DDB_NO_GEOTAG);
		return;
	}
	d = strtod(got, &end);
	if (end == got || *end || !mig_same_float(d, want))
		DIFF(v, "%s: %s is \"%.30s\", the legacy FLOAT is %.9g", what, name, got, want);
}

static void check_photo_item(struct verify *v, const struct mig_photo *p, const char *owner,
			     const json_t *item)
{
	const struct ca_photo *r = &p->row;
	char what[128], want_n[24], up[CA_DB_DATE_LEN + 1];
	const char *got;

	snprintf(what, sizeof(what), "photo %ld (%.60s)", p->legacy_id, r->filename ? r->filename : "");
	expect_s(v, what, item, "user_id", owner, true);
	expect_s(v, what, item, "tags", r->tags, true);
	expect_s(v, what, item, "desc", r->desc, true);
	expect_s(v, what, item, "filename_orig", r->filename_orig, true);
	expect_s(v, what, item, "filename", r->filename, true);
	expect_s(v, what, item, "width", r->width, true);
	expect_s(v, what, item, "height", r->height, true);
	expect_s(v, what, item, "nation", r->nation, true);
	expect_s(v, what, item, "address", r->address, true);
	expect_s(v, what, item, "make", r->make, true);
	expect_s(v, what, item, "model", r->model, true);
	expect_s(v, what, item, "city", r->city, true);
	ddb_upload_date_text(r, p->target_id, up);
	expect_s(v, what, item, "upload_date", up, true);
	expect_s(v, what, item, "taken_date", ddb_taken_date(r) ? ddb_taken_date(r) : up, true);
	expect_geotag(v, what, item, "geotag_lat", r->has_geotag, r->geotag_lat);
	expect_geotag(v, what, item, "geotag_lng", r->has_geotag, r->geotag_lng);
	snprintf(want_n, sizeof(want_n), "%lld", (long long)(r->filesize < 0 ? -1 : r->filesize));
	got = attr_of(item, "filesize", "N");
	if (!got || strcmp(got, want_n) != 0)
		DIFF(v, "%s: filesize is %s, the legacy row has %s", what, got ? got : "missing or not a number (N)",
		     want_n);
}

/* The user's one item, found by email; sets u->target_id when the state did not know it. */
static int check_user(struct verify *v, struct mig_user *u, struct ca_err *err)
{
	struct mig_ctx *c = v->c;
	json_t *found = json_array(), *item = NULL;
	char *id = NULL;
	char what[96];
	int rc;

	snprintf(what, sizeof(what), "user %ld (%.50s)", u->legacy_id, u->email ? u->email : "");
	if (!found)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb_query(c, c->user_table, CA_DDB_EMAIL_INDEX, "email", u->email ? u->email : "",
			   found, err);
	if (rc != CA_OK)
		goto out;
	if (json_array_size(found) != 1) {
		DIFF(v, "%s: %zu items in %s have this email, not exactly one", what,
		     json_array_size(found), c->user_table);
		if (json_array_size(found) == 0)
			goto out;
	}
	if (ddb_attr_text(json_array_get(found, 0), "id", &id) != CA_OK || !id) {
		rc = id ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	if (u->target_id && strcmp(u->target_id, id) != 0)
		DIFF(v, "%s: the item's id is %s, the state file says %s", what, id, u->target_id);
	if (!u->target_id) {
		u->target_id = id;
		id = NULL;
	}
	rc = mig_ddb_get_user(c, u->target_id, &item, err);
	if (rc != CA_OK)
		goto out;
	if (!item) {
		DIFF(v, "%s: no item with id %s", what, u->target_id);
		goto out;
	}
	expect_s(v, what, item, "email", u->email, true);
	expect_s(v, what, item, "username", u->username, true);
	expect_s(v, what, item, "password", u->password, true);
	if (c->opts->cognito) {
		char *name = NULL, *legacy = NULL, want[24];

		snprintf(want, sizeof(want), "%ld", u->legacy_id);
		rc = mig_cognito_get(c, u->email ? u->email : "", &name, &legacy, err);
		if (rc == CA_OK && !name)
			DIFF(v, "%s: no user in the Cognito pool", what);
		else if (rc == CA_OK && strcmp(name, u->target_id) != 0)
			DIFF(v, "%s: the pool's user name is %s, the items' owner id is %s", what, name,
			     u->target_id);
		if (rc == CA_OK && name && (!legacy || strcmp(legacy, want) != 0))
			DIFF(v, "%s: the pool user's custom:legacy_id is %s", what, legacy ? legacy : "missing");
		free(name);
		free(legacy);
	}
out:
	free(id);
	json_decref(item);
	json_decref(found);
	return rc;
}

/* The photos of users[photos[from].user]: every row an item, extra items counted. */
static int check_photos(struct verify *v, size_t from, size_t to, size_t *extra,
			struct ca_err *err)
{
	struct mig_ctx *c = v->c;
	const struct mig_user *u = &c->legacy.users[c->legacy.photos[from].user];
	json_t *stored = json_array();
	bool *matched = NULL;
	size_t i, k;
	int rc;

	if (!stored)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb_query(c, c->photo_table, NULL, "user_id", u->target_id, stored, err);
	/* the ids a run gives: a row the target holds keeps its item's id */
	if (rc == CA_OK && mig_settle_ids(stored, c->legacy.photos, from, to) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	matched = calloc(json_array_size(stored) + 1, sizeof(*matched));
	if (rc == CA_OK && !matched)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = from; rc == CA_OK && i < to; i++) {
		const struct mig_photo *p = &c->legacy.photos[i];
		const json_t *item = NULL;

		for (k = 0; k < json_array_size(stored) && !item; k++) {
			const char *n = attr_of(json_array_get(stored, k), "id", "N");
			int64_t id;

			if (n && ddb_parse_photo_id(n, &id) && id == p->target_id) {
				item = json_array_get(stored, k);
				matched[k] = true;
			}
		}
		if (!item)
			DIFF(v, "photo %ld (%.60s) of %s: no item with id %lld", p->legacy_id,
			     p->row.filename ? p->row.filename : "", u->email, (long long)p->target_id);
		else
			check_photo_item(v, p, u->target_id, item);
	}
	for (k = 0; rc == CA_OK && k < json_array_size(stored); k++) {
		if (matched[k])
			continue;
		(*extra)++;
		DIFF(v, "photo %s (%.60s) of %s: in the target, no longer a legacy row (run --prune to delete it)",
		     attr_of(json_array_get(stored, k), "id", "N") ? attr_of(json_array_get(stored, k), "id", "N") : "?",
		     attr_of(json_array_get(stored, k), "filename", "S") ? attr_of(json_array_get(stored, k), "filename", "S") : "?",
		     u->email);
	}
	free(matched);
	json_decref(stored);
	return rc;
}

/* One image: the object must hold want's bytes, with the Content-Type they call for. */
static int check_object(struct verify *v, const char *what, const char *key,
			const struct ca_buf *want, struct ca_err *err)
{
	struct mig_object have;
	struct ca_buf body = CA_BUF_INIT;
	char md5[33];
	int rc;

	rc = mig_s3_head(v->c, key, &have, err);
	if (rc != CA_OK)
		return rc;
	if (!have.exists) {
		DIFF(v, "%s: no object s3://%s/%s", what, v->c->bucket, key);
		return CA_OK;
	}
	if (strcmp(have.content_type, mig_content_type(want->data, want->len)) != 0)
		DIFF(v, "%s: s3://%s/%s has Content-Type \"%s\", not %s", what, v->c->bucket,
		     key, have.content_type, mig_content_type(want->data, want->len));
	mig_md5_hex(want->data, want->len, md5);
	if (strchr(have.etag, '-') || !have.etag[0]) {
		/* a multipart ETag is not an MD5 of the bytes: compare them all */
		rc = mig_s3_get(v->c, key, &body, err);
		if (rc == CA_OK && (body.len != want->len || memcmp(body.data, want->data, body.len) != 0))
			DIFF(v, "%s: s3://%s/%s holds other bytes than the legacy file", what, v->c->bucket, key);
	} else if (strcmp(have.etag, md5) != 0) {
		DIFF(v, "%s: s3://%s/%s holds other bytes than the legacy file (ETag %s, MD5 %s)", what,
		     v->c->bucket, key, have.etag, md5);
	}
	ca_buf_release(&body);
	return rc;
}

static int object_task(void *arg, size_t i, struct ca_err *err)
{
	struct verify *v = arg;
	struct mig_ctx *c = v->c;
	const struct mig_photo *p = &c->legacy.photos[v->todo[i]];
	const char *email = c->legacy.users[p->user].email;
	struct ca_buf orig = CA_BUF_INIT, thumb = CA_BUF_INIT, key = CA_BUF_INIT;
	bool regenerated = false;
	char what[128];
	int rc;

	snprintf(what, sizeof(what), "photo %ld (%.60s)", p->legacy_id, p->row.filename);
	rc = mig_photo_images(c, p, &orig, &thumb, true, &regenerated, err);
	if (rc == CA_OK && p->has_original) {
		rc = mig_key(c, email, p->row.filename, false, &key, err);
		if (rc == CA_OK)
			rc = check_object(v, what, key.data, &orig, err);
	}
	if (rc == CA_OK && (p->thumb_src != MIG_THUMB_NONE || regenerated)) {
		ca_buf_reset(&key);
		snprintf(what, sizeof(what), "thumbnail of photo %ld (%.60s)", p->legacy_id, p->row.filename);
		rc = mig_key(c, email, p->row.filename, true, &key, err);
		if (rc == CA_OK)
			rc = check_object(v, what, key.data, &thumb, err);
	}
	ca_buf_release(&orig);
	ca_buf_release(&thumb);
	ca_buf_release(&key);
	return rc;
}

/* The items and objects of the chunk of photo rows c holds. */
static int verify_chunk(struct verify *v, size_t *extra, size_t *checked_photos,
			size_t *checked_objects, struct ca_err *err)
{
	struct mig_ctx *c = v->c;
	size_t i = 0;
	int rc = CA_OK;

	while (rc == CA_OK && i < c->legacy.n_photos) {
		size_t end = i;

		while (end < c->legacy.n_photos &&
		       c->legacy.photos[end].legacy_user == c->legacy.photos[i].legacy_user)
			end++;
		if (c->legacy.photos[i].user != SIZE_MAX &&
		    c->legacy.users[c->legacy.photos[i].user].target_id) {
			rc = check_photos(v, i, end, extra, err);
			*checked_photos += end - i;
		}
		i = end;
	}
	v->n_todo = 0;
	v->todo = calloc(c->legacy.n_photos + 1, sizeof(*v->todo));
	if (rc == CA_OK && !v->todo)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = 0; rc == CA_OK && i < c->legacy.n_photos; i++) {
		const struct mig_photo *p = &c->legacy.photos[i];

		if (p->user != SIZE_MAX && !p->bad_name && !c->legacy.users[p->user].bad_name &&
		    (p->has_original || p->thumb_src != MIG_THUMB_NONE))
			v->todo[v->n_todo++] = i;
	}
	if (rc == CA_OK)
		rc = mig_pool_run(c->opts->jobs, v->n_todo, object_task, v, err);
	*checked_objects += v->n_todo;
	free(v->todo);
	v->todo = NULL;
	return rc;
}

int mig_verify(struct mig_ctx *c, struct ca_err *err)
{
	struct verify v;
	size_t i, extra = 0, checked_photos = 0, checked_objects = 0;
	bool got = true;
	int rc = CA_OK;

	memset(&v, 0, sizeof(v));
	v.c = c;
	pthread_mutex_init(&v.lock, NULL);
	for (i = 0; i < c->legacy.n_users && rc == CA_OK; i++)
		rc = check_user(&v, &c->legacy.users[i], err);
	/* the photo rows a chunk at a time */
	while (rc == CA_OK && (rc = mig_next_chunk(c, &got, err)) == CA_OK && got)
		rc = verify_chunk(&v, &extra, &checked_photos, &checked_objects, err);
	if (rc == CA_OK && v.oom)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing differences.");
	/* rows a run leaves behind are lost as far as the target goes: never "OK" */
	for (i = 0; rc == CA_OK && i < c->legacy.orphan_rows.n; i++)
		DIFF(&v, "not migrated: %s", c->legacy.orphan_rows.items[i]);
	for (i = 0; rc == CA_OK && i < c->legacy.rejected.n; i++)
		DIFF(&v, "not migrated: %s", c->legacy.rejected.items[i]);
	if (rc == CA_OK) {
		for (i = 0; i < v.diffs.n; i++)
			fprintf(c->out, "DIFFERS: %s\n", v.diffs.items[i]);
		fprintf(c->out, "verify: %zu users, %zu photo items, images of %zu photos checked; %zu differences; %zu items in %s not from the legacy data\n",
			c->legacy.n_users, checked_photos, checked_objects, v.diffs.n, extra, c->photo_table);
		if (v.diffs.n)
			rc = ca_err_set(err, CA_MIGRATE_VERIFY,
					"%zu differences between the legacy data and the target (listed above).",
					v.diffs.n);
		else
			fprintf(c->out, "verify: OK, nothing lost\n");
	}
	mig_list_release(&v.diffs);
	pthread_mutex_destroy(&v.lock);
	return rc;
}
