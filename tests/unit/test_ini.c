/* The shared-file (INI) reader: the format AWS's tools accept, and hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_ca.h"
#include "aws/ini.h"
#include "util/error.h"

static int parse(struct aws_ini *ini, const char *text, struct ca_err *err)
{
	ca_err_clear(err);
	return aws_ini_parse(ini, text, strlen(text), "creds.ini", err);
}

START_TEST(reads_sections_keys_and_comments)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	int line = 0;

	ck_assert_int_eq(parse(&ini,
		"# a comment\n"
		"; another\n"
		"[default]\n"
		"aws_access_key_id = AKIDEXAMPLE\n"
		"aws_secret_access_key=  wJalr/K7+MDENG  \t\n"
		"\n"
		"[ profile   dev ]  # trailing comment\n"
		"region: eu-west-1   ; where we live\n"
		"url = http://x/#fragment-kept\n", &err), CA_OK);
	ck_assert_str_eq(aws_ini_get(&ini, "default", "aws_access_key_id", &line), "AKIDEXAMPLE");
	ck_assert_int_eq(line, 4);
	ck_assert_str_eq(aws_ini_get(&ini, "default", "aws_secret_access_key", NULL),
			 "wJalr/K7+MDENG");
	ck_assert_str_eq(aws_ini_get(&ini, "profile dev", "region", NULL), "eu-west-1");
	/* '#' not after a blank belongs to the value */
	ck_assert_str_eq(aws_ini_get(&ini, "profile dev", "url", NULL), "http://x/#fragment-kept");
	ck_assert_ptr_null(aws_ini_get(&ini, "dev", "region", NULL));
	ck_assert_ptr_null(aws_ini_get(&ini, "default", "region", NULL));
	ck_assert(aws_ini_has_section(&ini, "profile dev"));
	ck_assert(!aws_ini_has_section(&ini, "profile"));
	aws_ini_release(&ini);
	aws_ini_release(&ini); /* twice is safe */
	aws_ini_release(NULL);
}
END_TEST

START_TEST(keys_case_insensitive_later_duplicate_wins_sections_merge)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	int line = 0;

	ck_assert_int_eq(parse(&ini,
		"[a]\nAWS_Access_Key_ID = one\n[b]\nk = v\n[a]\naws_access_key_id = two\n",
		&err), CA_OK);
	ck_assert_str_eq(aws_ini_get(&ini, "a", "aws_access_key_id", &line), "two");
	ck_assert_int_eq(line, 6);
	ck_assert_str_eq(aws_ini_get(&ini, "b", "K", NULL), "v");
	ck_assert_uint_eq(ini.n_sections, 2);
	aws_ini_release(&ini);
}
END_TEST

START_TEST(crlf_bom_empty_values_and_no_final_newline)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;

	ck_assert_int_eq(parse(&ini, "\xEF\xBB\xBF[default]\r\nregion = us-east-1\r\nempty =\r\n"
			       "last = x", &err), CA_OK);
	ck_assert_str_eq(aws_ini_get(&ini, "default", "region", NULL), "us-east-1");
	ck_assert_str_eq(aws_ini_get(&ini, "default", "empty", NULL), "");
	ck_assert_str_eq(aws_ini_get(&ini, "default", "last", NULL), "x");
	aws_ini_release(&ini);

	ck_assert_int_eq(parse(&ini, "", &err), CA_OK);
	ck_assert_uint_eq(ini.n, 0);
	ck_assert_int_eq(parse(&ini, "\n\n   \n# only comments\n", &err), CA_OK);
	ck_assert_uint_eq(ini.n_sections, 0);
	aws_ini_release(&ini);
}
END_TEST

START_TEST(indented_continuations_are_skipped)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;

	ck_assert_int_eq(parse(&ini,
		"[profile x]\n"
		"s3 =\n"
		"    addressing_style = path\n"
		"    garbage without equals\n"
		"region = ap-southeast-1\n", &err), CA_OK);
	ck_assert_str_eq(aws_ini_get(&ini, "profile x", "s3", NULL), "");
	ck_assert_ptr_null(aws_ini_get(&ini, "profile x", "addressing_style", NULL));
	ck_assert_str_eq(aws_ini_get(&ini, "profile x", "region", NULL), "ap-southeast-1");
	aws_ini_release(&ini);

	/* keys all indented the same are ordinary keys, not continuations */
	ck_assert_int_eq(parse(&ini, "[d]\n  a = 1\n  b = 2\n", &err), CA_OK);
	ck_assert_str_eq(aws_ini_get(&ini, "d", "b", NULL), "2");
	aws_ini_release(&ini);
}
END_TEST

/* Each hostile input gives its code and a sentence naming the file and the line. */
struct bad_case {
	const char *text;
	int code;
	const char *msg_part;
};

static const struct bad_case bad_cases[] = {
	{ "aws_access_key_id = x\n", CA_EPARSE, "creds.ini line 1: " },
	{ "[default\nk = v\n", CA_EPARSE, "line 1: section header has no closing ']'" },
	{ "[default]\njust some words\n", CA_EPARSE, "line 2: expected \"key = value\"" },
	{ "[default]\n= value\n", CA_EPARSE, "line 2: the key before '=' is empty" },
	{ "[]\n", CA_EPARSE, "line 1: section name is empty" },
	{ "[   ]\n", CA_EPARSE, "line 1: section name is empty" },
	{ "[a] b\n", CA_EPARSE, "line 1: unexpected text after" },
	{ "[a[b]\n", CA_EPARSE, "line 1: section header contains a second '['" },
	{ "[a]\nk = v\n\n\n[b]\n]\n", CA_EPARSE, "line 6: expected" },
};

START_TEST(hostile_lines_name_file_and_line)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	const struct bad_case *c = &bad_cases[_i];

	ck_assert_int_eq(parse(&ini, c->text, &err), c->code);
	ck_assert_int_eq(err.code, c->code);
	ck_assert_msg(strstr(ca_err_msg(&err), c->msg_part), "case %d: got \"%s\"", _i,
		      ca_err_msg(&err));
	ck_assert_msg(strstr(ca_err_msg(&err), "creds.ini"), "no file name in \"%s\"",
		      ca_err_msg(&err));
	/* left empty and safe */
	ck_assert_uint_eq(ini.n, 0);
	ck_assert_uint_eq(ini.n_sections, 0);
	aws_ini_release(&ini);
}
END_TEST

START_TEST(nul_byte_is_refused)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	const char text[] = "[default]\nk = a\0b\n";

	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_parse(&ini, text, sizeof(text) - 1, "f", &err), CA_EPARSE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "f line 2: contains a NUL byte"));
	aws_ini_release(&ini);
}
END_TEST

START_TEST(size_caps)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	size_t n = AWS_INI_MAX_LINE + 10, i;
	char *text = malloc(AWS_INI_MAX_FILE + 2);

	ck_assert_ptr_nonnull(text);
	/* one overlong line */
	memcpy(text, "[a]\nk = ", 8);
	memset(text + 8, 'x', n);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_parse(&ini, text, 8 + n, "big", &err), CA_ERANGE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "big line 2: line is longer than"));
	/* an overlong file */
	memset(text, '\n', AWS_INI_MAX_FILE + 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_parse(&ini, text, AWS_INI_MAX_FILE + 1, "big", &err), CA_ERANGE);
	/* too many keys: bounded work, clear error */
	for (i = 0, n = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, 32, "[s%zu]\nk=v\n", i);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_parse(&ini, text, n, "many", &err), CA_ERANGE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "many line"));
	aws_ini_release(&ini);
	free(text);
}
END_TEST

START_TEST(random_bytes_never_crash)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	char text[512];
	const char alphabet[] = "[]=:#; \t\r\nabcXYZ\x80\xff\0";
	unsigned seed = 12345;
	int round;
	size_t i;

	for (round = 0; round < 3000; round++) {
		size_t len = (size_t)(round % (int)sizeof(text));

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		ca_err_clear(&err);
		if (aws_ini_parse(&ini, text, len, "fuzz", &err) != CA_OK)
			ck_assert(strstr(ca_err_msg(&err), "fuzz") != NULL);
		aws_ini_release(&ini);
	}
}
END_TEST

START_TEST(load_missing_unreadable_and_directory)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	char dir[] = "/tmp/ca_ini_XXXXXX", path[64];
	bool missing = false;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nope", dir);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_load(&ini, path, &missing, &err), CA_OK);
	ck_assert(missing);
	ck_assert_uint_eq(ini.n, 0);

	ck_assert_int_eq(aws_ini_load(&ini, dir, &missing, &err), CA_EIO);
	ck_assert(!missing);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), dir));

	snprintf(path, sizeof(path), "%s/config", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[profile p]\nregion = sa-east-1\n[broken\n", f);
	fclose(f);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_load(&ini, path, &missing, &err), CA_EPARSE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), path));
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "line 3"));

	f = fopen(path, "w");
	fputs("[profile p]\nregion = sa-east-1\n", f);
	fclose(f);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_ini_load(&ini, path, &missing, &err), CA_OK);
	ck_assert_str_eq(aws_ini_get(&ini, "profile p", "region", NULL), "sa-east-1");
	ck_assert_str_eq(ini.path, path);
	aws_ini_release(&ini);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reads_sections_keys_and_comments);
	tcase_add_test(tc, keys_case_insensitive_later_duplicate_wins_sections_merge);
	tcase_add_test(tc, crlf_bom_empty_values_and_no_final_newline);
	tcase_add_test(tc, indented_continuations_are_skipped);
	tcase_add_loop_test(tc, hostile_lines_name_file_and_line, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, nul_byte_is_refused);
	tcase_add_test(tc, size_caps);
	tcase_add_test(tc, random_bytes_never_crash);
	tcase_add_test(tc, load_missing_unreadable_and_directory);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
