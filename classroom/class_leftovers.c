/*
 * What a class left in an account: every DynamoDB table, S3 bucket, Cognito user pool,
 * IAM policy, role and instance profile and X-Ray group and rule of the account is
 * listed; one is left over when its name is an attendee's (prefix mode: starts with
 * "<prefix>-"; account mode: one of the attendee's names) or when it carries the tag
 * cloudalbum:class=<class>.
 */
#include "class_leftovers.h"

#include <stdlib.h>
#include <string.h>

#include "../stages/stage_tags.h"
#include "aws/dynamodb.h"
#include "aws/protocol.h"
#include "aws/s3.h"
#include "aws/xray.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define MAX_PAGES 100

static int add_name(json_t *list, const char *kind, const char *name)
{
	return json_array_append_new(list, json_pack("[s, s]", kind, name)) ? CA_ENOMEM : CA_OK;
}

/* IAM ListRoles / ListPolicies (Scope=Local) / ListInstanceProfiles, every page. */
static int list_iam(struct aws_client *aws, const char *action, const char *member_path,
		    const char *name_key, const char *kind, json_t *list, struct ca_err *err)
{
	struct aws_param p[3];
	char *marker = NULL;
	size_t np, page;
	int rc = CA_OK;

	for (page = 0; page < MAX_PAGES; page++) {
		struct ca_xml_node *x = NULL;
		const struct ca_xml_node *m;
		struct ca_buf result = CA_BUF_INIT;
		const char *truncated, *next;

		np = 0;
		if (!strcmp(action, "ListPolicies")) {
			p[np].name = "Scope";
			p[np++].value = "Local";
		}
		if (marker) {
			p[np].name = "Marker";
			p[np++].value = marker;
		}
		if ((rc = aws_query_call(aws, AWS_SVC_IAM, action, p, np, &x, err)))
			break;
		ca_buf_addf(&result, "%sResult", action);
		for (m = ca_xml_child(ca_xml_path(ca_xml_child(x, result.data), member_path),
				      "member"); m && rc == CA_OK; m = ca_xml_next(m, "member")) {
			const char *n = ca_xml_path_text(m, name_key);
			if (n)
				rc = add_name(list, kind, n);
		}
		truncated = ca_xml_path_text(ca_xml_child(x, result.data), "IsTruncated");
		next = ca_xml_path_text(ca_xml_child(x, result.data), "Marker");
		free(marker);
		marker = truncated && !strcmp(truncated, "true") && next ? ca_strdup(next) : NULL;
		ca_buf_release(&result);
		ca_xml_free(x);
		if (rc || !marker)
			break;
	}
	free(marker);
	return rc;
}

static int list_pools(struct aws_client *aws, json_t *list, struct ca_err *err)
{
	json_t *token = NULL;
	size_t page, i;
	int rc = CA_OK;

	for (page = 0; page < MAX_PAGES; page++) {
		json_t *in = json_pack("{s:i}", "MaxResults", 60), *out = NULL, *pool;
		if (!in)
			return ca_err_set(err, CA_ENOMEM, "out of memory");
		if (token)
			json_object_set(in, "NextToken", token);
		rc = aws_call_json(aws, AWS_SVC_COGNITO_IDP, "ListUserPools", in, &out, err);
		json_decref(in);
		if (rc)
			break;
		json_array_foreach(json_object_get(out, "UserPools"), i, pool) {
			const char *n = json_string_value(json_object_get(pool, "Name"));
			if (n && (rc = add_name(list, "cognito user pool", n)))
				break;
		}
		json_decref(token);
		token = json_incref(json_object_get(out, "NextToken"));
		json_decref(out);
		if (rc || !json_is_string(token) || !*json_string_value(token))
			break;
	}
	json_decref(token);
	return rc;
}

/* X-Ray: the stand-in does not offer groups and rules; that is not a failure here. */
static void list_xray(struct aws_client *aws, json_t *list)
{
	json_t *groups = NULL, *rules = NULL, *v;
	size_t i;

	if (xray_get_groups(aws, &groups, NULL) == CA_OK)
		json_array_foreach(groups, i, v) {
			const char *n = json_string_value(json_object_get(v, "GroupName"));
			if (n && strcmp(n, "Default") != 0)
				add_name(list, "xray group", n);
		}
	if (xray_get_sampling_rules(aws, &rules, NULL) == CA_OK)
		json_array_foreach(rules, i, v) {
			const char *n = json_string_value(json_object_get(
				json_object_get(v, "SamplingRule"), "RuleName"));
			if (!n)
				n = json_string_value(json_object_get(v, "RuleName"));
			if (n && strcmp(n, "Default") != 0)
				add_name(list, "xray sampling rule", n);
		}
	json_decref(groups);
	json_decref(rules);
}

static int list_everything(struct aws_client *aws, json_t *list, struct ca_err *err)
{
	char **tables = NULL;
	size_t n = 0, i;
	json_t *buckets = NULL, *b;
	int rc;

	if ((rc = ddb_list_tables(aws, &tables, &n, err)))
		return rc;
	for (i = 0; i < n && rc == CA_OK; i++)
		rc = add_name(list, "dynamodb table", tables[i]);
	ddb_names_free(tables, n);
	if (rc || (rc = s3_list_buckets(aws, &buckets, err)))
		return rc;
	json_array_foreach(buckets, i, b)
		if ((rc = add_name(list, "s3 bucket", json_string_value(b))))
			break;
	json_decref(buckets);
	if (rc || (rc = list_pools(aws, list, err)) ||
	    (rc = list_iam(aws, "ListPolicies", "Policies", "PolicyName", "iam policy", list,
			   err)) ||
	    (rc = list_iam(aws, "ListRoles", "Roles", "RoleName", "iam role", list, err)) ||
	    (rc = list_iam(aws, "ListInstanceProfiles", "InstanceProfiles",
			   "InstanceProfileName", "iam instance profile", list, err)))
		return rc;
	list_xray(aws, list);
	return CA_OK;
}

int class_leftovers(struct aws_client *aws, const char *cls, const json_t *names,
		    const json_t *prefixes, json_t *left, struct ca_err *err)
{
	json_t *list = json_array(), *item;
	size_t i;
	int rc;

	if (!list)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = list_everything(aws, list, err)))
		goto out;
	json_array_foreach(list, i, item) {
		const char *kind = json_string_value(json_array_get(item, 0));
		const char *name = json_string_value(json_array_get(item, 1));
		const char *why = NULL;
		json_t *p;
		size_t k;

		json_array_foreach(names, k, p)
			if (!strcmp(json_string_value(json_array_get(p, 0)), kind) &&
			    !strcmp(json_string_value(json_array_get(p, 1)), name))
				why = "by name";
		json_array_foreach(prefixes, k, p) {
			const char *pre = json_string_value(p);
			if (!why && ca_starts_with(name, pre) && name[strlen(pre)] == '-')
				why = "by name prefix";
		}
		if (!why && stage_tags_kind_taggable(kind)) {
			json_t *tags = NULL;
			bool exists = false;
			const char *v;
			if (stage_tags_read(aws, kind, name, &exists, &tags, NULL) == CA_OK && exists &&
			    (v = json_string_value(json_object_get(tags, "cloudalbum:class"))) &&
			    !strcmp(v, cls))
				why = "by tag cloudalbum:class";
			json_decref(tags);
		}
		if (why && json_array_append_new(left, json_pack("[s, s, s]", kind, name, why))) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	json_decref(list);
	return rc;
}
