/*
 * xray_segment.c — the text side of X-Ray tracing: segment documents and the
 * X-Amzn-Trace-Id header (see xray_emitter.h).
 */
#include "trace/xray_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/banned.h"

/* --- the incoming header ----------------------------------------------------- */

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/* Copies [v, v_end) into out (cap bytes with NUL) when it fits exactly len bytes. */
static bool take_exact(const char *v, const char *v_end, size_t len, char *out)
{
	if ((size_t)(v_end - v) != len)
		return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

bool xray_trace_header_parse(const char *value, struct xray_trace_header *out)
{
	bool seen_root = false, seen_parent = false, seen_sampled = false, root_ok = false;
	const char *p, *end;

	memset(out, 0, sizeof(*out));
	out->sampled = XRAY_SAMPLED_UNKNOWN;
	if (!value || strnlen(value, XRAY_TRACE_HEADER_MAX + 1) > XRAY_TRACE_HEADER_MAX)
		return false;
	p = value;
	end = value + strlen(value);
	while (p < end) {
		const char *part_end = memchr(p, ';', (size_t)(end - p));
		const char *eq, *k, *k_end, *v, *v_end;

		if (!part_end)
			part_end = end;
		k = skip_spaces(p, part_end);
		eq = memchr(k, '=', (size_t)(part_end - k));
		p = part_end < end ? part_end + 1 : end;
		if (!eq) {
			if (trim_end(k, part_end) == k)
				continue; /* an empty part: "Root=...;" */
			goto ignore;
		}
		k_end = trim_end(k, eq);
		v = skip_spaces(eq + 1, part_end);
		v_end = trim_end(v, part_end);
		if ((size_t)(k_end - k) == 4 && strncmp(k, "Root", 4) == 0) {
			char root[XRAY_TRACE_ID_LEN + 1];

			if (seen_root)
				goto ignore;
			seen_root = true;
			root_ok = take_exact(v, v_end, XRAY_TRACE_ID_LEN, root) &&
				  xray_trace_id_valid(root);
			if (!root_ok)
				goto ignore;
			memcpy(out->root, root, sizeof(root));
		} else if ((size_t)(k_end - k) == 6 && strncmp(k, "Parent", 6) == 0) {
			if (seen_parent)
				goto ignore;
			seen_parent = true;
			if (!take_exact(v, v_end, XRAY_SEGMENT_ID_LEN, out->parent) ||
			    !xray_segment_id_valid(out->parent))
				out->parent[0] = '\0';
		} else if ((size_t)(k_end - k) == 7 && strncmp(k, "Sampled", 7) == 0) {
			if (seen_sampled)
				goto ignore;
			seen_sampled = true;
			if (v_end - v == 1 && *v == '1')
				out->sampled = XRAY_SAMPLED_YES;
			else if (v_end - v == 1 && *v == '0')
				out->sampled = XRAY_SAMPLED_NO;
			else
				out->sampled = XRAY_SAMPLED_UNKNOWN;
		}
	}
	if (root_ok)
		return true;
ignore:
	memset(out, 0, sizeof(*out));
	out->sampled = XRAY_SAMPLED_UNKNOWN;
	return false;
}

int xray_trace_header_format(const char *trace_id, bool sampled, struct ca_buf *out,
			     struct ca_err *err)
{
	if (!xray_trace_id_valid(trace_id))
		return ca_err_set(err, CA_EINVAL, "An X-Ray trace id looks like 1-<8 hex>-<24 hex>.");
	ca_buf_addf(out, "Root=%s;Sampled=%d", trace_id, sampled ? 1 : 0);
	return ca_buf_ok(out) ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

/* --- the segment document ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (left bytes available), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

json_t *xray_capped_string(const char *s, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strnlen(s, cap + 4), i = 0;
	struct ca_buf b = CA_BUF_INIT;
	json_t *j = NULL;

	while (i < len) {
		size_t n = utf8_len(p + i, len - i);

		if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			if (b.len + 1 > cap)
				break;
			ca_buf_addch(&b, '?');
			i++;
			continue;
		}
		if (b.len + n > cap)
			break;
		ca_buf_add(&b, p + i, n);
		i += n;
	}
	if (ca_buf_ok(&b))
		j = json_stringn(b.data, b.len);
	ca_buf_release(&b);
	return j;
}

/* Sets key to value (taken); false on a NULL value or out of memory. */
static bool put(json_t *obj, const char *key, json_t *value)
{
	return value && json_object_set_new(obj, key, value) == 0;
}

static bool put_text(json_t *obj, const char *key, const char *s, size_t cap)
{
	return !s || put(obj, key, xray_capped_string(s, cap));
}

static int check_segment(const struct xray_segment *seg, struct ca_err *err)
{
	if (!seg->name || !*seg->name)
		return ca_err_set(err, CA_EINVAL, "An X-Ray segment needs a name (the service name).");
	if (!xray_trace_id_valid(seg->trace_id))
		return ca_err_set(err, CA_EINVAL, "The X-Ray segment's trace_id is not a trace id.");
	if (!xray_segment_id_valid(seg->id))
		return ca_err_set(err, CA_EINVAL, "The X-Ray segment's id is not 16 hex digits.");
	if (seg->parent_id && !xray_segment_id_valid(seg->parent_id))
		return ca_err_set(err, CA_EINVAL,
				  "The X-Ray segment's parent_id is not 16 hex digits.");
	if (!isfinite(seg->start_time) || !isfinite(seg->end_time) || seg->start_time <= 0 ||
	    seg->end_time < seg->start_time)
		return ca_err_set(err, CA_EINVAL,
				  "The X-Ray segment's times must be epoch seconds, end after start.");
	return CA_OK;
}

static json_t *http_json(const struct xray_segment *seg)
{
	json_t *http = json_object(), *request = json_object(), *response = NULL;
	bool ok = http && request;

	ok = ok && put_text(request, "method", seg->method, XRAY_FIELD_MAX) &&
	     put_text(request, "url", seg->url, XRAY_URL_MAX) &&
	     put_text(request, "client_ip", seg->client_ip, XRAY_FIELD_MAX) &&
	     put_text(request, "user_agent", seg->user_agent, XRAY_USER_AGENT_MAX) &&
	     (!seg->forwarded || put(request, "x_forwarded_for", json_true()));
	if (ok) {
		ok = put(http, "request", request);
		request = NULL;
	}
	if (ok && seg->status > 0) {
		response = json_object();
		ok = response && put(response, "status", json_integer(seg->status)) &&
		     (seg->content_length < 0 ||
		      put(response, "content_length", json_integer(seg->content_length)));
		if (ok) {
			ok = put(http, "response", response);
			response = NULL;
		}
	}
	json_decref(request);
	json_decref(response);
	if (!ok) {
		json_decref(http);
		return NULL;
	}
	return http;
}

/* The segment document with the first `keep` subsegments; NULL on out of memory. */
static json_t *segment_doc(const struct xray_segment *seg, size_t keep)
{
	json_t *doc = json_object();
	bool ok;

	ok = doc && put_text(doc, "name", seg->name, XRAY_NAME_MAX) &&
	     put(doc, "id", json_string(seg->id)) &&
	     put(doc, "trace_id", json_string(seg->trace_id)) &&
	     (!seg->parent_id || put(doc, "parent_id", json_string(seg->parent_id))) &&
	     put(doc, "start_time", json_real(seg->start_time)) &&
	     put(doc, "end_time", json_real(seg->end_time)) &&
	     put(doc, "http", http_json(seg));
	if (ok && seg->status >= 400 && seg->status < 500) {
		ok = put(doc, "error", json_true()) &&
		     (seg->status != 429 || put(doc, "throttle", json_true()));
	} else if (ok && seg->status >= 500) {
		ok = put(doc, "fault", json_true());
	}
	ok = ok && xray_subsegments_attach(doc, seg->subsegments, keep);
	if (!ok) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* 16 significant digits keep microseconds of an epoch time exactly */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(16))

int xray_segment_json(const struct xray_segment *seg, struct ca_buf *out, struct ca_err *err)
{
	json_t *doc = NULL;
	char *text = NULL;
	int rc;

	rc = check_segment(seg, err);
	if (rc != CA_OK)
		return rc;
	doc = segment_doc(seg, xray_subsegments_count(seg->subsegments));
	text = doc ? json_dumps(doc, DUMP_FLAGS) : NULL;
	if (!text || ca_buf_adds(out, text) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory writing an X-Ray segment.");
	free(text);
	json_decref(doc);
	return rc;
}

int xray_segment_datagram(const struct xray_segment *seg, struct ca_buf *out,
			  struct ca_err *err)
{
	size_t room = XRAY_DATAGRAM_MAX - strlen(XRAY_DATAGRAM_HEADER);
	size_t keep = xray_subsegments_count(seg->subsegments), len, over, start = out->len;
	size_t *lens = NULL;
	json_t *doc = NULL;
	char *text = NULL;
	int rc;

	rc = check_segment(seg, err);
	if (rc != CA_OK)
		return rc;
	for (;;) {
		json_decref(doc);
		free(text);
		text = NULL;
		doc = segment_doc(seg, keep);
		if (!doc || !(text = json_dumps(doc, DUMP_FLAGS)))
			goto oom;
		len = strlen(text);
		if (len <= room)
			break;
		if (keep == 0) {
			rc = ca_err_set(err, CA_ERANGE, "The X-Ray segment is larger than %d bytes.",
					XRAY_DATAGRAM_MAX);
			goto out;
		}
		/* leave out enough of the last subsegments (and a comma each) to fit */
		if (!lens && !(lens = xray_subsegments_lengths(seg->subsegments)))
			goto oom;
		over = len - room;
		do {
			keep--;
			over = lens[keep] + 1 >= over ? 0 : over - lens[keep] - 1;
		} while (over > 0 && keep > 0);
	}
	if (ca_buf_adds(out, XRAY_DATAGRAM_HEADER) != CA_OK || ca_buf_adds(out, text) != CA_OK) {
		if (ca_buf_ok(out))
			ca_buf_setlen(out, start);
		goto oom;
	}
	goto out;
oom:
	rc = ca_err_set(err, CA_ENOMEM, "Out of memory writing an X-Ray segment.");
out:
	json_decref(doc);
	free(text);
	free(lens);
	return rc;
}
