#include <math.h>
#include <string.h>
#include <time.h>

#include "check_ca.h"
#include "test_image_support.h"
#include <unistd.h>

#include "image/exif.h"
#include "image/imgfile.h"
#include "image/jpeg_codec.h"
#include "image/jpeg_inspect.h"
#include "image/jpeg_probe.h"
#include "image/orient.h"
#include "image/resample.h"
#include "image/thumb.h"
#include "util/error.h"

static const unsigned char GREY[3] = { 128, 128, 128 };
static const unsigned char RED[3] = { 230, 20, 20 };
static const unsigned char BLUE[3] = { 20, 20, 230 };

static unsigned char *plain_jpeg(unsigned w, unsigned h, size_t *len)
{
	unsigned char *px = t_marked_rgb(w, h, GREY, RED, BLUE);
	unsigned char *j = t_encode(px, w, h, 3, 90, false, len);

	free(px);
	return j;
}

/* ---- thumbnail size: Pillow's rules, worked by hand ---- */

START_TEST(fit_follows_pillow_rounding)
{
	static const struct { unsigned w, h, ew, eh; bool shrink; } cases[] = {
		{ 4000, 3000, 267, 200, true },  /* 266.67: 267/200 is nearer 4/3 */
		{ 3000, 4000, 150, 200, true },
		{ 3000, 2000, 300, 200, true },
		{ 2000, 1000, 300, 150, true },
		{ 1920, 1080, 300, 169, true },  /* 168.75: 300/169 is nearer 16/9 */
		{ 301, 10, 300, 10, true },      /* 9.97 → 10 */
		{ 299, 201, 298, 200, true },    /* 297.51 → 298 */
		{ 10000, 10, 300, 1, true },     /* 0.3 rounds to 0, raised to 1 */
		{ 1, 10000, 1, 200, true },
		{ 300, 200, 300, 200, false },   /* already fits: untouched */
		{ 100, 50, 100, 50, false },
		{ 1, 1, 1, 1, false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned w = 0, h = 0;
		bool shrink = ca_thumb_fit(cases[i].w, cases[i].h, 300, 200, &w, &h);

		ck_assert_msg(w == cases[i].ew && h == cases[i].eh && shrink == cases[i].shrink,
			      "%ux%u gave %ux%u", cases[i].w, cases[i].h, w, h);
	}
}
END_TEST

START_TEST(scale_picks_smallest_at_or_above)
{
	ck_assert_uint_eq(ca_jpeg_scale_for(4000, 3000, 267, 200), 1);   /* 500x375 */
	ck_assert_uint_eq(ca_jpeg_scale_for(640, 480, 267, 200), 4);     /* 320x240 */
	ck_assert_uint_eq(ca_jpeg_scale_for(2400, 1600, 300, 200), 1);   /* exactly 300x200 */
	ck_assert_uint_eq(ca_jpeg_scale_for(2401, 1600, 300, 200), 1);   /* 301x200 */
	ck_assert_uint_eq(ca_jpeg_scale_for(100, 100, 100, 100), 8);
	ck_assert_uint_eq(ca_jpeg_scale_for(9, 9, 2, 2), 1);             /* ceil(9/8) = 2 */
	ck_assert_uint_eq(ca_jpeg_scale_for(9, 9, 3, 3), 2);             /* ceil(18/8) = 3 */
}
END_TEST

/* ---- probe: formats, truncation, bombs ---- */

START_TEST(probe_reads_frame_and_refuses_others)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00";
	struct ca_jpeg_info info;
	struct ca_err err;
	size_t len;
	unsigned char *j = plain_jpeg(123, 45, &len);

	ca_err_clear(&err);
	ck_assert_int_eq(ca_jpeg_probe(j, len, 0, &info, &err), CA_OK);
	ck_assert_uint_eq(info.width, 123);
	ck_assert_uint_eq(info.height, 45);
	ck_assert_uint_eq(info.components, 3);
	ck_assert(!info.progressive);
	ck_assert_ptr_null(info.exif);

	ck_assert_int_eq(ca_jpeg_probe(png, sizeof(png) - 1, 0, &info, &err), CA_IMG_NOT_JPEG);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "PNG"));
	ck_assert_int_eq(ca_jpeg_probe(gif, sizeof(gif) - 1, 0, &info, NULL), CA_IMG_NOT_JPEG);
	ck_assert_int_eq(ca_jpeg_probe(j, 0, 0, &info, NULL), CA_IMG_NOT_JPEG);
	ck_assert_int_eq(ca_jpeg_probe(NULL, 10, 0, &info, NULL), CA_IMG_NOT_JPEG);
	ck_assert_int_eq(ca_jpeg_probe((const unsigned char *)"\xFF", 1, 0, &info, NULL), CA_IMG_NOT_JPEG);
	/* SOI alone, SOI + a cut segment header, SOI + EOI */
	ck_assert_int_eq(ca_jpeg_probe(j, 2, 0, &info, NULL), CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_jpeg_probe(j, 5, 0, &info, NULL), CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_jpeg_probe((const unsigned char *)"\xFF\xD8\xFF\xD9", 4, 0, &info, NULL),
			 CA_IMG_CORRUPT);
	/* a pixel cap below the frame size */
	ck_assert_int_eq(ca_jpeg_probe(j, len, 123 * 45 - 1, &info, NULL), CA_IMG_TOO_LARGE);
	ck_assert_int_eq(ca_jpeg_probe(j, len, 123 * 45, &info, NULL), CA_OK);
	free(j);
}
END_TEST

/* SOI, then a frame header, then nothing: a JPEG "bomb" claims any size it likes. */
static size_t sof_only(unsigned char *b, unsigned marker, unsigned w, unsigned h,
		       unsigned precision, unsigned ncomp, unsigned seglen)
{
	size_t o = 0, i;

	b[o++] = 0xFF; b[o++] = 0xD8;
	b[o++] = 0xFF; b[o++] = (unsigned char)marker;
	b[o++] = (unsigned char)(seglen >> 8); b[o++] = (unsigned char)seglen;
	b[o++] = (unsigned char)precision;
	b[o++] = (unsigned char)(h >> 8); b[o++] = (unsigned char)h;
	b[o++] = (unsigned char)(w >> 8); b[o++] = (unsigned char)w;
	b[o++] = (unsigned char)ncomp;
	for (i = 0; i < ncomp; i++) {
		b[o++] = (unsigned char)(i + 1); b[o++] = 0x11; b[o++] = 0;
	}
	return o;
}

START_TEST(probe_refuses_bombs_and_bad_frames)
{
	unsigned char b[64];
	struct ca_jpeg_info info;
	struct ca_thumb thumb;
	struct ca_err err;
	size_t n;
	clock_t t0;

	n = sof_only(b, 0xC0, 60000, 60000, 8, 3, 17);
	ca_err_clear(&err);
	t0 = clock();
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, &err), CA_IMG_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "60000x60000"));
	ck_assert_int_eq(ca_thumb_make(b, n, NULL, &thumb, NULL), CA_IMG_TOO_LARGE);
	ck_assert_int_eq(ca_jpeg_validate(b, n, 0, NULL, NULL), CA_IMG_TOO_LARGE);
	ck_assert_ptr_null(thumb.jpeg);
	/* refused without decoding: far below a second of CPU (generous for sanitizers) */
	ck_assert((clock() - t0) < CLOCKS_PER_SEC);

	n = sof_only(b, 0xC0, 0, 100, 8, 3, 17);
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_IMG_CORRUPT);
	n = sof_only(b, 0xC0, 100, 100, 8, 3, 15);      /* length disagrees with components */
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_IMG_CORRUPT);
	n = sof_only(b, 0xC0, 100, 100, 8, 2, 14);      /* two components */
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_IMG_CORRUPT);
	n = sof_only(b, 0xC0, 100, 100, 12, 3, 17);     /* 12-bit */
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_EUNSUPPORTED);
	n = sof_only(b, 0xC3, 100, 100, 8, 3, 17);      /* lossless */
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_EUNSUPPORTED);
	n = sof_only(b, 0xC0, 100, 100, 8, 3, 200);     /* segment runs past the end */
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_IMG_CORRUPT);
	n = sof_only(b, 0xC0, 100, 100, 8, 3, 17);      /* frame fine, no scan: decode fails */
	ck_assert_int_eq(ca_jpeg_probe(b, n, 0, &info, NULL), CA_OK);
	ck_assert_int_eq(ca_jpeg_validate(b, n, 0, NULL, NULL), CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_thumb_make(b, n, NULL, &thumb, NULL), CA_IMG_CORRUPT);
}
END_TEST

START_TEST(validate_finds_truncation_and_damage)
{
	struct ca_jpeg_info info;
	struct ca_err err;
	size_t len, cut;
	unsigned char *j = plain_jpeg(200, 150, &len);
	unsigned char *p;
	int rc;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_jpeg_validate(j, len, 0, &info, &err), CA_OK);
	ck_assert_uint_eq(info.width, 200);
	/* every cut inside the scan data is caught */
	for (cut = len - 2; cut > len / 2; cut -= 97) {
		ca_err_clear(&err);
		rc = ca_jpeg_validate(j, cut, 0, NULL, &err);
		ck_assert_msg(rc == CA_IMG_CORRUPT, "cut at %zu of %zu gave %d", cut, len, rc);
	}
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "corrupt"));
	/* a marker where entropy-coded data should be */
	p = malloc(len);
	memcpy(p, j, len);
	p[len - 40] = 0xFF;
	p[len - 39] = 0xC4;
	ck_assert_int_eq(ca_jpeg_validate(p, len, 0, NULL, NULL), CA_IMG_CORRUPT);
	free(p);
	free(j);
}
END_TEST

START_TEST(decode_converts_grey_and_cmyk)
{
	unsigned char grey[16 * 16], cmyk[16 * 16 * 4];
	struct ca_rgb_image img = { 0 };
	size_t len, i;
	unsigned char *j;

	memset(grey, 200, sizeof(grey));
	j = t_encode(grey, 16, 16, 1, 95, false, &len);
	ck_assert_int_eq(ca_jpeg_decode_rgb(j, len, 0, 8, &img, NULL, NULL), CA_OK);
	ck_assert_uint_eq(img.width, 16);
	for (i = 0; i < 16 * 16 * 3; i++)
		ck_assert_int_le(abs(img.px[i] - 200), 2);
	ca_rgb_image_release(&img);
	free(j);
	/* libjpeg marks CMYK with an Adobe segment, so values are read as Photoshop
	 * writes them, inverted: 0% cyan, 100% magenta, 100% yellow, 0% black → red */
	for (i = 0; i < 16 * 16; i++) {
		cmyk[i * 4] = 255; cmyk[i * 4 + 1] = 0; cmyk[i * 4 + 2] = 0; cmyk[i * 4 + 3] = 255;
	}
	j = t_encode(cmyk, 16, 16, 4, 95, false, &len);
	ck_assert_int_eq(ca_jpeg_decode_rgb(j, len, 0, 8, &img, NULL, NULL), CA_OK);
	ck_assert_int_ge(img.px[0], 250);
	ck_assert_int_le(img.px[1], 5);
	ck_assert_int_le(img.px[2], 5);
	ca_rgb_image_release(&img);
	ca_rgb_image_release(NULL);
	free(j);
}
END_TEST

/* ---- EXIF, written by hand so that every field and every hostile shape is known ---- */

#define GPS_DMS(d, m, s100) { d, 1, m, 1, s100, 100 }

static unsigned char *jpeg_with_tiff(const struct t_tiff *t, size_t *len)
{
	size_t jl;
	unsigned char *j = plain_jpeg(64, 48, &jl);
	unsigned char *out = t_with_exif(j, jl, t, len);

	free(j);
	return out;
}

/* Embeds t in a 64x48 JPEG and reads that back into *x; fails the test unless
 * ca_exif_read() gives CA_OK. */
static void read_exif_of(const struct t_tiff *t, struct ca_exif *x)
{
	size_t len;
	unsigned char *j = jpeg_with_tiff(t, &len);

	ck_assert_int_eq(ca_exif_read(j, len, 0, x, NULL), CA_OK);
	free(j);
}

static void full_exif(struct t_tiff *t, bool be, const char *lat_ref, const char *lng_ref)
{
	struct t_entry ifd0[] = {
		{ .tag = 0x010F, .type = T_ASCII, .str = "NIKON CORPORATION" },
		{ .tag = 0x0110, .type = T_ASCII, .str = "NIKON D750   " },
		{ .tag = 0x0112, .type = T_SHORT, .nums = { 6 }, .n = 1 },
		{ .tag = 0x8769, .type = T_LONG, .n = 1, .raw = true },
		{ .tag = 0x8825, .type = T_LONG, .n = 1, .raw = true },
	};
	struct t_entry exif[] = {
		{ .tag = 0x9003, .type = T_ASCII, .str = "2019:02:28 23:59:58" },
		{ .tag = 0xA002, .type = T_LONG, .nums = { 6016 }, .n = 1 },
		{ .tag = 0xA003, .type = T_SHORT, .nums = { 4016 }, .n = 1 },
	};
	struct t_entry gps[] = {
		{ .tag = 1, .type = T_ASCII, .str = lat_ref },
		{ .tag = 2, .type = T_RATIONAL, .nums = GPS_DMS(33, 51, 3150), .n = 3 },
		{ .tag = 3, .type = T_ASCII, .str = lng_ref },
		{ .tag = 4, .type = T_RATIONAL, .nums = GPS_DMS(151, 12, 5525), .n = 3 },
	};

	t_build(t, be, ifd0, 5, exif, 3, gps, 4, 0);
}

START_TEST(exif_reads_every_field_both_byte_orders)
{
	static const char *refs[4][2] = { { "N", "E" }, { "S", "E" }, { "N", "W" }, { "S", "W" } };
	double want_lat = 33 + 51 / 60.0 + 31.5 / 3600.0, want_lng = 151 + 12 / 60.0 + 55.25 / 3600.0;
	int be, r;

	for (be = 0; be < 2; be++)
		for (r = 0; r < 4; r++) {
			struct t_tiff t;
			struct ca_exif x;

			full_exif(&t, be, refs[r][0], refs[r][1]);
			read_exif_of(&t, &x);
			ck_assert(x.has_exif);
			ck_assert_str_eq(x.make, "NIKON CORPORATION");
			ck_assert_str_eq(x.model, "NIKON D750");
			ck_assert_int_eq(x.orientation, 6);
			ck_assert_str_eq(x.taken, "2019-02-28 23:59:58");
			ck_assert_uint_eq(x.exif_width, 6016);
			ck_assert_uint_eq(x.exif_height, 4016);
			ck_assert_uint_eq(x.width, 64);
			ck_assert_uint_eq(x.height, 48);
			ck_assert(x.has_gps);
			ck_assert_int_eq(x.latitude_ref, refs[r][0][0]);
			ck_assert_int_eq(x.longitude_ref, refs[r][1][0]);
			ck_assert_double_eq_tol(x.latitude, refs[r][0][0] == 'S' ? -want_lat : want_lat, 1e-9);
			ck_assert_double_eq_tol(x.longitude, refs[r][1][0] == 'W' ? -want_lng : want_lng, 1e-9);
		}
}
END_TEST

START_TEST(exif_absent_or_unreadable_is_not_an_error)
{
	struct ca_exif x;
	struct t_tiff t;
	size_t len;
	unsigned char *j = plain_jpeg(64, 48, &len), *k;

	ck_assert_int_eq(ca_exif_read(j, len, 0, &x, NULL), CA_OK);
	ck_assert(!x.has_exif);
	ck_assert_uint_eq(x.width, 64);
	ck_assert_str_eq(x.make, "");
	ck_assert(!x.has_gps);
	/* an APP1 "Exif" whose TIFF header is garbage */
	memset(&t, 0, sizeof(t));
	memcpy(t.b, "XX\0\0\0\0\0\0garbage!", 16);
	t.len = 16;
	k = t_with_exif(j, len, &t, &len);
	ck_assert_int_eq(ca_exif_read(k, len, 0, &x, NULL), CA_OK);
	ck_assert(!x.has_exif);
	ck_assert_uint_eq(x.height, 48);
	ck_assert_int_eq(ca_exif_parse(t.b, t.len, &x, NULL), CA_IMG_EXIF);
	ck_assert_int_eq(ca_exif_parse(NULL, 0, &x, NULL), CA_IMG_EXIF);
	free(k);
	free(j);
}
END_TEST

START_TEST(exif_refuses_implausible_values)
{
	struct t_entry ifd0[] = {
		{ .tag = 0x010F, .type = T_ASCII, .str = "Bad\x01\x7f\xff" "Cam" },
		{ .tag = 0x0110, .type = T_SHORT, .nums = { 5 }, .n = 1 },   /* model not text */
		{ .tag = 0x0112, .type = T_SHORT, .nums = { 9 }, .n = 1 },   /* no orientation 9 */
		{ .tag = 0x8769, .type = T_LONG, .n = 1, .raw = true },
		{ .tag = 0x8825, .type = T_LONG, .n = 1, .raw = true },
	};
	struct t_entry exif[] = {
		{ .tag = 0x9003, .type = T_ASCII, .str = "2019:02:29 12:00:00" }, /* not a leap year */
		{ .tag = 0xA002, .type = T_LONG, .nums = { 0 }, .n = 1 },
	};
	struct t_entry gps[] = {
		{ .tag = 1, .type = T_ASCII, .str = "N" },
		{ .tag = 2, .type = T_RATIONAL, .nums = { 95, 1, 0, 1, 0, 1 }, .n = 3 }, /* 95° */
		{ .tag = 3, .type = T_ASCII, .str = "E" },
		{ .tag = 4, .type = T_RATIONAL, .nums = { 10, 1, 0, 1, 0, 1 }, .n = 3 },
	};
	struct t_tiff t;
	struct ca_exif x;

	t_build(&t, false, ifd0, 5, exif, 2, gps, 4, 0);
	read_exif_of(&t, &x);
	ck_assert(x.has_exif);
	ck_assert_str_eq(x.make, "Bad???Cam");
	ck_assert_str_eq(x.model, "");
	ck_assert_int_eq(x.orientation, 0);
	ck_assert_str_eq(x.taken, "");
	ck_assert_uint_eq(x.exif_width, 0);
	ck_assert(!x.has_gps);
}
END_TEST

static void gps_case(const struct t_entry *lat, const char *lat_ref, bool want)
{
	struct t_entry ifd0[] = { { .tag = 0x8825, .type = T_LONG, .n = 1, .raw = true } };
	struct t_entry gps[4] = {
		{ .tag = 1, .type = T_ASCII, .str = lat_ref },
		*lat,
		{ .tag = 3, .type = T_ASCII, .str = "E" },
		{ .tag = 4, .type = T_RATIONAL, .nums = { 10, 1, 0, 1, 0, 1 }, .n = 3 },
	};
	struct t_tiff t;
	struct ca_exif x;

	gps[1].tag = 2;
	t_build(&t, true, ifd0, 1, NULL, 0, gps, 4, 0);
	read_exif_of(&t, &x);
	ck_assert_msg(x.has_gps == want, "lat ref %s: has_gps %d", lat_ref, x.has_gps);
}

START_TEST(exif_gps_edge_cases)
{
	struct t_entry ok = { .type = T_RATIONAL, .nums = { 45, 1, 30, 1, 0, 0 }, .n = 3 };
	struct t_entry zero_den = { .type = T_RATIONAL, .nums = { 45, 0, 30, 1, 0, 1 }, .n = 3 };
	struct t_entry min60 = { .type = T_RATIONAL, .nums = { 45, 1, 60, 1, 0, 1 }, .n = 3 };
	struct t_entry one = { .type = T_RATIONAL, .nums = { 4550, 100 }, .n = 1 };
	struct t_entry as_long = { .type = T_LONG, .nums = { 45, 1, 0 }, .n = 3 };
	struct t_entry huge_count = { .type = T_RATIONAL, .nums = { 45, 1, 0, 1, 0, 1 }, .n = 3,
				      .count = 0x20000000 };

	gps_case(&ok, "N", true);         /* 0/0 seconds read as zero */
	gps_case(&ok, "n", true);
	gps_case(&ok, "X", false);        /* no such hemisphere */
	gps_case(&ok, "", false);
	gps_case(&zero_den, "N", false);
	gps_case(&min60, "N", false);
	gps_case(&one, "S", true);        /* decimal degrees in one rational */
	gps_case(&as_long, "N", false);
	gps_case(&huge_count, "N", false);
}
END_TEST

START_TEST(exif_hostile_offsets_counts_and_loops)
{
	/* Each structure is wrong in one way; reading must end, and not crash. */
	struct t_entry loop0[] = { { .tag = 0x010F, .type = T_ASCII, .str = "Loop" } };
	struct t_entry self_exif[] = { { .tag = 0x8769, .type = T_LONG, .n = 1, .raw = true, .nums = { 8 } } };
	struct t_entry far[] = {
		{ .tag = 0x010F, .type = T_ASCII, .str = "far away offset", .raw = true, .nums = { 0x7FFFFFF0 } },
		{ .tag = 0x0110, .type = T_ASCII, .str = "huge count", .count = 0xFFFFFFFF },
		{ .tag = 0x0112, .type = T_SHORT, .nums = { 3 }, .n = 1, .count = 0x40000000 },
		{ .tag = 0x8825, .type = T_LONG, .n = 1, .raw = true, .nums = { 0xFFFFFFF0 } },
	};
	struct t_tiff t;
	struct ca_exif x;

	/* IFD0's next-IFD pointer points back at itself */
	t_build(&t, false, loop0, 1, NULL, 0, NULL, 0, 8);
	read_exif_of(&t, &x);
	ck_assert_str_eq(x.make, "Loop");
	/* the EXIF IFD pointer points back at IFD0 */
	t_build(&t, true, self_exif, 1, NULL, 0, NULL, 0, 0);
	read_exif_of(&t, &x);
	/* offsets past the end, absurd counts */
	t_build(&t, false, far, 4, NULL, 0, NULL, 0, 0);
	read_exif_of(&t, &x);
	ck_assert_str_eq(x.make, "");
	ck_assert_str_eq(x.model, "");
	ck_assert(!x.has_gps);
	/* the TIFF header's first-IFD offset points outside the segment */
	memset(&t, 0, sizeof(t));
	memcpy(t.b, "II*\0\xF0\xFF\xFF\x7F", 8);
	t.len = 16;
	read_exif_of(&t, &x);
	ck_assert(!x.has_exif);
}
END_TEST

/* ---- thumbnails ---- */

static void decode_out(const struct ca_thumb *th, struct ca_rgb_image *img)
{
	ck_assert_int_eq(ca_jpeg_decode_rgb(th->jpeg, th->len, 0, 8, img, NULL, NULL), CA_OK);
	ck_assert_uint_eq(img->width, th->width);
	ck_assert_uint_eq(img->height, th->height);
}

/* Which colour sits near a corner of img: 'R', 'B', 'G' (grey) or '?'. */
static char corner(const struct ca_rgb_image *img, bool right, bool bottom)
{
	unsigned x = right ? img->width - 1 - img->width / 16 : img->width / 16;
	unsigned y = bottom ? img->height - 1 - img->height / 16 : img->height / 16;
	const unsigned char *p = img->px + ((size_t)y * img->width + x) * 3;

	if (p[0] > 180 && p[2] < 80)
		return 'R';
	if (p[2] > 180 && p[0] < 80)
		return 'B';
	if (abs(p[0] - 128) < 20 && abs(p[2] - 128) < 20)
		return 'G';
	return '?';
}

START_TEST(thumb_applies_all_eight_orientations)
{
	/* Where the stored top-left (red) and top-right (blue) corners are seen, per the
	 * EXIF specification's description of each orientation value. */
	static const char *where[9] = { NULL,
		"TL TR", "TR TL", "BR BL", "BL BR", "TL BL", "TR BR", "BR TR", "BL TL" };
	unsigned o;

	for (o = 1; o <= 8; o++) {
		struct t_entry ifd0[] = { { .tag = 0x0112, .type = T_SHORT, .nums = { o }, .n = 1 } };
		struct t_tiff t;
		struct ca_thumb th;
		struct ca_rgb_image img = { 0 };
		unsigned char *px = t_marked_rgb(800, 400, GREY, RED, BLUE);
		size_t jl, len;
		unsigned char *j = t_encode(px, 800, 400, 3, 92, o % 2 == 0, &jl), *k;
		char got[6];
		bool red_right, red_bottom, blue_right, blue_bottom;

		t_build(&t, o % 3 == 0, ifd0, 1, NULL, 0, NULL, 0, 0);
		k = t_with_exif(j, jl, &t, &len);
		ck_assert_int_eq(ca_thumb_make(k, len, NULL, &th, NULL), CA_OK);
		/* 800x400 upright is 300x150; turned (5..8) it is 400x800 → 100x200 */
		ck_assert_uint_eq(th.width, o >= 5 ? 100 : 300);
		ck_assert_uint_eq(th.height, o >= 5 ? 200 : 150);
		decode_out(&th, &img);
		red_right = where[o][1] == 'R';
		red_bottom = where[o][0] == 'B';
		blue_right = where[o][4] == 'R';
		blue_bottom = where[o][3] == 'B';
		got[0] = corner(&img, red_right, red_bottom);
		got[1] = corner(&img, blue_right, blue_bottom);
		got[2] = corner(&img, !red_right, !red_bottom);
		got[3] = '\0';
		ck_assert_msg(strcmp(got, "RBG") == 0, "orientation %u: corners %s", o, got);
		ca_rgb_image_release(&img);
		ca_thumb_release(&th);
		free(k);
		free(j);
		free(px);
	}
}
END_TEST

START_TEST(thumb_keeps_small_images_and_colours)
{
	struct ca_thumb th;
	struct ca_thumb_opts opts;
	struct ca_rgb_image img = { 0 };
	size_t len, i;
	unsigned char *px = t_marked_rgb(120, 80, GREY, GREY, GREY);
	unsigned char *j = t_encode(px, 120, 80, 3, 95, false, &len);

	ck_assert_int_eq(ca_thumb_make(j, len, NULL, &th, NULL), CA_OK);
	ck_assert_uint_eq(th.width, 120);
	ck_assert_uint_eq(th.height, 80);
	decode_out(&th, &img);
	for (i = 0; i < (size_t)img.width * img.height * 3; i++)
		ck_assert_int_le(abs(img.px[i] - 128), 3);
	ca_rgb_image_release(&img);
	ca_thumb_release(&th);

	ca_thumb_opts_init(&opts);
	opts.max_width = 30;
	opts.max_height = 30;
	ck_assert_int_eq(ca_thumb_make(j, len, &opts, &th, NULL), CA_OK);
	ck_assert_uint_eq(th.width, 30);
	ck_assert_uint_eq(th.height, 20);
	ca_thumb_release(&th);
	ca_thumb_release(NULL);

	opts.max_width = 0;
	ck_assert_int_eq(ca_thumb_make(j, len, &opts, &th, NULL), CA_EINVAL);
	opts.max_width = 30;
	opts.quality = 101;
	ck_assert_int_eq(ca_thumb_make(j, len, &opts, &th, NULL), CA_EINVAL);
	opts.quality = 85;
	opts.max_pixels = 100;
	ck_assert_int_eq(ca_thumb_make(j, len, &opts, &th, NULL), CA_IMG_TOO_LARGE);
	free(j);
	free(px);
}
END_TEST

START_TEST(thumb_refuses_damaged_input)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02";
	struct ca_thumb th;
	struct ca_err err;
	size_t len;
	unsigned char *j = plain_jpeg(640, 480, &len);

	ca_err_clear(&err);
	ck_assert_int_eq(ca_thumb_make(png, sizeof(png) - 1, NULL, &th, &err), CA_IMG_NOT_JPEG);
	ck_assert_ptr_null(th.jpeg);
	ck_assert_int_eq(ca_thumb_make(j, len * 2 / 3, NULL, &th, NULL), CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_thumb_make(j, 300, NULL, &th, NULL), CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_thumb_make(j, len, NULL, &th, NULL), CA_OK);
	ca_thumb_release(&th);
	free(j);
}
END_TEST

/* A w×h marked JPEG (red top-left, blue top-right) whose EXIF says Make "Cam" and the
 * orientation o (0: no Orientation tag). malloc'd. */
static unsigned char *oriented_jpeg(unsigned w, unsigned h, unsigned o, bool progressive,
				    size_t *len)
{
	struct t_entry ifd0[] = {
		{ .tag = 0x010F, .type = T_ASCII, .str = "Cam" },
		{ .tag = 0x0112, .type = T_SHORT, .nums = { o }, .n = 1 },
	};
	struct t_tiff t;
	unsigned char *px = t_marked_rgb(w, h, GREY, RED, BLUE);
	size_t jl;
	unsigned char *j = t_encode(px, w, h, 3, 92, progressive, &jl), *k;

	t_build(&t, false, ifd0, o ? 2 : 1, NULL, 0, NULL, 0, 0);
	k = t_with_exif(j, jl, &t, len);
	free(j);
	free(px);
	return k;
}

START_TEST(inspect_reads_frame_exif_and_orientation)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	struct ca_jpeg_inspect in;
	struct ca_err err;
	size_t len, plain_len;
	unsigned char *j = oriented_jpeg(320, 240, 6, false, &len);
	unsigned char *plain = plain_jpeg(200, 100, &plain_len);

	ca_err_clear(&err);
	ck_assert_int_eq(ca_jpeg_inspect(j, len, 0, &in, &err), CA_OK);
	ck_assert_uint_eq(in.info.width, 320);
	ck_assert_uint_eq(in.info.height, 240);
	ck_assert(!in.info.progressive);
	ck_assert(in.exif.has_exif);
	ck_assert_str_eq(in.exif.make, "Cam");
	ck_assert_uint_eq(in.exif.width, 320);   /* the frame's size, as ca_exif_read gives */
	ck_assert_uint_eq(in.exif.height, 240);
	ck_assert_int_eq(in.orientation, 6);

	/* no EXIF: orientation 1, not an error */
	ck_assert_int_eq(ca_jpeg_inspect(plain, plain_len, 0, &in, NULL), CA_OK);
	ck_assert(!in.exif.has_exif);
	ck_assert_int_eq(in.orientation, 1);
	ck_assert_uint_eq(in.exif.width, 200);
	/* the probe's refusals come through */
	ck_assert_int_eq(ca_jpeg_inspect(png, sizeof(png) - 1, 0, &in, NULL), CA_IMG_NOT_JPEG);
	ck_assert_int_eq(in.orientation, 1);
	ck_assert(!in.exif.has_exif);
	ck_assert_int_eq(ca_jpeg_inspect(j, len, 320 * 240 - 1, &in, NULL), CA_IMG_TOO_LARGE);
	ck_assert_int_eq(ca_jpeg_inspect(j, 40, 0, &in, NULL), CA_IMG_CORRUPT);
	free(plain);
	free(j);
}
END_TEST

START_TEST(inspect_takes_damaged_exif_as_absent)
{
	struct ca_jpeg_inspect in;
	size_t len, i;
	unsigned char *j = oriented_jpeg(320, 240, 3, false, &len);

	/* break the TIFF header right after "Exif\0\0" */
	for (i = 0; i + 6 < len && memcmp(j + i, "Exif\0\0", 6) != 0; i++)
		;
	ck_assert_uint_lt(i + 10, len);
	memcpy(j + i + 6, "XX", 2);
	ck_assert_int_eq(ca_jpeg_inspect(j, len, 0, &in, NULL), CA_OK);
	ck_assert(!in.exif.has_exif);
	ck_assert_int_eq(in.orientation, 1);
	ck_assert_uint_eq(in.info.width, 320);
	free(j);
}
END_TEST

START_TEST(thumb_set_makes_every_size_from_one_inspect)
{
	/* 1600x1200 turned upright (6) is 1200x1600: the thumbnail 150x200, the grid image
	 * 300x400 (the grid image needs the 2/8 decode, the thumbnail alone 1/8) */
	const struct ca_thumb_box boxes[2] = {
		{ 300, 200 }, { CA_THUMB_GRID_WIDTH, CA_THUMB_GRID_HEIGHT } };
	struct ca_thumb_opts opts;
	struct ca_jpeg_inspect in;
	struct ca_thumb set[2], alone;
	struct ca_rgb_image img = { 0 };
	size_t len, i;
	unsigned char *j = oriented_jpeg(1600, 1200, 6, false, &len);

	ck_assert_int_eq(ca_jpeg_inspect(j, len, 0, &in, NULL), CA_OK);
	ck_assert_int_eq(ca_thumb_make_set(j, len, &in, NULL, boxes, 2, set, NULL), CA_OK);
	ck_assert_uint_eq(set[0].width, 150);
	ck_assert_uint_eq(set[0].height, 200);
	ck_assert_uint_eq(set[1].width, 300);
	ck_assert_uint_eq(set[1].height, 400);
	for (i = 0; i < 2; i++) {
		/* upright: the stored top-left (red) is now top-right, top-right (blue) bottom-right */
		decode_out(&set[i], &img);
		ck_assert_int_eq(corner(&img, true, false), 'R');
		ck_assert_int_eq(corner(&img, true, true), 'B');
		ck_assert_int_eq(corner(&img, false, false), 'G');
		ca_rgb_image_release(&img);
	}
	/* the grid image decides the decode, so it is the very image made on its own */
	ca_thumb_opts_init(&opts);
	opts.max_width = CA_THUMB_GRID_WIDTH;
	opts.max_height = CA_THUMB_GRID_HEIGHT;
	ck_assert_int_eq(ca_thumb_make(j, len, &opts, &alone, NULL), CA_OK);
	ck_assert_uint_eq(alone.len, set[1].len);
	ck_assert(memcmp(alone.jpeg, set[1].jpeg, alone.len) == 0);
	ca_thumb_release(&alone);
	/* one box alone is ca_thumb_make's thumbnail, byte for byte */
	ck_assert_int_eq(ca_thumb_make(j, len, NULL, &alone, NULL), CA_OK);
	ca_thumb_release(&set[0]);
	ca_thumb_release(&set[1]);
	ck_assert_int_eq(ca_thumb_make_set(j, len, &in, NULL, boxes, 1, set, NULL), CA_OK);
	ck_assert_uint_eq(alone.len, set[0].len);
	ck_assert(memcmp(alone.jpeg, set[0].jpeg, alone.len) == 0);
	ca_thumb_release(&alone);
	ca_thumb_release(&set[0]);
	free(j);
}
END_TEST

START_TEST(thumb_set_checks_boxes_and_the_scan_budget)
{
	const struct ca_thumb_box boxes[2] = { { 300, 200 }, { 0, 400 } };
	struct ca_thumb_opts opts;
	struct ca_jpeg_inspect in;
	struct ca_thumb set[2];
	struct ca_err err;
	size_t len;
	unsigned char *j = oriented_jpeg(640, 480, 1, true, &len);

	ck_assert_int_eq(ca_jpeg_inspect(j, len, 0, &in, NULL), CA_OK);
	ck_assert(in.info.progressive);
	ck_assert_int_eq(ca_thumb_make_set(j, len, &in, NULL, boxes, 0, set, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_thumb_make_set(j, len, &in, NULL, boxes, 2, set, NULL), CA_EINVAL);
	ck_assert_ptr_null(set[0].jpeg);
	ck_assert_ptr_null(set[1].jpeg);
	/* a progressive file over the pixels × scans budget is refused before decoding */
	ca_thumb_opts_init(&opts);
	opts.max_scan_pixels = 640 * 480;
	ca_err_clear(&err);
	ck_assert_int_eq(ca_thumb_make_set(j, len, &in, &opts, boxes, 1, set, &err),
			 CA_IMG_TOO_COMPLEX);
	ck_assert_ptr_null(set[0].jpeg);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "scans"));
	opts.max_scan_pixels = 0;
	ck_assert_int_eq(ca_thumb_make_set(j, len, &in, &opts, boxes, 1, set, NULL), CA_OK);
	ck_assert_uint_eq(set[0].width, 267);
	ck_assert_uint_eq(set[0].height, 200);
	ca_thumb_release(&set[0]);
	/* damaged image data fails the set and leaves every image empty */
	ck_assert_int_eq(ca_jpeg_inspect(j, len * 2 / 3, 0, &in, NULL), CA_OK);
	ck_assert_int_ne(ca_thumb_make_set(j, len * 2 / 3, &in, NULL, boxes, 1, set, NULL), CA_OK);
	ck_assert_ptr_null(set[0].jpeg);
	free(j);
}
END_TEST

START_TEST(resample_averages_and_checks_arguments)
{
	struct ca_rgb_image src = { 0 }, dst = { 0 };
	unsigned x, y;

	/* a 1-pixel checkerboard of black and white reduces to mid grey, not to moiré */
	src.width = 64;
	src.height = 64;
	src.px = malloc(64 * 64 * 3);
	for (y = 0; y < 64; y++)
		for (x = 0; x < 64; x++)
			memset(src.px + (y * 64 + x) * 3, (x + y) % 2 ? 255 : 0, 3);
	ck_assert_int_eq(ca_resample_rgb(&src, 64, 64, 10, 7, &dst, NULL), CA_OK);
	ck_assert_uint_eq(dst.width, 10);
	ck_assert_uint_eq(dst.height, 7);
	for (x = 0; x < 10 * 7 * 3; x++)
		ck_assert_int_le(abs(dst.px[x] - 128), 12);
	ca_rgb_image_release(&dst);
	ck_assert_int_eq(ca_resample_rgb(&src, 65, 64, 10, 7, &dst, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_resample_rgb(&src, 64, 64, 0, 7, &dst, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_resample_rgb(&src, 0, 64, 10, 7, &dst, NULL), CA_EINVAL);
	ck_assert_ptr_null(dst.px);
	ca_rgb_image_release(&src);
}
END_TEST

static struct ca_rgb_image noise_image(unsigned w, unsigned h, unsigned seed)
{
	struct ca_rgb_image img = { .px = malloc((size_t)w * h * 3), .width = w, .height = h };
	size_t i;

	for (i = 0; i < (size_t)w * h * 3; i++) {
		seed = seed * 1103515245u + 12345u;
		img.px[i] = (unsigned char)(64 + (seed >> 25));  /* no pass overshoots 0..255 */
	}
	return img;
}

static struct ca_rgb_image transposed(const struct ca_rgb_image *a)
{
	struct ca_rgb_image t = { .px = malloc((size_t)a->width * a->height * 3),
				   .width = a->height, .height = a->width };
	unsigned x, y;

	for (y = 0; y < a->height; y++)
		for (x = 0; x < a->width; x++)
			memcpy(t.px + ((size_t)x * t.width + y) * 3, a->px + ((size_t)y * a->width + x) * 3, 3);
	return t;
}

START_TEST(resample_rows_and_columns_agree)
{
	/* the column pass and the row pass are separate code (SIMD where there is SIMD):
	 * reducing an image and reducing its transpose must give transposed results, up to
	 * the rounding of the pass done first; and a flat image stays exactly flat */
	static const unsigned sizes[][4] = { { 500, 375, 267, 200 }, { 37, 91, 5, 30 },
					     { 16, 16, 15, 3 }, { 1, 40, 1, 7 }, { 333, 2, 100, 1 } };
	size_t i, k;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const unsigned *z = sizes[i];
		struct ca_rgb_image a = noise_image(z[0], z[1], (unsigned)i), at = transposed(&a);
		struct ca_rgb_image r = { 0 }, rt = { 0 }, back;

		ck_assert_int_eq(ca_resample_rgb(&a, z[0], z[1], z[2], z[3], &r, NULL), CA_OK);
		ck_assert_int_eq(ca_resample_rgb(&at, z[1], z[0], z[3], z[2], &rt, NULL), CA_OK);
		back = transposed(&rt);
		ck_assert_uint_eq(back.width, r.width);
		ck_assert_uint_eq(back.height, r.height);
		for (k = 0; k < (size_t)r.width * r.height * 3; k++)
			ck_assert_msg(abs(r.px[k] - back.px[k]) <= 2, "%ux%u: byte %zu: %d vs %d",
				      z[0], z[1], k, r.px[k], back.px[k]);
		memset(a.px, 77, (size_t)z[0] * z[1] * 3);
		ca_rgb_image_release(&r);
		ck_assert_int_eq(ca_resample_rgb(&a, z[0], z[1], z[2], z[3], &r, NULL), CA_OK);
		for (k = 0; k < (size_t)r.width * r.height * 3; k++)
			ck_assert_int_eq(r.px[k], 77);
		ca_rgb_image_release(&a);
		ca_rgb_image_release(&at);
		ca_rgb_image_release(&r);
		ca_rgb_image_release(&rt);
		ca_rgb_image_release(&back);
	}
}
END_TEST

START_TEST(encode_checks_arguments)
{
	struct ca_rgb_image img = { 0 };
	unsigned char *out = (unsigned char *)"x";
	size_t len = 5;

	ck_assert_int_eq(ca_jpeg_encode_rgb(&img, 85, &out, &len, NULL), CA_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	img.width = img.height = 2;
	img.px = calloc(1, 12);
	ck_assert_int_eq(ca_jpeg_encode_rgb(&img, 0, &out, &len, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_jpeg_encode_rgb(&img, 85, &out, &len, NULL), CA_OK);
	ck_assert_uint_gt(len, 100);
	ck_assert(out[0] == 0xFF && out[1] == 0xD8 && out[len - 2] == 0xFF && out[len - 1] == 0xD9);
	free(out);
	ca_rgb_image_release(&img);
}
END_TEST

/* Offsets of every SOS marker in a JPEG (scan boundaries), up to max. */
static size_t find_scans(const unsigned char *j, size_t len, size_t *at, size_t max)
{
	size_t i, n = 0;

	for (i = 2; i + 1 < len && n < max; i++)
		if (j[i] == 0xFF && j[i + 1] == 0xDA)
			at[n++] = i;
	return n;
}

START_TEST(progressive_scan_flood_is_refused)
{
	struct ca_rgb_image img = { 0 };
	size_t len, scans[64], n, piece, i, o;
	unsigned char *px = t_marked_rgb(64, 64, GREY, RED, BLUE);
	unsigned char *j = t_encode(px, 64, 64, 3, 90, true, &len), *flood;
	clock_t t0;

	ck_assert_int_eq(ca_jpeg_decode_rgb(j, len, 0, 8, &img, NULL, NULL), CA_OK);
	ca_rgb_image_release(&img);
	n = find_scans(j, len, scans, 64);
	ck_assert_uint_ge(n, 3);
	/* repeat the second scan 1000 times: a classic progressive-JPEG CPU bomb */
	piece = scans[2] - scans[1];
	flood = malloc(len + piece * 1000);
	memcpy(flood, j, scans[2]);
	o = scans[2];
	for (i = 0; i < 1000; i++, o += piece)
		memcpy(flood + o, j + scans[1], piece);
	memcpy(flood + o, j + scans[2], len - scans[2]);
	o += len - scans[2];
	t0 = clock();
	ck_assert_int_eq(ca_jpeg_decode_rgb(flood, o, 0, 8, &img, NULL, NULL), CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_jpeg_validate(flood, o, 0, NULL, NULL), CA_IMG_CORRUPT);
	ck_assert((clock() - t0) < 2 * CLOCKS_PER_SEC);
	free(flood);
	free(j);
	free(px);
}
END_TEST

START_TEST(files_read_capped_and_written_whole)
{
	char dir[] = "/tmp/ca-image-test-XXXXXX", path[128], missing[160];
	unsigned char *data = NULL;
	size_t len = 0;
	struct ca_err err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.jpg", dir);
	snprintf(missing, sizeof(missing), "%s/no/such/t.jpg", dir);
	ck_assert_int_eq(ca_img_file_write(path, (const unsigned char *)"0123456789", 10, NULL), CA_OK);
	ck_assert_int_eq(ca_img_file_read(path, 0, &data, &len, NULL), CA_OK);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(data, "0123456789", 10);
	free(data);
	ck_assert_int_eq(ca_img_file_read(path, 9, &data, &len, NULL), CA_ERANGE);
	ck_assert_ptr_null(data);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(ca_img_file_read(path, 10, &data, &len, NULL), CA_OK);
	free(data);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_img_file_read(missing, 0, &data, &len, &err), CA_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "no/such"));
	ck_assert_int_eq(ca_img_file_write(missing, data, 0, NULL), CA_EIO);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fit_follows_pillow_rounding);
	tcase_add_test(tc, scale_picks_smallest_at_or_above);
	tcase_add_test(tc, probe_reads_frame_and_refuses_others);
	tcase_add_test(tc, probe_refuses_bombs_and_bad_frames);
	tcase_add_test(tc, validate_finds_truncation_and_damage);
	tcase_add_test(tc, decode_converts_grey_and_cmyk);
	tcase_add_test(tc, exif_reads_every_field_both_byte_orders);
	tcase_add_test(tc, exif_absent_or_unreadable_is_not_an_error);
	tcase_add_test(tc, exif_refuses_implausible_values);
	tcase_add_test(tc, exif_gps_edge_cases);
	tcase_add_test(tc, exif_hostile_offsets_counts_and_loops);
	tcase_add_test(tc, thumb_applies_all_eight_orientations);
	tcase_add_test(tc, thumb_keeps_small_images_and_colours);
	tcase_add_test(tc, thumb_refuses_damaged_input);
	tcase_add_test(tc, inspect_reads_frame_exif_and_orientation);
	tcase_add_test(tc, inspect_takes_damaged_exif_as_absent);
	tcase_add_test(tc, thumb_set_makes_every_size_from_one_inspect);
	tcase_add_test(tc, thumb_set_checks_boxes_and_the_scan_budget);
	tcase_add_test(tc, resample_averages_and_checks_arguments);
	tcase_add_test(tc, resample_rows_and_columns_agree);
	tcase_add_test(tc, encode_checks_arguments);
	tcase_add_test(tc, progressive_scan_flood_is_refused);
	tcase_add_test(tc, files_read_capped_and_written_whole);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
