/*
 * The login rate limiter: token buckets with an injected clock, eviction in a
 * full table, and many threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check_ca.h"
#include "http/ratelimit.h"

static uint64_t fake_now(void *ctx)
{
	return __atomic_load_n((uint64_t *)ctx, __ATOMIC_SEQ_CST);
}

static struct ca_ratelimit *limiter(uint64_t *clock, size_t slots, unsigned burst, unsigned per_minute)
{
	struct ca_ratelimit_opts o = { slots, burst, per_minute, fake_now, clock };
	struct ca_ratelimit *rl = NULL;

	ck_assert_int_eq(ca_ratelimit_new(&rl, &o, NULL), CA_OK);
	return rl;
}

START_TEST(burst_then_refill)
{
	uint64_t clock = 1000000;
	struct ca_ratelimit *rl = limiter(&clock, 64, 3, 6); /* one token every 10 s */
	unsigned retry = 0;
	struct ca_err err;
	int i;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", &retry, NULL), CA_OK);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", &retry, &err), CA_AUTH_RATE_LIMITED);
	ck_assert_uint_eq(retry, 10);
	ck_assert(strstr(ca_err_msg(&err), "10 seconds"));
	/* other keys are not affected */
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:b@x", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "addr:127.0.0.1", NULL, NULL), CA_OK);

	clock += 9999; /* not quite a token */
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", &retry, NULL), CA_AUTH_RATE_LIMITED);
	ck_assert_uint_eq(retry, 1);
	clock += 1;
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", NULL, NULL), CA_AUTH_RATE_LIMITED);

	clock += 3600 * 1000; /* a long pause refills to the burst, no further */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", NULL, NULL), CA_AUTH_RATE_LIMITED);

	clock -= 5000; /* a clock going backwards gives nothing back */
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", NULL, NULL), CA_AUTH_RATE_LIMITED);

	ca_ratelimit_reset(rl, "acct:a@x"); /* e.g. after a good password */
	ck_assert_int_eq(ca_ratelimit_take(rl, "acct:a@x", NULL, NULL), CA_OK);
	ca_ratelimit_reset(rl, "never-seen");
	ca_ratelimit_free(rl);
	ca_ratelimit_free(NULL);
}
END_TEST

START_TEST(defaults_are_five_a_minute)
{
	uint64_t clock = 0;
	struct ca_ratelimit_opts o = { 0, 0, 0, fake_now, &clock };
	struct ca_ratelimit *rl = NULL;
	unsigned retry = 0;
	int i;

	ck_assert_int_eq(ca_ratelimit_new(&rl, &o, NULL), CA_OK);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(ca_ratelimit_take(rl, "k", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "k", &retry, NULL), CA_AUTH_RATE_LIMITED);
	ck_assert_uint_eq(retry, 12);
	ca_ratelimit_free(rl);
}
END_TEST

START_TEST(full_table_evicts_and_memory_stays_bounded)
{
	uint64_t clock = 0;
	struct ca_ratelimit *rl = limiter(&clock, 16, 2, 1);
	char key[32];
	int i, limited = 0;

	/* The victim drains its bucket. */
	ck_assert_int_eq(ca_ratelimit_take(rl, "victim", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "victim", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "victim", NULL, NULL), CA_AUTH_RATE_LIMITED);
	/* 100 000 other keys through a 16-slot table: no growth, no failure. */
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		clock++;
		ck_assert_int_eq(ca_ratelimit_take(rl, key, NULL, NULL), CA_OK);
	}
	/* Each fresh key had a full bucket; a key used twice in a row is limited after 2. */
	for (i = 0; i < 3; i++)
		limited += ca_ratelimit_take(rl, "hot", NULL, NULL) == CA_AUTH_RATE_LIMITED;
	ck_assert_int_eq(limited, 1);
	ca_ratelimit_free(rl);
}
END_TEST

START_TEST(least_recently_used_is_evicted_first)
{
	uint64_t clock = 0;
	struct ca_ratelimit *rl = limiter(&clock, 16, 1, 1); /* 16 slots = one probe window */
	char key[32];
	int i;

	/* Fill the table with drained buckets, "old" first. */
	ck_assert_int_eq(ca_ratelimit_take(rl, "old", NULL, NULL), CA_OK);
	for (i = 0; i < 15; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		clock++;
		ck_assert_int_eq(ca_ratelimit_take(rl, key, NULL, NULL), CA_OK);
	}
	/* A newcomer evicts the least recently used: "old", which then starts afresh. */
	clock++;
	ck_assert_int_eq(ca_ratelimit_take(rl, "new", NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_ratelimit_take(rl, "k14", NULL, NULL), CA_AUTH_RATE_LIMITED); /* kept */
	ck_assert_int_eq(ca_ratelimit_take(rl, "new", NULL, NULL), CA_AUTH_RATE_LIMITED);  /* kept */
	ca_ratelimit_free(rl);
}
END_TEST

struct hammer {
	struct ca_ratelimit *rl;
	int allowed;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	int i;

	for (i = 0; i < 20000; i++)
		if (ca_ratelimit_take(h->rl, "shared", NULL, NULL) == CA_OK)
			h->allowed++;
	return NULL;
}

START_TEST(threads_share_one_bucket_exactly)
{
	uint64_t clock = 42; /* frozen: no refill, so exactly `burst` attempts pass */
	struct ca_ratelimit *rl = limiter(&clock, 64, 100, 1);
	struct hammer h[4];
	pthread_t t[4];
	int i, total = 0;

	for (i = 0; i < 4; i++) {
		h[i].rl = rl;
		h[i].allowed = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += h[i].allowed;
	}
	ck_assert_int_eq(total, 100);
	ca_ratelimit_free(rl);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");

	tcase_add_test(tc, burst_then_refill);
	tcase_add_test(tc, defaults_are_five_a_minute);
	tcase_add_test(tc, full_table_evicts_and_memory_stays_bounded);
	tcase_add_test(tc, least_recently_used_is_evicted_first);
	tcase_add_test(tc, threads_share_one_bucket_exactly);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
