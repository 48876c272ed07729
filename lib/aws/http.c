#include "aws/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strutil.h"
#include "util/banned.h"

/* Idle handles kept per transport (each keeps its connection alive): as many as
 * cloudalbum-migrate --jobs may have in flight; more concurrent requests get handles of
 * their own, closed after use. */
#define POOL_MAX 256

struct aws_http {
	pthread_mutex_t lock;
	CURL *idle[POOL_MAX];
	size_t n_idle;
	struct aws_http_options opt;
};

/* The state one transfer's callbacks share. */
struct transfer {
	struct aws_http_response *resp;
	size_t max_body;
	size_t header_bytes;
	bool body_too_big;
	bool headers_too_big;
	bool oom;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void aws_http_response_init(struct aws_http_response *r)
{
	r->status = 0;
	r->headers = NULL;
	r->n_headers = 0;
	ca_buf_init(&r->body);
}

static void clear_headers(struct aws_http_response *r)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->n_headers = 0;
}

void aws_http_response_release(struct aws_http_response *r)
{
	if (!r)
		return;
	clear_headers(r);
	ca_buf_release(&r->body);
	aws_http_response_init(r);
}

const char *aws_http_response_header(const struct aws_http_response *r, const char *name)
{
	size_t i;

	if (!r || !name)
		return NULL;
	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

const char *aws_http_response_request_id(const struct aws_http_response *r)
{
	const char *id = aws_http_response_header(r, "x-amzn-RequestId");

	if (!id || !*id)
		id = aws_http_response_header(r, "x-amz-request-id");
	return id && *id ? id : NULL;
}

struct aws_http *aws_http_new(const struct aws_http_options *opt, struct ca_err *err)
{
	struct aws_http *h;

	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		ca_err_set(err, CA_AWS_NETWORK, "libcurl could not be initialised: %s.",
			   curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		ca_err_set(err, CA_ENOMEM, "Out of memory creating the HTTP transport.");
		return NULL;
	}
	if (pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h);
		ca_err_set(err, CA_ENOMEM, "Could not create a lock for the HTTP transport.");
		return NULL;
	}
	if (opt)
		h->opt = *opt;
	if (h->opt.connect_timeout_ms <= 0)
		h->opt.connect_timeout_ms = AWS_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	if (h->opt.timeout_ms <= 0)
		h->opt.timeout_ms = AWS_HTTP_DEFAULT_TIMEOUT_MS;
	if (!h->opt.max_body)
		h->opt.max_body = AWS_HTTP_DEFAULT_MAX_BODY;
	return h;
}

void aws_http_free(struct aws_http *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n_idle; i++)
		curl_easy_cleanup(h->idle[i]);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static CURL *borrow_handle(struct aws_http *h)
{
	CURL *c = NULL;

	pthread_mutex_lock(&h->lock);
	if (h->n_idle)
		c = h->idle[--h->n_idle];
	pthread_mutex_unlock(&h->lock);
	return c ? c : curl_easy_init();
}

static void return_handle(struct aws_http *h, CURL *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&h->lock);
	if (h->n_idle < POOL_MAX) {
		h->idle[h->n_idle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	if (c)
		curl_easy_cleanup(c);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct transfer *t = ud;
	size_t n = size * nmemb;

	if (n > t->max_body || t->resp->body.len > t->max_body - n) {
		t->body_too_big = true;
		return 0;
	}
	if (ca_buf_add(&t->resp->body, data, n) != CA_OK) {
		t->oom = true;
		return 0;
	}
	return n;
}

static size_t trimmed_len(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct transfer *t = ud;
	struct aws_http_response *r = t->resp;
	struct aws_http_resp_header *grown;
	size_t n = size * nmemb, len = trimmed_len(data, n);
	const char *colon, *v;
	size_t vlen;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new status line: an interim (100) or redirect answer came before */
		clear_headers(r);
		t->header_bytes = 0;
		return n;
	}
	t->header_bytes += n;
	if (t->header_bytes > AWS_HTTP_MAX_HEADER_BYTES || r->n_headers >= AWS_HTTP_MAX_HEADERS) {
		t->headers_too_big = true;
		return 0;
	}
	colon = memchr(data, ':', len);
	if (!colon || colon == data)
		return n;       /* blank line at the end, or a line we do not use */
	v = colon + 1;
	while (v < data + len && (*v == ' ' || *v == '\t'))
		v++;
	vlen = (size_t)(data + len - v);
	grown = realloc(r->headers, (r->n_headers + 1) * sizeof(*grown));
	if (!grown) {
		t->oom = true;
		return 0;
	}
	r->headers = grown;
	grown[r->n_headers].name = ca_strndup(data, (size_t)(colon - data));
	grown[r->n_headers].value = ca_strndup(v, vlen);
	r->n_headers++;
	if (!grown[r->n_headers - 1].name || !grown[r->n_headers - 1].value) {
		t->oom = true;
		return 0;
	}
	return n;
}

/* "scheme://host[:port]" of url, for error messages (no path, no query). */
static void url_origin(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?#");
	snprintf(out, cap, "%.*s", (int)((size_t)(p - url) + n), url);
}

static bool has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static int build_headers(const struct aws_http_request *req, bool has_body,
			 struct curl_slist **out, struct ca_err *err)
{
	struct curl_slist *list = NULL, *next;
	struct ca_buf line = CA_BUF_INIT;
	bool content_type = false;
	size_t i;
	int rc = CA_OK;

	for (i = 0; i < req->n_headers; i++) {
		const struct aws_http_header *hd = &req->headers[i];

		if (!hd->name || !*hd->name || has_crlf(hd->name) || strchr(hd->name, ':') ||
		    has_crlf(hd->value)) {
			rc = ca_err_set(err, CA_EINVAL,
					"Request header %zu has an empty name or a line break; it was not sent.",
					i + 1);
			goto fail;
		}
		if (strcasecmp(hd->name, "Content-Type") == 0)
			content_type = true;
		ca_buf_reset(&line);
		/* "Name;" is libcurl's way to send a header with an empty value */
		if (hd->value && *hd->value)
			ca_buf_addf(&line, "%s: %s", hd->name, hd->value);
		else
			ca_buf_addf(&line, "%s;", hd->name);
		if (!ca_buf_ok(&line) || !(next = curl_slist_append(list, line.data)))
			goto oom;
		list = next;
	}
	/* no 100-continue round trip; no form content type that we did not sign or want */
	if (!(next = curl_slist_append(list, "Expect:")))
		goto oom;
	list = next;
	if (has_body && !content_type) {
		if (!(next = curl_slist_append(list, "Content-Type:")))
			goto oom;
		list = next;
	}
	*out = list;
	list = NULL;
	goto out;
oom:
	rc = ca_err_set(err, CA_ENOMEM, "Out of memory building the request headers.");
fail:
out:
	curl_slist_free_all(list);
	ca_buf_release(&line);
	return rc;
}

static int map_curl_error(CURLcode cc, const struct transfer *t, const char *origin,
			  const char *detail, struct ca_err *err)
{
	if (t->oom)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading the answer from %s.", origin);
	if (t->body_too_big)
		return ca_err_set(err, CA_ERANGE,
				  "The answer from %s is larger than the %zu bytes allowed.",
				  origin, t->max_body);
	if (t->headers_too_big)
		return ca_err_set(err, CA_AWS_BAD_RESPONSE,
				  "The answer from %s has more or longer headers than allowed.", origin);
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return ca_err_set(err, CA_AWS_TIMEOUT, "No answer from %s in time: %s.", origin,
				  detail);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return ca_err_set(err, CA_AWS_BAD_ENDPOINT,
				  "The endpoint %s is not a usable http(s) URL: %s.", origin, detail);
	case CURLE_OUT_OF_MEMORY:
		return ca_err_set(err, CA_ENOMEM, "Out of memory talking to %s.", origin);
	default:
		return ca_err_set(err, CA_AWS_NETWORK,
				  "Could not talk to %s: %s; check the endpoint and the network.",
				  origin, detail);
	}
}

int aws_http_send(struct aws_http *h, const struct aws_http_request *req,
		  struct aws_http_response *resp, struct ca_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	char origin[256] = "";
	struct curl_slist *hdrs = NULL;
	struct transfer t;
	CURL *c = NULL;
	CURLcode cc;
	bool is_get, is_head, send_body;
	int rc = CA_OK;

	aws_http_response_release(resp);
	memset(&t, 0, sizeof(t));
	if (!h || !req || !req->method || !req->url || (!req->body && req->body_len))
		return ca_err_set(err, CA_EINVAL, "Incomplete HTTP request (method, URL or body missing).");
	url_origin(req->url, origin, sizeof(origin));
	if (has_crlf(req->url) || has_crlf(req->method))
		return ca_err_set(err, CA_EINVAL, "The request URL or method contains a line break.");
	t.resp = resp;
	t.max_body = req->max_body ? req->max_body : h->opt.max_body;

	is_get = strcmp(req->method, "GET") == 0;
	is_head = strcmp(req->method, "HEAD") == 0;
	send_body = !is_head && (req->body_len || (!is_get && (strcmp(req->method, "POST") == 0 ||
							       strcmp(req->method, "PUT") == 0)));
	if ((rc = build_headers(req, send_body, &hdrs, err)))
		goto out;
	if (!(c = borrow_handle(h))) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory creating an HTTP handle.");
		goto out;
	}
	/* reset keeps the handle's live connections and DNS cache: that is the reuse */
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->opt.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->opt.timeout_ms);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (is_head) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (send_body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (is_get) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}

	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rc = map_curl_error(cc, &t, origin, errbuf[0] ? errbuf : curl_easy_strerror(cc), err);
		aws_http_response_release(resp);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
out:
	if (c) {
		/* the handle must not keep pointers into this call's stack or headers */
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		return_handle(h, c);
	}
	curl_slist_free_all(hdrs);
	return rc;
}
