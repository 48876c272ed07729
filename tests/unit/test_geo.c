/*
 * Unit tests for lib/geo: known cities on the real table, nearest-neighbour
 * correctness against brute force, address composition, the distance limit,
 * invalid coordinates, concurrent lookups and hostile table files.
 *
 * The real table (build/geo/cities.tsv from scripts/make-geodata.py) is found the way
 * programs find it: CA_GEODATA, else above the test binary's directory.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_ca.h"
#include "geo/geo.h"
#include "util/buf.h"
#include "util/error.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Writes len bytes to a new temporary file; returns its malloc'd path. */
static char *write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/ca-test-geo-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void remove_temp(char *path)
{
	unlink(path);
	free(path);
}

/* A small deterministic generator, so failures can be reproduced. */
static uint64_t rng_state = 88172645463325252ull;
static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* A point uniformly distributed on the sphere. */
static void random_point(double *lat, double *lng)
{
	*lat = asin(2.0 * uniform() - 1.0) * 180.0 / M_PI;
	*lng = uniform() * 360.0 - 180.0;
}

static struct geo *open_real_table(void)
{
	struct ca_err err = { 0 };
	struct geo *geo = NULL;
	int rc = geo_open(NULL, &geo, &err);

	ck_assert_msg(rc == CA_OK, "the real geodata table did not load (%s); build it with "
		      "scripts/make-geodata.py", ca_err_msg(&err));
	return geo;
}

/* Every place's coordinates, for brute force: [2 * i] lat, [2 * i + 1] lng. Free it. */
static double *all_coordinates(const struct geo *geo)
{
	size_t i, n = geo_count(geo);
	double *c = malloc(2 * n * sizeof(*c));
	struct geo_place p;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(geo_entry(geo, i, &p, NULL), CA_OK);
		c[2 * i] = p.place_lat;
		c[2 * i + 1] = p.place_lng;
	}
	return c;
}

/* Distance from (lat, lng) to the nearest place by trying every place. */
static double brute_force_km(const double *coords, size_t n, double lat, double lng)
{
	double best = INFINITY;
	size_t i;

	for (i = 0; i < n; i++) {
		double d = geo_distance_km(lat, lng, coords[2 * i], coords[2 * i + 1]);
		if (d < best)
			best = d;
	}
	return best;
}

/* Fails the test unless the index's nearest place to (lat, lng) is as near as the
 * brute-force one (coords from all_coordinates(geo)). */
static void assert_nearest_is_brute_force(struct geo *geo, const double *coords, double lat,
					  double lng)
{
	struct geo_place p;
	double want;

	ck_assert_int_eq(geo_lookup_within(geo, lat, lng, INFINITY, &p, NULL), CA_OK);
	want = brute_force_km(coords, geo_count(geo), lat, lng);
	ck_assert_msg(fabs(p.distance_km - want) < 1e-6,
		      "(%.6f, %.6f): index %.9f km, brute force %.9f km", lat, lng,
		      p.distance_km, want);
}

/* ---- the real table: known cities ------------------------------------------- */

struct known_place {
	double lat, lng;          /* a few km from the centre, not the GeoNames point */
	const char *name;         /* must appear in the address: city, or the region for
				   * points that land in a named district of the city */
	const char *nation;
};

static const struct known_place known[] = {
	/* Oceania */
	{ -18.125, 178.450, "Suva", "Fiji" },
	{ -36.870, 174.750, "Auckland", "New Zealand" },
	{ -41.300, 174.770, "Wellington", "New Zealand" },
	{ -33.880, 151.200, "Sydney", "Australia" },
	/* across the antimeridian: the nearest place is on the other side of 180° */
	{ 66.000, 179.900, "Egvekinot", "Russia" },
	{ 63.200, -179.800, "Beringovsk", "Russia" },
	{ -18.100, -179.950, "Levuka", "Fiji" },
	/* North America */
	{ 61.200, -149.870, "Anchorage", "United States" },
	{ 49.270, -123.100, "Vancouver", "Canada" },
	{ 19.410, -99.150, "Mexico City", "Mexico" },
	{ 40.740, -73.990, "New York", "United States" },
	/* Europe */
	{ 64.130, -21.900, "Reykjavík", "Iceland" },
	{ 51.510, -0.100, "London", "United Kingdom" },
	{ 48.850, 2.360, "Paris", "France" },
	{ 55.740, 37.600, "Moscow", "Russia" },
	/* South America */
	{ -54.810, -68.330, "Ushuaia", "Argentina" },
	{ -12.060, -77.030, "Lima", "Peru" },
	{ -34.610, -58.400, "Buenos Aires", "Argentina" },
	{ -23.560, -46.640, "São Paulo", "Brazil" },
	/* Africa */
	{ -33.940, 18.440, "Cape Town", "South Africa" },
	{ -1.300, 36.800, "Nairobi", "Kenya" },
	{ 30.050, 31.250, "Cairo", "Egypt" },
	{ 6.450, 3.400, "Lagos", "Nigeria" },
	/* Asia */
	{ 1.310, 103.830, "Singapore", "Singapore" },
	{ 37.540, 127.000, "Seoul", "South Korea" },
	{ 35.690, 139.700, "Tokyo", "Japan" },
	{ 28.630, 77.220, "Delhi", "India" },
	{ 13.740, 100.520, "Bangkok", "Thailand" },
};

START_TEST(known_cities_resolve)
{
	struct geo *geo = open_real_table();
	struct ca_err err = { 0 };
	struct geo_place p;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct known_place *k = &known[i];
		ck_assert_int_eq(geo_lookup(geo, k->lat, k->lng, &p, &err), CA_OK);
		ck_assert_msg(p.found, "(%g, %g) found nothing", k->lat, k->lng);
		ck_assert_msg(strstr(p.address, k->name) && !strcmp(p.nation, k->nation),
			      "(%g, %g) gave '%s' (%.1f km), expected %s in %s",
			      k->lat, k->lng, p.address, p.distance_km, k->name, k->nation);
		ck_assert_msg(p.distance_km < 150.0, "(%g, %g): %.1f km away", k->lat, k->lng,
			      p.distance_km);
	}
	geo_close(geo);
}
END_TEST

START_TEST(antimeridian_neighbour_is_on_the_other_side)
{
	struct geo *geo = open_real_table();
	struct geo_place p;

	ck_assert_int_eq(geo_lookup(geo, 66.0, 179.9, &p, NULL), CA_OK);
	ck_assert(p.found && p.place_lng < 0);
	ck_assert_int_eq(geo_lookup(geo, 63.2, -179.8, &p, NULL), CA_OK);
	ck_assert(p.found && p.place_lng > 0);
	geo_close(geo);
}
END_TEST

START_TEST(far_from_everything_names_nothing)
{
	static const double far[][2] = {
		{ 0.0, -140.0 },        /* mid-Pacific */
		{ -77.85, 166.67 },     /* McMurdo Sound, Antarctica: no town of 1000 */
		{ -90.0, 0.0 },         /* South Pole */
		{ 35.0, -45.0 },        /* mid-Atlantic */
	};
	struct geo *geo = open_real_table();
	struct geo_place p;
	size_t i;

	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		ck_assert_int_eq(geo_lookup(geo, far[i][0], far[i][1], &p, NULL), CA_OK);
		ck_assert_msg(!p.found, "(%g, %g) gave %s", far[i][0], far[i][1], p.address);
		ck_assert_str_eq(p.city, "");
		ck_assert_str_eq(p.nation, "");
		ck_assert_str_eq(p.address, "");
		ck_assert(p.distance_km > GEO_DEFAULT_MAX_KM);
	}
	/* the same point with no limit names the nearest place anyway */
	ck_assert_int_eq(geo_lookup_within(geo, 0.0, -140.0, INFINITY, &p, NULL), CA_OK);
	ck_assert(p.found && *p.city && *p.nation);
	geo_close(geo);
}
END_TEST

START_TEST(real_table_matches_brute_force)
{
	struct geo *geo = open_real_table();
	double *coords = all_coordinates(geo);
	int i;

	ck_assert_uint_gt(geo_count(geo), 100000);
	for (i = 0; i < 150; i++) {
		double lat, lng;

		random_point(&lat, &lng);
		assert_nearest_is_brute_force(geo, coords, lat, lng);
	}
	free(coords);
	geo_close(geo);
}
END_TEST

/* ---- synthetic tables ------------------------------------------------------- */

/* A table of n places: most uniform on the sphere, some clustered in a few
 * kilometres, some exact duplicates, some on the poles and on ±180°. */
static char *synthetic_table(size_t n)
{
	struct ca_buf b = CA_BUF_INIT;
	size_t i;
	char *path;

	ca_buf_addf(&b, "#cloudalbum-geodata\t1\t%zu\n# synthetic\n", n);
	for (i = 0; i < n; i++) {
		double lat, lng;
		switch (i % 10) {
		case 0: /* a cluster near 48.85, 2.35 */
			lat = 48.85 + (uniform() - 0.5) * 0.05;
			lng = 2.35 + (uniform() - 0.5) * 0.05;
			break;
		case 1: /* straddling the antimeridian */
			lat = (uniform() - 0.5) * 120.0;
			lng = uniform() < 0.5 ? 180.0 - uniform() * 0.5 : -180.0 + uniform() * 0.5;
			break;
		case 2: /* duplicates of one point, and the poles */
			lat = i % 20 == 2 ? 10.0 : (i % 40 == 12 ? 90.0 : -90.0);
			lng = i % 20 == 2 ? 20.0 : 0.0;
			break;
		default:
			random_point(&lat, &lng);
		}
		ca_buf_addf(&b, "P%zu\tD%zu\tR%zu\tN%zu\t%.5f\t%.5f\n", i, i % 11, i % 7, i % 3,
			    lat, lng);
	}
	ck_assert(ca_buf_ok(&b));
	path = write_temp(b.data, b.len);
	ca_buf_release(&b);
	return path;
}

START_TEST(index_matches_brute_force)
{
	char *path = synthetic_table(20000);
	struct ca_err err = { 0 };
	struct geo *geo = NULL;
	double *coords;
	int i;

	ck_assert_int_eq(geo_open(path, &geo, &err), CA_OK);
	ck_assert_uint_eq(geo_count(geo), 20000);
	coords = all_coordinates(geo);
	for (i = 0; i < 3000; i++) {
		double lat, lng;

		switch (i % 4) {
		case 0:
			lat = 48.85 + (uniform() - 0.5) * 0.1;
			lng = 2.35 + (uniform() - 0.5) * 0.1;
			break;
		case 1:
			lat = (uniform() - 0.5) * 150.0;
			lng = uniform() < 0.5 ? 180.0 - uniform() : -180.0 + uniform();
			break;
		default:
			random_point(&lat, &lng);
		}
		assert_nearest_is_brute_force(geo, coords, lat, lng);
	}
	free(coords);
	geo_close(geo);
	remove_temp(path);
}
END_TEST

static const char small_table[] =
	"#cloudalbum-geodata\t1\t6\r\n"
	"# comments may come anywhere\n"
	"Singapore\t\t\tSingapore\t1.28967\t103.85007\n"
	"Seoul\t\tSeoul\tSouth Korea\t37.566\t126.9784\n"
	"Vila\t\tEncamp\tAndorra\t42.53176\t1.56654\r\n"
	"Ultimo\tSydney\tNew South Wales\tAustralia\t-33.8788\t151.1985\n"
	"# another\n"
	"Pole\t\tNorth\tNowhere\t90\t-180\n"
	"Edge\t\tSouth\tNowhere\t-90.0\t180.0\n";

START_TEST(address_leaves_out_empty_and_repeated_parts)
{
	char *path = write_temp(small_table, sizeof(small_table) - 1);
	struct geo *geo = NULL;
	struct geo_place p;

	ck_assert_int_eq(geo_open(path, &geo, NULL), CA_OK);
	ck_assert_uint_eq(geo_count(geo), 6);
	ck_assert_str_eq(geo_path(geo), path);
	ck_assert_int_eq(geo_lookup(geo, 1.3, 103.84, &p, NULL), CA_OK);
	ck_assert(p.found);
	ck_assert_str_eq(p.city, "Singapore");
	ck_assert_str_eq(p.region, "");
	ck_assert_str_eq(p.address, "Singapore");
	ck_assert_int_eq(geo_lookup(geo, 37.5, 127.0, &p, NULL), CA_OK);
	ck_assert_str_eq(p.address, "Seoul, South Korea");
	ck_assert_int_eq(geo_lookup(geo, 42.5, 1.6, &p, NULL), CA_OK);
	ck_assert_str_eq(p.address, "Vila, Encamp, Andorra");
	ck_assert_int_eq(geo_lookup(geo, -33.87, 151.21, &p, NULL), CA_OK);
	ck_assert_str_eq(p.city, "Ultimo");
	ck_assert_str_eq(p.district, "Sydney");
	ck_assert_str_eq(p.region, "New South Wales");
	ck_assert_str_eq(p.address, "Ultimo, Sydney, New South Wales, Australia");
	/* distance: one degree of latitude is about 111.2 km */
	ck_assert_int_eq(geo_lookup_within(geo, 43.53176, 1.56654, 500, &p, NULL), CA_OK);
	ck_assert(fabs(p.distance_km - 111.195) < 0.01);
	ck_assert_int_eq(geo_lookup(geo, 89.9, 45.0, &p, NULL), CA_OK);
	ck_assert_str_eq(p.city, "Pole");
	ck_assert_int_eq(geo_lookup(geo, -89.99, -100.0, &p, NULL), CA_OK);
	ck_assert_str_eq(p.city, "Edge");
	/* the limit: 100 km from Vila is found within 120 km, not within 80 km */
	ck_assert_int_eq(geo_lookup_within(geo, 42.53176 + 0.9, 1.56654, 120, &p, NULL), CA_OK);
	ck_assert(p.found);
	ck_assert_int_eq(geo_lookup_within(geo, 42.53176 + 0.9, 1.56654, 80, &p, NULL), CA_OK);
	ck_assert(!p.found);
	ck_assert(fabs(p.distance_km - 100.08) < 0.05);
	geo_close(geo);
	remove_temp(path);
}
END_TEST

START_TEST(invalid_coordinates_are_refused)
{
	static const double bad[][2] = {
		{ NAN, 0 }, { 0, NAN }, { INFINITY, 0 }, { 0, -INFINITY },
		{ 90.0001, 0 }, { -90.0001, 0 }, { 0, 180.0001 }, { 0, -180.0001 }, { 1000, 1000 },
	};
	char *path = write_temp(small_table, sizeof(small_table) - 1);
	struct geo *geo = NULL;
	struct geo_place p;
	size_t i;

	ck_assert_int_eq(geo_open(path, &geo, NULL), CA_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ca_err err = { 0 };
		ck_assert_int_eq(geo_lookup(geo, bad[i][0], bad[i][1], &p, &err), CA_EINVAL);
		ck_assert_int_eq(err.code, CA_EINVAL);
		ck_assert(strstr(err.msg, "between"));
	}
	ck_assert_int_eq(geo_lookup(geo, 90, 180, &p, NULL), CA_OK);
	ck_assert_int_eq(geo_lookup(geo, -90, -180, &p, NULL), CA_OK);
	ck_assert_int_eq(geo_lookup_within(geo, 0, 0, -1, &p, NULL), CA_EINVAL);
	ck_assert_int_eq(geo_lookup_within(geo, 0, 0, NAN, &p, NULL), CA_EINVAL);
	ck_assert_int_eq(geo_entry(geo, 6, &p, NULL), CA_EINVAL);
	ck_assert_int_eq(geo_entry(geo, 5, &p, NULL), CA_OK);
	ck_assert_str_eq(p.city, "Edge");
	geo_close(geo);
	geo_close(NULL);
	remove_temp(path);
}
END_TEST

/* ---- concurrent lookups ----------------------------------------------------- */

#define THREADS 4
#define THREAD_QUERIES 2000

struct worker {
	const struct geo *geo;
	const double (*points)[2];
	const char **expected;
	int mismatches;
};

static void *lookup_worker(void *arg)
{
	struct worker *w = arg;
	struct geo_place p;
	int i;

	for (i = 0; i < THREAD_QUERIES; i++)
		if (geo_lookup_within(w->geo, w->points[i][0], w->points[i][1], INFINITY, &p, NULL) ||
		    strcmp(p.city, w->expected[i]) != 0)
			w->mismatches++;
	return NULL;
}

START_TEST(lookups_from_many_threads_agree)
{
	static double points[THREAD_QUERIES][2];
	static const char *expected[THREAD_QUERIES];
	char *path = synthetic_table(5000);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct geo *geo = NULL;
	struct geo_place p;
	int i;

	ck_assert_int_eq(geo_open(path, &geo, NULL), CA_OK);
	for (i = 0; i < THREAD_QUERIES; i++) {
		random_point(&points[i][0], &points[i][1]);
		ck_assert_int_eq(geo_lookup_within(geo, points[i][0], points[i][1], INFINITY, &p,
						   NULL), CA_OK);
		expected[i] = p.city;
	}
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ geo, (const double (*)[2])points, expected, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, lookup_worker, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].mismatches, 0);
	}
	geo_close(geo);
	remove_temp(path);
}
END_TEST

/* ---- where the data is ------------------------------------------------------ */

START_TEST(default_path_follows_ca_geodata)
{
	char *path = write_temp(small_table, sizeof(small_table) - 1);
	char *old = getenv("CA_GEODATA") ? strdup(getenv("CA_GEODATA")) : NULL;
	char *found = NULL;
	struct geo *geo = NULL;

	setenv("CA_GEODATA", path, 1);
	ck_assert_int_eq(geo_default_path(&found, NULL), CA_OK);
	ck_assert_str_eq(found, path);
	ck_assert_int_eq(geo_open(NULL, &geo, NULL), CA_OK);
	ck_assert_uint_eq(geo_count(geo), 6);
	geo_close(geo);
	free(found);
	if (old)
		setenv("CA_GEODATA", old, 1);
	else
		unsetenv("CA_GEODATA");
	free(old);
	remove_temp(path);
}
END_TEST

START_TEST(missing_file_is_reported)
{
	struct ca_err err = { 0 };
	struct geo *geo = (struct geo *)&err;   /* must be reset to NULL */

	ck_assert_int_eq(geo_open("/nonexistent/cities.tsv", &geo, &err), CA_GEO_NO_DATA);
	ck_assert_ptr_null(geo);
	ck_assert(strstr(err.msg, "/nonexistent/cities.tsv"));
	ck_assert(strstr(err.msg, "make-geodata"));
	ca_err_clear(&err);
	ck_assert_int_eq(geo_open("/tmp", &geo, &err), CA_GEO_NO_DATA);
	ck_assert(strstr(err.msg, "not a regular file"));
}
END_TEST

/* ---- hostile tables --------------------------------------------------------- */

#define HDR(n) "#cloudalbum-geodata\t1\t" #n "\n"
#define OK_ROW "Town\tDistrict\tRegion\tLand\t1.5\t2.5\n"

struct hostile {
	const char *text;
	size_t len;      /* 0: strlen(text) */
	const char *says;
};

static const struct hostile hostile[] = {
	{ "", 0, "not a CloudAlbum geodata table" },
	{ "hello world\n", 0, "not a CloudAlbum geodata table" },
	{ "#cloudalbum-geodata\n" OK_ROW, 0, "not a CloudAlbum geodata table" },
	{ "#cloudalbum-geodata\t2\t1\n" OK_ROW, 0, "format version '2'" },
	{ HDR(x) OK_ROW, 0, "place count" },
	{ HDR(0), 0, "place count" },
	{ HDR(-3) OK_ROW, 0, "place count" },
	{ HDR(99999999) OK_ROW, 0, "more than its" },
	{ HDR(2) OK_ROW "Other\tD\tR\tL\t1.", 0, "ends in the middle of line 3" },
	{ HDR(2) OK_ROW, 0, "holds 1 places where its first line announces 2" },
	{ HDR(1) OK_ROW OK_ROW, 0, "more places than the 1" },
	{ HDR(1) "Town\tRegion\tLand\t1.5\t2.5\n", 0, "line 2 has 5 tab-separated fields" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.5\t2.5\textra\n", 0, "more than 6" },
	{ HDR(1) "\n", 0, "line 2 has 1 tab-separated fields" },
	{ HDR(1) "\tDistrict\tRegion\tLand\t1.5\t2.5\n", 0, "city name is empty" },
	{ HDR(1) "Town\tDistrict\tRegion\t\t1.5\t2.5\n", 0, "country name is empty" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\tabc\t2.5\n", 0, "latitude 'abc'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t\t2.5\n", 0, "latitude ''" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t90.00001\t2.5\n", 0, "latitude '90.00001'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t-91\t2.5\n", 0, "latitude '-91'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1e1\t2.5\n", 0, "latitude '1e1'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\tnan\t2.5\n", 0, "latitude 'nan'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\tinf\t2.5\n", 0, "latitude 'inf'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t0x10\t2.5\n", 0, "latitude '0x10'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t+1\t2.5\n", 0, "latitude '+1'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t--1\t2.5\n", 0, "latitude '--1'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.\t2.5\n", 0, "latitude '1.'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t.5\t2.5\n", 0, "latitude '.5'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.2.3\t2.5\n", 0, "latitude '1.2.3'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t 1\t2.5\n", 0, "latitude ' 1'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t0001\t2.5\n", 0, "latitude '0001'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.1234567890123\t2.5\n", 0, "latitude '1.1234567890123'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.5\t180.5\n", 0, "longitude '180.5'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.5\t-180.00001\n", 0, "longitude '-180.00001'" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\t1.5\t99999999999999999999999\n", 0, "longitude" },
	{ HDR(1) "T\xffwn\tDistrict\tRegion\tLand\t1.5\t2.5\n", 0, "city name is not valid UTF-8" },
	{ HDR(1) "T\xc0\xafwn\tDistrict\tRegion\tLand\t1.5\t2.5\n", 0, "city name is not valid UTF-8" },
	{ HDR(1) "Town\tDistrict\tR\xed\xa0\x80\tLand\t1.5\t2.5\n", 0, "region name is not valid UTF-8" },
	{ HDR(1) "Town\tD\x7f\tRegion\tLand\t1.5\t2.5\n", 0, "district name is not valid UTF-8" },
	{ HDR(1) "Town\tDistrict\tRegion\tL\xe2\x82\t1.5\t2.5\n", 0, "country name is not valid UTF-8" },
	{ HDR(1) "Town\tDistrict\tRegion\tLa\x01nd\t1.5\t2.5\n", 0, "country name is not valid UTF-8" },
	{ HDR(1) "Town\tDistrict\tRegion\tLand\xf4\x90\x80\x80\t1.5\t2.5\n", 0, "country name" },
	{ HDR(1) "Town\0\tDistrict\tRegion\tLand\t1.5\t2.5\n", sizeof(HDR(1) "Town\0\tDistrict\tRegion\tLand\t1.5\t2.5\n") - 1,
	  "NUL byte" },
};

START_TEST(hostile_tables_are_refused_clearly)
{
	const struct hostile *h = &hostile[_i];
	size_t len = h->len ? h->len : strlen(h->text);
	char *path = write_temp(h->text, len);
	struct ca_err err = { 0 };
	struct geo *geo = NULL;
	int rc = geo_open(path, &geo, &err);

	ck_assert_msg(rc == CA_EPARSE, "case %d: got code %d (%s)", _i, rc, ca_err_msg(&err));
	ck_assert_ptr_null(geo);
	ck_assert_msg(strstr(err.msg, h->says), "case %d: message '%s' lacks '%s'", _i, err.msg,
		      h->says);
	ck_assert_msg(strstr(err.msg, path), "case %d: message '%s' does not name the file",
		      _i, err.msg);
	remove_temp(path);
}
END_TEST

START_TEST(long_names_are_refused)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err = { 0 };
	struct geo *geo = NULL;
	char *path;
	int i;

	ca_buf_adds(&b, HDR(1));
	for (i = 0; i < GEO_FIELD_MAX + 1; i++)
		ca_buf_addch(&b, 'x');
	ca_buf_adds(&b, "\tDistrict\tRegion\tLand\t1.5\t2.5\n");
	path = write_temp(b.data, b.len);
	ck_assert_int_eq(geo_open(path, &geo, &err), CA_EPARSE);
	ck_assert(strstr(err.msg, "longer than"));
	remove_temp(path);
	/* exactly the limit is fine */
	ca_buf_reset(&b);
	ca_buf_adds(&b, HDR(1));
	for (i = 0; i < GEO_FIELD_MAX; i++)
		ca_buf_addch(&b, 'x');
	ca_buf_adds(&b, "\tDistrict\tRegion\tLand\t1.5\t2.5\n");
	path = write_temp(b.data, b.len);
	ck_assert_int_eq(geo_open(path, &geo, NULL), CA_OK);
	geo_close(geo);
	remove_temp(path);
	ca_buf_release(&b);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("geo");
	TCase *real = tcase_create("real table");
	TCase *index = tcase_create("index");
	TCase *data = tcase_create("data files");

	tcase_set_timeout(real, 120);
	tcase_add_test(real, known_cities_resolve);
	tcase_add_test(real, antimeridian_neighbour_is_on_the_other_side);
	tcase_add_test(real, far_from_everything_names_nothing);
	tcase_add_test(real, real_table_matches_brute_force);
	suite_add_tcase(s, real);

	tcase_set_timeout(index, 120);
	tcase_add_test(index, index_matches_brute_force);
	tcase_add_test(index, address_leaves_out_empty_and_repeated_parts);
	tcase_add_test(index, invalid_coordinates_are_refused);
	tcase_add_test(index, lookups_from_many_threads_agree);
	suite_add_tcase(s, index);

	tcase_add_test(data, default_path_follows_ca_geodata);
	tcase_add_test(data, missing_file_is_reported);
	tcase_add_loop_test(data, hostile_tables_are_refused_clearly, 0,
			    (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(data, long_names_are_refused);
	suite_add_tcase(s, data);
	return s;
}

CA_TEST_MAIN()
