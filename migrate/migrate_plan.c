/* migrate_plan.c — what a run would do, and the problems found; writes nothing. */
#include "migrate_internal.h"

#include <string.h>

#include "db/dynamodb.h"
#include "db/items.h"
#include "migrate_batch.h"
#include "util/strutil.h"

#include "util/banned.h"

static void print_list(FILE *out, const char *title, const struct mig_list *l)
{
	size_t i;

	if (!l->n)
		return;
	fprintf(out, "%s (%zu):\n", title, l->n);
	for (i = 0; i < l->n; i++)
		fprintf(out, "  %s\n", l->items[i]);
}

int mig_photo_notes(struct mig_ctx *c, struct mig_list *missing, struct mig_list *stray,
		    struct mig_list *no_thumb)
{
	size_t i;
	bool ok = true;

	for (i = 0; i < c->legacy.n_photos && ok; i++) {
		const struct mig_photo *p = &c->legacy.photos[i];
		const char *email = p->user != SIZE_MAX ? c->legacy.users[p->user].email : "?";

		if (p->user == SIZE_MAX || p->bad_name)
			continue;
		if (!p->has_original)
			ok = mig_list_addf(missing, "photo %ld of %s: %s (the row is migrated as an item%s)",
					   p->legacy_id, email, p->row.filename,
					   p->thumb_src != MIG_THUMB_NONE ? ", with its thumbnail" : "");
		if (p->thumb_src == MIG_THUMB_OLD_DIR)
			ok = ok && mig_list_addf(stray, "photo %ld of %s: %s is under thumbnail/ only (uploaded to thumbnails/)",
						 p->legacy_id, email, p->row.filename);
		if (p->thumb_src == MIG_THUMB_NONE)
			ok = ok && mig_list_addf(no_thumb, "photo %ld of %s: %s has no thumbnail (%s)",
						 p->legacy_id, email, p->row.filename,
						 p->has_original ? "made from the original when it is a JPEG that decodes"
								 : "none can be made: no original");
	}
	return ok ? CA_OK : CA_ENOMEM;
}

void mig_print_notes(struct mig_ctx *c, const struct mig_list *missing, const struct mig_list *stray,
		     const struct mig_list *no_thumb)
{
	print_list(c->out, "rows whose original file is missing", missing);
	print_list(c->out, "files with no row (not migrated)", &c->legacy.orphan_files);
	print_list(c->out, "thumbnails only under thumbnail/", stray);
	print_list(c->out, "missing thumbnails", no_thumb);
	print_list(c->out, "rows whose user does not exist (not migrated)", &c->legacy.orphan_rows);
	print_list(c->out, "rows not migrated as they are", &c->legacy.rejected);
	print_list(c->out, "rows migrated with a change", &c->legacy.notes);
	print_list(c->out, "names that cannot name a file (rows migrated, files not)", &c->legacy.bad_names);
}

struct plan_counts {
	int64_t bytes;
	size_t photos, originals, thumbs;
	size_t lists;          /* ListObjectsV2 calls: one per 1000 objects of a user's folder */
};

/*
 * The requests a run would send (what a run counts in its summary, plus the lock's
 * release): into an empty target, and again over a target the run completed. Per
 * user: the email index and guard reads (2), the User and guard reads (2), the
 * stored items' Query (1), and one ListObjectsV2 per 1000 objects of the folder;
 * per object one PutObject; items in BatchWriteItems of 25; at open and close 3
 * DescribeTable and the lock's PutItem and DeleteItem.
 */
static void print_requests(struct mig_ctx *c, size_t users, size_t photos, size_t objects,
			   size_t lists)
{
	size_t fixed = 5, reads = 5 * users;
	size_t batches = 2 * ((users + MIG_BATCH_MAX - 1) / MIG_BATCH_MAX) +
			 (photos + MIG_BATCH_MAX - 1) / MIG_BATCH_MAX;
	size_t fresh = fixed + reads + batches + objects + lists, again = fixed + reads + lists;

	fprintf(c->out, "requests (expected): %zu into an empty target (%zu PutObject, %zu ListObjectsV2, %zu DynamoDB), %.2f per photo; a re-run once done: %zu (%.2f per photo), no PutObject\n",
		fresh, objects, lists, fixed + reads + batches,
		photos ? (double)fresh / (double)photos : 0.0, again,
		photos ? (double)again / (double)photos : 0.0);
}


/* The counts and problems of the chunk of photo rows c holds. CA_OK or CA_ENOMEM. */
static int plan_chunk(struct mig_ctx *c, struct plan_counts *n, struct mig_list *too_big,
		      struct mig_list *missing, struct mig_list *stray, struct mig_list *no_thumb,
		      struct ca_err *err)
{
	size_t i, last_user = SIZE_MAX, user_objects = 0;

	if (mig_photo_notes(c, missing, stray, no_thumb) != CA_OK)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = 0; i < c->legacy.n_photos; i++) {
		const struct mig_photo *p = &c->legacy.photos[i];

		if (p->skip || (p->user != SIZE_MAX && c->legacy.users[p->user].conflict))
			continue;
		n->photos++;
		if ((p->original_bytes > (int64_t)MIG_MAX_IMAGE(c) || p->thumb_bytes > (int64_t)MIG_MAX_IMAGE(c)) &&
		    !mig_list_addf(too_big, "photo %ld (%s): %.1f MiB, over --max-image-mb %ld: this photo would fail",
				   p->legacy_id, p->row.filename,
				   (double)(p->original_bytes > p->thumb_bytes ? p->original_bytes : p->thumb_bytes) / 1048576.0,
				   c->opts->max_image_mb))
			return ca_err_set(err, CA_ENOMEM, "Out of memory.");
		n->originals += p->has_original;
		n->thumbs += p->has_original || p->thumb_src != MIG_THUMB_NONE;
		n->bytes += p->original_bytes + p->thumb_bytes;
		if (p->user == SIZE_MAX || p->bad_name || c->legacy.users[p->user].bad_name)
			continue;
		if (p->user != last_user) {
			n->lists += user_objects ? (user_objects + 999) / 1000 : 0;
			user_objects = 0;
			last_user = p->user;
		}
		user_objects += (size_t)p->has_original + (p->has_original || p->thumb_src != MIG_THUMB_NONE);
	}
	/* a chunk holds whole users */
	n->lists += user_objects ? (user_objects + 999) / 1000 : 0;
	return CA_OK;
}

int mig_plan(struct mig_ctx *c, struct ca_err *err)
{
	struct mig_list conflicts = { 0 }, missing = { 0 }, stray = { 0 }, no_thumb = { 0 },
			too_big = { 0 };
	struct plan_counts n = { 0, 0, 0, 0, 0 };
	size_t i, known = 0, users = 0;
	bool got = true;
	int rc;

	rc = mig_check_conflicts(c, &conflicts, err);
	if (rc != CA_OK)
		goto out;
	for (i = 0; i < c->legacy.n_users; i++)
		known += c->legacy.users[i].target_id != NULL;
	/* the photo rows a chunk at a time: only counts and problems are kept */
	while (rc == CA_OK && (rc = mig_next_chunk(c, &got, err)) == CA_OK && got)
		rc = plan_chunk(c, &n, &too_big, &missing, &stray, &no_thumb, err);
	if (rc != CA_OK)
		goto out;
	for (i = 0; i < c->legacy.n_users; i++)
		users += !c->legacy.users[i].conflict;
	fprintf(c->out, "plan: %s -> DynamoDB %s/%s, s3://%s/%s%s\n", c->opts->from_db,
		c->user_table, c->photo_table, c->bucket, c->prefix, c->opts->cognito ? ", Cognito users" : "");
	fprintf(c->out, "users: %zu legacy (%zu already have an id in %s, %zu conflicts)\n",
		c->legacy.n_users, known, c->opts->state, conflicts.n);
	fprintf(c->out, "photos: %zu legacy rows, %zu to migrate\n", c->legacy.rows_seen, n.photos);
	fprintf(c->out, "objects: %zu originals and %zu thumbnails, %.1f MB on disk\n", n.originals,
		n.thumbs, (double)n.bytes / 1e6);
	print_requests(c, users, n.photos, n.originals + n.thumbs, n.lists);
	if (c->opts->cognito)
		fprintf(c->out, "note: Cognito cannot take the werkzeug hashes; they stay in the User item, and each user's first sign-in to the app checks their password against it and makes it their pool password\n");
	print_list(c->out, "users that cannot be migrated as they are (with their photos)", &conflicts);
	print_list(c->out, "image files over the size limit", &too_big);
	mig_print_notes(c, &missing, &stray, &no_thumb);
	fprintf(c->out, "problems: %zu files over the size limit, %zu conflicts, %zu missing originals, %zu files with no row, %zu thumbnails under thumbnail/, %zu missing thumbnails\n",
		too_big.n, conflicts.n, missing.n, c->legacy.orphan_files.n, stray.n, no_thumb.n);
out:
	mig_list_release(&conflicts);
	mig_list_release(&missing);
	mig_list_release(&stray);
	mig_list_release(&no_thumb);
	mig_list_release(&too_big);
	return rc;
}
