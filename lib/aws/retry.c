#include "aws/retry.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/service.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

/* The union of throttling codes the SDKs know (botocore's standard mode list). */
static const char *const throttle_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
};

static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
	"InternalError", "InternalFailure", "ServiceUnavailable",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	if (!code)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

void aws_retry_policy_init(struct aws_retry_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->max_attempts = AWS_RETRY_DEFAULT_MAX_ATTEMPTS;
	p->throttle_base_ms = AWS_RETRY_DEFAULT_THROTTLE_BASE_MS;
	p->transient_base_ms = AWS_RETRY_DEFAULT_TRANSIENT_BASE_MS;
	p->max_backoff_ms = AWS_RETRY_DEFAULT_MAX_BACKOFF_MS;
}

static int env_ms(const char *name, double *out, struct ca_err *err)
{
	const char *v = getenv(name);
	long ms;

	if (!v || !*v)
		return CA_OK;
	if (!ca_parse_long(v, 0, 600000, &ms))
		return ca_err_set(err, CA_EINVAL,
				  "%s must be a whole number of milliseconds from 0 to 600000, not \"%.40s\".",
				  name, v);
	*out = (double)ms;
	return CA_OK;
}

int aws_retry_policy_from_env(struct aws_retry_policy *p, const char *service,
			      struct ca_err *err)
{
	struct aws_retry_policy q;
	enum aws_service svc;
	const char *v = getenv("AWS_MAX_ATTEMPTS");
	long n;
	int rc;

	aws_retry_policy_init(p);
	q = *p;
	if (service && aws_service_from_name(service, &svc, NULL) == CA_OK &&
	    aws_service_meta(svc)->retry_transient_base_ms > 0)
		q.transient_base_ms = aws_service_meta(svc)->retry_transient_base_ms;
	if (v && *v) {
		if (!ca_parse_long(v, 1, 20, &n))
			return ca_err_set(err, CA_EINVAL,
					  "AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, not \"%.40s\".",
					  v);
		q.max_attempts = (int)n;
	}
	if ((rc = env_ms("CA_AWS_BACKOFF_THROTTLE_MS", &q.throttle_base_ms, err)) ||
	    (rc = env_ms("CA_AWS_BACKOFF_TRANSIENT_MS", &q.transient_base_ms, err)) ||
	    (rc = env_ms("CA_AWS_BACKOFF_MAX_MS", &q.max_backoff_ms, err)))
		return rc;
	*p = q;
	return CA_OK;
}

bool aws_retry_is_throttle_code(const char *code)
{
	return in_list(code, throttle_codes, sizeof(throttle_codes) / sizeof(throttle_codes[0]));
}

enum aws_retry_kind aws_retry_classify(int transport, int status, const char *error_code)
{
	if (transport != CA_OK)
		return (transport == CA_AWS_NETWORK || transport == CA_AWS_TIMEOUT)
			? AWS_RETRY_TRANSIENT : AWS_RETRY_NONE;
	if (status >= 200 && status < 400)
		return AWS_RETRY_NONE;
	if (aws_retry_is_throttle_code(error_code) || status == 429)
		return AWS_RETRY_THROTTLE;
	if (in_list(error_code, transient_codes, sizeof(transient_codes) / sizeof(transient_codes[0])))
		return AWS_RETRY_TRANSIENT;
	if (status == 500 || status == 502 || status == 503 || status == 504)
		return AWS_RETRY_TRANSIENT;
	return AWS_RETRY_NONE;
}

static double default_random(void)
{
	uint64_t r = 0;

	if (ca_random_bytes(&r, sizeof(r)) != CA_OK)
		return 0.5;
	return (double)(r >> 11) / 9007199254740992.0;  /* 2^53: uniform in [0, 1) */
}

double aws_retry_delay_bound_ms(const struct aws_retry_policy *p, enum aws_retry_kind kind,
				int attempt)
{
	double base = kind == AWS_RETRY_THROTTLE ? p->throttle_base_ms : p->transient_base_ms;
	double bound;

	if (attempt < 1)
		attempt = 1;
	if (attempt > 60)       /* 2^59 times anything is past every cap */
		attempt = 60;
	bound = base * ldexp(1.0, attempt - 1);
	return bound < p->max_backoff_ms ? bound : p->max_backoff_ms;
}

double aws_retry_delay_ms(const struct aws_retry_policy *p, enum aws_retry_kind kind,
			  int attempt)
{
	double r = p->random ? p->random(p->ctx) : default_random();

	if (!(r >= 0.0) || r >= 1.0)    /* also catches NaN from a bad injected source */
		r = 0.0;
	return r * aws_retry_delay_bound_ms(p, kind, attempt);
}

void aws_retry_sleep(const struct aws_retry_policy *p, double ms)
{
	struct timespec ts;

	if (p->sleep) {
		p->sleep(p->ctx, ms);
		return;
	}
	if (!(ms > 0.0))
		return;
	ts.tv_sec = (time_t)(ms / 1000.0);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000.0) * 1e6);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int aws_retry_run(const struct aws_retry_policy *p,
		  enum aws_retry_kind (*attempt_fn)(void *ctx, int attempt), void *ctx)
{
	int attempt;
	int max = p->max_attempts < 1 ? 1 : p->max_attempts;
	enum aws_retry_kind kind;

	for (attempt = 1;; attempt++) {
		kind = attempt_fn(ctx, attempt);
		if (kind == AWS_RETRY_NONE || attempt >= max)
			return attempt;
		aws_retry_sleep(p, aws_retry_delay_ms(p, kind, attempt));
	}
}
