#include "http/multipart.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/urlcode.h"
#include "util/buf.h"
#include "util/banned.h"

#define NAME_MAX_BYTES 256
#define FILENAME_MAX_BYTES 1024

/* --- header values with parameters --------------------------------------- */

static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ows(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

typedef int (*param_fn)(void *ctx, const char *name, size_t name_len, const struct ca_buf *value);

/*
 * Reads "; name=value" pairs from p to end, values plain tokens or quoted
 * strings (a backslash escapes only '"' and '\', so Windows paths survive).
 * CA_EPARSE when malformed; otherwise what fn returns first that is not CA_OK.
 */
static int parse_params(const char *p, const char *end, param_fn fn, void *ctx)
{
	struct ca_buf value = CA_BUF_INIT;
	int rc = CA_OK;

	for (;;) {
		const char *name;
		size_t name_len;

		skip_ows(&p, end);
		if (p == end)
			break;
		if (*p++ != ';') {
			rc = CA_EPARSE;
			break;
		}
		skip_ows(&p, end);
		if (p == end)
			break;
		name = p;
		while (p < end && is_tchar(*p))
			p++;
		name_len = (size_t)(p - name);
		skip_ows(&p, end);
		if (name_len == 0 || p == end || *p++ != '=') {
			rc = CA_EPARSE;
			break;
		}
		skip_ows(&p, end);
		ca_buf_reset(&value);
		if (p < end && *p == '"') {
			p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
					p++;
				ca_buf_addch(&value, *p++);
			}
			if (p == end) {
				rc = CA_EPARSE;
				break;
			}
			p++;
		} else {
			const char *v = p;

			while (p < end && is_tchar(*p))
				p++;
			ca_buf_add(&value, v, (size_t)(p - v));
		}
		if (!ca_buf_ok(&value)) {
			rc = CA_ENOMEM;
			break;
		}
		if ((rc = fn(ctx, name, name_len, &value)) != CA_OK)
			break;
	}
	ca_buf_release(&value);
	return rc;
}

/* The media type at the start of a header value: [start, *type_end). */
static bool media_type_equals(const char *v, const char *end, const char *type,
			      const char **after)
{
	size_t n = strlen(type);
	const char *p = v;

	skip_ows(&p, end);
	if ((size_t)(end - p) < n || strncasecmp(p, type, n) != 0)
		return false;
	p += n;
	if (p < end && *p != ';' && *p != ' ' && *p != '\t')
		return false;
	*after = p;
	return true;
}

/* --- the boundary ----------------------------------------------------------- */

static bool boundary_char_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("'()+_,-./:=? ", c));
}

struct boundary_ctx {
	char *out;
	bool found;
	bool bad;
};

static int boundary_param(void *ctx, const char *name, size_t name_len, const struct ca_buf *v)
{
	struct boundary_ctx *b = ctx;
	size_t i;

	if (name_len != 8 || strncasecmp(name, "boundary", 8) != 0)
		return CA_OK;
	if (b->found || v->len == 0 || v->len > CA_MULTIPART_BOUNDARY_MAX ||
	    v->data[v->len - 1] == ' ') {
		b->bad = true;
		return CA_OK;
	}
	for (i = 0; i < v->len; i++)
		if (!boundary_char_ok(v->data[i]))
			b->bad = true;
	memcpy(b->out, v->data, v->len);
	b->out[v->len] = '\0';
	b->found = true;
	return CA_OK;
}

int ca_multipart_boundary(const char *content_type, char out[CA_MULTIPART_BOUNDARY_MAX + 1],
			  struct ca_err *err)
{
	struct boundary_ctx b = { out, false, false };
	const char *end, *after = NULL;
	int rc;

	out[0] = '\0';
	if (!content_type)
		return ca_err_set(err, CA_HTTP_BAD_MEDIA_TYPE,
				  "Send the upload as multipart/form-data.");
	end = content_type + strlen(content_type);
	if (!media_type_equals(content_type, end, "multipart/form-data", &after))
		return ca_err_set(err, CA_HTTP_BAD_MEDIA_TYPE,
				  "Send the upload as multipart/form-data.");
	rc = parse_params(after, end, boundary_param, &b);
	if (rc == CA_ENOMEM)
		return ca_err_set(err, rc, "Out of memory reading the Content-Type.");
	if (rc != CA_OK || !b.found || b.bad) {
		out[0] = '\0';
		return ca_err_set(err, CA_HTTP_BAD_REQUEST,
				  "The multipart Content-Type needs a boundary of 1 to 70 allowed characters.");
	}
	return CA_OK;
}

/* --- part headers ------------------------------------------------------------- */

struct disposition {
	struct ca_buf name, filename, filename_ext;
	bool has_name, has_filename, has_filename_ext, duplicate;
};

static int disposition_param(void *ctx, const char *pname, size_t len, const struct ca_buf *v)
{
	struct disposition *d = ctx;
	struct ca_buf *target = NULL;
	bool *seen = NULL;

	if (len == 4 && strncasecmp(pname, "name", 4) == 0) {
		target = &d->name;
		seen = &d->has_name;
	} else if (len == 8 && strncasecmp(pname, "filename", 8) == 0) {
		target = &d->filename;
		seen = &d->has_filename;
	} else if (len == 9 && strncasecmp(pname, "filename*", 9) == 0) {
		target = &d->filename_ext;
		seen = &d->has_filename_ext;
	} else {
		return CA_OK;
	}
	if (*seen)
		d->duplicate = true;
	*seen = true;
	ca_buf_reset(target);
	return ca_buf_add(target, v->data, v->len);
}

/*
 * Decodes an RFC 5987 ext-value "UTF-8''a%20b.jpg" in place. *ok false when it is not
 * UTF-8 or malformed (then v is unchanged). CA_OK, or CA_ENOMEM.
 */
static int decode_ext_value(struct ca_buf *v, bool *ok)
{
	struct ca_buf out = CA_BUF_INIT;
	const char *q;
	int rc = CA_OK;

	*ok = false;
	if (strncasecmp(v->data, "UTF-8'", 6) != 0 || !(q = strchr(v->data + 6, '\'')))
		return CA_OK;
	q++;
	rc = ca_http_percent_decode(q, strlen(q), false, &out);
	if (rc == CA_OK) {
		ca_buf_reset(v);
		ca_buf_add(v, out.data, out.len);
		*ok = true;
		rc = ca_buf_ok(v) ? CA_OK : CA_ENOMEM;
	} else if (rc == CA_EPARSE) {
		rc = CA_OK;
	}
	ca_buf_release(&out);
	return rc;
}

/*
 * The last path component of name without control characters; "upload" when nothing
 * is left. NULL when out of memory.
 */
static char *safe_filename(const char *name, size_t len)
{
	struct ca_buf out = CA_BUF_INIT;
	size_t i, start = 0;

	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\')
			start = i + 1;
	for (i = start; i < len; i++)
		if ((unsigned char)name[i] >= 0x20 && name[i] != 0x7f)
			ca_buf_addch(&out, name[i]);
	if (!ca_buf_ok(&out)) {
		ca_buf_release(&out);
		return NULL;
	}
	if (out.len == 0 || strcmp(out.data, ".") == 0 || strcmp(out.data, "..") == 0) {
		ca_buf_reset(&out);
		ca_buf_adds(&out, "upload");
	}
	return ca_buf_detach(&out, NULL);
}

static int bad(struct ca_err *err, const char *what)
{
	return ca_err_set(err, CA_HTTP_BAD_REQUEST, "The multipart body is malformed: %s.", what);
}

/* Parses the header block [p, end) of one part into part. */
static int parse_part_headers(const char *p, const char *end, struct ca_multipart_part *part,
			      struct ca_err *err)
{
	struct disposition d = { CA_BUF_INIT, CA_BUF_INIT, CA_BUF_INIT, false, false, false, false };
	bool seen_disposition = false, seen_type = false;
	int rc = CA_OK;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *colon, *v, *after = NULL;

		if (!eol)
			eol = end;
		if (*p == ' ' || *p == '\t') {
			rc = bad(err, "folded part headers are not accepted");
			goto out;
		}
		if (memchr(p, '\0', (size_t)(eol - p)) || memchr(p, '\r', (size_t)(eol - p)) ||
		    memchr(p, '\n', (size_t)(eol - p))) {
			rc = bad(err, "a part header holds a control character or bare line break");
			goto out;
		}
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p) {
			rc = bad(err, "a part header line has no name");
			goto out;
		}
		v = colon + 1;
		if ((size_t)(colon - p) == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (seen_disposition) {
				rc = bad(err, "a part has two Content-Disposition headers");
				goto out;
			}
			seen_disposition = true;
			if (!media_type_equals(v, eol, "form-data", &after)) {
				rc = bad(err, "a part's Content-Disposition is not form-data");
				goto out;
			}
			rc = parse_params(after, eol, disposition_param, &d);
			if (rc == CA_ENOMEM)
				goto oom;
			if (rc != CA_OK || d.duplicate) {
				rc = bad(err, "a part's Content-Disposition parameters are malformed");
				goto out;
			}
		} else if ((size_t)(colon - p) == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
			const char *vend = eol;

			if (seen_type) {
				rc = bad(err, "a part has two Content-Type headers");
				goto out;
			}
			seen_type = true;
			skip_ows(&v, eol);
			while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
				vend--;
			part->content_type = strndup(v, (size_t)(vend - v));
			if (!part->content_type)
				goto oom;
		}
		p = eol + (eol < end ? 2 : 0);
	}
	if (!seen_disposition || !d.has_name) {
		rc = bad(err, "a part has no Content-Disposition with a name");
		goto out;
	}
	if (d.name.len > NAME_MAX_BYTES || memchr(d.name.data, '\0', d.name.len)) {
		rc = bad(err, "a part's name is too long or holds NUL");
		goto out;
	}
	part->name = ca_buf_detach(&d.name, NULL);
	if (!part->name)
		goto oom;
	if (d.has_filename_ext) {
		bool decoded;

		if (decode_ext_value(&d.filename_ext, &decoded) != CA_OK)
			goto oom;
		if (decoded) {
			ca_buf_reset(&d.filename);
			if (ca_buf_add(&d.filename, d.filename_ext.data, d.filename_ext.len) != CA_OK)
				goto oom;
			d.has_filename = true;
		}
	}
	if (d.has_filename) {
		if (d.filename.len > FILENAME_MAX_BYTES) {
			rc = bad(err, "a file name is longer than 1024 bytes");
			goto out;
		}
		part->filename = safe_filename(d.filename.data, d.filename.len);
		if (!part->filename)
			goto oom;
	}
	goto out;
oom:
	rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a multipart body.");
out:
	ca_buf_release(&d.name);
	ca_buf_release(&d.filename);
	ca_buf_release(&d.filename_ext);
	return rc;
}

/* --- the body ------------------------------------------------------------------- */

/*
 * After a delimiter ("--boundary") at p: "--" closes, else optional spaces and
 * CRLF start a part. Returns 1 (part follows, *next after the CRLF), 0 (close),
 * -1 (not a delimiter: more characters follow the boundary).
 */
static int after_delimiter(const char *p, const char *end, const char **next)
{
	if (end - p >= 2 && p[0] == '-' && p[1] == '-')
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
		*next = p + 2;
		return 1;
	}
	return -1;
}

static int add_part(struct ca_multipart *out, size_t max_parts, struct ca_err *err)
{
	if (out->n >= max_parts)
		return ca_err_set(err, CA_HTTP_TOO_LARGE,
				  "The upload has more than %zu parts.", max_parts);
	/* Capacity is 4, then doubles: grow when n reaches it. */
	if (out->n == 0 || (out->n >= 4 && (out->n & (out->n - 1)) == 0)) {
		size_t cap = out->n ? out->n * 2 : 4;
		struct ca_multipart_part *parts = realloc(out->parts, cap * sizeof(*parts));

		if (!parts)
			return ca_err_set(err, CA_ENOMEM, "Out of memory reading a multipart body.");
		out->parts = parts;
	}
	memset(&out->parts[out->n], 0, sizeof(out->parts[0]));
	out->n++;
	return CA_OK;
}

int ca_multipart_parse(const char *content_type, const char *body, size_t len,
		       const struct ca_multipart_limits *limits, struct ca_multipart *out,
		       struct ca_err *err)
{
	char boundary[CA_MULTIPART_BOUNDARY_MAX + 1];
	char delim[CA_MULTIPART_BOUNDARY_MAX + 5]; /* "\r\n--" boundary */
	size_t delim_len, max_parts, max_part, max_total, max_header, total = 0;
	const char *p, *end = body + len, *next = NULL;
	int rc, kind;

	out->parts = NULL;
	out->n = 0;
	max_parts = limits && limits->max_parts ? limits->max_parts : 64;
	max_part = limits && limits->max_part_bytes ? limits->max_part_bytes : (size_t)-1;
	max_total = limits && limits->max_total_bytes ? limits->max_total_bytes : (size_t)-1;
	max_header = limits && limits->max_header_bytes ? limits->max_header_bytes : 8192;
	if ((rc = ca_multipart_boundary(content_type, boundary, err)) != CA_OK)
		return rc;
	delim_len = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);

	/* The first delimiter may open the body without a CRLF in front. */
	if (len >= delim_len - 2 && memcmp(body, delim + 2, delim_len - 2) == 0) {
		p = body + delim_len - 2;
	} else {
		const char *d = memmem(body, len, delim, delim_len);

		if (!d)
			return bad(err, "the boundary from the Content-Type never appears");
		p = d + delim_len;
	}
	for (;;) {
		const char *headers_end, *data, *d;
		struct ca_multipart_part *part;
		size_t data_len;

		kind = after_delimiter(p, end, &next);
		if (kind == 0)
			return CA_OK; /* the epilogue after the close is ignored */
		if (kind < 0)
			return bad(err, "a boundary line has trailing characters");
		if ((rc = add_part(out, max_parts, err)) != CA_OK)
			return rc;
		part = &out->parts[out->n - 1];
		p = next;
		/* Headers end at an empty line; an immediate CRLF means no headers. */
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			headers_end = p;
			data = p + 2;
		} else {
			size_t window = (size_t)(end - p) < max_header + 4 ? (size_t)(end - p)
									   : max_header + 4;
			const char *blank = memmem(p, window, "\r\n\r\n", 4);

			if (!blank)
				return (size_t)(end - p) > max_header
					       ? ca_err_set(err, CA_HTTP_TOO_LARGE,
							    "A part's headers are larger than %zu bytes.",
							    max_header)
					       : bad(err, "a part's headers do not end");
			headers_end = blank;
			data = blank + 4;
		}
		if ((size_t)(headers_end - p) > max_header)
			return ca_err_set(err, CA_HTTP_TOO_LARGE,
					  "A part's headers are larger than %zu bytes.", max_header);
		if ((rc = parse_part_headers(p, headers_end, part, err)) != CA_OK)
			return rc;
		/* The data runs to the next delimiter that really is one. */
		d = data;
		for (;;) {
			d = memmem(d, (size_t)(end - d), delim, delim_len);
			if (!d)
				return bad(err, "the body ends before its closing boundary");
			if (after_delimiter(d + delim_len, end, &next) >= 0)
				break;
			d += 1;
		}
		data_len = (size_t)(d - data);
		if (data_len > max_part)
			return ca_err_set(err, CA_HTTP_TOO_LARGE,
					  "Part '%s' is larger than %zu bytes.", part->name, max_part);
		total += data_len;
		if (total > max_total)
			return ca_err_set(err, CA_HTTP_TOO_LARGE,
					  "The upload is larger than %zu bytes in all.", max_total);
		part->data = data;
		part->len = data_len;
		p = d + delim_len;
	}
}

void ca_multipart_release(struct ca_multipart *mp)
{
	size_t i;

	if (!mp)
		return;
	for (i = 0; i < mp->n; i++) {
		free(mp->parts[i].name);
		free(mp->parts[i].filename);
		free(mp->parts[i].content_type);
	}
	free(mp->parts);
	mp->parts = NULL;
	mp->n = 0;
}

const struct ca_multipart_part *ca_multipart_get(const struct ca_multipart *mp, const char *name)
{
	size_t i;

	for (i = 0; i < mp->n; i++)
		if (strcmp(mp->parts[i].name, name) == 0)
			return &mp->parts[i];
	return NULL;
}
