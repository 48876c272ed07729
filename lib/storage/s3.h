/*
 * s3.h — the storage backend on one S3 bucket (stage 2+).
 *
 * Keys: <prefix>/<norm(email)>/<filename> for originals and
 * <prefix>/<norm(email)>/thumbnails/<filename> for thumbnails (prefix "photos"
 * by default, as docs/CONTRACTS.md fixes; the seed's thumbnail/ is also read and
 * deleted). Objects are written with Content-Type image/jpeg in one PUT, so a
 * reader sees the old object or the new one. Reads are capped: an object larger
 * than the caller's max_len is refused (CA_ERANGE) without being held in full.
 * ca_storage_url() gives presigned GET URLs (SigV4 query signing), addressed
 * the way the requests are: path-style on custom endpoints (the local stand-in),
 * virtual-host style on AWS for bucket names that are DNS labels.
 *
 * Every call goes through aws/client.h (timeouts, retries, signing). Failures:
 * CA_STORAGE_NOTFOUND (no such object), CA_STORAGE_IO (the service refused or
 * could not be reached; the sentence says which), CA_ERANGE, CA_ENOMEM.
 * Safe for use from several threads at once.
 */
#ifndef CA_STORAGE_S3_H
#define CA_STORAGE_S3_H

#include "aws/client.h"
#include "aws/credentials.h"
#include "storage/storage.h"

#define CA_STORAGE_S3_PREFIX_DEFAULT "photos"
#define CA_STORAGE_S3_EXPIRES_DEFAULT 3600
#define CA_STORAGE_S3_PREFIX_MAX 200

struct ca_storage_s3_options {
	const char *bucket;        /* required */
	const char *prefix;        /* NULL: "photos"; "": keys start at the bucket's root;
				    * a trailing '/' is ignored */
	long presign_expires;      /* seconds a presigned URL lasts; 0: 3600 */
	const char *region;        /* the YAML's aws.region (a fallback, see credentials.h) */
	const char *endpoint;      /* the YAML's aws.endpoint; NULL: env or real AWS */
	/* Borrowed, must outlive the backend; NULL: the backend owns a default provider.
	 * The same credentials sign requests and presigned URLs. */
	struct aws_credentials_provider *credentials;
	/* Borrowed, must outlive the backend; NULL: the backend makes its own client from
	 * region and endpoint. Give credentials too: the client's provider, so that
	 * presigned URLs are signed with what signs the requests. */
	struct aws_client *client;
};

/*
 * Opens the backend and checks that the bucket exists (HEAD). On CA_OK *out is
 * the backend (ca_storage_release() frees it); on error *out is NULL:
 * CA_EINVAL for a bad bucket name, prefix or lifetime, CA_STORAGE_IO when the
 * bucket is missing (create it with stage 2), refused or unreachable, or no
 * region/credentials are found; CA_ENOMEM.
 */
int ca_storage_s3_open(const struct ca_storage_s3_options *opt, struct ca_storage **out,
		       struct ca_err *err);

/*
 * Appends the object key of an image to out ("photos/<norm(email)>/thumbnails/x.jpg"),
 * checking the names as layout.h does. prefix as in the options (already
 * normalised: no trailing '/'). On a bad name out is unchanged; CA_ENOMEM marks
 * it failed.
 */
int ca_storage_s3_key(const char *prefix, const char *email, const char *filename,
		      enum ca_image_kind kind, struct ca_buf *out, struct ca_err *err);

#endif
