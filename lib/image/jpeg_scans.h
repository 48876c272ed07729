/*
 * jpeg_scans.h — what decoding a JPEG will cost, read from its headers alone.
 *
 * A progressive JPEG is decoded scan by scan, and each scan walks every block
 * of the components it names: the work grows with pixels × scans, not pixels
 * alone. A 7000×7000 file of 499 scans is a few hundred kilobytes and seconds
 * of CPU. The walk here counts that work before any decoding, so that a budget
 * can refuse such a file at once.
 */
#ifndef CA_IMAGE_JPEG_SCANS_H
#define CA_IMAGE_JPEG_SCANS_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The default budget: pixels × scans a decode may walk (16 scans of 50 megapixels). */
#define CA_JPEG_DEFAULT_MAX_SCAN_PIXELS 800000000ULL

/*
 * Walks the JPEG data[0..len) from its frame header to its end and sets
 * *scans to the number of scans and *work to the sum over scans of the pixels
 * of each component the scan holds (a subsampled component counts its own,
 * smaller, size). Time linear in len; allocates nothing. CA_OK, or
 * CA_IMG_CORRUPT when the markers cannot be walked (a segment running past
 * the end, a scan before the frame header, a scan naming an unknown
 * component). A file that simply ends early is counted as far as it goes.
 */
int ca_jpeg_scan_work(const unsigned char *data, size_t len, unsigned *scans, uint64_t *work,
		      struct ca_err *err);

/*
 * CA_OK when decoding data[0..len) walks at most max_work pixels × scans
 * (0: CA_JPEG_DEFAULT_MAX_SCAN_PIXELS); CA_IMG_TOO_COMPLEX with a sentence
 * giving scans and pixels otherwise; the errors of ca_jpeg_scan_work().
 */
int ca_jpeg_check_work(const unsigned char *data, size_t len, uint64_t max_work,
		       struct ca_err *err);

#endif
