/*
 * password.h — werkzeug-compatible password hashes.
 *
 * Reads every form werkzeug's check_password_hash() accepts for the pbkdf2 and
 * scrypt methods:
 *   pbkdf2:<digest>:<iterations>$<salt>$<hex>   digest sha1, sha224, sha256, sha384, sha512
 *   pbkdf2:<digest>$<salt>$<hex>                 no count: werkzeug's version default
 *   pbkdf2$<salt>$<hex>                          sha256, version default
 *   scrypt:<n>:<r>:<p>$<salt>$<hex>              64-byte key
 *   scrypt$<salt>$<hex>                          n=32768 r=8 p=1
 * The salt is used as its UTF-8 bytes, the hex digest is lowercase, as werkzeug
 * writes them.
 *
 * No werkzeug version ever wrote a pbkdf2 hash without its count, so which default
 * applies is unknowable; a count-less hash is tried against each default werkzeug
 * has shipped (newest first: 1000000, 600000, 260000, 150000, 50000, 1000).
 *
 * Writes pbkdf2:sha256:600000$<12-character salt>$<hex>, 98 characters, so that
 * it fits the legacy User.password VARCHAR(100) and the seed application (any
 * werkzeug since 0.9) can check it.
 *
 * A stored hash is data from a database, so its cost parameters are capped:
 * more than CA_PASSWORD_MAX_PBKDF2_ITERATIONS iterations, or scrypt needing more
 * than CA_PASSWORD_MAX_SCRYPT_MEM bytes or CA_PASSWORD_MAX_SCRYPT_WORK, is
 * refused at once with CA_AUTH_BAD_HASH instead of being computed.
 */
#ifndef CA_AUTH_PASSWORD_H
#define CA_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define CA_PASSWORD_ITERATIONS 600000          /* what ca_password_hash() writes */
#define CA_PASSWORD_SALT_LEN 12                /* characters from [A-Za-z0-9] */
#define CA_PASSWORD_LEGACY_MAX 100             /* the legacy column's width */
#define CA_PASSWORD_MAX_PBKDF2_ITERATIONS 2000000L
#define CA_PASSWORD_MAX_SCRYPT_MEM (128L * 1024 * 1024) /* 128 * n * r bytes */
#define CA_PASSWORD_MAX_SCRYPT_WORK (1L << 22)          /* n * r * p */
#define CA_PASSWORD_MAX_STORED 1024            /* longest stored hash we read */
#define CA_PASSWORD_MAX_SALT 256               /* longest salt we read */

/*
 * Checks password against a stored werkzeug hash.
 * Returns CA_OK when it matches, CA_AUTH_MISMATCH when it does not,
 * CA_AUTH_BAD_HASH when stored is not a hash we can read (malformed, unknown
 * method or digest, parameters over the caps), CA_ENOMEM/CA_EIO on internal
 * failure. The comparison of digests is constant-time. Both strings are
 * NUL-terminated UTF-8; neither is logged or copied into err.
 */
int ca_password_verify(const char *stored, const char *password, struct ca_err *err);

/*
 * Hashes password as pbkdf2:sha256:CA_PASSWORD_ITERATIONS with a fresh random
 * salt of CA_PASSWORD_SALT_LEN characters. On CA_OK *out is a malloc'd string of
 * at most CA_PASSWORD_LEGACY_MAX characters that the caller frees; on error *out
 * is NULL.
 */
int ca_password_hash(const char *password, char **out, struct ca_err *err);

/*
 * Like ca_password_hash() with a chosen iteration count (1000 ..
 * CA_PASSWORD_MAX_PBKDF2_ITERATIONS) and salt length (8 .. 64). The result may be
 * longer than the legacy column allows; that is the caller's choice.
 * CA_EINVAL for parameters out of range.
 */
int ca_password_hash_with(const char *password, long iterations, size_t salt_len, char **out,
			  struct ca_err *err);

/*
 * The same work as checking password against a fresh hash of ca_password_hash()'s
 * kind, for an account that does not exist, so that an unknown account costs
 * what a known one does. Always CA_AUTH_MISMATCH (or CA_EINVAL for an over-long
 * password, CA_EIO inside OpenSSL, alike to ca_password_verify()).
 */
int ca_password_verify_nobody(const char *password, struct ca_err *err);

/*
 * The key derivations this process has computed so far (every verify try and
 * every hash) and the PBKDF2 iterations among them, into either pointer (may be
 * NULL). Thread-safe; for the server's health details and its tests, which
 * compare work done without timing it.
 */
void ca_password_work(uint64_t *derivations, uint64_t *pbkdf2_iterations);

/*
 * true when stored is readable but weaker than what ca_password_hash() writes
 * (pbkdf2 with sha1 or fewer iterations, or a count-less pbkdf2), so a caller that
 * has just verified the password may store a fresh hash. false for scrypt hashes,
 * for current ones, and for anything unreadable.
 */
bool ca_password_needs_rehash(const char *stored);

#endif
