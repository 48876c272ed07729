/*
 * s3.h — the S3 operations the toolkit uses, on top of aws_s3_send (client.h).
 *
 * Bucket calls for the stage 2 provisioner (create, probe, public access block,
 * default encryption, listing, emptying, delete) and the plain object calls the
 * storage backend and the migration need (put, get, head, delete); these also say
 * what S3 answered (status, ETag, type, size) through an optional s3_object_meta.
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
	char **etags;                   /* per key: its ETag without quotes, malloc'd ("" when none) */
	unsigned long long *sizes;      /* per key: its Size in bytes */
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

#define S3_ETAG_MAX 128
#define S3_CONTENT_TYPE_MAX 128

/*
 * What S3 answered to one object call (put, get, head, delete), for callers that need
 * more than the result code. Every object call takes one optionally (NULL: not wanted)
 * and overwrites all of it, on success and on failure alike. Plain values: the caller
 * owns the struct (usually on its stack) and there is nothing to free.
 */
struct s3_object_meta {
	long status;            /* HTTP status of the last attempt (200, 204, 404, 403 ...);
				 * 0 when no answer came (network failure, timeout, bad argument) */
	/* The rest is filled from a 2xx answer only; "" and 0 otherwise. */
	char etag[S3_ETAG_MAX]; /* ETag without its quotes (put, get, head): the hex MD5 of the
				 * bytes for a one-part upload, "<hex>-<parts>" for a multipart
				 * one; "" when S3 sent none */
	char content_type[S3_CONTENT_TYPE_MAX];  /* the object's (get, head); "" when none */
	unsigned long long content_length;       /* the object's size (get, head) */
};

/*
 * PutObject. content_type may be NULL (binary/octet-stream). meta (may be NULL) gets
 * the status and the new object's ETag. CA_EINVAL for an empty key; failures from the
 * client (CA_AWS_SERVICE with meta->status 404 for a missing bucket).
 */
int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *body,
		  size_t len, const char *content_type, struct s3_object_meta *meta,
		  struct ca_err *err);

/*
 * GetObject, appended to out (the caller owns and releases it; only a CA_OK call adds
 * to it). An object over max_bytes (0: the transport's cap) is refused with CA_ERANGE;
 * error answers are read whatever max_bytes is. CA_ENOTFOUND (meta->status 404) for
 * NoSuchKey; other failures from the client. meta (may be NULL): status, ETag,
 * Content-Type and size.
 */
int s3_get_object(struct aws_client *c, const char *bucket, const char *key,
		  struct ca_buf *out, size_t max_bytes, struct s3_object_meta *meta,
		  struct ca_err *err);

/*
 * HeadObject: *exists true for 200, false for 404 (CA_OK for both). meta (may be NULL):
 * status, and for an existing object its ETag, Content-Type and size. Other answers
 * are failures from the client (meta->status says which, e.g. 403).
 */
int s3_head_object(struct aws_client *c, const char *bucket, const char *key, bool *exists,
		   struct s3_object_meta *meta, struct ca_err *err);

/*
 * Multipart upload, for objects too large for one PutObject to be wise (S3 takes
 * parts of 5 MiB .. 5 GiB, all but the last at least 5 MiB, numbered 1..10000).
 *
 * s3_create_multipart_upload: CreateMultipartUpload with content_type (NULL:
 * binary/octet-stream); *upload_id malloc'd (the caller frees it).
 * s3_upload_part: UploadPart number part of upload_id; etag (S3_ETAG_MAX bytes)
 * receives the part's ETag without quotes.
 * s3_complete_multipart_upload: CompleteMultipartUpload of parts 1..n with their
 * etags; meta (may be NULL) gets the object's ETag ("<hex>-<n>"). A 200 answer
 * that holds an <Error> is a failure (CA_AWS_SERVICE), as S3 documents.
 * s3_abort_multipart_upload: AbortMultipartUpload (a missing upload is fine).
 * Failures as the other object calls'.
 */
int s3_create_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			       const char *content_type, char **upload_id, struct ca_err *err);
int s3_upload_part(struct aws_client *c, const char *bucket, const char *key,
		   const char *upload_id, int part, const void *body, size_t len, char *etag,
		   struct ca_err *err);
int s3_complete_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
				 const char *upload_id, char *const *etags, size_t n,
				 struct s3_object_meta *meta, struct ca_err *err);
int s3_abort_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			      const char *upload_id, struct ca_err *err);

/*
 * DeleteObject. A missing key is fine (S3 answers 204 either way). meta (may be NULL):
 * the status. Failures from the client (meta->status 404 for a missing bucket).
 */
int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct s3_object_meta *meta, struct ca_err *err);

/* ---- tags and listing (the classroom's ownership checks, docs/CONTRACTS.md) ---- */

/*
 * The bucket's tags as a new JSON object {key: value} in *tags (json_decref it; {} when
 * the bucket has none). CA_OK; CA_AWS_SERVICE (e.g. NoSuchBucket) and the transport's
 * codes with the service's sentence; CA_ENOMEM. On error *tags is NULL.
 */
int s3_get_bucket_tagging(struct aws_client *c, const char *bucket, json_t **tags,
			  struct ca_err *err);

/* Replaces the bucket's tag set with tags ({key: value}, string values). CA_OK or as above. */
int s3_put_bucket_tagging(struct aws_client *c, const char *bucket, const json_t *tags,
			  struct ca_err *err);

/* The names of every bucket of the account, a new JSON array in *names. As above. */
int s3_list_buckets(struct aws_client *c, json_t **names, struct ca_err *err);

#endif
