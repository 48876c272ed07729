#include "aws/aws_error.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/xml.h"
#include "util/banned.h"

/*
 * Copies at most cap-1 bytes of s into dst: control characters become spaces, the
 * ends are trimmed, and a UTF-8 sequence cut by the cap is dropped whole.
 */
static void copy_clean(char *dst, size_t cap, const char *s, size_t len)
{
	size_t i, n = 0;

	dst[0] = '\0';
	if (!s)
		return;
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	for (i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			break;
		dst[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	if (i < len && n && ((unsigned char)dst[n - 1] & 0x80)) {
		/* cut: back off to the start of the last (possibly partial) sequence */
		while (n && ((unsigned char)dst[n - 1] & 0xC0) == 0x80)
			n--;
		if (n && ((unsigned char)dst[n - 1] & 0x80))
			n--;
	}
	while (n && isspace((unsigned char)dst[n - 1]))
		n--;
	dst[n] = '\0';
}

/*
 * An error code as services send it, reduced to the bare name: the part after the
 * last '#' ("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException") and before
 * the first ':' ("ValidationException:http://internal.amazon.com/..."). Codes with
 * characters no AWS code uses are refused (the status is used instead).
 */
static int set_code(struct aws_error *out, const char *s, size_t len)
{
	const char *hash, *colon;
	size_t i;

	if (!s)
		return 0;
	hash = memchr(s, '#', len);
	while (hash) {
		len -= (size_t)(hash + 1 - s);
		s = hash + 1;
		hash = memchr(s, '#', len);
	}
	colon = memchr(s, ':', len);
	if (colon)
		len = (size_t)(colon - s);
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(out->code))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	memcpy(out->code, s, len);
	out->code[len] = '\0';
	out->code_from_body = 1;
	return 1;
}

static const char *json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void parse_json(const struct aws_error_input *in, struct aws_error *out)
{
	json_t *root = json_loadb(in->body, in->body_len, 0, NULL);
	const char *s;

	if (!json_is_object(root))
		goto out;
	if (!out->code_from_body) {
		s = json_str(root, "__type");
		if (!s)
			s = json_str(root, "code");
		if (!s)
			s = json_str(root, "Code");
		if (s)
			set_code(out, s, strlen(s));
	}
	s = json_str(root, "message");
	if (!s)
		s = json_str(root, "Message");
	if (!s)
		s = json_str(root, "errorMessage");
	if (s)
		copy_clean(out->message, sizeof(out->message), s, strlen(s));
out:
	json_decref(root);
}

static void parse_xml(const struct aws_error_input *in, struct aws_error *out)
{
	struct ca_xml_limits lim = { AWS_ERROR_BODY_MAX, 16, 4096 };
	struct ca_xml_node *root = NULL;
	const struct ca_xml_node *e = NULL;
	const char *s;

	if (ca_xml_parse(in->body, in->body_len, &lim, &root, NULL) != CA_OK)
		return;
	if (ca_xml_name_is(root, "Error")) {
		e = root;                                       /* S3 */
	} else if (ca_xml_name_is(root, "ErrorResponse") || ca_xml_name_is(root, "Response")) {
		/* query (IAM, STS): ErrorResponse/Error; EC2: Response/Errors/Error;
		 * some front ends (and moto) write ErrorResponse/Errors/Error */
		e = ca_xml_child(root, "Error");
		if (!e)
			e = ca_xml_path(root, "Errors/Error");
	}
	if (e) {
		s = ca_xml_path_text(e, "Code");
		if (s && !out->code_from_body)
			set_code(out, s, strlen(s));
		s = ca_xml_path_text(e, "Message");
		if (s)
			copy_clean(out->message, sizeof(out->message), s, strlen(s));
	}
	if (!out->request_id[0]) {
		s = ca_xml_path_text(root, "RequestId");
		if (!s)
			s = ca_xml_path_text(root, "RequestID");
		if (!s)
			s = ca_xml_path_text(e, "RequestId");
		if (s)
			copy_clean(out->request_id, sizeof(out->request_id), s, strlen(s));
	}
	ca_xml_free(root);
}

static const char *status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "no error details in the answer";
}

void aws_error_parse(const struct aws_error_input *in, struct aws_error *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (!in)
		return;
	out->status = in->status;
	if (in->request_id_header)
		copy_clean(out->request_id, sizeof(out->request_id), in->request_id_header,
			   strlen(in->request_id_header));
	if (in->error_type_header)
		set_code(out, in->error_type_header, strlen(in->error_type_header));

	if (in->body && in->body_len && in->body_len <= AWS_ERROR_BODY_MAX) {
		while (i < in->body_len && isspace((unsigned char)in->body[i]))
			i++;
		if (i < in->body_len && in->body[i] == '{')
			parse_json(in, out);
		else if (i < in->body_len && in->body[i] == '<')
			parse_xml(in, out);
	}
	if (!out->code[0]) {
		snprintf(out->code, sizeof(out->code), "%d", in->status);
		out->code_from_body = 0;
	}
	if (!out->message[0])
		snprintf(out->message, sizeof(out->message), "%s", status_text(in->status));
}

int aws_error_to_err(const struct aws_error *e, const char *service, int code,
		     struct ca_err *err)
{
	char rid[AWS_ERROR_REQUEST_ID_MAX + 16] = "";

	if (e->request_id[0])
		snprintf(rid, sizeof(rid), ", request id %s", e->request_id);
	return ca_err_set(err, code, "%s%s%s: %s (HTTP %d%s)", service ? service : "",
			  service ? ": " : "", e->code, e->message, e->status, rid);
}
