#include "image/jpeg_codec.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image/jpeg_dc.h"
#include "util/buf.h"
#include "util/banned.h"

/*
 * The error manager: libjpeg's error_exit and "corrupt data" warnings jump back to
 * the setjmp in the function that drives libjpeg, with a code and libjpeg's message.
 */
struct guard {
	struct jpeg_error_mgr pub;   /* first, so a j_common_ptr's err casts to it */
	jmp_buf jump;
	int code;
	char msg[JMSG_LENGTH_MAX];
};

static void guard_jump(j_common_ptr c, int code)
{
	struct guard *g = (struct guard *)c->err;

	g->code = code;
	(*c->err->format_message)(c, g->msg);
	longjmp(g->jump, 1);
}

static void guard_error_exit(j_common_ptr c)
{
	int m = c->err->msg_code;

	guard_jump(c, m == JERR_OUT_OF_MEMORY || m == JERR_NO_BACKING_STORE ?
		   CA_IMG_TOO_LARGE : CA_IMG_CORRUPT);
}

/* Warnings that say the data is damaged end decoding; cosmetic ones are ignored. */
static void guard_emit_message(j_common_ptr c, int level)
{
	int m = c->err->msg_code;

	if (level >= 0)
		return; /* trace messages */
	if (m == JWRN_EXTRANEOUS_DATA || m == JWRN_JFIF_MAJOR || m == JWRN_ADOBE_XFORM ||
	    m == JWRN_BOGUS_ICC)
		return;
	guard_jump(c, CA_IMG_CORRUPT);
}

static void guard_output_message(j_common_ptr c)
{
	(void)c; /* never write to stderr from the library */
}

static void guard_init(struct guard *g)
{
	jpeg_std_error(&g->pub);
	g->pub.error_exit = guard_error_exit;
	g->pub.emit_message = guard_emit_message;
	g->pub.output_message = guard_output_message;
	g->code = CA_OK;
	g->msg[0] = '\0';
}

static int guard_fail(struct guard *g, int code, const char *msg)
{
	g->code = code;
	snprintf(g->msg, sizeof(g->msg), "%s", msg);
	return code;
}

static void watch_scans(j_common_ptr c)
{
	if (c->is_decompressor &&
	    ((j_decompress_ptr)c)->input_scan_number > CA_JPEG_MAX_SCANS) {
		struct guard *g = (struct guard *)c->err;

		g->code = CA_IMG_CORRUPT;
		snprintf(g->msg, sizeof(g->msg), "more than %d progressive scans", CA_JPEG_MAX_SCANS);
		longjmp(g->jump, 1);
	}
}

void ca_rgb_image_release(struct ca_rgb_image *img)
{
	if (!img)
		return;
	free(img->px);
	memset(img, 0, sizeof(*img));
}

static unsigned scaled(unsigned v, unsigned n)
{
	return (unsigned)(((unsigned long long)v * n + 7) / 8);
}

unsigned ca_jpeg_scale_for(unsigned w, unsigned h, unsigned min_w, unsigned min_h)
{
	unsigned n;

	for (n = 1; n < 8; n++)
		if (scaled(w, n) >= min_w && scaled(h, n) >= min_h)
			return n;
	return 8;
}

struct decoder {
	struct jpeg_decompress_struct cinfo;
	struct guard guard;
	struct jpeg_progress_mgr progress;
	bool created;
	uint64_t max_pixels;
	unsigned scale_num;
	unsigned char *row;            /* scratch scanline (CMYK, or when not keeping) */
	struct ca_rgb_image *out;      /* NULL: decode and discard (validation) */
};

/* Photoshop writes inverted CMYK (Adobe marker); others write it plain. */
static void cmyk_row_to_rgb(const unsigned char *src, unsigned char *dst, unsigned w, bool inverted)
{
	unsigned x;

	for (x = 0; x < w; x++, src += 4, dst += 3) {
		unsigned c = src[0], m = src[1], y = src[2], k = src[3];

		if (!inverted) {
			c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
		}
		dst[0] = (unsigned char)((c * k + 127) / 255);
		dst[1] = (unsigned char)((m * k + 127) / 255);
		dst[2] = (unsigned char)((y * k + 127) / 255);
	}
}

/* Drives libjpeg; the only function here that calls setjmp. Its own locals are not
 * modified after setjmp: everything that changes lives in *d. */
static int run_decode(struct decoder *d, const unsigned char *data, size_t len)
{
	j_decompress_ptr ci = &d->cinfo;

	if (setjmp(d->guard.jump))
		return d->guard.code;
	jpeg_create_decompress(ci);
	d->created = true;
	ci->mem->max_memory_to_use = CA_JPEG_MAX_MEMORY;
	d->progress.progress_monitor = watch_scans;
	ci->progress = &d->progress;
	jpeg_mem_src(ci, data, (unsigned long)len);
	jpeg_read_header(ci, TRUE);
	if ((uint64_t)ci->image_width * ci->image_height > d->max_pixels)
		return guard_fail(&d->guard, CA_IMG_TOO_LARGE, "frame size over the pixel limit");
	ci->scale_num = d->scale_num;
	ci->scale_denom = 8;
	ci->out_color_space = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK ?
		JCS_CMYK : JCS_RGB;
	jpeg_start_decompress(ci);
	if (ci->output_components != 3 && ci->output_components != 4)
		return guard_fail(&d->guard, CA_IMG_CORRUPT, "unexpected colour components");
	d->row = malloc((size_t)ci->output_width * (size_t)ci->output_components);
	if (!d->row)
		return guard_fail(&d->guard, CA_ENOMEM, "out of memory");
	if (d->out) {
		d->out->px = malloc((size_t)ci->output_width * ci->output_height * 3);
		if (!d->out->px)
			return guard_fail(&d->guard, CA_ENOMEM, "out of memory");
		d->out->width = ci->output_width;
		d->out->height = ci->output_height;
	}
	while (ci->output_scanline < ci->output_height) {
		size_t y = ci->output_scanline;
		size_t stride = (size_t)ci->output_width * 3;
		bool direct = d->out && ci->output_components == 3;
		JSAMPROW rows[1];

		rows[0] = direct ? d->out->px + y * stride : d->row;
		if (jpeg_read_scanlines(ci, rows, 1) != 1)
			return guard_fail(&d->guard, CA_IMG_CORRUPT, "decoder made no progress");
		if (d->out && !direct)
			cmyk_row_to_rgb(d->row, d->out->px + y * stride, ci->output_width,
					ci->saw_Adobe_marker);
	}
	jpeg_finish_decompress(ci);
	return CA_OK;
}

/* The fast path for 1/8 scale (jpeg_dc.h); CA_EUNSUPPORTED leaves the file to libjpeg.
 * With out NULL the image is decoded and dropped: the path accepts only data it has
 * decoded completely, so that is a validation as strict as libjpeg's. */
static int decode_dc(const unsigned char *data, size_t len, uint64_t max_pixels,
		     struct ca_rgb_image *out, struct ca_err *err)
{
	struct ca_rgb_image img;
	int rc = ca_jpeg_decode_dc(data, len, max_pixels, &img, err);

	if (rc)
		return rc;
	if (out)
		*out = img;
	else
		ca_rgb_image_release(&img);
	return CA_OK;
}

static int check_scale(unsigned scale_num, struct ca_err *err)
{
	if (scale_num < 1 || scale_num > 8)
		return ca_err_set(err, CA_EINVAL, "The JPEG decode scale must be 1..8 eighths.");
	return CA_OK;
}

/* Decodes the probed JPEG (info) at scale_num/8; out NULL: decode and discard. */
static int decode(const unsigned char *data, size_t len, const struct ca_jpeg_info *info,
		  uint64_t max_pixels, unsigned scale_num, struct ca_rgb_image *out,
		  struct ca_err *err)
{
	struct decoder *d = NULL;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!max_pixels)
		max_pixels = CA_IMG_DEFAULT_MAX_PIXELS;
	rc = check_scale(scale_num, err);
	if (rc)
		return rc;
	if (scale_num == 1 && info->width >= CA_JPEG_DC_MIN_SIDE &&
	    info->height >= CA_JPEG_DC_MIN_SIDE) {
		rc = decode_dc(data, len, max_pixels, out, err);
		if (rc != CA_EUNSUPPORTED)
			goto out;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory decoding a JPEG.");
		goto out;
	}
	guard_init(&d->guard);
	d->cinfo.err = &d->guard.pub;
	d->max_pixels = max_pixels;
	d->scale_num = scale_num;
	d->out = out;
	rc = run_decode(d, data, len);
	if (rc == CA_IMG_TOO_LARGE)
		ca_err_set(err, rc, "The JPEG needs more memory to decode than allowed (%s).", d->guard.msg);
	else if (rc == CA_ENOMEM)
		ca_err_set(err, rc, "Out of memory decoding a JPEG.");
	else if (rc)
		ca_err_set(err, rc, "The JPEG image data is corrupt or truncated (%s).", d->guard.msg);
out:
	if (d) {
		if (d->created)
			jpeg_destroy_decompress(&d->cinfo);
		free(d->row);
		free(d);
	}
	if (rc && out)
		ca_rgb_image_release(out);
	return rc;
}

/* Probes data into *info (or a local record when info is NULL), then decodes it. */
static int probe_and_decode(const unsigned char *data, size_t len, uint64_t max_pixels,
			    unsigned scale_num, struct ca_rgb_image *out,
			    struct ca_jpeg_info *info, struct ca_err *err)
{
	struct ca_jpeg_info probe;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!info)
		info = &probe;
	rc = check_scale(scale_num, err);
	if (!rc)
		rc = ca_jpeg_probe(data, len, max_pixels, info, err);
	return rc ? rc : decode(data, len, info, max_pixels, scale_num, out, err);
}

int ca_jpeg_decode_rgb(const unsigned char *data, size_t len, uint64_t max_pixels,
		       unsigned scale_num, struct ca_rgb_image *out,
		       struct ca_jpeg_info *info, struct ca_err *err)
{
	if (!out)
		return ca_err_set(err, CA_EINVAL, "No output image given for the JPEG decode.");
	return probe_and_decode(data, len, max_pixels, scale_num, out, info, err);
}

int ca_jpeg_decode_probed(const unsigned char *data, size_t len, const struct ca_jpeg_info *info,
			  uint64_t max_pixels, unsigned scale_num, struct ca_rgb_image *out,
			  struct ca_err *err)
{
	if (!out || !info)
		return ca_err_set(err, CA_EINVAL, "No output image or probe given for the JPEG decode.");
	return decode(data, len, info, max_pixels, scale_num, out, err);
}

int ca_jpeg_validate(const unsigned char *data, size_t len, uint64_t max_pixels,
		     struct ca_jpeg_info *info, struct ca_err *err)
{
	return probe_and_decode(data, len, max_pixels, 1, NULL, info, err);
}

/* Encoding: libjpeg writes into a fixed chunk that is appended to a growable buffer. */
struct encoder {
	struct jpeg_compress_struct cinfo;   /* first: callbacks cast cinfo to the encoder */
	struct guard guard;
	struct jpeg_destination_mgr dest;
	bool created;
	struct ca_buf out;
	JOCTET chunk[16384];
};

static void dest_init(j_compress_ptr c)
{
	struct encoder *e = (struct encoder *)c;

	e->dest.next_output_byte = e->chunk;
	e->dest.free_in_buffer = sizeof(e->chunk);
}

static boolean dest_empty(j_compress_ptr c)
{
	struct encoder *e = (struct encoder *)c;

	if (ca_buf_add(&e->out, e->chunk, sizeof(e->chunk)) != CA_OK) {
		c->err->msg_code = JERR_OUT_OF_MEMORY;
		(*c->err->error_exit)((j_common_ptr)c);
	}
	dest_init(c);
	return TRUE;
}

static void dest_term(j_compress_ptr c)
{
	struct encoder *e = (struct encoder *)c;

	if (ca_buf_add(&e->out, e->chunk, sizeof(e->chunk) - e->dest.free_in_buffer) != CA_OK) {
		c->err->msg_code = JERR_OUT_OF_MEMORY;
		(*c->err->error_exit)((j_common_ptr)c);
	}
}

static int run_encode(struct encoder *e, const struct ca_rgb_image *img, int quality)
{
	j_compress_ptr ci = &e->cinfo;

	if (setjmp(e->guard.jump))
		return e->guard.code;
	jpeg_create_compress(ci);
	e->created = true;
	e->dest.init_destination = dest_init;
	e->dest.empty_output_buffer = dest_empty;
	e->dest.term_destination = dest_term;
	ci->dest = &e->dest;
	ci->image_width = img->width;
	ci->image_height = img->height;
	ci->input_components = 3;
	ci->in_color_space = JCS_RGB;
	jpeg_set_defaults(ci);
	jpeg_set_quality(ci, quality, TRUE);
	jpeg_start_compress(ci, TRUE);
	while (ci->next_scanline < ci->image_height) {
		JSAMPROW rows[1];

		rows[0] = img->px + (size_t)ci->next_scanline * img->width * 3;
		jpeg_write_scanlines(ci, rows, 1);
	}
	jpeg_finish_compress(ci);
	return CA_OK;
}

int ca_jpeg_encode_rgb(const struct ca_rgb_image *img, int quality,
		       unsigned char **out, size_t *out_len, struct ca_err *err)
{
	struct encoder *e = NULL;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (!img || !img->px || img->width < 1 || img->height < 1 ||
	    img->width > JPEG_MAX_DIMENSION || img->height > JPEG_MAX_DIMENSION)
		return ca_err_set(err, CA_EINVAL, "The image to encode has no pixels or is too large for JPEG.");
	if (quality < 1 || quality > 100)
		return ca_err_set(err, CA_EINVAL, "JPEG quality must be between 1 and 100, not %d.", quality);
	e = calloc(1, sizeof(*e));
	if (!e)
		return ca_err_set(err, CA_ENOMEM, "Out of memory encoding a JPEG.");
	ca_buf_init(&e->out);
	guard_init(&e->guard);
	e->cinfo.err = &e->guard.pub;
	rc = run_encode(e, img, quality);
	if (rc == CA_IMG_TOO_LARGE || rc == CA_ENOMEM)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory encoding a JPEG.");
	else if (rc)
		rc = ca_err_set(err, CA_EINVAL, "Encoding the JPEG failed (%s).", e->guard.msg);
	if (!rc) {
		*out = (unsigned char *)ca_buf_detach(&e->out, out_len);
		if (!*out)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory encoding a JPEG.");
	}
	if (e->created)
		jpeg_destroy_compress(&e->cinfo);
	ca_buf_release(&e->out);
	free(e);
	return rc;
}
