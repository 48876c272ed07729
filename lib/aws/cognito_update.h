/*
 * cognito_update.h — the UpdateUserPool and UpdateUserPoolClient requests, built from
 * what each API accepts.
 *
 * Both Update calls reset every setting they are not given, so an update carries the
 * settings its caller does not manage unchanged, copied from the Describe answer. The
 * Describe answers hold more than the Update calls take (read-only members such as
 * ClientSecret, ClientSecretArn, CreationDate, UsernameAttributes, and whatever the
 * API adds later), and real Cognito refuses an update with any of them. So a request
 * is built from an allow-list of the Update operation's input members, never from the
 * Describe answer minus a deny-list: a member Describe gains later is left out, not
 * sent. The lists are the members of each operation's input shape that the Describe
 * shape also has, with the same shape (botocore's cognito-idp model), less those the
 * comments in cognito_update.c name. UserPoolId and ClientId are not included: the
 * calls of aws/cognito.h add them.
 */
#ifndef CA_AWS_COGNITO_UPDATE_H
#define CA_AWS_COGNITO_UPDATE_H

#include <stdbool.h>

#include <jansson.h>

/* The UpdateUserPool members a request may carry (NULL-terminated). */
extern const char *const cognito_update_pool_members[];
/* The UpdateUserPoolClient members a request may carry (NULL-terminated). */
extern const char *const cognito_update_client_members[];

/*
 * The UpdateUserPool request: each allowed member of want (the settings the caller
 * manages), else of have (DescribeUserPool's UserPool object; NULL and JSON null
 * members skipped). Members of either that UpdateUserPool does not take are left out.
 * A new object (json_decref it), NULL when out of memory.
 */
json_t *cognito_pool_update_request(const json_t *want, const json_t *have);

/* The same for UpdateUserPoolClient, have being DescribeUserPoolClient's
 * UserPoolClient object. */
json_t *cognito_client_update_request(const json_t *want, const json_t *have);

/* true when name is one of members (NULL-terminated). */
bool cognito_update_allows(const char *const *members, const char *name);

#endif
