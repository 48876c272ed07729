/*
 * cloudalbum-image geocode LAT LNG [--data FILE] — the place at a point, offline, as JSON.
 * Exit status: 0 answered (also when no place is near: "found": false), 1 the data
 * could not be loaded, 2 bad arguments.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "geo/geo.h"
#include "util/banned.h"

static const char usage_text[] =
	"usage: cloudalbum-image geocode LAT LNG [--data FILE]\n"
	"\n"
	"Names the place nearest to latitude LAT and longitude LNG (decimal degrees,\n"
	"south and west negative) from GeoNames data, offline, and prints JSON:\n"
	"  {\"found\", \"city\", \"district\", \"region\", \"nation\", \"address\",\n"
	"   \"distance_km\", \"lat\", \"lng\"}   (address: \"City, District, Region, Country\")\n"
	"A point more than %.0f km from every known place gets \"found\": false and null names.\n"
	"\n"
	"options:\n"
	"  --data FILE   the table built by scripts/make-geodata.py; default: $CA_GEODATA,\n"
	"                else build/geo/cities.tsv above this program's directory\n"
	"  -h, --help    this text\n";

/* A decimal number in plain or exponent notation; no hex, inf or nan. */
static int parse_number(const char *s, double *out)
{
	char *end = NULL;

	if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

static json_t *name_or_null(bool found, const char *s)
{
	return found ? json_string(s) : json_null();
}

static int print_place(const struct geo_place *p, double lat, double lng)
{
	json_t *obj = json_object();
	char *text = NULL;
	int rc = 1;

	if (!obj ||
	    json_object_set_new(obj, "found", json_boolean(p->found)) ||
	    json_object_set_new(obj, "city", name_or_null(p->found, p->city)) ||
	    json_object_set_new(obj, "district", name_or_null(p->found && *p->district, p->district)) ||
	    json_object_set_new(obj, "region", name_or_null(p->found && *p->region, p->region)) ||
	    json_object_set_new(obj, "nation", name_or_null(p->found, p->nation)) ||
	    json_object_set_new(obj, "address", name_or_null(p->found, p->address)) ||
	    json_object_set_new(obj, "distance_km", json_real(round(p->distance_km * 1000.0) / 1000.0)) ||
	    json_object_set_new(obj, "lat", json_real(lat)) ||
	    json_object_set_new(obj, "lng", json_real(lng)))
		goto out;
	text = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (!text)
		goto out;
	puts(text);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "geocode: out of memory writing the answer\n");
	free(text);
	json_decref(obj);
	return rc;
}

int cmd_geocode(int argc, char **argv)
{
	const char *data = NULL, *pos[2] = { NULL, NULL };
	struct ca_err err = { 0 };
	struct geo_place place;
	struct geo *geo = NULL;
	double lat = 0, lng = 0;
	int npos = 0, i, rc = 2;
	bool options_done = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* "-33.9" is a number, not an option: options are --words and -h. */
		if (!options_done && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			printf(usage_text, GEO_DEFAULT_MAX_KM);
			return 0;
		} else if (!options_done && !strcmp(a, "--")) {
			options_done = true;
		} else if (!options_done && !strcmp(a, "--data")) {
			if (++i >= argc) {
				fprintf(stderr, "geocode: --data needs a file name\n");
				goto out;
			}
			data = argv[i];
		} else if (!options_done && !strncmp(a, "--data=", 7)) {
			data = a + 7;
		} else if (!options_done && !strncmp(a, "--", 2)) {
			fprintf(stderr, "geocode: unknown option '%s' (see --help)\n", a);
			goto out;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			fprintf(stderr, "geocode: too many arguments: expected LAT LNG (see --help)\n");
			goto out;
		}
	}
	if (npos != 2) {
		fprintf(stderr, "geocode: expected LAT LNG, e.g. `geocode -33.92 18.42` (see --help)\n");
		goto out;
	}
	if (parse_number(pos[0], &lat) || lat < -90 || lat > 90) {
		fprintf(stderr, "geocode: latitude '%s' is not a number between -90 and 90\n", pos[0]);
		goto out;
	}
	if (parse_number(pos[1], &lng) || lng < -180 || lng > 180) {
		fprintf(stderr, "geocode: longitude '%s' is not a number between -180 and 180\n",
			pos[1]);
		goto out;
	}
	if (geo_open(data, &geo, &err)) {
		fprintf(stderr, "geocode: %s\n", ca_err_msg(&err));
		rc = 1;
		goto out;
	}
	if (geo_lookup(geo, lat, lng, &place, &err)) {
		fprintf(stderr, "geocode: %s\n", ca_err_msg(&err));
		goto out;
	}
	rc = print_place(&place, lat, lng);
out:
	geo_close(geo);
	return rc;
}
