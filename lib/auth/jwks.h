/*
 * jwks.h — the signing keys of a user pool: a JSON Web Key Set fetched over
 * HTTP(S) and cached, usable as the key source of ca_jwt_verify().
 *
 * The set is fetched on the first lookup (not at creation, so a server can
 * start while the pool's endpoint is briefly away). A lookup for a kid the
 * cached set lacks refetches the set, at most once per min_refresh_s (keys
 * rotate rarely; a flood of tokens with made-up kids costs one fetch a minute,
 * not one per request). Only RSA keys ("kty":"RSA", n and e, "use" absent or
 * "sig", "alg" absent or "RS256") are kept; other entries are skipped.
 * A cache is safe to share between threads; a fetch happens under its lock, so
 * concurrent lookups wait for it (bounded by the timeout).
 */
#ifndef CA_AUTH_JWKS_H
#define CA_AUTH_JWKS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "util/buf.h"
#include "util/error.h"

/* Largest JWKS document read. */
#define CA_JWKS_DOC_MAX (64 * 1024)
/* Most keys kept from one document. */
#define CA_JWKS_KEYS_MAX 16
#define CA_JWKS_DEFAULT_TIMEOUT_MS 5000L
#define CA_JWKS_DEFAULT_MIN_REFRESH_S 60L

/* Fetches the document into out (empty on entry), up to CA_JWKS_DOC_MAX bytes. */
typedef int (*ca_jwks_fetch_fn)(void *ctx, const char *url, struct ca_buf *out,
				struct ca_err *err);

struct ca_jwks_options {
	const char *url;           /* required: http(s)://.../.well-known/jwks.json */
	long timeout_ms;           /* whole fetch; 0: CA_JWKS_DEFAULT_TIMEOUT_MS */
	long min_refresh_s;        /* 0: CA_JWKS_DEFAULT_MIN_REFRESH_S */
	/* Tests: NULL means HTTP GET with the timeout above, and time(NULL). */
	ca_jwks_fetch_fn fetch;
	void *fetch_ctx;
	int64_t (*clock)(void);
};

struct ca_jwks;

/*
 * Creates an empty cache into *out (free with ca_jwks_free). Copies what it
 * needs from opt. CA_EINVAL when url is missing or not http(s), CA_ENOMEM.
 */
int ca_jwks_new(const struct ca_jwks_options *opt, struct ca_jwks **out, struct ca_err *err);

/* Frees the cache and its keys. NULL is accepted. */
void ca_jwks_free(struct ca_jwks *jwks);

/*
 * The key named kid (a ca_jwt_key_fn: ctx is the struct ca_jwks). On CA_OK *key
 * is a new reference (EVP_PKEY_free it). CA_ENOTFOUND when the set (refetched if
 * allowed) has no such key; CA_AWS_NETWORK / CA_AWS_TIMEOUT / CA_EPARSE when the
 * set could not be fetched or read and none is cached.
 */
int ca_jwks_key(void *jwks, const char *kid, EVP_PKEY **key, struct ca_err *err);

/* How many times the document was fetched (for tests and /healthz). */
unsigned long ca_jwks_fetch_count(struct ca_jwks *jwks);

/*
 * Builds an RSA public key from the big-endian modulus and exponent.
 * On CA_OK *out is the key (EVP_PKEY_free it). CA_EINVAL for a modulus under
 * 2048 or over 8192 bits or an unusable exponent, CA_ENOMEM.
 */
int ca_jwks_rsa_key(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
		    EVP_PKEY **out, struct ca_err *err);

#endif
