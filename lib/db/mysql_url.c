#include "db/mysql_internal.h"

#include <stdlib.h>
#include <string.h>

#include "http/urlcode.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define URL_MAX 2048
#define DEFAULT_PORT 3306
#define DEFAULT_CONNECT_TIMEOUT 5
#define DEFAULT_RW_TIMEOUT 30

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape, NUL byte or OOM. */
static char *decode(const char *s, size_t n, bool *oom)
{
	struct ca_buf b = CA_BUF_INIT;
	int rc = ca_http_percent_decode(s, n, false, &b);

	if (rc != CA_OK) {
		*oom = rc == CA_ENOMEM;
		ca_buf_release(&b);
		return NULL;
	}
	return ca_buf_detach(&b, NULL);
}

static bool valid_db_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '$' || c == '-'))
			return false;
	}
	return true;
}

static int parse_option(struct mysql_url *u, const char *opt, size_t n, struct ca_err *err)
{
	char key[32], val[32];
	const char *eq = memchr(opt, '=', n);
	size_t klen, vlen;
	long v;

	if (!eq)
		goto bad;
	klen = (size_t)(eq - opt);
	vlen = n - klen - 1;
	if (klen >= sizeof(key) || vlen >= sizeof(val))
		goto bad;
	memcpy(key, opt, klen);
	key[klen] = '\0';
	memcpy(val, eq + 1, vlen);
	val[vlen] = '\0';
	if (!strcmp(key, "schema")) {
		if (!strcmp(val, "create"))
			u->create_schema = true;
		else if (!strcmp(val, "check"))
			u->create_schema = false;
		else
			goto bad;
		return CA_OK;
	}
	if (!strcmp(key, "pool")) {
		if (!ca_parse_long(val, 1, CA_MYSQL_POOL_MAX, &v))
			goto bad;
		u->pool_size = (unsigned)v;
		return CA_OK;
	}
	if (!ca_parse_long(val, 1, 3600, &v))
		goto bad;
	if (!strcmp(key, "connect_timeout"))
		u->connect_timeout = (unsigned)v;
	else if (!strcmp(key, "read_timeout"))
		u->read_timeout = (unsigned)v;
	else if (!strcmp(key, "write_timeout"))
		u->write_timeout = (unsigned)v;
	else if (!strcmp(key, "pool_timeout"))
		u->pool_timeout = (unsigned)v;
	else
		goto bad;
	return CA_OK;
bad:
	return ca_err_set(err, CA_EINVAL,
			  "The MySQL URL option '%.*s' is not one of connect_timeout, read_timeout, write_timeout, pool_timeout (1..3600 seconds), pool (1..%d connections) or schema=create|check.",
			  (int)(n > 64 ? 64 : n), opt, CA_MYSQL_POOL_MAX);
}

int ca_mysql_url_parse(const char *url, struct mysql_url *out, struct ca_err *err)
{
	const char *p, *auth_end, *at, *host, *host_end, *colon = NULL, *path_end;
	bool oom = false;
	long port = DEFAULT_PORT;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	out->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	out->read_timeout = DEFAULT_RW_TIMEOUT;
	out->write_timeout = DEFAULT_RW_TIMEOUT;
	out->pool_timeout = CA_MYSQL_POOL_TIMEOUT_DEFAULT;
	out->create_schema = true;
	if (!url || !ca_starts_with(url, "mysql://") || strnlen(url, URL_MAX + 1) > URL_MAX) {
		rc = ca_err_set(err, CA_EINVAL,
				"The database URL must look like mysql://user[:password]@host[:port]/database.");
		goto fail;
	}
	p = url + strlen("mysql://");
	auth_end = p + strcspn(p, "/?#");
	if (*auth_end == '#') {
		rc = ca_err_set(err, CA_EINVAL, "The MySQL URL must not have a #fragment.");
		goto fail;
	}
	/* the last '@' before the path ends the user info (passwords may hold '@' encoded or not) */
	at = NULL;
	for (host = p; host < auth_end; host++)
		if (*host == '@')
			at = host;
	host = p;
	if (at) {
		const char *user_end = memchr(p, ':', (size_t)(at - p));

		out->user = decode(p, (size_t)((user_end ? user_end : at) - p), &oom);
		if (user_end)
			out->password = decode(user_end + 1, (size_t)(at - user_end - 1), &oom);
		if (!out->user || (user_end && !out->password) || !*out->user) {
			rc = oom ? ca_err_set(err, CA_ENOMEM, "Out of memory parsing the MySQL URL.")
				 : ca_err_set(err, CA_EINVAL,
					      "The MySQL URL's user or password is empty or badly percent-encoded.");
			goto fail;
		}
		host = at + 1;
	}
	host_end = auth_end;
	if (*host == '[') {
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end) {
			rc = ca_err_set(err, CA_EINVAL, "The MySQL URL has an unclosed [IPv6 address].");
			goto fail;
		}
		if (host_end + 1 < auth_end)
			colon = host_end + 1;
		host++;
	} else {
		colon = memchr(host, ':', (size_t)(auth_end - host));
		if (colon)
			host_end = colon;
	}
	if (colon) {
		char portbuf[8];
		size_t n = (size_t)(auth_end - colon - 1);

		if (*colon != ':' || n == 0 || n >= sizeof(portbuf)) {
			rc = ca_err_set(err, CA_EINVAL, "The MySQL URL's port is not a number 1..65535.");
			goto fail;
		}
		memcpy(portbuf, colon + 1, n);
		portbuf[n] = '\0';
		if (!ca_parse_long(portbuf, 1, 65535, &port)) {
			rc = ca_err_set(err, CA_EINVAL, "The MySQL URL's port is not a number 1..65535.");
			goto fail;
		}
	}
	if (host_end == host) {
		rc = ca_err_set(err, CA_EINVAL, "The MySQL URL names no host.");
		goto fail;
	}
	out->host = ca_strndup(host, (size_t)(host_end - host));
	out->port = (unsigned)port;
	if (!out->user)
		out->user = ca_strdup("root");
	if (!out->host || !out->user) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory parsing the MySQL URL.");
		goto fail;
	}

	p = auth_end;
	if (*p == '/')
		p++;
	path_end = p + strcspn(p, "?");
	out->database = decode(p, (size_t)(path_end - p), &oom);
	if (!out->database || !valid_db_name(out->database)) {
		rc = oom ? ca_err_set(err, CA_ENOMEM, "Out of memory parsing the MySQL URL.")
			 : ca_err_set(err, CA_EINVAL,
				      "The MySQL URL must end with a database name of 1..64 letters, digits, '_', '$' or '-'.");
		goto fail;
	}
	p = path_end;
	while (*p == '?' || *p == '&') {
		const char *opt = p + 1;
		size_t n = strcspn(opt, "&");

		if (n == 0) {
			p = opt;
			if (!*p)
				break;
			continue;
		}
		rc = parse_option(out, opt, n, err);
		if (rc)
			goto fail;
		p = opt + n;
	}
	return CA_OK;
fail:
	ca_mysql_url_release(out);
	return rc;
}

void ca_mysql_url_release(struct mysql_url *u)
{
	if (!u)
		return;
	free(u->user);
	ca_free_secret(u->password);
	free(u->host);
	free(u->database);
	memset(u, 0, sizeof(*u));
}
