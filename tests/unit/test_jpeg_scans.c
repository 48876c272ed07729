/* A JPEG's decode work counted from its markers (lib/image/jpeg_scans.c): baseline and
 * progressive files made by libjpeg itself, a many-scan script, and hostile layouts. */
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>
#include <stdio.h>

#include <jpeglib.h>

#include "check_ca.h"
#include "image/jpeg_scans.h"

static unsigned char *grey_px(unsigned w, unsigned h)
{
	unsigned char *px = malloc((size_t)w * h);
	size_t i;

	for (i = 0; i < (size_t)w * h; i++)
		px[i] = (unsigned char)(i * 7);
	return px;
}

/* A grey progressive JPEG of one DC scan and, per AC coefficient 1..bands, scans at
 * Al = max_al down to 0: 1 + bands * (max_al + 1) scans, written by libjpeg. */
static unsigned char *many_scans(unsigned w, unsigned h, int bands, int max_al, size_t *len,
				 int *nscans)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	jpeg_scan_info *scans = calloc((size_t)(1 + bands * (max_al + 1)), sizeof(*scans));
	unsigned char *px = grey_px(w, h), *out = NULL;
	unsigned long out_len = 0;
	int n = 0, k, al;
	unsigned y;

	scans[n].comps_in_scan = 1;
	scans[n++].Se = 0;
	for (k = 1; k <= bands; k++)
		for (al = max_al; al >= 0; al--, n++) {
			scans[n].comps_in_scan = 1;
			scans[n].Ss = scans[n].Se = k;
			scans[n].Ah = al == max_al ? 0 : al + 1;
			scans[n].Al = al;
		}
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &out_len);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = 1;
	ci.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&ci);
	ci.scan_info = scans;
	ci.num_scans = n;
	jpeg_start_compress(&ci, TRUE);
	for (y = 0; y < h; y++) {
		JSAMPROW row = px + (size_t)y * w;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	free(scans);
	free(px);
	*len = out_len;
	*nscans = n;
	return out;
}

/* An RGB JPEG (libjpeg's defaults: 4:2:0), baseline or in libjpeg's simple progression. */
static unsigned char *rgb(unsigned w, unsigned h, bool progressive, size_t *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *px = malloc((size_t)w * h * 3), *out = NULL;
	unsigned long out_len = 0;
	unsigned y;
	size_t i;

	for (i = 0; i < (size_t)w * h * 3; i++)
		px[i] = (unsigned char)(i * 13);
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &out_len);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	if (progressive)
		jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	for (y = 0; y < h; y++) {
		JSAMPROW row = px + (size_t)y * w * 3;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	free(px);
	*len = out_len;
	return out;
}

START_TEST(baseline_is_one_scan_of_its_pixels)
{
	size_t len;
	unsigned char *j = rgb(64, 48, false, &len);
	unsigned scans;
	uint64_t work;

	ck_assert_int_eq(ca_jpeg_scan_work(j, len, &scans, &work, NULL), CA_OK);
	ck_assert_uint_eq(scans, 1);
	/* 4:2:0: Y at full size, Cb and Cr at a quarter */
	ck_assert_uint_eq(work, 64 * 48 + 2 * 32 * 24);
	ck_assert_int_eq(ca_jpeg_check_work(j, len, 0, NULL), CA_OK);
	free(j);
}
END_TEST

START_TEST(simple_progression_counts_each_scan)
{
	size_t len;
	unsigned char *j = rgb(64, 48, true, &len);
	unsigned scans;
	uint64_t work;

	ck_assert_int_eq(ca_jpeg_scan_work(j, len, &scans, &work, NULL), CA_OK);
	/* libjpeg's simple progression: Y in 6 scans, Cb and Cr in 4 each */
	ck_assert_uint_eq(scans, 10);
	ck_assert_uint_eq(work, 6 * 64 * 48 + 8 * 32 * 24);
	free(j);
}
END_TEST

START_TEST(many_scans_go_over_the_budget)
{
	size_t len;
	int n;
	unsigned char *j = many_scans(256, 128, 63, 6, &len, &n);
	unsigned scans;
	uint64_t work;
	struct ca_err err;

	ck_assert_int_eq(ca_jpeg_scan_work(j, len, &scans, &work, NULL), CA_OK);
	ck_assert_uint_eq(scans, (unsigned)n);
	ck_assert_uint_eq(work, (uint64_t)n * 256 * 128);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_jpeg_check_work(j, len, work - 1, &err), CA_IMG_TOO_COMPLEX);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "442 scans"));
	ck_assert_int_eq(ca_jpeg_check_work(j, len, work, NULL), CA_OK);
	free(j);
}
END_TEST

START_TEST(hostile_layouts_are_corrupt_or_counted_safely)
{
	static const unsigned char sos_first[] = { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01,
						   0x00, 0x00, 0x3F, 0x00, 0xFF, 0xD9 };
	static const unsigned char runs_past[] = { 0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00, 'E' };
	static const unsigned char not_jpeg[] = { 'G', 'I', 'F', '8' };
	size_t len, i;
	unsigned char *j = rgb(64, 48, true, &len);
	unsigned scans;
	uint64_t work;

	ck_assert_int_eq(ca_jpeg_scan_work(sos_first, sizeof(sos_first), &scans, &work, NULL),
			 CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_jpeg_scan_work(runs_past, sizeof(runs_past), &scans, &work, NULL),
			 CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_jpeg_scan_work(not_jpeg, sizeof(not_jpeg), &scans, &work, NULL),
			 CA_IMG_CORRUPT);
	ck_assert_int_eq(ca_jpeg_scan_work(NULL, 0, &scans, &work, NULL), CA_IMG_CORRUPT);
	/* every truncation either fails or counts no more than the whole file */
	for (i = 2; i < len; i += 7) {
		int rc = ca_jpeg_scan_work(j, i, &scans, &work, NULL);

		ck_assert(rc == CA_OK || rc == CA_IMG_CORRUPT);
		if (rc == CA_OK)
			ck_assert_uint_le(scans, 10);
	}
	/* a scan naming a component the frame lacks */
	for (i = 2; i + 5 < len; i++)
		if (j[i] == 0xFF && j[i + 1] == 0xDA) {
			j[i + 5] = 0x77;
			break;
		}
	ck_assert_int_eq(ca_jpeg_scan_work(j, len, &scans, &work, NULL), CA_IMG_CORRUPT);
	free(j);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("jpeg_scans");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, baseline_is_one_scan_of_its_pixels);
	tcase_add_test(tc, simple_progression_counts_each_scan);
	tcase_add_test(tc, many_scans_go_over_the_budget);
	tcase_add_test(tc, hostile_layouts_are_corrupt_or_counted_safely);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
