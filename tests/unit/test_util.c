#include <string.h>

#include "check_ca.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/error.h"
#include "util/strutil.h"

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

static Suite *make_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_grows_and_detaches);
	tcase_add_test(tc, buf_refuses_impossible_growth);
	tcase_add_test(tc, err_first_error_wins_and_prefix);
	tcase_add_test(tc, hex_and_hashes);
	tcase_add_test(tc, parse_numbers);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
