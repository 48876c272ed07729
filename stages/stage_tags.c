/* Reading and writing the tags of the stages' resources (stage_tags.h). */
#include "stage_tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cognito.h"
#include "aws/cognito_update.h"
#include "aws/dynamodb.h"
#include "aws/iam.h"
#include "aws/s3.h"
#include "aws/protocol.h"
#include "aws/xray.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

enum tag_kind { TK_NONE, TK_POLICY, TK_ROLE, TK_PROFILE, TK_TABLE, TK_BUCKET, TK_POOL,
		TK_RULE, TK_GROUP };

static enum tag_kind kind_of(const char *kind)
{
	static const struct { const char *name; enum tag_kind k; } kinds[] = {
		{ "iam policy", TK_POLICY }, { "iam role", TK_ROLE },
		{ "iam instance profile", TK_PROFILE }, { "dynamodb table", TK_TABLE },
		{ "s3 bucket", TK_BUCKET }, { "cognito user pool", TK_POOL },
		{ "xray sampling rule", TK_RULE }, { "xray group", TK_GROUP },
	};
	size_t i;

	for (i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].name))
			return kinds[i].k;
	return TK_NONE;
}

bool stage_tags_kind_taggable(const char *kind)
{
	return kind_of(kind) != TK_NONE;
}

bool stage_tags_match(const json_t *want, const json_t *have)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)want, k, v) {
		const char *h = json_string_value(json_object_get(have, k));
		if (!h || !json_string_value(v) || strcmp(h, json_string_value(v)) != 0)
			return false;
	}
	return true;
}

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "out of memory");
}

/* Adds each {"Key":k,"Value":v} of a JSON tag list (the DynamoDB and X-Ray
 * shape) to tags; entries without a string key or value are skipped. */
static int add_tag_list(json_t *tags, const json_t *list, struct ca_err *err)
{
	const json_t *t;
	size_t i;

	json_array_foreach(list, i, t) {
		const char *tk = json_string_value(json_object_get(t, "Key"));
		json_t *tv = json_object_get(t, "Value");
		if (tk && json_is_string(tv) && json_object_set(tags, tk, tv))
			return oom(err);
	}
	return CA_OK;
}

/* ---- IAM: the query protocol's Tags.member.N.Key/Value ---- */

static const char *iam_id_param(enum tag_kind k)
{
	return k == TK_POLICY ? "PolicyArn" : k == TK_ROLE ? "RoleName" : "InstanceProfileName";
}

static const char *iam_suffix(enum tag_kind k)
{
	return k == TK_POLICY ? "Policy" : k == TK_ROLE ? "Role" : "InstanceProfile";
}

/* The policy's ARN by name (policies are addressed by ARN); NULL id when absent. */
static int iam_ident(struct aws_client *aws, enum tag_kind k, const char *name, char **id,
		     struct ca_err *err)
{
	int rc;

	*id = NULL;
	if (k != TK_POLICY) {
		*id = ca_strdup(name);
		return *id ? CA_OK : oom(err);
	}
	rc = iam_find_policy(aws, name, id, err);
	if (rc == CA_ENOTFOUND) {
		ca_err_clear(err);
		rc = CA_OK;
	}
	return rc;
}

static int iam_read(struct aws_client *aws, enum tag_kind k, const char *name, bool *exists,
		    json_t **tags, struct ca_err *err)
{
	char action[64];
	struct aws_op op = { 0 };
	struct aws_result res = { 0 };
	struct ca_xml_node *x = NULL;
	const struct ca_xml_node *m;
	struct ca_buf path = CA_BUF_INIT;
	struct aws_param p[1];
	struct ca_err local;
	char *id = NULL;
	int rc;

	if ((rc = iam_ident(aws, k, name, &id, err)) || !id)
		goto out;
	/* instance profiles: GetInstanceProfile carries the tags (the stand-in has no
	 * ListInstanceProfileTags) */
	snprintf(action, sizeof(action), k == TK_PROFILE ? "Get%s" : "List%sTags", iam_suffix(k));
	p[0].name = iam_id_param(k);
	p[0].value = id;
	op.name = action;
	op.params = p;
	op.n_params = 1;
	ca_err_clear(&local);
	rc = aws_call(aws, AWS_SVC_IAM, &op, &res, &local);
	if (rc == CA_AWS_SERVICE && !strcmp(res.error_code, "NoSuchEntity")) {
		rc = CA_OK;
		goto out;
	}
	if (rc) {
		rc = ca_err_set(err, rc, "%s", ca_err_msg(&local));
		goto out;
	}
	x = res.xml;
	res.xml = NULL;
	ca_buf_addf(&path, "%sResult/%sTags", action, k == TK_PROFILE ? "InstanceProfile/" : "");
	if (!ca_buf_ok(&path) || !(*tags = json_object())) {
		rc = oom(err);
		goto out;
	}
	*exists = true;
	for (m = ca_xml_child(ca_xml_path(x, path.data), "member"); m; m = ca_xml_next(m, "member")) {
		const char *tk = ca_xml_path_text(m, "Key"), *tv = ca_xml_path_text(m, "Value");
		if (tk && json_object_set_new(*tags, tk, json_string(tv ? tv : ""))) {
			rc = oom(err);
			goto out;
		}
	}
out:
	aws_result_release(&res);
	ca_xml_free(x);
	ca_buf_release(&path);
	free(id);
	return rc;
}

static int iam_write(struct aws_client *aws, enum tag_kind k, const char *name,
		     const json_t *tags, struct ca_err *err)
{
	size_t n = json_object_size(tags), i = 1, j;
	struct aws_param *p = calloc(1 + 2 * n, sizeof(*p));
	char **names = calloc(2 * n + 1, sizeof(char *));
	char action[64], *id = NULL;
	const char *key;
	json_t *v;
	int rc;

	if (!p || !names) {
		rc = oom(err);
		goto out;
	}
	if ((rc = iam_ident(aws, k, name, &id, err)))
		goto out;
	if (!id) {
		rc = ca_err_set(err, CA_ENOTFOUND, "iam policy %s not found", name);
		goto out;
	}
	snprintf(action, sizeof(action), "Tag%s", iam_suffix(k));
	p[0].name = iam_id_param(k);
	p[0].value = id;
	json_object_foreach((json_t *)tags, key, v) {
		struct ca_buf a = CA_BUF_INIT, b = CA_BUF_INIT;
		ca_buf_addf(&a, "Tags.member.%zu.Key", (i + 1) / 2);
		ca_buf_addf(&b, "Tags.member.%zu.Value", (i + 1) / 2);
		names[i - 1] = ca_buf_detach(&a, NULL);
		names[i] = ca_buf_detach(&b, NULL);
		if (!names[i - 1] || !names[i]) {
			rc = oom(err);
			goto out;
		}
		p[i].name = names[i - 1];
		p[i].value = key;
		p[i + 1].name = names[i];
		p[i + 1].value = json_string_value(v) ? json_string_value(v) : "";
		i += 2;
	}
	rc = aws_query_call(aws, AWS_SVC_IAM, action, p, i, NULL, err);
out:
	for (j = 0; names && j < 2 * n; j++)
		free(names[j]);
	free(names);
	free(p);
	free(id);
	return rc;
}

/* ---- DynamoDB and Cognito: tagged by ARN ---- */

static int resource_arn(struct aws_client *aws, enum tag_kind k, const char *name, char **arn,
			struct ca_err *err)
{
	struct ddb_table t;
	json_t *pool = NULL;
	char *pool_id = NULL;
	int rc;

	*arn = NULL;
	if (k == TK_TABLE) {
		rc = ddb_describe_table(aws, name, &t, err);
		if (rc == CA_OK && t.arn && !(*arn = ca_strdup(t.arn)))
			rc = oom(err);
		ddb_table_release(&t);
		if (rc == CA_ENOTFOUND) {
			ca_err_clear(err);
			rc = CA_OK;
		}
		return rc;
	}
	if ((rc = cognito_find_user_pool(aws, name, &pool_id, err)) || !pool_id)
		return rc;
	rc = cognito_describe_user_pool(aws, pool_id, &pool, err);
	if (rc == CA_OK && !(*arn = ca_strdup(json_string_value(json_object_get(pool, "Arn")))))
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"cognito-idp: user pool %s has no ARN in its description", pool_id);
	json_decref(pool);
	free(pool_id);
	return rc;
}

/* A pool's tags are in its description (UserPoolTags), on AWS and on the stand-in. */
static int pool_read(struct aws_client *aws, const char *name, bool *exists, json_t **tags,
		     struct ca_err *err)
{
	json_t *pool = NULL, *have;
	char *id = NULL;
	int rc;

	if ((rc = cognito_find_user_pool(aws, name, &id, err)) || !id)
		return rc;
	if ((rc = cognito_describe_user_pool(aws, id, &pool, err)))
		goto out;
	have = json_object_get(pool, "UserPoolTags");
	*tags = json_is_object(have) ? json_deep_copy(have) : json_object();
	if (!*tags)
		rc = oom(err);
	else
		*exists = true;
out:
	json_decref(pool);
	free(id);
	return rc;
}

/*
 * An endpoint without TagResource for pools (the local stand-in answers 500 with no
 * error code): UpdateUserPool with everything the pool has that the update takes
 * (aws/cognito_update.h: its input members, never the description's read-only ones)
 * and the tags added, which the stand-in keeps. Real Cognito offers TagResource and
 * never comes here.
 */
static int pool_tag_by_update(struct aws_client *aws, const char *name, const json_t *tags,
			      struct ca_err *err)
{
	json_t *pool = NULL, *req = NULL, *have;
	char *id = NULL;
	int rc;

	if ((rc = cognito_find_user_pool(aws, name, &id, err)))
		return rc;
	if (!id)
		return ca_err_set(err, CA_ENOTFOUND, "cognito user pool %s not found", name);
	if ((rc = cognito_describe_user_pool(aws, id, &pool, err)))
		goto out;
	if (!(req = cognito_pool_update_request(NULL, pool))) {
		rc = oom(err);
		goto out;
	}
	have = json_object_get(req, "UserPoolTags");
	if (!json_is_object(have)) {
		json_object_set_new(req, "UserPoolTags", json_object());
		have = json_object_get(req, "UserPoolTags");
	}
	if (!have || json_object_update(have, (json_t *)tags)) {
		rc = oom(err);
		goto out;
	}
	rc = cognito_update_user_pool(aws, id, req, err);
out:
	json_decref(pool);
	json_decref(req);
	free(id);
	return rc;
}

/* A table's tags: ListTagsOfResource on its ARN. */
static int table_read(struct aws_client *aws, const char *name, bool *exists, json_t **tags,
		      struct ca_err *err)
{
	json_t *in = NULL, *out = NULL;
	char *arn = NULL;
	int rc;

	if ((rc = resource_arn(aws, TK_TABLE, name, &arn, err)) || !arn)
		goto done;
	if (!(*tags = json_object()) || !(in = json_pack("{s:s}", "ResourceArn", arn))) {
		rc = oom(err);
		goto done;
	}
	if ((rc = aws_call_json(aws, AWS_SVC_DYNAMODB, "ListTagsOfResource", in, &out, err)))
		goto done;
	if ((rc = add_tag_list(*tags, json_object_get(out, "Tags"), err)))
		goto done;
	*exists = true;
done:
	if (rc) {
		json_decref(*tags);
		*tags = NULL;
	}
	json_decref(in);
	json_decref(out);
	free(arn);
	return rc;
}

static int arn_write(struct aws_client *aws, enum tag_kind k, const char *name,
		     const json_t *tags, struct ca_err *err)
{
	json_t *in = NULL, *list = NULL;
	const char *key;
	json_t *v;
	char *arn = NULL;
	int rc;

	if ((rc = resource_arn(aws, k, name, &arn, err)))
		return rc;
	if (!arn)
		return ca_err_set(err, CA_ENOTFOUND, "%s %s not found",
				  k == TK_TABLE ? "dynamodb table" : "cognito user pool", name);
	if (k == TK_TABLE) {
		list = json_array();
		json_object_foreach((json_t *)tags, key, v)
			json_array_append_new(list, json_pack("{s:s, s:O}", "Key", key, "Value", v));
	} else {
		list = json_deep_copy(tags);
	}
	in = list ? json_pack("{s:s, s:o}", "ResourceArn", arn, "Tags", list) : NULL;
	if (!in) {
		rc = oom(err);
		goto out;
	}
	if (k == TK_TABLE) {
		rc = aws_call_json(aws, AWS_SVC_DYNAMODB, "TagResource", in, NULL, err);
	} else {
		struct aws_op op = { .name = "TagResource", .json = in };
		struct aws_result res = { 0 };
		struct ca_err local;

		ca_err_clear(&local);
		rc = aws_call(aws, AWS_SVC_COGNITO_IDP, &op, &res, &local);
		/* a bare status for a code: the stand-in has no TagResource */
		if (rc == CA_AWS_SERVICE && res.error_code[0] >= '0' && res.error_code[0] <= '9')
			rc = pool_tag_by_update(aws, name, tags, err);
		else if (rc)
			rc = ca_err_set(err, rc, "%s", ca_err_msg(&local));
		aws_result_release(&res);
	}
out:
	json_decref(in);
	free(arn);
	return rc;
}

/* ---- X-Ray: rules and groups by ARN, from GetSamplingRules / GetGroups ---- */

/* The ARN of the named rule or group; NULL (CA_OK) when absent or not offered. */
static int xray_arn(struct aws_client *aws, enum tag_kind k, const char *name, char **arn,
		    struct ca_err *err)
{
	json_t *all = NULL, *v;
	size_t i;
	int rc;

	*arn = NULL;
	rc = k == TK_RULE ? xray_get_sampling_rules(aws, &all, err)
			  : xray_get_groups(aws, &all, err);
	if (rc == CA_EUNSUPPORTED) {    /* the stand-in: no rules or groups at all */
		ca_err_clear(err);
		return CA_OK;
	}
	if (rc)
		return rc;
	json_array_foreach(all, i, v) {
		const char *n = json_string_value(json_object_get(v, k == TK_RULE ? "RuleName"
										  : "GroupName"));
		const char *a = json_string_value(json_object_get(v, k == TK_RULE ? "RuleARN"
										  : "GroupARN"));
		if (n && a && !strcmp(n, name)) {
			if (!(*arn = ca_strdup(a)))
				rc = oom(err);
			break;
		}
	}
	json_decref(all);
	return rc;
}

static int xray_read(struct aws_client *aws, enum tag_kind k, const char *name, bool *exists,
		     json_t **tags, struct ca_err *err)
{
	json_t *in = NULL, *out = NULL;
	char *arn = NULL;
	int rc;

	if ((rc = xray_arn(aws, k, name, &arn, err)) || !arn)
		return rc;
	if (!(in = json_pack("{s:s}", "ResourceARN", arn)) || !(*tags = json_object())) {
		rc = oom(err);
		goto out;
	}
	if ((rc = aws_call_json(aws, AWS_SVC_XRAY, "ListTagsForResource", in, &out, err)))
		goto out;
	if ((rc = add_tag_list(*tags, json_object_get(out, "Tags"), err)))
		goto out;
	*exists = true;
out:
	if (rc) {
		json_decref(*tags);
		*tags = NULL;
	}
	json_decref(in);
	json_decref(out);
	free(arn);
	return rc;
}

static int xray_write(struct aws_client *aws, enum tag_kind k, const char *name,
		      const json_t *tags, struct ca_err *err)
{
	json_t *in = NULL, *list = json_array(), *v;
	const char *key;
	char *arn = NULL;
	int rc;

	if (!list)
		return oom(err);
	if ((rc = xray_arn(aws, k, name, &arn, err)) || !arn)
		goto out;
	json_object_foreach((json_t *)tags, key, v)
		json_array_append_new(list, json_pack("{s:s, s:O}", "Key", key, "Value", v));
	if (!(in = json_pack("{s:s, s:O}", "ResourceARN", arn, "Tags", list))) {
		rc = oom(err);
		goto out;
	}
	rc = aws_call_json(aws, AWS_SVC_XRAY, "TagResource", in, NULL, err);
out:
	json_decref(in);
	json_decref(list);
	free(arn);
	return rc;
}

/* ---- S3 ---- */

static int bucket_read(struct aws_client *aws, const char *name, bool *exists, json_t **tags,
		       struct ca_err *err)
{
	struct s3_bucket_probe p;
	int rc = s3_bucket_probe(aws, name, &p, err);

	if (rc || p.status == S3_BUCKET_ABSENT)
		return rc;
	if (p.status == S3_BUCKET_FORBIDDEN) {
		/* someone else's: it exists, and it carries none of our tags we could see */
		*exists = true;
		*tags = json_object();
		return *tags ? CA_OK : oom(err);
	}
	if ((rc = s3_get_bucket_tagging(aws, name, tags, err)))
		return rc;
	*exists = true;
	return CA_OK;
}

static int bucket_write(struct aws_client *aws, const char *name, const json_t *tags,
			struct ca_err *err)
{
	json_t *have = NULL;
	int rc = s3_get_bucket_tagging(aws, name, &have, err);

	/* PutBucketTagging replaces the set: keep the keys already there */
	if (rc == CA_OK && json_object_update(have, (json_t *)tags))
		rc = oom(err);
	if (rc == CA_OK)
		rc = s3_put_bucket_tagging(aws, name, have, err);
	json_decref(have);
	return rc;
}

int stage_tags_read(struct aws_client *aws, const char *kind, const char *name, bool *exists,
		    json_t **tags, struct ca_err *err)
{
	enum tag_kind k = kind_of(kind);

	*exists = false;
	*tags = NULL;
	switch (k) {
	case TK_POLICY:
	case TK_ROLE:
	case TK_PROFILE:
		return iam_read(aws, k, name, exists, tags, err);
	case TK_TABLE:
		return table_read(aws, name, exists, tags, err);
	case TK_POOL:
		return pool_read(aws, name, exists, tags, err);
	case TK_BUCKET:
		return bucket_read(aws, name, exists, tags, err);
	case TK_RULE:
	case TK_GROUP:
		return xray_read(aws, k, name, exists, tags, err);
	case TK_NONE:
		break;
	}
	return ca_err_set(err, CA_EINVAL, "a %s holds no tags", kind ? kind : "(null)");
}

int stage_tags_write(struct aws_client *aws, const char *kind, const char *name,
		     const json_t *tags, struct ca_err *err)
{
	enum tag_kind k = kind_of(kind);

	if (!json_object_size(tags))
		return CA_OK;
	switch (k) {
	case TK_POLICY:
	case TK_ROLE:
	case TK_PROFILE:
		return iam_write(aws, k, name, tags, err);
	case TK_TABLE:
	case TK_POOL:
		return arn_write(aws, k, name, tags, err);
	case TK_BUCKET:
		return bucket_write(aws, name, tags, err);
	case TK_RULE:
	case TK_GROUP:
		return xray_write(aws, k, name, tags, err);
	case TK_NONE:
		break;
	}
	return CA_OK;
}
