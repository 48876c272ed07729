/*
 * synth_jpeg.h — camera-like JPEGs made from nothing, for the sample legacy deployment
 * and for tests and benchmarks: a deterministic picture (from a seed) with an EXIF block
 * written by libexif (make, model, orientation, DateTimeOriginal, pixel size, GPS).
 */
#ifndef CA_SYNTH_JPEG_H
#define CA_SYNTH_JPEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct synth_exif {
	const char *make;           /* NULL: no Make tag */
	const char *model;          /* NULL: no Model tag */
	const char *taken;          /* "YYYY:MM:DD HH:MM:SS" (EXIF form) or NULL */
	int orientation;            /* 1..8, 0: no tag */
	bool has_gps;
	double lat, lng;            /* signed decimal degrees; refs N/S/E/W derived */
};

/*
 * Encodes a width×height JPEG whose picture is drawn from `seed`, with the EXIF
 * fields given (exif may be NULL: no APP1 block at all). *out is malloc'd (caller
 * frees), *out_len its size. CA_EINVAL for sizes outside 1..16384, CA_ENOMEM, or
 * CA_IMG_CORRUPT if libjpeg fails.
 */
int synth_jpeg(uint64_t seed, int width, int height, int quality, const struct synth_exif *exif,
	       unsigned char **out, size_t *out_len, struct ca_err *err);

#endif
