/*
 * configure-list — like `aws configure list`: which profile, keys and region are in use,
 * and where each came from. Keys are masked but for their last 4 characters.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/credentials.h"
#include "cmds.h"
#include "util/error.h"
#include "util/banned.h"

#define MASK_STARS "****************"
/* Values this short are hidden entirely: their last 4 characters would give too much away. */
#define MASK_MIN_SHOWN 12

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cloudalbum-aws configure-list [--profile NAME]\n"
		"\n"
		"Shows the AWS profile, access key, secret key, session token and region the\n"
		"toolkit will use, the kind of source of each (env, shared-credentials-file,\n"
		"config-file, iam-role) and its location. Keys are masked but for their last 4\n"
		"characters.\n"
		"\n"
		"  --profile NAME   use this profile of the shared files instead of AWS_PROFILE\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 when credentials and a region were found, 1 when either is\n"
		"missing or unusable (a sentence on stderr says why), 2 for bad usage.\n");
}

static void mask(const char *value, char *out, size_t cap)
{
	size_t n = value ? strlen(value) : 0;

	if (n < MASK_MIN_SHOWN)
		snprintf(out, cap, "%s", MASK_STARS);
	else
		snprintf(out, cap, "%s%s", MASK_STARS, value + n - 4);
}

static void row(const char *name, const char *value, const char *type, const char *location)
{
	printf("%10s %24s %24s    %s\n", name, value, type, location);
}

static int parse_args(int argc, char **argv, const char **profile)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg) {
				fprintf(stderr, "configure-list: --profile needs a profile name\n");
				return 2;
			}
			*profile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "configure-list: unknown option %s; see --help\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "configure-list: unexpected argument %s; see --help\n", argv[optind]);
		return 2;
	}
	return -1;
}

int cmd_configure_list(int argc, char **argv)
{
	struct aws_credentials creds = { 0 };
	struct ca_err cred_err, region_err;
	const char *profile = NULL, *profile_source = NULL, *profile_name, *region_source = NULL;
	char *region = NULL, *region_location = NULL;
	char masked[64], location[512];
	int rc_creds, rc_region, status;

	status = parse_args(argc, argv, &profile);
	if (status >= 0)
		return status;
	ca_err_clear(&cred_err);
	ca_err_clear(&region_err);
	profile_name = aws_profile_name(profile, &profile_source);
	rc_creds = aws_credentials_resolve_profile(profile, &creds, &cred_err);
	rc_region = aws_region_resolve_profile(profile, NULL, &region, &region_source,
					       &region_location, &region_err);

	row("Name", "Value", "Type", "Location");
	row("----", "-----", "----", "--------");
	if (profile_source)
		row("profile", profile_name, profile_source,
		    !strcmp(profile_source, "env") ? "AWS_PROFILE" : "--profile");
	else
		row("profile", "<not set>", "None", "None");

	if (rc_creds == CA_OK) {
		bool env = !strcmp(creds.source, "env");

		snprintf(location, sizeof(location), "%s", creds.location ? creds.location : "");
		if (creds.expiration) {
			char when[32];
			struct tm tm;

			gmtime_r(&creds.expiration, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			snprintf(location, sizeof(location), "%s, expires %s",
				 creds.location ? creds.location : "", when);
		}
		mask(creds.access_key_id, masked, sizeof(masked));
		row("access_key", masked, creds.source, env ? "AWS_ACCESS_KEY_ID" : location);
		mask(creds.secret_access_key, masked, sizeof(masked));
		row("secret_key", masked, creds.source, env ? "AWS_SECRET_ACCESS_KEY" : location);
		if (creds.session_token) {
			mask(creds.session_token, masked, sizeof(masked));
			row("token", masked, creds.source, env ? "AWS_SESSION_TOKEN" : location);
		} else {
			row("token", "<not set>", "None", "None");
		}
	} else {
		row("access_key", "<not set>", "None", "None");
		row("secret_key", "<not set>", "None", "None");
		row("token", "<not set>", "None", "None");
	}
	if (rc_region == CA_OK)
		row("region", region, region_source,
		    region_location ? region_location : "");
	else
		row("region", "<not set>", "None", "None");
	fflush(stdout);

	if (rc_creds)
		fprintf(stderr, "cloudalbum-aws: %s\n", ca_err_msg(&cred_err));
	if (rc_region)
		fprintf(stderr, "cloudalbum-aws: %s\n", ca_err_msg(&region_err));
	aws_credentials_release(&creds);
	free(region);
	free(region_location);
	return rc_creds || rc_region ? 1 : 0;
}
