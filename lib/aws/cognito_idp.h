/*
 * cognito_idp.h — the user-facing (data-plane) calls of a Cognito user pool:
 * sign-up, confirmation, sign-in with a password or a refresh token, reading and
 * changing the user's attributes and password, signing out everywhere.
 * (The pool's administration — creating pools, clients, domains — is cognito.h.)
 *
 * All are awsJson 1.1 calls through aws/client.h (signed: moto needs it, real
 * Cognito accepts it). When the app client has a secret, pass it: SECRET_HASH is
 * then computed and sent (real Cognito requires it, moto ignores it); NULL or ""
 * means the client has none.
 *
 * The service's refusals become codes a caller can act on:
 *   NotAuthorizedException            CA_AUTH_MISMATCH (wrong password, revoked token)
 *   UserNotFoundException             CA_ENOTFOUND
 *   UserNotConfirmedException         CA_AUTH_NOT_CONFIRMED
 *   UsernameExistsException,
 *   AliasExistsException              CA_EEXIST
 *   InvalidPasswordException,
 *   InvalidParameterException,
 *   CodeMismatchException,
 *   ExpiredCodeException              CA_EINVAL (err holds the service's own sentence,
 *                                     e.g. the password policy that was not met)
 *   TooManyRequestsException,
 *   TooManyFailedAttemptsException,
 *   LimitExceededException            CA_AUTH_RATE_LIMITED
 * anything else CA_AWS_SERVICE (and the client's network codes). Passwords and
 * tokens never appear in err.
 */
#ifndef CA_AWS_COGNITO_IDP_H
#define CA_AWS_COGNITO_IDP_H

#include <stdbool.h>

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

/* Longest SECRET_HASH text (base64 of 32 bytes) plus NUL. */
#define COGNITO_SECRET_HASH_LEN 45

/*
 * SECRET_HASH = base64(HMAC-SHA256(key = client_secret, username + client_id)),
 * written into out (NUL-terminated). Never fails.
 */
void cognito_idp_secret_hash(const char *client_secret, const char *username,
			     const char *client_id, char out[COGNITO_SECRET_HASH_LEN]);

/* The tokens of a successful sign-in; every string malloc'd (NULL when absent). */
struct cognito_tokens {
	char *id_token;
	char *access_token;
	char *refresh_token;    /* absent after REFRESH_TOKEN_AUTH */
	long expires_in;        /* seconds */
};

/* Frees the tokens (overwritten first) and zeroes the struct. NULL accepted. */
void cognito_tokens_release(struct cognito_tokens *t);

/* A user attribute for the calls below (both strings borrowed). */
struct cognito_attr {
	const char *name;       /* "email", "name", "custom:x" */
	const char *value;
};

/*
 * SignUp: username and password, with attributes. On CA_OK *confirmed (if not NULL)
 * says whether the pool confirmed the user at once, and *user_sub (if not NULL)
 * receives the new user's sub (malloc'd, caller frees).
 */
int cognito_idp_sign_up(struct aws_client *c, const char *client_id, const char *client_secret,
			const char *username, const char *password,
			const struct cognito_attr *attrs, size_t n_attrs, bool *confirmed,
			char **user_sub, struct ca_err *err);

/* ConfirmSignUp with the code the user received. */
int cognito_idp_confirm_sign_up(struct aws_client *c, const char *client_id,
				const char *client_secret, const char *username,
				const char *code, struct ca_err *err);

/* AdminConfirmSignUp (needs the server's IAM credentials, not the user's). */
int cognito_idp_admin_confirm_sign_up(struct aws_client *c, const char *pool_id,
				      const char *username, struct ca_err *err);

/*
 * InitiateAuth USER_PASSWORD_AUTH. On CA_OK *tokens is filled (release it).
 * A challenge instead of tokens (e.g. NEW_PASSWORD_REQUIRED) is CA_EUNSUPPORTED
 * with a sentence naming it.
 */
int cognito_idp_sign_in(struct aws_client *c, const char *client_id, const char *client_secret,
			const char *username, const char *password,
			struct cognito_tokens *tokens, struct ca_err *err);

/*
 * InitiateAuth REFRESH_TOKEN_AUTH. username is the one SECRET_HASH is computed
 * over (the token's cognito:username). On CA_OK *tokens holds new id and access tokens.
 */
int cognito_idp_refresh(struct aws_client *c, const char *client_id, const char *client_secret,
			const char *username, const char *refresh_token,
			struct cognito_tokens *tokens, struct ca_err *err);

/*
 * GetUser with an access token. On CA_OK *username (if not NULL, malloc'd) is the
 * user name and *attrs (if not NULL) an object {"email": "...", "name": "..."}
 * (json_decref it).
 */
int cognito_idp_get_user(struct aws_client *c, const char *access_token, char **username,
			 json_t **attrs, struct ca_err *err);

/* AdminGetUser: as GetUser, for the server, by user name. */
int cognito_idp_admin_get_user(struct aws_client *c, const char *pool_id,
			       const char *username, json_t **attrs, struct ca_err *err);

/* What AdminGetUser says of a user. Strings malloc'd; release with cognito_user_release(). */
struct cognito_user {
	char *username;   /* the pool's user name (a generated uuid when the email signs in) */
	char *status;     /* UserStatus ("CONFIRMED", "FORCE_CHANGE_PASSWORD", ...); NULL if absent */
	bool enabled;     /* Enabled; false when the answer does not say */
	json_t *attrs;    /* {"email": "...", "custom:legacy_id": "...", ...} */
};

/* Frees the record's members and zeroes it. NULL accepted. */
void cognito_user_release(struct cognito_user *u);

/*
 * AdminGetUser by username (the user name or, in a pool whose users sign in with
 * their email, the email), the whole record into *u (release it; zeroed on error).
 * CA_ENOTFOUND when the pool has no such user; CA_AWS_BAD_RESPONSE when the answer
 * has no Username.
 */
int cognito_idp_admin_describe_user(struct aws_client *c, const char *pool_id,
				    const char *username, struct cognito_user *u,
				    struct ca_err *err);

/*
 * AdminSetUserPassword (needs the server's IAM credentials): sets username's
 * password; permanent makes the user CONFIRMED with it, else FORCE_CHANGE_PASSWORD.
 * CA_EINVAL when the pool refuses the password (err holds the pool's sentence on its
 * policy, never the password), CA_ENOTFOUND for an unknown user.
 */
int cognito_idp_admin_set_user_password(struct aws_client *c, const char *pool_id,
					const char *username, const char *password,
					bool permanent, struct ca_err *err);

/* UpdateUserAttributes with the user's access token. */
int cognito_idp_update_user_attributes(struct aws_client *c, const char *access_token,
				       const struct cognito_attr *attrs, size_t n_attrs,
				       struct ca_err *err);

/* AdminUpdateUserAttributes: as above, for the server, by user name. */
int cognito_idp_admin_update_user_attributes(struct aws_client *c, const char *pool_id,
					     const char *username,
					     const struct cognito_attr *attrs, size_t n_attrs,
					     struct ca_err *err);

/* ChangePassword with the user's access token (a wrong old password is CA_AUTH_MISMATCH). */
int cognito_idp_change_password(struct aws_client *c, const char *access_token,
				const char *old_password, const char *new_password,
				struct ca_err *err);

/*
 * AdminUserGlobalSignOut (the server's IAM credentials): revokes every refresh
 * token the pool issued to username. CA_ENOTFOUND when there is no such user.
 */
int cognito_idp_admin_user_global_sign_out(struct aws_client *c, const char *pool_id,
					   const char *username, struct ca_err *err);

/* GlobalSignOut: revokes every refresh token of the access token's user. */
int cognito_idp_global_sign_out(struct aws_client *c, const char *access_token,
				struct ca_err *err);

/*
 * AdminCreateUser (needs the server's IAM credentials) with the given attributes and no
 * invitation message (MessageAction SUPPRESS); the user waits in FORCE_CHANGE_PASSWORD
 * until cognito_idp_admin_set_user_password(.., permanent) gives it a password. On CA_OK
 * *created (if not NULL; malloc'd, caller frees) is the pool's user name (a generated
 * uuid in a pool whose users sign in with their email). CA_EEXIST when the user exists,
 * CA_EINVAL when the pool refuses an attribute.
 */
int cognito_idp_admin_create_user(struct aws_client *c, const char *pool_id,
				  const char *username, const struct cognito_attr *attrs,
				  size_t n_attrs, char **created, struct ca_err *err);

/* AdminDeleteUser by user name (or email, where the pool signs in by email).
 * CA_ENOTFOUND when the pool has no such user. */
int cognito_idp_admin_delete_user(struct aws_client *c, const char *pool_id,
				  const char *username, struct ca_err *err);

#endif
