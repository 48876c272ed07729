/*
 * Stage 2: the S3 bucket for the photos (docs/CONTRACTS.md, "S3 layout"):
 *   the bucket named by storage.bucket, created in the client's region
 *   (LocationConstraint outside us-east-1), all four public access block switches on,
 *   and default encryption (SSE-S3, AES256).
 * The bucket is found by name (HeadBucket): one that answers 403 belongs to another
 * account (or these credentials may not see it) and is a clear error, never retried
 * under another name; one of ours in another region is an error too (S3 cannot move
 * a bucket). A public access block changed behind our back is drift that apply puts
 * back. Default encryption is only added where the bucket has none: a bucket already
 * encrypted with KMS keeps its stronger setting.
 * destroy refuses a bucket that holds objects unless --force, which empties it first.
 */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define KIND_BUCKET "s3 bucket"
#define KIND_PAB "s3 public access block"
#define KIND_ENC "s3 default encryption"
#define READY_TRIES 30
#define READY_SLEEP_MS 1000

struct s3_stage_cfg {
	char *bucket;
	int bucket_line;
};

static void unload(void *priv)
{
	struct s3_stage_cfg *cfg = priv;

	if (!cfg)
		return;
	free(cfg->bucket);
	free(cfg);
}

/* S3's naming rules for new buckets (general purpose): 3..63 of [a-z0-9.-], no "..",
 * letter or digit at both ends, not shaped like an IP address. */
static bool bucket_name_ok(const char *b)
{
	size_t i, n = strlen(b), dots = 0, digits = 0;

	if (n < 3 || n > 63 || strstr(b, "..") || strstr(b, ".-") || strstr(b, "-."))
		return false;
	for (i = 0; i < n; i++) {
		char ch = b[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && ch != '-' && ch != '.')
			return false;
		if ((i == 0 || i + 1 == n) && !alnum)
			return false;
		dots += ch == '.';
		digits += ch >= '0' && ch <= '9';
	}
	return !(dots == 3 && digits + dots == n);
}

static int load(struct stage_ctx *ctx, void **priv, struct ca_err *err)
{
	struct s3_stage_cfg *cfg = calloc(1, sizeof(*cfg));
	int rc;

	if (!cfg)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = stage_cfg_string(ctx, "storage.bucket", NULL, &cfg->bucket, err)))
		goto fail;
	cfg->bucket_line = stage_cfg_line(ctx, "storage.bucket");
	if (!bucket_name_ok(cfg->bucket)) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'storage.bucket' \"%.70s\" is not a valid S3 bucket name "
				"(3 to 63 lowercase letters, digits, '-' or '.', starting and ending "
				"with a letter or digit)", ctx->doc->name, cfg->bucket_line,
				cfg->bucket);
		goto fail;
	}
	*priv = cfg;
	return CA_OK;
fail:
	unload(cfg);
	return rc;
}

/* HeadBucket, turning "someone else's" and "another region" into errors. */
static int probe(struct stage_ctx *ctx, const struct s3_stage_cfg *cfg,
		 struct s3_bucket_probe *p, struct ca_err *err)
{
	const char *region = aws_client_region(ctx->aws);
	int rc;

	if ((rc = s3_bucket_probe(ctx->aws, cfg->bucket, p, err)))
		return rc;
	if (p->status == S3_BUCKET_FORBIDDEN)
		return ca_err_set(err, CA_STAGE_CONFLICT,
				  "S3 bucket %s already exists and is not yours (S3 answered 403 "
				  "Forbidden): bucket names are global, so choose another "
				  "'storage.bucket' in %s:%d (or, if it is yours, allow these "
				  "credentials s3:ListBucket on it)", cfg->bucket, ctx->doc->name,
				  cfg->bucket_line);
	if (p->status == S3_BUCKET_OURS && p->region[0] && strcmp(p->region, region) != 0)
		return ca_err_set(err, CA_STAGE_CONFLICT,
				  "S3 bucket %s is in region %s, but this stage runs in %s; a bucket "
				  "cannot move, so set aws.region to %s or choose another "
				  "'storage.bucket' in %s:%d", cfg->bucket, p->region, region,
				  p->region, ctx->doc->name, cfg->bucket_line);
	return CA_OK;
}

/* After CreateBucket: HeadBucket until it answers 200. */
static int wait_until_ready(struct stage_ctx *ctx, const struct s3_stage_cfg *cfg,
			    struct ca_err *err)
{
	struct s3_bucket_probe p;
	int i, rc;

	for (i = 0; i < READY_TRIES; i++) {
		if ((rc = probe(ctx, cfg, &p, err)))
			return rc;
		if (p.status == S3_BUCKET_OURS)
			return CA_OK;
		stage_sleep_ms(READY_SLEEP_MS);
	}
	return ca_err_set(err, CA_ETIMEOUT,
			  "S3 bucket %s was created but did not answer HeadBucket within %d s; "
			  "run apply again", cfg->bucket, READY_TRIES * READY_SLEEP_MS / 1000);
}

static void pab_drift(const struct s3_public_access_block *have, struct ca_buf *d)
{
	static const char *const names[4] = { "BlockPublicAcls", "IgnorePublicAcls",
					       "BlockPublicPolicy", "RestrictPublicBuckets" };
	const bool v[4] = { have->block_public_acls, have->ignore_public_acls,
			    have->block_public_policy, have->restrict_public_buckets };
	int i;

	for (i = 0; i < 4; i++)
		if (!v[i])
			ca_buf_addf(d, "%s%s false -> true", d->len ? ", " : "", names[i]);
}

static int converge_public_access(struct stage_ctx *ctx, const char *bucket, struct ca_err *err)
{
	static const struct s3_public_access_block all = { true, true, true, true };
	struct s3_public_access_block have;
	struct ca_buf drift = CA_BUF_INIT;
	bool present;
	int rc;

	if ((rc = s3_get_public_access_block(ctx->aws, bucket, &have, &present, err)))
		return rc;
	if (present && s3_public_access_block_all(&have)) {
		stage_report(ctx, STAGE_OK, KIND_PAB, bucket, NULL);
		return CA_OK;
	}
	if (!present) {
		stage_report(ctx, STAGE_CREATE, KIND_PAB, bucket, "all four switches on");
	} else {
		pab_drift(&have, &drift);
		if (!ca_buf_ok(&drift))
			return ca_err_set(err, CA_ENOMEM, "out of memory");
		stage_report(ctx, STAGE_UPDATE, KIND_PAB, bucket, "%s", drift.data);
		ca_buf_release(&drift);
	}
	if (!stage_applying(ctx))
		return CA_OK;
	return s3_put_public_access_block(ctx->aws, bucket, &all, err);
}

static int converge_encryption(struct stage_ctx *ctx, const char *bucket, struct ca_err *err)
{
	struct s3_encryption have;
	bool present;
	int rc;

	if ((rc = s3_get_bucket_encryption(ctx->aws, bucket, &have, &present, err)))
		return rc;
	if (present && !strcmp(have.algorithm, "AES256")) {
		stage_report(ctx, STAGE_OK, KIND_ENC, bucket, "AES256");
		return CA_OK;
	}
	if (present && ca_starts_with(have.algorithm, "aws:kms")) {
		stage_report(ctx, STAGE_OK, KIND_ENC, bucket, "%s (stronger than AES256, kept)",
			     have.algorithm);
		return CA_OK;
	}
	if (present)
		stage_report(ctx, STAGE_UPDATE, KIND_ENC, bucket, "%s -> AES256", have.algorithm);
	else
		stage_report(ctx, STAGE_CREATE, KIND_ENC, bucket, "SSE-S3 (AES256)");
	if (!stage_applying(ctx))
		return CA_OK;
	return s3_put_bucket_encryption_aes256(ctx->aws, bucket, err);
}

static int outputs(struct stage_ctx *ctx, const char *bucket, struct ca_err *err)
{
	struct ca_buf arn = CA_BUF_INIT;
	int rc;

	ca_buf_addf(&arn, "arn:aws:s3:::%s", bucket);
	if (!ca_buf_ok(&arn))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if (!(rc = stage_output(ctx, "bucket", bucket, "storage.bucket", 0, err)) &&
	    !(rc = stage_output(ctx, "bucket_region", aws_client_region(ctx->aws), NULL, 0, err)))
		rc = stage_output(ctx, "bucket_arn", arn.data, NULL, 0, err);
	ca_buf_release(&arn);
	return rc;
}

static int converge(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct s3_stage_cfg *cfg = ctx->priv;
	const char *region = aws_client_region(ctx->aws);
	struct s3_bucket_probe p;
	struct ca_buf arn = CA_BUF_INIT;
	int rc;

	ca_buf_addf(&arn, "arn:aws:s3:::%s", cfg->bucket);
	if (!ca_buf_ok(&arn))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = probe(ctx, cfg, &p, err)))
		goto out;
	if (p.status == S3_BUCKET_ABSENT) {
		stage_report(ctx, STAGE_CREATE, KIND_BUCKET, cfg->bucket, "in %s", region);
		if (!stage_applying(ctx)) {
			/* what apply will add to the new bucket */
			stage_report(ctx, STAGE_CREATE, KIND_PAB, cfg->bucket, "all four switches on");
			stage_report(ctx, STAGE_CREATE, KIND_ENC, cfg->bucket, "SSE-S3 (AES256)");
			goto out;
		}
		if ((rc = s3_create_bucket(ctx->aws, cfg->bucket, region, err))) {
			if (rc == CA_EEXIST) {
				ca_err_prefix(err, "%s:%d", ctx->doc->name, cfg->bucket_line);
				rc = CA_STAGE_CONFLICT;
			}
			goto out;
		}
		if ((rc = wait_until_ready(ctx, cfg, err)) ||
		    (rc = stage_resource_created(ctx, KIND_BUCKET, cfg->bucket, arn.data, err)))
			goto out;
	} else {
		stage_report(ctx, STAGE_OK, KIND_BUCKET, cfg->bucket, "in %s", region);
		if (stage_applying(ctx) &&
		    (rc = stage_resource_created(ctx, KIND_BUCKET, cfg->bucket, arn.data, err)))
			goto out;
	}
	if ((rc = converge_public_access(ctx, cfg->bucket, err)) ||
	    (rc = converge_encryption(ctx, cfg->bucket, err)))
		goto out;
	rc = outputs(ctx, cfg->bucket, err);
out:
	ca_buf_release(&arn);
	return rc;
}

static int destroy(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct s3_stage_cfg *cfg = ctx->priv;
	struct s3_bucket_probe p;
	size_t deleted = 0;
	bool empty = false;
	int rc;

	if ((rc = probe(ctx, cfg, &p, err)))
		return rc;
	if (p.status == S3_BUCKET_ABSENT) {
		stage_report(ctx, STAGE_ABSENT, KIND_BUCKET, cfg->bucket, NULL);
		return stage_resource_deleted(ctx, KIND_BUCKET, cfg->bucket, err);
	}
	if ((rc = s3_bucket_is_empty(ctx->aws, cfg->bucket, &empty, err)))
		return rc;
	if (!empty && !ctx->force)
		return ca_err_set(err, CA_STAGE_NOT_EMPTY,
				  "S3 bucket %s holds objects, so destroy deleted nothing; pass "
				  "--force to delete it with every object in it", cfg->bucket);
	if (!empty && (rc = s3_empty_bucket(ctx->aws, cfg->bucket, &deleted, err)))
		return rc;
	if ((rc = s3_delete_bucket(ctx->aws, cfg->bucket, err)))
		return rc;
	if (deleted)
		stage_report(ctx, STAGE_DELETE, KIND_BUCKET, cfg->bucket, "with %zu object(s)",
			     deleted);
	else
		stage_report(ctx, STAGE_DELETE, KIND_BUCKET, cfg->bucket, NULL);
	return stage_resource_deleted(ctx, KIND_BUCKET, cfg->bucket, err);
}

const struct stage_def stage2_s3 = {
	.number = 2,
	.name = "s3",
	.title = "Stage 2: the S3 photo bucket (public access blocked, default encryption).",
	.load = load,
	.unload = unload,
	.converge = converge,
	.destroy = destroy,
};
