/*
 * sign_in_limits.c — who the client is (its address, through trusted proxies
 * only), the keys of the attempt buckets, and taking an attempt from one; each
 * endpoint words its own 429 answer.
 */
#include "app/app_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/banned.h"

/* An address in binary form (family, bytes); false when s is not an IP address. */
struct ip {
	int family;
	unsigned char b[16];
};

static bool ip_parse(const char *s, size_t n, struct ip *out)
{
	char text[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->b) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, out->b) == 1)
		out->family = AF_INET6;
	return out->family != 0;
}

static bool ip_trusted(const struct ca_app *app, const struct ip *a)
{
	const struct ca_strlist *list = &app->cfg->server.trusted_proxies;
	struct ip t;
	size_t i;

	for (i = 0; i < list->n; i++)
		if (ip_parse(list->items[i], strlen(list->items[i]), &t) && t.family == a->family &&
		    memcmp(t.b, a->b, sizeof(t.b)) == 0)
			return true;
	return false;
}

void app_client_address(const struct ca_app *app, const struct ca_http_request *req,
			char out[CA_HTTP_REMOTE_MAX])
{
	const char *xff = ca_http_header(req, "X-Forwarded-For");
	struct ip peer, hop;
	size_t end;

	snprintf(out, CA_HTTP_REMOTE_MAX, "%s", req->remote);
	if (!xff || !ip_parse(req->remote, strlen(req->remote), &peer) || !ip_trusted(app, &peer))
		return;
	/* from the right: each hop a trusted proxy appended; the first untrusted one is the client */
	end = strlen(xff);
	while (end > 0) {
		size_t start = end, a, b;

		while (start > 0 && xff[start - 1] != ',')
			start--;
		for (a = start; a < end && (xff[a] == ' ' || xff[a] == '\t'); a++)
			;
		for (b = end; b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'); b--)
			;
		if (!ip_parse(xff + a, b - a, &hop))
			return;   /* not an address: keep the last one we can vouch for */
		snprintf(out, CA_HTTP_REMOTE_MAX, "%.*s", (int)(b - a), xff + a);
		if (!ip_trusted(app, &hop))
			return;
		end = start > 0 ? start - 1 : 0;
	}
}

char *app_address_key(const struct ca_app *app, const struct ca_http_request *req)
{
	struct ca_buf key = CA_BUF_INIT;
	char addr[CA_HTTP_REMOTE_MAX];

	app_client_address(app, req, addr);
	ca_buf_addf(&key, "addr:%s", addr);
	return ca_buf_detach(&key, NULL);
}

char *app_account_key(const struct ca_app *app, const struct ca_http_request *req,
		      const char *email)
{
	struct ca_buf key = CA_BUF_INIT;
	char addr[CA_HTTP_REMOTE_MAX];
	const char *c;

	app_client_address(app, req, addr);
	ca_buf_addf(&key, "acct:%s|", addr);
	for (c = email; *c; c++)
		ca_buf_addch(&key, (char)tolower((unsigned char)*c));
	return ca_buf_detach(&key, NULL);
}

char *app_user_key(const char *user_id)
{
	struct ca_buf key = CA_BUF_INIT;

	ca_buf_addf(&key, "user:%s", user_id);
	return ca_buf_detach(&key, NULL);
}

bool app_throttled(struct ca_ratelimit *rl, const char *key, struct ca_http_response *resp,
		   char secs[APP_RETRY_SECS_LEN])
{
	unsigned retry = 0;

	if (!rl)
		return false;
	if (ca_ratelimit_take(rl, key, &retry, NULL) != CA_AUTH_RATE_LIMITED)
		return false;
	snprintf(secs, APP_RETRY_SECS_LEN, "%u", retry ? retry : 1);
	ca_http_set_header(resp, "Retry-After", secs);
	return true;
}
