/*
 * call_observe.c — the thread's call observer (client.h) and the description of one
 * finished call handed to it: operation names as the AWS SDKs give them, DynamoDB
 * table names read from the request, the last answer's status and request id.
 */
#include "aws/call_observe.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "util/strutil.h"
#include "util/banned.h"

static _Thread_local const struct aws_call_observer *current;

const struct aws_call_observer *aws_call_observer_set(const struct aws_call_observer *obs)
{
	const struct aws_call_observer *prev = current;

	current = obs;
	return prev;
}

const struct aws_call_observer *aws_call_observer_current(void)
{
	return current;
}

double aws_call_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

/* true when the encoded query string q has a parameter called name (with or without '='). */
static bool query_has(const char *q, const char *name)
{
	size_t n = strlen(name);

	while (q && *q) {
		if (strncmp(q, name, n) == 0 && (q[n] == '\0' || q[n] == '=' || q[n] == '&'))
			return true;
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return false;
}

/* Bucket subresources and the operation-name stem they make ("Get" + stem ...). */
static const struct {
	const char *param;
	const char *stem;
} s3_subresources[] = {
	{ "publicAccessBlock", "PublicAccessBlock" },
	{ "encryption", "BucketEncryption" },
	{ "policy", "BucketPolicy" },
	{ "versioning", "BucketVersioning" },
	{ "tagging", "BucketTagging" },
	{ "cors", "BucketCors" },
	{ "lifecycle", "BucketLifecycleConfiguration" },
	{ "acl", "BucketAcl" },
	{ "ownershipControls", "BucketOwnershipControls" },
	{ "notification", "BucketNotificationConfiguration" },
	{ "website", "BucketWebsite" },
};

static const char *verb_of(const char *method)
{
	if (strcmp(method, "GET") == 0)
		return "Get";
	if (strcmp(method, "PUT") == 0)
		return "Put";
	if (strcmp(method, "DELETE") == 0)
		return "Delete";
	return NULL;
}

static bool has_header(const struct aws_http_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (h[i].name && strcasecmp(h[i].name, name) == 0)
			return true;
	return false;
}

void aws_call_s3_operation(const char *method, bool has_bucket, bool has_key, const char *query,
			   const struct aws_http_header *headers, size_t n_headers, char *out,
			   size_t cap)
{
	const char *op = "", *verb;
	size_t i;

	out[0] = '\0';
	if (!method || cap == 0)
		return;
	if (!has_bucket) {
		op = strcmp(method, "GET") == 0 ? "ListBuckets" : "";
	} else if (has_key) {
		if (strcmp(method, "GET") == 0)
			op = query_has(query, "uploadId") ? "ListParts"
			     : query_has(query, "tagging") ? "GetObjectTagging"
			     : query_has(query, "acl") ? "GetObjectAcl" : "GetObject";
		else if (strcmp(method, "HEAD") == 0)
			op = "HeadObject";
		else if (strcmp(method, "PUT") == 0)
			op = query_has(query, "partNumber") ? "UploadPart"
			     : query_has(query, "tagging") ? "PutObjectTagging"
			     : query_has(query, "acl") ? "PutObjectAcl"
			     : has_header(headers, n_headers, "x-amz-copy-source") ? "CopyObject"
			     : "PutObject";
		else if (strcmp(method, "DELETE") == 0)
			op = query_has(query, "uploadId") ? "AbortMultipartUpload"
			     : query_has(query, "tagging") ? "DeleteObjectTagging" : "DeleteObject";
		else if (strcmp(method, "POST") == 0)
			op = query_has(query, "uploads") ? "CreateMultipartUpload"
			     : query_has(query, "uploadId") ? "CompleteMultipartUpload"
			     : query_has(query, "restore") ? "RestoreObject" : "";
	} else {
		if (strcmp(method, "HEAD") == 0) {
			op = "HeadBucket";
		} else if (strcmp(method, "POST") == 0) {
			op = query_has(query, "delete") ? "DeleteObjects" : "";
		} else if (strcmp(method, "GET") == 0 && query_has(query, "location")) {
			op = "GetBucketLocation";
		} else if (strcmp(method, "GET") == 0 && query_has(query, "uploads")) {
			op = "ListMultipartUploads";
		} else if (strcmp(method, "GET") == 0 && query_has(query, "versions")) {
			op = "ListObjectVersions";
		} else if ((verb = verb_of(method)) != NULL) {
			for (i = 0; i < sizeof(s3_subresources) / sizeof(s3_subresources[0]); i++)
				if (query_has(query, s3_subresources[i].param)) {
					snprintf(out, cap, "%s%s", verb, s3_subresources[i].stem);
					return;
				}
			op = strcmp(method, "GET") == 0
				     ? (query_has(query, "list-type") ? "ListObjectsV2" : "ListObjects")
				     : strcmp(method, "PUT") == 0 ? "CreateBucket" : "DeleteBucket";
		}
	}
	snprintf(out, cap, "%s", op);
}

/* The header's value (case-insensitive name) in req, or NULL. */
static const char *req_header(const struct aws_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->n_headers; i++)
		if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

/* Copies the operation name [p, p + n) when it is a plain identifier. */
static void take_name(const char *p, size_t n, char *out, size_t cap)
{
	size_t i;

	out[0] = '\0';
	if (n == 0 || n >= cap)
		return;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= '0' && p[i] <= '9')))
			return;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * The operation of a request sent through aws_client_send: awsJson's X-Amz-Target
 * ("DynamoDB_20120810.Query" → "Query"), the query protocol's Action= in the form
 * body, X-Ray's rest-json paths, S3 from method, path and query.
 */
static void operation_of(const struct aws_request *req, char *out, size_t cap)
{
	const char *target = req_header(req, "X-Amz-Target");
	const char *path = req->path && *req->path ? req->path : "/";

	out[0] = '\0';
	if (req->service == AWS_SVC_S3) {
		const char *key = strchr(path + 1, '/');

		aws_call_s3_operation(req->method, path[1] != '\0', key && key[1] != '\0',
				      req->query, req->headers, req->n_headers, out, cap);
	} else if (target) {
		const char *dot = strrchr(target, '.');

		dot = dot ? dot + 1 : target;
		take_name(dot, strlen(dot), out, cap);
	} else if (req->body && req->body_len > 7 && req->method &&
		   strcmp(req->method, "POST") == 0 && req->service != AWS_SVC_XRAY) {
		const char *b = req->body, *end = b + req->body_len, *p = b;

		/* Action=<name> anywhere among the form's pairs */
		while (p && p < end) {
			if ((size_t)(end - p) > 7 && strncmp(p, "Action=", 7) == 0) {
				const char *v = p + 7, *amp = memchr(v, '&', (size_t)(end - v));

				take_name(v, (size_t)((amp ? amp : end) - v), out, cap);
				return;
			}
			p = memchr(p, '&', (size_t)(end - p));
			if (p)
				p++;
		}
	} else if (req->service == AWS_SVC_XRAY) {
		/* rest-json: the path names the operation, two of them otherwise */
		if (strcmp(path, "/TraceSegments") == 0)
			snprintf(out, cap, "PutTraceSegments");
		else if (strcmp(path, "/Traces") == 0)
			snprintf(out, cap, "BatchGetTraces");
		else
			take_name(path + 1, strlen(path + 1), out, cap);
	}
}

/* Adds name to rec's table_names unless there already or full. */
static void add_table(struct aws_call_record *rec, const char *name)
{
	size_t i;

	if (!name)
		return;
	for (i = 0; i < rec->n_table_names; i++)
		if (strcmp(rec->table_names[i], name) == 0)
			return;
	if (rec->n_table_names < AWS_CALL_TABLES_MAX)
		rec->table_names[rec->n_table_names++] = name;
}

/*
 * DynamoDB table names from the request body into rec (pointers into body, which the
 * caller keeps until the report is done): TableName, RequestItems' keys (batches),
 * TransactItems[].{Put,Update,Delete,ConditionCheck}.TableName.
 */
static void tables_of(json_t *body, struct aws_call_record *rec)
{
	static const char *const kinds[] = { "Put", "Update", "Delete", "ConditionCheck", "Get" };
	json_t *items, *v;
	const char *key;
	size_t i, k;

	rec->table_name = json_string_value(json_object_get(body, "TableName"));
	items = json_object_get(body, "RequestItems");
	json_object_foreach(items, key, v)
		add_table(rec, key);
	items = json_object_get(body, "TransactItems");
	json_array_foreach(items, i, v)
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			add_table(rec, json_string_value(json_object_get(json_object_get(v, kinds[k]),
									  "TableName")));
}

void aws_call_report(const struct aws_call_observer *obs, const struct aws_call_outcome *o)
{
	struct aws_call_record rec;
	char op[AWS_CALL_OPERATION_MAX];
	const struct aws_response *resp = o->resp;
	const char *rid = NULL, *clen;
	json_t *body = NULL;
	long n;

	if (!obs || !obs->on_call)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.service = o->req->service;
	if (o->s3_operation)
		snprintf(op, sizeof(op), "%s", o->s3_operation);
	else
		operation_of(o->req, op, sizeof(op));
	rec.operation = op;
	rec.region = o->ep->signing_region ? o->ep->signing_region : "";
	rec.bucket = o->bucket;
	if (rec.service == AWS_SVC_DYNAMODB && o->req->body && o->req->body_len) {
		body = json_loadb(o->req->body, o->req->body_len, 0, NULL);
		if (json_is_object(body))
			tables_of(body, &rec);
	}
	rec.status = (int)resp->http.status;
	rec.content_length = -1;
	if (rec.status > 0) {
		rid = aws_http_response_request_id(&resp->http);
		clen = aws_http_response_header(&resp->http, "Content-Length");
		rec.content_length = clen && ca_parse_long(clen, 0, LONG_MAX, &n)
					     ? (long long)n : (long long)resp->http.body.len;
	}
	if ((!rid || !*rid) && resp->error.request_id[0])
		rid = resp->error.request_id;
	rec.request_id = rid ? rid : "";
	rec.error_code = rec.status >= 300 ? resp->error.code : "";
	rec.error_message = o->rc != CA_OK && o->message ? o->message : "";
	rec.rc = o->rc;
	rec.throttled = o->throttled;
	rec.attempts = resp->attempts;
	rec.start_time = o->start_time;
	rec.end_time = o->end_time < o->start_time ? o->start_time : o->end_time;
	rec.subsegment_id = o->subsegment_id ? o->subsegment_id : "";

	current = NULL; /* calls the observer makes are not its own subject */
	obs->on_call(obs->ctx, &rec);
	current = obs;
	json_decref(body);
}
