/*
 * multipart/form-data parsing, with malformed and hostile bodies.
 */
#include <stdio.h>
#include <string.h>

#include "check_ca.h"
#include "http/multipart.h"
#include "util/buf.h"

#define CT "multipart/form-data; boundary=XyZ"

static int parse(const char *ct, const char *body, size_t len, const struct ca_multipart_limits *lim,
		 struct ca_multipart *mp, struct ca_err *err)
{
	if (err)
		ca_err_clear(err);
	return ca_multipart_parse(ct, body, len, lim, mp, err);
}

static int parse_s(const char *ct, const char *body, struct ca_multipart *mp)
{
	return parse(ct, body, strlen(body), NULL, mp, NULL);
}

START_TEST(fields_and_files)
{
	static const char body[] =
		"preamble to ignore\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"tags\"\r\n"
		"\r\n"
		"sea,sun\r\n"
		"--XyZ\r\n"
		"content-disposition: FORM-DATA; name=desc\r\n"
		"\r\n"
		"\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"beach.jpg\"\r\n"
		"Content-Type:  image/jpeg \r\n"
		"X-Ignored: yes\r\n"
		"\r\n"
		"\xff\xd8\r\n--XyZz\r\n--Xy\0\xff\xd9\r\n"
		"--XyZ--\r\n"
		"epilogue --XyZ\r\n";
	struct ca_multipart mp;
	const struct ca_multipart_part *p;

	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, NULL, &mp, NULL), CA_OK);
	ck_assert_uint_eq(mp.n, 3);
	p = ca_multipart_get(&mp, "tags");
	ck_assert_uint_eq(p->len, 7);
	ck_assert(memcmp(p->data, "sea,sun", 7) == 0);
	ck_assert_ptr_null(p->filename);
	ck_assert_ptr_null(p->content_type);
	p = ca_multipart_get(&mp, "desc");
	ck_assert_uint_eq(p->len, 0);
	p = ca_multipart_get(&mp, "file");
	ck_assert_str_eq(p->filename, "beach.jpg");
	ck_assert_str_eq(p->content_type, "image/jpeg");
	/* the boundary text inside the data, not followed by CRLF or "--", is data */
	ck_assert_uint_eq(p->len, 19);
	ck_assert(memcmp(p->data, "\xff\xd8\r\n--XyZz\r\n--Xy\0\xff\xd9", 19) == 0);
	ck_assert_ptr_null(ca_multipart_get(&mp, "missing"));
	ca_multipart_release(&mp);
	ca_multipart_release(NULL);
}
END_TEST

START_TEST(boundary_from_content_type)
{
	char b[CA_MULTIPART_BOUNDARY_MAX + 1];
	char ct[200];
	struct ca_err err;

	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=abc", b, NULL), CA_OK);
	ck_assert_str_eq(b, "abc");
	ck_assert_int_eq(ca_multipart_boundary("Multipart/Form-Data ; charset=utf-8; BOUNDARY=\"a b:c\"", b, NULL), CA_OK);
	ck_assert_str_eq(b, "a b:c");
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", b, NULL), CA_OK);
	ck_assert_str_eq(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");

	ca_err_clear(&err);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data", b, &err), CA_HTTP_BAD_REQUEST);
	ck_assert(strstr(ca_err_msg(&err), "boundary"));
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=", b, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=\"\"", b, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=\"abc", b, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=\"a<b\"", b, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=\"ends \"", b, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; boundary=a; boundary=b", b, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-data; junk", b, NULL), CA_HTTP_BAD_REQUEST);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%071d", 0);
	ck_assert_int_eq(ca_multipart_boundary(ct, b, NULL), CA_HTTP_BAD_REQUEST);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%070d", 0);
	ck_assert_int_eq(ca_multipart_boundary(ct, b, NULL), CA_OK);
	ck_assert_int_eq(ca_multipart_boundary("multipart/mixed; boundary=abc", b, NULL), CA_HTTP_BAD_MEDIA_TYPE);
	ck_assert_int_eq(ca_multipart_boundary("multipart/form-dataX; boundary=abc", b, NULL), CA_HTTP_BAD_MEDIA_TYPE);
	ck_assert_int_eq(ca_multipart_boundary("application/json", b, NULL), CA_HTTP_BAD_MEDIA_TYPE);
	ck_assert_int_eq(ca_multipart_boundary(NULL, b, NULL), CA_HTTP_BAD_MEDIA_TYPE);
}
END_TEST

START_TEST(malformed_bodies)
{
	struct ca_multipart mp;
	struct ca_err err;
	const char *bad[] = {
		/* unterminated: no closing boundary */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",
		"--XyZ\r\n",
		"--XyZ",
		"",
		/* the boundary never appears / is a different one */
		"--Other\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--Other--",
		/* a delimiter line with junk after it */
		"--XyZjunk\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--",
		/* part headers: none, no name, not form-data, folded, duplicated, no colon */
		"--XyZ\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"x\"; filename=\"y\"\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nno colon here\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n: empty name\r\n\r\nv\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: a\r\nContent-Type: b\r\n\r\nv\r\n--XyZ--",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(CT, bad[i], strlen(bad[i]), NULL, &mp, &err);

		ck_assert_msg(rc == CA_HTTP_BAD_REQUEST, "case %zu gave %d", i, rc);
		ck_assert(strstr(ca_err_msg(&err), "malformed"));
		ca_multipart_release(&mp);
	}
	/* a NUL inside a part header line */
	{
		static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nv\r\n--XyZ--";

		ck_assert_int_eq(parse(CT, nul, sizeof(nul) - 1, NULL, &mp, NULL), CA_HTTP_BAD_REQUEST);
		ca_multipart_release(&mp);
	}
	ck_assert_int_eq(parse("text/plain", "x", 1, NULL, &mp, NULL), CA_HTTP_BAD_MEDIA_TYPE);
	ca_multipart_release(&mp);
}
END_TEST

START_TEST(line_ending_variants)
{
	struct ca_multipart mp;

	/* bare LF everywhere: refused rather than guessed at */
	ck_assert_int_eq(parse_s(CT, "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nv\n--XyZ--\n", &mp),
			 CA_HTTP_BAD_REQUEST);
	ca_multipart_release(&mp);
	/* CRLF lines but an LF-only header end */
	ck_assert_int_eq(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\nv\r\n--XyZ--", &mp),
			 CA_HTTP_BAD_REQUEST);
	ca_multipart_release(&mp);
	/* bare CR */
	ck_assert_int_eq(parse_s(CT, "--XyZ\rContent-Disposition: form-data; name=\"a\"\r\r\rv\r--XyZ--", &mp),
			 CA_HTTP_BAD_REQUEST);
	ca_multipart_release(&mp);
	/* an LF-only delimiter inside CRLF data is data, the real close ends it */
	ck_assert_int_eq(parse_s(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\n--XyZ\nw\r\n--XyZ--", &mp),
			 CA_OK);
	ck_assert_uint_eq(mp.n, 1);
	ck_assert_uint_eq(mp.parts[0].len, strlen("v\n--XyZ\nw"));
	ca_multipart_release(&mp);
	/* transport padding after a boundary, nothing after the close, empty form */
	ck_assert_int_eq(parse_s(CT, "--XyZ  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--", &mp), CA_OK);
	ck_assert_uint_eq(mp.n, 1);
	ca_multipart_release(&mp);
	ck_assert_int_eq(parse_s(CT, "--XyZ--\r\n", &mp), CA_OK);
	ck_assert_uint_eq(mp.n, 0);
	ca_multipart_release(&mp);
}
END_TEST

static const char *one_file_name(const char *disposition_params, struct ca_multipart *mp)
{
	struct ca_buf b = CA_BUF_INIT;
	int rc;

	ca_buf_addf(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; %s\r\n\r\nDATA\r\n--XyZ--\r\n",
		    disposition_params);
	rc = parse(CT, b.data, b.len, NULL, mp, NULL);
	ca_buf_release(&b);
	ck_assert_msg(rc == CA_OK, "params %s gave %d", disposition_params, rc);
	ck_assert_uint_eq(mp->parts[0].len, 4);
	return mp->parts[0].filename;
}

START_TEST(hostile_and_escaped_filenames)
{
	struct ca_multipart mp;
	struct {
		const char *params, *want;
	} cases[] = {
		{ "filename=\"beach.jpg\"", "beach.jpg" },
		{ "filename=plain.jpg", "plain.jpg" },
		{ "filename=\"a \\\"quoted\\\" name.jpg\"", "a \"quoted\" name.jpg" },
		{ "filename=\"back\\\\slash.jpg\"", "slash.jpg" },  /* an escaped '\' is a separator */
		{ "filename=\"C:\\Users\\me\\My Pictures\\pic.jpg\"", "pic.jpg" },
		{ "filename=\"../../../etc/passwd\"", "passwd" },
		{ "filename=\"/abs/path/x.jpg\"", "x.jpg" },
		{ "filename=\"..\"", "upload" },
		{ "filename=\"dir/..\"", "upload" },
		{ "filename=\"\"", "upload" },
		{ "filename=\"trailing/\"", "upload" },
		{ "filename=\"a\x01\x1f\x7f" "b.jpg\"", "ab.jpg" },
		{ "filename=\"caf%C3%A9.jpg\"", "caf%C3%A9.jpg" },  /* not decoded: it is literal */
		{ "filename=\"x.jpg\"; filename*=UTF-8''caf%C3%A9%20.jpg", "caf\xc3\xa9 .jpg" },
		{ "filename*=utf-8''..%2F..%2Fetc%2Fpasswd", "passwd" },
		{ "filename=\"ok.jpg\"; filename*=ISO-8859-1''x%E9.jpg", "ok.jpg" }, /* unsupported charset ignored */
		{ "filename=\"semi;colon.jpg\"", "semi;colon.jpg" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = one_file_name(cases[i].params, &mp);

		ck_assert_msg(got && strcmp(got, cases[i].want) == 0, "case %zu: got '%s' want '%s'", i,
			      got ? got : "(null)", cases[i].want);
		ca_multipart_release(&mp);
	}
	/* over-long file names are refused */
	{
		struct ca_buf b = CA_BUF_INIT;

		ca_buf_adds(&b, "filename=\"");
		for (i = 0; i < 2000; i++)
			ca_buf_addch(&b, 'x');
		ca_buf_adds(&b, "\"");
		{
			struct ca_buf body = CA_BUF_INIT;

			ca_buf_addf(&body, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; %s\r\n\r\nD\r\n--XyZ--", b.data);
			ck_assert_int_eq(parse(CT, body.data, body.len, NULL, &mp, NULL), CA_HTTP_BAD_REQUEST);
			ca_multipart_release(&mp);
			ca_buf_release(&body);
		}
		ca_buf_release(&b);
	}
}
END_TEST

START_TEST(huge_part_headers)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_multipart mp;
	struct ca_err err;
	int i;

	ca_buf_adds(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Big: ");
	for (i = 0; i < 1000000; i++)
		ca_buf_addch(&b, 'h');
	ca_buf_adds(&b, "\r\n\r\nv\r\n--XyZ--");
	ck_assert_int_eq(parse(CT, b.data, b.len, NULL, &mp, &err), CA_HTTP_TOO_LARGE);
	ck_assert(strstr(ca_err_msg(&err), "headers"));
	ca_multipart_release(&mp);
	/* and one that never ends at all */
	ca_buf_setlen(&b, b.len - strlen("\r\n\r\nv\r\n--XyZ--"));
	ck_assert_int_eq(parse(CT, b.data, b.len, NULL, &mp, NULL), CA_HTTP_TOO_LARGE);
	ca_multipart_release(&mp);
	ca_buf_release(&b);
}
END_TEST

static void many_parts(struct ca_buf *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		ca_buf_addf(b, "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n%d\r\n", i, i);
	ca_buf_adds(b, "--XyZ--\r\n");
}

START_TEST(ten_thousand_parts)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_multipart mp;
	struct ca_multipart_limits lim = { 20000, 0, 0, 0 };
	struct ca_err err;

	many_parts(&b, 10000);
	ck_assert_int_eq(parse(CT, b.data, b.len, NULL, &mp, &err), CA_HTTP_TOO_LARGE);
	ck_assert(strstr(ca_err_msg(&err), "more than 64 parts"));
	ca_multipart_release(&mp);
	/* allowed when the caller says so: every part is found, in order */
	ck_assert_int_eq(parse(CT, b.data, b.len, &lim, &mp, NULL), CA_OK);
	ck_assert_uint_eq(mp.n, 10000);
	ck_assert_str_eq(mp.parts[9999].name, "f9999");
	ck_assert_uint_eq(mp.parts[9999].len, 4);
	ck_assert(memcmp(mp.parts[9999].data, "9999", 4) == 0);
	ca_multipart_release(&mp);
	ca_buf_release(&b);
}
END_TEST

START_TEST(size_caps)
{
	static const char body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n0123456789\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n0123456789\r\n--XyZ--";
	struct ca_multipart mp;
	struct ca_multipart_limits part10 = { 0, 10, 0, 0 }, part9 = { 0, 9, 0, 0 };
	struct ca_multipart_limits total20 = { 0, 0, 20, 0 }, total19 = { 0, 0, 19, 0 };
	struct ca_multipart_limits parts2 = { 2, 0, 0, 0 }, parts1 = { 1, 0, 0, 0 };

	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, &part10, &mp, NULL), CA_OK);
	ca_multipart_release(&mp);
	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, &part9, &mp, NULL), CA_HTTP_TOO_LARGE);
	ca_multipart_release(&mp);
	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, &total20, &mp, NULL), CA_OK);
	ca_multipart_release(&mp);
	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, &total19, &mp, NULL), CA_HTTP_TOO_LARGE);
	ca_multipart_release(&mp);
	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, &parts2, &mp, NULL), CA_OK);
	ca_multipart_release(&mp);
	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, &parts1, &mp, NULL), CA_HTTP_TOO_LARGE);
	ca_multipart_release(&mp);
}
END_TEST

START_TEST(every_truncation_is_refused_cleanly)
{
	static const char body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"x.jpg\"\r\n"
		"Content-Type: image/jpeg\r\n\r\nDATA\r\n--XyZ--";
	struct ca_multipart mp;
	size_t n;

	/* every prefix short of the close is an error, never a crash or a read past the end */
	for (n = 0; n < sizeof(body) - 1; n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, body, n);
		ck_assert_int_ne(parse(CT, copy, n, NULL, &mp, NULL), CA_OK);
		ca_multipart_release(&mp);
		free(copy);
	}
	ck_assert_int_eq(parse(CT, body, sizeof(body) - 1, NULL, &mp, NULL), CA_OK);
	ca_multipart_release(&mp);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("multipart");
	TCase *tc = tcase_create("multipart");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fields_and_files);
	tcase_add_test(tc, boundary_from_content_type);
	tcase_add_test(tc, malformed_bodies);
	tcase_add_test(tc, line_ending_variants);
	tcase_add_test(tc, hostile_and_escaped_filenames);
	tcase_add_test(tc, huge_part_headers);
	tcase_add_test(tc, ten_thousand_parts);
	tcase_add_test(tc, size_caps);
	tcase_add_test(tc, every_truncation_is_refused_cleanly);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
