/* The YAML tree reader and ${VAR} expansion, with hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_ca.h"
#include "fake_env.h"
#include "config/expand.h"
#include "config/yaml.h"
#include "util/buf.h"
#include "util/error.h"

static const char *const ENV[] = { "HOST=db.example", "PORT=3306", "EMPTY=", "DOLLAR=${HOST}",
				   NULL };

/* Expands s with ENV; returns the code, *out the malloc'd result or NULL. */
static int expand(const char *s, char **out, struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	int rc;

	ca_err_clear(err);
	rc = ca_expand_vars(s, strlen(s), fake_env, (void *)ENV, 1024, &b, err);
	*out = rc ? NULL : ca_buf_detach(&b, NULL);
	ca_buf_release(&b);
	return rc;
}

static void expect_expansion(const char *in, const char *want)
{
	struct ca_err err;
	char *out = NULL;

	ck_assert_msg(expand(in, &out, &err) == CA_OK, "%s: %s", in, ca_err_msg(&err));
	ck_assert_str_eq(out, want);
	free(out);
}

static void expect_expand_error(const char *in, int code, const char *needle)
{
	struct ca_err err;
	char *out = NULL;

	ck_assert_int_eq(expand(in, &out, &err), code);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(ca_err_msg(&err), needle), "%s -> %s", in, ca_err_msg(&err));
}

/* Parses text; returns the code; err gets the message. */
static int parse(struct ca_yaml_doc *doc, const char *text, size_t len, struct ca_err *err)
{
	ca_yaml_doc_init(doc);
	ca_err_clear(err);
	return ca_yaml_parse(doc, "t.yaml", text, len, err);
}

static void expect_refused(const char *text, size_t len, int code, const char *needle)
{
	struct ca_yaml_doc doc;
	struct ca_err err;

	ck_assert_int_eq(parse(&doc, text, len, &err), code);
	ck_assert_ptr_null(doc.root);
	ck_assert_msg(strstr(ca_err_msg(&err), needle), "want '%s' in: %s", needle,
		      ca_err_msg(&err));
	ca_yaml_doc_release(&doc);
}
#define REFUSED(text, code, needle) expect_refused(text, strlen(text), code, needle)

START_TEST(expand_substitutes_and_defaults)
{
	expect_expansion("plain text", "plain text");
	expect_expansion("", "");
	expect_expansion("${HOST}", "db.example");
	expect_expansion("mysql://u@${HOST}:${PORT}/x", "mysql://u@db.example:3306/x");
	expect_expansion("${UNSET:-fallback}", "fallback");
	expect_expansion("${EMPTY:-fallback}", "fallback");
	expect_expansion("${UNSET:-}", "");
	expect_expansion("[${EMPTY}]", "[]");
	expect_expansion("${HOST:-other}", "db.example");
	expect_expansion("${UNSET:-a:b/c d}", "a:b/c d");
}
END_TEST

START_TEST(expand_escapes_and_literal_dollars)
{
	expect_expansion("$${HOST}", "${HOST}");
	expect_expansion("cost $5 and $$ and $", "cost $5 and $$ and $");
	expect_expansion("a$$b", "a$$b");
	expect_expansion("$$$${HOST}", "$$${HOST}");
	/* a value from the environment is not expanded again */
	expect_expansion("${DOLLAR}", "${HOST}");
}
END_TEST

START_TEST(expand_errors_are_clear)
{
	char longname[CA_EXPAND_NAME_MAX + 8];

	expect_expand_error("x ${NOPE} y", CA_CONFIG_ENV, "environment variable NOPE is not set");
	expect_expand_error("${NOPE}", CA_CONFIG_ENV, "${NOPE:-value}");
	expect_expand_error("${HOST", CA_CONFIG_SYNTAX, "'${HOST' is not closed");
	expect_expand_error("${}", CA_CONFIG_SYNTAX, "must be followed by a variable name");
	expect_expand_error("${1ABC}", CA_CONFIG_SYNTAX, "variable name");
	expect_expand_error("${HOST-x}", CA_CONFIG_SYNTAX, "expected '}' or ':-default'");
	expect_expand_error("${HOST:-${PORT}}", CA_CONFIG_SYNTAX, "may not contain");
	expect_expand_error("${UNSET:-abc", CA_CONFIG_SYNTAX, "not closed");
	memset(longname, 'A', sizeof(longname));
	memcpy(longname, "${", 2);
	longname[sizeof(longname) - 2] = '}';
	longname[sizeof(longname) - 1] = '\0';
	expect_expand_error(longname, CA_CONFIG_SYNTAX, "longer than");
}
END_TEST

START_TEST(expand_caps_the_result)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	const char *text = "${HOST}${HOST}${HOST}";

	ca_err_clear(&err);
	ck_assert_int_eq(ca_expand_vars(text, strlen(text), fake_env, (void *)ENV, 20, &b, &err),
			 CA_ERANGE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "longer than 20 bytes"));
	ca_buf_release(&b);
	ck_assert(ca_expand_needed("a${B}", 5));
	ck_assert(!ca_expand_needed("a$b", 3));
}
END_TEST

START_TEST(tree_keeps_structure_and_positions)
{
	static const char text[] =
		"# comment\n"
		"server:\n"
		"  listen: 127.0.0.1:8080\n"
		"  quoted: \"20\"\n"
		"  empty:\n"
		"  tilde: ~\n"
		"  literal: 'null'\n"
		"list:\n"
		"  - a\n"
		"  - {k: v}\n"
		"flow: [1, 2]\n";
	const struct ca_yaml_node *server, *v, *list;
	const struct ca_yaml_pair *pair;
	struct ca_yaml_doc doc;
	struct ca_err err;

	ck_assert_int_eq(parse(&doc, text, strlen(text), &err), CA_OK);
	ck_assert_str_eq(doc.name, "t.yaml");
	ck_assert_int_eq(doc.root->kind, CA_YAML_MAP);
	ck_assert_uint_eq(doc.root->n, 3);
	server = ca_yaml_get(doc.root, "server");
	ck_assert_int_eq(server->kind, CA_YAML_MAP);
	pair = ca_yaml_get_pair(server, "listen");
	ck_assert_int_eq(pair->line, 3);
	ck_assert_int_eq(pair->col, 3);
	ck_assert_str_eq(pair->value->text, "127.0.0.1:8080");
	ck_assert_int_eq(pair->value->line, 3);
	ck_assert_int_eq(pair->value->col, 11);
	ck_assert(!pair->value->quoted && !pair->value->is_null);
	v = ca_yaml_get(server, "quoted");
	ck_assert(v->quoted && !v->is_null);
	ck_assert_str_eq(v->text, "20");
	ck_assert(ca_yaml_get(server, "empty")->is_null);
	ck_assert(ca_yaml_get(server, "tilde")->is_null);
	v = ca_yaml_get(server, "literal");
	ck_assert(!v->is_null);
	ck_assert_str_eq(v->text, "null");
	list = ca_yaml_get(doc.root, "list");
	ck_assert_int_eq(list->kind, CA_YAML_SEQ);
	ck_assert_uint_eq(list->n, 2);
	ck_assert_int_eq(list->items[0]->line, 9);
	ck_assert_int_eq(list->items[1]->kind, CA_YAML_MAP);
	ck_assert_str_eq(ca_yaml_get(list->items[1], "k")->text, "v");
	ck_assert_uint_eq(ca_yaml_get(doc.root, "flow")->n, 2);
	ck_assert_ptr_eq(ca_yaml_lookup(doc.root, "server.listen"), pair->value);
	ck_assert_ptr_null(ca_yaml_lookup(doc.root, "server.listen.deeper"));
	ck_assert_ptr_null(ca_yaml_lookup(doc.root, "server.nope"));
	ck_assert_ptr_null(ca_yaml_get(list, "k"));
	ck_assert_ptr_null(ca_yaml_get(NULL, "k"));
	ca_yaml_doc_release(&doc);
	ck_assert_ptr_null(doc.root);
	ca_yaml_doc_release(&doc);
	ca_yaml_doc_release(NULL);
}
END_TEST

START_TEST(tree_expands_on_demand_with_position)
{
	static const char text[] = "a: ${HOST}:${PORT}\nb: ${MISSING}\nc: [x]\nd:\n";
	struct ca_yaml_doc doc;
	struct ca_err err;
	char *out = NULL;

	/* MISSING is unset, yet the document parses: expansion is lazy */
	ck_assert_int_eq(parse(&doc, text, strlen(text), &err), CA_OK);
	ca_yaml_doc_set_env(&doc, fake_env, (void *)ENV);
	ck_assert_int_eq(ca_yaml_expand(&doc, ca_yaml_get(doc.root, "a"), &out, &err), CA_OK);
	ck_assert_str_eq(out, "db.example:3306");
	free(out);
	ck_assert_int_eq(ca_yaml_expand(&doc, ca_yaml_get(doc.root, "b"), &out, &err),
			 CA_CONFIG_ENV);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(ca_err_msg(&err), "t.yaml:2: environment variable MISSING is not set; "
			 "set it, or give a default with ${MISSING:-value}");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_expand(&doc, ca_yaml_get(doc.root, "c"), &out, &err),
			 CA_CONFIG_TYPE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "t.yaml:3:"));
	ck_assert_int_eq(ca_yaml_expand(&doc, ca_yaml_get(doc.root, "d"), &out, &err), CA_OK);
	ck_assert_str_eq(out, "");
	free(out);
	ca_yaml_doc_release(&doc);
}
END_TEST

START_TEST(refuses_anchors_and_aliases)
{
	/* the "billion laughs" shape: must be refused at the first anchor */
	REFUSED("a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n", CA_CONFIG_SYNTAX,
		"t.yaml:1:4: anchors and aliases (&a, *a) are not supported");
	REFUSED("a: &x 1\n", CA_CONFIG_SYNTAX, "anchors and aliases");
	REFUSED("a: *x\n", CA_CONFIG_SYNTAX, "t.yaml:1:4:");
	REFUSED("base: &b {k: 1}\nother:\n  <<: *b\n", CA_CONFIG_SYNTAX, "not supported");
}
END_TEST

START_TEST(refuses_deep_nesting_and_many_nodes)
{
	struct ca_buf b = CA_BUF_INIT;
	int i;

	for (i = 0; i < 200; i++)
		ca_buf_addch(&b, '[');
	for (i = 0; i < 200; i++)
		ca_buf_addch(&b, ']');
	expect_refused(b.data, b.len, CA_ERANGE, "deeper than 64 levels");
	/* unbalanced, 500 KiB of '[' : refused, not a crash or a huge allocation */
	ca_buf_reset(&b);
	for (i = 0; i < 500000; i++)
		ca_buf_addch(&b, '[');
	expect_refused(b.data, b.len, CA_ERANGE, "deeper than");
	/* block nesting */
	ca_buf_reset(&b);
	for (i = 0; i < 80; i++)
		ca_buf_addf(&b, "%*sk%d:\n", i, "", i);
	expect_refused(b.data, b.len, CA_ERANGE, "deeper than 64 levels");
	/* wide rather than deep */
	ca_buf_reset(&b);
	ca_buf_adds(&b, "[");
	for (i = 0; i < CA_YAML_MAX_NODES + 10; i++)
		ca_buf_adds(&b, "1,");
	ca_buf_adds(&b, "1]");
	ck_assert(ca_buf_ok(&b));
	expect_refused(b.data, b.len, CA_ERANGE, "more than 10000 values");
	ca_buf_release(&b);
}
END_TEST

START_TEST(refuses_huge_input)
{
	struct ca_buf b = CA_BUF_INIT;
	size_t i;

	ca_buf_adds(&b, "key: ");
	for (i = 0; i < CA_YAML_MAX_SCALAR + 1; i++)
		ca_buf_addch(&b, 'x');
	expect_refused(b.data, b.len, CA_ERANGE, "t.yaml:1:6: a value is 65537 bytes long");
	ca_buf_reset(&b);
	for (i = 0; i < CA_YAML_MAX_KEY + 1; i++)
		ca_buf_addch(&b, 'k');
	ca_buf_adds(&b, ": v\n");
	expect_refused(b.data, b.len, CA_CONFIG_SYNTAX, "key is longer than 256 bytes");
	ca_buf_reset(&b);
	while (b.len <= CA_YAML_MAX_FILE)
		ca_buf_adds(&b, "# padding padding padding padding padding padding\n");
	expect_refused(b.data, b.len, CA_ERANGE, "larger than 1048576 bytes");
	ca_buf_release(&b);
}
END_TEST

START_TEST(refuses_duplicate_and_odd_keys)
{
	REFUSED("a: 1\nb: 2\na: 3\n", CA_CONFIG_SYNTAX,
		"t.yaml:3:1: duplicate key 'a' (first given at line 1)");
	REFUSED("s:\n  x: 1\n  x: 1\n", CA_CONFIG_SYNTAX, "t.yaml:3:3: duplicate key 'x'");
	REFUSED("{a: 1, a: 2}", CA_CONFIG_SYNTAX, "duplicate key 'a'");
	REFUSED("? [a, b]\n: v\n", CA_CONFIG_SYNTAX, "mapping keys must be plain text, not a sequence");
	REFUSED("{{a: 1}: 2}", CA_CONFIG_SYNTAX, "not a mapping");
	REFUSED("'': v\n", CA_CONFIG_SYNTAX, "t.yaml:1:1: a mapping key is empty");
	REFUSED("a: !custom x\n", CA_CONFIG_SYNTAX, "YAML tags such as '!custom' are not supported");
	REFUSED("a: !!python/object:os.system x\n", CA_CONFIG_SYNTAX, "not supported");
	REFUSED("a: !!set {b: 1}\n", CA_CONFIG_SYNTAX, "not supported");
}
END_TEST

START_TEST(accepts_str_tag_as_quoted)
{
	struct ca_yaml_doc doc;
	struct ca_err err;

	const char *text = "a: !!str 123\nb: !!str\nc: !!map {d: 1}\ne: !!seq [1]\n";

	ck_assert_int_eq(parse(&doc, text, strlen(text), &err), CA_OK);
	ck_assert_int_eq(ca_yaml_get(doc.root, "c")->kind, CA_YAML_MAP);
	ck_assert_int_eq(ca_yaml_get(doc.root, "e")->kind, CA_YAML_SEQ);
	ck_assert(ca_yaml_get(doc.root, "a")->quoted);
	ck_assert(!ca_yaml_get(doc.root, "b")->is_null);
	ca_yaml_doc_release(&doc);
}
END_TEST

START_TEST(refuses_bad_encoding_and_bytes)
{
	REFUSED("a: 1\nb: caf\xc3\n", CA_CONFIG_SYNTAX, "t.yaml:2:");
	REFUSED("a: 1\nb: \xff\xfe\n", CA_CONFIG_SYNTAX, "must be UTF-8 text");
	REFUSED("a: \x01\n", CA_CONFIG_SYNTAX, "control characters");
	expect_refused("a: 1\nb: x\0y\n", 12, CA_CONFIG_SYNTAX,
		       "t.yaml:2:5: the file contains a NUL byte");
	/* UTF-16 (with BOM) is not UTF-8 */
	expect_refused("\xff\xfe" "a\0:\0 \0" "1\0", 10, CA_CONFIG_SYNTAX, "NUL byte");
	REFUSED("a: \"x\\0y\"\n", CA_CONFIG_SYNTAX, "t.yaml:1:4: a value contains a NUL character");
}
END_TEST

START_TEST(accepts_utf8_and_bom)
{
	struct ca_yaml_doc doc;
	struct ca_err err;
	const char *text = "\xef\xbb\xbf" "city: S\xc3\xa3o Paulo\n";

	ck_assert_int_eq(parse(&doc, text, strlen(text), &err), CA_OK);
	ck_assert_str_eq(ca_yaml_get(doc.root, "city")->text, "S\xc3\xa3o Paulo");
	ca_yaml_doc_release(&doc);
}
END_TEST

START_TEST(refuses_tabs_with_a_hint)
{
	REFUSED("server:\n\tlisten: x\n", CA_CONFIG_SYNTAX,
		"t.yaml:2:1: YAML does not allow tab characters for indentation");
	REFUSED("server:\n  a: 1\n \tb: 2\n", CA_CONFIG_SYNTAX, "tab characters");
}
END_TEST

START_TEST(refuses_empty_and_multiple_documents)
{
	REFUSED("", CA_CONFIG_SYNTAX, "t.yaml:1: the file holds no YAML document");
	REFUSED("# only a comment\n\n", CA_CONFIG_SYNTAX, "no YAML document");
	REFUSED("a: 1\n---\nb: 2\n", CA_CONFIG_SYNTAX,
		"t.yaml:2: a second YAML document starts here");
	REFUSED("a: 1\n...\n---\n", CA_CONFIG_SYNTAX, "second YAML document");
}
END_TEST

START_TEST(syntax_errors_name_file_line_and_column)
{
	REFUSED("a: 1\nb: \"open\n", CA_CONFIG_SYNTAX, "t.yaml:3:1: YAML syntax error:");
	REFUSED("a: [1, 2\n", CA_CONFIG_SYNTAX, "YAML syntax error");
	REFUSED("a: 1\n b: 2\n", CA_CONFIG_SYNTAX, "t.yaml:2:");
	REFUSED("a: b: c\n", CA_CONFIG_SYNTAX, "t.yaml:1:");
	REFUSED("- a\nb: 1\n", CA_CONFIG_SYNTAX, "t.yaml:2:");
	REFUSED("%YAML 9.9\na: 1\n", CA_CONFIG_SYNTAX, "t.yaml:1:");
}
END_TEST

START_TEST(load_file_reports_path)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	struct ca_err err;
	char path[] = "/tmp/ca_config_yaml_XXXXXX";
	FILE *f;
	int fd;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_load_file(&doc, "/nonexistent/x.yaml", &err), CA_EIO);
	ck_assert_str_eq(ca_err_msg(&err),
			 "cannot open config file /nonexistent/x.yaml: No such file or directory");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_load_file(&doc, "/tmp", &err), CA_EIO);
	ck_assert_str_eq(ca_err_msg(&err), "config file /tmp is not a regular file");

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("a:\n  b: 1\n  b: 2\n", f);
	fclose(f);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_load_file(&doc, path, &err), CA_CONFIG_SYNTAX);
	ck_assert(strncmp(ca_err_msg(&err), path, strlen(path)) == 0);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), ":3:3: duplicate key 'b'"));
	f = fopen(path, "w");
	fputs("a:\n  b: 1\n", f);
	fclose(f);
	ck_assert_int_eq(ca_yaml_load_file(&doc, path, &err), CA_OK);
	ck_assert_str_eq(doc.name, path);
	ck_assert_str_eq(ca_yaml_lookup(doc.root, "a.b")->text, "1");
	ca_yaml_doc_release(&doc);
	unlink(path);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config_yaml");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, expand_substitutes_and_defaults);
	tcase_add_test(tc, expand_escapes_and_literal_dollars);
	tcase_add_test(tc, expand_errors_are_clear);
	tcase_add_test(tc, expand_caps_the_result);
	tcase_add_test(tc, tree_keeps_structure_and_positions);
	tcase_add_test(tc, tree_expands_on_demand_with_position);
	tcase_add_test(tc, refuses_anchors_and_aliases);
	tcase_add_test(tc, refuses_deep_nesting_and_many_nodes);
	tcase_add_test(tc, refuses_huge_input);
	tcase_add_test(tc, refuses_duplicate_and_odd_keys);
	tcase_add_test(tc, accepts_str_tag_as_quoted);
	tcase_add_test(tc, refuses_bad_encoding_and_bytes);
	tcase_add_test(tc, accepts_utf8_and_bom);
	tcase_add_test(tc, refuses_tabs_with_a_hint);
	tcase_add_test(tc, refuses_empty_and_multiple_documents);
	tcase_add_test(tc, syntax_errors_name_file_line_and_column);
	tcase_add_test(tc, load_file_reports_path);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
