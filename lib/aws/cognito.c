#include "aws/cognito.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/protocol.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* A bound on paging, so an endpoint that always answers NextToken cannot loop us. */
#define MAX_PAGES 1000

static int call(struct aws_client *c, const char *op, const json_t *in, json_t **out,
		struct ca_err *err)
{
	return aws_call_json(c, AWS_SVC_COGNITO_IDP, op, in, out, err);
}

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "cognito-idp: out of memory building the request.");
}

/* A shallow copy of req (or {}) with extra string members set; NULL on OOM. */
static json_t *with_ids(const json_t *req, const char *k1, const char *v1, const char *k2,
			const char *v2)
{
	json_t *o = req ? json_copy((json_t *)req) : json_object();

	if (!o)
		return NULL;
	if ((k1 && json_object_set_new(o, k1, json_string(v1))) ||
	    (k2 && json_object_set_new(o, k2, json_string(v2)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Takes member `key` (an object) out of answer into *out, or fails. */
static int take_object(json_t *answer, const char *key, const char *op, json_t **out,
		       struct ca_err *err)
{
	json_t *v = json_object_get(answer, key);

	if (!json_is_object(v))
		return ca_err_set(err, CA_AWS_BAD_RESPONSE,
				  "cognito-idp: the %s answer has no %s object.", op, key);
	*out = json_incref(v);
	return CA_OK;
}

/* Runs op; a ResourceNotFoundException becomes CA_ENOTFOUND with the same sentence. */
static int call_found(struct aws_client *c, const char *op, const json_t *in, json_t **out,
		      struct ca_err *err)
{
	struct aws_op o = { .name = op, .json = in };
	struct aws_expect e = { .code = "ResourceNotFoundException", .rc = CA_ENOTFOUND, .say = true };

	return aws_call_answer(c, AWS_SVC_COGNITO_IDP, &o, &e, out, NULL, err);
}

/*
 * Walks every page of a List call and picks the entries whose name_key is name.
 * *id gets id_key of the one match (NULL for none); several is CA_EEXIST.
 */
static int find_by_name(struct aws_client *c, const char *op, const json_t *base,
			const char *list_key, const char *name_key, const char *id_key,
			const char *what, const char *name, char **id, struct ca_err *err)
{
	struct ca_buf ids = CA_BUF_INIT;
	json_t *req = NULL, *answer = NULL, *item;
	const char *token = NULL;
	size_t i, matches = 0, pages;
	int rc = CA_OK;

	*id = NULL;
	for (pages = 0; pages < MAX_PAGES; pages++) {
		json_decref(req);
		req = with_ids(base, token ? "NextToken" : NULL, token, NULL, NULL);
		if (!req || json_object_set_new(req, "MaxResults", json_integer(60))) {
			rc = oom(err);
			goto out;
		}
		json_decref(answer);
		answer = NULL;
		if ((rc = call(c, op, req, &answer, err)))
			goto out;
		json_array_foreach(json_object_get(answer, list_key), i, item) {
			const char *n = json_string_value(json_object_get(item, name_key));
			const char *v = json_string_value(json_object_get(item, id_key));

			if (!n || !v || strcmp(n, name) != 0)
				continue;
			if (matches++ == 0) {
				*id = ca_strdup(v);
				if (!*id) {
					rc = oom(err);
					goto out;
				}
			}
			ca_buf_addf(&ids, "%s%s", ids.len ? ", " : "", v);
		}
		token = json_string_value(json_object_get(answer, "NextToken"));
		if (!token || !*token)
			break;
	}
	if (pages == MAX_PAGES) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"cognito-idp: %s did not stop paging after %d pages.", op, MAX_PAGES);
		goto out;
	}
	if (matches > 1)
		rc = ca_err_set(err, CA_EEXIST,
				"cognito-idp: %zu %ss are named %s (%s); delete the extra ones so "
				"the name finds exactly one.", matches, what, name, ids.data);
out:
	if (rc)
		ca_free_str(id);
	ca_buf_release(&ids);
	json_decref(req);
	json_decref(answer);
	return rc;
}

int cognito_find_user_pool(struct aws_client *c, const char *name, char **id,
			   struct ca_err *err)
{
	return find_by_name(c, "ListUserPools", NULL, "UserPools", "Name", "Id", "user pool",
			    name, id, err);
}

int cognito_create_user_pool(struct aws_client *c, const json_t *req, json_t **pool,
			     struct ca_err *err)
{
	json_t *answer = NULL;
	int rc;

	if (pool)
		*pool = NULL;
	rc = call(c, "CreateUserPool", req, &answer, err);
	if (rc == CA_OK && pool)
		rc = take_object(answer, "UserPool", "CreateUserPool", pool, err);
	json_decref(answer);
	return rc;
}

int cognito_describe_user_pool(struct aws_client *c, const char *pool_id, json_t **pool,
			       struct ca_err *err)
{
	json_t *req = with_ids(NULL, "UserPoolId", pool_id, NULL, NULL), *answer = NULL;
	int rc;

	*pool = NULL;
	if (!req)
		return oom(err);
	rc = call_found(c, "DescribeUserPool", req, &answer, err);
	if (rc == CA_OK)
		rc = take_object(answer, "UserPool", "DescribeUserPool", pool, err);
	json_decref(req);
	json_decref(answer);
	return rc;
}

int cognito_update_user_pool(struct aws_client *c, const char *pool_id, const json_t *req,
			     struct ca_err *err)
{
	json_t *r = with_ids(req, "UserPoolId", pool_id, NULL, NULL);
	int rc;

	if (!r)
		return oom(err);
	rc = call_found(c, "UpdateUserPool", r, NULL, err);
	json_decref(r);
	return rc;
}

int cognito_add_custom_attributes(struct aws_client *c, const char *pool_id,
				  const json_t *attrs, struct ca_err *err)
{
	json_t *r = with_ids(NULL, "UserPoolId", pool_id, NULL, NULL);
	int rc;

	if (!r || json_object_set(r, "CustomAttributes", (json_t *)attrs)) {
		json_decref(r);
		return oom(err);
	}
	rc = call_found(c, "AddCustomAttributes", r, NULL, err);
	json_decref(r);
	return rc;
}

int cognito_delete_user_pool(struct aws_client *c, const char *pool_id, struct ca_err *err)
{
	json_t *r = with_ids(NULL, "UserPoolId", pool_id, NULL, NULL);
	int rc;

	if (!r)
		return oom(err);
	rc = call_found(c, "DeleteUserPool", r, NULL, err);
	json_decref(r);
	return rc;
}

int cognito_find_user_pool_client(struct aws_client *c, const char *pool_id,
				  const char *name, char **client_id, struct ca_err *err)
{
	json_t *base = with_ids(NULL, "UserPoolId", pool_id, NULL, NULL);
	int rc;

	*client_id = NULL;
	if (!base)
		return oom(err);
	rc = find_by_name(c, "ListUserPoolClients", base, "UserPoolClients", "ClientName",
			  "ClientId", "app client", name, client_id, err);
	json_decref(base);
	return rc;
}

int cognito_create_user_pool_client(struct aws_client *c, const char *pool_id,
				    const json_t *req, json_t **client, struct ca_err *err)
{
	json_t *r = with_ids(req, "UserPoolId", pool_id, NULL, NULL), *answer = NULL;
	int rc;

	if (client)
		*client = NULL;
	if (!r)
		return oom(err);
	rc = call(c, "CreateUserPoolClient", r, &answer, err);
	if (rc == CA_OK && client)
		rc = take_object(answer, "UserPoolClient", "CreateUserPoolClient", client, err);
	json_decref(r);
	json_decref(answer);
	return rc;
}

int cognito_describe_user_pool_client(struct aws_client *c, const char *pool_id,
				      const char *client_id, json_t **client,
				      struct ca_err *err)
{
	json_t *r = with_ids(NULL, "UserPoolId", pool_id, "ClientId", client_id), *answer = NULL;
	int rc;

	*client = NULL;
	if (!r)
		return oom(err);
	rc = call_found(c, "DescribeUserPoolClient", r, &answer, err);
	if (rc == CA_OK)
		rc = take_object(answer, "UserPoolClient", "DescribeUserPoolClient", client, err);
	json_decref(r);
	json_decref(answer);
	return rc;
}

int cognito_update_user_pool_client(struct aws_client *c, const char *pool_id,
				    const char *client_id, const json_t *req,
				    struct ca_err *err)
{
	json_t *r = with_ids(req, "UserPoolId", pool_id, "ClientId", client_id);
	int rc;

	if (!r)
		return oom(err);
	rc = call_found(c, "UpdateUserPoolClient", r, NULL, err);
	json_decref(r);
	return rc;
}

int cognito_delete_user_pool_client(struct aws_client *c, const char *pool_id,
				    const char *client_id, struct ca_err *err)
{
	json_t *r = with_ids(NULL, "UserPoolId", pool_id, "ClientId", client_id);
	int rc;

	if (!r)
		return oom(err);
	rc = call_found(c, "DeleteUserPoolClient", r, NULL, err);
	json_decref(r);
	return rc;
}

int cognito_create_user_pool_domain(struct aws_client *c, const char *pool_id,
				    const char *domain, struct ca_err *err)
{
	json_t *r = with_ids(NULL, "UserPoolId", pool_id, "Domain", domain);
	int rc;

	if (!r)
		return oom(err);
	rc = call(c, "CreateUserPoolDomain", r, NULL, err);
	json_decref(r);
	return rc;
}

int cognito_describe_user_pool_domain(struct aws_client *c, const char *domain,
				      json_t **desc, struct ca_err *err)
{
	json_t *r = with_ids(NULL, "Domain", domain, NULL, NULL), *answer = NULL, *d;
	int rc;

	*desc = NULL;
	if (!r)
		return oom(err);
	rc = call(c, "DescribeUserPoolDomain", r, &answer, err);
	if (rc == CA_OK) {
		d = json_object_get(answer, "DomainDescription");
		/* no such domain: an empty description, or one without a pool */
		if (json_is_object(d) && json_string_value(json_object_get(d, "UserPoolId")) &&
		    *json_string_value(json_object_get(d, "UserPoolId")))
			*desc = json_incref(d);
	}
	json_decref(r);
	json_decref(answer);
	return rc;
}

int cognito_delete_user_pool_domain(struct aws_client *c, const char *pool_id,
				    const char *domain, struct ca_err *err)
{
	json_t *r = with_ids(NULL, "UserPoolId", pool_id, "Domain", domain);
	int rc;

	if (!r)
		return oom(err);
	rc = call_found(c, "DeleteUserPoolDomain", r, NULL, err);
	json_decref(r);
	return rc;
}
