/*
 * cognito_idp.c — the data-plane calls of a user pool (see cognito_idp.h).
 */
#include "aws/cognito_idp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws/protocol.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

/* Answers of these calls are small; tokens with many attributes stay far under this. */
#define ANSWER_MAX (256u * 1024)

static const struct {
	const char *aws_code;
	int code;
} refusals[] = {
	{ "NotAuthorizedException", CA_AUTH_MISMATCH },
	{ "UserNotFoundException", CA_ENOTFOUND },
	{ "UserNotConfirmedException", CA_AUTH_NOT_CONFIRMED },
	{ "UsernameExistsException", CA_EEXIST },
	{ "AliasExistsException", CA_EEXIST },
	{ "InvalidPasswordException", CA_EINVAL },
	{ "InvalidParameterException", CA_EINVAL },
	{ "CodeMismatchException", CA_EINVAL },
	{ "ExpiredCodeException", CA_EINVAL },
	{ "TooManyRequestsException", CA_AUTH_RATE_LIMITED },
	{ "TooManyFailedAttemptsException", CA_AUTH_RATE_LIMITED },
	{ "LimitExceededException", CA_AUTH_RATE_LIMITED },
};

void cognito_idp_secret_hash(const char *client_secret, const char *username,
			     const char *client_id, char out[COGNITO_SECRET_HASH_LEN])
{
	size_t ul = strlen(username), cl = strlen(client_id);
	uint8_t mac[CA_SHA256_LEN];
	char *msg = malloc(ul + cl + 1);

	out[0] = '\0';
	if (!msg)
		return;
	memcpy(msg, username, ul);
	memcpy(msg + ul, client_id, cl + 1);
	ca_hmac_sha256(client_secret, strlen(client_secret), msg, ul + cl, mac);
	EVP_EncodeBlock((unsigned char *)out, mac, (int)sizeof(mac));
	free(msg);
}

void cognito_tokens_release(struct cognito_tokens *t)
{
	if (!t)
		return;
	ca_free_secret(t->id_token);
	ca_free_secret(t->access_token);
	ca_free_secret(t->refresh_token);
	memset(t, 0, sizeof(*t));
}

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "cognito-idp: out of memory.");
}

/* Sends op with body in; maps the service's refusals; *out the answer object (or NULL). */
static int call(struct aws_client *c, const char *op, json_t *in, json_t **out,
		struct ca_err *err)
{
	/* the body may hold a password: the protocol layer wipes its copy */
	struct aws_op o = { .name = op, .json = in, .max_body = ANSWER_MAX, .secret_input = true };
	struct aws_result res;
	struct ca_err send_err;
	size_t i;
	int rc;

	if (out)
		*out = NULL;
	if (!in)
		return oom(err);
	aws_result_init(&res);
	ca_err_clear(&send_err);
	rc = aws_call(c, AWS_SVC_COGNITO_IDP, &o, &res, &send_err);
	if (rc == CA_AWS_SERVICE) {
		for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
			if (strcmp(res.error_code, refusals[i].aws_code) == 0)
				break;
		if (i < sizeof(refusals) / sizeof(refusals[0])) {
			rc = refusals[i].code;
			ca_err_set(err, rc, "%s", res.error_message[0] ? res.error_message
								 : res.error_code);
			goto out;
		}
	}
	if (rc != CA_OK) {
		ca_err_set(err, rc, "%s", ca_err_msg(&send_err));
		goto out;
	}
	if (out) {
		*out = res.output;
		res.output = NULL;
	}
out:
	aws_result_release(&res);
	return rc;
}

/* Adds SECRET_HASH to obj (under key) when the client has a secret. */
static int add_secret_hash(json_t *obj, const char *key, const char *client_secret,
			   const char *username, const char *client_id)
{
	char hash[COGNITO_SECRET_HASH_LEN];

	if (!client_secret || !*client_secret)
		return 0;
	cognito_idp_secret_hash(client_secret, username, client_id, hash);
	if (!hash[0])
		return -1;
	return json_object_set_new(obj, key, json_string(hash));
}

static json_t *attr_list(const struct cognito_attr *attrs, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < n; i++)
		if (json_array_append_new(list, json_pack("{s:s, s:s}", "Name", attrs[i].name,
							  "Value", attrs[i].value)) != 0) {
			json_decref(list);
			return NULL;
		}
	return list;
}

int cognito_idp_sign_up(struct aws_client *c, const char *client_id, const char *client_secret,
			const char *username, const char *password,
			const struct cognito_attr *attrs, size_t n_attrs, bool *confirmed,
			char **user_sub, struct ca_err *err)
{
	json_t *in, *out = NULL;
	int rc;

	if (confirmed)
		*confirmed = false;
	if (user_sub)
		*user_sub = NULL;
	in = json_pack("{s:s, s:s, s:s, s:o}", "ClientId", client_id, "Username", username,
		       "Password", password, "UserAttributes", attr_list(attrs, n_attrs));
	if (in && add_secret_hash(in, "SecretHash", client_secret, username, client_id) != 0) {
		json_decref(in);
		in = NULL;
	}
	rc = call(c, "SignUp", in, &out, err);
	json_decref(in);
	if (rc != CA_OK)
		return rc;
	if (confirmed)
		*confirmed = json_is_true(json_object_get(out, "UserConfirmed"));
	if (user_sub && json_is_string(json_object_get(out, "UserSub"))) {
		*user_sub = ca_strdup(json_string_value(json_object_get(out, "UserSub")));
		if (!*user_sub)
			rc = oom(err);
	}
	json_decref(out);
	return rc;
}

int cognito_idp_confirm_sign_up(struct aws_client *c, const char *client_id,
				const char *client_secret, const char *username,
				const char *code, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:s}", "ClientId", client_id, "Username", username,
			       "ConfirmationCode", code);
	int rc;

	if (in && add_secret_hash(in, "SecretHash", client_secret, username, client_id) != 0) {
		json_decref(in);
		in = NULL;
	}
	rc = call(c, "ConfirmSignUp", in, NULL, err);
	json_decref(in);
	return rc;
}

int cognito_idp_admin_confirm_sign_up(struct aws_client *c, const char *pool_id,
				      const char *username, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s}", "UserPoolId", pool_id, "Username", username);
	int rc = call(c, "AdminConfirmSignUp", in, NULL, err);

	json_decref(in);
	return rc;
}

static int take_token(json_t *result, const char *key, char **out, bool required,
		      struct ca_err *err)
{
	json_t *v = json_object_get(result, key);

	*out = NULL;
	if (!json_is_string(v))
		return required ? ca_err_set(err, CA_AWS_BAD_RESPONSE,
					     "cognito-idp: the sign-in answer has no %s.", key)
				: CA_OK;
	*out = ca_strdup(json_string_value(v));
	return *out ? CA_OK : oom(err);
}

static int initiate_auth(struct aws_client *c, json_t *in, bool want_refresh,
			 struct cognito_tokens *tokens, struct ca_err *err)
{
	json_t *out = NULL, *result, *v;
	int rc;

	memset(tokens, 0, sizeof(*tokens));
	rc = call(c, "InitiateAuth", in, &out, err);
	if (rc != CA_OK)
		goto out;
	result = json_object_get(out, "AuthenticationResult");
	if (!json_is_object(result)) {
		v = json_object_get(out, "ChallengeName");
		rc = ca_err_set(err, CA_EUNSUPPORTED, "The user pool asks for a further sign-in "
				"step (%s) that this app does not offer; finish it in the hosted "
				"sign-in page.", json_is_string(v) ? json_string_value(v) : "unknown");
		goto out;
	}
	rc = take_token(result, "IdToken", &tokens->id_token, true, err);
	if (rc == CA_OK)
		rc = take_token(result, "AccessToken", &tokens->access_token, true, err);
	if (rc == CA_OK)
		rc = take_token(result, "RefreshToken", &tokens->refresh_token, want_refresh, err);
	v = json_object_get(result, "ExpiresIn");
	tokens->expires_in = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	if (rc != CA_OK)
		cognito_tokens_release(tokens);
out:
	json_decref(out);
	return rc;
}

int cognito_idp_sign_in(struct aws_client *c, const char *client_id, const char *client_secret,
			const char *username, const char *password,
			struct cognito_tokens *tokens, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:{s:s, s:s}}", "AuthFlow", "USER_PASSWORD_AUTH",
			       "ClientId", client_id, "AuthParameters", "USERNAME", username,
			       "PASSWORD", password);
	int rc;

	if (in && add_secret_hash(json_object_get(in, "AuthParameters"), "SECRET_HASH",
				  client_secret, username, client_id) != 0) {
		json_decref(in);
		in = NULL;
	}
	rc = initiate_auth(c, in, true, tokens, err);
	json_decref(in);
	return rc;
}

int cognito_idp_refresh(struct aws_client *c, const char *client_id, const char *client_secret,
			const char *username, const char *refresh_token,
			struct cognito_tokens *tokens, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:{s:s}}", "AuthFlow", "REFRESH_TOKEN_AUTH",
			       "ClientId", client_id, "AuthParameters", "REFRESH_TOKEN",
			       refresh_token);
	int rc;

	if (in && add_secret_hash(json_object_get(in, "AuthParameters"), "SECRET_HASH",
				  client_secret, username, client_id) != 0) {
		json_decref(in);
		in = NULL;
	}
	rc = initiate_auth(c, in, false, tokens, err);
	json_decref(in);
	return rc;
}

/* [{"Name": n, "Value": v}, ...] into {n: v, ...}. */
static int attrs_object(const json_t *list, json_t **out, struct ca_err *err)
{
	json_t *obj = json_object();
	size_t i;

	*out = NULL;
	if (!obj)
		return oom(err);
	for (i = 0; json_is_array(list) && i < json_array_size(list); i++) {
		const json_t *a = json_array_get(list, i);
		const json_t *n = json_object_get(a, "Name"), *v = json_object_get(a, "Value");

		if (json_is_string(n) && json_is_string(v) &&
		    json_object_set_new(obj, json_string_value(n),
					json_string(json_string_value(v))) != 0) {
			json_decref(obj);
			return oom(err);
		}
	}
	*out = obj;
	return CA_OK;
}

int cognito_idp_get_user(struct aws_client *c, const char *access_token, char **username,
			 json_t **attrs, struct ca_err *err)
{
	json_t *in = json_pack("{s:s}", "AccessToken", access_token), *out = NULL;
	int rc;

	if (username)
		*username = NULL;
	if (attrs)
		*attrs = NULL;
	rc = call(c, "GetUser", in, &out, err);
	json_decref(in);
	if (rc == CA_OK && username) {
		json_t *u = json_object_get(out, "Username");

		*username = json_is_string(u) ? ca_strdup(json_string_value(u)) : NULL;
		if (!*username)
			rc = json_is_string(u) ? oom(err)
					       : ca_err_set(err, CA_AWS_BAD_RESPONSE, "cognito-idp: "
							    "the GetUser answer has no Username.");
	}
	if (rc == CA_OK && attrs)
		rc = attrs_object(json_object_get(out, "UserAttributes"), attrs, err);
	if (rc != CA_OK && username)
		ca_free_str(username);
	json_decref(out);
	return rc;
}

int cognito_idp_admin_get_user(struct aws_client *c, const char *pool_id,
			       const char *username, json_t **attrs, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s}", "UserPoolId", pool_id, "Username", username);
	json_t *out = NULL;
	int rc;

	*attrs = NULL;
	rc = call(c, "AdminGetUser", in, &out, err);
	json_decref(in);
	if (rc == CA_OK)
		rc = attrs_object(json_object_get(out, "UserAttributes"), attrs, err);
	json_decref(out);
	return rc;
}

void cognito_user_release(struct cognito_user *u)
{
	if (!u)
		return;
	free(u->username);
	free(u->status);
	json_decref(u->attrs);
	memset(u, 0, sizeof(*u));
}

int cognito_idp_admin_describe_user(struct aws_client *c, const char *pool_id,
				    const char *username, struct cognito_user *u,
				    struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s}", "UserPoolId", pool_id, "Username", username);
	json_t *out = NULL;
	const char *name, *status;
	int rc;

	memset(u, 0, sizeof(*u));
	rc = call(c, "AdminGetUser", in, &out, err);
	json_decref(in);
	if (rc != CA_OK)
		goto out;
	name = json_string_value(json_object_get(out, "Username"));
	status = json_string_value(json_object_get(out, "UserStatus"));
	if (!name || !*name) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"cognito-idp: the AdminGetUser answer has no Username.");
		goto out;
	}
	u->username = ca_strdup(name);
	u->status = status ? ca_strdup(status) : NULL;
	u->enabled = json_is_true(json_object_get(out, "Enabled"));
	if (!u->username || (status && !u->status)) {
		rc = oom(err);
		goto out;
	}
	rc = attrs_object(json_object_get(out, "UserAttributes"), &u->attrs, err);
out:
	if (rc != CA_OK)
		cognito_user_release(u);
	json_decref(out);
	return rc;
}

int cognito_idp_admin_set_user_password(struct aws_client *c, const char *pool_id,
					const char *username, const char *password,
					bool permanent, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:s, s:b}", "UserPoolId", pool_id, "Username",
			       username, "Password", password, "Permanent", permanent);
	int rc = call(c, "AdminSetUserPassword", in, NULL, err);

	json_decref(in);
	return rc;
}

int cognito_idp_admin_user_global_sign_out(struct aws_client *c, const char *pool_id,
					   const char *username, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s}", "UserPoolId", pool_id, "Username", username);
	int rc = call(c, "AdminUserGlobalSignOut", in, NULL, err);

	json_decref(in);
	return rc;
}

int cognito_idp_update_user_attributes(struct aws_client *c, const char *access_token,
				       const struct cognito_attr *attrs, size_t n_attrs,
				       struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:o}", "AccessToken", access_token, "UserAttributes",
			       attr_list(attrs, n_attrs));
	int rc = call(c, "UpdateUserAttributes", in, NULL, err);

	json_decref(in);
	return rc;
}

int cognito_idp_admin_update_user_attributes(struct aws_client *c, const char *pool_id,
					     const char *username,
					     const struct cognito_attr *attrs, size_t n_attrs,
					     struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:o}", "UserPoolId", pool_id, "Username", username,
			       "UserAttributes", attr_list(attrs, n_attrs));
	int rc = call(c, "AdminUpdateUserAttributes", in, NULL, err);

	json_decref(in);
	return rc;
}

int cognito_idp_change_password(struct aws_client *c, const char *access_token,
				const char *old_password, const char *new_password,
				struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:s}", "AccessToken", access_token,
			       "PreviousPassword", old_password, "ProposedPassword", new_password);
	int rc = call(c, "ChangePassword", in, NULL, err);

	json_decref(in);
	return rc;
}

int cognito_idp_global_sign_out(struct aws_client *c, const char *access_token,
				struct ca_err *err)
{
	json_t *in = json_pack("{s:s}", "AccessToken", access_token);
	int rc = call(c, "GlobalSignOut", in, NULL, err);

	json_decref(in);
	return rc;
}

int cognito_idp_admin_create_user(struct aws_client *c, const char *pool_id,
				  const char *username, const struct cognito_attr *attrs,
				  size_t n_attrs, char **created, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s, s:o, s:s}", "UserPoolId", pool_id, "Username",
			       username, "UserAttributes", attr_list(attrs, n_attrs),
			       "MessageAction", "SUPPRESS");
	json_t *out = NULL;
	const char *name;
	int rc;

	if (created)
		*created = NULL;
	rc = call(c, "AdminCreateUser", in, &out, err);
	json_decref(in);
	if (rc != CA_OK || !created)
		goto out;
	name = json_string_value(json_object_get(json_object_get(out, "User"), "Username"));
	if (!name || !*name) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"cognito-idp: the AdminCreateUser answer has no User.Username.");
		goto out;
	}
	*created = ca_strdup(name);
	if (!*created)
		rc = oom(err);
out:
	json_decref(out);
	return rc;
}

int cognito_idp_admin_delete_user(struct aws_client *c, const char *pool_id,
				  const char *username, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:s}", "UserPoolId", pool_id, "Username", username);
	int rc = call(c, "AdminDeleteUser", in, NULL, err);

	json_decref(in);
	return rc;
}
