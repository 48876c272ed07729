#include "db/mysql_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/date.h"
#include "util/strutil.h"
#include "util/banned.h"

#define TEXT_INITIAL 1601         /* VARCHAR(400) in utf8mb4, plus the NUL */
#define TEXT_MAX (1024 * 1024)    /* a longer value in a legacy column is refused */

static MYSQL_BIND *next_bind(struct mysql_params *p)
{
	MYSQL_BIND *b = &p->bind[p->n];

	memset(b, 0, sizeof(*b));
	p->is_null[p->n] = 0;
	b->is_null = &p->is_null[p->n];
	return b;
}

void ca_mysql_param_str(struct mysql_params *p, const char *s)
{
	MYSQL_BIND *b;

	if (p->n >= CA_MYSQL_MAX_BINDS)
		return;
	b = next_bind(p);
	b->buffer_type = MYSQL_TYPE_STRING;
	if (s) {
		p->len[p->n] = (unsigned long)strlen(s);
		b->buffer = (void *)s;
		b->buffer_length = p->len[p->n];
		b->length = &p->len[p->n];
	} else {
		p->is_null[p->n] = 1;
	}
	p->n++;
}

void ca_mysql_param_i64(struct mysql_params *p, long long v)
{
	MYSQL_BIND *b;

	if (p->n >= CA_MYSQL_MAX_BINDS)
		return;
	b = next_bind(p);
	p->i64[p->n] = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &p->i64[p->n];
	p->n++;
}

void ca_mysql_param_double(struct mysql_params *p, double v)
{
	MYSQL_BIND *b;

	if (p->n >= CA_MYSQL_MAX_BINDS)
		return;
	b = next_bind(p);
	p->dbl[p->n] = v;
	b->buffer_type = MYSQL_TYPE_DOUBLE;
	b->buffer = &p->dbl[p->n];
	p->n++;
}

void ca_mysql_param_null(struct mysql_params *p)
{
	MYSQL_BIND *b;

	if (p->n >= CA_MYSQL_MAX_BINDS)
		return;
	b = next_bind(p);
	b->buffer_type = MYSQL_TYPE_NULL;
	p->is_null[p->n] = 1;
	p->n++;
}

int ca_mysql_param_date(struct mysql_params *p, const char *s, struct ca_err *err)
{
	struct ca_db_date d;
	MYSQL_TIME *t;
	MYSQL_BIND *b;
	int rc;

	if (!s) {
		ca_mysql_param_null(p);
		return CA_OK;
	}
	rc = ca_db_date_parse(s, &d, err);
	if (rc || p->n >= CA_MYSQL_MAX_BINDS)
		return rc;
	b = next_bind(p);
	t = &p->tm[p->n];
	memset(t, 0, sizeof(*t));
	t->year = (unsigned)d.year;
	t->month = (unsigned)d.month;
	t->day = (unsigned)d.day;
	t->hour = (unsigned)d.hour;
	t->minute = (unsigned)d.minute;
	t->second = (unsigned)d.second;
	t->second_part = (unsigned long)d.microsecond;
	t->time_type = MYSQL_TIMESTAMP_DATETIME;
	b->buffer_type = MYSQL_TYPE_DATETIME;
	b->buffer = t;
	p->n++;
	return CA_OK;
}

int ca_mysql_row_init(struct mysql_row *r, MYSQL_STMT *st, const enum mysql_col_type *types,
		      size_t n, struct ca_err *err)
{
	MYSQL_RES *meta = NULL;
	MYSQL_FIELD *fields = NULL;
	size_t i;
	int rc = CA_OK;

	memset(r, 0, sizeof(*r));
	r->st = st;
	if (n > CA_MYSQL_MAX_BINDS || mysql_stmt_field_count(st) != n)
		return ca_err_set(err, CA_DB_SCHEMA, "A MySQL query returned %u columns, not %zu.",
				  mysql_stmt_field_count(st), n);
	meta = mysql_stmt_result_metadata(st);
	if (meta)
		fields = mysql_fetch_fields(meta);
	r->n = n;
	for (i = 0; i < n; i++) {
		struct mysql_col *c = &r->col[i];
		MYSQL_BIND *b = &r->bind[i];

		c->type = types[i];
		b->is_null = &c->is_null;
		b->error = &c->error;
		b->length = &c->len;
		switch (c->type) {
		case COL_TEXT:
			c->cap = TEXT_INITIAL;
			c->buf = malloc(c->cap);
			if (!c->buf) {
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a MySQL row.");
				goto out;
			}
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = c->buf;
			b->buffer_length = c->cap - 1;
			break;
		case COL_INT:
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &c->i64;
			break;
		case COL_REAL:
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = &c->dbl;
			c->is_float = fields && fields[i].type == MYSQL_TYPE_FLOAT;
			break;
		case COL_DATE:
			b->buffer_type = MYSQL_TYPE_DATETIME;
			b->buffer = &c->tm;
			break;
		}
	}
	if (mysql_stmt_bind_result(st, r->bind) != 0)
		rc = ca_mysql_stmt_error(st, "reading a row", err);
out:
	if (meta)
		mysql_free_result(meta);
	return rc;
}

/* Fetches text columns longer than their buffer in full. */
static int refetch_long_text(struct mysql_row *r, struct ca_err *err)
{
	size_t i;
	bool rebound = false;

	for (i = 0; i < r->n; i++) {
		struct mysql_col *c = &r->col[i];
		char *bigger;

		if (c->type != COL_TEXT || !c->error)
			continue;
		if (c->len >= TEXT_MAX)
			return ca_err_set(err, CA_DB_QUERY,
					  "A text value in the database is longer than %d bytes.", TEXT_MAX);
		bigger = realloc(c->buf, c->len + 1);
		if (!bigger)
			return ca_err_set(err, CA_ENOMEM, "Out of memory reading a MySQL row.");
		c->buf = bigger;
		c->cap = c->len + 1;
		r->bind[i].buffer = c->buf;
		r->bind[i].buffer_length = c->cap - 1;
		if (mysql_stmt_fetch_column(r->st, &r->bind[i], (unsigned)i, 0) != 0)
			return ca_mysql_stmt_error(r->st, "reading a long value", err);
		c->error = 0;
		rebound = true;
	}
	if (rebound && mysql_stmt_bind_result(r->st, r->bind) != 0)
		return ca_mysql_stmt_error(r->st, "reading a row", err);
	return CA_OK;
}

int ca_mysql_row_fetch(struct mysql_row *r, bool *have_row, struct ca_err *err)
{
	int f = mysql_stmt_fetch(r->st);

	*have_row = false;
	if (f == MYSQL_NO_DATA)
		return CA_OK;
	if (f == 1)
		return ca_mysql_stmt_error(r->st, "reading rows", err);
	if (f == MYSQL_DATA_TRUNCATED) {
		int rc = refetch_long_text(r, err);
		if (rc)
			return rc;
	}
	*have_row = true;
	return CA_OK;
}

int ca_mysql_query_row(struct mysql_conn *c, const char *sql, struct mysql_params *p,
		       const enum mysql_col_type *types, size_t n, struct mysql_row *r,
		       bool *have, bool *executed, const char *doing, struct ca_err *err)
{
	MYSQL_STMT *st = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	*have = false;
	rc = ca_mysql_exec(c, sql, p, &st, executed, doing, err);
	if (!rc)
		rc = ca_mysql_row_init(r, st, types, n, err);
	if (!rc)
		rc = ca_mysql_row_fetch(r, have, err);
	return rc;
}

char *ca_mysql_row_text(const struct mysql_row *r, size_t i, bool *oom)
{
	const struct mysql_col *c = &r->col[i];
	char *s;

	if (c->is_null)
		return NULL;
	s = ca_strndup(c->buf, c->len);
	if (!s)
		*oom = true;
	return s;
}

/* Column i (COL_INT) in decimal into num; returns where the text starts in num. */
static const char *int_text(const struct mysql_row *r, size_t i, char num[24])
{
	size_t at = 23;
	long long v = r->col[i].i64;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	/* by hand, not snprintf: two per photo, a hundred an album page */
	num[at] = '\0';
	do {
		num[--at] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		num[--at] = '-';
	return num + at;
}

char *ca_mysql_row_int_text(const struct mysql_row *r, size_t i, bool *oom)
{
	char num[24];
	char *s;

	if (r->col[i].is_null)
		return NULL;
	s = ca_strdup(int_text(r, i, num));
	if (!s)
		*oom = true;
	return s;
}

/* Column i (COL_DATE) in date.h form into text; false for MySQL's zero date. */
static bool date_text(const struct mysql_row *r, size_t i, char text[CA_DB_DATE_LEN + 1])
{
	const MYSQL_TIME *t = &r->col[i].tm;
	struct ca_db_date d;

	if (t->year == 0 || t->month == 0 || t->day == 0)
		return false;
	d.year = (int)t->year;
	d.month = (int)t->month;
	d.day = (int)t->day;
	d.hour = (int)t->hour;
	d.minute = (int)t->minute;
	d.second = (int)t->second;
	d.microsecond = (int)t->second_part;
	ca_db_date_format(&d, text);
	return true;
}

char *ca_mysql_row_date(const struct mysql_row *r, size_t i, bool *oom)
{
	char text[CA_DB_DATE_LEN + 1];
	char *s;

	if (r->col[i].is_null || !date_text(r, i, text))
		return NULL; /* NULL, or MySQL's zero date */
	s = ca_strdup(text);
	if (!s)
		*oom = true;
	return s;
}

void ca_mysql_row_text_to(const struct mysql_row *r, size_t i, struct ca_buf *text, size_t *at)
{
	const struct mysql_col *c = &r->col[i];
	char scratch[CA_DB_DATE_LEN + 24];
	const char *s = NULL;
	size_t len = 0;

	*at = CA_MYSQL_NO_TEXT;
	if (c->is_null)
		return;
	switch (c->type) {
	case COL_TEXT:
		s = c->buf;
		len = strnlen(c->buf, c->len); /* as ca_strndup() cuts it */
		break;
	case COL_INT:
		s = int_text(r, i, scratch);
		len = strlen(s);
		break;
	case COL_DATE:
		if (!date_text(r, i, scratch))
			return;
		s = scratch;
		len = strlen(s);
		break;
	case COL_REAL:
		return; /* not text */
	}
	*at = text->len;
	if (ca_buf_grow(text, len + 1) != CA_OK)
		return;
	ca_buf_add(text, s, len);
	text->len++; /* past the NUL ca_buf_add wrote: the next value starts after it */
	text->data[text->len] = '\0';
}

void ca_mysql_row_release(struct mysql_row *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < CA_MYSQL_MAX_BINDS; i++)
		free(r->col[i].buf);
	memset(r, 0, sizeof(*r));
}

bool ca_mysql_parse_id(const char *id, long long *out)
{
	long v;

	if (!id || id[0] < '1' || id[0] > '9')
		return false;
	if (!ca_parse_long(id, 1, 2147483647L, &v))
		return false;
	*out = v;
	return true;
}

double ca_mysql_float_value(double v)
{
	char text[32];
	float f = (float)v;
	int digits;

	/*
	 * A FLOAT holds a single-precision value; widened as is it prints as
	 * 37.566501617431641. Give back the shortest decimal that is the same float
	 * (37.5665), which is what the seed application read through the text protocol.
	 */
	for (digits = 6; digits <= 9; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, (double)f);
		if (strtof(text, NULL) == f)
			return strtod(text, NULL);
	}
	return (double)f;
}

double ca_mysql_row_real(const struct mysql_row *r, size_t i)
{
	const struct mysql_col *c = &r->col[i];

	return c->is_float ? ca_mysql_float_value(c->dbl) : c->dbl;
}
