/*
 * The 1/8-scale DC decoder (image/jpeg_dc.h) against libjpeg itself: the same pixels
 * where libjpeg's 1/8 decode is DC-only too (grey, 4:4:4), close where libjpeg scales
 * chroma differently (4:2:0, 4:2:2); restart markers change nothing; everything it does
 * not handle, and every damaged or truncated file, is declined (CA_EUNSUPPORTED), never
 * accepted, and the codec then gives libjpeg's verdict.
 */
#include <check.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "check_ca.h"
#include "image/jpeg_codec.h"
#include "image/jpeg_dc.h"

/* How a test JPEG is written by libjpeg's encoder. */
struct enc {
	unsigned w, h;
	int comps;              /* 1 grey, 3 RGB in (YCbCr out) */
	int quality;
	int hs, vs;             /* luma sampling factors (chroma 1x1) */
	unsigned restart;       /* restart interval in MCUs, 0 none */
	bool progressive, arith, force_baseline, rgb_out;
	bool smooth;            /* colour that changes over tens of pixels, as in photos */
	bool grain;             /* per-pixel noise: a scan of several bits a pixel */
	unsigned flat_below;    /* rows from here on one flat grey (0: none) */
};

/* Ramps with hard edges every few blocks (hard on every decoder), or, smooth, colour
 * fields that change over tens of pixels with sharp edges in brightness only, as in a
 * photo seen at 1/8 scale. */
static unsigned char *picture(unsigned w, unsigned h, int comps, unsigned seed, bool smooth,
			      bool grain, unsigned flat_below)
{
	unsigned char *px = malloc((size_t)w * h * comps);
	unsigned x, y;
	int c;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			for (c = 0; c < comps; c++) {
				double v = (x * (3 + c) + y * (5 + 2 * c) + seed * 37) % 256;

				if (smooth) {
					v = 128 + 90 * sin(x / 97.0 + c) * cos(y / 71.0 - c);
					if ((x / 40 + y / 30 + seed) % 3 == 0)
						v = v * 0.6;  /* the same step in R, G and B */
				} else if ((x / 40 + y / 30 + seed) % 3 == 0) {
					v = 255 - (int)v / 2;
				}
				if (grain)
					v = (int)v / 2 + (int)(((x * 7919u + y * 104729u + c * 31u) *
								2654435761u) >> 26);
				if (flat_below && y >= flat_below)
					v = 128;
				px[((size_t)y * w + x) * comps + c] = (unsigned char)v;
			}
	return px;
}

static void quiet(j_common_ptr c)
{
	(void)c;  /* libjpeg's cautions (16-bit tables) are expected here */
}

static unsigned char *encode(const struct enc *e, size_t *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL, *px = picture(e->w, e->h, e->comps, e->w + e->h, e->smooth,
				       e->grain, e->flat_below);
	unsigned long out_len = 0;
	unsigned y;

	ci.err = jpeg_std_error(&jerr);
	jerr.output_message = quiet;
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &out_len);
	ci.image_width = e->w;
	ci.image_height = e->h;
	ci.input_components = e->comps;
	ci.in_color_space = e->comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&ci);
	if (e->rgb_out)
		jpeg_set_colorspace(&ci, JCS_RGB);
	jpeg_set_quality(&ci, e->quality ? e->quality : 90, e->force_baseline);
	if (e->comps == 3 && e->hs) {
		ci.comp_info[0].h_samp_factor = e->hs;
		ci.comp_info[0].v_samp_factor = e->vs;
	}
	ci.restart_interval = e->restart;
	ci.arith_code = e->arith;
	if (e->progressive)
		jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	for (y = 0; y < e->h; y++) {
		JSAMPROW row = px + (size_t)y * e->w * e->comps;

		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	free(px);
	*len = out_len;
	return out;
}


struct strict_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void strict_exit(j_common_ptr c)
{
	longjmp(((struct strict_err *)c->err)->jump, 1);
}

static void strict_warning(j_common_ptr c, int level)
{
	int m = c->err->msg_code;

	/* the codec's rule: damaged-data warnings fail, cosmetic ones do not */
	if (level < 0 && m != JWRN_EXTRANEOUS_DATA && m != JWRN_JFIF_MAJOR &&
	    m != JWRN_ADOBE_XFORM && m != JWRN_BOGUS_ICC)
		longjmp(((struct strict_err *)c->err)->jump, 1);
}

/*
 * libjpeg's own 1/8-scale RGB decode of j into *out (NULL: decode and drop), failing as
 * the codec does on an error or a damaged-data warning. On failure *out is empty.
 */
static bool libjpeg_eighth(const unsigned char *j, size_t len, struct ca_rgb_image *out)
{
	struct jpeg_decompress_struct ci;
	struct strict_err err;
	static unsigned char scratch[8192 * 3];
	volatile bool ok = false;

	if (out)
		memset(out, 0, sizeof(*out));
	ci.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = strict_exit;
	err.pub.emit_message = strict_warning;
	jpeg_create_decompress(&ci);
	if (setjmp(err.jump) == 0) {
		jpeg_mem_src(&ci, j, (unsigned long)len);
		jpeg_read_header(&ci, TRUE);
		ci.scale_num = 1;
		ci.scale_denom = 8;
		ci.out_color_space = JCS_RGB;
		jpeg_start_decompress(&ci);
		if (out) {
			out->width = ci.output_width;
			out->height = ci.output_height;
			out->px = malloc((size_t)out->width * out->height * 3);
		}
		while (ci.output_scanline < ci.output_height) {
			JSAMPROW row = out ? out->px + (size_t)ci.output_scanline * out->width * 3
					   : scratch;

			jpeg_read_scanlines(&ci, &row, 1);
		}
		jpeg_finish_decompress(&ci);
		ok = true;
	}
	jpeg_destroy_decompress(&ci);
	if (!ok && out)
		ca_rgb_image_release(out);
	return ok;
}

static int max_diff(const struct ca_rgb_image *a, const struct ca_rgb_image *b)
{
	size_t i, n = (size_t)a->width * a->height * 3;
	int worst = 0;

	for (i = 0; i < n; i++) {
		int d = abs(a->px[i] - b->px[i]);

		worst = d > worst ? d : worst;
	}
	return worst;
}

static double psnr(const struct ca_rgb_image *a, const struct ca_rgb_image *b)
{
	size_t i, n = (size_t)a->width * a->height * 3;
	double se = 0;

	for (i = 0; i < n; i++)
		se += (double)(a->px[i] - b->px[i]) * (a->px[i] - b->px[i]);
	return se == 0 ? 100.0 : 10 * log10(255.0 * 255.0 / (se / (double)n));
}

/* Decodes e both ways; returns the worst channel difference, and the PSNR in *q. */
static int compare_with_libjpeg(const struct enc *e, double *q)
{
	size_t len;
	unsigned char *j = encode(e, &len);
	struct ca_rgb_image ours = { 0 }, ref = { 0 };
	int worst;

	ck_assert_int_eq(ca_jpeg_decode_dc(j, len, 0, &ours, NULL), CA_OK);
	ck_assert(libjpeg_eighth(j, len, &ref));
	ck_assert_uint_eq(ours.width, ref.width);
	ck_assert_uint_eq(ours.height, ref.height);
	ck_assert_uint_eq(ours.width, (e->w + 7) / 8);
	ck_assert_uint_eq(ours.height, (e->h + 7) / 8);
	worst = max_diff(&ours, &ref);
	if (q)
		*q = psnr(&ours, &ref);
	ca_rgb_image_release(&ours);
	ca_rgb_image_release(&ref);
	free(j);
	return worst;
}

START_TEST(grey_and_444_equal_libjpeg)
{
	/* libjpeg's 1/8 decode of these is DC-only too: the same pixels */
	static const unsigned sizes[][2] = { { 640, 480 }, { 333, 777 }, { 8, 8 }, { 1, 1 },
					     { 1001, 9 }, { 129, 65 } };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct enc grey = { .w = sizes[i][0], .h = sizes[i][1], .comps = 1,
				   .quality = 85, .force_baseline = true };
		struct enc full = { .w = sizes[i][0], .h = sizes[i][1], .comps = 3,
				   .quality = 95, .hs = 1, .vs = 1, .force_baseline = true };

		ck_assert_int_eq(compare_with_libjpeg(&grey, NULL), 0);
		/* colour conversion in the same fixed point; libjpeg's SIMD may round once */
		ck_assert_int_le(compare_with_libjpeg(&full, NULL), 1);
	}
}
END_TEST

START_TEST(subsampled_chroma_is_close_to_libjpeg)
{
	/* libjpeg scales 4:2:0 and 4:2:2 chroma by a 2-point IDCT, we repeat its DC: the
	 * same on photo-like colour (colour detail finer than two blocks is lost) */
	static const int factors[][2] = { { 2, 2 }, { 2, 1 }, { 1, 2 } };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct enc e = { .w = 1200, .h = 900, .comps = 3, .quality = 90,
				   .hs = factors[i][0], .vs = factors[i][1],
				   .force_baseline = true, .smooth = true };
		double q = 0;

		compare_with_libjpeg(&e, &q);
		ck_assert_msg(q > 30, "%dx%d sampling: PSNR %.1f dB", factors[i][0], factors[i][1], q);
	}
}
END_TEST

static struct ca_rgb_image decode_ok(const struct enc *e)
{
	size_t len;
	unsigned char *j = encode(e, &len);
	struct ca_rgb_image img = { 0 };

	ck_assert_int_eq(ca_jpeg_decode_dc(j, len, 0, &img, NULL), CA_OK);
	free(j);
	return img;
}

START_TEST(restart_markers_change_nothing)
{
	static const unsigned intervals[] = { 1, 2, 7, 64, 1000 };
	struct enc e = { .w = 517, .h = 389, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .force_baseline = true };
	struct ca_rgb_image plain = decode_ok(&e);
	size_t i;

	for (i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++) {
		struct ca_rgb_image r;

		e.restart = intervals[i];
		r = decode_ok(&e);
		ck_assert_msg(max_diff(&plain, &r) == 0, "restart interval %u", intervals[i]);
		ca_rgb_image_release(&r);
	}
	ca_rgb_image_release(&plain);
}
END_TEST

START_TEST(sixteen_bit_tables_and_sof1)
{
	/* quality 5 without the baseline limit writes 16-bit quantisation tables (SOF1) */
	struct enc e = { .w = 400, .h = 300, .comps = 1, .quality = 5, .restart = 3 };

	ck_assert_int_eq(compare_with_libjpeg(&e, NULL), 0);
}
END_TEST

static int decode_rc(const unsigned char *j, size_t len)
{
	struct ca_rgb_image img = { 0 };
	int rc = ca_jpeg_decode_dc(j, len, 0, &img, NULL);

	if (rc == CA_OK) {
		ck_assert_ptr_nonnull(img.px);
		ck_assert_uint_ge(img.width, 1);
	} else {
		ck_assert_ptr_null(img.px);
	}
	ca_rgb_image_release(&img);
	return rc;
}

START_TEST(other_codings_are_declined)
{
	struct enc prog = { .w = 320, .h = 240, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .progressive = true, .force_baseline = true };
	struct enc arith = { .w = 320, .h = 240, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .arith = true, .force_baseline = true };
	struct enc rgb = { .w = 320, .h = 240, .comps = 3, .quality = 90, .hs = 1, .vs = 1,
			   .force_baseline = true, .rgb_out = true };
	const struct enc *all[] = { &prog, &arith, &rgb };
	size_t i, len;

	for (i = 0; i < 3; i++) {
		unsigned char *j = encode(all[i], &len);
		struct ca_rgb_image img = { 0 };

		ck_assert_int_eq(decode_rc(j, len), CA_EUNSUPPORTED);
		/* the codec still decodes them, through libjpeg */
		ck_assert_int_eq(ca_jpeg_decode_rgb(j, len, 0, 1, &img, NULL, NULL), CA_OK);
		ck_assert_uint_eq(img.width, 40);
		ca_rgb_image_release(&img);
		free(j);
	}
}
END_TEST

START_TEST(pixel_cap_is_kept)
{
	struct enc e = { .w = 300, .h = 200, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .force_baseline = true };
	size_t len;
	unsigned char *j = encode(&e, &len);
	struct ca_rgb_image img = { 0 };

	ck_assert_int_eq(ca_jpeg_decode_dc(j, len, 300 * 200 - 1, &img, NULL), CA_EUNSUPPORTED);
	ck_assert_int_eq(ca_jpeg_decode_dc(j, len, 300 * 200, &img, NULL), CA_OK);
	ca_rgb_image_release(&img);
	free(j);
}
END_TEST

/* Where the scan data starts: just after the SOS segment. */
static size_t scan_start(const unsigned char *j, size_t len)
{
	size_t at = 2;

	while (at + 4 <= len) {
		unsigned m = j[at + 1], seg = (unsigned)j[at + 2] << 8 | j[at + 3];

		if (m == 0xDA)
			return at + 2 + seg;
		at += 2 + seg;
	}
	ck_abort_msg("no SOS");
	return 0;
}

START_TEST(every_truncation_is_declined)
{
	struct enc e = { .w = 256, .h = 192, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .restart = 4, .force_baseline = true };
	size_t len, cut;
	unsigned char *j = encode(&e, &len);

	/* every header byte and the last 200, then every 7th byte of the scan */
	for (cut = 0; cut < len; cut += cut < scan_start(j, len) || cut > len - 200 ? 1 : 7)
		ck_assert_msg(decode_rc(j, cut) == CA_EUNSUPPORTED, "cut at %zu of %zu", cut, len);
	ck_assert_int_eq(decode_rc(j, len), CA_OK);
	free(j);
}
END_TEST

START_TEST(damaged_scans_never_crash_and_codec_agrees)
{
	struct enc e = { .w = 256, .h = 192, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .restart = 3, .force_baseline = true };
	size_t len, start, t;
	unsigned char *j = encode(&e, &len), *p = malloc(len);
	unsigned seed = 12345, accepted = 0;

	start = scan_start(j, len);
	for (t = 0; t < 1500; t++) {
		struct ca_rgb_image a = { 0 }, b = { 0 };
		size_t at;
		bool libjpeg_ok;
		int rc;

		memcpy(p, j, len);
		seed = seed * 1103515245u + 12345u;
		at = start + (seed >> 8) % (len - 2 - start);
		p[at] ^= (unsigned char)(1u << ((seed >> 4) & 7));
		if (t % 3 == 0)
			p[at] = 0xFF;  /* a marker or fill byte in the middle of the data */
		rc = ca_jpeg_decode_dc(p, len, 0, &a, NULL);
		ck_assert(rc == CA_OK || rc == CA_EUNSUPPORTED);
		libjpeg_ok = libjpeg_eighth(p, len, NULL);
		/* never accepted where libjpeg refuses */
		if (rc == CA_OK) {
			accepted++;
			ck_assert_msg(libjpeg_ok, "trial %zu: byte %zu", t, at);
		}
		/* and the codec's verdict is libjpeg's */
		rc = ca_jpeg_decode_rgb(p, len, 0, 1, &b, NULL, NULL);
		ck_assert(rc == CA_OK || rc == CA_IMG_CORRUPT);
		ck_assert_int_eq(rc == CA_OK, libjpeg_ok);
		ca_rgb_image_release(&a);
		ca_rgb_image_release(&b);
	}
	/* most single-bit damage still decodes: the check above did run */
	ck_assert_uint_gt(accepted, 50);
	free(p);
	free(j);
}
END_TEST

START_TEST(scans_longer_than_the_window)
{
	/* the decoder holds 64 KB of scan data at a time (a few KB in the build of these
	 * tests named test_jpeg_dc_small_window): grainy pictures make scans of several
	 * windows, so restart markers and stuffed bytes fall across window edges, and a
	 * flat end makes the window move on under bits the reader still holds */
	struct enc grey = { .w = 1400, .h = 1000, .comps = 1, .quality = 98, .grain = true,
			    .force_baseline = true };
	struct enc flat_end = { .w = 1400, .h = 1000, .comps = 1, .quality = 98, .grain = true,
				.flat_below = 600, .force_baseline = true };
	struct enc full = { .w = 1000, .h = 700, .comps = 3, .quality = 98, .hs = 1, .vs = 1,
			    .restart = 5, .grain = true, .force_baseline = true };
	size_t len, start, t;
	unsigned char *j, *p;
	unsigned seed = 777;

	ck_assert_int_eq(compare_with_libjpeg(&grey, NULL), 0);
	ck_assert_int_eq(compare_with_libjpeg(&flat_end, NULL), 0);
	ck_assert_int_le(compare_with_libjpeg(&full, NULL), 1);
	j = encode(&full, &len);
	start = scan_start(j, len);
	ck_assert_uint_gt(len - start, 3 * 65536);  /* the test is about long scans */
	p = malloc(len);
	/* cut anywhere in the scan: declined */
	for (t = 1; t < 40; t++)
		ck_assert_int_eq(decode_rc(j, start + (len - start) * t / 40), CA_EUNSUPPORTED);
	/* damage anywhere in it: never accepted where libjpeg refuses */
	for (t = 0; t < 60; t++) {
		size_t at;
		int rc;

		memcpy(p, j, len);
		seed = seed * 1103515245u + 12345u;
		at = start + (seed >> 4) % (len - 2 - start);
		p[at] = t % 2 ? 0xFF : (unsigned char)(p[at] ^ 0x10);
		rc = decode_rc(p, len);
		if (rc == CA_OK)
			ck_assert_msg(libjpeg_eighth(p, len, NULL), "trial %zu: byte %zu", t, at);
	}
	free(p);
	free(j);
}
END_TEST

/* Finds marker m's segment; returns the offset of its 0xFF, or 0. */
static size_t find_marker(const unsigned char *j, size_t len, unsigned m)
{
	size_t at;

	for (at = 2; at + 1 < len; at++)
		if (j[at] == 0xFF && j[at + 1] == m)
			return at;
	return 0;
}

START_TEST(hostile_tables_and_markers_are_declined)
{
	struct enc e = { .w = 256, .h = 192, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .restart = 2, .force_baseline = true };
	size_t len, at;
	unsigned char *j = encode(&e, &len), *p = malloc(len);

	/* a Huffman table whose codes overflow the code space: 2 codes of length 1 + more */
	memcpy(p, j, len);
	at = find_marker(p, len, 0xC4);
	ck_assert_uint_gt(at, 0);
	p[at + 5] = 2;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	/* table class 2 and table id 4 */
	memcpy(p, j, len);
	p[at + 4] = 0x20;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	memcpy(p, j, len);
	p[at + 4] = 0x04;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	/* restart markers out of order, and one too many */
	memcpy(p, j, len);
	at = find_marker(p, len, 0xD0);
	ck_assert_uint_gt(at, 0);
	p[at + 1] = 0xD1;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	memcpy(p, j, len);
	at = find_marker(p, len, 0xDD);
	p[at + 5] = (unsigned char)(p[at + 5] + 1);  /* the interval no longer fits the markers */
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	/* 12-bit precision, a zero height (DNL), five components */
	memcpy(p, j, len);
	at = find_marker(p, len, 0xC0);
	p[at + 4] = 12;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	memcpy(p, j, len);
	p[at + 5] = 0;
	p[at + 6] = 0;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	memcpy(p, j, len);
	p[at + 9] = 5;
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	/* a scan that names a component twice */
	memcpy(p, j, len);
	at = find_marker(p, len, 0xDA);
	p[at + 7] = p[at + 5];
	ck_assert_int_eq(decode_rc(p, len), CA_EUNSUPPORTED);
	/* not a JPEG, and nothing at all */
	ck_assert_int_eq(decode_rc((const unsigned char *)"\x89PNG\r\n\x1a\n", 8), CA_EUNSUPPORTED);
	ck_assert_int_eq(decode_rc(j, 0), CA_EUNSUPPORTED);
	free(p);
	free(j);
}
END_TEST

START_TEST(codec_uses_it_only_for_eighths_of_big_frames)
{
	/* through the codec at 1/8 the result is this path's; at 2/8 it is libjpeg's */
	struct enc e = { .w = 640, .h = 480, .comps = 3, .quality = 90, .hs = 2, .vs = 2,
			   .force_baseline = true };
	size_t len;
	unsigned char *j = encode(&e, &len);
	struct ca_rgb_image dc = { 0 }, codec = { 0 };

	ck_assert_int_eq(ca_jpeg_decode_dc(j, len, 0, &dc, NULL), CA_OK);
	ck_assert_int_eq(ca_jpeg_decode_rgb(j, len, 0, 1, &codec, NULL, NULL), CA_OK);
	ck_assert_int_eq(max_diff(&dc, &codec), 0);
	ca_rgb_image_release(&codec);
	ck_assert_int_eq(ca_jpeg_decode_rgb(j, len, 0, 2, &codec, NULL, NULL), CA_OK);
	ck_assert_uint_eq(codec.width, 160);
	ca_rgb_image_release(&codec);
	ca_rgb_image_release(&dc);
	free(j);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("jpeg_dc");
	TCase *tc = tcase_create("core");

	/* the damaged-scan sweep decodes thousands of images: seconds under ASan on a busy machine */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, grey_and_444_equal_libjpeg);
	tcase_add_test(tc, subsampled_chroma_is_close_to_libjpeg);
	tcase_add_test(tc, restart_markers_change_nothing);
	tcase_add_test(tc, sixteen_bit_tables_and_sof1);
	tcase_add_test(tc, other_codings_are_declined);
	tcase_add_test(tc, pixel_cap_is_kept);
	tcase_add_test(tc, every_truncation_is_declined);
	tcase_add_test(tc, damaged_scans_never_crash_and_codec_agrees);
	tcase_add_test(tc, scans_longer_than_the_window);
	tcase_add_test(tc, hostile_tables_and_markers_are_declined);
	tcase_add_test(tc, codec_uses_it_only_for_eighths_of_big_frames);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
