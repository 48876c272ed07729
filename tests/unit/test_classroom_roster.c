/* The class roster (classroom/roster.h) with well-formed, malformed and hostile input,
 * and ca_yaml_set_scalar (the stages' --set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "../../classroom/roster.h"
#include "config/yaml.h"
#include "util/buf.h"
#include "util/error.h"

#define HEAD "class: dec-workshop\nregion: ap-southeast-1\n"

static int parse(const char *text, struct roster *r, struct ca_err *err)
{
	ca_err_clear(err);
	return roster_parse("roster.yaml", text, strlen(text), r, err);
}

START_TEST(reads_both_modes)
{
	struct roster r;
	struct ca_err err;
	int rc = parse(HEAD "target: local\nattendees:\n"
		       "  - name: alice\n    prefix: alice\n    initial: al\n"
		       "    url: https://alice.example/\n"
		       "  - name: bob\n    role_arn: arn:aws:iam::111111111111:role/path/Instr\n"
		       "    external_id: ext-1\n", &r, &err);

	ck_assert_msg(rc == CA_OK, "%s", err.msg);
	ck_assert_str_eq(r.cls, "dec-workshop");
	ck_assert_str_eq(r.target, "local");
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.a[0].mode, ATTENDEE_PREFIX);
	ck_assert_str_eq(r.a[0].initial, "al");
	ck_assert_str_eq(r.a[0].url, "https://alice.example");
	ck_assert_ptr_null(r.a[0].problem);
	ck_assert_int_eq(r.a[1].mode, ATTENDEE_ACCOUNT);
	ck_assert_str_eq(r.a[1].account, "111111111111");
	ck_assert_str_eq(r.a[1].initial, "bob");         /* the name when no initial */
	ck_assert_str_eq(r.a[1].external_id, "ext-1");
	roster_release(&r);
	roster_release(&r);                                 /* twice is harmless */
}
END_TEST

START_TEST(a_malformed_role_arn_refuses_only_its_attendee)
{
	static const char *const bad[] = {
		"arn:aws:iam::12345:role/x", "arn:aws:iam::111111111111:user/x",
		"arn:aws:sts::111111111111:role/x", "arn:aws:iam::111111111111:role/",
		"arn:aws:iam::11111111111a:role/x", "arn:aws:iam::111111111111:role/a b",
		"arn:aws:iam::111111111111:role//x", "role/x", "",
		"arn:aws:iam::111111111111:role/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct roster r;
		struct ca_err err;
		struct ca_buf t = CA_BUF_INIT;
		int rc;

		ck_assert_msg(!roster_role_arn_ok(bad[i], NULL), "%s", bad[i]);
		ca_buf_addf(&t, HEAD "attendees:\n  - name: a\n    prefix: a\n"
			    "  - name: m\n    role_arn: \"%s\"\n", bad[i]);
		rc = parse(t.data, &r, &err);
		ca_buf_release(&t);
		if (!*bad[i]) {         /* empty counts as not given: neither mode */
			ck_assert_int_eq(rc, CA_CONFIG_VALUE);
			continue;
		}
		ck_assert_msg(rc == CA_OK, "%s: %s", bad[i], err.msg);
		ck_assert_ptr_null(r.a[0].problem);
		ck_assert_ptr_nonnull(r.a[1].problem);
		ck_assert_ptr_nonnull(strstr(r.a[1].problem, "roster.yaml:6"));
		ck_assert_ptr_nonnull(strstr(r.a[1].problem, "no STS call"));
		roster_release(&r);
	}
	ck_assert(roster_role_arn_ok("arn:aws-cn:iam::123456789012:role/a+=,.@_-", NULL));
}
END_TEST

START_TEST(malformed_rosters_are_refused_with_file_and_line)
{
	static const struct { const char *text; int code; const char *says; } cases[] = {
		{ "", CA_CONFIG_SYNTAX, "" },
		{ "- a\n- b\n", CA_CONFIG_TYPE, "mapping" },
		{ "class: c\n", CA_CONFIG_MISSING_KEY, "region" },
		{ HEAD, CA_CONFIG_MISSING_KEY, "attendees" },
		{ HEAD "attendees: x\n", CA_CONFIG_TYPE, "list" },
		{ HEAD "attendees:\n  - x\n", CA_CONFIG_TYPE, ":4:" },
		{ HEAD "attendees:\n  - name: a\n    prefix: a\n    extra: 1\n", CA_CONFIG_UNKNOWN_KEY,
		  "extra" },
		{ HEAD "attendees:\n  - name: a\n", CA_CONFIG_VALUE, "exactly one" },
		{ HEAD "attendees:\n  - name: a\n    prefix: a\n    external_id: xx\n",
		  CA_CONFIG_VALUE, "external_id" },
		{ HEAD "attendees:\n  - name: a\n    prefix: a\n  - name: a\n    prefix: b\n",
		  CA_CONFIG_VALUE, "twice" },
		{ HEAD "attendees:\n  - name: a\n    prefix: dawson\n", CA_CONFIG_VALUE, "aws" },
		{ HEAD "attendees:\n  - name: a\n    prefix: A-1\n", CA_CONFIG_VALUE, "prefix" },
		{ HEAD "attendees:\n  - name: a\n    prefix: a-\n", CA_CONFIG_VALUE, "prefix" },
		{ HEAD "attendees:\n  - name: a\n    prefix: abcdefghijklmnopqrstuvwxyz\n",
		  CA_CONFIG_VALUE, "prefix" },
		{ HEAD "attendees:\n  - name: \"a/../b\"\n    prefix: a\n", CA_CONFIG_VALUE, "name" },
		{ HEAD "attendees:\n  - name: a\n    prefix: a\n    initial: \"x*\"\n",
		  CA_CONFIG_VALUE, "initial" },
		{ HEAD "attendees:\n  - name: a\n    prefix: a\n    url: ftp://x\n", CA_CONFIG_TYPE,
		  "url" },
		{ "class: c\nregion: \"ap;rm -rf\"\nattendees:\n  - name: a\n    prefix: a\n",
		  CA_CONFIG_VALUE, "region" },
		{ "class: Amazon\nregion: ap-southeast-1\nattendees:\n  - name: a\n    prefix: a\n",
		  CA_CONFIG_VALUE, "class" },
		{ HEAD "target: mars\nattendees:\n  - name: a\n    prefix: a\n", CA_CONFIG_TYPE,
		  "target" },
		{ HEAD "attendees:\n  - &a {name: a, prefix: a}\n  - *a\n", CA_CONFIG_SYNTAX, "" },
		{ HEAD "class: again\nattendees:\n  - name: a\n    prefix: a\n", CA_CONFIG_SYNTAX,
		  "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct roster r;
		struct ca_err err;
		int rc = parse(cases[i].text, &r, &err);

		ck_assert_msg(rc == cases[i].code, "case %zu: got %d (%s)", i, rc, err.msg);
		ck_assert_msg(strstr(err.msg, "roster.yaml"), "case %zu: %s", i, err.msg);
		ck_assert_msg(strstr(err.msg, cases[i].says), "case %zu: %s", i, err.msg);
		ck_assert_ptr_null(r.a);
		ck_assert_uint_eq(r.n, 0);
	}
}
END_TEST

START_TEST(too_many_attendees_are_refused)
{
	struct ca_buf t = CA_BUF_INIT;
	struct roster r;
	struct ca_err err;
	int i, rc;

	ca_buf_adds(&t, HEAD "attendees:\n");
	for (i = 0; i <= ROSTER_MAX_ATTENDEES; i++)
		ca_buf_addf(&t, "  - {name: a%d, prefix: a%d}\n", i, i);
	rc = parse(t.data, &r, &err);
	ca_buf_release(&t);
	ck_assert_int_eq(rc, CA_ERANGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "at most 500"));
}
END_TEST

START_TEST(set_scalar_replaces_and_adds)
{
	static const char text[] = "a:\n  b: 1\n  c:\nd: [x]\n";
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	struct ca_err err;
	const struct ca_yaml_node *n;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_parse(&doc, "t.yaml", text, strlen(text), &err), CA_OK);
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "a.b", "two", &err), CA_OK);
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "a.c.e", "deep", &err), CA_OK);  /* null -> map */
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "x.y.z", "new", &err), CA_OK);
	ck_assert_str_eq(ca_yaml_lookup(doc.root, "a.b")->text, "two");
	ck_assert_str_eq(ca_yaml_lookup(doc.root, "a.c.e")->text, "deep");
	n = ca_yaml_lookup(doc.root, "x.y.z");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->text, "new");
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "a.b.c", "v", &err), CA_CONFIG_TYPE);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "d.e", "v", &err), CA_CONFIG_TYPE);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "a..b", "v", &err), CA_EINVAL);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_set_scalar(&doc, "", "v", &err), CA_EINVAL);
	ca_yaml_doc_release(&doc);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("classroom_roster");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reads_both_modes);
	tcase_add_test(tc, a_malformed_role_arn_refuses_only_its_attendee);
	tcase_add_test(tc, malformed_rosters_are_refused_with_file_and_line);
	tcase_add_test(tc, too_many_attendees_are_refused);
	tcase_add_test(tc, set_scalar_replaces_and_adds);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
