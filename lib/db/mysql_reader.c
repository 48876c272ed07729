/*
 * mysql_reader.c — the legacy database read as a stream (mysql_reader.h): one
 * connection opened as the backend opens its own (mysql_conn.c), unbuffered
 * text-protocol results handed on row by row.
 */
#include "db/mysql_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/mysql_internal.h"
#include "util/buf.h"
#include "util/banned.h"

struct ca_mysql_reader {
	struct mysql_conn conn;
};

int ca_mysql_reader_open(const char *url, struct ca_mysql_reader **out, struct ca_err *err)
{
	struct ca_mysql_reader *r = NULL;
	struct mysql_url u;
	int rc;

	*out = NULL;
	memset(&u, 0, sizeof(u));
	rc = ca_mysql_url_parse(url, &u, err);
	if (rc != CA_OK)
		return rc;
	u.create_schema = false; /* a reader creates nothing */
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory starting the MySQL client.");
		goto out;
	}
	rc = ca_mysql_conn_open(&r->conn, &u, err);
	if (rc == CA_DB_SCHEMA) {
		/* no such database: for a reader, a wrong URL like any other */
		if (err)
			ca_err_clear(err);
		rc = ca_err_set(err, CA_DB_CONNECT, "The legacy database %s does not exist on %s:%u.",
				u.database, u.host, u.port);
	}
	if (rc == CA_OK) {
		*out = r;
		r = NULL;
	}
out:
	ca_mysql_reader_close(r);
	ca_mysql_url_release(&u);
	return rc;
}

void ca_mysql_reader_close(struct ca_mysql_reader *r)
{
	if (!r)
		return;
	ca_mysql_conn_close(&r->conn);
	free(r);
}

/* Runs sql and hands each row of its result to each; what names the rows in errors. */
static int stream(struct ca_mysql_reader *r, const char *sql, const char *what,
		  ca_legacy_row_fn each, void *ctx, struct ca_err *err)
{
	MYSQL *h = r->conn.handle;
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	int rc = CA_OK;

	if (mysql_query(h, sql) != 0 || !(res = mysql_use_result(h)))
		return ca_err_set(err, CA_DB_QUERY, "Reading the legacy database failed: %s.",
				  mysql_error(h));
	while (rc == CA_OK && (row = mysql_fetch_row(res))) {
		struct ca_legacy_row lr = { (const char *const *)row, mysql_fetch_lengths(res) };

		rc = each(&lr, ctx, err);
	}
	if (rc == CA_OK && mysql_errno(h))
		rc = ca_err_set(err, CA_DB_QUERY, "Reading the legacy %s failed: %s.", what,
				mysql_error(h));
	/* reads (and drops) what a stopped read left */
	mysql_free_result(res);
	return rc;
}

int ca_mysql_reader_users(struct ca_mysql_reader *r, ca_legacy_row_fn each, void *ctx,
			  struct ca_err *err)
{
	return stream(r, "SELECT " CA_MYSQL_USER_COLUMNS " FROM `User` ORDER BY id", "users", each,
		      ctx, err);
}

/* CA_MYSQL_PHOTO_COLUMNS with the geotags read as DOUBLE: a FLOAT's text is rounded to 6 digits. */
#define PHOTO_SQL                                                                            \
	"SELECT id, user_id, tags, `desc`, filename_orig, filename, filesize, "              \
	"CAST(geotag_lat AS DOUBLE), CAST(geotag_lng AS DOUBLE), upload_date, taken_date, " \
	"make, model, width, height, city, nation, address FROM `Photo`"
#define PHOTO_ORDER " ORDER BY user_id, id"

int ca_mysql_reader_photos(struct ca_mysql_reader *r, const struct ca_legacy_photo_range *range,
			   ca_legacy_row_fn each, void *ctx, struct ca_err *err)
{
	char sql[sizeof(PHOTO_SQL) + 256], shard[64] = "", limit[32] = "";

	if (range->shard_n)
		snprintf(shard, sizeof(shard), " AND CRC32(user_id) %% %d = %d", range->shard_n,
			 range->shard_k);
	if (range->limit)
		snprintf(limit, sizeof(limit), " LIMIT %zu", range->limit);
	switch (range->which) {
	case CA_LEGACY_PHOTOS_WITHOUT_USER:
		snprintf(sql, sizeof(sql), PHOTO_SQL " WHERE user_id IS NULL ORDER BY id");
		break;
	case CA_LEGACY_PHOTOS_AFTER_USER:
		if (range->after)
			snprintf(sql, sizeof(sql), PHOTO_SQL " WHERE user_id > %ld%s" PHOTO_ORDER "%s",
				 range->user, shard, limit);
		else
			snprintf(sql, sizeof(sql),
				 PHOTO_SQL " WHERE user_id IS NOT NULL%s" PHOTO_ORDER "%s", shard, limit);
		break;
	case CA_LEGACY_PHOTOS_REST_OF_USER:
		snprintf(sql, sizeof(sql), PHOTO_SQL " WHERE user_id = %ld AND id > %ld ORDER BY id",
			 range->user, range->after_id);
		break;
	default:
		return ca_err_set(err, CA_EINVAL, "Unknown range of legacy photo rows.");
	}
	return stream(r, sql, "photos", each, ctx, err);
}

/* Whether a row came (the exists query's callback). */
static int note_row(const struct ca_legacy_row *row, void *ctx, struct ca_err *err)
{
	(void)row;
	(void)err;
	*(bool *)ctx = true;
	return CA_OK;
}

int ca_mysql_reader_photo_exists(struct ca_mysql_reader *r, long user_id, const char *filename,
				 bool *yes, struct ca_err *err)
{
	struct ca_buf sql = CA_BUF_INIT;
	size_t len = filename ? strlen(filename) : 0;
	char *esc = NULL;
	int rc = CA_OK;

	*yes = false;
	if (!filename)
		return CA_OK;
	esc = malloc(2 * len + 1);
	if (!esc)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	mysql_real_escape_string(r->conn.handle, esc, filename, (unsigned long)len);
	ca_buf_addf(&sql, "SELECT 1 FROM `Photo` WHERE user_id = %ld AND filename = '%s' LIMIT 1",
		    user_id, esc);
	if (!ca_buf_ok(&sql))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	if (rc == CA_OK)
		rc = stream(r, sql.data, "photos", note_row, yes, err);
	free(esc);
	ca_buf_release(&sql);
	return rc;
}
