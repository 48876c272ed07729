#include "image/thumb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/jpeg_codec.h"
#include "image/jpeg_scans.h"
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

static int check_box(const struct ca_thumb_box *box, struct ca_err *err)
{
	if (box->max_width < 1 || box->max_width > CA_THUMB_MAX_BOX ||
	    box->max_height < 1 || box->max_height > CA_THUMB_MAX_BOX)
		return ca_err_set(err, CA_EINVAL, "The thumbnail box must be 1..%d pixels on each side.",
				  CA_THUMB_MAX_BOX);
	return CA_OK;
}

static int check_quality(int quality, struct ca_err *err)
{
	if (quality < 1 || quality > 100)
		return ca_err_set(err, CA_EINVAL, "The thumbnail JPEG quality must be 1..100, not %d.",
				  quality);
	return CA_OK;
}

/* One image of a set: its size in the stored (not yet upright) orientation, and the
 * smallest decode scale that is at least that size. */
struct fit_plan {
	unsigned want_w, want_h;
	unsigned scale;
};

static void plan_fit(const struct ca_jpeg_inspect *insp, const struct ca_thumb_box *box,
		     struct fit_plan *plan)
{
	const struct ca_jpeg_info *info = &insp->info;
	bool swap = ca_orient_swaps(insp->orientation);
	unsigned fit_w, fit_h;
	bool shrink;

	shrink = ca_thumb_fit(swap ? info->height : info->width, swap ? info->width : info->height,
			      box->max_width, box->max_height, &fit_w, &fit_h);
	plan->want_w = swap ? fit_h : fit_w;
	plan->want_h = swap ? fit_w : fit_h;
	plan->scale = shrink ? ca_jpeg_scale_for(info->width, info->height, plan->want_w,
						 plan->want_h) : 8;
}

static int copy_image(const struct ca_rgb_image *src, struct ca_rgb_image *dst, struct ca_err *err)
{
	size_t size = (size_t)src->width * src->height * 3;

	dst->px = malloc(size);
	if (!dst->px)
		return ca_err_set(err, CA_ENOMEM, "Out of memory making a thumbnail.");
	memcpy(dst->px, src->px, size);
	dst->width = src->width;
	dst->height = src->height;
	return CA_OK;
}

/* Makes one image of the set from the decode (at scale/8 of the frame) into *out. */
static int make_one(const struct ca_rgb_image *decoded, const struct ca_jpeg_inspect *insp,
		    unsigned scale, const struct fit_plan *plan, int quality, struct ca_thumb *out,
		    struct ca_err *err)
{
	struct ca_rgb_image small = { 0 };
	int rc;

	if (decoded->width != plan->want_w || decoded->height != plan->want_h)
		rc = ca_resample_rgb(decoded, insp->info.width * (double)scale / 8.0,
				     insp->info.height * (double)scale / 8.0, plan->want_w,
				     plan->want_h, &small, err);
	else
		rc = copy_image(decoded, &small, err);
	if (rc == CA_OK)
		rc = ca_orient_apply(&small, insp->orientation, err);
	if (rc == CA_OK)
		rc = ca_jpeg_encode_rgb(&small, quality, &out->jpeg, &out->len, err);
	if (rc == CA_OK) {
		out->width = small.width;
		out->height = small.height;
	}
	ca_rgb_image_release(&small);
	return rc;
}

int ca_thumb_make_set(const unsigned char *data, size_t len, const struct ca_jpeg_inspect *insp,
		      const struct ca_thumb_opts *opts, const struct ca_thumb_box *boxes, size_t n,
		      struct ca_thumb *out, struct ca_err *err)
{
	struct ca_thumb_opts defaults;
	struct ca_rgb_image decoded = { 0 };
	struct fit_plan plan;
	unsigned scale = 1;
	size_t i;
	int rc = CA_OK;

	for (i = 0; i < n; i++)
		memset(&out[i], 0, sizeof(out[i]));
	if (!opts) {
		ca_thumb_opts_init(&defaults);
		opts = &defaults;
	}
	if (n == 0)
		return ca_err_set(err, CA_EINVAL, "No thumbnail size was asked for.");
	for (i = 0; i < n && rc == CA_OK; i++)
		rc = check_box(&boxes[i], err);
	if (rc == CA_OK)
		rc = check_quality(opts->quality, err);
	if (rc)
		return rc;
	/* baseline files have at most one scan per component: only progressive ones are walked */
	if (insp->info.progressive &&
	    (rc = ca_jpeg_check_work(data, len, opts->max_scan_pixels, err)))
		return rc;
	for (i = 0; i < n; i++) {
		plan_fit(insp, &boxes[i], &plan);
		if (plan.scale > scale)
			scale = plan.scale;
	}
	rc = ca_jpeg_decode_probed(data, len, &insp->info, opts->max_pixels, scale, &decoded, err);
	for (i = 0; i < n && rc == CA_OK; i++) {
		plan_fit(insp, &boxes[i], &plan);
		rc = make_one(&decoded, insp, scale, &plan, opts->quality, &out[i], err);
	}
	for (i = 0; rc && i < n; i++)
		ca_thumb_release(&out[i]);
	ca_rgb_image_release(&decoded);
	return rc;
}

int ca_thumb_make(const unsigned char *data, size_t len, const struct ca_thumb_opts *opts,
		  struct ca_thumb *out, struct ca_err *err)
{
	struct ca_thumb_opts defaults;
	struct ca_jpeg_inspect insp;
	struct ca_thumb_box box;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!opts) {
		ca_thumb_opts_init(&defaults);
		opts = &defaults;
	}
	box.max_width = opts->max_width;
	box.max_height = opts->max_height;
	rc = check_box(&box, err);
	if (rc == CA_OK)
		rc = check_quality(opts->quality, err);
	if (rc == CA_OK)
		rc = ca_jpeg_inspect(data, len, opts->max_pixels, &insp, err);
	if (rc == CA_OK)
		rc = ca_thumb_make_set(data, len, &insp, opts, &box, 1, out, err);
	return rc;
}
