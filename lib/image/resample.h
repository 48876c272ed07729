/*
 * resample.h — a filtered downscale of RGB images (separable bicubic convolution whose
 * kernel widens with the reduction factor, so every source pixel contributes: no
 * aliasing, close to Pillow's Image.resize(..., BICUBIC)).
 */
#ifndef CA_IMAGE_RESAMPLE_H
#define CA_IMAGE_RESAMPLE_H

#include "image/jpeg_codec.h"
#include "util/error.h"

/*
 * Resamples the region [0, src_extent_w) × [0, src_extent_h) of src (extents in source
 * pixels, at most src's size; fractional when a scaled JPEG decode rounded its size up)
 * to out_w × out_h (both >= 1) into *dst, which the caller releases with
 * ca_rgb_image_release(). Returns CA_OK, CA_EINVAL for empty sizes or extents, or
 * CA_ENOMEM; on error *dst is empty.
 */
int ca_resample_rgb(const struct ca_rgb_image *src, double src_extent_w, double src_extent_h,
		    unsigned out_w, unsigned out_h, struct ca_rgb_image *dst, struct ca_err *err);

#endif
