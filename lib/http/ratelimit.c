#include "http/ratelimit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/crypto.h"
#include "util/banned.h"

#define PROBE_WINDOW 16
#define UNITS_PER_TOKEN 60000u   /* so that per_minute tokens refill per_minute units a ms */

struct bucket {
	uint8_t tag[16];         /* keyed hash of the key; all zero when free */
	bool used;
	uint64_t units;          /* tokens * UNITS_PER_TOKEN at `updated` */
	uint64_t updated;        /* clock ms of the last refill */
	uint64_t last_used;      /* clock ms of the last take: eviction order */
};

struct ca_ratelimit {
	pthread_mutex_t lock;
	struct bucket *slots;
	size_t mask;
	uint64_t capacity;       /* burst * UNITS_PER_TOKEN */
	uint64_t refill_per_ms;  /* = per_minute */
	ca_clock_ms_fn clock;
	void *clock_ctx;
	uint8_t hash_key[32];    /* random: table positions cannot be aimed at */
};

static uint64_t monotonic_ms(void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ca_ratelimit_new(struct ca_ratelimit **out, const struct ca_ratelimit_opts *opts,
		     struct ca_err *err)
{
	struct ca_ratelimit *rl = NULL;
	size_t slots = opts && opts->slots ? opts->slots : 4096, n = PROBE_WINDOW;

	*out = NULL;
	while (n < slots && n < ((size_t)1 << 24))
		n <<= 1;
	rl = calloc(1, sizeof(*rl));
	if (!rl || !(rl->slots = calloc(n, sizeof(*rl->slots)))) {
		free(rl);
		return ca_err_set(err, CA_ENOMEM, "Out of memory creating the rate limiter.");
	}
	if (ca_random_bytes(rl->hash_key, sizeof(rl->hash_key)) != CA_OK) {
		free(rl->slots);
		free(rl);
		return ca_err_set(err, CA_EIO, "No randomness available for the rate limiter.");
	}
	rl->mask = n - 1;
	rl->capacity = (uint64_t)(opts && opts->burst ? opts->burst : 5) * UNITS_PER_TOKEN;
	rl->refill_per_ms = opts && opts->per_minute ? opts->per_minute : 5;
	rl->clock = opts && opts->clock ? opts->clock : monotonic_ms;
	rl->clock_ctx = opts ? opts->clock_ctx : NULL;
	pthread_mutex_init(&rl->lock, NULL);
	*out = rl;
	return CA_OK;
}

void ca_ratelimit_free(struct ca_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}

static void refill(const struct ca_ratelimit *rl, struct bucket *b, uint64_t now)
{
	uint64_t elapsed = now > b->updated ? now - b->updated : 0;

	if (elapsed > rl->capacity / rl->refill_per_ms + 1)
		b->units = rl->capacity;
	else
		b->units += elapsed * rl->refill_per_ms;
	if (b->units > rl->capacity)
		b->units = rl->capacity;
	b->updated = now > b->updated ? now : b->updated;
}

/* The bucket for key, claiming (and maybe evicting) a slot when create. Lock held. */
static struct bucket *find(struct ca_ratelimit *rl, const char *key, uint64_t now, bool create)
{
	uint8_t digest[CA_SHA256_LEN];
	struct bucket *free_slot = NULL, *full = NULL, *oldest = NULL, *b;
	size_t home, i;

	ca_hmac_sha256(rl->hash_key, sizeof(rl->hash_key), key, strlen(key), digest);
	memcpy(&home, digest + 16, sizeof(home));
	for (i = 0; i < PROBE_WINDOW; i++) {
		b = &rl->slots[(home + i) & rl->mask];
		if (!b->used) {
			if (!free_slot)
				free_slot = b;
			continue;
		}
		if (memcmp(b->tag, digest, sizeof(b->tag)) == 0)
			return b;
		if (!create)
			continue;
		refill(rl, b, now);
		if (!full && b->units == rl->capacity)
			full = b;
		if (!oldest || b->last_used < oldest->last_used)
			oldest = b;
	}
	if (!create)
		return NULL;
	b = free_slot ? free_slot : full ? full : oldest;
	memcpy(b->tag, digest, sizeof(b->tag));
	b->used = true;
	b->units = rl->capacity;
	b->updated = now;
	b->last_used = now;
	return b;
}

int ca_ratelimit_take(struct ca_ratelimit *rl, const char *key, unsigned *retry_after_s,
		      struct ca_err *err)
{
	uint64_t now = rl->clock(rl->clock_ctx), wait_ms = 0;
	struct bucket *b;

	if (retry_after_s)
		*retry_after_s = 0;
	pthread_mutex_lock(&rl->lock);
	b = find(rl, key, now, true);
	refill(rl, b, now);
	b->last_used = now;
	if (b->units >= UNITS_PER_TOKEN) {
		b->units -= UNITS_PER_TOKEN;
		pthread_mutex_unlock(&rl->lock);
		return CA_OK;
	}
	wait_ms = (UNITS_PER_TOKEN - b->units + rl->refill_per_ms - 1) / rl->refill_per_ms;
	pthread_mutex_unlock(&rl->lock);
	if (retry_after_s)
		*retry_after_s = (unsigned)((wait_ms + 999) / 1000);
	return ca_err_set(err, CA_AUTH_RATE_LIMITED,
			  "Too many sign-in attempts; try again in %u seconds.",
			  (unsigned)((wait_ms + 999) / 1000));
}

void ca_ratelimit_reset(struct ca_ratelimit *rl, const char *key)
{
	struct bucket *b;

	pthread_mutex_lock(&rl->lock);
	b = find(rl, key, rl->clock(rl->clock_ctx), false);
	if (b)
		memset(b, 0, sizeof(*b));
	pthread_mutex_unlock(&rl->lock);
}
