/*
 * seed_rng.h — the deterministic random source of the sample legacy deployment.
 *
 * Every choice legacy_seed makes comes from a stream named by (seed, a, b): the
 * same three numbers always give the same sequence, and different streams are
 * independent, so user 7's data does not depend on how many users come before
 * it or in which order threads get to it. The generator is splitmix64 over a
 * state mixed from the three numbers; good enough for sample data, not for
 * anything secret.
 */
#ifndef CA_SEED_RNG_H
#define CA_SEED_RNG_H

#include <stddef.h>
#include <stdint.h>

#define SEED_UUID_LEN 36 /* "xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx" */

struct seed_rng {
	uint64_t state;
};

/* Starts the stream named (seed, a, b). */
void seed_rng_init(struct seed_rng *r, uint64_t seed, uint64_t a, uint64_t b);

/* The next 64 random bits. */
uint64_t seed_rng_next(struct seed_rng *r);

/* A number in [0, n) (n > 0; 0 when n == 0), without modulo bias. */
uint64_t seed_rng_below(struct seed_rng *r, uint64_t n);

/* A number in [lo, hi] (lo <= hi). */
long seed_rng_range(struct seed_rng *r, long lo, long hi);

/* A double in [0, 1). */
double seed_rng_unit(struct seed_rng *r);

/* true with probability percent/100. */
int seed_rng_percent(struct seed_rng *r, unsigned percent);

/*
 * Writes a random (version 4, RFC 4122 variant) UUID in its lowercase 8-4-4-4-12
 * text form into out (SEED_UUID_LEN + 1 bytes), as Python's str(uuid.uuid4()).
 */
void seed_rng_uuid4(struct seed_rng *r, char out[SEED_UUID_LEN + 1]);

#endif
