#include "auth/password.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

#define MAX_PASSWORD_BYTES 4096
#define MAX_DK_LEN 64
#define SCRYPT_DK_LEN 64
#define MAX_METHOD_LEN 64

/* Every default werkzeug has shipped for pbkdf2, newest first (see password.h). */
static const long werkzeug_default_iterations[] = { 1000000, 600000, 260000, 150000, 50000, 1000 };

enum kdf_kind { KDF_PBKDF2, KDF_SCRYPT };

/* A stored hash taken apart; the pointers point into the stored string. */
struct parsed_hash {
	enum kdf_kind kind;
	const EVP_MD *md;
	long iterations;        /* 0: not given, try werkzeug's defaults */
	uint64_t n;
	uint64_t r;
	uint64_t p;
	const char *salt;
	size_t salt_len;
	const char *hex;
	size_t hex_len;
	size_t dk_len;
};

static const EVP_MD *digest_by_name(const char *name)
{
	if (!strcmp(name, "sha1"))
		return EVP_sha1();
	if (!strcmp(name, "sha224"))
		return EVP_sha224();
	if (!strcmp(name, "sha256"))
		return EVP_sha256();
	if (!strcmp(name, "sha384"))
		return EVP_sha384();
	if (!strcmp(name, "sha512"))
		return EVP_sha512();
	return NULL;
}

/* A whole run of decimal digits (no sign, no spaces) as an unsigned value. */
static bool parse_count(const char *s, uint64_t *out)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > 18)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return ca_parse_u64(s, out);
}

/* Splits method (a copy the caller owns) at ':' into at most max fields. */
static size_t split_method(char *method, char **fields, size_t max)
{
	size_t n = 0;
	char *p = method;

	for (;;) {
		char *colon = strchr(p, ':');

		if (n == max)
			return max + 1; /* too many */
		fields[n++] = p;
		if (!colon)
			return n;
		*colon = '\0';
		p = colon + 1;
	}
}

static int parse_pbkdf2(char **fields, size_t nfields, struct parsed_hash *h, struct ca_err *err)
{
	const char *md_name = nfields >= 2 ? fields[1] : "sha256";
	uint64_t count = 0;

	h->kind = KDF_PBKDF2;
	if (nfields > 3)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash has too many pbkdf2 parameters.");
	h->md = digest_by_name(md_name);
	if (!h->md)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash uses a pbkdf2 digest this toolkit does not support.");
	h->iterations = 0;
	if (nfields == 3) {
		if (!parse_count(fields[2], &count) || count < 1)
			return ca_err_set(err, CA_AUTH_BAD_HASH,
					  "The stored password hash has a malformed iteration count.");
		if (count > (uint64_t)CA_PASSWORD_MAX_PBKDF2_ITERATIONS)
			return ca_err_set(err, CA_AUTH_BAD_HASH,
					  "The stored password hash asks for more than %ld pbkdf2 iterations; it was refused.",
					  CA_PASSWORD_MAX_PBKDF2_ITERATIONS);
		h->iterations = (long)count;
	}
	h->dk_len = (size_t)EVP_MD_get_size(h->md);
	return CA_OK;
}

static int parse_scrypt(char **fields, size_t nfields, struct parsed_hash *h, struct ca_err *err)
{
	h->kind = KDF_SCRYPT;
	h->dk_len = SCRYPT_DK_LEN;
	if (nfields == 1) {
		h->n = 32768;
		h->r = 8;
		h->p = 1;
		return CA_OK;
	}
	if (nfields != 4 || !parse_count(fields[1], &h->n) || !parse_count(fields[2], &h->r) ||
	    !parse_count(fields[3], &h->p))
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored scrypt password hash needs exactly three numbers n:r:p.");
	if (h->n < 2 || (h->n & (h->n - 1)) || h->r < 1 || h->p < 1)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored scrypt password hash has impossible parameters (n must be a power of two above 1).");
	if (h->n > (uint64_t)CA_PASSWORD_MAX_SCRYPT_MEM / 128 / h->r ||
	    h->n * h->r > (uint64_t)CA_PASSWORD_MAX_SCRYPT_WORK / h->p)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored scrypt password hash asks for more memory or work than this toolkit allows; it was refused.");
	return CA_OK;
}

static bool is_lower_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int parse_hash(const char *stored, struct parsed_hash *h, struct ca_err *err)
{
	char method[MAX_METHOD_LEN];
	char *fields[4];
	const char *d1, *d2;
	size_t nfields, method_len;
	int rc;

	memset(h, 0, sizeof(*h));
	if (!stored || strnlen(stored, CA_PASSWORD_MAX_STORED + 1) > CA_PASSWORD_MAX_STORED)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash is missing or longer than %d characters.",
				  CA_PASSWORD_MAX_STORED);
	d1 = strchr(stored, '$');
	d2 = d1 ? strchr(d1 + 1, '$') : NULL;
	if (!d2)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash is not of the form method$salt$digest.");
	method_len = (size_t)(d1 - stored);
	if (method_len == 0 || method_len >= sizeof(method))
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash has an empty or overlong method.");
	memcpy(method, stored, method_len);
	method[method_len] = '\0';
	nfields = split_method(method, fields, 4);
	if (nfields > 4)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash has too many method parameters.");
	if (!strcmp(fields[0], "pbkdf2"))
		rc = parse_pbkdf2(fields, nfields, h, err);
	else if (!strcmp(fields[0], "scrypt"))
		rc = parse_scrypt(fields, nfields, h, err);
	else
		rc = ca_err_set(err, CA_AUTH_BAD_HASH,
				"The stored password hash uses a method other than pbkdf2 or scrypt.");
	if (rc)
		return rc;
	h->salt = d1 + 1;
	h->salt_len = (size_t)(d2 - d1 - 1);
	h->hex = d2 + 1;
	h->hex_len = strlen(h->hex);
	if (h->salt_len == 0 || h->salt_len > CA_PASSWORD_MAX_SALT)
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash has an empty or overlong salt.");
	if (h->hex_len != 2 * h->dk_len || !is_lower_hex(h->hex, h->hex_len))
		return ca_err_set(err, CA_AUTH_BAD_HASH,
				  "The stored password hash's digest is not %zu lowercase hex digits.",
				  2 * h->dk_len);
	return CA_OK;
}

/* The work done by this process (ca_password_work): derivations, PBKDF2 iterations. */
static _Atomic uint64_t work_derivations, work_iterations;

static void count_work(long iterations)
{
	atomic_fetch_add(&work_derivations, 1);
	if (iterations > 0)
		atomic_fetch_add(&work_iterations, (uint64_t)iterations);
}

void ca_password_work(uint64_t *derivations, uint64_t *pbkdf2_iterations)
{
	if (derivations)
		*derivations = atomic_load(&work_derivations);
	if (pbkdf2_iterations)
		*pbkdf2_iterations = atomic_load(&work_iterations);
}

static int derive(const struct parsed_hash *h, long iterations, const char *password,
		  size_t password_len, uint8_t *dk, struct ca_err *err)
{
	int ok;

	count_work(h->kind == KDF_PBKDF2 ? iterations : 0);
	if (h->kind == KDF_PBKDF2) {
		ok = PKCS5_PBKDF2_HMAC(password, (int)password_len, (const unsigned char *)h->salt,
				       (int)h->salt_len, (int)iterations, h->md, (int)h->dk_len, dk);
	} else {
		/* OpenSSL needs 128*r*(n+2) for V plus 128*r*p for B; a little slack on top */
		uint64_t maxmem = 128 * h->r * (h->n + 2) + 128 * h->r * h->p + 65536;

		ok = EVP_PBE_scrypt(password, password_len, (const unsigned char *)h->salt,
				    h->salt_len, h->n, h->r, h->p, maxmem, dk, h->dk_len);
	}
	if (ok != 1)
		return ca_err_set(err, CA_EIO, "Computing the password hash failed inside OpenSSL.");
	return CA_OK;
}

static int check_password_input(const char *password, size_t *len, struct ca_err *err)
{
	if (!password)
		return ca_err_set(err, CA_EINVAL, "No password was given.");
	*len = strnlen(password, MAX_PASSWORD_BYTES + 1);
	if (*len > MAX_PASSWORD_BYTES)
		return ca_err_set(err, CA_EINVAL, "The password is longer than %d bytes.",
				  MAX_PASSWORD_BYTES);
	return CA_OK;
}

int ca_password_verify(const char *stored, const char *password, struct ca_err *err)
{
	struct parsed_hash h;
	uint8_t dk[MAX_DK_LEN];
	char hex[2 * MAX_DK_LEN + 1];
	size_t password_len = 0, i, ntries;
	int rc;

	rc = check_password_input(password, &password_len, err);
	if (rc)
		goto out;
	rc = parse_hash(stored, &h, err);
	if (rc)
		goto out;
	ntries = (h.kind == KDF_PBKDF2 && h.iterations == 0)
			 ? sizeof(werkzeug_default_iterations) / sizeof(werkzeug_default_iterations[0])
			 : 1;
	rc = CA_AUTH_MISMATCH;
	for (i = 0; i < ntries; i++) {
		long iterations = h.iterations ? h.iterations : werkzeug_default_iterations[i];
		int drc = derive(&h, iterations, password, password_len, dk, err);

		if (drc) {
			rc = drc;
			goto out;
		}
		ca_hex_encode(dk, h.dk_len, hex);
		if (ca_consttime_eq(hex, 2 * h.dk_len, h.hex, h.hex_len)) {
			rc = CA_OK;
			goto out;
		}
	}
	ca_err_set(err, CA_AUTH_MISMATCH, "The password does not match.");
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

/* Salt characters as werkzeug uses them, drawn without modulo bias. */
static int make_salt(char *out, size_t len, struct ca_err *err)
{
	static const char alphabet[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t pool[64];
	size_t filled = 0, i;

	while (filled < len) {
		if (ca_random_bytes(pool, sizeof(pool)) != CA_OK)
			return ca_err_set(err, CA_EIO, "The system random number generator failed.");
		for (i = 0; i < sizeof(pool) && filled < len; i++)
			if (pool[i] < 62 * 4)
				out[filled++] = alphabet[pool[i] % 62];
	}
	out[len] = '\0';
	return CA_OK;
}

int ca_password_hash_with(const char *password, long iterations, size_t salt_len, char **out,
			  struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	uint8_t dk[CA_SHA256_LEN];
	char hex[2 * CA_SHA256_LEN + 1];
	char salt[65];
	size_t password_len = 0;
	int rc;

	*out = NULL;
	rc = check_password_input(password, &password_len, err);
	if (rc)
		goto out;
	if (iterations < 1000 || iterations > CA_PASSWORD_MAX_PBKDF2_ITERATIONS || salt_len < 8 ||
	    salt_len > 64) {
		rc = ca_err_set(err, CA_EINVAL,
				"Password hash parameters out of range (iterations 1000..%ld, salt 8..64).",
				CA_PASSWORD_MAX_PBKDF2_ITERATIONS);
		goto out;
	}
	rc = make_salt(salt, salt_len, err);
	if (rc)
		goto out;
	count_work(iterations);
	if (PKCS5_PBKDF2_HMAC(password, (int)password_len, (const unsigned char *)salt,
			      (int)salt_len, (int)iterations, EVP_sha256(), sizeof(dk), dk) != 1) {
		rc = ca_err_set(err, CA_EIO, "Computing the password hash failed inside OpenSSL.");
		goto out;
	}
	ca_hex_encode(dk, sizeof(dk), hex);
	ca_buf_addf(&b, "pbkdf2:sha256:%ld$%s$%s", iterations, salt, hex);
	*out = ca_buf_detach(&b, NULL);
	if (!*out)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory while hashing a password.");
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(hex, sizeof(hex));
	ca_buf_release(&b);
	return rc;
}

int ca_password_hash(const char *password, char **out, struct ca_err *err)
{
	return ca_password_hash_with(password, CA_PASSWORD_ITERATIONS, CA_PASSWORD_SALT_LEN, out,
				     err);
}

int ca_password_verify_nobody(const char *password, struct ca_err *err)
{
	/* a well-formed hash of what ca_password_hash() writes, matching no password */
	static const char dummy[] = "pbkdf2:sha256:600000$CloudAlbum00$"
				    "0000000000000000000000000000000000000000000000000000000000000000";
	int rc = ca_password_verify(dummy, password, NULL);

	if (rc == CA_OK || rc == CA_AUTH_MISMATCH)
		return ca_err_set(err, CA_AUTH_MISMATCH, "The password does not match.");
	return ca_err_set(err, rc, "Checking a password failed.");
}

bool ca_password_needs_rehash(const char *stored)
{
	struct parsed_hash h;

	if (parse_hash(stored, &h, NULL) != CA_OK || h.kind != KDF_PBKDF2)
		return false;
	return h.md != EVP_sha256() || h.iterations < CA_PASSWORD_ITERATIONS;
}
