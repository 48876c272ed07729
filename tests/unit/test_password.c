/*
 * Password hashes against werkzeug itself: the test runs the project
 * virtualenv's werkzeug (CA_PYTHON, default .venv/bin/python from the repository
 * root) to make hashes we must verify and to check the hashes we make.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_ca.h"
#include "auth/password.h"
#include "util/buf.h"
#include "util/crypto.h"

static const char *python(void)
{
	const char *p = getenv("CA_PYTHON");
	return p && *p ? p : ".venv/bin/python";
}

/* Writes text to a new temporary file; returns its malloc'd path. */
static char *write_temp(const char *text)
{
	char tmpl[] = "/tmp/ca-test-password-XXXXXX";
	int fd = mkstemp(tmpl);
	size_t len = strlen(text);

	ck_assert_msg(fd >= 0, "mkstemp failed");
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return strdup(tmpl);
}

/* Runs a Python script with args; returns its stdout (caller frees). */
static char *run_python(const char *script, const char *arg)
{
	struct ca_buf cmd = CA_BUF_INIT, out = CA_BUF_INIT;
	char *path = write_temp(script);
	char chunk[4096];
	size_t n;
	FILE *f;
	int status;

	ck_assert_msg(access(python(), X_OK) == 0,
		      "no Python at %s (set CA_PYTHON or create the project .venv)", python());
	ca_buf_addf(&cmd, "'%s' '%s' %s", python(), path, arg ? arg : "");
	f = popen(cmd.data, "r");
	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ca_buf_add(&out, chunk, n);
	status = pclose(f);
	unlink(path);
	free(path);
	ca_buf_release(&cmd);
	ck_assert_msg(status == 0, "python script failed (status %d): %s", status, out.data);
	return ca_buf_detach(&out, NULL);
}

static void hex_of(const char *s, char *out, size_t cap)
{
	size_t len = strlen(s);

	ck_assert(2 * len + 1 <= cap);
	ca_hex_encode((const uint8_t *)s, len, out);
}

static char *unhex(const char *hex, size_t len)
{
	char *out = calloc(len / 2 + 1, 1);
	size_t n = 0;

	ck_assert(ca_hex_decode(hex, len, (uint8_t *)out, len / 2, &n));
	return out;
}

/* Passwords used in both directions: ASCII, empty, non-ASCII, long, with separators. */
static const char *const passwords[] = {
	"hunter2",
	"",
	"p\xc3\xa4sswort \xe2\x98\x83 \xe5\xaf\x86\xe7\xa0\x81",
	"with$dollar:and:colons",
	"0123456789012345678901234567890123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789",
};

/*
 * Prints "<password hex>\t<hash>\t<werkzeug's own verdict>" lines: werkzeug's
 * generate_password_hash in several methods, plus count-less pbkdf2 hashes made
 * by dropping the count that werkzeug wrote.
 */
static const char werkzeug_make[] =
	"import sys\n"
	"from werkzeug.security import generate_password_hash, check_password_hash, _hash_internal\n"
	"quick = ['pbkdf2:sha256:1000', 'pbkdf2:sha1:2000', 'pbkdf2:sha512:1500',\n"
	"         'scrypt', 'scrypt:1024:8:1', 'scrypt:2048:4:3']\n"
	"for i, pwhex in enumerate(sys.argv[1:]):\n"
	"    pw = bytes.fromhex(pwhex).decode()\n"
	"    # werkzeug's own default pbkdf2 (1000000 iterations) is slow: first password only\n"
	"    for m in quick + (['pbkdf2:sha256'] if i == 0 else []):\n"
	"        h = generate_password_hash(pw, method=m)\n"
	"        print(pwhex, h, check_password_hash(h, pw), sep='\\t')\n"
	"    if i:\n"
	"        continue\n"
	"    # no count: today's default (what this werkzeug assumes) and the seed era's 50000\n"
	"    for n in (1000000, 50000):\n"
	"        salt = 'AbCdEfGh'\n"
	"        digest = _hash_internal('pbkdf2:sha256:%d' % n, salt, pw)[0]\n"
	"        h = 'pbkdf2:sha256$%s$%s' % (salt, digest)\n"
	"        print(pwhex, h, check_password_hash(h, pw), sep='\\t')\n";

START_TEST(werkzeug_hashes_verify_with_us)
{
	struct ca_buf args = CA_BUF_INIT;
	char hex[1024];
	char *out, *line, *save = NULL;
	size_t i, lines = 0, methods_seen_scrypt = 0;

	for (i = 0; i < sizeof(passwords) / sizeof(passwords[0]); i++) {
		hex_of(passwords[i], hex, sizeof(hex));
		ca_buf_addf(&args, "'%s' ", hex);
	}
	out = run_python(werkzeug_make, args.data);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab1 = strchr(line, '\t'), *tab2, *pw;
		struct ca_err err;
		struct ca_buf wrong = CA_BUF_INIT;
		int rc;

		ck_assert_ptr_nonnull(tab1);
		tab2 = strchr(tab1 + 1, '\t');
		ck_assert_ptr_nonnull(tab2);
		*tab1 = *tab2 = '\0';
		pw = unhex(line, strlen(line));
		if (!strncmp(tab1 + 1, "scrypt", 6))
			methods_seen_scrypt++;
		ca_err_clear(&err);
		rc = ca_password_verify(tab1 + 1, pw, &err);
		ck_assert_msg(rc == CA_OK, "werkzeug hash %s did not verify: %s", tab1 + 1,
			      ca_err_msg(&err));
		/* the count-less 50000 one is the only one today's werkzeug rejects */
		if (strcmp(tab2 + 1, "True") != 0)
			ck_assert_msg(strncmp(tab1 + 1, "pbkdf2:sha256$", 14) == 0,
				      "werkzeug rejected its own %s", tab1 + 1);
		ca_buf_addf(&wrong, "%sx", pw);
		ck_assert_int_eq(ca_password_verify(tab1 + 1, wrong.data, NULL), CA_AUTH_MISMATCH);
		if (lines >= 9) /* after the first password's slow ones */
			ck_assert_int_eq(ca_password_verify(tab1 + 1, "", NULL),
					 pw[0] ? CA_AUTH_MISMATCH : CA_OK);
		ca_buf_release(&wrong);
		free(pw);
		lines++;
	}
	ck_assert_uint_eq(lines, 6 * sizeof(passwords) / sizeof(passwords[0]) + 3);
	ck_assert_uint_eq(methods_seen_scrypt, 3 * sizeof(passwords) / sizeof(passwords[0]));
	free(out);
	ca_buf_release(&args);
}
END_TEST

/* Reads "<password hex>\t<hash>" lines from the file in argv[1]; prints one verdict each. */
static const char werkzeug_check[] =
	"import sys\n"
	"from werkzeug.security import check_password_hash\n"
	"for line in open(sys.argv[1]):\n"
	"    pwhex, h = line.rstrip('\\n').split('\\t')\n"
	"    pw = bytes.fromhex(pwhex).decode()\n"
	"    print('ok' if check_password_hash(h, pw) and not check_password_hash(h, pw + 'x')\n"
	"          else 'FAIL ' + h)\n";

START_TEST(our_hashes_verify_with_werkzeug)
{
	struct ca_buf lines = CA_BUF_INIT;
	char hex[1024];
	char *out, *path, *p;
	size_t i, oks = 0, n = sizeof(passwords) / sizeof(passwords[0]);

	for (i = 0; i < n; i++) {
		char *h = NULL;
		struct ca_err err;

		ca_err_clear(&err);
		/* the default parameters once (slow), quick ones for the rest */
		if (i == 0)
			ck_assert_int_eq(ca_password_hash(passwords[i], &h, &err), CA_OK);
		else
			ck_assert_int_eq(ca_password_hash_with(passwords[i], 1000 + (long)i, 8 + i * 10,
							       &h, &err),
					 CA_OK);
		ck_assert_int_eq(ca_password_verify(h, passwords[i], NULL), CA_OK);
		hex_of(passwords[i], hex, sizeof(hex));
		ca_buf_addf(&lines, "%s\t%s\n", hex, h);
		free(h);
	}
	path = write_temp(lines.data);
	out = run_python(werkzeug_check, path);
	unlink(path);
	for (p = out; (p = strstr(p, "ok\n")) != NULL; p += 3)
		oks++;
	ck_assert_msg(oks == n, "werkzeug said:\n%s", out);
	free(out);
	free(path);
	ca_buf_release(&lines);
}
END_TEST

START_TEST(written_hash_fits_the_legacy_column)
{
	char *a = NULL, *b = NULL;
	size_t i;

	ck_assert_int_eq(ca_password_hash("secret", &a, NULL), CA_OK);
	ck_assert_int_eq(ca_password_hash("secret", &b, NULL), CA_OK);
	ck_assert_uint_le(strlen(a), CA_PASSWORD_LEGACY_MAX);
	ck_assert(!strncmp(a, "pbkdf2:sha256:600000$", 21));
	for (i = 21; i < 21 + CA_PASSWORD_SALT_LEN; i++)
		ck_assert(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", a[i]));
	ck_assert_int_eq(a[21 + CA_PASSWORD_SALT_LEN], '$');
	ck_assert_uint_eq(strlen(a + 22 + CA_PASSWORD_SALT_LEN), 64);
	ck_assert_str_ne(a, b); /* fresh salt each time */
	ck_assert(!ca_password_needs_rehash(a));
	free(a);
	free(b);
	ck_assert_int_eq(ca_password_hash_with("x", 999, 12, &a, NULL), CA_EINVAL);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(ca_password_hash_with("x", 1000, 7, &a, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_password_hash_with("x", 1000, 65, &a, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_password_hash(NULL, &a, NULL), CA_EINVAL);
}
END_TEST

/* Published vectors, independent of werkzeug: RFC 6070 (PBKDF2-HMAC-SHA1), RFC 7914 (scrypt). */
START_TEST(published_vectors)
{
	ck_assert_int_eq(ca_password_verify("pbkdf2:sha1:1$salt$0c60c80f961f0e71f3a9b524af6012062fe037a6",
					    "password", NULL),
			 CA_OK);
	ck_assert_int_eq(ca_password_verify("pbkdf2:sha1:2$salt$ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
					    "password", NULL),
			 CA_OK);
	ck_assert_int_eq(ca_password_verify("pbkdf2:sha1:4096$salt$4b007901b765489abead49d926f721d065a429c1",
					    "password", NULL),
			 CA_OK);
	ck_assert_int_eq(ca_password_verify("pbkdf2:sha1:4096$salt$4b007901b765489abead49d926f721d065a429c1",
					    "Password", NULL),
			 CA_AUTH_MISMATCH);
	ck_assert_int_eq(
		ca_password_verify("scrypt:1024:8:16$NaCl$"
				   "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
				   "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
				   "password", NULL),
		CA_OK);
}
END_TEST

START_TEST(hostile_and_malformed_hashes_are_refused)
{
	static const char h64[] = "0c60c80f961f0e71f3a9b524af6012062fe037a60c60c80f961f0e71f3a9b524";
	static const char *const bad[] = {
		"",
		"plain",
		"$$",
		"pbkdf2:sha256:1000$salt",
		"pbkdf2:sha256:1000$$%s",              /* empty salt */
		"pbkdf2:md5:1000$salt$%s",
		"pbkdf2:sha3_256:1000$salt$%s",
		"pbkdf2:sha256:0$salt$%s",
		"pbkdf2:sha256:-5$salt$%s",
		"pbkdf2:sha256:+5$salt$%s",
		"pbkdf2:sha256: 1000$salt$%s",
		"pbkdf2:sha256:1e3$salt$%s",
		"pbkdf2:sha256:1000:7$salt$%s",
		"pbkdf2:sha256:$salt$%s",
		"pbkdf2:$salt$%s",
		"pbkdf2:sha256:1000000000000$salt$%s", /* 10^12 iterations: refused, not run */
		"pbkdf2:sha256:99999999999999999999999999$salt$%s",
		"pbkdf2:sha256:2000001$salt$%s",
		"pbkdf2:sha256:1000$salt$%.63s",       /* digest one digit short */
		"pbkdf2:sha256:1000$salt$%sab",        /* one byte long */
		"pbkdf2:sha256:1000$salt$%.62sAB",     /* uppercase: werkzeug never writes it */
		"pbkdf2:sha256:1000$salt$%.62sg0",
		"pbkdf2:sha256:1000$salt$%.62s$0",
		"pbkdf2:sha1:1000$salt$%s",            /* sha1 wants 40 digits */
		"PBKDF2:sha256:1000$salt$%s",
		" pbkdf2:sha256:1000$salt$%s",
		"sha256$salt$%s",                      /* werkzeug < 2.3 salted HMAC: not supported */
		"bcrypt$salt$%s",
		"scrypt:1099511627776:8:1$salt$%s%s",  /* n = 2^40 */
		"scrypt:1048576:8:1$salt$%s%s",        /* 1 GiB */
		"scrypt:16384:8:1000$salt$%s%s",       /* too much work */
		"scrypt:32768:8$salt$%s%s",
		"scrypt:32768:8:1:1$salt$%s%s",
		"scrypt:3:8:1$salt$%s%s",              /* n not a power of two */
		"scrypt:1:8:1$salt$%s%s",
		"scrypt:32768:0:1$salt$%s%s",
		"scrypt:32768:8:0$salt$%s%s",
		"scrypt:32768:8:1$salt$%s",            /* 64 digits, scrypt wants 128 */
	};
	char stored[2048];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ca_err err;
		int rc;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
		snprintf(stored, sizeof(stored), bad[i], h64, h64);
#pragma GCC diagnostic pop
		ca_err_clear(&err);
		rc = ca_password_verify(stored, "password", &err);
		ck_assert_msg(rc == CA_AUTH_BAD_HASH, "%s gave %d (%s)", stored, rc, ca_err_msg(&err));
		ck_assert(strlen(ca_err_msg(&err)) > 10);
		ck_assert(strstr(ca_err_msg(&err), "password\"") == NULL);
		ck_assert(!ca_password_needs_rehash(stored));
	}
	ck_assert_int_eq(ca_password_verify(NULL, "password", NULL), CA_AUTH_BAD_HASH);
	memset(stored, 'a', sizeof(stored) - 1);
	stored[sizeof(stored) - 1] = '\0';
	memcpy(stored, "pbkdf2:sha256:1000$", 19);
	ck_assert_int_eq(ca_password_verify(stored, "password", NULL), CA_AUTH_BAD_HASH);
	/* a NULL password is a caller error, not a mismatch */
	ck_assert_int_eq(ca_password_verify("pbkdf2:sha1:1$salt$0c60c80f961f0e71f3a9b524af6012062fe037a6",
					    NULL, NULL),
			 CA_EINVAL);
}
END_TEST

START_TEST(rehash_advice)
{
	ck_assert(ca_password_needs_rehash("pbkdf2:sha1:1$salt$0c60c80f961f0e71f3a9b524af6012062fe037a6"));
	ck_assert(ca_password_needs_rehash(
		"pbkdf2:sha256:50000$salt$0c60c80f961f0e71f3a9b524af6012062fe037a60c60c80f961f0e71f3a9b524"));
	ck_assert(ca_password_needs_rehash(
		"pbkdf2:sha256$salt$0c60c80f961f0e71f3a9b524af6012062fe037a60c60c80f961f0e71f3a9b524"));
	ck_assert(!ca_password_needs_rehash(
		"pbkdf2:sha256:1000000$salt$0c60c80f961f0e71f3a9b524af6012062fe037a60c60c80f961f0e71f3a9b524"));
	ck_assert(!ca_password_needs_rehash("garbage"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("werkzeug");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, werkzeug_hashes_verify_with_us);
	tcase_add_test(tc, our_hashes_verify_with_werkzeug);
	tcase_add_test(tc, written_hash_fits_the_legacy_column);
	tcase_add_test(tc, published_vectors);
	tcase_add_test(tc, hostile_and_malformed_hashes_are_refused);
	tcase_add_test(tc, rehash_advice);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
