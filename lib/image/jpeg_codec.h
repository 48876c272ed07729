/*
 * jpeg_codec.h — libjpeg-turbo decode and encode for untrusted input.
 *
 * libjpeg's own error handling calls exit(); here every error and every warning that
 * means damaged data ends the call through a longjmp and comes back as an error code.
 * Decoding is bounded: the pixel cap is checked before libjpeg allocates, libjpeg's
 * memory is capped, and progressive files with absurd numbers of scans are refused.
 */
#ifndef CA_IMAGE_JPEG_CODEC_H
#define CA_IMAGE_JPEG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "image/jpeg_probe.h"
#include "util/error.h"

/* A progressive JPEG with more scans than this is refused as hostile. */
#define CA_JPEG_MAX_SCANS 500
/* libjpeg may use at most this much working memory per image. */
#define CA_JPEG_MAX_MEMORY (768UL * 1024 * 1024)

/* An 8-bit RGB image, rows packed (stride = width * 3). Owned by whoever filled it. */
struct ca_rgb_image {
	unsigned char *px;
	unsigned width, height;
};

/* Frees the pixels and zeroes the record. NULL is accepted. */
void ca_rgb_image_release(struct ca_rgb_image *img);

/*
 * The smallest libjpeg scale numerator n (1..8, scale n/8) whose decoded size
 * ceil(w*n/8) × ceil(h*n/8) is at least min_w × min_h. Returns 8 when only full
 * size will do.
 */
unsigned ca_jpeg_scale_for(unsigned w, unsigned h, unsigned min_w, unsigned min_h);

/*
 * Decodes the JPEG data[0..len) at scale scale_num/8 (1..8) into *out as RGB
 * (grey and CMYK/YCCK sources are converted). Probes first: the errors of
 * ca_jpeg_probe(), then CA_IMG_CORRUPT for damaged or truncated image data,
 * CA_IMG_TOO_LARGE when libjpeg would need more than CA_JPEG_MAX_MEMORY,
 * CA_ENOMEM. On success the caller releases *out with ca_rgb_image_release();
 * on error *out is left empty. info may be NULL; when given it receives the probe.
 */
int ca_jpeg_decode_rgb(const unsigned char *data, size_t len, uint64_t max_pixels,
		       unsigned scale_num, struct ca_rgb_image *out,
		       struct ca_jpeg_info *info, struct ca_err *err);

/*
 * As ca_jpeg_decode_rgb(), for a JPEG whose headers were already read: info is
 * ca_jpeg_probe()'s (or ca_jpeg_inspect()'s) record of the same data, probed with
 * the same max_pixels, and the headers are not walked again. The errors are those
 * of the decode (CA_EINVAL when out or info is NULL).
 */
int ca_jpeg_decode_probed(const unsigned char *data, size_t len, const struct ca_jpeg_info *info,
			  uint64_t max_pixels, unsigned scale_num, struct ca_rgb_image *out,
			  struct ca_err *err);

/*
 * Checks that data[0..len) is a whole, undamaged JPEG within max_pixels by probing it
 * and decoding every scan at 1/8 scale. Same errors as ca_jpeg_decode_rgb(); info may
 * be NULL. Allocates nothing that outlives the call.
 */
int ca_jpeg_validate(const unsigned char *data, size_t len, uint64_t max_pixels,
		     struct ca_jpeg_info *info, struct ca_err *err);

/*
 * Encodes img as a baseline JPEG (4:2:0, quality 1..100) into a malloc'd buffer:
 * on success *out (the caller frees with free()) and *out_len are set; on error
 * they are NULL/0 and CA_EINVAL or CA_ENOMEM is returned.
 */
int ca_jpeg_encode_rgb(const struct ca_rgb_image *img, int quality,
		       unsigned char **out, size_t *out_len, struct ca_err *err);

#endif
