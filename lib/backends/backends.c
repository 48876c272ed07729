/*
 * backends.c — opening the backends a serve config names, sharing one AWS client
 * (see backends.h).
 */
#include "backends/backends.h"

#include <string.h>

#include "db/dynamodb.h"
#include "db/mysql.h"
#include "storage/disk.h"
#include "storage/s3.h"
#include "util/strutil.h"
#include "util/banned.h"

int ca_db_open(const char *url, struct ca_db **out, struct ca_err *err)
{
	*out = NULL;
	if (!url || !*url)
		return ca_err_set(err, CA_EINVAL, "No database URL was given.");
	if (ca_starts_with(url, "mysql://"))
		return ca_db_mysql_open(url, out, err);
	if (ca_starts_with(url, "dynamodb://"))
		return ca_db_dynamodb_open_url(url, out, err);
	return ca_err_set(err, CA_EUNSUPPORTED,
			  "The database URL must start with mysql:// or dynamodb://.");
}

void ca_backends_close(struct ca_backends *b)
{
	if (!b)
		return;
	/* the users of the client first, then the client, then its credentials */
	ca_cognito_auth_free(b->cognito);
	ca_storage_release(b->storage);
	ca_db_close(b->db);
	aws_client_free(b->aws);
	aws_credentials_provider_release(b->credentials);
	memset(b, 0, sizeof(*b));
}

static bool wants_db(unsigned open, const struct serve_config *cfg)
{
	return (open & CA_BACKENDS_DB) && cfg->database.kind == SERVE_DB_DYNAMODB;
}

static bool wants_s3(unsigned open, const struct serve_config *cfg)
{
	return (open & CA_BACKENDS_STORAGE) && cfg->storage.kind == SERVE_STORAGE_S3;
}

static bool wants_pool(unsigned open, const struct serve_config *cfg)
{
	return (open & CA_BACKENDS_AUTH) && cfg->auth.kind == SERVE_AUTH_COGNITO;
}

/*
 * The one client, when anything opened speaks AWS. Its failure (no region, a bad
 * retry variable) is told as the first AWS backend's, with that backend's code,
 * as each backend told it when it made its own client; as the client's own when
 * the caller asked for the client (always).
 */
static int open_client(const struct serve_config *cfg, unsigned open, bool always,
		       struct ca_backends *b, struct ca_err *err)
{
	struct aws_client_options copt;
	struct ca_err step;
	int rc;

	if (!always && !wants_db(open, cfg) && !wants_s3(open, cfg) && !wants_pool(open, cfg))
		return CA_OK;
	b->credentials = aws_credentials_provider_new();
	if (!b->credentials)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	memset(&copt, 0, sizeof(copt));
	copt.fallback_region = cfg->aws.region;
	copt.endpoint = cfg->aws.endpoint;
	copt.credentials = b->credentials;
	ca_err_clear(&step);
	rc = aws_client_new(&copt, &b->aws, &step);
	if (rc == CA_OK || rc == CA_ENOMEM || always)
		return rc == CA_OK ? CA_OK : ca_err_set(err, rc, "%s", ca_err_msg(&step));
	if (wants_db(open, cfg))
		return ca_err_set(err, CA_DB_CONNECT, "database: %s", ca_err_msg(&step));
	if (wants_s3(open, cfg))
		return ca_err_set(err, CA_STORAGE_IO, "storage (bucket %s): %s", cfg->storage.bucket,
				  ca_err_msg(&step));
	return ca_err_set(err, rc, "auth: %s", ca_err_msg(&step));
}

static int open_db(const struct serve_config *cfg, unsigned pool, struct ca_backends *b,
		   struct ca_err *err)
{
	int rc;

	if (cfg->database.kind == SERVE_DB_DYNAMODB) {
		struct ca_db_dynamodb_options ddb = { b->aws, cfg->aws.region, cfg->aws.endpoint,
						      cfg->database.user_table,
						      cfg->database.photo_table,
						      cfg->auth.kind == SERVE_AUTH_COGNITO };

		rc = ca_db_dynamodb_open(&ddb, &b->db, err);
	} else {
		rc = ca_db_mysql_open_pool(cfg->database.url, pool ? pool : 1, &b->db, err);
	}
	if (rc != CA_OK)
		ca_err_prefix(err, "database");
	return rc;
}

/* The legacy folder, or a bucket (stage 2+). */
static int open_storage(const struct serve_config *cfg, struct ca_backends *b,
			struct ca_err *err)
{
	int rc;

	if (cfg->storage.kind == SERVE_STORAGE_S3) {
		struct ca_storage_s3_options s3 = { cfg->storage.bucket, cfg->storage.prefix,
						    cfg->storage.presign_expires, cfg->aws.region,
						    cfg->aws.endpoint, b->credentials, b->aws };

		rc = ca_storage_s3_open(&s3, &b->storage, err);
		if (rc != CA_OK)
			ca_err_prefix(err, "storage (bucket %s)", cfg->storage.bucket);
		return rc;
	}
	rc = ca_storage_disk_open(cfg->storage.path, &b->storage, err);
	if (rc != CA_OK)
		ca_err_prefix(err, "storage.path %s", cfg->storage.path);
	return rc;
}

static int check_kinds(const struct serve_config *cfg, unsigned open, struct ca_err *err)
{
	/* the legacy Photo table keys owners by integer User ids; pool users have none */
	if ((open & CA_BACKENDS_DB) && cfg->auth.kind == SERVE_AUTH_COGNITO &&
	    cfg->database.kind == SERVE_DB_MYSQL)
		return ca_err_set(err, CA_EUNSUPPORTED,
				  "%s: auth kind cognito needs database kind dynamodb (the MySQL "
				  "Photo table cannot name a user-pool user as owner).",
				  cfg->path ? cfg->path : "config");
	return CA_OK;
}

int ca_backends_open(const struct serve_config *cfg, const struct ca_backends_options *opt,
		     struct ca_backends *out, struct ca_err *err)
{
	static const struct ca_backends_options all = { CA_BACKENDS_ALL, 1, false };
	unsigned open;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!opt)
		opt = &all;
	open = opt->open ? opt->open : CA_BACKENDS_ALL;
	rc = check_kinds(cfg, open, err);
	if (rc == CA_OK)
		rc = open_client(cfg, open, opt->aws, out, err);
	if (rc == CA_OK && (open & CA_BACKENDS_DB))
		rc = open_db(cfg, opt->db_pool, out, err);
	if (rc == CA_OK && (open & CA_BACKENDS_STORAGE))
		rc = open_storage(cfg, out, err);
	if (rc == CA_OK && wants_pool(open, cfg)) {
		rc = ca_cognito_auth_open(cfg, out->aws, &out->cognito, err);
		if (rc != CA_OK)
			ca_err_prefix(err, "auth");
	}
	if (rc != CA_OK)
		ca_backends_close(out);
	return rc;
}

int ca_backends_open_legacy(const char *db_url, const char *upload_dir,
			    struct ca_backends *out, struct ca_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ca_db_open(db_url, &out->db, err);
	if (rc == CA_OK)
		rc = ca_storage_disk_open(upload_dir, &out->storage, err);
	if (rc != CA_OK)
		ca_backends_close(out);
	return rc;
}
