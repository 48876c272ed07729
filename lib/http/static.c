#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "http/urlcode.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define STATIC_PATH_MAX 1024
#define STATIC_DEPTH_MAX 16

struct ca_http_static {
	int root_fd;
	long max_age_s;
};

int ca_http_static_new(struct ca_http_static **out, const char *root, long max_age_s,
		       struct ca_err *err)
{
	struct ca_http_static *st;
	int fd;

	*out = NULL;
	fd = root ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd < 0)
		return ca_err_set(err, CA_ENOTFOUND, "The web directory %s cannot be opened (%s).",
				  root ? root : "(none)", strerror(errno));
	st = calloc(1, sizeof(*st));
	if (!st) {
		close(fd);
		return ca_err_set(err, CA_ENOMEM, "Out of memory opening the web directory.");
	}
	st->root_fd = fd;
	st->max_age_s = max_age_s > 0 ? max_age_s : 3600;
	*out = st;
	return CA_OK;
}

void ca_http_static_free(struct ca_http_static *st)
{
	if (!st)
		return;
	close(st->root_fd);
	free(st);
}

const char *ca_http_content_type_for(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".geojson", "application/geo+json" },
		{ ".map", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".webp", "image/webp" },
		{ ".ico", "image/x-icon" },
		{ ".woff", "font/woff" },
		{ ".woff2", "font/woff2" },
		{ ".webmanifest", "application/manifest+json" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/*
 * The kinds of file a browser front end is made of (static.h): anything else in
 * the directory — READMEs, package.json, source maps, lock files, files without
 * an extension — is not served.
 */
static bool servable_name(const char *name)
{
	static const char *const exts[] = {
		".html", ".css", ".js", ".mjs", ".svg", ".png", ".jpg", ".jpeg", ".gif",
		".webp", ".ico", ".woff", ".woff2", ".webmanifest",
	};
	const char *base = strrchr(name, '/');
	const char *dot;
	size_t i;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (!dot || strstr(name, "node_modules"))
		return false;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return true;
	return false;
}

/*
 * Turns the raw request path into a relative path under the root ("" for the
 * root itself), decoding each segment. false for anything that is not a plain
 * path (see static.h).
 */
static bool safe_relative_path(const char *raw, struct ca_buf *rel)
{
	struct ca_buf seg = CA_BUF_INIT;
	const char *p = raw;
	size_t depth = 0, i;
	bool ok = false;

	if (raw[0] != '/' || strlen(raw) > STATIC_PATH_MAX)
		return false;
	p++;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0) {
			if (end) /* "//" */
				goto out;
			break;
		}
		ca_buf_reset(&seg);
		if (ca_http_percent_decode(p, n, false, &seg) != CA_OK || seg.len == 0)
			goto out;
		if (seg.data[0] == '.')
			goto out; /* ".", "..", and hidden files */
		for (i = 0; i < seg.len; i++) {
			unsigned char c = (unsigned char)seg.data[i];

			if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
				goto out;
		}
		if (++depth > STATIC_DEPTH_MAX)
			goto out;
		if (rel->len)
			ca_buf_addch(rel, '/');
		ca_buf_add(rel, seg.data, seg.len);
		if (!end)
			break;
		p = end + 1;
	}
	ok = ca_buf_ok(rel);
out:
	ca_buf_release(&seg);
	return ok;
}

/* Opens rel beneath root_fd without leaving it. -1 with errno on failure. */
static int open_beneath(int root_fd, const char *rel)
{
	static int no_openat2;
	struct open_how how;
	char *copy, *save = NULL, *part;
	int fd, dir;

	if (!*rel)
		rel = ".";
	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
	}
	/* Older kernels: walk the components, following no symlink at all. */
	copy = strdup(rel);
	if (!copy)
		return -1;
	dir = dup(root_fd);
	fd = dir;
	for (part = strtok_r(copy, "/", &save); part && dir >= 0;
	     part = strtok_r(NULL, "/", &save)) {
		fd = openat(dir, part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		close(dir);
		dir = fd;
	}
	free(copy);
	return fd;
}

static void http_date(time_t t, char *out, size_t cap)
{
	struct tm tm;
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if (!gmtime_r(&t, &tm)) {
		out[0] = '\0';
		return;
	}
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* true when an If-None-Match value lists etag (or is "*"); weak comparison. */
static bool etag_listed(const char *if_none_match, const char *etag)
{
	const char *p = if_none_match;
	size_t n = strlen(etag);

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

int ca_http_static_serve(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	const struct ca_http_static *st = ctx;
	struct ca_buf rel = CA_BUF_INIT;
	char etag[64], modified[40], cache[64];
	const char *name, *inm;
	struct stat sb;
	int fd = -1, rc;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		rc = ca_http_respond_error(resp, 405, "Files can only be read (GET or HEAD).");
		if (rc == CA_OK)
			rc = ca_http_set_header(resp, "Allow", "GET, HEAD");
		goto out;
	}
	if (!safe_relative_path(req->raw_path, &rel))
		goto not_found;
	fd = open_beneath(st->root_fd, rel.data);
	if (fd < 0 || fstat(fd, &sb) != 0)
		goto not_found;
	if (!S_ISDIR(sb.st_mode) && ca_ends_with(req->raw_path, "/"))
		goto not_found; /* "file/" names a directory that is not there */
	if (S_ISDIR(sb.st_mode)) {
		int dir = fd;

		fd = openat(dir, "index.html", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		close(dir);
		ca_buf_adds(&rel, rel.len ? "/index.html" : "index.html");
		if (fd < 0 || fstat(fd, &sb) != 0)
			goto not_found;
	}
	if (!S_ISREG(sb.st_mode))
		goto not_found;
	name = rel.data;
	if (!servable_name(name))
		goto not_found;

	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
			 (unsigned long long)sb.st_mtim.tv_nsec);
	http_date(sb.st_mtim.tv_sec, modified, sizeof(modified));
	if (strcmp(ca_http_content_type_for(name), "text/html; charset=utf-8") == 0)
		snprintf(cache, sizeof(cache), "no-cache");
	else
		snprintf(cache, sizeof(cache), "public, max-age=%ld", st->max_age_s);

	inm = ca_http_header(req, "If-None-Match");
	if (inm && etag_listed(inm, etag)) {
		close(fd);
		fd = -1;
		rc = ca_http_respond_empty(resp, 304);
	} else {
		rc = ca_http_respond_fd(resp, 200, fd, (uint64_t)sb.st_size,
					ca_http_content_type_for(name));
		fd = -1; /* the response has it */
	}
	if (rc == CA_OK)
		rc = ca_http_set_header(resp, "ETag", etag);
	if (rc == CA_OK && *modified)
		rc = ca_http_set_header(resp, "Last-Modified", modified);
	if (rc == CA_OK)
		rc = ca_http_set_header(resp, "Cache-Control", cache);
	goto out;
not_found:
	rc = ca_http_respond_error(resp, 404, "Nothing is at this address.");
out:
	if (fd >= 0)
		close(fd);
	ca_buf_release(&rel);
	return rc;
}
