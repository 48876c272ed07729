/*
 * lib/verify without a network: the report as TAP and JUnit (hostile step names and
 * sentences), the hosted-UI form reader on malformed and hostile pages, URL
 * resolution, and the target's provision names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_ca.h"
#include "util/xml.h"
#include "verify/verify_internal.h"

static void add(struct verify_run *run, const char *name, enum verify_status st,
		const char *detail)
{
	ck_assert_int_eq(verify_step_add(run, name, st, detail ? "%s" : NULL, detail), CA_OK);
}

static char *tap_of(const struct verify_report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct ca_err err;

	ck_assert_ptr_nonnull(f);
	ca_err_clear(&err);
	ck_assert_int_eq(verify_report_tap(r, f, &err), CA_OK);
	fclose(f);
	return text;
}

static size_t seen;
static void count_step(void *ctx, const struct verify_step *s)
{
	(void)ctx;
	ck_assert_ptr_nonnull(s->name);
	seen++;
}

START_TEST(tap_report)
{
	struct verify_report r = { 0 };
	struct verify_run run;
	char *tap;

	memset(&run, 0, sizeof(run));
	run.report = &r;
	run.opt.on_step = count_step;
	seen = 0;
	add(&run, "DynamoDB table User", VERIFY_PASS, NULL);
	add(&run, "name with # and\nnewline \\ slash", VERIFY_FAIL, "line one\nline two");
	add(&run, "hosted UI", VERIFY_SKIP, "not here\r\n# really");
	add(&run, "upload", VERIFY_PASS, "photo 1");
	ck_assert_uint_eq(seen, 4);
	ck_assert_uint_eq(run.failed, 1);
	ck_assert(!verify_report_ok(&r));
	ck_assert_uint_eq(verify_report_count(&r, VERIFY_SKIP), 1);
	tap = tap_of(&r);
	ck_assert_str_eq(tap,
			 "TAP version 13\n"
			 "1..4\n"
			 "ok 1 - DynamoDB table User\n"
			 "not ok 2 - name with \\# and newline \\\\ slash\n"
			 "# line one line two\n"
			 "ok 3 - hosted UI # SKIP not here  # really\n"
			 "ok 4 - upload\n"
			 "# photo 1\n");
	free(tap);
	verify_report_release(&r);
	verify_report_release(&r); /* released twice is fine */
	verify_report_release(NULL);
	ck_assert(verify_report_ok(&r)); /* empty */
	tap = tap_of(&r);
	ck_assert_str_eq(tap, "TAP version 13\n1..0\n");
	free(tap);
}
END_TEST

START_TEST(junit_report)
{
	char path[] = "/tmp/ca-verify-junit-XXXXXX";
	struct verify_report r = { 0 };
	struct verify_run run;
	struct ca_xml_node *root = NULL;
	const struct ca_xml_node *tc;
	struct ca_err err;
	char buf[8192];
	size_t n;
	FILE *f;
	int fd;

	memset(&run, 0, sizeof(run));
	run.report = &r;
	add(&run, "S3 bucket <b>&\"'", VERIFY_FAIL, "The S3 bucket <b> & \"x\" does not exist\x01.");
	add(&run, "ok step", VERIFY_PASS, "note");
	add(&run, "skipped", VERIFY_SKIP, "why <not>");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ca_err_clear(&err);
	ck_assert_int_eq(verify_report_junit(&r, "suite <x>", path, &err), CA_OK);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	buf[n] = '\0';
	ck_assert_int_eq(ca_xml_parse(buf, n, NULL, &root, &err), CA_OK);
	ck_assert(ca_xml_name_is(root, "testsuite"));
	ck_assert_uint_eq(root->n_children, 3);
	tc = ca_xml_child(root, "testcase");
	ck_assert_str_eq(ca_xml_path_text(tc, "failure"),
			 "The S3 bucket <b> & \"x\" does not exist .");
	ck_assert_ptr_nonnull(strstr(buf, "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""));
	ck_assert_ptr_nonnull(strstr(buf, "name=\"S3 bucket &lt;b&gt;&amp;&quot;&apos;\""));
	ck_assert_ptr_nonnull(strstr(buf, "<skipped message=\"why &lt;not&gt;\"/>"));
	ck_assert_ptr_nonnull(strstr(buf, "<testcase classname=\"suite &lt;x&gt;\" name=\"ok step\"/>"));
	ca_xml_free(root);

	/* a folder that is not there: a sentence naming the file */
	ca_err_clear(&err);
	ck_assert_int_eq(verify_report_junit(&r, NULL, "/nonexistent-dir/j.xml", &err), CA_EIO);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "/nonexistent-dir/j.xml"));
	verify_report_release(&r);
}
END_TEST

static bool fill(const char *html, char **action, struct ca_buf *fields)
{
	return verify_form_fill(html, "a@example.com", "p&ss w=rd", action, fields);
}

START_TEST(form_of_a_sign_in_page)
{
	struct ca_buf fields = CA_BUF_INIT;
	char *action = NULL;

	/* Cognito's classic page: a form without a password first, then the sign-in one */
	ck_assert(fill("<html><form action='/search'><input name=q></form>"
		       "<FORM method=post action=\"/login?client_id=abc&amp;state=x%2F\">"
		       "<input type=\"hidden\" name=\"_csrf\" value=\"t&#39;k\">"
		       "<input name=username type=text><INPUT name='password' type='password'>"
		       "<input type=submit name=signInSubmitButton value='Sign in'>"
		       "<input type=submit name=cancel></form>", &action, &fields));
	ck_assert_str_eq(action, "/login?client_id=abc&state=x%2F");
	ck_assert_str_eq(fields.data, "_csrf=t%27k&username=a%40example.com&"
				      "password=p%26ss%20w%3Drd&signInSubmitButton=Sign%20in");
	free(action);
	action = NULL;

	/* an email field, no action: the page itself */
	ck_assert(fill("<form><input name=email><input type=password name=pw></form>", &action,
		       &fields));
	ck_assert_ptr_null(action);
	ck_assert_str_eq(fields.data, "email=a%40example.com&pw=p%26ss%20w%3Drd");
	ca_buf_release(&fields);
}
END_TEST

START_TEST(form_malformed_and_hostile)
{
	static const char *const refused[] = {
		"", "no html at all", "<form", "<form action=x", "<form>", "<form></form>",
		"<form><input type=password",
		"<form><input type=password name=></form>", "<form><input name=\"x></form>",
		"</form><input type=password name=p>", "<formx><input>", "<<<<>>>>&&&&",
		"<form action=\"&amp\"><input type=text name=p>",
	};
	struct ca_buf fields = CA_BUF_INIT;
	char *action = NULL, *big;
	size_t i, n = 1 << 20;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_msg(!fill(refused[i], &action, &fields), "%s", refused[i]);
		ck_assert_ptr_null(action);
		ck_assert_uint_eq(fields.len, 0);
	}
	/* a form without a password, then a form tag never closed: nothing of the first
	 * form is left in fields (found by fuzz_form) */
	ck_assert(!fill("<form action=/s><input name=q></form><form action=\"/l", &action,
			&fields));
	ck_assert_ptr_null(action);
	ck_assert_uint_eq(fields.len, 0);
	/* a form never closed is read to the end of the page */
	ck_assert(fill("<form action=a&amp;><input type=password name=p>", &action, &fields));
	ck_assert_str_eq(action, "a&");
	free(action);
	action = NULL;
	/* entities cut short, unknown entities, quotes never closed */
	ck_assert(fill("<form action='&am'><input type=password name='p&#3'><input name=h "
		       "value=\"&bogus;", &action, &fields));
	ck_assert_str_eq(action, "&am");
	ck_assert_str_eq(fields.data, "p%26%233=p%26ss%20w%3Drd");
	free(action);
	action = NULL;

	/* a megabyte of unclosed forms and inputs is read once, not once per form */
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < n; i++)
		big[i] = "<form><input "[i % 13];
	big[n] = '\0';
	ck_assert(!fill(big, &action, &fields));
	free(big);
	ca_buf_release(&fields);
}
END_TEST

START_TEST(url_resolution)
{
	static const char *const cases[][3] = {
		{ "https://h.example/login?x=1", "/oauth2/a?b", "https://h.example/oauth2/a?b" },
		{ "https://h.example/a/b?x=/y", "c", "https://h.example/a/c" },
		{ "https://h.example", "c", "https://h.example/c" },
		{ "https://h.example/a", "http://o/x", "http://o/x" },
		{ "https://h.example/a?q", "", "https://h.example/a?q" },
		{ "https://h.example/a", NULL, "https://h.example/a" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = verify_url_resolve(cases[i][0], cases[i][1]);

		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, cases[i][2]);
		free(got);
	}
	ck_assert_ptr_null(verify_url_resolve("no-scheme", "x"));
}
END_TEST

static char *write_config(const char *provision)
{
	char *path = strdup("/tmp/ca-verify-cfg-XXXXXX");
	FILE *f;
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "stage: 1\nserver:\n  session_secret: %s\ndatabase:\n  kind: dynamodb\n"
		   "storage:\n  kind: disk\n  path: /tmp\nauth:\n  kind: local\n"
		   "tracing:\n  kind: none\n%s", "s0123456789012345678901234567890123456789",
		provision);
	fclose(f);
	return path;
}

START_TEST(target_names)
{
	struct verify_target t;
	struct ca_err err;
	char *path;

	path = write_config("provision:\n  xray:\n    sampling_rule: rule-${CA_VERIFY_TEST_X:-d}\n"
			    "    group: \"\"\n");
	ca_err_clear(&err);
	ck_assert_int_eq(verify_target_load(path, &t, &err), CA_OK);
	ck_assert_str_eq(t.xray_sampling_rule, "rule-d");
	ck_assert_ptr_null(t.xray_group);
	ck_assert_int_eq(t.serve.stage, 1);
	verify_target_release(&t);
	verify_target_release(&t);
	verify_target_release(NULL);
	unlink(path);
	free(path);

	path = write_config("");
	ck_assert_int_eq(verify_target_load(path, &t, &err), CA_OK);
	ck_assert_ptr_null(t.xray_sampling_rule);
	ck_assert_ptr_null(t.xray_group);
	verify_target_release(&t);
	unlink(path);
	free(path);

	path = write_config("provision:\n  xray:\n    group: ${CA_VERIFY_UNSET_VAR}\n");
	ca_err_clear(&err);
	ck_assert_int_ne(verify_target_load(path, &t, &err), CA_OK);
	ck_assert_ptr_null(t.xray_group);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "CA_VERIFY_UNSET_VAR"));
	unlink(path);
	free(path);

	ca_err_clear(&err);
	ck_assert_int_ne(verify_target_load("/nonexistent/stage.yaml", &t, &err), CA_OK);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "/nonexistent/stage.yaml"));
}
END_TEST

START_TEST(run_refuses_a_bad_url)
{
	struct verify_target t;
	struct verify_options o;
	struct verify_report r = { 0 };
	struct ca_err err;
	char *path = write_config("");

	ck_assert_int_eq(verify_target_load(path, &t, NULL), CA_OK);
	memset(&o, 0, sizeof(o));
	o.url = "file:///etc/passwd";
	ca_err_clear(&err);
	ck_assert_int_eq(verify_run(&t, &o, &r, &err), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "http://"));
	ck_assert_uint_eq(r.n, 0);
	verify_report_release(&r);
	verify_target_release(&t);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(host_checks_of_stage_0)
{
	char path[] = "/tmp/ca-verify-s0-XXXXXX";
	struct verify_target t;
	struct verify_options o;
	struct verify_report r = { 0 };
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("stage: 0\nserver:\n  session_secret: s0123456789012345678901234567890123\n"
	      "database:\n  kind: mysql\n  url: mysql://root:hush@127.0.0.1:1/none\n"
	      "storage:\n  kind: disk\n  path: /nonexistent/upload\nauth:\n  kind: local\n"
	      "tracing:\n  kind: none\n", f);
	fclose(f);
	ck_assert_int_eq(verify_target_load(path, &t, NULL), CA_OK);
	memset(&o, 0, sizeof(o));

	/* checked here: both fail, each saying which and what to do, no password shown */
	ck_assert_int_eq(verify_run(&t, &o, &r, NULL), CA_OK);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.steps[0].status, VERIFY_FAIL);
	ck_assert_str_eq(r.steps[0].name, "MySQL database mysql://root@127.0.0.1:1/none");
	ck_assert_ptr_null(strstr(r.steps[0].detail, "hush"));
	ck_assert_ptr_nonnull(strstr(r.steps[0].detail, "database.url"));
	ck_assert_int_eq(r.steps[1].status, VERIFY_FAIL);
	ck_assert_ptr_nonnull(strstr(r.steps[1].detail, "/nonexistent/upload"));
	verify_report_release(&r);

	/* from another machine: skipped with the reason */
	o.skip_host_checks = true;
	ck_assert_int_eq(verify_run(&t, &o, &r, NULL), CA_OK);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.steps[0].status, VERIFY_SKIP);
	ck_assert_int_eq(r.steps[1].status, VERIFY_SKIP);
	ck_assert(verify_report_ok(&r));
	verify_report_release(&r);
	verify_target_release(&t);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tap_report);
	tcase_add_test(tc, junit_report);
	tcase_add_test(tc, form_of_a_sign_in_page);
	tcase_add_test(tc, form_malformed_and_hostile);
	tcase_add_test(tc, url_resolution);
	tcase_add_test(tc, target_names);
	tcase_add_test(tc, run_refuses_a_bad_url);
	tcase_add_test(tc, host_checks_of_stage_0);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
