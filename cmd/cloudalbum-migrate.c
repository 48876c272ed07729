/* cloudalbum-migrate: a legacy deployment into DynamoDB + S3 (+ Cognito) (migrations/migrate.h). */
#include <stdio.h>

#include "../migrations/migrate.h"

#include "util/banned.h"

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
	if (rc != CA_OK) {
		fprintf(stderr, "cloudalbum-migrate: %s\n", ca_err_msg(&err));
		return 1;
	}
	return 0;
}
