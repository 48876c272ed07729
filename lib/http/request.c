#include "http/request.h"

#include <string.h>
#include <strings.h>

#include "util/banned.h"

const char *ca_http_query(const struct ca_http_request *req, const char *name)
{
	return ca_http_kv_get(&req->query, name);
}

const char *ca_http_header(const struct ca_http_request *req, const char *name)
{
	return ca_http_kv_get_nocase(&req->headers, name);
}

const char *ca_http_cookie(const struct ca_http_request *req, const char *name)
{
	return ca_http_kv_get(&req->cookies, name);
}

const char *ca_http_param(const struct ca_http_request *req, const char *name)
{
	return ca_http_kv_get(&req->params, name);
}

/* true when the Content-Type's media type (before any ';') is `type`, any case */
static bool media_type_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	if (!content_type)
		return false;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	if (strncasecmp(content_type, type, n) != 0)
		return false;
	content_type += n;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}

int ca_http_body_json(const struct ca_http_request *req, json_t **out, struct ca_err *err)
{
	json_error_t jerr;
	json_t *value = NULL;

	*out = NULL;
	if (!media_type_is(ca_http_header(req, "Content-Type"), "application/json"))
		return ca_err_set(err, CA_HTTP_BAD_MEDIA_TYPE,
				  "Send the request body as JSON with Content-Type: application/json.");
	value = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!value)
		return ca_err_set(err, CA_HTTP_BAD_REQUEST,
				  "The request body is not valid JSON (line %d, column %d: %s).",
				  jerr.line, jerr.column, jerr.text);
	if (!json_is_object(value)) {
		json_decref(value);
		return ca_err_set(err, CA_HTTP_BAD_REQUEST,
				  "The request body must be a JSON object.");
	}
	*out = value;
	return CA_OK;
}
