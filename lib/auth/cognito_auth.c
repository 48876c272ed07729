/*
 * cognito_auth.c — the user pool as cloudalbum-serve's sign-in (see cognito_auth.h).
 */
#include "auth/cognito_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/oauth.h"
#include "aws/client.h"
#include "aws/cognito_idp.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

struct ca_cognito_auth {
	const struct serve_config *cfg;
	struct aws_client *client;
	bool own_client;
	struct ca_jwks *jwks;
	struct ca_oauth *hosted_ui;   /* NULL: the hosted UI is off */
	char *issuer;
	bool local;
};

void ca_cognito_identity_release(struct ca_cognito_identity *who)
{
	if (!who)
		return;
	ca_free_str(&who->username);
	ca_free_str(&who->email);
	ca_free_str(&who->name);
}

static char *dupf(const char *fmt, const char *a, const char *b)
{
	struct ca_buf s = CA_BUF_INIT;

	ca_buf_addf(&s, fmt, a, b);
	return ca_buf_detach(&s, NULL);
}

/* The moto emulator has no hosted UI: its derived amazoncognito.com address is not one
 * (a custom endpoint that is not an emulator is AWS's, with AWS's hosted UI). */
static bool hosted_ui_wanted(const struct serve_config *cfg)
{
	const char *url = cfg->auth.hosted_ui_url;
	const char *host, *end;
	size_t n;

	if (!url || !*url)
		return false;
	if (cfg->aws.emulator != SERVE_EMULATOR_MOTO)
		return true;
	host = strstr(url, "://");
	host = host ? host + 3 : url;
	end = host + strcspn(host, ":/?#");
	n = (size_t)(end - host);
	return !(n >= strlen(".amazoncognito.com") &&
		 strncasecmp(end - strlen(".amazoncognito.com"), ".amazoncognito.com",
			     strlen(".amazoncognito.com")) == 0);
}

static int open_hosted_ui(struct ca_cognito_auth *a, struct ca_err *err)
{
	const struct serve_config *cfg = a->cfg;
	struct ca_oauth_options o = { 0 };
	char *callback = NULL;
	int rc;

	if (!hosted_ui_wanted(cfg))
		return CA_OK;
	callback = dupf("%s%s", cfg->server.base_url ? cfg->server.base_url : "", "/callback");
	if (!callback)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	o.hosted_ui_url = cfg->auth.hosted_ui_url;
	o.client_id = cfg->auth.client_id;
	o.client_secret = cfg->auth.client_secret;
	o.redirect_uri = callback;
	o.logout_uri = cfg->server.base_url;
	rc = ca_oauth_new(&o, &a->hosted_ui, err);
	free(callback);
	return rc;
}

int ca_cognito_auth_open(const struct serve_config *cfg, struct aws_client *client,
			 struct ca_cognito_auth **out, struct ca_err *err)
{
	struct aws_client_options copt = { 0 };
	struct ca_jwks_options jopt = { 0 };
	struct ca_cognito_auth *a;
	char *jwks_url = NULL;
	int rc;

	*out = NULL;
	if (cfg->auth.kind != SERVE_AUTH_COGNITO || !cfg->auth.user_pool_id ||
	    !cfg->auth.client_id)
		return ca_err_set(err, CA_EINVAL, "auth: kind cognito needs user_pool_id and "
				  "client_id.");
	a = calloc(1, sizeof(*a));
	if (!a)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	a->cfg = cfg;
	a->local = cfg->aws.emulator == SERVE_EMULATOR_MOTO;
	if (client) {
		a->client = client;
	} else {
		copt.fallback_region = cfg->aws.region;
		copt.endpoint = cfg->aws.endpoint;
		copt.http.timeout_ms = 10000;
		rc = aws_client_new(&copt, &a->client, err);
		if (rc != CA_OK)
			goto fail;
		a->own_client = true;
	}
	/* Without aws.region in the file, the issuer follows the region the client resolved. */
	a->issuer = cfg->auth.issuer ? ca_strdup(cfg->auth.issuer)
				     : dupf("https://cognito-idp.%s.amazonaws.com/%s",
					    aws_client_region(a->client), cfg->auth.user_pool_id);
	if (cfg->auth.jwks_url)
		jwks_url = ca_strdup(cfg->auth.jwks_url);
	else if (a->issuer)
		jwks_url = dupf("%s%s", a->issuer, "/.well-known/jwks.json");
	if (!a->issuer || !jwks_url) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto fail;
	}
	jopt.url = jwks_url;
	rc = ca_jwks_new(&jopt, &a->jwks, err);
	if (rc != CA_OK)
		goto fail;
	rc = open_hosted_ui(a, err);
	if (rc != CA_OK)
		goto fail;
	free(jwks_url);
	*out = a;
	return CA_OK;
fail:
	free(jwks_url);
	ca_cognito_auth_free(a);
	return rc;
}

void ca_cognito_auth_free(struct ca_cognito_auth *a)
{
	if (!a)
		return;
	ca_jwks_free(a->jwks);
	ca_oauth_free(a->hosted_ui);
	if (a->own_client)
		aws_client_free(a->client);
	free(a->issuer);
	free(a);
}

bool ca_cognito_auth_is_local(const struct ca_cognito_auth *a)
{
	return a->local;
}

struct ca_oauth *ca_cognito_auth_hosted_ui(struct ca_cognito_auth *a)
{
	return a->hosted_ui;
}

static const char *claim(const json_t *claims, const char *name)
{
	const json_t *v = json_object_get(claims, name);

	return json_is_string(v) && json_string_length(v) > 0 &&
	       strlen(json_string_value(v)) == json_string_length(v) ? json_string_value(v)
								     : NULL;
}

int ca_cognito_auth_check_id_token(struct ca_cognito_auth *a, const char *id_token,
				   int64_t now, struct ca_cognito_identity *who,
				   json_t **claims_out, struct ca_err *err)
{
	struct ca_jwt_expect x = { a->issuer, a->cfg->auth.client_id, "id", now,
				   CA_JWT_DEFAULT_LEEWAY };
	json_t *claims = NULL;
	const char *user, *email;
	int rc;

	memset(who, 0, sizeof(*who));
	if (claims_out)
		*claims_out = NULL;
	rc = ca_jwt_verify(id_token, ca_jwks_key, a->jwks, &x, &claims, err);
	if (rc != CA_OK)
		return rc;
	user = claim(claims, "cognito:username");
	email = claim(claims, "email");
	/* the session names "<user>:<email>", so the user id may not hold a ':' */
	if (!user || !email || strchr(user, ':')) {
		rc = ca_err_set(err, CA_AUTH_BAD_TOKEN, "The sign-in token lacks the user name or "
				"email; let the app client read the email attribute.");
		goto out;
	}
	who->username = ca_strdup(user);
	who->email = ca_strdup(email);
	who->name = ca_strdup(claim(claims, "name"));
	if (!who->username || !who->email || (claim(claims, "name") && !who->name)) {
		ca_cognito_identity_release(who);
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	if (claims_out) {
		*claims_out = claims;
		claims = NULL;
	}
out:
	json_decref(claims);
	return rc;
}

int ca_cognito_auth_sign_up(struct ca_cognito_auth *a, const char *email, const char *name,
			    const char *password, bool *confirmed, struct ca_err *err)
{
	const struct serve_config *cfg = a->cfg;
	struct cognito_attr attrs[2] = { { "email", email }, { "name", name } };
	int rc;

	*confirmed = false;
	rc = cognito_idp_sign_up(a->client, cfg->auth.client_id, cfg->auth.client_secret, email,
				 password, attrs, 2, confirmed, NULL, err);
	if (rc != CA_OK || *confirmed || !a->local)
		return rc;
	rc = cognito_idp_admin_confirm_sign_up(a->client, cfg->auth.user_pool_id, email, err);
	*confirmed = rc == CA_OK;
	return rc;
}

/* InitiateAuth with the password, then the id token verified into *who. */
static int password_sign_in(struct ca_cognito_auth *a, const char *email, const char *password,
			    struct ca_cognito_identity *who, struct cognito_tokens *tokens,
			    struct ca_err *err)
{
	const struct serve_config *cfg = a->cfg;
	int rc;

	memset(who, 0, sizeof(*who));
	rc = cognito_idp_sign_in(a->client, cfg->auth.client_id, cfg->auth.client_secret, email,
				 password, tokens, err);
	if (rc == CA_ENOTFOUND)  /* an unknown email reads exactly like a wrong password */
		return CA_AUTH_MISMATCH;
	if (rc != CA_OK)
		return rc;
	rc = ca_cognito_auth_check_id_token(a, tokens->id_token, (int64_t)time(NULL), who, NULL,
					    err);
	if (rc != CA_OK)
		cognito_tokens_release(tokens);
	return rc;
}

int ca_cognito_auth_sign_in(struct ca_cognito_auth *a, const char *email, const char *password,
			    struct ca_cognito_identity *who, struct ca_err *err)
{
	struct cognito_tokens tokens = { 0 };
	struct ca_err local;
	int rc;

	ca_err_clear(&local);
	rc = password_sign_in(a, email, password, who, &tokens, &local);
	cognito_tokens_release(&tokens);
	if (rc == CA_AUTH_MISMATCH)
		return ca_err_set(err, rc, "The email or password is not right.");
	if (rc != CA_OK)
		ca_err_set(err, rc, "%s", ca_err_msg(&local));
	return rc;
}

int ca_cognito_auth_profile(struct ca_cognito_auth *a, const char *username,
			    struct ca_cognito_identity *who, struct ca_err *err)
{
	json_t *attrs = NULL;
	int rc;

	memset(who, 0, sizeof(*who));
	rc = cognito_idp_admin_get_user(a->client, a->cfg->auth.user_pool_id, username, &attrs,
					err);
	if (rc != CA_OK)
		return rc;
	who->username = ca_strdup(username);
	who->email = ca_strdup(claim(attrs, "email"));
	who->name = ca_strdup(claim(attrs, "name"));
	if (!who->username || (claim(attrs, "email") && !who->email) ||
	    (claim(attrs, "name") && !who->name)) {
		ca_cognito_identity_release(who);
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	json_decref(attrs);
	return rc;
}

void ca_cognito_pool_user_release(struct ca_cognito_pool_user *u)
{
	if (!u)
		return;
	ca_free_str(&u->username);
	ca_free_str(&u->email);
	ca_free_str(&u->legacy_id);
	ca_free_str(&u->status);
	u->enabled = false;
}

int ca_cognito_auth_pool_user(struct ca_cognito_auth *a, const char *email,
			      struct ca_cognito_pool_user *u, struct ca_err *err)
{
	struct cognito_user rec = { 0 };
	const char *mail, *legacy;
	int rc;

	memset(u, 0, sizeof(*u));
	rc = cognito_idp_admin_describe_user(a->client, a->cfg->auth.user_pool_id, email, &rec,
					     err);
	if (rc != CA_OK)
		return rc;
	mail = claim(rec.attrs, "email");
	legacy = claim(rec.attrs, "custom:legacy_id");
	u->username = ca_strdup(rec.username);
	u->status = rec.status ? ca_strdup(rec.status) : NULL;
	u->email = mail ? ca_strdup(mail) : NULL;
	u->legacy_id = legacy ? ca_strdup(legacy) : NULL;
	u->enabled = rec.enabled;
	if (!u->username || (rec.status && !u->status) || (mail && !u->email) ||
	    (legacy && !u->legacy_id)) {
		ca_cognito_pool_user_release(u);
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	cognito_user_release(&rec);
	return rc;
}

/* A legacy row id as the migration writes it ("%ld" of a positive id). */
static bool legacy_id_ok(const char *s)
{
	size_t n = 0;

	if (!s || s[0] < '1' || s[0] > '9')
		return false;
	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return false;
	return n <= 18;
}

bool ca_cognito_awaits_legacy_password(const struct ca_cognito_pool_user *u)
{
	return u && u->enabled && u->username && *u->username && u->email && *u->email &&
	       u->status && strcmp(u->status, "FORCE_CHANGE_PASSWORD") == 0 &&
	       legacy_id_ok(u->legacy_id);
}

bool ca_cognito_legacy_record_is(const struct ca_cognito_pool_user *u, const char *record_id,
				 const char *record_email)
{
	return u && u->username && *u->username && u->email && *u->email && record_id &&
	       record_email && strcmp(record_id, u->username) == 0 &&
	       strcasecmp(record_email, u->email) == 0;
}

int ca_cognito_auth_set_password(struct ca_cognito_auth *a, const char *username,
				 const char *password, struct ca_err *err)
{
	return cognito_idp_admin_set_user_password(a->client, a->cfg->auth.user_pool_id, username,
						   password, true, err);
}

int ca_cognito_auth_sign_out_everywhere(struct ca_cognito_auth *a, const char *username,
					struct ca_err *err)
{
	return cognito_idp_admin_user_global_sign_out(a->client, a->cfg->auth.user_pool_id,
						      username, err);
}

int ca_cognito_auth_update(struct ca_cognito_auth *a, const char *email,
			   const char *expect_username, const char *current_password,
			   const char *new_name, const char *new_password, struct ca_err *err)
{
	struct cognito_tokens tokens = { 0 };
	struct ca_cognito_identity who = { 0 };
	int rc;

	rc = password_sign_in(a, email, current_password, &who, &tokens, err);
	if (rc != CA_OK)
		goto out;
	if (strcmp(who.username, expect_username) != 0) {
		rc = ca_err_set(err, CA_AUTH_MISMATCH, "That password belongs to another account.");
		goto out;
	}
	if (new_name) {
		struct cognito_attr attr = { "name", new_name };

		rc = cognito_idp_update_user_attributes(a->client, tokens.access_token, &attr, 1,
							err);
		if (rc != CA_OK)
			goto out;
	}
	if (new_password)
		rc = cognito_idp_change_password(a->client, tokens.access_token, current_password,
						 new_password, err);
out:
	cognito_tokens_release(&tokens);
	ca_cognito_identity_release(&who);
	return rc;
}
