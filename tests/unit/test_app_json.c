/* The album's photo JSON written straight out (app_photo_json_write) against the
 * jansson tree of app_photo_json: the same document for every kind of field, and
 * the same bytes as json_dumps(JSON_COMPACT) gives for that tree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/app_internal.h"
#include "check_ca.h"

/*
 * Both renderings of p parse to equal JSON values, and the written text is
 * jansson's compact text of the tree, byte for byte; written after what out
 * already holds, which stays as it was.
 */
static void assert_same_after(struct ca_buf *out, const struct ca_photo *p)
{
	json_t *tree = app_photo_json(p), *parsed;
	json_error_t jerr;
	size_t before = out->len;
	char *dumped, *prefix = strdup(out->data);

	ck_assert_ptr_nonnull(tree);
	ck_assert_ptr_nonnull(prefix);
	ck_assert_int_eq(app_photo_json_write(out, p), CA_OK);
	ck_assert_mem_eq(out->data, prefix, before);
	ck_assert_uint_eq(strlen(out->data), out->len);
	parsed = json_loadb(out->data + before, out->len - before, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(parsed != NULL, "not JSON (%s): %s", jerr.text, out->data + before);
	ck_assert_msg(json_equal(tree, parsed), "differs: %s", out->data + before);
	dumped = json_dumps(tree, JSON_COMPACT);
	ck_assert_ptr_nonnull(dumped);
	ck_assert_str_eq(out->data + before, dumped);
	free(dumped);
	free(prefix);
	json_decref(tree);
	json_decref(parsed);
}

static void assert_same(const struct ca_photo *p)
{
	struct ca_buf out = CA_BUF_INIT;

	assert_same_after(&out, p);
	ca_buf_release(&out);
}

/* The value of member key in the JSON text of p written alone (the caller decrefs). */
static json_t *written_member(const struct ca_photo *p, const char *key)
{
	struct ca_buf out = CA_BUF_INIT;
	json_t *doc, *value;

	ck_assert_int_eq(app_photo_json_write(&out, p), CA_OK);
	doc = json_loadb(out.data, out.len, 0, NULL);
	ck_assert_msg(doc != NULL, "not JSON: %s", out.data);
	value = json_incref(json_object_get(doc, key));
	json_decref(doc);
	ca_buf_release(&out);
	return value;
}

START_TEST(every_field_set)
{
	struct ca_photo p = { 0 };

	p.id = (char *)"42";
	p.tags = (char *)"sea,sun";
	p.desc = (char *)"A \"quoted\" line\nand a tab\t, a backslash \\ and \x01";
	p.filename_orig = (char *)"Ünïcödé 写真.jpg";
	p.filesize = 123456;
	p.has_geotag = true;
	p.geotag_lat = 37.566535;
	p.geotag_lng = -126.9779692;
	p.upload_date = (char *)"2026-12-07 21:00:00";
	p.taken_date = (char *)"2019-01-02 03:04:05";
	p.make = (char *)"Canon";
	p.model = (char *)"EOS 5D";
	p.width = (char *)"4000";
	p.height = (char *)"3000";
	p.city = (char *)"Seoul";
	p.nation = (char *)"KR";
	p.address = (char *)"Jung-gu, Seoul";
	assert_same(&p);
}
END_TEST

START_TEST(absent_fields_and_odd_values)
{
	struct ca_photo p = { 0 };

	p.id = (char *)"a1b2-c3/ ?";         /* not an integer: a string, escaped in the URLs */
	p.filesize = -1;
	p.has_geotag = true;
	p.geotag_lat = 0;                   /* whole numbers stay reals */
	p.geotag_lng = 1e-7;
	p.tags = (char *)"bad \xff\xfe utf-8 \x02";  /* cleaned as app_json_text() cleans it */
	assert_same(&p);
	p.id = (char *)"9007199254740993";  /* over 2^53: a string */
	p.has_geotag = false;
	p.tags = NULL;
	assert_same(&p);
}
END_TEST

START_TEST(escapes_every_control_and_quote)
{
	struct ca_photo p = { 0 };
	char text[64];
	json_t *desc;
	int c, n = 0;

	for (c = 1; c < 0x20; c++)
		text[n++] = (char)c;
	text[n++] = '"';
	text[n++] = '\\';
	text[n++] = '/';
	text[n++] = 0x7f;
	text[n] = '\0';
	p.id = (char *)"7";
	p.desc = text;
	p.filesize = -1;
	assert_same(&p);
	/* the value read back is the text itself: nothing lost or replaced */
	desc = written_member(&p, "desc");
	ck_assert_str_eq(json_string_value(desc), text);
	json_decref(desc);
	p.desc = (char *)"";
	p.tags = (char *)"\"";
	assert_same(&p);
}
END_TEST

START_TEST(keeps_utf8_beyond_the_bmp)
{
	struct ca_photo p = { 0 };
	json_t *city;

	p.id = (char *)"8";
	p.city = (char *)"\xf0\x9f\x98\x80 smile \xf4\x8f\xbf\xbf last \xef\xbf\xbf \xc2\x80";
	p.filesize = 0;
	assert_same(&p);
	city = written_member(&p, "city");
	ck_assert_str_eq(json_string_value(city), p.city);
	json_decref(city);
}
END_TEST

START_TEST(cleans_invalid_utf8_of_legacy_rows)
{
	/* each one byte sequence or more that json_string() refuses */
	static const char *const bad[] = {
		"\x80 lone continuation", "overlong \xc0\xaf slash", "overlong \xe0\x80\x80",
		"surrogate \xed\xa0\x80", "beyond \xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"cut at the end \xe2\x82", "\xff\xfe", "latin-1 caf\xe9 and a\ttab\x01",
		"\xf0\x9f\x98", "ok \xf0\x9f\x98\x80 then bad \xc3",
	};
	struct ca_photo p = { 0 };
	json_t *address;
	size_t i;

	p.id = (char *)"9";
	p.filesize = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.address = (char *)bad[i];
		p.make = (char *)bad[i];
		assert_same(&p);
		address = written_member(&p, "address");
		ck_assert_ptr_nonnull(strstr(json_string_value(address), "\xef\xbf\xbd"));
		json_decref(address);
	}
}
END_TEST

START_TEST(long_text_and_many_photos_in_one_buffer)
{
	struct ca_photo p = { 0 };
	struct ca_buf out = CA_BUF_INIT;
	char *big = malloc(5001);
	int i;

	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 5000; i++)
		big[i] = (char)(i % 3 == 0 ? '\x1f' : i % 3 == 1 ? '"' : 'x'); /* 6, 2, 1 bytes */
	big[5000] = '\0';
	p.id = (char *)"10";
	p.filesize = 5;
	p.desc = big;
	ca_buf_adds(&out, "{\"photos\":[");
	for (i = 0; i < 60; i++) {
		if (i)
			ca_buf_addch(&out, ',');
		p.tags = i % 2 ? big : NULL;
		assert_same_after(&out, &p);
	}
	free(big);
	ca_buf_release(&out);
}
END_TEST

START_TEST(reals_as_jansson_writes_them)
{
	static const double values[] = { 37.5665, -126.978, 0.0, -0.0, 1e-7, 1.5e-300, 1e21,
					 -2.5e+100, 123456789012345678.0, 90, -180, 0.1 };
	struct ca_photo p = { 0 };
	size_t i;

	p.id = (char *)"11";
	p.filesize = -1;
	p.has_geotag = true;
	for (i = 0; i + 1 < sizeof(values) / sizeof(values[0]); i++) {
		p.geotag_lat = values[i];
		p.geotag_lng = values[i + 1];
		assert_same(&p);
	}
}
END_TEST

START_TEST(ids_that_are_not_numbers)
{
	static const char *const ids[] = { "0", "-5", "007", "12a", "a/b?c#d%e f", "\xff", "",
					   "2147483647", "9007199254740992" };
	struct ca_photo p = { 0 };
	size_t i;

	p.filesize = -1;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		p.id = (char *)ids[i];
		assert_same(&p);
	}
	p.id = NULL;
	assert_same(&p);
}
END_TEST

/* Random bytes (a fixed sequence: the same on every run) in every text field. */
START_TEST(random_bytes_in_every_field)
{
	struct ca_photo p = { 0 };
	char fields[13][48];
	char **slots[13] = { &p.tags, &p.desc, &p.filename_orig, &p.upload_date, &p.taken_date,
			     &p.make, &p.model, &p.width, &p.height, &p.city, &p.nation,
			     &p.address, &p.user_id };
	uint32_t state = 12345;
	int round, f, i;

	p.id = (char *)"12";
	for (round = 0; round < 400; round++) {
		for (f = 0; f < 13; f++) {
			int len;

			state = state * 1103515245u + 12345u;
			len = (int)((state >> 16) % 47);
			for (i = 0; i < len; i++) {
				state = state * 1103515245u + 12345u;
				/* mostly ASCII, some high bytes, no NUL */
				fields[f][i] = (char)((state >> 16) % 4 == 0 ? 0x80 + (state >> 20) % 128
									     : 1 + (state >> 20) % 127);
			}
			fields[f][len] = '\0';
			*slots[f] = (state >> 8) % 10 == 0 ? NULL : fields[f];
		}
		p.filesize = round % 5 == 0 ? -1 : round * 1000;
		p.has_geotag = round % 3 == 0;
		p.geotag_lat = round * 0.37;
		p.geotag_lng = -round * 1.1;
		assert_same(&p);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("app_json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_field_set);
	tcase_add_test(tc, absent_fields_and_odd_values);
	tcase_add_test(tc, escapes_every_control_and_quote);
	tcase_add_test(tc, keeps_utf8_beyond_the_bmp);
	tcase_add_test(tc, cleans_invalid_utf8_of_legacy_rows);
	tcase_add_test(tc, long_text_and_many_photos_in_one_buffer);
	tcase_add_test(tc, reals_as_jansson_writes_them);
	tcase_add_test(tc, ids_that_are_not_numbers);
	tcase_add_test(tc, random_bytes_in_every_field);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
