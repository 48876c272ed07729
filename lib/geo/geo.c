/*
 * geo.c — opening a geodata table and answering lookups (see geo.h).
 */
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_internal.h"
#include "util/strutil.h"
#include "util/banned.h"

#define DEG2RAD (3.14159265358979323846 / 180.0)

struct geo {
	struct geo_table table;
	struct geo_kdtree tree;
	char *path;
};

int geo_open(const char *path, struct geo **out, struct ca_err *err)
{
	struct geo *geo = NULL;
	char *found = NULL;
	int rc;

	*out = NULL;
	if (!path) {
		if ((rc = geo_default_path(&found, err)))
			goto fail;
		path = found;
	}
	geo = calloc(1, sizeof(*geo));
	if (!geo || !(geo->path = ca_strdup(path))) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory opening geodata");
		goto fail;
	}
	if ((rc = geo_table_load(&geo->table, path, err)))
		goto fail;
	if ((rc = geo_kdtree_build(&geo->tree, geo->table.rows, geo->table.count))) {
		rc = ca_err_set(err, rc, "out of memory indexing %zu places from %s",
				geo->table.count, path);
		goto fail;
	}
	free(found);
	*out = geo;
	return CA_OK;
fail:
	free(found);
	geo_close(geo);
	return rc;
}

void geo_close(struct geo *geo)
{
	if (!geo)
		return;
	geo_kdtree_release(&geo->tree);
	geo_table_release(&geo->table);
	free(geo->path);
	free(geo);
}

size_t geo_count(const struct geo *geo)
{
	return geo->table.count;
}

const char *geo_path(const struct geo *geo)
{
	return geo->path;
}

double geo_distance_km(double lat1, double lng1, double lat2, double lng2)
{
	double dphi = (lat2 - lat1) * DEG2RAD, dlambda = (lng2 - lng1) * DEG2RAD;
	double s1 = sin(dphi / 2), s2 = sin(dlambda / 2);
	double h = s1 * s1 + cos(lat1 * DEG2RAD) * cos(lat2 * DEG2RAD) * s2 * s2;

	if (h > 1.0)
		h = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h));
}

/* Appends part to the address unless it is empty or repeats the part before it. */
static void address_add(char *addr, size_t cap, const char **last, const char *part)
{
	size_t len = strlen(addr);

	if (!*part || (*last && !strcmp(*last, part)))
		return;
	snprintf(addr + len, cap - len, "%s%s", len ? ", " : "", part);
	*last = part;
}

static void fill_place(struct geo_place *out, const struct geo_row *row, double km)
{
	const char *last = NULL;

	out->found = true;
	out->city = row->city;
	out->district = row->district;
	out->region = row->region;
	out->nation = row->nation;
	out->address[0] = '\0';
	address_add(out->address, sizeof(out->address), &last, row->city);
	address_add(out->address, sizeof(out->address), &last, row->district);
	address_add(out->address, sizeof(out->address), &last, row->region);
	address_add(out->address, sizeof(out->address), &last, row->nation);
	out->distance_km = km;
	out->place_lat = row->lat;
	out->place_lng = row->lng;
}

int geo_entry(const struct geo *geo, size_t i, struct geo_place *out, struct ca_err *err)
{
	if (i >= geo->table.count)
		return ca_err_set(err, CA_EINVAL, "place number %zu is past the table's %zu places",
				  i, geo->table.count);
	fill_place(out, &geo->table.rows[i], 0.0);
	return CA_OK;
}

int geo_lookup_within(const struct geo *geo, double lat, double lng, double max_km,
		      struct geo_place *out, struct ca_err *err)
{
	const struct geo_node *node;
	const struct geo_row *row;
	double q[3], km;

	if (!isfinite(lat) || lat < -90.0 || lat > 90.0)
		return ca_err_set(err, CA_EINVAL, "latitude %g is not a number between -90 and 90",
				  lat);
	if (!isfinite(lng) || lng < -180.0 || lng > 180.0)
		return ca_err_set(err, CA_EINVAL,
				  "longitude %g is not a number between -180 and 180", lng);
	if (isnan(max_km) || max_km < 0)
		return ca_err_set(err, CA_EINVAL, "distance limit %g km is not a distance", max_km);
	geo_unit_vector(lat, lng, q);
	node = geo_kdtree_nearest(&geo->tree, q);
	row = &geo->table.rows[node->row];
	km = geo_distance_km(lat, lng, row->lat, row->lng);
	fill_place(out, row, km);
	if (km > max_km) {
		out->found = false;
		out->city = out->district = out->region = out->nation = "";
		out->address[0] = '\0';
	}
	return CA_OK;
}

int geo_lookup(const struct geo *geo, double lat, double lng, struct geo_place *out,
	       struct ca_err *err)
{
	return geo_lookup_within(geo, lat, lng, GEO_DEFAULT_MAX_KM, out, err);
}
