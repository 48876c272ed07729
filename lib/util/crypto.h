/*
 * crypto.h — the few primitives the toolkit needs, on OpenSSL 3.
 * All outputs go into caller-provided arrays; nothing is allocated.
 */
#ifndef CA_CRYPTO_H
#define CA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CA_SHA256_LEN 32

/* SHA-256 of data into out. Thread-safe (one reused digest context per thread, freed
 * when the thread ends). Never fails. */
void ca_sha256(const void *data, size_t len, uint8_t out[CA_SHA256_LEN]);
/* HMAC-SHA256 (RFC 2104) of data under key into out. Thread-safe; when OpenSSL cannot
 * hash (out of memory) out is all zeros, which matches no real MAC. */
void ca_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[CA_SHA256_LEN]);
/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void ca_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decodes hex (either case) into out; returns false on odd length or bad digit. */
bool ca_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap, size_t *out_len);
/* Constant-time comparison of equal-length buffers; false when lengths differ. */
bool ca_consttime_eq(const void *a, size_t a_len, const void *b, size_t b_len);
/* Cryptographically secure random bytes; CA_OK or CA_EIO. */
int ca_random_bytes(void *out, size_t len);

#endif
