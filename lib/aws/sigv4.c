/*
 * sigv4.c — AWS Signature Version 4 on OpenSSL, header and query (presign) mode.
 *
 * The canonical request's parts come from sigv4_canon.c; this file checks the
 * inputs, adds the signer's own headers or query parameters, and derives the
 * signature: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
 */
#include "aws/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4_canon.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_METHOD 20
#define MAX_SCOPE_PART 64
#define MAX_ACCESS_KEY 128
#define MAX_SECRET 256
#define MAX_TOKEN (16 * 1024)
#define MAX_EXPIRES 604800L

static const char *const query_auth_params[] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
};

void sigv4_signed_release(struct sigv4_signed *s)
{
	if (!s)
		return;
	free(s->canonical_request);
	free(s->string_to_sign);
	free(s->authorization);
	free(s->content_sha256);
	free(s->query);
	ca_free_secret(s->security_token);
	free(s->signed_headers);
	memset(s, 0, sizeof(*s));
}

static bool all_chars(const char *s, size_t max, const char *what_ok)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (n >= max)
			return false;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr(what_ok, c))
			return false;
	}
	return n > 0;
}

static bool printable_no_space(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (n >= max || (unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return n > 0;
}

static bool has_token(const struct aws_credentials *c)
{
	return c->session_token && *c->session_token;
}

static int check_params(const struct sigv4_request *req, const struct sigv4_params *p,
			bool query_mode, struct ca_err *err)
{
	const struct aws_credentials *c;

	if (!req || !p)
		return ca_err_set(err, CA_EINVAL, "Nothing to sign: the request or parameters are missing.");
	c = p->creds;
	if (!c || !c->access_key_id || !*c->access_key_id || !c->secret_access_key ||
	    !*c->secret_access_key)
		return ca_err_set(err, CA_EINVAL,
				  "Cannot sign without credentials: an access key id and a secret key are needed.");
	if (!printable_no_space(c->access_key_id, MAX_ACCESS_KEY) || strpbrk(c->access_key_id, "/,="))
		return ca_err_set(err, CA_EINVAL,
				  "The access key id must be up to %d printable characters without spaces, '/', ',' or '='.",
				  MAX_ACCESS_KEY);
	if (strlen(c->secret_access_key) > MAX_SECRET)
		return ca_err_set(err, CA_EINVAL, "The secret access key is longer than %d bytes.",
				  MAX_SECRET);
	if (has_token(c) && !printable_no_space(c->session_token, MAX_TOKEN))
		return ca_err_set(err, CA_EINVAL,
				  "The session token must be up to %d printable characters without spaces.",
				  MAX_TOKEN);
	if (!p->region || !all_chars(p->region, MAX_SCOPE_PART, "-._"))
		return ca_err_set(err, CA_EINVAL,
				  "Cannot sign without a region (letters, digits, '-', '.' or '_'), like us-east-1.");
	if (!p->service || !all_chars(p->service, MAX_SCOPE_PART, "-._"))
		return ca_err_set(err, CA_EINVAL,
				  "Cannot sign without a service signing name, like dynamodb or s3.");
	if (!req->method || !all_chars(req->method, MAX_METHOD, "") ||
	    strspn(req->method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(req->method))
		return ca_err_set(err, CA_EINVAL,
				  "The HTTP method must be 1 to %d upper-case letters, like GET.", MAX_METHOD);
	if (req->body_len && !req->body)
		return ca_err_set(err, CA_EINVAL, "The request has a body length but no body.");
	if (p->when < 0)
		return ca_err_set(err, CA_EINVAL, "The signing time is before 1970.");
	if (query_mode && (p->expires < 1 || p->expires > MAX_EXPIRES))
		return ca_err_set(err, CA_EINVAL,
				  "A presigned request must expire in 1 to %ld seconds (7 days), not %ld.",
				  MAX_EXPIRES, p->expires);
	if (req->payload_hash) {
		const char *h = req->payload_hash;
		bool hex = strlen(h) == 64 && strspn(h, "0123456789abcdef") == 64;

		if (!hex && strcmp(h, SIGV4_UNSIGNED_PAYLOAD) &&
		    !(ca_starts_with(h, "STREAMING-") && printable_no_space(h, 64)))
			return ca_err_set(err, CA_EINVAL,
					  "The payload hash must be 64 lower-case hex digits, UNSIGNED-PAYLOAD or a STREAMING- value.");
	}
	return CA_OK;
}

/* Header mode: the caller must not pass the headers the signer sets itself. */
static int check_owned_headers(const struct sigv4_request *req, bool token, bool sha_header,
			       struct ca_err *err)
{
	size_t i;

	for (i = 0; req->headers && i < req->n_headers; i++) {
		const char *n = req->headers[i].name;

		if (!n)
			continue;
		if (!strcasecmp(n, "x-amz-date") || !strcasecmp(n, "authorization") ||
		    (token && !strcasecmp(n, "x-amz-security-token")))
			return ca_err_set(err, CA_EINVAL,
					  "Do not pass the %s header: the signer sets it.", n);
		if (sha_header && !strcasecmp(n, "x-amz-content-sha256"))
			return ca_err_set(err, CA_EINVAL,
					  "Do not pass x-amz-content-sha256: set payload_hash and the signer adds it.");
	}
	return CA_OK;
}

/* Query mode: the caller's query must not carry the presign parameters. */
static int check_query_free_of_auth(const char *q, struct ca_err *err)
{
	while (q && *q) {
		size_t len = strcspn(q, "=&"), i;

		for (i = 0; i < sizeof(query_auth_params) / sizeof(query_auth_params[0]); i++)
			if (len == strlen(query_auth_params[i]) && !strncmp(q, query_auth_params[i], len))
				return ca_err_set(err, CA_EINVAL,
						  "The URL already carries %s; give it without the presign parameters.",
						  query_auth_params[i]);
		q += strcspn(q, "&");
		if (*q)
			q++;
	}
	return CA_OK;
}

static int format_time(time_t when, char amz_date[17], struct ca_err *err)
{
	struct tm tm;

	if (!gmtime_r(&when, &tm) || tm.tm_year + 1900 > 9999 ||
	    strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return ca_err_set(err, CA_EINVAL, "The signing time is not a date between 1970 and 9999.");
	return CA_OK;
}

/*
 * The signing key depends only on the secret, the day, the region and the service,
 * so each thread keeps the last one it derived (4 of the 5 HMACs per signature).
 * The entry is recognised by the access key id and a SHA-256 of the secret, never
 * the secret itself.
 */
struct signing_key_cache {
	bool valid;
	char access_key_id[MAX_ACCESS_KEY + 1];
	uint8_t secret_digest[CA_SHA256_LEN];
	char date8[9];
	char region[MAX_SCOPE_PART + 1];
	char service[MAX_SCOPE_PART + 1];
	uint8_t key[CA_SHA256_LEN];
};

static _Thread_local struct signing_key_cache key_cache;
static _Thread_local unsigned long key_derivations;

unsigned long sigv4_key_derivations(void)
{
	return key_derivations;
}

static void signing_key(const struct aws_credentials *c, const char *date8, const char *region,
			const char *service, uint8_t out[CA_SHA256_LEN])
{
	struct signing_key_cache *kc = &key_cache;
	unsigned char secret_key[4 + MAX_SECRET];
	uint8_t digest[CA_SHA256_LEN], k[CA_SHA256_LEN];
	size_t secret_len = strlen(c->secret_access_key);

	ca_sha256(c->secret_access_key, secret_len, digest);
	if (kc->valid && !strcmp(kc->date8, date8) && !strcmp(kc->region, region) &&
	    !strcmp(kc->service, service) && !strcmp(kc->access_key_id, c->access_key_id) &&
	    ca_consttime_eq(kc->secret_digest, sizeof(digest), digest, sizeof(digest))) {
		memcpy(out, kc->key, CA_SHA256_LEN);
		return;
	}
	key_derivations++;
	memcpy(secret_key, "AWS4", 4);
	memcpy(secret_key + 4, c->secret_access_key, secret_len);
	ca_hmac_sha256(secret_key, 4 + secret_len, date8, strlen(date8), k);
	ca_hmac_sha256(k, sizeof(k), region, strlen(region), k);
	ca_hmac_sha256(k, sizeof(k), service, strlen(service), k);
	ca_hmac_sha256(k, sizeof(k), "aws4_request", 12, out);
	explicit_bzero(secret_key, sizeof(secret_key));
	explicit_bzero(k, sizeof(k));

	/* every part was length-checked by check_params, so these copies fit */
	kc->valid = true;
	snprintf(kc->access_key_id, sizeof(kc->access_key_id), "%s", c->access_key_id);
	memcpy(kc->secret_digest, digest, sizeof(digest));
	snprintf(kc->date8, sizeof(kc->date8), "%s", date8);
	snprintf(kc->region, sizeof(kc->region), "%s", region);
	snprintf(kc->service, sizeof(kc->service), "%s", service);
	memcpy(kc->key, out, CA_SHA256_LEN);
}

static void derive_signature(const struct aws_credentials *c, const char *date8,
			     const char *region, const char *service, const char *string_to_sign,
			     char out[65])
{
	uint8_t key[CA_SHA256_LEN], sig[CA_SHA256_LEN];

	signing_key(c, date8, region, service, key);
	ca_hmac_sha256(key, sizeof(key), string_to_sign, strlen(string_to_sign), sig);
	ca_hex_encode(sig, sizeof(sig), out);
	explicit_bzero(key, sizeof(key));
}

/* What one signature is made of, worked out before the canonical request. */
struct sign_parts {
	bool query_mode;
	bool token;                     /* the credentials carry a session token */
	bool sha_header;                /* header mode: x-amz-content-sha256 is added */
	char amz_date[17];
	char date8[9];
	char scope[3 * MAX_SCOPE_PART + 32];
	char payload_hex[65];
	const char *payload;            /* the payload hash signed: payload_hex or given */
	char expires[24];               /* query mode: X-Amz-Expires */
	char *credential;               /* query mode: <access key id>/<scope> (owned) */
};

static int oom_signing(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
}

/* Checks the input and fills *sp (release sp->credential). */
static int prepare(const struct sigv4_request *req, const struct sigv4_params *p,
		   bool query_mode, struct sign_parts *sp, struct ca_err *err)
{
	uint8_t digest[CA_SHA256_LEN];
	size_t n;
	int rc;

	memset(sp, 0, sizeof(*sp));
	sp->query_mode = query_mode;
	if ((rc = check_params(req, p, query_mode, err)))
		return rc;
	sp->token = has_token(p->creds);
	sp->sha_header = !query_mode && (p->s3 || p->content_sha256_header);
	rc = query_mode ? check_query_free_of_auth(req->query, err)
			: check_owned_headers(req, sp->token, sp->sha_header, err);
	if (rc || (rc = format_time(p->when, sp->amz_date, err)))
		return rc;
	if (req->n_headers > SIGV4_MAX_HEADERS)
		return ca_err_set(err, CA_ERANGE, "The request has %zu headers; the limit is %d.",
				  req->n_headers, SIGV4_MAX_HEADERS);
	if (req->n_headers && !req->headers)
		return ca_err_set(err, CA_EINVAL, "The request lists headers but gives none (NULL).");
	memcpy(sp->date8, sp->amz_date, 8);
	snprintf(sp->scope, sizeof(sp->scope), "%s/%s/%s/aws4_request", sp->date8, p->region,
		 p->service);
	if (req->payload_hash) {
		sp->payload = req->payload_hash;
	} else if (query_mode && p->s3) {
		sp->payload = SIGV4_UNSIGNED_PAYLOAD;
	} else {
		ca_sha256(req->body_len ? req->body : "", req->body_len, digest);
		ca_hex_encode(digest, sizeof(digest), sp->payload_hex);
		sp->payload = sp->payload_hex;
	}
	if (query_mode) {
		n = strlen(p->creds->access_key_id) + 1 + strlen(sp->scope) + 1;
		if (!(sp->credential = malloc(n)))
			return oom_signing(err);
		snprintf(sp->credential, n, "%s/%s", p->creds->access_key_id, sp->scope);
		snprintf(sp->expires, sizeof(sp->expires), "%ld", p->expires);
	}
	return CA_OK;
}

/*
 * The canonical request into *creq and the SignedHeaders list into *names: method,
 * path, query (with the presign parameters in query mode), headers (with the signer's
 * own in header mode), signed header names, payload hash.
 */
static int canonical_request(const struct sigv4_request *req, const struct sigv4_params *p,
			     const struct sign_parts *sp, struct ca_buf *creq,
			     struct ca_buf *names, struct ca_err *err)
{
	struct ca_buf headers_block = CA_BUF_INIT;
	struct sigv4_header *all = malloc((req->n_headers + 3) * sizeof(*all));
	struct sigv4_param extra[6];
	size_t n_all = req->n_headers, n_extra = 0;
	bool token_signed = sp->token && !p->omit_session_token;
	int rc;

	size_t i, room = 256 + strlen(req->path ? req->path : "") +
			 2 * strlen(req->query ? req->query : "");

	if (!all)
		return oom_signing(err);
	if (req->n_headers)
		memcpy(all, req->headers, req->n_headers * sizeof(*all));
	for (i = 0; i < req->n_headers; i++)
		room += (all[i].name ? strlen(all[i].name) : 0) +
			(all[i].value ? strlen(all[i].value) : 0) + 2;
	/* one allocation each rather than a realloc per doubling */
	ca_buf_grow(&headers_block, room);
	ca_buf_grow(names, 128);
	ca_buf_grow(creq, 2 * room);
	if (!sp->query_mode) {
		all[n_all++] = (struct sigv4_header){ "x-amz-date", sp->amz_date };
		if (token_signed)
			all[n_all++] = (struct sigv4_header){ "x-amz-security-token",
							      p->creds->session_token };
		if (sp->sha_header)
			all[n_all++] = (struct sigv4_header){ "x-amz-content-sha256", sp->payload };
	}
	if ((rc = sigv4_canonical_headers(&headers_block, names, all, n_all, err)))
		goto out;
	ca_buf_adds(creq, req->method);
	ca_buf_addch(creq, '\n');
	if ((rc = sigv4_canonical_path(creq, req->path, p->s3, !p->no_normalize, err)))
		goto out;
	ca_buf_addch(creq, '\n');
	if (sp->query_mode) {
		extra[n_extra++] = (struct sigv4_param){ "X-Amz-Algorithm", ALGORITHM };
		extra[n_extra++] = (struct sigv4_param){ "X-Amz-Credential", sp->credential };
		extra[n_extra++] = (struct sigv4_param){ "X-Amz-Date", sp->amz_date };
		extra[n_extra++] = (struct sigv4_param){ "X-Amz-Expires", sp->expires };
		extra[n_extra++] = (struct sigv4_param){ "X-Amz-SignedHeaders", names->data };
		if (token_signed)
			extra[n_extra++] = (struct sigv4_param){ "X-Amz-Security-Token",
								 p->creds->session_token };
	}
	if ((rc = sigv4_canonical_query(creq, req->query, extra, n_extra, err)))
		goto out;
	ca_buf_addch(creq, '\n');
	ca_buf_add(creq, headers_block.data, headers_block.len);
	ca_buf_addch(creq, '\n');
	ca_buf_add(creq, names->data, names->len);
	ca_buf_addch(creq, '\n');
	ca_buf_adds(creq, sp->payload);
	if (!ca_buf_ok(creq) || !ca_buf_ok(names))
		rc = oom_signing(err);
out:
	free(all);
	ca_buf_release(&headers_block);
	return rc;
}

/* "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex SHA-256 of the canonical request>" */
static int string_to_sign(const struct sign_parts *sp, const struct ca_buf *creq,
			  struct ca_buf *sts, struct ca_err *err)
{
	uint8_t digest[CA_SHA256_LEN];
	char creq_hash[65];

	ca_sha256(creq->data, creq->len, digest);
	ca_hex_encode(digest, sizeof(digest), creq_hash);
	ca_buf_grow(sts, 256);
	ca_buf_adds(sts, ALGORITHM "\n");
	ca_buf_adds(sts, sp->amz_date);
	ca_buf_addch(sts, '\n');
	ca_buf_adds(sts, sp->scope);
	ca_buf_addch(sts, '\n');
	ca_buf_adds(sts, creq_hash);
	return ca_buf_ok(sts) ? CA_OK : oom_signing(err);
}

/* Query mode: the query to send, the caller's parameters then the presign ones. */
static int finish_query(const struct sigv4_request *req, const struct sigv4_params *p,
			const struct sign_parts *sp, const struct ca_buf *names,
			struct sigv4_signed *out, struct ca_err *err)
{
	struct ca_buf q = CA_BUF_INIT;

	if (req->query && *req->query) {
		ca_buf_adds(&q, req->query);
		ca_buf_addch(&q, '&');
	}
	ca_buf_adds(&q, "X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential=");
	aws_uri_encode_buf(&q, sp->credential, strlen(sp->credential), true);
	ca_buf_adds(&q, "&X-Amz-Date=");
	ca_buf_adds(&q, sp->amz_date);
	ca_buf_adds(&q, "&X-Amz-SignedHeaders=");
	aws_uri_encode_buf(&q, names->data, names->len, true);
	ca_buf_adds(&q, "&X-Amz-Expires=");
	ca_buf_adds(&q, sp->expires);
	if (sp->token) {
		ca_buf_adds(&q, "&X-Amz-Security-Token=");
		aws_uri_encode_buf(&q, p->creds->session_token, strlen(p->creds->session_token),
				   true);
	}
	ca_buf_adds(&q, "&X-Amz-Signature=");
	ca_buf_adds(&q, out->signature);
	out->query = ca_buf_detach(&q, NULL);
	return out->query ? CA_OK : oom_signing(err);
}

/* Header mode: Authorization, and the values of the headers the signer adds. */
static int finish_headers(const struct sigv4_params *p, const struct sign_parts *sp,
			  const struct ca_buf *names, struct sigv4_signed *out,
			  struct ca_err *err)
{
	struct ca_buf a = CA_BUF_INIT;

	ca_buf_adds(&a, ALGORITHM " Credential=");
	ca_buf_adds(&a, p->creds->access_key_id);
	ca_buf_addch(&a, '/');
	ca_buf_adds(&a, sp->scope);
	ca_buf_adds(&a, ", SignedHeaders=");
	ca_buf_add(&a, names->data, names->len);
	ca_buf_adds(&a, ", Signature=");
	ca_buf_adds(&a, out->signature);
	out->authorization = ca_buf_detach(&a, NULL);
	if (sp->sha_header)
		out->content_sha256 = ca_strdup(sp->payload);
	if (sp->token)
		out->security_token = ca_strdup(p->creds->session_token);
	if (!out->authorization || (sp->sha_header && !out->content_sha256) ||
	    (sp->token && !out->security_token))
		return oom_signing(err);
	return CA_OK;
}

static int sign(const struct sigv4_request *req, const struct sigv4_params *p, bool query_mode,
		struct sigv4_signed *out, struct ca_err *err)
{
	struct ca_buf creq = CA_BUF_INIT, names = CA_BUF_INIT, sts = CA_BUF_INIT;
	struct sign_parts sp;
	int rc;

	if (!out)
		return ca_err_set(err, CA_EINVAL, "Nowhere to put the signature (out is NULL).");
	memset(out, 0, sizeof(*out));
	if ((rc = prepare(req, p, query_mode, &sp, err)) ||
	    (rc = canonical_request(req, p, &sp, &creq, &names, err)) ||
	    (rc = string_to_sign(&sp, &creq, &sts, err)))
		goto out;
	memcpy(out->amz_date, sp.amz_date, sizeof(out->amz_date));
	derive_signature(p->creds, sp.date8, p->region, p->service, sts.data, out->signature);
	rc = query_mode ? finish_query(req, p, &sp, &names, out, err)
			: finish_headers(p, &sp, &names, out, err);
	if (rc)
		goto out;
	out->signed_headers = ca_buf_detach(&names, NULL);
	out->canonical_request = ca_buf_detach(&creq, NULL);
	out->string_to_sign = ca_buf_detach(&sts, NULL);
	if (!out->signed_headers || !out->canonical_request || !out->string_to_sign)
		rc = oom_signing(err);
out:
	if (rc)
		sigv4_signed_release(out);
	free(sp.credential);
	ca_buf_release(&creq);
	ca_buf_release(&names);
	ca_buf_release(&sts);
	return rc;
}

int sigv4_sign_headers(const struct sigv4_request *req, const struct sigv4_params *p,
		       struct sigv4_signed *out, struct ca_err *err)
{
	return sign(req, p, false, out, err);
}

int sigv4_sign_query(const struct sigv4_request *req, const struct sigv4_params *p,
		     struct sigv4_signed *out, struct ca_err *err)
{
	return sign(req, p, true, out, err);
}
