/*
 * Signed session cookies and the CSRF double-submit check.
 */
#include <string.h>

#include "check_ca.h"
#include "http/cookie.h"
#include "http/csrf.h"
#include "http/session.h"
#include "http/urlcode.h"
#include "util/crypto.h"

#define SECRET "correct horse battery staple 42"
#define NOW 1700000000LL

static void keys(struct ca_session_keys *k, const char *base_url)
{
	ck_assert_int_eq(ca_session_keys_init(k, SECRET, base_url, 3600, NULL), CA_OK);
}

START_TEST(sign_and_verify)
{
	struct ca_session_keys k;
	char *token = NULL, *payload = NULL;
	size_t len = 0;
	int64_t exp = 0;

	keys(&k, "http://localhost:8080");
	ck_assert_int_eq(ca_session_sign(&k, "user-1", 6, NOW + 60, &token, NULL), CA_OK);
	ck_assert(strncmp(token, "v1.", 3) == 0);
	ck_assert(ca_http_cookie_valid("session", token)); /* fits in a cookie as is */
	ck_assert_int_eq(ca_session_verify(&k, token, NOW, &payload, &len, &exp, NULL), CA_OK);
	ck_assert_str_eq(payload, "user-1");
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(exp, NOW + 60);
	free(payload);
	free(token);

	/* binary payloads survive, including NUL bytes */
	ck_assert_int_eq(ca_session_sign(&k, "a\0b\xff", 4, NOW + 60, &token, NULL), CA_OK);
	ck_assert_int_eq(ca_session_verify(&k, token, NOW, &payload, &len, NULL, NULL), CA_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(payload, "a\0b\xff", 4) == 0);
	free(payload);
	free(token);

	/* an empty payload is allowed; an oversized one is not */
	ck_assert_int_eq(ca_session_sign(&k, "", 0, NOW + 60, &token, NULL), CA_OK);
	ck_assert_int_eq(ca_session_verify(&k, token, NOW, &payload, &len, NULL, NULL), CA_OK);
	ck_assert_uint_eq(len, 0);
	free(payload);
	free(token);
	{
		char big[CA_SESSION_PAYLOAD_MAX + 1];

		memset(big, 'x', sizeof(big));
		ck_assert_int_eq(ca_session_sign(&k, big, sizeof(big), NOW, &token, NULL), CA_ERANGE);
		ck_assert_ptr_null(token);
	}
	ca_session_keys_release(&k);
}
END_TEST

START_TEST(expiry)
{
	struct ca_session_keys k;
	char *token = NULL, *payload = NULL;

	keys(&k, NULL);
	ck_assert_int_eq(ca_session_sign(&k, "u", 1, NOW + 10, &token, NULL), CA_OK);
	ck_assert_int_eq(ca_session_verify(&k, token, NOW + 9, &payload, NULL, NULL, NULL), CA_OK);
	free(payload);
	ck_assert_int_eq(ca_session_verify(&k, token, NOW + 10, &payload, NULL, NULL, NULL),
			 CA_AUTH_BAD_TOKEN);
	ck_assert_ptr_null(payload);
	ck_assert_int_eq(ca_session_verify(&k, token, NOW + 100000, &payload, NULL, NULL, NULL),
			 CA_AUTH_BAD_TOKEN);
	free(token);
	ca_session_keys_release(&k);
}
END_TEST

/* Replaces the expiry field of a token with `expires`, keeping the old mac. */
static char *with_expiry(const char *token, const char *expires)
{
	const char *p2 = strchr(token + 3, '.'), *p3 = strrchr(token, '.');
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_add(&b, token, (size_t)(p2 - token + 1));
	ca_buf_adds(&b, expires);
	ca_buf_adds(&b, p3);
	return ca_buf_detach(&b, NULL);
}

START_TEST(tampering_and_forgery_are_refused)
{
	struct ca_session_keys k, other;
	char *token = NULL, *forged = NULL, *payload = NULL;
	char buf[512], mac_text[64], head[256];
	uint8_t mac[CA_SHA256_LEN];
	size_t i, n;
	struct ca_err err;

	keys(&k, NULL);
	ck_assert_int_eq(ca_session_keys_init(&other, "a different secret entirely", NULL, 0, NULL),
			 CA_OK);
	ck_assert_int_eq(ca_session_sign(&k, "user-1", 6, NOW + 60, &token, NULL), CA_OK);
	n = strlen(token);

	/* every single-character change anywhere is refused */
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s", token);
		buf[i] = buf[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(ca_session_verify(&k, buf, NOW, &payload, NULL, NULL, NULL) ==
				      CA_AUTH_BAD_TOKEN, "changed byte %zu accepted", i);
		ck_assert_ptr_null(payload);
	}
	/* a longer life with the old mac */
	forged = with_expiry(token, "99999999999");
	ck_assert_int_eq(ca_session_verify(&k, forged, NOW, &payload, NULL, NULL, NULL), CA_AUTH_BAD_TOKEN);
	free(forged);
	/* signed with another key */
	ck_assert_int_eq(ca_session_verify(&other, token, NOW, &payload, NULL, NULL, NULL), CA_AUTH_BAD_TOKEN);
	/* a mac made with the raw secret instead of the derived key */
	ck_assert_int_eq(ca_session_sign(&k, "admin", 5, NOW + 60, &forged, NULL), CA_OK);
	snprintf(head, sizeof(head), "%.*s", (int)(strrchr(forged, '.') - forged), forged);
	ca_hmac_sha256(SECRET, strlen(SECRET), head, strlen(head), mac);
	ca_base64url_encode(mac, sizeof(mac), mac_text);
	snprintf(buf, sizeof(buf), "%s.%s", head, mac_text);
	ck_assert_int_eq(ca_session_verify(&k, buf, NOW, &payload, NULL, NULL, NULL), CA_AUTH_BAD_TOKEN);
	free(forged);

	/* malformed shapes */
	{
		const char *bad[] = { "", "v1", "v1.", "v1...", "v2.dXNlcg.1.AAAA", "v1.dXNlcg.1",
				      "v1.dXNlcg.1.AAAA.extra", "x1.dXNlcg.1.AAAA", "v1.!!.1.AAAA",
				      "v1.dXNlcg.-1.AAAA", "v1.dXNlcg.1.AA=A" };

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ck_assert_msg(ca_session_verify(&k, bad[i], NOW, &payload, NULL, NULL, NULL) ==
					      CA_AUTH_BAD_TOKEN, "accepted %s", bad[i]);
		ck_assert_int_eq(ca_session_verify(&k, NULL, NOW, &payload, NULL, NULL, NULL), CA_AUTH_BAD_TOKEN);
	}
	/* a huge cookie is refused without work */
	{
		char *huge = malloc(100000);

		memset(huge, 'A', 99999);
		memcpy(huge, "v1.", 3);
		huge[99999] = '\0';
		ca_err_clear(&err);
		ck_assert_int_eq(ca_session_verify(&k, huge, NOW, &payload, NULL, NULL, &err), CA_AUTH_BAD_TOKEN);
		ck_assert(strstr(ca_err_msg(&err), "sign in again"));
		free(huge);
	}
	free(token);
	ca_session_keys_release(&k);
	ca_session_keys_release(&other);
}
END_TEST

START_TEST(secret_must_be_long_enough)
{
	struct ca_session_keys k;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_session_keys_init(&k, "short", NULL, 0, &err), CA_EINVAL);
	ck_assert(strstr(ca_err_msg(&err), "session_secret"));
	ck_assert_int_eq(ca_session_keys_init(&k, NULL, NULL, 0, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_session_keys_init(&k, "0123456789abcdef", "HTTPS://x", 0, NULL), CA_OK);
	ck_assert(k.secure);
	ck_assert_int_eq(k.lifetime_s, 7L * 24 * 3600);
}
END_TEST

static const char *set_cookie_named(const struct ca_http_response *resp, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < resp->headers.n; i++)
		if (strcmp(resp->headers.items[i].name, "Set-Cookie") == 0 &&
		    strncmp(resp->headers.items[i].value, name, n) == 0 &&
		    resp->headers.items[i].value[n] == '=')
			return resp->headers.items[i].value;
	return NULL;
}

/* A request carrying the cookie from a Set-Cookie value (the part before ';'). */
static void request_with_cookie_from(struct ca_http_request *req, const char *set_cookie)
{
	char line[4096];

	memset(req, 0, sizeof(*req));
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(set_cookie, ";"), set_cookie);
	ck_assert_int_eq(ca_http_cookie_parse(line, &req->cookies), CA_OK);
}

START_TEST(session_cookie_round_trip)
{
	struct ca_session_keys plain, secure;
	struct ca_http_response resp;
	struct ca_http_request req;
	const char *sc;
	char *subject = NULL;
	struct ca_err err;

	keys(&plain, "http://localhost:8080");
	keys(&secure, "https://album.example.com");
	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_session_issue(&plain, &resp, "4f1c2e", NOW, NULL), CA_OK);
	sc = set_cookie_named(&resp, CA_SESSION_COOKIE);
	ck_assert_ptr_nonnull(sc);
	ck_assert(strstr(sc, "; Path=/"));
	ck_assert(strstr(sc, "; HttpOnly"));
	ck_assert(strstr(sc, "; SameSite=Lax"));
	ck_assert(strstr(sc, "; Max-Age=3600"));
	ck_assert(!strstr(sc, "Secure"));
	request_with_cookie_from(&req, sc);
	ck_assert_int_eq(ca_session_read(&plain, &req, NOW + 5, &subject, NULL), CA_OK);
	ck_assert_str_eq(subject, "4f1c2e");
	free(subject);
	ck_assert_int_eq(ca_session_read(&plain, &req, NOW + 3600, &subject, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_ptr_null(subject);
	ca_http_kv_release(&req.cookies);
	ca_http_response_release(&resp);

	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_session_issue(&secure, &resp, "u", NOW, NULL), CA_OK);
	ck_assert(strstr(set_cookie_named(&resp, CA_SESSION_COOKIE), "; Secure"));
	ck_assert_int_eq(ca_session_clear(&secure, &resp), CA_OK);
	ck_assert(strstr(resp.headers.items[resp.headers.n - 1].value, "session=; Path=/; Max-Age=0"));
	ca_http_response_release(&resp);

	/* no cookie at all */
	memset(&req, 0, sizeof(req));
	ca_err_clear(&err);
	ck_assert_int_eq(ca_session_read(&plain, &req, NOW, &subject, &err), CA_AUTH_BAD_TOKEN);
	ck_assert_str_eq(ca_err_msg(&err), "You are not signed in.");
	/* a valid token whose payload holds a NUL is no subject */
	{
		char *token = NULL;
		char line[4096];

		ck_assert_int_eq(ca_session_sign(&plain, "ad\0min", 6, NOW + 60, &token, NULL), CA_OK);
		snprintf(line, sizeof(line), "session=%s", token);
		ck_assert_int_eq(ca_http_cookie_parse(line, &req.cookies), CA_OK);
		ck_assert_int_eq(ca_session_read(&plain, &req, NOW, &subject, NULL), CA_AUTH_BAD_TOKEN);
		ck_assert_ptr_null(subject);
		ca_http_kv_release(&req.cookies);
		free(token);
	}
}
END_TEST

START_TEST(csrf_bound_to_session)
{
	static const uint8_t key[CA_SHA256_LEN] = { 1, 2, 3 };
	static const uint8_t other_key[CA_SHA256_LEN] = { 9 };
	struct ca_http_response resp;
	struct ca_http_request req;
	char token[CA_CSRF_TOKEN_LEN + 1], token2[CA_CSRF_TOKEN_LEN + 1], again[CA_CSRF_TOKEN_LEN + 1];
	char planted[CA_CSRF_TOKEN_LEN + 1];
	const char *sc;
	struct ca_err err;
	const char *safe[] = { "GET", "HEAD", "OPTIONS" };
	const char *unsafe[] = { "POST", "PUT", "PATCH", "DELETE" };
	size_t i;

	ca_csrf_token_for(key, "session-one", token);
	ca_csrf_token_for(key, "session-one", again);
	ca_csrf_token_for(key, "session-two", token2);
	ck_assert_uint_eq(strlen(token), CA_CSRF_TOKEN_LEN);
	ck_assert_str_eq(token, again);         /* a function of the session */
	ck_assert_str_ne(token, token2);        /* and of nothing shared between sessions */
	ca_csrf_token_for(other_key, "session-one", again);
	ck_assert_str_ne(token, again);         /* nor computable without the key */

	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_csrf_set_cookie(&resp, token, true, 0, NULL), CA_OK);
	sc = set_cookie_named(&resp, CA_CSRF_COOKIE);
	ck_assert_ptr_nonnull(sc);
	ck_assert(!strstr(sc, "HttpOnly")); /* page scripts must read it */
	ck_assert(strstr(sc, "; Secure"));
	ck_assert(strstr(sc, "; SameSite=Lax"));
	ck_assert(!strstr(sc, "Max-Age"));
	ca_http_response_release(&resp);
	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_csrf_set_cookie(&resp, token, false, 3600, NULL), CA_OK);
	ck_assert(strstr(set_cookie_named(&resp, CA_CSRF_COOKIE), "; Max-Age=3600"));
	ca_http_response_release(&resp);

	memset(&req, 0, sizeof(req));
	for (i = 0; i < 3; i++) { /* safe methods never need it */
		req.method = safe[i];
		ck_assert_int_eq(ca_csrf_check(&req, token, NULL), CA_OK);
		ck_assert_int_eq(ca_csrf_check(&req, NULL, NULL), CA_OK);
	}
	for (i = 0; i < 4; i++) {
		req.method = unsafe[i];
		ca_err_clear(&err);
		ck_assert_int_eq(ca_csrf_check(&req, token, &err), CA_HTTP_CSRF); /* header missing */
		ck_assert(strstr(ca_err_msg(&err), "X-CSRF-Token"));
	}
	req.method = "POST";
	ca_http_kv_adds(&req.headers, "x-csrf-token", token);
	ck_assert_int_eq(ca_csrf_check(&req, token, NULL), CA_OK);
	ck_assert_int_eq(ca_csrf_check(&req, token2, NULL), CA_HTTP_CSRF); /* another session's */
	ck_assert_int_eq(ca_csrf_check(&req, NULL, NULL), CA_HTTP_CSRF);   /* no session */
	ca_http_kv_release(&req.headers);

	/* a planted cookie with a matching header: the cookie is not what counts */
	snprintf(planted, sizeof(planted), "%s", token);
	planted[0] = planted[0] == 'A' ? 'B' : 'A';
	ca_http_kv_adds(&req.cookies, CA_CSRF_COOKIE, planted);
	ca_http_kv_adds(&req.headers, CA_CSRF_HEADER, planted);
	ck_assert_int_eq(ca_csrf_check(&req, token, NULL), CA_HTTP_CSRF);
	ca_http_kv_release(&req.headers);
	ca_http_kv_release(&req.cookies);
	ca_http_kv_adds(&req.headers, CA_CSRF_HEADER, "");
	ck_assert_int_eq(ca_csrf_check(&req, token, NULL), CA_HTTP_CSRF);
	ca_http_kv_release(&req.headers);
	ca_http_kv_adds(&req.headers, CA_CSRF_HEADER, "short");
	ck_assert_int_eq(ca_csrf_check(&req, "short", NULL), CA_HTTP_CSRF); /* malformed expected */
	ca_http_kv_release(&req.headers);
}
END_TEST

START_TEST(csrf_origin_check)
{
	struct ca_http_request req;
	const char *base = "https://album.example.com";
	static const struct {
		const char *method, *site, *origin, *host;
		int want;
	} cases[] = {
		{ "GET", "cross-site", "https://evil.example", "album.example.com", CA_OK },
		{ "POST", NULL, NULL, "album.example.com", CA_OK },           /* curl */
		{ "POST", "same-origin", "https://album.example.com", "x", CA_OK },
		{ "POST", "none", NULL, NULL, CA_OK },
		{ "POST", NULL, "https://ALBUM.example.com", NULL, CA_OK },
		{ "POST", NULL, "http://127.0.0.1:8080", "127.0.0.1:8080", CA_OK },
		{ "DELETE", "cross-site", NULL, NULL, CA_HTTP_CSRF },
		{ "PUT", "same-site", NULL, NULL, CA_HTTP_CSRF },
		{ "POST", "whatever", NULL, NULL, CA_HTTP_CSRF },
		{ "POST", NULL, "https://evil.example", "album.example.com", CA_HTTP_CSRF },
		{ "POST", NULL, "https://album.example.com.evil.example", NULL, CA_HTTP_CSRF },
		{ "POST", NULL, "https://album.example.com:444", NULL, CA_HTTP_CSRF },
		{ "POST", NULL, "null", "album.example.com", CA_HTTP_CSRF },
		{ "POST", NULL, "", "album.example.com", CA_HTTP_CSRF },
		{ "POST", NULL, "https://album.example.com/path", NULL, CA_HTTP_CSRF },
		{ "PATCH", NULL, "http://127.0.0.1:8081", "127.0.0.1:8080", CA_HTTP_CSRF },
		{ "POST", NULL, "http://", "", CA_HTTP_CSRF },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&req, 0, sizeof(req));
		req.method = cases[i].method;
		if (cases[i].site)
			ca_http_kv_adds(&req.headers, "sec-fetch-site", cases[i].site);
		if (cases[i].origin)
			ca_http_kv_adds(&req.headers, "origin", cases[i].origin);
		if (cases[i].host)
			ca_http_kv_adds(&req.headers, "host", cases[i].host);
		ck_assert_msg(ca_csrf_origin_check(&req, base, NULL) == cases[i].want, "case %zu", i);
		ca_http_kv_release(&req.headers);
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	ca_http_kv_adds(&req.headers, "origin", "https://album.example.com");
	ck_assert_int_eq(ca_csrf_origin_check(&req, NULL, NULL), CA_HTTP_CSRF);
	ca_http_kv_release(&req.headers);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, tampering_and_forgery_are_refused);
	tcase_add_test(tc, secret_must_be_long_enough);
	tcase_add_test(tc, session_cookie_round_trip);
	tcase_add_test(tc, csrf_bound_to_session);
	tcase_add_test(tc, csrf_origin_check);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
