/*
 * request_helpers.c — reading a JSON body, loading the signed-in user's photo,
 * and answering failures the same way (who is signed in and the CSRF check are
 * session_cookies.c's).
 */
#include "app/app_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/csrf.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

bool app_json_body(const struct ca_http_request *req, struct ca_http_response *resp,
		   json_t **out)
{
	struct ca_err err;

	*out = NULL;
	if (req->body_len > APP_JSON_BODY_MAX) {
		ca_http_respond_error(resp, 413, "A JSON request body may be at most %d KiB.",
				      APP_JSON_BODY_MAX / 1024);
		return false;
	}
	ca_err_clear(&err);
	if (ca_http_body_json(req, out, &err) != CA_OK) {
		app_fail(req, resp, &err);
		return false;
	}
	return true;
}

bool app_json_string(const json_t *obj, const char *key, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return false;
	*out = json_string_value(v);
	return true;
}

bool app_json_only_keys(const json_t *obj, const char *const *allowed, const char **unknown)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		bool known = false;

		(void)v;
		for (i = 0; allowed[i]; i++)
			known = known || strcmp(key, allowed[i]) == 0;
		if (!known) {
			if (unknown)
				*unknown = key;
			return false;
		}
	}
	return true;
}

void app_log(const struct ca_http_request *req, const char *fmt, ...)
{
	struct ca_buf line = CA_BUF_INIT;
	va_list ap;

	ca_buf_addf(&line, "cloudalbum-serve: [%s] ", req ? req->request_id : "-");
	va_start(ap, fmt);
	ca_buf_vaddf(&line, fmt, ap);
	va_end(ap);
	ca_buf_addch(&line, '\n');
	if (ca_buf_ok(&line))
		fwrite(line.data, 1, line.len, stderr);
	ca_buf_release(&line);
}

int app_fail(const struct ca_http_request *req, struct ca_http_response *resp,
	     const struct ca_err *err)
{
	int status = ca_http_status_for(err->code);

	if (status >= 500)
		app_log(req, "%s %s failed: %s", req->method, req->path, ca_err_msg(err));
	ca_http_respond_ca_err(resp, err);
	return CA_OK;
}

int app_oom(const struct ca_http_request *req, struct ca_http_response *resp)
{
	app_log(req, "%s %s: out of memory", req->method, req->path);
	ca_http_respond_error(resp, 500, "The server ran out of memory; try again later.");
	return CA_OK;
}

int app_respond_json_new(const struct ca_http_request *req, struct ca_http_response *resp,
			 int status, json_t *value)
{
	if (!value || ca_http_respond_json(resp, status, value) != CA_OK) {
		json_decref(value);
		return app_oom(req, resp);
	}
	json_decref(value);
	return CA_OK;
}

/* Ids are digits (MySQL, DynamoDB photos) or hex (DynamoDB users): nothing else is looked up. */
static bool id_plausible(const char *id)
{
	size_t n = 0;

	for (; id && id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'z') ||
		      (id[n] >= 'A' && id[n] <= 'Z') || id[n] == '-' || id[n] == '_'))
			return false;
	return n >= 1 && n <= 64;
}

bool app_photo_load(struct ca_app *app, const struct ca_http_request *req,
		    struct ca_http_response *resp, const struct app_session_user *who,
		    struct ca_photo *photo)
{
	const char *id = ca_http_param(req, "id");
	struct ca_err err;
	int rc;

	memset(photo, 0, sizeof(*photo));
	ca_err_clear(&err);
	if (!id_plausible(id)) {
		ca_http_respond_error(resp, 404, "There is no such photo in your album.");
		return false;
	}
	rc = ca_db_photo_get(app->db, who->id, id, photo, &err);
	if (rc == CA_OK)
		return true;
	ca_photo_release(photo);
	if (rc == CA_DB_NOTFOUND || rc == CA_EINVAL || rc == CA_ERANGE)
		ca_http_respond_error(resp, 404, "There is no such photo in your album.");
	else
		app_fail(req, resp, &err);
	return false;
}
