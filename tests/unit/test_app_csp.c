/* The Content-Security-Policy cloudalbum-serve sends (lib/app/csp.c). */
#include <stdlib.h>
#include <string.h>

#include "app/app_internal.h"
#include "check_ca.h"
#include "http/server.h"

static void clear_endpoint_env(void)
{
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
}

static struct serve_config s3_config(char *endpoint)
{
	struct serve_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.storage.kind = SERVE_STORAGE_S3;
	cfg.aws.region = (char *)"ap-southeast-1";
	cfg.aws.endpoint = endpoint;
	return cfg;
}

/* The sources of directive name in policy, as one string ("'self' data: ..."). */
static void directive(const char *policy, const char *name, char *out, size_t cap)
{
	const char *p = strstr(policy, name);
	size_t n;

	ck_assert_ptr_nonnull(p);
	p += strlen(name) + 1;
	n = strcspn(p, ";");
	ck_assert_uint_lt(n, cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

START_TEST(disk_keeps_default)
{
	struct serve_config cfg;
	char *csp = (char *)"x";

	memset(&cfg, 0, sizeof(cfg));
	cfg.storage.kind = SERVE_STORAGE_DISK;
	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	ck_assert_ptr_null(csp);
}
END_TEST

START_TEST(local_endpoint_added_to_img_src)
{
	struct serve_config cfg = s3_config((char *)"http://127.0.0.1:5000");
	char *csp = NULL, img[256], base_img[256];

	clear_endpoint_env();
	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	ck_assert_ptr_nonnull(csp);
	directive(csp, "img-src", img, sizeof(img));
	directive(CA_HTTP_DEFAULT_CSP, "img-src", base_img, sizeof(base_img));
	ck_assert(strncmp(img, base_img, strlen(base_img)) == 0);
	ck_assert_str_eq(img + strlen(base_img), " http://127.0.0.1:5000");
	/* everything but img-src is as the server's default */
	ck_assert_uint_eq(strlen(csp), strlen(CA_HTTP_DEFAULT_CSP) + strlen(" http://127.0.0.1:5000"));
	ck_assert_ptr_null(strstr(csp, " http: "));
	ck_assert(strstr(csp, "frame-ancestors 'none'") != NULL);
	free(csp);
}
END_TEST

START_TEST(environment_endpoint_wins)
{
	struct serve_config cfg = s3_config((char *)"http://127.0.0.1:5000");
	char *csp = NULL, img[256];

	clear_endpoint_env();
	setenv("AWS_ENDPOINT_URL_S3", "http://localhost:9000/", 1);
	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	directive(csp, "img-src", img, sizeof(img));
	ck_assert(strstr(img, " http://localhost:9000") != NULL);
	ck_assert(strstr(img, "127.0.0.1") == NULL);
	free(csp);
	clear_endpoint_env();
}
END_TEST

START_TEST(https_default_port_left_out)
{
	struct serve_config cfg = s3_config((char *)"https://s3.example.com:443");
	char *csp = NULL, img[256];

	clear_endpoint_env();
	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	directive(csp, "img-src", img, sizeof(img));
	ck_assert(strstr(img, " https://s3.example.com") != NULL);
	ck_assert(strstr(img, ":443") == NULL);
	free(csp);
}
END_TEST

START_TEST(real_aws_keeps_default)
{
	struct serve_config cfg = s3_config(NULL);
	char *csp = (char *)"x";

	clear_endpoint_env();
	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	ck_assert_ptr_null(csp);
}
END_TEST

START_TEST(bad_endpoint_refused)
{
	struct serve_config cfg = s3_config((char *)"http://x;y/");
	struct ca_err err;
	char *csp = (char *)"x";

	clear_endpoint_env();
	ca_err_clear(&err);
	ck_assert_int_ne(app_csp_build(&cfg, &csp, &err), CA_OK);
	ck_assert_ptr_null(csp);
	ck_assert(err.msg[0] != '\0');
}
END_TEST

static struct serve_config disk_config(char *tile_url)
{
	struct serve_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.storage.kind = SERVE_STORAGE_DISK;
	cfg.server.tile_url = tile_url;
	return cfg;
}

START_TEST(http_tile_origin_added_to_img_src)
{
	struct serve_config cfg = disk_config((char *)"http://tiles.lan:8081/osm/{z}/{x}/{y}.png?k=1");
	char *csp = NULL, img[256], base_img[256];

	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	ck_assert_ptr_nonnull(csp);
	directive(csp, "img-src", img, sizeof(img));
	directive(CA_HTTP_DEFAULT_CSP, "img-src", base_img, sizeof(base_img));
	ck_assert(strncmp(img, base_img, strlen(base_img)) == 0);
	ck_assert_str_eq(img + strlen(base_img), " http://tiles.lan:8081");
	ck_assert_uint_eq(strlen(csp), strlen(CA_HTTP_DEFAULT_CSP) + strlen(" http://tiles.lan:8081"));
	free(csp);
}
END_TEST

START_TEST(tile_subdomain_becomes_wildcard)
{
	struct serve_config cfg = disk_config((char *)"HTTP://{s}.tile.lan/{z}/{x}/{y}.png");
	char *csp = NULL, img[256];

	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	directive(csp, "img-src", img, sizeof(img));
	ck_assert(strstr(img, " http://*.tile.lan") != NULL);
	free(csp);
}
END_TEST

START_TEST(https_or_relative_tiles_keep_default)
{
	const char *urls[] = { "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "/tiles/{z}/{x}/{y}.png", "" };
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		struct serve_config cfg = disk_config((char *)urls[i]);
		char *csp = (char *)"x";

		ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
		ck_assert_ptr_null(csp);
	}
}
END_TEST

START_TEST(hostile_tile_hosts_refused)
{
	const char *urls[] = { "http://x;script-src *;/{z}.png", "http://a b/{z}", "http:///{z}/{x}",
			       "http://user@evil/{z}", "http://{s}./x", "http://'none'/", "http://*/x",
			       "http://*.*.x/" };
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		struct serve_config cfg = disk_config((char *)urls[i]);
		struct ca_err err;
		char *csp = (char *)"x";

		ca_err_clear(&err);
		ck_assert_msg(app_csp_build(&cfg, &csp, &err) == CA_EINVAL, "%s", urls[i]);
		ck_assert_ptr_null(csp);
		ck_assert(strstr(err.msg, "server.tile_url") != NULL);
	}
}
END_TEST

START_TEST(s3_and_tile_origins_both_named)
{
	struct serve_config cfg = s3_config((char *)"http://127.0.0.1:5000");
	char *csp = NULL, img[256];

	clear_endpoint_env();
	cfg.server.tile_url = (char *)"http://192.168.1.20:8080/{z}/{x}/{y}.png";
	ck_assert_int_eq(app_csp_build(&cfg, &csp, NULL), CA_OK);
	directive(csp, "img-src", img, sizeof(img));
	ck_assert(strstr(img, " http://127.0.0.1:5000 http://192.168.1.20:8080") != NULL);
	free(csp);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("app_csp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, disk_keeps_default);
	tcase_add_test(tc, local_endpoint_added_to_img_src);
	tcase_add_test(tc, environment_endpoint_wins);
	tcase_add_test(tc, https_default_port_left_out);
	tcase_add_test(tc, real_aws_keeps_default);
	tcase_add_test(tc, bad_endpoint_refused);
	tcase_add_test(tc, http_tile_origin_added_to_img_src);
	tcase_add_test(tc, tile_subdomain_becomes_wildcard);
	tcase_add_test(tc, https_or_relative_tiles_keep_default);
	tcase_add_test(tc, hostile_tile_hosts_refused);
	tcase_add_test(tc, s3_and_tile_origins_both_named);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
