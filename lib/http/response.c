#include "http/response.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/banned.h"

void ca_http_response_init(struct ca_http_response *resp)
{
	resp->status = 0;
	ca_http_kv_init(&resp->headers);
	ca_buf_init(&resp->body);
	resp->file_fd = -1;
	resp->file_size = 0;
	resp->defer = false;
}

int ca_http_respond_defer(struct ca_http_response *resp)
{
	ca_http_response_release(resp);
	ca_http_response_init(resp);
	resp->defer = true;
	return CA_OK;
}

static void drop_file(struct ca_http_response *resp)
{
	if (resp->file_fd >= 0)
		close(resp->file_fd);
	resp->file_fd = -1;
	resp->file_size = 0;
}

void ca_http_response_release(struct ca_http_response *resp)
{
	if (!resp)
		return;
	ca_http_kv_release(&resp->headers);
	ca_buf_release(&resp->body);
	drop_file(resp);
	resp->status = 0;
}

static bool header_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		      strchr("!#$%&'*+-.^_`|~", c)))
			return false;
	}
	return true;
}

static bool header_value_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

int ca_http_add_header(struct ca_http_response *resp, const char *name, const char *value)
{
	if (!name || !value || !header_name_ok(name) || !header_value_ok(value))
		return CA_EINVAL;
	return ca_http_kv_adds(&resp->headers, name, value);
}

static void remove_header(struct ca_http_response *resp, const char *name)
{
	struct ca_http_kv *kv = &resp->headers;
	size_t i, kept = 0;

	for (i = 0; i < kv->n; i++) {
		if (strcasecmp(kv->items[i].name, name) == 0) {
			free(kv->items[i].name);
			free(kv->items[i].value);
		} else {
			kv->items[kept++] = kv->items[i];
		}
	}
	kv->n = kept;
}

int ca_http_set_header(struct ca_http_response *resp, const char *name, const char *value)
{
	if (!name || !value || !header_name_ok(name) || !header_value_ok(value))
		return CA_EINVAL;
	remove_header(resp, name);
	return ca_http_kv_adds(&resp->headers, name, value);
}

int ca_http_respond(struct ca_http_response *resp, int status, const char *content_type,
		    const void *data, size_t len)
{
	int rc;

	drop_file(resp);
	ca_buf_reset(&resp->body);
	resp->status = status;
	if (!content_type)
		remove_header(resp, "Content-Type");
	else if ((rc = ca_http_set_header(resp, "Content-Type", content_type)) != CA_OK)
		return rc;
	if (len && ca_buf_add(&resp->body, data, len) != CA_OK)
		return CA_ENOMEM;
	return CA_OK;
}

static int dump_to_buf(const char *chunk, size_t size, void *data)
{
	return ca_buf_add(data, chunk, size) == CA_OK ? 0 : -1;
}

int ca_http_respond_json(struct ca_http_response *resp, int status, const json_t *value)
{
	int rc = ca_http_respond(resp, status, "application/json", NULL, 0);

	if (rc != CA_OK)
		return rc;
	if (!value || json_dump_callback(value, dump_to_buf, &resp->body,
					 JSON_COMPACT | JSON_ENCODE_ANY)) {
		ca_buf_reset(&resp->body);
		resp->status = 0; /* not answered: the server sends 500 */
		return value ? CA_ENOMEM : CA_EINVAL;
	}
	return CA_OK;
}

static int respond_error_text(struct ca_http_response *resp, int status, const char *message)
{
	json_t *obj = json_pack("{s:s, s:s}", "error", ca_http_error_name(status),
				"message", message);
	int rc;

	if (!obj) /* message not UTF-8 or OOM: still answer with the shape */
		obj = json_pack("{s:s, s:s}", "error", ca_http_error_name(status),
				"message", "The request failed.");
	if (!obj)
		return CA_ENOMEM;
	rc = ca_http_respond_json(resp, status, obj);
	json_decref(obj);
	return rc;
}

int ca_http_respond_error(struct ca_http_response *resp, int status, const char *fmt, ...)
{
	char message[CA_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return respond_error_text(resp, status, message);
}

int ca_http_respond_ca_err(struct ca_http_response *resp, const struct ca_err *err)
{
	int code = err ? err->code : CA_EINVAL;
	int status = ca_http_status_for(code ? code : CA_EINVAL);

	if (status >= 500)
		return respond_error_text(resp, status,
					  "The server could not complete the request; try again later.");
	return respond_error_text(resp, status, ca_err_msg(err));
}

int ca_http_respond_fd(struct ca_http_response *resp, int status, int fd, uint64_t size,
		       const char *content_type)
{
	int rc = ca_http_respond(resp, status, content_type, NULL, 0);

	if (rc != CA_OK) {
		close(fd);
		return rc;
	}
	resp->file_fd = fd;
	resp->file_size = size;
	return CA_OK;
}

int ca_http_respond_redirect(struct ca_http_response *resp, int status, const char *location)
{
	int rc = ca_http_respond(resp, status, NULL, NULL, 0);

	if (rc != CA_OK)
		return rc;
	return ca_http_set_header(resp, "Location", location);
}

int ca_http_respond_empty(struct ca_http_response *resp, int status)
{
	return ca_http_respond(resp, status, NULL, NULL, 0);
}

int ca_http_set_cookie(struct ca_http_response *resp, const char *name, const char *value,
		       const struct ca_http_cookie_attrs *attrs)
{
	struct ca_buf line = CA_BUF_INIT;
	int rc = ca_http_cookie_format(&line, name, value, attrs);

	if (rc == CA_OK)
		rc = ca_http_add_header(resp, "Set-Cookie", line.data);
	ca_buf_release(&line);
	return rc;
}

int ca_http_status_for(int code)
{
	switch (code) {
	case CA_OK: return 200;
	case CA_EINVAL: case CA_EPARSE: case CA_ERANGE: case CA_HTTP_BAD_REQUEST:
	case CA_IMG_CORRUPT: case CA_IMG_EXIF:
		return 400;
	case CA_AUTH_MISMATCH: case CA_AUTH_BAD_TOKEN:
		return 401;
	case CA_HTTP_CSRF:
		return 403;
	case CA_ENOTFOUND: case CA_DB_NOTFOUND: case CA_STORAGE_NOTFOUND:
		return 404;
	case CA_EEXIST: case CA_DB_CONFLICT:
		return 409;
	case CA_HTTP_TOO_LARGE: case CA_IMG_TOO_LARGE:
		return 413;
	case CA_HTTP_BAD_MEDIA_TYPE: case CA_IMG_NOT_JPEG:
		return 415;
	case CA_IMG_TOO_COMPLEX:
		return 422;
	case CA_AUTH_RATE_LIMITED:
		return 429;
	case CA_EUNSUPPORTED:
		return 501;
	case CA_ETIMEOUT: case CA_AWS_TIMEOUT:
		return 504;
	case CA_DB_CONNECT: case CA_AWS_NETWORK: case CA_AWS_THROTTLED:
		return 503;
	default:
		return 500;
	}
}

const char *ca_http_error_name(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 411: return "length_required";
	case 413: return "payload_too_large";
	case 415: return "unsupported_media_type";
	case 422: return "unprocessable";
	case 429: return "too_many_requests";
	case 501: return "not_implemented";
	case 503: return "unavailable";
	case 504: return "timeout";
	default: return status >= 500 ? "internal" : "error";
	}
}
