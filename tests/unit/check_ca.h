/*
 * check_ca.h — shared glue for the Check unit tests.
 * Each tests/unit/test_*.c defines `Suite *make_suite(void)` and ends with CA_TEST_MAIN().
 * The SigV4 tests read AWS's suite as case folders from CA_SIGV4_SUITE, which
 * scripts/run-unit.sh lays out from the tree's own tests/data/sigv4-cases.txt.
 */
#ifndef CA_CHECK_CA_H
#define CA_CHECK_CA_H

#include <check.h>
#include <stdlib.h>

static inline const char *ca_test_sigv4_suite(void)
{
	const char *d = getenv("CA_SIGV4_SUITE");
	return d && *d ? d : "build/sigv4-suite";
}

#define CA_TEST_MAIN()                                                   \
	int main(void)                                                   \
	{                                                                \
		SRunner *sr = srunner_create(make_suite());              \
		int failed;                                              \
		srunner_run_all(sr, CK_NORMAL);                          \
		failed = srunner_ntests_failed(sr);                      \
		srunner_free(sr);                                        \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;             \
	}

#endif
