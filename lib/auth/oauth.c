/*
 * oauth.c — the hosted UI's authorization-code grant, client side (see oauth.h).
 */
#include "auth/oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/jwt.h"
#include "aws/http.h"
#include "aws/sigv4_canon.h"
#include "http/urlcode.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

#define ATTEMPT_KEY_LABEL "cloudalbum oauth attempt v1"
#define ERROR_CODE_MAX 64

struct ca_oauth {
	char *hosted_ui_url;   /* without a trailing '/' */
	char *client_id;
	char *client_secret;   /* NULL for a public client */
	char *redirect_uri;
	char *logout_uri;
	char *scope;
	struct aws_http *http;
};

/* http(s)://host... with a non-empty host */
static bool web_url(const char *s)
{
	const char *host;

	if (!s)
		return false;
	if (ca_starts_with(s, "https://"))
		host = s + strlen("https://");
	else if (ca_starts_with(s, "http://"))
		host = s + strlen("http://");
	else
		return false;
	return *host && *host != '/' && *host != ':' && *host != '?' && *host != '#';
}

int ca_oauth_new(const struct ca_oauth_options *opt, struct ca_oauth **out, struct ca_err *err)
{
	struct aws_http_options hopt = { 0 };
	struct ca_oauth *o = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (!web_url(opt->hosted_ui_url))
		return ca_err_set(err, CA_EINVAL, "auth.hosted_ui_url must be an http:// or https:// "
				  "URL (the user pool domain's address).");
	if (!opt->client_id || !*opt->client_id)
		return ca_err_set(err, CA_EINVAL, "auth.client_id is needed for the hosted UI.");
	if (!web_url(opt->redirect_uri) || !web_url(opt->logout_uri))
		return ca_err_set(err, CA_EINVAL, "server.base_url must be an http:// or https:// "
				  "URL for the hosted UI's callback and sign-out URLs.");
	o = calloc(1, sizeof(*o));
	if (!o)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	o->hosted_ui_url = ca_strdup(opt->hosted_ui_url);
	o->client_id = ca_strdup(opt->client_id);
	o->client_secret = opt->client_secret && *opt->client_secret
				   ? ca_strdup(opt->client_secret) : NULL;
	o->redirect_uri = ca_strdup(opt->redirect_uri);
	o->logout_uri = ca_strdup(opt->logout_uri);
	o->scope = ca_strdup(opt->scope ? opt->scope : CA_OAUTH_DEFAULT_SCOPE);
	if (!o->hosted_ui_url || !o->client_id || !o->redirect_uri || !o->logout_uri ||
	    !o->scope || (opt->client_secret && *opt->client_secret && !o->client_secret)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto fail;
	}
	n = strlen(o->hosted_ui_url);
	while (n > 0 && o->hosted_ui_url[n - 1] == '/')
		o->hosted_ui_url[--n] = '\0';
	hopt.timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : CA_OAUTH_DEFAULT_TIMEOUT_MS;
	hopt.connect_timeout_ms = hopt.timeout_ms < AWS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS
					  ? hopt.timeout_ms : AWS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	hopt.max_body = CA_OAUTH_TOKEN_RESPONSE_MAX;
	o->http = aws_http_new(&hopt, err);
	if (!o->http) {
		rc = CA_ENOMEM;
		goto fail;
	}
	*out = o;
	return CA_OK;
fail:
	ca_oauth_free(o);
	return rc;
}

void ca_oauth_free(struct ca_oauth *o)
{
	if (!o)
		return;
	aws_http_free(o->http);
	free(o->hosted_ui_url);
	free(o->client_id);
	ca_free_secret(o->client_secret);
	free(o->redirect_uri);
	free(o->logout_uri);
	free(o->scope);
	free(o);
}

static int random_text(char out[CA_OAUTH_SECRET_LEN + 1])
{
	uint8_t raw[32];

	if (ca_random_bytes(raw, sizeof(raw)) != CA_OK)
		return CA_EIO;
	ca_base64url_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return CA_OK;
}

int ca_oauth_attempt_new(struct ca_oauth_attempt *a, struct ca_err *err)
{
	memset(a, 0, sizeof(*a));
	if (random_text(a->state) != CA_OK || random_text(a->nonce) != CA_OK ||
	    random_text(a->verifier) != CA_OK) {
		OPENSSL_cleanse(a, sizeof(*a));
		return ca_err_set(err, CA_EIO, "The system's random number source failed.");
	}
	return CA_OK;
}

void ca_oauth_pkce_challenge(const char *verifier, char out[CA_OAUTH_SECRET_LEN + 1])
{
	uint8_t digest[CA_SHA256_LEN];

	ca_sha256(verifier, strlen(verifier), digest);
	ca_base64url_encode(digest, sizeof(digest), out);
}

/* Appends "&name=<value encoded>" (no '&' when first). */
static void add_param(struct ca_buf *b, bool first, const char *name, const char *value)
{
	ca_buf_addf(b, "%s%s=", first ? "" : "&", name);
	aws_uri_encode_buf(b, value, strlen(value), true);
}

int ca_oauth_authorize_url(const struct ca_oauth *o, const struct ca_oauth_attempt *a,
			   char **url, struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	char challenge[CA_OAUTH_SECRET_LEN + 1];
	const char *s, *word;

	*url = NULL;
	ca_oauth_pkce_challenge(a->verifier, challenge);
	ca_buf_addf(&b, "%s/oauth2/authorize?", o->hosted_ui_url);
	add_param(&b, true, "response_type", "code");
	add_param(&b, false, "client_id", o->client_id);
	add_param(&b, false, "redirect_uri", o->redirect_uri);
	/* scopes joined by '+', as Cognito's documentation writes them */
	ca_buf_adds(&b, "&scope=");
	for (s = o->scope, word = NULL; ; s++) {
		if (*s && *s != ' ') {
			if (!word)
				word = s;
			continue;
		}
		if (word) {
			if (b.data[b.len - 1] != '=')
				ca_buf_addch(&b, '+');
			aws_uri_encode_buf(&b, word, (size_t)(s - word), true);
			word = NULL;
		}
		if (!*s)
			break;
	}
	add_param(&b, false, "state", a->state);
	add_param(&b, false, "nonce", a->nonce);
	add_param(&b, false, "code_challenge", challenge);
	add_param(&b, false, "code_challenge_method", "S256");
	*url = ca_buf_detach(&b, NULL);
	return *url ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

int ca_oauth_logout_url(const struct ca_oauth *o, char **url, struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_addf(&b, "%s/logout?", o->hosted_ui_url);
	add_param(&b, true, "client_id", o->client_id);
	add_param(&b, false, "logout_uri", o->logout_uri);
	*url = ca_buf_detach(&b, NULL);
	return *url ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

void ca_oauth_attempt_keys(const struct ca_session_keys *session, struct ca_session_keys *out)
{
	memset(out, 0, sizeof(*out));
	ca_hmac_sha256(session->key, sizeof(session->key), ATTEMPT_KEY_LABEL,
		       strlen(ATTEMPT_KEY_LABEL), out->key);
	out->lifetime_s = CA_OAUTH_ATTEMPT_TTL_S;
	out->secure = session->secure;
}

int ca_oauth_attempt_seal(const struct ca_session_keys *keys, const struct ca_oauth_attempt *a,
			  int64_t expires, char **token, struct ca_err *err)
{
	char payload[3 * (CA_OAUTH_SECRET_LEN + 1)];
	int n, rc;

	*token = NULL;
	n = snprintf(payload, sizeof(payload), "%s %s %s", a->state, a->nonce, a->verifier);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return ca_err_set(err, CA_EINVAL, "A sign-in attempt's secrets are malformed.");
	rc = ca_session_sign(keys, payload, (size_t)n, expires, token, err);
	OPENSSL_cleanse(payload, sizeof(payload));
	return rc;
}

static bool secret_ok(const char *s, size_t len)
{
	return len == CA_OAUTH_SECRET_LEN && ca_jwt_b64url_text(s, len);
}

int ca_oauth_attempt_open(const struct ca_session_keys *keys, const char *token, int64_t now,
			  struct ca_oauth_attempt *a, struct ca_err *err)
{
	const size_t field = CA_OAUTH_SECRET_LEN;
	char *payload = NULL;
	size_t len = 0;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = ca_session_verify(keys, token ? token : "", now, &payload, &len, NULL, err);
	if (rc != CA_OK)
		goto out;
	if (len != 3 * field + 2 || payload[field] != ' ' || payload[2 * field + 1] != ' ' ||
	    !secret_ok(payload, field) || !secret_ok(payload + field + 1, field) ||
	    !secret_ok(payload + 2 * field + 2, field)) {
		rc = ca_err_set(err, CA_AUTH_BAD_TOKEN, "The sign-in attempt cookie is malformed.");
		goto out;
	}
	memcpy(a->state, payload, field);
	memcpy(a->nonce, payload + field + 1, field);
	memcpy(a->verifier, payload + 2 * field + 2, field);
out:
	if (payload) {
		OPENSSL_cleanse(payload, len);
		free(payload);
	}
	return rc;
}

bool ca_oauth_state_matches(const struct ca_oauth_attempt *a, const char *state)
{
	if (!state || !a->state[0])
		return false;
	return ca_consttime_eq(a->state, strlen(a->state), state, strlen(state));
}

void ca_oauth_tokens_release(struct ca_oauth_tokens *t)
{
	if (!t)
		return;
	ca_free_secret(t->id_token);
	ca_free_secret(t->access_token);
	ca_free_secret(t->refresh_token);
	memset(t, 0, sizeof(*t));
}

/* Basic base64 (RFC 4648 §4, with padding) of in[0..n), appended. */
static void add_base64(struct ca_buf *b, const void *in, size_t n)
{
	size_t need = 4 * ((n + 2) / 3);
	unsigned char *text = malloc(need + 1);

	if (!text || n > (size_t)0x7fffffff) {
		b->failed = true;
		free(text);
		return;
	}
	EVP_EncodeBlock(text, in, (int)n);
	ca_buf_add(b, text, need);
	OPENSSL_cleanse(text, need + 1);
	free(text);
}

int ca_oauth_token_request(const struct ca_oauth *o, const char *code, const char *verifier,
			   struct ca_buf *body, char **authorization, struct ca_err *err)
{
	struct ca_buf pair = CA_BUF_INIT, header = CA_BUF_INIT;
	int rc = CA_OK;

	*authorization = NULL;
	if (!code || !*code || strlen(code) > CA_OAUTH_CODE_MAX)
		return ca_err_set(err, CA_EINVAL, "The sign-in code is missing or too long.");
	add_param(body, true, "grant_type", "authorization_code");
	add_param(body, false, "code", code);
	add_param(body, false, "redirect_uri", o->redirect_uri);
	if (verifier && *verifier)
		add_param(body, false, "code_verifier", verifier);
	if (!o->client_secret)
		add_param(body, false, "client_id", o->client_id);
	if (!ca_buf_ok(body)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	if (!o->client_secret)
		goto out;
	aws_uri_encode_buf(&pair, o->client_id, strlen(o->client_id), true);
	ca_buf_addch(&pair, ':');
	aws_uri_encode_buf(&pair, o->client_secret, strlen(o->client_secret), true);
	ca_buf_adds(&header, "Basic ");
	if (ca_buf_ok(&pair))
		add_base64(&header, pair.data, pair.len);
	if (!ca_buf_ok(&pair) || !ca_buf_ok(&header)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	*authorization = ca_buf_detach(&header, NULL);
	if (!*authorization)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
out:
	if (pair.data)
		OPENSSL_cleanse(pair.data, pair.len);
	ca_buf_release(&pair);
	if (header.data)
		OPENSSL_cleanse(header.data, header.len);
	ca_buf_release(&header);
	return rc;
}

/* An OAuth error code fit to repeat in a sentence: [a-z_] only, bounded. */
static void safe_error_code(const json_t *root, char out[ERROR_CODE_MAX + 1])
{
	const char *e = json_string_value(json_object_get(root, "error"));
	size_t i;

	snprintf(out, ERROR_CODE_MAX + 1, "%s", "no error code");
	if (!e || !*e || strlen(e) > ERROR_CODE_MAX)
		return;
	for (i = 0; e[i]; i++)
		if (!((e[i] >= 'a' && e[i] <= 'z') || e[i] == '_'))
			return;
	snprintf(out, ERROR_CODE_MAX + 1, "%s", e);
}

static char *string_member(const json_t *root, const char *name, size_t max, bool *bad)
{
	const json_t *v = json_object_get(root, name);
	const char *s;

	if (!v || json_is_null(v))
		return NULL;
	s = json_string_value(v);
	if (!s || !*s || json_string_length(v) != strlen(s) || strlen(s) > max) {
		*bad = true;
		return NULL;
	}
	return ca_strdup(s);
}

int ca_oauth_parse_token_response(long status, const char *body, size_t len,
				  struct ca_oauth_tokens *out, struct ca_err *err)
{
	char code[ERROR_CODE_MAX + 1];
	json_t *root = NULL, *exp;
	bool bad = false;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	if (len > 0 && len <= CA_OAUTH_TOKEN_RESPONSE_MAX)
		root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status != 200) {
		safe_error_code(root, code);
		if (status >= 400 && status < 500 && strcmp(code, "invalid_grant") == 0)
			rc = ca_err_set(err, CA_AUTH_BAD_TOKEN, "The hosted UI did not accept the "
					"sign-in code (it expired, was used already, or was meant "
					"for another app); sign in again.");
		else
			rc = ca_err_set(err, CA_AWS_SERVICE, "The hosted UI's token endpoint answered "
					"HTTP %ld (%s); check auth.client_id, auth.client_secret "
					"and the app client's callback URL.", status, code);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "The hosted UI's token endpoint answered "
				"with something other than a JSON object.");
		goto out;
	}
	out->id_token = string_member(root, "id_token", CA_JWT_MAX, &bad);
	out->access_token = string_member(root, "access_token", CA_JWT_MAX, &bad);
	out->refresh_token = string_member(root, "refresh_token", CA_JWT_MAX, &bad);
	exp = json_object_get(root, "expires_in");
	if (json_is_integer(exp) && json_integer_value(exp) > 0 &&
	    json_integer_value(exp) < 100L * 24 * 3600)
		out->expires_in = (long)json_integer_value(exp);
	if (bad || !out->id_token) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "The hosted UI's token endpoint gave no "
				"usable id_token; the app client needs the openid scope.");
		goto out;
	}
	if ((json_object_get(root, "access_token") && !out->access_token) ||
	    (json_object_get(root, "refresh_token") && !out->refresh_token))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
out:
	if (rc != CA_OK)
		ca_oauth_tokens_release(out);
	json_decref(root);
	return rc;
}

int ca_oauth_exchange_code(struct ca_oauth *o, const char *code, const char *verifier,
			   struct ca_oauth_tokens *out, struct ca_err *err)
{
	struct ca_buf body = CA_BUF_INIT, url = CA_BUF_INIT;
	struct aws_http_header headers[3] = {
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "Accept", "application/json" },
		{ "Authorization", NULL },
	};
	struct aws_http_request req = { 0 };
	struct aws_http_response resp;
	char *authorization = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	aws_http_response_init(&resp);
	rc = ca_oauth_token_request(o, code, verifier, &body, &authorization, err);
	if (rc != CA_OK)
		goto out;
	ca_buf_addf(&url, "%s/oauth2/token", o->hosted_ui_url);
	if (!ca_buf_ok(&url)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	headers[2].value = authorization;
	req.method = "POST";
	req.url = url.data;
	req.headers = headers;
	req.n_headers = authorization ? 3 : 2;
	req.body = body.data;
	req.body_len = body.len;
	req.max_body = CA_OAUTH_TOKEN_RESPONSE_MAX;
	rc = aws_http_send(o->http, &req, &resp, err);
	if (rc != CA_OK) {
		ca_err_prefix(err, "the hosted UI's token endpoint");
		goto out;
	}
	rc = ca_oauth_parse_token_response(resp.status, resp.body.data, resp.body.len, out, err);
out:
	if (authorization) {
		OPENSSL_cleanse(authorization, strlen(authorization));
		free(authorization);
	}
	if (body.data)
		OPENSSL_cleanse(body.data, body.len);
	ca_buf_release(&body);
	ca_buf_release(&url);
	if (resp.body.data)
		OPENSSL_cleanse(resp.body.data, resp.body.len);
	aws_http_response_release(&resp);
	return rc;
}

int ca_oauth_check_nonce(const json_t *claims, const char *nonce, struct ca_err *err)
{
	const json_t *v = json_object_get(claims, "nonce");
	const char *got = json_string_value(v);

	if (!got || !nonce || !*nonce || json_string_length(v) != strlen(got) ||
	    !ca_consttime_eq(got, strlen(got), nonce, strlen(nonce)))
		return ca_err_set(err, CA_AUTH_BAD_TOKEN, "The sign-in token was not issued for "
				  "this sign-in attempt (its nonce differs); sign in again.");
	return CA_OK;
}
