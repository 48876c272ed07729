/* The album's photo JSON written straight out (app_photo_json_write) against the
 * jansson tree of app_photo_json: the same document for every kind of field. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/app_internal.h"
#include "check_ca.h"

/* Both renderings of p parse to equal JSON values. */
static void assert_same(const struct ca_photo *p)
{
	struct ca_buf out = CA_BUF_INIT;
	json_t *tree = app_photo_json(p), *parsed;
	json_error_t jerr;

	ck_assert_ptr_nonnull(tree);
	ck_assert_int_eq(app_photo_json_write(&out, p), CA_OK);
	parsed = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(parsed != NULL, "not JSON (%s): %s", jerr.text, out.data);
	ck_assert_msg(json_equal(tree, parsed), "differs: %s", out.data);
	json_decref(tree);
	json_decref(parsed);
	ca_buf_release(&out);
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

static Suite *make_suite(void)
{
	Suite *s = suite_create("app_json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_field_set);
	tcase_add_test(tc, absent_fields_and_odd_values);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
