/*
 * ratelimit.h — token buckets per key ("acct:<email>", "addr:<ip>") for login
 * attempts; in-process, thread-safe, fixed memory.
 *
 * Each key has a bucket of `burst` tokens refilled at `per_minute` tokens a
 * minute; an attempt takes one. Buckets live in a fixed-size table indexed by
 * a keyed hash (keys are never stored). When the table has no free slot near
 * a key's home, the least recently used bucket nearby is evicted, preferring
 * ones that have refilled completely (they hold no information).
 */
#ifndef CA_HTTP_RATELIMIT_H
#define CA_HTTP_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Milliseconds on some monotonic clock. */
typedef uint64_t (*ca_clock_ms_fn)(void *ctx);

struct ca_ratelimit_opts {
	size_t slots;          /* table size; rounded up to a power of two; 0: 4096 */
	unsigned burst;        /* attempts allowed at once; 0: 5 */
	unsigned per_minute;   /* refill rate; 0: 5 */
	ca_clock_ms_fn clock;  /* NULL: CLOCK_MONOTONIC */
	void *clock_ctx;
};

struct ca_ratelimit;

/* A new limiter in *out (free with ca_ratelimit_free). CA_ENOMEM, CA_EIO (no randomness). */
int ca_ratelimit_new(struct ca_ratelimit **out, const struct ca_ratelimit_opts *opts,
		     struct ca_err *err);
/* NULL is accepted. */
void ca_ratelimit_free(struct ca_ratelimit *rl);
/*
 * Takes one token from key's bucket. CA_OK when allowed; CA_AUTH_RATE_LIMITED
 * otherwise, with *retry_after_s (may be NULL) set to the whole seconds until
 * a token is back and a sentence in err.
 */
int ca_ratelimit_take(struct ca_ratelimit *rl, const char *key, unsigned *retry_after_s,
		      struct ca_err *err);
/* Forgets key's bucket (e.g. after a successful sign-in for the account key). */
void ca_ratelimit_reset(struct ca_ratelimit *rl, const char *key);

#endif
