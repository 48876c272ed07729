#include "image/resample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define WEIGHT_BITS 14
#define CUBIC_SUPPORT 2.0

/* The cubic convolution kernel with a = -0.5 (Keys), support [-2, 2]. */
static double cubic(double x)
{
	const double a = -0.5;

	x = fabs(x);
	if (x < 1.0)
		return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
	if (x < 2.0)
		return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
	return 0.0;
}

/* For each output position: the first source index, how many taps, and their
 * fixed-point weights (stride `max_taps`). */
struct taps {
	unsigned *first;
	unsigned *count;
	int32_t *weight;
	unsigned max_taps;
};

static void taps_release(struct taps *t)
{
	free(t->first);
	free(t->count);
	free(t->weight);
	memset(t, 0, sizeof(*t));
}

static int taps_build(struct taps *t, double extent, unsigned in_size, unsigned out_size)
{
	double scale = extent / out_size;
	double filter_scale = scale > 1.0 ? scale : 1.0;
	double support = CUBIC_SUPPORT * filter_scale;
	double k[4096];
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->max_taps = (unsigned)ceil(support) * 2 + 1;
	if (t->max_taps > sizeof(k) / sizeof(k[0]))
		return CA_EINVAL;
	t->first = calloc(out_size, sizeof(*t->first));
	t->count = calloc(out_size, sizeof(*t->count));
	t->weight = calloc((size_t)out_size * t->max_taps, sizeof(*t->weight));
	if (!t->first || !t->count || !t->weight) {
		taps_release(t);
		return CA_ENOMEM;
	}
	for (i = 0; i < out_size; i++) {
		double center = (i + 0.5) * scale, sum = 0.0;
		double lo_f = center - support + 0.5, hi_f = center + support + 0.5;
		long lo = lo_f < 0.0 ? 0 : (long)lo_f;
		long hi = hi_f > (double)in_size ? (long)in_size : (long)hi_f;
		long x;
		unsigned n;

		if (hi <= lo) { /* cannot happen for sane extents; keep one tap */
			lo = lo < (long)in_size ? lo : (long)in_size - 1;
			hi = lo + 1;
		}
		n = (unsigned)(hi - lo);
		if (n > t->max_taps)
			n = t->max_taps;
		for (x = 0; x < (long)n; x++) {
			k[x] = cubic((lo + x - center + 0.5) / filter_scale);
			sum += k[x];
		}
		for (x = 0; x < (long)n; x++) {
			double w = sum != 0.0 ? k[x] / sum : (x == 0 ? 1.0 : 0.0);

			t->weight[(size_t)i * t->max_taps + (size_t)x] =
				(int32_t)lround(w * (1 << WEIGHT_BITS));
		}
		t->first[i] = (unsigned)lo;
		t->count[i] = n;
	}
	return CA_OK;
}

static unsigned char clamp_px(int32_t acc)
{
	acc = (acc + (1 << (WEIGHT_BITS - 1))) >> WEIGHT_BITS;
	return (unsigned char)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
}

/* Rows of src (width sw) → rows of dst (width dw) through taps t. */
static void pass_horizontal(const unsigned char *src, unsigned sw, unsigned rows,
			    unsigned char *dst, unsigned dw, const struct taps *t)
{
	unsigned y, x, j;

	for (y = 0; y < rows; y++) {
		const unsigned char *srow = src + (size_t)y * sw * 3;
		unsigned char *drow = dst + (size_t)y * dw * 3;

		for (x = 0; x < dw; x++) {
			const int32_t *w = t->weight + (size_t)x * t->max_taps;
			const unsigned char *p = srow + (size_t)t->first[x] * 3;
			int32_t r = 0, g = 0, b = 0;

			for (j = 0; j < t->count[x]; j++, p += 3) {
				r += w[j] * p[0];
				g += w[j] * p[1];
				b += w[j] * p[2];
			}
			drow[x * 3] = clamp_px(r);
			drow[x * 3 + 1] = clamp_px(g);
			drow[x * 3 + 2] = clamp_px(b);
		}
	}
}

/* Columns: each output row is a weighted sum of whole source rows. */
static void pass_vertical(const unsigned char *src, unsigned width, unsigned char *dst,
			  unsigned dh, const struct taps *t, int32_t *acc)
{
	size_t row_len = (size_t)width * 3;
	unsigned y, j;
	size_t i;

	for (y = 0; y < dh; y++) {
		const int32_t *w = t->weight + (size_t)y * t->max_taps;
		unsigned char *drow = dst + (size_t)y * row_len;

		memset(acc, 0, row_len * sizeof(*acc));
		for (j = 0; j < t->count[y]; j++) {
			const unsigned char *srow = src + (size_t)(t->first[y] + j) * row_len;
			int32_t wj = w[j];

			for (i = 0; i < row_len; i++)
				acc[i] += wj * srow[i];
		}
		for (i = 0; i < row_len; i++)
			drow[i] = clamp_px(acc[i]);
	}
}

int ca_resample_rgb(const struct ca_rgb_image *src, double src_extent_w, double src_extent_h,
		    unsigned out_w, unsigned out_h, struct ca_rgb_image *dst, struct ca_err *err)
{
	struct taps tx = { 0 }, ty = { 0 };
	unsigned char *mid = NULL;
	int32_t *acc = NULL;
	int rc = CA_OK;

	memset(dst, 0, sizeof(*dst));
	if (!src || !src->px || !out_w || !out_h || !(src_extent_w > 0.0) || !(src_extent_h > 0.0) ||
	    src_extent_w > src->width || src_extent_h > src->height)
		return ca_err_set(err, CA_EINVAL, "The resample request has an empty size or a region outside the image.");
	rc = taps_build(&tx, src_extent_w, src->width, out_w);
	if (!rc)
		rc = taps_build(&ty, src_extent_h, src->height, out_h);
	if (rc) {
		ca_err_set(err, rc, rc == CA_ENOMEM ? "Out of memory resizing an image." :
			   "The image is too large to reduce in one step.");
		goto out;
	}
	mid = malloc((size_t)out_w * src->height * 3);
	acc = malloc((size_t)out_w * 3 * sizeof(*acc));
	dst->px = malloc((size_t)out_w * out_h * 3);
	if (!mid || !acc || !dst->px) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory resizing an image.");
		goto out;
	}
	dst->width = out_w;
	dst->height = out_h;
	pass_horizontal(src->px, src->width, src->height, mid, out_w, &tx);
	pass_vertical(mid, out_w, dst->px, out_h, &ty, acc);
out:
	taps_release(&tx);
	taps_release(&ty);
	free(mid);
	free(acc);
	if (rc)
		ca_rgb_image_release(dst);
	return rc;
}
