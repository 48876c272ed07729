/* legacy_seed_plan.c — what the sample deployment holds, computed from the seed alone. */
#include "legacy_seed.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "seed_tables.h"
#include "util/buf.h"

#include "util/banned.h"

/* Stream names, so that no two kinds of choice share random numbers. */
enum {
	STREAM_USER = 1,
	STREAM_PHOTO = 2,
	STREAM_UNTIDY = 3,
};

/* Photos were taken between 2015-01-01 and 2023-12-31 (UTC), uploaded up to 120 days later. */
#define TAKEN_FROM 1420070400L
#define TAKEN_TO 1704067199L
#define UPLOAD_DELAY_MIN 300L
#define UPLOAD_DELAY_MAX (120L * 86400L)

static const char PASSWORD_ALPHABET[] =
	"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

void legacy_seed_plan_user(uint64_t seed, long i, struct legacy_seed_user *out)
{
	static const char *const seps[] = { ".", "_", "" };
	struct seed_rng r;
	const struct seed_name *first, *last;
	const char *sep, *domain;
	int k;

	memset(out, 0, sizeof(*out));
	seed_rng_init(&r, seed, STREAM_USER, (uint64_t)i);
	first = &seed_first_names[seed_rng_below(&r, seed_first_names_count)];
	last = &seed_last_names[seed_rng_below(&r, seed_last_names_count)];
	sep = seps[seed_rng_below(&r, 3)];
	domain = seed_email_domains[seed_rng_below(&r, seed_email_domains_count)];
	/* the user number keeps emails unique whatever names come up */
	snprintf(out->email, sizeof(out->email), "%s%s%s%ld@%s", first->slug, sep, last->slug,
		 i + 1, domain);
	snprintf(out->username, sizeof(out->username), "%s %s", first->display, last->display);
	for (k = 0; k < LEGACY_SEED_PASSWORD_LEN; k++)
		out->password[k] = PASSWORD_ALPHABET[seed_rng_below(&r, sizeof(PASSWORD_ALPHABET) - 1)];
	out->password[LEGACY_SEED_PASSWORD_LEN] = '\0';
}

/* The long side of an original: mostly modest, a few large. */
static int pick_long_side(struct seed_rng *r)
{
	static const struct { int side, weight; } sides[] = {
		{ 640, 25 }, { 800, 20 }, { 1024, 25 }, { 1280, 15 }, { 1600, 10 }, { 2048, 5 },
	};
	long w = seed_rng_range(r, 0, 99);
	size_t k;

	for (k = 0; k < sizeof(sides) / sizeof(sides[0]); k++) {
		if (w < sides[k].weight)
			return sides[k].side;
		w -= sides[k].weight;
	}
	return sides[0].side;
}

/* The short side for one of the usual sensor aspects (4:3, 3:2, 16:9, 1:1). */
static int pick_short_side(struct seed_rng *r, int long_side)
{
	static const int aspect[][2] = { { 4, 3 }, { 4, 3 }, { 3, 2 }, { 16, 9 }, { 1, 1 } };
	size_t k = seed_rng_below(r, sizeof(aspect) / sizeof(aspect[0]));

	return (long_side * aspect[k][1] + aspect[k][0] / 2) / aspect[k][0];
}

static int pick_orientation(struct seed_rng *r)
{
	long w = seed_rng_range(r, 0, 99);

	if (w < 60)
		return 1;
	if (w < 82)
		return 6;
	if (w < 90)
		return 8;
	return 3;
}

static void format_dates(time_t t, char exif[20], char row[CA_DB_DATE_LEN + 1])
{
	struct tm tm;
	struct ca_db_date d;

	gmtime_r(&t, &tm);
	if (exif)
		snprintf(exif, 20, "%04d:%02d:%02d %02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	d.year = tm.tm_year + 1900;
	d.month = tm.tm_mon + 1;
	d.day = tm.tm_mday;
	d.hour = tm.tm_hour;
	d.minute = tm.tm_min;
	d.second = tm.tm_sec;
	d.microsecond = 0; /* a legacy DATETIME has whole seconds */
	ca_db_date_format(&d, row);
}

static void name_from_camera(struct seed_rng *r, const struct seed_camera *cam, time_t taken,
			     char *out, size_t size)
{
	struct tm tm;

	if (cam->style == SEED_NAME_DATETIME) {
		gmtime_r(&taken, &tm);
		snprintf(out, size, "%s%04d%02d%02d_%02d%02d%02d%s", cam->prefix, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, cam->ext);
	} else {
		long max = 1;
		int k;

		for (k = 0; k < cam->digits; k++)
			max *= 10;
		snprintf(out, size, "%s%0*ld%s", cam->prefix, cam->digits,
			 seed_rng_range(r, 1, max - 1), cam->ext);
	}
}

/* Names of pictures that lost their EXIF on the way (messengers, scanners, editors). */
static void name_without_exif(struct seed_rng *r, time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (seed_rng_below(r, 4)) {
	case 0:
		snprintf(out, size, "IMG-%04d%02d%02d-WA%04ld.jpg", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, seed_rng_range(r, 1, 9999));
		break;
	case 1:
		snprintf(out, size, "scan%04ld.jpg", seed_rng_range(r, 1, 9999));
		break;
	case 2:
		snprintf(out, size, "photo_%ld.jpeg", seed_rng_range(r, 1, 999));
		break;
	default:
		snprintf(out, size, "image.jpeg");
		break;
	}
}

static void pick_tags(struct seed_rng *r, const char *city, char *out, size_t size)
{
	struct ca_buf b = CA_BUF_INIT;
	long n = seed_rng_percent(r, 15) ? 0 : seed_rng_range(r, 1, 4);
	long k;
	const char *chosen[5];
	size_t used = 0, m;

	for (k = 0; k < n; k++) {
		const char *t = seed_tags[seed_rng_below(r, seed_tags_count)];
		bool dup = false;

		for (m = 0; m < used; m++)
			dup = dup || strcmp(chosen[m], t) == 0;
		if (!dup)
			chosen[used++] = t;
	}
	if (city && seed_rng_percent(r, 30))
		chosen[used++] = city;
	for (m = 0; m < used; m++) {
		if (m)
			ca_buf_addch(&b, ',');
		ca_buf_adds(&b, chosen[m]);
	}
	snprintf(out, size, "%s", ca_buf_ok(&b) && b.len < size ? b.data : "");
	ca_buf_release(&b);
}

static void pick_desc(struct seed_rng *r, const char *city, time_t taken, char *out,
		      size_t size)
{
	struct tm tm;

	gmtime_r(&taken, &tm);
	if (seed_rng_percent(r, 15))
		out[0] = '\0';
	else if (city && seed_rng_percent(r, 35))
		snprintf(out, size, "%s, %d", city, tm.tm_year + 1900);
	else
		snprintf(out, size, "%s", seed_descriptions[seed_rng_below(r, seed_descriptions_count)]);
}

void legacy_seed_plan_photo(uint64_t seed, long i, long j, struct legacy_seed_photo *out)
{
	struct seed_rng r;
	const struct seed_camera *cam;
	const struct seed_city *city;
	time_t taken, uploaded;
	int long_side, short_side;
	bool portrait;
	char uuid[SEED_UUID_LEN + 1];
	long kind;

	memset(out, 0, sizeof(*out));
	seed_rng_init(&r, seed, STREAM_PHOTO, ((uint64_t)i << 32) ^ (uint64_t)j);
	out->user = i;
	out->index = j;
	out->pixel_seed = seed_rng_next(&r);
	out->quality = (int)seed_rng_range(&r, 80, 92);
	/* 8%: no EXIF at all, 17%: EXIF without GPS, 75%: EXIF with GPS */
	kind = seed_rng_range(&r, 0, 99);
	out->has_exif = kind >= 8;
	out->has_gps = kind >= 25;

	long_side = pick_long_side(&r);
	short_side = pick_short_side(&r, long_side);
	if (out->has_exif) {
		out->orientation = pick_orientation(&r);
		/* cameras store turned pictures sideways; some phones store them upright */
		portrait = out->orientation == 1 && seed_rng_percent(&r, 20);
	} else {
		portrait = seed_rng_percent(&r, 30);
	}
	out->width = portrait ? short_side : long_side;
	out->height = portrait ? long_side : short_side;

	taken = (time_t)seed_rng_range(&r, TAKEN_FROM, TAKEN_TO);
	uploaded = taken + (time_t)seed_rng_range(&r, UPLOAD_DELAY_MIN, UPLOAD_DELAY_MAX);
	format_dates(uploaded, NULL, out->upload_date);

	cam = &seed_cameras[seed_rng_below(&r, seed_cameras_count)];
	city = &seed_cities[seed_rng_below(&r, seed_cities_count)];
	if (out->has_exif) {
		snprintf(out->make, sizeof(out->make), "%s", cam->make);
		snprintf(out->model, sizeof(out->model), "%s", cam->model);
		format_dates(taken, out->exif_taken, out->taken_date);
		name_from_camera(&r, cam, taken, out->filename_orig, sizeof(out->filename_orig));
	} else {
		/* the upload page's fallback: the time of upload */
		format_dates(uploaded, NULL, out->taken_date);
		name_without_exif(&r, uploaded, out->filename_orig, sizeof(out->filename_orig));
	}
	if (out->has_gps) {
		/* within about 3 km of the centre */
		double dlat = (seed_rng_unit(&r) - 0.5) * 0.054;
		double dlng = (seed_rng_unit(&r) - 0.5) * 0.054 / cos(city->lat * M_PI / 180.0);

		out->lat = round((city->lat + dlat) * 1e6) / 1e6;
		out->lng = round((city->lng + dlng) * 1e6) / 1e6;
		if (out->lng > 180.0)
			out->lng -= 360.0;
		if (out->lng < -180.0)
			out->lng += 360.0;
		out->city_name = city->name;
	}
	pick_tags(&r, out->city_name, out->tags, sizeof(out->tags));
	pick_desc(&r, out->city_name, taken, out->desc, sizeof(out->desc));

	seed_rng_uuid4(&r, uuid);
	/* the seed: "<uuid4>.<lowercased extension of the uploaded name>" */
	snprintf(out->filename, sizeof(out->filename), "%s.%s", uuid,
		 strstr(out->filename_orig, ".jpeg") || strstr(out->filename_orig, ".JPEG") ?
			 "jpeg" : "jpg");
}

void legacy_seed_plan_untidy(uint64_t seed, long users, long per_user,
			     struct legacy_seed_untidy *out)
{
	struct seed_rng r;
	long total = users * per_user, missing = -1, stray = -1;

	memset(out, 0, sizeof(*out));
	seed_rng_init(&r, seed, STREAM_UNTIDY, 0);
	out->missing_user = out->missing_photo = -1;
	out->stray_user = out->stray_photo = -1;
	if (total >= 1) {
		missing = (long)seed_rng_below(&r, (uint64_t)total);
		out->missing_user = missing / per_user;
		out->missing_photo = missing % per_user;
	}
	if (total >= 2) {
		/* any photo but the missing one */
		stray = (missing + 1 + (long)seed_rng_below(&r, (uint64_t)(total - 1))) % total;
		out->stray_user = stray / per_user;
		out->stray_photo = stray % per_user;
	}
	out->orphan_user = users > 0 ? (long)seed_rng_below(&r, (uint64_t)users) : 0;
	legacy_seed_plan_photo(seed, out->orphan_user, per_user, &out->orphan);
}
