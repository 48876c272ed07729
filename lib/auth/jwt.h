/*
 * jwt.h — verifying the RS256 JSON Web Tokens a Cognito user pool issues
 * (id and access tokens), on OpenSSL 3.
 *
 * A token passes only when all of these hold, checked in this order:
 *   - it is at most CA_JWT_MAX bytes of "<header>.<payload>.<signature>", each
 *     part non-empty base64url without padding;
 *   - the header is a JSON object whose alg is exactly "RS256" (so "none",
 *     "HS256" with the public key as the secret, and every other algorithm are
 *     refused before any key is touched), with a string kid, and no "crit";
 *   - the key source knows kid, the key is RSA of at least 2048 bits, and the
 *     RSASSA-PKCS1-v1_5 SHA-256 signature over "<header>.<payload>" verifies;
 *   - only then is the payload parsed: a JSON object with numeric exp (not past,
 *     within the leeway), optional nbf/iat (not in the future beyond it),
 *     iss equal to the expected issuer, token_use equal to the expected use,
 *     and the audience: aud == client_id for id tokens, client_id == client_id
 *     for access tokens.
 * Every failure of the token itself is CA_AUTH_BAD_TOKEN with a sentence that
 * names the check (never the token). Failures of the key source (the JWKS could
 * not be fetched) keep the source's code, so callers can tell "bad token" (401)
 * from "cannot check tokens right now" (5xx).
 */
#ifndef CA_AUTH_JWT_H
#define CA_AUTH_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/error.h"

/* Largest token looked at; Cognito's are 1-4 KiB. */
#define CA_JWT_MAX (16 * 1024)
/* Largest decoded header accepted. */
#define CA_JWT_HEADER_MAX 1024
/* Longest kid accepted. */
#define CA_JWT_KID_MAX 256
/* The clock difference tolerated on exp/nbf/iat, when the caller has no opinion. */
#define CA_JWT_DEFAULT_LEEWAY 60

/*
 * Where keys come from. On CA_OK *key is a new reference the verifier frees
 * (EVP_PKEY_free). CA_ENOTFOUND when kid is unknown (the token is refused);
 * any other code is the source's own failure and is passed on.
 */
typedef int (*ca_jwt_key_fn)(void *ctx, const char *kid, EVP_PKEY **key, struct ca_err *err);

/* What the token must say. All strings are required (borrowed). */
struct ca_jwt_expect {
	const char *issuer;     /* https://cognito-idp.<region>.amazonaws.com/<pool id> */
	const char *client_id;  /* the app client */
	const char *token_use;  /* "id" or "access" */
	int64_t now;            /* unix seconds */
	long leeway_s;          /* >= 0 */
};

/*
 * Verifies token (NUL-terminated) as above. On CA_OK *claims is the payload
 * object (json_decref it); on error *claims is NULL and the code is
 * CA_AUTH_BAD_TOKEN, CA_EINVAL (expect incomplete), CA_ENOMEM, or the key
 * source's code.
 */
int ca_jwt_verify(const char *token, ca_jwt_key_fn keys, void *keys_ctx,
		  const struct ca_jwt_expect *expect, json_t **claims, struct ca_err *err);

/*
 * true when s[0..n) is non-empty base64url text without padding: only
 * A-Z, a-z, 0-9, '-' and '_'. Reads n bytes of s; no allocation.
 */
bool ca_jwt_b64url_text(const char *s, size_t n);

#endif
