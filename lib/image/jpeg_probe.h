/*
 * jpeg_probe.h — read a JPEG's headers without decoding it.
 *
 * The probe walks the marker segments from SOI up to the first frame header (SOF),
 * checking every length against the buffer, and reports the frame size, the coding
 * process and where the EXIF APP1 segment is. It is the first gate for untrusted
 * uploads: other formats, truncated headers and decompression bombs are refused here,
 * before libjpeg allocates anything.
 */
#ifndef CA_IMAGE_JPEG_PROBE_H
#define CA_IMAGE_JPEG_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The default pixel cap (width × height) for untrusted images: 50 megapixels. */
#define CA_IMG_DEFAULT_MAX_PIXELS 50000000ULL

struct ca_jpeg_info {
	unsigned width, height;     /* from the frame header, both >= 1 */
	unsigned components;        /* 1 (grey), 3 (YCbCr/RGB) or 4 (CMYK/YCCK) */
	bool progressive;           /* SOF2/SOF10 */
	bool arithmetic;            /* SOF9..SOF11 */
	bool adobe;                 /* an Adobe APP14 segment precedes the frame */
	/* The first APP1 "Exif\0\0" segment's payload (starting at "Exif"), or NULL/0.
	 * Points into the probed buffer: valid only while that buffer is. */
	const unsigned char *exif;
	size_t exif_len;
};

/*
 * Probes data[0..len) as a JPEG. max_pixels caps width × height (0 means
 * CA_IMG_DEFAULT_MAX_PIXELS). Fills *info and returns CA_OK, or:
 *   CA_IMG_NOT_JPEG   no SOI marker (the message names PNG, GIF, ... when recognised);
 *   CA_IMG_CORRUPT    a segment runs past the end, a frame header is malformed,
 *                     or the scan starts before any frame header;
 *   CA_IMG_TOO_LARGE  the frame header claims more than max_pixels;
 *   CA_EUNSUPPORTED   a JPEG flavour we do not decode (lossless, hierarchical, 12-bit).
 * Nothing is allocated. Runs in time linear in len.
 */
int ca_jpeg_probe(const unsigned char *data, size_t len, uint64_t max_pixels,
		  struct ca_jpeg_info *info, struct ca_err *err);

#endif
