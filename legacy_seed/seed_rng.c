#include "seed_rng.h"

#include <stdio.h>

#include "util/banned.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void seed_rng_init(struct seed_rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t s = seed;
	uint64_t h = splitmix(&s);

	s = h ^ (a * 0xd6e8feb86659fd93ULL);
	h = splitmix(&s);
	s = h ^ (b * 0xa0761d6478bd642fULL);
	r->state = splitmix(&s);
}

uint64_t seed_rng_next(struct seed_rng *r)
{
	return splitmix(&r->state);
}

uint64_t seed_rng_below(struct seed_rng *r, uint64_t n)
{
	uint64_t limit, v;

	if (n == 0)
		return 0;
	/* reject the top sliver that would make low values more likely */
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		v = seed_rng_next(r);
	while (v >= limit);
	return v % n;
}

long seed_rng_range(struct seed_rng *r, long lo, long hi)
{
	if (hi <= lo)
		return lo;
	return lo + (long)seed_rng_below(r, (uint64_t)(hi - lo) + 1);
}

double seed_rng_unit(struct seed_rng *r)
{
	return (double)(seed_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int seed_rng_percent(struct seed_rng *r, unsigned percent)
{
	return seed_rng_below(r, 100) < percent;
}

void seed_rng_uuid4(struct seed_rng *r, char out[SEED_UUID_LEN + 1])
{
	unsigned char b[16];
	uint64_t hi = seed_rng_next(r), lo = seed_rng_next(r);
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx */
	snprintf(out, SEED_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}
