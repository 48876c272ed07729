/*
 * s3.h — the S3 operations the toolkit uses, on top of aws_s3_send (client.h).
 *
 * Bucket calls for the stage 2 provisioner (create, probe, public access block,
 * default encryption, listing, emptying, delete) and the plain object calls the
 * storage backend and the migration need (put, get, head, delete).
 * Every call fails with one sentence in err that names the bucket (and key); S3's own
 * error code is kept in the sentence ("s3: NoSuchBucket: ...").
 * Requests whose body S3 wants integrity-checked (PutPublicAccessBlock,
 * PutBucketEncryption, DeleteObjects) carry a Content-MD5 header.
 */
#ifndef CA_AWS_S3_H
#define CA_AWS_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"
#include "util/buf.h"
#include "util/error.h"

/* What HeadBucket says about a name. */
enum s3_bucket_status {
	S3_BUCKET_ABSENT,       /* 404: nobody has it (in this partition) */
	S3_BUCKET_OURS,         /* 200: exists and these credentials may use it */
	S3_BUCKET_FORBIDDEN,    /* 403: exists and belongs to someone else, or no permission */
};

#define S3_REGION_MAX 64

struct s3_bucket_probe {
	enum s3_bucket_status status;
	char region[S3_REGION_MAX];     /* x-amz-bucket-region when S3 said it, else "" */
};

/*
 * HeadBucket. Fills *out and returns CA_OK for 200, 403 and 404 (and for a 301 to
 * another region, as S3_BUCKET_OURS with out->region set: the caller compares).
 * Other answers are errors (CA_AWS_* from the client).
 */
int s3_bucket_probe(struct aws_client *c, const char *bucket, struct s3_bucket_probe *out,
		    struct ca_err *err);

/*
 * CreateBucket in region (LocationConstraint unless region is us-east-1).
 * Returns CA_OK, also when this account already owns the bucket
 * (BucketAlreadyOwnedByYou); CA_EEXIST with a sentence saying the name belongs to
 * another account (BucketAlreadyExists); other failures from the client.
 */
int s3_create_bucket(struct aws_client *c, const char *bucket, const char *region,
		     struct ca_err *err);

/* GetBucketLocation: the bucket's region into region[S3_REGION_MAX] ("" answer means
 * us-east-1, written as "us-east-1"). CA_OK or the client's failure. */
int s3_bucket_location(struct aws_client *c, const char *bucket, char *region,
		       struct ca_err *err);

/* DeleteBucket. The bucket must be empty (S3 says BucketNotEmpty otherwise). */
int s3_delete_bucket(struct aws_client *c, const char *bucket, struct ca_err *err);

/* The four switches of a public access block. */
struct s3_public_access_block {
	bool block_public_acls;
	bool ignore_public_acls;
	bool block_public_policy;
	bool restrict_public_buckets;
};

/* All four true. */
bool s3_public_access_block_all(const struct s3_public_access_block *p);

/*
 * GetPublicAccessBlock. *present is false (and *out all false) when the bucket has
 * none (NoSuchPublicAccessBlockConfiguration); CA_OK then. CA_AWS_BAD_RESPONSE when
 * the answer cannot be read.
 */
int s3_get_public_access_block(struct aws_client *c, const char *bucket,
			       struct s3_public_access_block *out, bool *present,
			       struct ca_err *err);

/* PutPublicAccessBlock with exactly these four values. */
int s3_put_public_access_block(struct aws_client *c, const char *bucket,
			       const struct s3_public_access_block *p, struct ca_err *err);

/* DeletePublicAccessBlock. Absent is fine (CA_OK). */
int s3_delete_public_access_block(struct aws_client *c, const char *bucket,
				  struct ca_err *err);

/* Default encryption of a bucket (the first rule). */
struct s3_encryption {
	char algorithm[32];             /* "AES256", "aws:kms", "aws:kms:dsse"; "" when none */
	char kms_key_id[256];           /* "" unless aws:kms with a key */
	bool bucket_key_enabled;
};

/*
 * GetBucketEncryption. *present false (CA_OK) when none is configured
 * (ServerSideEncryptionConfigurationNotFoundError).
 */
int s3_get_bucket_encryption(struct aws_client *c, const char *bucket,
			     struct s3_encryption *out, bool *present, struct ca_err *err);

/* PutBucketEncryption with one rule: SSE-S3 (AES256). */
int s3_put_bucket_encryption_aes256(struct aws_client *c, const char *bucket,
				    struct ca_err *err);

/* One page of ListObjectsV2. Lifecycle: s3_object_page_init / s3_object_page_release. */
struct s3_object_page {
	char **keys;                    /* n_keys keys, each malloc'd */
	size_t n_keys;
	bool truncated;                 /* more pages follow */
	char *next_token;               /* NextContinuationToken when truncated, else NULL */
};

void s3_object_page_init(struct s3_object_page *p);
/* Frees everything in p and re-initialises it. NULL accepted. */
void s3_object_page_release(struct s3_object_page *p);

/*
 * ListObjectsV2, one page of at most max_keys (1..1000; 0: 1000) keys under prefix
 * (NULL: all), continuing at token (NULL: the start). Fills *out (released first).
 * CA_AWS_BAD_RESPONSE for an unreadable answer; on error *out is empty.
 */
int s3_list_objects_page(struct aws_client *c, const char *bucket, const char *prefix,
			 const char *token, unsigned max_keys, struct s3_object_page *out,
			 struct ca_err *err);

/* true when the bucket holds no object (one ListObjectsV2 with max-keys 1). */
int s3_bucket_is_empty(struct aws_client *c, const char *bucket, bool *empty,
		       struct ca_err *err);

/*
 * DeleteObjects for up to 1000 keys in one request (quiet mode). A key S3 could not
 * delete makes the call fail naming that key and S3's code. n == 0 does nothing.
 */
int s3_delete_objects(struct aws_client *c, const char *bucket, char *const *keys, size_t n,
		      struct ca_err *err);

/*
 * Deletes every object in the bucket, all pages. *deleted (may be NULL) receives the
 * count. Versioned buckets: only current versions are removed (a gap, see s3.c).
 */
int s3_empty_bucket(struct aws_client *c, const char *bucket, size_t *deleted,
		    struct ca_err *err);

/* PutObject. content_type may be NULL (binary/octet-stream). */
int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *body,
		  size_t len, const char *content_type, struct ca_err *err);

/*
 * GetObject into out (appended to; the caller owns and releases it), at most max_bytes
 * (0: the transport's cap). CA_ENOTFOUND for NoSuchKey, CA_ERANGE when larger.
 */
int s3_get_object(struct aws_client *c, const char *bucket, const char *key,
		  struct ca_buf *out, size_t max_bytes, struct ca_err *err);

/* HeadObject: *exists, and *size (may be NULL) when it does. CA_OK also for 404. */
int s3_head_object(struct aws_client *c, const char *bucket, const char *key, bool *exists,
		   unsigned long long *size, struct ca_err *err);

/* DeleteObject. A missing key is fine (S3 answers 204 either way). */
int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct ca_err *err);

#endif
