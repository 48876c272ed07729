/*
 * account_fields.c — the rules for a new display name and a new password,
 * the same whether this app or a user pool keeps the account.
 */
#include "app/app_internal.h"

#include <string.h>

#include "util/banned.h"

bool app_name_acceptable(const char *name, long max_chars, struct ca_http_response *resp)
{
	long chars = ca_db_utf8_chars(name);
	const unsigned char *c;
	bool ok = chars >= 1 && chars <= max_chars;

	for (c = (const unsigned char *)name; ok && *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			ok = false;
	if (!ok)
		ca_http_respond_error(resp, 400, "Choose a name of 1 to %ld characters.", max_chars);
	return ok;
}

bool app_password_acceptable(const char *password, struct ca_http_response *resp)
{
	size_t n = strlen(password);

	if (n >= APP_PASSWORD_MIN && n <= APP_PASSWORD_MAX)
		return true;
	ca_http_respond_error(resp, 400, "Choose a password of %d to %d characters.",
			      APP_PASSWORD_MIN, APP_PASSWORD_MAX);
	return false;
}
