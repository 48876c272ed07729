#include "db/mysql_internal.h"

#include "db/mysql.h"
#include "util/banned.h"

/* Identical to migrations/legacy_schema.sql (a unit test compares them). */
static const char *const legacy_ddl[] = {
	"CREATE TABLE IF NOT EXISTS `User` (\n"
	"\tid INTEGER NOT NULL AUTO_INCREMENT,\n"
	"\tusername VARCHAR(50),\n"
	"\temail VARCHAR(50),\n"
	"\tpassword VARCHAR(100),\n"
	"\tPRIMARY KEY (id),\n"
	"\tUNIQUE (email)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",

	"CREATE TABLE IF NOT EXISTS `Photo` (\n"
	"\tid INTEGER NOT NULL AUTO_INCREMENT,\n"
	"\tuser_id INTEGER,\n"
	"\ttags VARCHAR(400),\n"
	"\t`desc` VARCHAR(400),\n"
	"\tfilename_orig VARCHAR(400),\n"
	"\tfilename VARCHAR(400),\n"
	"\tfilesize INTEGER,\n"
	"\tgeotag_lat FLOAT,\n"
	"\tgeotag_lng FLOAT,\n"
	"\tupload_date DATETIME,\n"
	"\ttaken_date DATETIME,\n"
	"\tmake VARCHAR(400),\n"
	"\tmodel VARCHAR(400),\n"
	"\twidth VARCHAR(400),\n"
	"\theight VARCHAR(400),\n"
	"\tcity VARCHAR(400),\n"
	"\tnation VARCHAR(400),\n"
	"\taddress VARCHAR(400),\n"
	"\tPRIMARY KEY (id),\n"
	"\tFOREIGN KEY(user_id) REFERENCES `User` (id)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",

	NULL,
};

const char *const *ca_db_mysql_legacy_ddl(void)
{
	return legacy_ddl;
}

static int run_plain(MYSQL *conn, const char *sql, const char *doing, struct ca_err *err)
{
	MYSQL_STMT *st = NULL;
	bool executed;
	int rc;

	rc = ca_mysql_exec(conn, sql, NULL, &st, &executed, doing, err);
	if (st)
		mysql_stmt_close(st);
	return rc;
}

int ca_mysql_schema_ensure(struct mysql_db *m, struct ca_err *err)
{
	size_t i;
	int rc;

	if (m->url.create_schema) {
		for (i = 0; legacy_ddl[i]; i++) {
			rc = run_plain(m->conn, legacy_ddl[i], "creating the legacy tables", err);
			if (rc)
				return rc;
		}
	}
	rc = run_plain(m->conn, "SELECT " CA_MYSQL_USER_COLUMNS " FROM `User` WHERE 1 = 0",
		       "checking the User table", err);
	if (!rc)
		rc = run_plain(m->conn, "SELECT " CA_MYSQL_PHOTO_COLUMNS " FROM `Photo` WHERE 1 = 0",
			       "checking the Photo table", err);
	return rc;
}
