/*
 * mysql_internal.h — what the MySQL backend's files share; not for other callers.
 *
 * The handle (struct mysql_db) owns a pool of connections (struct mysql_conn).
 * A call borrows one connection for its whole duration (ca_mysql_pool_acquire /
 * ca_mysql_pool_release), so each connection is used by one thread at a time
 * and needs no lock of its own. Each connection keeps its prepared statements.
 */
#ifndef CA_DB_MYSQL_INTERNAL_H
#define CA_DB_MYSQL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <mysql.h>

#include "db/db.h"
#include "util/buf.h"

/* The contract's columns, in the order the backend reads them. */
#define CA_MYSQL_USER_COLUMNS "id, username, email, password"
#define CA_MYSQL_PHOTO_COLUMNS                                                       \
	"id, user_id, tags, `desc`, filename_orig, filename, filesize, geotag_lat, " \
	"geotag_lng, upload_date, taken_date, make, model, width, height, city, "     \
	"nation, address"

#define CA_MYSQL_POOL_MAX 256
#define CA_MYSQL_POOL_TIMEOUT_DEFAULT 10 /* seconds a call waits for a free connection */

struct mysql_url {
	char *user;
	char *password;
	char *host;
	char *database;
	unsigned port;
	unsigned connect_timeout;
	unsigned read_timeout;
	unsigned write_timeout;
	unsigned pool_size;    /* pool=N; 0 when the URL does not say */
	unsigned pool_timeout; /* pool_timeout=S, seconds */
	bool create_schema;
};

/* Parses a mysql:// URL (mysql.h). On error *out holds nothing to free. */
int ca_mysql_url_parse(const char *url, struct mysql_url *out, struct ca_err *err);
void ca_mysql_url_release(struct mysql_url *u);

/* ---- one connection and its prepared statements ---- */

#define CA_MYSQL_STMT_CACHE 32

struct mysql_cached_stmt {
	char *sql;             /* the key (owned); NULL: free slot */
	uint64_t hash;
	MYSQL_STMT *st;
	uint64_t last_used;    /* the connection's tick when last handed out */
};

struct mysql_conn {
	MYSQL *handle;         /* NULL while disconnected */
	struct mysql_cached_stmt cache[CA_MYSQL_STMT_CACHE];
	uint64_t tick;
	MYSQL_STMT *active;    /* the statement last executed, until settled */
	bool busy;             /* lent out (guarded by the pool's lock) */
};

/* true for the client/server error numbers that mean the connection is gone. */
bool ca_mysql_is_conn_error(unsigned int mysql_errno);

/*
 * Connects c when it is not connected (two attempts), selecting the URL's
 * database and, when it does not exist and u->create_schema is set, creating it.
 * CA_OK, CA_DB_CONNECT, CA_DB_SCHEMA (no database, schema=check) or CA_ENOMEM.
 */
int ca_mysql_conn_open(struct mysql_conn *c, const struct mysql_url *u, struct ca_err *err);
/* Closes c's statements and its connection (if any); c can be opened again. */
void ca_mysql_conn_close(struct mysql_conn *c);
/*
 * true when c is connected but its socket says the server has hung up (or sent
 * something unasked): an idle connection has nothing to read. No round trip.
 */
bool ca_mysql_conn_stale(const struct mysql_conn *c);
/* Ends the use of c's active statement (drops unread rows); c stays connected. */
void ca_mysql_conn_settle(struct mysql_conn *c);

/* ---- the pool ---- */

struct mysql_db {
	struct ca_db base;
	struct mysql_url url;
	struct mysql_conn *conns;  /* nconns slots, connected lazily */
	size_t nconns;
	pthread_mutex_t lock;      /* guards every conns[i].busy */
	pthread_cond_t freed;      /* signalled when a connection is given back */
	bool sync_ok, freed_ok;    /* which of lock / freed were initialised */
};

/* Sets up n (1..CA_MYSQL_POOL_MAX) unconnected slots. CA_OK or CA_ENOMEM. */
int ca_mysql_pool_init(struct mysql_db *m, size_t n, struct ca_err *err);
/*
 * Lends out a connection slot, preferring one that is already connected;
 * waits up to url.pool_timeout seconds while all are busy, then returns
 * CA_ETIMEOUT with a sentence saying so. A connected slot whose server has hung
 * up is closed before it is lent, so the caller reconnects it. The slot may be
 * unconnected: open it with ca_mysql_conn_open(). Give it back with
 * ca_mysql_pool_release().
 */
int ca_mysql_pool_acquire(struct mysql_db *m, struct mysql_conn **out, struct ca_err *err);
/* Gives c back (settling its statement) and wakes one waiter. */
void ca_mysql_pool_release(struct mysql_db *m, struct mysql_conn *c);
/* Closes every connection and frees the slots. No call may be running. */
void ca_mysql_pool_destroy(struct mysql_db *m);

/* One database operation on a live connection; sets *executed once a statement ran. */
typedef int (*mysql_step)(struct mysql_conn *c, void *ctx, bool *executed,
			  struct ca_err *err);

/*
 * Runs step on a connection borrowed from m's pool (connecting it when needed);
 * when the connection turns out to be gone, reconnects and runs it once more if
 * that is safe (idempotent, or the statement never reached the server).
 */
int ca_mysql_run(struct mysql_db *m, mysql_step step, void *ctx, bool idempotent,
		 struct ca_err *err);

/*
 * A user's session state as two result columns (generation or NULL, and how
 * often the session is recorded as revoked), taking three parameters: the user
 * id, the session id ("" for none) and the user id again.
 */
#define CA_MYSQL_SESSION_STATE_COLUMNS                                             \
	"(SELECT generation FROM cloudalbum_session_generation WHERE user_id = ?), " \
	"(SELECT COUNT(*) FROM cloudalbum_session_revoked WHERE session_id = ? AND " \
	"user_id = ?)"

/* ca_mysql_session_state's query on a connection the caller holds (a step's). */
int ca_mysql_session_state_on(struct mysql_conn *c, const char *user_id,
			      const char *session_id, int64_t *generation, bool *revoked,
			      bool *executed, struct ca_err *err);

/* The session-revocation operations of db.h (mysql_session.c). */
int ca_mysql_session_state(struct ca_db *db, const char *user_id, const char *session_id,
			   int64_t *generation, bool *revoked, struct ca_err *err);
int ca_mysql_session_revoke(struct ca_db *db, const char *user_id, const char *session_id,
			    int64_t expires, int64_t now, struct ca_err *err);
int ca_mysql_sessions_revoke_all(struct ca_db *db, const char *user_id, int64_t *generation,
				 struct ca_err *err);

/* The statements creating the toolkit's own session tables (not the legacy ones). */
extern const char *const ca_mysql_session_ddl[];

/* Creates (if allowed) and checks the legacy tables, on c (connected). */
int ca_mysql_schema_ensure(struct mysql_conn *c, const struct mysql_url *u, struct ca_err *err);

/*
 * Maps a MySQL error number and text to our codes and message:
 * CA_DB_CONNECT for a lost connection, CA_DB_CONFLICT for a duplicate key,
 * CA_DB_NOTFOUND for a missing referenced row, CA_DB_SCHEMA for a missing
 * table or column, CA_DB_QUERY for the rest. `doing` names the operation.
 */
int ca_mysql_error(unsigned int mysql_errno, const char *msg, const char *doing,
		   struct ca_err *err);
/* ca_mysql_error() for the last error on a statement. */
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
 * Finds sql among c's prepared statements or prepares it (evicting the least
 * recently used one when all CA_MYSQL_STMT_CACHE are taken), binds p (may be
 * NULL) and executes it. On CA_OK *out is the executed statement: it belongs
 * to c and stays valid until the next exec on c, ca_mysql_conn_settle() or
 * ca_mysql_conn_close(); the caller never closes it. *executed tells whether
 * the statement was sent for execution (for the retry rule). Errors as
 * ca_mysql_stmt_error().
 */
int ca_mysql_exec(struct mysql_conn *c, const char *sql, struct mysql_params *p,
		  MYSQL_STMT **out, bool *executed, const char *doing, struct ca_err *err);

/* Closes every cached statement of c (before its connection goes). */
void ca_mysql_cache_clear(struct mysql_conn *c);

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
/*
 * A statement that answers at most one row we need: ca_mysql_exec of sql with p,
 * its columns bound as types (n), the first row fetched into *r; *have tells
 * whether there was one. *r is zeroed first, so ca_mysql_row_release(r) is safe
 * whatever this returns. Errors as ca_mysql_exec and ca_mysql_row_fetch.
 */
int ca_mysql_query_row(struct mysql_conn *c, const char *sql, struct mysql_params *p,
		       const enum mysql_col_type *types, size_t n, struct mysql_row *r,
		       bool *have, bool *executed, const char *doing, struct ca_err *err);
/* Column i as a new string (NULL for SQL NULL); *oom set on allocation failure. */
char *ca_mysql_row_text(const struct mysql_row *r, size_t i, bool *oom);
/* Column i (COL_INT) as decimal text, NULL for SQL NULL. */
char *ca_mysql_row_int_text(const struct mysql_row *r, size_t i, bool *oom);
/* Column i (COL_DATE) in date.h form, NULL for SQL NULL or a zero date. */
char *ca_mysql_row_date(const struct mysql_row *r, size_t i, bool *oom);
/*
 * Column i's value as ca_mysql_row_text, ca_mysql_row_int_text or
 * ca_mysql_row_date gives it (by the column's type), appended with its NUL to
 * text; *at is where it starts there, or CA_MYSQL_NO_TEXT for NULL. Out of
 * memory marks text failed. (A page's rows share one block this way.)
 */
#define CA_MYSQL_NO_TEXT ((size_t)-1)
void ca_mysql_row_text_to(const struct mysql_row *r, size_t i, struct ca_buf *text, size_t *at);
/* Column i (COL_REAL); a FLOAT column's value as ca_mysql_float_value() gives it. */
double ca_mysql_row_real(const struct mysql_row *r, size_t i);
/* What a FLOAT column holding v reads back as: the shortest decimal of (float)v. */
double ca_mysql_float_value(double v);
void ca_mysql_row_release(struct mysql_row *r);

/* Parses a decimal id of ours (1..2^31-1); false for anything else. */
bool ca_mysql_parse_id(const char *id, long long *out);

#endif
