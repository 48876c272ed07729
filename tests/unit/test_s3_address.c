/*
 * aws/s3_address.h: the one rule for virtual-hosted or path-style S3 addressing,
 * used by the client's requests and the storage backend's presigned URLs.
 */
#include <string.h>

#include "check_ca.h"
#include "aws/endpoint.h"
#include "aws/s3_address.h"
#include "util/buf.h"

static struct aws_endpoint endpoint(const char *host, const char *source, bool path_style)
{
	struct aws_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.host = (char *)host;
	ep.source = source;
	ep.s3_path_style = path_style;
	ep.https = true;
	return ep;
}

static void assert_address(const struct aws_endpoint *ep, const char *bucket, const char *key,
			   const char *want_host, const char *want_path)
{
	struct ca_buf host = CA_BUF_INIT, path = CA_BUF_INIT;

	aws_s3_address(ep, bucket, key, &host, &path);
	ck_assert(ca_buf_ok(&host) && ca_buf_ok(&path));
	ck_assert_str_eq(host.data, want_host);
	ck_assert_str_eq(path.data, want_path);
	ca_buf_release(&host);
	ca_buf_release(&path);
}

START_TEST(aws_endpoints_take_dns_label_buckets_in_the_host)
{
	struct aws_endpoint aws = endpoint("s3.ap-southeast-1.amazonaws.com", "default", false);

	assert_address(&aws, "album-2024", "photos/a_at_b_dot_c/thumbnails/x y.jpg",
		       "album-2024.s3.ap-southeast-1.amazonaws.com",
		       "/photos/a_at_b_dot_c/thumbnails/x%20y.jpg");
	assert_address(&aws, "album-2024", NULL, "album-2024.s3.ap-southeast-1.amazonaws.com", "/");
	ck_assert(aws_s3_virtual_host(&aws, "abc"));
}
END_TEST

START_TEST(other_buckets_and_endpoints_are_path_style)
{
	struct aws_endpoint aws = endpoint("s3.ap-southeast-1.amazonaws.com", "default", false);
	struct aws_endpoint local = endpoint("127.0.0.1:5000", "config", true);
	struct aws_endpoint proxy = endpoint("s3.example.net", "AWS_ENDPOINT_URL_S3", false);
	static const char *const not_labels[] = { "my.bucket", "Upper", "ab", "-lead", "trail-",
						   "under_score" };
	size_t i;

	/* a dot (TLS wildcard), upper case, too short, a dash at an end: not DNS labels */
	for (i = 0; i < sizeof(not_labels) / sizeof(not_labels[0]); i++)
		ck_assert_msg(!aws_s3_virtual_host(&aws, not_labels[i]), "%s", not_labels[i]);
	assert_address(&aws, "my.bucket", "k", "s3.ap-southeast-1.amazonaws.com", "/my.bucket/k");
	/* custom endpoints never resolve bucket.host */
	assert_address(&local, "album", "a/b.jpg", "127.0.0.1:5000", "/album/a/b.jpg");
	assert_address(&proxy, "album", "a/b.jpg", "s3.example.net", "/album/a/b.jpg");
	assert_address(&local, "album", "", "127.0.0.1:5000", "/album");
	/* a service-level request: no bucket */
	assert_address(&aws, NULL, NULL, "s3.ap-southeast-1.amazonaws.com", "/");
	ck_assert(!aws_s3_virtual_host(&aws, NULL));
}
END_TEST

START_TEST(object_urls_are_what_a_request_names)
{
	struct aws_endpoint aws = endpoint("s3.us-east-1.amazonaws.com", "default", false);
	struct aws_endpoint proxy = endpoint("proxy.example:8443", "config", false);
	struct ca_buf url = CA_BUF_INIT;

	aws.url = "https://s3.us-east-1.amazonaws.com";
	proxy.url = "https://proxy.example:8443/s3";
	ck_assert_int_eq(aws_s3_object_url(&aws, "album-2024", "photos/x y.jpg", &url), CA_OK);
	ck_assert_str_eq(url.data, "https://album-2024.s3.us-east-1.amazonaws.com/photos/x%20y.jpg");
	ca_buf_reset(&url);
	ck_assert_int_eq(aws_s3_object_url(&aws, "my.album", "k", &url), CA_OK);
	ck_assert_str_eq(url.data, "https://s3.us-east-1.amazonaws.com/my.album/k");
	ca_buf_reset(&url);
	/* the endpoint's base path stays in front, as on the wire */
	ck_assert_int_eq(aws_s3_object_url(&proxy, "album", "a/b.jpg", &url), CA_OK);
	ck_assert_str_eq(url.data, "https://proxy.example:8443/s3/album/a/b.jpg");
	ca_buf_release(&url);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("s3_address");
	TCase *t = tcase_create("address");

	tcase_add_test(t, aws_endpoints_take_dns_label_buckets_in_the_host);
	tcase_add_test(t, other_buckets_and_endpoints_are_path_style);
	tcase_add_test(t, object_urls_are_what_a_request_names);
	suite_add_tcase(s, t);
	return s;
}

CA_TEST_MAIN()
