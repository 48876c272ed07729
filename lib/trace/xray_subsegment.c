/*
 * xray_subsegment.c — the AWS calls of a served request as X-Ray subsegments
 * (xray_emitter.h), in the shape the AWS SDKs' X-Ray instrumentation sends.
 */
#include "trace/xray_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

struct xray_subsegments {
	json_t *items;  /* array of subsegment objects */
	size_t cap;
	size_t dropped;
};

int xray_subsegments_new(size_t cap, struct xray_subsegments **out, struct ca_err *err)
{
	struct xray_subsegments *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l || !(l->items = json_array())) {
		free(l);
		return ca_err_set(err, CA_ENOMEM, "Out of memory recording AWS calls.");
	}
	l->cap = cap ? cap : XRAY_SUBSEGMENTS_MAX;
	*out = l;
	return CA_OK;
}

void xray_subsegments_free(struct xray_subsegments *l)
{
	if (!l)
		return;
	json_decref(l->items);
	free(l);
}

size_t xray_subsegments_count(const struct xray_subsegments *l)
{
	return l ? json_array_size(l->items) : 0;
}

size_t xray_subsegments_dropped(const struct xray_subsegments *l)
{
	return l ? l->dropped : 0;
}

/* The subsegment name the SDKs give each service's calls (the SDK class names). */
static const char *service_name(enum aws_service s)
{
	switch (s) {
	case AWS_SVC_DYNAMODB: return "DynamoDB";
	case AWS_SVC_S3: return "S3";
	case AWS_SVC_STS: return "STS";
	case AWS_SVC_IAM: return "IAM";
	case AWS_SVC_EC2: return "EC2";
	case AWS_SVC_COGNITO_IDP: return "CognitoIdentityServiceProvider";
	case AWS_SVC_XRAY: return "XRay";
	}
	return "AWS";
}

/* Sets key to value (taken); false on a NULL value or out of memory. */
static bool put(json_t *obj, const char *key, json_t *value)
{
	return value && json_object_set_new(obj, key, value) == 0;
}

/* Sets key to s cut to cap, unless s is NULL or empty. */
static bool put_text(json_t *obj, const char *key, const char *s, size_t cap)
{
	return !s || !*s || put(obj, key, xray_capped_string(s, cap));
}

static json_t *aws_json(const struct aws_call_record *rec)
{
	json_t *aws = json_object(), *names = NULL;
	bool ok;
	size_t i;

	ok = aws && put_text(aws, "operation", rec->operation, XRAY_AWS_FIELD_MAX) &&
	     put_text(aws, "region", rec->region, XRAY_AWS_FIELD_MAX) &&
	     put_text(aws, "request_id", rec->request_id, XRAY_AWS_FIELD_MAX) &&
	     put(aws, "retries", json_integer(rec->attempts > 1 ? rec->attempts - 1 : 0)) &&
	     put_text(aws, "table_name", rec->table_name, XRAY_AWS_FIELD_MAX) &&
	     put_text(aws, "bucket_name", rec->bucket, XRAY_AWS_FIELD_MAX);
	if (ok && !rec->table_name && rec->n_table_names > 0) {
		names = json_array();
		ok = names != NULL;
		for (i = 0; ok && i < rec->n_table_names && i < AWS_CALL_TABLES_MAX; i++)
			ok = json_array_append_new(names, xray_capped_string(rec->table_names[i],
									     XRAY_AWS_FIELD_MAX)) == 0;
		if (ok) {
			ok = put(aws, "table_names", names);
			names = NULL;
		}
	}
	json_decref(names);
	if (!ok) {
		json_decref(aws);
		return NULL;
	}
	return aws;
}

static json_t *http_json(const struct aws_call_record *rec)
{
	json_t *http = json_object(), *resp = json_object();
	bool ok = http && resp && put(resp, "status", json_integer(rec->status)) &&
		  (rec->content_length < 0 ||
		   put(resp, "content_length", json_integer(rec->content_length)));

	if (ok) {
		ok = put(http, "response", resp);
		resp = NULL;
	}
	json_decref(resp);
	if (!ok) {
		json_decref(http);
		return NULL;
	}
	return http;
}

/* {"exceptions": [{id, type, message, remote}]} for a failed call. */
static json_t *cause_json(const struct aws_call_record *rec, const char *exception_id)
{
	json_t *cause = json_object(), *list = json_array(), *ex = json_object();
	const char *type = rec->error_code && *rec->error_code ? rec->error_code
							      : ca_strerror(rec->rc);
	bool ok = cause && list && ex && put(ex, "id", json_string(exception_id)) &&
		  put_text(ex, "type", type, XRAY_CAUSE_MAX) &&
		  put_text(ex, "message", rec->error_message, XRAY_CAUSE_MAX) &&
		  (rec->status <= 0 || put(ex, "remote", json_true()));

	if (ok) {
		ok = json_array_append_new(list, ex) == 0;
		ex = NULL;
	}
	if (ok) {
		ok = put(cause, "exceptions", list);
		list = NULL;
	}
	json_decref(ex);
	json_decref(list);
	if (!ok) {
		json_decref(cause);
		return NULL;
	}
	return cause;
}

static json_t *subsegment_json(const struct aws_call_record *rec, const char *id,
			       const char *exception_id)
{
	json_t *sub = json_object();
	double end = rec->end_time < rec->start_time ? rec->start_time : rec->end_time;
	bool ok, throttle = rec->throttled || rec->status == 429;

	ok = sub && put(sub, "id", json_string(id)) &&
	     put(sub, "name", json_string(service_name(rec->service))) &&
	     put(sub, "namespace", json_string("aws")) &&
	     put(sub, "start_time", json_real(rec->start_time)) &&
	     put(sub, "end_time", json_real(end)) && put(sub, "aws", aws_json(rec)) &&
	     (rec->status <= 0 || put(sub, "http", http_json(rec)));
	if (ok && rec->status >= 400 && rec->status < 500)
		ok = put(sub, "error", json_true());
	if (ok && throttle)
		ok = put(sub, "throttle", json_true());
	if (ok && (rec->status >= 500 || (rec->status <= 0 && rec->rc != CA_OK)))
		ok = put(sub, "fault", json_true());
	if (ok && rec->rc != CA_OK)
		ok = put(sub, "cause", cause_json(rec, exception_id));
	if (!ok) {
		json_decref(sub);
		return NULL;
	}
	return sub;
}

int xray_subsegments_add(struct xray_subsegments *l, const struct aws_call_record *rec,
			 struct ca_err *err)
{
	char id[XRAY_SEGMENT_ID_LEN + 1], ex_id[XRAY_SEGMENT_ID_LEN + 1];
	json_t *sub;
	int rc;

	if (!l || !rec)
		return ca_err_set(err, CA_EINVAL, "xray_subsegments_add needs a list and a call.");
	if (json_array_size(l->items) >= l->cap) {
		l->dropped++;
		return CA_OK;
	}
	/* the id the call's X-Amzn-Trace-Id named as the parent, else a new one */
	if (rec->subsegment_id && strlen(rec->subsegment_id) == XRAY_SEGMENT_ID_LEN)
		memcpy(id, rec->subsegment_id, sizeof(id));
	else if ((rc = xray_new_segment_id(id, err)) != CA_OK)
		id[0] = '\0';
	if (!id[0] || (rec->rc != CA_OK && (rc = xray_new_segment_id(ex_id, err)) != CA_OK)) {
		l->dropped++;
		return rc;
	}
	sub = subsegment_json(rec, id, rec->rc != CA_OK ? ex_id : "");
	if (!sub || json_array_append_new(l->items, sub) != 0) {
		l->dropped++;
		return ca_err_set(err, CA_ENOMEM, "Out of memory recording an AWS call.");
	}
	return CA_OK;
}

bool xray_subsegments_attach(json_t *doc, const struct xray_subsegments *l, size_t keep)
{
	size_t n = xray_subsegments_count(l), dropped, i;
	json_t *arr, *meta, *def;

	if (keep > n)
		keep = n;
	dropped = xray_subsegments_dropped(l) + (n - keep);
	if (keep > 0) {
		if (!(arr = json_array()))
			return false;
		for (i = 0; i < keep; i++)
			if (json_array_append(arr, json_array_get(l->items, i)) != 0) {
				json_decref(arr);
				return false;
			}
		if (!put(doc, "subsegments", arr))
			return false;
	}
	if (dropped == 0)
		return true;
	meta = json_object();
	def = json_object();
	if (!meta || !def || !put(def, XRAY_DROPPED_KEY, json_integer((json_int_t)dropped))) {
		json_decref(meta);
		json_decref(def);
		return false;
	}
	if (!put(meta, "default", def)) {
		json_decref(meta);
		return false;
	}
	return put(doc, "metadata", meta);
}

size_t *xray_subsegments_lengths(const struct xray_subsegments *l)
{
	size_t n = xray_subsegments_count(l), i;
	size_t *lens;

	if (n == 0 || !(lens = calloc(n, sizeof(*lens))))
		return NULL;
	for (i = 0; i < n; i++) {
		char *text = json_dumps(json_array_get(l->items, i),
					JSON_COMPACT | JSON_REAL_PRECISION(16));

		if (!text) {
			free(lens);
			return NULL;
		}
		lens[i] = strlen(text);
		free(text);
	}
	return lens;
}
