/*
 * The item codecs (db/items.h): the User, email-guard and Photo items, offline.
 * The expected items are written from docs/CONTRACTS.md ("User item", "Photo
 * item", "Why the items look as they do"), attribute by attribute and type by
 * type, and compared whole, so an extra, missing or retyped attribute fails.
 */
#include <string.h>

#include <jansson.h>

#include "check_ca.h"
#include "db/date.h"
#include "db/db.h"
#include "db/items.h"

#define PASSWORD "pbkdf2:sha256:600000$saltsalt$00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define USER_ID "5f0c6e8a9b7d4c3e8a1b2c3d4e5f6a7b"

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);

	ck_assert_msg(v != NULL, "bad JSON in the test: %s", jerr.text);
	return v;
}

/* Asserts that item is exactly the JSON text want, and releases item. */
static void assert_item(json_t *item, const char *want)
{
	json_t *expected = parse(want);
	char *got;

	ck_assert_ptr_nonnull(item);
	got = json_dumps(item, JSON_SORT_KEYS);
	ck_assert_msg(json_equal(item, expected), "item %s\nexpected %s", got, want);
	free(got);
	json_decref(expected);
	json_decref(item);
}

/* ---------- User item ---------- */

START_TEST(user_item_has_the_contract_shape)
{
	struct ca_user u = { .id = USER_ID, .username = "Ana", .email = "Ana@Example.com",
			     .password = PASSWORD };

	assert_item(ddb_user_item(&u),
		    "{\"id\":{\"S\":\"" USER_ID "\"},\"email\":{\"S\":\"Ana@Example.com\"},"
		    "\"username\":{\"S\":\"Ana\"},\"password\":{\"S\":\"" PASSWORD "\"}}");
	/* a legacy row's NULL columns: every attribute is still there, as "" */
	u.username = NULL;
	u.password = NULL;
	assert_item(ddb_user_item(&u),
		    "{\"id\":{\"S\":\"" USER_ID "\"},\"email\":{\"S\":\"Ana@Example.com\"},"
		    "\"username\":{\"S\":\"\"},\"password\":{\"S\":\"\"}}");
}
END_TEST

START_TEST(user_item_round_trips)
{
	struct ca_user in = { .id = USER_ID, .username = "서울 user", .email = "a@b.example",
			      .password = PASSWORD };
	struct ca_user out;
	struct ca_err err;
	json_t *item = ddb_user_item(&in);

	ca_err_clear(&err);
	ck_assert_int_eq(ddb_user_from_item(item, &out, &err), CA_OK);
	ck_assert_str_eq(out.id, in.id);
	ck_assert_str_eq(out.username, in.username);
	ck_assert_str_eq(out.email, in.email);
	ck_assert_str_eq(out.password, in.password);
	ca_user_release(&out);
	json_decref(item);
}
END_TEST

START_TEST(malformed_user_items_are_refused)
{
	static const char *const bad[] = {
		/* an email guard left in the User table by an older version */
		"{\"id\":{\"S\":\"email#a@b.example\"},\"user_id\":{\"S\":\"" USER_ID "\"}}",
		/* no id */
		"{\"email\":{\"S\":\"a@b.example\"},\"username\":{\"S\":\"a\"}}",
		/* an email of a type no writer uses */
		"{\"id\":{\"S\":\"x\"},\"email\":{\"SS\":[\"a@b.example\"]}}",
		"{}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *item = parse(bad[i]);
		struct ca_user out;
		struct ca_err err;

		ca_err_clear(&err);
		ck_assert_int_eq(ddb_user_from_item(item, &out, &err), CA_DB_NOTFOUND);
		ck_assert_ptr_null(out.id);
		ck_assert_ptr_null(out.email);
		json_decref(item);
	}
}
END_TEST

/* ---------- email guard item ---------- */

START_TEST(guard_item_has_the_contract_shape)
{
	char *id = ddb_guard_id("Ana.Lima@Example.COM");

	/* ASCII letters lowered, nothing else touched */
	ck_assert_str_eq(id, "email#ana.lima@example.com");
	free(id);
	id = ddb_guard_id("ÄÖ+Tag@Ex.org");
	ck_assert_str_eq(id, "email#ÄÖ+tag@ex.org");
	free(id);
	assert_item(ddb_guard_item("Ana@Example.com", USER_ID),
		    "{\"id\":{\"S\":\"email#ana@example.com\"},\"user_id\":{\"S\":\"" USER_ID "\"}}");
}
END_TEST

START_TEST(guard_item_round_trips_and_refuses_others)
{
	static const char *const bad[] = {
		"{\"id\":{\"S\":\"lock#migrate\"},\"token\":{\"S\":\"t\"}}", /* the migrator's lock */
		"{\"id\":{\"S\":\"session#" USER_ID "\"},\"user_id\":{\"S\":\"" USER_ID "\"}}",
		"{\"id\":{\"S\":\"email#a@b.example\"}}", /* names no user */
		"{\"user_id\":{\"S\":\"" USER_ID "\"}}",
	};
	json_t *item = ddb_guard_item("A@B.example", USER_ID);
	struct ca_err err;
	char *owner = NULL;
	size_t i;

	ca_err_clear(&err);
	ck_assert_int_eq(ddb_guard_owner(item, &owner, &err), CA_OK);
	ck_assert_str_eq(owner, USER_ID);
	free(owner);
	json_decref(item);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		item = parse(bad[i]);
		ca_err_clear(&err);
		ck_assert_int_eq(ddb_guard_owner(item, &owner, &err), CA_DB_QUERY);
		ck_assert_ptr_null(owner);
		ck_assert(strlen(ca_err_msg(&err)) > 0);
		json_decref(item);
	}
}
END_TEST

/* ---------- Photo item ---------- */

START_TEST(photo_item_has_the_contract_shape)
{
	struct ca_photo p = {
		.tags = "beach,sunset", .desc = "At the beach", .filename_orig = "IMG_1.JPG",
		.filename = "0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg", .filesize = 123456,
		.has_geotag = true, .geotag_lat = 37.5665, .geotag_lng = -126.978,
		.upload_date = "2018-06-01T10:20:30.123000+0000",
		.taken_date = "2018-05-31 08:00:00", .make = "Canon", .model = "EOS 5D",
		.width = "4000", .height = "3000", .city = "Seoul", .nation = "Korea",
		.address = "Jung-gu",
	};

	assert_item(ddb_photo_item(USER_ID, 1527848430123, &p),
		    "{\"user_id\":{\"S\":\"" USER_ID "\"},\"id\":{\"N\":\"1527848430123\"},"
		    "\"tags\":{\"S\":\"beach,sunset\"},\"desc\":{\"S\":\"At the beach\"},"
		    "\"filename_orig\":{\"S\":\"IMG_1.JPG\"},"
		    "\"filename\":{\"S\":\"0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg\"},"
		    "\"filesize\":{\"N\":\"123456\"},"
		    "\"geotag_lat\":{\"S\":\"37.5665\"},\"geotag_lng\":{\"S\":\"-126.978\"},"
		    "\"upload_date\":{\"S\":\"2018-06-01T10:20:30.123000+0000\"},"
		    "\"taken_date\":{\"S\":\"2018-05-31T08:00:00.000000+0000\"},"
		    "\"make\":{\"S\":\"Canon\"},\"model\":{\"S\":\"EOS 5D\"},"
		    "\"width\":{\"S\":\"4000\"},\"height\":{\"S\":\"3000\"},"
		    "\"city\":{\"S\":\"Seoul\"},\"nation\":{\"S\":\"Korea\"},"
		    "\"address\":{\"S\":\"Jung-gu\"}}");
}
END_TEST

START_TEST(photo_item_without_optional_values)
{
	/* no location, no EXIF, no usable upload date, unknown size: still all 18
	 * attributes; geotags "999"; the upload date the id's epoch milliseconds stand
	 * for; taken_date the upload date */
	struct ca_photo p = { .filename = "a.jpg", .filesize = -1, .upload_date = "not a date" };

	assert_item(ddb_photo_item("u1", 1527848430123, &p),
		    "{\"user_id\":{\"S\":\"u1\"},\"id\":{\"N\":\"1527848430123\"},"
		    "\"tags\":{\"S\":\"\"},\"desc\":{\"S\":\"\"},\"filename_orig\":{\"S\":\"\"},"
		    "\"filename\":{\"S\":\"a.jpg\"},\"filesize\":{\"N\":\"-1\"},"
		    "\"geotag_lat\":{\"S\":\"999\"},\"geotag_lng\":{\"S\":\"999\"},"
		    "\"upload_date\":{\"S\":\"2018-06-01T10:20:30.123000+0000\"},"
		    "\"taken_date\":{\"S\":\"2018-06-01T10:20:30.123000+0000\"},"
		    "\"make\":{\"S\":\"\"},\"model\":{\"S\":\"\"},\"width\":{\"S\":\"\"},"
		    "\"height\":{\"S\":\"\"},\"city\":{\"S\":\"\"},\"nation\":{\"S\":\"\"},"
		    "\"address\":{\"S\":\"\"}}");
}
END_TEST

START_TEST(photo_item_round_trips)
{
	struct ca_photo p = {
		.tags = "t", .desc = "d", .filename_orig = "o.jpeg", .filename = "f.jpeg",
		.filesize = 7, .has_geotag = true, .geotag_lat = -33.8688, .geotag_lng = 151.2093,
		.upload_date = "2024-01-31T12:34:56.000001+0000",
		.taken_date = "2023-12-24T18:00:00.000000+0000", .make = "M", .model = "X",
		.width = "1", .height = "2", .city = "Sydney", .nation = "AU", .address = "a",
	};
	struct ca_photo back;
	struct ca_err err;
	json_t *item = ddb_photo_item("owner", 1706704496000, &p), *again;

	ca_err_clear(&err);
	ck_assert_int_eq(ddb_photo_from_item(item, &back, &err), CA_OK);
	ck_assert_str_eq(back.id, "1706704496000");
	ck_assert_str_eq(back.user_id, "owner");
	ck_assert_str_eq(back.tags, "t");
	ck_assert_str_eq(back.filename, "f.jpeg");
	ck_assert(back.filesize == 7);
	ck_assert(back.has_geotag && back.geotag_lat == -33.8688 && back.geotag_lng == 151.2093);
	ck_assert_str_eq(back.upload_date, p.upload_date);
	ck_assert_str_eq(back.taken_date, p.taken_date);
	ck_assert_str_eq(back.city, "Sydney");
	/* and written again, the same item */
	again = ddb_photo_item("owner", 1706704496000, &back);
	ck_assert(json_equal(item, again));
	json_decref(again);
	ca_photo_release(&back);
	json_decref(item);

	/* "999" and "" read back as nothing */
	memset(&p, 0, sizeof(p));
	p.filesize = -1;
	item = ddb_photo_item("owner", 1, &p);
	ck_assert_int_eq(ddb_photo_from_item(item, &back, &err), CA_OK);
	ck_assert(!back.has_geotag);
	ck_assert_ptr_null(back.make);
	ck_assert_ptr_null(back.model);
	ck_assert_ptr_null(back.city);
	ca_photo_release(&back);
	json_decref(item);
}
END_TEST

START_TEST(malformed_photo_items_are_refused)
{
	static const char *const bad[] = {
		"{\"id\":{\"N\":\"1\"},\"filename\":{\"S\":\"a.jpg\"}}",        /* no owner */
		"{\"user_id\":{\"S\":\"u\"},\"filename\":{\"S\":\"a.jpg\"}}",   /* no id */
		"{\"user_id\":{\"S\":\"u\"},\"id\":{\"S\":\"12abc\"}}",          /* id not a number */
		"{\"user_id\":{\"S\":\"u\"},\"id\":{\"N\":\"-5\"}}",
		"{\"user_id\":{\"S\":\"u\"},\"id\":{\"N\":\"99999999999999999999\"}}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *item = parse(bad[i]);
		struct ca_photo out;
		struct ca_err err;

		ca_err_clear(&err);
		ck_assert_int_eq(ddb_photo_from_item(item, &out, &err), CA_DB_QUERY);
		ck_assert_ptr_null(out.user_id);
		ck_assert_ptr_null(out.id);
		json_decref(item);
	}
}
END_TEST

START_TEST(dates_from_epoch_times)
{
	struct ca_db_date d;
	char text[CA_DB_DATE_LEN + 1];

	ck_assert(ca_db_date_from_time(1527848430, 123000, &d));
	ca_db_date_format(&d, text);
	ck_assert_str_eq(text, "2018-06-01T10:20:30.123000+0000");
	ck_assert(ca_db_date_from_time(0, 0, &d));
	ca_db_date_format(&d, text);
	ck_assert_str_eq(text, "1970-01-01T00:00:00.000000+0000");
	/* before the epoch, after 9999: no date */
	ck_assert(!ca_db_date_from_time(-1, 0, &d));
	ck_assert(!ca_db_date_from_time((time_t)253402300800, 0, &d));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("db_items");
	TCase *t = tcase_create("codecs");

	tcase_add_test(t, user_item_has_the_contract_shape);
	tcase_add_test(t, user_item_round_trips);
	tcase_add_test(t, malformed_user_items_are_refused);
	tcase_add_test(t, guard_item_has_the_contract_shape);
	tcase_add_test(t, guard_item_round_trips_and_refuses_others);
	tcase_add_test(t, photo_item_has_the_contract_shape);
	tcase_add_test(t, photo_item_without_optional_values);
	tcase_add_test(t, photo_item_round_trips);
	tcase_add_test(t, malformed_photo_items_are_refused);
	tcase_add_test(t, dates_from_epoch_times);
	suite_add_tcase(s, t);
	return s;
}

CA_TEST_MAIN()
