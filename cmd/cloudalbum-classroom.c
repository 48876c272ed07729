/* cloudalbum-classroom: a whole class's stages at once (classroom/classroom.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../classroom/classroom.h"
#include "util/strutil.h"

#include "util/banned.h"

static const char usage[] =
	"usage: cloudalbum-classroom <verb> --roster FILE [options]\n"
	"Provisions, checks and tears down the lab for every attendee of a class.\n\n"
	"verbs:\n"
	"  up --stage N        apply stages 0..N for every attendee, in parallel; one\n"
	"                      attendee's failure never stops the others; re-run to resume\n"
	"  status [--json]     attendee x stage: up to date / drift / missing / error;\n"
	"                      exit 1 when any cell is not up to date\n"
	"  verify              every attendee's stages checked (plan), then the stage\n"
	"                      verification of cloudalbum-verify on their serve config: the\n"
	"                      resources, and the app journey where the roster gives a url;\n"
	"                      exit 1 on a failure\n"
	"  down [--yes]        delete every attendee's resources that carry the class's tags\n"
	"                      (asks first; without a terminal, only with --yes), detach the\n"
	"                      instance profile from each Cloud9 instance (which stays), then\n"
	"                      list what is left by name and by tag in each account\n"
	"  serve-configs --generated-dir DIR\n"
	"                      each attendee's serve config (DIR/<name>/stage-N.yaml) and an\n"
	"                      index to hand out (DIR/index.json, DIR/README.txt)\n\n"
	"options:\n"
	"  --roster FILE       the class: class, region, attendees (name + prefix, or\n"
	"                      role_arn [+ external_id]; optional initial, url); see\n"
	"                      docs/LAB02.md, \"Running the lab for a class\"\n"
	"  --stage N           up: the last stage (0-4); status/verify/serve-configs:\n"
	"                      default the stage up last brought the class to\n"
	"  --jobs N            attendees worked on at once (default 4, at most 64)\n"
	"  --state-dir DIR     default $CA_STATE_DIR/classroom or .cloudalbum/classroom\n"
	"  --configs DIR       the stage configs (default lab-configs/<roster target>)\n"
	"  --bin-dir DIR       the stage binaries (default: beside this program)\n"
	"  --no-progress       plain lines even on a terminal\n"
	"  --help              this text\n";

int main(int argc, char **argv)
{
	struct class_opts o;
	struct ca_err err;
	const char *verb = NULL;
	size_t failed = 0;
	long v;
	int i, rc;

	ca_err_clear(&err);
	class_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--roster") || !strcmp(a, "--stage") ||
			     !strcmp(a, "--jobs") || !strcmp(a, "--state-dir") ||
			     !strcmp(a, "--configs") || !strcmp(a, "--bin-dir") ||
			     !strcmp(a, "--generated-dir");

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (takes && !val) {
			fprintf(stderr, "cloudalbum-classroom: %s needs a value\n", a);
			return 1;
		}
		if (!strcmp(a, "--roster")) {
			o.roster = argv[++i];
		} else if (!strcmp(a, "--stage") || !strcmp(a, "--jobs")) {
			bool stage = a[2] == 's';
			if (!ca_parse_long(val, stage ? 0 : 1, stage ? 4 : 64, &v)) {
				fprintf(stderr, "cloudalbum-classroom: %s takes %s, not '%.20s'\n", a,
					stage ? "a stage from 0 to 4" : "a number from 1 to 64", val);
				return 1;
			}
			*(stage ? &o.stage : &o.jobs) = (int)v;
			i++;
		} else if (!strcmp(a, "--state-dir")) {
			o.state_dir = argv[++i];
		} else if (!strcmp(a, "--configs")) {
			o.configs = argv[++i];
		} else if (!strcmp(a, "--bin-dir")) {
			o.bin_dir = argv[++i];
		} else if (!strcmp(a, "--generated-dir")) {
			o.generated_dir = argv[++i];
		} else if (!strcmp(a, "--json")) {
			o.json = true;
		} else if (!strcmp(a, "--yes")) {
			o.yes = true;
		} else if (!strcmp(a, "--no-progress")) {
			o.tty = 0;
		} else if (a[0] == '-' || verb) {
			fprintf(stderr, "cloudalbum-classroom: unexpected '%s'; run "
				"cloudalbum-classroom --help\n", a);
			return 1;
		} else {
			verb = a;
		}
	}
	if (!verb) {
		fputs(usage, stderr);
		return 1;
	}
	if (!strcmp(verb, "up"))
		rc = classroom_up(&o, &failed, &err);
	else if (!strcmp(verb, "status"))
		rc = classroom_status(&o, &failed, &err);
	else if (!strcmp(verb, "verify"))
		rc = classroom_verify(&o, &failed, &err);
	else if (!strcmp(verb, "down"))
		rc = classroom_down(&o, &failed, &err);
	else if (!strcmp(verb, "serve-configs"))
		rc = classroom_serve_configs(&o, &failed, &err);
	else {
		fprintf(stderr, "cloudalbum-classroom: unknown verb '%s': up, status, verify, down "
			"or serve-configs\n", verb);
		return 1;
	}
	if (rc != CA_OK) {
		fprintf(stderr, "cloudalbum-classroom: %s\n", ca_err_msg(&err));
		return 1;
	}
	return failed ? 1 : 0;
}
