/*
 * retry.h — the AWS SDKs' "standard" retry mode: which failures are retried, and how
 * long to wait before the next attempt.
 *
 * Retried: throttling errors (by code, or HTTP 429), transient errors (HTTP 500, 502,
 * 503, 504; RequestTimeout, RequestTimeoutException, PriorRequestNotComplete,
 * InternalError), and connection failures and timeouts. Never retried: anything else,
 * in particular 4xx validation and authorization errors.
 *
 * Backoff is truncated binary exponential with full jitter, as botocore's standard mode:
 *   delay(i) = random[0,1) * min(base * 2^(i-1), max_backoff)     i = attempts so far (1..)
 * where base is 1 s after a throttling error and 50 ms after other errors (25 ms for
 * DynamoDB), and max_backoff is 20 s. At most 3 attempts in all by default.
 * The random source and the sleep are injectable so that tests never wait on a clock.
 */
#ifndef CA_AWS_RETRY_H
#define CA_AWS_RETRY_H

#include <stdbool.h>

#include "util/error.h"

enum aws_retry_kind {
	AWS_RETRY_NONE = 0,     /* success, or an error that is not worth repeating */
	AWS_RETRY_TRANSIENT,    /* 5xx, transient codes, network failures */
	AWS_RETRY_THROTTLE,     /* the service asked us to slow down */
};

#define AWS_RETRY_DEFAULT_MAX_ATTEMPTS 3
#define AWS_RETRY_DEFAULT_THROTTLE_BASE_MS 1000.0
#define AWS_RETRY_DEFAULT_TRANSIENT_BASE_MS 50.0
#define AWS_RETRY_DEFAULT_MAX_BACKOFF_MS 20000.0

struct aws_retry_policy {
	int max_attempts;               /* attempts in all, first one included (>= 1) */
	double throttle_base_ms;
	double transient_base_ms;
	double max_backoff_ms;
	/* A number in [0, 1); NULL: a cryptographically random one. */
	double (*random)(void *ctx);
	/* Waits ms milliseconds; NULL: nanosleep. */
	void (*sleep)(void *ctx, double ms);
	void *ctx;                      /* passed to random and sleep */
};

/* The SDK defaults above; no injection. */
void aws_retry_policy_init(struct aws_retry_policy *p);

/*
 * The defaults, then the environment: AWS_MAX_ATTEMPTS (the SDKs' variable, 1..20),
 * and for tests and tuning CA_AWS_BACKOFF_THROTTLE_MS, CA_AWS_BACKOFF_TRANSIENT_MS,
 * CA_AWS_BACKOFF_MAX_MS. `service` (a signing name, may be NULL) selects the service's
 * transient base from the service table (service.h; DynamoDB's is shorter).
 * Returns CA_OK, or CA_EINVAL with a sentence naming the bad variable (p keeps defaults).
 */
int aws_retry_policy_from_env(struct aws_retry_policy *p, const char *service,
			      struct ca_err *err);

/* true when code is one of the SDKs' throttling error codes. */
bool aws_retry_is_throttle_code(const char *code);

/*
 * Classifies one attempt. transport is CA_OK when an HTTP answer came back (then
 * status and error_code, possibly NULL, describe it), or the transport's failure code
 * (CA_AWS_NETWORK and CA_AWS_TIMEOUT are retried, anything else is not).
 */
enum aws_retry_kind aws_retry_classify(int transport, int status, const char *error_code);

/*
 * The delay before attempt `attempt + 1`, after `attempt` (1-based) attempts have failed
 * with an error of `kind`. Always within [0, min(base * 2^(attempt-1), max_backoff)).
 */
double aws_retry_delay_ms(const struct aws_retry_policy *p, enum aws_retry_kind kind,
			  int attempt);

/* The upper bound of aws_retry_delay_ms for the same arguments (for logs and tests). */
double aws_retry_delay_bound_ms(const struct aws_retry_policy *p, enum aws_retry_kind kind,
				int attempt);

/* Waits through p->sleep (or nanosleep). */
void aws_retry_sleep(const struct aws_retry_policy *p, double ms);

/*
 * A generic loop for callers that are not HTTP requests (and for tests):
 * calls attempt_fn(ctx, attempt) for attempt = 1, 2, ... until it returns
 * AWS_RETRY_NONE or max_attempts is reached, sleeping aws_retry_delay_ms between.
 * Returns the number of attempts made.
 */
int aws_retry_run(const struct aws_retry_policy *p,
		  enum aws_retry_kind (*attempt_fn)(void *ctx, int attempt), void *ctx);

#endif
