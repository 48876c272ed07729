/*
 * migrate_run.c — the run: users (ids kept in the state file before anything is
 * written), the images to S3 in parallel, then the Photo items in batches. Each
 * step first looks at what is already there and writes only what differs.
 */
#include "migrate_internal.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "db/items.h"
#include "migrate_batch.h"
#include "migrate_lock.h"
#include "migrate_pace.h"
#include "util/crypto.h"
#include "util/uuid.h"
#include "util/strutil.h"

#include "util/banned.h"

/*
 * Test hook: CA_MIGRATE_CRASH_AFTER=objects:K or items:K kills the process (SIGKILL,
 * as a crash would) once K photos have had their images uploaded, or K photo items
 * have been written. Only for the resumability tests.
 */
static long crash_after(const char *phase)
{
	const char *v = getenv("CA_MIGRATE_CRASH_AFTER");
	size_t n = strlen(phase);
	long k;

	if (!v || strncmp(v, phase, n) != 0 || v[n] != ':' || !ca_parse_long(v + n + 1, 1, 1L << 40, &k))
		return 0;
	return k;
}

struct run_counts {
	atomic_size_t photos_done;
	atomic_size_t uploaded, unchanged, regenerated, no_thumb;
	atomic_ullong bytes;
};

/*
 * What S3 holds under one user's folder, listed once (ListObjectsV2, 1000 keys a
 * call) by the first of their photos to need it and freed after the last: the run
 * learns what is already there in bulk instead of a HEAD per object.
 */
struct user_listing {
	pthread_mutex_t mu;
	bool loaded;
	struct mig_listed *objects;
	size_t n;
	size_t remaining;      /* photos of the user still to sync */
};

struct run {
	struct mig_ctx *c;
	struct mig_pace pace;          /* photos in flight, adapted to throttling */
	struct user_listing *listing;  /* per user */
	size_t n_listing;
	struct run_counts n;
	size_t *todo;          /* photo indexes with images to sync */
	size_t n_todo;         /* this chunk's */
	size_t todo_total;     /* every chunk's so far */
	json_t **item_of;      /* per photo: the item to write once its objects are in, or NULL */
	long crash_objects, crash_items;
	int64_t start_ms;
	atomic_llong last_progress_ms;
	pthread_mutex_t print_lock;
	/* items waiting for a BatchWriteItem (with their photos), under batch_lock */
	pthread_mutex_t batch_lock;
	json_t *pending[MIG_BATCH_MAX];
	size_t pending_photo[MIG_BATCH_MAX];
	size_t n_pending;
	atomic_size_t items_written;
	/* per-photo failures (a line each), under print_lock */
	struct mig_list failed;
	struct mig_list unthumbed;   /* originals no thumbnail could be made from */
	bool oom;                    /* a line could not be added: the run fails */
};

static void progress(struct run *r, bool force)
{
	int64_t now = mig_now_ms(), last = atomic_load(&r->last_progress_ms);
	double secs, mb;

	if (!r->c->progress || (!force && now - last < MIG_PROGRESS_EVERY_MS))
		return;
	if (!atomic_compare_exchange_strong(&r->last_progress_ms, &last, now) && !force)
		return;
	secs = (double)(now - r->start_ms) / 1000.0;
	mb = (double)atomic_load(&r->n.bytes) / 1e6;
	pthread_mutex_lock(&r->print_lock);
	fprintf(r->c->progress, "cloudalbum-migrate: images of %zu/%zu photos, %zu objects uploaded, %.1f MB, %.1f MB/s\n",
		atomic_load(&r->n.photos_done), r->todo_total, atomic_load(&r->n.uploaded), mb,
		secs > 0 ? mb / secs : 0.0);
	fflush(r->c->progress);
	pthread_mutex_unlock(&r->print_lock);
}

/* The listing of user u's folder (prefix: the folder's key prefix), listed on first use. */
static int user_objects(struct run *r, size_t u, const char *prefix, struct user_listing **out,
			struct ca_err *err)
{
	struct user_listing *l = &r->listing[u];
	int rc = CA_OK;

	pthread_mutex_lock(&l->mu);
	if (!l->loaded) {
		rc = mig_s3_list(r->c, prefix, &l->objects, &l->n, err);
		l->loaded = rc == CA_OK;
	}
	pthread_mutex_unlock(&l->mu);
	*out = rc == CA_OK ? l : NULL;
	return rc;
}

/* One photo of user u synced: the listing goes once the last one is. */
static void user_photo_done(struct run *r, size_t u)
{
	struct user_listing *l = &r->listing[u];

	pthread_mutex_lock(&l->mu);
	if (l->remaining && --l->remaining == 0) {
		mig_listed_free(l->objects, l->n);
		l->objects = NULL;
		l->n = 0;
	}
	pthread_mutex_unlock(&l->mu);
}

/* Whether listed (NULL: not there) already is data: same size and MD5 ETag. A type
 * other than image/jpeg (which a listing does not show) is checked with a HEAD. */
static int object_current(struct run *r, const struct mig_listed *listed, const char *key,
			  const struct ca_buf *data, const char *md5, bool *same, struct ca_err *err)
{
	const char *type = mig_content_type(data->data, data->len);
	struct mig_object have;
	int rc;

	*same = listed && listed->size == data->len && strcmp(listed->etag, md5) == 0;
	if (!*same || strcmp(type, "image/jpeg") == 0)
		return CA_OK;
	/* earlier versions stored every original as image/jpeg: look once more */
	rc = mig_s3_head(r->c, key, &have, err);
	*same = rc == CA_OK && have.exists && strcmp(have.etag, md5) == 0 &&
		strcmp(have.content_type, type) == 0;
	return rc;
}

/* Puts data at key unless S3 already holds exactly these bytes (listed: what the
 * user's listing says is at key, NULL when nothing), with their Content-Type. */
static int sync_object(struct run *r, const char *key, const struct mig_listed *listed,
		       const struct ca_buf *data, struct ca_err *err)
{
	char md5[MIG_ETAG_MAX], etag[MIG_ETAG_MAX] = "";
	bool same = false;
	int rc;

	mig_upload_etag(data->data, data->len, md5);
	rc = object_current(r, listed, key, data, md5, &same, err);
	if (rc != CA_OK)
		return rc;
	if (same) {
		atomic_fetch_add(&r->n.unchanged, 1);
		return CA_OK;
	}
	rc = mig_s3_put(r->c, key, data->data, data->len, etag, err);
	if (rc != CA_OK)
		return rc;
	if (etag[0] && strcmp(etag, md5) != 0)
		return ca_err_set(err, CA_STORAGE_IO,
				  "S3 answered the upload of %s with ETag %s, not the one of the bytes sent (%s).",
				  key, etag, md5);
	atomic_fetch_add(&r->n.uploaded, 1);
	atomic_fetch_add(&r->n.bytes, (unsigned long long)data->len);
	return CA_OK;
}

static void photo_failed(struct run *r, size_t photo, const char *why)
{
	const struct mig_photo *p = &r->c->legacy.photos[photo];

	pthread_mutex_lock(&r->print_lock);
	if (!mig_list_addf(&r->failed, "photo %ld (%.80s): %s", p->legacy_id,
			   p->row.filename ? p->row.filename : "no filename", why))
		r->oom = true;
	pthread_mutex_unlock(&r->print_lock);
}

/*
 * Writes the items taken from the pending batch (n of them). A failed request is a
 * failure of each of its photos, listed; the run goes on. Only a lost lock stops it.
 */
static int write_batch(struct run *r, json_t **items, const size_t *photos, size_t n,
		       struct ca_err *err)
{
	struct ca_err local;
	size_t k, done;
	int rc;

	if (!n)
		return CA_OK;
	rc = mig_check_lock(r->c, err);
	if (rc != CA_OK)
		goto out;
	ca_err_clear(&local);
	if (mig_ddb_put_items(r->c, r->c->photo_table, items, n, &local) != CA_OK) {
		for (k = 0; k < n; k++)
			photo_failed(r, photos[k], ca_err_msg(&local));
		goto out;
	}
	done = atomic_fetch_add(&r->items_written, n) + n;
	if (r->c->progress && (done / 500 != (done - n) / 500))
		fprintf(r->c->progress, "cloudalbum-migrate: %zu photo items written\n", done);
	if (r->crash_items && done >= (size_t)r->crash_items)
		raise(SIGKILL);
out:
	for (k = 0; k < n; k++)
		json_decref(items[k]);
	return rc;
}

/* Queues photo i's item; a full batch is written by the thread that filled it. */
static int queue_item(struct run *r, size_t i, struct ca_err *err)
{
	json_t *batch[MIG_BATCH_MAX];
	size_t photos[MIG_BATCH_MAX], n = 0;

	if (!r->item_of[i])
		return CA_OK;
	pthread_mutex_lock(&r->batch_lock);
	r->pending[r->n_pending] = r->item_of[i];
	r->pending_photo[r->n_pending++] = i;
	r->item_of[i] = NULL;
	if (r->n_pending == MIG_BATCH_MAX) {
		n = r->n_pending;
		memcpy(batch, r->pending, n * sizeof(batch[0]));
		memcpy(photos, r->pending_photo, n * sizeof(photos[0]));
		r->n_pending = 0;
	}
	pthread_mutex_unlock(&r->batch_lock);
	return write_batch(r, batch, photos, n, err);
}

static int flush_items(struct run *r, struct ca_err *err)
{
	size_t n = r->n_pending;

	r->n_pending = 0;
	return write_batch(r, r->pending, r->pending_photo, n, err);
}

/* The folder prefix of a key ("photos/<norm(email)>/" of "photos/<norm(email)>/<file>"). */
static int key_folder(const char *key, struct ca_buf *out)
{
	const char *slash = strrchr(key, '/');
	size_t n = slash ? (size_t)(slash - key + 1) : 0;

	if (key == out->data) { /* in place */
		out->len = n;
		out->data[n] = '\0';
		return CA_OK;
	}
	ca_buf_reset(out);
	return ca_buf_add(out, key, n);
}

static int photo_task(void *arg, size_t i, struct ca_err *err)
{
	struct run *r = arg;
	struct mig_ctx *c = r->c;
	const struct mig_photo *p = &c->legacy.photos[r->todo[i]];
	const char *email = c->legacy.users[p->user].email;
	struct ca_buf orig = CA_BUF_INIT, thumb = CA_BUF_INIT, key = CA_BUF_INIT,
		      tkey = CA_BUF_INIT, folder = CA_BUF_INIT;
	struct user_listing *listing = NULL;
	const struct mig_listed *have_thumb = NULL;
	bool regenerated = false, make_thumb = true;
	int rc;

	rc = mig_check_lock(c, err);
	if (rc == CA_OK)
		rc = mig_key(c, email, p->row.filename, false, &key, err);
	if (rc == CA_OK)
		rc = mig_key(c, email, p->row.filename, true, &tkey, err);
	if (rc == CA_OK && key_folder(key.data, &folder) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	mig_pace_enter(&r->pace);
	if (rc == CA_OK)
		rc = user_objects(r, p->user, folder.data, &listing, err);
	if (rc == CA_OK) {
		have_thumb = mig_listed_find(listing->objects, listing->n, tkey.data);
		/* a thumbnail made from an original that has not changed is not made again */
		if (p->thumb_src == MIG_THUMB_NONE && p->has_original && have_thumb)
			make_thumb = false;
		rc = mig_photo_images(c, p, &orig, &thumb, make_thumb, &regenerated, err);
	}
	if (rc == CA_OK && p->has_original) {
		char md5[MIG_ETAG_MAX];
		const struct mig_listed *have = mig_listed_find(listing->objects, listing->n, key.data);

		if (!make_thumb) {
			bool same = false;

			/* the original changed: its thumbnail is made anew after all */
			mig_upload_etag(orig.data, orig.len, md5);
			rc = object_current(r, have, key.data, &orig, md5, &same, err);
			if (rc == CA_OK && !same) {
				ca_buf_reset(&orig);
				make_thumb = true;
				rc = mig_photo_images(c, p, &orig, &thumb, true, &regenerated, err);
			} else if (rc == CA_OK) {
				atomic_fetch_add(&r->n.unchanged, 1); /* the thumbnail, as it is */
			}
		}
		if (rc == CA_OK)
			rc = sync_object(r, key.data, have, &orig, err);
	}
	if (rc == CA_OK && make_thumb && (p->thumb_src != MIG_THUMB_NONE || regenerated)) {
		rc = sync_object(r, tkey.data, have_thumb, &thumb, err);
	} else if (rc == CA_OK && make_thumb && p->has_original) {
		char why[160];

		atomic_fetch_add(&r->n.no_thumb, 1);
		snprintf(why, sizeof(why), "no thumbnail: the original (%zu bytes, %s) is not a JPEG that decodes; the original is migrated as it is",
			 orig.len, mig_content_type(orig.data, orig.len));
		pthread_mutex_lock(&r->print_lock);
		if (!mig_list_addf(&r->unthumbed, "photo %ld (%.80s): %s", p->legacy_id, p->row.filename, why))
			r->oom = true;
		pthread_mutex_unlock(&r->print_lock);
	}
	mig_pace_leave(&r->pace);
	if (listing)
		user_photo_done(r, p->user);
	if (regenerated)
		atomic_fetch_add(&r->n.regenerated, 1);
	if (rc == CA_OK) {
		size_t done = atomic_fetch_add(&r->n.photos_done, 1) + 1;

		progress(r, false);
		if (r->crash_objects && done >= (size_t)r->crash_objects)
			raise(SIGKILL);
		/* the item as soon as its objects are in: it never points at a missing object */
		rc = queue_item(r, r->todo[i], err);
	} else if (rc != CA_MIGRATE_LOCKED && rc != CA_ENOMEM) {
		/* this photo's trouble (a file over the limit, retries spent): listed, run goes on */
		photo_failed(r, r->todo[i], ca_err_msg(err));
		if (err)
			ca_err_clear(err);
		json_decref(r->item_of[r->todo[i]]);
		r->item_of[r->todo[i]] = NULL;
		rc = CA_OK;
	}
	ca_buf_release(&orig);
	ca_buf_release(&thumb);
	ca_buf_release(&key);
	ca_buf_release(&tkey);
	ca_buf_release(&folder);
	return rc;
}

/* ---- users ---- */

/* Gives every user without one an id, and saves the state before anything uses it. */
static int assign_user_ids(struct mig_ctx *c, size_t *cognito_created, struct ca_err *err)
{
	size_t i, fresh = 0;
	int rc = CA_OK;

	for (i = 0; i < c->legacy.n_users && rc == CA_OK; i++) {
		struct mig_user *u = &c->legacy.users[i];
		char id[33];
		char *name = NULL;
		bool created = false;

		if (u->conflict || u->target_id)
			continue;
		if (c->opts->cognito) {
			rc = mig_cognito_user(c, u, &name, &created, err);
			*cognito_created += created;
		} else {
			rc = ca_uuid4_hex(id) == CA_OK ? CA_OK
				: ca_err_set(err, CA_EIO, "Could not read random bytes for a user id.");
			name = rc == CA_OK ? ca_strdup(id) : NULL;
			if (rc == CA_OK && !name)
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		}
		if (rc == CA_OK)
			rc = mig_state_set(&c->state, u->legacy_id, name, err);
		if (rc == CA_OK) {
			u->target_id = name;
			name = NULL;
			fresh++;
		}
		free(name);
		/* Cognito users exist once created: keep their names as we go */
		if (rc == CA_OK && c->opts->cognito && fresh % 100 == 0)
			rc = mig_state_save(c->opts->state, &c->state, err);
	}
	if (fresh && (rc == CA_OK || c->opts->cognito)) {
		int save = mig_state_save(c->opts->state, &c->state, rc == CA_OK ? err : NULL);

		if (rc == CA_OK)
			rc = save;
	}
	return rc;
}

/* Items to write, owned. */
struct items {
	json_t **v;
	size_t n, cap;
};

static void items_release(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		json_decref(it->v[i]);
	free(it->v);
	memset(it, 0, sizeof(*it));
}

/* Takes item into it unless current (the stored item, may be NULL) already equals it.
 * *queued says which. CA_OK or CA_ENOMEM (item freed). */
static int want(struct items *it, json_t *item, const json_t *current, bool *queued)
{
	*queued = false;
	if (!item)
		return CA_ENOMEM;
	if (current && json_equal(current, item)) {
		json_decref(item);
		return CA_OK;
	}
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 64;
		json_t **grown = realloc(it->v, cap * sizeof(*grown));

		if (!grown) {
			json_decref(item);
			return CA_ENOMEM;
		}
		it->v = grown;
		it->cap = cap;
	}
	it->v[it->n++] = item;
	*queued = true;
	return CA_OK;
}

/* The stored User and guard items of every user, read on the pool. */
struct user_reads {
	struct mig_ctx *c;
	json_t **have, **have_guard, **guard;
};

static int read_user_task(void *arg, size_t i, struct ca_err *err)
{
	struct user_reads *ur = arg;
	struct mig_user *u = &ur->c->legacy.users[i];
	char *guard_id = NULL;
	int rc;

	if (u->conflict || !u->target_id)
		return CA_OK;
	rc = mig_ddb_get_user(ur->c, u->target_id, &ur->have[i], err);
	ur->guard[i] = mig_guard_item(u);
	if (rc == CA_OK && (!ur->guard[i] || ddb_attr_text(ur->guard[i], "id", &guard_id) != CA_OK))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory preparing the user items.");
	if (rc == CA_OK)
		rc = mig_ddb_get(ur->c, ur->c->guard_table, guard_id, &ur->have_guard[i], err);
	free(guard_id);
	return rc;
}

static int write_users(struct mig_ctx *c, size_t *written, size_t *unchanged, struct ca_err *err)
{
	struct items it = { 0 }, guards = { 0 };
	struct user_reads ur = { c, NULL, NULL, NULL };
	size_t i, n = c->legacy.n_users;
	int rc = CA_OK;

	*written = *unchanged = 0;
	ur.have = calloc(n + 1, sizeof(*ur.have));
	ur.have_guard = calloc(n + 1, sizeof(*ur.have_guard));
	ur.guard = calloc(n + 1, sizeof(*ur.guard));
	if (!ur.have || !ur.have_guard || !ur.guard)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory preparing the user items.");
	if (rc == CA_OK)
		rc = mig_pool_run(c->opts->jobs, n, read_user_task, &ur, err);
	for (i = 0; i < n && rc == CA_OK; i++) {
		struct mig_user *u = &c->legacy.users[i];
		bool queued = false, guard_queued = false;

		if (u->conflict || !u->target_id)
			continue;
		rc = want(&it, mig_user_item(u), ur.have[i], &queued);
		if (rc == CA_OK) {
			rc = want(&guards, ur.guard[i], ur.have_guard[i], &guard_queued);
			ur.guard[i] = NULL;
		}
		if (queued || guard_queued)
			(*written)++;
		else if (rc == CA_OK)
			(*unchanged)++;
		if (rc == CA_ENOMEM)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory preparing the user items.");
	}
	/* guards first: a user item is never without the guard that keeps its email unique */
	if (rc == CA_OK && guards.n)
		rc = mig_ddb_put_items(c, c->guard_table, guards.v, guards.n, err);
	if (rc == CA_OK && it.n)
		rc = mig_ddb_put_items(c, c->user_table, it.v, it.n, err);
	items_release(&it);
	items_release(&guards);
	for (i = 0; i < n; i++) {
		json_decref(ur.have ? ur.have[i] : NULL);
		json_decref(ur.have_guard ? ur.have_guard[i] : NULL);
		json_decref(ur.guard ? ur.guard[i] : NULL);
	}
	free(ur.have);
	free(ur.have_guard);
	free(ur.guard);
	return rc;
}

/* ---- photo items ---- */

/* The stored item of photo id among items (a Query's answer), or NULL. */
static const json_t *stored_photo(const json_t *items, int64_t id)
{
	size_t i;

	for (i = 0; i < json_array_size(items); i++) {
		const json_t *item = json_array_get(items, i);
		const char *n = json_string_value(json_object_get(json_object_get(item, "id"), "N"));
		int64_t v;

		if (n && ddb_parse_photo_id(n, &v) && v == id)
			return item;
	}
	return NULL;
}

static const char *item_s(const json_t *item, const char *name)
{
	return json_string_value(json_object_get(json_object_get(item, name), "S"));
}

/*
 * Decides, user by user, which Photo items need writing. A stored item with the
 * same id but another filename is someone else's photo: that row is skipped and
 * reported, never overwritten.
 */
/* The objects of a photo item (original and thumbnail), deleted: --prune. */
static int prune_objects(struct mig_ctx *c, const char *email, const char *filename,
			 struct ca_err *err)
{
	struct ca_buf key = CA_BUF_INIT;
	int rc = CA_OK, thumb;

	for (thumb = 0; thumb < 2 && rc == CA_OK && filename && *filename; thumb++) {
		ca_buf_reset(&key);
		rc = mig_key(c, email, filename, thumb, &key, err);
		if (rc == CA_OK)
			rc = mig_s3_delete(c, key.data, err);
	}
	ca_buf_release(&key);
	return rc;
}

/*
 * The stored items of user u that no legacy row of photos[from..to) has (deleted in
 * the legacy app since a run): listed in gone; with --prune, deleted with their
 * objects.
 */
static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int gone_photos(struct mig_ctx *c, const struct mig_user *u, const json_t *stored,
		       size_t from, size_t to, struct mig_list *gone, struct ca_err *err)
{
	int64_t *ids = calloc(to - from + 1, sizeof(*ids));
	size_t k, i, n_ids = 0;
	int rc = CA_OK;

	if (!ids)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = from; i < to; i++)
		if (!c->legacy.photos[i].skip)
			ids[n_ids++] = c->legacy.photos[i].target_id;
	qsort(ids, n_ids, sizeof(*ids), cmp_id);

	for (k = 0; k < json_array_size(stored) && rc == CA_OK; k++) {
		const json_t *item = json_array_get(stored, k);
		const char *n = json_string_value(json_object_get(json_object_get(item, "id"), "N"));
		const char *fn = item_s(item, "filename");
		bool legacy = false;
		int64_t id;

		if (!n || !ddb_parse_photo_id(n, &id))
			continue;
		legacy = n_ids && bsearch(&id, ids, n_ids, sizeof(*ids), cmp_id);
		/* rows left behind (listed; few) still have their photo: not "gone" */
		for (i = from; i < to && !legacy && n_ids < to - from; i++)
			legacy = c->legacy.photos[i].skip && fn && c->legacy.photos[i].row.filename &&
				 strcmp(fn, c->legacy.photos[i].row.filename) == 0;
		if (legacy)
			continue;
		if (c->opts->prune) {
			json_t *in = json_pack("{s:s, s:{s:O, s:O}}", "TableName", c->photo_table, "Key",
					       "user_id", json_object_get(item, "user_id"), "id",
					       json_object_get(item, "id"));

			rc = in ? mig_ddb(c, "DeleteItem", in, NULL, NULL, err)
				: ca_err_set(err, CA_ENOMEM, "Out of memory.");
			json_decref(in);
			if (rc == CA_OK)
				rc = prune_objects(c, u->email, fn, err);
		}
		if (rc == CA_OK &&
		    !mig_list_addf(gone, "photo %s (%s) of %s: in the target, no longer a legacy row%s",
				   n, fn ? fn : "?", u->email, c->opts->prune ? ": pruned" : ""))
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	free(ids);
	return rc;
}

/* The stored Photo items of every user (a Query each) and what S3 holds in their
 * folder (ListObjectsV2), read on the pool before any image is sent. */
struct photo_reads {
	struct mig_ctx *c;
	json_t **stored;        /* per user, NULL for users not migrated */
	struct user_listing *listing;  /* per user */
	size_t *users;          /* the chunk's users (indexes), n_users of them */
	size_t n_users;
};

static int read_photos_task(void *arg, size_t k, struct ca_err *err)
{
	struct photo_reads *pr = arg;
	size_t i = pr->users[k];
	struct mig_user *u = &pr->c->legacy.users[i];
	struct ca_buf key = CA_BUF_INIT;
	int rc;

	if (u->conflict || !u->target_id)
		return CA_OK;
	pr->stored[i] = json_array();
	if (!pr->stored[i])
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb_query(pr->c, pr->c->photo_table, NULL, "user_id", u->target_id,
			   pr->stored[i], err);
	/* a user whose email cannot name a folder has no files to send: no listing */
	if (rc == CA_OK && !u->bad_name && pr->listing[i].remaining &&
	    mig_key(pr->c, u->email, "x", false, &key, NULL) == CA_OK) {
		if (key_folder(key.data, &key) != CA_OK)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		if (rc == CA_OK)
			rc = mig_s3_list(pr->c, key.data, &pr->listing[i].objects, &pr->listing[i].n, err);
		pr->listing[i].loaded = rc == CA_OK;
	}
	ca_buf_release(&key);
	return rc;
}

static int plan_photo_items(struct mig_ctx *c, struct user_listing *listing, json_t **item_of,
			    size_t *queued_n, size_t *unchanged, struct mig_list *taken,
			    struct mig_list *gone, struct ca_err *err)
{
	struct photo_reads pr = { c, NULL, listing, NULL, 0 };
	size_t i = 0;
	int rc = CA_OK;

	pr.stored = calloc(c->legacy.n_users + 1, sizeof(*pr.stored));
	pr.users = calloc(c->legacy.n_photos + 1, sizeof(*pr.users));
	if (!pr.stored || !pr.users) {
		free(pr.stored);
		free(pr.users);
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	/* the chunk's users: its photos are grouped by user */
	for (i = 0; i < c->legacy.n_photos; i++)
		if (c->legacy.photos[i].user != SIZE_MAX &&
		    (!pr.n_users || pr.users[pr.n_users - 1] != c->legacy.photos[i].user))
			pr.users[pr.n_users++] = c->legacy.photos[i].user;
	i = 0;
	rc = mig_pool_run(c->opts->jobs, pr.n_users, read_photos_task, &pr, err);
	while (i < c->legacy.n_photos && rc == CA_OK) {
		size_t end = i;
		json_t *stored = NULL;
		struct mig_user *u;

		while (end < c->legacy.n_photos &&
		       c->legacy.photos[end].legacy_user == c->legacy.photos[i].legacy_user)
			end++;
		if (c->legacy.photos[i].user == SIZE_MAX ||
		    (u = &c->legacy.users[c->legacy.photos[i].user])->conflict || !u->target_id) {
			for (; i < end; i++)
				c->legacy.photos[i].skip = true;
			continue;
		}
		stored = pr.stored[c->legacy.photos[i].user];
		pr.stored[c->legacy.photos[i].user] = NULL;
		if (!stored)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		if (rc == CA_OK && mig_settle_ids(stored, c->legacy.photos, i, end) != CA_OK)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		if (rc == CA_OK)
			rc = gone_photos(c, u, stored, i, end, gone, err);
		for (; rc == CA_OK && i < end; i++) {
			struct mig_photo *p = &c->legacy.photos[i];
			const json_t *have;

			if (p->skip)
				continue; /* a row not migrated as it is (listed) */
			have = stored_photo(stored, p->target_id);
			const char *fn = have ? item_s(have, "filename") : NULL;

			/* a NULL filename is written as "" */
			if (have && (!fn || strcmp(fn, p->row.filename ? p->row.filename : "") != 0)) {
				p->skip = true;
				if (!mig_list_addf(taken, "photo %ld of %s: id %lld is already used by another photo (%s); skipped",
						   p->legacy_id, u->email, (long long)p->target_id, fn ? fn : "?"))
					rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
				continue;
			}
			item_of[i] = mig_photo_item(&c->legacy, p);
			if (!item_of[i]) {
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory preparing the photo items.");
			} else if (have && json_equal(have, item_of[i])) {
				json_decref(item_of[i]);
				item_of[i] = NULL;
				(*unchanged)++;
			} else {
				(*queued_n)++;
			}
		}
		json_decref(stored);
		i = end;
	}
	for (i = 0; i < c->legacy.n_users; i++)
		json_decref(pr.stored[i]);
	free(pr.stored);
	free(pr.users);
	return rc;
}

/* Whether photo p has files to send (it has a user, names that can be paths, a file). */
static bool has_files(const struct mig_ctx *c, const struct mig_photo *p)
{
	return p->user != SIZE_MAX && !p->bad_name && !c->legacy.users[p->user].bad_name &&
	       (p->has_original || p->thumb_src != MIG_THUMB_NONE);
}

/*
 * The photos of the chunk of legacy rows c holds: which items to write, the images
 * to S3 on the pool, each item as soon as its images are in, then the items of
 * photos without images; the chunk's problems added to the lists. Everything the
 * chunk needed is released before the next one is read.
 */
static int run_chunk(struct run *r, size_t *items_unchanged, struct mig_list *taken,
		     struct mig_list *gone, struct mig_list *missing, struct mig_list *stray,
		     struct mig_list *no_thumb, struct ca_err *err)
{
	struct mig_ctx *c = r->c;
	size_t i, n = c->legacy.n_photos, queued = 0;
	int rc = CA_OK;

	r->n_todo = 0;
	r->item_of = calloc(n ? n : 1, sizeof(*r->item_of));
	r->todo = calloc(n ? n : 1, sizeof(*r->todo));
	if (!r->item_of || !r->todo)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	/* the chunk's users with files to send get their folder listed */
	for (i = 0; rc == CA_OK && i < n; i++)
		if (has_files(c, &c->legacy.photos[i]))
			r->listing[c->legacy.photos[i].user].remaining = 1;
	if (rc == CA_OK)
		rc = plan_photo_items(c, r->listing, r->item_of, &queued, items_unchanged, taken, gone, err);
	for (i = 0; rc == CA_OK && i < n; i++)
		if (!c->legacy.photos[i].skip && has_files(c, &c->legacy.photos[i]))
			r->todo[r->n_todo++] = i;
	for (i = 0; i < n; i++)
		if (c->legacy.photos[i].user != SIZE_MAX)
			r->listing[c->legacy.photos[i].user].remaining = 0;
	for (i = 0; i < r->n_todo; i++)
		r->listing[c->legacy.photos[r->todo[i]].user].remaining++;
	r->todo_total += r->n_todo;
	if (rc == CA_OK)
		rc = mig_pool_run(c->opts->jobs, r->n_todo, photo_task, r, err);
	/* the items of photos with no objects to send (no files, names that cannot be paths) */
	for (i = 0; rc == CA_OK && i < n; i++)
		if (r->item_of[i] && !(c->legacy.photos[i].has_original ||
				       c->legacy.photos[i].thumb_src != MIG_THUMB_NONE))
			rc = queue_item(r, i, err);
	for (i = 0; rc == CA_OK && i < n; i++)
		if (r->item_of[i])
			rc = queue_item(r, i, err);
	if (rc == CA_OK)
		rc = flush_items(r, err);
	if (rc == CA_OK && mig_photo_notes(c, missing, stray, no_thumb) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = 0; r->item_of && i < n; i++)
		json_decref(r->item_of[i]);
	/* the chunk's listings (a chunk holds whole users) */
	for (i = 0; i < n; i++) {
		struct user_listing *l = c->legacy.photos[i].user != SIZE_MAX
						 ? &r->listing[c->legacy.photos[i].user] : NULL;

		if (l && l->loaded) {
			mig_listed_free(l->objects, l->n);
			l->objects = NULL;
			l->n = 0;
			l->loaded = false;
		}
	}
	free(r->item_of);
	free(r->todo);
	r->item_of = NULL;
	r->todo = NULL;
	return rc;
}

int mig_run(struct mig_ctx *c, struct ca_err *err)
{
	struct mig_list conflicts = { 0 }, taken = { 0 }, missing = { 0 }, stray = { 0 },
			no_thumb = { 0 }, gone = { 0 };
	struct mig_lock lock;
	struct run r;
	size_t cognito_created = 0, users_written = 0, users_unchanged = 0, items_unchanged = 0;
	size_t i = 0, k, n_items = 0, users_done = 0;
	bool got = true;
	int64_t elapsed;
	double mb, secs;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&lock, 0, sizeof(lock));
	r.c = c;
	pthread_mutex_init(&r.print_lock, NULL);
	pthread_mutex_init(&r.batch_lock, NULL);
	r.crash_objects = crash_after("objects");
	r.crash_items = crash_after("items");

	/* one run at a time on a target, from any host: else every user is written twice */
	rc = mig_lock_acquire_run(c, &lock, err);
	if (rc != CA_OK)
		goto out;
	c->lock = &lock;
	rc = mig_check_conflicts(c, &conflicts, err);
	if (rc == CA_OK && c->adopted)
		rc = mig_state_save(c->opts->state, &c->state, err);
	if (rc == CA_OK)
		rc = assign_user_ids(c, &cognito_created, err);
	if (rc == CA_OK)
		rc = write_users(c, &users_written, &users_unchanged, err);
	if (rc == CA_OK && c->progress)
		fprintf(c->progress, "cloudalbum-migrate: users done (%zu written, %zu unchanged)\n",
			users_written, users_unchanged);
	if (rc != CA_OK)
		goto out;
	r.listing = calloc(c->legacy.n_users ? c->legacy.n_users : 1, sizeof(*r.listing));
	if (!r.listing) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	for (i = 0; i < c->legacy.n_users; i++)
		pthread_mutex_init(&r.listing[i].mu, NULL);
	r.n_listing = c->legacy.n_users;
	if (mig_pace_init(&r.pace, c->opts->jobs) != CA_OK) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	atomic_store(&c->pace, &r.pace);
	r.start_ms = mig_now_ms();
	atomic_store(&r.last_progress_ms, r.start_ms);
	/* the photo rows a chunk at a time (whole users each): memory stays flat */
	while (rc == CA_OK && (rc = mig_next_chunk(c, &got, err)) == CA_OK && got)
		rc = run_chunk(&r, &items_unchanged, &taken, &gone, &missing, &stray, &no_thumb, err);
	elapsed = mig_now_ms() - r.start_ms;
	if (rc == CA_OK)
		progress(&r, true);
	atomic_store(&c->pace, NULL);
	if (rc != CA_OK)
		goto out;
	n_items = atomic_load(&r.items_written);
	if (r.oom) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing the photos that failed.");
		goto out;
	}
	for (i = 0; i < c->legacy.n_users; i++)
		users_done += !c->legacy.users[i].conflict && c->legacy.users[i].target_id;
	mb = (double)atomic_load(&r.n.bytes) / 1e6;
	secs = (double)elapsed / 1000.0;
	fprintf(c->out, "users: %zu legacy, %zu migrated (%zu written, %zu already there), %zu conflicts\n",
		c->legacy.n_users, users_done, users_written, users_unchanged, conflicts.n);
	if (c->opts->cognito)
		fprintf(c->out, "cognito: %zu users created in pool %s; they keep their passwords: at each one's first sign-in to the app, it is checked against the legacy hash in the User item and becomes their pool password\n",
			cognito_created, c->pool_id);
	fprintf(c->out, "photos: %zu legacy rows, %zu items written, %zu already there, %zu skipped\n",
		c->legacy.rows_seen, n_items, items_unchanged,
		c->legacy.rows_seen - n_items - items_unchanged);
	fprintf(c->out, "objects: %zu uploaded (%.1f MB in %.1f s, %.1f MB/s, %.1f photos/s), %zu already there, %zu thumbnails made from originals\n",
		atomic_load(&r.n.uploaded), mb, secs, secs > 0 ? mb / secs : 0.0,
		secs > 0 ? (double)r.todo_total / secs : 0.0, atomic_load(&r.n.unchanged),
		atomic_load(&r.n.regenerated));
	{
		size_t s3 = mig_requests_s3(&c->req), ddb = mig_requests_ddb(&c->req);

		fprintf(c->out, "requests: %zu S3 (%zu PutObject, %zu ListObjectsV2, %zu HeadObject, %zu multipart, %zu other), %zu DynamoDB (%zu BatchWriteItem), %zu Cognito; %.2f per photo; %zu retries, %zu throttled\n",
			s3, atomic_load(&c->req.s3_put), atomic_load(&c->req.s3_list),
			atomic_load(&c->req.s3_head), atomic_load(&c->req.s3_mpu),
			atomic_load(&c->req.s3_other), ddb, atomic_load(&c->req.ddb_batch),
			atomic_load(&c->req.other),
			c->legacy.rows_seen ? (double)(s3 + ddb + atomic_load(&c->req.other)) / (double)c->legacy.rows_seen : 0.0,
			atomic_load(&c->req.retries), atomic_load(&c->req.throttled));
		if (r.pace.cuts)
			fprintf(c->out, "pace: slowed down %zu times on throttling or retries, to %d photos in flight at the lowest; %d of --jobs %d at the end\n",
				r.pace.cuts, r.pace.lowest, r.pace.allowed, r.pace.max);
	}
	if (c->adopt_notes.n) {
		fprintf(c->out, "adopt (%zu users took the target's id):\n", c->adopted);
		for (i = 0; i < c->adopt_notes.n; i++)
			fprintf(c->out, "  %s\n", c->adopt_notes.items[i]);
	}
	if (conflicts.n || taken.n) {
		fprintf(c->out, "left behind (%zu):\n", conflicts.n + taken.n);
		for (i = 0; i < conflicts.n; i++)
			fprintf(c->out, "  %s\n", conflicts.items[i]);
		for (i = 0; i < taken.n; i++)
			fprintf(c->out, "  %s\n", taken.items[i]);
	}
	/* both in legacy id order: one walk */
	for (i = 0, k = 0; i < c->state.n; i++) {
		bool found;

		while (k < c->legacy.n_users && c->legacy.users[k].legacy_id < c->state.entries[i].legacy_id)
			k++;
		found = k < c->legacy.n_users && c->legacy.users[k].legacy_id == c->state.entries[i].legacy_id;
		if (!found && !mig_list_addf(&gone, "user %ld (id %s): in the state file and the target, no longer a legacy user (left in place; delete by hand if wanted)",
					     c->state.entries[i].legacy_id, c->state.entries[i].target_id)) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto out;
		}
	}
	if (gone.n) {
		fprintf(c->out, "deleted in the legacy data (%zu)%s:\n", gone.n,
			c->opts->prune ? ", pruned from the target" : "; run --prune to delete them from the target");
		for (i = 0; i < gone.n; i++)
			fprintf(c->out, "  %s\n", gone.items[i]);
	}
	if (r.unthumbed.n) {
		fprintf(c->out, "originals no thumbnail could be made from (%zu; migrated without one):\n",
			r.unthumbed.n);
		for (i = 0; i < r.unthumbed.n; i++)
			fprintf(c->out, "  %s\n", r.unthumbed.items[i]);
	}
	if (r.failed.n) {
		fprintf(c->out, "failed (%zu photos; their items are not written, a re-run tries them again):\n",
			r.failed.n);
		for (i = 0; i < r.failed.n; i++)
			fprintf(c->out, "  %s\n", r.failed.items[i]);
	}
	mig_print_notes(c, &missing, &stray, &no_thumb);
	if (users_written == 0 && n_items == 0 && atomic_load(&r.n.uploaded) == 0 && !r.failed.n)
		fprintf(c->out, "nothing to do: everything was already migrated\n");
	if (conflicts.n || taken.n || r.failed.n || c->legacy.orphan_rows.n || c->legacy.rejected.n)
		rc = ca_err_set(err, CA_MIGRATE_INCOMPLETE,
				"%zu users and %zu photos were left behind, %zu photos failed (listed above).",
				conflicts.n, taken.n + c->legacy.orphan_rows.n + c->legacy.rejected.n,
				r.failed.n);
out:
	atomic_store(&c->pace, NULL);
	mig_pace_destroy(&r.pace);
	mig_lock_release(&lock);
	c->lock = NULL;
	for (i = 0; i < r.n_pending; i++)
		json_decref(r.pending[i]);
	for (i = 0; r.listing && i < r.n_listing; i++) {
		mig_listed_free(r.listing[i].objects, r.listing[i].n);
		pthread_mutex_destroy(&r.listing[i].mu);
	}
	free(r.listing);
	mig_list_release(&r.failed);
	mig_list_release(&r.unthumbed);
	pthread_mutex_destroy(&r.batch_lock);
	pthread_mutex_destroy(&r.print_lock);
	mig_list_release(&conflicts);
	mig_list_release(&taken);
	mig_list_release(&gone);
	mig_list_release(&missing);
	mig_list_release(&stray);
	mig_list_release(&no_thumb);
	return rc;
}
