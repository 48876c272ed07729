/*
 * jpeg_inspect.c — one read of a JPEG's headers and EXIF (see jpeg_inspect.h).
 */
#include "image/jpeg_inspect.h"

#include <string.h>

#include "util/banned.h"

int ca_jpeg_inspect(const unsigned char *data, size_t len, uint64_t max_pixels,
		    struct ca_jpeg_inspect *out, struct ca_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->orientation = 1;
	rc = ca_jpeg_probe(data, len, max_pixels, &out->info, err);
	if (rc)
		return rc;
	/* only running out of memory fails the read: damaged EXIF is reported as absent */
	if (out->info.exif &&
	    ca_exif_parse(out->info.exif, out->info.exif_len, &out->exif, NULL) == CA_ENOMEM)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading EXIF data.");
	out->exif.width = out->info.width;
	out->exif.height = out->info.height;
	if (out->exif.orientation)
		out->orientation = out->exif.orientation;
	return CA_OK;
}
