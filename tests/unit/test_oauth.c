/*
 * test_oauth.c — the hosted UI's authorization-code client (auth/oauth.h):
 * URLs, PKCE, the sealed attempt cookie, the token request and the parsing of
 * hostile token endpoint answers. The exchange over the network is covered by
 * tests/integration/test_serve_hostedui.py against a real OpenID provider.
 */
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"

#include "auth/jwt.h"
#include "auth/oauth.h"
#include "http/session.h"
#include "util/buf.h"
#include "util/banned.h"

#define RFC7636_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC7636_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define SECRET_A "state-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SECRET_B "nonce-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static struct ca_oauth *new_client(const char *secret)
{
	struct ca_oauth_options o = { 0 };
	struct ca_oauth *c = NULL;
	struct ca_err err;

	ca_err_clear(&err);
	o.hosted_ui_url = "https://album-x.auth.ap-southeast-1.amazoncognito.com/";
	o.client_id = "cloudalbum-web";
	o.client_secret = secret;
	o.redirect_uri = "https://album.example.com/callback";
	o.logout_uri = "https://album.example.com";
	ck_assert_int_eq(ca_oauth_new(&o, &c, &err), CA_OK);
	ck_assert_ptr_nonnull(c);
	return c;
}

static struct ca_oauth_attempt fixed_attempt(void)
{
	struct ca_oauth_attempt a;

	memset(&a, 0, sizeof(a));
	memcpy(a.state, SECRET_A, CA_OAUTH_SECRET_LEN);
	memcpy(a.nonce, SECRET_B, CA_OAUTH_SECRET_LEN);
	memcpy(a.verifier, RFC7636_VERIFIER, CA_OAUTH_SECRET_LEN);
	return a;
}

static void session_keys(struct ca_session_keys *k, const char *secret)
{
	ck_assert_int_eq(ca_session_keys_init(k, secret, "https://album.example.com", 0, NULL),
			 CA_OK);
}

START_TEST(pkce_matches_rfc7636_appendix_b)
{
	char challenge[CA_OAUTH_SECRET_LEN + 1];

	ca_oauth_pkce_challenge(RFC7636_VERIFIER, challenge);
	ck_assert_str_eq(challenge, RFC7636_CHALLENGE);
}
END_TEST

static bool b64url_text(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	       strlen(s);
}

START_TEST(attempts_are_fresh_random_secrets)
{
	struct ca_oauth_attempt a, b;

	ck_assert_int_eq(ca_oauth_attempt_new(&a, NULL), CA_OK);
	ck_assert_int_eq(ca_oauth_attempt_new(&b, NULL), CA_OK);
	ck_assert_uint_eq(strlen(a.state), CA_OAUTH_SECRET_LEN);
	ck_assert_uint_eq(strlen(a.nonce), CA_OAUTH_SECRET_LEN);
	ck_assert_uint_eq(strlen(a.verifier), CA_OAUTH_SECRET_LEN);
	ck_assert(b64url_text(a.state) && b64url_text(a.nonce) && b64url_text(a.verifier));
	ck_assert_str_ne(a.state, a.nonce);
	ck_assert_str_ne(a.nonce, a.verifier);
	ck_assert_str_ne(a.state, b.state);
	ck_assert_str_ne(a.verifier, b.verifier);
}
END_TEST

START_TEST(authorize_url_has_every_parameter_encoded)
{
	struct ca_oauth *c = new_client("s3cr+t");
	struct ca_oauth_attempt a = fixed_attempt();
	char *url = NULL;

	ck_assert_int_eq(ca_oauth_authorize_url(c, &a, &url, NULL), CA_OK);
	ck_assert_str_eq(url, "https://album-x.auth.ap-southeast-1.amazoncognito.com/oauth2/"
			 "authorize?response_type=code&client_id=cloudalbum-web"
			 "&redirect_uri=https%3A%2F%2Falbum.example.com%2Fcallback"
			 "&scope=openid+email+profile&state=" SECRET_A "&nonce=" SECRET_B
			 "&code_challenge=" RFC7636_CHALLENGE "&code_challenge_method=S256");
	/* the verifier itself never leaves in the URL */
	ck_assert_ptr_null(strstr(url, RFC7636_VERIFIER));
	free(url);
	ca_oauth_free(c);
}
END_TEST

START_TEST(authorize_url_with_odd_scope_spacing)
{
	struct ca_oauth_options o = { 0 };
	struct ca_oauth_attempt a = fixed_attempt();
	struct ca_oauth *c = NULL;
	char *url = NULL;

	o.hosted_ui_url = "http://127.0.0.1:9/base";
	o.client_id = "id&x=1";
	o.redirect_uri = "http://localhost:8080/callback";
	o.logout_uri = "http://localhost:8080";
	o.scope = "  openid   aws.cognito.signin.user.admin ";
	ck_assert_int_eq(ca_oauth_new(&o, &c, NULL), CA_OK);
	ck_assert_int_eq(ca_oauth_authorize_url(c, &a, &url, NULL), CA_OK);
	ck_assert(strncmp(url, "http://127.0.0.1:9/base/oauth2/authorize?", 41) == 0);
	ck_assert_ptr_nonnull(strstr(url, "&client_id=id%26x%3D1&"));
	ck_assert_ptr_nonnull(strstr(url, "&scope=openid+aws.cognito.signin.user.admin&state="));
	free(url);
	ca_oauth_free(c);
}
END_TEST

START_TEST(logout_url_names_client_and_sign_out_url)
{
	struct ca_oauth *c = new_client(NULL);
	char *url = NULL;

	ck_assert_int_eq(ca_oauth_logout_url(c, &url, NULL), CA_OK);
	ck_assert_str_eq(url, "https://album-x.auth.ap-southeast-1.amazoncognito.com/logout"
			 "?client_id=cloudalbum-web&logout_uri=https%3A%2F%2Falbum.example.com");
	free(url);
	ca_oauth_free(c);
}
END_TEST

START_TEST(bad_options_are_refused)
{
	struct ca_oauth_options o = { 0 };
	struct ca_oauth *c = (struct ca_oauth *)&o;
	struct ca_err err;

	o.client_id = "id";
	o.redirect_uri = "https://a.example/callback";
	o.logout_uri = "https://a.example";
	ca_err_clear(&err);
	ck_assert_int_eq(ca_oauth_new(&o, &c, &err), CA_EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.msg, "hosted_ui_url"));
	o.hosted_ui_url = "ftp://x.example";
	ck_assert_int_eq(ca_oauth_new(&o, &c, NULL), CA_EINVAL);
	o.hosted_ui_url = "https://";
	ck_assert_int_eq(ca_oauth_new(&o, &c, NULL), CA_EINVAL);
	o.hosted_ui_url = "https://x.example";
	o.client_id = "";
	ck_assert_int_eq(ca_oauth_new(&o, &c, NULL), CA_EINVAL);
	o.client_id = "id";
	o.redirect_uri = "/callback";
	ca_err_clear(&err);
	ck_assert_int_eq(ca_oauth_new(&o, &c, &err), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "base_url"));
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(sealed_attempt_round_trips)
{
	struct ca_session_keys s, k;
	struct ca_oauth_attempt a = fixed_attempt(), back;
	char *token = NULL;

	session_keys(&s, "a-session-secret-of-enough-length");
	ca_oauth_attempt_keys(&s, &k);
	ck_assert(k.secure);
	ck_assert_int_eq(k.lifetime_s, CA_OAUTH_ATTEMPT_TTL_S);
	ck_assert_int_eq(ca_oauth_attempt_seal(&k, &a, 1000, &token, NULL), CA_OK);
	ck_assert(ca_http_cookie_valid(CA_OAUTH_ATTEMPT_COOKIE, token));
	ck_assert_int_eq(ca_oauth_attempt_open(&k, token, 999, &back, NULL), CA_OK);
	ck_assert_str_eq(back.state, a.state);
	ck_assert_str_eq(back.nonce, a.nonce);
	ck_assert_str_eq(back.verifier, a.verifier);
	ck_assert(ca_oauth_state_matches(&back, SECRET_A));
	free(token);
}
END_TEST

START_TEST(sealed_attempt_refused_when_expired_forged_or_foreign)
{
	struct ca_session_keys s, k, other_s, other_k;
	struct ca_oauth_attempt a = fixed_attempt(), back;
	char *token = NULL, *session_token = NULL, *tampered;
	size_t mid;

	session_keys(&s, "a-session-secret-of-enough-length");
	session_keys(&other_s, "another-secret-of-enough-length!");
	ca_oauth_attempt_keys(&s, &k);
	ca_oauth_attempt_keys(&other_s, &other_k);
	ck_assert_int_eq(ca_oauth_attempt_seal(&k, &a, 1000, &token, NULL), CA_OK);
	/* expired */
	ck_assert_int_eq(ca_oauth_attempt_open(&k, token, 1001, &back, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_str_eq(back.state, "");
	/* another server's secret */
	ck_assert_int_eq(ca_oauth_attempt_open(&other_k, token, 10, &back, NULL),
			 CA_AUTH_BAD_TOKEN);
	/* the session key is not the attempt key, either way round */
	ck_assert_int_eq(ca_oauth_attempt_open(&s, token, 10, &back, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_session_sign(&s, SECRET_A " " SECRET_B " " RFC7636_VERIFIER,
					 3 * CA_OAUTH_SECRET_LEN + 2, 1000, &session_token, NULL),
			 CA_OK);
	ck_assert_int_eq(ca_oauth_attempt_open(&k, session_token, 10, &back, NULL),
			 CA_AUTH_BAD_TOKEN);
	/* one character changed in the payload */
	tampered = strdup(token);
	mid = strlen("v1.") + 5;
	tampered[mid] = tampered[mid] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(ca_oauth_attempt_open(&k, tampered, 10, &back, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_attempt_open(&k, "", 10, &back, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_attempt_open(&k, NULL, 10, &back, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_attempt_open(&k, "v1...", 10, &back, NULL), CA_AUTH_BAD_TOKEN);
	free(tampered);
	free(session_token);
	free(token);
}
END_TEST

START_TEST(sealed_attempt_with_malformed_payload_is_refused)
{
	static const char *const payloads[] = {
		SECRET_A " " SECRET_B,                                  /* two fields */
		SECRET_A " " SECRET_B " " RFC7636_VERIFIER " x",        /* four */
		SECRET_A "x" SECRET_B " " RFC7636_VERIFIER,             /* wrong separator */
		SECRET_A " " SECRET_B " dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk", /* base64 */
		"short " SECRET_B " " RFC7636_VERIFIER "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"",
	};
	struct ca_session_keys s, k;
	struct ca_oauth_attempt back;
	size_t i;

	session_keys(&s, "a-session-secret-of-enough-length");
	ca_oauth_attempt_keys(&s, &k);
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		char *token = NULL;

		ck_assert_int_eq(ca_session_sign(&k, payloads[i], strlen(payloads[i]), 1000, &token,
						 NULL), CA_OK);
		ck_assert_msg(ca_oauth_attempt_open(&k, token, 10, &back, NULL) == CA_AUTH_BAD_TOKEN,
			      "payload %zu accepted", i);
		ck_assert_str_eq(back.verifier, "");
		free(token);
	}
}
END_TEST

START_TEST(state_comparison)
{
	struct ca_oauth_attempt a = fixed_attempt(), empty;

	memset(&empty, 0, sizeof(empty));
	ck_assert(ca_oauth_state_matches(&a, SECRET_A));
	ck_assert(!ca_oauth_state_matches(&a, NULL));
	ck_assert(!ca_oauth_state_matches(&a, ""));
	ck_assert(!ca_oauth_state_matches(&a, "state-"));
	ck_assert(!ca_oauth_state_matches(&a, SECRET_A "a"));
	ck_assert(!ca_oauth_state_matches(&a, SECRET_B));
	ck_assert(!ca_oauth_state_matches(&empty, ""));
}
END_TEST

START_TEST(token_request_with_client_secret)
{
	struct ca_oauth *c = new_client("s3cr+t");
	struct ca_buf body = CA_BUF_INIT;
	char *auth = NULL;

	ck_assert_int_eq(ca_oauth_token_request(c, "co de&x=1", RFC7636_VERIFIER, &body, &auth,
						NULL), CA_OK);
	ck_assert_str_eq(body.data, "grant_type=authorization_code&code=co%20de%26x%3D1"
			 "&redirect_uri=https%3A%2F%2Falbum.example.com%2Fcallback"
			 "&code_verifier=" RFC7636_VERIFIER);
	/* base64("cloudalbum-web:s3cr%2Bt"): each part form-encoded first (RFC 6749 2.3.1) */
	ck_assert_str_eq(auth, "Basic Y2xvdWRhbGJ1bS13ZWI6czNjciUyQnQ=");
	free(auth);
	ca_buf_release(&body);
	ca_oauth_free(c);
}
END_TEST

START_TEST(token_request_of_public_client_and_bad_codes)
{
	struct ca_oauth *c = new_client("");
	struct ca_buf body = CA_BUF_INIT;
	char *auth = (char *)"unset", *long_code;

	ck_assert_int_eq(ca_oauth_token_request(c, "abc", RFC7636_VERIFIER, &body, &auth, NULL),
			 CA_OK);
	ck_assert_ptr_null(auth);
	ck_assert_ptr_nonnull(strstr(body.data, "&client_id=cloudalbum-web"));
	ca_buf_reset(&body);
	ck_assert_int_eq(ca_oauth_token_request(c, "", NULL, &body, &auth, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_oauth_token_request(c, NULL, NULL, &body, &auth, NULL), CA_EINVAL);
	long_code = malloc(CA_OAUTH_CODE_MAX + 2);
	memset(long_code, 'c', CA_OAUTH_CODE_MAX + 1);
	long_code[CA_OAUTH_CODE_MAX + 1] = '\0';
	ck_assert_int_eq(ca_oauth_token_request(c, long_code, NULL, &body, &auth, NULL),
			 CA_EINVAL);
	free(long_code);
	ca_buf_release(&body);
	ca_oauth_free(c);
}
END_TEST

static int parse(long status, const char *body, struct ca_oauth_tokens *t, struct ca_err *err)
{
	ca_err_clear(err);
	return ca_oauth_parse_token_response(status, body, strlen(body), t, err);
}

START_TEST(token_response_good)
{
	struct ca_oauth_tokens t;
	struct ca_err err;

	ck_assert_int_eq(parse(200, "{\"id_token\":\"a.b.c\",\"access_token\":\"d.e.f\","
			       "\"refresh_token\":\"r\",\"expires_in\":3600,\"token_type\":\"Bearer\"}",
			       &t, &err), CA_OK);
	ck_assert_str_eq(t.id_token, "a.b.c");
	ck_assert_str_eq(t.access_token, "d.e.f");
	ck_assert_str_eq(t.refresh_token, "r");
	ck_assert_int_eq(t.expires_in, 3600);
	ca_oauth_tokens_release(&t);
	ck_assert_ptr_null(t.id_token);
	ck_assert_int_eq(parse(200, "{\"id_token\":\"a.b.c\",\"expires_in\":-5}", &t, &err), CA_OK);
	ck_assert_ptr_null(t.access_token);
	ck_assert_int_eq(t.expires_in, 0);
	ca_oauth_tokens_release(&t);
	ca_oauth_tokens_release(NULL);
}
END_TEST

START_TEST(token_response_refusals)
{
	struct ca_oauth_tokens t;
	struct ca_err err;

	ck_assert_int_eq(parse(400, "{\"error\":\"invalid_grant\"}", &t, &err), CA_AUTH_BAD_TOKEN);
	ck_assert_ptr_null(t.id_token);
	ck_assert_int_eq(parse(401, "{\"error\":\"invalid_client\"}", &t, &err), CA_AWS_SERVICE);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid_client"));
	ck_assert_ptr_nonnull(strstr(err.msg, "401"));
	/* an error code is repeated only when it looks like one */
	ck_assert_int_eq(parse(400, "{\"error\":\"<script>alert(1)</script>\"}", &t, &err),
			 CA_AWS_SERVICE);
	ck_assert_ptr_null(strstr(err.msg, "script"));
	ck_assert_int_eq(parse(400, "{\"error\":42}", &t, &err), CA_AWS_SERVICE);
	ck_assert_int_eq(parse(503, "<html>busy</html>", &t, &err), CA_AWS_SERVICE);
	/* invalid_grant on a 5xx is not the user's fault */
	ck_assert_int_eq(parse(500, "{\"error\":\"invalid_grant\"}", &t, &err), CA_AWS_SERVICE);
	ck_assert_int_eq(parse(302, "", &t, &err), CA_AWS_SERVICE);
}
END_TEST

START_TEST(token_response_malformed)
{
	static const char *const bodies[] = {
		"", "null", "[]", "\"a.b.c\"", "{", "{\"id_token\":1}", "{\"id_token\":\"\"}",
		"{\"access_token\":\"x\"}", "{\"id_token\":\"a\\u0000b\"}",
		"{\"id_token\":\"a.b.c\",\"id_token\":\"d.e.f\"}",
		"{\"id_token\":\"a.b.c\",\"access_token\":5}", "{\"id_token\":null}",
	};
	struct ca_oauth_tokens t;
	struct ca_err err;
	char *huge;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		ck_assert_msg(parse(200, bodies[i], &t, &err) == CA_AWS_BAD_RESPONSE,
			      "body %zu accepted", i);
		ck_assert_ptr_null(t.id_token);
	}
	huge = malloc(CA_JWT_MAX + 64);
	memcpy(huge, "{\"id_token\":\"", 13);
	memset(huge + 13, 'a', CA_JWT_MAX + 1);
	memcpy(huge + 13 + CA_JWT_MAX + 1, "\"}", 3);
	ck_assert_int_eq(parse(200, huge, &t, &err), CA_AWS_BAD_RESPONSE);
	free(huge);
	/* over the answer cap: not even parsed */
	ck_assert_int_eq(ca_oauth_parse_token_response(200, "{}", CA_OAUTH_TOKEN_RESPONSE_MAX + 1,
						       &t, &err), CA_AWS_BAD_RESPONSE);
}
END_TEST

START_TEST(nonce_check)
{
	json_t *c = json_pack("{s:s}", "nonce", SECRET_B);
	json_t *no = json_pack("{s:s}", "sub", "x");
	json_t *num = json_pack("{s:i}", "nonce", 5);
	struct ca_err err;

	ck_assert_int_eq(ca_oauth_check_nonce(c, SECRET_B, NULL), CA_OK);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_oauth_check_nonce(c, SECRET_A, &err), CA_AUTH_BAD_TOKEN);
	ck_assert_ptr_nonnull(strstr(err.msg, "nonce"));
	ck_assert_int_eq(ca_oauth_check_nonce(c, "", NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_check_nonce(c, NULL, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_check_nonce(no, SECRET_B, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_check_nonce(num, SECRET_B, NULL), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(ca_oauth_check_nonce(NULL, SECRET_B, NULL), CA_AUTH_BAD_TOKEN);
	json_decref(c);
	json_decref(no);
	json_decref(num);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("oauth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, pkce_matches_rfc7636_appendix_b);
	tcase_add_test(tc, attempts_are_fresh_random_secrets);
	tcase_add_test(tc, authorize_url_has_every_parameter_encoded);
	tcase_add_test(tc, authorize_url_with_odd_scope_spacing);
	tcase_add_test(tc, logout_url_names_client_and_sign_out_url);
	tcase_add_test(tc, bad_options_are_refused);
	tcase_add_test(tc, sealed_attempt_round_trips);
	tcase_add_test(tc, sealed_attempt_refused_when_expired_forged_or_foreign);
	tcase_add_test(tc, sealed_attempt_with_malformed_payload_is_refused);
	tcase_add_test(tc, state_comparison);
	tcase_add_test(tc, token_request_with_client_secret);
	tcase_add_test(tc, token_request_of_public_client_and_bad_codes);
	tcase_add_test(tc, token_response_good);
	tcase_add_test(tc, token_response_refusals);
	tcase_add_test(tc, token_response_malformed);
	tcase_add_test(tc, nonce_check);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
