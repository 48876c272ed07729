/*
 * Allocation failure, injected (alloc_fail.h): the parsers and the signer over good
 * input, each allocation failing in turn. The JWT verifier's case is in test_jwt.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc_fail.h"
#include "check_ca.h"

#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/ini.h"
#include "aws/s3_presign.h"
#include "aws/sigv4.h"
#include "config/serve_config.h"
#include "config/yaml.h"
#include "db/mysql_internal.h"
#include "http/cookie.h"
#include "http/kv.h"
#include "http/multipart.h"
#include "util/error.h"
#include "util/xml.h"

static int yaml_case(struct ca_err *err)
{
	static const char text[] =
		"stage: 3\n"
		"server:\n  listen: \"127.0.0.1:8080\"\n  threads: 8\n"
		"aws:\n  region: ap-southeast-1\n  endpoint: ${AWS_ENDPOINT_URL:-http://x:5000}\n"
		"tables: [User, Photo]\n"
		"notes: |\n  two\n  lines\n";
	struct ca_yaml_doc doc;
	int rc;

	ca_yaml_doc_init(&doc);
	rc = ca_yaml_parse(&doc, "t.yaml", text, sizeof(text) - 1, err);
	ca_yaml_doc_release(&doc);
	return rc;
}

static int xml_case(struct ca_err *err)
{
	static const char text[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<Name>b</Name><KeyCount>2</KeyCount>"
		"<Contents><Key>a/1.jpg</Key><Size>10</Size><ETag>&quot;e1&quot;</ETag></Contents>"
		"<Contents><Key>a/2.jpg</Key><Size>20</Size></Contents>"
		"</ListBucketResult>";
	struct ca_xml_node *root = NULL;
	int rc = ca_xml_parse(text, sizeof(text) - 1, NULL, &root, err);

	ca_xml_free(root);
	return rc;
}

static int multipart_case(struct ca_err *err)
{
	static const char body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nsea,sun\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.jpg\"; "
		"filename*=UTF-8''caf%C3%A9.jpg\r\n"
		"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n"
		"--XyZ--\r\n";
	struct ca_multipart mp;
	int rc;

	memset(&mp, 0, sizeof(mp));
	rc = ca_multipart_parse("multipart/form-data; boundary=XyZ", body, sizeof(body) - 1,
				NULL, &mp, err);
	ca_multipart_release(&mp);
	return rc;
}

static int ini_case(struct ca_err *err)
{
	static const char text[] =
		"[default]\naws_access_key_id = AKIDEXAMPLE\n"
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
		"[profile lab]\nregion = ap-southeast-1\ns3 =\n  addressing_style = path\n";
	struct aws_ini ini = AWS_INI_INIT;
	int rc = aws_ini_parse(&ini, text, sizeof(text) - 1, "config", err);

	aws_ini_release(&ini);
	return rc;
}

static int endpoint_case(struct ca_err *err)
{
	struct aws_endpoint ep;
	int rc;

	memset(&ep, 0, sizeof(ep));
	rc = aws_endpoint_parse_url("http://[::1]:5000/base", "config", &ep, err);
	aws_endpoint_release(&ep);
	if (rc != CA_OK)
		return rc;
	rc = aws_endpoint_resolve(AWS_SVC_DYNAMODB, "ap-southeast-1", NULL, &ep, err);
	aws_endpoint_release(&ep);
	return rc;
}

static int cookie_case(struct ca_err *err)
{
	struct ca_http_kv kv;
	int rc;

	(void)err;
	ca_http_kv_init(&kv);
	rc = ca_http_cookie_parse("session=abc.def; csrf_token=\"x1\"; theme=dark", &kv);
	ca_http_kv_release(&kv);
	return rc;
}

/* The variables the local stage-3 config names, as a shell would give them. */
static const char *stage3_env(void *ctx, const char *name)
{
	static const char *const vars[][2] = {
		{ "CLOUDALBUM_SESSION_SECRET", "0123456789abcdef0123456789abcdef-secret" },
		{ "COGNITO_USER_POOL_ID", "ap-southeast-1_AbCdEf123" },
		{ "COGNITO_CLIENT_ID", "1example23456789" },
		{ "COGNITO_CLIENT_SECRET", "client-secret-value" },
	};
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strcmp(name, vars[i][0]) == 0)
			return vars[i][1];
	return NULL;
}

/* The whole serve config of the local stage 3: YAML, expansion, schema, every field. */
static int serve_config_case(struct ca_err *err)
{
	struct ca_yaml_doc doc;
	struct serve_config cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	ca_yaml_doc_init(&doc);
	ca_yaml_doc_set_env(&doc, stage3_env, NULL);
	rc = ca_yaml_load_file(&doc, "lab-configs/local/stage-3.yaml", err);
	if (rc == CA_OK)
		rc = serve_config_from_doc(&doc, &cfg, err);
	serve_config_release(&cfg);
	ca_yaml_doc_release(&doc);
	return rc;
}

static int mysql_url_case(struct ca_err *err)
{
	struct mysql_url u;
	int rc;

	memset(&u, 0, sizeof(u));
	rc = ca_mysql_url_parse("mysql://cloud%40album:p%3Ass@db.lan:3307/album?pool=4"
				"&connect_timeout=5&schema=create", &u, err);
	ca_mysql_url_release(&u);
	return rc;
}

static int presign_case(struct ca_err *err)
{
	struct aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
					 .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					 .session_token = "token-123" };
	struct s3_presign_request r = { .url = "http://127.0.0.1:5000/bucket/photos/a%20b.jpg?x=1",
					.expires = 3600, .when = 1700000000, .creds = &creds,
					.region = "ap-southeast-1" };
	char *url = NULL;
	int rc = s3_presign_url(&r, &url, err);

	free(url);
	return rc;
}

static int sign_case(struct ca_err *err, bool query)
{
	struct aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
					 .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					 .session_token = "token-123" };
	struct sigv4_header headers[] = {
		{ "Host", "dynamodb.ap-southeast-1.amazonaws.com" },
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "DynamoDB_20120810.PutItem" },
	};
	struct sigv4_request req = { .method = "POST", .path = "/a/./b//c", .query = "b=2&a=1",
				     .headers = headers, .n_headers = 3, .body = "{}",
				     .body_len = 2 };
	struct sigv4_params p = { .creds = &creds, .region = "ap-southeast-1",
				  .service = "dynamodb", .when = 1700000000, .expires = 900 };
	struct sigv4_signed out;
	int rc;

	memset(&out, 0, sizeof(out));
	rc = query ? sigv4_sign_query(&req, &p, &out, err) : sigv4_sign_headers(&req, &p, &out, err);
	sigv4_signed_release(&out);
	return rc;
}

static int sign_headers_case(struct ca_err *err)
{
	return sign_case(err, false);
}

static int sign_query_case(struct ca_err *err)
{
	return sign_case(err, true);
}

START_TEST(parsers_and_signer_survive_every_allocation_failing)
{
	/* each must allocate at least once, or the case tests nothing */
	ck_assert_int_gt(fail_each_allocation("yaml", yaml_case), 0);
	ck_assert_int_gt(fail_each_allocation("xml", xml_case), 0);
	ck_assert_int_gt(fail_each_allocation("multipart", multipart_case), 0);
	ck_assert_int_gt(fail_each_allocation("ini", ini_case), 0);
	ck_assert_int_gt(fail_each_allocation("endpoint", endpoint_case), 0);
	ck_assert_int_gt(fail_each_allocation("cookie", cookie_case), 0);
	ck_assert_int_gt(fail_each_allocation("sigv4 headers", sign_headers_case), 0);
	ck_assert_int_gt(fail_each_allocation("sigv4 query", sign_query_case), 0);
	ck_assert_int_gt(fail_each_allocation("s3 presign", presign_case), 0);
	ck_assert_int_gt(fail_each_allocation("mysql url", mysql_url_case), 0);
	ck_assert_int_gt(fail_each_allocation("serve config", serve_config_case), 0);
}
END_TEST

/* The harness itself: a failure it injects is seen, and the count stops there. */
START_TEST(the_nth_allocation_fails_and_only_that_one)
{
	void *(*volatile alloc)(size_t) = malloc;   /* a call the compiler cannot drop */
	void *a, *b, *c;

	alloc_failed = 0;
	alloc_countdown = 1;
	a = alloc(8);
	b = alloc(8);
	c = alloc(8);
	alloc_countdown = -1;
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(alloc_failed, 1);
	free(a);
	free(c);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("alloc_fail");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_nth_allocation_fails_and_only_that_one);
	tcase_add_test(tc, parsers_and_signer_survive_every_allocation_failing);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
