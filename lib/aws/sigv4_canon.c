/*
 * sigv4_canon.c — canonical path, query and headers for SigV4 (see sigv4_canon.h).
 */
#include "aws/sigv4_canon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* ---- path ---- */

/* Removes empty and "." segments and resolves "..", into out ("" for the root). */
static int remove_dot_segments(struct ca_buf *out, const char *path, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start, seg_len;

		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		seg_len = i - start;
		if (seg_len == 0 || (seg_len == 1 && path[start] == '.'))
			continue;
		if (seg_len == 2 && path[start] == '.' && path[start + 1] == '.') {
			char *slash = memrchr(out->data, '/', out->len);

			ca_buf_setlen(out, slash ? (size_t)(slash - out->data) : 0);
			continue;
		}
		ca_buf_addch(out, '/');
		ca_buf_add(out, path + start, seg_len);
	}
	if (out->len == 0)
		ca_buf_addch(out, '/');
	else if (path[len - 1] == '/')
		ca_buf_addch(out, '/');
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}

int sigv4_canonical_path(struct ca_buf *out, const char *path, bool s3, bool normalize,
			 struct ca_err *err)
{
	struct ca_buf normalized = CA_BUF_INIT;
	size_t len, i;
	int rc = CA_OK;

	if (!path)
		return ca_err_set(err, CA_EINVAL, "The request has no path; give at least \"/\".");
	len = strlen(path);
	if (len == 0)
		return ca_buf_addch(out, '/');
	if (len > SIGV4_MAX_PATH)
		return ca_err_set(err, CA_ERANGE, "The request path is %zu bytes long; the limit is %d.",
				  len, SIGV4_MAX_PATH);
	if (path[0] != '/')
		return ca_err_set(err, CA_EINVAL, "The request path must start with '/'.");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (is_ctl(c))
			return ca_err_set(err, CA_EINVAL,
					  "The request path holds a control character (byte %zu).", i);
		if (s3 && (c == ' ' || c >= 0x80))
			return ca_err_set(err, CA_EINVAL,
					  "The S3 request path must be percent-encoded; byte %zu is a space or not ASCII.",
					  i);
	}
	if (s3)
		return aws_s3_path_encode_buf(out, path, len);
	if (!aws_utf8_valid(path, len))
		return ca_err_set(err, CA_EINVAL, "The request path is not valid UTF-8.");
	if (!normalize)
		return aws_uri_encode_buf(out, path, len, false);

	rc = remove_dot_segments(&normalized, path, len);
	if (rc == CA_OK)
		rc = aws_uri_encode_buf(out, normalized.data, normalized.len, false);
	ca_buf_release(&normalized);
	return rc;
}

/* ---- query ---- */

struct query_pair {
	const char *name;   /* encoded, NUL-terminated */
	const char *value;
};

static int compare_pairs(const void *a, const void *b)
{
	const struct query_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Decodes s[0..len) and appends it encoded plus a NUL to pool. */
static int add_reencoded(struct ca_buf *pool, struct ca_buf *scratch, const char *s, size_t len)
{
	ca_buf_reset(scratch);
	if (aws_percent_decode_buf(scratch, s, len) != CA_OK ||
	    aws_uri_encode_buf(pool, scratch->data, scratch->len, true) != CA_OK)
		return CA_ENOMEM;
	return ca_buf_add(pool, "", 1);
}

int sigv4_canonical_query(struct ca_buf *out, const char *query, const struct sigv4_param *extra,
			  size_t n_extra, struct ca_err *err)
{
	struct ca_buf pool = CA_BUF_INIT, scratch = CA_BUF_INIT;
	size_t *offsets = NULL;      /* name offset, value offset per pair, into pool */
	struct query_pair *pairs = NULL;
	size_t len = query ? strlen(query) : 0, n = 0, cap, i;
	int rc = CA_OK;

	if (len > SIGV4_MAX_QUERY) {
		rc = ca_err_set(err, CA_ERANGE, "The query string is %zu bytes long; the limit is %d.",
				len, SIGV4_MAX_QUERY);
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (is_ctl((unsigned char)query[i])) {
			rc = ca_err_set(err, CA_EINVAL,
					"The query string holds a control character (byte %zu).", i);
			goto out;
		}
	}
	if (!aws_utf8_valid(query, len)) {
		rc = ca_err_set(err, CA_EINVAL, "The query string is not valid UTF-8.");
		goto out;
	}
	cap = n_extra + 1;
	for (i = 0; i < len; i++)
		cap += query[i] == '&';
	if (cap > SIGV4_MAX_QUERY_PARAMS + n_extra + 1) {
		rc = ca_err_set(err, CA_ERANGE, "The query string has more than %d parameters.",
				SIGV4_MAX_QUERY_PARAMS);
		goto out;
	}
	offsets = malloc(cap * 2 * sizeof(*offsets));
	pairs = malloc(cap * sizeof(*pairs));
	if (!offsets || !pairs) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
		goto out;
	}

	i = 0;
	while (i < len) {
		size_t start = i, end, eq;

		while (i < len && query[i] != '&')
			i++;
		end = i++;
		if (end == start)
			continue;
		for (eq = start; eq < end && query[eq] != '='; eq++)
			;
		offsets[2 * n] = pool.len;
		if (add_reencoded(&pool, &scratch, query + start, eq - start) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
			goto out;
		}
		offsets[2 * n + 1] = pool.len;
		if (add_reencoded(&pool, &scratch, query + eq + (eq < end),
				  end - eq - (eq < end)) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
			goto out;
		}
		n++;
	}
	for (i = 0; i < n_extra; i++) {
		offsets[2 * n] = pool.len;
		aws_uri_encode_buf(&pool, extra[i].name, strlen(extra[i].name), true);
		ca_buf_add(&pool, "", 1);
		offsets[2 * n + 1] = pool.len;
		aws_uri_encode_buf(&pool, extra[i].value, strlen(extra[i].value), true);
		ca_buf_add(&pool, "", 1);
		n++;
	}
	if (!ca_buf_ok(&pool)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
		goto out;
	}
	for (i = 0; i < n; i++) {
		pairs[i].name = pool.data + offsets[2 * i];
		pairs[i].value = pool.data + offsets[2 * i + 1];
	}
	if (n > 1)
		qsort(pairs, n, sizeof(*pairs), compare_pairs);
	for (i = 0; i < n; i++) {
		if (i)
			ca_buf_addch(out, '&');
		ca_buf_adds(out, pairs[i].name);
		ca_buf_addch(out, '=');
		ca_buf_adds(out, pairs[i].value);
	}
	if (!ca_buf_ok(out))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
out:
	free(offsets);
	free(pairs);
	ca_buf_release(&pool);
	ca_buf_release(&scratch);
	return rc;
}

/* ---- headers ---- */

static const char *const never_signed[] = {
	"authorization", "user-agent", "expect", "transfer-encoding", "x-amzn-trace-id",
};

bool sigv4_header_unsigned(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(never_signed) / sizeof(never_signed[0]); i++)
		if (!strcasecmp(name, never_signed[i]))
			return true;
	return false;
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

struct header_ref {
	const char *name;
	const char *value;
	size_t order;
};

static int compare_headers(const void *a, const void *b)
{
	const struct header_ref *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;

	for (; *p && ascii_lower(*p) == ascii_lower(*q); p++, q++)
		;
	if (*p || *q)
		return (int)ascii_lower(*p) - (int)ascii_lower(*q);
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends value trimmed, with each run of whitespace folded into one space. */
static void add_folded(struct ca_buf *out, const char *v)
{
	bool first = true;

	for (;;) {
		const char *word;

		while (is_space(*v))
			v++;
		if (!*v)
			return;
		word = v;
		while (*v && !is_space(*v))
			v++;
		if (!first)
			ca_buf_addch(out, ' ');
		ca_buf_add(out, word, (size_t)(v - word));
		first = false;
	}
}

/* Appends name in lower case to both buffers. */
static void add_lower_name(struct ca_buf *block, struct ca_buf *names, const char *name)
{
	size_t len = strlen(name), i;
	char *b, *n;

	if (ca_buf_grow(block, len) != CA_OK || ca_buf_grow(names, len) != CA_OK)
		return;
	b = block->data + block->len;
	n = names->data + names->len;
	for (i = 0; i < len; i++)
		b[i] = n[i] = (char)ascii_lower((unsigned char)name[i]);
	block->len += len;
	block->data[block->len] = '\0';
	names->len += len;
	names->data[names->len] = '\0';
}

static int check_header(const struct sigv4_header *h, size_t idx, struct ca_err *err)
{
	size_t i, len;

	if (!h->name || !*h->name)
		return ca_err_set(err, CA_EINVAL, "Header %zu has an empty name.", idx);
	len = strlen(h->name);
	if (len > SIGV4_MAX_HEADER_NAME)
		return ca_err_set(err, CA_ERANGE, "Header %zu's name is longer than %d bytes.", idx,
				  SIGV4_MAX_HEADER_NAME);
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)h->name[i]))
			return ca_err_set(err, CA_EINVAL,
					  "Header %zu's name holds a character not allowed in header names.",
					  idx);
	if (!h->value)
		return ca_err_set(err, CA_EINVAL, "Header '%.64s' has no value (NULL).", h->name);
	len = strlen(h->value);
	if (len > SIGV4_MAX_HEADER_VALUE)
		return ca_err_set(err, CA_ERANGE, "Header '%.64s' is longer than %d bytes.", h->name,
				  SIGV4_MAX_HEADER_VALUE);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h->value[i];
		unsigned char next = (unsigned char)h->value[i + 1];

		if (c == '\r' && next == '\n')
			continue;
		if (c == '\n' && (next == ' ' || next == '\t'))
			continue;
		if (c != '\t' && is_ctl(c))
			return ca_err_set(err, CA_EINVAL,
					  "Header '%.64s' holds a control character or a bare line break.",
					  h->name);
	}
	return CA_OK;
}

int sigv4_canonical_headers(struct ca_buf *block, struct ca_buf *names,
			    const struct sigv4_header *headers, size_t n_headers,
			    struct ca_err *err)
{
	struct header_ref *refs = NULL;
	size_t n = 0, i;
	bool have_host = false;
	int rc = CA_OK;

	if (n_headers && !headers)
		return ca_err_set(err, CA_EINVAL, "The request lists headers but gives none (NULL).");
	/* the request's own headers plus up to three the signer adds */
	if (n_headers > SIGV4_MAX_HEADERS + 3)
		return ca_err_set(err, CA_ERANGE, "The request has %zu headers; the limit is %d.",
				  n_headers, SIGV4_MAX_HEADERS);
	refs = malloc((n_headers ? n_headers : 1) * sizeof(*refs));
	if (!refs)
		return ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
	for (i = 0; i < n_headers; i++) {
		rc = check_header(&headers[i], i, err);
		if (rc)
			goto out;
		if (sigv4_header_unsigned(headers[i].name))
			continue;
		if (!strcasecmp(headers[i].name, "host")) {
			const char *v = headers[i].value;

			while (is_space(*v))
				v++;
			have_host = have_host || *v;
		}
		refs[n].name = headers[i].name;
		refs[n].value = headers[i].value;
		refs[n].order = i;
		n++;
	}
	if (!have_host) {
		rc = ca_err_set(err, CA_EINVAL, "The request has no Host header; SigV4 signs it.");
		goto out;
	}
	qsort(refs, n, sizeof(*refs), compare_headers);
	for (i = 0; i < n; i++) {
		bool same_as_previous = i > 0 && !strcasecmp(refs[i].name, refs[i - 1].name);

		if (same_as_previous) {
			ca_buf_addch(block, ',');
		} else {
			if (i > 0) {
				ca_buf_addch(block, '\n');
				ca_buf_addch(names, ';');
			}
			add_lower_name(block, names, refs[i].name);
			ca_buf_addch(block, ':');
		}
		add_folded(block, refs[i].value);
	}
	ca_buf_addch(block, '\n');
	if (!ca_buf_ok(block) || !ca_buf_ok(names))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory while signing a request.");
out:
	free(refs);
	return rc;
}
