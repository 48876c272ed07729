/*
 * test_sigv4.c — the SigV4 signer against AWS's published suite (case folders under
 * $CA_SIGV4_SUITE, laid out by scripts/run-unit.sh from tests/data/sigv4-cases.txt),
 * AWS's documented S3 examples, and hostile input.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "aws/amz_date.h"
#include "aws/s3_presign.h"
#include "aws/sigv4.h"
#include "aws/sigv4_canon.h"
#include "aws/sigv4_case.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#define SUITE_CASES 38

/* ---- helpers ---- */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The suite's case folder names, sorted; *n receives the count. Caller frees. */
static char **list_cases(size_t *n)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	snprintf(dir, sizeof(dir), "%s", ca_test_sigv4_suite());
	d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open the SigV4 suite at %s (set CA_SIGV4_SUITE; scripts/run-unit.sh does)", dir);
	while ((e = readdir(d)) != NULL) {
		char ctx[8192];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(ctx, sizeof(ctx), "%s/%s/context.json", dir, e->d_name);
		f = fopen(ctx, "r");
		if (!f)
			continue;
		fclose(f);
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			ck_assert_ptr_nonnull(names);
		}
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), compare_names);
	return names;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Reads a whole file; *len receives its size. Caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct ca_buf b = CA_BUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert_int_eq(ca_buf_add(&b, chunk, n), CA_OK);
	fclose(f);
	return ca_buf_detach(&b, len);
}

static const struct aws_credentials test_creds = {
	.access_key_id = "AKIDEXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

/* ---- the published suite ---- */

START_TEST(suite_has_every_case)
{
	size_t n;
	char **names = list_cases(&n);

	ck_assert_uint_eq(n, SUITE_CASES);
	free_names(names, n);
}
END_TEST

static const char *const outputs[] = { "canonical-request", "string-to-sign", "signature",
				       "signed-request" };

START_TEST(suite_case_matches)
{
	size_t n, mode, what;
	char **names = list_cases(&n);
	char dir[4096];
	struct sigv4_case c;
	struct ca_err err;

	ck_assert_uint_gt(n, (size_t)_i);
	snprintf(dir, sizeof(dir), "%s/%s", ca_test_sigv4_suite(), names[_i]);
	sigv4_case_init(&c);
	ca_err_clear(&err);
	ck_assert_msg(sigv4_case_load(dir, &c, &err) == CA_OK, "%s: %s", names[_i], ca_err_msg(&err));
	for (mode = 0; mode < 2; mode++) {
		struct sigv4_signed s;

		ck_assert_msg(sigv4_case_sign(&c, mode == 1, &s, &err) == CA_OK, "%s: %s",
			      names[_i], ca_err_msg(&err));
		for (what = 0; what < 4; what++) {
			struct ca_buf got = CA_BUF_INIT;
			char path[4200];
			size_t len;
			char *want;

			snprintf(path, sizeof(path), "%s/%s-%s.txt", dir, mode ? "query" : "header",
				 outputs[what]);
			want = slurp(path, &len);
			ck_assert_int_eq(sigv4_case_render(&c, mode == 1, &s, (enum sigv4_case_output)what,
							   &got), CA_OK);
			ck_assert_msg(got.len == len && memcmp(got.data, want, len) == 0,
				      "%s %s-%s differs:\n--- want\n%s\n--- got\n%s", names[_i],
				      mode ? "query" : "header", outputs[what], want, got.data);
			free(want);
			ca_buf_release(&got);
		}
		sigv4_signed_release(&s);
	}
	sigv4_case_release(&c);
	free_names(names, n);
}
END_TEST

/* ---- AWS's documented S3 examples (Signature V4 for S3, "examplebucket") ---- */

static const struct aws_credentials doc_creds = {
	.access_key_id = "AKIAIOSFODNN7EXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

START_TEST(s3_documented_get_object)
{
	struct sigv4_header h[] = { { "Host", "examplebucket.s3.amazonaws.com" },
				    { "Range", "bytes=0-9" } };
	struct sigv4_request req = { .method = "GET", .path = "/test.txt", .headers = h,
				     .n_headers = 2 };
	struct sigv4_params p = { .creds = &doc_creds, .region = "us-east-1", .service = "s3",
				  .when = 1369353600 /* 20130524T000000Z */, .s3 = true };
	struct sigv4_signed s;

	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_str_eq(s.amz_date, "20130524T000000Z");
	ck_assert_str_eq(s.content_sha256,
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_str_eq(s.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
	ck_assert_str_eq(s.signature,
			 "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	ck_assert_ptr_null(s.query);
	ck_assert_ptr_null(s.security_token);
	sigv4_signed_release(&s);
}
END_TEST

/* The documented PUT: the key test$file.text, whose canonical URI is /test%24file.text
 * (S3 encodes the path before it checks the signature), signed alike raw or encoded. */
START_TEST(s3_documented_put_object_with_a_reserved_character)
{
	static const char *const paths[] = { "/test$file.text", "/test%24file.text" };
	static const char body[] = "Welcome to Amazon S3.";
	struct sigv4_header h[] = { { "Host", "examplebucket.s3.amazonaws.com" },
				    { "Date", "Fri, 24 May 2013 00:00:00 GMT" },
				    { "x-amz-storage-class", "REDUCED_REDUNDANCY" } };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct sigv4_request req = { .method = "PUT", .path = paths[i], .headers = h,
					     .n_headers = 3, .body = body,
					     .body_len = sizeof(body) - 1 };
		struct sigv4_params p = { .creds = &doc_creds, .region = "us-east-1",
					  .service = "s3", .when = 1369353600, .s3 = true };
		struct sigv4_signed s;

		ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
		ck_assert_str_eq(s.content_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e"
				 "42034a8b803f8b072");
		ck_assert_msg(ca_starts_with(s.canonical_request, "PUT\n/test%24file.text\n\n"),
			      "%s", s.canonical_request);
		ck_assert_str_eq(s.signed_headers,
				 "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
		ck_assert_str_eq(s.signature,
				 "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
		sigv4_signed_release(&s);
	}
}
END_TEST

/* A presigned URL carries the path as it is signed: encoded as S3 reads it. */
START_TEST(s3_presigned_url_of_a_raw_reserved_key_is_sent_encoded)
{
	struct s3_presign_request raw = { .url = "https://examplebucket.s3.amazonaws.com/a$b+c=d@e",
					  .expires = 600, .when = 1369353600,
					  .creds = &doc_creds, .region = "us-east-1" };
	struct s3_presign_request enc = raw;
	char *a = NULL, *b = NULL;

	enc.url = "https://examplebucket.s3.amazonaws.com/a%24b%2Bc%3Dd%40e";
	ck_assert_int_eq(s3_presign_url(&raw, &a, NULL), CA_OK);
	ck_assert_int_eq(s3_presign_url(&enc, &b, NULL), CA_OK);
	ck_assert_str_eq(a, b);
	ck_assert_msg(ca_starts_with(a, "https://examplebucket.s3.amazonaws.com/a%24b%2Bc%3Dd%40e?"),
		      "%s", a);
	free(a);
	free(b);
}
END_TEST

START_TEST(s3_documented_presigned_get)
{
	struct s3_presign_request r = { .url = "https://examplebucket.s3.amazonaws.com/test.txt",
					.expires = 86400, .when = 1369353600,
					.creds = &doc_creds, .region = "us-east-1" };
	char *url = NULL;

	ck_assert_int_eq(s3_presign_url(&r, &url, NULL), CA_OK);
	ck_assert_str_eq(url,
			 "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
			 "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
			 "&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86400"
			 "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	free(url);
}
END_TEST

/* ---- URI encoding and friends ---- */

START_TEST(uri_encode_rules)
{
	char *s;
	struct ca_buf b = CA_BUF_INIT;

	s = aws_uri_encode("AZaz09-._~", 10, true);
	ck_assert_str_eq(s, "AZaz09-._~");
	free(s);
	s = aws_uri_encode("a b+c=d&e/f*\xe1\x88\xb4", 15, true);
	ck_assert_str_eq(s, "a%20b%2Bc%3Dd%26e%2Ff%2A%E1%88%B4");
	free(s);
	s = aws_uri_encode("/k ey/", 6, false);
	ck_assert_str_eq(s, "/k%20ey/");
	free(s);
	s = aws_uri_encode("", 0, true);
	ck_assert_str_eq(s, "");
	free(s);
	s = aws_uri_encode("a\0b", 3, true); /* lengths, not NULs, bound the input */
	ck_assert_str_eq(s, "a%00b");
	free(s);
	ck_assert_ptr_null(aws_uri_encode(NULL, 3, true));

	ck_assert_int_eq(aws_percent_decode_buf(&b, "%41%2f%zz%4", 11), CA_OK);
	ck_assert_str_eq(b.data, "A/%zz%4");
	ca_buf_reset(&b);
	ck_assert_int_eq(aws_percent_decode_buf(&b, "a+b%", 4), CA_OK);
	ck_assert_str_eq(b.data, "a+b%");
	ca_buf_release(&b);
}
END_TEST

START_TEST(utf8_validation)
{
	ck_assert(aws_utf8_valid("plain", 5));
	ck_assert(aws_utf8_valid("\xe1\x88\xb4", 3));
	ck_assert(aws_utf8_valid("\xf0\x9f\x98\x80", 4));
	ck_assert(!aws_utf8_valid("\xc0\x80", 2));          /* overlong NUL */
	ck_assert(!aws_utf8_valid("\xe0\x80\xaf", 3));      /* overlong '/' */
	ck_assert(!aws_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	ck_assert(!aws_utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
	ck_assert(!aws_utf8_valid("\xe1\x88", 2));          /* truncated */
	ck_assert(!aws_utf8_valid("\x80", 1));              /* lone continuation */
	ck_assert(!aws_utf8_valid("\xff", 1));
}
END_TEST

static void expect_path(const char *path, bool s3, bool normalize, const char *want)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(sigv4_canonical_path(&b, path, s3, normalize, &err) == CA_OK, "%s: %s", path,
		      ca_err_msg(&err));
	ck_assert_str_eq(b.data, want);
	ca_buf_release(&b);
}

static void expect_path_error(const char *path, bool s3, int code)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(sigv4_canonical_path(&b, path, s3, true, &err), code);
	ck_assert_int_eq(err.code, code);
	ck_assert(strlen(ca_err_msg(&err)) > 10);
	ca_buf_release(&b);
}

START_TEST(canonical_path_rules)
{
	char *long_path;

	expect_path("/a/b/../c/./d", false, true, "/a/c/d");
	expect_path("/a/b/..", false, true, "/a");
	expect_path("/../../x", false, true, "/x");
	expect_path("/a//b/", false, true, "/a/b/");
	expect_path("", false, true, "/");
	expect_path("/%41 b", false, true, "/%2541%20b");  /* non-S3: encoded a second time */
	expect_path("/a/../b", false, false, "/a/../b");
	/* S3: never normalized; each segment as S3 reads it (decoded, then encoded once) */
	expect_path("/bucket/k%20y//x/../z%2B", true, true, "/bucket/k%20y//x/../z%2B");
	expect_path("/test$file.text", true, true, "/test%24file.text");
	expect_path("/test%24file.text", true, true, "/test%24file.text");
	expect_path("/b/a$b+c=d@e:f,g;h!i*j'k(l)m&n", true, true,
		    "/b/a%24b%2Bc%3Dd%40e%3Af%2Cg%3Bh%21i%2Aj%27k%28l%29m%26n");
	expect_path("/b/%e2%82%ac%20x", true, true, "/b/%E2%82%AC%20x");
	expect_path("/b/100%25/%zz", true, true, "/b/100%25/%25zz");
	expect_path("/b/a%2Fb", true, true, "/b/a/b");
	expect_path("/b/-._~", true, true, "/b/-._~");
	expect_path_error(NULL, false, CA_EINVAL);
	expect_path_error("relative", false, CA_EINVAL);
	expect_path_error("/a\nb", false, CA_EINVAL);
	expect_path_error("/a\x7f", false, CA_EINVAL);
	expect_path_error("/bad\xff\xfeutf8", false, CA_EINVAL);
	expect_path_error("/raw space", true, CA_EINVAL);
	expect_path_error("/raw\xe1\x88\xb4", true, CA_EINVAL);
	long_path = malloc(SIGV4_MAX_PATH + 2);
	memset(long_path, 'a', SIGV4_MAX_PATH + 1);
	long_path[0] = '/';
	long_path[SIGV4_MAX_PATH + 1] = '\0';
	expect_path_error(long_path, false, CA_ERANGE);
	free(long_path);
}
END_TEST

static void expect_query(const char *q, const char *want)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(sigv4_canonical_query(&b, q, NULL, 0, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_str_eq(b.data, want);
	ca_buf_release(&b);
}

START_TEST(canonical_query_rules)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	struct sigv4_param extra[] = { { "X-Amz-Credential", "AK/2015/r/s/aws4_request" },
				       { "b", "a b" } };
	char *many;
	size_t i;

	expect_query(NULL, "");
	expect_query("", "");
	expect_query("b=2&a=1&a=0", "a=0&a=1&b=2");
	expect_query("flag", "flag=");
	expect_query("flag&x=", "flag=&x=");
	expect_query("a=b=c", "a=b%3Dc");
	expect_query("&&x=1&", "x=1");
	expect_query("a+b=c d", "a%2Bb=c%20d");
	expect_query("k=%7e%2F%41%zz", "k=~%2FA%25zz");
	/* sorted by name, then value: not as whole "name=value" strings */
	expect_query("a-=1&a=2", "a=2&a-=1");
	expect_query("Z=1&a=1", "Z=1&a=1");  /* byte order: upper case first */

	ca_err_clear(&err);
	ck_assert_int_eq(sigv4_canonical_query(&b, "a=1", extra, 2, &err), CA_OK);
	ck_assert_str_eq(b.data, "X-Amz-Credential=AK%2F2015%2Fr%2Fs%2Faws4_request&a=1&b=a%20b");
	ca_buf_reset(&b);

	ck_assert_int_eq(sigv4_canonical_query(&b, "a=\x01", NULL, 0, &err), CA_EINVAL);
	ca_err_clear(&err);
	ck_assert_int_eq(sigv4_canonical_query(&b, "a=\xc0\x80", NULL, 0, &err), CA_EINVAL);
	ca_err_clear(&err);
	many = malloc(4 * (SIGV4_MAX_QUERY_PARAMS + 5) + 1);
	for (i = 0; i < SIGV4_MAX_QUERY_PARAMS + 5; i++)
		memcpy(many + 4 * i, "a=1&", 4);
	many[4 * (SIGV4_MAX_QUERY_PARAMS + 5)] = '\0';
	ck_assert_int_eq(sigv4_canonical_query(&b, many, NULL, 0, &err), CA_ERANGE);
	free(many);
	ca_buf_release(&b);
}
END_TEST

START_TEST(canonical_header_rules)
{
	struct sigv4_header h[] = {
		{ "Host", "example.com" },
		{ "X-B", "  two   words\t here  " },
		{ "x-a", "first" },
		{ "User-Agent", "never signed" },
		{ "X-A", "second" },
		{ "X-Folded", "line1\r\n  line2\n\tline3" },
		{ "X-Empty", "" },
	};
	struct ca_buf block = CA_BUF_INIT, names = CA_BUF_INIT;

	ck_assert_int_eq(sigv4_canonical_headers(&block, &names, h, 7, NULL), CA_OK);
	ck_assert_str_eq(block.data, "host:example.com\nx-a:first,second\nx-b:two words here\n"
				     "x-empty:\nx-folded:line1 line2 line3\n");
	ck_assert_str_eq(names.data, "host;x-a;x-b;x-empty;x-folded");
	ca_buf_release(&block);
	ca_buf_release(&names);
}
END_TEST

static void expect_header_error(const char *name, const char *value, int code)
{
	struct sigv4_header h[] = { { "Host", "example.com" }, { name, value } };
	struct ca_buf block = CA_BUF_INIT, names = CA_BUF_INIT;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(sigv4_canonical_headers(&block, &names, h, 2, &err), code);
	ck_assert_int_eq(err.code, code);
	ca_buf_release(&block);
	ca_buf_release(&names);
}

START_TEST(canonical_header_hostile)
{
	struct sigv4_header only[] = { { "X-A", "1" } }, blank_host[] = { { "Host", "  " } };
	struct sigv4_header *lots;
	struct ca_buf block = CA_BUF_INIT, names = CA_BUF_INIT;
	char *huge;
	size_t i;

	expect_header_error("", "v", CA_EINVAL);
	expect_header_error(NULL, "v", CA_EINVAL);
	expect_header_error("Bad Name", "v", CA_EINVAL);
	expect_header_error("Bad:Name", "v", CA_EINVAL);
	expect_header_error("X-A", NULL, CA_EINVAL);
	expect_header_error("X-A", "a\r\nX-Injected: 1", CA_EINVAL);
	expect_header_error("X-A", "a\nb", CA_EINVAL);
	expect_header_error("X-A", "nul\x01", CA_EINVAL);
	huge = malloc(SIGV4_MAX_HEADER_VALUE + 2);
	memset(huge, 'v', SIGV4_MAX_HEADER_VALUE + 1);
	huge[SIGV4_MAX_HEADER_VALUE + 1] = '\0';
	expect_header_error("X-A", huge, CA_ERANGE);
	memset(huge, 'n', SIGV4_MAX_HEADER_NAME + 1);
	huge[SIGV4_MAX_HEADER_NAME + 1] = '\0';
	expect_header_error(huge, "v", CA_ERANGE);
	free(huge);

	ck_assert_int_eq(sigv4_canonical_headers(&block, &names, only, 1, NULL), CA_EINVAL);
	ck_assert_int_eq(sigv4_canonical_headers(&block, &names, blank_host, 1, NULL), CA_EINVAL);
	ck_assert_int_eq(sigv4_canonical_headers(&block, &names, NULL, 3, NULL), CA_EINVAL);
	lots = calloc(SIGV4_MAX_HEADERS + 10, sizeof(*lots));
	for (i = 0; i < SIGV4_MAX_HEADERS + 10; i++)
		lots[i] = (struct sigv4_header){ "Host", "h" };
	ck_assert_int_eq(sigv4_canonical_headers(&block, &names, lots, SIGV4_MAX_HEADERS + 10, NULL),
			 CA_ERANGE);
	free(lots);
	ca_buf_release(&block);
	ca_buf_release(&names);
}
END_TEST

/* ---- the signer's own checks ---- */

static struct sigv4_header host_only[] = { { "Host", "example.amazonaws.com" } };

static void base_request(struct sigv4_request *req, struct sigv4_params *p)
{
	memset(req, 0, sizeof(*req));
	memset(p, 0, sizeof(*p));
	req->method = "GET";
	req->path = "/";
	req->headers = host_only;
	req->n_headers = 1;
	p->creds = &test_creds;
	p->region = "us-east-1";
	p->service = "service";
	p->when = 1440938160; /* 20150830T123600Z */
	p->expires = 3600;
}

/* Signs in the given mode; on error checks the message and that *out was left empty. */
static int try_sign(const struct sigv4_request *req, const struct sigv4_params *p, bool query)
{
	struct sigv4_signed s;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = query ? sigv4_sign_query(req, p, &s, &err) : sigv4_sign_headers(req, p, &s, &err);
	if (rc) {
		ck_assert_int_eq(err.code, rc);
		ck_assert(strlen(ca_err_msg(&err)) > 10);
		ck_assert_ptr_null(s.canonical_request);
		ck_assert_ptr_null(s.authorization);
		ck_assert_ptr_null(s.query);
	}
	sigv4_signed_release(&s);
	return rc;
}

START_TEST(signer_accepts_the_base_request)
{
	struct sigv4_request req;
	struct sigv4_params p;
	struct sigv4_signed s;

	base_request(&req, &p);
	ck_assert_int_eq(try_sign(&req, &p, false), CA_OK);
	ck_assert_int_eq(try_sign(&req, &p, true), CA_OK);
	/* the suite's get-vanilla signature, as a direct API call */
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_str_eq(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	ck_assert_str_eq(s.authorization,
			 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
			 "SignedHeaders=host;x-amz-date, "
			 "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	sigv4_signed_release(&s);
	sigv4_signed_release(NULL);
}
END_TEST

START_TEST(signer_rejects_bad_input)
{
	static const char *const bad_methods[] = { "", "get", "G ET", "GET\r\n", "ABCDEFGHIJKLMNOPQRSTU" };
	struct aws_credentials no_secret = { .access_key_id = "AK", .secret_access_key = "" };
	struct aws_credentials slash_key = { .access_key_id = "A/K", .secret_access_key = "s" };
	struct aws_credentials bad_token = { .access_key_id = "AK", .secret_access_key = "s",
					     .session_token = "tok en" };
	struct sigv4_header with_date[] = { { "Host", "h" }, { "X-Amz-Date", "x" } };
	struct sigv4_header with_sha[] = { { "Host", "h" }, { "x-amz-content-sha256", "x" } };
	struct sigv4_request req;
	struct sigv4_params p;
	struct sigv4_signed s;
	size_t i;

	base_request(&req, &p);
	ck_assert_int_eq(sigv4_sign_headers(NULL, &p, &s, NULL), CA_EINVAL);
	sigv4_signed_release(&s);
	ck_assert_int_eq(sigv4_sign_headers(&req, NULL, &s, NULL), CA_EINVAL);
	sigv4_signed_release(&s);
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, NULL, NULL), CA_EINVAL);

	for (i = 0; i < sizeof(bad_methods) / sizeof(bad_methods[0]); i++) {
		base_request(&req, &p);
		req.method = bad_methods[i];
		ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	}
	base_request(&req, &p);
	req.method = NULL;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);

	base_request(&req, &p);
	p.creds = NULL;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.creds = &no_secret;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.creds = &slash_key;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.creds = &bad_token;
	ck_assert_int_eq(try_sign(&req, &p, true), CA_EINVAL);

	base_request(&req, &p);
	p.region = "us-east-1/evil";
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.region = "";
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.region = "us-east-1";
	p.service = NULL;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);

	base_request(&req, &p);
	p.expires = 0;
	ck_assert_int_eq(try_sign(&req, &p, true), CA_EINVAL);
	p.expires = 604801;
	ck_assert_int_eq(try_sign(&req, &p, true), CA_EINVAL);
	p.expires = 604800;
	ck_assert_int_eq(try_sign(&req, &p, true), CA_OK);

	base_request(&req, &p);
	p.when = -1;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.when = (time_t)253402300800LL; /* year 10000 */
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);

	base_request(&req, &p);
	req.body_len = 5;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	req.body_len = 0;
	req.payload_hash = "not-a-hash";
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	req.payload_hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);

	base_request(&req, &p);
	req.headers = with_date;
	req.n_headers = 2;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	req.headers = with_sha;
	p.s3 = true;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	p.s3 = false; /* without S3 rules the caller's own x-amz-content-sha256 is just signed */
	ck_assert_int_eq(try_sign(&req, &p, false), CA_OK);

	base_request(&req, &p);
	req.headers = NULL;
	req.n_headers = 0;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL); /* no Host */
	req.n_headers = 2;
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);

	base_request(&req, &p);
	req.query = "a=1&X-Amz-Signature=abc";
	ck_assert_int_eq(try_sign(&req, &p, true), CA_EINVAL);
	ck_assert_int_eq(try_sign(&req, &p, false), CA_OK);
	req.query = "X-Amz-Credential";
	ck_assert_int_eq(try_sign(&req, &p, true), CA_EINVAL);

	base_request(&req, &p);
	req.path = "/\xe1\x88";
	ck_assert_int_eq(try_sign(&req, &p, false), CA_EINVAL);
	req.path = NULL;
	ck_assert_int_eq(try_sign(&req, &p, true), CA_EINVAL);
}
END_TEST

START_TEST(signer_session_token_placement)
{
	struct aws_credentials with_token = { .access_key_id = "AK", .secret_access_key = "s",
					      .session_token = "TOK/EN+=" };
	struct aws_credentials empty_token = { .access_key_id = "AK", .secret_access_key = "s",
					       .session_token = "" };
	struct sigv4_request req;
	struct sigv4_params p;
	struct sigv4_signed s;

	base_request(&req, &p);
	p.creds = &with_token;
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_str_eq(s.signed_headers, "host;x-amz-date;x-amz-security-token");
	ck_assert_str_eq(s.security_token, "TOK/EN+=");
	ck_assert_ptr_nonnull(strstr(s.canonical_request, "\nx-amz-security-token:TOK/EN+=\n"));
	sigv4_signed_release(&s);

	p.omit_session_token = true;
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_str_eq(s.signed_headers, "host;x-amz-date");
	ck_assert_str_eq(s.security_token, "TOK/EN+=");  /* still sent, just not signed */
	sigv4_signed_release(&s);

	p.omit_session_token = false;
	ck_assert_int_eq(sigv4_sign_query(&req, &p, &s, NULL), CA_OK);
	ck_assert_ptr_nonnull(strstr(s.canonical_request, "&X-Amz-Security-Token=TOK%2FEN%2B%3D&"));
	ck_assert_ptr_nonnull(strstr(s.query, "&X-Amz-Security-Token=TOK%2FEN%2B%3D&X-Amz-Signature="));
	sigv4_signed_release(&s);

	/* an empty token counts as none */
	p.creds = &empty_token;
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_str_eq(s.signed_headers, "host;x-amz-date");
	ck_assert_ptr_null(s.security_token);
	sigv4_signed_release(&s);
	ck_assert_int_eq(sigv4_sign_query(&req, &p, &s, NULL), CA_OK);
	ck_assert_ptr_null(strstr(s.query, "Security-Token"));
	sigv4_signed_release(&s);
}
END_TEST

START_TEST(signer_s3_payload_rules)
{
	struct sigv4_header h[] = { { "Host", "b.s3.amazonaws.com" } };
	struct sigv4_request req = { .method = "PUT", .path = "/k%20ey", .headers = h, .n_headers = 1,
				     .body = "hello", .body_len = 5 };
	struct sigv4_params p = { .creds = &test_creds, .region = "us-east-1", .service = "s3",
				  .when = 1440938160, .s3 = true, .expires = 60 };
	struct sigv4_signed s;

	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	/* sha256("hello") */
	ck_assert_str_eq(s.content_sha256,
			 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	ck_assert_str_eq(s.signed_headers, "host;x-amz-content-sha256;x-amz-date");
	ck_assert(strncmp(s.canonical_request, "PUT\n/k%20ey\n\n", 12) == 0); /* not re-encoded */
	ck_assert(ca_ends_with(s.canonical_request, "\n2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
	sigv4_signed_release(&s);

	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_str_eq(s.content_sha256, "UNSIGNED-PAYLOAD");
	ck_assert(ca_ends_with(s.canonical_request, "\nUNSIGNED-PAYLOAD"));
	sigv4_signed_release(&s);

	req.payload_hash = NULL; /* presigned S3: UNSIGNED-PAYLOAD, no content header */
	ck_assert_int_eq(sigv4_sign_query(&req, &p, &s, NULL), CA_OK);
	ck_assert(ca_ends_with(s.canonical_request, "\nhost\nUNSIGNED-PAYLOAD"));
	ck_assert_ptr_null(s.content_sha256);
	ck_assert_ptr_null(s.authorization);
	sigv4_signed_release(&s);

	p.s3 = false; /* other services: the body's hash, no header unless asked */
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_ptr_null(s.content_sha256);
	ck_assert(strncmp(s.canonical_request, "PUT\n/k%2520ey\n", 12) == 0);
	sigv4_signed_release(&s);
	p.content_sha256_header = true;
	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &s, NULL), CA_OK);
	ck_assert_ptr_nonnull(s.content_sha256);
	sigv4_signed_release(&s);
}
END_TEST

/* ---- presigned S3 URLs ---- */

static char *presign(const char *url, int *rc)
{
	struct s3_presign_request r = { .url = url, .expires = 900, .when = 1440938160,
					.creds = &test_creds, .region = "us-east-1" };
	struct ca_err err;
	char *out = (char *)"untouched";

	ca_err_clear(&err);
	*rc = s3_presign_url(&r, &out, &err);
	if (*rc) {
		ck_assert_ptr_null(out);
		ck_assert(strlen(ca_err_msg(&err)) > 10);
	}
	return out;
}

static const char *signature_of(const char *url)
{
	const char *s = strstr(url, "X-Amz-Signature=");

	ck_assert_ptr_nonnull(s);
	return s + 16;
}

START_TEST(presign_host_header_rules)
{
	int rc;
	char *a = presign("https://b.s3.amazonaws.com/k", &rc);
	char *b = presign("https://B.S3.Amazonaws.COM:443/k", &rc);
	char *c = presign("https://b.s3.amazonaws.com:8443/k", &rc);
	char *d = presign("http://127.0.0.1:80/bucket/k", &rc);
	char *e = presign("http://127.0.0.1/bucket/k", &rc);
	char *f = presign("http://[::1]:5000/bucket/k?versionId=3", &rc);

	ck_assert_int_eq(rc, CA_OK);
	/* the default port and letter case do not change the Host that is signed */
	ck_assert_str_eq(signature_of(a), signature_of(b));
	ck_assert_str_ne(signature_of(a), signature_of(c));
	ck_assert_str_eq(signature_of(d), signature_of(e));
	/* the URL itself is kept as given */
	ck_assert(strncmp(b, "https://B.S3.Amazonaws.COM:443/k?X-Amz-Algorithm=", 49) == 0);
	ck_assert(strncmp(f, "http://[::1]:5000/bucket/k?versionId=3&X-Amz-Algorithm=", 55) == 0);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
	free(f);
}
END_TEST

START_TEST(presign_rejects_bad_urls)
{
	static const char *const bad[] = {
		"", "b.s3.amazonaws.com/k", "ftp://host/k", "http://", "http:///k", "http://host:0/k",
		"http://host:65536/k", "http://host:12x/k", "http://host:/k", "http://user:pw@host/k",
		"http://host/a b", "http://host/caf\xc3\xa9", "http://host/k#frag", "http://[::1/k",
		"http://ho$t/k", "http://host/k\r\nX: y",
	};
	struct s3_presign_request r = { .url = "http://h/k", .expires = 0, .when = 1440938160,
					.creds = &test_creds, .region = "us-east-1" };
	char *out = NULL;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *u = presign(bad[i], &rc);

		ck_assert_msg(rc != CA_OK, "accepted %s", bad[i]);
		ck_assert_ptr_null(u);
	}
	ck_assert_ptr_null(presign(NULL, &rc));
	ck_assert_int_ne(rc, CA_OK);
	ck_assert_int_eq(s3_presign_url(&r, &out, NULL), CA_EINVAL); /* expires 0 */
	ck_assert_ptr_null(out);
	ck_assert_int_eq(s3_presign_url(NULL, &out, NULL), CA_EINVAL);
	ck_assert_int_eq(s3_presign_url(&r, NULL, NULL), CA_EINVAL);
	r.expires = 10;
	r.url = "http://h/X-Amz-Signature?X-Amz-Date=1";
	ck_assert_int_eq(s3_presign_url(&r, &out, NULL), CA_EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

/* ---- dates ---- */

START_TEST(date_parsing)
{
	time_t t = 0;
	static const char *const bad_amz[] = {
		"", "20150830T123600", "20150830T123600ZZ", "2015-08-30T12:36:00Z", "20151330T123600Z",
		"20150229T000000Z", "20150830T243600Z", "20150830T126000Z", "20150830T123660Z",
		"19691231T235959Z", "2015083OT123600Z", "20150830t123600Z", "+0150830T123600Z",
	};
	size_t i;

	ck_assert_int_eq(aws_parse_amz_date("20150830T123600Z", &t, NULL), CA_OK);
	ck_assert_int_eq((long long)t, 1440938160LL);
	ck_assert_int_eq(aws_parse_amz_date("20160229T000000Z", &t, NULL), CA_OK);
	ck_assert_int_eq(aws_parse_amz_date("19700101T000000Z", &t, NULL), CA_OK);
	ck_assert_int_eq((long long)t, 0LL);
	ck_assert_int_eq(aws_parse_iso8601_utc("2015-08-30T12:36:00Z", &t, NULL), CA_OK);
	ck_assert_int_eq((long long)t, 1440938160LL);
	for (i = 0; i < sizeof(bad_amz) / sizeof(bad_amz[0]); i++)
		ck_assert_msg(aws_parse_amz_date(bad_amz[i], &t, NULL) == CA_EINVAL, "accepted %s",
			      bad_amz[i]);
	ck_assert_int_eq(aws_parse_amz_date(NULL, &t, NULL), CA_EINVAL);
	ck_assert_int_eq(aws_parse_iso8601_utc("20150830T123600Z", &t, NULL), CA_EINVAL);
	ck_assert_int_eq(aws_parse_iso8601_utc("2015-08-30 12:36:00Z", &t, NULL), CA_EINVAL);
}
END_TEST

/* ---- the suite-case parsers on hostile input ---- */

static const char good_context[] =
	"{\"credentials\": {\"access_key_id\": \"AKIDEXAMPLE\", \"secret_access_key\": \"s\"},"
	" \"region\": \"us-east-1\", \"service\": \"service\", \"timestamp\": \"2015-08-30T12:36:00Z\"}";

static int parse_req(const char *text, size_t len)
{
	struct sigv4_case c;
	struct ca_err err;
	int rc;

	sigv4_case_init(&c);
	ca_err_clear(&err);
	rc = sigv4_case_parse_request(&c, text, len, &err);
	if (rc)
		ck_assert(strlen(ca_err_msg(&err)) > 10);
	sigv4_case_release(&c);
	return rc;
}

START_TEST(case_request_hostile)
{
	static const char *const bad[] = {
		"GET",
		"GET /",
		"GET  HTTP/1.1\nHost:h\n",
		"GET nopath HTTP/1.1\nHost:h\n",
		"GET / FTP/1\nHost:h\n",
		"GET / HTTP/1.1\nNoColonHere\n",
		"GET / HTTP/1.1\n  continuation first\n",
		"GET / HTTP/1.1\n:empty-name\n",
		" / HTTP/1.1\n",
	};
	struct ca_buf many = CA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_req(bad[i], strlen(bad[i])) == CA_EPARSE, "accepted %s", bad[i]);
	ck_assert_int_eq(parse_req("", 0), CA_EPARSE);
	ck_assert_int_eq(parse_req(NULL, 5), CA_EPARSE);
	ck_assert_int_eq(parse_req("GET / HTTP/1.1\nHo\0st:h\n", 23), CA_EPARSE);
	ck_assert_int_eq(parse_req("GET / HTTP/1.1\nHost:h\n\nbody\0with nul", 36), CA_OK);

	ca_buf_adds(&many, "GET / HTTP/1.1\n");
	for (i = 0; i < SIGV4_MAX_HEADERS + 1; i++)
		ca_buf_addf(&many, "X-%zu:v\n", i);
	ck_assert_int_eq(parse_req(many.data, many.len), CA_ERANGE);
	ca_buf_reset(&many);
	ca_buf_adds(&many, "GET / HTTP/1.1\nX:v\n");
	for (i = 0; i < SIGV4_MAX_HEADER_VALUE / 8; i++)
		ca_buf_adds(&many, "   more\n");
	ck_assert_int_eq(parse_req(many.data, many.len), CA_ERANGE);
	ca_buf_release(&many);
}
END_TEST

/*
 * Found by tests/fuzz/fuzz_sigv4_case: a request line cut inside "HTTP/" was compared
 * past its end. Given only "GET / HTTP" of a longer buffer, the parser must refuse it
 * (and, under ASan, read nothing past the exact-size copy).
 */
START_TEST(case_request_line_cut_in_version)
{
	static const char whole[] = "GET / HTTP/1.1\nHost:h\n\n";
	static const char *const cuts[] = { "GET / H", "GET / HTTP", "GET / HTTP\n" };
	size_t i;

	ck_assert_int_eq(parse_req(whole, 10), CA_EPARSE);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t n = strlen(cuts[i]);
		char *exact = malloc(n);

		ck_assert_ptr_nonnull(exact);
		memcpy(exact, cuts[i], n);
		ck_assert_int_eq(parse_req(exact, n), CA_EPARSE);
		free(exact);
	}
}
END_TEST

START_TEST(case_crlf_signs_like_lf)
{
	static const char lf[] = "POST /?b=2&a=1 HTTP/1.1\nHost:example.amazonaws.com\nX-A: v\n\nbody";
	static const char crlf[] =
		"POST /?b=2&a=1 HTTP/1.1\r\nHost:example.amazonaws.com\r\nX-A: v\r\n\r\nbody";
	struct sigv4_case a, b;
	struct sigv4_signed sa, sb;

	sigv4_case_init(&a);
	sigv4_case_init(&b);
	ck_assert_int_eq(sigv4_case_parse_context(&a, good_context, strlen(good_context), NULL), CA_OK);
	ck_assert_int_eq(sigv4_case_parse_context(&b, good_context, strlen(good_context), NULL), CA_OK);
	ck_assert_int_eq(sigv4_case_parse_request(&a, lf, strlen(lf), NULL), CA_OK);
	ck_assert_int_eq(sigv4_case_parse_request(&b, crlf, strlen(crlf), NULL), CA_OK);
	ck_assert_str_eq(a.query, "b=2&a=1");
	ck_assert_uint_eq(a.body_len, 4);
	ck_assert_int_eq(sigv4_case_sign(&a, false, &sa, NULL), CA_OK);
	ck_assert_int_eq(sigv4_case_sign(&b, false, &sb, NULL), CA_OK);
	ck_assert_str_eq(sa.signature, sb.signature);
	ck_assert_ptr_nonnull(strstr(sa.canonical_request, "\na=1&b=2\n"));
	sigv4_signed_release(&sa);
	sigv4_signed_release(&sb);
	sigv4_case_release(&a);
	sigv4_case_release(&b);
}
END_TEST

START_TEST(case_context_hostile)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[1, 2]",
		"{}",
		"{\"credentials\": 5}",
		"{\"credentials\": {\"access_key_id\": 1, \"secret_access_key\": \"s\"}, \"region\": \"r\","
		" \"service\": \"s\", \"timestamp\": \"2015-08-30T12:36:00Z\"}",
		"{\"credentials\": {\"access_key_id\": \"a\", \"secret_access_key\": \"s\"}, \"region\": \"r\","
		" \"service\": \"s\", \"timestamp\": \"yesterday\"}",
		"{\"credentials\": {\"access_key_id\": \"a\", \"secret_access_key\": \"s\"}, \"region\": \"r\","
		" \"service\": \"s\", \"timestamp\": \"2015-08-30T12:36:00Z\", \"normalize\": \"yes\"}",
		"{\"credentials\": {\"access_key_id\": \"a\", \"secret_access_key\": \"s\"}, \"region\": \"r\","
		" \"service\": \"s\", \"timestamp\": \"2015-08-30T12:36:00Z\", \"expiration_in_seconds\": 0}",
		"{\"credentials\": {\"access_key_id\": \"a\", \"secret_access_key\": \"s\"}, \"region\": \"r\","
		" \"service\": \"s\", \"timestamp\": \"2015-08-30T12:36:00Z\", \"expiration_in_seconds\": 1e3}",
		"{\"credentials\": {\"access_key_id\": \"a\", \"secret_access_key\": \"s\"}, \"region\": \"r\","
		" \"region\": \"x\", \"service\": \"s\", \"timestamp\": \"2015-08-30T12:36:00Z\"}",
		"{\"credentials\": {\"access_key_id\": \"a\\u0000b\", \"secret_access_key\": \"s\"},"
		" \"region\": \"r\", \"service\": \"s\", \"timestamp\": \"2015-08-30T12:36:00Z\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sigv4_case c;
		struct ca_err err;

		sigv4_case_init(&c);
		ca_err_clear(&err);
		ck_assert_msg(sigv4_case_parse_context(&c, bad[i], strlen(bad[i]), &err) != CA_OK,
			      "accepted %s", bad[i]);
		ck_assert(strlen(ca_err_msg(&err)) > 10);
		sigv4_case_release(&c);
	}
}
END_TEST

START_TEST(case_load_missing_folder)
{
	struct sigv4_case c;
	struct ca_err err;

	sigv4_case_init(&c);
	ca_err_clear(&err);
	ck_assert_int_eq(sigv4_case_load("/nonexistent/sigv4/case", &c, &err), CA_EIO);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "context.json"));
	ck_assert_int_eq(sigv4_case_load(NULL, &c, NULL), CA_EINVAL);
	sigv4_case_release(&c);
}
END_TEST

/* Random bytes through the request parser and the signer: errors, never crashes. */
START_TEST(case_random_requests)
{
	static const char alphabet[] = "GET POST / ?&=%:\n\r\t HTTP/1.1 Host:abc \xe1\x88\xb4\x01\xff..";
	unsigned int seed = 12345;
	char text[300];
	int round;

	for (round = 0; round < 3000; round++) {
		struct sigv4_case c;
		struct sigv4_signed s;
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(text)), i;

		for (i = 0; i < len; i++)
			text[i] = alphabet[rand_r(&seed) % (int)(sizeof(alphabet) - 1)];
		if (round % 2 && len > 20)
			memcpy(text, "GET /a HTTP/1.1\nHost:", 20);
		sigv4_case_init(&c);
		ck_assert_int_eq(sigv4_case_parse_context(&c, good_context, strlen(good_context), NULL),
				 CA_OK);
		if (sigv4_case_parse_request(&c, text, len, NULL) == CA_OK) {
			sigv4_case_sign(&c, round % 4 == 1, &s, NULL);
			sigv4_signed_release(&s);
		}
		sigv4_case_release(&c);
	}
}
END_TEST


/* ---------- the signing-key cache ---------- */

struct key_case {
	const char *secret;
	time_t when;
	char signature[65];
	unsigned long derived;          /* derivations the signing made on its thread */
};

/* Signs one fixed DynamoDB request with case's secret and time on the calling thread. */
static void sign_key_case(struct key_case *k)
{
	struct aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
					 .secret_access_key = (char *)k->secret };
	struct sigv4_header h[] = { { "Host", "dynamodb.ap-southeast-1.amazonaws.com" },
				    { "X-Amz-Target", "DynamoDB_20120810.PutItem" } };
	struct sigv4_request req = { .method = "POST", .path = "/", .headers = h, .n_headers = 2,
				     .body = "{}", .body_len = 2 };
	struct sigv4_params p = { .creds = &creds, .region = "ap-southeast-1",
				  .service = "dynamodb", .when = k->when };
	struct sigv4_signed out;
	unsigned long before = sigv4_key_derivations();

	ck_assert_int_eq(sigv4_sign_headers(&req, &p, &out, NULL), CA_OK);
	memcpy(k->signature, out.signature, sizeof(k->signature));
	k->derived = sigv4_key_derivations() - before;
	sigv4_signed_release(&out);
}

static void *sign_key_case_thread(void *arg)
{
	sign_key_case(arg);
	return NULL;
}

/* The same signature made on a new thread, whose cache is empty. */
static void sign_uncached(struct key_case *k)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, sign_key_case_thread, k), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(k->derived, 1);
}

START_TEST(signing_key_cached_per_day_and_secret)
{
	const time_t day = 1709212455;  /* 20240229T131415Z */
	struct key_case first = { .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", .when = day };
	struct key_case again = first, later = first, rotated = first, next_day = first;
	struct key_case fresh;

	sign_key_case(&first);
	/* the same day, secret, region and service: the key is reused */
	sign_key_case(&again);
	ck_assert_uint_eq(again.derived, 0);
	ck_assert_str_eq(again.signature, first.signature);
	later.when = day + 3600;        /* an hour later, same day */
	sign_key_case(&later);
	ck_assert_uint_eq(later.derived, 0);
	ck_assert_str_ne(later.signature, first.signature);
	fresh = later;
	sign_uncached(&fresh);
	ck_assert_str_eq(fresh.signature, later.signature);

	/* a rotated secret (same access key id) gives a new key, and the right one */
	rotated.secret = "rotatedSecretKeyEXAMPLEEXAMPLEEXAMPLE123";
	sign_key_case(&rotated);
	ck_assert_uint_eq(rotated.derived, 1);
	ck_assert_str_ne(rotated.signature, first.signature);
	fresh = rotated;
	sign_uncached(&fresh);
	ck_assert_str_eq(fresh.signature, rotated.signature);

	/* the next day gives a new key */
	next_day.when = day + 86400;
	sign_key_case(&next_day);
	ck_assert_uint_eq(next_day.derived, 1);
	fresh = next_day;
	sign_uncached(&fresh);
	ck_assert_str_eq(fresh.signature, next_day.signature);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("sigv4");
	TCase *tc = tcase_create("suite");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, suite_has_every_case);
	tcase_add_loop_test(tc, suite_case_matches, 0, SUITE_CASES);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, s3_documented_get_object);
	tcase_add_test(tc, s3_documented_put_object_with_a_reserved_character);
	tcase_add_test(tc, s3_presigned_url_of_a_raw_reserved_key_is_sent_encoded);
	tcase_add_test(tc, s3_documented_presigned_get);
	tcase_add_test(tc, uri_encode_rules);
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, canonical_path_rules);
	tcase_add_test(tc, canonical_query_rules);
	tcase_add_test(tc, canonical_header_rules);
	tcase_add_test(tc, canonical_header_hostile);
	tcase_add_test(tc, signer_accepts_the_base_request);
	tcase_add_test(tc, signer_rejects_bad_input);
	tcase_add_test(tc, signer_session_token_placement);
	tcase_add_test(tc, signer_s3_payload_rules);
	tcase_add_test(tc, presign_host_header_rules);
	tcase_add_test(tc, presign_rejects_bad_urls);
	tcase_add_test(tc, date_parsing);
	suite_add_tcase(s, tc);

	tc = tcase_create("case-parsers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, case_request_hostile);
	tcase_add_test(tc, case_request_line_cut_in_version);
	tcase_add_test(tc, case_crlf_signs_like_lf);
	tcase_add_test(tc, case_context_hostile);
	tcase_add_test(tc, case_load_missing_folder);
	tcase_add_test(tc, case_random_requests);
	tcase_add_test(tc, signing_key_cached_per_day_and_secret);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
