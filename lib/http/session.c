#include "http/session.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "http/urlcode.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define TOKEN_VERSION "v1"
#define KEY_LABEL "cloudalbum session v1"

int ca_session_keys_init(struct ca_session_keys *keys, const char *secret, const char *base_url,
			 long lifetime_s, struct ca_err *err)
{
	memset(keys, 0, sizeof(*keys));
	if (!secret || strlen(secret) < CA_SESSION_SECRET_MIN)
		return ca_err_set(err, CA_EINVAL,
				  "server.session_secret must be at least %d characters; set "
				  "CLOUDALBUM_SESSION_SECRET to a long random string.",
				  CA_SESSION_SECRET_MIN);
	/* A key of its own, so the secret may sign other things without overlap. */
	ca_hmac_sha256(secret, strlen(secret), KEY_LABEL, strlen(KEY_LABEL), keys->key);
	keys->lifetime_s = lifetime_s > 0 ? lifetime_s : 7L * 24 * 3600;
	keys->secure = base_url && strncasecmp(base_url, "https://", 8) == 0;
	return CA_OK;
}

void ca_session_keys_release(struct ca_session_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

int ca_session_sign(const struct ca_session_keys *keys, const void *payload, size_t len,
		    int64_t expires, char **token, struct ca_err *err)
{
	struct ca_buf t = CA_BUF_INIT;
	uint8_t mac[CA_SHA256_LEN];
	char mac_text[64];
	char *enc = NULL;
	int rc = CA_ENOMEM;

	*token = NULL;
	if (len > CA_SESSION_PAYLOAD_MAX)
		return ca_err_set(err, CA_ERANGE, "A session payload may be at most %d bytes.",
				  CA_SESSION_PAYLOAD_MAX);
	enc = malloc(ca_base64url_len(len) + 1);
	if (!enc)
		goto out;
	ca_base64url_encode(payload, len, enc);
	ca_buf_addf(&t, TOKEN_VERSION ".%s.%lld", enc, (long long)expires);
	if (!ca_buf_ok(&t))
		goto out;
	ca_hmac_sha256(keys->key, sizeof(keys->key), t.data, t.len, mac);
	ca_base64url_encode(mac, sizeof(mac), mac_text);
	ca_buf_addf(&t, ".%s", mac_text);
	*token = ca_buf_detach(&t, NULL);
	if (*token)
		rc = CA_OK;
out:
	free(enc);
	ca_buf_release(&t);
	return rc == CA_OK ? rc : ca_err_set(err, rc, "Out of memory signing a session.");
}

static int bad_token(struct ca_err *err)
{
	return ca_err_set(err, CA_AUTH_BAD_TOKEN, "The session is not valid or has expired; sign in again.");
}

int ca_session_verify(const struct ca_session_keys *keys, const char *token, int64_t now,
		      char **payload, size_t *len, int64_t *expires, struct ca_err *err)
{
	const char *p1, *p2, *p3;
	uint8_t mac[CA_SHA256_LEN], given[CA_SHA256_LEN];
	size_t token_len, given_len = 0, plen = 0;
	char expires_text[24];
	uint8_t *decoded = NULL;
	long long exp = 0;
	char *end = NULL;

	*payload = NULL;
	if (!token)
		return bad_token(err);
	token_len = strnlen(token, CA_SESSION_TOKEN_MAX + 1);
	if (token_len > CA_SESSION_TOKEN_MAX || strncmp(token, TOKEN_VERSION ".", 3) != 0)
		return bad_token(err);
	p1 = token + 2;                       /* '.' before the payload */
	p2 = strchr(p1 + 1, '.');             /* '.' before expires */
	p3 = p2 ? strchr(p2 + 1, '.') : NULL; /* '.' before the mac */
	if (!p3 || strchr(p3 + 1, '.'))
		return bad_token(err);

	/* The mac first: nothing else of an unauthenticated token is trusted. */
	if (!ca_base64url_decode(p3 + 1, strlen(p3 + 1), given, sizeof(given), &given_len))
		return bad_token(err);
	ca_hmac_sha256(keys->key, sizeof(keys->key), token, (size_t)(p3 - token), mac);
	if (!ca_consttime_eq(mac, sizeof(mac), given, given_len))
		return bad_token(err);

	if ((size_t)(p3 - p2 - 1) >= sizeof(expires_text) || p3 - p2 - 1 == 0)
		return bad_token(err);
	memcpy(expires_text, p2 + 1, (size_t)(p3 - p2 - 1));
	expires_text[p3 - p2 - 1] = '\0';
	exp = strtoll(expires_text, &end, 10);
	if (*end || expires_text[0] == '-' || expires_text[0] == '+' || exp <= now)
		return bad_token(err);

	decoded = malloc((size_t)(p2 - p1) + 1);
	if (!decoded)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading a session.");
	if (!ca_base64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), decoded, (size_t)(p2 - p1),
				 &plen)) {
		free(decoded);
		return bad_token(err);
	}
	decoded[plen] = '\0';
	*payload = (char *)decoded;
	if (len)
		*len = plen;
	if (expires)
		*expires = exp;
	return CA_OK;
}

int ca_session_issue(const struct ca_session_keys *keys, struct ca_http_response *resp,
		     const char *subject, int64_t now, struct ca_err *err)
{
	struct ca_http_cookie_attrs attrs = { "/", keys->lifetime_s, true, keys->secure, "Lax" };
	char *token = NULL;
	int rc;

	rc = ca_session_sign(keys, subject, strlen(subject), now + keys->lifetime_s, &token, err);
	if (rc != CA_OK)
		return rc;
	rc = ca_http_set_cookie(resp, CA_SESSION_COOKIE, token, &attrs);
	free(token);
	if (rc != CA_OK)
		return ca_err_set(err, rc, "Could not set the session cookie.");
	return CA_OK;
}

int ca_session_read(const struct ca_session_keys *keys, const struct ca_http_request *req,
		    int64_t now, char **subject, struct ca_err *err)
{
	const char *cookie = ca_http_cookie(req, CA_SESSION_COOKIE);
	size_t len = 0;
	int rc;

	*subject = NULL;
	if (!cookie)
		return ca_err_set(err, CA_AUTH_BAD_TOKEN, "You are not signed in.");
	rc = ca_session_verify(keys, cookie, now, subject, &len, NULL, err);
	if (rc != CA_OK)
		return rc;
	if (strlen(*subject) != len) {
		ca_free_str(subject);
		return bad_token(err);
	}
	return CA_OK;
}

int ca_session_clear(const struct ca_session_keys *keys, struct ca_http_response *resp)
{
	struct ca_http_cookie_attrs attrs = { "/", 0, true, keys->secure, "Lax" };

	return ca_http_set_cookie(resp, CA_SESSION_COOKIE, "", &attrs);
}
