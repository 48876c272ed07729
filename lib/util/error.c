#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

const char *ca_strerror(int code)
{
	switch ((ca_code)code) {
	case CA_OK: return "no error";
	case CA_ENOMEM: return "out of memory";
	case CA_EINVAL: return "invalid argument";
	case CA_EIO: return "input/output error";
	case CA_ENOTFOUND: return "not found";
	case CA_ERANGE: return "value out of range";
	case CA_EPARSE: return "malformed input";
	case CA_EEXIST: return "already exists";
	case CA_EUNSUPPORTED: return "not supported";
	case CA_ETIMEOUT: return "timed out";
	case CA_AWS_NO_CREDENTIALS: return "no AWS credentials found";
	case CA_AWS_BAD_CREDENTIALS_FILE: return "AWS credentials or config file is malformed";
	case CA_AWS_NO_REGION: return "no AWS region configured";
	case CA_AWS_IMDS: return "EC2 instance metadata service failed";
	case CA_AWS_NETWORK: return "network error talking to AWS";
	case CA_AWS_TIMEOUT: return "AWS request timed out";
	case CA_AWS_SERVICE: return "AWS service returned an error";
	case CA_AWS_THROTTLED: return "AWS kept throttling the request";
	case CA_AWS_BAD_RESPONSE: return "AWS response could not be understood";
	case CA_AWS_BAD_ENDPOINT: return "bad AWS endpoint URL";
	case CA_AWS_SIGNING: return "request could not be signed";
	case CA_CONFIG_SYNTAX: return "config syntax error";
	case CA_CONFIG_UNKNOWN_KEY: return "unknown config key";
	case CA_CONFIG_MISSING_KEY: return "missing config key";
	case CA_CONFIG_TYPE: return "config value has the wrong type";
	case CA_CONFIG_ENV: return "config refers to an unset environment variable";
	case CA_CONFIG_VALUE: return "config value is not allowed";
	case CA_DB_CONNECT: return "cannot connect to the database";
	case CA_DB_QUERY: return "database query failed";
	case CA_DB_CONFLICT: return "already exists in the database";
	case CA_DB_NOTFOUND: return "not found in the database";
	case CA_DB_SCHEMA: return "database schema is not the expected one";
	case CA_STORAGE_BAD_NAME: return "invalid storage name";
	case CA_STORAGE_IO: return "storage input/output error";
	case CA_STORAGE_NOTFOUND: return "not found in storage";
	case CA_IMG_NOT_JPEG: return "not a JPEG image";
	case CA_IMG_CORRUPT: return "corrupt or truncated image";
	case CA_IMG_TOO_LARGE: return "image too large";
	case CA_IMG_EXIF: return "malformed EXIF data";
	case CA_IMG_TOO_COMPLEX: return "image too costly to decode";
	case CA_AUTH_BAD_HASH: return "unsupported password hash format";
	case CA_AUTH_MISMATCH: return "wrong password";
	case CA_AUTH_BAD_TOKEN: return "invalid or expired token";
	case CA_AUTH_RATE_LIMITED: return "too many attempts";
	case CA_AUTH_NOT_CONFIRMED: return "account not confirmed";
	case CA_GEO_NO_DATA: return "no geocoding data loaded";
	case CA_HTTP_BAD_REQUEST: return "bad request";
	case CA_HTTP_TOO_LARGE: return "request too large";
	case CA_HTTP_CSRF: return "missing or wrong CSRF token";
	case CA_HTTP_BAD_MEDIA_TYPE: return "unsupported media type";
	case CA_HTTP_SERVER: return "HTTP server failure";
	case CA_STAGE_CONFLICT: return "existing resource conflicts with the specification";
	case CA_STAGE_STATE: return "stage state file is unusable";
	case CA_STAGE_NOT_EMPTY: return "resource holds data";
	case CA_STAGE_USAGE: return "bad command line";
	case CA_MIGRATE_VERIFY: return "migration verification failed";
	case CA_MIGRATE_STATE: return "bad migration state file";
	case CA_MIGRATE_INCOMPLETE: return "migration incomplete";
	case CA_MIGRATE_LOCKED: return "another migration run holds the target";
	}
	return "unknown error";
}

void ca_err_clear(struct ca_err *err)
{
	if (!err)
		return;
	err->code = CA_OK;
	err->msg[0] = '\0';
}

int ca_err_set(struct ca_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != CA_OK)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void ca_err_prefix(struct ca_err *err, const char *fmt, ...)
{
	char head[CA_ERR_MSG_MAX];
	char tail[CA_ERR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(tail, sizeof(tail), "%s", ca_err_msg(err));
	n = snprintf(err->msg, sizeof(err->msg), "%s: ", head);
	if (n > 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, "%s", tail);
}

const char *ca_err_msg(const struct ca_err *err)
{
	if (!err)
		return "";
	return err->msg[0] ? err->msg : ca_strerror(err->code);
}
