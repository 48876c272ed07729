#include "db/mysql.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "db/mysql_internal.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

static struct mysql_db *mysql_of(struct ca_db *db)
{
	return (struct mysql_db *)db;
}

/*
 * Runs step on a connection borrowed from the pool, connecting it first when
 * needed. When the connection turns out to be gone, reconnects and runs step
 * once more if that is safe: the statement is idempotent or never reached the
 * server.
 */
static int run(struct mysql_db *m, mysql_step step, void *ctx, bool idempotent,
	       struct ca_err *err)
{
	struct mysql_conn *c = NULL;
	struct ca_err step_err;
	int rc = CA_OK, attempt;

	ca_err_clear(&step_err);
	rc = ca_mysql_pool_acquire(m, &c, &step_err);
	for (attempt = 0; c && attempt < 2; attempt++) {
		bool executed = false;

		ca_err_clear(&step_err);
		rc = ca_mysql_conn_open(c, &m->url, &step_err);
		if (rc)
			break;
		rc = step(c, ctx, &executed, &step_err);
		if (rc != CA_DB_CONNECT)
			break;
		ca_mysql_conn_close(c);
		if (executed && !idempotent) {
			ca_err_prefix(&step_err,
				      "The change may or may not have been saved; check before repeating it");
			break;
		}
	}
	ca_mysql_pool_release(m, c);
	if (rc)
		ca_err_set(err, rc, "%s", ca_err_msg(&step_err));
	return rc;
}

int ca_mysql_run(struct mysql_db *m, mysql_step step, void *ctx, bool idempotent,
		 struct ca_err *err)
{
	return run(m, step, ctx, idempotent, err);
}

/* ---- users ---- */

enum { U_ID, U_USERNAME, U_EMAIL, U_PASSWORD, U_NCOLS };
static const enum mysql_col_type user_types[U_NCOLS] = { COL_INT, COL_TEXT, COL_TEXT, COL_TEXT };

struct user_create_ctx {
	const struct ca_user *in;
	char **id_out;
};

static int step_user_create(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct user_create_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	MYSQL_STMT *st = NULL;
	char num[24];
	int rc;

	ca_mysql_param_str(&p, ctx->in->username);
	ca_mysql_param_str(&p, ctx->in->email);
	ca_mysql_param_str(&p, ctx->in->password);
	rc = ca_mysql_exec(c, "INSERT INTO `User` (username, email, password) VALUES (?, ?, ?)",
			   &p, &st, executed, "creating a user", err);
	if (rc == CA_DB_CONFLICT) {
		ca_err_clear(err); /* say which value: the only unique one is the email */
		return ca_err_set(err, CA_DB_CONFLICT, "A user with that email address already exists.");
	}
	if (rc)
		return rc;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)mysql_stmt_insert_id(st));
	*ctx->id_out = ca_strdup(num);
	if (!*ctx->id_out)
		return ca_err_set(err, CA_ENOMEM, "Out of memory creating a user.");
	return CA_OK;
}

static int mysql_user_create(struct ca_db *db, const struct ca_user *in, char **id_out,
			     struct ca_err *err)
{
	struct user_create_ctx ctx = { in, id_out };

	return run(mysql_of(db), step_user_create, &ctx, false, err);
}

struct user_find_ctx {
	const char *email;   /* one of email or id */
	long long id;
	struct ca_user *out;
};

static int step_user_find(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct user_find_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	struct mysql_row row;
	bool have = false, oom = false;
	int rc;

	ca_user_release(ctx->out);
	if (ctx->email)
		ca_mysql_param_str(&p, ctx->email);
	else
		ca_mysql_param_i64(&p, ctx->id);
	rc = ca_mysql_query_row(c,
				ctx->email ? "SELECT " CA_MYSQL_USER_COLUMNS " FROM `User` WHERE email = ?"
					   : "SELECT " CA_MYSQL_USER_COLUMNS " FROM `User` WHERE id = ?",
				&p, user_types, U_NCOLS, &row, &have, executed, "looking up a user", err);
	if (rc)
		goto out;
	if (!have) {
		rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that %s.",
				ctx->email ? "email address" : "id");
		goto out;
	}
	ctx->out->id = ca_mysql_row_int_text(&row, U_ID, &oom);
	ctx->out->username = ca_mysql_row_text(&row, U_USERNAME, &oom);
	ctx->out->email = ca_mysql_row_text(&row, U_EMAIL, &oom);
	ctx->out->password = ca_mysql_row_text(&row, U_PASSWORD, &oom);
	if (oom)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a user.");
out:
	if (rc)
		ca_user_release(ctx->out);
	ca_mysql_row_release(&row);
	return rc;
}

static int mysql_user_find_by_email(struct ca_db *db, const char *email, struct ca_user *out,
				    struct ca_err *err)
{
	struct user_find_ctx ctx = { email, 0, out };

	return run(mysql_of(db), step_user_find, &ctx, true, err);
}

static int mysql_user_find_by_id(struct ca_db *db, const char *id, struct ca_user *out,
				 struct ca_err *err)
{
	struct user_find_ctx ctx = { NULL, 0, out };

	if (!ca_mysql_parse_id(id, &ctx.id))
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	return run(mysql_of(db), step_user_find, &ctx, true, err);
}

struct user_update_ctx {
	long long id;
	const char *username;
	const char *password;
};

static int step_user_update(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct user_update_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	MYSQL_STMT *st = NULL;
	const char *sql;
	int rc;

	if (ctx->username && ctx->password)
		sql = "UPDATE `User` SET username = ?, password = ? WHERE id = ?";
	else if (ctx->username)
		sql = "UPDATE `User` SET username = ? WHERE id = ?";
	else
		sql = "UPDATE `User` SET password = ? WHERE id = ?";
	if (ctx->username)
		ca_mysql_param_str(&p, ctx->username);
	if (ctx->password)
		ca_mysql_param_str(&p, ctx->password);
	ca_mysql_param_i64(&p, ctx->id);
	rc = ca_mysql_exec(c, sql, &p, &st, executed, "updating a user", err);
	if (rc)
		return rc;
	if (mysql_stmt_affected_rows(st) == 0)
		rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	return rc;
}

static int mysql_user_update(struct ca_db *db, const char *id, const char *username,
			     const char *password, struct ca_err *err)
{
	struct user_update_ctx ctx = { 0, username, password };

	if (!ca_mysql_parse_id(id, &ctx.id))
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	return run(mysql_of(db), step_user_update, &ctx, true, err);
}

/* ---- photos ---- */

enum {
	P_ID, P_USER_ID, P_TAGS, P_DESC, P_FILENAME_ORIG, P_FILENAME, P_FILESIZE, P_LAT, P_LNG,
	P_UPLOAD_DATE, P_TAKEN_DATE, P_MAKE, P_MODEL, P_WIDTH, P_HEIGHT, P_CITY, P_NATION,
	P_ADDRESS, P_NCOLS
};
static const enum mysql_col_type photo_types[P_NCOLS] = {
	COL_INT, COL_INT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_INT, COL_REAL, COL_REAL,
	COL_DATE, COL_DATE, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT,
};

static int read_photo(const struct mysql_row *r, struct ca_photo *p, struct ca_err *err)
{
	bool oom = false;

	memset(p, 0, sizeof(*p));
	p->id = ca_mysql_row_int_text(r, P_ID, &oom);
	p->user_id = ca_mysql_row_int_text(r, P_USER_ID, &oom);
	p->tags = ca_mysql_row_text(r, P_TAGS, &oom);
	p->desc = ca_mysql_row_text(r, P_DESC, &oom);
	p->filename_orig = ca_mysql_row_text(r, P_FILENAME_ORIG, &oom);
	p->filename = ca_mysql_row_text(r, P_FILENAME, &oom);
	p->filesize = r->col[P_FILESIZE].is_null ? -1 : r->col[P_FILESIZE].i64;
	p->has_geotag = !r->col[P_LAT].is_null && !r->col[P_LNG].is_null;
	if (p->has_geotag) {
		p->geotag_lat = ca_mysql_row_real(r, P_LAT);
		p->geotag_lng = ca_mysql_row_real(r, P_LNG);
	}
	p->upload_date = ca_mysql_row_date(r, P_UPLOAD_DATE, &oom);
	p->taken_date = ca_mysql_row_date(r, P_TAKEN_DATE, &oom);
	p->make = ca_mysql_row_text(r, P_MAKE, &oom);
	p->model = ca_mysql_row_text(r, P_MODEL, &oom);
	p->width = ca_mysql_row_text(r, P_WIDTH, &oom);
	p->height = ca_mysql_row_text(r, P_HEIGHT, &oom);
	p->city = ca_mysql_row_text(r, P_CITY, &oom);
	p->nation = ca_mysql_row_text(r, P_NATION, &oom);
	p->address = ca_mysql_row_text(r, P_ADDRESS, &oom);
	if (oom) {
		ca_photo_release(p);
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading a photo.");
	}
	return CA_OK;
}

/* A page's photo strings: the column and the field of each (read_photo's). */
static const struct {
	unsigned col;
	size_t field; /* offsetof a char * in struct ca_photo */
} page_texts[] = {
	{ P_ID, offsetof(struct ca_photo, id) },
	{ P_USER_ID, offsetof(struct ca_photo, user_id) },
	{ P_TAGS, offsetof(struct ca_photo, tags) },
	{ P_DESC, offsetof(struct ca_photo, desc) },
	{ P_FILENAME_ORIG, offsetof(struct ca_photo, filename_orig) },
	{ P_FILENAME, offsetof(struct ca_photo, filename) },
	{ P_UPLOAD_DATE, offsetof(struct ca_photo, upload_date) },
	{ P_TAKEN_DATE, offsetof(struct ca_photo, taken_date) },
	{ P_MAKE, offsetof(struct ca_photo, make) },
	{ P_MODEL, offsetof(struct ca_photo, model) },
	{ P_WIDTH, offsetof(struct ca_photo, width) },
	{ P_HEIGHT, offsetof(struct ca_photo, height) },
	{ P_CITY, offsetof(struct ca_photo, city) },
	{ P_NATION, offsetof(struct ca_photo, nation) },
	{ P_ADDRESS, offsetof(struct ca_photo, address) },
};
#define PAGE_TEXTS (sizeof(page_texts) / sizeof(page_texts[0]))

/*
 * read_photo for a page: the strings go into the page's one text block (a
 * page of 50 would otherwise cost some 700 allocations and as many frees), at
 * offsets at[] until the block stops growing (page_texts_place).
 */
static void read_page_photo(const struct mysql_row *r, struct ca_photo *p, struct ca_buf *text,
			    size_t at[PAGE_TEXTS])
{
	size_t k;

	memset(p, 0, sizeof(*p));
	for (k = 0; k < PAGE_TEXTS; k++)
		ca_mysql_row_text_to(r, page_texts[k].col, text, &at[k]);
	p->filesize = r->col[P_FILESIZE].is_null ? -1 : r->col[P_FILESIZE].i64;
	p->has_geotag = !r->col[P_LAT].is_null && !r->col[P_LNG].is_null;
	if (p->has_geotag) {
		p->geotag_lat = ca_mysql_row_real(r, P_LAT);
		p->geotag_lng = ca_mysql_row_real(r, P_LNG);
	}
}

/* Points each photo's strings into page->text, at the offsets read_page_photo kept. */
static void page_texts_place(struct ca_photo_page *page, size_t (*at)[PAGE_TEXTS])
{
	size_t i, k;

	for (i = 0; i < page->count; i++)
		for (k = 0; k < PAGE_TEXTS; k++) {
			char **field = (char **)(void *)((char *)&page->photos[i] +
							  page_texts[k].field);

			*field = at[i][k] == CA_MYSQL_NO_TEXT ? NULL : page->text + at[i][k];
		}
}

struct photo_create_ctx {
	long long owner;
	const struct ca_photo *in;
	const char *upload_date, *taken_date; /* in's, whole seconds (stored_datetime) */
	struct ca_photo *out;
};

/*
 * The date s as a DATETIME column keeps it: whole seconds (MariaDB drops a
 * fraction, MySQL rounds it; binding whole seconds makes both keep this).
 * *out is malloc'd, NULL for s NULL.
 */
static int stored_datetime(const char *s, char **out, struct ca_err *err)
{
	char text[CA_DB_DATE_LEN + 1];
	struct ca_db_date d;
	int rc;

	*out = NULL;
	if (!s)
		return CA_OK;
	rc = ca_db_date_parse(s, &d, err);
	if (rc)
		return rc;
	d.microsecond = 0;
	ca_db_date_format(&d, text);
	*out = ca_strdup(text);
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory saving a photo.");
}

/* A copy of s (NULL for NULL); *oom set when the copy fails. */
static char *dup_or_null(const char *s, bool *oom)
{
	char *copy = ca_strdup(s);

	if (s && !copy)
		*oom = true;
	return copy;
}

/* *out as the new row reads back (read_photo), from what was inserted. */
static int stored_photo(const struct photo_create_ctx *ctx, unsigned long long id,
			struct ca_photo *out, struct ca_err *err)
{
	const struct ca_photo *in = ctx->in;
	char num[24];
	bool oom = false;

	memset(out, 0, sizeof(*out));
	snprintf(num, sizeof(num), "%llu", id);
	out->id = ca_strdup(num);
	snprintf(num, sizeof(num), "%lld", ctx->owner);
	out->user_id = ca_strdup(num);
	oom = !out->id || !out->user_id;
	out->tags = dup_or_null(in->tags, &oom);
	out->desc = dup_or_null(in->desc, &oom);
	out->filename_orig = dup_or_null(in->filename_orig, &oom);
	out->filename = dup_or_null(in->filename, &oom);
	out->filesize = in->filesize >= 0 ? in->filesize : -1;
	out->has_geotag = in->has_geotag;
	if (in->has_geotag) {
		/* geotag_lat and geotag_lng are FLOAT columns */
		out->geotag_lat = ca_mysql_float_value(in->geotag_lat);
		out->geotag_lng = ca_mysql_float_value(in->geotag_lng);
	}
	out->upload_date = dup_or_null(ctx->upload_date, &oom);
	out->taken_date = dup_or_null(ctx->taken_date, &oom);
	out->make = dup_or_null(in->make, &oom);
	out->model = dup_or_null(in->model, &oom);
	out->width = dup_or_null(in->width, &oom);
	out->height = dup_or_null(in->height, &oom);
	out->city = dup_or_null(in->city, &oom);
	out->nation = dup_or_null(in->nation, &oom);
	out->address = dup_or_null(in->address, &oom);
	if (oom) {
		ca_photo_release(out);
		return ca_err_set(err, CA_ENOMEM, "Out of memory saving a photo.");
	}
	return CA_OK;
}

static int step_photo_create(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct photo_create_ctx *ctx = vctx;
	const struct ca_photo *in = ctx->in;
	struct mysql_params p = { .n = 0 };
	MYSQL_STMT *st = NULL;
	int rc;

	ca_photo_release(ctx->out);
	ca_mysql_param_i64(&p, ctx->owner);
	ca_mysql_param_str(&p, in->tags);
	ca_mysql_param_str(&p, in->desc);
	ca_mysql_param_str(&p, in->filename_orig);
	ca_mysql_param_str(&p, in->filename);
	if (in->filesize >= 0)
		ca_mysql_param_i64(&p, in->filesize);
	else
		ca_mysql_param_null(&p);
	if (in->has_geotag) {
		ca_mysql_param_double(&p, in->geotag_lat);
		ca_mysql_param_double(&p, in->geotag_lng);
	} else {
		ca_mysql_param_null(&p);
		ca_mysql_param_null(&p);
	}
	rc = ca_mysql_param_date(&p, ctx->upload_date, err);
	if (!rc)
		rc = ca_mysql_param_date(&p, ctx->taken_date, err);
	if (rc)
		return rc;
	ca_mysql_param_str(&p, in->make);
	ca_mysql_param_str(&p, in->model);
	ca_mysql_param_str(&p, in->width);
	ca_mysql_param_str(&p, in->height);
	ca_mysql_param_str(&p, in->city);
	ca_mysql_param_str(&p, in->nation);
	ca_mysql_param_str(&p, in->address);
	rc = ca_mysql_exec(c,
			   "INSERT INTO `Photo` (user_id, tags, `desc`, filename_orig, filename, "
			   "filesize, geotag_lat, geotag_lng, upload_date, taken_date, make, model, "
			   "width, height, city, nation, address) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   &p, &st, executed, "saving a photo", err);
	if (rc == CA_DB_NOTFOUND) {
		ca_err_clear(err);
		return ca_err_set(err, CA_DB_NOTFOUND, "The photo's owner does not exist.");
	}
	if (rc)
		return rc;
	return stored_photo(ctx, (unsigned long long)mysql_stmt_insert_id(st), ctx->out, err);
}

/* The Photo table's foreign key checks the owner on every insert: owner_known is
 * only reported. */
static int mysql_photo_create(struct ca_db *db, const char *owner_id, bool *owner_known,
			      const struct ca_photo *in, struct ca_photo *out, struct ca_err *err)
{
	struct photo_create_ctx ctx = { 0, in, NULL, NULL, out };
	char *upload_date = NULL, *taken_date = NULL;
	int rc;

	if (!ca_mysql_parse_id(owner_id, &ctx.owner))
		return ca_err_set(err, CA_DB_NOTFOUND, "The photo's owner does not exist.");
	rc = stored_datetime(in->upload_date, &upload_date, err);
	if (!rc)
		rc = stored_datetime(in->taken_date, &taken_date, err);
	ctx.upload_date = upload_date;
	ctx.taken_date = taken_date;
	if (!rc)
		rc = run(mysql_of(db), step_photo_create, &ctx, false, err);
	if (!rc)
		*owner_known = true;
	free(upload_date);
	free(taken_date);
	return rc;
}

struct photo_get_ctx {
	long long owner;
	long long id;
	struct ca_photo *out;
};

static int step_photo_get(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct photo_get_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	struct mysql_row row;
	bool have = false;
	int rc;

	ca_photo_release(ctx->out);
	ca_mysql_param_i64(&p, ctx->id);
	ca_mysql_param_i64(&p, ctx->owner);
	rc = ca_mysql_query_row(c,
				"SELECT " CA_MYSQL_PHOTO_COLUMNS " FROM `Photo` WHERE id = ? AND user_id = ?",
				&p, photo_types, P_NCOLS, &row, &have, executed, "reading a photo", err);
	if (!rc && !have)
		rc = ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	if (!rc)
		rc = read_photo(&row, ctx->out, err);
	ca_mysql_row_release(&row);
	return rc;
}

static int mysql_photo_get(struct ca_db *db, const char *owner_id, const char *photo_id,
			   struct ca_photo *out, struct ca_err *err)
{
	struct photo_get_ctx ctx = { 0, 0, out };

	if (!ca_mysql_parse_id(owner_id, &ctx.owner) || !ca_mysql_parse_id(photo_id, &ctx.id))
		return ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	return run(mysql_of(db), step_photo_get, &ctx, true, err);
}

/*
 * The page cursor: where the last row of a page sits in the order
 * (upload_date DESC, id DESC), in which MySQL puts rows without a date last
 * (NULL sorts lowest); the index photo_user_upload yields rows in that order.
 *   "d<YYYYMMDDHHMMSSffffff>-<id>" after a row with an upload date,
 *   "n-<id>"                       after a row without one.
 * In the taken-date order (TAKEN_KEY DESC, id DESC) the same with a "t" in front;
 * no index serves that order: MySQL sorts the owner's rows for each page.
 */
/* The taken date, NULL where read_photo sees none (NULL or a zero date). */
#define TAKEN_KEY "IF(YEAR(taken_date) > 0 AND MONTH(taken_date) > 0 AND " \
		  "DAYOFMONTH(taken_date) > 0, taken_date, NULL)"

struct page_cursor {
	bool null_date;
	char date[CA_DB_DATE_LEN + 1]; /* date.h form */
	long long id;
};

static bool cursor_parse(const char *s, enum ca_photo_order order, struct page_cursor *c)
{
	struct ca_db_date d;
	const char *dash;
	char text[32];

	memset(c, 0, sizeof(*c));
	if (order == CA_PHOTO_BY_TAKEN && *s++ != 't')
		return false;
	dash = strchr(s, '-');
	if (!dash || !ca_mysql_parse_id(dash + 1, &c->id))
		return false;
	if (s[0] == 'n' && dash == s + 1) {
		c->null_date = true;
		return true;
	}
	if (s[0] != 'd' || dash != s + 21)
		return false;
	/* re-form as date text and let the date parser judge it */
	snprintf(text, sizeof(text), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.6s", s + 1, s + 5, s + 7,
		 s + 9, s + 11, s + 13, s + 15);
	if (ca_db_date_parse(text, &d, NULL) != CA_OK)
		return false;
	ca_db_date_format(&d, c->date);
	return true;
}

static char *cursor_format(const struct ca_photo *last, enum ca_photo_order order)
{
	const char *date = order == CA_PHOTO_BY_TAKEN ? last->taken_date : last->upload_date;
	struct ca_db_date d;
	struct ca_buf b = CA_BUF_INIT;

	if (order == CA_PHOTO_BY_TAKEN)
		ca_buf_addch(&b, 't');
	if (!date || ca_db_date_parse(date, &d, NULL) != CA_OK)
		ca_buf_addf(&b, "n-%s", last->id);
	else
		ca_buf_addf(&b, "d%04d%02d%02d%02d%02d%02d%06d-%s", d.year, d.month, d.day, d.hour,
			    d.minute, d.second, d.microsecond, last->id);
	return ca_buf_detach(&b, NULL);
}

/* Escapes LIKE's wildcards with '!' and wraps the keyword in '%'. */
static char *like_pattern(const char *keyword)
{
	struct ca_buf b = CA_BUF_INIT;
	const char *k;

	ca_buf_addch(&b, '%');
	for (k = keyword; *k; k++) {
		if (*k == '%' || *k == '_' || *k == '!')
			ca_buf_addch(&b, '!');
		ca_buf_addch(&b, *k);
	}
	ca_buf_addch(&b, '%');
	return ca_buf_detach(&b, NULL);
}

struct photo_list_ctx {
	long long owner;
	const struct ca_photo_query *q;
	struct page_cursor cursor;
	bool has_cursor;
	char *pattern;
	struct ca_photo_page *out;
	/* with a session: its state read by the same statement (ca_db_photo_list_session) */
	const char *user_id, *session_id;
	int64_t *generation;
	bool *revoked;
	bool total;               /* and the owner's photo count into out->total */
};

/* The page's photo columns, then (with a session) the session state's two, then
 * (with q->total) the owner's photo count. */
enum { P_GENERATION = P_NCOLS, P_REVOKED, P_NCOLS_SESSION, P_TOTAL = P_NCOLS_SESSION,
       P_NCOLS_TOTAL };
static const enum mysql_col_type photo_session_types[P_NCOLS_TOTAL] = {
	COL_INT, COL_INT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_INT, COL_REAL, COL_REAL,
	COL_DATE, COL_DATE, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT, COL_TEXT,
	COL_INT, COL_INT, COL_INT,
};

static int step_photo_count(struct mysql_conn *c, void *vctx, bool *executed,
			    struct ca_err *err);
struct photo_count_ctx {
	long long owner;
	int64_t *count;
};

static int step_photo_list(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct photo_list_ctx *ctx = vctx;
	struct ca_photo_page *page = ctx->out;
	struct mysql_params p = { .n = 0 };
	struct ca_buf sql = CA_BUF_INIT, text = CA_BUF_INIT;
	size_t (*at)[PAGE_TEXTS] = NULL; /* each photo's string offsets in text */
	struct mysql_row row;
	MYSQL_STMT *st = NULL;
	size_t limit = ctx->q->limit;
	const char *key = ctx->q->order == CA_PHOTO_BY_TAKEN ? TAKEN_KEY : "upload_date";
	int rc = CA_OK;

	memset(&row, 0, sizeof(row));
	ca_photo_page_release(page);
	page->photos = calloc(limit + 1, sizeof(*page->photos));
	at = calloc(limit + 1, sizeof(*at));
	/* room for a page of typical rows at once (it grows for longer ones) */
	ca_buf_grow(&text, (limit + 1) * 256);
	if (!page->photos || !at || !ca_buf_ok(&text)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
		goto out;
	}
	ca_buf_adds(&sql, "SELECT " CA_MYSQL_PHOTO_COLUMNS);
	if (ctx->user_id) {
		/* uncorrelated scalar subqueries: evaluated once, repeated on every row */
		ca_buf_adds(&sql, ", " CA_MYSQL_SESSION_STATE_COLUMNS);
		ca_mysql_param_str(&p, ctx->user_id);
		ca_mysql_param_str(&p, ctx->session_id);
		ca_mysql_param_str(&p, ctx->user_id);
		if (ctx->total) {
			ca_buf_adds(&sql, ", (SELECT COUNT(*) FROM `Photo` WHERE user_id = ?)");
			ca_mysql_param_i64(&p, ctx->owner);
		}
	}
	ca_buf_adds(&sql, " FROM `Photo` WHERE user_id = ?");
	ca_mysql_param_i64(&p, ctx->owner);
	if (ctx->pattern) {
		/* the fields of db.h's ca_photo_query.keyword, each as a bound parameter */
		static const char *const fields[] = { "tags", "`desc`", "city", "nation",
						      "address", "filename_orig" };
		size_t f;

		for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			ca_buf_addf(&sql, "%s LOWER(%s) LIKE LOWER(?) ESCAPE '!'",
				    f ? " OR" : " AND (", fields[f]);
			ca_mysql_param_str(&p, ctx->pattern);
		}
		ca_buf_adds(&sql, ")");
	}
	if (ctx->has_cursor && ctx->cursor.null_date) {
		ca_buf_addf(&sql, " AND %s IS NULL AND id < ?", key);
		ca_mysql_param_i64(&p, ctx->cursor.id);
	} else if (ctx->has_cursor) {
		ca_buf_addf(&sql, " AND (%s IS NULL OR %s < ? OR (%s = ? AND id < ?))", key, key, key);
		ca_mysql_param_date(&p, ctx->cursor.date, NULL);
		ca_mysql_param_date(&p, ctx->cursor.date, NULL);
		ca_mysql_param_i64(&p, ctx->cursor.id);
	}
	ca_buf_addf(&sql, " ORDER BY %s DESC, id DESC LIMIT ?", key);
	ca_mysql_param_i64(&p, (long long)limit + 1);
	if (!ca_buf_ok(&sql)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
		goto out;
	}
	rc = ca_mysql_exec(c, sql.data, &p, &st, executed, "listing photos", err);
	if (!rc)
		rc = ctx->user_id ? ca_mysql_row_init(&row, st, photo_session_types,
						      ctx->total ? P_NCOLS_TOTAL : P_NCOLS_SESSION,
						      err)
				  : ca_mysql_row_init(&row, st, photo_types, P_NCOLS, err);
	while (!rc) {
		bool have = false;

		rc = ca_mysql_row_fetch(&row, &have, err);
		if (rc || !have)
			break;
		if (page->count == 0 && ctx->user_id) {
			*ctx->generation = row.col[P_GENERATION].is_null ? 0
									 : row.col[P_GENERATION].i64;
			*ctx->revoked = !row.col[P_REVOKED].is_null && row.col[P_REVOKED].i64 > 0;
			if (ctx->total && !row.col[P_TOTAL].is_null)
				page->total = row.col[P_TOTAL].i64;
		}
		if (page->count == limit + 1)
			continue; /* cannot happen with LIMIT; drain defensively */
		read_page_photo(&row, &page->photos[page->count], &text, at[page->count]);
		page->count++;
	}
	if (!rc && !ca_buf_ok(&text))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a photo.");
	if (!rc && page->count) {
		page->text = ca_buf_detach(&text, NULL);
		if (!page->text)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a photo.");
		else
			page_texts_place(page, at);
	}
	if (rc)
		page->count = 0; /* nothing in them is owned yet: the text block is released below */
	if (!rc && page->count == 0 && ctx->user_id) {
		/* no row carried the session state: ask for it alone */
		ca_mysql_row_release(&row);
		rc = ca_mysql_session_state_on(c, ctx->user_id, ctx->session_id, ctx->generation,
					       ctx->revoked, executed, err);
		if (!rc && ctx->total) {
			struct photo_count_ctx count = { ctx->owner, &page->total };

			rc = step_photo_count(c, &count, executed, err);
		}
	}
	if (!rc && page->count > limit) {
		/* the look-ahead row: its strings stay in the page's text block */
		memset(&page->photos[limit], 0, sizeof(page->photos[limit]));
		page->count = limit;
		page->next_cursor = cursor_format(&page->photos[limit - 1], ctx->q->order);
		if (!page->next_cursor)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
	}
out:
	if (rc)
		ca_photo_page_release(page);
	ca_mysql_row_release(&row);
	ca_buf_release(&sql);
	ca_buf_release(&text);
	free(at);
	return rc;
}

/* photo_list, and with session_id also photo_list_session (db.h). */
static int photo_list(struct ca_db *db, const char *owner_id, const char *session_id,
		      const struct ca_photo_query *q, bool total, struct ca_photo_page *out,
		      int64_t *generation, bool *revoked, struct ca_err *err)
{
	struct photo_list_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.q = q;
	ctx.out = out;
	if (session_id) {
		ctx.user_id = owner_id;
		ctx.session_id = session_id;
		ctx.generation = generation;
		ctx.revoked = revoked;
		ctx.total = total;
	}
	if (!ca_mysql_parse_id(owner_id, &ctx.owner))
		/* an id that cannot be ours owns nothing: an empty page (and a total of 0) */
		return session_id ? ca_mysql_session_state(db, owner_id, session_id, generation,
							   revoked, err)
				  : CA_OK;
	if (q->cursor) {
		if (!cursor_parse(q->cursor, q->order, &ctx.cursor))
			return ca_err_set(err, CA_EINVAL, "The page cursor is not one this server issued.");
		ctx.has_cursor = true;
	}
	if (q->keyword) {
		ctx.pattern = like_pattern(q->keyword);
		if (!ctx.pattern)
			return ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
	}
	rc = run(mysql_of(db), step_photo_list, &ctx, true, err);
	free(ctx.pattern);
	return rc;
}

static int step_photo_count(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	static const enum mysql_col_type types[1] = { COL_INT };
	struct photo_count_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	struct mysql_row row;
	bool have = false;
	int rc;

	ca_mysql_param_i64(&p, ctx->owner);
	rc = ca_mysql_query_row(c, "SELECT COUNT(*) FROM `Photo` WHERE user_id = ?", &p, types, 1,
				&row, &have, executed, "counting photos", err);
	if (!rc && have && !row.col[0].is_null)
		*ctx->count = row.col[0].i64;
	ca_mysql_row_release(&row);
	return rc;
}

static int mysql_photo_count(struct ca_db *db, const char *owner_id, int64_t *count,
			     struct ca_err *err)
{
	struct photo_count_ctx ctx = { 0, count };

	if (!ca_mysql_parse_id(owner_id, &ctx.owner))
		return CA_OK; /* an id that cannot be ours owns nothing */
	return run(mysql_of(db), step_photo_count, &ctx, true, err);
}

static int mysql_photo_list(struct ca_db *db, const char *owner_id, const struct ca_photo_query *q,
			    struct ca_photo_page *out, struct ca_err *err)
{
	return photo_list(db, owner_id, NULL, q, false, out, NULL, NULL, err);
}

static int mysql_photo_list_session(struct ca_db *db, const char *owner_id,
				    const char *session_id, const struct ca_photo_query *q,
				    bool total, struct ca_photo_page *out, int64_t *generation,
				    bool *revoked, struct ca_err *err)
{
	return photo_list(db, owner_id, session_id, q, total, out, generation, revoked, err);
}

struct photo_update_ctx {
	long long owner;
	long long id;
	const struct ca_photo *values;
	unsigned fields;
};

static int step_photo_update(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct photo_update_ctx *ctx = vctx;
	const struct ca_photo *v = ctx->values;
	struct mysql_params p = { .n = 0 };
	struct ca_buf sql = CA_BUF_INIT;
	MYSQL_STMT *st = NULL;
	const char *sep = " ";
	int rc;

	if (!ctx->fields) {
		ca_buf_adds(&sql, "SELECT id FROM `Photo` WHERE id = ? AND user_id = ?");
	} else {
		ca_buf_adds(&sql, "UPDATE `Photo` SET");
		if (ctx->fields & CA_PHOTO_TAGS) {
			ca_buf_addf(&sql, "%stags = ?", sep), sep = ", ";
			ca_mysql_param_str(&p, v->tags);
		}
		if (ctx->fields & CA_PHOTO_DESC) {
			ca_buf_addf(&sql, "%s`desc` = ?", sep), sep = ", ";
			ca_mysql_param_str(&p, v->desc);
		}
		if (ctx->fields & CA_PHOTO_GEOTAG) {
			ca_buf_addf(&sql, "%sgeotag_lat = ?, geotag_lng = ?", sep), sep = ", ";
			if (v->has_geotag) {
				ca_mysql_param_double(&p, v->geotag_lat);
				ca_mysql_param_double(&p, v->geotag_lng);
			} else {
				ca_mysql_param_null(&p);
				ca_mysql_param_null(&p);
			}
		}
		if (ctx->fields & CA_PHOTO_CITY) {
			ca_buf_addf(&sql, "%scity = ?", sep), sep = ", ";
			ca_mysql_param_str(&p, v->city);
		}
		if (ctx->fields & CA_PHOTO_NATION) {
			ca_buf_addf(&sql, "%snation = ?", sep), sep = ", ";
			ca_mysql_param_str(&p, v->nation);
		}
		if (ctx->fields & CA_PHOTO_ADDRESS) {
			ca_buf_addf(&sql, "%saddress = ?", sep);
			ca_mysql_param_str(&p, v->address);
		}
		ca_buf_adds(&sql, " WHERE id = ? AND user_id = ?");
	}
	ca_mysql_param_i64(&p, ctx->id);
	ca_mysql_param_i64(&p, ctx->owner);
	if (!ca_buf_ok(&sql)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory updating a photo.");
		goto out;
	}
	rc = ca_mysql_exec(c, sql.data, &p, &st, executed, "updating a photo", err);
	if (rc)
		goto out;
	if (!ctx->fields) {
		if (mysql_stmt_store_result(st) != 0)
			rc = ca_mysql_stmt_error(st, "reading a photo", err);
		else if (mysql_stmt_num_rows(st) == 0)
			rc = ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	} else if (mysql_stmt_affected_rows(st) == 0) {
		rc = ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	}
out:
	ca_buf_release(&sql);
	return rc;
}

static int mysql_photo_update(struct ca_db *db, const char *owner_id, const char *photo_id,
			      const struct ca_photo *values, unsigned fields, struct ca_err *err)
{
	struct photo_update_ctx ctx = { 0, 0, values, fields };

	if (!ca_mysql_parse_id(owner_id, &ctx.owner) || !ca_mysql_parse_id(photo_id, &ctx.id))
		return ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	return run(mysql_of(db), step_photo_update, &ctx, true, err);
}

static int step_photo_delete(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct photo_get_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	MYSQL_STMT *st = NULL;
	int rc;

	ca_mysql_param_i64(&p, ctx->id);
	ca_mysql_param_i64(&p, ctx->owner);
	rc = ca_mysql_exec(c, "DELETE FROM `Photo` WHERE id = ? AND user_id = ?", &p, &st,
			   executed, "deleting a photo", err);
	if (rc)
		return rc;
	if (mysql_stmt_affected_rows(st) == 0)
		rc = ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	return rc;
}

static int mysql_photo_delete(struct ca_db *db, const char *owner_id, const char *photo_id,
			      struct ca_err *err)
{
	struct photo_get_ctx ctx = { 0, 0, NULL };

	if (!ca_mysql_parse_id(owner_id, &ctx.owner) || !ca_mysql_parse_id(photo_id, &ctx.id))
		return ca_err_set(err, CA_DB_NOTFOUND, "That photo does not exist or is not yours.");
	return run(mysql_of(db), step_photo_delete, &ctx, false, err);
}

static int step_user_delete(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	const long long *id = vctx;
	struct mysql_params p = { .n = 0 };
	MYSQL_STMT *st = NULL;
	int rc;

	ca_mysql_param_i64(&p, *id);
	rc = ca_mysql_exec(c, "DELETE FROM `User` WHERE id = ?", &p, &st, executed,
			   "deleting a user", err);
	if (rc)
		return rc;
	if (mysql_stmt_affected_rows(st) == 0)
		rc = ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	return rc;
}

static int mysql_user_delete(struct ca_db *db, const char *id, struct ca_err *err)
{
	long long n = 0;

	if (!ca_mysql_parse_id(id, &n))
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	return run(mysql_of(db), step_user_delete, &n, false, err);
}

static void mysql_close_db(struct ca_db *db)
{
	struct mysql_db *m = mysql_of(db);

	if (!m)
		return;
	ca_mysql_pool_destroy(m);
	ca_mysql_url_release(&m->url);
	free(m);
}

static const struct ca_db_ops mysql_ops = {
	.name = "mysql",
	.user_create = mysql_user_create,
	.user_find_by_email = mysql_user_find_by_email,
	.user_find_by_id = mysql_user_find_by_id,
	.user_update = mysql_user_update,
	.photo_create = mysql_photo_create,
	.photo_get = mysql_photo_get,
	.photo_list = mysql_photo_list,
	.photo_update = mysql_photo_update,
	.photo_delete = mysql_photo_delete,
	.session_state = ca_mysql_session_state,
	.session_revoke = ca_mysql_session_revoke,
	.sessions_revoke_all = ca_mysql_sessions_revoke_all,
	.close = mysql_close_db,
	.user_delete = mysql_user_delete,
	.photo_count = mysql_photo_count,
	.photo_list_session = mysql_photo_list_session,
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;

/* The connector's global set-up is not thread-safe on first use: do it once, up front. */
static void library_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

int ca_db_mysql_open_pool(const char *url, unsigned default_pool, struct ca_db **out,
			  struct ca_err *err)
{
	struct mysql_db *m;
	struct mysql_conn *first = NULL;
	size_t size;
	int rc;

	*out = NULL;
	pthread_once(&library_once, library_init);
	m = calloc(1, sizeof(*m));
	if (!m)
		return ca_err_set(err, CA_ENOMEM, "Out of memory opening the database.");
	m->base.ops = &mysql_ops;
	rc = ca_mysql_url_parse(url, &m->url, err);
	if (rc)
		goto fail;
	size = m->url.pool_size ? m->url.pool_size
				: default_pool ? default_pool : CA_DB_MYSQL_POOL_DEFAULT;
	if (size > CA_MYSQL_POOL_MAX)
		size = CA_MYSQL_POOL_MAX;
	rc = ca_mysql_pool_init(m, size, err);
	if (rc)
		goto fail;
	/* one connection now, to report a wrong URL at once and to settle the schema */
	rc = ca_mysql_pool_acquire(m, &first, err);
	if (!rc)
		rc = ca_mysql_conn_open(first, &m->url, err);
	if (!rc)
		rc = ca_mysql_schema_ensure(first, &m->url, err);
	ca_mysql_pool_release(m, first);
	if (rc)
		goto fail;
	*out = &m->base;
	return CA_OK;
fail:
	mysql_close_db(&m->base);
	return rc;
}

int ca_db_mysql_open(const char *url, struct ca_db **out, struct ca_err *err)
{
	return ca_db_mysql_open_pool(url, 0, out, err);
}
