/*
 * The database interface on the real MariaDB/MySQL server named by
 * CA_TEST_MYSQL (default mysql://root@127.0.0.1:3306). Each test works in a
 * database of its own with a unique name and drops it afterwards.
 * Also: the date text form, UTF-8 counting, URL parsing, and that the embedded
 * DDL is lib/db/legacy_schema.sql.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mysql.h>

#include "check_ca.h"
#include "photo_compare.h"
#include "backends/backends.h"
#include "loopback.h"
#include "db/date.h"
#include "db/db.h"
#include "db/mysql.h"
#include "db/mysql_internal.h"
#include "util/buf.h"
#include "util/crypto.h"

/* ---------- helpers ---------- */

static char run_prefix[32]; /* set in the parent: ca_unit_<pid>_ */
static char db_name[48];
static char base_url[512];

static const char *server_url(void)
{
	const char *u = getenv("CA_TEST_MYSQL");
	size_t n;

	snprintf(base_url, sizeof(base_url), "%s", u && *u ? u : "mysql://root@127.0.0.1:3306");
	n = strlen(base_url);
	while (n && base_url[n - 1] == '/')
		base_url[--n] = '\0';
	return base_url;
}

/* The URL of database name on the test server, with optional "?..." options. */
static char *url_for(const char *name, const char *options)
{
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_addf(&b, "%s/%s%s", server_url(), name, options ? options : "");
	return ca_buf_detach(&b, NULL);
}

static MYSQL *admin_connect(void)
{
	struct mysql_url u;
	struct ca_err err;
	char *url = url_for("mysql", NULL);
	MYSQL *conn = mysql_init(NULL);

	ca_err_clear(&err);
	ck_assert_msg(ca_mysql_url_parse(url, &u, &err) == CA_OK, "%s", ca_err_msg(&err));
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	ck_assert_msg(mysql_real_connect(conn, u.host, u.user, u.password ? u.password : "", NULL,
					 u.port, NULL, 0) != NULL,
		      "cannot reach the test MySQL server %s: %s", server_url(), mysql_error(conn));
	ca_mysql_url_release(&u);
	free(url);
	return conn;
}

static void admin_exec(MYSQL *conn, const char *sql)
{
	ck_assert_msg(mysql_real_query(conn, sql, strlen(sql)) == 0, "%s: %s", sql,
		      mysql_error(conn));
}

/* The first column of the first row of a query, as text ("" for none). */
static char *admin_value(MYSQL *conn, const char *sql)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *v;

	admin_exec(conn, sql);
	res = mysql_store_result(conn);
	ck_assert_ptr_nonnull(res);
	row = mysql_fetch_row(res);
	v = strdup(row && row[0] ? row[0] : "");
	mysql_free_result(res);
	return v;
}

static void setup_run_prefix(void)
{
	snprintf(run_prefix, sizeof(run_prefix), "ca_unit_%ld_", (long)getpid());
}

static void setup_db_name(void)
{
	uint8_t rnd[6];
	char hex[13];

	ck_assert_int_eq(ca_random_bytes(rnd, sizeof(rnd)), CA_OK);
	ca_hex_encode(rnd, sizeof(rnd), hex);
	snprintf(db_name, sizeof(db_name), "%s%s", run_prefix, hex);
}

static void teardown_db(void)
{
	MYSQL *conn = admin_connect();
	char sql[128];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", db_name);
	admin_exec(conn, sql);
	mysql_close(conn);
}

/* After the whole case: drops what a failed test (whose teardown did not run) left. */
static void teardown_run(void)
{
	MYSQL *conn = admin_connect();
	MYSQL_RES *res;
	MYSQL_ROW row;
	struct ca_buf drops = CA_BUF_INIT;
	char *p, *nl;

	admin_exec(conn, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
	res = mysql_store_result(conn);
	while (res && (row = mysql_fetch_row(res)) != NULL)
		if (row[0] && !strncmp(row[0], run_prefix, strlen(run_prefix)))
			ca_buf_addf(&drops, "DROP DATABASE IF EXISTS `%s`\n", row[0]);
	if (res)
		mysql_free_result(res);
	for (p = drops.data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		admin_exec(conn, p);
	}
	ca_buf_release(&drops);
	mysql_close(conn);
}

/* Opens our backend on the test database (created by the backend itself). */
static struct ca_db *open_db(const char *options)
{
	struct ca_db *db = NULL;
	struct ca_err err;
	char *url = url_for(db_name, options);

	ca_err_clear(&err);
	ck_assert_msg(ca_db_open(url, &db, &err) == CA_OK, "open %s: %s", url, ca_err_msg(&err));
	ck_assert_str_eq(ca_db_kind(db), "mysql");
	free(url);
	return db;
}

/* Admin connection with the test database selected. */
static MYSQL *admin_in_db(void)
{
	MYSQL *conn = admin_connect();

	ck_assert_int_eq(mysql_select_db(conn, db_name), 0);
	return conn;
}

static char *make_user(struct ca_db *db, const char *email, const char *name)
{
	struct ca_user u = { NULL, (char *)name, (char *)email, (char *)"pbkdf2:sha256:1000$s$00" };
	struct ca_err err;
	char *id = NULL;

	ca_err_clear(&err);
	ck_assert_msg(ca_db_user_create(db, &u, &id, &err) == CA_OK, "%s", ca_err_msg(&err));
	return id;
}

static char *make_photo(struct ca_db *db, const char *owner, const char *tags, const char *desc,
			const char *upload_date)
{
	struct ca_photo p;
	struct ca_err err;
	char *id = NULL;

	memset(&p, 0, sizeof(p));
	p.tags = (char *)tags;
	p.desc = (char *)desc;
	p.filename = (char *)"0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg";
	p.filesize = 1234;
	p.upload_date = (char *)upload_date;
	ca_err_clear(&err);
	ck_assert_msg(create_photo_id(db, owner, &p, &id, &err) == CA_OK, "%s", ca_err_msg(&err));
	return id;
}

/* ---------- no server needed ---------- */

START_TEST(date_forms)
{
	static const char *const good[][2] = {
		{ "2024-02-29T23:59:59.123456+0000", "2024-02-29T23:59:59.123456+0000" },
		{ "2019-03-01 08:09:10", "2019-03-01T08:09:10.000000+0000" },
		{ "2019-03-01T08:09:10Z", "2019-03-01T08:09:10.000000+0000" },
		{ "2019-03-01T08:09:10.5+00:00", "2019-03-01T08:09:10.500000+0000" },
		{ "2000-02-29 00:00:00.000001", "2000-02-29T00:00:00.000001+0000" },
		{ "9999-12-31 23:59:59.999999", "9999-12-31T23:59:59.999999+0000" },
		{ "1000-01-01 00:00:00", "1000-01-01T00:00:00.000000+0000" },
		{ "1987-06-05 14:03:42.010203", "1987-06-05T14:03:42.010203+0000" },
	};
	static const char *const bad[] = {
		"", "2024", "2024-02-30 00:00:00", "2023-02-29 00:00:00", "1900-02-29 00:00:00",
		"2024-13-01 00:00:00", "2024-00-01 00:00:00", "2024-01-01 24:00:00",
		"2024-01-01 23:60:00", "2024-01-01 23:59:60", "2024-01-01 00:00:00.",
		"2024-01-01 00:00:00.1234567", "2024-01-01 00:00:00+0100", "2024-01-01 00:00:00 ",
		"2024-01-01x00:00:00", "0999-01-01 00:00:00", "2024-1-01 00:00:00",
		"+024-01-01 00:00:00", "2024-01-01 00:00:00Z junk", "2024-01-01",
	};
	struct ca_db_date d;
	char out[CA_DB_DATE_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(ca_db_date_parse(good[i][0], &d, NULL) == CA_OK, "%s", good[i][0]);
		ca_db_date_format(&d, out);
		ck_assert_str_eq(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ca_db_date_parse(bad[i], &d, NULL) == CA_EINVAL, "%s", bad[i]);
	ck_assert_int_eq(ca_db_date_parse(NULL, &d, NULL), CA_EINVAL);
	/* the DynamoDB photo id form: 2019-03-01T08:09:10.5Z is 1551427750500 ms */
	ck_assert_int_eq(ca_db_date_parse("2019-03-01T08:09:10.5Z", &d, NULL), CA_OK);
	ck_assert_int_eq(ca_db_date_epoch_ms(&d), 1551427750500LL);
	ca_db_date_now(out);
	ck_assert_int_eq(ca_db_date_parse(out, &d, NULL), CA_OK);
	ck_assert_int_ge(d.year, 2024);
}
END_TEST

START_TEST(utf8_counting)
{
	ck_assert_int_eq(ca_db_utf8_chars(""), 0);
	ck_assert_int_eq(ca_db_utf8_chars("abc"), 3);
	ck_assert_int_eq(ca_db_utf8_chars("Zo\xc3\xab \xe5\xb1\xb1 \xf0\x9f\x8c\xb8"), 7);
	ck_assert_int_eq(ca_db_utf8_chars("\xc3"), -1);          /* truncated */
	ck_assert_int_eq(ca_db_utf8_chars("\xc0\xaf"), -1);      /* overlong '/' */
	ck_assert_int_eq(ca_db_utf8_chars("\xed\xa0\x80"), -1);  /* surrogate */
	ck_assert_int_eq(ca_db_utf8_chars("\xf4\x90\x80\x80"), -1); /* above U+10FFFF */
	ck_assert_int_eq(ca_db_utf8_chars("\xff"), -1);
	ck_assert_int_eq(ca_db_utf8_chars("a\x80"), -1);
}
END_TEST

START_TEST(url_parsing)
{
	static const char *const bad[] = {
		"", "mysql:/x", "postgres://h/db", "mysql://", "mysql://host", "mysql://host/",
		"mysql://host:0/db", "mysql://host:65536/db", "mysql://host:/db", "mysql://host:x/db",
		"mysql://:3306/db", "mysql://@host/db", "mysql://u%zz@host/db", "mysql://u%00@host/db",
		"mysql://host/db?nope=1", "mysql://host/db?connect_timeout=0",
		"mysql://host/db?read_timeout=99999", "mysql://host/db?schema=drop",
		"mysql://host/db#frag", "mysql://host/db`; DROP DATABASE x", "mysql://host/a/b",
		"mysql://[::1/db", "mysql://host/db?connect_timeout",
		"mysql://host/db?pool=0", "mysql://host/db?pool=257", "mysql://host/db?pool=-1",
		"mysql://host/db?pool=2x", "mysql://host/db?pool=", "mysql://host/db?pool_timeout=0",
		"mysql://host/db?pool_timeout=3601", "mysql://host/db?pool=99999999999999999999",
		"mysql://host/db?pools=2",
	};
	struct mysql_url u;
	size_t i;

	ck_assert_int_eq(ca_mysql_url_parse("mysql://us%40r:p%3Aw@d@db.example.com:3307/leg_acy"
					    "?connect_timeout=2&read_timeout=3&write_timeout=4&schema=check",
					    &u, NULL),
			 CA_OK);
	ck_assert_str_eq(u.user, "us@r");
	ck_assert_str_eq(u.password, "p:w@d");
	ck_assert_str_eq(u.host, "db.example.com");
	ck_assert_uint_eq(u.port, 3307);
	ck_assert_str_eq(u.database, "leg_acy");
	ck_assert_uint_eq(u.connect_timeout, 2);
	ck_assert_uint_eq(u.read_timeout, 3);
	ck_assert_uint_eq(u.write_timeout, 4);
	ck_assert(!u.create_schema);
	ck_assert_uint_eq(u.pool_size, 0); /* not given: the opener decides */
	ck_assert_uint_eq(u.pool_timeout, 10);
	ca_mysql_url_release(&u);

	ck_assert_int_eq(ca_mysql_url_parse("mysql://h/db?pool=256&pool_timeout=3600", &u, NULL),
			 CA_OK);
	ck_assert_uint_eq(u.pool_size, 256);
	ck_assert_uint_eq(u.pool_timeout, 3600);
	ca_mysql_url_release(&u);
	ck_assert_int_eq(ca_mysql_url_parse("mysql://h/db?pool=1&pool_timeout=1", &u, NULL), CA_OK);
	ck_assert_uint_eq(u.pool_size, 1);
	ck_assert_uint_eq(u.pool_timeout, 1);
	ca_mysql_url_release(&u);

	ck_assert_int_eq(ca_mysql_url_parse("mysql://127.0.0.1/cloudalbum_legacy", &u, NULL), CA_OK);
	ck_assert_str_eq(u.user, "root");
	ck_assert_ptr_null(u.password);
	ck_assert_uint_eq(u.port, 3306);
	ck_assert_uint_eq(u.connect_timeout, 5);
	ck_assert(u.create_schema);
	ca_mysql_url_release(&u);

	ck_assert_int_eq(ca_mysql_url_parse("mysql://root@[::1]:3307/x", &u, NULL), CA_OK);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_uint_eq(u.port, 3307);
	ca_mysql_url_release(&u);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ca_err err;

		ca_err_clear(&err);
		ck_assert_msg(ca_mysql_url_parse(bad[i], &u, &err) == CA_EINVAL, "%s", bad[i]);
		ck_assert_ptr_null(u.user);
		ck_assert_ptr_null(u.host);
	}
	/* the password never appears in a message */
	{
		struct ca_db *db = NULL;
		struct ca_err err;

		ca_err_clear(&err);
		ck_assert_int_ne(ca_db_open("mysql://root:s3cretpw@127.0.0.1:1/x?connect_timeout=1",
					    &db, &err),
				 CA_OK);
		ck_assert_ptr_null(strstr(ca_err_msg(&err), "s3cretpw"));
	}
	{
		struct ca_db *db = NULL;

		ck_assert_int_eq(ca_db_open("postgres://x/y", &db, NULL), CA_EUNSUPPORTED);
		ck_assert_int_eq(ca_db_open("", &db, NULL), CA_EINVAL);
		ck_assert_ptr_null(db);
	}
}
END_TEST

/*
 * The compiled-in statements are the SQL file's (comment lines dropped, split at ';',
 * trimmed): checks the build's scripts/sql-to-c.awk step.
 */
START_TEST(embedded_ddl_is_the_sql_file)
{
	const char *const *ddl = ca_db_mysql_legacy_ddl();
	struct ca_buf text = CA_BUF_INIT;
	char line[512], *p;
	FILE *f = fopen("lib/db/legacy_schema.sql", "r");
	size_t i = 0;

	ck_assert_msg(f != NULL, "run from the repository root");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "--", 2) != 0)
			ca_buf_adds(&text, line);
	fclose(f);
	p = text.data;
	for (;;) {
		char *semi = strchr(p, ';');

		while (*p == '\n' || *p == ' ')
			p++;
		if (!semi)
			break;
		*semi = '\0';
		ck_assert_ptr_nonnull(ddl[i]);
		ck_assert_str_eq(p, ddl[i]);
		i++;
		p = semi + 1;
	}
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(i, 2);
	ck_assert_ptr_null(ddl[i]);
	ca_buf_release(&text);
}
END_TEST

/* ---------- against the server ---------- */

START_TEST(users_every_operation)
{
	struct ca_db *db = open_db(NULL);
	struct ca_user u, v;
	struct ca_err err;
	char *id, *id2;
	char longname[64];

	id = make_user(db, "ann@example.com", "Ann");
	id2 = make_user(db, "bob@example.com", "Bob");
	ck_assert_str_ne(id, id2);

	ck_assert_int_eq(ca_db_user_find_by_email(db, "ann@example.com", &u, NULL), CA_OK);
	ck_assert_str_eq(u.id, id);
	ck_assert_str_eq(u.username, "Ann");
	ck_assert_str_eq(u.email, "ann@example.com");
	ck_assert_str_eq(u.password, "pbkdf2:sha256:1000$s$00");
	ck_assert_int_eq(ca_db_user_find_by_id(db, id, &v, NULL), CA_OK);
	ck_assert_str_eq(v.email, "ann@example.com");
	ca_user_release(&v);
	ca_user_release(&u);
	ca_user_release(&u); /* twice is harmless */

	/* updates: one field, the other, both */
	ck_assert_int_eq(ca_db_user_update(db, id, "Annie", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_update(db, id, NULL, "pbkdf2:sha256:1000$t$11", NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_find_by_id(db, id, &u, NULL), CA_OK);
	ck_assert_str_eq(u.username, "Annie");
	ck_assert_str_eq(u.password, "pbkdf2:sha256:1000$t$11");
	ca_user_release(&u);
	ck_assert_int_eq(ca_db_user_update(db, id, "Ann", "pbkdf2:sha256:1000$s$00", NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_update(db, id, "Ann", NULL, NULL), CA_OK); /* unchanged: still found */
	ck_assert_int_eq(ca_db_user_find_by_id(db, id2, &u, NULL), CA_OK);
	ck_assert_str_eq(u.username, "Bob"); /* the other user untouched */
	ca_user_release(&u);

	/* conflicts and absences */
	ca_err_clear(&err);
	{
		struct ca_user dup = { NULL, (char *)"Imposter", (char *)"ann@example.com",
				       (char *)"pbkdf2:sha256:1000$s$00" };
		char *none = NULL;

		ck_assert_int_eq(ca_db_user_create(db, &dup, &none, &err), CA_DB_CONFLICT);
		ck_assert_ptr_null(none);
		ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "email"));
	}
	ck_assert_int_eq(ca_db_user_find_by_email(db, "nobody@example.com", &u, NULL), CA_DB_NOTFOUND);
	ck_assert_ptr_null(u.id);
	ck_assert_int_eq(ca_db_user_find_by_id(db, "999999", &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_id(db, "abc", &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_id(db, "-1", &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_id(db, "1 OR 1=1", &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_id(db, "99999999999999999999", &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_id(db, "", &u, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_user_update(db, "424242", "X", NULL, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_update(db, "424242", NULL, NULL, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_update(db, id, NULL, NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_find_by_email(db, "' OR '1'='1", &u, NULL), CA_DB_NOTFOUND);

	/* the legacy column widths */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(ca_db_user_update(db, id, longname, NULL, NULL), CA_ERANGE);
	longname[50] = '\0';
	ck_assert_int_eq(ca_db_user_update(db, id, longname, NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_update(db, id, "bad \xff utf8", NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_user_update(db, id, "", NULL, NULL), CA_EINVAL);
	free(id);
	free(id2);
	ca_db_close(db);
	ca_db_close(NULL);
}
END_TEST

START_TEST(user_delete)
{
	struct ca_db *db = open_db(NULL);
	char *id = make_user(db, "del@example.com", "Del");
	char *id2 = make_user(db, "keep@example.com", "Keep");
	struct ca_user u;

	ck_assert_int_eq(ca_db_user_delete(db, id, NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_find_by_id(db, id, &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_delete(db, id, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_delete(db, "abc", NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_delete(db, "1 OR 1=1", NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_delete(db, "", NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_user_find_by_id(db, id2, &u, NULL), CA_OK);
	ck_assert_str_eq(u.email, "keep@example.com");
	ca_user_release(&u);
	free(id);
	free(id2);
	ca_db_close(db);
}
END_TEST

START_TEST(session_revocation_state)
{
	struct ca_db *db = open_db(NULL);
	int64_t gen = -1;
	bool revoked = true;

	ck_assert_int_eq(ca_db_session_state(db, "42", "sidA", &gen, &revoked, NULL), CA_OK);
	ck_assert(gen == 0 && !revoked);
	ck_assert_int_eq(ca_db_session_state(db, "42", NULL, &gen, NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_db_session_revoke(db, "42", "sidA", 2000, 1000, NULL), CA_OK);
	ck_assert_int_eq(ca_db_session_revoke(db, "42", "sidA", 2000, 1000, NULL), CA_OK);
	ck_assert_int_eq(ca_db_session_state(db, "42", "sidA", &gen, &revoked, NULL), CA_OK);
	ck_assert(gen == 0 && revoked);
	/* another session, and the same session id under another user, are untouched */
	ck_assert_int_eq(ca_db_session_state(db, "42", "sidB", &gen, &revoked, NULL), CA_OK);
	ck_assert(!revoked);
	ck_assert_int_eq(ca_db_session_state(db, "43", "sidA", &gen, &revoked, NULL), CA_OK);
	ck_assert(!revoked);
	/* a later revoke drops records that expired before its now */
	ck_assert_int_eq(ca_db_session_revoke(db, "43", "sidC", 9000, 5000, NULL), CA_OK);
	ck_assert_int_eq(ca_db_session_state(db, "42", "sidA", &gen, &revoked, NULL), CA_OK);
	ck_assert(!revoked);
	ck_assert_int_eq(ca_db_sessions_revoke_all(db, "42", &gen, NULL), CA_OK);
	ck_assert(gen == 1);
	ck_assert_int_eq(ca_db_sessions_revoke_all(db, "42", &gen, NULL), CA_OK);
	ck_assert(gen == 2);
	ck_assert_int_eq(ca_db_session_state(db, "42", NULL, &gen, NULL, NULL), CA_OK);
	ck_assert(gen == 2);
	ck_assert_int_eq(ca_db_session_state(db, "43", NULL, &gen, NULL, NULL), CA_OK);
	ck_assert(gen == 0);
	/* hostile ids are refused before any query */
	ck_assert_int_eq(ca_db_session_state(db, "42", "a'b", &gen, &revoked, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_session_state(db, "42", "", &gen, &revoked, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_session_revoke(db, "", "sidA", 1, 0, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_session_state(db, "42", "sidA", &gen, NULL, NULL), CA_EINVAL);
	ca_db_close(db);
}
END_TEST

/* The album's read: the page and the session's state in one (one statement on MySQL). */
START_TEST(photo_list_with_session_state)
{
	struct ca_db *db = open_db(NULL);
	struct ca_photo_query q = { NULL, NULL, 0, CA_PHOTO_BY_UPLOAD };
	struct ca_photo_page page = { 0 };
	int64_t gen = -1;
	bool revoked = true;
	char *id, *empty, *p1, *p2;

	id = make_user(db, "album@example.com", "Album");
	empty = make_user(db, "empty@example.com", "Empty");
	p1 = make_photo(db, id, "a", "one", "2021-01-01 10:00:00");
	p2 = make_photo(db, id, "b", "two", "2021-01-02 10:00:00");
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidA", &q, false, &page, &gen, &revoked, NULL),
			 CA_OK);
	ck_assert(gen == 0 && !revoked);
	ck_assert_uint_eq(page.count, 2);
	ck_assert_str_eq(page.photos[0].id, p2);
	ck_assert_str_eq(page.photos[1].id, p1);
	ca_photo_page_release(&page);
	/* revoked, and a new generation: both seen with the page, at once (never cached) */
	ck_assert_int_eq(ca_db_session_revoke(db, id, "sidA", 2000000000, 1000, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidA", &q, false, &page, &gen, &revoked, NULL),
			 CA_OK);
	ck_assert(gen == 0 && revoked);
	ca_photo_page_release(&page);
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, false, &page, &gen, &revoked, NULL),
			 CA_OK);
	ck_assert(gen == 0 && !revoked && page.count == 2);
	ca_photo_page_release(&page);
	ck_assert_int_eq(ca_db_sessions_revoke_all(db, id, &gen, NULL), CA_OK);
	gen = -1;
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, false, &page, &gen, &revoked, NULL),
			 CA_OK);
	ck_assert(gen == 1 && !revoked);
	ca_photo_page_release(&page);
	/* no photos (no row to carry the state): the state is still read */
	ck_assert_int_eq(ca_db_sessions_revoke_all(db, empty, &gen, NULL), CA_OK);
	ck_assert_int_eq(ca_db_session_revoke(db, empty, "sidE", 2000000000, 1000, NULL), CA_OK);
	gen = -1;
	revoked = false;
	ck_assert_int_eq(ca_db_photo_list_session(db, empty, "sidE", &q, false, &page, &gen, &revoked,
						  NULL), CA_OK);
	ck_assert(gen == 1 && revoked && page.count == 0);
	ca_photo_page_release(&page);
	/* the first page's total, in the same read, with photos and without */
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, true, &page, &gen, &revoked,
						  NULL), CA_OK);
	ck_assert(page.count == 2 && page.total == 2 && gen == 1 && !revoked);
	ca_photo_page_release(&page);
	ck_assert_int_eq(ca_db_photo_list_session(db, empty, "sidE", &q, true, &page, &gen,
						  &revoked, NULL), CA_OK);
	ck_assert(page.count == 0 && page.total == 0 && gen == 1 && revoked);
	ca_photo_page_release(&page);
	/* with a keyword and a cursor too */
	q.keyword = "two";
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, false, &page, &gen, &revoked, NULL),
			 CA_OK);
	ck_assert(gen == 1 && !revoked && page.count == 1);
	ca_photo_page_release(&page);
	q.keyword = NULL;
	q.limit = 1;
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, false, &page, &gen, &revoked, NULL),
			 CA_OK);
	ck_assert(page.count == 1 && page.next_cursor);
	q.cursor = page.next_cursor;
	{
		struct ca_photo_page next = { 0 };

		ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, false, &next, &gen, &revoked,
							  NULL), CA_OK);
		ck_assert(next.count == 1 && gen == 1 && !revoked);
		ck_assert_str_eq(next.photos[0].id, p1);
		ca_photo_page_release(&next);
	}
	ca_photo_page_release(&page);
	/* bad input is refused before any read */
	q.cursor = "not-a-cursor";
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "sidB", &q, false, &page, &gen, &revoked, NULL),
			 CA_EINVAL);
	q.cursor = NULL;
	ck_assert_int_eq(ca_db_photo_list_session(db, id, "a'b", &q, false, &page, &gen, &revoked, NULL),
			 CA_EINVAL);
	ck_assert_int_eq(ca_db_photo_list_session(db, id, NULL, &q, false, &page, &gen, &revoked, NULL),
			 CA_EINVAL);
	free(id);
	free(empty);
	free(p1);
	free(p2);
	ca_db_close(db);
}
END_TEST

START_TEST(non_ascii_text_round_trips)
{
	/* 50 characters, many of them 4-byte: the column counts characters */
	static const char name[] = "Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x8c\xb8\xf0\x9f\x8c\xb8";
	static const char tags[] = "\xed\x95\x9c\xea\xb5\xad,\xc3\x9cr\xc3\xbcmqi,\xf0\x9f\x8f\x96";
	struct ca_db *db = open_db(NULL);
	struct ca_user u;
	struct ca_photo p;
	MYSQL *admin;
	char *id, *pid, *hex, sql[256];
	char expected_hex[256];

	id = make_user(db, "zo\xc3\xab@example.com", name);
	pid = make_photo(db, id, tags, "Caf\xc3\xa9 \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac",
			 "2020-05-05 05:05:05");
	ck_assert_int_eq(ca_db_user_find_by_email(db, "zo\xc3\xab@example.com", &u, NULL), CA_OK);
	ck_assert_str_eq(u.username, name);
	ck_assert_int_eq(ca_db_photo_get(db, id, pid, &p, NULL), CA_OK);
	ck_assert_str_eq(p.tags, tags);
	ck_assert_str_eq(p.desc, "Caf\xc3\xa9 \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac");

	/* stored as these very bytes, seen through a connection that is not ours */
	admin = admin_in_db();
	snprintf(sql, sizeof(sql), "SELECT LOWER(HEX(username)) FROM `User` WHERE id = %s", id);
	hex = admin_value(admin, sql);
	ca_hex_encode((const uint8_t *)name, strlen(name), expected_hex);
	ck_assert_str_eq(hex, expected_hex);
	free(hex);
	mysql_close(admin);
	ca_user_release(&u);
	ca_photo_release(&p);
	free(pid);
	free(id);
	ca_db_close(db);
}
END_TEST


/*
 * Pages (their photos' strings share one block) give every field as reading
 * the photo alone does: legacy rows with NULLs, a zero date, the longest text,
 * FLOAT coordinates, over several pages with the look-ahead row dropped.
 */
START_TEST(page_rows_read_as_single_photos_are)
{
	struct ca_db *db = open_db(NULL);
	struct ca_photo_query q = { 0 };
	struct ca_photo_page page = { 0 };
	struct ca_photo one;
	struct ca_buf sql = CA_BUF_INIT, longest = CA_BUF_INIT;
	struct ca_err err;
	MYSQL *admin;
	char *owner, *cursor = NULL;
	size_t i, seen = 0;
	int k;

	owner = make_user(db, "pages@example.com", "Pages");
	for (k = 0; k < 400; k++)
		ca_buf_adds(&longest, "\xf0\x9f\x8c\xb8"); /* VARCHAR(400) full, 1600 bytes */
	admin = admin_in_db();
	admin_exec(admin, "SET SESSION sql_mode = ''"); /* the seed's zero dates */
	for (k = 0; k < 7; k++) {
		ca_buf_reset(&sql);
		ca_buf_addf(&sql,
			    "INSERT INTO `Photo` (user_id, tags, `desc`, filename_orig, filename, "
			    "filesize, geotag_lat, geotag_lng, upload_date, taken_date, make, model, "
			    "width, height, city, nation, address) VALUES (%s, %s, '%s', %s, "
			    "'f%d.jpg', %s, %s, %s, %s, %s, 'Canon', NULL, '4000', '', 'Seoul', "
			    "NULL, 'a\\\\b\"c')",
			    owner, k % 2 ? "NULL" : "'t1,t2'", k == 3 ? longest.data : "desc",
			    k % 3 ? "'IMG.JPG'" : "NULL", k, k == 4 ? "NULL" : "12345",
			    k % 2 ? "37.5665" : "NULL", k % 2 ? "126.978" : "NULL",
			    k >= 5 ? "NULL" : "'2020-01-02 03:04:05.678901'",
			    k == 2 ? "'0000-00-00 00:00:00'" : "'2019-12-31 23:59:59'");
		ck_assert(ca_buf_ok(&sql));
		admin_exec(admin, sql.data);
	}
	mysql_close(admin);
	q.limit = 3;
	do {
		q.cursor = cursor;
		ca_err_clear(&err);
		ck_assert_msg(ca_db_photo_list(db, owner, &q, &page, &err) == CA_OK, "%s",
			      ca_err_msg(&err));
		ck_assert_uint_le(page.count, 3);
		for (i = 0; i < page.count; i++) {
			const struct ca_photo *p = &page.photos[i];

			ck_assert_int_eq(ca_db_photo_get(db, owner, p->id, &one, NULL), CA_OK);
			assert_same_photo(p, &one);
			if (strcmp(p->filename, "f3.jpg") == 0)
				ck_assert_str_eq(p->desc, longest.data);
			ca_photo_release(&one);
		}
		seen += page.count;
		free(cursor);
		cursor = page.next_cursor ? strdup(page.next_cursor) : NULL;
		ca_photo_page_release(&page);
	} while (cursor);
	ck_assert_uint_eq(seen, 7);
	ca_buf_release(&sql);
	ca_buf_release(&longest);
	free(owner);
	ca_db_close(db);
}
END_TEST

START_TEST(photos_every_operation)
{
	struct ca_db *db = open_db(NULL);
	struct ca_photo in, out, edit, made;
	struct ca_err err;
	char *owner, *other, *pid = NULL;

	owner = make_user(db, "owner@example.com", "Owner");
	other = make_user(db, "other@example.com", "Other");
	memset(&in, 0, sizeof(in));
	in.tags = (char *)"beach,sunset";
	in.desc = (char *)"Evening at the beach";
	in.filename_orig = (char *)"IMG_0001.JPG";
	in.filename = (char *)"0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg";
	in.filesize = 2345678;
	in.has_geotag = true;
	in.geotag_lat = -33.8688;
	in.geotag_lng = 151.2093;
	in.upload_date = (char *)"2021-07-08T09:10:11.000000+0000";
	in.taken_date = (char *)"2021-07-01 18:30:00";
	in.make = (char *)"Canon";
	in.model = (char *)"EOS 5D";
	in.width = (char *)"4000";
	in.height = (char *)"3000";
	in.city = (char *)"Sydney";
	in.nation = (char *)"AU";
	in.address = (char *)"Sydney, New South Wales, Australia";
	ca_err_clear(&err);
	ck_assert_msg(ca_db_photo_create(db, owner, NULL, &in, &made, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	pid = strdup(made.id);
	ck_assert_int_eq(ca_db_photo_get(db, owner, pid, &out, NULL), CA_OK);
	assert_same_photo(&made, &out); /* create answers the row as it reads back */
	ca_photo_release(&made);
	ck_assert_str_eq(out.id, pid);
	ck_assert_str_eq(out.user_id, owner);
	ck_assert_str_eq(out.tags, in.tags);
	ck_assert_str_eq(out.desc, in.desc);
	ck_assert_str_eq(out.filename_orig, in.filename_orig);
	ck_assert_str_eq(out.filename, in.filename);
	ck_assert_int_eq(out.filesize, 2345678);
	ck_assert(out.has_geotag);
	/* FLOAT columns: the decimal the user gave comes back, not 151.20930480957031 */
	ck_assert(out.geotag_lat == -33.8688);
	ck_assert(out.geotag_lng == 151.2093);
	ck_assert_str_eq(out.upload_date, "2021-07-08T09:10:11.000000+0000");
	ck_assert_str_eq(out.taken_date, "2021-07-01T18:30:00.000000+0000");
	ck_assert_str_eq(out.make, "Canon");
	ck_assert_str_eq(out.model, "EOS 5D");
	ck_assert_str_eq(out.width, "4000");
	ck_assert_str_eq(out.height, "3000");
	ck_assert_str_eq(out.city, "Sydney");
	ck_assert_str_eq(out.nation, "AU");
	ck_assert_str_eq(out.address, in.address);
	ca_photo_release(&out);

	/* not the other user's */
	ck_assert_int_eq(ca_db_photo_get(db, other, pid, &out, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_update(db, other, pid, &in, CA_PHOTO_TAGS, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_delete(db, other, pid, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_get(db, owner, "0", &out, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_get(db, owner, "x", &out, NULL), CA_DB_NOTFOUND);

	/* edit: tags, desc, clear the geotag, place fields; others untouched */
	memset(&edit, 0, sizeof(edit));
	edit.tags = (char *)"beach";
	edit.desc = NULL;
	edit.has_geotag = false;
	edit.city = (char *)"Bondi";
	edit.nation = (char *)"Australia";
	edit.address = (char *)"Bondi Beach";
	edit.make = (char *)"ignored";
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit,
					    CA_PHOTO_TAGS | CA_PHOTO_DESC | CA_PHOTO_GEOTAG |
						    CA_PHOTO_CITY | CA_PHOTO_NATION | CA_PHOTO_ADDRESS,
					    NULL),
			 CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, pid, &out, NULL), CA_OK);
	ck_assert_str_eq(out.tags, "beach");
	ck_assert_ptr_null(out.desc);
	ck_assert(!out.has_geotag);
	ck_assert_str_eq(out.city, "Bondi");
	ck_assert_str_eq(out.nation, "Australia");
	ck_assert_str_eq(out.address, "Bondi Beach");
	ck_assert_str_eq(out.make, "Canon");
	ca_photo_release(&out);
	edit.has_geotag = true;
	edit.geotag_lat = 91;
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit, CA_PHOTO_GEOTAG, NULL), CA_EINVAL);
	edit.geotag_lat = NAN;
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit, CA_PHOTO_GEOTAG, NULL), CA_EINVAL);
	edit.geotag_lat = 1.5;
	edit.geotag_lng = -0.25;
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit, CA_PHOTO_GEOTAG, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, pid, &out, NULL), CA_OK);
	ck_assert(out.has_geotag && out.geotag_lat == 1.5 && out.geotag_lng == -0.25);
	ca_photo_release(&out);
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit, 0, NULL), CA_OK); /* exists */
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit, 1u << 12, NULL), CA_EINVAL);

	/* creating for a user that does not exist */
	{
		char *none = NULL;

		ck_assert_int_eq(create_photo_id(db, "987654", &in, &none, NULL), CA_DB_NOTFOUND);
		ck_assert_ptr_null(none);
		in.tags = (char *)"\xe0\x80";
		ck_assert_int_eq(create_photo_id(db, owner, &in, &none, NULL), CA_EINVAL);
		in.tags = NULL;
		in.filesize = 2147483648LL;
		ck_assert_int_eq(create_photo_id(db, owner, &in, &none, NULL), CA_ERANGE);
		in.filesize = 1;
		in.upload_date = (char *)"yesterday";
		ck_assert_int_eq(create_photo_id(db, owner, &in, &none, NULL), CA_EINVAL);
	}

	/* delete */
	ck_assert_int_eq(ca_db_photo_delete(db, owner, pid, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, pid, &out, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_delete(db, owner, pid, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_update(db, owner, pid, &edit, 0, NULL), CA_DB_NOTFOUND);
	free(pid);
	free(owner);
	free(other);
	ca_db_close(db);
}
END_TEST

/* Expected order: dated rows newest first (ties by id, newest first), then undated by id. */
struct expected_row {
	long id;
	const char *date; /* NULL: no upload date */
};

static int expected_cmp(const void *a, const void *b)
{
	const struct expected_row *x = a, *y = b;
	int c;

	if (!x->date != !y->date)
		return x->date ? -1 : 1;
	if (x->date && (c = strcmp(y->date, x->date)) != 0)
		return c;
	return y->id > x->id ? 1 : (y->id < x->id ? -1 : 0);
}

/* What create answers is what a read gives back, for the values a column changes:
 * FLOAT geotags, fractions of a second, NULL and empty text, an unknown size. */
START_TEST(create_answers_the_row_as_stored)
{
	static const double coords[][2] = {
		{ 37.56650161743164, 126.97796919 }, { -33.86881234567, 151.20930000001 },
		{ 0.1, -0.1 }, { 89.999999, -179.9999999 }, { 1e-7, 12.3456789 },
	};
	struct ca_db *db = open_db(NULL);
	struct ca_photo in, made, got;
	struct ca_err err;
	bool owner_known = false;
	char *owner = make_user(db, "stored@example.com", "Stored");
	size_t i;

	for (i = 0; i < sizeof(coords) / sizeof(coords[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.tags = (char *)(i % 2 ? "" : "trailing  ");
		in.desc = i % 2 ? NULL : (char *)"d";
		in.filename = (char *)"f.jpg";
		in.filesize = i % 2 ? -1 : (int64_t)i;
		in.has_geotag = i != 4;
		in.geotag_lat = coords[i][0];
		in.geotag_lng = coords[i][1];
		/* NULL: now, with microseconds; or a fraction just below the next second */
		in.upload_date = i % 2 ? NULL : (char *)"2022-02-03T04:05:06.999999+0000";
		in.taken_date = i % 3 ? (char *)"2022-01-01T00:00:59.500000+0000" : NULL;
		in.width = (char *)"12";
		ca_err_clear(&err);
		ck_assert_msg(ca_db_photo_create(db, owner, &owner_known, &in, &made, &err) == CA_OK,
			      "%s", ca_err_msg(&err));
		ck_assert(owner_known);
		ck_assert_int_eq(ca_db_photo_get(db, owner, made.id, &got, NULL), CA_OK);
		assert_same_photo(&made, &got);
		ca_photo_release(&made);
		ca_photo_release(&got);
	}
	/* on error the answer is empty */
	ck_assert_int_eq(ca_db_photo_create(db, "987654", NULL, &in, &made, NULL), CA_DB_NOTFOUND);
	ck_assert_ptr_null(made.id);
	ck_assert_ptr_null(made.filename);
	free(owner);
	ca_db_close(db);
}
END_TEST

START_TEST(listing_pages_with_the_cursor_newest_first)
{
	static const char *const dates[] = {
		"2020-01-05 10:00:00", "2021-03-01 00:00:00", "2020-01-05 10:00:00",
		"2019-12-31 23:59:59", NULL, "2022-06-01 12:00:00", "2020-01-05 10:00:00", NULL,
		"2018-01-01 00:00:00", "2021-03-01 00:00:00", "2023-01-01 00:00:00", NULL,
		"2017-07-07 07:07:07", "2020-01-05 10:00:01", "2016-01-01 00:00:00",
		"2024-02-29 12:00:00", "2020-01-05 09:59:59", NULL, "2015-05-05 05:05:05",
		"2022-06-01 12:00:00", "2021-03-01 00:00:00", "2014-04-04 04:04:04",
		"2020-01-05 10:00:00",
	};
	enum { N = sizeof(dates) / sizeof(dates[0]) };
	struct expected_row expected[N];
	struct ca_db *db = open_db(NULL);
	MYSQL *admin;
	char *owner, *other, *cursor = NULL;
	size_t i, seen = 0, pages = 0, limits[] = { 7, 1, 5, 100 };

	owner = make_user(db, "pager@example.com", "Pager");
	other = make_user(db, "other@example.com", "Other");
	free(make_photo(db, other, "x", "x", "2030-01-01 00:00:00")); /* never listed */
	/* rows as the seed left them, NULL upload dates included */
	admin = admin_in_db();
	for (i = 0; i < N; i++) {
		char sql[256], *id;

		if (dates[i])
			snprintf(sql, sizeof(sql),
				 "INSERT INTO `Photo` (user_id, tags, upload_date) VALUES (%s, 't%zu', '%s')",
				 owner, i, dates[i]);
		else
			snprintf(sql, sizeof(sql),
				 "INSERT INTO `Photo` (user_id, tags, upload_date) VALUES (%s, 't%zu', NULL)",
				 owner, i);
		admin_exec(admin, sql);
		id = admin_value(admin, "SELECT LAST_INSERT_ID()");
		expected[i].id = strtol(id, NULL, 10);
		expected[i].date = dates[i];
		free(id);
	}
	mysql_close(admin);
	qsort(expected, N, sizeof(expected[0]), expected_cmp);

	for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
		seen = 0;
		pages = 0;
		do {
			struct ca_photo_query q = { NULL, cursor, limits[l], CA_PHOTO_BY_UPLOAD };
			struct ca_photo_page page;
			struct ca_err err;

			ca_err_clear(&err);
			ck_assert_msg(ca_db_photo_list(db, owner, &q, &page, &err) == CA_OK, "%s",
				      ca_err_msg(&err));
			ck_assert_uint_le(page.count, limits[l]);
			for (i = 0; i < page.count; i++, seen++) {
				ck_assert_uint_lt(seen, N);
				ck_assert_int_eq(strtol(page.photos[i].id, NULL, 10), expected[seen].id);
				ck_assert_str_eq(page.photos[i].user_id, owner);
			}
			free(cursor);
			cursor = page.next_cursor ? strdup(page.next_cursor) : NULL;
			if (cursor)
				ck_assert_uint_eq(page.count, limits[l]);
			ca_photo_page_release(&page);
			pages++;
		} while (cursor);
		ck_assert_uint_eq(seen, N);
		ck_assert_uint_eq(pages, (N + limits[l] - 1) / limits[l]);
	}
	{
		struct ca_photo_page page;
		struct ca_photo_query all = { NULL, NULL, 0, CA_PHOTO_BY_UPLOAD };

		ck_assert_int_eq(ca_db_photo_list(db, owner, &all, &page, NULL), CA_OK);
		ck_assert_uint_eq(page.count, N); /* default limit 50 */
		ck_assert_ptr_null(page.next_cursor);
		ca_photo_page_release(&page);
		ck_assert_int_eq(ca_db_photo_list(db, owner, NULL, &page, NULL), CA_OK);
		ck_assert_uint_eq(page.count, N);
		ca_photo_page_release(&page);
		ck_assert_int_eq(ca_db_photo_list(db, "77777", NULL, &page, NULL), CA_OK);
		ck_assert_uint_eq(page.count, 0);
		ca_photo_page_release(&page);
		all.limit = CA_DB_PAGE_MAX + 1;
		ck_assert_int_eq(ca_db_photo_list(db, owner, &all, &page, NULL), CA_EINVAL);
	}
	free(owner);
	free(other);
	ca_db_close(db);
}
END_TEST

START_TEST(hostile_cursors_are_refused)
{
	static const char *const bad[] = {
		"x", "n", "n-", "n-0", "n-abc", "n--5", "n-1-2", "d-5", "d2024-5",
		"d20241301000000000000-5", "d20240230000000000000-5", "d2024010100000000000-5",
		"d202401010000000000000-5", "d20240101000000000000-99999999999",
		"d20240101000000000000-5' OR 1=1 --", "d2024010100000000000x-5",
		"n-5\n", "N-5",
	};
	struct ca_db *db = open_db(NULL);
	char *owner = make_user(db, "c@example.com", "C");
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ca_photo_query q = { NULL, bad[i], 5, CA_PHOTO_BY_UPLOAD };
		struct ca_photo_page page;

		ck_assert_msg(ca_db_photo_list(db, owner, &q, &page, NULL) == CA_EINVAL, "%s", bad[i]);
		ck_assert_uint_eq(page.count, 0);
		ck_assert_ptr_null(page.photos);
	}
	{
		char longer[400];
		struct ca_photo_query q = { NULL, longer, 5, CA_PHOTO_BY_UPLOAD };
		struct ca_photo_page page;

		memset(longer, '1', sizeof(longer) - 1);
		longer[0] = 'n';
		longer[1] = '-';
		longer[sizeof(longer) - 1] = '\0';
		ck_assert_int_eq(ca_db_photo_list(db, owner, &q, &page, NULL), CA_EINVAL);
	}
	free(owner);
	ca_db_close(db);
}
END_TEST

/* Ids of a whole search, in order, as "id,id,..." (caller frees). */
static char *search_ids(struct ca_db *db, const char *owner, const char *keyword, size_t limit)
{
	struct ca_buf ids = CA_BUF_INIT;
	char *cursor = NULL;

	do {
		struct ca_photo_query q = { keyword, cursor, limit, CA_PHOTO_BY_UPLOAD };
		struct ca_photo_page page;
		struct ca_err err;
		size_t i;

		ca_err_clear(&err);
		ck_assert_msg(ca_db_photo_list(db, owner, &q, &page, &err) == CA_OK, "%s",
			      ca_err_msg(&err));
		for (i = 0; i < page.count; i++)
			ca_buf_addf(&ids, "%s%s", ids.len ? "," : "", page.photos[i].tags);
		free(cursor);
		cursor = page.next_cursor ? strdup(page.next_cursor) : NULL;
		ca_photo_page_release(&page);
	} while (cursor);
	return ca_buf_detach(&ids, NULL);
}

START_TEST(keyword_search_over_tags_and_description)
{
	struct ca_db *db = open_db(NULL);
	char *owner = make_user(db, "s@example.com", "S");
	char *other = make_user(db, "o@example.com", "O");
	char *got;

	/* the tags double as labels: the search result lists tags in order */
	free(make_photo(db, owner, "p1,Beach", "Sunny day", "2020-01-01 00:00:01"));
	free(make_photo(db, owner, "p2", "At the BEACH bar", "2020-01-01 00:00:02"));
	free(make_photo(db, owner, "p3,mountain", "snow", "2020-01-01 00:00:03"));
	free(make_photo(db, owner, "p4", "\xc3\x9cR\xc3\x9cMQI trip", "2020-01-01 00:00:04"));
	free(make_photo(db, owner, "p5,100%", "done", "2020-01-01 00:00:05"));
	free(make_photo(db, owner, "p6", "a_b", "2020-01-01 00:00:06"));
	free(make_photo(db, owner, "p7", NULL, "2020-01-01 00:00:07"));
	free(make_photo(db, other, "o1,beach", "beach", "2020-01-01 00:00:08"));

	got = search_ids(db, owner, "beach", 1);
	ck_assert_str_eq(got, "p2,p1,Beach");
	free(got);
	got = search_ids(db, owner, "BeAcH", 10);
	ck_assert_str_eq(got, "p2,p1,Beach");
	free(got);
	got = search_ids(db, owner, "\xc3\xbcr\xc3\xbcmqi", 10); /* lower-case query, upper-case text */
	ck_assert_str_eq(got, "p4");
	free(got);
	got = search_ids(db, owner, "%", 10); /* wildcards are literal */
	ck_assert_str_eq(got, "p5,100%");
	free(got);
	got = search_ids(db, owner, "_", 10);
	ck_assert_str_eq(got, "p6");
	free(got);
	got = search_ids(db, owner, "!", 10);
	ck_assert_str_eq(got, "");
	free(got);
	got = search_ids(db, owner, "nothing matches", 10);
	ck_assert_str_eq(got, "");
	free(got);
	got = search_ids(db, owner, "", 3); /* empty keyword: everything */
	ck_assert_str_eq(got, "p7,p6,p5,100%,p4,p3,mountain,p2,p1,Beach");
	free(got);
	{
		struct ca_photo_query q = { "\xff", NULL, 5, CA_PHOTO_BY_UPLOAD };
		struct ca_photo_page page;

		ck_assert_int_eq(ca_db_photo_list(db, owner, &q, &page, NULL), CA_EINVAL);
	}
	free(owner);
	free(other);
	ca_db_close(db);
}
END_TEST

/* Runs every statement of the seed DDL file on a fresh database. */
static void apply_seed_ddl(MYSQL *admin)
{
	struct ca_buf text = CA_BUF_INIT;
	char line[512], *p, *semi;
	FILE *f = fopen("lib/db/legacy_schema.sql", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "--", 2) != 0)
			ca_buf_adds(&text, line);
	fclose(f);
	for (p = text.data; (semi = strchr(p, ';')) != NULL; p = semi + 1) {
		*semi = '\0';
		admin_exec(admin, p);
	}
	ca_buf_release(&text);
}

START_TEST(works_on_a_database_the_seed_made)
{
	MYSQL *admin = admin_connect();
	struct ca_db *db;
	struct ca_user u;
	struct ca_photo_page page;
	struct ca_photo p;
	char sql[1024];

	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4", db_name);
	admin_exec(admin, sql);
	ck_assert_int_eq(mysql_select_db(admin, db_name), 0);
	apply_seed_ddl(admin);
	/* what the seed application's SQLAlchemy models would have written */
	admin_exec(admin, "INSERT INTO `User` (username, email, password) VALUES ('Legacy', "
			  "'legacy@example.com', 'pbkdf2:sha256:50000$AbCdEfGh$"
			  "0000000000000000000000000000000000000000000000000000000000000000')");
	snprintf(sql, sizeof(sql),
		 "INSERT INTO `Photo` (user_id, tags, `desc`, filename_orig, filename, filesize, "
		 "geotag_lat, geotag_lng, upload_date, taken_date, make, model, width, height, city, "
		 "nation, address) VALUES (LAST_INSERT_ID(), 'old,photo', 'from 2018', 'a.jpg', "
		 "'0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg', 99, 37.5665, 126.978, "
		 "'2018-04-01 10:00:00', NULL, 'Apple', 'iPhone X', '4032', '3024', 'Seoul', "
		 "'South Korea', 'Jung-gu, Seoul')");
	admin_exec(admin, sql);

	db = open_db("?schema=check");
	ck_assert_int_eq(ca_db_user_find_by_email(db, "legacy@example.com", &u, NULL), CA_OK);
	ck_assert_str_eq(u.username, "Legacy");
	ck_assert(!strncmp(u.password, "pbkdf2:sha256:50000$", 20));
	ck_assert_int_eq(ca_db_photo_list(db, u.id, NULL, &page, NULL), CA_OK);
	ck_assert_uint_eq(page.count, 1);
	ck_assert_str_eq(page.photos[0].address, "Jung-gu, Seoul");
	ck_assert(page.photos[0].geotag_lat == 37.5665);
	ck_assert(page.photos[0].geotag_lng == 126.978);
	ck_assert_str_eq(page.photos[0].upload_date, "2018-04-01T10:00:00.000000+0000");
	ck_assert_ptr_null(page.photos[0].taken_date);
	ca_photo_page_release(&page);
	/* and what we write, the seed's own queries read back */
	{
		char *pid = make_photo(db, u.id, "new", "by the toolkit", NULL);
		char *v;

		ck_assert_int_eq(ca_db_photo_get(db, u.id, pid, &p, NULL), CA_OK);
		ck_assert_ptr_nonnull(p.upload_date); /* defaulted to now */
		ca_photo_release(&p);
		snprintf(sql, sizeof(sql),
			 "SELECT CONCAT(u.email, '|', p.tags, '|', p.filesize) FROM `Photo` p "
			 "JOIN `User` u ON u.id = p.user_id WHERE p.id = %s",
			 pid);
		v = admin_value(admin, sql);
		ck_assert_str_eq(v, "legacy@example.com|new|1234");
		free(v);
		free(pid);
	}
	ca_user_release(&u);
	ca_db_close(db);
	mysql_close(admin);
}
END_TEST

START_TEST(schema_is_created_or_checked)
{
	MYSQL *admin;
	struct ca_db *db = NULL;
	struct ca_err err;
	char sql[256], *url, *v;

	/* schema=check on a database that does not exist: nothing is created */
	url = url_for(db_name, "?schema=check");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_open(url, &db, &err), CA_DB_SCHEMA);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), db_name));
	free(url);
	admin = admin_connect();
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '%s'",
		 db_name);
	v = admin_value(admin, sql);
	ck_assert_str_eq(v, "0");
	free(v);

	/* an empty database: check refuses, create makes the tables */
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s`", db_name);
	admin_exec(admin, sql);
	url = url_for(db_name, "?schema=check");
	ck_assert_int_eq(ca_db_open(url, &db, NULL), CA_DB_SCHEMA);
	free(url);
	ca_db_close(open_db(NULL));
	ca_db_close(open_db(NULL)); /* twice: idempotent */
	snprintf(sql, sizeof(sql),
		 "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES "
		 "WHERE TABLE_SCHEMA = '%s'",
		 db_name);
	v = admin_value(admin, sql);
	ck_assert_str_eq(v, "cloudalbum_session_generation,cloudalbum_session_revoked,Photo,User");
	free(v);

	/* a table without a contract column */
	ck_assert_int_eq(mysql_select_db(admin, db_name), 0);
	admin_exec(admin, "ALTER TABLE `Photo` DROP COLUMN address");
	url = url_for(db_name, NULL);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_open(url, &db, &err), CA_DB_SCHEMA);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "address"));
	ck_assert_ptr_null(db);
	free(url);
	mysql_close(admin);
}
END_TEST

/* The ids of the connections to the test database other than admin's, comma-separated. */
static char *backend_connection_ids(MYSQL *admin)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT COALESCE(GROUP_CONCAT(ID ORDER BY ID), '') FROM information_schema.PROCESSLIST "
		 "WHERE DB = '%s' AND ID <> CONNECTION_ID() AND COMMAND <> 'Killed'",
		 db_name);
	return admin_value(admin, sql);
}

static size_t count_ids(const char *ids)
{
	size_t n = *ids ? 1 : 0;

	for (; *ids; ids++)
		n += *ids == ',';
	return n;
}

/* Kills every connection to the test database except the admin's own; returns how many. */
static size_t kill_backend_connections(MYSQL *admin)
{
	char *ids = backend_connection_ids(admin), *p, *comma;
	size_t n = count_ids(ids);

	ck_assert_msg(n > 0, "the backend's connection was not found");
	for (p = ids; p && *p; p = comma ? comma + 1 : NULL) {
		char sql[64];

		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		snprintf(sql, sizeof(sql), "KILL %s", p);
		admin_exec(admin, sql);
	}
	free(ids);
	return n;
}

START_TEST(lost_connection_is_recovered)
{
	struct ca_db *db = open_db(NULL);
	MYSQL *admin = admin_connect();
	struct ca_user u;
	struct ca_err err;
	char *id = make_user(db, "k@example.com", "K");
	char *pid;

	/* a read after the server dropped us */
	kill_backend_connections(admin);
	ca_err_clear(&err);
	ck_assert_msg(ca_db_user_find_by_email(db, "k@example.com", &u, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	ck_assert_str_eq(u.id, id);
	ca_user_release(&u);
	/* a write after the server dropped us: never reached the server, so repeated */
	kill_backend_connections(admin);
	ca_err_clear(&err);
	pid = NULL;
	{
		struct ca_photo p;

		memset(&p, 0, sizeof(p));
		p.tags = (char *)"after kill";
		p.filesize = -1;
		ck_assert_msg(create_photo_id(db, id, &p, &pid, &err) == CA_OK, "%s",
			      ca_err_msg(&err));
	}
	{
		struct ca_photo_page page;

		ck_assert_int_eq(ca_db_photo_list(db, id, NULL, &page, NULL), CA_OK);
		ck_assert_uint_eq(page.count, 1); /* exactly once */
		ck_assert_int_eq(page.photos[0].filesize, -1);
		ca_photo_page_release(&page);
	}
	kill_backend_connections(admin);
	ck_assert_int_eq(ca_db_user_update(db, id, "K2", NULL, NULL), CA_OK);
	free(pid);
	free(id);
	mysql_close(admin);
	ca_db_close(db);
}
END_TEST

START_TEST(unreachable_server_is_reported_clearly)
{
	struct ca_db *db = NULL;
	struct ca_err err;
	char url[128];

	snprintf(url, sizeof(url), "mysql://root@127.0.0.1:%d/x?connect_timeout=2",
		 loopback_free_port());
	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_open(url, &db, &err), CA_DB_CONNECT);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(ca_err_msg(&err), "127.0.0.1") && strstr(ca_err_msg(&err), "Cannot connect"),
		      "%s", ca_err_msg(&err));
}
END_TEST

/* ---------- the connection pool ---------- */

static struct mysql_db *pool_of(struct ca_db *db)
{
	ck_assert_str_eq(ca_db_kind(db), "mysql");
	return (struct mysql_db *)db;
}

/* One thread's share of a mixed workload on its own user; failures are counted, not asserted. */
struct worker {
	struct ca_db *db;
	char email[64];
	char *user_id;
	int ops;
	int failures;
	char first_failure[CA_ERR_MSG_MAX + 64];
	size_t live;            /* photos it owns at the end, by its own count */
	char *ids[256];         /* the photos it created and has not deleted */
	size_t nids;
};

static void worker_fail(struct worker *w, int k, const char *what, const struct ca_err *err)
{
	if (w->failures++ == 0)
		snprintf(w->first_failure, sizeof(w->first_failure), "op %d %s: %s", k, what,
			 err ? ca_err_msg(err) : "wrong result");
}

static void worker_op(struct worker *w, int k)
{
	struct ca_err err;
	char tags[64], desc[64];

	ca_err_clear(&err);
	snprintf(tags, sizeof(tags), "%s-t%d", w->email, k);
	switch (k % 8) {
	case 0: {  /* create */
		struct ca_photo p;
		char date[40];
		char *id = NULL;

		memset(&p, 0, sizeof(p));
		snprintf(date, sizeof(date), "2024-01-01T00:%02d:%02d.000000+0000", k / 60 % 60, k % 60);
		p.tags = tags;
		p.desc = (char *)"new";
		p.filesize = k;
		p.upload_date = date;
		if (create_photo_id(w->db, w->user_id, &p, &id, &err) != CA_OK || !id) {
			worker_fail(w, k, "create", &err);
			free(id);
			return;
		}
		if (w->nids < sizeof(w->ids) / sizeof(w->ids[0]))
			w->ids[w->nids++] = id;
		else
			free(id);
		return;
	}
	case 1:
	case 6: {  /* the user, by email or by id */
		struct ca_user u;
		int rc = k % 8 == 1 ? ca_db_user_find_by_email(w->db, w->email, &u, &err)
				    : ca_db_user_find_by_id(w->db, w->user_id, &u, &err);

		if (rc != CA_OK)
			worker_fail(w, k, "find user", &err);
		else if (strcmp(u.id, w->user_id) != 0 || strcmp(u.email, w->email) != 0)
			worker_fail(w, k, "find user", NULL);
		ca_user_release(&u);
		return;
	}
	case 2:
	case 5: {  /* the newest photo: its tags, and the desc case 4 set */
		struct ca_photo p;
		char want[64];

		if (!w->nids)
			return;
		snprintf(want, sizeof(want), "%s-t%d", w->email, k - k % 8);
		if (ca_db_photo_get(w->db, w->user_id, w->ids[w->nids - 1], &p, &err) != CA_OK)
			worker_fail(w, k, "get", &err);
		else if (strcmp(p.user_id, w->user_id) != 0 || !p.tags || strcmp(p.tags, want) != 0)
			worker_fail(w, k, "get", NULL);
		else if (k % 8 == 5) {
			snprintf(desc, sizeof(desc), "d%d", k - 1);
			if (!p.desc || strcmp(p.desc, desc) != 0)
				worker_fail(w, k, "get after update", NULL);
		}
		ca_photo_release(&p);
		return;
	}
	case 3: {  /* the album: exactly what it owns, newest first */
		struct ca_photo_page page;
		size_t i;

		if (ca_db_photo_list(w->db, w->user_id, NULL, &page, &err) != CA_OK) {
			worker_fail(w, k, "list", &err);
			return;
		}
		if (page.count != w->nids)
			worker_fail(w, k, "list count", NULL);
		for (i = 0; i < page.count; i++)
			if (strcmp(page.photos[i].user_id, w->user_id) != 0 ||
			    (i < w->nids && strcmp(page.photos[i].id, w->ids[w->nids - 1 - i]) != 0))
				worker_fail(w, k, "list order", NULL);
		ca_photo_page_release(&page);
		return;
	}
	case 4: {  /* update the newest */
		struct ca_photo v;

		if (!w->nids)
			return;
		memset(&v, 0, sizeof(v));
		snprintf(desc, sizeof(desc), "d%d", k);
		v.desc = desc;
		if (ca_db_photo_update(w->db, w->user_id, w->ids[w->nids - 1], &v, CA_PHOTO_DESC,
				       &err) != CA_OK)
			worker_fail(w, k, "update", &err);
		return;
	}
	default: { /* delete the oldest of every other batch */
		if (w->nids < 2 || k % 16 != 7)
			return;
		if (ca_db_photo_delete(w->db, w->user_id, w->ids[0], &err) != CA_OK) {
			worker_fail(w, k, "delete", &err);
			return;
		}
		free(w->ids[0]);
		memmove(&w->ids[0], &w->ids[1], (w->nids - 1) * sizeof(w->ids[0]));
		w->nids--;
		return;
	}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int k;

	for (k = 0; k < w->ops; k++)
		worker_op(w, k);
	w->live = w->nids;
	return NULL;
}

enum { WORKERS = 8 };

/* Runs WORKERS threads of ops each on db, each on a fresh user, and checks every result. */
static void run_workers(struct ca_db *db, int ops, const char *tag)
{
	struct worker w[WORKERS];
	pthread_t th[WORKERS];
	MYSQL *admin;
	int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < WORKERS; i++) {
		w[i].db = db;
		w[i].ops = ops;
		snprintf(w[i].email, sizeof(w[i].email), "%s-%d@example.com", tag, i);
		w[i].user_id = make_user(db, w[i].email, "Worker");
	}
	for (i = 0; i < WORKERS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (i = 0; i < WORKERS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	admin = admin_connect(); /* no database selected: not counted among the backend's */
	for (i = 0; i < WORKERS; i++) {
		char sql[200], *n;
		size_t j;

		ck_assert_msg(w[i].failures == 0, "worker %d: %d failures, first %s", i,
			      w[i].failures, w[i].first_failure);
		ck_assert_uint_gt(w[i].live, 0);
		/* what the server holds agrees with what the worker was told */
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM `%s`.`Photo` WHERE user_id = %s",
			 db_name, w[i].user_id);
		n = admin_value(admin, sql);
		ck_assert_uint_eq(strtoul(n, NULL, 10), w[i].live);
		free(n);
		for (j = 0; j < w[i].nids; j++)
			free(w[i].ids[j]);
		free(w[i].user_id);
	}
	mysql_close(admin);
}

START_TEST(pool_serves_many_threads_correctly)
{
	struct ca_db *db = open_db("?pool=3");
	MYSQL *admin = admin_connect();
	char *ids;

	ck_assert_uint_eq(pool_of(db)->nconns, 3);
	run_workers(db, 200, "many");
	/* never more connections than the pool holds */
	ids = backend_connection_ids(admin);
	ck_assert_uint_ge(count_ids(ids), 1);
	ck_assert_uint_le(count_ids(ids), 3);
	free(ids);
	mysql_close(admin);
	ca_db_close(db);
}
END_TEST

START_TEST(pool_of_one_hands_over_without_losing_a_waiter)
{
	struct ca_db *db = open_db("?pool=1");

	run_workers(db, 64, "one");
	ca_db_close(db);
}
END_TEST

/* Opens every slot of db's pool (they are otherwise opened only on demand). */
static void connect_every_slot(struct ca_db *db)
{
	struct mysql_db *m = pool_of(db);
	struct mysql_conn *held[CA_MYSQL_POOL_MAX];
	struct ca_err err;
	size_t i;

	for (i = 0; i < m->nconns; i++) {
		ca_err_clear(&err);
		ck_assert_int_eq(ca_mysql_pool_acquire(m, &held[i], &err), CA_OK);
		ck_assert_msg(ca_mysql_conn_open(held[i], &m->url, &err) == CA_OK, "%s",
			      ca_err_msg(&err));
	}
	for (i = 0; i < m->nconns; i++)
		ca_mysql_pool_release(m, held[i]);
}

START_TEST(killed_connections_in_the_pool_are_replaced)
{
	struct ca_db *db = open_db("?pool=3");
	MYSQL *admin = admin_connect();
	char *before, *after, *owner, *pid = NULL;
	struct ca_photo_page page;
	struct ca_photo p;

	owner = make_user(db, "survivor@example.com", "S");
	free(make_photo(db, owner, "before", "the kill", NULL)); /* its INSERT is now prepared */
	connect_every_slot(db);
	before = backend_connection_ids(admin);
	ck_assert_uint_eq(count_ids(before), 3);
	ck_assert_uint_eq(kill_backend_connections(admin), 3);

	/* a write first: the dead connection is noticed before anything is sent */
	memset(&p, 0, sizeof(p));
	p.tags = (char *)"after the kill";
	p.filesize = -1;
	ck_assert_int_eq(create_photo_id(db, owner, &p, &pid, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_list(db, owner, NULL, &page, NULL), CA_OK);
	ck_assert_uint_eq(page.count, 2); /* the new one exactly once */
	ca_photo_page_release(&page);

	/* then every slot, from many threads */
	connect_every_slot(db);
	ck_assert_uint_eq(kill_backend_connections(admin), 3);
	run_workers(db, 48, "revived");
	after = backend_connection_ids(admin);
	ck_assert_uint_ge(count_ids(after), 1);
	ck_assert_uint_le(count_ids(after), 3);
	/* the pool's connections are all new ones */
	{
		struct mysql_db *m = pool_of(db);
		char wrapped[512];
		size_t i;

		snprintf(wrapped, sizeof(wrapped), ",%s,", before);
		for (i = 0; i < m->nconns; i++) {
			char needle[32];

			if (!m->conns[i].handle)
				continue;
			snprintf(needle, sizeof(needle), ",%lu,", mysql_thread_id(m->conns[i].handle));
			ck_assert_msg(!strstr(wrapped, needle), "slot %zu still has killed connection %s",
				      i, needle);
		}
	}
	/* and none of the killed ones is still served */
	{
		char *tok, *save = NULL;

		for (tok = strtok_r(before, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char needle[32];
			char wrapped[512];

			snprintf(needle, sizeof(needle), ",%s,", tok);
			snprintf(wrapped, sizeof(wrapped), ",%s,", after);
			ck_assert_msg(!strstr(wrapped, needle), "connection %s is still there", tok);
		}
	}
	free(before);
	free(after);
	free(pid);
	free(owner);
	mysql_close(admin);
	ca_db_close(db);
}
END_TEST

START_TEST(busy_pool_times_out_with_a_clear_error)
{
	struct ca_db *db = open_db("?pool=1&pool_timeout=1");
	struct mysql_db *m = pool_of(db);
	struct mysql_conn *held = NULL;
	struct ca_user u;
	struct ca_err err;
	char *id = make_user(db, "waiter@example.com", "W");

	ck_assert_int_eq(ca_mysql_pool_acquire(m, &held, NULL), CA_OK);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_user_find_by_email(db, "waiter@example.com", &u, &err), CA_ETIMEOUT);
	ck_assert_msg(strstr(ca_err_msg(&err), "busy") && strstr(ca_err_msg(&err), "pool="), "%s",
		      ca_err_msg(&err));
	ck_assert_ptr_null(u.id);
	ca_mysql_pool_release(m, held);
	/* given back: the next call gets it */
	ck_assert_int_eq(ca_db_user_find_by_email(db, "waiter@example.com", &u, NULL), CA_OK);
	ck_assert_str_eq(u.id, id);
	ca_user_release(&u);
	free(id);
	ca_db_close(db);
}
END_TEST

START_TEST(pool_size_comes_from_the_url_or_the_opener)
{
	struct ca_db *db = NULL;
	struct ca_err err;
	char *url = url_for(db_name, NULL), *url5 = url_for(db_name, "?pool=5");

	ca_err_clear(&err);
	ck_assert_msg(ca_db_mysql_open_pool(url, 12, &db, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_uint_eq(pool_of(db)->nconns, 12);
	ca_db_close(db);
	ck_assert_int_eq(ca_db_mysql_open_pool(url5, 12, &db, NULL), CA_OK);
	ck_assert_uint_eq(pool_of(db)->nconns, 5); /* the URL wins */
	ca_db_close(db);
	ck_assert_int_eq(ca_db_mysql_open_pool(url, 100000, &db, NULL), CA_OK);
	ck_assert_uint_eq(pool_of(db)->nconns, CA_MYSQL_POOL_MAX);
	ca_db_close(db);
	ck_assert_int_eq(ca_db_mysql_open(url, &db, NULL), CA_OK);
	ck_assert_uint_eq(pool_of(db)->nconns, CA_DB_MYSQL_POOL_DEFAULT);
	ca_db_close(db);
	free(url);
	free(url5);
}
END_TEST

/*
 * More distinct statements than a connection keeps prepared: every combination
 * of photo fields, each checked, so evicted and re-prepared statements must
 * still bind the right values.
 */
START_TEST(statement_cache_evicts_and_stays_correct)
{
	struct ca_db *db = open_db("?pool=1");
	char *owner = make_user(db, "cache@example.com", "C");
	char *pid = make_photo(db, owner, "t", "d", "2024-05-01T00:00:00.000000+0000");
	unsigned round, fields;

	for (round = 0; round < 2; round++) {
		for (fields = 0; fields < 64; fields++) {
			struct ca_photo v, got;
			struct ca_err err;
			char tags[32], desc[32], city[32], nation[32], address[32];

			memset(&v, 0, sizeof(v));
			snprintf(tags, sizeof(tags), "tags-%u-%u", round, fields);
			snprintf(desc, sizeof(desc), "desc-%u-%u", round, fields);
			snprintf(city, sizeof(city), "city-%u-%u", round, fields);
			snprintf(nation, sizeof(nation), "nation-%u-%u", round, fields);
			snprintf(address, sizeof(address), "address-%u-%u", round, fields);
			v.tags = tags;
			v.desc = desc;
			v.city = city;
			v.nation = nation;
			v.address = address;
			v.has_geotag = true;
			v.geotag_lat = (double)fields;
			v.geotag_lng = -(double)round;
			ca_err_clear(&err);
			ck_assert_msg(ca_db_photo_update(db, owner, pid, &v, fields, &err) == CA_OK,
				      "fields %u: %s", fields, ca_err_msg(&err));
			ck_assert_int_eq(ca_db_photo_get(db, owner, pid, &got, NULL), CA_OK);
			if (fields & CA_PHOTO_TAGS)
				ck_assert_str_eq(got.tags, tags);
			if (fields & CA_PHOTO_DESC)
				ck_assert_str_eq(got.desc, desc);
			if (fields & CA_PHOTO_CITY)
				ck_assert_str_eq(got.city, city);
			if (fields & CA_PHOTO_NATION)
				ck_assert_str_eq(got.nation, nation);
			if (fields & CA_PHOTO_ADDRESS)
				ck_assert_str_eq(got.address, address);
			if (fields & CA_PHOTO_GEOTAG) {
				ck_assert(got.has_geotag);
				ck_assert(got.geotag_lat == (double)fields);
				ck_assert(got.geotag_lng == -(double)round);
			}
			ca_photo_release(&got);
			/* a wrong owner is still refused by the cached statement */
			ck_assert_int_eq(ca_db_photo_update(db, "77777", pid, &v, fields, NULL),
					 CA_DB_NOTFOUND);
		}
	}
	free(pid);
	free(owner);
	ca_db_close(db);
}
END_TEST

/* Whether the test database's Photo table has the listing index. */
static bool has_list_index(MYSQL *admin)
{
	char sql[256], *v;
	bool yes;

	snprintf(sql, sizeof(sql),
		 "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS "
		 "WHERE TABLE_SCHEMA = '%s' AND TABLE_NAME = 'Photo' AND INDEX_NAME = 'photo_user_upload'",
		 db_name);
	v = admin_value(admin, sql);
	yes = strcmp(v, "user_id,upload_date,id") == 0;
	ck_assert_msg(yes || !*v, "unexpected index columns %s", v);
	free(v);
	return yes;
}

START_TEST(listing_index_is_added_only_when_allowed_to_create)
{
	MYSQL *admin = admin_connect();
	char sql[128];

	/* a seed-made database opened with schema=check: left as it is */
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4", db_name);
	admin_exec(admin, sql);
	ck_assert_int_eq(mysql_select_db(admin, db_name), 0);
	apply_seed_ddl(admin);
	ca_db_close(open_db("?schema=check"));
	ck_assert(!has_list_index(admin));
	/* schema=create: added, once */
	ca_db_close(open_db(NULL));
	ck_assert(has_list_index(admin));
	ca_db_close(open_db(NULL));
	ck_assert(has_list_index(admin));
	/* and the seed's own DDL and statements still work on the table */
	admin_exec(admin, "INSERT INTO `User` (username, email, password) VALUES ('s', 's@e.com', 'x')");
	admin_exec(admin, "INSERT INTO `Photo` (user_id, tags) VALUES (LAST_INSERT_ID(), 'a')");
	admin_exec(admin, "DELETE FROM `Photo`");
	mysql_close(admin);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("db_mysql");
	TCase *offline = tcase_create("offline");
	TCase *server = tcase_create("server");

	tcase_add_test(offline, date_forms);
	tcase_add_test(offline, utf8_counting);
	tcase_add_test(offline, url_parsing);
	tcase_add_test(offline, embedded_ddl_is_the_sql_file);
	tcase_set_timeout(offline, 30);
	suite_add_tcase(s, offline);

	tcase_add_unchecked_fixture(server, setup_run_prefix, teardown_run);
	tcase_add_checked_fixture(server, setup_db_name, teardown_db);
	tcase_set_timeout(server, 60);
	tcase_add_test(server, users_every_operation);
	tcase_add_test(server, user_delete);
	tcase_add_test(server, non_ascii_text_round_trips);
	tcase_add_test(server, session_revocation_state);
	tcase_add_test(server, photo_list_with_session_state);
	tcase_add_test(server, photos_every_operation);
	tcase_add_test(server, create_answers_the_row_as_stored);
	tcase_add_test(server, page_rows_read_as_single_photos_are);
	tcase_add_test(server, listing_pages_with_the_cursor_newest_first);
	tcase_add_test(server, hostile_cursors_are_refused);
	tcase_add_test(server, keyword_search_over_tags_and_description);
	tcase_add_test(server, works_on_a_database_the_seed_made);
	tcase_add_test(server, schema_is_created_or_checked);
	tcase_add_test(server, lost_connection_is_recovered);
	tcase_add_test(server, unreachable_server_is_reported_clearly);
	tcase_add_test(server, pool_serves_many_threads_correctly);
	tcase_add_test(server, pool_of_one_hands_over_without_losing_a_waiter);
	tcase_add_test(server, killed_connections_in_the_pool_are_replaced);
	tcase_add_test(server, busy_pool_times_out_with_a_clear_error);
	tcase_add_test(server, pool_size_comes_from_the_url_or_the_opener);
	tcase_add_test(server, statement_cache_evicts_and_stays_correct);
	tcase_add_test(server, listing_index_is_added_only_when_allowed_to_create);
	suite_add_tcase(s, server);
	return s;
}

CA_TEST_MAIN()
