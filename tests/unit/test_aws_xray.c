/*
 * X-Ray ids, reading BatchGetTraces answers, and what counts as "not offered by this
 * endpoint" (lib/aws/xray.h) against a scripted server: only a 404 without an AWS error
 * code or an UnknownOperation refusal; a 5xx (an outage, an emulator's NotImplemented)
 * is retried and reported as the error it is.
 */
#include <string.h>

#include <jansson.h>

#include "check_ca.h"
#include "aws/xray.h"
#include "scripted_server.h"

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

#define JSON_CT "Content-Type: application/json\r\n"

/* GetSamplingRules against answers[0..n); the code, and the requests the server saw. */
static int sampling_rules_against(const struct answer *answers, size_t n, int max_attempts,
				  size_t *requests, struct ca_err *err)
{
	struct script s;
	struct aws_client *c;
	json_t *rules = NULL;
	size_t i;
	int rc;

	ck_assert_uint_le(n, MAX_KEPT);
	script_start(&s, answers, n);
	c = client_to(s.port, max_attempts);
	ca_err_clear(err);
	rc = xray_get_sampling_rules(c, &rules, err);
	aws_client_free(c);
	json_decref(rules);
	*requests = 0;
	for (i = 0; i < n; i++) {
		if (s.head[i][0]) {
			ck_assert_ptr_nonnull(strstr(s.head[i], "POST /GetSamplingRules "));
			(*requests)++;
			continue;
		}
		/* answers the client never asked for: take them, so the server thread ends */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = loopback_addr(s.port);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		ck_assert_int_eq(write(fd, "\r\n\r\n", 4), 4);
		close(fd);
	}
	script_stop(&s);
	return rc;
}

START_TEST(a_404_without_a_code_is_not_offered)
{
	static const struct answer a[] = { { 404, NULL, "Not Found" } };
	struct ca_err err;
	size_t requests;

	ck_assert_int_eq(sampling_rules_against(a, 1, 3, &requests, &err), CA_EUNSUPPORTED);
	ck_assert_uint_eq(requests, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "GetSamplingRules is not offered"));
}
END_TEST

START_TEST(unknown_operation_is_not_offered)
{
	static const struct answer a[] = {
		{ 400, JSON_CT, "{\"__type\":\"UnknownOperationException\",\"message\":\"no\"}" },
	};
	struct ca_err err;
	size_t requests;

	ck_assert_int_eq(sampling_rules_against(a, 1, 3, &requests, &err), CA_EUNSUPPORTED);
	ck_assert_uint_eq(requests, 1);
}
END_TEST

START_TEST(a_server_error_is_retried_and_reported_never_not_offered)
{
	/* moto 5.2.6 and later: 500 for an operation it does not implement; real AWS: an
	 * outage. Either way an error after every attempt, never "not offered". */
	static const struct answer bodies[][3] = {
		{ { 500, NULL, "Internal Server Error" }, { 500, NULL, "Internal Server Error" },
		  { 500, NULL, "Internal Server Error" } },
		{ { 500, JSON_CT, "{\"__type\":\"NotImplementedError\",\"message\":\"x\"}" },
		  { 503, JSON_CT, "{\"__type\":\"ServiceUnavailable\",\"message\":\"x\"}" },
		  { 500, JSON_CT, "{\"__type\":\"NotImplementedError\",\"message\":\"x\"}" } },
		{ { 500, JSON_CT, "{\"__type\":\"UnknownOperationException\",\"message\":\"x\"}" },
		  { 502, NULL, "" },
		  { 500, JSON_CT, "{\"__type\":\"UnknownOperationException\",\"message\":\"x\"}" } },
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct ca_err err;
		size_t requests;
		int rc = sampling_rules_against(bodies[i], 3, 3, &requests, &err);

		ck_assert_msg(rc != CA_OK && rc != CA_EUNSUPPORTED, "case %zu: %d %s", i, rc,
			      err.msg);
		ck_assert_msg(requests == 3, "case %zu: %zu requests", i, requests);
		ck_assert_msg(!strstr(err.msg, "not offered"), "case %zu: %s", i, err.msg);
	}
}
END_TEST

START_TEST(a_server_error_then_success_reads_the_rules)
{
	static const struct answer a[] = {
		{ 500, NULL, "oops" },
		{ 200, JSON_CT, "{\"SamplingRuleRecords\":[{\"SamplingRule\":{\"RuleName\":"
				"\"Default\"}}]}" },
	};
	struct script s;
	struct aws_client *c;
	json_t *rules = NULL;
	struct ca_err err;

	script_start(&s, a, 2);
	c = client_to(s.port, 3);
	ca_err_clear(&err);
	ck_assert_msg(xray_get_sampling_rules(c, &rules, &err) == CA_OK, "%s", err.msg);
	ck_assert_uint_eq(json_array_size(rules), 1);
	json_decref(rules);
	aws_client_free(c);
	script_stop(&s);
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
	tcase_add_test(tc, a_404_without_a_code_is_not_offered);
	tcase_add_test(tc, unknown_operation_is_not_offered);
	tcase_add_test(tc, a_server_error_is_retried_and_reported_never_not_offered);
	tcase_add_test(tc, a_server_error_then_success_reads_the_rules);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
