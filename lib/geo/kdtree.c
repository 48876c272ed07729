/*
 * kdtree.c — a k-d tree over unit vectors, stored implicitly in one array: the subtree
 * over nodes[lo, hi) has its median at lo + (hi - lo) / 2, smaller coordinates on the
 * split axis to its left and larger ones to its right. Built once; read-only after.
 *
 * Nearest neighbour by chord length: on the unit sphere the chord is 2 sin(d / 2) for
 * great-circle angle d, so both order points the same way, and the chord is plain
 * Euclidean distance, which is what a k-d tree prunes by.
 */
#include "geo/geo_internal.h"

#include <math.h>
#include <stdlib.h>

#include "util/banned.h"

#define DEG2RAD (3.14159265358979323846 / 180.0)

void geo_unit_vector(double lat, double lng, double out[3])
{
	double phi = lat * DEG2RAD, lambda = lng * DEG2RAD;

	out[0] = cos(phi) * cos(lambda);
	out[1] = cos(phi) * sin(lambda);
	out[2] = sin(phi);
}

static void swap_nodes(struct geo_node *a, struct geo_node *b)
{
	struct geo_node t = *a;
	*a = *b;
	*b = t;
}

/* A fixed-seed generator for pivots: deterministic builds, and no input order that
 * makes selection quadratic. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/*
 * Rearranges n[lo, hi) so that n[k] holds the value that sorted order would put there
 * on axis, with nothing larger before it and nothing smaller after it. Three-way
 * partitioning keeps runs of equal coordinates (duplicate places) linear.
 */
static void select_kth(struct geo_node *n, size_t lo, size_t hi, size_t k, unsigned axis,
		       uint64_t *rng)
{
	while (hi - lo > 1) {
		double pivot = n[lo + next_random(rng) % (hi - lo)].p[axis];
		size_t lt = lo, i = lo, gt = hi;

		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			double v = n[i].p[axis];
			if (v < pivot)
				swap_nodes(&n[lt++], &n[i++]);
			else if (v > pivot)
				swap_nodes(&n[i], &n[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

static unsigned widest_axis(const struct geo_node *n, size_t lo, size_t hi)
{
	double min[3] = { INFINITY, INFINITY, INFINITY }, max[3] = { -INFINITY, -INFINITY, -INFINITY };
	unsigned axis = 0, a;
	size_t i;

	for (i = lo; i < hi; i++)
		for (a = 0; a < 3; a++) {
			if (n[i].p[a] < min[a])
				min[a] = n[i].p[a];
			if (n[i].p[a] > max[a])
				max[a] = n[i].p[a];
		}
	for (a = 1; a < 3; a++)
		if (max[a] - min[a] > max[axis] - min[axis])
			axis = a;
	return axis;
}

static void build(struct geo_node *n, size_t lo, size_t hi, uint64_t *rng)
{
	/* Recursion depth is log2(count): about 18 for the GeoNames table. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		unsigned axis = widest_axis(n, lo, hi);

		select_kth(n, lo, hi, mid, axis, rng);
		n[mid].axis = axis;
		build(n, lo, mid, rng);
		lo = mid + 1;
	}
	if (hi - lo == 1)
		n[lo].axis = 0;
}

int geo_kdtree_build(struct geo_kdtree *tree, const struct geo_row *rows, size_t count)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	size_t i;

	tree->count = 0;
	tree->nodes = calloc(count ? count : 1, sizeof(*tree->nodes));
	if (!tree->nodes)
		return CA_ENOMEM;
	for (i = 0; i < count; i++) {
		geo_unit_vector(rows[i].lat, rows[i].lng, tree->nodes[i].p);
		tree->nodes[i].row = (uint32_t)i;
	}
	build(tree->nodes, 0, count, &rng);
	tree->count = count;
	return CA_OK;
}

void geo_kdtree_release(struct geo_kdtree *tree)
{
	if (!tree)
		return;
	free(tree->nodes);
	tree->nodes = NULL;
	tree->count = 0;
}

struct search {
	const struct geo_node *nodes;
	const double *q;
	const struct geo_node *best;
	double best_d2;
};

static double dist2(const double a[3], const double b[3])
{
	double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
	return dx * dx + dy * dy + dz * dz;
}

static void search(struct search *s, size_t lo, size_t hi)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct geo_node *node = &s->nodes[mid];
		double d2 = dist2(s->q, node->p);
		double diff = s->q[node->axis] - node->p[node->axis];

		if (d2 < s->best_d2) {
			s->best_d2 = d2;
			s->best = node;
		}
		/* The near side first; the far side only if the splitting plane is closer
		 * than the best so far. */
		if (diff < 0) {
			search(s, lo, mid);
			if (diff * diff >= s->best_d2)
				return;
			lo = mid + 1;
		} else {
			search(s, mid + 1, hi);
			if (diff * diff >= s->best_d2)
				return;
			hi = mid;
		}
	}
}

const struct geo_node *geo_kdtree_nearest(const struct geo_kdtree *tree, const double q[3])
{
	struct search s = { tree->nodes, q, NULL, INFINITY };

	search(&s, 0, tree->count);
	return s.best;
}
