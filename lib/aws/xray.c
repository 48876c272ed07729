#include "aws/xray.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/protocol.h"
#include "util/crypto.h"
#include "util/banned.h"

#define MAX_PAGES 1000

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "xray: out of memory building the request.");
}

/*
 * One operation. An endpoint that has no such path (404 with no AWS error code in
 * the body) or refuses it as UnknownOperation (a 4xx) does not offer it:
 * CA_EUNSUPPORTED. A 5xx never means that, whatever its body says: it is an outage
 * (or an emulator's NotImplemented), retried by the client and reported as an error.
 */
static int call(struct aws_client *c, const char *op, const char *path, const json_t *in,
		json_t **out, struct ca_err *err)
{
	struct aws_op o = { .name = op, .path = path, .json = in };
	struct aws_result res;
	struct ca_err local;
	int rc;

	if (out)
		*out = NULL;
	aws_result_init(&res);
	ca_err_clear(&local);
	rc = aws_call(c, AWS_SVC_XRAY, &o, &res, &local);
	if (rc == CA_AWS_SERVICE && res.status >= 400 && res.status < 500 &&
	    ((res.status == 404 && !res.error_code_from_body) ||
	     strstr(res.error_code, "UnknownOperation"))) {
		rc = ca_err_set(err, CA_EUNSUPPORTED,
				"xray: %s is not offered by this endpoint (HTTP %d%s%s).", op,
				res.status, res.error_code_from_body ? ", " : "",
				res.error_code_from_body ? res.error_code : "");
	} else if (rc) {
		ca_err_set(err, rc, "%s", ca_err_msg(&local));
	} else if (out) {
		*out = res.output;
		res.output = NULL;
	}
	aws_result_release(&res);
	return rc;
}

int xray_new_trace_id(time_t now, char *out, struct ca_err *err)
{
	uint8_t r[12];
	char hex[25];

	if (ca_random_bytes(r, sizeof(r)))
		return ca_err_set(err, CA_EIO, "xray: the system's random source failed.");
	ca_hex_encode(r, sizeof(r), hex);
	snprintf(out, XRAY_TRACE_ID_LEN + 1, "1-%08x-%s", (unsigned)(uint32_t)now, hex);
	return CA_OK;
}

int xray_new_segment_id(char *out, struct ca_err *err)
{
	uint8_t r[8];

	if (ca_random_bytes(r, sizeof(r)))
		return ca_err_set(err, CA_EIO, "xray: the system's random source failed.");
	ca_hex_encode(r, sizeof(r), out);
	return CA_OK;
}

static bool lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool xray_trace_id_valid(const char *s)
{
	return s && strlen(s) == XRAY_TRACE_ID_LEN && s[0] == '1' && s[1] == '-' &&
	       lower_hex(s + 2, 8) && s[10] == '-' && lower_hex(s + 11, 24);
}

bool xray_segment_id_valid(const char *s)
{
	return s && strlen(s) == XRAY_SEGMENT_ID_LEN && lower_hex(s, XRAY_SEGMENT_ID_LEN);
}

int xray_put_trace_segments(struct aws_client *c, const char *const *docs, size_t n,
			    struct ca_err *err)
{
	json_t *in = json_object(), *arr = json_array(), *out = NULL, *first;
	size_t i;
	int rc;

	if (!in || !arr || json_object_set(in, "TraceSegmentDocuments", arr)) {
		rc = oom(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(docs[i]))) {
			rc = oom(err);
			goto out;
		}
	if ((rc = call(c, "PutTraceSegments", "/TraceSegments", in, &out, err)))
		goto out;
	first = json_array_get(json_object_get(out, "UnprocessedTraceSegments"), 0);
	if (first) {
		const char *id = json_string_value(json_object_get(first, "Id"));
		const char *code = json_string_value(json_object_get(first, "ErrorCode"));
		const char *msg = json_string_value(json_object_get(first, "Message"));

		rc = ca_err_set(err, CA_AWS_SERVICE,
				"xray: segment %s was not accepted: %s: %s", id ? id : "(no id)",
				code ? code : "?", msg ? msg : "");
	}
out:
	json_decref(in);
	json_decref(arr);
	json_decref(out);
	return rc;
}

/*
 * Every page of a listing, items of `list_key` (optionally member `inner` of each) that
 * are objects. in is the request (NULL: an empty one); NextToken is set in it per page.
 */
static int get_all(struct aws_client *c, const char *op, const char *path, json_t *in,
		   const char *list_key, const char *inner, json_t **items, struct ca_err *err)
{
	json_t *all = json_array(), *out = NULL, *it;
	const char *token = NULL;
	size_t i, pages;
	int rc = CA_OK;

	*items = NULL;
	in = in ? json_incref(in) : json_object();
	if (!in || !all) {
		rc = oom(err);
		goto out;
	}
	for (pages = 0; pages < MAX_PAGES; pages++) {
		if (token && json_object_set_new(in, "NextToken", json_string(token))) {
			rc = oom(err);
			goto out;
		}
		json_decref(out);
		out = NULL;
		if ((rc = call(c, op, path, in, &out, err)))
			goto out;
		json_array_foreach(json_object_get(out, list_key), i, it) {
			json_t *v = inner ? json_object_get(it, inner) : it;

			if (json_is_object(v) && json_array_append(all, v)) {
				rc = oom(err);
				goto out;
			}
		}
		token = json_string_value(json_object_get(out, "NextToken"));
		if (!token || !*token)
			break;
	}
	*items = json_incref(all);
out:
	json_decref(in);
	json_decref(all);
	json_decref(out);
	return rc;
}

int xray_batch_get_traces(struct aws_client *c, const char *const *ids, size_t n,
			  json_t **traces, struct ca_err *err)
{
	json_t *in = json_object(), *arr = json_array();
	size_t i;
	int rc = CA_OK;

	*traces = NULL;
	if (!in || !arr || json_object_set(in, "TraceIds", arr)) {
		rc = oom(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(ids[i]))) {
			rc = oom(err);
			goto out;
		}
	rc = get_all(c, "BatchGetTraces", "/Traces", in, "Traces", NULL, traces, err);
out:
	json_decref(in);
	json_decref(arr);
	return rc;
}

bool xray_traces_have_segment(const json_t *traces, const char *trace_id,
			      const char *segment_id)
{
	json_t *t, *s;
	size_t i, j;

	json_array_foreach(traces, i, t) {
		const char *id = json_string_value(json_object_get(t, "Id"));

		if (!id || strcmp(id, trace_id) != 0)
			continue;
		json_array_foreach(json_object_get(t, "Segments"), j, s) {
			const char *sid = json_string_value(json_object_get(s, "Id"));

			if (sid && !strcmp(sid, segment_id))
				return true;
		}
	}
	return false;
}

int xray_get_sampling_rules(struct aws_client *c, json_t **rules, struct ca_err *err)
{
	return get_all(c, "GetSamplingRules", "/GetSamplingRules", NULL, "SamplingRuleRecords",
		       "SamplingRule", rules, err);
}

/* {key: value} as a request, value borrowed (copied in by reference count). */
static int call_with(struct aws_client *c, const char *op, const char *path, const char *key,
		     json_t *value, struct ca_err *err)
{
	json_t *in = json_object();
	int rc;

	if (!in || !value || json_object_set(in, key, value)) {
		json_decref(in);
		return oom(err);
	}
	rc = call(c, op, path, in, NULL, err);
	json_decref(in);
	return rc;
}

int xray_create_sampling_rule(struct aws_client *c, const json_t *rule, struct ca_err *err)
{
	return call_with(c, "CreateSamplingRule", "/CreateSamplingRule", "SamplingRule",
			 (json_t *)rule, err);
}

int xray_update_sampling_rule(struct aws_client *c, const json_t *update, struct ca_err *err)
{
	return call_with(c, "UpdateSamplingRule", "/UpdateSamplingRule", "SamplingRuleUpdate",
			 (json_t *)update, err);
}

int xray_delete_sampling_rule(struct aws_client *c, const char *name, struct ca_err *err)
{
	json_t *v = json_string(name);
	int rc = call_with(c, "DeleteSamplingRule", "/DeleteSamplingRule", "RuleName", v, err);

	json_decref(v);
	return rc;
}

int xray_get_groups(struct aws_client *c, json_t **groups, struct ca_err *err)
{
	return get_all(c, "GetGroups", "/Groups", NULL, "Groups", NULL, groups, err);
}

static int group_call(struct aws_client *c, const char *op, const char *path, const char *name,
		      const char *filter, struct ca_err *err)
{
	json_t *in = json_object();
	int rc;

	if (!in || json_object_set_new(in, "GroupName", json_string(name)) ||
	    (filter && json_object_set_new(in, "FilterExpression", json_string(filter)))) {
		json_decref(in);
		return oom(err);
	}
	rc = call(c, op, path, in, NULL, err);
	json_decref(in);
	return rc;
}

int xray_create_group(struct aws_client *c, const char *name, const char *filter,
		      struct ca_err *err)
{
	return group_call(c, "CreateGroup", "/CreateGroup", name, filter, err);
}

int xray_update_group(struct aws_client *c, const char *name, const char *filter,
		      struct ca_err *err)
{
	return group_call(c, "UpdateGroup", "/UpdateGroup", name, filter, err);
}

int xray_delete_group(struct aws_client *c, const char *name, struct ca_err *err)
{
	return group_call(c, "DeleteGroup", "/DeleteGroup", name, NULL, err);
}
