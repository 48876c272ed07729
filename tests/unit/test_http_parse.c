/*
 * The small parsers and builders of lib/http: percent-decoding, base64url,
 * cookies, request ids, the access-log line, route patterns, the body sink,
 * response headers and status mapping.
 */
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check_ca.h"
#include "http/accesslog.h"
#include "http/body.h"
#include "http/cookie.h"
#include "http/response.h"
#include "http/router.h"
#include "http/urlcode.h"

static int decode(const char *in, bool plus, char *out, size_t cap)
{
	struct ca_buf b = CA_BUF_INIT;
	int rc = ca_http_percent_decode(in, strlen(in), plus, &b);

	snprintf(out, cap, "%s", b.data);
	ca_buf_release(&b);
	return rc;
}

START_TEST(percent_decoding)
{
	char out[64];

	ck_assert_int_eq(decode("a%20b%2fc%2F", false, out, sizeof(out)), CA_OK);
	ck_assert_str_eq(out, "a b/c/");
	ck_assert_int_eq(decode("x+y%2B", true, out, sizeof(out)), CA_OK);
	ck_assert_str_eq(out, "x y+");
	ck_assert_int_eq(decode("x+y", false, out, sizeof(out)), CA_OK);
	ck_assert_str_eq(out, "x+y");
	ck_assert_int_eq(decode("%C3%A9", false, out, sizeof(out)), CA_OK);
	ck_assert_str_eq(out, "\xc3\xa9");
	ck_assert_int_eq(decode("", false, out, sizeof(out)), CA_OK);
	ck_assert_str_eq(out, "");
	/* malformed and hostile */
	ck_assert_int_eq(decode("%", false, out, sizeof(out)), CA_EPARSE);
	ck_assert_int_eq(decode("abc%2", false, out, sizeof(out)), CA_EPARSE);
	ck_assert_int_eq(decode("%g0", false, out, sizeof(out)), CA_EPARSE);
	ck_assert_int_eq(decode("%0g", false, out, sizeof(out)), CA_EPARSE);
	ck_assert_int_eq(decode("a%00b", false, out, sizeof(out)), CA_EPARSE);
	ck_assert_int_eq(decode("%%41", false, out, sizeof(out)), CA_EPARSE);
}
END_TEST

START_TEST(base64url_round_trip_and_rejects)
{
	uint8_t in[40], out[40];
	char text[64];
	size_t n, len = 0;

	for (n = 0; n < sizeof(in); n++)
		in[n] = (uint8_t)(n * 37 + 250);
	for (n = 0; n <= sizeof(in); n++) {
		ca_base64url_encode(in, n, text);
		ck_assert_uint_eq(strlen(text), ca_base64url_len(n));
		ck_assert(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(text));
		ck_assert(ca_base64url_decode(text, strlen(text), out, sizeof(out), &len));
		ck_assert_uint_eq(len, n);
		ck_assert(memcmp(in, out, n) == 0);
	}
	/* RFC 4648 vectors, translated to the URL alphabet and unpadded */
	ca_base64url_encode((const uint8_t *)"foobar", 6, text);
	ck_assert_str_eq(text, "Zm9vYmFy");
	ca_base64url_encode((const uint8_t *)"fo", 2, text);
	ck_assert_str_eq(text, "Zm8");
	ca_base64url_encode((const uint8_t *)"\xfb\xff", 2, text);
	ck_assert_str_eq(text, "-_8");
	ck_assert(!ca_base64url_decode("Zm8=", 4, out, sizeof(out), &len));   /* padding */
	ck_assert(!ca_base64url_decode("Zm+v", 4, out, sizeof(out), &len));   /* '+' */
	ck_assert(!ca_base64url_decode("Z", 1, out, sizeof(out), &len));      /* impossible length */
	ck_assert(!ca_base64url_decode("Zm9", 3, out, sizeof(out), &len));    /* non-zero spare bits */
	ck_assert(!ca_base64url_decode("Zm9vYmFy", 8, out, 5, &len));         /* over capacity */
	ck_assert(!ca_base64url_decode("Zm 9", 4, out, sizeof(out), &len));
}
END_TEST

START_TEST(cookie_header_parsing_hostile)
{
	struct ca_http_kv kv = CA_HTTP_KV_INIT;
	struct ca_buf big = CA_BUF_INIT;
	int i;

	ck_assert_int_eq(ca_http_cookie_parse("a=1; b=\"quoted\";c=3 ;  d = 4", &kv), CA_OK);
	ck_assert_str_eq(ca_http_kv_get(&kv, "a"), "1");
	ck_assert_str_eq(ca_http_kv_get(&kv, "b"), "quoted");
	ck_assert_str_eq(ca_http_kv_get(&kv, "c"), "3");
	ck_assert_str_eq(ca_http_kv_get(&kv, "d"), "4");
	ca_http_kv_release(&kv);

	/* skipped: no '=', empty name, bad name, bad value bytes, lone quote */
	ck_assert_int_eq(ca_http_cookie_parse("novalue; =x; a b=1; e=\"un; f=x,y; g=a\\b; "
					      "h=\x01; ok=yes; dup=1; dup=2; empty=", &kv), CA_OK);
	ck_assert_ptr_null(ca_http_kv_get(&kv, "novalue"));
	ck_assert_ptr_null(ca_http_kv_get(&kv, ""));
	ck_assert_ptr_null(ca_http_kv_get(&kv, "a b"));
	ck_assert_ptr_null(ca_http_kv_get(&kv, "e"));
	ck_assert_ptr_null(ca_http_kv_get(&kv, "f"));
	ck_assert_ptr_null(ca_http_kv_get(&kv, "g"));
	ck_assert_ptr_null(ca_http_kv_get(&kv, "h"));
	ck_assert_str_eq(ca_http_kv_get(&kv, "ok"), "yes");
	ck_assert_str_eq(ca_http_kv_get(&kv, "dup"), "1"); /* the first wins */
	ck_assert_str_eq(ca_http_kv_get(&kv, "empty"), "");
	ca_http_kv_release(&kv);

	ck_assert_int_eq(ca_http_cookie_parse(";;;   ;", &kv), CA_OK);
	ck_assert_uint_eq(kv.n, 0);
	ck_assert_int_eq(ca_http_cookie_parse(NULL, &kv), CA_OK);
	ck_assert_uint_eq(kv.n, 0);

	/* 10 000 cookies: only the first CA_HTTP_COOKIE_MAX are kept */
	for (i = 0; i < 10000; i++)
		ca_buf_addf(&big, "k%d=v; ", i);
	ck_assert_int_eq(ca_http_cookie_parse(big.data, &kv), CA_OK);
	ck_assert_uint_le(kv.n, CA_HTTP_COOKIE_MAX);
	ck_assert_str_eq(ca_http_kv_get(&kv, "k0"), "v");
	ck_assert_ptr_null(ca_http_kv_get(&kv, "k9999"));
	ca_http_kv_release(&kv);

	/* a cookie beyond the byte cap is not read */
	ca_buf_reset(&big);
	for (i = 0; i < CA_HTTP_COOKIE_HEADER_MAX; i++)
		ca_buf_addch(&big, 'x');
	ca_buf_adds(&big, "=1; late=1");
	ck_assert_int_eq(ca_http_cookie_parse(big.data, &kv), CA_OK);
	ck_assert_ptr_null(ca_http_kv_get(&kv, "late"));
	ca_http_kv_release(&kv);
	ca_buf_release(&big);
}
END_TEST

START_TEST(set_cookie_formatting)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_http_cookie_attrs a = { NULL, 3600, true, true, "Lax" };
	struct ca_http_cookie_attrs del = { "/", 0, false, false, NULL };

	ck_assert_int_eq(ca_http_cookie_format(&b, "session", "abc.def", &a), CA_OK);
	ck_assert_str_eq(b.data, "session=abc.def; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_http_cookie_format(&b, "x", "", &del), CA_OK);
	ck_assert_str_eq(b.data, "x=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_http_cookie_format(&b, "x", "a;b", &a), CA_EINVAL);
	ck_assert_int_eq(ca_http_cookie_format(&b, "x", "a\r\nSet-Cookie: y=1", &a), CA_EINVAL);
	ck_assert_int_eq(ca_http_cookie_format(&b, "bad name", "v", &a), CA_EINVAL);
	ck_assert_int_eq(ca_http_cookie_format(&b, "", "v", &a), CA_EINVAL);
	ck_assert_uint_eq(b.len, 0);
	ca_buf_release(&b);
}
END_TEST

START_TEST(request_ids)
{
	char id[CA_HTTP_REQUEST_ID_MAX + 1], other[CA_HTTP_REQUEST_ID_MAX + 1];
	char longest[CA_HTTP_REQUEST_ID_MAX + 2];

	ca_http_request_id_choose("abc-123", "Root=1-2-3", id);
	ck_assert_str_eq(id, "abc-123");
	ca_http_request_id_choose("bad id", "Root=1-5759e988-bd86;Parent=53995c3f;Sampled=1", id);
	ck_assert_str_eq(id, "1-5759e988-bd86");
	ca_http_request_id_choose(NULL, "Self=1-2;Root=1-aa-bb", id);
	ck_assert_str_eq(id, "1-aa-bb");
	ca_http_request_id_choose("", "Root=<script>", id);
	ck_assert_uint_eq(strlen(id), 32);
	ck_assert_uint_eq(strspn(id, "0123456789abcdef"), 32);
	ca_http_request_id_choose(NULL, NULL, other);
	ck_assert_str_ne(id, other); /* generated ids differ */
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	ck_assert(!ca_http_request_id_ok(longest)); /* 129 characters */
	longest[CA_HTTP_REQUEST_ID_MAX] = '\0';
	ck_assert(ca_http_request_id_ok(longest));
	ck_assert(!ca_http_request_id_ok("a\"b"));
	ck_assert(!ca_http_request_id_ok("a\nb"));
}
END_TEST

/* Generated ids stay distinct well past one draw of random bytes (32 ids). */
START_TEST(generated_request_ids_all_differ)
{
	static char ids[200][CA_HTTP_REQUEST_ID_MAX + 1];
	size_t i, j;

	for (i = 0; i < 200; i++) {
		ca_http_request_id_choose(NULL, NULL, ids[i]);
		ck_assert_uint_eq(strlen(ids[i]), 32);
		ck_assert_uint_eq(strspn(ids[i], "0123456789abcdef"), 32);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(ids[i], ids[j]);
	}
}
END_TEST

START_TEST(access_log_line)
{
	struct ca_http_access_entry e;
	struct ca_buf b = CA_BUF_INIT;
	json_error_t jerr;
	json_t *v;

	memset(&e, 0, sizeof(e));
	e.time.tv_sec = 1714564800; /* 2024-05-01T12:00:00Z */
	e.time.tv_nsec = 123456789;
	e.method = "GET";
	e.path = "/a\"b\xff\n";
	e.status = 404;
	e.bytes = 57;
	e.duration_ms = 1.25;
	e.request_id = "r1";
	e.remote = "::1";
	ck_assert_int_eq(ca_http_access_format(&b, &e), CA_OK);
	ck_assert(b.len > 0 && b.data[b.len - 1] == '\n');
	ck_assert_ptr_null(memchr(b.data, '\n', b.len - 1)); /* one line */
	v = json_loads(b.data, 0, &jerr);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_string_value(json_object_get(v, "time")), "2024-05-01T12:00:00.123Z");
	ck_assert_str_eq(json_string_value(json_object_get(v, "path")), "/a\"b%FF%0A");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 404);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "bytes")), 57);
	ck_assert(json_real_value(json_object_get(v, "duration_ms")) == 1.25);
	ck_assert_str_eq(json_string_value(json_object_get(v, "remote")), "::1");
	json_decref(v);
	ca_buf_release(&b);
}
END_TEST

/* Splits a line at single spaces; returns the number of fields. */
static size_t count_fields(const char *line)
{
	size_t n = 1;

	for (; *line && *line != '\n'; line++)
		n += *line == ' ';
	return n;
}

START_TEST(access_log_text_line)
{
	struct ca_http_access_entry e;
	struct ca_buf b = CA_BUF_INIT;

	memset(&e, 0, sizeof(e));
	e.time.tv_sec = 1714564800; /* 2024-05-01T12:00:00Z */
	e.time.tv_nsec = 999999999;
	e.method = "GET";
	e.path = "/api/me";
	e.status = 200;
	e.bytes = 57;
	e.duration_ms = 1.25;
	e.request_id = "r1";
	e.remote = "127.0.0.1";
	ck_assert_int_eq(ca_http_access_format_text(&b, &e), CA_OK);
	ck_assert_str_eq(b.data,
			 "127.0.0.1 - - [01/May/2024:12:00:00 +0000] \"GET /api/me\" 200 57 1.250ms id=r1\n");
	ca_buf_reset(&b);

	/* a hostile path cannot add fields, quotes or lines */
	e.time.tv_sec = 951782400; /* 2000-02-29T00:00:00Z */
	e.method = "G T\"";
	e.path = "/a\"b\xff\n c\\ 200 1 x\" \"";
	e.status = 404;
	e.bytes = 0;
	e.duration_ms = 0.0004;
	e.request_id = "r 2";
	e.remote = "::1";
	ck_assert_int_eq(ca_http_access_format_text(&b, &e), CA_OK);
	ck_assert_str_eq(b.data, "::1 - - [29/Feb/2000:00:00:00 +0000] \"G%20T%22 "
				 "/a%22b%FF%0A%20c%5C%20200%201%20x%22%20%22\" 404 0 0.000ms id=r%202\n");
	ck_assert_uint_eq(count_fields(b.data), 11);
	ck_assert_ptr_null(memchr(b.data, '\n', b.len - 1));
	ca_buf_reset(&b);

	/* absent parts are "-", and an appended line keeps what was there */
	memset(&e, 0, sizeof(e));
	e.status = 500;
	e.duration_ms = -3;
	ca_buf_adds(&b, "before\n");
	ck_assert_int_eq(ca_http_access_format_text(&b, &e), CA_OK);
	ck_assert_str_eq(b.data, "before\n- - - [01/Jan/1970:00:00:00 +0000] \"- -\" 500 0 0.000ms id=-\n");
	ca_buf_release(&b);
}
END_TEST

/* What ca_http_access_write() put in a temporary file. */
static char *written_line(const struct ca_http_access_entry *e)
{
	FILE *f = tmpfile();
	char *line = calloc(1, 512);

	ck_assert_ptr_nonnull(f);
	ca_http_access_write(f, e);
	rewind(f);
	ck_assert_ptr_nonnull(fgets(line, 512, f));
	fclose(f);
	return line;
}

START_TEST(access_log_format_is_chosen_for_the_process)
{
	struct ca_http_access_entry e;
	json_error_t jerr;
	json_t *v;
	char *line;

	memset(&e, 0, sizeof(e));
	e.time.tv_sec = 1714564800;
	e.method = "DELETE";
	e.path = "/api/session";
	e.status = 204;
	e.request_id = "abc";
	e.remote = "10.0.0.1";
	ck_assert_int_eq(ca_http_access_get_format(), CA_HTTP_LOG_JSON); /* the default */
	line = written_line(&e);
	v = json_loads(line, 0, &jerr);
	ck_assert_msg(v != NULL, "%s", line);
	ck_assert_str_eq(json_string_value(json_object_get(v, "method")), "DELETE");
	json_decref(v);
	free(line);

	ca_http_access_set_format(CA_HTTP_LOG_TEXT);
	ck_assert_int_eq(ca_http_access_get_format(), CA_HTTP_LOG_TEXT);
	line = written_line(&e);
	ck_assert_str_eq(line, "10.0.0.1 - - [01/May/2024:12:00:00 +0000] \"DELETE /api/session\" "
			       "204 0 0.000ms id=abc\n");
	free(line);

	ca_http_access_set_format((enum ca_http_log_format)42); /* nonsense: JSON */
	ck_assert_int_eq(ca_http_access_get_format(), CA_HTTP_LOG_JSON);
	ca_http_access_write(NULL, &e); /* no file: nothing, no crash */
}
END_TEST

static int noop(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	return CA_OK;
}

START_TEST(route_patterns_validated)
{
	struct ca_http_router *r = NULL;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_http_router_new(&r, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/", noop, NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/a/{id}/b/{x_2}", noop, NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "api", noop, NULL, &err), CA_EINVAL);
	ck_assert(strstr(ca_err_msg(&err), "must start with '/'"));
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/a/{id", noop, NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/a/x{id}", noop, NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/a/{}", noop, NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/a/{i-d}", noop, NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/{id}/{id}", noop, NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_router_add(r, "", "/x", noop, NULL, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_router_add(r, "GET", "/x", NULL, NULL, NULL), CA_EINVAL);
	ca_http_router_free(r);
	ca_http_router_free(NULL);
}
END_TEST

START_TEST(router_dispatch_without_a_server)
{
	struct ca_http_router *r = NULL;
	struct ca_http_request req;
	struct ca_http_response resp;
	char deep[300];
	size_t i;

	ck_assert_int_eq(ca_http_router_new(&r, NULL), CA_OK);
	ck_assert_int_eq(ca_http_router_add(r, "POST", "/x/{id}", noop, NULL, NULL), CA_OK);
	memset(&req, 0, sizeof(req));
	/* a path deeper than any route can be is simply not found */
	for (i = 0; i + 2 < sizeof(deep); i += 2) {
		deep[i] = '/';
		deep[i + 1] = 'a';
	}
	deep[i] = '\0';
	req.method = "POST";
	req.raw_path = deep;
	req.path = deep;
	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_http_router_dispatch(r, &req, &resp), CA_OK);
	ck_assert_int_eq(resp.status, 404);
	ca_http_response_release(&resp);
	/* a malformed escape in a parameter is a 400 */
	req.raw_path = "/x/%zz";
	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_http_router_dispatch(r, &req, &resp), CA_OK);
	ck_assert_int_eq(resp.status, 400);
	ca_http_response_release(&resp);
	ca_http_kv_release(&req.params);
	ca_http_router_free(r);
}
END_TEST

START_TEST(body_sink_spills_to_a_file_and_caps)
{
	struct ca_http_body b;
	const char *data = NULL;
	size_t len = 0, i;
	char chunk[100];
	struct ca_err err;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('0' + i % 10);
	ca_err_clear(&err);
	ca_http_body_init(&b, 1000, 250, NULL);
	ck_assert_int_eq(ca_http_body_append(&b, chunk, 100, &err), CA_OK);
	ck_assert_int_eq(b.fd, -1);
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(ca_http_body_append(&b, chunk, 100, &err), CA_OK);
	ck_assert_int_ge(b.fd, 0); /* spilled */
	ck_assert_int_eq(ca_http_body_append(&b, chunk, 1, &err), CA_HTTP_TOO_LARGE);
	ck_assert_int_eq(ca_http_body_finish(&b, &data, &len, &err), CA_OK);
	ck_assert_uint_eq(len, 1000);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(data[i], '0' + i % 10);
	ca_http_body_release(&b);
	ca_http_body_release(NULL);

	ca_http_body_init(&b, 10, 5, "/nonexistent-dir-for-test");
	ck_assert_int_eq(ca_http_body_append(&b, chunk, 4, NULL), CA_OK);
	ck_assert_int_eq(ca_http_body_append(&b, chunk, 4, &err), CA_EIO);
	ca_http_body_release(&b);

	ca_http_body_init(&b, 10, 5, NULL);
	ck_assert_int_eq(ca_http_body_finish(&b, &data, &len, NULL), CA_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	ca_http_body_release(&b);
}
END_TEST

START_TEST(response_headers_and_errors)
{
	struct ca_http_response resp;
	struct ca_err err;
	json_t *v;

	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_http_add_header(&resp, "X-A", "1"), CA_OK);
	ck_assert_int_eq(ca_http_add_header(&resp, "x-a", "2"), CA_OK);
	ck_assert_int_eq(ca_http_set_header(&resp, "X-A", "3"), CA_OK);
	ck_assert_uint_eq(resp.headers.n, 1);
	ck_assert_str_eq(ca_http_kv_get_nocase(&resp.headers, "x-a"), "3");
	ck_assert_int_eq(ca_http_add_header(&resp, "Bad Name", "v"), CA_EINVAL);
	ck_assert_int_eq(ca_http_add_header(&resp, "X", "v\nInjected: 1"), CA_EINVAL);
	ck_assert_int_eq(ca_http_add_header(&resp, "X", "v\r"), CA_EINVAL);

	ck_assert_int_eq(ca_http_respond_error(&resp, 404, "No photo %d.", 7), CA_OK);
	ck_assert_int_eq(resp.status, 404);
	v = json_loads(resp.body.data, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(v, "error")), "not_found");
	ck_assert_str_eq(json_string_value(json_object_get(v, "message")), "No photo 7.");
	json_decref(v);

	/* a 5xx hides the library's detail; a 4xx shows the sentence */
	ca_err_clear(&err);
	ca_err_set(&err, CA_DB_QUERY, "SELECT failed: secret table layout");
	ck_assert_int_eq(ca_http_respond_ca_err(&resp, &err), CA_OK);
	ck_assert_int_eq(resp.status, 500);
	ck_assert(!strstr(resp.body.data, "secret"));
	ca_err_clear(&err);
	ca_err_set(&err, CA_DB_CONFLICT, "That email is taken.");
	ck_assert_int_eq(ca_http_respond_ca_err(&resp, &err), CA_OK);
	ck_assert_int_eq(resp.status, 409);
	ck_assert(strstr(resp.body.data, "That email is taken."));

	/* invalid UTF-8 in a message still gives the shape */
	ck_assert_int_eq(ca_http_respond_error(&resp, 400, "bad \xff"), CA_OK);
	v = json_loads(resp.body.data, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(v, "error")), "bad_request");
	json_decref(v);

	ck_assert_int_eq(ca_http_respond_json(&resp, 200, NULL), CA_EINVAL);
	ck_assert_int_eq(resp.status, 0);

	ck_assert_int_eq(ca_http_respond_redirect(&resp, 302, "https://x/y?z"), CA_OK);
	ck_assert_ptr_null(ca_http_kv_get_nocase(&resp.headers, "Content-Type")); /* none left over */
	ck_assert_uint_eq(resp.body.len, 0);
	ck_assert_str_eq(ca_http_kv_get_nocase(&resp.headers, "Location"), "https://x/y?z");
	ck_assert_int_eq(ca_http_set_cookie(&resp, "a", "b", NULL), CA_OK);
	ck_assert_str_eq(ca_http_kv_get(&resp.headers, "Set-Cookie"), "a=b; Path=/");
	ca_http_response_release(&resp);
	ca_http_response_release(NULL);
}
END_TEST

START_TEST(status_for_codes)
{
	ck_assert_int_eq(ca_http_status_for(CA_EINVAL), 400);
	ck_assert_int_eq(ca_http_status_for(CA_AUTH_MISMATCH), 401);
	ck_assert_int_eq(ca_http_status_for(CA_HTTP_CSRF), 403);
	ck_assert_int_eq(ca_http_status_for(CA_DB_NOTFOUND), 404);
	ck_assert_int_eq(ca_http_status_for(CA_DB_CONFLICT), 409);
	ck_assert_int_eq(ca_http_status_for(CA_HTTP_TOO_LARGE), 413);
	ck_assert_int_eq(ca_http_status_for(CA_IMG_NOT_JPEG), 415);
	ck_assert_int_eq(ca_http_status_for(CA_AUTH_RATE_LIMITED), 429);
	ck_assert_int_eq(ca_http_status_for(CA_ENOMEM), 500);
	ck_assert_str_eq(ca_http_error_name(413), "payload_too_large");
	ck_assert_str_eq(ca_http_error_name(599), "internal");
}
END_TEST

START_TEST(json_body_requirements)
{
	struct ca_http_request req;
	struct ca_err err;
	json_t *v = NULL;

	memset(&req, 0, sizeof(req));
	ca_http_kv_adds(&req.headers, "content-type", "application/json; charset=utf-8");
	req.body = "{\"a\": 1}";
	req.body_len = strlen(req.body);
	ck_assert_int_eq(ca_http_body_json(&req, &v, NULL), CA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	req.body = "{\"a\": 1, \"a\": 2}";
	req.body_len = strlen(req.body);
	ck_assert_int_eq(ca_http_body_json(&req, &v, NULL), CA_HTTP_BAD_REQUEST);
	ck_assert_ptr_null(v);
	req.body = "[1]";
	req.body_len = 3;
	ck_assert_int_eq(ca_http_body_json(&req, &v, NULL), CA_HTTP_BAD_REQUEST);
	req.body = "{\"a\": 1} trailing";
	req.body_len = strlen(req.body);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_http_body_json(&req, &v, &err), CA_HTTP_BAD_REQUEST);
	ck_assert(strstr(ca_err_msg(&err), "not valid JSON"));
	req.body = "{\"a\": 1}xyz"; /* only the first 8 bytes are the body */
	req.body_len = 8;
	ck_assert_int_eq(ca_http_body_json(&req, &v, NULL), CA_OK);
	json_decref(v);
	ca_http_kv_release(&req.headers);
	ca_http_kv_adds(&req.headers, "Content-Type", "application/jsonx");
	ck_assert_int_eq(ca_http_body_json(&req, &v, NULL), CA_HTTP_BAD_MEDIA_TYPE);
	ca_http_kv_release(&req.headers);
	ck_assert_int_eq(ca_http_body_json(&req, &v, NULL), CA_HTTP_BAD_MEDIA_TYPE);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("http_parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, percent_decoding);
	tcase_add_test(tc, base64url_round_trip_and_rejects);
	tcase_add_test(tc, cookie_header_parsing_hostile);
	tcase_add_test(tc, set_cookie_formatting);
	tcase_add_test(tc, request_ids);
	tcase_add_test(tc, generated_request_ids_all_differ);
	tcase_add_test(tc, access_log_line);
	tcase_add_test(tc, access_log_text_line);
	tcase_add_test(tc, access_log_format_is_chosen_for_the_process);
	tcase_add_test(tc, route_patterns_validated);
	tcase_add_test(tc, router_dispatch_without_a_server);
	tcase_add_test(tc, body_sink_spills_to_a_file_and_caps);
	tcase_add_test(tc, response_headers_and_errors);
	tcase_add_test(tc, status_for_codes);
	tcase_add_test(tc, json_body_requirements);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
