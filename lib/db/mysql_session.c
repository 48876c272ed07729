/*
 * mysql_session.c — session revocation state in MySQL (db.h, "Session
 * revocation"), in two tables of the toolkit's own beside the legacy ones (the
 * seed application never reads them; mysql.h says when they are created):
 *   cloudalbum_session_generation (user_id PK, generation)
 *   cloudalbum_session_revoked    (session_id PK, user_id, expires)
 */
#include "db/mysql_internal.h"

#include <string.h>

#include "util/banned.h"

const char *const ca_mysql_session_ddl[] = {
	"CREATE TABLE IF NOT EXISTS cloudalbum_session_generation (\n"
	"\tuser_id VARCHAR(128) NOT NULL,\n"
	"\tgeneration BIGINT NOT NULL,\n"
	"\tPRIMARY KEY (user_id)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",

	"CREATE TABLE IF NOT EXISTS cloudalbum_session_revoked (\n"
	"\tsession_id VARCHAR(64) NOT NULL,\n"
	"\tuser_id VARCHAR(128) NOT NULL,\n"
	"\texpires BIGINT NOT NULL,\n"
	"\tPRIMARY KEY (session_id),\n"
	"\tKEY session_revoked_expires (expires)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",

	NULL,
};

static struct mysql_db *mysql_of(struct ca_db *db)
{
	return (struct mysql_db *)db;
}

struct state_ctx {
	const char *user_id;
	const char *session_id;   /* may be NULL */
	int64_t *generation;
	bool *revoked;
};

static int step_state(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	static const enum mysql_col_type types[2] = { COL_INT, COL_INT };
	struct state_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	struct mysql_row row;
	bool have = false;
	int rc;

	ca_mysql_param_str(&p, ctx->user_id);
	ca_mysql_param_str(&p, ctx->session_id ? ctx->session_id : "");
	ca_mysql_param_str(&p, ctx->user_id);
	rc = ca_mysql_query_row(c, "SELECT " CA_MYSQL_SESSION_STATE_COLUMNS, &p, types, 2, &row,
				&have, executed, "reading a user's session state", err);
	if (!rc && have) {
		*ctx->generation = row.col[0].is_null ? 0 : row.col[0].i64;
		if (ctx->revoked)
			*ctx->revoked = ctx->session_id && !row.col[1].is_null && row.col[1].i64 > 0;
	}
	ca_mysql_row_release(&row);
	return rc;
}

int ca_mysql_session_state_on(struct mysql_conn *c, const char *user_id,
			      const char *session_id, int64_t *generation, bool *revoked,
			      bool *executed, struct ca_err *err)
{
	struct state_ctx ctx = { user_id, session_id, generation, revoked };

	return step_state(c, &ctx, executed, err);
}

int ca_mysql_session_state(struct ca_db *db, const char *user_id, const char *session_id,
			   int64_t *generation, bool *revoked, struct ca_err *err)
{
	struct state_ctx ctx = { user_id, session_id, generation, revoked };

	return ca_mysql_run(mysql_of(db), step_state, &ctx, true, err);
}

struct revoke_ctx {
	const char *user_id;
	const char *session_id;
	int64_t expires, now;
};

static int step_revoke(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct revoke_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 }, q = { .n = 0 };
	MYSQL_STMT *st = NULL;
	int rc;

	ca_mysql_param_str(&p, ctx->session_id);
	ca_mysql_param_str(&p, ctx->user_id);
	ca_mysql_param_i64(&p, (long long)ctx->expires);
	rc = ca_mysql_exec(c,
			   "INSERT INTO cloudalbum_session_revoked (session_id, user_id, expires) "
			   "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE expires = "
			   "GREATEST(expires, VALUES(expires))",
			   &p, &st, executed, "revoking a session", err);
	if (rc)
		return rc;
	ca_mysql_param_i64(&q, (long long)ctx->now);
	return ca_mysql_exec(c, "DELETE FROM cloudalbum_session_revoked WHERE expires < ?", &q,
			     &st, executed, "dropping expired session records", err);
}

int ca_mysql_session_revoke(struct ca_db *db, const char *user_id, const char *session_id,
			    int64_t expires, int64_t now, struct ca_err *err)
{
	struct revoke_ctx ctx = { user_id, session_id, expires, now };

	/* both statements may run twice with the same effect */
	return ca_mysql_run(mysql_of(db), step_revoke, &ctx, true, err);
}

struct revoke_all_ctx {
	const char *user_id;
	int64_t *generation;
};

static int step_revoke_all(struct mysql_conn *c, void *vctx, bool *executed, struct ca_err *err)
{
	struct revoke_all_ctx *ctx = vctx;
	struct mysql_params p = { .n = 0 };
	MYSQL_STMT *st = NULL;
	int rc;

	ca_mysql_param_str(&p, ctx->user_id);
	/* LAST_INSERT_ID(expr) hands the new value back without a second statement */
	rc = ca_mysql_exec(c,
			   "INSERT INTO cloudalbum_session_generation (user_id, generation) "
			   "VALUES (?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE generation = "
			   "LAST_INSERT_ID(generation + 1)",
			   &p, &st, executed, "revoking a user's sessions", err);
	if (rc)
		return rc;
	*ctx->generation = (int64_t)mysql_stmt_insert_id(st);
	return CA_OK;
}

int ca_mysql_sessions_revoke_all(struct ca_db *db, const char *user_id, int64_t *generation,
				 struct ca_err *err)
{
	struct revoke_all_ctx ctx = { user_id, generation };

	return ca_mysql_run(mysql_of(db), step_revoke_all, &ctx, false, err);
}
