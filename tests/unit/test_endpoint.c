/* Endpoint resolution: environment order, defaults per service and partition, URL checks. */
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "aws/endpoint.h"
#include "util/error.h"

static void clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3",
		"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_EC2",
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL_XRAY",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

struct default_case {
	enum aws_service svc;
	const char *region;
	const char *url;
	const char *host;
	const char *signing_region;
	const char *signing_name;
};

static const struct default_case defaults[] = {
	{ AWS_SVC_DYNAMODB, "ap-southeast-1", "https://dynamodb.ap-southeast-1.amazonaws.com",
	  "dynamodb.ap-southeast-1.amazonaws.com", "ap-southeast-1", "dynamodb" },
	{ AWS_SVC_S3, "eu-west-1", "https://s3.eu-west-1.amazonaws.com",
	  "s3.eu-west-1.amazonaws.com", "eu-west-1", "s3" },
	{ AWS_SVC_STS, "us-west-2", "https://sts.us-west-2.amazonaws.com",
	  "sts.us-west-2.amazonaws.com", "us-west-2", "sts" },
	{ AWS_SVC_IAM, "ap-southeast-1", "https://iam.amazonaws.com", "iam.amazonaws.com",
	  "us-east-1", "iam" },
	{ AWS_SVC_IAM, "cn-northwest-1", "https://iam.cn-north-1.amazonaws.com.cn",
	  "iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "iam" },
	{ AWS_SVC_IAM, "us-gov-east-1", "https://iam.us-gov.amazonaws.com",
	  "iam.us-gov.amazonaws.com", "us-gov-west-1", "iam" },
	{ AWS_SVC_EC2, "cn-north-1", "https://ec2.cn-north-1.amazonaws.com.cn",
	  "ec2.cn-north-1.amazonaws.com.cn", "cn-north-1", "ec2" },
	{ AWS_SVC_COGNITO_IDP, "ap-southeast-1",
	  "https://cognito-idp.ap-southeast-1.amazonaws.com",
	  "cognito-idp.ap-southeast-1.amazonaws.com", "ap-southeast-1", "cognito-idp" },
	{ AWS_SVC_XRAY, "us-east-1", "https://xray.us-east-1.amazonaws.com",
	  "xray.us-east-1.amazonaws.com", "us-east-1", "xray" },
};

START_TEST(real_aws_defaults)
{
	const struct default_case *c = &defaults[_i];
	struct aws_endpoint ep;
	struct ca_err err;

	clear_env();
	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_resolve(c->svc, c->region, NULL, &ep, &err), CA_OK);
	ck_assert_str_eq(ep.url, c->url);
	ck_assert_str_eq(ep.host, c->host);
	ck_assert_str_eq(ep.hostname, c->host);
	ck_assert_str_eq(ep.signing_region, c->signing_region);
	ck_assert_str_eq(ep.signing_name, c->signing_name);
	ck_assert_str_eq(ep.source, "default");
	ck_assert(ep.https);
	ck_assert_int_eq(ep.port, 443);
	ck_assert(!ep.s3_path_style);
	aws_endpoint_release(&ep);
}
END_TEST

START_TEST(order_service_var_then_global_var_then_config)
{
	struct aws_endpoint ep;
	struct ca_err err;

	clear_env();
	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_S3, "ap-southeast-1",
					      "http://127.0.0.1:5000", &ep, &err), CA_OK);
	ck_assert_str_eq(ep.url, "http://127.0.0.1:5000");
	ck_assert_str_eq(ep.source, "config");
	ck_assert_str_eq(ep.signing_region, "ap-southeast-1");
	ck_assert(ep.s3_path_style);
	aws_endpoint_release(&ep);

	setenv("AWS_ENDPOINT_URL", "http://localhost:4566/", 1);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_S3, "ap-southeast-1",
					      "http://127.0.0.1:5000", &ep, &err), CA_OK);
	ck_assert_str_eq(ep.url, "http://localhost:4566");
	ck_assert_str_eq(ep.host, "localhost:4566");
	ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL");
	ck_assert_int_eq(ep.port, 4566);
	ck_assert(ep.s3_path_style);
	aws_endpoint_release(&ep);

	setenv("AWS_ENDPOINT_URL_S3", "https://s3.example.com:8443", 1);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_S3, "ap-southeast-1", NULL, &ep, &err),
			 CA_OK);
	ck_assert_str_eq(ep.url, "https://s3.example.com:8443");
	ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL_S3");
	ck_assert(!ep.s3_path_style);
	aws_endpoint_release(&ep);

	/* the S3 variable does not leak into other services */
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_DYNAMODB, "ap-southeast-1", NULL, &ep,
					      &err), CA_OK);
	ck_assert_str_eq(ep.url, "http://localhost:4566");
	aws_endpoint_release(&ep);

	setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://[::1]:9229", 1);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_COGNITO_IDP, "eu-west-1", NULL, &ep,
					      &err), CA_OK);
	ck_assert_str_eq(ep.host, "[::1]:9229");
	ck_assert_str_eq(ep.hostname, "::1");
	ck_assert_str_eq(ep.signing_name, "cognito-idp");
	ck_assert(ep.s3_path_style);
	aws_endpoint_release(&ep);

	/* ignoring the environment falls through to the config, then to AWS */
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_S3, "ap-southeast-1",
					      "http://127.0.0.1:5000", &ep, &err), CA_OK);
	ck_assert_str_eq(ep.source, "config");
	aws_endpoint_release(&ep);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_S3, "ap-southeast-1", NULL, &ep, &err),
			 CA_OK);
	ck_assert_str_eq(ep.url, "https://s3.ap-southeast-1.amazonaws.com");
	aws_endpoint_release(&ep);
	clear_env();
}
END_TEST

START_TEST(empty_variable_counts_as_unset)
{
	struct aws_endpoint ep;
	struct ca_err err;

	clear_env();
	setenv("AWS_ENDPOINT_URL_STS", "", 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_STS, "eu-central-1", NULL, &ep, &err),
			 CA_OK);
	ck_assert_str_eq(ep.url, "https://sts.eu-central-1.amazonaws.com");
	aws_endpoint_release(&ep);
	clear_env();
}
END_TEST

START_TEST(default_ports_dropped_from_host_header)
{
	struct aws_endpoint ep;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_parse_url("HTTP://Example.com:80/prefix/", "x", &ep, &err),
			 CA_OK);
	ck_assert_str_eq(ep.host, "Example.com");
	ck_assert_str_eq(ep.url, "http://Example.com/prefix");
	ck_assert_int_eq(ep.port, 80);
	ck_assert(!ep.https);
	aws_endpoint_release(&ep);
	ck_assert_int_eq(aws_endpoint_parse_url("https://10.0.0.1:443", "x", &ep, &err), CA_OK);
	ck_assert_str_eq(ep.host, "10.0.0.1");
	ck_assert(ep.s3_path_style);
	aws_endpoint_release(&ep);
	aws_endpoint_release(NULL);
}
END_TEST

static const char *const bad_urls[] = {
	"",
	"127.0.0.1:5000",
	"ftp://127.0.0.1",
	"file:///etc/passwd",
	"http://",
	"http:///path",
	"http://:5000",
	"http://host:0",
	"http://host:65536",
	"http://host:99999999999999999999",
	"http://host:-1",
	"http://host:+80",
	"http://host:80x",
	"http://host:",
	"http://host?x=1",
	"http://host/path?x=1",
	"http://host/#frag",
	"http://user:pw@host",
	"http://[::1",
	"http://[not-ipv6]:80",
	"http://ho st",
	"http://host..com",
	"http://.host",
	"http://host/pa th",
	"http://host/\x01",
	"http://h\xc3\xa9st",
	"http://host\r\nX-Injected: 1",
};

START_TEST(bad_urls_are_refused_with_a_sentence)
{
	struct aws_endpoint ep;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_parse_url(bad_urls[_i], "AWS_ENDPOINT_URL", &ep, &err),
			 CA_AWS_BAD_ENDPOINT);
	ck_assert_msg(strstr(ca_err_msg(&err), "AWS_ENDPOINT_URL"), "case %d: \"%s\"", _i,
		      ca_err_msg(&err));
	ck_assert_ptr_null(ep.url);
	ck_assert_ptr_null(ep.host);
}
END_TEST

START_TEST(bad_env_url_names_the_variable)
{
	struct aws_endpoint ep;
	struct ca_err err;

	clear_env();
	setenv("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000", 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_DYNAMODB, "us-east-1", NULL, &ep, &err),
			 CA_AWS_BAD_ENDPOINT);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "AWS_ENDPOINT_URL_DYNAMODB"));
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "http://"));
	clear_env();
	ca_err_clear(&err);
	ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_DYNAMODB, "us-east-1", "nonsense", &ep,
					      &err), CA_AWS_BAD_ENDPOINT);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "aws.endpoint"));
}
END_TEST

START_TEST(bad_regions_are_refused)
{
	static const char *const regions[] = { NULL, "", "US-EAST-1", "us east 1", "-us",
					       "us-", "evil.com/x", "a.b",
					       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct aws_endpoint ep;
	struct ca_err err;
	size_t i;

	clear_env();
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		ca_err_clear(&err);
		ck_assert_int_eq(aws_endpoint_resolve(AWS_SVC_S3, regions[i], NULL, &ep, &err),
				 CA_EINVAL);
		ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "region"));
	}
}
END_TEST

START_TEST(service_names)
{
	enum aws_service s = AWS_SVC_S3;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_service_from_name("cognito-idp", &s, &err), CA_OK);
	ck_assert_int_eq(s, AWS_SVC_COGNITO_IDP);
	ck_assert_int_eq(aws_service_from_name("DynamoDB", &s, &err), CA_OK);
	ck_assert_int_eq(s, AWS_SVC_DYNAMODB);
	ck_assert_int_eq(aws_service_from_name("COGNITO_IDENTITY_PROVIDER", &s, &err), CA_OK);
	ck_assert_int_eq(s, AWS_SVC_COGNITO_IDP);
	ck_assert_int_eq(aws_service_from_name("lambda", &s, &err), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "lambda"));
	ck_assert_int_eq(aws_service_from_name(NULL, &s, NULL), CA_EINVAL);
	ck_assert_str_eq(aws_service_env_id(AWS_SVC_XRAY), "XRAY");
	ck_assert_str_eq(aws_service_signing_name(AWS_SVC_IAM), "iam");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, real_aws_defaults, 0, (int)(sizeof(defaults) / sizeof(defaults[0])));
	tcase_add_test(tc, order_service_var_then_global_var_then_config);
	tcase_add_test(tc, empty_variable_counts_as_unset);
	tcase_add_test(tc, default_ports_dropped_from_host_header);
	tcase_add_loop_test(tc, bad_urls_are_refused_with_a_sentence, 0,
			    (int)(sizeof(bad_urls) / sizeof(bad_urls[0])));
	tcase_add_test(tc, bad_env_url_names_the_variable);
	tcase_add_test(tc, bad_regions_are_refused);
	tcase_add_test(tc, service_names);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
