/*
 * geo_internal.h — what the parts of lib/geo share; not for use outside lib/geo.
 */
#ifndef CA_GEO_INTERNAL_H
#define CA_GEO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* One place; the strings point into geo_table.text. */
struct geo_row {
	const char *city;
	const char *district;
	const char *region;
	const char *nation;
	double lat;
	double lng;
};

/* The parsed file: text holds every name, NUL-terminated in place. */
struct geo_table {
	char *text;
	struct geo_row *rows;
	size_t count;
};

/*
 * Reads and checks the file at path into *t (release with geo_table_release).
 * Codes as for geo_open(); on error *t is left empty.
 */
int geo_table_load(struct geo_table *t, const char *path, struct ca_err *err);

/*
 * Parses text (len bytes, text[len] == '\0', modified in place; *t takes ownership of
 * it on success and on failure alike). name is used in messages.
 */
int geo_table_parse(struct geo_table *t, char *text, size_t len, const char *name,
		    struct ca_err *err);

void geo_table_release(struct geo_table *t);

/* A k-d tree node: a place's position on the unit sphere and its row number. */
struct geo_node {
	double p[3];
	uint32_t row;
	uint32_t axis;   /* split axis of the subtree whose median this node is */
};

struct geo_kdtree {
	struct geo_node *nodes;
	size_t count;
};

/* Builds the tree over rows. CA_OK or CA_ENOMEM. Release with geo_kdtree_release. */
int geo_kdtree_build(struct geo_kdtree *tree, const struct geo_row *rows, size_t count);

/*
 * The node nearest to the unit vector q by straight-line (chord) distance, which
 * orders points as great-circle distance does. tree->count must be > 0.
 */
const struct geo_node *geo_kdtree_nearest(const struct geo_kdtree *tree, const double q[3]);

void geo_kdtree_release(struct geo_kdtree *tree);

/* Degrees to a unit vector. */
void geo_unit_vector(double lat, double lng, double out[3]);

#endif
