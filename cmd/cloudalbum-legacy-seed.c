/* cloudalbum-legacy-seed: builds a realistic legacy deployment to migrate (legacy_seed/legacy_seed.h). */
#include <stdio.h>
#include <stdlib.h>

#include "../legacy_seed/legacy_seed.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	struct legacy_seed_opts opts;
	struct legacy_seed_report report;
	struct ca_err err;
	bool help = false;

	ca_err_clear(&err);
	legacy_seed_opts_init(&opts);
	if (legacy_seed_parse_args(argc, argv, &opts, &help, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-legacy-seed: %s\n\n%s", ca_err_msg(&err), legacy_seed_usage());
		return 2;
	}
	if (help) {
		fputs(legacy_seed_usage(), stdout);
		return 0;
	}
	if (legacy_seed_run(&opts, stderr, &report, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-legacy-seed: %s\n", ca_err_msg(&err));
		return 1;
	}
	if (!opts.quiet)
		fprintf(stderr,
			"cloudalbum-legacy-seed: done: users %ld created, %ld kept; photos %ld created, "
			"%ld kept; %ld files written\n",
			report.users_created, report.users_kept, report.photos_created,
			report.photos_kept, report.files_written);
	if (legacy_seed_print_users(&opts, stdout, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-legacy-seed: %s\n", ca_err_msg(&err));
		return 1;
	}
	return 0;
}
