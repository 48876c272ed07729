/*
 * dynamodb.h — the database backend on the DynamoDB tables of the lab (stage 1+).
 *
 * Tables (docs/CONTRACTS.md, "User item", "Photo item"): User, hash key `id`
 * (S, uuid4 hex), with
 * `email`, `username`, `password` (S) and the global secondary index
 * `user-email-index` (hash `email`, INCLUDE [password]); Photo, hash `user_id` (S),
 * range `id` (N, epoch milliseconds of the upload). What this backend writes is
 * what the seed application's PynamoDB models read, and it reads what they wrote:
 *   - tags, desc, filename_orig, filename, make, model, width, height, city,
 *     nation, address are always written as S ("" for a NULL field, as the
 *     seed's upload form sends them); geotag_lat and geotag_lng are S decimals,
 *     "999" for a photo without a location (a number the seed's map page can put
 *     in its script, and a latitude no real place has); filesize is N (-1 when
 *     unknown); upload_date and taken_date are S in date.h form (taken_date is
 *     the upload_date when the photo has none, as the seed does without EXIF).
 *   - on reading, any of those may be absent or carry another type PynamoDB or a
 *     hand-written tool might have used (N for a geotag, a width or a size; S for
 *     a number; "None", "" or an out-of-range number for a missing geotag); ""
 *     make, model and city read as NULL; dates are normalised to date.h form, and
 *     a date that does not parse reads as NULL.
 *
 * Email uniqueness: DynamoDB has no unique index, so user_create writes the user
 * and a guard item in one TransactWriteItems, both conditional on not existing.
 * The guard lives in its own table, the guard table "<user table>-guard" (hash
 * key id (S), made by stage 1), with id "email#<lower-case email>" and a
 * `user_id` attribute naming its user: the User table holds users only, so the
 * seed's User.scan() and every count of users see no guard. The guard table also
 * holds the migrator's target lock ("lock#..." ids, migrate/migrate.h);
 * nothing of the seed's reads it. Before writing, the index is queried too,
 * which catches users that the seed application or another tool wrote without a
 * guard. Two creates for one email racing through this backend can never both
 * succeed; a create here racing a guard-less writer elsewhere can (documented,
 * unavoidable without the guard on both sides). Emails are looked up exactly as
 * stored (the index is case-sensitive); the guard makes uniqueness
 * case-insensitive for ASCII letters. The transaction carries the new user id as
 * its ClientRequestToken, so the client layer's retry of a write that committed but
 * whose answer was lost is answered as the first was, not refused by the guard.
 *
 * Photo ids are the epoch milliseconds of upload_date; a create whose id is
 * taken by another photo of the same owner retries with id + 1 (conditional
 * put), so ids stay unique per owner.
 *
 * Listing is newest id first (the id is the upload time, so this is newest upload
 * first). The cursor is base64url of {"id":"<N>"}: the key of the last photo
 * returned; it never names the owner, so a cursor cannot reach another user's
 * photos. A keyword search matches tags, desc, city, nation, address or
 * filename_orig case-insensitively (ASCII case
 * folding, plus exact bytes for other scripts); DynamoDB's contains() is
 * case-sensitive, so matching happens here, over the owner's photos read page by
 * page in order: a search reads as many of the owner's items as it takes to fill
 * the page (or to reach the end), never skips or repeats a match across pages.
 *
 * Reads use strongly consistent reads on the tables (not on the index). Network
 * failures are CA_DB_CONNECT, a missing table CA_DB_SCHEMA, other service errors
 * CA_DB_QUERY; retries and throttling are the client layer's (aws/client.h).
 * The handle may be used from several threads at once.
 */
#ifndef CA_DB_DYNAMODB_H
#define CA_DB_DYNAMODB_H

#include "aws/client.h"
#include "db/db.h"

#define CA_DDB_USER_TABLE_DEFAULT "User"
#define CA_DDB_PHOTO_TABLE_DEFAULT "Photo"
#define CA_DDB_EMAIL_INDEX "user-email-index"
#define CA_DDB_GUARD_SUFFIX "-guard"
/* The longest user table name that leaves room for CA_DDB_GUARD_SUFFIX in 255. */
#define CA_DDB_USER_TABLE_MAX (255 - (sizeof(CA_DDB_GUARD_SUFFIX) - 1))

/*
 * The guard table's name for user_table ("User" -> "User-guard"), malloc'd;
 * NULL on OOM. The caller frees.
 */
char *ca_ddb_guard_table(const char *user_table);

struct ca_db_dynamodb_options {
	/* Borrowed, must outlive the handle. NULL: the backend creates its own client
	 * from region and endpoint (and the environment, as aws/client.h says). */
	struct aws_client *client;
	const char *region;       /* the YAML's aws.region (a fallback); may be NULL */
	const char *endpoint;     /* the YAML's aws.endpoint; NULL: env or real AWS */
	const char *user_table;   /* NULL: "User" */
	const char *photo_table;  /* NULL: "Photo" */
	/* true: photo owners live elsewhere (a Cognito user pool: the owner id is the
	 * token's cognito:username, with no item in the User table), so photo_create
	 * does not look the owner up. */
	bool owners_external;
};

/*
 * Opens the backend and checks the three tables with DescribeTable (keys, types
 * and the email index; the guard table's key id (S)). On CA_OK *out is the handle (ca_db_close() frees it); on
 * error *out is NULL: CA_EINVAL for a bad table name, CA_DB_SCHEMA when a table
 * is missing or has other keys (run stage 1), CA_DB_CONNECT when DynamoDB cannot
 * be reached or no credentials/region are found, CA_ENOMEM.
 */
int ca_db_dynamodb_open(const struct ca_db_dynamodb_options *opt, struct ca_db **out,
			struct ca_err *err);

/*
 * The URL form ca_db_open() takes:
 *   dynamodb://[?user_table=T&photo_table=T&region=R&endpoint=URL]
 * (values percent-encoded; every option may be left out). Opens as
 * ca_db_dynamodb_open() with a client of its own. CA_EINVAL for a malformed URL
 * or an unknown option; CA_EUNSUPPORTED for a host between "//" and "?" (the
 * endpoint is given with ?endpoint=).
 */
int ca_db_dynamodb_open_url(const char *url, struct ca_db **out, struct ca_err *err);

#endif
