#include "util/crypto.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/error.h"
#include "util/strutil.h"
#include "util/banned.h"

/*
 * SHA-256 fetched from OpenSSL's provider once per process: EVP_sha256() and HMAC()
 * look the algorithm up on every call, which cost more than the hashing of a signer's
 * short inputs. Kept for the life of the process.
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_md ? sha256_md : EVP_sha256();
}

/* One context per thread, reused: a new one per hash is a malloc and a free. */
static _Thread_local EVP_MD_CTX *thread_ctx;

/* Runs on the ending thread: a later hash in another destructor makes a new one. */
static void free_thread_ctx(void *ctx)
{
	EVP_MD_CTX_free(ctx);
	thread_ctx = NULL;
}

static pthread_key_t ctx_key;
static pthread_once_t ctx_key_once = PTHREAD_ONCE_INIT;
static bool ctx_key_ok;

static void make_ctx_key(void)
{
	ctx_key_ok = pthread_key_create(&ctx_key, free_thread_ctx) == 0;
}

static EVP_MD_CTX *md_ctx(void)
{
	if (!thread_ctx) {
		pthread_once(&ctx_key_once, make_ctx_key);
		if (!ctx_key_ok || !(thread_ctx = EVP_MD_CTX_new()))
			return NULL;
		pthread_setspecific(ctx_key, thread_ctx); /* freed when the thread ends */
	}
	return thread_ctx;
}

/* SHA-256 of the two parts a then b (b may be empty) into out; false on failure. */
static bool sha256_2(const void *a, size_t a_len, const void *b, size_t b_len,
		     uint8_t out[CA_SHA256_LEN])
{
	EVP_MD_CTX *ctx = md_ctx();
	unsigned int n = CA_SHA256_LEN;

	return ctx && EVP_DigestInit_ex(ctx, sha256(), NULL) &&
	       EVP_DigestUpdate(ctx, a, a_len) && (!b_len || EVP_DigestUpdate(ctx, b, b_len)) &&
	       EVP_DigestFinal_ex(ctx, out, &n);
}

void ca_sha256(const void *data, size_t len, uint8_t out[CA_SHA256_LEN])
{
	unsigned int n = CA_SHA256_LEN;

	if (!sha256_2(data, len, NULL, 0, out))
		EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

/* HMAC (RFC 2104) over SHA-256, whose block is 64 bytes. */
void ca_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[CA_SHA256_LEN])
{
	uint8_t k[64] = { 0 }, pad[64], inner[CA_SHA256_LEN];
	size_t i;

	if (key_len > sizeof(k))
		ca_sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	if (!sha256_2(pad, sizeof(pad), data, len, inner))
		memset(inner, 0, sizeof(inner));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	if (!sha256_2(pad, sizeof(pad), inner, sizeof(inner), out))
		memset(out, 0, CA_SHA256_LEN);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
}

void ca_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

bool ca_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	size_t i;

	if (hex_len % 2 || hex_len / 2 > out_cap)
		return false;
	for (i = 0; i < hex_len / 2; i++) {
		int hi = ca_hex_digit(hex[2 * i]), lo = ca_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (out_len)
		*out_len = hex_len / 2;
	return true;
}

bool ca_consttime_eq(const void *a, size_t a_len, const void *b, size_t b_len)
{
	if (a_len != b_len)
		return false;
	return CRYPTO_memcmp(a, b, a_len) == 0;
}

int ca_random_bytes(void *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? CA_OK : CA_EIO;
}
