/*
 * jwks.c — fetching, parsing and caching a user pool's JSON Web Key Set.
 */
#include "auth/jwks.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "auth/jwt.h"
#include "aws/http.h"
#include "http/urlcode.h"
#include "util/strutil.h"
#include "util/banned.h"

#define RSA_MIN_BYTES 256   /* 2048 bits */
#define RSA_MAX_BYTES 1024  /* 8192 bits */
#define RSA_E_MAX_BYTES 8

struct jwk {
	char *kid;
	EVP_PKEY *key;
};

struct ca_jwks {
	pthread_mutex_t lock;
	char *url;
	long timeout_ms;
	long min_refresh_s;
	ca_jwks_fetch_fn fetch;
	void *fetch_ctx;
	int64_t (*clock)(void);
	struct aws_http *http;      /* NULL when fetch is the caller's */
	struct jwk keys[CA_JWKS_KEYS_MAX];
	size_t n_keys;
	bool fetched;               /* a fetch was attempted */
	int64_t last_fetch;
	unsigned long fetch_count;
};

static int64_t wall_clock(void)
{
	return (int64_t)time(NULL);
}

int ca_jwks_rsa_key(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
		    EVP_PKEY **out, struct ca_err *err)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	int rc = CA_OK;

	*out = NULL;
	while (n_len > 0 && *n == 0) {
		n++;
		n_len--;
	}
	while (e_len > 0 && *e == 0) {
		e++;
		e_len--;
	}
	if (n_len < RSA_MIN_BYTES || n_len > RSA_MAX_BYTES)
		return ca_err_set(err, CA_EINVAL, "An RSA key must have a modulus of 2048 to 8192 "
				  "bits.");
	if (e_len == 0 || e_len > RSA_E_MAX_BYTES || (e[e_len - 1] & 1) == 0 ||
	    (e_len == 1 && e[0] < 3))
		return ca_err_set(err, CA_EINVAL, "An RSA key has an unusable public exponent.");
	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!bn_n || !bn_e || !bld ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL))) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building an RSA key.");
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1 || !*out) {
		*out = NULL;
		rc = ca_err_set(err, CA_EINVAL, "OpenSSL could not build an RSA key from n and e.");
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return rc;
}

/* A base64url member of jwk decoded into out[cap]; false when absent or malformed. */
static bool b64_member(const json_t *jwk, const char *name, uint8_t *out, size_t cap,
		       size_t *len)
{
	const json_t *v = json_object_get(jwk, name);

	return json_is_string(v) &&
	       ca_base64url_decode(json_string_value(v), json_string_length(v), out, cap, len);
}

static bool optional_string_is(const json_t *jwk, const char *name, const char *want)
{
	const json_t *v = json_object_get(jwk, name);

	return !v || (json_is_string(v) && strcmp(json_string_value(v), want) == 0);
}

/* One entry into *out, or false when it is not a usable RSA signing key. */
static int read_jwk(const json_t *jwk, struct jwk *out, bool *usable, struct ca_err *err)
{
	uint8_t n[RSA_MAX_BYTES + 1], e[RSA_E_MAX_BYTES + 1];
	size_t n_len = 0, e_len = 0;
	const json_t *kid = json_object_get(jwk, "kid");
	const json_t *kty = json_object_get(jwk, "kty");

	*usable = false;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(jwk) || !json_is_string(kty) ||
	    strcmp(json_string_value(kty), "RSA") != 0 || !json_is_string(kid) ||
	    json_string_length(kid) == 0 || json_string_length(kid) > CA_JWT_KID_MAX ||
	    strlen(json_string_value(kid)) != json_string_length(kid) ||
	    !optional_string_is(jwk, "use", "sig") || !optional_string_is(jwk, "alg", "RS256") ||
	    !b64_member(jwk, "n", n, sizeof(n), &n_len) ||
	    !b64_member(jwk, "e", e, sizeof(e), &e_len))
		return CA_OK;
	if (ca_jwks_rsa_key(n, n_len, e, e_len, &out->key, NULL) != CA_OK)
		return CA_OK;
	out->kid = ca_strdup(json_string_value(kid));
	if (!out->kid) {
		EVP_PKEY_free(out->key);
		out->key = NULL;
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading the user pool's keys.");
	}
	*usable = true;
	return CA_OK;
}

static void free_keys(struct jwk *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(keys[i].kid);
		EVP_PKEY_free(keys[i].key);
		keys[i].kid = NULL;
		keys[i].key = NULL;
	}
}

/* Parses doc into keys[CA_JWKS_KEYS_MAX] (*n of them). */
static int parse_set(const char *url, const char *doc, size_t len, struct jwk *keys, size_t *n,
		     struct ca_err *err)
{
	json_t *root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *list = root ? json_object_get(root, "keys") : NULL;
	size_t i;
	int rc = CA_OK;

	*n = 0;
	if (!json_is_array(list)) {
		rc = ca_err_set(err, CA_EPARSE, "The key set at %s is not a JSON object with a "
				"\"keys\" array.", url);
		goto out;
	}
	for (i = 0; i < json_array_size(list) && *n < CA_JWKS_KEYS_MAX; i++) {
		bool usable;

		rc = read_jwk(json_array_get(list, i), &keys[*n], &usable, err);
		if (rc != CA_OK) {
			free_keys(keys, *n);
			*n = 0;
			goto out;
		}
		if (usable)
			(*n)++;
	}
out:
	json_decref(root);
	return rc;
}

static int http_fetch(struct ca_jwks *j, struct ca_buf *out, struct ca_err *err)
{
	struct aws_http_header accept = { "Accept", "application/json" };
	struct aws_http_request req = { "GET", j->url, &accept, 1, NULL, 0, CA_JWKS_DOC_MAX };
	struct aws_http_response resp;
	int rc;

	aws_http_response_init(&resp);
	rc = aws_http_send(j->http, &req, &resp, err);
	if (rc == CA_ERANGE)
		ca_err_prefix(err, "the user pool's key set");
	if (rc != CA_OK)
		goto out;
	if (resp.status != 200) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "The user pool's key set at %s answered "
				"HTTP %ld; check auth.jwks_url.", j->url, resp.status);
		goto out;
	}
	if (ca_buf_add(out, resp.body.data, resp.body.len) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading the user pool's keys.");
out:
	aws_http_response_release(&resp);
	return rc;
}

/* Fetches and replaces the cached set. Called with the lock held. */
static int refresh(struct ca_jwks *j, struct ca_err *err)
{
	struct jwk fresh[CA_JWKS_KEYS_MAX];
	struct ca_buf doc = CA_BUF_INIT;
	size_t n = 0;
	int rc;

	memset(fresh, 0, sizeof(fresh));
	j->fetched = true;
	j->last_fetch = j->clock();
	j->fetch_count++;
	rc = j->fetch ? j->fetch(j->fetch_ctx, j->url, &doc, err) : http_fetch(j, &doc, err);
	if (rc == CA_OK && doc.len > CA_JWKS_DOC_MAX)
		rc = ca_err_set(err, CA_ERANGE, "The user pool's key set is over %d bytes.",
				CA_JWKS_DOC_MAX);
	if (rc == CA_OK)
		rc = parse_set(j->url, doc.data, doc.len, fresh, &n, err);
	if (rc == CA_OK) {
		free_keys(j->keys, j->n_keys);
		memcpy(j->keys, fresh, sizeof(fresh));
		j->n_keys = n;
	}
	ca_buf_release(&doc);
	return rc;
}

static EVP_PKEY *find(struct ca_jwks *j, const char *kid)
{
	size_t i;

	for (i = 0; i < j->n_keys; i++)
		if (strcmp(j->keys[i].kid, kid) == 0)
			return j->keys[i].key;
	return NULL;
}

int ca_jwks_key(void *ctx, const char *kid, EVP_PKEY **key, struct ca_err *err)
{
	struct ca_jwks *j = ctx;
	EVP_PKEY *found;
	int rc = CA_OK;

	*key = NULL;
	pthread_mutex_lock(&j->lock);
	found = find(j, kid);
	if (!found && (!j->fetched || j->clock() - j->last_fetch >= j->min_refresh_s)) {
		struct ca_err fetch_err;

		ca_err_clear(&fetch_err);
		rc = refresh(j, &fetch_err);
		if (rc != CA_OK) {
			ca_err_set(err, rc, "%s", ca_err_msg(&fetch_err));
			goto out;
		}
		found = find(j, kid);
	}
	if (!found) {
		rc = ca_err_set(err, CA_ENOTFOUND, "The user pool publishes no key with that id.");
		goto out;
	}
	if (EVP_PKEY_up_ref(found) != 1) {
		rc = ca_err_set(err, CA_ENOMEM, "OpenSSL could not share a key.");
		goto out;
	}
	*key = found;
out:
	pthread_mutex_unlock(&j->lock);
	return rc;
}

unsigned long ca_jwks_fetch_count(struct ca_jwks *j)
{
	unsigned long n;

	pthread_mutex_lock(&j->lock);
	n = j->fetch_count;
	pthread_mutex_unlock(&j->lock);
	return n;
}

int ca_jwks_new(const struct ca_jwks_options *opt, struct ca_jwks **out, struct ca_err *err)
{
	struct ca_jwks *j = NULL;
	int rc;

	*out = NULL;
	if (!opt || !opt->url ||
	    !(ca_starts_with(opt->url, "https://") || ca_starts_with(opt->url, "http://")))
		return ca_err_set(err, CA_EINVAL, "auth.jwks_url must be an http:// or https:// URL.");
	j = calloc(1, sizeof(*j));
	if (!j)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	if (pthread_mutex_init(&j->lock, NULL) != 0) {
		free(j);
		return ca_err_set(err, CA_ENOMEM, "Could not create a lock for the key set.");
	}
	j->url = ca_strdup(opt->url);
	j->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : CA_JWKS_DEFAULT_TIMEOUT_MS;
	j->min_refresh_s = opt->min_refresh_s > 0 ? opt->min_refresh_s
						  : CA_JWKS_DEFAULT_MIN_REFRESH_S;
	j->fetch = opt->fetch;
	j->fetch_ctx = opt->fetch_ctx;
	j->clock = opt->clock ? opt->clock : wall_clock;
	if (!j->url) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto fail;
	}
	if (!j->fetch) {
		struct aws_http_options h = { 0 };

		h.connect_timeout_ms = j->timeout_ms < AWS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS
					       ? j->timeout_ms : AWS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
		h.timeout_ms = j->timeout_ms;
		h.max_body = CA_JWKS_DOC_MAX;
		j->http = aws_http_new(&h, err);
		if (!j->http) {
			rc = CA_ENOMEM;
			goto fail;
		}
	}
	*out = j;
	return CA_OK;
fail:
	ca_jwks_free(j);
	return rc;
}

void ca_jwks_free(struct ca_jwks *j)
{
	if (!j)
		return;
	free_keys(j->keys, j->n_keys);
	aws_http_free(j->http);
	free(j->url);
	pthread_mutex_destroy(&j->lock);
	free(j);
}
