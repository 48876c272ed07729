/*
 * cloudalbum-image exif FILE — the EXIF fields CloudAlbum keeps, as JSON on stdout.
 * Absent fields are null. Exit 0 on success, 1 when the file cannot be read or is not
 * a usable JPEG, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmds.h"
#include "image/exif.h"
#include "image/imgfile.h"
#include "image/jpeg_probe.h"
#include "util/strutil.h"
#include "util/banned.h"

static const char exif_usage[] =
	"usage: cloudalbum-image exif [--max-pixels N] FILE\n"
	"\n"
	"Prints the EXIF fields of the JPEG FILE as JSON: width, height (the frame size),\n"
	"exif_width, exif_height (PixelX/YDimension), make, model, taken_date\n"
	"(\"YYYY-MM-DD HH:MM:SS\"), orientation (1-8), latitude, longitude (decimal degrees,\n"
	"south and west negative), latitude_ref, longitude_ref. Absent fields are null.\n"
	"  --max-pixels N   refuse images whose header claims more than N pixels\n"
	"                   (default 50000000)\n";

static json_t *text_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static json_t *uint_or_null(unsigned v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

static json_t *ref_or_null(char c)
{
	char s[2] = { c, '\0' };

	return c ? json_string(s) : json_null();
}

static json_t *exif_to_json(const char *path, const struct ca_exif *x)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "width", uint_or_null(x->width));
	json_object_set_new(o, "height", uint_or_null(x->height));
	json_object_set_new(o, "has_exif", json_boolean(x->has_exif));
	json_object_set_new(o, "exif_width", uint_or_null(x->exif_width));
	json_object_set_new(o, "exif_height", uint_or_null(x->exif_height));
	json_object_set_new(o, "make", text_or_null(x->make));
	json_object_set_new(o, "model", text_or_null(x->model));
	json_object_set_new(o, "taken_date", text_or_null(x->taken));
	json_object_set_new(o, "orientation", uint_or_null((unsigned)x->orientation));
	json_object_set_new(o, "latitude", x->has_gps ? json_real(x->latitude) : json_null());
	json_object_set_new(o, "longitude", x->has_gps ? json_real(x->longitude) : json_null());
	json_object_set_new(o, "latitude_ref", ref_or_null(x->latitude_ref));
	json_object_set_new(o, "longitude_ref", ref_or_null(x->longitude_ref));
	return o;
}

int cmd_exif(int argc, char **argv)
{
	const char *path = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	struct ca_exif x;
	struct ca_err err;
	json_t *doc = NULL;
	char *text = NULL;
	long max_pixels = (long)CA_IMG_DEFAULT_MAX_PIXELS;
	int i, rc = 1;

	ca_err_clear(&err);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(exif_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--max-pixels") && i + 1 < argc) {
			if (!ca_parse_long(argv[++i], 1, 4000000000L, &max_pixels)) {
				fprintf(stderr, "cloudalbum-image exif: --max-pixels needs a whole number from 1 to 4000000000, not '%s'.\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "cloudalbum-image exif: unknown or incomplete option '%s'.\n%s", argv[i], exif_usage);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "cloudalbum-image exif: one FILE only ('%s' is extra).\n%s", argv[i], exif_usage);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "cloudalbum-image exif: no FILE given.\n%s", exif_usage);
		return 2;
	}
	if (ca_img_file_read(path, 0, &data, &len, &err) ||
	    ca_exif_read(data, len, (uint64_t)max_pixels, &x, &err)) {
		fprintf(stderr, "cloudalbum-image exif: %s: %s\n", path, ca_err_msg(&err));
		goto out;
	}
	doc = exif_to_json(path, &x);
	text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!text) {
		fprintf(stderr, "cloudalbum-image exif: out of memory writing JSON.\n");
		goto out;
	}
	printf("%s\n", text);
	rc = 0;
out:
	free(text);
	json_decref(doc);
	free(data);
	return rc;
}
