/*
 * geo_bench.c — offline geocoding speed: table load time and lookups per second
 * through the k-d tree, beside a brute-force scan of every place (the baseline) on
 * the same random points, in the same run. Both must find places at the same
 * distance, or the numbers are not comparable and it fails.
 *
 * usage: geo_bench TABLE [N]   (default 20000 lookups; the scan does N / 100)
 * Prints one line each:
 *   load <milliseconds> <places>
 *   index <lookups/s>
 *   scan <lookups/s>
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "geo/geo.h"
#include "util/strutil.h"
#include "util/banned.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t state = 0x2545f4914f6cdd1dull;
static double uniform(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (double)(state >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
	struct ca_err err = { 0 };
	struct geo *geo = NULL;
	struct geo_place p;
	double *pts = NULL, *coords = NULL, t0, sink = 0;
	long n = 20000, scan_n, i;
	size_t j, count;
	int rc = 1;

	if (argc < 2 || (argc > 2 && !ca_parse_long(argv[2], 100, 100000000, &n))) {
		fprintf(stderr, "usage: geo_bench TABLE [N >= 100]\n");
		return 2;
	}
	t0 = now();
	if (geo_open(argv[1], &geo, &err)) {
		fprintf(stderr, "geo_bench: %s\n", ca_err_msg(&err));
		return 1;
	}
	count = geo_count(geo);
	printf("load %.1f %zu\n", (now() - t0) * 1000.0, count);
	pts = malloc(2 * (size_t)n * sizeof(*pts));
	coords = malloc(2 * count * sizeof(*coords));
	if (!pts || !coords)
		goto out;
	for (i = 0; i < n; i++) {   /* uniform on the sphere */
		pts[2 * i] = asin(2.0 * uniform() - 1.0) * 180.0 / M_PI;
		pts[2 * i + 1] = uniform() * 360.0 - 180.0;
	}
	for (j = 0; j < count; j++) {
		geo_entry(geo, j, &p, NULL);
		coords[2 * j] = p.place_lat;
		coords[2 * j + 1] = p.place_lng;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		geo_lookup(geo, pts[2 * i], pts[2 * i + 1], &p, NULL);
		sink += p.distance_km;
	}
	printf("index %.0f\n", (double)n / (now() - t0));
	scan_n = n / 100;
	t0 = now();
	for (i = 0; i < scan_n; i++) {
		double best = INFINITY;
		for (j = 0; j < count; j++) {
			double d = geo_distance_km(pts[2 * i], pts[2 * i + 1], coords[2 * j],
						   coords[2 * j + 1]);
			if (d < best)
				best = d;
		}
		geo_lookup_within(geo, pts[2 * i], pts[2 * i + 1], INFINITY, &p, NULL);
		if (fabs(best - p.distance_km) > 1e-6) {
			fprintf(stderr, "geo_bench: index and scan disagree at (%f, %f)\n",
				pts[2 * i], pts[2 * i + 1]);
			goto out;
		}
	}
	printf("scan %.0f\n", (double)scan_n / (now() - t0));
	rc = sink < 0;   /* keeps the lookups from being optimised away */
out:
	free(pts);
	free(coords);
	geo_close(geo);
	return rc;
}
