/*
 * sigv4_case.c — load, sign and print a case of AWS's SigV4 suite (see sigv4_case.h).
 */
#include "aws/sigv4_case.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/amz_date.h"
#include "aws/sigv4_canon.h"
#include "util/strutil.h"
#include "util/banned.h"

void sigv4_case_init(struct sigv4_case *c)
{
	memset(c, 0, sizeof(*c));
	c->expires = 3600;
	c->normalize = true;
}

static void release_request(struct sigv4_case *c)
{
	size_t i;

	ca_free_str(&c->request_line);
	ca_free_str(&c->method);
	ca_free_str(&c->path);
	ca_free_str(&c->query);
	ca_free_str(&c->version);
	ca_free_str(&c->header_lines);
	for (i = 0; i < c->n_headers; i++) {
		free((char *)c->headers[i].name);
		free((char *)c->headers[i].value);
	}
	free(c->headers);
	c->headers = NULL;
	c->n_headers = 0;
	ca_free_str(&c->body);
	c->body_len = 0;
}

void sigv4_case_release(struct sigv4_case *c)
{
	if (!c)
		return;
	release_request(c);
	aws_credentials_release(&c->creds);
	free(c->region);
	free(c->service);
	sigv4_case_init(c);
}

/* ---- request.txt ---- */

static int parse_request_line(struct sigv4_case *c, const char *line, size_t len,
			      struct ca_err *err)
{
	const char *first_space = memchr(line, ' ', len);
	const char *last_space = memrchr(line, ' ', len);
	const char *target, *q;
	size_t target_len, version_len;

	if (!first_space || first_space == last_space || first_space == line ||
	    last_space + 1 == line + len)
		return ca_err_set(err, CA_EPARSE,
				  "request.txt: the first line must be 'METHOD /path HTTP/1.1'.");
	target = first_space + 1;
	target_len = (size_t)(last_space - target);
	if (target_len == 0 || target[0] != '/')
		return ca_err_set(err, CA_EPARSE,
				  "request.txt: the request target must start with '/'.");
	/* the line is not NUL-terminated: compare only bytes that belong to it */
	version_len = (size_t)(line + len - last_space - 1);
	if (version_len < 5 || memcmp(last_space + 1, "HTTP/", 5))
		return ca_err_set(err, CA_EPARSE,
				  "request.txt: the first line must end with the HTTP version, like HTTP/1.1.");
	q = memchr(target, '?', target_len);
	c->request_line = ca_strndup(line, len);
	c->method = ca_strndup(line, (size_t)(first_space - line));
	c->path = ca_strndup(target, q ? (size_t)(q - target) : target_len);
	c->query = q ? ca_strndup(q + 1, (size_t)(target + target_len - q - 1)) : NULL;
	c->version = ca_strndup(last_space + 1, version_len);
	if (!c->request_line || !c->method || !c->path || (q && !c->query) || !c->version)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading request.txt.");
	return CA_OK;
}

static int add_header_line(struct sigv4_case *c, const char *line, size_t len, size_t line_no,
			   struct ca_err *err)
{
	struct sigv4_header *h;
	const char *colon;

	if (line[0] == ' ' || line[0] == '\t') {
		char *joined;
		size_t old_len;

		if (c->n_headers == 0)
			return ca_err_set(err, CA_EPARSE,
					  "request.txt line %zu: a continuation line with no header before it.",
					  line_no);
		h = &c->headers[c->n_headers - 1];
		old_len = strlen(h->value);
		if (old_len + 1 + len > SIGV4_MAX_HEADER_VALUE)
			return ca_err_set(err, CA_ERANGE,
					  "request.txt line %zu: header value longer than %d bytes.",
					  line_no, SIGV4_MAX_HEADER_VALUE);
		joined = malloc(old_len + 1 + len + 1);
		if (!joined)
			return ca_err_set(err, CA_ENOMEM, "Out of memory reading request.txt.");
		memcpy(joined, h->value, old_len);
		joined[old_len] = '\n';
		memcpy(joined + old_len + 1, line, len);
		joined[old_len + 1 + len] = '\0';
		free((char *)h->value);
		h->value = joined;
		return CA_OK;
	}
	colon = memchr(line, ':', len);
	if (!colon || colon == line)
		return ca_err_set(err, CA_EPARSE,
				  "request.txt line %zu: expected 'Name:value' or a blank line.", line_no);
	if (c->n_headers >= SIGV4_MAX_HEADERS)
		return ca_err_set(err, CA_ERANGE, "request.txt: more than %d headers.",
				  SIGV4_MAX_HEADERS);
	h = &c->headers[c->n_headers];
	h->name = ca_strndup(line, (size_t)(colon - line));
	h->value = ca_strndup(colon + 1, (size_t)(line + len - colon - 1));
	c->n_headers++;
	if (!h->name || !h->value)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading request.txt.");
	return CA_OK;
}

int sigv4_case_parse_request(struct sigv4_case *c, const char *text, size_t len,
			     struct ca_err *err)
{
	struct ca_buf lines = CA_BUF_INIT;
	size_t pos = 0, line_no = 0;
	bool head_done = false;
	int rc = CA_OK;

	release_request(c);
	if (!text || len == 0)
		return ca_err_set(err, CA_EPARSE, "request.txt is empty.");
	if (len > SIGV4_CASE_MAX_FILE)
		return ca_err_set(err, CA_ERANGE, "request.txt is larger than %d bytes.",
				  SIGV4_CASE_MAX_FILE);
	c->headers = calloc(SIGV4_MAX_HEADERS, sizeof(*c->headers));
	if (!c->headers)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading request.txt.");

	while (pos < len && !head_done) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;

		pos += line_len + (nl != NULL);
		line_no++;
		if (line_len && line[line_len - 1] == '\r')
			line_len--;
		if (memchr(line, '\0', line_len)) {
			rc = ca_err_set(err, CA_EPARSE, "request.txt line %zu holds a NUL byte.", line_no);
			goto out;
		}
		if (line_no == 1) {
			rc = parse_request_line(c, line, line_len, err);
		} else if (line_len == 0) {
			head_done = true;
		} else {
			rc = add_header_line(c, line, line_len, line_no, err);
			ca_buf_add(&lines, line, line_len);
			ca_buf_addch(&lines, '\n');
		}
		if (rc)
			goto out;
	}
	c->header_lines = ca_buf_detach(&lines, NULL);
	c->body_len = len - pos;
	c->body = malloc(c->body_len + 1); /* any bytes, NULs included */
	if (c->body) {
		memcpy(c->body, text + pos, c->body_len);
		c->body[c->body_len] = '\0';
	}
	if (!c->header_lines || !c->body)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading request.txt.");
out:
	ca_buf_release(&lines);
	if (rc)
		release_request(c);
	return rc;
}

/* ---- context.json ---- */

static int get_string(json_t *obj, const char *key, bool required, char **out, struct ca_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return ca_err_set(err, CA_EPARSE, "context.json: \"%s\" is missing.", key);
		return CA_OK;
	}
	if (!json_is_string(v))
		return ca_err_set(err, CA_EPARSE, "context.json: \"%s\" must be a string.", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return ca_err_set(err, CA_EPARSE, "context.json: \"%s\" holds a NUL character.", key);
	*out = ca_strdup(json_string_value(v));
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory reading context.json.");
}

static int get_bool(json_t *obj, const char *key, bool *out, struct ca_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return CA_OK;
	if (!json_is_boolean(v))
		return ca_err_set(err, CA_EPARSE, "context.json: \"%s\" must be true or false.", key);
	*out = json_is_true(v);
	return CA_OK;
}

int sigv4_case_parse_context(struct sigv4_case *c, const char *json, size_t len,
			     struct ca_err *err)
{
	json_error_t jerr;
	json_t *root = NULL, *creds, *v;
	char *timestamp = NULL;
	int rc = CA_OK;

	if (!json || len > SIGV4_CASE_MAX_FILE)
		return ca_err_set(err, CA_EPARSE, "context.json is missing or larger than %d bytes.",
				  SIGV4_CASE_MAX_FILE);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = ca_err_set(err, CA_EPARSE, "context.json line %d: %s.", jerr.line, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = ca_err_set(err, CA_EPARSE, "context.json must hold one JSON object.");
		goto out;
	}
	creds = json_object_get(root, "credentials");
	if (!json_is_object(creds)) {
		rc = ca_err_set(err, CA_EPARSE, "context.json: \"credentials\" must be an object.");
		goto out;
	}
	aws_credentials_release(&c->creds);
	ca_free_str(&c->region);
	ca_free_str(&c->service);
	if ((rc = get_string(creds, "access_key_id", true, &c->creds.access_key_id, err)) ||
	    (rc = get_string(creds, "secret_access_key", true, &c->creds.secret_access_key, err)) ||
	    (rc = get_string(creds, "token", false, &c->creds.session_token, err)) ||
	    (rc = get_string(root, "region", true, &c->region, err)) ||
	    (rc = get_string(root, "service", true, &c->service, err)) ||
	    (rc = get_string(root, "timestamp", true, &timestamp, err)) ||
	    (rc = get_bool(root, "normalize", &c->normalize, err)) ||
	    (rc = get_bool(root, "sign_body", &c->sign_body, err)) ||
	    (rc = get_bool(root, "omit_session_token", &c->omit_session_token, err)))
		goto out;
	rc = aws_parse_iso8601_utc(timestamp, &c->when, err);
	if (rc) {
		ca_err_prefix(err, "context.json \"timestamp\"");
		goto out;
	}
	v = json_object_get(root, "expiration_in_seconds");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 604800) {
			rc = ca_err_set(err, CA_EPARSE,
					"context.json: \"expiration_in_seconds\" must be an integer from 1 to 604800.");
			goto out;
		}
		c->expires = (long)json_integer_value(v);
	}
	c->creds.source = "context.json";
out:
	free(timestamp);
	json_decref(root);
	return rc;
}

/* ---- files ---- */

static int read_capped(const char *dir, const char *name, struct ca_buf *out, struct ca_err *err)
{
	struct ca_buf path = CA_BUF_INIT;
	FILE *f = NULL;
	char chunk[8192];
	size_t n;
	int rc = CA_OK;

	ca_buf_addf(&path, "%s/%s", dir, name);
	if (!ca_buf_ok(&path)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	f = fopen(path.data, "rb");
	if (!f) {
		rc = ca_err_set(err, CA_EIO, "Cannot read %s: %s.", path.data, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > SIGV4_CASE_MAX_FILE) {
			rc = ca_err_set(err, CA_ERANGE, "%s is larger than %d bytes.", path.data,
					SIGV4_CASE_MAX_FILE);
			goto out;
		}
		if (ca_buf_add(out, chunk, n) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading %s.", path.data);
			goto out;
		}
	}
	if (ferror(f))
		rc = ca_err_set(err, CA_EIO, "Cannot read %s: %s.", path.data, strerror(errno));
out:
	if (f)
		fclose(f);
	ca_buf_release(&path);
	return rc;
}

int sigv4_case_load(const char *dir, struct sigv4_case *c, struct ca_err *err)
{
	struct ca_buf ctx = CA_BUF_INIT, req = CA_BUF_INIT;
	int rc;

	if (!dir || !*dir)
		return ca_err_set(err, CA_EINVAL, "No case folder given.");
	rc = read_capped(dir, "context.json", &ctx, err);
	if (!rc)
		rc = sigv4_case_parse_context(c, ctx.data, ctx.len, err);
	if (!rc)
		rc = read_capped(dir, "request.txt", &req, err);
	if (!rc)
		rc = sigv4_case_parse_request(c, req.data, req.len, err);
	ca_buf_release(&ctx);
	ca_buf_release(&req);
	return rc;
}

/* ---- signing and printing ---- */

int sigv4_case_sign(const struct sigv4_case *c, bool query_mode, struct sigv4_signed *out,
		    struct ca_err *err)
{
	struct sigv4_request req;
	struct sigv4_params p;

	memset(&req, 0, sizeof(req));
	memset(&p, 0, sizeof(p));
	req.method = c->method;
	req.path = c->path;
	req.query = c->query;
	req.headers = c->headers;
	req.n_headers = c->n_headers;
	req.body = c->body;
	req.body_len = c->body_len;
	p.creds = &c->creds;
	p.region = c->region;
	p.service = c->service;
	p.when = c->when;
	p.s3 = c->service && !strcmp(c->service, "s3");
	p.omit_session_token = c->omit_session_token;
	p.expires = c->expires;
	p.no_normalize = !c->normalize;
	p.content_sha256_header = c->sign_body;
	return query_mode ? sigv4_sign_query(&req, &p, out, err)
			  : sigv4_sign_headers(&req, &p, out, err);
}

int sigv4_case_render(const struct sigv4_case *c, bool query_mode, const struct sigv4_signed *s,
		      enum sigv4_case_output what, struct ca_buf *out)
{
	switch (what) {
	case SIGV4_CASE_CREQ:
		ca_buf_adds(out, s->canonical_request ? s->canonical_request : "");
		break;
	case SIGV4_CASE_STS:
		ca_buf_adds(out, s->string_to_sign ? s->string_to_sign : "");
		break;
	case SIGV4_CASE_SIGNATURE:
		ca_buf_adds(out, s->signature);
		break;
	case SIGV4_CASE_REQUEST:
		if (query_mode)
			ca_buf_addf(out, "%s %s?%s %s\n", c->method, c->path, s->query ? s->query : "",
				    c->version);
		else
			ca_buf_addf(out, "%s\n", c->request_line);
		ca_buf_adds(out, c->header_lines ? c->header_lines : "");
		if (!query_mode) {
			if (s->security_token)
				ca_buf_addf(out, "X-Amz-Security-Token:%s\n", s->security_token);
			ca_buf_addf(out, "X-Amz-Date:%s\n", s->amz_date);
			if (s->content_sha256)
				ca_buf_addf(out, "x-amz-content-sha256:%s\n", s->content_sha256);
			ca_buf_addf(out, "Authorization:%s\n", s->authorization ? s->authorization : "");
		}
		ca_buf_addch(out, '\n');
		ca_buf_add(out, c->body ? c->body : "", c->body_len);
		break;
	}
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}
