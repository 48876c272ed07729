/*
 * verify_cleanup.c — removing what the journey made, whatever happened to it: every
 * photo of the test user (row, original, thumbnail; the user's folder when empty on
 * disk), then the user (the User row, or the user pool's user). Done through the
 * backends the serve config names, not the app, so that a broken app leaves nothing.
 */
#include "verify/verify_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/cognito_idp.h"
#include "db/dynamodb.h"
#include "db/mysql.h"
#include "storage/disk.h"
#include "storage/layout.h"
#include "storage/s3.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define S_CLEANUP "remove the test user and everything it made"
#define PAGES_MAX 100 /* of CA_DB_PAGE_MAX photos: far more than a journey makes */

static int open_db(struct verify_run *run, struct ca_db **db, struct ca_err *err)
{
	const struct serve_config *cfg = run->cfg;

	if (cfg->database.kind == SERVE_DB_DYNAMODB) {
		struct ca_db_dynamodb_options o = { run->aws, cfg->aws.region, cfg->aws.endpoint,
						    cfg->database.user_table,
						    cfg->database.photo_table,
						    cfg->auth.kind == SERVE_AUTH_COGNITO };

		return ca_db_dynamodb_open(&o, db, err);
	}
	return ca_db_mysql_open_pool(cfg->database.url, 1, db, err);
}

static int open_storage(struct verify_run *run, struct ca_storage **st, struct ca_err *err)
{
	const struct serve_config *cfg = run->cfg;

	if (cfg->storage.kind == SERVE_STORAGE_S3) {
		struct ca_storage_s3_options o = { cfg->storage.bucket, cfg->storage.prefix,
						   cfg->storage.presign_expires, cfg->aws.region,
						   cfg->aws.endpoint, run->opt.credentials, NULL };

		return ca_storage_s3_open(&o, st, err);
	}
	return ca_storage_disk_open(cfg->storage.path, st, err);
}

/* The owner id of the test user when the journey did not learn it. CA_ENOTFOUND: none. */
static int find_owner(struct verify_run *run, struct ca_db *db, struct ca_err *err)
{
	struct cognito_user pu = { 0 };
	struct ca_user u = { 0 };
	int rc;

	if (run->user_id)
		return CA_OK;
	if (run->cfg->auth.kind == SERVE_AUTH_COGNITO) {
		if (!run->aws)
			return ca_err_set(err, CA_ENOTFOUND, "no AWS client");
		rc = cognito_idp_admin_describe_user(run->aws, run->cfg->auth.user_pool_id,
						     run->email, &pu, err);
		if (rc == CA_OK && !(run->user_id = ca_strdup(pu.username)))
			rc = CA_ENOMEM;
		cognito_user_release(&pu);
		return rc;
	}
	rc = ca_db_user_find_by_email(db, run->email, &u, err);
	if (rc == CA_DB_NOTFOUND)
		rc = CA_ENOTFOUND;
	if (rc == CA_OK && !(run->user_id = ca_strdup(u.id)))
		rc = CA_ENOMEM;
	ca_user_release(&u);
	return rc;
}

/* Deletes every photo of the owner: row, then files. *n counts them. */
static int remove_photos(struct verify_run *run, struct ca_db *db, struct ca_storage *st,
			 size_t *n, struct ca_err *err)
{
	struct ca_photo_query q = { NULL, NULL, CA_DB_PAGE_MAX };
	struct ca_photo_page page = { 0 };
	char *cursor = NULL;
	size_t i, pages;
	int rc = CA_OK;

	*n = 0;
	for (pages = 0; pages < PAGES_MAX; pages++) {
		q.cursor = cursor;
		rc = ca_db_photo_list(db, run->user_id, &q, &page, err);
		if (rc != CA_OK)
			break;
		for (i = 0; i < page.count && rc == CA_OK; i++) {
			const struct ca_photo *p = &page.photos[i];

			rc = ca_db_photo_delete(db, run->user_id, p->id, err);
			if (rc == CA_DB_NOTFOUND)
				rc = CA_OK;
			if (rc == CA_OK && p->filename) {
				rc = ca_storage_delete_photo(st, run->email, p->filename, err);
				if (rc == CA_STORAGE_NOTFOUND)
					rc = CA_OK;
			}
			if (rc == CA_OK)
				(*n)++;
		}
		free(cursor);
		cursor = page.next_cursor ? ca_strdup(page.next_cursor) : NULL;
		ca_photo_page_release(&page);
		if (rc != CA_OK || !cursor)
			break;
	}
	free(cursor);
	return rc;
}

/* On disk: the user's folder and its thumbnails and grid folders, when empty. */
static void remove_empty_folders(struct verify_run *run)
{
	static const char *const subdirs[] = { CA_STORAGE_THUMB_DIR, CA_STORAGE_GRID_DIR };
	struct ca_buf norm = CA_BUF_INIT, dir = CA_BUF_INIT;
	size_t i;

	if (run->cfg->storage.kind != SERVE_STORAGE_DISK ||
	    ca_storage_norm_email(run->email, &norm, NULL) != CA_OK)
		goto out;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		ca_buf_addf(&dir, "%s/%s/%s", run->cfg->storage.path, norm.data, subdirs[i]);
		if (ca_buf_ok(&dir))
			rmdir(dir.data);
		ca_buf_reset(&dir);
	}
	ca_buf_addf(&dir, "%s/%s", run->cfg->storage.path, norm.data);
	if (ca_buf_ok(&dir))
		rmdir(dir.data);
out:
	ca_buf_release(&norm);
	ca_buf_release(&dir);
}

static int remove_user(struct verify_run *run, struct ca_db *db, struct ca_err *err)
{
	int rc;

	if (run->cfg->auth.kind == SERVE_AUTH_COGNITO) {
		rc = cognito_idp_admin_delete_user(run->aws, run->cfg->auth.user_pool_id,
						   run->email, err);
		return rc == CA_ENOTFOUND ? CA_OK : rc;
	}
	rc = ca_db_user_delete(db, run->user_id, err);
	return rc == CA_DB_NOTFOUND ? CA_OK : rc;
}

int verify_cleanup(struct verify_run *run)
{
	struct ca_db *db = NULL;
	struct ca_storage *st = NULL;
	struct ca_err err;
	size_t photos = 0;
	int rc;

	ca_err_clear(&err);
	if (!run->user_made)
		return verify_step_add(run, S_CLEANUP, VERIFY_PASS, "the journey made nothing");
	if (run->cfg->auth.kind == SERVE_AUTH_COGNITO && !run->aws) {
		rc = ca_err_set(&err, CA_EINVAL, "no AWS client: %s",
				run->aws_note ? run->aws_note : "unknown");
		goto fail;
	}
	rc = open_db(run, &db, &err);
	if (rc != CA_OK) {
		ca_err_prefix(&err, "the database");
		goto fail;
	}
	rc = find_owner(run, db, &err);
	if (rc == CA_ENOTFOUND) {
		/* the sign-up made nobody after all */
		rc = verify_step_add(run, S_CLEANUP, VERIFY_PASS, "no test user was made");
		goto out;
	}
	if (rc != CA_OK)
		goto fail;
	rc = open_storage(run, &st, &err);
	if (rc != CA_OK) {
		ca_err_prefix(&err, "the storage");
		goto fail;
	}
	rc = remove_photos(run, db, st, &photos, &err);
	if (rc != CA_OK)
		goto fail;
	remove_empty_folders(run);
	rc = remove_user(run, db, &err);
	if (rc != CA_OK)
		goto fail;
	rc = verify_step_add(run, S_CLEANUP, VERIFY_PASS, "user %s and %zu photo(s) removed",
			     run->email, photos);
	goto out;
fail:
	if (rc == CA_ENOMEM)
		goto out;
	rc = verify_step_add(run, S_CLEANUP, VERIFY_FAIL, "The test user %s (id %s) or its photos "
			     "could not be removed: %s. Remove them by hand: the user's photos "
			     "(owner id %s) from %s, then the user from %s.", run->email,
			     run->user_id ? run->user_id : "unknown", ca_err_msg(&err),
			     run->user_id ? run->user_id : "unknown",
			     run->cfg->database.kind == SERVE_DB_DYNAMODB ? "the Photo table"
									   : "the MySQL Photo table",
			     run->cfg->auth.kind == SERVE_AUTH_COGNITO ? "the user pool"
									: "the User table");
out:
	ca_storage_release(st);
	ca_db_close(db);
	return rc;
}
