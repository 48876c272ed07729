/*
 * oauth.h — the client side of a Cognito hosted UI's OAuth 2.0
 * authorization-code grant (with OpenID Connect and PKCE), for
 * cloudalbum-serve's GET /login and GET /callback.
 *
 * One sign-in attempt is three random secrets: the state (ties the callback to
 * the browser that started it), the nonce (ties the id token to the attempt)
 * and the PKCE code verifier (only its S256 challenge leaves the server before
 * the code exchange, so a stolen code is useless without it). The server keeps
 * no memory of attempts: they travel in a short-lived, HttpOnly cookie signed
 * with a key derived from the session secret (a different key from the
 * session's, so neither kind of token can stand in for the other).
 *
 * Token exchange: POST <hosted_ui>/oauth2/token, HTTP Basic client_id and
 * client_secret (each form-encoded first, as RFC 6749 §2.3.1 says; Cognito's ids
 * and secrets are alphanumeric, so this changes nothing there), body
 * grant_type=authorization_code&code=&redirect_uri=&code_verifier= (client_id= too,
 * instead of the header, for a public client).
 * Bounded by a connect and a total timeout and a cap on the answer's size.
 * The id token that comes back is NOT verified here: the caller checks it
 * (signature, iss, aud, exp: auth/cognito_auth.h) and its nonce
 * (ca_oauth_check_nonce).
 */
#ifndef CA_AUTH_OAUTH_H
#define CA_AUTH_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http/session.h"
#include "util/error.h"

/* base64url text of 32 random bytes: each of state, nonce and code verifier. */
#define CA_OAUTH_SECRET_LEN 43
/* How long a started sign-in may take before its callback is refused. */
#define CA_OAUTH_ATTEMPT_TTL_S 600
/* The cookie carrying the sealed attempt; only sent to /callback. */
#define CA_OAUTH_ATTEMPT_COOKIE "oauth_attempt"
#define CA_OAUTH_ATTEMPT_COOKIE_PATH "/callback"
/* Longest authorization code accepted from a callback (Cognito's are 36 chars). */
#define CA_OAUTH_CODE_MAX 2048
/* Largest token endpoint answer read. */
#define CA_OAUTH_TOKEN_RESPONSE_MAX (64 * 1024)
#define CA_OAUTH_DEFAULT_TIMEOUT_MS 10000L
#define CA_OAUTH_DEFAULT_SCOPE "openid email profile"

struct ca_oauth_options {
	const char *hosted_ui_url;  /* required: http(s)://host[:port][/path], e.g.
				       https://<domain>.auth.<region>.amazoncognito.com */
	const char *client_id;      /* required */
	const char *client_secret;  /* NULL or "": a public client (no Authorization header) */
	const char *redirect_uri;   /* required: <base_url>/callback */
	const char *logout_uri;     /* required: <base_url> (a sign-out URL of the client) */
	const char *scope;          /* space-separated; NULL: CA_OAUTH_DEFAULT_SCOPE */
	long timeout_ms;            /* token exchange, whole request; 0: the default */
};

struct ca_oauth;

/*
 * Copies what it needs from opt into a new client in *out (ca_oauth_free).
 * No network call is made. CA_EINVAL (with a sentence naming the setting) when
 * a required option is missing or the hosted UI URL is not http(s), CA_ENOMEM.
 */
int ca_oauth_new(const struct ca_oauth_options *opt, struct ca_oauth **out, struct ca_err *err);
/* Frees the client. NULL is accepted. */
void ca_oauth_free(struct ca_oauth *o);

/* One sign-in attempt's secrets, each CA_OAUTH_SECRET_LEN base64url characters. */
struct ca_oauth_attempt {
	char state[CA_OAUTH_SECRET_LEN + 1];
	char nonce[CA_OAUTH_SECRET_LEN + 1];
	char verifier[CA_OAUTH_SECRET_LEN + 1];
};

/* Fills a with fresh random secrets. CA_OK, or CA_EIO when there is no randomness. */
int ca_oauth_attempt_new(struct ca_oauth_attempt *a, struct ca_err *err);

/* The PKCE S256 challenge of verifier: base64url(SHA-256(verifier)), NUL-terminated. */
void ca_oauth_pkce_challenge(const char *verifier, char out[CA_OAUTH_SECRET_LEN + 1]);

/*
 * The URL that starts attempt a at the hosted UI, in *url (malloc'd, the caller
 * frees): <hosted_ui>/oauth2/authorize?response_type=code&client_id=
 * &redirect_uri=&scope=&state=&nonce=&code_challenge=&code_challenge_method=S256.
 * CA_ENOMEM.
 */
int ca_oauth_authorize_url(const struct ca_oauth *o, const struct ca_oauth_attempt *a,
			   char **url, struct ca_err *err);

/*
 * The hosted UI's sign-out URL in *url (malloc'd, the caller frees):
 * <hosted_ui>/logout?client_id=&logout_uri=. CA_ENOMEM.
 */
int ca_oauth_logout_url(const struct ca_oauth *o, char **url, struct ca_err *err);

/*
 * The attempt cookie's signing key, derived from the session keys (the same
 * secure flag; lifetime CA_OAUTH_ATTEMPT_TTL_S). Release it with
 * ca_session_keys_release.
 */
void ca_oauth_attempt_keys(const struct ca_session_keys *session, struct ca_session_keys *out);

/*
 * Seals a into *token (malloc'd, the caller frees; cookie-safe text) that is
 * valid until `expires` (unix seconds). CA_ENOMEM.
 */
int ca_oauth_attempt_seal(const struct ca_session_keys *keys, const struct ca_oauth_attempt *a,
			  int64_t expires, char **token, struct ca_err *err);

/*
 * Opens a token made by ca_oauth_attempt_seal at time now into *a.
 * CA_AUTH_BAD_TOKEN when it is malformed, forged, made with another key or
 * expired; CA_ENOMEM. *a is zeroed on error.
 */
int ca_oauth_attempt_open(const struct ca_session_keys *keys, const char *token, int64_t now,
			  struct ca_oauth_attempt *a, struct ca_err *err);

/* true when state (from the callback, may be NULL) equals a's state; constant time. */
bool ca_oauth_state_matches(const struct ca_oauth_attempt *a, const char *state);

/* What the token endpoint gave; strings malloc'd (NULL when absent). */
struct ca_oauth_tokens {
	char *id_token;
	char *access_token;
	char *refresh_token;
	long expires_in;   /* seconds; 0 when not said */
};

/* Frees the strings and zeroes t (their memory is wiped first). NULL is accepted. */
void ca_oauth_tokens_release(struct ca_oauth_tokens *t);

/*
 * The form body of the code exchange into body (appended) and, for a client
 * with a secret, the Authorization header value ("Basic ...") into
 * *authorization (malloc'd, the caller frees; NULL for a public client).
 * CA_EINVAL when code is empty or longer than CA_OAUTH_CODE_MAX, CA_ENOMEM.
 */
int ca_oauth_token_request(const struct ca_oauth *o, const char *code, const char *verifier,
			   struct ca_buf *body, char **authorization, struct ca_err *err);

/*
 * Reads a token endpoint answer (HTTP status and body[0..len)) into *out.
 * CA_OK for a 200 with a JSON object holding a string id_token (at most 16 KiB);
 * CA_AUTH_BAD_TOKEN for error "invalid_grant" (the code expired, was used
 * already, or belongs to another client or redirect URI: the user must sign in
 * again); CA_AWS_SERVICE for other refusals (invalid_client, ...: the server's
 * settings) and 5xx answers, its sentence naming the error code;
 * CA_AWS_BAD_RESPONSE for an answer that cannot be read. *out is zeroed on error.
 */
int ca_oauth_parse_token_response(long status, const char *body, size_t len,
				  struct ca_oauth_tokens *out, struct ca_err *err);

/*
 * Exchanges code (with the attempt's verifier) at the token endpoint into *out
 * (ca_oauth_tokens_release it). Codes as ca_oauth_token_request and
 * ca_oauth_parse_token_response, plus CA_AWS_NETWORK / CA_AWS_TIMEOUT when the
 * hosted UI cannot be reached in time and CA_ERANGE for an over-long answer.
 * Safe to call from several threads at once.
 */
int ca_oauth_exchange_code(struct ca_oauth *o, const char *code, const char *verifier,
			   struct ca_oauth_tokens *out, struct ca_err *err);

/*
 * CA_OK when the verified id token's claims carry nonce (constant-time compare);
 * CA_AUTH_BAD_TOKEN when the claim is missing, not a string or different.
 */
int ca_oauth_check_nonce(const json_t *claims, const char *nonce, struct ca_err *err);

#endif
