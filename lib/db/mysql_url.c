#include "db/mysql_internal.h"

#include <stdlib.h>
#include <string.h>

#include "http/urlcode.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/url.h"
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

/* The user and password from the URL's userinfo ("user[:password]", percent-encoded). */
static int parse_userinfo(const struct ca_url *parts, struct mysql_url *out, struct ca_err *err)
{
	const char *user_end = memchr(parts->userinfo, ':', parts->userinfo_len);
	const char *end = parts->userinfo + parts->userinfo_len;
	bool oom = false;

	out->user = decode(parts->userinfo,
			   (size_t)((user_end ? user_end : end) - parts->userinfo), &oom);
	if (user_end)
		out->password = decode(user_end + 1, (size_t)(end - user_end - 1), &oom);
	if (!out->user || (user_end && !out->password) || !*out->user)
		return oom ? ca_err_set(err, CA_ENOMEM, "Out of memory parsing the MySQL URL.")
			   : ca_err_set(err, CA_EINVAL,
					"The MySQL URL's user or password is empty or badly percent-encoded.");
	return CA_OK;
}

/* The options after '?': name=value pairs separated by '&' (empty ones skipped). */
static int parse_options(const char *q, size_t len, struct mysql_url *out, struct ca_err *err)
{
	const char *end = q + len;
	int rc;

	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		size_t n = (size_t)((amp ? amp : end) - q);

		if (n && (rc = parse_option(out, q, n, err)))
			return rc;
		q += n + (amp ? 1 : 0);
	}
	return CA_OK;
}

int ca_mysql_url_parse(const char *url, struct mysql_url *out, struct ca_err *err)
{
	struct ca_url parts;
	enum ca_url_error split = CA_URL_EMPTY;
	const char *db;
	size_t db_len;
	bool oom = false;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	out->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	out->read_timeout = DEFAULT_RW_TIMEOUT;
	out->write_timeout = DEFAULT_RW_TIMEOUT;
	out->pool_timeout = CA_MYSQL_POOL_TIMEOUT_DEFAULT;
	out->create_schema = true;
	if (url && strnlen(url, URL_MAX + 1) <= URL_MAX)
		split = ca_url_split(url, &parts);
	if (split == CA_URL_EMPTY || split == CA_URL_NO_SCHEME || split == CA_URL_TOO_LONG ||
	    strncmp(parts.scheme, "mysql", parts.scheme_len) || parts.scheme_len != 5) {
		rc = ca_err_set(err, CA_EINVAL,
				"The database URL must look like mysql://user[:password]@host[:port]/database.");
		goto fail;
	}
	if (parts.has_fragment && parts.path_len == 0 && !parts.has_query) {
		rc = ca_err_set(err, CA_EINVAL, "The MySQL URL must not have a #fragment.");
		goto fail;
	}
	if (parts.has_userinfo && (rc = parse_userinfo(&parts, out, err)))
		goto fail;
	if (split == CA_URL_IPV6_UNCLOSED) {
		rc = ca_err_set(err, CA_EINVAL, "The MySQL URL has an unclosed [IPv6 address].");
		goto fail;
	}
	if (split != CA_URL_OK) {
		rc = ca_err_set(err, CA_EINVAL, "The MySQL URL's port is not a number 1..65535.");
		goto fail;
	}
	if (parts.host_len == 0) {
		rc = ca_err_set(err, CA_EINVAL, "The MySQL URL names no host.");
		goto fail;
	}
	out->host = ca_strndup(parts.host, parts.host_len);
	out->port = parts.port ? (unsigned)parts.port : DEFAULT_PORT;
	if (!out->user)
		out->user = ca_strdup("root");
	if (!out->host || !out->user) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory parsing the MySQL URL.");
		goto fail;
	}
	/* the database: the path without its '/' (a '#' after it is part of it, and refused) */
	db = parts.path;
	db_len = parts.path_len;
	if (db_len && *db == '/') {
		db++;
		db_len--;
	}
	if (parts.has_fragment && !parts.has_query)
		db_len = strlen(db);
	out->database = decode(db, db_len, &oom);
	if (!out->database || !valid_db_name(out->database)) {
		rc = oom ? ca_err_set(err, CA_ENOMEM, "Out of memory parsing the MySQL URL.")
			 : ca_err_set(err, CA_EINVAL,
				      "The MySQL URL must end with a database name of 1..64 letters, digits, '_', '$' or '-'.");
		goto fail;
	}
	if (parts.has_query &&
	    (rc = parse_options(parts.query, strlen(parts.query), out, err)))
		goto fail;
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
