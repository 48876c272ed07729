/*
 * util/uuid.h: random version-4 UUIDs in the two forms the contracts use
 * (docs/CONTRACTS.md: user ids as 32 hex digits, file names dashed).
 */
#include <stdbool.h>
#include <string.h>

#include "check_ca.h"
#include "util/error.h"
#include "util/uuid.h"

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

START_TEST(hex_form_is_a_version_4_uuid)
{
	char a[CA_UUID_HEX_LEN + 1], b[CA_UUID_HEX_LEN + 1];
	size_t i;

	ck_assert_int_eq(ca_uuid4_hex(a), CA_OK);
	ck_assert_int_eq(ca_uuid4_hex(b), CA_OK);
	ck_assert_uint_eq(strlen(a), 32);
	for (i = 0; i < 32; i++)
		ck_assert_msg(is_lower_hex(a[i]), "%s: not lower-case hex at %zu", a, i);
	ck_assert_int_eq(a[12], '4');                  /* version */
	ck_assert_ptr_nonnull(strchr("89ab", a[16])); /* variant 10xx */
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(dashed_form_is_a_version_4_uuid)
{
	char a[CA_UUID_DASHED_LEN + 1], b[CA_UUID_DASHED_LEN + 1];
	size_t i;

	ck_assert_int_eq(ca_uuid4_dashed(a), CA_OK);
	ck_assert_int_eq(ca_uuid4_dashed(b), CA_OK);
	ck_assert_uint_eq(strlen(a), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_msg(a[i] == '-', "%s: no dash at %zu", a, i);
		else
			ck_assert_msg(is_lower_hex(a[i]), "%s: not lower-case hex at %zu", a, i);
	}
	ck_assert_int_eq(a[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", a[19]));
	ck_assert_str_ne(a, b);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("uuid");
	TCase *t = tcase_create("uuid");

	tcase_add_test(t, hex_form_is_a_version_4_uuid);
	tcase_add_test(t, dashed_form_is_a_version_4_uuid);
	suite_add_tcase(s, t);
	return s;
}

CA_TEST_MAIN()
