#include "image/jpeg_probe.h"

#include <string.h>

#include "util/banned.h"

/* Other formats people upload under a .jpg name, for a helpful message. */
static const char *sniff_other_format(const unsigned char *d, size_t len)
{
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "a PNG image";
	if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
		return "a GIF image";
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return "a WebP image";
	if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
		return "an HEIC/MP4-family file";
	if (len >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
		return "a TIFF image";
	if (len >= 2 && memcmp(d, "BM", 2) == 0)
		return "a BMP image";
	return NULL;
}

static unsigned be16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static bool is_sof(unsigned m)
{
	/* C0..CF except DHT (C4), JPG (C8) and DAC (CC). */
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static int read_frame_header(unsigned marker, const unsigned char *seg, size_t seg_len,
			     uint64_t max_pixels, struct ca_jpeg_info *info, struct ca_err *err)
{
	unsigned precision, ncomp;
	uint64_t pixels;

	if (marker == 0xC3 || marker == 0xCB)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "The JPEG uses lossless coding, which is not supported; save it as a baseline or progressive JPEG.");
	if ((marker >= 0xC5 && marker <= 0xC7) || marker >= 0xCD)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "The JPEG uses hierarchical coding, which is not supported; save it as a baseline or progressive JPEG.");
	if (seg_len < 6)
		return ca_err_set(err, CA_IMG_CORRUPT, "The JPEG frame header is too short; the file is corrupt.");
	precision = seg[0];
	info->height = be16(seg + 1);
	info->width = be16(seg + 3);
	ncomp = seg[5];
	if (precision != 8)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "The JPEG has %u-bit samples; only 8-bit JPEGs are supported.", precision);
	if (info->width == 0 || info->height == 0)
		return ca_err_set(err, CA_IMG_CORRUPT,
				  "The JPEG frame header gives a zero width or height; the file is corrupt or unsupported.");
	if (ncomp != 1 && ncomp != 3 && ncomp != 4)
		return ca_err_set(err, CA_IMG_CORRUPT,
				  "The JPEG frame header lists %u colour components; expected 1, 3 or 4.", ncomp);
	if (seg_len != 6 + 3 * (size_t)ncomp)
		return ca_err_set(err, CA_IMG_CORRUPT, "The JPEG frame header has the wrong length; the file is corrupt.");
	info->components = ncomp;
	info->progressive = marker == 0xC2 || marker == 0xCA;
	info->arithmetic = marker >= 0xC9;
	pixels = (uint64_t)info->width * info->height;
	if (pixels > max_pixels)
		return ca_err_set(err, CA_IMG_TOO_LARGE,
				  "The image is %ux%u (%llu pixels), over the limit of %llu pixels.",
				  info->width, info->height, (unsigned long long)pixels,
				  (unsigned long long)max_pixels);
	return CA_OK;
}

int ca_jpeg_probe(const unsigned char *data, size_t len, uint64_t max_pixels,
		  struct ca_jpeg_info *info, struct ca_err *err)
{
	const char *other;
	size_t pos = 2;

	memset(info, 0, sizeof(*info));
	if (!max_pixels)
		max_pixels = CA_IMG_DEFAULT_MAX_PIXELS;
	if (!data || len < 2 || data[0] != 0xFF || data[1] != 0xD8) {
		other = data ? sniff_other_format(data, len) : NULL;
		if (other)
			return ca_err_set(err, CA_IMG_NOT_JPEG, "The file is %s, not a JPEG.", other);
		if (!data || len == 0)
			return ca_err_set(err, CA_IMG_NOT_JPEG, "The file is empty, not a JPEG.");
		return ca_err_set(err, CA_IMG_NOT_JPEG, "The file does not start with a JPEG SOI marker; it is not a JPEG.");
	}
	for (;;) {
		unsigned marker;
		size_t seg_len;

		/* Tolerate stray bytes between segments, as libjpeg does, then fill bytes. */
		while (pos < len && data[pos] != 0xFF)
			pos++;
		while (pos < len && data[pos] == 0xFF)
			pos++;
		if (pos >= len)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "The JPEG ends before its frame header; the file is truncated or corrupt.");
		marker = data[pos++];
		if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
			continue; /* standalone markers: TEM, RSTn */
		if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA || marker == 0x00)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "The JPEG has no frame header before its image data; the file is corrupt.");
		if (len - pos < 2)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "The JPEG ends inside a segment header; the file is truncated.");
		seg_len = be16(data + pos);
		if (seg_len < 2 || seg_len > len - pos)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "A JPEG segment runs past the end of the file; the file is truncated or corrupt.");
		if (is_sof(marker))
			return read_frame_header(marker, data + pos + 2, seg_len - 2, max_pixels, info, err);
		if (marker == 0xE1 && !info->exif && seg_len - 2 >= 6 &&
		    memcmp(data + pos + 2, "Exif\0\0", 6) == 0) {
			info->exif = data + pos + 2;
			info->exif_len = seg_len - 2;
		}
		if (marker == 0xEE && seg_len - 2 >= 5 && memcmp(data + pos + 2, "Adobe", 5) == 0)
			info->adobe = true;
		pos += seg_len;
	}
}
