/*
 * sign_in_limits.c — the keys of the sign-in token buckets and taking an
 * attempt from one; each endpoint words its own 429 answer.
 */
#include "app/app_internal.h"

#include <ctype.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/banned.h"

char *app_address_key(const struct ca_http_request *req)
{
	struct ca_buf key = CA_BUF_INIT;

	ca_buf_addf(&key, "addr:%s", req->remote);
	return ca_buf_detach(&key, NULL);
}

char *app_account_key(const char *email)
{
	struct ca_buf key = CA_BUF_INIT;
	const char *c;

	ca_buf_adds(&key, "acct:");
	for (c = email; *c; c++)
		ca_buf_addch(&key, (char)tolower((unsigned char)*c));
	return ca_buf_detach(&key, NULL);
}

bool app_throttled(struct ca_ratelimit *rl, const char *key, struct ca_http_response *resp,
		   char secs[APP_RETRY_SECS_LEN])
{
	unsigned retry = 0;

	if (ca_ratelimit_take(rl, key, &retry, NULL) != CA_AUTH_RATE_LIMITED)
		return false;
	snprintf(secs, APP_RETRY_SECS_LEN, "%u", retry ? retry : 1);
	ca_http_set_header(resp, "Retry-After", secs);
	return true;
}
