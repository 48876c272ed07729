/* migrate_args.c — the command line of cloudalbum-migrate (migrate.h). */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_shard.h"

#include "util/strutil.h"

#include "util/banned.h"

void migrate_opts_init(struct migrate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->verb = MIGRATE_PLAN;
	o->jobs = MIGRATE_JOBS_DEFAULT;
	o->state = MIGRATE_STATE_DEFAULT;
	o->max_image_mb = MIGRATE_MAX_IMAGE_MB_DEFAULT;
}

const char *migrate_usage(void)
{
	return "usage: cloudalbum-migrate plan|run|verify --from-db URL --from-dir DIR --to CONFIG\n"
	       "                          [--cognito] [--jobs N] [--dry-run] [--adopt] [--prune]\n"
	       "                          [--state FILE] [--max-image-mb N] [--shard K/N|auto/N]\n"
	       "                          [--help]\n"
	       "\n"
	       "Moves a legacy CloudAlbum deployment (MySQL rows + the upload folder) into the\n"
	       "DynamoDB tables and the S3 bucket a serve config names (and, with --cognito, its\n"
	       "user pool), with nothing lost.\n"
	       "\n"
	       "  plan     counts, bytes and the problems found; writes nothing\n"
	       "  run      users, then images to S3, then the Photo items; a second run changes\n"
	       "           nothing, and a run stopped midway is completed by running it again\n"
	       "  verify   reads everything back and compares; exits 0 only when nothing is lost\n"
	       "\n"
	       "  --from-db URL     the legacy database, mysql://user[:password]@host[:port]/db\n"
	       "  --from-dir DIR    the legacy UPLOAD_FOLDER\n"
	       "  --to CONFIG       a serve config (stage 2 or later: database dynamodb, storage s3;\n"
	       "                    with --cognito, auth cognito)\n"
	       "  --cognito         also create each user in the config's Cognito user pool; the\n"
	       "                    owner id is then the pool's user name. Users keep their\n"
	       "                    passwords: cloudalbum-serve checks the first sign-in against\n"
	       "                    the legacy hash and makes it their pool password\n"
	       "  --jobs N          requests in flight (S3 uploads and listings, DynamoDB\n"
	       "                    reads), each on a kept-alive connection: 1..256 (default 4);\n"
	       "                    a migration waits on latency, not CPU: 64 suits real AWS\n"
	       "  --dry-run         with run: only say what would be done (as plan)\n"
	       "  --adopt           with run: a legacy user whose email the target already has\n"
	       "                    takes that id over (the state file is lost, or two runs\n"
	       "                    wrote a target twice); other User items for the email and\n"
	       "                    their copies of the user's legacy photos are removed\n"
	       "  --prune           with run: delete from the target the photos (items and\n"
	       "                    objects) of migrated users whose legacy row is gone (deleted\n"
	       "                    in the legacy app since a run; a run without it lists them).\n"
	       "                    Only while the legacy app is the live one: it cannot tell a\n"
	       "                    photo uploaded to the new app from one deleted in the old\n"	       "                    one. Users gone from the legacy data are listed, never\n"
	       "                    deleted\n"
	       "  --max-image-mb N  the largest image file migrated, in MiB (default 100, at most\n"
	       "                    4096); a larger one fails its photo alone (listed; the run\n"
	       "                    goes on and exits 1): raise the limit and run again\n"
	       "  --state FILE      the ids given to legacy users, kept for re-runs and verify\n"
	       "                    (default ./" MIGRATE_STATE_DEFAULT "; with --shard K/N,\n"
	       "                    FILE.KofN)\n"
	       "  --shard K/N       only the legacy users of shard K of N (0 <= K < N), with their\n"
	       "                    photos and files: N runs, on any hosts, migrate disjoint parts\n"
	       "                    into the same target at once, each resumable on its own. User\n"
	       "                    id goes to shard CRC32(decimal id) mod N (MySQL's CRC32(),\n"
	       "                    zlib's crc32). Shard runs of one N run together; a run\n"
	       "                    without --shard waits until none is left (and the reverse).\n"
	       "                    verify --shard checks that part; a final verify checks all\n"
	       "  --shard auto/N    K from AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job), else\n"
	       "                    JOB_COMPLETION_INDEX (Kubernetes Indexed Job); see\n"
	       "                    docs/MIGRATION.md, \"Sharded runs\"\n"
	       "\n"
	       "A photo row whose original file is missing is still migrated (as an item, with\n"
	       "its thumbnail when there is one) and listed; files with no row are listed, not\n"
	       "migrated; missing thumbnails are made from the original. Photo ids are the\n"
	       "upload time in epoch milliseconds, +1 on a clash within one user. A run holds a\n"
	       "lock in the target (a second run at once is refused); users without an email,\n"
	       "with an email another user has but for case, with the storage folder of an\n"
	       "earlier user (a_at_b@x.io and a@b_at_x.io share a_at_b_at_x_dot_io), or whose\n"
	       "email the target has under another id are left behind and listed.\n"
	       "docs/MIGRATION.md lists every case.\n"
	       "Exit status: 0 done, 1 failed or something differs or was left behind, 2 usage.\n";
}

static int take_value(int argc, char **argv, int *i, const char *eq, const char **value,
		      const char *opt, struct ca_err *err)
{
	if (eq) {
		*value = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return ca_err_set(err, CA_EINVAL, "%s needs a value.", opt);
		*value = argv[++*i];
	}
	if (!**value)
		return ca_err_set(err, CA_EINVAL, "%s needs a non-empty value.", opt);
	return CA_OK;
}

int migrate_parse_args(int argc, char **argv, struct migrate_opts *o, bool *help,
		       struct ca_err *err)
{
	bool have_verb = false;
	int i, rc = CA_OK;

	*help = false;
	for (i = 1; i < argc && rc == CA_OK; i++) {
		const char *a = argv[i], *eq = NULL, *v = NULL;
		char name[32];
		size_t n;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*help = true;
			return CA_OK;
		}
		if (a[0] != '-') {
			if (have_verb)
				return ca_err_set(err, CA_EINVAL, "Unexpected argument \"%.60s\".", a);
			if (!strcmp(a, "plan"))
				o->verb = MIGRATE_PLAN;
			else if (!strcmp(a, "run"))
				o->verb = MIGRATE_RUN;
			else if (!strcmp(a, "verify"))
				o->verb = MIGRATE_VERIFY;
			else
				return ca_err_set(err, CA_EINVAL,
						  "Unknown command \"%.60s\": use plan, run or verify.", a);
			have_verb = true;
			continue;
		}
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		if (n >= sizeof(name))
			return ca_err_set(err, CA_EINVAL, "Unknown option \"%.40s\".", a);
		memcpy(name, a, n);
		name[n] = '\0';
		if (!strcmp(name, "--cognito") || !strcmp(name, "--dry-run") || !strcmp(name, "--adopt") ||
		    !strcmp(name, "--prune")) {
			if (eq)
				return ca_err_set(err, CA_EINVAL, "%s takes no value.", name);
			if (!strcmp(name, "--cognito"))
				o->cognito = true;
			else if (!strcmp(name, "--adopt"))
				o->adopt = true;
			else if (!strcmp(name, "--prune"))
				o->prune = true;
			else
				o->dry_run = true;
		} else if (!strcmp(name, "--from-db")) {
			rc = take_value(argc, argv, &i, eq, &o->from_db, name, err);
		} else if (!strcmp(name, "--from-dir")) {
			rc = take_value(argc, argv, &i, eq, &o->from_dir, name, err);
		} else if (!strcmp(name, "--to")) {
			rc = take_value(argc, argv, &i, eq, &o->to, name, err);
		} else if (!strcmp(name, "--shard")) {
			rc = take_value(argc, argv, &i, eq, &v, name, err);
			if (rc == CA_OK)
				rc = mig_shard_parse(v, getenv(MIG_SHARD_ENV_BATCH), getenv(MIG_SHARD_ENV_K8S),
						     &o->shard_k, &o->shard_n, err);
		} else if (!strcmp(name, "--state")) {
			rc = take_value(argc, argv, &i, eq, &o->state, name, err);
		} else if (!strcmp(name, "--max-image-mb")) {
			long mb;

			rc = take_value(argc, argv, &i, eq, &v, name, err);
			if (rc == CA_OK && (v[0] < '0' || v[0] > '9' ||
					    !ca_parse_long(v, 1, MIGRATE_MAX_IMAGE_MB_MAX, &mb)))
				rc = ca_err_set(err, CA_EINVAL, "--max-image-mb wants a whole number from 1 to %d, not \"%.20s\".",
						MIGRATE_MAX_IMAGE_MB_MAX, v);
			if (rc == CA_OK)
				o->max_image_mb = mb;
		} else if (!strcmp(name, "--jobs")) {
			long jobs;

			rc = take_value(argc, argv, &i, eq, &v, name, err);
			if (rc == CA_OK && (v[0] < '0' || v[0] > '9' ||
					    !ca_parse_long(v, 1, MIGRATE_JOBS_MAX, &jobs)))
				rc = ca_err_set(err, CA_EINVAL, "--jobs wants a whole number from 1 to %d, not \"%.20s\".",
						MIGRATE_JOBS_MAX, v);
			if (rc == CA_OK)
				o->jobs = (int)jobs;
		} else {
			return ca_err_set(err, CA_EINVAL, "Unknown option \"%.40s\".", a);
		}
	}
	if (rc != CA_OK)
		return rc;
	if (!have_verb)
		return ca_err_set(err, CA_EINVAL, "Say what to do: plan, run or verify.");
	if (!o->from_db)
		return ca_err_set(err, CA_EINVAL, "--from-db is required (the legacy mysql:// URL).");
	if (!ca_starts_with(o->from_db, "mysql://"))
		return ca_err_set(err, CA_EINVAL, "--from-db must be a mysql:// URL.");
	if (!o->from_dir)
		return ca_err_set(err, CA_EINVAL, "--from-dir is required (the legacy upload folder).");
	if (!o->to)
		return ca_err_set(err, CA_EINVAL, "--to is required (a serve config of stage 2 or later).");
	if (o->dry_run && o->verb != MIGRATE_RUN)
		return ca_err_set(err, CA_EINVAL, "--dry-run goes with run only.");
	if (o->adopt && (o->verb != MIGRATE_RUN || o->dry_run))
		return ca_err_set(err, CA_EINVAL, "--adopt goes with run only (not --dry-run).");
	if (o->prune && (o->verb != MIGRATE_RUN || o->dry_run))
		return ca_err_set(err, CA_EINVAL, "--prune goes with run only (not --dry-run).");
	if (o->shard_n) {
		int len = snprintf(o->shard_state, sizeof(o->shard_state), "%s.%dof%d", o->state,
				   o->shard_k, o->shard_n);

		if (len < 0 || (size_t)len >= sizeof(o->shard_state))
			return ca_err_set(err, CA_EINVAL, "--state is too long a path.");
		o->state = o->shard_state;
	}
	return CA_OK;
}
