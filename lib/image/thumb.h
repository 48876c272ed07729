/*
 * thumb.h — CloudAlbum thumbnails: fit inside a box (300×200 by default), aspect kept,
 * EXIF orientation applied, JPEG out.
 *
 * The JPEG is decoded with libjpeg's DCT scaling at the smallest scale that is still at
 * least the thumbnail size, then reduced with a filtered (bicubic, widened) resample.
 * Several sizes of one upload (the thumbnail and the album grid's image) are made from
 * one decode, at the scale the largest of them needs (ca_thumb_make_set).
 * The thumbnail size is exactly what Pillow's Image.thumbnail(box) gives for the
 * upright image, so thumbnails made by the seed application and by this toolkit agree.
 */
#ifndef CA_IMAGE_THUMB_H
#define CA_IMAGE_THUMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/jpeg_inspect.h"
#include "util/error.h"

#define CA_THUMB_DEFAULT_WIDTH 300
#define CA_THUMB_DEFAULT_HEIGHT 200
#define CA_THUMB_DEFAULT_QUALITY 85
#define CA_THUMB_MAX_BOX 10000   /* the largest box side accepted */
/*
 * The album grid's image (docs/CONTRACTS.md "Grid images"): at most 400 pixels high,
 * twice the grid's 200-pixel rows for 2x screens, and at most 1600 wide (a panorama),
 * aspect kept; made with the same fit as the thumbnail (never enlarged).
 */
#define CA_THUMB_GRID_WIDTH 1600
#define CA_THUMB_GRID_HEIGHT 400

/* A box an image is fitted into, 1..CA_THUMB_MAX_BOX on each side. */
struct ca_thumb_box {
	unsigned max_width, max_height;
};

struct ca_thumb_opts {
	unsigned max_width, max_height;  /* the box, 1..CA_THUMB_MAX_BOX */
	int quality;                     /* JPEG quality 1..100 */
	uint64_t max_pixels;             /* cap on the original; 0 = CA_IMG_DEFAULT_MAX_PIXELS */
	uint64_t max_scan_pixels;        /* a progressive original's pixels × scans (jpeg_scans.h);
					    0 = CA_JPEG_DEFAULT_MAX_SCAN_PIXELS */
};

/* Sets the defaults: 300×200, quality 85, the default pixel cap. */
void ca_thumb_opts_init(struct ca_thumb_opts *opts);

/* A finished thumbnail. jpeg is malloc'd and owned by the record. */
struct ca_thumb {
	unsigned char *jpeg;
	size_t len;
	unsigned width, height;
};

/* Frees the JPEG bytes and zeroes the record. NULL is accepted. */
void ca_thumb_release(struct ca_thumb *t);

/*
 * The size Pillow's Image.thumbnail((box_w, box_h)) gives a w × h image: when the image
 * already fits, its own size (and false is returned); otherwise the largest size inside
 * the box with the nearest aspect ratio, each side at least 1 (and true). A zero
 * argument gives w × h back (and false).
 */
bool ca_thumb_fit(unsigned w, unsigned h, unsigned box_w, unsigned box_h,
		  unsigned *out_w, unsigned *out_h);

/*
 * Makes the thumbnail of the JPEG data[0..len) into *out (the caller releases it with
 * ca_thumb_release()). opts may be NULL for the defaults. Errors: CA_EINVAL for bad
 * options, the probe and decode errors of jpeg_codec.h (CA_IMG_NOT_JPEG,
 * CA_IMG_CORRUPT, CA_IMG_TOO_LARGE, CA_EUNSUPPORTED), CA_IMG_TOO_COMPLEX for a
 * progressive JPEG over the max_scan_pixels budget (refused before decoding),
 * CA_ENOMEM; then *out is empty.
 * Damaged EXIF only means the orientation is taken as 1.
 * The same as ca_jpeg_inspect() followed by ca_thumb_make_set() with opts' box.
 */
int ca_thumb_make(const unsigned char *data, size_t len, const struct ca_thumb_opts *opts,
		  struct ca_thumb *out, struct ca_err *err);

/*
 * Makes n >= 1 images of the JPEG data[0..len) from a single decode: out[i] fits
 * boxes[i] upright, sized as ca_thumb_make() sizes them. insp is ca_jpeg_inspect()'s
 * record of the same data, inspected with opts->max_pixels; its headers and EXIF are
 * not read again. opts gives the quality and the limits (its box is not used) and may
 * be NULL for the defaults. The decode is at the smallest scale at least as large as
 * every image, after a progressive JPEG's work is checked against max_scan_pixels.
 * On CA_OK out[0..n) are filled (release each with ca_thumb_release()); on error they
 * are all empty and the errors are those of ca_thumb_make() (CA_EINVAL also for n 0
 * or a box outside 1..CA_THUMB_MAX_BOX).
 */
int ca_thumb_make_set(const unsigned char *data, size_t len, const struct ca_jpeg_inspect *insp,
		      const struct ca_thumb_opts *opts, const struct ca_thumb_box *boxes, size_t n,
		      struct ca_thumb *out, struct ca_err *err);

#endif
