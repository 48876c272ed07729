/*
 * migrate.h — cloudalbum-migrate: a legacy deployment (MySQL rows + the upload
 * folder) into DynamoDB + S3, and optionally Cognito users; resumable and verifiable.
 *
 *   plan    what is there and what a run would do: counts, bytes, and the problems
 *           found (rows whose original is missing, files with no row, thumbnails only
 *           under thumbnail/, missing thumbnails, emails already in DynamoDB under
 *           another id, photo rows whose user is gone). Writes nothing.
 *   run     users first (an id per legacy user, kept in the state file so that a
 *           re-run after a crash reuses the same ids), then the images to S3 (--jobs
 *           in flight, fewer while throttled; over 16 MiB by multipart upload), each
 *           photo's item as soon as its images are in (BatchWriteItem, 25 at a time,
 *           UnprocessedItems re-sent with capped backoff). What is already there is
 *           learnt in bulk (a ListObjectsV2 per user folder, a Query per user), and
 *           anything in place and equal is left alone, so a second run writes nothing.
 *           The summary counts the requests sent; plan says how many a run would send.
 *   verify  reads everything back and compares it with the legacy data.
 *
 * Decisions (also in the usage text):
 *   - a row whose original file is missing is still migrated as an item (its
 *     thumbnail too, if there is one) and listed as a problem: the row is not lost;
 *   - files with no row are listed, never invented into items;
 *   - a missing thumbnail is regenerated from the original (lib/image/thumb.h);
 *   - photo id = upload_date in epoch ms, +1 while another photo of the same user
 *     has it, photos taken in (upload_date, legacy id) order: the same data always
 *     gives the same ids. A row without upload_date uses taken_date, else 0;
 *   - a user whose email is already in DynamoDB under another id is skipped with
 *     their photos and reported (the run then exits non-zero); so are users without
 *     an email, users whose email an earlier user has but for case and users whose
 *     storage folder (norm(email)) an earlier user has (migrate_folders.c); run --adopt
 *     takes an id the target has over (a lost state file, a target written twice);
 *   - the Photo table is read a chunk of whole users at a time (migrate_internal.h),
 *     so memory does not grow with it;
 *   - a run holds a lock in the target (migrate_lock.h): one run at a time, or
 *     the shards of one --shard K/N layout at once, one run per shard
 *     (migrate_shard.h: users partitioned by CRC-32 of their legacy id);
 *   - each photo's item is written as soon as its objects are in; a photo that fails
 *     is listed and the run goes on (exit non-zero); ids of photos the target holds
 *     stay put; photos deleted in the legacy data are listed, and deleted with
 *     --prune. docs/MIGRATION.md lists every case of untidy data and its outcome;
 *   - with --cognito, users are created in the pool (AdminCreateUser, username the
 *     email, name, email_verified, custom:legacy_id, no invitation message) and the
 *     owner id everywhere (User item id, Photo user_id) is the pool's user name,
 *     the token's cognito:username. Cognito cannot take a password hash, so the
 *     werkzeug hash stays in the User item and the pool user waits in
 *     FORCE_CHANGE_PASSWORD; cloudalbum-serve checks the user's first sign-in against
 *     the hash and makes that password their pool password (lib/app/api_cognito.c).
 */
#ifndef CA_MIGRATE_H
#define CA_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "util/error.h"

#define MIGRATE_JOBS_DEFAULT 4
#define MIGRATE_JOBS_MAX 256
#define MIGRATE_STATE_DEFAULT "cloudalbum-migrate.state"
#define MIGRATE_MAX_IMAGE_MB_DEFAULT 100
#define MIGRATE_MAX_IMAGE_MB_MAX 4096

enum migrate_verb { MIGRATE_PLAN, MIGRATE_RUN, MIGRATE_VERIFY };

struct migrate_opts {
	enum migrate_verb verb;
	const char *from_db;   /* mysql://... */
	const char *from_dir;  /* the legacy UPLOAD_FOLDER */
	const char *to;        /* a serve config naming tables, bucket, region/endpoint, pool */
	const char *state;     /* the state file; MIGRATE_STATE_DEFAULT when not given */
	bool cognito;
	bool dry_run;          /* run: say what would be done, write nothing (as plan) */
	bool adopt;            /* run: take over the ids the target has for legacy emails */
	bool prune;            /* run: delete target photos whose legacy row is gone */
	long max_image_mb;     /* the largest image file read, MiB (MIGRATE_MAX_IMAGE_MB_DEFAULT) */
	int jobs;              /* requests in flight (S3 and DynamoDB), 1..MIGRATE_JOBS_MAX */
	int shard_k, shard_n;  /* --shard K/N (migrate_shard.h); shard_n 0: every user */
	char shard_state[4096]; /* with --shard: "<state>.<K>of<N>", which state points at */
};

/* Defaults: verb plan, 4 jobs, the default state file, nothing else set. */
void migrate_opts_init(struct migrate_opts *o);

/*
 * Reads "<prog> plan|run|verify --from-db URL --from-dir DIR --to FILE [--cognito]
 * [--jobs N] [--dry-run] [--state FILE] [--shard K/N|auto/N] [--help]"
 * ("--name=value" too) into o. --shard auto/N reads AWS_BATCH_JOB_ARRAY_INDEX, else
 * JOB_COMPLETION_INDEX, from the environment; with --shard the state file is
 * "<state>.<K>of<N>" (o->state points at o->shard_state).
 * Sets *help for --help (nothing else checked). CA_EINVAL with a sentence naming
 * the option for anything wrong. Strings in o point into argv.
 */
int migrate_parse_args(int argc, char **argv, struct migrate_opts *o, bool *help,
		       struct ca_err *err);

/* The usage text. Static. */
const char *migrate_usage(void);

/*
 * Does what o->verb says. The report goes to out, progress lines to progress
 * (may be NULL). CA_OK when done and nothing is lost; CA_MIGRATE_VERIFY when
 * verify found differences or a run had to leave something behind (listed in the
 * report); otherwise the error that stopped it (config, database, AWS, state file),
 * with one sentence in err. Whatever a stopped run wrote stays; a re-run completes it.
 */
int migrate_main(const struct migrate_opts *o, FILE *out, FILE *progress, struct ca_err *err);

#endif
