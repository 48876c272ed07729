#include "db/mysql_internal.h"

#include <string.h>

#include "db/mysql.h"
#include "util/banned.h"

/* The statements of lib/db/legacy_schema.sql, made from it by the Makefile (scripts/sql-to-c.awk). */
static const char *const legacy_ddl[] = {
#include "db/legacy_schema.inc"
	NULL,
};

const char *const *ca_db_mysql_legacy_ddl(void)
{
	return legacy_ddl;
}

/* Runs one statement over the text protocol, dropping any rows it returns. */
static int run_text(MYSQL *conn, const char *sql, const char *doing, struct ca_err *err)
{
	MYSQL_RES *res;

	if (mysql_real_query(conn, sql, (unsigned long)strlen(sql)) != 0)
		return ca_mysql_error(mysql_errno(conn), mysql_error(conn), doing, err);
	res = mysql_store_result(conn);
	if (res)
		mysql_free_result(res);
	else if (mysql_field_count(conn) != 0)
		return ca_mysql_error(mysql_errno(conn), mysql_error(conn), doing, err);
	return CA_OK;
}

/*
 * The index that serves the album listing (WHERE user_id = ? ORDER BY
 * upload_date DESC, id DESC) without a sort. Additive: the seed's models never
 * name indexes, and InnoDB lets it stand in for the one the foreign key on
 * user_id made.
 */
static const char photo_list_index[] =
	"CREATE INDEX IF NOT EXISTS photo_user_upload ON `Photo` (user_id, upload_date, id)";

int ca_mysql_schema_ensure(struct mysql_conn *c, const struct mysql_url *u, struct ca_err *err)
{
	struct ca_err index_err;
	size_t i;
	int rc;

	if (u->create_schema) {
		for (i = 0; legacy_ddl[i]; i++) {
			rc = run_text(c->handle, legacy_ddl[i], "creating the legacy tables", err);
			if (rc)
				return rc;
		}
		for (i = 0; ca_mysql_session_ddl[i]; i++) {
			rc = run_text(c->handle, ca_mysql_session_ddl[i],
				      "creating the session tables", err);
			if (rc)
				return rc;
		}
	}
	rc = run_text(c->handle, "SELECT " CA_MYSQL_USER_COLUMNS " FROM `User` WHERE 1 = 0",
		      "checking the User table", err);
	if (!rc)
		rc = run_text(c->handle, "SELECT " CA_MYSQL_PHOTO_COLUMNS " FROM `Photo` WHERE 1 = 0",
			      "checking the Photo table", err);
	if (rc || !u->create_schema)
		return rc;
	/* only a speed-up: a user without the INDEX privilege still gets a working backend */
	ca_err_clear(&index_err);
	rc = run_text(c->handle, photo_list_index, "indexing the Photo table", &index_err);
	if (rc == CA_DB_CONNECT)
		return ca_err_set(err, rc, "%s", ca_err_msg(&index_err));
	return CA_OK;
}
