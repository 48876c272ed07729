#include "image/synth_jpeg.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <libexif/exif-data.h>

#include "util/banned.h"

/* splitmix64: a small, good, seedable generator (deterministic output per seed). */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static ExifEntry *add_entry(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt,
			    unsigned long components)
{
	ExifMem *mem = exif_mem_new_default();
	ExifEntry *e = exif_entry_new_mem(mem);
	unsigned int size = exif_format_get_size(fmt) * (unsigned int)components;

	if (!e)
		goto out;
	e->data = exif_mem_alloc(mem, size);
	if (!e->data) {
		exif_entry_unref(e);
		e = NULL;
		goto out;
	}
	e->tag = tag;
	e->format = fmt;
	e->components = components;
	e->size = size;
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e); /* the IFD holds the reference now */
out:
	exif_mem_unref(mem);
	return e;
}

static int add_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
	size_t n = strlen(s) + 1;
	ExifEntry *e = add_entry(ed, ifd, tag, EXIF_FORMAT_ASCII, n);

	if (!e)
		return CA_ENOMEM;
	memcpy(e->data, s, n);
	return CA_OK;
}

static int add_short(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned v)
{
	ExifEntry *e = add_entry(ed, ifd, tag, EXIF_FORMAT_SHORT, 1);

	if (!e)
		return CA_ENOMEM;
	exif_set_short(e->data, exif_data_get_byte_order(ed), (ExifShort)v);
	return CA_OK;
}

static int add_long(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned long v)
{
	ExifEntry *e = add_entry(ed, ifd, tag, EXIF_FORMAT_LONG, 1);

	if (!e)
		return CA_ENOMEM;
	exif_set_long(e->data, exif_data_get_byte_order(ed), (ExifLong)v);
	return CA_OK;
}

/* Degrees as three rationals: d/1, m/1, s*10000/10000. */
static int add_dms(ExifData *ed, ExifTag tag, double deg)
{
	ExifEntry *e = add_entry(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 3);
	ExifByteOrder bo = exif_data_get_byte_order(ed);
	double a = fabs(deg), m, s;
	ExifRational r[3];
	int i;

	if (!e)
		return CA_ENOMEM;
	m = (a - floor(a)) * 60.0;
	s = (m - floor(m)) * 60.0;
	r[0].numerator = (ExifLong)floor(a);
	r[0].denominator = 1;
	r[1].numerator = (ExifLong)floor(m);
	r[1].denominator = 1;
	r[2].numerator = (ExifLong)llround(s * 10000.0);
	r[2].denominator = 10000;
	for (i = 0; i < 3; i++)
		exif_set_rational(e->data + 8 * i, bo, r[i]);
	return CA_OK;
}

static int build_exif(const struct synth_exif *x, int width, int height,
		      unsigned char **out, unsigned int *out_len)
{
	ExifData *ed = exif_data_new();
	int rc = CA_ENOMEM;

	*out = NULL;
	if (!ed)
		return CA_ENOMEM;
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	exif_data_set_data_type(ed, EXIF_DATA_TYPE_COMPRESSED);
	if ((x->make && add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, x->make)) ||
	    (x->model && add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, x->model)) ||
	    (x->orientation && add_short(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, (unsigned)x->orientation)) ||
	    (x->taken && add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, x->taken)) ||
	    add_long(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION, (unsigned long)width) ||
	    add_long(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION, (unsigned long)height))
		goto out;
	if (x->has_gps) {
		ExifEntry *v = add_entry(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE, 4);

		if (!v)
			goto out;
		memcpy(v->data, "\2\3\0\0", 4);
		if (add_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, x->lat < 0 ? "S" : "N") ||
		    add_dms(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, x->lat) ||
		    add_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, x->lng < 0 ? "W" : "E") ||
		    add_dms(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, x->lng))
			goto out;
	}
	exif_data_save_data(ed, out, out_len);
	rc = *out ? CA_OK : CA_ENOMEM;
out:
	exif_data_unref(ed);
	return rc;
}

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jmp;
};

static void on_jpeg_error(j_common_ptr cinfo)
{
	longjmp(((struct jerr *)cinfo->err)->jmp, 1);
}

/* A soft diagonal gradient in two seeded colours with a few seeded discs. */
static void draw_row(uint64_t seed, int width, int height, int y, unsigned char *row)
{
	uint64_t s = seed;
	unsigned c0 = (unsigned)mix(&s), c1 = (unsigned)mix(&s);
	int discs[4][3];
	int i, x;

	for (i = 0; i < 4; i++) {
		discs[i][0] = (int)(mix(&s) % (uint64_t)width);
		discs[i][1] = (int)(mix(&s) % (uint64_t)height);
		discs[i][2] = 1 + (int)(mix(&s) % (uint64_t)(1 + (width < height ? width : height) / 4));
	}
	for (x = 0; x < width; x++) {
		double t = (double)(x + y) / (double)(width + height);
		int ch;

		for (ch = 0; ch < 3; ch++) {
			double a = (c0 >> (8 * ch)) & 255, b = (c1 >> (8 * ch)) & 255;
			row[3 * x + ch] = (unsigned char)(a + (b - a) * t);
		}
		for (i = 0; i < 4; i++) {
			long dx = x - discs[i][0], dy = y - discs[i][1];
			if (dx * dx + dy * dy < (long)discs[i][2] * discs[i][2]) {
				row[3 * x + i % 3] = (unsigned char)(255 - row[3 * x + i % 3]);
				row[3 * x + (i + 1) % 3] ^= 0x40;
			}
		}
	}
}

int synth_jpeg(uint64_t seed, int width, int height, int quality, const struct synth_exif *exif,
	       unsigned char **out, size_t *out_len, struct ca_err *err)
{
	struct jpeg_compress_struct cinfo;
	struct jerr jerr;
	unsigned char *volatile row = NULL;
	unsigned char *volatile app1 = NULL;
	unsigned char *mem = NULL;
	unsigned long mem_len = 0;
	unsigned int app1_len = 0;
	int rc = CA_OK;

	*out = NULL;
	*out_len = 0;
	if (width < 1 || height < 1 || width > 16384 || height > 16384)
		return ca_err_set(err, CA_EINVAL, "image size %dx%d is outside 1..16384", width, height);
	if (exif && (rc = build_exif(exif, width, height, (unsigned char **)&app1, &app1_len)))
		return ca_err_set(err, rc, "could not build the EXIF block");
	if (app1_len > 65533) {
		free(app1);
		return ca_err_set(err, CA_ERANGE, "EXIF block of %u bytes does not fit in APP1", app1_len);
	}
	row = malloc((size_t)width * 3);
	if (!row) {
		free(app1);
		return ca_err_set(err, CA_ENOMEM, "out of memory for a %d-pixel row", width);
	}
	cinfo.err = jpeg_std_error(&jerr.mgr);
	jerr.mgr.error_exit = on_jpeg_error;
	if (setjmp(jerr.jmp)) {
		jpeg_destroy_compress(&cinfo);
		free(mem);
		free(row);
		free(app1);
		return ca_err_set(err, CA_IMG_CORRUPT, "libjpeg failed while encoding");
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &mem, &mem_len);
	cinfo.image_width = (JDIMENSION)width;
	cinfo.image_height = (JDIMENSION)height;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	cinfo.write_JFIF_header = app1 ? FALSE : TRUE;
	jpeg_start_compress(&cinfo, TRUE);
	if (app1)
		jpeg_write_marker(&cinfo, JPEG_APP0 + 1, app1, app1_len);
	while (cinfo.next_scanline < cinfo.image_height) {
		JSAMPROW r = row;
		draw_row(seed, width, height, (int)cinfo.next_scanline, row);
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(row);
	free(app1);
	*out = mem;
	*out_len = mem_len;
	return CA_OK;
}
