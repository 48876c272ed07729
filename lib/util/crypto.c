#include "util/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "util/error.h"
#include "util/strutil.h"
#include "util/banned.h"

void ca_sha256(const void *data, size_t len, uint8_t out[CA_SHA256_LEN])
{
	unsigned int n = CA_SHA256_LEN;

	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void ca_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[CA_SHA256_LEN])
{
	unsigned int n = CA_SHA256_LEN;

	HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n);
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
