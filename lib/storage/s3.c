/*
 * s3.c — the storage backend on an S3 bucket: objects through aws/s3.h's object calls
 * (the bucket check at open through aws_s3_send), presigned GET URLs through
 * s3_presign_url.
 */
#include "storage/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "aws/s3_address.h"
#include "aws/s3_presign.h"
#include "util/strutil.h"
#include "util/banned.h"

#define S3_BUCKET_NAME_MAX 255

struct s3_storage {
	struct ca_storage base; /* first */
	struct aws_client *client;
	bool own_client;
	struct aws_credentials_provider *credentials;
	bool own_credentials;
	char *bucket;
	char *prefix;           /* no trailing '/'; may be "" */
	char *endpoint;         /* the configured endpoint, for presigned URLs; may be NULL */
	long expires;
};

static struct s3_storage *s3_of(struct ca_storage *st)
{
	return (struct s3_storage *)st;
}

static void add_key_prefix(const char *prefix, struct ca_buf *out)
{
	if (prefix && *prefix) {
		ca_buf_adds(out, prefix);
		ca_buf_addch(out, '/');
	}
}

int ca_storage_s3_key(const char *prefix, const char *email, const char *filename,
		      enum ca_image_kind kind, struct ca_buf *out, struct ca_err *err)
{
	struct ca_buf rel = CA_BUF_INIT;
	int rc;

	rc = ca_storage_relpath(email, filename, kind, &rel, err);
	if (rc == CA_OK) {
		add_key_prefix(prefix, out);
		ca_buf_add(out, rel.data, rel.len);
		if (!ca_buf_ok(out))
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory building an S3 key.");
	}
	ca_buf_release(&rel);
	return rc;
}

/* The key under the seed's other thumbnail folder, thumbnail/. */
static int old_thumb_key(const char *prefix, const char *email, const char *filename,
			 struct ca_buf *out, struct ca_err *err)
{
	add_key_prefix(prefix, out);
	return ca_storage_old_thumb_relpath(email, filename, out, err);
}

/* The storage code for a failed S3 call: 404 is "not found", the rest I/O. */
static int s3_failure(int rc, const struct s3_object_meta *meta, const struct ca_err *call_err,
		      const char *key, struct ca_err *err)
{
	if (rc == CA_ENOMEM)
		return ca_err_set(err, CA_ENOMEM, "Out of memory talking to S3.");
	if (meta->status == 404)
		return ca_err_set(err, CA_STORAGE_NOTFOUND, "The object %s is not in the bucket.", key);
	return ca_err_set(err, CA_STORAGE_IO, "%s", ca_err_msg(call_err));
}

/* HEAD key: *found true/false, or an error other than 404. */
static int head_object(struct s3_storage *s, const char *key, bool *found, struct ca_err *err)
{
	struct s3_object_meta meta;
	struct ca_err call_err;
	int rc;

	ca_err_clear(&call_err);
	rc = s3_head_object(s->client, s->bucket, key, found, &meta, &call_err);
	if (rc != CA_OK)
		rc = s3_failure(rc, &meta, &call_err, key, err);
	return rc;
}

static int s3_put(struct ca_storage *st, const char *email, const char *filename,
		  enum ca_image_kind kind, const void *data, size_t len, struct ca_err *err)
{
	struct s3_storage *s = s3_of(st);
	struct ca_buf key = CA_BUF_INIT;
	struct s3_object_meta meta;
	struct ca_err call_err;
	int rc;

	ca_err_clear(&call_err);
	rc = ca_storage_s3_key(s->prefix, email, filename, kind, &key, err);
	if (rc != CA_OK)
		goto out;
	rc = s3_put_object(s->client, s->bucket, key.data, data, len, "image/jpeg", &meta,
			   &call_err);
	if (rc != CA_OK && rc != CA_ENOMEM && meta.status == 404) /* NoSuchBucket */
		rc = ca_err_set(err, CA_STORAGE_IO, "The bucket %s does not exist.", s->bucket);
	else if (rc != CA_OK)
		rc = s3_failure(rc, &meta, &call_err, key.data, err);
out:
	ca_buf_release(&key);
	return rc;
}

/* GET key into out, refusing objects over max_len bytes (0: only an empty one). */
static int get_object(struct s3_storage *s, const char *key, size_t max_len, struct ca_buf *out,
		      struct ca_err *err)
{
	struct s3_object_meta meta;
	struct ca_err call_err;
	size_t before = out->len;
	int rc;

	ca_err_clear(&call_err);
	/* s3_get_object reads 0 as "the transport's cap": ask for 1 and check below */
	rc = s3_get_object(s->client, s->bucket, key, out, max_len ? max_len : 1, &meta, &call_err);
	if (rc == CA_OK && out->len - before > max_len) {
		ca_buf_setlen(out, before);
		rc = CA_ERANGE;
	}
	if (rc == CA_ERANGE)
		rc = ca_err_set(err, CA_ERANGE, "The image %s is larger than %zu bytes.", key, max_len);
	else if (rc != CA_OK)
		rc = s3_failure(rc, &meta, &call_err, key, err);
	return rc;
}

static int s3_get(struct ca_storage *st, const char *email, const char *filename,
		  enum ca_image_kind kind, size_t max_len, struct ca_buf *out, struct ca_err *err)
{
	struct s3_storage *s = s3_of(st);
	struct ca_buf key = CA_BUF_INIT, old = CA_BUF_INIT;
	struct ca_err first, second;
	int rc;

	ca_err_clear(&first);
	ca_err_clear(&second);
	rc = ca_storage_s3_key(s->prefix, email, filename, kind, &key, err);
	if (rc != CA_OK)
		goto out;
	rc = get_object(s, key.data, max_len, out, &first);
	if (rc == CA_STORAGE_NOTFOUND && kind == CA_IMAGE_THUMB) {
		rc = old_thumb_key(s->prefix, email, filename, &old, err);
		if (rc != CA_OK)
			goto out;
		rc = get_object(s, old.data, max_len, out, &second);
		/* not under either folder: name the one we write */
		if (rc != CA_OK)
			rc = ca_err_set(err, rc, "%s",
					ca_err_msg(rc == CA_STORAGE_NOTFOUND ? &first : &second));
	} else if (rc != CA_OK) {
		rc = ca_err_set(err, rc, "%s", ca_err_msg(&first));
	}
out:
	ca_buf_release(&key);
	ca_buf_release(&old);
	return rc;
}

/* Deletes key if it exists; *deleted says whether it did. */
static int delete_object(struct s3_storage *s, const char *key, bool *deleted, struct ca_err *err)
{
	struct s3_object_meta meta;
	struct ca_err call_err;
	bool found = false;
	int rc;

	*deleted = false;
	rc = head_object(s, key, &found, err);
	if (rc != CA_OK || !found)
		return rc;
	ca_err_clear(&call_err);
	rc = s3_delete_object(s->client, s->bucket, key, &meta, &call_err);
	if (rc == CA_OK)
		*deleted = true;
	else
		rc = s3_failure(rc, &meta, &call_err, key, err);
	return rc;
}

static int s3_remove(struct ca_storage *st, const char *email, const char *filename,
		     enum ca_image_kind kind, struct ca_err *err)
{
	struct s3_storage *s = s3_of(st);
	struct ca_buf key = CA_BUF_INIT, old = CA_BUF_INIT;
	bool deleted = false, deleted_old = false;
	int rc;

	rc = ca_storage_s3_key(s->prefix, email, filename, kind, &key, err);
	if (rc == CA_OK)
		rc = delete_object(s, key.data, &deleted, err);
	if (rc == CA_OK && kind == CA_IMAGE_THUMB) {
		rc = old_thumb_key(s->prefix, email, filename, &old, err);
		if (rc == CA_OK)
			rc = delete_object(s, old.data, &deleted_old, err);
	}
	if (rc == CA_OK && !deleted && !deleted_old)
		rc = ca_err_set(err, CA_STORAGE_NOTFOUND, "The object %s is not in the bucket.",
				key.data);
	ca_buf_release(&key);
	ca_buf_release(&old);
	return rc;
}

static int s3_exists(struct ca_storage *st, const char *email, const char *filename,
		     enum ca_image_kind kind, bool *exists, struct ca_err *err)
{
	struct s3_storage *s = s3_of(st);
	struct ca_buf key = CA_BUF_INIT, old = CA_BUF_INIT;
	int rc;

	*exists = false;
	rc = ca_storage_s3_key(s->prefix, email, filename, kind, &key, err);
	if (rc == CA_OK)
		rc = head_object(s, key.data, exists, err);
	if (rc == CA_OK && !*exists && kind == CA_IMAGE_THUMB) {
		rc = old_thumb_key(s->prefix, email, filename, &old, err);
		if (rc == CA_OK)
			rc = head_object(s, old.data, exists, err);
	}
	ca_buf_release(&key);
	ca_buf_release(&old);
	return rc;
}

/* The object's unsigned URL, addressed as aws_s3_send would address it. */
static int object_url(struct s3_storage *s, const char *key, struct ca_buf *url, struct ca_err *err)
{
	struct aws_endpoint ep = { 0 };
	struct ca_err step;
	int rc;

	ca_err_clear(&step);
	rc = aws_endpoint_resolve(AWS_SVC_S3, aws_client_region(s->client), s->endpoint, &ep, &step);
	if (rc != CA_OK)
		return ca_err_set(err, rc == CA_ENOMEM ? CA_ENOMEM : CA_STORAGE_IO, "%s",
				  ca_err_msg(&step));
	if (aws_s3_object_url(&ep, s->bucket, key, url) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a URL.");
	aws_endpoint_release(&ep);
	return rc;
}

static int s3_url(struct ca_storage *st, const char *email, const char *filename,
		  enum ca_image_kind kind, long expires, char **url, struct ca_err *err)
{
	struct s3_storage *s = s3_of(st);
	struct ca_buf key = CA_BUF_INIT, plain = CA_BUF_INIT;
	struct aws_credentials creds;
	struct s3_presign_request pr;
	struct ca_err step;
	int rc;

	memset(&creds, 0, sizeof(creds));
	ca_err_clear(&step);
	rc = ca_storage_s3_key(s->prefix, email, filename, kind, &key, err);
	if (rc == CA_OK)
		rc = object_url(s, key.data, &plain, err);
	if (rc != CA_OK)
		goto out;
	rc = aws_credentials_provider_get(s->credentials, &creds, &step);
	if (rc != CA_OK) {
		rc = ca_err_set(err, CA_STORAGE_IO, "%s", ca_err_msg(&step));
		goto out;
	}
	memset(&pr, 0, sizeof(pr));
	pr.method = "GET";
	pr.url = plain.data;
	pr.expires = expires ? expires : s->expires;
	pr.when = time(NULL);
	pr.creds = &creds;
	pr.region = aws_client_region(s->client);
	rc = s3_presign_url(&pr, url, &step);
	if (rc != CA_OK)
		rc = ca_err_set(err, rc == CA_ENOMEM ? CA_ENOMEM : CA_STORAGE_IO, "%s",
				ca_err_msg(&step));
out:
	aws_credentials_release(&creds);
	ca_buf_release(&key);
	ca_buf_release(&plain);
	return rc;
}

static void s3_release(struct ca_storage *st)
{
	struct s3_storage *s = s3_of(st);

	if (!s)
		return;
	if (s->own_client)
		aws_client_free(s->client);
	if (s->own_credentials)
		aws_credentials_provider_release(s->credentials);
	free(s->bucket);
	free(s->prefix);
	free(s->endpoint);
	free(s);
}

static const struct ca_storage_ops s3_ops = {
	.name = "s3",
	.put = s3_put,
	.get = s3_get,
	.remove = s3_remove,
	.exists = s3_exists,
	.release = s3_release,
	.url = s3_url,
};

/* S3's bucket names, with the legacy us-east-1 leniency (capitals, '_'), never '/'. */
static int check_bucket(const char *b, struct ca_err *err)
{
	size_t n, i;

	if (!b || !*b)
		return ca_err_set(err, CA_EINVAL, "No S3 bucket was given (storage.bucket).");
	n = strnlen(b, S3_BUCKET_NAME_MAX + 1);
	if (n < 3 || n > S3_BUCKET_NAME_MAX)
		return ca_err_set(err, CA_EINVAL, "An S3 bucket name is 3 to 63 characters long.");
	for (i = 0; i < n; i++) {
		char c = b[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return ca_err_set(err, CA_EINVAL,
					  "An S3 bucket name holds only letters, digits, '-', '.' and '_'.");
	}
	return CA_OK;
}

/* Copies the prefix without trailing '/', refusing what could escape or confuse keys. */
static int normalise_prefix(const char *prefix, char **out, struct ca_err *err)
{
	size_t n, i;
	const char *seg;

	*out = NULL;
	if (!prefix)
		prefix = CA_STORAGE_S3_PREFIX_DEFAULT;
	n = strnlen(prefix, CA_STORAGE_S3_PREFIX_MAX + 1);
	if (n > CA_STORAGE_S3_PREFIX_MAX)
		return ca_err_set(err, CA_EINVAL, "The S3 key prefix is longer than %d bytes.",
				  CA_STORAGE_S3_PREFIX_MAX);
	while (n > 0 && prefix[n - 1] == '/')
		n--;
	if (n > 0 && prefix[0] == '/')
		return ca_err_set(err, CA_EINVAL, "The S3 key prefix must not start with '/'.");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)prefix[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			return ca_err_set(err, CA_EINVAL,
					  "The S3 key prefix holds a control character or '\\'.");
	}
	for (seg = prefix; seg < prefix + n;) {
		const char *end = memchr(seg, '/', (size_t)(prefix + n - seg));
		size_t len = end ? (size_t)(end - seg) : (size_t)(prefix + n - seg);

		if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return ca_err_set(err, CA_EINVAL,
					  "The S3 key prefix has an empty, '.' or '..' part.");
		seg += len + 1;
	}
	*out = ca_strndup(prefix, n);
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

static int check_bucket_exists(struct s3_storage *s, struct ca_err *err)
{
	struct aws_s3_request r;
	struct aws_response resp;
	struct ca_err call_err;
	int rc;

	memset(&r, 0, sizeof(r));
	r.method = "HEAD";
	r.bucket = s->bucket;
	aws_response_init(&resp);
	ca_err_clear(&call_err);
	rc = aws_s3_send(s->client, &r, &resp, &call_err);
	if (rc != CA_OK && resp.http.status == 404)
		rc = ca_err_set(err, CA_STORAGE_IO,
				"The S3 bucket %s does not exist in region %s; create it with stage 2 (make stage-2).",
				s->bucket, aws_client_region(s->client));
	else if (rc != CA_OK && resp.http.status == 403)
		rc = ca_err_set(err, CA_STORAGE_IO,
				"Access to the S3 bucket %s is denied; check the credentials and the bucket's owner.",
				s->bucket);
	else if (rc != CA_OK)
		rc = ca_err_set(err, rc == CA_ENOMEM ? CA_ENOMEM : CA_STORAGE_IO, "%s",
				ca_err_msg(&call_err));
	aws_response_release(&resp);
	return rc;
}

int ca_storage_s3_open(const struct ca_storage_s3_options *opt, struct ca_storage **out,
		       struct ca_err *err)
{
	struct aws_client_options copt;
	struct s3_storage *s = NULL;
	struct ca_err step;
	int rc;

	*out = NULL;
	if (!opt)
		return ca_err_set(err, CA_EINVAL, "The S3 storage needs options naming its bucket.");
	rc = check_bucket(opt->bucket, err);
	if (rc != CA_OK)
		return rc;
	if (opt->presign_expires < 0 || opt->presign_expires > CA_STORAGE_URL_MAX_EXPIRES)
		return ca_err_set(err, CA_EINVAL, "A presigned URL lasts 1 to %d seconds.",
				  CA_STORAGE_URL_MAX_EXPIRES);
	s = calloc(1, sizeof(*s));
	if (!s)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	s->base.ops = &s3_ops;
	s->expires = opt->presign_expires ? opt->presign_expires : CA_STORAGE_S3_EXPIRES_DEFAULT;
	rc = normalise_prefix(opt->prefix, &s->prefix, err);
	if (rc != CA_OK)
		goto fail;
	s->bucket = ca_strdup(opt->bucket);
	s->endpoint = ca_strdup(opt->endpoint);
	if (!s->bucket || (opt->endpoint && !s->endpoint)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto fail;
	}
	if (opt->credentials) {
		s->credentials = opt->credentials;
	} else {
		s->credentials = aws_credentials_provider_new();
		s->own_credentials = true;
		if (!s->credentials) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto fail;
		}
	}
	if (opt->client) {
		s->client = opt->client;
	} else {
		memset(&copt, 0, sizeof(copt));
		copt.fallback_region = opt->region;
		copt.endpoint = opt->endpoint;
		copt.credentials = s->credentials;
		ca_err_clear(&step);
		rc = aws_client_new(&copt, &s->client, &step);
		if (rc != CA_OK) {
			rc = ca_err_set(err, rc == CA_ENOMEM ? CA_ENOMEM : CA_STORAGE_IO, "%s",
					ca_err_msg(&step));
			goto fail;
		}
		s->own_client = true;
	}
	rc = check_bucket_exists(s, err);
	if (rc != CA_OK)
		goto fail;
	*out = &s->base;
	return CA_OK;
fail:
	s3_release(&s->base);
	return rc;
}
