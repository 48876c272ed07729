#include "image/thumb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/exif.h"
#include "image/jpeg_codec.h"
#include "image/jpeg_scans.h"
#include "image/jpeg_probe.h"
#include "image/orient.h"
#include "image/resample.h"
#include "util/banned.h"

void ca_thumb_opts_init(struct ca_thumb_opts *opts)
{
	opts->max_width = CA_THUMB_DEFAULT_WIDTH;
	opts->max_height = CA_THUMB_DEFAULT_HEIGHT;
	opts->quality = CA_THUMB_DEFAULT_QUALITY;
	opts->max_pixels = CA_IMG_DEFAULT_MAX_PIXELS;
}

void ca_thumb_release(struct ca_thumb *t)
{
	if (!t)
		return;
	free(t->jpeg);
	memset(t, 0, sizeof(*t));
}

/*
 * Pillow rounds the free side to the floor or the ceiling of the exact value,
 * whichever keeps the aspect ratio closer (the floor on a tie), and never below 1.
 */
bool ca_thumb_fit(unsigned w, unsigned h, unsigned box_w, unsigned box_h,
		  unsigned *out_w, unsigned *out_h)
{
	double aspect, exact, lo, hi, lo_off, hi_off, pick;

	if ((box_w >= w && box_h >= h) || !w || !h || !box_w || !box_h) {
		*out_w = w;
		*out_h = h;
		return false;
	}
	aspect = (double)w / (double)h;
	if ((double)box_w / (double)box_h >= aspect) {
		exact = (double)box_h * aspect;
		lo = floor(exact);
		hi = ceil(exact);
		lo_off = fabs(aspect - lo / (double)box_h);
		hi_off = fabs(aspect - hi / (double)box_h);
		pick = hi_off < lo_off ? hi : lo;
		*out_w = pick < 1.0 ? 1 : (unsigned)pick;
		*out_h = box_h;
	} else {
		exact = (double)box_w / aspect;
		lo = floor(exact);
		hi = ceil(exact);
		lo_off = lo == 0.0 ? 0.0 : fabs(aspect - (double)box_w / lo);
		hi_off = hi == 0.0 ? 0.0 : fabs(aspect - (double)box_w / hi);
		pick = hi_off < lo_off ? hi : lo;
		*out_w = box_w;
		*out_h = pick < 1.0 ? 1 : (unsigned)pick;
	}
	return true;
}

static int check_opts(const struct ca_thumb_opts *o, struct ca_err *err)
{
	if (o->max_width < 1 || o->max_width > CA_THUMB_MAX_BOX ||
	    o->max_height < 1 || o->max_height > CA_THUMB_MAX_BOX)
		return ca_err_set(err, CA_EINVAL, "The thumbnail box must be 1..%d pixels on each side.",
				  CA_THUMB_MAX_BOX);
	if (o->quality < 1 || o->quality > 100)
		return ca_err_set(err, CA_EINVAL, "The thumbnail JPEG quality must be 1..100, not %d.",
				  o->quality);
	return CA_OK;
}

int ca_thumb_make(const unsigned char *data, size_t len, const struct ca_thumb_opts *opts,
		  struct ca_thumb *out, struct ca_err *err)
{
	struct ca_thumb_opts defaults;
	struct ca_jpeg_info info;
	struct ca_exif exif;
	struct ca_rgb_image decoded = { 0 }, small = { 0 };
	unsigned disp_w, disp_h, fit_w, fit_h, want_w, want_h, scale = 8;
	int orientation = 1, rc;
	bool shrink;

	memset(out, 0, sizeof(*out));
	if (!opts) {
		ca_thumb_opts_init(&defaults);
		opts = &defaults;
	}
	rc = check_opts(opts, err);
	if (rc)
		goto out;
	rc = ca_jpeg_probe(data, len, opts->max_pixels, &info, err);
	if (rc)
		goto out;
	/* baseline files have at most one scan per component: only progressive ones are walked */
	if (info.progressive && (rc = ca_jpeg_check_work(data, len, opts->max_scan_pixels, err)))
		goto out;
	if (info.exif && ca_exif_parse(info.exif, info.exif_len, &exif, NULL) == CA_OK &&
	    exif.orientation)
		orientation = exif.orientation;
	disp_w = ca_orient_swaps(orientation) ? info.height : info.width;
	disp_h = ca_orient_swaps(orientation) ? info.width : info.height;
	shrink = ca_thumb_fit(disp_w, disp_h, opts->max_width, opts->max_height, &fit_w, &fit_h);
	/* The size wanted before turning upright, in the stored orientation. */
	want_w = ca_orient_swaps(orientation) ? fit_h : fit_w;
	want_h = ca_orient_swaps(orientation) ? fit_w : fit_h;
	if (shrink)
		scale = ca_jpeg_scale_for(info.width, info.height, want_w, want_h);
	rc = ca_jpeg_decode_rgb(data, len, opts->max_pixels, scale, &decoded, NULL, err);
	if (rc)
		goto out;
	if (decoded.width != want_w || decoded.height != want_h) {
		rc = ca_resample_rgb(&decoded, info.width * (double)scale / 8.0,
				     info.height * (double)scale / 8.0, want_w, want_h, &small, err);
		if (rc)
			goto out;
	} else {
		small = decoded;
		memset(&decoded, 0, sizeof(decoded));
	}
	rc = ca_orient_apply(&small, orientation, err);
	if (rc)
		goto out;
	rc = ca_jpeg_encode_rgb(&small, opts->quality, &out->jpeg, &out->len, err);
	if (rc)
		goto out;
	out->width = small.width;
	out->height = small.height;
out:
	ca_rgb_image_release(&decoded);
	ca_rgb_image_release(&small);
	return rc;
}
