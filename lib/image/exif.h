/*
 * exif.h — the EXIF fields CloudAlbum keeps (camera, size, date taken, orientation,
 * GPS position), read with libexif from untrusted JPEGs.
 *
 * A struct ca_exif holds no heap memory: its strings are fixed arrays, so it can be
 * copied freely and there is nothing to release. A field that is absent, malformed or
 * implausible (a date of month 13, a latitude of 95°, a rational over zero) is reported
 * as absent; damaged EXIF never fails the read of an otherwise good JPEG.
 */
#ifndef CA_IMAGE_EXIF_H
#define CA_IMAGE_EXIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define CA_EXIF_TEXT_MAX 128  /* make and model are cut (at a character boundary) to fit */

struct ca_exif {
	bool has_exif;                 /* an EXIF segment was found and libexif could read it */
	char make[CA_EXIF_TEXT_MAX];   /* "" when absent; printable UTF-8, trailing blanks cut */
	char model[CA_EXIF_TEXT_MAX];
	unsigned width, height;        /* the JPEG frame size (ca_exif_read), else 0 */
	unsigned exif_width, exif_height; /* PixelXDimension/PixelYDimension, 0 when absent */
	char taken[20];                /* DateTimeOriginal as "YYYY-MM-DD HH:MM:SS", or "" */
	int orientation;               /* 1..8 as in the EXIF spec, 0 when absent or invalid */
	bool has_gps;                  /* latitude and longitude both present and sane */
	double latitude;               /* decimal degrees, south negative, within ±90 */
	double longitude;              /* decimal degrees, west negative, within ±180 */
	char latitude_ref;             /* 'N' or 'S' (0 without GPS) */
	char longitude_ref;            /* 'E' or 'W' (0 without GPS) */
};

/*
 * Reads the fields from the JPEG data[0..len). The JPEG's headers are probed first
 * (see ca_jpeg_probe: CA_IMG_NOT_JPEG, CA_IMG_CORRUPT, CA_IMG_TOO_LARGE over
 * max_pixels, 0 for the default cap, CA_EUNSUPPORTED); the image data itself is not
 * decoded. A JPEG without EXIF, or with EXIF too damaged to read, gives CA_OK with
 * has_exif false and only width/height set. *out is always filled.
 */
int ca_exif_read(const unsigned char *data, size_t len, uint64_t max_pixels,
		 struct ca_exif *out, struct ca_err *err);

/*
 * Reads the fields from one APP1 payload seg[0..len) that starts with "Exif\0\0"
 * (as ca_jpeg_info.exif points to). Returns CA_OK, or CA_IMG_EXIF when the payload
 * has no EXIF/TIFF header or libexif finds nothing in it (then *out is all absent),
 * or CA_ENOMEM. width/height are left 0. *out is always filled.
 */
int ca_exif_parse(const unsigned char *seg, size_t len, struct ca_exif *out, struct ca_err *err);

/* Fills *out with "absent" for every field. */
void ca_exif_clear(struct ca_exif *out);

#endif
