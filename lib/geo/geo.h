/*
 * geo.h — offline reverse geocoding: the named place nearest to a latitude/longitude.
 *
 * The data is a table of places (GeoNames cities with a population over 1000 and
 * seats of administrative divisions, with their district (county, municipality),
 * region (state, province) and country names) built by scripts/make-geodata.py into
 * build/geo/cities.tsv; its format is described there and in docs/DATA.md.
 * geo_open() loads it once and builds a k-d tree over the places' positions on the
 * unit sphere, so the nearest place by great-circle distance is found in about
 * log(n) steps, across the antimeridian and near the poles alike.
 *
 * Which file: the path the caller passes (from `--data` or the serve config's geodata
 * key); when that is NULL, the environment variable CA_GEODATA; when that is unset,
 * build/geo/cities.tsv under the nearest ancestor of the running executable's
 * directory that has one (so bin/X, build/NAME/bin/X and build/NAME/san/bin/X in a
 * source tree all find <tree>/build/geo/cities.tsv).
 *
 * Far from everything: a point whose nearest place is more than GEO_DEFAULT_MAX_KM
 * away (mid-ocean, deep desert, Antarctica) gets no city, no region and no country —
 * a country guessed from a town hundreds of kilometres away is as likely wrong as
 * right. The lookup still succeeds, with `found` false, empty strings and the distance
 * to the nearest place.
 *
 * Thread safety: after geo_open() returns, a struct geo is never modified, so any
 * number of threads may call geo_lookup() on it at once. geo_close() must come after
 * every lookup has finished.
 */
#ifndef CA_GEO_H
#define CA_GEO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define GEO_DEFAULT_MAX_KM 200.0
#define GEO_EARTH_RADIUS_KM 6371.0088   /* IUGG mean radius */
#define GEO_FIELD_MAX 200                /* bytes in a city, region or country name */
#define GEO_ADDRESS_MAX (4 * GEO_FIELD_MAX + 8)
#define GEO_FILE_MAX (256u * 1024u * 1024u)

struct geo;

struct geo_place {
	bool found;             /* false: nothing within the distance limit */
	const char *city;       /* never NULL; "" when !found */
	const char *district;   /* never NULL; county/municipality, "" when !found or none */
	const char *region;     /* never NULL; "" when !found or the data has none */
	const char *nation;     /* never NULL; "" when !found */
	/* "City, District, Region, Country" with empty parts and a part equal to the one
	 * before it left out ("Ultimo, Sydney, New South Wales, Australia",
	 * "Seoul, South Korea", "Singapore"); "" when !found. */
	char address[GEO_ADDRESS_MAX];
	double distance_km;     /* great-circle distance to the nearest place, found or not */
	double place_lat;       /* where the nearest place is */
	double place_lng;
};

/*
 * Loads the table at path (NULL: the default described above) and builds the index.
 * On success *out owns everything (geo_close() it); the strings in places returned by
 * lookups live as long as it. Errors, with a sentence in err saying what to do:
 * CA_GEO_NO_DATA (no file given and none found, or it cannot be opened),
 * CA_ERANGE (larger than GEO_FILE_MAX), CA_EPARSE (not a table of this format:
 * wrong header, truncated, bad number, too long or non-UTF-8 name; the message names
 * the line), CA_EIO, CA_ENOMEM. *out is NULL on error.
 */
int geo_open(const char *path, struct geo **out, struct ca_err *err);

/* Frees everything. NULL accepted. */
void geo_close(struct geo *geo);

/*
 * The place nearest to (lat, lng) in degrees, into *out, limited to GEO_DEFAULT_MAX_KM.
 * CA_EINVAL when lat or lng is not finite, |lat| > 90 or |lng| > 180. Thread-safe.
 */
int geo_lookup(const struct geo *geo, double lat, double lng, struct geo_place *out,
	       struct ca_err *err);

/* As geo_lookup() with a distance limit of max_km (>= 0; INFINITY for none). */
int geo_lookup_within(const struct geo *geo, double lat, double lng, double max_km,
		      struct geo_place *out, struct ca_err *err);

/* How many places the table holds. */
size_t geo_count(const struct geo *geo);

/* Place number i (0 <= i < geo_count) into *out, distance 0. CA_EINVAL when out of range. */
int geo_entry(const struct geo *geo, size_t i, struct geo_place *out, struct ca_err *err);

/* The file the table was loaded from. Lives as long as geo. */
const char *geo_path(const struct geo *geo);

/*
 * The default table path (CA_GEODATA, else next to the executable, as above) into
 * *out (malloc'd; the caller frees). CA_GEO_NO_DATA with a sentence when there is none.
 */
int geo_default_path(char **out, struct ca_err *err);

/* Great-circle distance in km between two points given in degrees (haversine). */
double geo_distance_km(double lat1, double lng1, double lat2, double lng2);

#endif
