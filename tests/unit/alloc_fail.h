/*
 * alloc_fail.h — allocation failure, injected, for Check tests.
 *
 * A test binary that includes this header must be linked with malloc, calloc,
 * realloc, strdup and strndup wrapped (the Makefile's ALLOC_WRAP list of binaries):
 * the library's own calls then go through a counter that can make the Nth one fail.
 * fail_each_allocation() runs an operation over good input once for every allocation
 * it makes, failing that one: every run must come back with CA_ENOMEM (never a crash,
 * never CA_OK with a part missing), and under the sanitizer build leak nothing.
 * Allocations inside shared libraries (libyaml, expat, OpenSSL, jansson, libc itself)
 * are not counted: only ours. Include it in one file per binary.
 */
#ifndef CA_TEST_ALLOC_FAIL_H
#define CA_TEST_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "check_ca.h"
#include "util/error.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

/* -1: never fail; otherwise the number of allocations still to succeed. */
static long alloc_countdown = -1;
static long alloc_failed;

static bool alloc_fails_now(void)
{
	if (alloc_countdown < 0)
		return false;
	if (alloc_countdown-- > 0)
		return false;
	alloc_failed++;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return alloc_fails_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return alloc_fails_now() ? NULL : __real_strndup(s, n);
}

/*
 * Runs op once failing allocation 0, then 1, ... until a run makes no allocation fail
 * (that run must succeed). Returns how many allocations the successful run made.
 */
static long fail_each_allocation(const char *what, int (*op)(struct ca_err *err))
{
	long n;

	for (n = 0; n < 100000; n++) {
		struct ca_err err;
		int rc;

		ca_err_clear(&err);
		alloc_failed = 0;
		alloc_countdown = n;
		rc = op(&err);
		alloc_countdown = -1;
		if (!alloc_failed) {
			ck_assert_msg(rc == CA_OK, "%s: %s", what, err.msg);
			return n;
		}
		ck_assert_msg(rc == CA_ENOMEM, "%s: allocation #%ld failed, returned %d (%s)",
			      what, n, rc, err.msg);
	}
	ck_abort_msg("%s: still allocating after 100000", what);
	return n;
}

#endif
