/*
 * cognito.h — the Cognito user pool (cognito-idp) administration calls the toolkit uses.
 *
 * Thin, typed wrappers over aws_call (protocol.h: awsJson 1.1, X-Amz-Target
 * AWSCognitoIdentityProviderService.<Operation>). Settings go in and come out as JSON
 * objects shaped exactly like the API's (CreateUserPool's request, DescribeUserPool's
 * UserPool ...), so callers build what they want with jansson and compare what they
 * read; this file adds the paging, the find-by-name and the "absent" cases.
 * Returned json_t objects are new references: json_decref them.
 * Failures leave one sentence in err ("cognito-idp: ResourceNotFoundException: ...").
 */
#ifndef CA_AWS_COGNITO_H
#define CA_AWS_COGNITO_H

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

/*
 * Finds the user pool called name (ListUserPools, every page). *id (malloc'd, caller
 * frees) is NULL when there is none. More than one pool with that name is CA_EEXIST
 * with a sentence listing the ids (a name is how the toolkit finds its pool again).
 */
int cognito_find_user_pool(struct aws_client *c, const char *name, char **id,
			   struct ca_err *err);

/*
 * CreateUserPool with the request object req (PoolName and the settings). *pool
 * receives the answer's UserPool object (may be NULL when not wanted).
 */
int cognito_create_user_pool(struct aws_client *c, const json_t *req, json_t **pool,
			     struct ca_err *err);

/* DescribeUserPool: *pool receives the UserPool object. ResourceNotFound is CA_ENOTFOUND. */
int cognito_describe_user_pool(struct aws_client *c, const char *pool_id, json_t **pool,
			       struct ca_err *err);

/*
 * UpdateUserPool with the settings in req (UserPoolId is added here). Note that the
 * API resets every updatable setting that req leaves out to its default, so req must
 * carry the whole wanted configuration.
 */
int cognito_update_user_pool(struct aws_client *c, const char *pool_id, const json_t *req,
			     struct ca_err *err);

/*
 * AddCustomAttributes: attrs is an array of SchemaAttributeType objects, names
 * without the "custom:" prefix (Cognito adds it). Existing ones cannot be changed.
 */
int cognito_add_custom_attributes(struct aws_client *c, const char *pool_id,
				  const json_t *attrs, struct ca_err *err);

/* DeleteUserPool. An absent pool is CA_ENOTFOUND. (Delete its domain first.) */
int cognito_delete_user_pool(struct aws_client *c, const char *pool_id, struct ca_err *err);

/*
 * Finds the app client called name in the pool (ListUserPoolClients, every page).
 * *client_id NULL when none; several with that name is CA_EEXIST.
 */
int cognito_find_user_pool_client(struct aws_client *c, const char *pool_id,
				  const char *name, char **client_id, struct ca_err *err);

/* CreateUserPoolClient with req (ClientName and the settings; UserPoolId added here).
 * *client receives the UserPoolClient object (with ClientSecret when generated). */
int cognito_create_user_pool_client(struct aws_client *c, const char *pool_id,
				    const json_t *req, json_t **client, struct ca_err *err);

/* DescribeUserPoolClient: *client receives the UserPoolClient object. */
int cognito_describe_user_pool_client(struct aws_client *c, const char *pool_id,
				      const char *client_id, json_t **client,
				      struct ca_err *err);

/* UpdateUserPoolClient with req (ids added here; as for the pool, omitted settings reset). */
int cognito_update_user_pool_client(struct aws_client *c, const char *pool_id,
				    const char *client_id, const json_t *req,
				    struct ca_err *err);

/* DeleteUserPoolClient. */
int cognito_delete_user_pool_client(struct aws_client *c, const char *pool_id,
				    const char *client_id, struct ca_err *err);

/* CreateUserPoolDomain (a hosted-UI prefix like "cloudalbum-abc"). */
int cognito_create_user_pool_domain(struct aws_client *c, const char *pool_id,
				    const char *domain, struct ca_err *err);

/*
 * DescribeUserPoolDomain: *desc receives the DomainDescription object, or NULL when
 * no pool has that domain (the API answers an empty description then).
 */
int cognito_describe_user_pool_domain(struct aws_client *c, const char *domain,
				      json_t **desc, struct ca_err *err);

/* DeleteUserPoolDomain. */
int cognito_delete_user_pool_domain(struct aws_client *c, const char *pool_id,
				    const char *domain, struct ca_err *err);

#endif
