/*
 * test_image_support.h — building test JPEGs in memory for the image unit tests:
 * images encoded with libjpeg directly (RGB, grey, CMYK), hand-laid EXIF/TIFF
 * structures (so hostile counts, offsets and loops can be written on purpose), and
 * splicing an APP1 segment into a JPEG. Header-only: included by one test file each.
 */
#ifndef CA_TEST_IMAGE_SUPPORT_H
#define CA_TEST_IMAGE_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/* ---- JPEG encoding with libjpeg itself (not our encoder) ---- */

/* Encodes px (w*h*comps bytes) as a JPEG; comps 1 grey, 3 RGB, 4 CMYK. malloc'd. */
static unsigned char *t_encode(const unsigned char *px, unsigned w, unsigned h, int comps,
			       int quality, bool progressive, size_t *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL;
	unsigned long out_len = 0;
	unsigned y;

	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &out_len);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = comps;
	ci.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, quality, TRUE);
	if (progressive)
		jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	for (y = 0; y < h; y++) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)y * w * comps);
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	*len = out_len;
	return out;
}

/* A w×h RGB image of one colour with a 1/4-size block of colour `mark` in the
 * top-left corner and one of colour `mark2` in the top-right corner. */
static unsigned char *t_marked_rgb(unsigned w, unsigned h, const unsigned char bg[3],
				   const unsigned char mark[3], const unsigned char mark2[3])
{
	unsigned char *px = malloc((size_t)w * h * 3);
	unsigned x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *c = bg;

			if (y < h / 4 && x < w / 4)
				c = mark;
			else if (y < h / 4 && x >= w - w / 4)
				c = mark2;
			memcpy(px + ((size_t)y * w + x) * 3, c, 3);
		}
	return px;
}

/* ---- EXIF/TIFF laid out by hand ---- */

enum { T_ASCII = 2, T_SHORT = 3, T_LONG = 4, T_RATIONAL = 5 };

struct t_entry {
	uint16_t tag, type;
	const char *str;        /* T_ASCII: the text (count = strlen + 1 unless count set) */
	uint32_t nums[6];       /* T_SHORT/T_LONG values, T_RATIONAL num/den pairs */
	uint32_t n;             /* how many values (rationals count as one) */
	uint32_t count;         /* if non-zero, written as the count instead of the real one */
	bool raw;               /* write nums[0] as the value/offset field verbatim */
};

struct t_tiff {
	unsigned char b[8192];
	size_t len;             /* end of the data written so far */
	bool be;
};

static void t_put16(struct t_tiff *t, size_t at, uint32_t v)
{
	if (t->be) { t->b[at] = (unsigned char)(v >> 8); t->b[at + 1] = (unsigned char)v; }
	else { t->b[at] = (unsigned char)v; t->b[at + 1] = (unsigned char)(v >> 8); }
}

static void t_put32(struct t_tiff *t, size_t at, uint32_t v)
{
	if (t->be) { t_put16(t, at, v >> 16); t_put16(t, at + 2, v & 0xFFFF); }
	else { t_put16(t, at, v & 0xFFFF); t_put16(t, at + 2, v >> 16); }
}

static size_t t_ifd_size(size_t n)
{
	return 2 + 12 * n + 4;
}

/* Writes an IFD at `at` (space already reserved) with its out-of-line data appended
 * at t->len. */
static void t_write_ifd(struct t_tiff *t, size_t at, const struct t_entry *e, size_t n,
			uint32_t next)
{
	size_t i, j;

	t_put16(t, at, (uint32_t)n);
	for (i = 0; i < n; i++) {
		size_t p = at + 2 + 12 * i, size;
		unsigned char val[64];
		uint32_t count;
		struct t_tiff tmp;

		t_put16(t, p, e[i].tag);
		t_put16(t, p + 2, e[i].type);
		tmp.be = t->be;
		if (e[i].type == T_ASCII) {
			size = strlen(e[i].str) + 1;
			memcpy(tmp.b, e[i].str, size);
			count = (uint32_t)size;
		} else if (e[i].type == T_SHORT) {
			for (j = 0; j < e[i].n; j++)
				t_put16(&tmp, 2 * j, e[i].nums[j]);
			size = 2 * e[i].n;
			count = e[i].n;
		} else if (e[i].type == T_LONG) {
			for (j = 0; j < e[i].n; j++)
				t_put32(&tmp, 4 * j, e[i].nums[j]);
			size = 4 * e[i].n;
			count = e[i].n;
		} else { /* rational */
			for (j = 0; j < 2 * e[i].n; j++)
				t_put32(&tmp, 4 * j, e[i].nums[j]);
			size = 8 * e[i].n;
			count = e[i].n;
		}
		memcpy(val, tmp.b, size < sizeof(val) ? size : sizeof(val));
		t_put32(t, p + 4, e[i].count ? e[i].count : count);
		if (e[i].raw) {
			t_put32(t, p + 8, e[i].nums[0]);
		} else if (size <= 4) {
			memset(t->b + p + 8, 0, 4);
			memcpy(t->b + p + 8, val, size);
		} else {
			t_put32(t, p + 8, (uint32_t)t->len);
			memcpy(t->b + t->len, val, size);
			t->len += size + (size & 1);
		}
	}
	t_put32(t, at + 2 + 12 * n, next);
}

/*
 * Lays out IFD0, then an EXIF IFD and a GPS IFD when given (pointers to them are
 * added to IFD0 by the caller as entries 0x8769/0x8825 with raw=true and nums[0] =
 * T_EXIF_AT/T_GPS_AT, which this function fills in). Returns the TIFF in *t.
 */
static void t_build(struct t_tiff *t, bool be, struct t_entry *ifd0, size_t n0,
		    const struct t_entry *exif, size_t ne, const struct t_entry *gps, size_t ng,
		    uint32_t ifd0_next)
{
	size_t at0 = 8, at_exif = at0 + t_ifd_size(n0), at_gps = at_exif + (ne ? t_ifd_size(ne) : 0);
	size_t i;

	memset(t, 0, sizeof(*t));
	t->be = be;
	memcpy(t->b, be ? "MM\0*" : "II*\0", 4);
	t_put32(t, 4, 8);
	t->len = at_gps + (ng ? t_ifd_size(ng) : 0);
	for (i = 0; i < n0; i++) {
		if (ifd0[i].tag == 0x8769 && ifd0[i].raw && ifd0[i].nums[0] == 0)
			ifd0[i].nums[0] = (uint32_t)at_exif;
		if (ifd0[i].tag == 0x8825 && ifd0[i].raw && ifd0[i].nums[0] == 0)
			ifd0[i].nums[0] = (uint32_t)at_gps;
	}
	t_write_ifd(t, at0, ifd0, n0, ifd0_next);
	if (ne)
		t_write_ifd(t, at_exif, exif, ne, 0);
	if (ng)
		t_write_ifd(t, at_gps, gps, ng, 0);
}

/* A JPEG: SOI, APP1 "Exif\0\0" + tiff, then jpeg[2..] (everything after its SOI). */
static unsigned char *t_with_exif(const unsigned char *jpeg, size_t jlen, const struct t_tiff *t,
				  size_t *len)
{
	size_t seg = 2 + 6 + t->len;
	unsigned char *out = malloc(2 + 2 + seg + jlen);
	size_t o = 0;

	out[o++] = 0xFF; out[o++] = 0xD8;
	out[o++] = 0xFF; out[o++] = 0xE1;
	out[o++] = (unsigned char)(seg >> 8); out[o++] = (unsigned char)seg;
	memcpy(out + o, "Exif\0\0", 6); o += 6;
	memcpy(out + o, t->b, t->len); o += t->len;
	memcpy(out + o, jpeg + 2, jlen - 2); o += jlen - 2;
	*len = o;
	return out;
}

#endif
