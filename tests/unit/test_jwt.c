/*
 * RS256 JWT verification and the JWKS cache: tokens are made here with a key
 * the test generates, then bent in the ways attackers bend them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "alloc_fail.h"
#include "check_ca.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "http/urlcode.h"
#include "util/buf.h"

#define NOW 1700000000LL
#define ISS "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_TEST"
#define CLIENT "client123"

static EVP_PKEY *key_a, *key_b, *key_small;

static void setup_keys(void)
{
	if (!key_a) {
		key_a = EVP_RSA_gen(2048);
		key_b = EVP_RSA_gen(2048);
		key_small = EVP_RSA_gen(1024);
	}
	ck_assert_ptr_nonnull(key_a);
	ck_assert_ptr_nonnull(key_b);
	ck_assert_ptr_nonnull(key_small);
}

/* The key source: one kid, one key. */
struct one_key {
	const char *kid;
	EVP_PKEY *key;
	int fail_with;
};

static int one_key_fn(void *ctx, const char *kid, EVP_PKEY **key, struct ca_err *err)
{
	struct one_key *k = ctx;

	*key = NULL;
	if (k->fail_with)
		return ca_err_set(err, k->fail_with, "The key set could not be fetched.");
	if (strcmp(kid, k->kid) != 0)
		return ca_err_set(err, CA_ENOTFOUND, "no such key");
	EVP_PKEY_up_ref(k->key);
	*key = k->key;
	return CA_OK;
}

static void b64(struct ca_buf *out, const void *data, size_t len)
{
	char *enc = malloc(ca_base64url_len(len) + 1);

	ca_base64url_encode(data, len, enc);
	ca_buf_adds(out, enc);
	free(enc);
}

/* "<b64 header>.<b64 payload>" */
static void signing_input(struct ca_buf *out, const char *header, const char *payload)
{
	b64(out, header, strlen(header));
	ca_buf_addch(out, '.');
	b64(out, payload, strlen(payload));
}

static void rs256_sign(struct ca_buf *tok, EVP_PKEY *key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t sig_len = sizeof(sig);

	ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(md, sig, &sig_len, (unsigned char *)tok->data, tok->len),
			 1);
	EVP_MD_CTX_free(md);
	ca_buf_addch(tok, '.');
	b64(tok, sig, sig_len);
}

static char *make_token(const char *header, const char *payload, EVP_PKEY *key)
{
	struct ca_buf tok = CA_BUF_INIT;

	signing_input(&tok, header, payload);
	rs256_sign(&tok, key);
	ck_assert(ca_buf_ok(&tok));
	return ca_buf_detach(&tok, NULL);
}

#define HDR "{\"kid\":\"k1\",\"alg\":\"RS256\"}"

static char *id_payload(long long exp, const char *aud, const char *iss, const char *use)
{
	struct ca_buf p = CA_BUF_INIT;

	ca_buf_addf(&p, "{\"sub\":\"5f1c\",\"aud\":\"%s\",\"email_verified\":true,"
		    "\"token_use\":\"%s\",\"auth_time\":%lld,\"iss\":\"%s\","
		    "\"cognito:username\":\"5f1c-user\",\"exp\":%lld,\"iat\":%lld,"
		    "\"email\":\"ann@example.com\",\"name\":\"Ann\"}",
		    aud, use, NOW - 10, iss, exp, NOW - 10);
	return ca_buf_detach(&p, NULL);
}

static struct ca_jwt_expect expect(const char *use)
{
	struct ca_jwt_expect x = { ISS, CLIENT, use, NOW, CA_JWT_DEFAULT_LEEWAY };

	return x;
}

/* Verifies tok against key_a as "k1" and returns the code; claims are checked when CA_OK. */
static int verify_with(const char *tok, const char *use, EVP_PKEY *key)
{
	struct one_key k = { "k1", key, 0 };
	struct ca_jwt_expect x = expect(use);
	json_t *claims = (json_t *)1;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = ca_jwt_verify(tok, one_key_fn, &k, &x, &claims, &err);
	if (rc == CA_OK) {
		ck_assert(json_is_object(claims));
		json_decref(claims);
	} else {
		ck_assert_ptr_null(claims);
		ck_assert(strlen(ca_err_msg(&err)) > 0);
		ck_assert_ptr_null(strstr(ca_err_msg(&err), "eyJ")); /* never the token */
	}
	return rc;
}

static int verify(const char *tok, const char *use)
{
	return verify_with(tok, use, key_a);
}

static int verify_payload(const char *payload, const char *use)
{
	char *tok = make_token(HDR, payload, key_a);
	int rc = verify(tok, use);

	free(tok);
	return rc;
}

/* The token jwt_alloc_case verifies (made before allocations are counted). */
static char *alloc_token;

static int jwt_alloc_case(struct ca_err *err)
{
	struct one_key k = { "k1", key_a, 0 };
	struct ca_jwt_expect x = expect("id");
	json_t *claims = NULL;
	int rc = ca_jwt_verify(alloc_token, one_key_fn, &k, &x, &claims, err);

	json_decref(claims);
	return rc;
}

START_TEST(every_allocation_failing)
{
	char *p;

	setup_keys();
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	alloc_token = make_token(HDR, p, key_a);
	ck_assert_int_gt(fail_each_allocation("jwt", jwt_alloc_case), 0);
	free(alloc_token);
	free(p);
}
END_TEST

START_TEST(valid_id_token)
{
	char *p, *tok;
	struct one_key k = { "k1", NULL, 0 };
	struct ca_jwt_expect x = expect("id");
	json_t *claims = NULL;

	setup_keys();
	k.key = key_a;
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	tok = make_token(HDR, p, key_a);
	ck_assert_int_eq(ca_jwt_verify(tok, one_key_fn, &k, &x, &claims, NULL), CA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "cognito:username")),
			 "5f1c-user");
	ck_assert_str_eq(json_string_value(json_object_get(claims, "email")), "ann@example.com");
	json_decref(claims);
	free(tok);
	free(p);
	/* typ JWT in the header is fine, and an aud array naming the client */
	tok = make_token("{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"k1\"}",
			 "{\"aud\":[\"other\",\"" CLIENT "\"],\"iss\":\"" ISS "\","
			 "\"token_use\":\"id\",\"exp\":1700003600}", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_OK);
	free(tok);
}
END_TEST

START_TEST(valid_access_token)
{
	setup_keys();
	ck_assert_int_eq(verify_payload("{\"client_id\":\"" CLIENT "\",\"iss\":\"" ISS "\","
					"\"token_use\":\"access\",\"exp\":1700000100,"
					"\"username\":\"5f1c-user\"}", "access"), CA_OK);
	/* an access token's audience is client_id, not aud */
	ck_assert_int_eq(verify_payload("{\"aud\":\"" CLIENT "\",\"client_id\":\"x\",\"iss\":\""
					ISS "\",\"token_use\":\"access\",\"exp\":1700000100}",
					"access"), CA_AUTH_BAD_TOKEN);
}
END_TEST

START_TEST(time_claims)
{
	char *p;

	setup_keys();
	p = id_payload(NOW - 3600, CLIENT, ISS, "id");
	ck_assert_int_eq(verify_payload(p, "id"), CA_AUTH_BAD_TOKEN);
	free(p);
	/* expired, but within the leeway */
	p = id_payload(NOW - 30, CLIENT, ISS, "id");
	ck_assert_int_eq(verify_payload(p, "id"), CA_OK);
	free(p);
	p = id_payload(NOW - CA_JWT_DEFAULT_LEEWAY - 1, CLIENT, ISS, "id");
	ck_assert_int_eq(verify_payload(p, "id"), CA_AUTH_BAD_TOKEN);
	free(p);
	/* no exp at all; exp of the wrong type */
	ck_assert_int_eq(verify_payload("{\"aud\":\"" CLIENT "\",\"iss\":\"" ISS "\","
					"\"token_use\":\"id\"}", "id"), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(verify_payload("{\"aud\":\"" CLIENT "\",\"iss\":\"" ISS "\","
					"\"token_use\":\"id\",\"exp\":\"1800000000\"}", "id"),
			 CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(verify_payload("{\"aud\":\"" CLIENT "\",\"iss\":\"" ISS "\","
					"\"token_use\":\"id\",\"exp\":1e300}", "id"),
			 CA_AUTH_BAD_TOKEN);
	/* not valid yet; issued in the future */
	ck_assert_int_eq(verify_payload("{\"aud\":\"" CLIENT "\",\"iss\":\"" ISS "\","
					"\"token_use\":\"id\",\"exp\":1800000000,"
					"\"nbf\":1700001000}", "id"), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(verify_payload("{\"aud\":\"" CLIENT "\",\"iss\":\"" ISS "\","
					"\"token_use\":\"id\",\"exp\":1800000000,"
					"\"iat\":1700001000}", "id"), CA_AUTH_BAD_TOKEN);
}
END_TEST

START_TEST(wrong_audience_issuer_use)
{
	char *p;

	setup_keys();
	p = id_payload(NOW + 3600, "another-client", ISS, "id");
	ck_assert_int_eq(verify_payload(p, "id"), CA_AUTH_BAD_TOKEN);
	free(p);
	p = id_payload(NOW + 3600, CLIENT "x", ISS, "id");
	ck_assert_int_eq(verify_payload(p, "id"), CA_AUTH_BAD_TOKEN);
	free(p);
	p = id_payload(NOW + 3600, CLIENT,
		       "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_OTHER", "id");
	ck_assert_int_eq(verify_payload(p, "id"), CA_AUTH_BAD_TOKEN);
	free(p);
	/* an id token is not an access token, nor the other way round */
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	ck_assert_int_eq(verify_payload(p, "access"), CA_AUTH_BAD_TOKEN);
	free(p);
	p = id_payload(NOW + 3600, CLIENT, ISS, "access");
	ck_assert_int_eq(verify_payload(p, "id"), CA_AUTH_BAD_TOKEN);
	free(p);
	/* no aud; an empty aud array */
	ck_assert_int_eq(verify_payload("{\"iss\":\"" ISS "\",\"token_use\":\"id\","
					"\"exp\":1800000000}", "id"), CA_AUTH_BAD_TOKEN);
	ck_assert_int_eq(verify_payload("{\"aud\":[],\"iss\":\"" ISS "\",\"token_use\":\"id\","
					"\"exp\":1800000000}", "id"), CA_AUTH_BAD_TOKEN);
}
END_TEST

START_TEST(alg_none_and_others)
{
	/* signed with the right key, but each header is one the verifier must refuse */
	static const char *const refused_headers[] = {
		/* another algorithm, or RS256 spelt otherwise */
		"{\"alg\":\"RS512\",\"kid\":\"k1\"}",
		"{\"alg\":\"rs256\",\"kid\":\"k1\"}",
		"{\"alg\":\"RS256\\u0000\",\"kid\":\"k1\"}",
		"{\"kid\":\"k1\"}",
		"{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[\"b64\"]}",
		"{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWE\"}",
		/* duplicate alg members (a parser-confusion trick) */
		"{\"alg\":\"none\",\"alg\":\"RS256\",\"kid\":\"k1\"}",
	};
	struct ca_buf t = CA_BUF_INIT;
	char *p, *tok;
	size_t i;

	setup_keys();
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	/* alg none, with an empty signature and with some signature */
	signing_input(&t, "{\"alg\":\"none\",\"kid\":\"k1\"}", p);
	ca_buf_addch(&t, '.');
	ck_assert_int_eq(verify(t.data, "id"), CA_AUTH_BAD_TOKEN);
	ca_buf_adds(&t, "AAAA");
	ck_assert_int_eq(verify(t.data, "id"), CA_AUTH_BAD_TOKEN);
	ca_buf_release(&t);
	for (i = 0; i < sizeof(refused_headers) / sizeof(refused_headers[0]); i++) {
		tok = make_token(refused_headers[i], p, key_a);
		ck_assert_msg(verify(tok, "id") == CA_AUTH_BAD_TOKEN, "header %s was accepted",
			      refused_headers[i]);
		free(tok);
	}
	free(p);
}
END_TEST

/* HS256 with the verifier's public key (PEM) as the HMAC secret: the classic confusion. */
START_TEST(hs256_with_public_key)
{
	struct ca_buf t = CA_BUF_INIT;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL, *p;
	long pem_len;
	unsigned char mac[32];
	unsigned int mac_len = sizeof(mac);

	setup_keys();
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, key_a), 1);
	pem_len = BIO_get_mem_data(bio, &pem);
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	signing_input(&t, "{\"alg\":\"HS256\",\"kid\":\"k1\"}", p);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), pem, (int)pem_len, (unsigned char *)t.data, t.len,
				   mac, &mac_len));
	ca_buf_addch(&t, '.');
	b64(&t, mac, mac_len);
	ck_assert_int_eq(verify(t.data, "id"), CA_AUTH_BAD_TOKEN);
	ca_buf_release(&t);
	BIO_free(bio);
	free(p);
}
END_TEST

START_TEST(malformed_shapes)
{
	static const char *const shapes[] = {
		"", ".", "..", "...", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.",
		"eyJhbGciOiJSUzI1NiJ9.e30.", "e30=.e30.AAAA", "e3+.e30.AAAA", "e30.e30.AA/A",
		"eyJ hbGc.e30.AAAA", "\xff\xfe.e30.AAAA",
	};
	size_t i;

	setup_keys();
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		ck_assert_msg(verify(shapes[i], "id") == CA_AUTH_BAD_TOKEN, "shape %zu", i);
	ck_assert_int_eq(verify(NULL, "id"), CA_AUTH_BAD_TOKEN);
}
END_TEST

START_TEST(bad_json_parts)
{
	char *tok;

	setup_keys();
	tok = make_token("[\"RS256\"]", "{}", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"k1\"", "{}", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	/* a validly signed payload that is not an object, or not JSON */
	tok = make_token(HDR, "[1,2,3]", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	tok = make_token(HDR, "not json", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	/* kid of the wrong type, empty, too long */
	tok = make_token("{\"alg\":\"RS256\",\"kid\":1}", "{}", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"\"}", "{}", key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	{
		struct ca_buf h = CA_BUF_INIT;
		size_t i;

		ca_buf_adds(&h, "{\"alg\":\"RS256\",\"kid\":\"");
		for (i = 0; i < CA_JWT_KID_MAX + 1; i++)
			ca_buf_addch(&h, 'k');
		ca_buf_adds(&h, "\"}");
		tok = make_token(h.data, "{}", key_a);
		ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
		free(tok);
		ca_buf_release(&h);
	}
}
END_TEST

START_TEST(huge_token)
{
	struct ca_buf p = CA_BUF_INIT;
	char *tok;
	size_t i;

	setup_keys();
	ca_buf_adds(&p, "{\"aud\":\"" CLIENT "\",\"iss\":\"" ISS "\",\"token_use\":\"id\","
		    "\"exp\":1800000000,\"pad\":\"");
	for (i = 0; i < CA_JWT_MAX; i++)
		ca_buf_addch(&p, 'x');
	ca_buf_adds(&p, "\"}");
	tok = make_token(HDR, p.data, key_a); /* correctly signed, but too big to look at */
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	ca_buf_release(&p);
}
END_TEST

START_TEST(wrong_kid_and_wrong_key)
{
	char *p, *tok;

	setup_keys();
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"k2\"}", p, key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	/* signed by another key under the published kid */
	tok = make_token(HDR, p, key_b);
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(tok);
	/* a published key that is too small to trust */
	tok = make_token(HDR, p, key_small);
	ck_assert_int_eq(verify_with(tok, "id", key_small), CA_AUTH_BAD_TOKEN);
	free(tok);
	free(p);
}
END_TEST

START_TEST(tampered)
{
	char *p, *tok, *forged_payload, *dot1, *dot2;
	struct ca_buf t = CA_BUF_INIT;

	setup_keys();
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	tok = make_token(HDR, p, key_a);
	ck_assert_int_eq(verify(tok, "id"), CA_OK);
	/* swap in another user's payload, keep header and signature */
	forged_payload = id_payload(NOW + 3600, CLIENT, ISS, "id");
	{
		char *u = strstr(forged_payload, "5f1c-user");

		memcpy(u, "evil-user", 9);
	}
	dot1 = strchr(tok, '.');
	dot2 = strchr(dot1 + 1, '.');
	ca_buf_add(&t, tok, (size_t)(dot1 - tok) + 1);
	b64(&t, forged_payload, strlen(forged_payload));
	ca_buf_adds(&t, dot2);
	ck_assert_int_eq(verify(t.data, "id"), CA_AUTH_BAD_TOKEN);
	ca_buf_release(&t);
	/* one flipped signature character */
	{
		size_t n = strlen(tok);

		tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	}
	/* a truncated signature */
	tok[strlen(tok) - 4] = '\0';
	ck_assert_int_eq(verify(tok, "id"), CA_AUTH_BAD_TOKEN);
	free(forged_payload);
	free(tok);
	free(p);
}
END_TEST

START_TEST(key_source_failure_passes_through)
{
	struct one_key k = { "k1", NULL, CA_AWS_NETWORK };
	struct ca_jwt_expect x = expect("id");
	json_t *claims = NULL;
	struct ca_err err;
	char *p, *tok;

	setup_keys();
	k.key = key_a;
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	tok = make_token(HDR, p, key_a);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_jwt_verify(tok, one_key_fn, &k, &x, &claims, &err), CA_AWS_NETWORK);
	ck_assert_ptr_null(claims);
	x.issuer = NULL;
	ck_assert_int_eq(ca_jwt_verify(tok, one_key_fn, &k, &x, &claims, NULL), CA_EINVAL);
	free(tok);
	free(p);
}
END_TEST

/* --- JWKS ------------------------------------------------------------------- */

static void jwk_json(struct ca_buf *out, const char *kid, EVP_PKEY *key)
{
	BIGNUM *n = NULL, *e = NULL;
	unsigned char nb[1024], eb[16];
	int nl, el;

	ck_assert_int_eq(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	nl = BN_bn2bin(n, nb);
	el = BN_bn2bin(e, eb);
	ca_buf_addf(out, "{\"alg\":\"RS256\",\"e\":\"");
	b64(out, eb, (size_t)el);
	ca_buf_addf(out, "\",\"kid\":\"%s\",\"kty\":\"RSA\",\"n\":\"", kid);
	b64(out, nb, (size_t)nl);
	ca_buf_adds(out, "\",\"use\":\"sig\"}");
	BN_free(n);
	BN_free(e);
}

struct fake_server {
	const char *doc;
	int fail_with;
	unsigned calls;
};

static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

static int fake_fetch(void *ctx, const char *url, struct ca_buf *out, struct ca_err *err)
{
	struct fake_server *s = ctx;

	(void)url;
	s->calls++;
	if (s->fail_with)
		return ca_err_set(err, s->fail_with, "The key set server did not answer.");
	return ca_buf_adds(out, s->doc);
}

static struct ca_jwks *fake_jwks(struct fake_server *s)
{
	struct ca_jwks_options o = { "http://127.0.0.1:9/pool/.well-known/jwks.json", 0, 60,
				     fake_fetch, s, fake_clock };
	struct ca_jwks *j = NULL;

	ck_assert_int_eq(ca_jwks_new(&o, &j, NULL), CA_OK);
	return j;
}

START_TEST(jwks_verifies_tokens)
{
	struct ca_buf doc = CA_BUF_INIT;
	struct fake_server s = { NULL, 0, 0 };
	struct ca_jwt_expect x = expect("id");
	struct ca_jwks *j;
	json_t *claims = NULL;
	char *p, *tok;

	setup_keys();
	ca_buf_adds(&doc, "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\"},");
	jwk_json(&doc, "enc-key", key_b);
	/* the same key marked for encryption must not be used for signatures */
	{
		char *use = strstr(doc.data + 40, "\"use\":\"sig\"");

		memcpy(use, "\"use\":\"enc\"", 11);
	}
	ca_buf_addch(&doc, ',');
	jwk_json(&doc, "k1", key_a);
	ca_buf_adds(&doc, "]}");
	s.doc = doc.data;
	fake_now = NOW;
	j = fake_jwks(&s);
	ck_assert_uint_eq(s.calls, 0); /* nothing fetched before it is needed */
	p = id_payload(NOW + 3600, CLIENT, ISS, "id");
	tok = make_token(HDR, p, key_a);
	ck_assert_int_eq(ca_jwt_verify(tok, ca_jwks_key, j, &x, &claims, NULL), CA_OK);
	json_decref(claims);
	ck_assert_int_eq(ca_jwt_verify(tok, ca_jwks_key, j, &x, &claims, NULL), CA_OK);
	json_decref(claims);
	ck_assert_uint_eq(s.calls, 1); /* cached */
	free(tok);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"enc-key\"}", p, key_b);
	ck_assert_int_eq(ca_jwt_verify(tok, ca_jwks_key, j, &x, &claims, NULL), CA_AUTH_BAD_TOKEN);
	free(tok);
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"ec\"}", p, key_a);
	ck_assert_int_eq(ca_jwt_verify(tok, ca_jwks_key, j, &x, &claims, NULL), CA_AUTH_BAD_TOKEN);
	free(tok);
	ck_assert_ptr_null(claims);
	ca_jwks_free(j);
	ca_buf_release(&doc);
	free(p);
}
END_TEST

START_TEST(jwks_refetch_at_most_once_a_minute)
{
	struct ca_buf doc1 = CA_BUF_INIT, doc2 = CA_BUF_INIT;
	struct fake_server s = { NULL, 0, 0 };
	struct ca_jwks *j;
	EVP_PKEY *k = NULL;

	setup_keys();
	ca_buf_adds(&doc1, "{\"keys\":[");
	jwk_json(&doc1, "old", key_a);
	ca_buf_adds(&doc1, "]}");
	ca_buf_adds(&doc2, "{\"keys\":[");
	jwk_json(&doc2, "new", key_b);
	ca_buf_adds(&doc2, "]}");
	s.doc = doc1.data;
	fake_now = NOW;
	j = fake_jwks(&s);
	ck_assert_int_eq(ca_jwks_key(j, "old", &k, NULL), CA_OK);
	EVP_PKEY_free(k);
	/* the pool rotates its key; unknown kids within the minute do not refetch */
	s.doc = doc2.data;
	fake_now = NOW + 10;
	ck_assert_int_eq(ca_jwks_key(j, "new", &k, NULL), CA_ENOTFOUND);
	ck_assert_int_eq(ca_jwks_key(j, "made-up", &k, NULL), CA_ENOTFOUND);
	ck_assert_uint_eq(s.calls, 1);
	fake_now = NOW + 60;
	ck_assert_int_eq(ca_jwks_key(j, "new", &k, NULL), CA_OK);
	ck_assert_ptr_nonnull(k);
	EVP_PKEY_free(k);
	ck_assert_uint_eq(s.calls, 2);
	ck_assert_uint_eq(ca_jwks_fetch_count(j), 2);
	/* a failed refetch keeps what is cached */
	s.fail_with = CA_AWS_NETWORK;
	fake_now = NOW + 200;
	ck_assert_int_eq(ca_jwks_key(j, "other", &k, NULL), CA_AWS_NETWORK);
	ck_assert_int_eq(ca_jwks_key(j, "new", &k, NULL), CA_OK);
	EVP_PKEY_free(k);
	ca_jwks_free(j);
	ca_buf_release(&doc1);
	ca_buf_release(&doc2);
}
END_TEST

START_TEST(jwks_hostile_documents)
{
	static const char *const docs[] = {
		"", "null", "[]", "{\"keys\":{}}", "{\"keys\":\"x\"}",
		"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
		"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"n\":\"!!\",\"e\":\"AQAB\"}]}",
		"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\"}]}",
		"{\"keys\":[1,\"k1\",null,[]]}",
	};
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct fake_server s = { docs[i], 0, 0 };
		struct ca_jwks *j = fake_jwks(&s);
		EVP_PKEY *k = (EVP_PKEY *)1;
		int rc = ca_jwks_key(j, "k1", &k, NULL);

		ck_assert_msg(rc == CA_ENOTFOUND || rc == CA_EPARSE, "doc %zu gave %d", i, rc);
		ck_assert_ptr_null(k);
		ca_jwks_free(j);
	}
	{
		struct ca_jwks_options o = { "file:///etc/passwd", 0, 0, NULL, NULL, NULL };
		struct ca_jwks *j = NULL;

		ck_assert_int_eq(ca_jwks_new(&o, &j, NULL), CA_EINVAL);
		ck_assert_ptr_null(j);
		ck_assert_int_eq(ca_jwks_new(NULL, &j, NULL), CA_EINVAL);
	}
}
END_TEST

START_TEST(rsa_key_limits)
{
	uint8_t n[300], e3[1] = { 3 }, e_even[3] = { 1, 0, 0 }, e1[1] = { 1 };
	EVP_PKEY *k = NULL;

	memset(n, 0xc5, sizeof(n));
	ck_assert_int_eq(ca_jwks_rsa_key(n, 128, e3, 1, &k, NULL), CA_EINVAL); /* 1024 bits */
	ck_assert_int_eq(ca_jwks_rsa_key(n, 256, e_even, 3, &k, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_jwks_rsa_key(n, 256, e1, 1, &k, NULL), CA_EINVAL);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(ca_jwks_rsa_key(n, 256, e3, 1, &k, NULL), CA_OK);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), 2048);
	EVP_PKEY_free(k);
}
END_TEST

static void free_keys(void)
{
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	EVP_PKEY_free(key_small);
	key_a = key_b = key_small = NULL;
}

static Suite *make_suite(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("jwt");

	tcase_add_unchecked_fixture(tc, NULL, free_keys);
	tcase_add_checked_fixture(tc, NULL, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, valid_id_token);
	tcase_add_test(tc, every_allocation_failing);
	tcase_add_test(tc, valid_access_token);
	tcase_add_test(tc, time_claims);
	tcase_add_test(tc, wrong_audience_issuer_use);
	tcase_add_test(tc, alg_none_and_others);
	tcase_add_test(tc, hs256_with_public_key);
	tcase_add_test(tc, malformed_shapes);
	tcase_add_test(tc, bad_json_parts);
	tcase_add_test(tc, huge_token);
	tcase_add_test(tc, wrong_kid_and_wrong_key);
	tcase_add_test(tc, tampered);
	tcase_add_test(tc, key_source_failure_passes_through);
	tcase_add_test(tc, jwks_verifies_tokens);
	tcase_add_test(tc, jwks_refetch_at_most_once_a_minute);
	tcase_add_test(tc, jwks_hostile_documents);
	tcase_add_test(tc, rsa_key_limits);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
