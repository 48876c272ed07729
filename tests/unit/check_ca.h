/*
 * check_ca.h — shared glue for the Check unit tests.
 * Each tests/unit/test_*.c defines `Suite *make_suite(void)` and ends with CA_TEST_MAIN().
 * Tests that need files from outside read CA_SHARED_DIR (default ../shared).
 */
#ifndef CA_CHECK_CA_H
#define CA_CHECK_CA_H

#include <check.h>
#include <stdlib.h>

static inline const char *ca_test_shared_dir(void)
{
	const char *d = getenv("CA_SHARED_DIR");
	return d && *d ? d : "../shared";
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
