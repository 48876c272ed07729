/* The declarative schema API (config/schema.h) and the typed value parsers. */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "fake_env.h"
#include "config/schema.h"
#include "config/value.h"
#include "config/yaml.h"
#include "util/error.h"

static const char *const ENV[] = { "PORT=9090", "NAME=from-env", "EMPTY=",
				   "TOKEN=abcdefghijklmnopqrstuvwxyz0123456789", NULL };

struct demo {
	long port;
	char *name;
	bool verbose;
	int mode;
	struct ca_hostport addr;
	char *url;
	long ttl;
	struct ca_strlist tags;
	char *token;
	struct {
		int kind;
		char *bucket;
		char *path;
		long copies;
	} store;
};

static const char *const modes[] = { "fast", "safe", "off", NULL };
static const char *const kinds[] = { "disk", "s3", "gcs", NULL };

#define OFF(f) offsetof(struct demo, f)
static const struct ca_cfg_key store_keys[] = {
	{ .name = "kind", .type = CA_CFG_ENUM, .offset = OFF(store.kind), .def = "disk",
	  .choices = kinds },
	{ .name = "bucket", .type = CA_CFG_STRING, .offset = OFF(store.bucket),
	  .flags = CA_CFG_REQUIRED, .when_key = "kind", .when_is = "s3|gcs" },
	{ .name = "path", .type = CA_CFG_STRING, .offset = OFF(store.path), .def = "./data",
	  .when_key = "kind", .when_is = "disk" },
	{ .name = "copies", .type = CA_CFG_INT, .offset = OFF(store.copies), .def = "1",
	  .min = 1, .max = 3 },
	CA_CFG_END
};

static const struct ca_cfg_key demo_keys[] = {
	{ .name = "port", .type = CA_CFG_INT, .offset = OFF(port), .def = "8080", .min = 1,
	  .max = 65535 },
	{ .name = "name", .type = CA_CFG_STRING, .offset = OFF(name), .flags = CA_CFG_REQUIRED },
	{ .name = "verbose", .type = CA_CFG_BOOL, .offset = OFF(verbose) },
	{ .name = "mode", .type = CA_CFG_ENUM, .offset = OFF(mode), .choices = modes },
	{ .name = "addr", .type = CA_CFG_HOSTPORT, .offset = OFF(addr), .def = "127.0.0.1:2000" },
	{ .name = "url", .type = CA_CFG_URL, .offset = OFF(url) },
	{ .name = "ttl", .type = CA_CFG_DURATION, .offset = OFF(ttl), .def = "1h", .min = 1,
	  .max = 86400 },
	{ .name = "tags", .type = CA_CFG_STRLIST, .offset = OFF(tags) },
	{ .name = "token", .type = CA_CFG_STRING, .offset = OFF(token), .flags = CA_CFG_SECRET,
	  .min = 32 },
	{ .name = "store", .type = CA_CFG_SECTION, .sub = store_keys },
	{ .name = "notes", .type = CA_CFG_IGNORE },
	CA_CFG_END
};

/* Parses text and fills a struct demo; returns the code. */
static int fill(const char *text, struct demo *d, unsigned flags, struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	int rc;

	ca_err_clear(err);
	memset(d, 0x5a, sizeof(*d)); /* garbage: fill must set every field */
	rc = ca_yaml_parse(&doc, "demo.yaml", text, strlen(text), err);
	if (rc == CA_OK) {
		ca_yaml_doc_set_env(&doc, fake_env, (void *)ENV);
		rc = ca_cfg_fill(&doc, NULL, NULL, demo_keys, d, flags, err);
	} else {
		memset(d, 0, sizeof(*d));
	}
	ca_yaml_doc_release(&doc);
	return rc;
}

static void expect_error(const char *text, int code, const char *msg)
{
	struct demo d;
	struct ca_err err;

	ck_assert_int_eq(fill(text, &d, 0, &err), code);
	ck_assert_str_eq(ca_err_msg(&err), msg);
	/* a failed fill leaves nothing to free */
	ck_assert_ptr_null(d.name);
	ck_assert_ptr_null(d.url);
	ck_assert_ptr_null(d.store.bucket);
	ck_assert_ptr_null(d.tags.items);
}

static void expect_error_part(const char *text, int code, const char *part)
{
	struct demo d;
	struct ca_err err;

	ck_assert_int_eq(fill(text, &d, 0, &err), code);
	ck_assert_msg(strstr(ca_err_msg(&err), part), "want '%s' in: %s", part, ca_err_msg(&err));
	ck_assert_ptr_null(d.name);
}

START_TEST(fills_every_type)
{
	static const char text[] =
		"port: ${PORT}\n"
		"name: \"${NAME}-x\"\n"
		"verbose: true\n"
		"mode: safe\n"
		"addr: \"[::1]:5000\"\n"
		"url: http://127.0.0.1:5000/\n"
		"ttl: 1h30m\n"
		"tags: [a, \"${NAME}\"]\n"
		"token: ${TOKEN}\n"
		"store:\n"
		"  kind: s3\n"
		"  bucket: b1\n"
		"notes:\n"
		"  anything: [goes, here]\n"
		"  even: ${UNSET_VARIABLE}\n";
	struct ca_err err;
	struct demo d;

	ck_assert_msg(fill(text, &d, 0, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(d.port, 9090);
	ck_assert_str_eq(d.name, "from-env-x");
	ck_assert(d.verbose);
	ck_assert_int_eq(d.mode, 1);
	ck_assert_str_eq(d.addr.host, "::1");
	ck_assert_int_eq(d.addr.port, 5000);
	ck_assert_str_eq(d.url, "http://127.0.0.1:5000");
	ck_assert_int_eq(d.ttl, 5400);
	ck_assert_uint_eq(d.tags.n, 2);
	ck_assert_str_eq(d.tags.items[1], "from-env");
	ck_assert_str_eq(d.token, "abcdefghijklmnopqrstuvwxyz0123456789");
	ck_assert_int_eq(d.store.kind, 1);
	ck_assert_str_eq(d.store.bucket, "b1");
	ck_assert_ptr_null(d.store.path); /* applies to disk only */
	ck_assert_int_eq(d.store.copies, 1);
	ca_cfg_release(demo_keys, &d);
	ck_assert_ptr_null(d.name);
	ck_assert_ptr_null(d.tags.items);
	ck_assert_uint_eq(d.tags.n, 0);
	ca_cfg_release(demo_keys, &d);
	ca_cfg_release(demo_keys, NULL);
}
END_TEST

START_TEST(defaults_and_empty_values)
{
	struct ca_err err;
	struct demo d;

	/* empty after expansion counts as not given: defaults apply */
	ck_assert_msg(fill("name: n\nport: ${EMPTY}\nttl: ${UNSET:-}\nstore:\n", &d, 0, &err) ==
		      CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(d.port, 8080);
	ck_assert_int_eq(d.ttl, 3600);
	ck_assert(!d.verbose);
	ck_assert_int_eq(d.mode, -1);
	ck_assert_str_eq(d.addr.host, "127.0.0.1");
	ck_assert_int_eq(d.addr.port, 2000);
	ck_assert_ptr_null(d.url);
	ck_assert_ptr_null(d.token);
	ck_assert_uint_eq(d.tags.n, 0);
	ck_assert_int_eq(d.store.kind, 0);
	ck_assert_str_eq(d.store.path, "./data");
	ck_assert_ptr_null(d.store.bucket);
	ca_cfg_release(demo_keys, &d);
}
END_TEST

START_TEST(unknown_keys_suggest_the_closest)
{
	expect_error("name: n\nprot: 1\n", CA_CONFIG_UNKNOWN_KEY,
		     "demo.yaml:2: unknown key 'prot' at the top level (did you mean 'port'?)");
	expect_error("name: n\nstore:\n  kind: s3\n  bukcet: b\n", CA_CONFIG_UNKNOWN_KEY,
		     "demo.yaml:4: unknown key 'bukcet' in 'store' (did you mean 'bucket'?)");
	expect_error("name: n\nstore:\n  zzzzzzzz: 1\n", CA_CONFIG_UNKNOWN_KEY,
		     "demo.yaml:3: unknown key 'zzzzzzzz' in 'store'; known keys: kind, "
		     "bucket, path, copies");
	/* a short key is not "close" to everything */
	expect_error_part("name: n\nx: 1\n", CA_CONFIG_UNKNOWN_KEY, "known keys: port, name");
}
END_TEST

START_TEST(unknown_keys_allowed_where_asked)
{
	struct ca_err err;
	struct demo d;

	ck_assert_int_eq(fill("name: n\nsomething_else: {a: 1}\n", &d, CA_CFG_ALLOW_UNKNOWN, &err),
			 CA_OK);
	ck_assert_str_eq(d.name, "n");
	ca_cfg_release(demo_keys, &d);
}
END_TEST

START_TEST(missing_required_keys_name_the_parent)
{
	expect_error("port: 1\n", CA_CONFIG_MISSING_KEY,
		     "demo.yaml:1: missing required key 'name' at the top level");
	expect_error("name: n\nstore:\n  kind: gcs\n", CA_CONFIG_MISSING_KEY,
		     "demo.yaml:2: missing required key 'bucket' in 'store'");
	expect_error("name:\n", CA_CONFIG_MISSING_KEY,
		     "demo.yaml:1: 'name' is required but has no value");
	expect_error("port: 2\nname: ${EMPTY}\n", CA_CONFIG_MISSING_KEY,
		     "demo.yaml:2: 'name' is required but has no value after ${VAR} expansion");
	expect_error("name: ${NOT_SET}\n", CA_CONFIG_ENV,
		     "demo.yaml:1: environment variable NOT_SET is not set; set it, or give a "
		     "default with ${NOT_SET:-value}");
}
END_TEST

START_TEST(wrong_types_say_what_was_expected)
{
	expect_error("name: n\nport: lots\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'port' expected an integer from 1 to 65535, got 'lots'");
	expect_error("name: n\nport: 70000\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'port' expected an integer from 1 to 65535, got '70000'");
	expect_error("name: n\nport: 0x50\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'port' expected an integer from 1 to 65535, got '0x50'");
	expect_error("name: n\nport: [80]\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'port' expected an integer from 1 to 65535, got a list");
	expect_error("name: {a: b}\n", CA_CONFIG_TYPE,
		     "demo.yaml:1: 'name' expected a text value, got a mapping");
	expect_error("name: n\nverbose: yes\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'verbose' expected true or false, got 'yes'");
	expect_error("name: n\nmode: quick\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'mode' expected one of fast, safe, off, got 'quick'");
	expect_error("name: n\naddr: localhost\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'addr' expected host:port such as 127.0.0.1:8080, got "
		     "'localhost'");
	expect_error("name: n\nurl: ftp://x\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'url' expected a URL such as http://host:port (its scheme is "
		     "not one accepted here), got 'ftp://x'");
	expect_error("name: n\nttl: 5 minutes\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'ttl' expected a duration (seconds, or with a unit: 90s, 15m, "
		     "12h, 7d) from 1 to 86400 seconds, got '5 minutes'");
	expect_error("name: n\ntags: a\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'tags' expected a list of values, got a single value");
	expect_error("name: n\ntags: [a, [b]]\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'tags' expected a list of single values, got a list as item 2");
	expect_error("name: n\nstore: disk\n", CA_CONFIG_TYPE,
		     "demo.yaml:2: 'store' expected a mapping of keys, got a single value");
	expect_error("- a\n- b\n", CA_CONFIG_TYPE,
		     "demo.yaml:1: expected a mapping of keys at the top level, got a list");
	expect_error("name: n\nstore:\n  copies: 9\n", CA_CONFIG_TYPE,
		     "demo.yaml:3: 'store.copies' expected an integer from 1 to 3, got '9'");
	/* long and unprintable values are shortened in messages */
	expect_error_part("name: n\nmode: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\x07\"\n",
			  CA_CONFIG_TYPE, "got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}
END_TEST

START_TEST(keys_of_another_kind_are_refused)
{
	expect_error("name: n\nstore:\n  kind: disk\n  bucket: b\n", CA_CONFIG_VALUE,
		     "demo.yaml:4: 'store.bucket' is only used when store.kind is s3|gcs (here "
		     "it is disk); remove it");
	expect_error("name: n\nstore:\n  kind: s3\n  bucket: b\n  path: /p\n", CA_CONFIG_VALUE,
		     "demo.yaml:5: 'store.path' is only used when store.kind is disk (here it is "
		     "s3); remove it");
}
END_TEST

START_TEST(secrets_are_never_shown)
{
	struct demo d;
	struct ca_err err;

	ck_assert_int_eq(fill("name: n\ntoken: hunter2-short\n", &d, 0, &err), CA_CONFIG_VALUE);
	ck_assert_str_eq(ca_err_msg(&err), "demo.yaml:2: 'token' must be at least 32 characters "
			 "long after ${VAR} expansion (it has 13)");
	ck_assert_ptr_null(strstr(ca_err_msg(&err), "hunter2"));
}
END_TEST

static const struct ca_cfg_key bad_default_keys[] = {
	{ .name = "n", .type = CA_CFG_INT, .offset = 0, .def = "ten" },
	CA_CFG_END
};

static const struct ca_cfg_key open_keys[] = {
	{ .name = "s", .type = CA_CFG_SECTION, .flags = CA_CFG_OPEN,
	  .sub = (const struct ca_cfg_key[]){
		  { .name = "n", .type = CA_CFG_INT, .offset = 0 }, CA_CFG_END } },
	CA_CFG_END
};

START_TEST(open_sections_bad_defaults_and_sub_nodes)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	struct ca_err err;
	const char *text = "s:\n  n: 4\n  other: x\nlist:\n  - {name: a, port: 1}\n  - {name: b}\n";
	const struct ca_yaml_node *list;
	long n = 0;
	struct demo d;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_yaml_parse(&doc, "o.yaml", text, strlen(text), &err), CA_OK);
	ck_assert_int_eq(ca_cfg_fill(&doc, ca_yaml_get(doc.root, "list"), "list", open_keys, &n,
				     0, &err), CA_CONFIG_TYPE);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_cfg_fill(&doc, NULL, NULL, open_keys, &n, CA_CFG_ALLOW_UNKNOWN, &err),
			 CA_OK);
	ck_assert_int_eq(n, 4);
	/* a schema can fill each item of a sequence */
	list = ca_yaml_get(doc.root, "list");
	ck_assert_int_eq(ca_cfg_fill(&doc, list->items[1], "list[1]", demo_keys, &d, 0, &err),
			 CA_OK);
	ck_assert_str_eq(d.name, "b");
	ck_assert_int_eq(d.port, 8080);
	ca_cfg_release(demo_keys, &d);
	ck_assert_int_eq(ca_cfg_fill(&doc, NULL, NULL, bad_default_keys, &n,
				     CA_CFG_ALLOW_UNKNOWN, &err), CA_EINVAL);
	ck_assert_str_eq(ca_err_msg(&err), "the built-in default of 'n' ('ten') is invalid; this "
			 "is a bug in the program");
	ca_yaml_doc_release(&doc);
}
END_TEST

START_TEST(value_durations)
{
	long s = -1;

	ck_assert(ca_value_duration("0", &s) && s == 0);
	ck_assert(ca_value_duration("3600", &s) && s == 3600);
	ck_assert(ca_value_duration("90s", &s) && s == 90);
	ck_assert(ca_value_duration("15m", &s) && s == 900);
	ck_assert(ca_value_duration("12h", &s) && s == 43200);
	ck_assert(ca_value_duration("7d", &s) && s == 604800);
	ck_assert(ca_value_duration("1d2h3m4s", &s) && s == 93784);
	s = 7;
	ck_assert(!ca_value_duration("", &s));
	ck_assert(!ca_value_duration("h", &s));
	ck_assert(!ca_value_duration("1h30", &s));
	ck_assert(!ca_value_duration("30m1h", &s));
	ck_assert(!ca_value_duration("1m1m", &s));
	ck_assert(!ca_value_duration("-5", &s));
	ck_assert(!ca_value_duration("5 s", &s));
	ck_assert(!ca_value_duration("1w", &s));
	ck_assert(!ca_value_duration("99999999999999999999999s", &s));
	ck_assert(!ca_value_duration("40000d", &s));
	ck_assert_int_eq(s, 7);
}
END_TEST

START_TEST(value_hostports_ints_bools)
{
	struct ca_hostport hp;
	long v;
	bool b;

	ck_assert(ca_value_hostport("localhost:2000", &hp));
	ck_assert_str_eq(hp.host, "localhost");
	ck_assert_int_eq(hp.port, 2000);
	ck_assert(ca_value_hostport("[fe80::1]:65535", &hp));
	ck_assert_str_eq(hp.host, "fe80::1");
	ck_assert(!ca_value_hostport("host", &hp));
	ck_assert(!ca_value_hostport(":80", &hp));
	ck_assert(!ca_value_hostport("host:", &hp));
	ck_assert(!ca_value_hostport("host:0", &hp));
	ck_assert(!ca_value_hostport("host:65536", &hp));
	ck_assert(!ca_value_hostport("host:80x", &hp));
	ck_assert(!ca_value_hostport("host:+80", &hp));
	ck_assert(!ca_value_hostport("ho st:80", &hp));
	ck_assert(!ca_value_hostport("::1:80", &hp));
	ck_assert(!ca_value_hostport("[::1]80", &hp));
	ck_assert(!ca_value_hostport("[zz]:80", &hp));
	ck_assert(ca_value_int("-12", &v) && v == -12);
	ck_assert(!ca_value_int(" 12", &v));
	ck_assert(!ca_value_int("+12", &v));
	ck_assert(!ca_value_int("12.0", &v));
	ck_assert(!ca_value_int("99999999999999999999", &v));
	ck_assert(ca_value_bool("True", &b) && b);
	ck_assert(ca_value_bool("false", &b) && !b);
	ck_assert(!ca_value_bool("no", &b));
	ck_assert(!ca_value_bool("1", &b));
}
END_TEST

START_TEST(value_urls)
{
	static const char *const mysql[] = { "mysql", NULL };

	ck_assert_ptr_null(ca_value_url_problem("http://127.0.0.1:5000", NULL));
	ck_assert_ptr_null(ca_value_url_problem("https://cognito-idp.ap-southeast-1.amazonaws.com/"
						"ap-southeast-1_abc", NULL));
	ck_assert_ptr_null(ca_value_url_problem("HTTP://[::1]:80/x?y#z", NULL));
	ck_assert_ptr_null(ca_value_url_problem("mysql://root:pw@127.0.0.1:3306/db", mysql));
	ck_assert_ptr_null(ca_value_url_problem("mysql://localhost/db", mysql));
	ck_assert_str_eq(ca_value_url_problem("http://127.0.0.1", mysql),
			 "its scheme is not one accepted here");
	ck_assert_str_eq(ca_value_url_problem("127.0.0.1:5000", NULL),
			 "it does not start with a scheme such as http://");
	ck_assert_str_eq(ca_value_url_problem("http://", NULL), "it has no host");
	ck_assert_str_eq(ca_value_url_problem("http://user@/x", NULL), "it has no host");
	ck_assert_str_eq(ca_value_url_problem("http://a b", NULL),
			 "it contains spaces, control or non-ASCII characters");
	ck_assert_str_eq(ca_value_url_problem("http://h\xc3\xa9", NULL),
			 "it contains spaces, control or non-ASCII characters");
	ck_assert_str_eq(ca_value_url_problem("http://h:99999", NULL),
			 "its port is not a number from 1 to 65535");
	ck_assert_str_eq(ca_value_url_problem("http://h:", NULL),
			 "its port is not a number from 1 to 65535");
	ck_assert_str_eq(ca_value_url_problem("http://[::1/", NULL), "its IPv6 host is malformed");
	ck_assert_str_eq(ca_value_url_problem("http://-bad/", NULL), "its host name is malformed");
	ck_assert_str_eq(ca_value_url_problem("ht~tp://x", NULL),
			 "its scheme has characters a scheme cannot have");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config_schema");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fills_every_type);
	tcase_add_test(tc, defaults_and_empty_values);
	tcase_add_test(tc, unknown_keys_suggest_the_closest);
	tcase_add_test(tc, unknown_keys_allowed_where_asked);
	tcase_add_test(tc, missing_required_keys_name_the_parent);
	tcase_add_test(tc, wrong_types_say_what_was_expected);
	tcase_add_test(tc, keys_of_another_kind_are_refused);
	tcase_add_test(tc, secrets_are_never_shown);
	tcase_add_test(tc, open_sections_bad_defaults_and_sub_nodes);
	tcase_add_test(tc, value_durations);
	tcase_add_test(tc, value_hostports_ints_bools);
	tcase_add_test(tc, value_urls);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
