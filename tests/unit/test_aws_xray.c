/* X-Ray ids and reading BatchGetTraces answers (lib/aws/xray.h). */
#include <string.h>

#include <jansson.h>

#include "check_ca.h"
#include "aws/xray.h"

START_TEST(trace_ids_have_the_documented_form)
{
	char a[XRAY_TRACE_ID_LEN + 1], b[XRAY_TRACE_ID_LEN + 1];
	struct ca_err err;

	ca_err_clear(&err);
	/* 2024-01-01T00:00:00Z is 0x65920080 */
	ck_assert_int_eq(xray_new_trace_id((time_t)1704067200, a, &err), CA_OK);
	ck_assert_int_eq(xray_new_trace_id((time_t)1704067200, b, &err), CA_OK);
	ck_assert_uint_eq(strlen(a), 35);
	ck_assert(strncmp(a, "1-65920080-", 11) == 0);
	ck_assert(xray_trace_id_valid(a));
	ck_assert_str_ne(a, b);         /* 96 random bits */
}
END_TEST

START_TEST(segment_ids_are_16_hex)
{
	char s[XRAY_SEGMENT_ID_LEN + 1], t[XRAY_SEGMENT_ID_LEN + 1];
	size_t i;

	ck_assert_int_eq(xray_new_segment_id(s, NULL), CA_OK);
	ck_assert_int_eq(xray_new_segment_id(t, NULL), CA_OK);
	ck_assert_uint_eq(strlen(s), 16);
	for (i = 0; i < 16; i++)
		ck_assert(strchr("0123456789abcdef", s[i]) != NULL);
	ck_assert_str_ne(s, t);
}
END_TEST

START_TEST(malformed_trace_ids_are_rejected)
{
	static const char *const bad[] = {
		"", "1", "1-5759e988-bd862e3fe1be46a994272793x",
		"2-5759e988-bd862e3fe1be46a994272793",      /* version */
		"1-5759E988-bd862e3fe1be46a994272793",      /* upper case */
		"1-5759e98-bd862e3fe1be46a9942727930",      /* short epoch */
		"1_5759e988-bd862e3fe1be46a994272793",
		"1-5759e988-bd862e3fe1be46a99427279",       /* short random part */
		"1-5759e988-bd862e3fe1be46a99427279g",
		"1-5759e988-bd862e3fe1be46a994272793\n",
	};
	size_t i;

	ck_assert(xray_trace_id_valid("1-5759e988-bd862e3fe1be46a994272793"));
	ck_assert(!xray_trace_id_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!xray_trace_id_valid(bad[i]), "accepted %s", bad[i]);
}
END_TEST

START_TEST(finding_a_segment_in_hostile_answers)
{
	static const char *const answers[] = {
		"[]", "{}", "[1, \"x\", null]", "[{\"Id\": 5}]",
		"[{\"Id\": \"1-00000000-000000000000000000000000\", \"Segments\": 7}]",
		"[{\"Id\": \"1-00000000-000000000000000000000000\", \"Segments\": [{\"Id\": 1}]}]",
		"[{\"Id\": \"1-00000000-000000000000000000000001\","
		"  \"Segments\": [{\"Id\": \"00000000000000aa\"}]}]",          /* other trace */
	};
	const char *tid = "1-00000000-000000000000000000000000";
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		v = json_loads(answers[i], 0, NULL);
		ck_assert_ptr_nonnull(v);
		ck_assert_msg(!xray_traces_have_segment(v, tid, "00000000000000aa"), "%s", answers[i]);
		json_decref(v);
	}
	ck_assert(!xray_traces_have_segment(NULL, tid, "00000000000000aa"));
	v = json_loads("[{\"Id\": \"1-00000000-000000000000000000000000\", \"Segments\":"
		       " [{\"Id\": \"00000000000000bb\"}, {\"Id\": \"00000000000000aa\"}]}]", 0, NULL);
	ck_assert(xray_traces_have_segment(v, tid, "00000000000000aa"));
	ck_assert(!xray_traces_have_segment(v, tid, "00000000000000cc"));
	json_decref(v);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("aws_xray");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, trace_ids_have_the_documented_form);
	tcase_add_test(tc, segment_ids_are_16_hex);
	tcase_add_test(tc, malformed_trace_ids_are_rejected);
	tcase_add_test(tc, finding_a_segment_in_hostile_answers);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
