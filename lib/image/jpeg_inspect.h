/*
 * jpeg_inspect.h — everything the upload path needs to know about a JPEG before
 * decoding it, read once: the headers (frame size, coding, components, where the
 * EXIF segment is) and the EXIF fields, with the orientation they give.
 *
 * The thumbnail and decode steps take this result instead of walking the headers
 * and parsing the EXIF again (thumb.h, jpeg_codec.h). Nothing is decoded here and
 * only the headers are read: the scan walk that prices a progressive decode
 * (jpeg_scans.h) belongs to the step that decodes.
 */
#ifndef CA_IMAGE_JPEG_INSPECT_H
#define CA_IMAGE_JPEG_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "image/exif.h"
#include "image/jpeg_probe.h"
#include "util/error.h"

/*
 * One JPEG, inspected. Holds no heap memory; info.exif points into the inspected
 * buffer, so the record is valid only while that buffer is.
 */
struct ca_jpeg_inspect {
	struct ca_jpeg_info info;  /* the header probe (jpeg_probe.h) */
	struct ca_exif exif;       /* the EXIF fields; width/height are the frame size */
	int orientation;           /* 1..8: the EXIF Orientation, 1 when absent or damaged */
};

/*
 * Inspects data[0..len): probes the headers (the errors of ca_jpeg_probe():
 * CA_IMG_NOT_JPEG, CA_IMG_CORRUPT, CA_IMG_TOO_LARGE over max_pixels (0 for the
 * default cap), CA_EUNSUPPORTED) and reads the EXIF segment when there is one.
 * Damaged or absent EXIF is not an error (exif.has_exif false, orientation 1);
 * CA_ENOMEM is. *out is always filled.
 */
int ca_jpeg_inspect(const unsigned char *data, size_t len, uint64_t max_pixels,
		    struct ca_jpeg_inspect *out, struct ca_err *err);

#endif
