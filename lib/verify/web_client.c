/*
 * web_client.c — the journey's browser: libcurl with an in-memory cookie jar.
 */
#include "verify/web_client.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/strutil.h"
#include "util/banned.h"

struct vweb {
	CURL *curl;
	char *base;                 /* no trailing '/' */
	long timeout_s;
	struct curl_slist *extra;   /* header lines for the app */
};

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

int vweb_new(const char *base_url, long timeout_s, struct vweb **out, struct ca_err *err)
{
	struct vweb *w = NULL;
	size_t len;

	*out = NULL;
	if (!base_url || (!ca_starts_with(base_url, "http://") &&
			  !ca_starts_with(base_url, "https://")))
		return ca_err_set(err, CA_EINVAL, "The app's URL must start with http:// or "
				  "https:// (e.g. --url http://localhost:8080).");
	w = calloc(1, sizeof(*w));
	if (!w)
		return oom(err);
	w->base = ca_strdup(base_url);
	w->curl = curl_easy_init();
	if (!w->base || !w->curl) {
		vweb_free(w);
		return oom(err);
	}
	len = strlen(w->base);
	while (len > 0 && w->base[len - 1] == '/')
		w->base[--len] = '\0';
	w->timeout_s = timeout_s > 0 ? timeout_s : 30;
	curl_easy_setopt(w->curl, CURLOPT_COOKIEFILE, ""); /* the cookie engine, in memory */
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, "cloudalbum-verify");
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	*out = w;
	return CA_OK;
}

void vweb_free(struct vweb *w)
{
	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	curl_slist_free_all(w->extra);
	free(w->base);
	free(w);
}

const char *vweb_base(const struct vweb *w)
{
	return w->base;
}

int vweb_add_header(struct vweb *w, const char *line, struct ca_err *err)
{
	struct curl_slist *n = curl_slist_append(w->extra, line);

	if (!n)
		return oom(err);
	w->extra = n;
	return CA_OK;
}

void vweb_resp_release(struct vweb_resp *r)
{
	if (!r)
		return;
	ca_buf_release(&r->body);
	free(r->location);
	free(r->content_type);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct ca_buf *b = ctx;
	size_t len = size * n;

	if (b->len + len > (size_t)VWEB_BODY_MAX || ca_buf_add(b, data, len) != CA_OK)
		return 0; /* aborts the transfer */
	return len;
}

char *vweb_cookie(struct vweb *w, const char *name)
{
	struct curl_slist *list = NULL, *it;
	char *value = NULL;

	if (curl_easy_getinfo(w->curl, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return NULL;
	/* Netscape format: domain, flag, path, secure, expiry, name, value (tabs) */
	for (it = list; it && !value; it = it->next) {
		const char *f = it->data;
		int field;

		for (field = 0; f && field < 5; field++) {
			f = strchr(f, '\t');
			if (f)
				f++;
		}
		if (!f)
			continue;
		if (strncmp(f, name, strlen(name)) == 0 && f[strlen(name)] == '\t')
			value = ca_strdup(f + strlen(name) + 1);
	}
	curl_slist_free_all(list);
	return value;
}

/* Sends what is set on the handle; fills out. */
static int perform(struct vweb *w, const char *url, bool to_app, struct curl_slist *headers,
		   bool follow, struct vweb_resp *out, struct ca_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	char *loc = NULL, *ctype = NULL, *eff = NULL;
	CURLcode cc;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	ca_buf_init(&out->body);
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(w->curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
	curl_easy_setopt(w->curl, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, w->timeout_s);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, w->timeout_s < 10 ? w->timeout_s : 10L);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, errbuf);
	(void)to_app;
	cc = curl_easy_perform(w->curl);
	if (cc != CURLE_OK) {
		rc = ca_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ? CA_ETIMEOUT : CA_AWS_NETWORK,
				"%s did not answer: %s", url, errbuf[0] ? errbuf
									: curl_easy_strerror(cc));
		vweb_resp_release(out);
		goto out;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(w->curl, CURLINFO_REDIRECT_URL, &loc);
	curl_easy_getinfo(w->curl, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(w->curl, CURLINFO_EFFECTIVE_URL, &eff);
	out->location = loc ? ca_strdup(loc) : NULL;
	out->content_type = ctype ? ca_strdup(ctype) : NULL;
	out->url = eff ? ca_strdup(eff) : NULL;
	if (!ca_buf_ok(&out->body) || (loc && !out->location) || (ctype && !out->content_type) ||
	    (eff && !out->url)) {
		vweb_resp_release(out);
		rc = oom(err);
	}
out:
	/* the next request starts clean: no body, no method, no form */
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(w->curl, CURLOPT_MIMEPOST, NULL);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(w->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(w->curl, CURLOPT_HTTPGET, 1L);
	return rc;
}

/* The absolute URL of target, and whether it is the app's. */
static char *full_url(const struct vweb *w, const char *target, bool *to_app)
{
	struct ca_buf b = CA_BUF_INIT;

	if (ca_starts_with(target, "http://") || ca_starts_with(target, "https://")) {
		*to_app = ca_starts_with(target, w->base) &&
			  (target[strlen(w->base)] == '/' || target[strlen(w->base)] == '\0');
		return ca_strdup(target);
	}
	*to_app = true;
	ca_buf_addf(&b, "%s%s%s", w->base, target[0] == '/' ? "" : "/", target);
	return ca_buf_detach(&b, NULL);
}

/* The headers of a request: Accept, the app's extras and CSRF token, plus more. */
static int headers_for(struct vweb *w, bool to_app, bool state_changing, const char *more,
		       struct curl_slist **out, struct ca_err *err)
{
	struct curl_slist *h = NULL, *it;
	struct ca_buf line = CA_BUF_INIT;
	char *csrf = NULL;
	bool ok = true;

	*out = NULL;
	if (more)
		ok = (h = curl_slist_append(h, more)) != NULL;
	for (it = to_app ? w->extra : NULL; ok && it; it = it->next)
		ok = (h = curl_slist_append(h, it->data)) != NULL;
	if (ok && to_app && state_changing && (csrf = vweb_cookie(w, "csrf_token")) != NULL) {
		ca_buf_addf(&line, "X-CSRF-Token: %s", csrf);
		ok = ca_buf_ok(&line) && (h = curl_slist_append(h, line.data)) != NULL;
	}
	free(csrf);
	ca_buf_release(&line);
	if (!ok) {
		curl_slist_free_all(h);
		return oom(err);
	}
	*out = h;
	return CA_OK;
}

int vweb_request(struct vweb *w, const char *method, const char *target, const char *json,
		 bool follow, struct vweb_resp *out, struct ca_err *err)
{
	struct curl_slist *headers = NULL, *more = NULL;
	bool to_app = false, changing = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	char *url = full_url(w, target, &to_app);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!url)
		return oom(err);
	rc = headers_for(w, to_app, changing, "Accept: application/json", &headers, err);
	if (rc == CA_OK && json && !(more = curl_slist_append(headers, "Content-Type: "
							      "application/json")))
		rc = oom(err);
	if (more)
		headers = more;
	if (rc != CA_OK)
		goto out;
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(w->curl, CURLOPT_CUSTOMREQUEST, method);
	if (json) {
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
		curl_easy_setopt(w->curl, CURLOPT_COPYPOSTFIELDS, json);
	}
	rc = perform(w, url, to_app, headers, follow, out, err);
out:
	curl_slist_free_all(headers);
	free(url);
	return rc;
}

int vweb_post_form(struct vweb *w, const char *url, const char *form, bool follow,
		   struct vweb_resp *out, struct ca_err *err)
{
	struct curl_slist *headers = NULL;
	bool to_app = false;
	char *full = full_url(w, url, &to_app);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!full)
		return oom(err);
	rc = headers_for(w, to_app, true, "Content-Type: application/x-www-form-urlencoded",
			 &headers, err);
	if (rc == CA_OK) {
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
		curl_easy_setopt(w->curl, CURLOPT_COPYPOSTFIELDS, form);
		rc = perform(w, full, to_app, headers, follow, out, err);
	}
	curl_slist_free_all(headers);
	free(full);
	return rc;
}

int vweb_upload(struct vweb *w, const char *path, const char *filename,
		const unsigned char *data, size_t len, const char *tags, const char *desc,
		struct vweb_resp *out, struct ca_err *err)
{
	struct curl_slist *headers = NULL;
	curl_mime *mime = NULL;
	curl_mimepart *part;
	bool to_app = false;
	char *url = full_url(w, path, &to_app);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!url)
		return oom(err);
	rc = headers_for(w, to_app, true, "Accept: application/json", &headers, err);
	if (rc != CA_OK)
		goto out;
	mime = curl_mime_init(w->curl);
	if (!mime) {
		rc = oom(err);
		goto out;
	}
	part = curl_mime_addpart(mime);
	if (!part || curl_mime_name(part, "file") != CURLE_OK ||
	    curl_mime_filename(part, filename) != CURLE_OK ||
	    curl_mime_type(part, "image/jpeg") != CURLE_OK ||
	    curl_mime_data(part, (const char *)data, len) != CURLE_OK) {
		rc = oom(err);
		goto out;
	}
	part = curl_mime_addpart(mime);
	if (!part || curl_mime_name(part, "tags") != CURLE_OK ||
	    curl_mime_data(part, tags, CURL_ZERO_TERMINATED) != CURLE_OK) {
		rc = oom(err);
		goto out;
	}
	part = curl_mime_addpart(mime);
	if (!part || curl_mime_name(part, "desc") != CURLE_OK ||
	    curl_mime_data(part, desc, CURL_ZERO_TERMINATED) != CURLE_OK) {
		rc = oom(err);
		goto out;
	}
	curl_easy_setopt(w->curl, CURLOPT_MIMEPOST, mime);
	rc = perform(w, url, to_app, headers, false, out, err);
out:
	curl_mime_free(mime);
	curl_slist_free_all(headers);
	free(url);
	return rc;
}
