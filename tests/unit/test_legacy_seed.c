/* The sample legacy deployment's plan: the random source, users, photos, untidy
 * things, the city table and the command line. (Writing it is tested end to end in
 * tests/integration/test_legacy_seed.py.) */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "../legacy_seed/legacy_seed.h"
#include "../legacy_seed/seed_rng.h"
#include "../legacy_seed/seed_tables.h"
#include "db/db.h"
#include "storage/layout.h"
#include "util/strutil.h"

#include "util/banned.h"

/* ---- seed_rng ------------------------------------------------------------------ */

START_TEST(rng_streams_repeat_and_differ)
{
	struct seed_rng a, b, c, d;
	int i, same_c = 0, same_d = 0;

	seed_rng_init(&a, 42, 1, 7);
	seed_rng_init(&b, 42, 1, 7);
	seed_rng_init(&c, 42, 1, 8);
	seed_rng_init(&d, 43, 1, 7);
	for (i = 0; i < 100; i++) {
		uint64_t x = seed_rng_next(&a);

		ck_assert_uint_eq(x, seed_rng_next(&b));
		same_c += x == seed_rng_next(&c);
		same_d += x == seed_rng_next(&d);
	}
	ck_assert_int_eq(same_c, 0);
	ck_assert_int_eq(same_d, 0);
}
END_TEST

START_TEST(rng_bounds)
{
	struct seed_rng r;
	int i, seen[7] = { 0 };

	seed_rng_init(&r, 1, 2, 3);
	ck_assert_uint_eq(seed_rng_below(&r, 0), 0);
	ck_assert_uint_eq(seed_rng_below(&r, 1), 0);
	ck_assert_int_eq(seed_rng_range(&r, 5, 5), 5);
	ck_assert_int_eq(seed_rng_range(&r, 9, 3), 9); /* an empty range gives its low end */
	for (i = 0; i < 7000; i++) {
		long v = seed_rng_range(&r, -3, 3);
		double u = seed_rng_unit(&r);

		ck_assert(v >= -3 && v <= 3);
		seen[v + 3]++;
		ck_assert(u >= 0.0 && u < 1.0);
		ck_assert_uint_lt(seed_rng_below(&r, UINT64_MAX), UINT64_MAX);
	}
	for (i = 0; i < 7; i++) /* roughly uniform: 1000 each expected */
		ck_assert(seen[i] > 800 && seen[i] < 1200);
	seed_rng_init(&r, 1, 2, 3);
	for (i = 0; i < 100; i++) {
		ck_assert(!seed_rng_percent(&r, 0));
		ck_assert(seed_rng_percent(&r, 100));
	}
}
END_TEST

static int hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

START_TEST(rng_uuid4_form)
{
	struct seed_rng r;
	static char seen[2000][SEED_UUID_LEN + 1];
	int i, k;

	seed_rng_init(&r, 5, 0, 0);
	for (i = 0; i < 2000; i++) {
		char *u = seen[i];

		seed_rng_uuid4(&r, u);
		ck_assert_uint_eq(strlen(u), SEED_UUID_LEN);
		for (k = 0; k < SEED_UUID_LEN; k++) {
			if (k == 8 || k == 13 || k == 18 || k == 23)
				ck_assert_int_eq(u[k], '-');
			else
				ck_assert_msg(hexdigit(u[k]), "%s", u);
		}
		ck_assert_int_eq(u[14], '4');                     /* version 4 */
		ck_assert_ptr_nonnull(strchr("89ab", u[19]));     /* RFC 4122 variant */
	}
	for (i = 0; i < 2000; i++)
		for (k = i + 1; k < 2000; k++)
			ck_assert_str_ne(seen[i], seen[k]);
}
END_TEST

/* ---- users ------------------------------------------------------------------------ */

START_TEST(users_are_deterministic_unique_and_fit)
{
	enum { N = 500 };
	static struct legacy_seed_user u[N];
	struct legacy_seed_user again, other;
	int i, k, non_ascii = 0;

	for (i = 0; i < N; i++) {
		const char *c;

		legacy_seed_plan_user(9, i, &u[i]);
		legacy_seed_plan_user(9, i, &again);
		ck_assert_mem_eq(&u[i], &again, sizeof(again));
		ck_assert_int_le((long)strlen(u[i].email), CA_DB_EMAIL_MAX);
		ck_assert_int_gt(ca_db_utf8_chars(u[i].username), 2);
		ck_assert_int_le(ca_db_utf8_chars(u[i].username), CA_DB_USERNAME_MAX);
		ck_assert_ptr_nonnull(strchr(u[i].email, '@'));
		for (c = u[i].email; *c; c++)
			ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz0123456789._@", *c), "%s", u[i].email);
		for (c = u[i].username; *c; c++)
			non_ascii += (unsigned char)*c > 127;
		ck_assert_uint_eq(strlen(u[i].password), LEGACY_SEED_PASSWORD_LEN);
		for (c = u[i].password; *c; c++)
			ck_assert(strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", *c));
	}
	ck_assert_int_gt(non_ascii, 0);
	for (i = 0; i < N; i++)
		for (k = i + 1; k < N; k++)
			ck_assert_str_ne(u[i].email, u[k].email);
	legacy_seed_plan_user(10, 0, &other);
	ck_assert(strcmp(other.password, u[0].password) != 0);
}
END_TEST

/* ---- photos ----------------------------------------------------------------------- */

static bool near_a_seed_city(double lat, double lng)
{
	size_t k;

	for (k = 0; k < seed_cities_count; k++) {
		double dlng = fabs(lng - seed_cities[k].lng);

		if (dlng > 180)
			dlng = 360 - dlng;
		if (fabs(lat - seed_cities[k].lat) < 0.03 &&
		    dlng * cos(seed_cities[k].lat * M_PI / 180) < 0.03)
			return true;
	}
	return false;
}

START_TEST(photos_follow_the_contract)
{
	enum { USERS = 10, PER = 100 };
	int orient[9] = { 0 }, no_exif = 0, no_gps = 0, gps = 0, portrait = 0, landscape = 0;
	int jpeg_ext = 0, non_ascii_tags = 0, empty_tags = 0;
	long i, j;

	for (i = 0; i < USERS; i++) {
		for (j = 0; j < PER; j++) {
			struct legacy_seed_photo p, q;
			int lng_side, w, h;
			const char *dot;

			legacy_seed_plan_photo(77, i, j, &p);
			legacy_seed_plan_photo(77, i, j, &q);
			ck_assert_mem_eq(&p, &q, sizeof(p));
			ck_assert_int_eq(p.user, i);
			ck_assert_int_eq(p.index, j);
			ck_assert_int_eq(ca_storage_check_new_name(p.filename, NULL), CA_OK);
			ck_assert_int_eq(p.filename[14], '4');
			dot = strrchr(p.filename_orig, '.');
			ck_assert_ptr_nonnull(dot);
			if (strcmp(dot, ".jpeg") == 0 || strcmp(dot, ".JPEG") == 0) {
				ck_assert(ca_ends_with(p.filename, ".jpeg"));
				jpeg_ext++;
			} else {
				ck_assert(strcmp(dot, ".jpg") == 0 || strcmp(dot, ".JPG") == 0);
				ck_assert(ca_ends_with(p.filename, ".jpg"));
			}
			lng_side = p.width > p.height ? p.width : p.height;
			ck_assert_int_ge(lng_side, LEGACY_SEED_MIN_SIDE);
			ck_assert_int_le(lng_side, LEGACY_SEED_MAX_SIDE);
			ck_assert_int_ge(p.quality, 80);
			ck_assert_int_le(p.quality, 92);
			/* canonical date strings compare like the dates */
			ck_assert_uint_eq(strlen(p.taken_date), CA_DB_DATE_LEN);
			ck_assert_str_ge(p.upload_date, p.taken_date);
			ck_assert(strcmp(p.upload_date, "2024-06-01") < 0);
			ck_assert(strcmp(p.taken_date, "2015-01-01") > 0);
			w = p.width;
			h = p.height;
			if (p.orientation == 6 || p.orientation == 8) {
				w = p.height;
				h = p.width;
			}
			portrait += h > w;
			landscape += w > h;
			if (!p.has_exif) {
				no_exif++;
				ck_assert(!p.has_gps);
				ck_assert_int_eq(p.orientation, 0);
				ck_assert_str_eq(p.make, "");
				ck_assert_str_eq(p.model, "");
				ck_assert_str_eq(p.exif_taken, "");
				ck_assert_str_eq(p.taken_date, p.upload_date);
			} else {
				char want[20];

				ck_assert(p.orientation == 1 || p.orientation == 3 || p.orientation == 6 ||
					  p.orientation == 8);
				orient[p.orientation]++;
				ck_assert_str_ne(p.make, "");
				ck_assert_str_ne(p.model, "");
				/* "YYYY:MM:DD HH:MM:SS" is the same moment as "YYYY-MM-DDTHH:MM:SS..." */
				snprintf(want, sizeof(want), "%.4s:%.2s:%.2s %.8s", p.taken_date,
					 p.taken_date + 5, p.taken_date + 8, p.taken_date + 11);
				ck_assert_str_eq(p.exif_taken, want);
				ck_assert_str_gt(p.upload_date, p.taken_date);
			}
			if (p.has_gps) {
				gps++;
				ck_assert_ptr_nonnull(p.city_name);
				ck_assert_msg(near_a_seed_city(p.lat, p.lng), "%f %f", p.lat, p.lng);
			} else if (p.has_exif) {
				no_gps++;
				ck_assert_ptr_null(p.city_name);
			}
			ck_assert_int_ge(ca_db_utf8_chars(p.tags), 0);
			ck_assert_int_ge(ca_db_utf8_chars(p.desc), 0);
			ck_assert(p.tags[0] != ',' && !ca_ends_with(p.tags, ",") && !strstr(p.tags, ",,"));
			empty_tags += p.tags[0] == '\0';
			for (dot = p.tags; *dot; dot++)
				non_ascii_tags += (unsigned char)*dot > 127;
		}
	}
	ck_assert_int_gt(no_exif, 0);
	ck_assert_int_gt(no_gps, 0);
	ck_assert_int_gt(gps, USERS * PER / 2);
	ck_assert(orient[1] && orient[3] && orient[6] && orient[8]);
	ck_assert(portrait && landscape && jpeg_ext && non_ascii_tags && empty_tags);
}
END_TEST

START_TEST(photos_differ_between_seeds_and_slots)
{
	struct legacy_seed_photo a, b, c;

	legacy_seed_plan_photo(1, 0, 0, &a);
	legacy_seed_plan_photo(2, 0, 0, &b);
	legacy_seed_plan_photo(1, 0, 1, &c);
	ck_assert_str_ne(a.filename, b.filename);
	ck_assert_str_ne(a.filename, c.filename);
	ck_assert(a.pixel_seed != b.pixel_seed && a.pixel_seed != c.pixel_seed);
	legacy_seed_plan_photo(1, 1, 0, &b); /* user and index are not interchangeable */
	legacy_seed_plan_photo(1, 0, 1, &c);
	ck_assert_str_ne(b.filename, c.filename);
}
END_TEST

/* ---- untidy things ---------------------------------------------------------------- */

START_TEST(untidy_things_are_distinct_and_in_range)
{
	long users, per;

	for (users = 1; users <= 6; users++) {
		for (per = 0; per <= 6; per++) {
			struct legacy_seed_untidy u;
			long s;

			for (s = 0; s < 20; s++) {
				legacy_seed_plan_untidy((uint64_t)s, users, per, &u);
				ck_assert(u.orphan_user >= 0 && u.orphan_user < users);
				ck_assert_int_eq(u.orphan.index, per); /* after the user's last photo */
				if (users * per == 0) {
					ck_assert_int_eq(u.missing_user, -1);
					ck_assert_int_eq(u.stray_user, -1);
					continue;
				}
				ck_assert(u.missing_user >= 0 && u.missing_user < users);
				ck_assert(u.missing_photo >= 0 && u.missing_photo < per);
				if (users * per == 1) {
					ck_assert_int_eq(u.stray_user, -1);
					continue;
				}
				ck_assert(u.stray_user >= 0 && u.stray_user < users);
				ck_assert(u.stray_photo >= 0 && u.stray_photo < per);
				ck_assert(u.stray_user != u.missing_user || u.stray_photo != u.missing_photo);
			}
		}
	}
}
END_TEST

/* ---- tables ----------------------------------------------------------------------- */

START_TEST(city_table_spans_the_world)
{
	static const char *const continents[] = {
		"Europe", "Asia", "Africa", "North America", "South America", "Oceania",
	};
	bool south = false, north = false, west = false, east = false, antimeridian = false;
	size_t k, c;

	ck_assert_uint_ge(seed_cities_count, 30);
	for (c = 0; c < sizeof(continents) / sizeof(continents[0]); c++) {
		size_t n = 0;

		for (k = 0; k < seed_cities_count; k++)
			n += strcmp(seed_cities[k].continent, continents[c]) == 0;
		ck_assert_msg(n >= 4, "%s has %zu cities", continents[c], n);
	}
	for (k = 0; k < seed_cities_count; k++) {
		ck_assert(fabs(seed_cities[k].lat) <= 85 && fabs(seed_cities[k].lng) <= 180);
		ck_assert_int_gt(ca_db_utf8_chars(seed_cities[k].name), 0);
		south |= seed_cities[k].lat < 0;
		north |= seed_cities[k].lat > 0;
		west |= seed_cities[k].lng < 0;
		east |= seed_cities[k].lng > 0;
		antimeridian |= fabs(seed_cities[k].lng) > 175;
	}
	ck_assert(south && north && west && east && antimeridian);
	for (k = 0; k < seed_cameras_count; k++)
		ck_assert(ca_ends_with(seed_cameras[k].ext, ".JPG") || ca_ends_with(seed_cameras[k].ext, ".jpg") ||
			  ca_ends_with(seed_cameras[k].ext, ".jpeg"));
	for (k = 0; k < seed_tags_count; k++) {
		ck_assert_int_gt(ca_db_utf8_chars(seed_tags[k]), 0);
		ck_assert_ptr_null(strchr(seed_tags[k], ','));
	}
}
END_TEST

/* ---- the command line ------------------------------------------------------------- */

static int parse(struct legacy_seed_opts *o, bool *help, struct ca_err *err, int argc, ...)
{
	char *argv[32];
	va_list ap;
	int i;

	ck_assert_int_lt(argc, 31);
	argv[0] = "cloudalbum-legacy-seed";
	va_start(ap, argc);
	for (i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc + 1] = NULL;
	legacy_seed_opts_init(o);
	ca_err_clear(err);
	return legacy_seed_parse_args(argc + 1, argv, o, help, err);
}

START_TEST(args_accepted)
{
	struct legacy_seed_opts o;
	struct ca_err err;
	bool help;

	ck_assert_int_eq(parse(&o, &help, &err, 4, "--db-url", "mysql://root@h/db",
			       "--upload-dir", "/srv/up"), CA_OK);
	ck_assert(!help);
	ck_assert_str_eq(o.db_url, "mysql://root@h/db");
	ck_assert_str_eq(o.upload_dir, "/srv/up");
	ck_assert_int_eq(o.users, 20);
	ck_assert_int_eq(o.photos_per_user, 50);
	ck_assert_uint_eq(o.seed, 1);
	ck_assert(!o.quiet);
	ck_assert_int_eq(parse(&o, &help, &err, 11, "--db-url=mysql://u@h/d", "--upload-dir=/u",
			       "--users=3", "--photos-per-user", "0", "--seed", "18446744073709551615",
			       "--quiet", "--threads=16", "--geodata", "/g.tsv"), CA_OK);
	ck_assert_int_eq(o.users, 3);
	ck_assert_int_eq(o.photos_per_user, 0);
	ck_assert_uint_eq(o.seed, UINT64_MAX);
	ck_assert(o.quiet);
	ck_assert_int_eq(o.threads, 16);
	ck_assert_str_eq(o.geodata, "/g.tsv");
	/* --help wins even over what would be errors later */
	ck_assert_int_eq(parse(&o, &help, &err, 2, "--help", "--bogus"), CA_OK);
	ck_assert(help);
}
END_TEST

static void refused(int argc, char *a1, char *a2, char *a3, const char *needle)
{
	struct legacy_seed_opts o;
	struct ca_err err;
	bool help;
	int rc = parse(&o, &help, &err, argc + 4, "--db-url", "mysql://u@h/d", "--upload-dir", "/u",
		       a1, a2, a3);

	ck_assert_int_eq(rc, CA_EINVAL);
	ck_assert_msg(strstr(ca_err_msg(&err), needle), "\"%s\" lacks \"%s\"", ca_err_msg(&err), needle);
}

START_TEST(args_refused)
{
	struct legacy_seed_opts o;
	struct ca_err err;
	bool help;

	refused(2, "--users", "0", NULL, "--users");
	refused(2, "--users", "-1", NULL, "--users");
	refused(2, "--users", "100001", NULL, "--users");
	refused(2, "--users", "1e3", NULL, "--users");
	refused(2, "--users", " 5", NULL, "--users");
	refused(2, "--users", "", NULL, "--users");
	refused(1, "--users", NULL, NULL, "needs a value");
	refused(2, "--photos-per-user", "10001", NULL, "--photos-per-user");
	refused(2, "--photos-per-user", "99999999999999999999999", NULL, "--photos-per-user");
	refused(2, "--seed", "-1", NULL, "--seed");
	refused(2, "--seed", "18446744073709551616", NULL, "--seed");
	refused(2, "--seed", "0x10", NULL, "--seed");
	refused(2, "--threads", "17", NULL, "--threads");
	refused(1, "--quiet=yes", NULL, NULL, "no value");
	refused(1, "--frobnicate", NULL, NULL, "Unknown option");
	refused(1, "-u", NULL, NULL, "Unexpected argument");
	refused(1, "stray", NULL, NULL, "Unexpected argument");
	refused(1, "--an-option-name-far-too-long-to-be-ours=1", NULL, NULL, "Unexpected argument");
	refused(2, "--geodata", "", NULL, "non-empty");
	refused(3, "--users", "100000", "--photos-per-user=10000", "fewer");
	ck_assert_int_eq(parse(&o, &help, &err, 2, "--upload-dir", "/u"), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "--db-url"));
	ck_assert_int_eq(parse(&o, &help, &err, 2, "--db-url", "mysql://u@h/d"), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "--upload-dir"));
	ck_assert_int_eq(parse(&o, &help, &err, 2, "--db-url=", "--upload-dir=/u"), CA_EINVAL);
}
END_TEST

START_TEST(run_refuses_bad_options_before_touching_anything)
{
	struct legacy_seed_opts o;
	struct legacy_seed_report rep;
	struct ca_err err;

	legacy_seed_opts_init(&o);
	ca_err_clear(&err);
	ck_assert_int_eq(legacy_seed_run(&o, NULL, &rep, &err), CA_EINVAL); /* no URL, no folder */
	o.db_url = "mysql://root@127.0.0.1:1/none";
	o.upload_dir = "/nonexistent/ca-legacy-seed-never";
	o.users = 0;
	ca_err_clear(&err);
	ck_assert_int_eq(legacy_seed_run(&o, NULL, &rep, &err), CA_EINVAL);
	o.users = 1;
	o.threads = 99;
	ca_err_clear(&err);
	ck_assert_int_eq(legacy_seed_run(&o, NULL, &rep, &err), CA_EINVAL);
	ck_assert_int_eq(rep.users_created + rep.photos_created + rep.files_written, 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("legacy_seed");
	TCase *tc = tcase_create("plan");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rng_streams_repeat_and_differ);
	tcase_add_test(tc, rng_bounds);
	tcase_add_test(tc, rng_uuid4_form);
	tcase_add_test(tc, users_are_deterministic_unique_and_fit);
	tcase_add_test(tc, photos_follow_the_contract);
	tcase_add_test(tc, photos_differ_between_seeds_and_slots);
	tcase_add_test(tc, untidy_things_are_distinct_and_in_range);
	tcase_add_test(tc, city_table_spans_the_world);
	tcase_add_test(tc, args_accepted);
	tcase_add_test(tc, args_refused);
	tcase_add_test(tc, run_refuses_bad_options_before_touching_anything);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
