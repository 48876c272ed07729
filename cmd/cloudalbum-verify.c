/*
 * cloudalbum-verify — does a deployed stage work? Checks the resources a serve config
 * names, then (with --url) walks a test user through the running app, and reports
 * each step as TAP on stdout (and as JUnit XML with --junit). lib/verify does the work.
 * Exit status: 0 when no step failed, 1 when one did, 2 for a usage or config error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "verify/verify.h"
#include "util/banned.h"

static const char usage[] =
	"usage: cloudalbum-verify --config FILE [--url URL] [--junit FILE]\n"
	"                         [--timeout SECONDS] [--trace-wait SECONDS]\n"
	"\n"
	"Proves that the CloudAlbum stage FILE (a serve config, e.g. the one make stage-N\n"
	"writes: lab-configs/generated/current.yaml) describes works end to end:\n"
	"\n"
	"  resources  the MySQL database and upload folder (stage 0), the DynamoDB tables\n"
	"             and user-email-index (1+), the S3 bucket (2+), the Cognito user pool,\n"
	"             app client and domain (3+), the X-Ray sampling rule and group (4);\n"
	"  journey    with --url, against the running app: sign up a test user (at the\n"
	"             Cognito stages made with AdminCreateUser), sign in through the app and\n"
	"             through the hosted UI where one is reachable, upload a JPEG with GPS\n"
	"             EXIF, find it in the album, fetch its thumbnail and original\n"
	"             (following the presigned redirect with S3), see it on the map at the\n"
	"             right place, search it, edit it, delete it, sign out, and at stage 4\n"
	"             find the journey's trace in X-Ray. Everything it made is removed\n"
	"             afterwards, also when a step fails.\n"
	"\n"
	"  --config FILE         the serve config of the stage (required)\n"
	"  --url URL             the running app (e.g. http://localhost:8080); without it\n"
	"                        only the resources are checked\n"
	"  --junit FILE          also write the steps as JUnit XML to FILE (for CI)\n"
	"  --timeout SECONDS     per HTTP request (default 30)\n"
	"  --trace-wait SECONDS  how long X-Ray may take to show the trace (default 60)\n"
	"  --help                show this text\n"
	"\n"
	"Output: TAP on stdout (\"1..N\", \"ok N - step\", \"not ok N - step\" with the reason\n"
	"on the next \"#\" line, \"ok N - step # SKIP why\" for a step that cannot run here).\n"
	"Exit status: 0 when no step failed, 1 when one did, 2 for a usage or config error.\n"
	"AWS credentials, region and endpoint are found as for every program of the toolkit\n"
	"(AWS_* variables, ~/.aws, the instance profile; aws.region and aws.endpoint of FILE).\n";

struct options {
	const char *config, *url, *junit;
	long timeout_s, trace_wait_s;
};

static bool seconds(const char *flag, const char *v, long *out)
{
	if (ca_parse_long(v, 1, 3600, out))
		return true;
	fprintf(stderr, "cloudalbum-verify: %s takes a whole number of seconds from 1 to 3600, "
			"not '%s'\n", flag, v);
	return false;
}

/* 0 when parsed, 1 after --help, 2 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (strcmp(a, "--config") == 0 && v) {
			o->config = argv[++i];
		} else if (strcmp(a, "--url") == 0 && v) {
			o->url = argv[++i];
		} else if (strcmp(a, "--junit") == 0 && v) {
			o->junit = argv[++i];
		} else if (strcmp(a, "--timeout") == 0 && v) {
			if (!seconds(a, argv[++i], &o->timeout_s))
				return 2;
		} else if (strcmp(a, "--trace-wait") == 0 && v) {
			if (!seconds(a, argv[++i], &o->trace_wait_s))
				return 2;
		} else {
			fprintf(stderr, "cloudalbum-verify: unknown or incomplete option %s\n\n%s", a,
				usage);
			return 2;
		}
	}
	if (!o->config || !*o->config) {
		fprintf(stderr, "cloudalbum-verify: say which stage to verify with --config FILE "
				"(e.g. lab-configs/generated/current.yaml, written by make stage-N)"
				"\n\n%s", usage);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct verify_target t;
	struct verify_options vo;
	struct verify_report report = { 0 };
	struct ca_err err;
	int rc, status = 2;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	ca_err_clear(&err);
	if (verify_target_load(o.config, &t, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-verify: %s\n", ca_err_msg(&err));
		return 2;
	}
	memset(&vo, 0, sizeof(vo));
	vo.url = o.url;
	vo.timeout_s = o.timeout_s;
	vo.trace_wait_s = o.trace_wait_s;
	if (verify_run(&t, &vo, &report, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-verify: %s\n", ca_err_msg(&err));
		goto out;
	}
	if (verify_report_tap(&report, stdout, &err) != CA_OK ||
	    (o.junit && verify_report_junit(&report, "cloudalbum-verify", o.junit, &err) != CA_OK)) {
		fprintf(stderr, "cloudalbum-verify: %s\n", ca_err_msg(&err));
		goto out;
	}
	status = verify_report_ok(&report) ? 0 : 1;
	if (status)
		fprintf(stderr, "cloudalbum-verify: %zu of %zu steps failed\n",
			verify_report_count(&report, VERIFY_FAIL), report.n);
out:
	verify_report_release(&report);
	verify_target_release(&t);
	return status;
}
