/*
 * cloudalbum-image thumb IN OUT — a CloudAlbum thumbnail (fits 300×200 unless told
 * otherwise, aspect kept, EXIF orientation applied, JPEG). Prints
 * {"width": W, "height": H, "bytes": N} on success. Exit 0 on success, 1 when IN cannot
 * be read or is not a usable JPEG or OUT cannot be written, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "image/imgfile.h"
#include "image/thumb.h"
#include "util/strutil.h"
#include "util/banned.h"

static const char thumb_usage[] =
	"usage: cloudalbum-image thumb [--width W] [--height H] [--quality Q] [--max-pixels N] IN OUT\n"
	"\n"
	"Writes a JPEG thumbnail of the JPEG IN to OUT: it fits inside W x H (default 300 x 200)\n"
	"with the aspect kept (the same size Pillow's Image.thumbnail gives), is turned upright\n"
	"by the EXIF orientation, and is never larger than IN.\n"
	"  --width W, --height H   the box, 1..10000 (defaults 300, 200)\n"
	"  --quality Q             JPEG quality 1..100 (default 85)\n"
	"  --max-pixels N          refuse originals over N pixels (default 50000000)\n";

/* "--name VALUE" or "--name=VALUE"; returns the value or NULL when arg is not --name. */
static const char *option_value(const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

static int parse_option(const char *name, const char *value, long min, long max, long *out)
{
	if (ca_parse_long(value, min, max, out))
		return 0;
	fprintf(stderr, "cloudalbum-image thumb: %s needs a whole number from %ld to %ld, not '%s'.\n",
		name, min, max, value);
	return 2;
}

int cmd_thumb(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *v;
	struct ca_thumb_opts opts;
	struct ca_thumb thumb = { 0 };
	struct ca_err err;
	unsigned char *data = NULL;
	size_t len = 0;
	long n;
	int i, rc = 1;

	ca_err_clear(&err);
	ca_thumb_opts_init(&opts);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(thumb_usage, stdout);
			return 0;
		} else if ((v = option_value("--width", argc, argv, &i))) {
			if (parse_option("--width", v, 1, CA_THUMB_MAX_BOX, &n))
				return 2;
			opts.max_width = (unsigned)n;
		} else if ((v = option_value("--height", argc, argv, &i))) {
			if (parse_option("--height", v, 1, CA_THUMB_MAX_BOX, &n))
				return 2;
			opts.max_height = (unsigned)n;
		} else if ((v = option_value("--quality", argc, argv, &i))) {
			if (parse_option("--quality", v, 1, 100, &n))
				return 2;
			opts.quality = (int)n;
		} else if ((v = option_value("--max-pixels", argc, argv, &i))) {
			if (parse_option("--max-pixels", v, 1, 4000000000L, &n))
				return 2;
			opts.max_pixels = (uint64_t)n;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "cloudalbum-image thumb: unknown option '%s'.\n%s", argv[i], thumb_usage);
			return 2;
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			fprintf(stderr, "cloudalbum-image thumb: too many arguments ('%s').\n%s", argv[i], thumb_usage);
			return 2;
		}
	}
	if (!in || !out) {
		fprintf(stderr, "cloudalbum-image thumb: IN and OUT are both needed.\n%s", thumb_usage);
		return 2;
	}
	if (ca_img_file_read(in, 0, &data, &len, &err) ||
	    ca_thumb_make(data, len, &opts, &thumb, &err)) {
		fprintf(stderr, "cloudalbum-image thumb: %s: %s\n", in, ca_err_msg(&err));
		goto out;
	}
	if (ca_img_file_write(out, thumb.jpeg, thumb.len, &err)) {
		fprintf(stderr, "cloudalbum-image thumb: %s\n", ca_err_msg(&err));
		goto out;
	}
	printf("{\"width\": %u, \"height\": %u, \"bytes\": %zu}\n", thumb.width, thumb.height, thumb.len);
	rc = 0;
out:
	ca_thumb_release(&thumb);
	free(data);
	return rc;
}
