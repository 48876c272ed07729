/*
 * jpeg_scans.c — counting a JPEG's decode work from its markers (see jpeg_scans.h).
 */
#include "image/jpeg_scans.h"

#include <stdbool.h>
#include <string.h>

#include "util/banned.h"

#define MAX_COMPONENTS 4

struct frame {
	bool seen;
	unsigned width, height, ncomp, hmax, vmax;
	unsigned id[MAX_COMPONENTS], h[MAX_COMPONENTS], v[MAX_COMPONENTS];
};

static unsigned be16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static bool is_sof(unsigned m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static int read_frame(const unsigned char *seg, size_t n, struct frame *f, struct ca_err *err)
{
	unsigned i;

	if (f->seen)
		return ca_err_set(err, CA_IMG_CORRUPT, "The JPEG has two frame headers.");
	if (n < 6 || seg[5] < 1 || seg[5] > MAX_COMPONENTS || n != 6 + 3 * (size_t)seg[5])
		return ca_err_set(err, CA_IMG_CORRUPT, "The JPEG frame header is malformed.");
	f->seen = true;
	f->height = be16(seg + 1);
	f->width = be16(seg + 3);
	f->ncomp = seg[5];
	f->hmax = f->vmax = 1;
	for (i = 0; i < f->ncomp; i++) {
		f->id[i] = seg[6 + 3 * i];
		f->h[i] = seg[7 + 3 * i] >> 4;
		f->v[i] = seg[7 + 3 * i] & 15;
		if (f->h[i] < 1 || f->v[i] < 1)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "The JPEG frame header has a zero sampling factor.");
		if (f->h[i] > f->hmax)
			f->hmax = f->h[i];
		if (f->v[i] > f->vmax)
			f->vmax = f->v[i];
	}
	return CA_OK;
}

/* The pixels of the scan's components, each at its own sampled size. */
static int scan_pixels(const unsigned char *seg, size_t n, const struct frame *f, uint64_t *px,
		       struct ca_err *err)
{
	unsigned ns, i, j;

	if (!f->seen)
		return ca_err_set(err, CA_IMG_CORRUPT,
				  "The JPEG has image data before its frame header.");
	if (n < 1 || (ns = seg[0]) < 1 || ns > MAX_COMPONENTS || n < 1 + 2 * (size_t)ns + 3)
		return ca_err_set(err, CA_IMG_CORRUPT, "A JPEG scan header is malformed.");
	*px = 0;
	for (i = 0; i < ns; i++) {
		for (j = 0; j < f->ncomp && f->id[j] != seg[1 + 2 * i]; j++)
			;
		if (j == f->ncomp)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "A JPEG scan names a component the frame does not have.");
		*px += (uint64_t)((f->width * f->h[j] + f->hmax - 1) / f->hmax) *
		       ((f->height * f->v[j] + f->vmax - 1) / f->vmax);
	}
	return CA_OK;
}

/* The position after the entropy-coded data starting at pos: the next real marker. */
static size_t skip_entropy(const unsigned char *data, size_t len, size_t pos)
{
	for (;;) {
		const unsigned char *ff = pos < len ? memchr(data + pos, 0xFF, len - pos) : NULL;

		if (!ff || (size_t)(ff - data) + 1 >= len)
			return len;
		pos = (size_t)(ff - data) + 1;
		if (data[pos] == 0x00 || (data[pos] >= 0xD0 && data[pos] <= 0xD7) || data[pos] == 0xFF)
			continue; /* stuffed byte, restart marker, fill byte */
		return pos - 1;
	}
}

int ca_jpeg_scan_work(const unsigned char *data, size_t len, unsigned *scans, uint64_t *work,
		      struct ca_err *err)
{
	struct frame f;
	size_t pos = 2;

	memset(&f, 0, sizeof(f));
	*scans = 0;
	*work = 0;
	if (!data || len < 2 || data[0] != 0xFF || data[1] != 0xD8)
		return ca_err_set(err, CA_IMG_CORRUPT, "The file is not a JPEG.");
	while (pos < len) {
		unsigned marker;
		size_t seg_len;
		int rc;

		while (pos < len && data[pos] != 0xFF)
			pos++;
		while (pos < len && data[pos] == 0xFF)
			pos++;
		if (pos >= len)
			break;
		marker = data[pos++];
		if (marker == 0xD9)
			break; /* EOI */
		if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8) || marker == 0x00)
			continue;
		if (len - pos < 2)
			break;
		seg_len = be16(data + pos);
		if (seg_len < 2 || seg_len > len - pos)
			return ca_err_set(err, CA_IMG_CORRUPT,
					  "A JPEG segment runs past the end of the file.");
		if (is_sof(marker) && (rc = read_frame(data + pos + 2, seg_len - 2, &f, err)) != CA_OK)
			return rc;
		pos += seg_len;
		if (marker == 0xDA) {
			uint64_t px = 0;

			rc = scan_pixels(data + pos - seg_len + 2, seg_len - 2, &f, &px, err);
			if (rc != CA_OK)
				return rc;
			(*scans)++;
			*work += px;
			pos = skip_entropy(data, len, pos);
		}
	}
	return CA_OK;
}

int ca_jpeg_check_work(const unsigned char *data, size_t len, uint64_t max_work,
		       struct ca_err *err)
{
	unsigned scans;
	uint64_t work;
	int rc;

	if (!max_work)
		max_work = CA_JPEG_DEFAULT_MAX_SCAN_PIXELS;
	rc = ca_jpeg_scan_work(data, len, &scans, &work, err);
	if (rc != CA_OK)
		return rc;
	if (work > max_work)
		return ca_err_set(err, CA_IMG_TOO_COMPLEX,
				  "%u scans over %llu pixels in all, over the limit of %llu",
				  scans, (unsigned long long)work, (unsigned long long)max_work);
	return CA_OK;
}
