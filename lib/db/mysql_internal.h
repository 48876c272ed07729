/*
 * mysql_internal.h — what the MySQL backend's files share; not for other callers.
 */
#ifndef CA_DB_MYSQL_INTERNAL_H
#define CA_DB_MYSQL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <mysql.h>

#include "db/db.h"

/* The contract's columns, in the order the backend reads them. */
#define CA_MYSQL_USER_COLUMNS "id, username, email, password"
#define CA_MYSQL_PHOTO_COLUMNS                                                       \
	"id, user_id, tags, `desc`, filename_orig, filename, filesize, geotag_lat, " \
	"geotag_lng, upload_date, taken_date, make, model, width, height, city, "     \
	"nation, address"

struct mysql_url {
	char *user;
	char *password;
	char *host;
	char *database;
	unsigned port;
	unsigned connect_timeout;
	unsigned read_timeout;
	unsigned write_timeout;
	bool create_schema;
};

/* Parses a mysql:// URL (mysql.h). On error *out holds nothing to free. */
int ca_mysql_url_parse(const char *url, struct mysql_url *out, struct ca_err *err);
void ca_mysql_url_release(struct mysql_url *u);

struct mysql_db {
	struct ca_db base;
	struct mysql_url url;
	MYSQL *conn;           /* NULL while disconnected */
	pthread_mutex_t lock;  /* one call at a time on conn */
};

/* true for the client/server error numbers that mean the connection is gone. */
bool ca_mysql_is_conn_error(unsigned int mysql_errno);

/*
 * Connects m->conn when it is NULL (two attempts). When the database does not
 * exist and url.create_schema is set, creates it. CA_OK or CA_DB_CONNECT.
 */
int ca_mysql_connect(struct mysql_db *m, struct ca_err *err);
/* Closes m->conn (if any). */
void ca_mysql_disconnect(struct mysql_db *m);

/* Creates (if allowed) and checks the legacy tables on m->conn. */
int ca_mysql_schema_ensure(struct mysql_db *m, struct ca_err *err);

/*
 * Maps the last error on a statement to our codes and message:
 * CA_DB_CONNECT for a lost connection, CA_DB_CONFLICT for a duplicate key,
 * CA_DB_NOTFOUND for a missing referenced row, CA_DB_SCHEMA for a missing
 * table or column, CA_DB_QUERY for the rest. `doing` names the operation.
 */
int ca_mysql_stmt_error(MYSQL_STMT *st, const char *doing, struct ca_err *err);

/* ---- statement parameters ---- */
#define CA_MYSQL_MAX_BINDS 24

struct mysql_params {
	MYSQL_BIND bind[CA_MYSQL_MAX_BINDS];
	unsigned long len[CA_MYSQL_MAX_BINDS];
	my_bool is_null[CA_MYSQL_MAX_BINDS];
	long long i64[CA_MYSQL_MAX_BINDS];
	double dbl[CA_MYSQL_MAX_BINDS];
	MYSQL_TIME tm[CA_MYSQL_MAX_BINDS];
	size_t n;
};

/* Each appends one parameter; they point into p, so p must stay where it is. */
void ca_mysql_param_str(struct mysql_params *p, const char *s);   /* NULL: SQL NULL */
void ca_mysql_param_i64(struct mysql_params *p, long long v);
void ca_mysql_param_double(struct mysql_params *p, double v);
void ca_mysql_param_null(struct mysql_params *p);
/* A date.h text (NULL: SQL NULL); CA_EINVAL when malformed. */
int ca_mysql_param_date(struct mysql_params *p, const char *s, struct ca_err *err);

/*
 * Prepares sql on conn, binds p (may be NULL) and executes it. On CA_OK *out is
 * the executed statement (mysql_stmt_close() it). *executed tells whether the
 * statement reached execution (for the retry rule). Errors as
 * ca_mysql_stmt_error().
 */
int ca_mysql_exec(MYSQL *conn, const char *sql, struct mysql_params *p, MYSQL_STMT **out,
		  bool *executed, const char *doing, struct ca_err *err);

/* ---- result rows ---- */
enum mysql_col_type { COL_TEXT, COL_INT, COL_REAL, COL_DATE };

struct mysql_col {
	enum mysql_col_type type;
	char *buf;
	unsigned long cap;
	unsigned long len;
	my_bool is_null;
	my_bool error;
	long long i64;
	double dbl;
	MYSQL_TIME tm;
	bool is_float;          /* the column is a single-precision FLOAT */
};

struct mysql_row {
	MYSQL_STMT *st;
	MYSQL_BIND bind[CA_MYSQL_MAX_BINDS];
	struct mysql_col col[CA_MYSQL_MAX_BINDS];
	size_t n;
};

/* Binds the executed statement's result columns as types (n of them). */
int ca_mysql_row_init(struct mysql_row *r, MYSQL_STMT *st, const enum mysql_col_type *types,
		      size_t n, struct ca_err *err);
/* Fetches the next row into r; *have_row false at the end. Long text is fetched whole. */
int ca_mysql_row_fetch(struct mysql_row *r, bool *have_row, struct ca_err *err);
/* Column i as a new string (NULL for SQL NULL); *oom set on allocation failure. */
char *ca_mysql_row_text(const struct mysql_row *r, size_t i, bool *oom);
/* Column i (COL_INT) as decimal text, NULL for SQL NULL. */
char *ca_mysql_row_int_text(const struct mysql_row *r, size_t i, bool *oom);
/* Column i (COL_DATE) in date.h form, NULL for SQL NULL or a zero date. */
char *ca_mysql_row_date(const struct mysql_row *r, size_t i, bool *oom);
/* Column i (COL_REAL); a FLOAT column's value as the shortest decimal of that float. */
double ca_mysql_row_real(const struct mysql_row *r, size_t i);
void ca_mysql_row_release(struct mysql_row *r);

/* Parses a decimal id of ours (1..2^31-1); false for anything else. */
bool ca_mysql_parse_id(const char *id, long long *out);

#endif
