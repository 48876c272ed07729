/*
 * libFuzzer target: the geodata table (build/geo/cities.tsv) through its in-memory
 * entry point geo_table_parse(), then the k-d tree over what it accepts and a
 * nearest-place query, which must agree with a brute-force search.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"
#include "geo/geo_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double chord2(const double a[3], const double b[3])
{
	double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];

	return dx * dx + dy * dy + dz * dz;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct geo_table t;
	struct geo_kdtree tree;
	const struct geo_node *near;
	double q[3], best = INFINITY, got;
	char *text;
	size_t i;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	/* geo_table_parse owns text from here on, on success and failure alike */
	if (geo_table_parse(&t, text, size, "fuzz.tsv", NULL) != CA_OK)
		return 0;
	if (t.count == 0)
		abort(); /* the header's count is at least 1 */
	for (i = 0; i < t.count; i++) {
		const struct geo_row *r = &t.rows[i];

		if (!r->city[0] || !r->nation[0] || strlen(r->city) > GEO_FIELD_MAX ||
		    fabs(r->lat) > 90.0 || fabs(r->lng) > 180.0)
			abort();
	}
	if (geo_kdtree_build(&tree, t.rows, t.count) != CA_OK)
		abort();
	geo_unit_vector(t.rows[0].lat * 0.5 + 10.0, t.rows[0].lng * 0.5 - 20.0, q);
	near = geo_kdtree_nearest(&tree, q);
	if (!near || near->row >= t.count)
		abort();
	for (i = 0; i < tree.count; i++)
		if (chord2(tree.nodes[i].p, q) < best)
			best = chord2(tree.nodes[i].p, q);
	got = chord2(near->p, q);
	if (got > best * (1 + 1e-12) + 1e-15)
		abort(); /* the tree missed a nearer place */
	geo_kdtree_release(&tree);
	geo_table_release(&t);
	return 0;
}
