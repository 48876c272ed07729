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
/* Files under this folder are named by their content (scripts/build-web.mjs). */
#define STATIC_IMMUTABLE_DIR "assets/"
#define STATIC_IMMUTABLE_CACHE "public, max-age=31536000, immutable"

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

/* Skips optional whitespace (RFC 9110 OWS). */
static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Parses a qvalue ("0", "0.5", "1", "1.000") at p, up to the end of its list
 * element; -1 when it is not one (then the element counts for nothing).
 */
static int parse_qvalue(const char *p, const char *end)
{
	int q, digits = 0, scale = 100;

	if (p >= end || (*p != '0' && *p != '1'))
		return -1;
	q = (*p - '0') * 1000;
	p++;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			if (++digits > 3)
				return -1;
			q += (*p - '0') * scale;
			scale /= 10;
		}
	}
	p = skip_ows(p);
	if (p != end || q > 1000)
		return -1;
	return q;
}

int ca_http_accept_encoding_q(const char *header, const char *coding)
{
	int named = -1, star = -1;
	const char *p = header;

	if (!coding || !*coding)
		return 0;
	if (!header)
		return strcasecmp(coding, "identity") == 0 ? 1000 : 0;
	while (*p) {
		const char *elem_end = strchr(p, ',');
		const char *name, *name_end, *semi;
		size_t n;
		int q = 1000;

		if (!elem_end)
			elem_end = p + strlen(p);
		name = skip_ows(p);
		for (name_end = name; name_end < elem_end && *name_end != ';' && *name_end != ' ' &&
				      *name_end != '\t';
		     name_end++)
			;
		n = (size_t)(name_end - name);
		semi = skip_ows(name_end);
		if (semi < elem_end) {
			/* only a weight may follow: ";" OWS "q=" qvalue */
			if (*semi != ';')
				q = -1;
			else {
				const char *w = skip_ows(semi + 1);

				q = (elem_end - w >= 2 && (w[0] == 'q' || w[0] == 'Q') && w[1] == '=')
					    ? parse_qvalue(w + 2, elem_end)
					    : -1;
			}
		}
		if (n > 0 && q >= 0) {
			if (n == 1 && name[0] == '*')
				star = q > star ? q : star;
			else if ((strlen(coding) == n && strncasecmp(name, coding, n) == 0) ||
				 (strcasecmp(coding, "gzip") == 0 && n == 6 &&
				  strncasecmp(name, "x-gzip", n) == 0))
				named = q > named ? q : named;
		}
		p = *elem_end ? elem_end + 1 : elem_end;
	}
	if (named >= 0)
		return named;
	if (star >= 0)
		return star;
	/* identity is acceptable unless refused by name or by "*;q=0" */
	return strcasecmp(coding, "identity") == 0 ? 1000 : 0;
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

/*
 * The precompressed copies a file may have beside it (NAME.br, NAME.gz), best
 * first when a client weighs them alike.
 */
static const struct {
	const char *coding, *suffix;
} variants[] = {
	{ "br", ".br" },
	{ "gzip", ".gz" },
};

/* Only text (and SVG) is worth a compressed copy; images and fonts are not looked for. */
static bool compressible_type(const char *type)
{
	return ca_starts_with(type, "text/") || strcmp(type, "image/svg+xml") == 0 ||
	       strcmp(type, "application/json") == 0 ||
	       strcmp(type, "application/manifest+json") == 0;
}

/*
 * Opens the regular file rel + suffix beneath root_fd into *sb; -1 when there is
 * none (or the name would be too long).
 */
static int open_variant(int root_fd, const char *rel, const char *suffix, struct stat *sb)
{
	char path[STATIC_PATH_MAX + 16];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s%s", rel, suffix);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	fd = open_beneath(root_fd, path);
	if (fd < 0)
		return -1;
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Swaps the file (*fd, *sb) for the precompressed copy the request accepts best, if any;
 * *encoding is then its coding (else NULL). *vary is true when the file has a
 * copy at all, so the answer depends on Accept-Encoding.
 */
static void choose_variant(const struct ca_http_static *st, struct ca_http_request *req,
			   const char *rel, int *fd, struct stat *sb, const char **encoding,
			   bool *vary)
{
	const char *accept = ca_http_header(req, "Accept-Encoding");
	int best_q = 0;
	size_t i;

	*encoding = NULL;
	*vary = false;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct stat vsb;
		int vfd = open_variant(st->root_fd, rel, variants[i].suffix, &vsb);
		int q;

		if (vfd < 0)
			continue;
		*vary = true;
		q = ca_http_accept_encoding_q(accept, variants[i].coding);
		if (q > best_q) {
			close(*fd);
			*fd = vfd;
			*sb = vsb;
			*encoding = variants[i].coding;
			best_q = q;
		} else {
			close(vfd);
		}
	}
}

int ca_http_static_serve(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	const struct ca_http_static *st = ctx;
	struct ca_buf rel = CA_BUF_INIT;
	char etag[80], modified[40], cache[64];
	const char *name, *inm, *encoding = NULL;
	bool vary = false;
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

	if (compressible_type(ca_http_content_type_for(name)))
		choose_variant(st, req, name, &fd, &sb, &encoding, &vary);
	snprintf(etag, sizeof(etag), "\"%llx-%llx%s%s\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
			 (unsigned long long)sb.st_mtim.tv_nsec,
		 encoding ? "-" : "", encoding ? encoding : "");
	http_date(sb.st_mtim.tv_sec, modified, sizeof(modified));
	if (strcmp(ca_http_content_type_for(name), "text/html; charset=utf-8") == 0)
		snprintf(cache, sizeof(cache), "no-cache");
	else if (ca_starts_with(name, STATIC_IMMUTABLE_DIR))
		snprintf(cache, sizeof(cache), "%s", STATIC_IMMUTABLE_CACHE);
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
	if (rc == CA_OK && encoding && resp->status == 200)
		rc = ca_http_set_header(resp, "Content-Encoding", encoding);
	if (rc == CA_OK && vary)
		rc = ca_http_set_header(resp, "Vary", "Accept-Encoding");
	goto out;
not_found:
	rc = ca_http_respond_error(resp, 404, "Nothing is at this address.");
out:
	if (fd >= 0)
		close(fd);
	ca_buf_release(&rel);
	return rc;
}
