/*
 * iam.h — the IAM calls stage 0 needs: managed policies and their versions, roles
 * with a trust policy and attached policies, instance profiles. Query protocol.
 *
 * Conventions: strings returned through char ** are malloc'd (the caller frees);
 * "get"/"find" functions return CA_ENOTFOUND WITHOUT setting err when the thing does
 * not exist, so callers can tell absent from broken. Policy documents are jansson
 * objects (IAM's URL-encoded answers are decoded here).
 */
#ifndef CA_AWS_IAM_H
#define CA_AWS_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

/* IAM keeps at most this many versions of a managed policy. */
#define IAM_MAX_POLICY_VERSIONS 5

/* The ARN of the customer-managed policy called name (ListPolicies Scope=Local). */
int iam_find_policy(struct aws_client *c, const char *name, char **arn, struct ca_err *err);
/* CreatePolicy; *arn receives its ARN. */
int iam_create_policy(struct aws_client *c, const char *name, const json_t *doc, char **arn,
		      struct ca_err *err);
/* The document of the policy's default version (*doc: json_decref it). */
int iam_policy_document(struct aws_client *c, const char *arn, json_t **doc,
			struct ca_err *err);

struct iam_policy_version {
	char *id;                       /* "v3" */
	bool is_default;
	char *created;                  /* ISO 8601, sorts as text */
};
/* ListPolicyVersions, oldest first. Free with iam_policy_versions_free. */
int iam_list_policy_versions(struct aws_client *c, const char *arn,
			     struct iam_policy_version **out, size_t *n, struct ca_err *err);
void iam_policy_versions_free(struct iam_policy_version *v, size_t n);
/* CreatePolicyVersion, set as the default. */
int iam_create_policy_version(struct aws_client *c, const char *arn, const json_t *doc,
			      struct ca_err *err);
int iam_delete_policy_version(struct aws_client *c, const char *arn, const char *version,
			      struct ca_err *err);
/* Deletes the non-default versions, then the policy. CA_ENOTFOUND when absent. */
int iam_delete_policy(struct aws_client *c, const char *arn, struct ca_err *err);

/* GetRole: *arn and (if trust is not NULL) the trust policy document. */
int iam_get_role(struct aws_client *c, const char *name, char **arn, json_t **trust,
		 struct ca_err *err);
int iam_create_role(struct aws_client *c, const char *name, const json_t *trust, char **arn,
		    struct ca_err *err);
int iam_update_trust(struct aws_client *c, const char *role, const json_t *trust,
		     struct ca_err *err);
/* *attached: whether policy_arn is among the role's attached managed policies. */
int iam_role_has_policy(struct aws_client *c, const char *role, const char *policy_arn,
			bool *attached, struct ca_err *err);
int iam_attach_role_policy(struct aws_client *c, const char *role, const char *policy_arn,
			   struct ca_err *err);
/* CA_ENOTFOUND when it was not attached. */
int iam_detach_role_policy(struct aws_client *c, const char *role, const char *policy_arn,
			   struct ca_err *err);
int iam_delete_role(struct aws_client *c, const char *name, struct ca_err *err);

/* GetInstanceProfile: *arn, and *role (NULL when it holds no role). */
int iam_get_instance_profile(struct aws_client *c, const char *name, char **arn, char **role,
			     struct ca_err *err);
int iam_create_instance_profile(struct aws_client *c, const char *name, char **arn,
				struct ca_err *err);
int iam_add_role_to_instance_profile(struct aws_client *c, const char *profile,
				     const char *role, struct ca_err *err);
int iam_remove_role_from_instance_profile(struct aws_client *c, const char *profile,
					  const char *role, struct ca_err *err);
int iam_delete_instance_profile(struct aws_client *c, const char *name, struct ca_err *err);

/*
 * Semantic equality of two policy documents: equal JSON, where a one-element array
 * equals its element ("Action": "x" vs ["x"]) and array order does not matter.
 */
bool iam_documents_equal(const json_t *a, const json_t *b);

#endif
