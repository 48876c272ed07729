/*
 * jpeg_dc.h — a fast 1/8-scale decode of baseline JPEGs from their DC coefficients.
 *
 * At 1/8 scale each 8×8 block becomes one pixel, the block's average, which is its DC
 * coefficient. libjpeg still decodes every AC coefficient to get there; this path
 * only steps over them (a table gives each code's length plus its extra bits), which
 * is where a thumbnail spends its time. It handles the common camera case — baseline
 * Huffman, 8-bit, grey or YCbCr, one interleaved scan, restart markers — and declines
 * everything else, and anything unusual in the data, so that the caller can give the
 * file to libjpeg for the verdict. It never accepts what it has not fully decoded.
 * Memory: the output image, two bytes a block for the DC planes, and a 64 KB window
 * through which the scan is read with its byte stuffing taken out.
 */
#ifndef CA_IMAGE_JPEG_DC_H
#define CA_IMAGE_JPEG_DC_H

#include <stddef.h>
#include <stdint.h>

#include "image/jpeg_codec.h"
#include "util/error.h"

/*
 * The smallest frame side worth this path: in smaller frames the encoder's edge padding
 * weighs on every DC average (libjpeg's scaled chroma is closer there), and libjpeg is
 * fast on them anyway.
 */
#define CA_JPEG_DC_MIN_SIDE 64

/*
 * Decodes data[0..len) at 1/8 scale (ceil(w/8) × ceil(h/8)) into *out as RGB.
 * max_pixels caps the frame's width × height (0: CA_IMG_DEFAULT_MAX_PIXELS).
 * Returns CA_OK (the caller releases *out with ca_rgb_image_release()),
 * CA_EUNSUPPORTED when the file is outside this path or its data is not exactly as
 * a clean encoder writes it (decode with libjpeg instead; no message is set), or
 * CA_ENOMEM. On error *out is left empty.
 */
int ca_jpeg_decode_dc(const unsigned char *data, size_t len, uint64_t max_pixels,
		      struct ca_rgb_image *out, struct ca_err *err);

#endif
