#include "aws/iam.h"

#include <stdlib.h>
#include <string.h>

#include "aws/protocol.h"
#include "aws/sigv4_canon.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define NOT_FOUND "NoSuchEntity"

/*
 * One IAM call. A NoSuchEntity answer becomes a silent CA_ENOTFOUND; any other
 * failure keeps the client's sentence. *out may be NULL.
 */
static int call(struct aws_client *c, const char *action, const struct aws_param *p, size_t n,
		struct ca_xml_node **out, struct ca_err *err)
{
	struct aws_op op = { .name = action, .params = p, .n_params = n };
	struct aws_expect e = { .code = NOT_FOUND, .rc = CA_ENOTFOUND };

	return aws_call_answer(c, AWS_SVC_IAM, &op, &e, NULL, out, err);
}

static int dup_text(const struct ca_xml_node *root, const char *path, char **out,
		    const char *action, struct ca_err *err)
{
	const char *t = ca_xml_path_text(root, path);

	*out = NULL;
	if (!t)
		return ca_err_set(err, CA_AWS_BAD_RESPONSE, "iam: the %s answer has no %s", action,
				  path);
	*out = ca_strdup(t);
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "out of memory");
}

/* IAM answers documents URL-encoded; parse either form. */
static json_t *parse_document(const char *text)
{
	struct ca_buf b = CA_BUF_INIT;
	json_t *doc;

	if (!text)
		return NULL;
	doc = aws_percent_decode_buf(&b, text, strlen(text)) == CA_OK && b.data
		      ? json_loads(b.data, 0, NULL)
		      : NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		doc = json_loads(text, 0, NULL);
	}
	ca_buf_release(&b);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static char *dump(const json_t *doc)
{
	return json_dumps(doc, JSON_COMPACT);
}

int iam_find_policy(struct aws_client *c, const char *name, char **arn, struct ca_err *err)
{
	struct aws_param p[3] = { { "Scope", "Local" }, { "MaxItems", "1000" }, { NULL, NULL } };
	char *marker = NULL;
	int rc;

	*arn = NULL;
	for (;;) {
		struct ca_xml_node *x = NULL;
		const struct ca_xml_node *m;

		rc = call(c, "ListPolicies", p, marker ? 3 : 2, &x, err);
		if (rc) {
			ca_xml_free(x);
			break;
		}
		for (m = ca_xml_child(ca_xml_path(x, "ListPoliciesResult/Policies"), "member"); m;
		     m = ca_xml_next(m, "member")) {
			const char *n = ca_xml_path_text(m, "PolicyName");
			if (n && !strcmp(n, name)) {
				*arn = ca_strdup(ca_xml_path_text(m, "Arn"));
				break;
			}
		}
		free(marker);
		marker = NULL;
		if (!*arn) {
			const char *trunc = ca_xml_path_text(x, "ListPoliciesResult/IsTruncated");
			if (trunc && !strcmp(trunc, "true"))
				marker = ca_strdup(ca_xml_path_text(x, "ListPoliciesResult/Marker"));
		}
		ca_xml_free(x);
		if (*arn || !marker)
			break;
		p[2].name = "Marker";
		p[2].value = marker;
	}
	free(marker);
	if (rc == CA_OK && !*arn)
		rc = CA_ENOTFOUND;
	return rc;
}

int iam_create_policy(struct aws_client *c, const char *name, const json_t *doc, char **arn,
		      struct ca_err *err)
{
	char *text = dump(doc);
	struct aws_param p[3] = { { "PolicyName", name }, { "PolicyDocument", text },
				  { "Description", "CloudAlbum workshop (stage 0)" } };
	struct ca_xml_node *x = NULL;
	int rc;

	*arn = NULL;
	if (!text)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = call(c, "CreatePolicy", p, 3, &x, err);
	if (rc == CA_OK)
		rc = dup_text(x, "CreatePolicyResult/Policy/Arn", arn, "CreatePolicy", err);
	ca_xml_free(x);
	free(text);
	return rc;
}

int iam_policy_document(struct aws_client *c, const char *arn, json_t **doc, struct ca_err *err)
{
	struct aws_param p[2] = { { "PolicyArn", arn }, { NULL, NULL } };
	struct ca_xml_node *x = NULL, *y = NULL;
	int rc;

	*doc = NULL;
	rc = call(c, "GetPolicy", p, 1, &x, err);
	if (rc)
		goto out;
	p[1].name = "VersionId";
	p[1].value = ca_xml_path_text(x, "GetPolicyResult/Policy/DefaultVersionId");
	if (!p[1].value) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "iam: GetPolicy gave no default version");
		goto out;
	}
	if ((rc = call(c, "GetPolicyVersion", p, 2, &y, err)))
		goto out;
	*doc = parse_document(ca_xml_path_text(y, "GetPolicyVersionResult/PolicyVersion/Document"));
	if (!*doc)
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"iam: the document of %s is not a JSON object", arn);
out:
	ca_xml_free(x);
	ca_xml_free(y);
	return rc;
}

void iam_policy_versions_free(struct iam_policy_version *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].created);
	}
	free(v);
}

static int by_created(const void *a, const void *b)
{
	const struct iam_policy_version *x = a, *y = b;
	int d = strcmp(x->created ? x->created : "", y->created ? y->created : "");

	return d ? d : strcmp(x->id, y->id);
}

int iam_list_policy_versions(struct aws_client *c, const char *arn,
			     struct iam_policy_version **out, size_t *n, struct ca_err *err)
{
	struct aws_param p[1] = { { "PolicyArn", arn } };
	struct ca_xml_node *x = NULL;
	const struct ca_xml_node *list, *m;
	size_t cap;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = call(c, "ListPolicyVersions", p, 1, &x, err)))
		return rc;
	list = ca_xml_path(x, "ListPolicyVersionsResult/Versions");
	cap = list ? list->n_children : 0;
	*out = calloc(cap ? cap : 1, sizeof(**out));
	if (!*out) {
		ca_xml_free(x);
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	for (m = ca_xml_child(list, "member"); m && *n < cap; m = ca_xml_next(m, "member")) {
		const char *id = ca_xml_path_text(m, "VersionId");
		const char *def = ca_xml_path_text(m, "IsDefaultVersion");
		if (!id)
			continue;
		(*out)[*n].id = ca_strdup(id);
		(*out)[*n].created = ca_strdup(ca_xml_path_text(m, "CreateDate"));
		(*out)[*n].is_default = def && !strcmp(def, "true");
		if (!(*out)[*n].id)
			rc = CA_ENOMEM;
		(*n)++;
	}
	ca_xml_free(x);
	if (rc) {
		iam_policy_versions_free(*out, *n);
		*out = NULL;
		*n = 0;
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	qsort(*out, *n, sizeof(**out), by_created);
	return CA_OK;
}

int iam_create_policy_version(struct aws_client *c, const char *arn, const json_t *doc,
			      struct ca_err *err)
{
	char *text = dump(doc);
	struct aws_param p[3] = { { "PolicyArn", arn }, { "PolicyDocument", text },
				  { "SetAsDefault", "true" } };
	int rc;

	if (!text)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = call(c, "CreatePolicyVersion", p, 3, NULL, err);
	free(text);
	return rc;
}

int iam_delete_policy_version(struct aws_client *c, const char *arn, const char *version,
			      struct ca_err *err)
{
	struct aws_param p[2] = { { "PolicyArn", arn }, { "VersionId", version } };

	return call(c, "DeletePolicyVersion", p, 2, NULL, err);
}

int iam_delete_policy(struct aws_client *c, const char *arn, struct ca_err *err)
{
	struct aws_param p[1] = { { "PolicyArn", arn } };
	struct iam_policy_version *v = NULL;
	size_t n = 0, i;
	int rc;

	rc = iam_list_policy_versions(c, arn, &v, &n, err);
	for (i = 0; rc == CA_OK && i < n; i++)
		if (!v[i].is_default)
			rc = iam_delete_policy_version(c, arn, v[i].id, err);
	iam_policy_versions_free(v, n);
	if (rc == CA_OK)
		rc = call(c, "DeletePolicy", p, 1, NULL, err);
	return rc;
}

int iam_get_role(struct aws_client *c, const char *name, char **arn, json_t **trust,
		 struct ca_err *err)
{
	struct aws_param p[1] = { { "RoleName", name } };
	struct ca_xml_node *x = NULL;
	int rc;

	*arn = NULL;
	if (trust)
		*trust = NULL;
	if ((rc = call(c, "GetRole", p, 1, &x, err)))
		return rc;
	rc = dup_text(x, "GetRoleResult/Role/Arn", arn, "GetRole", err);
	if (rc == CA_OK && trust) {
		*trust = parse_document(
			ca_xml_path_text(x, "GetRoleResult/Role/AssumeRolePolicyDocument"));
		if (!*trust)
			rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
					"iam: the trust policy of role %s is not a JSON object", name);
	}
	ca_xml_free(x);
	if (rc) {
		free(*arn);
		*arn = NULL;
	}
	return rc;
}

int iam_create_role(struct aws_client *c, const char *name, const json_t *trust, char **arn,
		    struct ca_err *err)
{
	char *text = dump(trust);
	struct aws_param p[3] = { { "RoleName", name }, { "AssumeRolePolicyDocument", text },
				  { "Description", "CloudAlbum workshop instance role (stage 0)" } };
	struct ca_xml_node *x = NULL;
	int rc;

	*arn = NULL;
	if (!text)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = call(c, "CreateRole", p, 3, &x, err);
	if (rc == CA_OK)
		rc = dup_text(x, "CreateRoleResult/Role/Arn", arn, "CreateRole", err);
	ca_xml_free(x);
	free(text);
	return rc;
}

int iam_update_trust(struct aws_client *c, const char *role, const json_t *trust,
		     struct ca_err *err)
{
	char *text = dump(trust);
	struct aws_param p[2] = { { "RoleName", role }, { "PolicyDocument", text } };
	int rc;

	if (!text)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = call(c, "UpdateAssumeRolePolicy", p, 2, NULL, err);
	free(text);
	return rc;
}

int iam_role_has_policy(struct aws_client *c, const char *role, const char *policy_arn,
			bool *attached, struct ca_err *err)
{
	struct aws_param p[2] = { { "RoleName", role }, { "MaxItems", "1000" } };
	struct ca_xml_node *x = NULL;
	const struct ca_xml_node *m;
	int rc;

	*attached = false;
	if ((rc = call(c, "ListAttachedRolePolicies", p, 2, &x, err)))
		return rc;
	for (m = ca_xml_child(ca_xml_path(x, "ListAttachedRolePoliciesResult/AttachedPolicies"),
			      "member");
	     m; m = ca_xml_next(m, "member")) {
		const char *a = ca_xml_path_text(m, "PolicyArn");
		if (a && !strcmp(a, policy_arn))
			*attached = true;
	}
	ca_xml_free(x);
	return CA_OK;
}

int iam_attach_role_policy(struct aws_client *c, const char *role, const char *policy_arn,
			   struct ca_err *err)
{
	struct aws_param p[2] = { { "RoleName", role }, { "PolicyArn", policy_arn } };

	return call(c, "AttachRolePolicy", p, 2, NULL, err);
}

int iam_detach_role_policy(struct aws_client *c, const char *role, const char *policy_arn,
			   struct ca_err *err)
{
	struct aws_param p[2] = { { "RoleName", role }, { "PolicyArn", policy_arn } };

	return call(c, "DetachRolePolicy", p, 2, NULL, err);
}

int iam_delete_role(struct aws_client *c, const char *name, struct ca_err *err)
{
	struct aws_param p[1] = { { "RoleName", name } };

	return call(c, "DeleteRole", p, 1, NULL, err);
}

int iam_get_instance_profile(struct aws_client *c, const char *name, char **arn, char **role,
			     struct ca_err *err)
{
	struct aws_param p[1] = { { "InstanceProfileName", name } };
	struct ca_xml_node *x = NULL;
	const char *r;
	int rc;

	*arn = NULL;
	*role = NULL;
	if ((rc = call(c, "GetInstanceProfile", p, 1, &x, err)))
		return rc;
	rc = dup_text(x, "GetInstanceProfileResult/InstanceProfile/Arn", arn, "GetInstanceProfile",
		      err);
	r = ca_xml_path_text(x, "GetInstanceProfileResult/InstanceProfile/Roles/member/RoleName");
	if (rc == CA_OK && r && !(*role = ca_strdup(r)))
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
	ca_xml_free(x);
	return rc;
}

int iam_create_instance_profile(struct aws_client *c, const char *name, char **arn,
				struct ca_err *err)
{
	struct aws_param p[1] = { { "InstanceProfileName", name } };
	struct ca_xml_node *x = NULL;
	int rc;

	*arn = NULL;
	rc = call(c, "CreateInstanceProfile", p, 1, &x, err);
	if (rc == CA_OK)
		rc = dup_text(x, "CreateInstanceProfileResult/InstanceProfile/Arn", arn,
			      "CreateInstanceProfile", err);
	ca_xml_free(x);
	return rc;
}

int iam_add_role_to_instance_profile(struct aws_client *c, const char *profile,
				     const char *role, struct ca_err *err)
{
	struct aws_param p[2] = { { "InstanceProfileName", profile }, { "RoleName", role } };

	return call(c, "AddRoleToInstanceProfile", p, 2, NULL, err);
}

int iam_remove_role_from_instance_profile(struct aws_client *c, const char *profile,
					  const char *role, struct ca_err *err)
{
	struct aws_param p[2] = { { "InstanceProfileName", profile }, { "RoleName", role } };

	return call(c, "RemoveRoleFromInstanceProfile", p, 2, NULL, err);
}

int iam_delete_instance_profile(struct aws_client *c, const char *name, struct ca_err *err)
{
	struct aws_param p[1] = { { "InstanceProfileName", name } };

	return call(c, "DeleteInstanceProfile", p, 1, NULL, err);
}

static bool equal_values(const json_t *a, const json_t *b);

/* Every element of a has an equal one in b (arrays of policy elements are sets). */
static bool subset(const json_t *a, const json_t *b)
{
	size_t i, j;
	json_t *x, *y;

	json_array_foreach(a, i, x) {
		bool found = false;
		json_array_foreach(b, j, y)
			if ((found = equal_values(x, y)))
				break;
		if (!found)
			return false;
	}
	return true;
}

static bool equal_values(const json_t *a, const json_t *b)
{
	const char *key;
	json_t *v;

	if (json_is_array(a) && json_array_size(a) == 1 && !json_is_array(b))
		return equal_values(json_array_get(a, 0), b);
	if (json_is_array(b) && json_array_size(b) == 1 && !json_is_array(a))
		return equal_values(a, json_array_get(b, 0));
	if (json_is_array(a) && json_is_array(b))
		return subset(a, b) && subset(b, a);
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, key, v)
			if (!equal_values(v, json_object_get(b, key)))
				return false;
		return true;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

bool iam_documents_equal(const json_t *a, const json_t *b)
{
	return a && b && equal_values(a, b);
}
