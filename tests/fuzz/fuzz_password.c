/*
 * libFuzzer target: reading stored werkzeug password hashes (ca_password_verify and
 * ca_password_needs_rehash). The input is "stored\npassword".
 *
 * A well-formed hash makes the verifier run the KDF for real, so the harness keeps
 * every exec cheap: it passes on only hashes whose cost it can bound from the method
 * text, pbkdf2 with an explicit count of at most 1000 and scrypt with explicit small
 * parameters. Count-less pbkdf2 and bare "scrypt" (werkzeug's expensive defaults)
 * still go through ca_password_needs_rehash, which only parses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FUZZ_ITERATIONS 1000u
#define MAX_FUZZ_SCRYPT_WORK 4096u   /* n * r * p */

/* The value of a run of digits, saturating; -1 when s[0..n) is not all digits. */
static long long digits_value(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < 1000000000LL)
			v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * true when verifying `stored` costs at most a few milliseconds: fields of the method
 * (the part before the first '$') split at ':'. A field that is not a number makes
 * the parser refuse the hash before any KDF runs, so it is cheap too.
 */
static bool cheap_to_verify(const char *stored)
{
	const char *dollar = strchr(stored, '$'), *p = stored;
	long long f[4] = { 0, 0, 0, 0 };
	size_t nf = 0;
	bool pbkdf2, scrypt;

	if (!dollar)
		return true;
	pbkdf2 = !strncmp(stored, "pbkdf2", 6) && (stored[6] == ':' || stored[6] == '$');
	scrypt = !strncmp(stored, "scrypt", 6) && (stored[6] == ':' || stored[6] == '$');
	if (!pbkdf2 && !scrypt)
		return true;
	while (p < dollar && nf < 4) {
		const char *colon = memchr(p, ':', (size_t)(dollar - p));
		const char *e = colon ? colon : dollar;

		f[nf++] = digits_value(p, (size_t)(e - p));
		p = colon ? colon + 1 : dollar;
	}
	if (pbkdf2)
		return nf == 3 && f[2] <= (long long)MAX_FUZZ_ITERATIONS;
	if (nf != 4)
		return nf > 4 || nf == 2 || nf == 3; /* refused before any work */
	if (f[1] < 0 || f[2] < 0 || f[3] < 0)
		return true;
	return f[1] <= (long long)MAX_FUZZ_SCRYPT_WORK && f[2] <= (long long)MAX_FUZZ_SCRYPT_WORK &&
	       f[3] <= (long long)MAX_FUZZ_SCRYPT_WORK &&
	       f[1] * f[2] * f[3] <= (long long)MAX_FUZZ_SCRYPT_WORK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t stored_len = nl ? (size_t)(nl - data) : size;
	size_t pw_len = nl ? size - stored_len - 1 : 0;
	char *stored = malloc(stored_len + 1), *password = malloc(pw_len + 1);
	struct ca_err err;
	int rc;

	if (!stored || !password)
		abort();
	memcpy(stored, data, stored_len);
	stored[stored_len] = '\0';
	if (pw_len)
		memcpy(password, nl + 1, pw_len);
	password[pw_len] = '\0';
	ca_password_needs_rehash(stored);
	if (cheap_to_verify(stored)) {
		ca_err_clear(&err);
		rc = ca_password_verify(stored, password, &err);
		if (rc != CA_OK && rc != CA_AUTH_MISMATCH && rc != CA_AUTH_BAD_HASH &&
		    rc != CA_EINVAL)
			abort();
		if (rc != CA_OK && !err.msg[0])
			abort();
	}
	free(stored);
	free(password);
	return 0;
}
