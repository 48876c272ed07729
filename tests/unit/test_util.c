#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/error.h"
#include "util/strutil.h"
#include "util/url.h"

START_TEST(buf_grows_and_detaches)
{
	struct ca_buf b = CA_BUF_INIT;
	size_t len = 0;
	char *s;
	int i;

	ck_assert_str_eq(b.data, "");
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(ca_buf_addf(&b, "%d,", i % 10), CA_OK);
	ck_assert_uint_eq(b.len, 2000);
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	ca_buf_setlen(&b, 4);
	ck_assert_str_eq(b.data, "0,1,");
	s = ca_buf_detach(&b, &len);
	ck_assert_str_eq(s, "0,1,");
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(b.data, "");
	free(s);
	s = ca_buf_detach(&b, NULL); /* empty buffer still gives a string */
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	free(s);
	ca_buf_release(&b);
	ca_buf_release(NULL);
}
END_TEST

START_TEST(buf_refuses_impossible_growth)
{
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_adds(&b, "x");
	ck_assert_int_eq(ca_buf_grow(&b, SIZE_MAX - 1), CA_ENOMEM);
	ck_assert(!ca_buf_ok(&b));
	ck_assert_int_eq(ca_buf_adds(&b, "more"), CA_ENOMEM);
	ck_assert_ptr_null(ca_buf_detach(&b, NULL));
	ca_buf_release(&b);
}
END_TEST

START_TEST(err_first_error_wins_and_prefix)
{
	struct ca_err e;

	ca_err_clear(&e);
	ck_assert_str_eq(ca_err_msg(&e), "no error");
	ck_assert_int_eq(ca_err_set(&e, CA_EINVAL, "bad %s", "thing"), CA_EINVAL);
	ck_assert_int_eq(ca_err_set(&e, CA_EIO, "second"), CA_EIO);
	ck_assert_int_eq(e.code, CA_EINVAL);
	ca_err_prefix(&e, "reading %s", "f.yaml");
	ck_assert_str_eq(ca_err_msg(&e), "reading f.yaml: bad thing");
	ck_assert_int_eq(ca_err_set(NULL, CA_EIO, "x"), CA_EIO);
	ck_assert_str_eq(ca_strerror(CA_ENOMEM), "out of memory");
	ck_assert_str_eq(ca_strerror(-42), "unknown error");
}
END_TEST

START_TEST(hex_and_hashes)
{
	uint8_t d[CA_SHA256_LEN], back[CA_SHA256_LEN];
	char hex[2 * CA_SHA256_LEN + 1];
	size_t n = 0;

	/* FIPS 180-2 example: SHA-256("abc") */
	ca_sha256("abc", 3, d);
	ca_hex_encode(d, sizeof(d), hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2 */
	ca_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	ca_hex_encode(d, sizeof(d), hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 1 (a 20-byte key) and 6 (a key longer than the block: hashed) */
	{
		uint8_t key[131];

		memset(key, 0x0b, 20);
		ca_hmac_sha256(key, 20, "Hi There", 8, d);
		ca_hex_encode(d, sizeof(d), hex);
		ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
		memset(key, 0xaa, sizeof(key));
		ca_hmac_sha256(key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First",
			       54, d);
		ca_hex_encode(d, sizeof(d), hex);
		ck_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
		/* an empty key and message */
		ca_hmac_sha256("", 0, "", 0, d);
		ca_hex_encode(d, sizeof(d), hex);
		ck_assert_str_eq(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	}
	ck_assert(ca_hex_decode(hex, strlen(hex), back, sizeof(back), &n));
	ck_assert_uint_eq(n, 32);
	ck_assert(memcmp(back, d, 32) == 0);
	ck_assert(!ca_hex_decode("abc", 3, back, sizeof(back), &n));
	ck_assert(!ca_hex_decode("zz", 2, back, sizeof(back), &n));
	ck_assert(!ca_hex_decode("0000", 4, back, 1, &n));
	ck_assert(ca_consttime_eq("abc", 3, "abc", 3));
	ck_assert(!ca_consttime_eq("abc", 3, "abd", 3));
	ck_assert(!ca_consttime_eq("abc", 3, "ab", 2));
}
END_TEST

START_TEST(parse_numbers)
{
	long v = 0;
	uint64_t u = 0;

	ck_assert(ca_parse_long("42", 0, 100, &v) && v == 42);
	ck_assert(ca_parse_long("-7", -10, 10, &v) && v == -7);
	ck_assert(!ca_parse_long("", 0, 100, &v));
	ck_assert(!ca_parse_long("12x", 0, 100, &v));
	ck_assert(!ca_parse_long("101", 0, 100, &v));
	ck_assert(!ca_parse_long("99999999999999999999999", 0, 100, &v));
	ck_assert(!ca_parse_long(NULL, 0, 100, &v));
	ck_assert(ca_parse_u64("18446744073709551615", &u) && u == UINT64_MAX);
	ck_assert(!ca_parse_u64("18446744073709551616", &u));
	ck_assert(!ca_parse_u64("-1", &u));
	ck_assert(ca_starts_with("photos/a", "photos/"));
	ck_assert(ca_ends_with("a.jpeg", ".jpeg"));
	ck_assert(!ca_ends_with("g", ".jpeg"));
}
END_TEST

/* One piece of a split URL as a string, for comparing. */
static const char *piece(char *buf, size_t cap, const char *p, size_t n)
{
	snprintf(buf, cap, "%.*s", (int)n, p ? p : "");
	return buf;
}

START_TEST(url_split_pieces)
{
	struct ca_url u;
	char b[256];

	ck_assert_int_eq(ca_url_split("https://user:pa%40ss@Example.COM:8443/a/b%20c?x=1&y=%2F#frag", &u),
			 CA_URL_OK);
	ck_assert_str_eq(piece(b, sizeof(b), u.scheme, u.scheme_len), "https");
	ck_assert(ca_url_scheme_is(&u, "HTTPS") && !ca_url_scheme_is(&u, "http"));
	ck_assert(u.has_userinfo);
	ck_assert_str_eq(piece(b, sizeof(b), u.userinfo, u.userinfo_len), "user:pa%40ss");
	ck_assert_str_eq(piece(b, sizeof(b), u.host, u.host_len), "Example.COM");
	ck_assert(!u.ipv6);
	ck_assert_int_eq(u.port, 8443);
	ck_assert_str_eq(piece(b, sizeof(b), u.path, u.path_len), "/a/b%20c");   /* not decoded */
	ck_assert(u.has_query && u.has_fragment);
	ck_assert_str_eq(piece(b, sizeof(b), u.query, u.query_len), "x=1&y=%2F");
	ck_assert_str_eq(piece(b, sizeof(b), u.fragment, u.fragment_len), "frag");
	ck_assert_str_eq(piece(b, sizeof(b), u.authority, u.authority_len),
			 "user:pa%40ss@Example.COM:8443");

	/* the LAST '@' ends the userinfo, which may hold '@' and ':' unencoded */
	ck_assert_int_eq(ca_url_split("mysql://a@b:c:d@e@db.local/x", &u), CA_URL_OK);
	ck_assert_str_eq(piece(b, sizeof(b), u.userinfo, u.userinfo_len), "a@b:c:d@e");
	ck_assert_str_eq(piece(b, sizeof(b), u.host, u.host_len), "db.local");
	ck_assert_int_eq(u.port, 0);
	/* an '@' after the authority is the path's */
	ck_assert_int_eq(ca_url_split("http://h/p@q", &u), CA_URL_OK);
	ck_assert(!u.has_userinfo);
	ck_assert_str_eq(piece(b, sizeof(b), u.path, u.path_len), "/p@q");
	/* empty userinfo, empty host, nothing after: all shapes, not errors */
	ck_assert_int_eq(ca_url_split("x://@", &u), CA_URL_OK);
	ck_assert(u.has_userinfo && u.userinfo_len == 0 && u.host_len == 0);
	ck_assert_int_eq(ca_url_split("http://h?#", &u), CA_URL_OK);
	ck_assert(u.has_query && u.query_len == 0 && u.has_fragment && u.fragment_len == 0);
	ck_assert_uint_eq(u.path_len, 0);
	/* '?' inside the fragment is the fragment's */
	ck_assert_int_eq(ca_url_split("http://h/p#f?q", &u), CA_URL_OK);
	ck_assert(!u.has_query);
	ck_assert_str_eq(piece(b, sizeof(b), u.fragment, u.fragment_len), "f?q");
}
END_TEST

START_TEST(url_split_ipv6)
{
	struct ca_url u;
	char b[256];

	ck_assert_int_eq(ca_url_split("http://[::1]:5000/x", &u), CA_URL_OK);
	ck_assert(u.ipv6);
	ck_assert_str_eq(piece(b, sizeof(b), u.host, u.host_len), "::1");
	ck_assert_int_eq(u.port, 5000);
	ck_assert_int_eq(ca_url_split("http://u:p@[fe80::1%25eth0]", &u), CA_URL_OK);
	ck_assert_str_eq(piece(b, sizeof(b), u.host, u.host_len), "fe80::1%25eth0");
	ck_assert_int_eq(ca_url_split("http://[]/", &u), CA_URL_OK);
	ck_assert(u.ipv6 && u.host_len == 0);
	ck_assert_int_eq(ca_url_split("http://[::1", &u), CA_URL_IPV6_UNCLOSED);
	ck_assert_int_eq(ca_url_split("http://[::1/]", &u), CA_URL_IPV6_UNCLOSED); /* ']' past the authority */
	ck_assert_int_eq(ca_url_split("http://[::1]x", &u), CA_URL_AFTER_HOST);
	ck_assert_int_eq(ca_url_split("http://[::1]]:80", &u), CA_URL_AFTER_HOST);
	ck_assert_int_eq(ca_url_split("http://[::1]:", &u), CA_URL_PORT_MALFORMED);
	/* a host without brackets ends at its first ':' */
	ck_assert_int_eq(ca_url_split("http://::1/", &u), CA_URL_PORT_RANGE);
}
END_TEST

START_TEST(url_split_refuses)
{
	static const struct {
		const char *url;
		enum ca_url_error want;
	} cases[] = {
		{ "", CA_URL_EMPTY },
		{ "example.com", CA_URL_NO_SCHEME },
		{ "localhost:4566", CA_URL_NO_SCHEME },
		{ "//host/path", CA_URL_NO_SCHEME },
		{ "://host", CA_URL_NO_SCHEME },
		{ "1http://host", CA_URL_NO_SCHEME },
		{ "ht tp://host", CA_URL_NO_SCHEME },
		{ "http:/host", CA_URL_NO_SCHEME },
		{ "http:host:80", CA_URL_NO_SCHEME },
		{ "http://h:", CA_URL_PORT_MALFORMED },
		{ "http://h:/x", CA_URL_PORT_MALFORMED },
		{ "http://h:00000080", CA_URL_PORT_MALFORMED },     /* 8 characters */
		{ "http://h:0", CA_URL_PORT_RANGE },
		{ "http://h:65536", CA_URL_PORT_RANGE },
		{ "http://h:99999", CA_URL_PORT_RANGE },
		{ "http://h:-1", CA_URL_PORT_RANGE },
		{ "http://h:+80", CA_URL_PORT_RANGE },
		{ "http://h: 80", CA_URL_PORT_RANGE },
		{ "http://h:8o", CA_URL_PORT_RANGE },
		{ "http://h:80:81", CA_URL_PORT_RANGE },
		{ "http://u:p@h:x", CA_URL_PORT_RANGE },             /* host:port after the last '@' */
	};
	struct ca_url u;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(ca_url_split(cases[i].url, &u) == cases[i].want, "%s", cases[i].url);
	ck_assert_int_eq(ca_url_split(NULL, &u), CA_URL_EMPTY);
	ck_assert_int_eq(ca_url_split("http://h:0000080", &u), CA_URL_OK);
	ck_assert_int_eq(u.port, 80);
	ck_assert_int_eq(ca_url_split("http://h:65535", &u), CA_URL_OK);
	ck_assert_int_eq(ca_url_split("svn+ssh.x-1://h", &u), CA_URL_OK);
}
END_TEST

START_TEST(url_split_overlong)
{
	size_t n = CA_URL_MAX + 1;
	char *url = malloc(n + 1);
	struct ca_url u;

	ck_assert_ptr_nonnull(url);
	memcpy(url, "http://h/", 9);
	memset(url + 9, 'a', n - 9);
	url[n] = '\0';
	ck_assert_int_eq(ca_url_split(url, &u), CA_URL_TOO_LONG);
	url[n - 1] = '\0';
	ck_assert_int_eq(ca_url_split(url, &u), CA_URL_OK);
	ck_assert_uint_eq(u.path_len, CA_URL_MAX - 8);
	/* an authority of 64 KiB of '[': unclosed, found without reading past the end */
	memset(url + 7, '[', n - 8);
	ck_assert_int_eq(ca_url_split(url, &u), CA_URL_IPV6_UNCLOSED);
	free(url);
}
END_TEST

START_TEST(percent_coding)
{
	struct ca_buf b = CA_BUF_INIT;
	static const char raw[] = "a b/~-._\xff\x00Z";

	ck_assert_int_eq(ca_percent_encode(&b, raw, sizeof(raw) - 1, true), CA_OK);
	ck_assert_str_eq(b.data, "a%20b/~-._%FF%00Z");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_percent_encode(&b, raw, sizeof(raw) - 1, false), CA_OK);
	ck_assert_str_eq(b.data, "a%20b%2F~-._%FF%00Z");
	ca_buf_reset(&b);

	ck_assert_int_eq(ca_percent_decode(&b, "a%2fb+c%41", 10, 0), CA_OK);
	ck_assert_str_eq(b.data, "a/b+cA");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_percent_decode(&b, "a+b", 3, CA_PCT_PLUS_IS_SPACE), CA_OK);
	ck_assert_str_eq(b.data, "a b");
	ca_buf_reset(&b);
	/* strict: bad escapes and NULs refused */
	ck_assert_int_eq(ca_percent_decode(&b, "%4", 2, 0), CA_EPARSE);
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_percent_decode(&b, "%zz", 3, 0), CA_EPARSE);
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_percent_decode(&b, "a%00", 4, 0), CA_EPARSE);
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_percent_decode(&b, "a\0b", 3, 0), CA_EPARSE);
	ca_buf_reset(&b);
	/* lenient: kept as they are; %00 decodes */
	ck_assert_int_eq(ca_percent_decode(&b, "%4%zz%%41%00", 12, CA_PCT_LENIENT), CA_OK);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_mem_eq(b.data, "%4%zz%A\0", 8);
	ca_buf_release(&b);
}
END_TEST

START_TEST(region_names)
{
	static const char *const good[] = { "us-east-1", "eu-central-2", "local", "a", "x1" };
	static const char *const bad[] = { "", "-us", "us-", "US-EAST-1", "us_east_1", "us east",
					   "us.east", "ü" };
	char longest[66];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(ca_region_name_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!ca_region_name_valid(bad[i]), "%s", bad[i]);
	ck_assert(!ca_region_name_valid(NULL));
	memset(longest, 'a', 64);
	longest[64] = '\0';
	ck_assert(ca_region_name_valid(longest));
	longest[64] = 'a';
	longest[65] = '\0';
	ck_assert(!ca_region_name_valid(longest));
}
END_TEST

START_TEST(array_grows_by_doubling)
{
	long *a = NULL;
	size_t n = 0, cap = 0, i, caps_seen = 0, last_cap = 0;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(CA_ARRAY_RESERVE(a, n, &cap, 4), CA_OK);
		ck_assert_uint_gt(cap, n);
		if (cap != last_cap) {
			ck_assert(last_cap == 0 ? cap == 4 : cap == 2 * last_cap);
			last_cap = cap;
			caps_seen++;
		}
		a[n++] = (long)i * 3;
	}
	ck_assert_uint_eq(caps_seen, 9);        /* 4, 8, ... 1024 */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(a[i], (long)i * 3);
	/* room left: nothing moves */
	n = 10;
	ck_assert_int_eq(CA_ARRAY_RESERVE(a, n, &cap, 4), CA_OK);
	ck_assert_uint_eq(cap, 1024);
	free(a);

	/* an impossible size is refused and leaves the array as it was */
	{
		struct { char b[1 << 20]; } *big = NULL;
		size_t bn = SIZE_MAX / 2, bcap = SIZE_MAX / 2;

		ck_assert_int_eq(CA_ARRAY_RESERVE(big, bn, &bcap, 1), CA_ENOMEM);
		ck_assert_ptr_null(big);
		ck_assert_uint_eq(bcap, SIZE_MAX / 2);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_grows_and_detaches);
	tcase_add_test(tc, buf_refuses_impossible_growth);
	tcase_add_test(tc, err_first_error_wins_and_prefix);
	tcase_add_test(tc, hex_and_hashes);
	tcase_add_test(tc, parse_numbers);
	tcase_add_test(tc, url_split_pieces);
	tcase_add_test(tc, url_split_ipv6);
	tcase_add_test(tc, url_split_refuses);
	tcase_add_test(tc, url_split_overlong);
	tcase_add_test(tc, percent_coding);
	tcase_add_test(tc, region_names);
	tcase_add_test(tc, array_grows_by_doubling);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
