#include "image/exif.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

#include "image/jpeg_inspect.h"
#include "util/banned.h"

/* An APP1 payload is at most 65533 bytes; anything longer was not cut from a JPEG. */
#define EXIF_SEGMENT_MAX 65533

void ca_exif_clear(struct ca_exif *out)
{
	memset(out, 0, sizeof(*out));
}

static ExifEntry *entry_in(ExifData *d, ExifIfd ifd, ExifTag tag)
{
	return d->ifd[ifd] ? exif_content_get_entry(d->ifd[ifd], tag) : NULL;
}

/* Length of the valid UTF-8 sequence at s (not past end), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2; cp = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3; cp = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4; cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if ((size_t)(end - s) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

/* Copies an ASCII entry as printable UTF-8: control bytes and invalid sequences
 * become '?', the copy is cut at a character boundary, trailing blanks removed. */
static void copy_text(ExifEntry *e, char *dst, size_t cap)
{
	const unsigned char *s, *end;
	size_t o = 0;

	dst[0] = '\0';
	if (!e || !e->data || e->format != EXIF_FORMAT_ASCII)
		return;
	s = e->data;
	end = s + e->size;
	while (s < end && *s) {
		size_t n = utf8_seq(s, end);

		if (n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7F))) {
			if (o + 1 >= cap)
				break;
			dst[o++] = '?';
			s += n ? n : 1;
			continue;
		}
		if (o + n >= cap)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* The first value of a SHORT or LONG entry, or 0. */
static unsigned long entry_uint(ExifEntry *e, ExifByteOrder bo)
{
	if (!e || !e->data || e->components < 1)
		return 0;
	if (e->format == EXIF_FORMAT_SHORT && e->size >= 2)
		return exif_get_short(e->data, bo);
	if (e->format == EXIF_FORMAT_LONG && e->size >= 4)
		return exif_get_long(e->data, bo);
	return 0;
}

static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* "YYYY:MM:DD HH:MM:SS" (dashes also accepted in the date) → "YYYY-MM-DD HH:MM:SS". */
static void copy_date(ExifEntry *e, char out[20])
{
	char s[20];
	int y, mo, d, h, mi, se;

	out[0] = '\0';
	if (!e || !e->data || e->format != EXIF_FORMAT_ASCII || e->size < 19)
		return;
	memcpy(s, e->data, 19);
	s[19] = '\0';
	if (e->size > 19 && e->data[19] != '\0' && e->data[19] != ' ')
		return;
	if ((s[4] != ':' && s[4] != '-') || s[7] != s[4] || s[10] != ' ' || s[13] != ':' || s[16] != ':')
		return;
	y = digits(s, 4); mo = digits(s + 5, 2); d = digits(s + 8, 2);
	h = digits(s + 11, 2); mi = digits(s + 14, 2); se = digits(s + 17, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
		return;
	snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, se);
}

/* Degrees from 1..3 rationals (degrees, minutes, seconds); false when implausible. */
static bool gps_degrees(ExifEntry *e, ExifByteOrder bo, double max_deg, double *out)
{
	double part[3] = { 0, 0, 0 };
	unsigned long i, n;

	if (!e || !e->data || e->format != EXIF_FORMAT_RATIONAL ||
	    e->components < 1 || e->components > 3 || e->size < e->components * 8)
		return false;
	n = e->components;
	for (i = 0; i < n; i++) {
		ExifRational r = exif_get_rational(e->data + 8 * i, bo);

		if (r.denominator == 0) {
			if (i == 0 || r.numerator != 0)
				return false;
			continue; /* 0/0 for unused minutes or seconds */
		}
		part[i] = (double)r.numerator / (double)r.denominator;
	}
	if (part[0] > max_deg || part[1] >= 60.0 || part[2] >= 60.0)
		return false;
	*out = part[0] + part[1] / 60.0 + part[2] / 3600.0;
	return isfinite(*out) && *out <= max_deg;
}

static char gps_ref(ExifEntry *e, char pos, char neg)
{
	char c;

	if (!e || !e->data || e->size < 1 || e->format != EXIF_FORMAT_ASCII)
		return 0;
	c = (char)e->data[0];
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	return c == pos || c == neg ? c : 0;
}

static void read_gps(ExifData *d, ExifByteOrder bo, struct ca_exif *out)
{
	double lat, lng;
	char lat_ref, lng_ref;

	lat_ref = gps_ref(entry_in(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF), 'N', 'S');
	lng_ref = gps_ref(entry_in(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF), 'E', 'W');
	if (!lat_ref || !lng_ref)
		return;
	if (!gps_degrees(entry_in(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE), bo, 90.0, &lat) ||
	    !gps_degrees(entry_in(d, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE), bo, 180.0, &lng))
		return;
	out->has_gps = true;
	out->latitude = lat_ref == 'S' ? -lat : lat;
	out->longitude = lng_ref == 'W' ? -lng : lng;
	out->latitude_ref = lat_ref;
	out->longitude_ref = lng_ref;
}

static bool has_any_entry(ExifData *d)
{
	int i;

	for (i = 0; i < EXIF_IFD_COUNT; i++)
		if (d->ifd[i] && d->ifd[i]->count > 0)
			return true;
	return false;
}

int ca_exif_parse(const unsigned char *seg, size_t len, struct ca_exif *out, struct ca_err *err)
{
	ExifData *d = NULL;
	ExifByteOrder bo;
	unsigned long v;
	int rc = CA_OK;

	ca_exif_clear(out);
	if (!seg || len < 14 || len > EXIF_SEGMENT_MAX || memcmp(seg, "Exif\0\0", 6) != 0 ||
	    !(memcmp(seg + 6, "II*\0", 4) == 0 || memcmp(seg + 6, "MM\0*", 4) == 0))
		return ca_err_set(err, CA_IMG_EXIF, "The EXIF segment has no valid EXIF/TIFF header.");
	d = exif_data_new();
	if (!d)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading EXIF data.");
	/* Report only what the file holds: no spec-mandated defaults filled in. */
	exif_data_unset_option(d, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(d, seg, (unsigned int)len);
	if (!has_any_entry(d)) {
		rc = ca_err_set(err, CA_IMG_EXIF, "The EXIF segment holds no readable entries.");
		goto out;
	}
	bo = exif_data_get_byte_order(d);
	out->has_exif = true;
	copy_text(entry_in(d, EXIF_IFD_0, EXIF_TAG_MAKE), out->make, sizeof(out->make));
	copy_text(entry_in(d, EXIF_IFD_0, EXIF_TAG_MODEL), out->model, sizeof(out->model));
	v = entry_uint(entry_in(d, EXIF_IFD_0, EXIF_TAG_ORIENTATION), bo);
	out->orientation = v >= 1 && v <= 8 ? (int)v : 0;
	copy_date(entry_in(d, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL), out->taken);
	v = entry_uint(entry_in(d, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION), bo);
	out->exif_width = v <= 1000000 ? (unsigned)v : 0;
	v = entry_uint(entry_in(d, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION), bo);
	out->exif_height = v <= 1000000 ? (unsigned)v : 0;
	if (!out->exif_width || !out->exif_height)
		out->exif_width = out->exif_height = 0;
	read_gps(d, bo, out);
out:
	exif_data_unref(d);
	return rc;
}

int ca_exif_read(const unsigned char *data, size_t len, uint64_t max_pixels,
		 struct ca_exif *out, struct ca_err *err)
{
	struct ca_jpeg_inspect jpeg;
	int rc = ca_jpeg_inspect(data, len, max_pixels, &jpeg, err);

	*out = jpeg.exif;
	if (rc)
		ca_exif_clear(out);
	return rc;
}
