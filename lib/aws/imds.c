#include "aws/imds.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aws/amz_date.h"
#include "aws/endpoint.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define IMDS_CONNECT_TIMEOUT_MS 1000L
#define IMDS_TOTAL_TIMEOUT_MS 2000L
#define IMDS_ATTEMPTS 2
#define IMDS_TOKEN_TTL "21600"
#define IMDS_MAX_BODY (64 * 1024)
#define IMDS_MAX_TOKEN 1024
#define IAM_ROLE_NAME_MAX 128

bool aws_imds_disabled(void)
{
	const char *v = getenv("AWS_EC2_METADATA_DISABLED");

	return v && !strcasecmp(v, "true");
}

const char *aws_imds_endpoint(bool *from_env)
{
	const char *v = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");

	if (from_env)
		*from_env = v && *v;
	if (v && *v)
		return v;
	if (mode && !strcasecmp(mode, "IPv6"))
		return AWS_IMDS_DEFAULT_ENDPOINT_V6;
	return AWS_IMDS_DEFAULT_ENDPOINT;
}

struct capped_body {
	struct ca_buf buf;
	bool overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct capped_body *b = userdata;
	size_t n = size * nmemb;

	if (b->buf.len + n > IMDS_MAX_BODY) {
		b->overflow = true;
		return 0;
	}
	if (ca_buf_add(&b->buf, data, n))
		return 0;
	return n;
}

/* One request with the SDKs' timeouts and one retry on a connection failure or 5xx.
 * *status gets the HTTP status. Errors are sentences naming what (`what`) failed. */
static int imds_request(const char *base, const char *method, const char *url,
			const char *token, const char *what, struct capped_body *body, long *status,
			struct ca_err *err)
{
	struct curl_slist *headers = NULL;
	char hdr[IMDS_MAX_TOKEN + 64];
	CURL *h = NULL;
	CURLcode cc = CURLE_OK;
	int attempt, rc = CA_OK;

	*status = 0;
	h = curl_easy_init();
	if (!h) {
		rc = ca_err_set(err, CA_ENOMEM, "cannot start an HTTP client (out of memory)");
		goto out;
	}
	if (token) {
		snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", token);
		headers = curl_slist_append(headers, hdr);
	} else {
		headers = curl_slist_append(headers, "X-aws-ec2-metadata-token-ttl-seconds: "
					    IMDS_TOKEN_TTL);
	}
	if (headers)
		headers = curl_slist_append(headers, "Content-Type:");
	if (!headers) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	for (attempt = 0; attempt < IMDS_ATTEMPTS; attempt++) {
		ca_buf_reset(&body->buf);
		body->overflow = false;
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, IMDS_CONNECT_TIMEOUT_MS);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, IMDS_TOTAL_TIMEOUT_MS);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
		if (!strcmp(method, "PUT")) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		}
		cc = curl_easy_perform(h);
		if (cc == CURLE_OK) {
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
			if (*status < 500)
				break;
		} else if (body->overflow || cc == CURLE_OUT_OF_MEMORY) {
			break;
		}
	}
	if (body->overflow) {
		rc = ca_err_set(err, CA_AWS_IMDS, "the instance metadata service at %s answered %s "
				"with more than %d bytes, which is not a metadata document", base,
				what, IMDS_MAX_BODY);
		goto out;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = ca_err_set(err, CA_AWS_TIMEOUT, "the instance metadata service at %s did not "
				"answer %s in time (%s)", base, what, curl_easy_strerror(cc));
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = ca_err_set(err, cc == CURLE_OUT_OF_MEMORY ? CA_ENOMEM : CA_AWS_NETWORK,
				"the instance metadata service at %s could not be "
				"reached for %s (%s)", base, what, curl_easy_strerror(cc));
		goto out;
	}
	if (*status != 200) {
		rc = ca_err_set(err, CA_AWS_IMDS, "the instance metadata service at %s answered %s "
				"with HTTP %ld", base, what, *status);
		goto out;
	}
out:
	curl_slist_free_all(headers);
	if (h)
		curl_easy_cleanup(h);
	memset(hdr, 0, sizeof(hdr));
	return rc;
}

static bool valid_role_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > IAM_ROLE_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("+=,.@_-", c)))
			return false;
	}
	return true;
}

static bool valid_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > IMDS_MAX_TOKEN)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static const char *json_str(json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int aws_imds_parse_credentials(const char *json, size_t len, const char *role,
			       struct aws_credentials *out, struct ca_err *err)
{
	struct aws_credentials c = { 0 };
	json_error_t jerr;
	json_t *doc = NULL;
	const char *code, *id, *secret, *token, *exp;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	if (!role)
		role = "?";
	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		rc = ca_err_set(err, CA_AWS_IMDS, "the instance metadata service sent credentials "
				"for role %s that are not a JSON object", role);
		goto out;
	}
	code = json_str(doc, "Code");
	if (json_object_get(doc, "Code") && (!code || strcmp(code, "Success"))) {
		rc = ca_err_set(err, CA_AWS_IMDS, "the instance metadata service reports code "
				"\"%.64s\" for role %s instead of Success", code ? code : "?", role);
		goto out;
	}
	id = json_str(doc, "AccessKeyId");
	secret = json_str(doc, "SecretAccessKey");
	token = json_str(doc, "Token");
	exp = json_str(doc, "Expiration");
	if (!id || !*id || !secret || !*secret || !exp) {
		rc = ca_err_set(err, CA_AWS_IMDS, "the instance metadata service sent credentials "
				"for role %s without AccessKeyId, SecretAccessKey or Expiration", role);
		goto out;
	}
	if (!aws_parse_iso8601(exp, &c.expiration)) {
		rc = ca_err_set(err, CA_AWS_IMDS, "the instance metadata service sent an "
				"Expiration for role %s that is not an ISO 8601 time", role);
		goto out;
	}
	if (c.expiration == 0)
		c.expiration = 1; /* 0 means "never expires" to callers */
	c.source = "iam-role";
	c.access_key_id = ca_strdup(id);
	c.secret_access_key = ca_strdup(secret);
	c.session_token = token && *token ? ca_strdup(token) : NULL;
	if (!c.access_key_id || !c.secret_access_key || (token && *token && !c.session_token)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	aws_credentials_release(&c);
	json_decref(doc);
	return rc;
}

int aws_imds_fetch_credentials(const char *endpoint, struct aws_credentials *out,
			       struct ca_err *err)
{
	struct aws_endpoint ep = { 0 };
	struct capped_body body = { CA_BUF_INIT, false };
	struct ca_buf url = CA_BUF_INIT;
	struct ca_err inner;
	char *token = NULL, *role = NULL, *location = NULL;
	long status = 0;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	ca_err_clear(&inner);
	rc = aws_endpoint_parse_url(endpoint, "AWS_EC2_METADATA_SERVICE_ENDPOINT", &ep, &inner);
	if (rc)
		goto fail;

	ca_buf_addf(&url, "%s/latest/api/token", ep.url);
	if (!ca_buf_ok(&url)) {
		rc = ca_err_set(&inner, CA_ENOMEM, "out of memory");
		goto fail;
	}
	rc = imds_request(ep.url, "PUT", url.data, NULL, "the token request", &body, &status, &inner);
	if (rc)
		goto fail;
	n = body.buf.len;
	while (n && (body.buf.data[n - 1] == '\n' || body.buf.data[n - 1] == '\r'))
		n--;
	if (!valid_token(body.buf.data, n)) {
		rc = ca_err_set(&inner, CA_AWS_IMDS, "the instance metadata service at %s sent an "
				"empty or malformed session token", ep.url);
		goto fail;
	}
	token = ca_strndup(body.buf.data, n);

	ca_buf_reset(&url);
	ca_buf_addf(&url, "%s/latest/meta-data/iam/security-credentials/", ep.url);
	if (!token || !ca_buf_ok(&url)) {
		rc = ca_err_set(&inner, CA_ENOMEM, "out of memory");
		goto fail;
	}
	rc = imds_request(ep.url, "GET", url.data, token, "the role name request", &body, &status, &inner);
	if (rc) {
		if (status == 404) {
			ca_err_clear(&inner);
			rc = ca_err_set(&inner, CA_AWS_IMDS, "the instance metadata service at %s "
					"lists no IAM role: attach an instance profile to this "
					"instance", ep.url);
		}
		goto fail;
	}
	/* the first line names the role */
	n = strcspn(body.buf.data, "\r\n");
	if (!valid_role_name(body.buf.data, n)) {
		rc = ca_err_set(&inner, CA_AWS_IMDS, "the instance metadata service at %s lists "
				"no valid IAM role name (is an instance profile attached?)", ep.url);
		goto fail;
	}
	role = ca_strndup(body.buf.data, n);

	ca_buf_reset(&url);
	ca_buf_addf(&url, "%s/latest/meta-data/iam/security-credentials/%s", ep.url,
		    role ? role : "");
	if (!role || !ca_buf_ok(&url)) {
		rc = ca_err_set(&inner, CA_ENOMEM, "out of memory");
		goto fail;
	}
	rc = imds_request(ep.url, "GET", url.data, token, "the role credentials request", &body,
			  &status, &inner);
	if (rc)
		goto fail;
	rc = aws_imds_parse_credentials(body.buf.data, body.buf.len, role, out, &inner);
	if (rc)
		goto fail;
	{
		struct ca_buf loc = CA_BUF_INIT;

		ca_buf_addf(&loc, "role %s at %s", role, ep.url);
		location = ca_buf_detach(&loc, NULL);
	}
	if (!location) {
		aws_credentials_release(out);
		rc = ca_err_set(&inner, CA_ENOMEM, "out of memory");
		goto fail;
	}
	out->location = location;
	goto done;
fail:
	ca_err_set(err, rc, "%s", ca_err_msg(&inner));
done:
	if (body.buf.cap)
		memset(body.buf.data, 0, body.buf.cap);
	ca_buf_release(&body.buf);
	ca_buf_release(&url);
	ca_free_secret(token);
	free(role);
	aws_endpoint_release(&ep);
	return rc;
}
