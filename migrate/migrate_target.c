/*
 * migrate_target.c — the AWS side of a migration: S3 objects through aws/s3.h (HEAD
 * with ETag and Content-Type, PUT with its ETag, GET), DynamoDB items in the DynamoDB
 * backend's own form (db/items.h, the one codec of each item), BatchWriteItem, and
 * Cognito users.
 */
#include "migrate_internal.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/s3.h"
#include "aws/protocol.h"
#include "db/items.h"
#include "migrate_batch.h"
#include "migrate_pace.h"
#include "storage/s3.h"
#include "util/crypto.h"
#include "util/strutil.h"

#include "util/banned.h"


int64_t mig_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *mig_content_type(const void *data, size_t len)
{
	const unsigned char *b = data;

	if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "image/jpeg";
	if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	return "application/octet-stream";
}

void mig_md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_md5(), NULL) != 1 || n != 16) {
		out[0] = '\0';
		return;
	}
	ca_hex_encode(md, 16, out);
}

int mig_key(const struct mig_ctx *c, const char *email, const char *filename, bool thumb,
	    struct ca_buf *out, struct ca_err *err)
{
	return ca_storage_s3_key(c->prefix, email, filename, thumb ? CA_IMAGE_THUMB : CA_IMAGE_ORIGINAL,
				 out, err);
}

/* The call observer of a verb: every attempt of every call counted by operation. */
static void count_call(void *ctx, const struct aws_call_record *rec)
{
	struct mig_ctx *c = ctx;
	struct mig_requests *r = &c->req;
	struct mig_pace *pace = atomic_load(&c->pace);
	size_t n = rec->attempts > 0 ? (size_t)rec->attempts : 0;
	const char *op = rec->operation ? rec->operation : "";

	if (rec->service == AWS_SVC_S3) {
		if (strcmp(op, "PutObject") == 0)
			atomic_fetch_add(&r->s3_put, n);
		else if (strcmp(op, "ListObjectsV2") == 0)
			atomic_fetch_add(&r->s3_list, n);
		else if (strcmp(op, "HeadObject") == 0)
			atomic_fetch_add(&r->s3_head, n);
		else if (strcmp(op, "UploadPart") == 0 || strcmp(op, "CreateMultipartUpload") == 0 ||
			 strcmp(op, "CompleteMultipartUpload") == 0 || strcmp(op, "AbortMultipartUpload") == 0)
			atomic_fetch_add(&r->s3_mpu, n);
		else
			atomic_fetch_add(&r->s3_other, n);
	} else if (rec->service == AWS_SVC_DYNAMODB) {
		atomic_fetch_add(strcmp(op, "BatchWriteItem") == 0 ? &r->ddb_batch : &r->ddb_other, n);
	} else {
		atomic_fetch_add(&r->other, n);
	}
	if (n > 1)
		atomic_fetch_add(&r->retries, n - 1);
	if (rec->throttled)
		atomic_fetch_add(&r->throttled, 1);
	/* throttling, or any trouble that took retries, slows the run down */
	if (pace && n > 0)
		mig_pace_result(pace, rec->throttled || n > 1);
}

void mig_requests_watch(struct mig_ctx *c)
{
	c->observer.on_call = count_call;
	c->observer.ctx = c;
	c->observer.trace_root = NULL;
	(void)aws_call_observer_set(&c->observer);
}

size_t mig_requests_s3(const struct mig_requests *r)
{
	return atomic_load(&r->s3_put) + atomic_load(&r->s3_list) + atomic_load(&r->s3_head) +
	       atomic_load(&r->s3_mpu) + atomic_load(&r->s3_other);
}

size_t mig_requests_ddb(const struct mig_requests *r)
{
	return atomic_load(&r->ddb_batch) + atomic_load(&r->ddb_other);
}

void mig_listed_free(struct mig_listed *l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++) {
		free(l[i].key);
		free(l[i].etag);
	}
	free(l);
}

static int cmp_listed(const void *a, const void *b)
{
	return strcmp(((const struct mig_listed *)a)->key, ((const struct mig_listed *)b)->key);
}

const struct mig_listed *mig_listed_find(const struct mig_listed *l, size_t n, const char *key)
{
	struct mig_listed want;

	if (!l || !n)
		return NULL;
	want.key = (char *)key;
	return bsearch(&want, l, n, sizeof(*l), cmp_listed);
}

int mig_s3_list(struct mig_ctx *c, const char *prefix, struct mig_listed **out, size_t *n,
		struct ca_err *err)
{
	struct s3_object_page page;
	struct mig_listed *all = NULL;
	struct ca_err local;
	char *token = NULL;
	size_t count = 0, cap = 0, i;
	int rc = CA_OK;

	*out = NULL;
	*n = 0;
	s3_object_page_init(&page);
	do {
		ca_err_clear(&local);
			rc = s3_list_objects_page(c->aws, c->bucket, prefix, token, 1000, &page, &local);
		free(token);
		token = NULL;
		if (rc != CA_OK) {
			rc = ca_err_set(err, rc, "Listing s3://%s/%s failed: %s", c->bucket, prefix,
					ca_err_msg(&local));
			goto fail;
		}
		if (count + page.n_keys > cap) {
			size_t want = (count + page.n_keys) * 2;
			struct mig_listed *grown = realloc(all, want * sizeof(*grown));

			if (!grown)
				goto oom;
			all = grown;
			cap = want;
		}
		for (i = 0; i < page.n_keys; i++) {
			/* taken over from the page: nothing to copy */
			all[count].key = page.keys[i];
			all[count].etag = page.etags[i];
			all[count].size = page.sizes[i];
			page.keys[i] = page.etags[i] = NULL;
			count++;
		}
		if (page.truncated) {
			token = page.next_token;
			page.next_token = NULL;
		}
		s3_object_page_release(&page);
	} while (token);
	if (count)
		qsort(all, count, sizeof(*all), cmp_listed);
	*out = all;
	*n = count;
	return CA_OK;
oom:
	rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing s3://%s/%s.", c->bucket, prefix);
fail:
	s3_object_page_release(&page);
	free(token);
	mig_listed_free(all, count);
	return rc;
}

int mig_s3_head(struct mig_ctx *c, const char *key, struct mig_object *out, struct ca_err *err)
{
	struct s3_object_meta meta;
	struct ca_err local;
	int rc;

	memset(out, 0, sizeof(*out));
	ca_err_clear(&local);
	rc = s3_head_object(c->aws, c->bucket, key, &out->exists, &meta, &local);
	if (rc != CA_OK)
		return ca_err_set(err, rc, "Looking at s3://%s/%s failed: %s", c->bucket, key,
				  ca_err_msg(&local));
	/* "" and 0 when the object is not there */
	snprintf(out->etag, sizeof(out->etag), "%s", meta.etag);
	snprintf(out->content_type, sizeof(out->content_type), "%s", meta.content_type);
	out->size = meta.content_length;
	return CA_OK;
}

void mig_upload_etag(const void *data, size_t len, char out[MIG_ETAG_MAX])
{
	unsigned char all[16 * (((size_t)MIGRATE_MAX_IMAGE_MB_MAX << 20) / MIG_PART_SIZE + 1)];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off, parts = 0;
	char hex[33];

	if (len <= MIG_MULTIPART_MIN || len / MIG_PART_SIZE + 1 > sizeof(all) / 16) {
		mig_md5_hex(data, len, out);
		return;
	}
	for (off = 0; off < len; off += MIG_PART_SIZE, parts++) {
		size_t part = len - off < MIG_PART_SIZE ? len - off : MIG_PART_SIZE;

		if (EVP_Digest((const unsigned char *)data + off, part, md, &n, EVP_md5(), NULL) != 1 || n != 16) {
			out[0] = '\0';
			return;
		}
		memcpy(all + 16 * parts, md, 16);
	}
	mig_md5_hex(all, 16 * parts, hex);
	snprintf(out, MIG_ETAG_MAX, "%s-%zu", hex, parts);
}

/* One multipart upload's parts, sent on a small pool. */
struct upload {
	struct mig_ctx *c;
	const char *key, *id;
	const unsigned char *data;
	size_t len;
	char **etags;
};

static int part_task(void *arg, size_t i, struct ca_err *err)
{
	struct upload *u = arg;
	size_t off = i * MIG_PART_SIZE, n = u->len - off < MIG_PART_SIZE ? u->len - off : MIG_PART_SIZE;

	return s3_upload_part(u->c->aws, u->c->bucket, u->key, u->id, (int)i + 1, u->data + off, n,
			      u->etags[i], err);
}

static int put_multipart(struct mig_ctx *c, const char *key, const void *data, size_t len,
			 struct s3_object_meta *meta, struct ca_err *err)
{
	struct upload u = { c, key, NULL, data, len, NULL };
	size_t parts = (len + MIG_PART_SIZE - 1) / MIG_PART_SIZE, i;
	char *id = NULL;
	int rc;

	u.etags = calloc(parts, sizeof(*u.etags));
	for (i = 0; u.etags && i < parts; i++)
		if (!(u.etags[i] = calloc(1, S3_ETAG_MAX)))
			break;
	if (!u.etags || i < parts) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	rc = s3_create_multipart_upload(c->aws, c->bucket, key, mig_content_type(data, len), &id, err);
	if (rc != CA_OK)
		goto out;
	u.id = id;
	rc = mig_pool_run(MIG_PART_JOBS, parts, part_task, &u, err);
	if (rc == CA_OK)
		rc = s3_complete_multipart_upload(c->aws, c->bucket, key, id, u.etags, parts, meta, err);
	if (rc != CA_OK)
		(void)s3_abort_multipart_upload(c->aws, c->bucket, key, id, NULL); /* no parts left billed */
out:
	for (i = 0; u.etags && i < parts; i++)
		free(u.etags[i]);
	free(u.etags);
	free(id);
	return rc;
}

int mig_s3_put(struct mig_ctx *c, const char *key, const void *data, size_t len, char *etag,
	       struct ca_err *err)
{
	struct s3_object_meta meta;
	struct ca_err local;
	int rc;

	ca_err_clear(&local);
	if (len > MIG_MULTIPART_MIN) {
		rc = put_multipart(c, key, data, len, &meta, &local);
		if (rc != CA_OK)
			return ca_err_set(err, rc, "Uploading s3://%s/%s (multipart) failed: %s", c->bucket,
					  key, ca_err_msg(&local));
		snprintf(etag, MIG_ETAG_MAX, "%s", meta.etag);
		return CA_OK;
	}
	rc = s3_put_object(c->aws, c->bucket, key, data, len, mig_content_type(data, len), &meta,
			   &local);
	if (rc != CA_OK)
		return ca_err_set(err, rc, "Uploading s3://%s/%s failed: %s", c->bucket, key,
				  ca_err_msg(&local));
	snprintf(etag, MIG_ETAG_MAX, "%s", meta.etag);
	return CA_OK;
}

int mig_s3_get(struct mig_ctx *c, const char *key, struct ca_buf *out, struct ca_err *err)
{
	struct ca_err local;
	int rc;

	ca_err_clear(&local);
	rc = s3_get_object(c->aws, c->bucket, key, out, MIG_MAX_IMAGE(c), NULL, &local);
	if (rc != CA_OK)
		rc = ca_err_set(err, rc, "Reading s3://%s/%s failed: %s", c->bucket, key,
				ca_err_msg(&local));
	return rc;
}

int mig_s3_delete(struct mig_ctx *c, const char *key, struct ca_err *err)
{
	return s3_delete_object(c->aws, c->bucket, key, NULL, err);
}

/* op on svc; *out the answer on CA_OK (or NULL); code (AWS_ERROR_CODE_MAX, may be
 * NULL) the service's error code when it refused, else "". */
static int call_code(struct mig_ctx *c, enum aws_service svc, const char *op, const json_t *in,
		     json_t **out, char *code, struct ca_err *err)
{
	struct aws_op o = { .name = op, .json = in };
	struct aws_result res = { 0 };
	int rc;

	if (out)
		*out = NULL;
	rc = aws_call(c->aws, svc, &o, &res, err);
	if (code)
		snprintf(code, AWS_ERROR_CODE_MAX, "%s", res.error_code);
	if (rc == CA_OK && out) {
		*out = res.output;
		res.output = NULL;
	}
	aws_result_release(&res);
	return rc;
}

int mig_ddb(struct mig_ctx *c, const char *op, const json_t *in, json_t **out, char *code,
	    struct ca_err *err)
{
	return call_code(c, AWS_SVC_DYNAMODB, op, in, out, code, err);
}

int mig_ddb_query(struct mig_ctx *c, const char *table, const char *index, const char *attr,
		  const char *value, json_t *items, struct ca_err *err)
{
	json_t *in = NULL, *answer = NULL, *start = NULL;
	int rc = CA_OK;

	do {
		in = json_pack("{s:s, s:s, s:{s:s}, s:{s:o}}", "TableName", table,
			       "KeyConditionExpression", "#k = :v", "ExpressionAttributeNames", "#k",
			       attr, "ExpressionAttributeValues", ":v", ddb_s(value));
		if (in && index)
			json_object_set_new(in, "IndexName", json_string(index));
		else if (in)
			json_object_set_new(in, "ConsistentRead", json_true());
		if (in && start)
			json_object_set(in, "ExclusiveStartKey", start);
		if (!in) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB query.");
			break;
		}
		rc = mig_ddb(c, "Query", in, &answer, NULL, err);
		json_decref(in);
		in = NULL;
		if (rc != CA_OK)
			break;
		if (json_array_extend(items, json_object_get(answer, "Items")) != 0 &&
		    json_is_array(json_object_get(answer, "Items"))) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a DynamoDB query.");
			break;
		}
		json_decref(start);
		start = json_incref(json_object_get(answer, "LastEvaluatedKey"));
		json_decref(answer);
		answer = NULL;
	} while (json_is_object(start) && json_object_size(start) > 0);
	json_decref(start);
	json_decref(answer);
	return rc;
}

int mig_ddb_get_user(struct mig_ctx *c, const char *id, json_t **item, struct ca_err *err)
{
	return mig_ddb_get(c, c->user_table, id, item, err);
}

int mig_ddb_get(struct mig_ctx *c, const char *table, const char *id, json_t **item,
		struct ca_err *err)
{
	json_t *in, *answer = NULL;
	int rc;

	*item = NULL;
	in = json_pack("{s:s, s:{s:o}, s:b}", "TableName", table, "Key", "id", ddb_s(id),
		       "ConsistentRead", 1);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a DynamoDB request.");
	rc = mig_ddb(c, "GetItem", in, &answer, NULL, err);
	if (rc == CA_OK && json_is_object(json_object_get(answer, "Item")))
		*item = json_incref(json_object_get(answer, "Item"));
	json_decref(in);
	json_decref(answer);
	return rc;
}

json_t *mig_user_item(const struct mig_user *u)
{
	struct ca_user user = { .id = u->target_id, .username = u->username, .email = u->email,
				.password = u->password };

	return ddb_user_item(&user);
}

json_t *mig_guard_item(const struct mig_user *u)
{
	return ddb_guard_item(u->email ? u->email : "", u->target_id);
}

json_t *mig_photo_item(const struct mig_legacy *l, const struct mig_photo *p)
{
	return ddb_photo_item(l->users[p->user].target_id, p->target_id, &p->row);
}

static int batch_send(void *ctx, const json_t *request, json_t **answer, struct ca_err *err)
{
	return mig_ddb(ctx, "BatchWriteItem", request, answer, NULL, err);
}

int mig_ddb_put_items(struct mig_ctx *c, const char *table, json_t *const *items, size_t n,
		      struct ca_err *err)
{
	struct mig_batch_writer w;

	memset(&w, 0, sizeof(w));
	w.table = table;
	w.send = batch_send;
	w.ctx = c;
	return mig_batch_put(&w, items, n, err);
}

/* ---- Cognito ---- */

static int cognito_call(struct mig_ctx *c, const char *op, const json_t *in, json_t **out,
			char *code, struct ca_err *err)
{
	return call_code(c, AWS_SVC_COGNITO_IDP, op, in, out, code, err);
}

/* The value of attribute name in an array of {"Name", "Value"}; NULL when absent. */
static const char *attr_value(const json_t *attrs, const char *name)
{
	size_t i;

	for (i = 0; i < json_array_size(attrs); i++) {
		const json_t *a = json_array_get(attrs, i);
		const char *n = json_string_value(json_object_get(a, "Name"));

		if (n && strcmp(n, name) == 0)
			return json_string_value(json_object_get(a, "Value"));
	}
	return NULL;
}

int mig_cognito_user(struct mig_ctx *c, const struct mig_user *u, char **username,
		     bool *created, struct ca_err *err)
{
	char code[AWS_ERROR_CODE_MAX], legacy[24];
	struct ca_err local;
	json_t *in = NULL, *answer = NULL;
	const char *name = NULL, *have;
	int rc;

	*username = NULL;
	*created = false;
	ca_err_clear(&local);
	snprintf(legacy, sizeof(legacy), "%ld", u->legacy_id);
	in = json_pack("{s:s, s:s, s:s, s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]}",
		       "UserPoolId", c->pool_id, "Username", u->email, "MessageAction", "SUPPRESS",
		       "UserAttributes", "Name", "email", "Value", u->email, "Name", "name",
		       "Value", u->username ? u->username : "", "Name", "email_verified", "Value",
		       "true", "Name", "custom:legacy_id", "Value", legacy);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building a Cognito request.");
	rc = cognito_call(c, "AdminCreateUser", in, &answer, code, &local);
	if (rc == CA_OK) {
		name = json_string_value(json_object_get(json_object_get(answer, "User"), "Username"));
		*created = true;
	} else if (strcmp(code, "UsernameExistsException") == 0 ||
		   strcmp(code, "AliasExistsException") == 0) {
		json_decref(in);
		in = json_pack("{s:s, s:s}", "UserPoolId", c->pool_id, "Username", u->email);
		ca_err_clear(&local);
		rc = in ? cognito_call(c, "AdminGetUser", in, &answer, code, &local) : CA_ENOMEM;
		if (rc == CA_OK) {
			have = attr_value(json_object_get(answer, "UserAttributes"), "custom:legacy_id");
			if (!have || strcmp(have, legacy) != 0) {
				rc = ca_err_set(err, CA_EEXIST,
						"The user pool already has a user %s that is not legacy user %ld.",
						u->email, u->legacy_id);
				goto out;
			}
			name = json_string_value(json_object_get(answer, "Username"));
		}
	}
	if (rc != CA_OK) {
		rc = ca_err_set(err, rc, "Creating the Cognito user for legacy user %ld failed: %s",
				u->legacy_id, ca_err_msg(&local));
		goto out;
	}
	if (!name || !*name) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "Cognito did not say the user name of %s.",
				u->email);
		goto out;
	}
	*username = ca_strdup(name);
	if (!*username)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
out:
	json_decref(in);
	json_decref(answer);
	return rc;
}

int mig_cognito_get(struct mig_ctx *c, const char *email, char **username, char **legacy_id,
		    struct ca_err *err)
{
	char code[AWS_ERROR_CODE_MAX];
	json_t *in, *answer = NULL;
	const char *v;
	int rc;

	*username = *legacy_id = NULL;
	in = json_pack("{s:s, s:s}", "UserPoolId", c->pool_id, "Username", email);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = cognito_call(c, "AdminGetUser", in, &answer, code, err);
	if (rc != CA_OK && strcmp(code, "UserNotFoundException") == 0) {
		if (err)
			ca_err_clear(err);
		rc = CA_OK;
		goto out;
	}
	if (rc != CA_OK)
		goto out;
	*username = ca_strdup(json_string_value(json_object_get(answer, "Username")));
	v = attr_value(json_object_get(answer, "UserAttributes"), "custom:legacy_id");
	*legacy_id = v ? ca_strdup(v) : NULL;
out:
	json_decref(in);
	json_decref(answer);
	return rc;
}
