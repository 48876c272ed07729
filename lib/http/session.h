/*
 * session.h — sessions held by the browser in a signed, expiring cookie, so
 * that any serve process with the same secret honours them (no server memory).
 *
 * Token: "v1.<base64url(payload)>.<expires, decimal unix seconds>.<base64url(mac)>"
 * where mac = HMAC-SHA256(key, everything before the last '.'), and key is
 * derived from the configured secret. Verification recomputes the mac and
 * compares in constant time before looking at anything else, then checks
 * expiry. The payload is the app's (a user id, or JSON); it is signed, not
 * encrypted: the browser can read it.
 */
#ifndef CA_HTTP_SESSION_H
#define CA_HTTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http/request.h"
#include "http/response.h"
#include "util/crypto.h"
#include "util/error.h"

#define CA_SESSION_COOKIE "session"
#define CA_SESSION_SECRET_MIN 16      /* bytes */
#define CA_SESSION_PAYLOAD_MAX 1024   /* bytes before encoding */
#define CA_SESSION_TOKEN_MAX 2048     /* longer cookies are refused unread */

struct ca_session_keys {
	uint8_t key[CA_SHA256_LEN];
	long lifetime_s;   /* how long an issued session lasts */
	bool secure;       /* cookies get Secure (base_url is https) */
};

/*
 * Derives the signing key from secret and notes whether base_url is https.
 * lifetime_s <= 0 means 7 days. CA_EINVAL (with a sentence naming
 * server.session_secret) when the secret is NULL or shorter than
 * CA_SESSION_SECRET_MIN bytes.
 */
int ca_session_keys_init(struct ca_session_keys *keys, const char *secret, const char *base_url,
			 long lifetime_s, struct ca_err *err);
/* Overwrites the key. NULL is accepted. */
void ca_session_keys_release(struct ca_session_keys *keys);

/*
 * Signs payload[0..len) to expire at `expires` into *token (malloc'd, the
 * caller frees). CA_ERANGE when len > CA_SESSION_PAYLOAD_MAX, CA_ENOMEM.
 */
int ca_session_sign(const struct ca_session_keys *keys, const void *payload, size_t len,
		    int64_t expires, char **token, struct ca_err *err);
/*
 * Verifies token at time now. On CA_OK, *payload receives the payload
 * (malloc'd, NUL-terminated, the caller frees; it may hold NUL bytes, see
 * *len) and *expires its expiry (either may be NULL). CA_AUTH_BAD_TOKEN for a
 * malformed, forged, tampered or expired token (*payload NULL), CA_ENOMEM.
 */
int ca_session_verify(const struct ca_session_keys *keys, const char *token, int64_t now,
		      char **payload, size_t *len, int64_t *expires, struct ca_err *err);

/*
 * Signs subject (a NUL-terminated string, e.g. the user id) to expire
 * lifetime_s after now and sets the session cookie on resp: HttpOnly,
 * SameSite=Lax, Path=/, Max-Age, Secure when keys->secure.
 */
int ca_session_issue(const struct ca_session_keys *keys, struct ca_http_response *resp,
		     const char *subject, int64_t now, struct ca_err *err);
/*
 * The subject of the request's valid session cookie into *subject (malloc'd,
 * the caller frees). CA_AUTH_BAD_TOKEN when there is none, or it is invalid or
 * expired, or the subject holds a NUL.
 */
int ca_session_read(const struct ca_session_keys *keys, const struct ca_http_request *req,
		    int64_t now, char **subject, struct ca_err *err);
/* Sets a cookie that deletes the session cookie (sign out). */
int ca_session_clear(const struct ca_session_keys *keys, struct ca_http_response *resp);

#endif
