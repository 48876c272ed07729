/*
 * jwt.c — RS256 JWT verification (see jwt.h for the order of checks).
 */
#include "auth/jwt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "http/urlcode.h"
#include "util/banned.h"

#define MIN_RSA_BITS 2048

static int bad(struct ca_err *err, const char *why)
{
	return ca_err_set(err, CA_AUTH_BAD_TOKEN, "The sign-in token was refused: %s.", why);
}

bool ca_jwt_b64url_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return n > 0;
}

/* Decodes s[0..n) into a fresh buffer (*out, NUL-terminated, caller frees) of at most cap bytes. */
static int decode_part(const char *s, size_t n, size_t cap, uint8_t **out, size_t *out_len,
		       const char *what, struct ca_err *err)
{
	uint8_t *buf;

	*out = NULL;
	if (!ca_jwt_b64url_text(s, n))
		return ca_err_set(err, CA_AUTH_BAD_TOKEN,
				  "The sign-in token was refused: its %s is not base64url.", what);
	buf = malloc(cap + 1);
	if (!buf)
		return ca_err_set(err, CA_ENOMEM, "Out of memory checking a sign-in token.");
	if (!ca_base64url_decode(s, n, buf, cap, out_len)) {
		free(buf);
		return ca_err_set(err, CA_AUTH_BAD_TOKEN,
				  "The sign-in token was refused: its %s is not valid base64url "
				  "or is too large.", what);
	}
	buf[*out_len] = '\0';
	*out = buf;
	return CA_OK;
}

static int parse_object(const uint8_t *text, size_t len, json_t **out, const char *what,
			struct ca_err *err)
{
	json_error_t jerr;

	*out = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*out && json_is_object(*out))
		return CA_OK;
	json_decref(*out);
	*out = NULL;
	return ca_err_set(err, CA_AUTH_BAD_TOKEN,
			  "The sign-in token was refused: its %s is not a JSON object.", what);
}

/* Checks the header and copies its kid into kid[CA_JWT_KID_MAX + 1]. */
static int check_header(const json_t *hdr, char *kid, struct ca_err *err)
{
	const json_t *alg = json_object_get(hdr, "alg");
	const json_t *k = json_object_get(hdr, "kid");
	const json_t *typ = json_object_get(hdr, "typ");

	if (!json_is_string(alg))
		return bad(err, "its header names no algorithm");
	if (strcmp(json_string_value(alg), "RS256") != 0 || json_string_length(alg) != 5)
		return bad(err, "only RS256 signatures are accepted");
	if (json_object_get(hdr, "crit"))
		return bad(err, "its header has critical extensions we do not know");
	if (typ && (!json_is_string(typ) || strcmp(json_string_value(typ), "JWT") != 0))
		return bad(err, "its header says it is not a JWT");
	if (!json_is_string(k) || json_string_length(k) == 0 ||
	    json_string_length(k) > CA_JWT_KID_MAX ||
	    strlen(json_string_value(k)) != json_string_length(k))
		return bad(err, "its header has no usable key id");
	memcpy(kid, json_string_value(k), json_string_length(k) + 1);
	return CA_OK;
}

static int check_signature(EVP_PKEY *key, const char *signed_part, size_t signed_len,
			   const uint8_t *sig, size_t sig_len, struct ca_err *err)
{
	EVP_MD_CTX *md = NULL;
	int rc, ok;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < MIN_RSA_BITS)
		return bad(err, "its key is not an RSA key of at least 2048 bits");
	if (sig_len != (size_t)EVP_PKEY_get_size(key))
		return bad(err, "its signature has the wrong length");
	md = EVP_MD_CTX_new();
	if (!md)
		return ca_err_set(err, CA_ENOMEM, "Out of memory checking a sign-in token.");
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)signed_part, signed_len) == 1;
	rc = ok ? CA_OK : bad(err, "its signature does not verify");
	EVP_MD_CTX_free(md);
	return rc;
}

/* A NumericDate claim: absent (*present false), or a number within int64 range. */
static bool numeric_claim(const json_t *claims, const char *name, bool *present, int64_t *out)
{
	const json_t *v = json_object_get(claims, name);
	double d;

	*present = v != NULL;
	*out = 0;
	if (!v)
		return true;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	d = json_real_value(v);
	if (!(d > -9.0e15 && d < 9.0e15))
		return false;
	*out = (int64_t)d;
	return true;
}

static bool string_claim_is(const json_t *claims, const char *name, const char *want)
{
	const json_t *v = json_object_get(claims, name);

	return json_is_string(v) && strlen(want) == json_string_length(v) &&
	       strcmp(json_string_value(v), want) == 0;
}

static bool audience_ok(const json_t *claims, const char *client_id)
{
	const json_t *aud = json_object_get(claims, "aud");
	size_t i;

	if (json_is_string(aud))
		return string_claim_is(claims, "aud", client_id);
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return false;
	for (i = 0; i < json_array_size(aud); i++) {
		const json_t *a = json_array_get(aud, i);

		if (json_is_string(a) && strlen(client_id) == json_string_length(a) &&
		    strcmp(json_string_value(a), client_id) == 0)
			return true;
	}
	return false;
}

static int check_claims(const json_t *claims, const struct ca_jwt_expect *x, struct ca_err *err)
{
	int64_t exp, nbf, iat;
	bool has_exp, has_nbf, has_iat;

	if (!numeric_claim(claims, "exp", &has_exp, &exp) || !has_exp)
		return bad(err, "it has no valid expiry time");
	if (!numeric_claim(claims, "nbf", &has_nbf, &nbf) ||
	    !numeric_claim(claims, "iat", &has_iat, &iat))
		return bad(err, "its nbf or iat time is not a number");
	if (x->now > exp && x->now - exp > x->leeway_s)
		return bad(err, "it has expired; sign in again");
	if (has_nbf && nbf > x->now && nbf - x->now > x->leeway_s)
		return bad(err, "it is not valid yet");
	if (has_iat && iat > x->now && iat - x->now > x->leeway_s)
		return bad(err, "it was issued in the future");
	if (!string_claim_is(claims, "iss", x->issuer))
		return bad(err, "it was issued by another user pool");
	if (!string_claim_is(claims, "token_use", x->token_use))
		return bad(err, "it is not the kind of token expected here");
	if (strcmp(x->token_use, "access") == 0) {
		if (!string_claim_is(claims, "client_id", x->client_id))
			return bad(err, "it was issued to another app client");
	} else if (!audience_ok(claims, x->client_id)) {
		return bad(err, "it was issued to another app client");
	}
	return CA_OK;
}

int ca_jwt_verify(const char *token, ca_jwt_key_fn keys, void *keys_ctx,
		  const struct ca_jwt_expect *expect, json_t **claims, struct ca_err *err)
{
	const char *dot1, *dot2;
	size_t len;
	uint8_t *hdr_text = NULL, *payload_text = NULL, *sig = NULL;
	size_t hdr_len = 0, payload_len = 0, sig_len = 0;
	json_t *hdr = NULL, *payload = NULL;
	EVP_PKEY *key = NULL;
	char kid[CA_JWT_KID_MAX + 1];
	struct ca_err key_err;
	int rc;

	*claims = NULL;
	if (!expect || !expect->issuer || !expect->client_id || !expect->token_use ||
	    expect->leeway_s < 0 || !keys)
		return ca_err_set(err, CA_EINVAL, "Token checking is not configured (issuer, "
				  "client id and token use are needed).");
	if (!token)
		return bad(err, "there is none");
	len = strnlen(token, CA_JWT_MAX + 1);
	if (len > CA_JWT_MAX)
		return bad(err, "it is too long");
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return bad(err, "it does not have three parts");

	rc = decode_part(token, (size_t)(dot1 - token), CA_JWT_HEADER_MAX, &hdr_text, &hdr_len,
			 "header", err);
	if (rc != CA_OK)
		goto out;
	rc = parse_object(hdr_text, hdr_len, &hdr, "header", err);
	if (rc != CA_OK)
		goto out;
	rc = check_header(hdr, kid, err);
	if (rc != CA_OK)
		goto out;
	rc = decode_part(dot2 + 1, len - (size_t)(dot2 + 1 - token), CA_JWT_MAX, &sig, &sig_len,
			 "signature", err);
	if (rc != CA_OK)
		goto out;
	ca_err_clear(&key_err);
	rc = keys(keys_ctx, kid, &key, &key_err);
	if (rc == CA_ENOTFOUND || (rc == CA_OK && !key)) {
		rc = bad(err, "it was signed with a key the user pool does not publish");
		goto out;
	}
	if (rc != CA_OK) {
		ca_err_set(err, rc, "%s", ca_err_msg(&key_err));
		goto out;
	}
	rc = check_signature(key, token, (size_t)(dot2 - token), sig, sig_len, err);
	if (rc != CA_OK)
		goto out;
	rc = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1), CA_JWT_MAX, &payload_text,
			 &payload_len, "payload", err);
	if (rc != CA_OK)
		goto out;
	rc = parse_object(payload_text, payload_len, &payload, "payload", err);
	if (rc != CA_OK)
		goto out;
	rc = check_claims(payload, expect, err);
	if (rc != CA_OK)
		goto out;
	*claims = payload;
	payload = NULL;
out:
	EVP_PKEY_free(key);
	json_decref(hdr);
	json_decref(payload);
	free(hdr_text);
	free(payload_text);
	free(sig);
	return rc;
}
