/*
 * backends.h — the backends a serve config names, opened in one place for every
 * program (cloudalbum-serve, cloudalbum-migrate, cloudalbum-legacy-seed): the
 * database (db/db.h), the image storage (storage/storage.h) and, for auth kind
 * cognito, the user pool (auth/cognito_auth.h).
 *
 * One AWS client per process: whatever of DynamoDB, S3 and Cognito the config
 * names shares one client (aws/client.h), so one credentials provider (fetched
 * once, refreshed once) and one pool of kept-alive connections. Nothing below
 * lib/backends opens a backend by kind: this module sits above db, storage and
 * auth and includes them; they never include it.
 *
 * Ownership: ca_backends_open fills a struct ca_backends the caller owns and
 * closes with ca_backends_close(), which frees every member; members are
 * borrowed by whoever uses them and must not be freed one by one. The config is
 * borrowed and must outlive the backends (the user pool reads it).
 */
#ifndef CA_BACKENDS_BACKENDS_H
#define CA_BACKENDS_BACKENDS_H

#include <stdbool.h>

#include "auth/cognito_auth.h"
#include "aws/client.h"
#include "config/serve_config.h"
#include "db/db.h"
#include "storage/storage.h"
#include "util/error.h"

/* Which backends to open (bits of ca_backends_options.open). */
#define CA_BACKENDS_DB 1u       /* database.kind: mysql or dynamodb */
#define CA_BACKENDS_STORAGE 2u  /* storage.kind: disk or s3 */
#define CA_BACKENDS_AUTH 4u     /* auth.kind cognito: the user pool (local: nothing) */
#define CA_BACKENDS_ALL (CA_BACKENDS_DB | CA_BACKENDS_STORAGE | CA_BACKENDS_AUTH)

struct ca_backends_options {
	unsigned open;          /* CA_BACKENDS_* bits; 0: CA_BACKENDS_ALL */
	unsigned db_pool;       /* MySQL connections, unless the URL says pool=N; 0: 1 */
	bool aws;               /* make the AWS client even when no backend opened needs
				 * it (a program that also calls AWS itself: the migrator) */
};

struct ca_backends {
	struct ca_db *db;                       /* NULL unless opened */
	struct ca_storage *storage;             /* NULL unless opened */
	struct ca_cognito_auth *cognito;        /* NULL unless opened with auth kind cognito */
	/* the process's one AWS client and its credentials (S3's presigned URLs are signed
	 * with them); NULL when nothing opened speaks AWS */
	struct aws_client *aws;
	struct aws_credentials_provider *credentials;
};

/*
 * Opens the backends cfg names that opt asks for (opt NULL: all, a pool of one).
 * On CA_OK *out holds them; on error *out is empty (nothing to close) and err
 * names the part that failed ("database: ...", "storage (bucket B): ...",
 * "storage.path P: ...", "auth: ..."), with the part's code: CA_DB_CONNECT,
 * CA_DB_SCHEMA (db.h, dynamodb.h, mysql.h), CA_STORAGE_IO (storage.h),
 * CA_EUNSUPPORTED (auth kind cognito on database kind mysql), CA_EINVAL,
 * CA_ENOMEM. A region missing everywhere is the first AWS backend's failure, or,
 * with opt->aws, the client's own (CA_AWS_NO_REGION, unprefixed).
 */
int ca_backends_open(const struct serve_config *cfg, const struct ca_backends_options *opt,
		     struct ca_backends *out, struct ca_err *err);

/* Closes and frees every member and zeroes *b. NULL and an empty *b are accepted. */
void ca_backends_close(struct ca_backends *b);

/*
 * Opens the backend a database URL names: "mysql://user[:password]@host[:port]/database"
 * (mysql.h, its options) or "dynamodb://?user_table=..&photo_table=..&region=..&endpoint=.."
 * (dynamodb.h; a client of its own). On CA_OK *out is the handle (ca_db_close()
 * frees it); on error *out is NULL. CA_EINVAL for no URL, CA_EUNSUPPORTED for other
 * schemes, else the backend's codes.
 */
int ca_db_open(const char *url, struct ca_db **out, struct ca_err *err);

/*
 * A legacy deployment's backends (cloudalbum-legacy-seed): the database at db_url
 * (ca_db_open's forms) and the upload folder upload_dir (storage/disk.h) into *out
 * (ca_backends_close); no AWS client unless db_url is a dynamodb:// one. Errors
 * as ca_db_open and ca_storage_disk_open give them.
 */
int ca_backends_open_legacy(const char *db_url, const char *upload_dir,
			    struct ca_backends *out, struct ca_err *err);

#endif
