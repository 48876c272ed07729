/*
 * cognito_auth.h — signing users in through a Cognito user pool, for
 * cloudalbum-serve with auth.kind cognito (stage 3+).
 *
 * The pool is the only user store in this mode: the email is the pool's user
 * name, the display name is the `name` attribute, and a signed-in user is known
 * by the verified id token's cognito:username (the photo owner id, as in the
 * seed application) and email.
 *
 * Passwords go to the pool with InitiateAuth USER_PASSWORD_AUTH (SECRET_HASH when
 * the client has a secret); the id token that comes back is verified here (RS256
 * against the pool's JWKS, issuer, audience, token_use, expiry) before anything
 * in it is believed. Profile changes re-verify the current password the same way
 * and use the access token of that sign-in at once (UpdateUserAttributes,
 * ChangePassword): no Cognito token is kept in the browser's cookie (an access
 * token is ~1 KiB and a bearer credential to the pool), and the server needs no
 * admin permission for them. Reading a profile uses AdminGetUser (in the app
 * policy). On the moto emulator (aws.emulator: moto) sign-up confirms the user at
 * once with AdminConfirmSignUp, since no email is sent; anywhere else (AWS, or a
 * custom endpoint such as a VPC or FIPS one) the user confirms by the emailed link.
 *
 * The pool's hosted UI (authorization-code grant, auth/oauth.h) is on when
 * auth.hosted_ui_url names one: callback <base_url>/callback, sign-out URL
 * <base_url>. The moto emulator has no hosted UI, so with aws.emulator: moto the
 * amazoncognito.com address the config derives from the domain does not count;
 * an explicit other URL (a local OpenID Connect provider) does.
 */
#ifndef CA_AUTH_COGNITO_AUTH_H
#define CA_AUTH_COGNITO_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "aws/client.h"
#include "config/serve_config.h"
#include "util/error.h"

struct ca_cognito_auth;

/* Who a verified id token names; every string malloc'd. */
struct ca_cognito_identity {
	char *username;   /* cognito:username: the user's id in this app */
	char *email;
	char *name;       /* may be NULL when the client cannot read it */
};

void ca_cognito_identity_release(struct ca_cognito_identity *who);

/*
 * Sets up the pool's calls and key cache from cfg (auth.kind must be cognito);
 * cfg is borrowed and must outlive the result. client is the AWS client the calls
 * go through (borrowed, must outlive the result: the process's one client,
 * backends/backends.h); NULL: one of its own (10 s per call). No network call is
 * made here. On CA_OK *out is the handle (ca_cognito_auth_free). CA_AWS_NO_REGION,
 * CA_EINVAL (a bad jwks_url), CA_ENOMEM.
 */
int ca_cognito_auth_open(const struct serve_config *cfg, struct aws_client *client,
			 struct ca_cognito_auth **out, struct ca_err *err);
void ca_cognito_auth_free(struct ca_cognito_auth *a);

/* true when the pool is the moto emulator (aws.emulator: moto), never inferred from
 * the endpoint's address. */
bool ca_cognito_auth_is_local(const struct ca_cognito_auth *a);

struct ca_oauth;

/*
 * The hosted UI's OAuth client when the hosted UI is on (see above), else NULL.
 * Borrowed: it lives as long as a.
 */
struct ca_oauth *ca_cognito_auth_hosted_ui(struct ca_cognito_auth *a);

/*
 * Verifies an id token of this pool and client at time now into *who.
 * CA_AUTH_BAD_TOKEN when it does not pass (see auth/jwt.h) or lacks
 * cognito:username / email; the JWKS fetch's code when keys cannot be had.
 * *claims_out, when not NULL, receives the whole payload (json_decref it).
 */
int ca_cognito_auth_check_id_token(struct ca_cognito_auth *a, const char *id_token,
				   int64_t now, struct ca_cognito_identity *who,
				   json_t **claims_out, struct ca_err *err);

/*
 * Signs up email (the user name) with name and password. *confirmed says whether
 * the account can sign in now (moto emulator: confirmed by AdminConfirmSignUp; else: the
 * user must follow the link in the verification email first). CA_EEXIST when the
 * email is taken, CA_EINVAL when the pool refuses the password (err holds its
 * policy sentence).
 */
int ca_cognito_auth_sign_up(struct ca_cognito_auth *a, const char *email, const char *name,
			    const char *password, bool *confirmed, struct ca_err *err);

/*
 * Signs in with email and password and verifies the id token into *who.
 * CA_AUTH_MISMATCH for a wrong password or an unknown email (alike),
 * CA_AUTH_NOT_CONFIRMED, CA_AUTH_RATE_LIMITED, CA_AUTH_BAD_TOKEN when the pool's
 * token does not verify, network codes otherwise.
 */
int ca_cognito_auth_sign_in(struct ca_cognito_auth *a, const char *email, const char *password,
			    struct ca_cognito_identity *who, struct ca_err *err);

/*
 * The profile of user (cognito:username) into *who (AdminGetUser).
 * CA_ENOTFOUND when the pool no longer has the user.
 */
int ca_cognito_auth_profile(struct ca_cognito_auth *a, const char *username,
			    struct ca_cognito_identity *who, struct ca_err *err);

/*
 * Users moved by `cloudalbum-migrate run --cognito` are created with AdminCreateUser
 * (no invitation, custom:legacy_id set), so they wait in FORCE_CHANGE_PASSWORD with
 * a temporary password nobody knows, while the User item the migration wrote (id =
 * the pool's user name) keeps their legacy werkzeug hash. The app carries the
 * password over at their first password sign-in, as Cognito's user migration
 * trigger would (lib/app/api_cognito.c): the calls and checks it needs are these.
 */

/* What the pool says of a user; every string malloc'd (NULL when absent). */
struct ca_cognito_pool_user {
	char *username;    /* the pool's user name */
	char *email;       /* the email attribute */
	char *legacy_id;   /* custom:legacy_id */
	char *status;      /* UserStatus */
	bool enabled;
};

void ca_cognito_pool_user_release(struct ca_cognito_pool_user *u);

/*
 * The pool's user whose sign-in name is email into *u (AdminGetUser; release it).
 * CA_ENOTFOUND when there is none; network and service codes otherwise.
 */
int ca_cognito_auth_pool_user(struct ca_cognito_auth *a, const char *email,
			      struct ca_cognito_pool_user *u, struct ca_err *err);

/*
 * true when u waits for the password it had in the legacy application: enabled,
 * FORCE_CHANGE_PASSWORD, with an email and a custom:legacy_id of the form the
 * migration writes (a legacy row id: 1 to 18 decimal digits, no leading zero).
 * Pure; false for NULL.
 */
bool ca_cognito_awaits_legacy_password(const struct ca_cognito_pool_user *u);

/*
 * true when the legacy record (the User item found by u's email) is the one the
 * migration wrote for u: its id is u's user name and its email is u's email
 * (ASCII case ignored). Pure; false when anything is NULL or empty.
 */
bool ca_cognito_legacy_record_is(const struct ca_cognito_pool_user *u, const char *record_id,
				 const char *record_email);

/*
 * Makes password username's own (AdminSetUserPassword, Permanent: the user becomes
 * CONFIRMED). CA_EINVAL when the pool refuses it (err holds the pool's sentence
 * on its policy, never the password); network and service codes otherwise.
 */
int ca_cognito_auth_set_password(struct ca_cognito_auth *a, const char *username,
				 const char *password, struct ca_err *err);

/*
 * Ends username's sessions at the pool (AdminUserGlobalSignOut): every refresh
 * token the pool issued to them (to this app's sign-ins or to the browser through
 * the hosted UI or an SDK) is revoked. CA_ENOTFOUND when the pool has no such
 * user; network and service codes otherwise.
 */
int ca_cognito_auth_sign_out_everywhere(struct ca_cognito_auth *a, const char *username,
					struct ca_err *err);

/*
 * Changes name and/or password (NULL: unchanged) after re-verifying
 * current_password for email; expect_username must be who the session says, so a
 * session cannot change another account. Errors as for sign-in, plus CA_EINVAL when
 * the pool refuses the new password.
 */
int ca_cognito_auth_update(struct ca_cognito_auth *a, const char *email,
			   const char *expect_username, const char *current_password,
			   const char *new_name, const char *new_password, struct ca_err *err);

#endif
