/*
 * Static files: what is served, what never is (traversal, symlink escapes,
 * hidden files), and the caching headers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_ca.h"
#include "http/static.h"

static char top[64];   /* holds web/ and a secret beside it */
static char web[128];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char path[256];

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

static Suite *make_suite(void)
{
	Suite *s = suite_create("http_static");
	TCase *tc = tcase_create("static");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, serves_files_with_types_and_caching);
	tcase_add_test(tc, never_leaves_the_directory);
	tcase_add_test(tc, etag_revalidation);
	tcase_add_test(tc, root_must_exist);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
