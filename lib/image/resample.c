#include "image/resample.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* For each output position the first source index and its weights, in fixed point:
 * every position has the same number of taps (zero weights pad the short ones), so the
 * passes run loops of one length. */
struct taps {
	unsigned *first;
	int32_t *weight;            /* n per output position */
	unsigned n;
	int32_t *pair;              /* the same two by two in 16-bit halves, (n + 1) / 2 per
	                             * position (taps_pair()), for the SIMD passes */
};

static void taps_release(struct taps *t)
{
	free(t->first);
	free(t->weight);
	free(t->pair);
	memset(t, 0, sizeof(*t));
}

static int taps_build(struct taps *t, double extent, unsigned in_size, unsigned out_size)
{
	double scale = extent / out_size;
	double filter_scale = scale > 1.0 ? scale : 1.0;
	double support = CUBIC_SUPPORT * filter_scale;
	double k[4096];
	unsigned i, max_taps = (unsigned)ceil(support) * 2 + 1;

	memset(t, 0, sizeof(*t));
	if (max_taps > sizeof(k) / sizeof(k[0]))
		return CA_EINVAL;
	t->n = max_taps < in_size ? max_taps : in_size;
	t->first = calloc(out_size, sizeof(*t->first));
	t->weight = calloc((size_t)out_size * t->n, sizeof(*t->weight));
	if (!t->first || !t->weight) {
		taps_release(t);
		return CA_ENOMEM;
	}
	for (i = 0; i < out_size; i++) {
		double center = (i + 0.5) * scale, sum = 0.0;
		double lo_f = center - support + 0.5, hi_f = center + support + 0.5;
		long lo = lo_f < 0.0 ? 0 : (long)lo_f;
		long hi = hi_f > (double)in_size ? (long)in_size : (long)hi_f;
		long x, start;
		unsigned n;

		if (hi <= lo) { /* cannot happen for sane extents; keep one tap */
			lo = lo < (long)in_size ? lo : (long)in_size - 1;
			hi = lo + 1;
		}
		n = (unsigned)(hi - lo);
		if (n > t->n)
			n = t->n;
		for (x = 0; x < (long)n; x++) {
			k[x] = cubic((lo + x - center + 0.5) / filter_scale);
			sum += k[x];
		}
		/* the window of t->n taps holding [lo, lo + n), inside the source */
		start = lo + (long)t->n <= (long)in_size ? lo : (long)in_size - (long)t->n;
		for (x = 0; x < (long)n; x++) {
			double w = sum != 0.0 ? k[x] / sum : (x == 0 ? 1.0 : 0.0);

			t->weight[(size_t)i * t->n + (size_t)(lo - start + x)] =
				(int32_t)lround(w * (1 << WEIGHT_BITS));
		}
		t->first[i] = (unsigned)start;
	}
	return CA_OK;
}

static unsigned char clamp_px(int32_t acc)
{
	acc = (acc + (1 << (WEIGHT_BITS - 1))) >> WEIGHT_BITS;
	return (unsigned char)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
}

/*
 * Fills t->pair for the SIMD passes: weights j and j + 1 (0 past the last) as the low
 * and high halves of one 32-bit lane. Returns false, leaving the scalar passes to do
 * the work, when a weight does not fit 16 bits (over 2.0: only a degenerate kernel) or
 * memory is short.
 */
static bool taps_pair(struct taps *t, unsigned out_size)
{
	unsigned half = (t->n + 1) / 2, x, j;

	t->pair = malloc((size_t)out_size * half * sizeof(*t->pair));
	if (!t->pair)
		return false;
	for (x = 0; x < out_size; x++) {
		const int32_t *w = t->weight + (size_t)x * t->n;

		for (j = 0; j < t->n; j += 2) {
			int32_t w1 = j + 1 < t->n ? w[j + 1] : 0;

			if (w[j] > INT16_MAX || w[j] < INT16_MIN || w1 > INT16_MAX || w1 < INT16_MIN)
				return false;
			t->pair[(size_t)x * half + j / 2] = (int32_t)((uint32_t)w1 << 16 | (uint16_t)w[j]);
		}
	}
	return true;
}

/*
 * Columns: out[0..len) = the n rows weighted by w. The SIMD version pairs two rows' bytes
 * as 16-bit lanes and multiplies-adds them with two weights at once; both compute the
 * same exact integer sums.
 */
static void combine_rows(const unsigned char *const *rows, const int32_t *w, const int32_t *pair,
			 unsigned n, size_t len, unsigned char *out, bool simd)
{
	size_t i = 0;
	unsigned j;

#if defined(__SSE2__)
	const __m128i zero = _mm_setzero_si128(), half = _mm_set1_epi32(1 << (WEIGHT_BITS - 1));

	for (; simd && i + 16 <= len; i += 16) {
		__m128i acc[4] = { half, half, half, half };

		for (j = 0; j < n; j += 2) {
			__m128i a = _mm_loadu_si128((const __m128i *)(rows[j] + i));
			__m128i b = j + 1 < n ? _mm_loadu_si128((const __m128i *)(rows[j + 1] + i)) : zero;
			__m128i wp = _mm_set1_epi32(pair[j / 2]);
			__m128i alo = _mm_unpacklo_epi8(a, zero), ahi = _mm_unpackhi_epi8(a, zero);
			__m128i blo = _mm_unpacklo_epi8(b, zero), bhi = _mm_unpackhi_epi8(b, zero);

			acc[0] = _mm_add_epi32(acc[0], _mm_madd_epi16(_mm_unpacklo_epi16(alo, blo), wp));
			acc[1] = _mm_add_epi32(acc[1], _mm_madd_epi16(_mm_unpackhi_epi16(alo, blo), wp));
			acc[2] = _mm_add_epi32(acc[2], _mm_madd_epi16(_mm_unpacklo_epi16(ahi, bhi), wp));
			acc[3] = _mm_add_epi32(acc[3], _mm_madd_epi16(_mm_unpackhi_epi16(ahi, bhi), wp));
		}
		for (j = 0; j < 4; j++)
			acc[j] = _mm_srai_epi32(acc[j], WEIGHT_BITS);
		_mm_storeu_si128((__m128i *)(out + i),
				 _mm_packus_epi16(_mm_packs_epi32(acc[0], acc[1]),
						  _mm_packs_epi32(acc[2], acc[3])));
	}
#else
	(void)simd;
#endif
	for (; i < len; i++) {
		int32_t acc = 0;

		for (j = 0; j < n; j++)
			acc += w[j] * rows[j][i];
		out[i] = clamp_px(acc);
	}
}

/*
 * Rows: dst (dw RGB pixels) from src (RGB, with 4 readable bytes past its last pixel)
 * through taps t. The SIMD version pairs two source pixels' channels as 16-bit lanes, as
 * combine_rows() does.
 */
static void combine_columns(const unsigned char *src, unsigned char *dst, unsigned dw,
			    const struct taps *t, bool simd)
{
	unsigned x, j;

	for (x = 0; x < dw; x++) {
		const int32_t *w = t->weight + (size_t)x * t->n;
		const unsigned char *p = src + (size_t)t->first[x] * 3;
		int32_t r = 0, g = 0, b = 0;

#if defined(__SSE2__)
		if (simd) {
			const int32_t *pair = t->pair + (size_t)x * ((t->n + 1) / 2);
			const __m128i zero = _mm_setzero_si128();
			__m128i acc = _mm_set1_epi32(1 << (WEIGHT_BITS - 1));
			uint32_t pa, pb;

			for (j = 0; j < t->n; j += 2) {
				memcpy(&pa, p + 3 * j, 4);
				memcpy(&pb, p + 3 * j + 3, 4);  /* weighted 0 past the last tap */
				acc = _mm_add_epi32(acc, _mm_madd_epi16(
					_mm_unpacklo_epi8(_mm_unpacklo_epi8(_mm_cvtsi32_si128((int)pa),
									    _mm_cvtsi32_si128((int)pb)), zero),
					_mm_set1_epi32(pair[j / 2])));
			}
			acc = _mm_srai_epi32(acc, WEIGHT_BITS);
			acc = _mm_packus_epi16(_mm_packs_epi32(acc, zero), zero);
			pa = (uint32_t)_mm_cvtsi128_si32(acc);
			memcpy(dst + (size_t)x * 3, &pa, 3);
			continue;
		}
#endif
		for (j = 0; j < t->n; j++, p += 3) {
			r += w[j] * p[0];
			g += w[j] * p[1];
			b += w[j] * p[2];
		}
		dst[x * 3] = clamp_px(r);
		dst[x * 3 + 1] = clamp_px(g);
		dst[x * 3 + 2] = clamp_px(b);
	}
}

int ca_resample_rgb(const struct ca_rgb_image *src, double src_extent_w, double src_extent_h,
		    unsigned out_w, unsigned out_h, struct ca_rgb_image *dst, struct ca_err *err)
{
	struct taps tx = { 0 }, ty = { 0 };
	const unsigned char **rows = NULL;
	unsigned char *row = NULL;
	size_t len;
	unsigned y, j;
	bool simd;
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
	len = (size_t)src->width * 3;
	rows = malloc(ty.n * sizeof(*rows));
	row = malloc(len + 4);  /* combine_columns() reads 4 bytes at its last tap */
	dst->px = malloc((size_t)out_w * out_h * 3);
	if (!rows || !row || !dst->px) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory resizing an image.");
		goto out;
	}
	memset(row + len, 0, 4);
	dst->width = out_w;
	dst->height = out_h;
	simd = taps_pair(&tx, out_w) && taps_pair(&ty, out_h);
	/* one output row at a time: its source rows combined into row, then row narrowed */
	for (y = 0; y < out_h; y++) {
		for (j = 0; j < ty.n; j++)
			rows[j] = src->px + (size_t)(ty.first[y] + j) * len;
		combine_rows(rows, ty.weight + (size_t)y * ty.n,
			     simd ? ty.pair + (size_t)y * ((ty.n + 1) / 2) : NULL, ty.n, len, row, simd);
		combine_columns(row, dst->px + (size_t)y * out_w * 3, out_w, &tx, simd);
	}
out:
	taps_release(&tx);
	taps_release(&ty);
	free(rows);
	free(row);
	if (rc)
		ca_rgb_image_release(dst);
	return rc;
}
