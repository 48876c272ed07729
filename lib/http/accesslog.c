#include "http/accesslog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/crypto.h"
#include "util/banned.h"

/*
 * Copies s with bytes outside printable ASCII as %XX (so the text is valid
 * UTF-8), and likewise each byte in also_escape.
 */
static void add_escaped(struct ca_buf *out, const char *s, const char *also_escape)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || strchr(also_escape, c))
			ca_buf_addf(out, "%%%02X", c);
		else
			ca_buf_addch(out, (char)c);
	}
}

static void add_printable(struct ca_buf *out, const char *s)
{
	add_escaped(out, s, "");
}

/* A text-line field: escaped so it holds no space or quote; "-" when empty. */
static void add_text_field(struct ca_buf *out, const char *s)
{
	if (!s || !*s)
		ca_buf_addch(out, '-');
	else
		add_escaped(out, s, " \"\\");
}

int ca_http_access_format_text(struct ca_buf *out, const struct ca_http_access_entry *e)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	double ms = e->duration_ms >= 0 ? e->duration_ms : 0;
	struct tm tm;

	add_text_field(out, e->remote);
	if (gmtime_r(&e->time.tv_sec, &tm) && tm.tm_mon >= 0 && tm.tm_mon < 12)
		ca_buf_addf(out, " - - [%02d/%s/%04d:%02d:%02d:%02d +0000] \"", tm.tm_mday,
			    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		ca_buf_adds(out, " - - [-] \"");
	add_text_field(out, e->method);
	ca_buf_addch(out, ' ');
	add_text_field(out, e->path);
	ca_buf_addf(out, "\" %d %llu %.3fms id=", e->status, (unsigned long long)e->bytes, ms);
	add_text_field(out, e->request_id);
	ca_buf_addch(out, '\n');
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}

static _Atomic int chosen_format = CA_HTTP_LOG_JSON;

void ca_http_access_set_format(enum ca_http_log_format format)
{
	chosen_format = format == CA_HTTP_LOG_TEXT ? CA_HTTP_LOG_TEXT : CA_HTTP_LOG_JSON;
}

enum ca_http_log_format ca_http_access_get_format(void)
{
	return chosen_format == CA_HTTP_LOG_TEXT ? CA_HTTP_LOG_TEXT : CA_HTTP_LOG_JSON;
}

int ca_http_access_format(struct ca_buf *out, const struct ca_http_access_entry *e)
{
	struct ca_buf method = CA_BUF_INIT, path = CA_BUF_INIT;
	char when[40] = "";
	struct tm tm;
	json_t *line = NULL;
	char *text = NULL;
	int rc = CA_ENOMEM;

	if (gmtime_r(&e->time.tv_sec, &tm))
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, e->time.tv_nsec / 1000000);
	add_printable(&method, e->method);
	add_printable(&path, e->path);
	if (!ca_buf_ok(&method) || !ca_buf_ok(&path))
		goto out;
	line = json_pack("{s:s, s:s, s:s, s:i, s:I, s:f, s:s, s:s}",
			 "time", when, "method", method.data, "path", path.data,
			 "status", e->status, "bytes", (json_int_t)e->bytes,
			 "duration_ms", (double)(long long)(e->duration_ms * 1000.0) / 1000.0,
			 "request_id", e->request_id ? e->request_id : "",
			 "remote", e->remote ? e->remote : "");
	if (!line)
		goto out;
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	if (!text)
		goto out;
	ca_buf_adds(out, text);
	ca_buf_addch(out, '\n');
	rc = ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
out:
	free(text);
	json_decref(line);
	ca_buf_release(&method);
	ca_buf_release(&path);
	return rc;
}

void ca_http_access_write(FILE *f, const struct ca_http_access_entry *e)
{
	struct ca_buf line = CA_BUF_INIT;

	if (!f)
		return;
	if ((ca_http_access_get_format() == CA_HTTP_LOG_TEXT ? ca_http_access_format_text(&line, e)
							      : ca_http_access_format(&line, e)) == CA_OK) {
		flockfile(f);
		fwrite(line.data, 1, line.len, f);
		fflush(f);
		funlockfile(f);
	}
	ca_buf_release(&line);
}

static bool id_char_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("._:;=+/@-", c));
}

static bool id_ok_n(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > CA_HTTP_REQUEST_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!id_char_ok(s[i]))
			return false;
	return true;
}

bool ca_http_request_id_ok(const char *s)
{
	return s && id_ok_n(s, strnlen(s, CA_HTTP_REQUEST_ID_MAX + 1));
}

/*
 * Random bytes for request ids, drawn from the DRBG 512 at a time by each thread:
 * one call per 32 requests instead of one each (the call costs more than the rest
 * of choosing the id). Ids are sent to the client, so nothing here is secret.
 */
static _Thread_local uint8_t id_pool[512];
static _Thread_local size_t id_pool_left;

static int id_random(uint8_t *out, size_t n)
{
	if (id_pool_left < n) {
		if (ca_random_bytes(id_pool, sizeof(id_pool)) != CA_OK)
			return CA_EIO;
		id_pool_left = sizeof(id_pool);
	}
	memcpy(out, id_pool + sizeof(id_pool) - id_pool_left, n);
	id_pool_left -= n;
	return CA_OK;
}

void ca_http_request_id_choose(const char *x_request_id, const char *x_amzn_trace_id,
			       char out[CA_HTTP_REQUEST_ID_MAX + 1])
{
	uint8_t raw[16];

	if (ca_http_request_id_ok(x_request_id)) {
		snprintf(out, CA_HTTP_REQUEST_ID_MAX + 1, "%s", x_request_id);
		return;
	}
	if (x_amzn_trace_id) {
		const char *root = strstr(x_amzn_trace_id, "Root=");

		if (root) {
			size_t n;

			root += 5;
			n = strcspn(root, ";");
			if (id_ok_n(root, n)) {
				snprintf(out, CA_HTTP_REQUEST_ID_MAX + 1, "%.*s", (int)n, root);
				return;
			}
		} else if (ca_http_request_id_ok(x_amzn_trace_id)) {
			snprintf(out, CA_HTTP_REQUEST_ID_MAX + 1, "%s", x_amzn_trace_id);
			return;
		}
	}
	if (id_random(raw, sizeof(raw)) != CA_OK)
		memset(raw, 0, sizeof(raw)); /* still a well-formed id; logging must go on */
	ca_hex_encode(raw, sizeof(raw), out);
}
