/*
 * Static files: what is served, what never is (traversal, symlink escapes,
 * hidden files), the caching headers, and precompressed copies chosen by
 * Accept-Encoding.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_ca.h"
#include "text_file.h"
#include "http/static.h"

static char top[64];   /* holds web/ and a secret beside it */
static char web[128];
/* The Accept-Encoding the next serve() sends (NULL: none). */
static const char *accept_encoding;

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_text_file(path, text);
}

static void setup(void)
{
	char path[256];

	accept_encoding = NULL;
	snprintf(top, sizeof(top), "/tmp/ca-static-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(web, sizeof(web), "%s/web", top);
	ck_assert_int_eq(mkdir(web, 0755), 0);
	write_file(top, "secret.txt", "TOP SECRET");
	write_file(web, "index.html", "<h1>album</h1>");
	write_file(web, "app.js", "export {};");
	write_file(web, ".env", "KEY=1");
	snprintf(path, sizeof(path), "%s/css", web);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file(path, "site.css", "body{}");
	snprintf(path, sizeof(path), "%s/empty", web);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/escape.txt", web);
	ck_assert_int_eq(symlink("../secret.txt", path), 0);
	snprintf(path, sizeof(path), "%s/abs.txt", web);
	{
		char target[256];

		snprintf(target, sizeof(target), "%s/secret.txt", top);
		ck_assert_int_eq(symlink(target, path), 0);
	}
	snprintf(path, sizeof(path), "%s/alias.js", web);
	ck_assert_int_eq(symlink("app.js", path), 0);
	snprintf(path, sizeof(path), "%s/css/up", web);
	ck_assert_int_eq(symlink("..", path), 0);
}

static void teardown(void)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

struct answer {
	int status;
	char body[256];
	char etag[64];
	char cache[64];
	char type[64];
	char allow[64];
	char encoding[32];
	char vary[64];
	char length[32];
};


static void copy_header(const struct ca_http_response *resp, const char *name, char *out, size_t cap)
{
	const char *v = ca_http_kv_get_nocase(&resp->headers, name);

	snprintf(out, cap, "%s", v ? v : "");
}

static void serve(struct ca_http_static *st, const char *method, const char *raw_path,
		  const char *if_none_match, struct answer *a)
{
	struct ca_http_request req;
	struct ca_http_response resp;
	ssize_t n = 0;

	memset(&req, 0, sizeof(req));
	memset(a, 0, sizeof(*a));
	req.method = method;
	req.raw_path = raw_path;
	req.path = raw_path;
	if (if_none_match)
		ca_http_kv_adds(&req.headers, "If-None-Match", if_none_match);
	if (accept_encoding)
		ca_http_kv_adds(&req.headers, "Accept-Encoding", accept_encoding);
	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_http_static_serve(&req, &resp, st), CA_OK);
	a->status = resp.status;
	if (resp.file_fd >= 0) {
		n = read(resp.file_fd, a->body, sizeof(a->body) - 1);
		ck_assert_int_eq(n, (ssize_t)resp.file_size);
	} else {
		snprintf(a->body, sizeof(a->body), "%s", resp.body.data);
	}
	copy_header(&resp, "ETag", a->etag, sizeof(a->etag));
	copy_header(&resp, "Cache-Control", a->cache, sizeof(a->cache));
	copy_header(&resp, "Content-Type", a->type, sizeof(a->type));
	copy_header(&resp, "Allow", a->allow, sizeof(a->allow));
	copy_header(&resp, "Content-Encoding", a->encoding, sizeof(a->encoding));
	copy_header(&resp, "Vary", a->vary, sizeof(a->vary));
	snprintf(a->length, sizeof(a->length), "%llu", (unsigned long long)resp.file_size);
	ca_http_response_release(&resp);
	ca_http_kv_release(&req.headers);
}

START_TEST(serves_files_with_types_and_caching)
{
	struct ca_http_static *st = NULL;
	struct answer a;

	ck_assert_int_eq(ca_http_static_new(&st, web, 120, NULL), CA_OK);
	serve(st, "GET", "/", NULL, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.body, "<h1>album</h1>");
	ck_assert_str_eq(a.type, "text/html; charset=utf-8");
	ck_assert_str_eq(a.cache, "no-cache");
	serve(st, "GET", "/app.js", NULL, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.body, "export {};");
	ck_assert_str_eq(a.type, "text/javascript; charset=utf-8");
	ck_assert_str_eq(a.cache, "public, max-age=120");
	serve(st, "HEAD", "/css/site.css", NULL, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.type, "text/css; charset=utf-8");
	serve(st, "GET", "/css/", NULL, &a); /* a directory without index.html */
	ck_assert_int_eq(a.status, 404);
	serve(st, "GET", "/alias.js", NULL, &a); /* a symlink that stays inside works */
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.body, "export {};");
	serve(st, "GET", "/%61pp.js", NULL, &a); /* escapes are decoded */
	ck_assert_int_eq(a.status, 200);
	serve(st, "POST", "/app.js", NULL, &a);
	ck_assert_int_eq(a.status, 405);
	ck_assert_str_eq(a.allow, "GET, HEAD");
	ca_http_static_free(st);
	ca_http_static_free(NULL);
	ck_assert_str_eq(ca_http_content_type_for("x.PNG"), "image/png");
	ck_assert_str_eq(ca_http_content_type_for("x.tar.gz"), "application/octet-stream");
	ck_assert_str_eq(ca_http_content_type_for("noext"), "application/octet-stream");
	ck_assert_str_eq(ca_http_content_type_for("dir.js/file"), "application/octet-stream");
}
END_TEST

START_TEST(never_leaves_the_directory)
{
	struct ca_http_static *st = NULL;
	struct answer a;
	const char *attempts[] = {
		"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/css/../../secret.txt",
		"/css/..%2f..%2fsecret.txt", "/css/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5csecret.txt",
		"/css\\..\\..\\secret.txt", "/escape.txt", "/abs.txt", "/css/up/../secret.txt",
		"/css/up/up/secret.txt", "//secret.txt", "/./app.js", "/css/./site.css", "/.env",
		"/%2eenv", "/app.js%00.png", "/app.js%0a", "/app.js/", "/nope", "/empty/",
		"/css//site.css", "secret.txt", "/%zz", "/a%2",
	};
	size_t i;

	ck_assert_int_eq(ca_http_static_new(&st, web, 0, NULL), CA_OK);
	for (i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		serve(st, "GET", attempts[i], NULL, &a);
		ck_assert_msg(a.status == 404, "%s gave %d", attempts[i], a.status);
		ck_assert(!strstr(a.body, "SECRET"));
		ck_assert(!strstr(a.body, "KEY="));
	}
	/* the symlinked parent inside the tree still reaches real files inside */
	serve(st, "GET", "/css/up/app.js", NULL, &a);
	ck_assert_int_eq(a.status, 200);
	ca_http_static_free(st);
}
END_TEST

START_TEST(etag_revalidation)
{
	struct ca_http_static *st = NULL;
	struct answer a;
	char etag[64], list[160], weak[80];

	ck_assert_int_eq(ca_http_static_new(&st, web, 0, NULL), CA_OK);
	serve(st, "GET", "/app.js", NULL, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert(a.etag[0] == '"');
	snprintf(etag, sizeof(etag), "%s", a.etag);
	serve(st, "GET", "/app.js", etag, &a);
	ck_assert_int_eq(a.status, 304);
	ck_assert_str_eq(a.body, "");
	ck_assert_str_eq(a.etag, etag);
	snprintf(list, sizeof(list), "\"other\", %s", etag);
	serve(st, "GET", "/app.js", list, &a);
	ck_assert_int_eq(a.status, 304);
	snprintf(weak, sizeof(weak), "W/%s", etag);
	serve(st, "GET", "/app.js", weak, &a);
	ck_assert_int_eq(a.status, 304);
	serve(st, "GET", "/app.js", "*", &a);
	ck_assert_int_eq(a.status, 304);
	serve(st, "GET", "/app.js", "\"stale\"", &a);
	ck_assert_int_eq(a.status, 200);
	/* a change to the file changes the tag */
	write_file(web, "app.js", "export const changed = 1;");
	serve(st, "GET", "/app.js", etag, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_ne(a.etag, etag);
	ca_http_static_free(st);
}
END_TEST

START_TEST(root_must_exist)
{
	struct ca_http_static *st = NULL;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_http_static_new(&st, "/nonexistent/web", 0, &err), CA_ENOTFOUND);
	ck_assert_ptr_null(st);
	ck_assert(strstr(ca_err_msg(&err), "/nonexistent/web"));
}
END_TEST

/* A build's layout: content-named files under assets/ with .br and .gz copies. */
static void write_build(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/assets", web);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file(path, "app-AB12CD34.js", "export const plain = 1;");
	write_file(path, "app-AB12CD34.js.br", "BR");
	write_file(path, "app-AB12CD34.js.gz", "GZIP");
	write_file(path, "only-gz.css", "body{color:red}");
	write_file(path, "only-gz.css.gz", "GZ");
	snprintf(path, sizeof(path), "%s/assets/dir.js.br", web); /* not a regular file */
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file(web, "index.html.gz", "GZINDEX");
	snprintf(path, sizeof(path), "%s/assets", web);
	write_file(path, "photo.png", "PNG");
	write_file(path, "photo.png.gz", "GZPNG"); /* images are never looked for copies of */
}

START_TEST(precompressed_copies_by_accept_encoding)
{
	struct ca_http_static *st = NULL;
	struct answer a;
	char br_etag[64], plain_etag[64];
	static const struct {
		const char *accept, *body, *encoding;
	} cases[] = {
		{ NULL, "export const plain = 1;", "" },
		{ "gzip, deflate, br, zstd", "BR", "br" },
		{ "gzip", "GZIP", "gzip" },
		{ "x-gzip", "GZIP", "gzip" },
		{ "GZIP", "GZIP", "gzip" },
		{ "br;q=0, gzip", "GZIP", "gzip" },
		{ "gzip;q=1, br;q=0.5", "GZIP", "gzip" },
		{ "gzip;q=0.2 , br ; q=0.9", "BR", "br" },
		{ "*", "BR", "br" },
		{ "*;q=0", "export const plain = 1;", "" },
		{ "identity", "export const plain = 1;", "" },
		{ "deflate, zstd", "export const plain = 1;", "" },
		{ "", "export const plain = 1;", "" },
		/* malformed elements count for nothing */
		{ "br;q=2", "export const plain = 1;", "" },
		{ "br;level=1", "export const plain = 1;", "" },
		{ "br;q=0.5000, gzip;q=", "export const plain = 1;", "" },
		{ "br junk", "export const plain = 1;", "" },
		{ ",,;,br", "BR", "br" },
	};
	size_t i;

	write_build();
	ck_assert_int_eq(ca_http_static_new(&st, web, 120, NULL), CA_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		accept_encoding = cases[i].accept;
		serve(st, "GET", "/assets/app-AB12CD34.js", NULL, &a);
		ck_assert_int_eq(a.status, 200);
		ck_assert_msg(strcmp(a.body, cases[i].body) == 0, "%s gave %s", cases[i].accept, a.body);
		ck_assert_str_eq(a.encoding, cases[i].encoding);
		ck_assert_str_eq(a.vary, "Accept-Encoding");
		ck_assert_str_eq(a.type, "text/javascript; charset=utf-8");
		ck_assert_str_eq(a.cache, "public, max-age=31536000, immutable");
	}
	/* the copy's own length and tag; revalidation per copy */
	accept_encoding = "br";
	serve(st, "GET", "/assets/app-AB12CD34.js", NULL, &a);
	ck_assert_str_eq(a.length, "2");
	snprintf(br_etag, sizeof(br_etag), "%s", a.etag);
	accept_encoding = NULL;
	serve(st, "HEAD", "/assets/app-AB12CD34.js", NULL, &a);
	ck_assert_str_eq(a.length, "23");
	snprintf(plain_etag, sizeof(plain_etag), "%s", a.etag);
	ck_assert_str_ne(br_etag, plain_etag);
	serve(st, "GET", "/assets/app-AB12CD34.js", br_etag, &a);
	ck_assert_int_eq(a.status, 200); /* the br copy's tag does not name the plain file */
	accept_encoding = "gzip, br";
	serve(st, "GET", "/assets/app-AB12CD34.js", br_etag, &a);
	ck_assert_int_eq(a.status, 304);
	ck_assert_str_eq(a.vary, "Accept-Encoding");
	ck_assert_str_eq(a.encoding, "");
	serve(st, "HEAD", "/assets/app-AB12CD34.js", NULL, &a);
	ck_assert_str_eq(a.encoding, "br");
	/* only a gzip copy: br alone gets the plain file */
	accept_encoding = "br";
	serve(st, "GET", "/assets/only-gz.css", NULL, &a);
	ck_assert_str_eq(a.body, "body{color:red}");
	ck_assert_str_eq(a.vary, "Accept-Encoding");
	accept_encoding = "br, gzip";
	serve(st, "GET", "/assets/only-gz.css", NULL, &a);
	ck_assert_str_eq(a.body, "GZ");
	ck_assert_str_eq(a.encoding, "gzip");
	/* index.html too, still never cached without asking */
	serve(st, "GET", "/", NULL, &a);
	ck_assert_str_eq(a.body, "GZINDEX");
	ck_assert_str_eq(a.cache, "no-cache");
	/* no copy: no Vary; a directory named like a copy is no copy */
	serve(st, "GET", "/app.js", NULL, &a);
	ck_assert_str_eq(a.body, "export {};");
	ck_assert_str_eq(a.vary, "");
	ck_assert_str_eq(a.cache, "public, max-age=120");
	write_file(web, "assets/dir.js", "dir");
	serve(st, "GET", "/assets/dir.js", NULL, &a);
	ck_assert_str_eq(a.body, "dir");
	ck_assert_str_eq(a.vary, "");
	serve(st, "GET", "/assets/photo.png", NULL, &a);
	ck_assert_str_eq(a.body, "PNG");
	ck_assert_str_eq(a.encoding, "");
	ck_assert_str_eq(a.vary, "");
	/* the copies are not files of their own */
	accept_encoding = NULL;
	serve(st, "GET", "/assets/app-AB12CD34.js.br", NULL, &a);
	ck_assert_int_eq(a.status, 404);
	serve(st, "GET", "/assets/app-AB12CD34.js.gz", NULL, &a);
	ck_assert_int_eq(a.status, 404);
	serve(st, "GET", "/index.html.gz", NULL, &a);
	ck_assert_int_eq(a.status, 404);
	ca_http_static_free(st);
}
END_TEST

START_TEST(accept_encoding_weights)
{
	static const struct {
		const char *header, *coding;
		int q;
	} cases[] = {
		{ NULL, "identity", 1000 },
		{ NULL, "gzip", 0 },
		{ "", "gzip", 0 },
		{ "", "identity", 1000 },
		{ "gzip", "gzip", 1000 },
		{ "Gzip", "gzip", 1000 },
		{ "x-gzip;q=0.4", "gzip", 400 },
		{ "gzip", "x-gzip", 0 },
		{ "br;q=0.5", "br", 500 },
		{ "br;Q=0.25", "br", 250 },
		{ "br ;\tq=0.125 ", "br", 125 },
		{ "br;q=0.", "br", 0 },
		{ "br;q=1.000", "br", 1000 },
		{ "br;q=1.0001", "br", 0 },
		{ "br;q=1.5", "br", 0 },
		{ "br;q=.5", "br", 0 },
		{ "br;q=0.5x", "br", 0 },
		{ "br;q=-1", "br", 0 },
		{ "br;q", "br", 0 },
		{ "br;", "br", 0 },
		{ "br;;q=1", "br", 0 },
		{ ";q=1", "br", 0 },
		{ ",,,", "br", 0 },
		{ "brotli", "br", 0 },
		{ "b", "br", 0 },
		{ "gzip;q=0.3, *;q=0.9", "br", 900 },
		{ "gzip;q=0.3, *;q=0.9", "gzip", 300 },
		{ "*;q=0", "identity", 0 },
		{ "identity;q=0, *", "identity", 0 },
		{ "br, br;q=0.1", "br", 1000 },
		{ "gzip", "", 0 },
		{ "gzip", NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(ca_http_accept_encoding_q(cases[i].header, cases[i].coding) == cases[i].q,
			      "%s / %s: %d, want %d", cases[i].header ? cases[i].header : "(null)",
			      cases[i].coding ? cases[i].coding : "(null)",
			      ca_http_accept_encoding_q(cases[i].header, cases[i].coding), cases[i].q);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("http_static");
	TCase *tc = tcase_create("static");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, serves_files_with_types_and_caching);
	tcase_add_test(tc, never_leaves_the_directory);
	tcase_add_test(tc, etag_revalidation);
	tcase_add_test(tc, root_must_exist);
	tcase_add_test(tc, precompressed_copies_by_accept_encoding);
	tcase_add_test(tc, accept_encoding_weights);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
