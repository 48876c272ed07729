/*
 * test_cognito_legacy.c — the checks that decide whether a user pool user may be
 * given the password of the legacy application (auth/cognito_auth.h): which pool
 * users wait for it, and which User item is theirs. The whole sign-in, against
 * moto and a migrated legacy deployment, is tests/integration/test_migrate_signin.py.
 */
#include <stdbool.h>
#include <string.h>

#include "check_ca.h"

#include "auth/cognito_auth.h"
#include "util/banned.h"

#define POOL_NAME "bf8c0429-8722-4b81-8b51-00c745402d9b"
#define EMAIL "anamuller1@example.com"

/* A pool user as cloudalbum-migrate --cognito leaves it (strings borrowed). */
static struct ca_cognito_pool_user migrated(void)
{
	struct ca_cognito_pool_user u;

	memset(&u, 0, sizeof(u));
	u.username = (char *)POOL_NAME;
	u.email = (char *)EMAIL;
	u.legacy_id = (char *)"42";
	u.status = (char *)"FORCE_CHANGE_PASSWORD";
	u.enabled = true;
	return u;
}

START_TEST(migrated_user_waits_for_its_password)
{
	struct ca_cognito_pool_user u = migrated();

	ck_assert(ca_cognito_awaits_legacy_password(&u));
	u.legacy_id = (char *)"1";
	ck_assert(ca_cognito_awaits_legacy_password(&u));
	u.legacy_id = (char *)"123456789012345678"; /* 18 digits */
	ck_assert(ca_cognito_awaits_legacy_password(&u));
}
END_TEST

START_TEST(other_states_do_not_wait)
{
	static const char *const states[] = { "CONFIRMED", "UNCONFIRMED", "RESET_REQUIRED",
					      "ARCHIVED", "COMPROMISED", "UNKNOWN",
					      "EXTERNAL_PROVIDER", "force_change_password",
					      "FORCE_CHANGE_PASSWORD ", "", NULL };
	struct ca_cognito_pool_user u = migrated();
	size_t i;

	for (i = 0; states[i]; i++) {
		u.status = (char *)states[i];
		ck_assert_msg(!ca_cognito_awaits_legacy_password(&u), "%s", states[i]);
	}
	u.status = NULL;
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
}
END_TEST

START_TEST(disabled_or_incomplete_users_do_not_wait)
{
	struct ca_cognito_pool_user u = migrated();

	ck_assert(!ca_cognito_awaits_legacy_password(NULL));
	u.enabled = false;
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
	u = migrated();
	u.username = NULL;
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
	u.username = (char *)"";
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
	u = migrated();
	u.email = NULL;
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
	u.email = (char *)"";
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
}
END_TEST

START_TEST(only_a_legacy_row_id_counts_as_legacy_id)
{
	/* created by someone else: no attribute, or one the migration never writes */
	static const char *const bad[] = { "", "0", "007", "-1", "+1", " 1", "1 ", "1e3", "0x1f",
					   "abc", "4 2", "1234567890123456789", "١٢", "42\n",
					   NULL };
	struct ca_cognito_pool_user u = migrated();
	size_t i;

	u.legacy_id = NULL;
	ck_assert(!ca_cognito_awaits_legacy_password(&u));
	for (i = 0; bad[i]; i++) {
		u.legacy_id = (char *)bad[i];
		ck_assert_msg(!ca_cognito_awaits_legacy_password(&u), "'%s'", bad[i]);
	}
}
END_TEST

START_TEST(the_item_the_migration_wrote_is_theirs)
{
	struct ca_cognito_pool_user u = migrated();

	ck_assert(ca_cognito_legacy_record_is(&u, POOL_NAME, EMAIL));
	/* emails differ only in ASCII case: the same address to the pool and MySQL */
	ck_assert(ca_cognito_legacy_record_is(&u, POOL_NAME, "AnaMuller1@Example.COM"));
}
END_TEST

START_TEST(any_other_item_is_not)
{
	struct ca_cognito_pool_user u = migrated();

	/* a uuid hex id: signed up at stage 1/2, or a pool user made again since */
	ck_assert(!ca_cognito_legacy_record_is(&u, "396552ed3cfd4f438703f1a4c9ac9780", EMAIL));
	ck_assert(!ca_cognito_legacy_record_is(&u, "BF8C0429-8722-4B81-8B51-00C745402D9B", EMAIL));
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME " ", EMAIL));
	ck_assert(!ca_cognito_legacy_record_is(&u, "bf8c0429", EMAIL));
	ck_assert(!ca_cognito_legacy_record_is(&u, "", EMAIL));
	ck_assert(!ca_cognito_legacy_record_is(&u, NULL, EMAIL));
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME, "anamuller2@example.com"));
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME, "anamuller1@example.com.evil"));
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME, ""));
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME, NULL));
	ck_assert(!ca_cognito_legacy_record_is(NULL, POOL_NAME, EMAIL));
	u.username = (char *)"";
	ck_assert(!ca_cognito_legacy_record_is(&u, "", EMAIL));
	u = migrated();
	u.email = NULL;
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME, EMAIL));
	u.email = (char *)"";
	ck_assert(!ca_cognito_legacy_record_is(&u, POOL_NAME, ""));
}
END_TEST

START_TEST(release_frees_and_accepts_null)
{
	struct ca_cognito_pool_user u;

	memset(&u, 0, sizeof(u));
	u.username = strdup(POOL_NAME);
	u.email = strdup(EMAIL);
	u.legacy_id = strdup("42");
	u.status = strdup("CONFIRMED");
	u.enabled = true;
	ck_assert(u.username && u.email && u.legacy_id && u.status);
	ca_cognito_pool_user_release(&u);
	ck_assert(!u.username && !u.email && !u.legacy_id && !u.status && !u.enabled);
	ca_cognito_pool_user_release(&u); /* again: nothing left to free */
	ca_cognito_pool_user_release(NULL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cognito_legacy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, migrated_user_waits_for_its_password);
	tcase_add_test(tc, other_states_do_not_wait);
	tcase_add_test(tc, disabled_or_incomplete_users_do_not_wait);
	tcase_add_test(tc, only_a_legacy_row_id_counts_as_legacy_id);
	tcase_add_test(tc, the_item_the_migration_wrote_is_theirs);
	tcase_add_test(tc, any_other_item_is_not);
	tcase_add_test(tc, release_frees_and_accepts_null);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
