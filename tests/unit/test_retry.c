#include <stdlib.h>
#include <string.h>

#include "aws/retry.h"
#include "check_ca.h"
#include "util/error.h"

/* A recorder for the injected random and sleep. */
struct fake {
	double next_random;
	double slept[32];
	int n_slept;
	/* the scripted outcomes of attempt_fn */
	enum aws_retry_kind script[32];
	int n_script;
	int calls;
};

static double fake_random(void *ctx)
{
	return ((struct fake *)ctx)->next_random;
}

static void fake_sleep(void *ctx, double ms)
{
	struct fake *f = ctx;

	if (f->n_slept < 32)
		f->slept[f->n_slept++] = ms;
}

static enum aws_retry_kind scripted_attempt(void *ctx, int attempt)
{
	struct fake *f = ctx;

	f->calls++;
	ck_assert_int_eq(attempt, f->calls);
	return attempt <= f->n_script ? f->script[attempt - 1] : AWS_RETRY_NONE;
}

static void fake_policy(struct aws_retry_policy *p, struct fake *f)
{
	aws_retry_policy_init(p);
	p->random = fake_random;
	p->sleep = fake_sleep;
	p->ctx = f;
}

START_TEST(throttling_codes_are_throttling)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "EC2ThrottledException",
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		ck_assert_msg(aws_retry_is_throttle_code(codes[i]), "%s", codes[i]);
		ck_assert_int_eq(aws_retry_classify(CA_OK, 400, codes[i]), AWS_RETRY_THROTTLE);
	}
	ck_assert_int_eq(aws_retry_classify(CA_OK, 503, "SlowDown"), AWS_RETRY_THROTTLE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 429, NULL), AWS_RETRY_THROTTLE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 429, "429"), AWS_RETRY_THROTTLE);
	ck_assert(!aws_retry_is_throttle_code("throttling"));   /* codes are case-sensitive */
	ck_assert(!aws_retry_is_throttle_code(NULL));
}
END_TEST

START_TEST(transient_failures_are_transient)
{
	ck_assert_int_eq(aws_retry_classify(CA_OK, 500, "500"), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 502, NULL), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 503, "ServiceUnavailable"), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 504, NULL), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 500, "InternalError"), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 400, "RequestTimeout"), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 408, "RequestTimeoutException"), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_AWS_NETWORK, 0, NULL), AWS_RETRY_TRANSIENT);
	ck_assert_int_eq(aws_retry_classify(CA_AWS_TIMEOUT, 0, NULL), AWS_RETRY_TRANSIENT);
}
END_TEST

START_TEST(client_errors_are_never_retried)
{
	ck_assert_int_eq(aws_retry_classify(CA_OK, 400, "ValidationException"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 400, "SerializationException"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 403, "AccessDenied"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 403, "SignatureDoesNotMatch"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 404, "NoSuchKey"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 409, "BucketAlreadyOwnedByYou"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 501, "NotImplemented"), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 200, NULL), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_OK, 204, NULL), AWS_RETRY_NONE);
	/* local failures: repeating them cannot help */
	ck_assert_int_eq(aws_retry_classify(CA_EINVAL, 0, NULL), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_ENOMEM, 0, NULL), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_ERANGE, 0, NULL), AWS_RETRY_NONE);
	ck_assert_int_eq(aws_retry_classify(CA_AWS_NO_CREDENTIALS, 0, NULL), AWS_RETRY_NONE);
}
END_TEST

START_TEST(backoff_bounds_follow_the_sdk_formula)
{
	/* delay bound = min(base * 2^(attempt-1), 20 s): 1 s base after throttling,
	 * 50 ms otherwise (botocore's standard mode) */
	static const double throttle[] = { 1000, 2000, 4000, 8000, 16000, 20000, 20000 };
	static const double transient[] = { 50, 100, 200, 400, 800, 1600, 3200 };
	struct aws_retry_policy p;
	int i;

	aws_retry_policy_init(&p);
	ck_assert_int_eq(p.max_attempts, 3);
	for (i = 0; i < 7; i++) {
		ck_assert_double_eq(aws_retry_delay_bound_ms(&p, AWS_RETRY_THROTTLE, i + 1), throttle[i]);
		ck_assert_double_eq(aws_retry_delay_bound_ms(&p, AWS_RETRY_TRANSIENT, i + 1), transient[i]);
	}
	ck_assert_double_eq(aws_retry_delay_bound_ms(&p, AWS_RETRY_TRANSIENT, 1000), 20000);
	ck_assert_double_eq(aws_retry_delay_bound_ms(&p, AWS_RETRY_TRANSIENT, 0), 50);
}
END_TEST

START_TEST(full_jitter_scales_the_bound)
{
	struct aws_retry_policy p;
	struct fake f;

	memset(&f, 0, sizeof(f));
	fake_policy(&p, &f);
	f.next_random = 0.0;
	ck_assert_double_eq(aws_retry_delay_ms(&p, AWS_RETRY_THROTTLE, 3), 0.0);
	f.next_random = 0.5;
	ck_assert_double_eq(aws_retry_delay_ms(&p, AWS_RETRY_THROTTLE, 3), 2000.0);
	f.next_random = 0.25;
	ck_assert_double_eq(aws_retry_delay_ms(&p, AWS_RETRY_TRANSIENT, 2), 25.0);
	/* a broken random source can never push the delay past the bound */
	f.next_random = 7.0;
	ck_assert_double_le(aws_retry_delay_ms(&p, AWS_RETRY_THROTTLE, 1), 1000.0);
	f.next_random = -1.0;
	ck_assert_double_ge(aws_retry_delay_ms(&p, AWS_RETRY_THROTTLE, 1), 0.0);
}
END_TEST

START_TEST(real_random_stays_within_bounds)
{
	struct aws_retry_policy p;
	double d, lo = 1e9, hi = -1;
	int i;

	aws_retry_policy_init(&p);
	for (i = 0; i < 2000; i++) {
		d = aws_retry_delay_ms(&p, AWS_RETRY_THROTTLE, 2);
		ck_assert(d >= 0.0 && d < 2000.0);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	/* full jitter spreads over the whole range (fails with odds ~ 2 * 0.9^2000) */
	ck_assert_double_lt(lo, 200.0);
	ck_assert_double_gt(hi, 1800.0);
}
END_TEST

START_TEST(loop_stops_at_max_attempts_and_records_delays)
{
	struct aws_retry_policy p;
	struct fake f;
	int i;

	memset(&f, 0, sizeof(f));
	fake_policy(&p, &f);
	p.throttle_base_ms = 10;
	p.max_backoff_ms = 30;
	p.max_attempts = 5;
	f.next_random = 0.999;
	for (i = 0; i < 10; i++)
		f.script[i] = AWS_RETRY_THROTTLE;
	f.n_script = 10;
	ck_assert_int_eq(aws_retry_run(&p, scripted_attempt, &f), 5);
	ck_assert_int_eq(f.calls, 5);
	ck_assert_int_eq(f.n_slept, 4);        /* no sleep after the last attempt */
	ck_assert_double_eq_tol(f.slept[0], 9.99, 1e-9);
	ck_assert_double_eq_tol(f.slept[1], 19.98, 1e-9);
	ck_assert_double_eq_tol(f.slept[2], 29.97, 1e-9);   /* capped at 30 */
	ck_assert_double_eq_tol(f.slept[3], 29.97, 1e-9);
}
END_TEST

START_TEST(loop_stops_on_success_or_fatal_error)
{
	struct aws_retry_policy p;
	struct fake f;

	memset(&f, 0, sizeof(f));
	fake_policy(&p, &f);
	f.next_random = 0.5;
	f.script[0] = AWS_RETRY_TRANSIENT;     /* then NONE: success on the second attempt */
	f.n_script = 1;
	ck_assert_int_eq(aws_retry_run(&p, scripted_attempt, &f), 2);
	ck_assert_int_eq(f.n_slept, 1);
	ck_assert_double_eq(f.slept[0], 25.0);

	memset(&f, 0, sizeof(f));
	fake_policy(&p, &f);
	ck_assert_int_eq(aws_retry_run(&p, scripted_attempt, &f), 1);
	ck_assert_int_eq(f.n_slept, 0);

	memset(&f, 0, sizeof(f));
	fake_policy(&p, &f);
	p.max_attempts = 0;                     /* nonsense: still one attempt */
	f.script[0] = AWS_RETRY_THROTTLE;
	f.n_script = 1;
	ck_assert_int_eq(aws_retry_run(&p, scripted_attempt, &f), 1);
	ck_assert_int_eq(f.n_slept, 0);
}
END_TEST

START_TEST(policy_from_environment)
{
	struct aws_retry_policy p;
	struct ca_err err;

	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("CA_AWS_BACKOFF_THROTTLE_MS");
	unsetenv("CA_AWS_BACKOFF_TRANSIENT_MS");
	unsetenv("CA_AWS_BACKOFF_MAX_MS");
	ck_assert_int_eq(aws_retry_policy_from_env(&p, "dynamodb", NULL), CA_OK);
	ck_assert_int_eq(p.max_attempts, 3);
	ck_assert_double_eq(p.transient_base_ms, 25.0);
	ck_assert_double_eq(p.throttle_base_ms, 1000.0);
	ck_assert_int_eq(aws_retry_policy_from_env(&p, "s3", NULL), CA_OK);
	ck_assert_double_eq(p.transient_base_ms, 50.0);

	setenv("AWS_MAX_ATTEMPTS", "7", 1);
	setenv("CA_AWS_BACKOFF_THROTTLE_MS", "2", 1);
	setenv("CA_AWS_BACKOFF_MAX_MS", "5", 1);
	ck_assert_int_eq(aws_retry_policy_from_env(&p, NULL, NULL), CA_OK);
	ck_assert_int_eq(p.max_attempts, 7);
	ck_assert_double_eq(p.throttle_base_ms, 2.0);
	ck_assert_double_eq(p.max_backoff_ms, 5.0);

	setenv("AWS_MAX_ATTEMPTS", "0", 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_retry_policy_from_env(&p, NULL, &err), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "AWS_MAX_ATTEMPTS"));
	ck_assert_int_eq(p.max_attempts, 3);    /* defaults kept */
	setenv("AWS_MAX_ATTEMPTS", "3x", 1);
	ck_assert_int_eq(aws_retry_policy_from_env(&p, NULL, NULL), CA_EINVAL);
	unsetenv("AWS_MAX_ATTEMPTS");
	setenv("CA_AWS_BACKOFF_TRANSIENT_MS", "-1", 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_retry_policy_from_env(&p, NULL, &err), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "CA_AWS_BACKOFF_TRANSIENT_MS"));
	unsetenv("CA_AWS_BACKOFF_THROTTLE_MS");
	unsetenv("CA_AWS_BACKOFF_TRANSIENT_MS");
	unsetenv("CA_AWS_BACKOFF_MAX_MS");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, throttling_codes_are_throttling);
	tcase_add_test(tc, transient_failures_are_transient);
	tcase_add_test(tc, client_errors_are_never_retried);
	tcase_add_test(tc, backoff_bounds_follow_the_sdk_formula);
	tcase_add_test(tc, full_jitter_scales_the_bound);
	tcase_add_test(tc, real_random_stays_within_bounds);
	tcase_add_test(tc, loop_stops_at_max_attempts_and_records_delays);
	tcase_add_test(tc, loop_stops_on_success_or_fatal_error);
	tcase_add_test(tc, policy_from_environment);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
