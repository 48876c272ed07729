#include "aws/s3.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/strutil.h"
#include "util/xml.h"
#include "util/banned.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_MAX_DELETE 1000
#define S3_SMALL_ANSWER (1u * 1024 * 1024)
#define S3_LIST_ANSWER (8u * 1024 * 1024)
#define S3_ERROR_ROOM (64u * 1024) /* room for S3's XML error answers */

/* One S3 request; a zero max_body means S3_SMALL_ANSWER (answers read whole are small). */
static int s3_call_send(struct aws_client *c, const struct aws_s3_request *call,
			struct aws_response *resp, struct ca_err *err)
{
	struct aws_s3_request r = *call;

	if (!r.max_body)
		r.max_body = S3_SMALL_ANSWER;
	return aws_s3_send(c, &r, resp, err);
}

/* Base64 of the body's MD5, for Content-MD5 (24 characters and a NUL). */
static int content_md5(const void *body, size_t len, char out[32], struct ca_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!EVP_Digest(body, len, md, &md_len, EVP_md5(), NULL) || md_len != 16)
		return ca_err_set(err, CA_EINVAL, "s3: could not compute the MD5 the request needs.");
	EVP_EncodeBlock((unsigned char *)out, md, 16);
	return CA_OK;
}

/* Sends an XML body with Content-Type and Content-MD5. */
static int send_xml(struct aws_client *c, const char *method, const char *bucket,
		    const struct aws_param *query, size_t n_query, const struct ca_buf *xml,
		    struct aws_response *resp, struct ca_err *err)
{
	struct aws_http_header h[2];
	struct aws_s3_request call;
	char md5[32];
	int rc;

	if (!ca_buf_ok(xml))
		return ca_err_set(err, CA_ENOMEM, "s3: out of memory building the request body.");
	if ((rc = content_md5(xml->data, xml->len, md5, err)))
		return rc;
	h[0].name = "Content-Type";
	h[0].value = "application/xml";
	h[1].name = "Content-MD5";
	h[1].value = md5;
	memset(&call, 0, sizeof(call));
	call.method = method;
	call.bucket = bucket;
	call.query = query;
	call.n_query = n_query;
	call.headers = h;
	call.n_headers = 2;
	call.body = xml->data;
	call.body_len = xml->len;
	return s3_call_send(c, &call, resp, err);
}

/* A subresource call (?publicAccessBlock) without a body. */
static int send_sub(struct aws_client *c, const char *method, const char *bucket,
		    const char *sub, struct aws_response *resp, struct ca_err *err)
{
	struct aws_param q = { sub, NULL };
	struct aws_s3_request call;

	memset(&call, 0, sizeof(call));
	call.method = method;
	call.bucket = bucket;
	call.query = sub ? &q : NULL;
	call.n_query = sub ? 1 : 0;
	return s3_call_send(c, &call, resp, err);
}

static int bad_answer(struct ca_err *err, const char *what, const char *bucket)
{
	return ca_err_set(err, CA_AWS_BAD_RESPONSE,
			  "s3: the %s answer for bucket %s could not be read.", what, bucket);
}

/* Passes a failure held in a local record on to the caller's. */
static int pass_on(struct ca_err *err, int rc, const struct ca_err *local)
{
	return ca_err_set(err, rc, "%s", ca_err_msg(local));
}

/*
 * GETs a bucket's subresource (?tagging) into resp and parses its XML into *doc
 * (ca_xml_free it). CA_OK with *doc NULL when S3 answers with the error code
 * absent (the bucket has no such configuration).
 */
static int get_sub_xml(struct aws_client *c, const char *bucket, const char *sub,
		       const char *absent, struct aws_response *resp, struct ca_xml_node **doc,
		       struct ca_err *err)
{
	struct ca_err local;
	int rc;

	*doc = NULL;
	ca_err_clear(&local);
	rc = send_sub(c, "GET", bucket, sub, resp, &local);
	if (rc == CA_AWS_SERVICE && !strcmp(resp->error.code, absent))
		return CA_OK;
	if (rc)
		return pass_on(err, rc, &local);
	return aws_response_xml(resp, doc, err);
}

int s3_bucket_probe(struct aws_client *c, const char *bucket, struct s3_bucket_probe *out,
		    struct ca_err *err)
{
	struct aws_response resp;
	struct ca_err local;
	const char *region;
	long st;
	int rc;

	memset(out, 0, sizeof(*out));
	aws_response_init(&resp);
	ca_err_clear(&local);
	rc = send_sub(c, "HEAD", bucket, NULL, &resp, &local);
	st = resp.http.status;
	region = aws_http_response_header(&resp.http, "x-amz-bucket-region");
	if (region)
		snprintf(out->region, sizeof(out->region), "%s", region);
	if (rc == CA_OK || st == 301) {
		out->status = S3_BUCKET_OURS;
		rc = CA_OK;
	} else if (rc == CA_AWS_SERVICE && st == 404) {
		out->status = S3_BUCKET_ABSENT;
		rc = CA_OK;
	} else if (rc == CA_AWS_SERVICE && st == 403) {
		out->status = S3_BUCKET_FORBIDDEN;
		rc = CA_OK;
	} else {
		rc = pass_on(err, rc, &local);
	}
	aws_response_release(&resp);
	return rc;
}

int s3_create_bucket(struct aws_client *c, const char *bucket, const char *region,
		     struct ca_err *err)
{
	struct ca_buf xml = CA_BUF_INIT;
	struct aws_http_header h = { "Content-Type", "application/xml" };
	struct aws_response resp;
	struct ca_err local;
	struct aws_s3_request call;
	int rc;

	aws_response_init(&resp);
	ca_err_clear(&local);
	memset(&call, 0, sizeof(call));
	call.method = "PUT";
	call.bucket = bucket;
	if (region && *region && strcmp(region, "us-east-1") != 0) {
		ca_buf_adds(&xml, "<CreateBucketConfiguration xmlns=\"" S3_XMLNS "\">"
			    "<LocationConstraint>");
		ca_xml_escape(&xml, region);
		ca_buf_adds(&xml, "</LocationConstraint></CreateBucketConfiguration>");
		if (!ca_buf_ok(&xml)) {
			rc = ca_err_set(err, CA_ENOMEM, "s3: out of memory building CreateBucket.");
			goto out;
		}
		call.headers = &h;
		call.n_headers = 1;
		call.body = xml.data;
		call.body_len = xml.len;
	}
	rc = s3_call_send(c, &call, &resp, &local);
	if (rc == CA_AWS_SERVICE && !strcmp(resp.error.code, "BucketAlreadyOwnedByYou"))
		rc = CA_OK;
	else if (rc == CA_AWS_SERVICE && !strcmp(resp.error.code, "BucketAlreadyExists"))
		rc = ca_err_set(err, CA_EEXIST,
				"S3 bucket name %s is already taken by another AWS account; "
				"bucket names are global, so choose another name in storage.bucket.",
				bucket);
	else if (rc)
		rc = pass_on(err, rc, &local);
out:
	ca_buf_release(&xml);
	aws_response_release(&resp);
	return rc;
}

int s3_bucket_location(struct aws_client *c, const char *bucket, char *region,
		       struct ca_err *err)
{
	struct ca_xml_node *doc = NULL;
	struct aws_response resp;
	int rc;

	region[0] = '\0';
	aws_response_init(&resp);
	if ((rc = send_sub(c, "GET", bucket, "location", &resp, err)))
		goto out;
	if ((rc = aws_response_xml(&resp, &doc, err)))
		goto out;
	if (!ca_xml_name_is(doc, "LocationConstraint")) {
		rc = bad_answer(err, "GetBucketLocation", bucket);
		goto out;
	}
	snprintf(region, S3_REGION_MAX, "%s", doc->text[0] ? doc->text : "us-east-1");
out:
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}

int s3_delete_bucket(struct aws_client *c, const char *bucket, struct ca_err *err)
{
	struct aws_response resp;
	int rc;

	aws_response_init(&resp);
	rc = send_sub(c, "DELETE", bucket, NULL, &resp, err);
	aws_response_release(&resp);
	return rc;
}

bool s3_public_access_block_all(const struct s3_public_access_block *p)
{
	return p->block_public_acls && p->ignore_public_acls && p->block_public_policy &&
	       p->restrict_public_buckets;
}

/* "true"/"false" element under n; absent counts as false (S3's default). */
static int xml_bool(const struct ca_xml_node *n, const char *name, bool *out)
{
	const char *t = ca_xml_path_text(n, name);

	if (!t || !strcmp(t, "false")) {
		*out = false;
		return CA_OK;
	}
	if (!strcmp(t, "true")) {
		*out = true;
		return CA_OK;
	}
	return CA_EPARSE;
}

int s3_get_public_access_block(struct aws_client *c, const char *bucket,
			       struct s3_public_access_block *out, bool *present,
			       struct ca_err *err)
{
	struct ca_xml_node *doc = NULL;
	struct aws_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	*present = false;
	aws_response_init(&resp);
	if ((rc = get_sub_xml(c, bucket, "publicAccessBlock",
			      "NoSuchPublicAccessBlockConfiguration", &resp, &doc, err)) || !doc)
		goto out;
	if (!ca_xml_name_is(doc, "PublicAccessBlockConfiguration") ||
	    xml_bool(doc, "BlockPublicAcls", &out->block_public_acls) ||
	    xml_bool(doc, "IgnorePublicAcls", &out->ignore_public_acls) ||
	    xml_bool(doc, "BlockPublicPolicy", &out->block_public_policy) ||
	    xml_bool(doc, "RestrictPublicBuckets", &out->restrict_public_buckets)) {
		memset(out, 0, sizeof(*out));
		rc = bad_answer(err, "GetPublicAccessBlock", bucket);
		goto out;
	}
	*present = true;
out:
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

int s3_put_public_access_block(struct aws_client *c, const char *bucket,
			       const struct s3_public_access_block *p, struct ca_err *err)
{
	struct aws_param q = { "publicAccessBlock", NULL };
	struct ca_buf xml = CA_BUF_INIT;
	struct aws_response resp;
	int rc;

	aws_response_init(&resp);
	ca_buf_addf(&xml, "<PublicAccessBlockConfiguration xmlns=\"" S3_XMLNS "\">"
		    "<BlockPublicAcls>%s</BlockPublicAcls>"
		    "<IgnorePublicAcls>%s</IgnorePublicAcls>"
		    "<BlockPublicPolicy>%s</BlockPublicPolicy>"
		    "<RestrictPublicBuckets>%s</RestrictPublicBuckets>"
		    "</PublicAccessBlockConfiguration>",
		    tf(p->block_public_acls), tf(p->ignore_public_acls), tf(p->block_public_policy),
		    tf(p->restrict_public_buckets));
	rc = send_xml(c, "PUT", bucket, &q, 1, &xml, &resp, err);
	ca_buf_release(&xml);
	aws_response_release(&resp);
	return rc;
}

int s3_delete_public_access_block(struct aws_client *c, const char *bucket,
				  struct ca_err *err)
{
	struct aws_response resp;
	struct ca_err local;
	int rc;

	aws_response_init(&resp);
	ca_err_clear(&local);
	rc = send_sub(c, "DELETE", bucket, "publicAccessBlock", &resp, &local);
	if (rc == CA_AWS_SERVICE && !strcmp(resp.error.code, "NoSuchPublicAccessBlockConfiguration"))
		rc = CA_OK;
	else if (rc)
		rc = pass_on(err, rc, &local);
	aws_response_release(&resp);
	return rc;
}

int s3_get_bucket_encryption(struct aws_client *c, const char *bucket,
			     struct s3_encryption *out, bool *present, struct ca_err *err)
{
	struct ca_xml_node *doc = NULL;
	const struct ca_xml_node *rule;
	struct aws_response resp;
	const char *t;
	int rc;

	memset(out, 0, sizeof(*out));
	*present = false;
	aws_response_init(&resp);
	if ((rc = get_sub_xml(c, bucket, "encryption",
			      "ServerSideEncryptionConfigurationNotFoundError", &resp, &doc, err)) ||
	    !doc)
		goto out;
	rule = ca_xml_child(doc, "Rule");
	t = ca_xml_path_text(rule, "ApplyServerSideEncryptionByDefault/SSEAlgorithm");
	if (!ca_xml_name_is(doc, "ServerSideEncryptionConfiguration") || !t ||
	    strlen(t) >= sizeof(out->algorithm) || xml_bool(rule, "BucketKeyEnabled",
							    &out->bucket_key_enabled)) {
		memset(out, 0, sizeof(*out));
		rc = bad_answer(err, "GetBucketEncryption", bucket);
		goto out;
	}
	snprintf(out->algorithm, sizeof(out->algorithm), "%s", t);
	t = ca_xml_path_text(rule, "ApplyServerSideEncryptionByDefault/KMSMasterKeyID");
	if (t)
		snprintf(out->kms_key_id, sizeof(out->kms_key_id), "%s", t);
	*present = true;
out:
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}

int s3_put_bucket_encryption_aes256(struct aws_client *c, const char *bucket,
				    struct ca_err *err)
{
	struct aws_param q = { "encryption", NULL };
	struct ca_buf xml = CA_BUF_INIT;
	struct aws_response resp;
	int rc;

	aws_response_init(&resp);
	ca_buf_adds(&xml, "<ServerSideEncryptionConfiguration xmlns=\"" S3_XMLNS "\"><Rule>"
		    "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
		    "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>");
	rc = send_xml(c, "PUT", bucket, &q, 1, &xml, &resp, err);
	ca_buf_release(&xml);
	aws_response_release(&resp);
	return rc;
}

void s3_object_page_init(struct s3_object_page *p)
{
	memset(p, 0, sizeof(*p));
}

void s3_object_page_release(struct s3_object_page *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_keys; i++) {
		free(p->keys[i]);
		if (p->etags)
			free(p->etags[i]);
	}
	free(p->keys);
	free(p->etags);
	free(p->sizes);
	free(p->next_token);
	s3_object_page_init(p);
}

/* Fills a page from a ListBucketResult. CA_OK, CA_EPARSE or CA_ENOMEM. */
static int read_page(const struct ca_xml_node *doc, struct s3_object_page *out)
{
	const struct ca_xml_node *n;
	const char *t;
	size_t count = 0;

	if (!ca_xml_name_is(doc, "ListBucketResult"))
		return CA_EPARSE;
	for (n = ca_xml_child(doc, "Contents"); n; n = ca_xml_next(n, "Contents"))
		count++;
	if (count) {
		out->keys = calloc(count, sizeof(*out->keys));
		out->etags = calloc(count, sizeof(*out->etags));
		out->sizes = calloc(count, sizeof(*out->sizes));
		if (!out->keys || !out->etags || !out->sizes)
			return CA_ENOMEM;
	}
	for (n = ca_xml_child(doc, "Contents"); n; n = ca_xml_next(n, "Contents")) {
		const char *etag = ca_xml_path_text(n, "ETag"), *size = ca_xml_path_text(n, "Size");
		size_t len;
		long v = 0;

		t = ca_xml_path_text(n, "Key");
		if (!t || (size && *size && !ca_parse_long(size, 0, LONG_MAX, &v)))
			return CA_EPARSE;
		out->keys[out->n_keys] = ca_strdup(t);
		/* the ETag without its quotes */
		etag = etag ? etag : "";
		len = strlen(etag);
		if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"') {
			etag++;
			len -= 2;
		}
		out->etags[out->n_keys] = ca_strndup(etag, len);
		out->sizes[out->n_keys] = (unsigned long long)v;
		if (!out->keys[out->n_keys] || !out->etags[out->n_keys]) {
			free(out->keys[out->n_keys]);
			free(out->etags[out->n_keys]);
			return CA_ENOMEM;
		}
		out->n_keys++;
	}
	if (xml_bool(doc, "IsTruncated", &out->truncated))
		return CA_EPARSE;
	if (out->truncated) {
		t = ca_xml_path_text(doc, "NextContinuationToken");
		if (!t || !*t)
			return CA_EPARSE;
		out->next_token = ca_strdup(t);
		if (!out->next_token)
			return CA_ENOMEM;
	}
	return CA_OK;
}

int s3_list_objects_page(struct aws_client *c, const char *bucket, const char *prefix,
			 const char *token, unsigned max_keys, struct s3_object_page *out,
			 struct ca_err *err)
{
	struct ca_xml_node *doc = NULL;
	struct aws_param q[4];
	struct aws_response resp;
	struct aws_s3_request call;
	char max[16];
	size_t nq = 0;
	int rc;

	s3_object_page_release(out);
	aws_response_init(&resp);
	if (max_keys == 0 || max_keys > 1000)
		max_keys = 1000;
	snprintf(max, sizeof(max), "%u", max_keys);
	q[nq].name = "list-type";
	q[nq++].value = "2";
	q[nq].name = "max-keys";
	q[nq++].value = max;
	if (prefix && *prefix) {
		q[nq].name = "prefix";
		q[nq++].value = prefix;
	}
	if (token && *token) {
		q[nq].name = "continuation-token";
		q[nq++].value = token;
	}
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.bucket = bucket;
	call.query = q;
	call.n_query = nq;
	call.max_body = S3_LIST_ANSWER;
	if ((rc = s3_call_send(c, &call, &resp, err)))
		goto out;
	if ((rc = aws_response_xml(&resp, &doc, err)))
		goto out;
	rc = read_page(doc, out);
	if (rc == CA_ENOMEM)
		rc = ca_err_set(err, rc, "s3: out of memory reading the object list of %s.", bucket);
	else if (rc)
		rc = bad_answer(err, "ListObjectsV2", bucket);
out:
	if (rc)
		s3_object_page_release(out);
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}

int s3_bucket_is_empty(struct aws_client *c, const char *bucket, bool *empty,
		       struct ca_err *err)
{
	struct s3_object_page page;
	int rc;

	s3_object_page_init(&page);
	*empty = false;
	rc = s3_list_objects_page(c, bucket, NULL, NULL, 1, &page, err);
	if (rc == CA_OK)
		*empty = page.n_keys == 0 && !page.truncated;
	s3_object_page_release(&page);
	return rc;
}

int s3_delete_objects(struct aws_client *c, const char *bucket, char *const *keys, size_t n,
		      struct ca_err *err)
{
	struct aws_param q = { "delete", NULL };
	struct ca_buf xml = CA_BUF_INIT;
	struct ca_xml_node *doc = NULL;
	const struct ca_xml_node *e;
	struct aws_response resp;
	size_t i;
	int rc = CA_OK;

	aws_response_init(&resp);
	if (n == 0)
		goto out;
	if (n > S3_MAX_DELETE) {
		rc = ca_err_set(err, CA_EINVAL, "s3: DeleteObjects takes at most %d keys, not %zu.",
				S3_MAX_DELETE, n);
		goto out;
	}
	ca_buf_adds(&xml, "<Delete xmlns=\"" S3_XMLNS "\"><Quiet>true</Quiet>");
	for (i = 0; i < n; i++) {
		ca_buf_adds(&xml, "<Object><Key>");
		ca_xml_escape(&xml, keys[i]);
		ca_buf_adds(&xml, "</Key></Object>");
	}
	ca_buf_adds(&xml, "</Delete>");
	if ((rc = send_xml(c, "POST", bucket, &q, 1, &xml, &resp, err)))
		goto out;
	if ((rc = aws_response_xml(&resp, &doc, err)))
		goto out;
	e = ca_xml_child(doc, "Error");
	if (e)
		rc = ca_err_set(err, CA_AWS_SERVICE, "s3: could not delete %s/%s: %s: %s", bucket,
				ca_xml_path_text(e, "Key") ? ca_xml_path_text(e, "Key") : "?",
				ca_xml_path_text(e, "Code") ? ca_xml_path_text(e, "Code") : "?",
				ca_xml_path_text(e, "Message") ? ca_xml_path_text(e, "Message") : "");
out:
	ca_xml_free(doc);
	ca_buf_release(&xml);
	aws_response_release(&resp);
	return rc;
}

/*
 * Deletes page by page from the start: each listing sees what is left, so no
 * continuation token is needed and objects added meanwhile are caught too.
 * Only current versions: a versioned bucket keeps its old versions and delete
 * markers (the stage never turns versioning on).
 */
int s3_empty_bucket(struct aws_client *c, const char *bucket, size_t *deleted,
		    struct ca_err *err)
{
	struct s3_object_page page;
	char *first = NULL;
	size_t total = 0;
	int rc;

	s3_object_page_init(&page);
	for (;;) {
		if ((rc = s3_list_objects_page(c, bucket, NULL, NULL, S3_MAX_DELETE, &page, err)))
			break;
		if (page.n_keys == 0)
			break;
		/* a key that survived its own deletion would loop for ever */
		if (first && !strcmp(first, page.keys[0])) {
			rc = ca_err_set(err, CA_AWS_SERVICE,
					"s3: object %s in bucket %s is still listed after being "
					"deleted; check the bucket's versioning and object lock.",
					first, bucket);
			break;
		}
		free(first);
		if (!(first = ca_strdup(page.keys[0]))) {
			rc = ca_err_set(err, CA_ENOMEM, "s3: out of memory emptying %s.", bucket);
			break;
		}
		if ((rc = s3_delete_objects(c, bucket, page.keys, page.n_keys, err)))
			break;
		total += page.n_keys;
	}
	free(first);
	s3_object_page_release(&page);
	if (deleted)
		*deleted = total;
	return rc;
}

/* Copies a header value into out[cap], cut to fit, without surrounding quotes if asked. */
static void copy_header(const struct aws_response *resp, const char *name, bool unquote,
			char *out, size_t cap)
{
	const char *v = aws_http_response_header(&resp->http, name);
	size_t n;

	out[0] = '\0';
	if (!v)
		return;
	n = strlen(v);
	if (unquote && n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* Fills *meta (NULL: nothing) from an object call's answer; the object's type and
 * size only when the answer describes the object (GET, HEAD). */
static void object_meta(const struct aws_response *resp, bool describes_object,
			struct s3_object_meta *meta)
{
	const char *len;
	uint64_t v = 0;

	if (!meta)
		return;
	memset(meta, 0, sizeof(*meta));
	meta->status = resp->http.status;
	if (meta->status < 200 || meta->status > 299)
		return;
	copy_header(resp, "ETag", true, meta->etag, sizeof(meta->etag));
	if (!describes_object)
		return;
	copy_header(resp, "Content-Type", false, meta->content_type, sizeof(meta->content_type));
	len = aws_http_response_header(&resp->http, "Content-Length");
	if (len && ca_parse_u64(len, &v))
		meta->content_length = v;
}

/*
 * One object request (call names the method, bucket and key; op the call, for the
 * message), meta filled from the answer, also when it failed. *resp is initialised
 * here and released by the caller. CA_EINVAL, without a request, for an empty key.
 */
static int object_call(struct aws_client *c, const char *op, const struct aws_s3_request *call,
		       bool describes_object, struct aws_response *resp,
		       struct s3_object_meta *meta, struct ca_err *err)
{
	int rc;

	aws_response_init(resp);
	if (meta)
		memset(meta, 0, sizeof(*meta));
	if (!call->key || !*call->key)
		return ca_err_set(err, CA_EINVAL, "s3: %s in bucket %s needs a key.", op, call->bucket);
	rc = s3_call_send(c, call, resp, err);
	object_meta(resp, describes_object, meta);
	return rc;
}

int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *body,
		  size_t len, const char *content_type, struct s3_object_meta *meta,
		  struct ca_err *err)
{
	struct aws_http_header h = { "Content-Type", content_type ? content_type
				     : "binary/octet-stream" };
	struct aws_s3_request call = { .method = "PUT", .bucket = bucket, .key = key, .headers = &h,
				.n_headers = 1, .body = len ? body : NULL, .body_len = len };
	struct aws_response resp;
	int rc;

	rc = object_call(c, "PutObject", &call, false, &resp, meta, err);
	aws_response_release(&resp);
	return rc;
}

int s3_create_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			       const char *content_type, char **upload_id, struct ca_err *err)
{
	struct aws_http_header h = { "Content-Type", content_type ? content_type
				     : "binary/octet-stream" };
	struct aws_param q = { "uploads", NULL };
	struct aws_s3_request call = { .method = "POST", .bucket = bucket, .key = key, .query = &q,
				.n_query = 1, .headers = &h, .n_headers = 1 };
	struct ca_xml_node *doc = NULL;
	struct aws_response resp;
	const char *id;
	int rc;

	*upload_id = NULL;
	rc = object_call(c, "CreateMultipartUpload", &call, false, &resp, NULL, err);
	if (rc == CA_OK)
		rc = aws_response_xml(&resp, &doc, err);
	if (rc == CA_OK) {
		id = ca_xml_name_is(doc, "InitiateMultipartUploadResult") ? ca_xml_path_text(doc, "UploadId")
									   : NULL;
		if (!id || !*id)
			rc = bad_answer(err, "CreateMultipartUpload", bucket);
		else if (!(*upload_id = ca_strdup(id)))
			rc = ca_err_set(err, CA_ENOMEM, "s3: out of memory.");
	}
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}

int s3_upload_part(struct aws_client *c, const char *bucket, const char *key,
		   const char *upload_id, int part, const void *body, size_t len, char *etag,
		   struct ca_err *err)
{
	char number[16];
	struct aws_param q[2] = { { "partNumber", number }, { "uploadId", upload_id } };
	struct aws_s3_request call = { .method = "PUT", .bucket = bucket, .key = key, .query = q,
				.n_query = 2, .body = len ? body : NULL, .body_len = len };
	struct s3_object_meta meta;
	struct aws_response resp;
	int rc;

	snprintf(number, sizeof(number), "%d", part);
	rc = object_call(c, "UploadPart", &call, false, &resp, &meta, err);
	snprintf(etag, S3_ETAG_MAX, "%s", rc == CA_OK ? meta.etag : "");
	if (rc == CA_OK && !meta.etag[0])
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "s3: part %d of %s in bucket %s came back without an ETag.",
				part, key, bucket);
	aws_response_release(&resp);
	return rc;
}

int s3_complete_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
				 const char *upload_id, char *const *etags, size_t n,
				 struct s3_object_meta *meta, struct ca_err *err)
{
	struct aws_param q = { "uploadId", upload_id };
	struct aws_http_header h = { "Content-Type", "application/xml" };
	struct ca_buf xml = CA_BUF_INIT;
	struct ca_xml_node *doc = NULL;
	struct aws_response resp;
	struct aws_s3_request call;
	const char *etag;
	size_t i;
	int rc;

	if (meta)
		memset(meta, 0, sizeof(*meta));
	ca_buf_adds(&xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	for (i = 0; i < n; i++)
		ca_buf_addf(&xml, "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1,
			    etags[i]);
	ca_buf_adds(&xml, "</CompleteMultipartUpload>");
	if (!ca_buf_ok(&xml))
		return ca_err_set(err, CA_ENOMEM, "s3: out of memory building the request body.");
	memset(&call, 0, sizeof(call));
	call.method = "POST";
	call.bucket = bucket;
	call.key = key;
	call.query = &q;
	call.n_query = 1;
	call.headers = &h;
	call.n_headers = 1;
	call.body = xml.data;
	call.body_len = xml.len;
	rc = object_call(c, "CompleteMultipartUpload", &call, false, &resp, meta, err);
	if (rc == CA_OK)
		rc = aws_response_xml(&resp, &doc, err);
	if (rc == CA_OK && ca_xml_name_is(doc, "Error"))
		rc = ca_err_set(err, CA_AWS_SERVICE, "s3: completing the upload of %s in bucket %s failed: %s.",
				key, bucket, ca_xml_path_text(doc, "Code") ? ca_xml_path_text(doc, "Code") : "an error");
	else if (rc == CA_OK && !ca_xml_name_is(doc, "CompleteMultipartUploadResult"))
		rc = bad_answer(err, "CompleteMultipartUpload", bucket);
	if (rc == CA_OK && meta && (etag = ca_xml_path_text(doc, "ETag"))) {
		size_t len = strlen(etag);

		if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"') {
			etag++;
			len -= 2;
		}
		snprintf(meta->etag, sizeof(meta->etag), "%.*s", (int)len, etag);
	}
	ca_xml_free(doc);
	ca_buf_release(&xml);
	aws_response_release(&resp);
	return rc;
}

int s3_abort_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			      const char *upload_id, struct ca_err *err)
{
	struct aws_param q = { "uploadId", upload_id };
	struct aws_s3_request call = { .method = "DELETE", .bucket = bucket, .key = key, .query = &q,
				.n_query = 1 };
	struct aws_response resp;
	int rc;

	rc = object_call(c, "AbortMultipartUpload", &call, false, &resp, NULL, err);
	if (rc == CA_AWS_SERVICE && resp.http.status == 404) {
		if (err)
			ca_err_clear(err);
		rc = CA_OK;
	}
	aws_response_release(&resp);
	return rc;
}

int s3_get_object(struct aws_client *c, const char *bucket, const char *key,
		  struct ca_buf *out, size_t max_bytes, struct s3_object_meta *meta,
		  struct ca_err *err)
{
	size_t cap = max_bytes ? max_bytes : AWS_HTTP_DEFAULT_MAX_BODY;
	/* the transport stops reading past its cap, error answers included: never below
	 * S3_ERROR_ROOM, so that a small max_bytes still reads NoSuchKey; exact check below */
	struct aws_s3_request call = { .method = "GET", .bucket = bucket, .key = key,
				.max_body = cap > S3_ERROR_ROOM ? cap : S3_ERROR_ROOM };
	struct aws_response resp;
	struct ca_err local;
	int rc;

	ca_err_clear(&local);
	rc = object_call(c, "GetObject", &call, true, &resp, meta, &local);
	if (rc == CA_ERANGE || (rc == CA_OK && resp.http.body.len > cap))
		rc = ca_err_set(err, CA_ERANGE, "s3: object %s in bucket %s is larger than %zu bytes.",
				key, bucket, cap);
	else if (rc == CA_AWS_SERVICE && !strcmp(resp.error.code, "NoSuchKey"))
		rc = ca_err_set(err, CA_ENOTFOUND, "s3: no object %s in bucket %s.", key, bucket);
	else if (rc)
		rc = pass_on(err, rc, &local);
	else if (ca_buf_add(out, resp.http.body.data, resp.http.body.len))
		rc = ca_err_set(err, CA_ENOMEM, "s3: out of memory holding object %s.", key);
	aws_response_release(&resp);
	return rc;
}

int s3_head_object(struct aws_client *c, const char *bucket, const char *key, bool *exists,
		   struct s3_object_meta *meta, struct ca_err *err)
{
	struct aws_s3_request call = { .method = "HEAD", .bucket = bucket, .key = key };
	struct aws_response resp;
	struct ca_err local;
	int rc;

	*exists = false;
	ca_err_clear(&local);
	rc = object_call(c, "HeadObject", &call, true, &resp, meta, &local);
	if (rc == CA_AWS_SERVICE && resp.http.status == 404)
		rc = CA_OK;
	else if (rc)
		rc = pass_on(err, rc, &local);
	else
		*exists = true;
	aws_response_release(&resp);
	return rc;
}

int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct s3_object_meta *meta, struct ca_err *err)
{
	struct aws_s3_request call = { .method = "DELETE", .bucket = bucket, .key = key };
	struct aws_response resp;
	int rc;

	rc = object_call(c, "DeleteObject", &call, false, &resp, meta, err);
	aws_response_release(&resp);
	return rc;
}

int s3_get_bucket_tagging(struct aws_client *c, const char *bucket, json_t **tags,
			  struct ca_err *err)
{
	struct ca_xml_node *doc = NULL;
	const struct ca_xml_node *t;
	struct aws_response resp;
	int rc;

	*tags = json_object();
	if (!*tags)
		return ca_err_set(err, CA_ENOMEM, "s3: out of memory");
	aws_response_init(&resp);
	if ((rc = get_sub_xml(c, bucket, "tagging", "NoSuchTagSet", &resp, &doc, err)) ||
	    !doc)
		goto out;
	for (t = ca_xml_child(ca_xml_child(doc, "TagSet"), "Tag"); t; t = ca_xml_next(t, "Tag")) {
		const char *k = ca_xml_path_text(t, "Key"), *v = ca_xml_path_text(t, "Value");
		if (k && json_object_set_new(*tags, k, json_string(v ? v : "")) != 0) {
			rc = ca_err_set(err, CA_ENOMEM, "s3: out of memory");
			goto out;
		}
	}
out:
	if (rc) {
		json_decref(*tags);
		*tags = NULL;
	}
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}

int s3_put_bucket_tagging(struct aws_client *c, const char *bucket, const json_t *tags,
			  struct ca_err *err)
{
	struct aws_param q = { "tagging", NULL };
	struct ca_buf xml = CA_BUF_INIT;
	struct aws_response resp;
	const char *k;
	json_t *v;
	int rc;

	aws_response_init(&resp);
	ca_buf_adds(&xml, "<Tagging xmlns=\"" S3_XMLNS "\"><TagSet>");
	json_object_foreach((json_t *)tags, k, v) {
		ca_buf_adds(&xml, "<Tag><Key>");
		ca_xml_escape(&xml, k);
		ca_buf_adds(&xml, "</Key><Value>");
		ca_xml_escape(&xml, json_string_value(v) ? json_string_value(v) : "");
		ca_buf_adds(&xml, "</Value></Tag>");
	}
	ca_buf_adds(&xml, "</TagSet></Tagging>");
	rc = send_xml(c, "PUT", bucket, &q, 1, &xml, &resp, err);
	ca_buf_release(&xml);
	aws_response_release(&resp);
	return rc;
}

int s3_list_buckets(struct aws_client *c, json_t **names, struct ca_err *err)
{
	struct ca_xml_node *doc = NULL;
	const struct ca_xml_node *b;
	struct aws_response resp;
	int rc;

	*names = json_array();
	if (!*names)
		return ca_err_set(err, CA_ENOMEM, "s3: out of memory");
	aws_response_init(&resp);
	if ((rc = send_sub(c, "GET", NULL, NULL, &resp, err)) ||
	    (rc = aws_response_xml(&resp, &doc, err)))
		goto out;
	for (b = ca_xml_child(ca_xml_child(doc, "Buckets"), "Bucket"); b;
	     b = ca_xml_next(b, "Bucket")) {
		const char *n = ca_xml_path_text(b, "Name");
		if (n && json_array_append_new(*names, json_string(n)) != 0) {
			rc = ca_err_set(err, CA_ENOMEM, "s3: out of memory");
			goto out;
		}
	}
out:
	if (rc) {
		json_decref(*names);
		*names = NULL;
	}
	ca_xml_free(doc);
	aws_response_release(&resp);
	return rc;
}
