/*
 * db/mysql_reader.h against the test MariaDB (CA_TEST_MYSQL, default
 * mysql://root@127.0.0.1:3306): a database of its own with the legacy tables
 * (ca_db_mysql_legacy_ddl) and rows written with the connector directly; the
 * reader's rows, ranges, shard filter, existence query and stop codes checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>
#include <zlib.h>

#include "check_ca.h"
#include "db/mysql.h"
#include "db/mysql_reader.h"
#include "util/buf.h"
#include "util/crypto.h"

static char db_name[48];
static char server[256];

static void set_server(void)
{
	const char *u = getenv("CA_TEST_MYSQL");
	size_t n;

	snprintf(server, sizeof(server), "%s", u && *u ? u : "mysql://root@127.0.0.1:3306");
	n = strlen(server);
	while (n && server[n - 1] == '/')
		server[--n] = '\0';
}

static char *url_for(const char *name)
{
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_addf(&b, "%s/%s", server, name);
	return ca_buf_detach(&b, NULL);
}

/* The test server as the root user of the default URL (host 127.0.0.1:3306). */
static MYSQL *admin(void)
{
	MYSQL *conn = mysql_init(NULL);

	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	ck_assert_msg(mysql_real_connect(conn, "127.0.0.1", "root", "", NULL, 3306, NULL, 0) != NULL,
		      "cannot reach the test MySQL server: %s", mysql_error(conn));
	return conn;
}

static void exec(MYSQL *conn, const char *sql, size_t len)
{
	ck_assert_msg(mysql_real_query(conn, sql, len) == 0, "%s: %s", sql, mysql_error(conn));
}

#define EXEC(conn, sql) exec(conn, sql, strlen(sql))

static void setup(void)
{
	static const char password_with_nul[] =
		"INSERT INTO `User` VALUES (3, 'c', 'c@x.io', 'ab\0cd')";
	const char *const *ddl;
	uint8_t rnd[6];
	char hex[13], sql[128];
	MYSQL *conn;

	set_server();
	ck_assert_int_eq(ca_random_bytes(rnd, sizeof(rnd)), CA_OK);
	ca_hex_encode(rnd, sizeof(rnd), hex);
	snprintf(db_name, sizeof(db_name), "ca_unit_reader_%ld_%s", (long)getpid(), hex);
	conn = admin();
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4", db_name);
	EXEC(conn, sql);
	ck_assert_int_eq(mysql_select_db(conn, db_name), 0);
	for (ddl = ca_db_mysql_legacy_ddl(); *ddl; ddl++)
		EXEC(conn, *ddl);
	EXEC(conn, "INSERT INTO `User` VALUES (1, 'a', 'a@x.io', 'pa'), (2, 'b', NULL, 'pb')");
	exec(conn, password_with_nul, sizeof(password_with_nul) - 1);
	EXEC(conn, "INSERT INTO `Photo` (id, user_id, filename, geotag_lat, upload_date) VALUES "
		   "(1, 1, 'one.jpg', 37.5, '2018-06-01 10:20:30'), (2, 1, 'it''s.jpg', NULL, NULL), "
		   "(3, 1, 'three.jpg', NULL, NULL), (4, 2, 'four.jpg', NULL, NULL), "
		   "(5, 3, 'five.jpg', NULL, NULL), (6, 3, 'six.jpg', NULL, NULL), "
		   "(7, NULL, 'orphan.jpg', NULL, NULL)");
	mysql_close(conn);
}

static void teardown(void)
{
	MYSQL *conn = admin();
	char sql[128];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", db_name);
	EXEC(conn, sql);
	mysql_close(conn);
}

static struct ca_mysql_reader *open_reader(void)
{
	struct ca_mysql_reader *r = NULL;
	struct ca_err err;
	char *url = url_for(db_name);

	ca_err_clear(&err);
	ck_assert_msg(ca_mysql_reader_open(url, &r, &err) == CA_OK, "%s", ca_err_msg(&err));
	free(url);
	return r;
}

/* What a read saw: the first column of each row, "," separated, and a stop after `stop_after` rows. */
struct seen {
	struct ca_buf ids;
	size_t rows, stop_after;
	unsigned long password_len[8];
};

static int collect(const struct ca_legacy_row *row, void *ctx, struct ca_err *err)
{
	struct seen *s = ctx;

	ca_buf_addf(&s->ids, "%s%s", s->rows ? "," : "", row->col[0] ? row->col[0] : "NULL");
	s->rows++;
	if (s->stop_after && s->rows == s->stop_after)
		return ca_err_set(err, CA_ENOMEM, "stopped by the test");
	return CA_OK;
}

static int collect_users(const struct ca_legacy_row *row, void *ctx, struct ca_err *err)
{
	struct seen *s = ctx;

	if (s->rows < 8)
		s->password_len[s->rows] = row->len[CA_LEGACY_USER_PASSWORD];
	if (s->rows == 1) { /* user 2: email NULL */
		ck_assert_ptr_null(row->col[CA_LEGACY_USER_EMAIL]);
		ck_assert_str_eq(row->col[CA_LEGACY_USER_USERNAME], "b");
	}
	return collect(row, ctx, err);
}

static char *photos(struct ca_mysql_reader *r, const struct ca_legacy_photo_range *range)
{
	struct seen s = { CA_BUF_INIT, 0, 0, { 0 } };
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(ca_mysql_reader_photos(r, range, collect, &s, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	return ca_buf_detach(&s.ids, NULL);
}

#define ASSERT_PHOTOS(r, range, want)                   \
	do {                                            \
		char *got_ = photos(r, range);          \
		ck_assert_str_eq(got_ ? got_ : "", want); \
		free(got_);                             \
	} while (0)

START_TEST(users_stream_in_id_order_with_their_lengths)
{
	struct ca_mysql_reader *r = open_reader();
	struct seen s = { CA_BUF_INIT, 0, 0, { 0 } };
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_mysql_reader_users(r, collect_users, &s, &err), CA_OK);
	ck_assert_str_eq(s.ids.data, "1,2,3");
	ck_assert_uint_eq(s.password_len[0], 2);
	ck_assert_uint_eq(s.password_len[2], 5); /* "ab\0cd": the NUL byte counted */
	ca_buf_release(&s.ids);
	ca_mysql_reader_close(r);
}
END_TEST

START_TEST(photo_ranges_page_by_user)
{
	struct ca_mysql_reader *r = open_reader();
	struct ca_legacy_photo_range range = { .which = CA_LEGACY_PHOTOS_WITHOUT_USER };

	ASSERT_PHOTOS(r, &range, "7");
	range.which = CA_LEGACY_PHOTOS_AFTER_USER;
	range.limit = 2;
	ASSERT_PHOTOS(r, &range, "1,2");
	range.which = CA_LEGACY_PHOTOS_REST_OF_USER;
	range.user = 1;
	range.after_id = 2;
	ASSERT_PHOTOS(r, &range, "3");
	range.which = CA_LEGACY_PHOTOS_AFTER_USER;
	range.after = true;
	range.limit = 0;
	ASSERT_PHOTOS(r, &range, "4,5,6");
	range.user = 3;
	ASSERT_PHOTOS(r, &range, "");
	ca_mysql_reader_close(r);
}
END_TEST

/* MySQL's CRC32(user_id) % n: the CRC-32 of the id's decimal text. */
static unsigned long shard_of(long user, int n)
{
	char text[24];
	int len = snprintf(text, sizeof(text), "%ld", user);

	return crc32(0L, (const Bytef *)text, (uInt)len) % (unsigned long)n;
}

START_TEST(shards_split_the_users_rows)
{
	static const struct {
		long user;
		const char *rows;
	} users[] = { { 1, "1,2,3" }, { 2, "4" }, { 3, "5,6" } };
	struct ca_mysql_reader *r = open_reader();
	struct ca_legacy_photo_range range = { .which = CA_LEGACY_PHOTOS_AFTER_USER, .shard_n = 2 };
	int k;
	size_t i;

	for (k = 0; k < 2; k++) {
		struct ca_buf want = CA_BUF_INIT;

		for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
			if (shard_of(users[i].user, 2) == (unsigned long)k)
				ca_buf_addf(&want, "%s%s", want.len ? "," : "", users[i].rows);
		range.shard_k = k;
		ASSERT_PHOTOS(r, &range, want.data);
		ca_buf_release(&want);
	}
	ca_mysql_reader_close(r);
}
END_TEST

START_TEST(photo_exists_escapes_the_name)
{
	struct ca_mysql_reader *r = open_reader();
	struct ca_err err;
	bool yes = true;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_mysql_reader_photo_exists(r, 1, "it's.jpg", &yes, &err), CA_OK);
	ck_assert(yes);
	ck_assert_int_eq(ca_mysql_reader_photo_exists(r, 2, "it's.jpg", &yes, &err), CA_OK);
	ck_assert(!yes);
	ck_assert_int_eq(ca_mysql_reader_photo_exists(r, 1, "x' OR '1'='1", &yes, &err), CA_OK);
	ck_assert(!yes);
	ck_assert_int_eq(ca_mysql_reader_photo_exists(r, 1, NULL, &yes, &err), CA_OK);
	ck_assert(!yes);
	ca_mysql_reader_close(r);
}
END_TEST

START_TEST(a_stopped_read_returns_the_callbacks_code_and_the_reader_goes_on)
{
	struct ca_mysql_reader *r = open_reader();
	struct ca_legacy_photo_range range = { .which = CA_LEGACY_PHOTOS_AFTER_USER };
	struct seen s = { CA_BUF_INIT, 0, 2, { 0 } };
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_mysql_reader_photos(r, &range, collect, &s, &err), CA_ENOMEM);
	ck_assert_str_eq(ca_err_msg(&err), "stopped by the test");
	ck_assert_str_eq(s.ids.data, "1,2");
	ca_buf_release(&s.ids);
	/* the rest of that result was read off the connection */
	range.limit = 1;
	ASSERT_PHOTOS(r, &range, "1");
	ca_mysql_reader_close(r);
}
END_TEST

START_TEST(bad_urls_and_databases_are_refused)
{
	struct ca_mysql_reader *r = (struct ca_mysql_reader *)1;
	struct ca_err err;
	char *url = url_for("ca_unit_reader_no_such_database");

	ca_err_clear(&err);
	ck_assert_int_eq(ca_mysql_reader_open("postgres://h/db", &r, &err), CA_EINVAL);
	ck_assert_ptr_null(r);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_mysql_reader_open(url, &r, &err), CA_DB_CONNECT);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "ca_unit_reader_no_such_database"));
	free(url);
	ca_mysql_reader_close(NULL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("db_mysql_reader");
	TCase *t = tcase_create("reader");

	tcase_add_unchecked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, users_stream_in_id_order_with_their_lengths);
	tcase_add_test(t, photo_ranges_page_by_user);
	tcase_add_test(t, shards_split_the_users_rows);
	tcase_add_test(t, photo_exists_escapes_the_name);
	tcase_add_test(t, a_stopped_read_returns_the_callbacks_code_and_the_reader_goes_on);
	tcase_add_test(t, bad_urls_and_databases_are_refused);
	suite_add_tcase(s, t);
	return s;
}

CA_TEST_MAIN()
