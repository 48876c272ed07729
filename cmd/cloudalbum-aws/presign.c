/*
 * cloudalbum-aws presign — prints a presigned S3 URL, signed with the credentials and
 * region the normal chain finds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "aws/amz_date.h"
#include "aws/credentials.h"
#include "aws/s3_presign.h"
#include "util/strutil.h"
#include "util/banned.h"

static void usage(FILE *out)
{
	fputs("usage: cloudalbum-aws presign --url URL --expires SECONDS [--method GET]\n"
	      "                              [--date YYYYMMDDTHHMMSSZ] [--region R]\n"
	      "\n"
	      "Prints URL presigned for S3 (SigV4 query signing, UNSIGNED-PAYLOAD).\n"
	      "  --url URL          http(s)://host[:port]/bucket/key (path-style) or\n"
	      "                     https://bucket.s3.REGION.amazonaws.com/key (virtual-host);\n"
	      "                     the path is sent and signed as S3 reads it: each %XX\n"
	      "                     decoded, then encoded once ('$' and %24 alike; '+' is a\n"
	      "                     plus); a space or non-ASCII must be percent-encoded (%20)\n"
	      "  --expires SECONDS  how long the URL works: 1 to 604800 (7 days)\n"
	      "  --method M         the HTTP method the URL is for (default GET)\n"
	      "  --date D           signing time in UTC, like 20150830T123600Z (default: now)\n"
	      "  --region R         signing region (default: AWS_REGION, AWS_DEFAULT_REGION,\n"
	      "                     then the config file)\n"
	      "Credentials come from the environment, ~/.aws files or the instance profile.\n",
	      out);
}

int cmd_presign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "method", required_argument, NULL, 'm' },
		{ "expires", required_argument, NULL, 'e' },
		{ "date", required_argument, NULL, 'd' },
		{ "region", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *method = "GET", *expires_arg = NULL, *date_arg = NULL;
	const char *region_arg = NULL;
	struct aws_credentials creds;
	struct s3_presign_request req;
	struct ca_err err;
	char *region = NULL, *signed_url = NULL;
	long expires = 0;
	time_t when;
	int opt, rc = 1;

	memset(&creds, 0, sizeof(creds));
	ca_err_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "u:m:e:d:r:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': url = optarg; break;
		case 'm': method = optarg; break;
		case 'e': expires_arg = optarg; break;
		case 'd': date_arg = optarg; break;
		case 'r': region_arg = optarg; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !url || !expires_arg) {
		fprintf(stderr, "presign: %s\n", optind != argc ? "unexpected argument" :
			!url ? "--url is required" : "--expires is required");
		usage(stderr);
		return 2;
	}
	if (!ca_parse_long(expires_arg, 1, 604800, &expires)) {
		fprintf(stderr, "presign: --expires must be a whole number of seconds from 1 to 604800 (7 days), not '%s'.\n",
			expires_arg);
		return 2;
	}
	if (date_arg) {
		if (aws_parse_amz_date(date_arg, &when, &err)) {
			fprintf(stderr, "presign: --date: %s\n", ca_err_msg(&err));
			return 2;
		}
	} else {
		when = time(NULL);
	}
	if (region_arg) {
		region = ca_strdup(region_arg);
		if (!region) {
			fprintf(stderr, "presign: out of memory\n");
			goto out;
		}
	} else if (aws_region_resolve(NULL, &region, NULL, &err)) {
		fprintf(stderr, "presign: %s\n", ca_err_msg(&err));
		goto out;
	}
	if (aws_credentials_resolve(&creds, &err)) {
		fprintf(stderr, "presign: %s\n", ca_err_msg(&err));
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.expires = expires;
	req.when = when;
	req.creds = &creds;
	req.region = region;
	if (s3_presign_url(&req, &signed_url, &err)) {
		fprintf(stderr, "presign: %s\n", ca_err_msg(&err));
		goto out;
	}
	if (printf("%s\n", signed_url) < 0 || fflush(stdout)) {
		fprintf(stderr, "presign: cannot write the URL\n");
		goto out;
	}
	rc = 0;
out:
	free(signed_url);
	free(region);
	aws_credentials_release(&creds);
	return rc;
}
