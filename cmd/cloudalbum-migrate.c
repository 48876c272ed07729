/* cloudalbum-migrate: a legacy deployment into DynamoDB + S3 (+ Cognito) (migrate/migrate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../migrate/migrate.h"

#include "util/banned.h"

/*
 * With CA_MIGRATE_PEAK_RSS set, the process's peak resident set (VmHWM of
 * /proc/self/status: this program's own, from its exec on) as a last stderr line,
 * "cloudalbum-migrate: peak RSS N kB", for the memory test and benchmark (a
 * parent's rusage would count the memory of the process that forked it, too).
 */
static void report_peak_rss(void)
{
	FILE *f;
	char line[256];

	if (!getenv("CA_MIGRATE_PEAK_RSS") || !(f = fopen("/proc/self/status", "r")))
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0) {
			unsigned long kb = strtoul(line + 6, NULL, 10);

			fprintf(stderr, "cloudalbum-migrate: peak RSS %lu kB\n", kb);
			break;
		}
	fclose(f);
}

int main(int argc, char **argv)
{
	struct migrate_opts opts;
	struct ca_err err;
	bool help = false;
	int rc;

	ca_err_clear(&err);
	migrate_opts_init(&opts);
	if (migrate_parse_args(argc, argv, &opts, &help, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-migrate: %s\n\n%s", ca_err_msg(&err), migrate_usage());
		return 2;
	}
	if (help) {
		fputs(migrate_usage(), stdout);
		return 0;
	}
	rc = migrate_main(&opts, stdout, stderr, &err);
	fflush(stdout);
	report_peak_rss();
	if (rc != CA_OK) {
		fprintf(stderr, "cloudalbum-migrate: %s\n", ca_err_msg(&err));
		return 1;
	}
	return 0;
}
