/* Credentials: the caching provider's refresh rules, IMDS documents, ISO 8601 times,
 * and the chain and region order over the environment and shared files (no network:
 * the instance metadata service is disabled here; tests/integration covers it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_ca.h"
#include "aws/amz_date.h"
#include "text_file.h"
#include "aws/credentials.h"
#include "aws/imds.h"
#include "util/error.h"

/* ---- the provider, with a scripted fetcher and clock ---- */

struct script {
	time_t now;
	int fetches;
	int fail_with;          /* non-zero: the next fetches fail with this code */
	time_t lifetime;        /* expiration = now + lifetime; 0: never expires */
};

static int scripted_fetch(void *ctx, struct aws_credentials *out, struct ca_err *err)
{
	struct script *s = ctx;
	char id[32];

	s->fetches++;
	if (s->fail_with)
		return ca_err_set(err, s->fail_with, "scripted failure %d", s->fetches);
	snprintf(id, sizeof(id), "KEY%d", s->fetches);
	memset(out, 0, sizeof(*out));
	out->access_key_id = strdup(id);
	out->secret_access_key = strdup("secret");
	out->session_token = strdup("token");
	out->source = "iam-role";
	out->expiration = s->lifetime ? s->now + s->lifetime : 0;
	return CA_OK;
}

static time_t scripted_clock(void *ctx)
{
	return ((struct script *)ctx)->now;
}

static void expect_key(struct aws_credentials_provider *p, const char *key)
{
	struct aws_credentials c;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_provider_get(p, &c, &err), CA_OK);
	ck_assert_str_eq(c.access_key_id, key);
	ck_assert_str_eq(c.session_token, "token");
	aws_credentials_release(&c);
}

START_TEST(provider_caches_and_refreshes_five_minutes_early)
{
	struct script s = { .now = 1000000, .lifetime = 3600 };
	struct aws_credentials_provider *p =
		aws_credentials_provider_new_with(scripted_fetch, scripted_clock, &s);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(s.fetches, 0); /* lazy */
	expect_key(p, "KEY1");
	expect_key(p, "KEY1");
	ck_assert_int_eq(s.fetches, 1);
	/* one second before the refresh point: still cached */
	s.now += 3600 - AWS_CREDENTIALS_REFRESH_EARLY - 1;
	expect_key(p, "KEY1");
	ck_assert_int_eq(s.fetches, 1);
	/* at 5 minutes before expiry: fetched again */
	s.now += 1;
	expect_key(p, "KEY2");
	ck_assert_int_eq(s.fetches, 2);
	expect_key(p, "KEY2");
	ck_assert_int_eq(s.fetches, 2);
	aws_credentials_provider_release(p);
}
END_TEST

START_TEST(provider_keeps_serving_valid_credentials_when_refresh_fails)
{
	struct script s = { .now = 5000, .lifetime = 3600 };
	struct aws_credentials_provider *p =
		aws_credentials_provider_new_with(scripted_fetch, scripted_clock, &s);
	struct aws_credentials c;
	struct ca_err err;

	expect_key(p, "KEY1");
	s.fail_with = CA_AWS_IMDS;
	s.now += 3600 - 60; /* in the refresh window, not yet expired */
	expect_key(p, "KEY1");
	ck_assert_int_eq(s.fetches, 2);
	/* no new attempt within the back-off */
	expect_key(p, "KEY1");
	ck_assert_int_eq(s.fetches, 2);
	/* expired and the source still failing: the error comes through */
	s.now += 61;
	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_provider_get(p, &c, &err), CA_AWS_IMDS);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "scripted failure"));
	ck_assert_ptr_null(c.access_key_id);
	/* the source recovers */
	s.fail_with = 0;
	expect_key(p, "KEY4");
	aws_credentials_provider_release(p);
}
END_TEST

START_TEST(provider_static_credentials_fetched_once)
{
	struct script s = { .now = 10, .lifetime = 0 };
	struct aws_credentials_provider *p =
		aws_credentials_provider_new_with(scripted_fetch, scripted_clock, &s);

	expect_key(p, "KEY1");
	s.now += 10 * 365 * 86400L;
	expect_key(p, "KEY1");
	ck_assert_int_eq(s.fetches, 1);
	aws_credentials_provider_release(p);
	aws_credentials_provider_release(NULL);
	ck_assert_ptr_null(aws_credentials_provider_new_with(NULL, NULL, NULL));
}
END_TEST

START_TEST(provider_short_lived_credentials_do_not_hammer_the_source)
{
	struct script s = { .now = 100, .lifetime = 120 }; /* inside the window at once */
	struct aws_credentials_provider *p =
		aws_credentials_provider_new_with(scripted_fetch, scripted_clock, &s);

	expect_key(p, "KEY1");
	expect_key(p, "KEY1");
	s.now += 29;
	expect_key(p, "KEY1");
	s.now += 1;
	expect_key(p, "KEY2");
	ck_assert_int_eq(s.fetches, 2);
	aws_credentials_provider_release(p);
}
END_TEST

START_TEST(provider_first_fetch_failure_is_reported)
{
	struct script s = { .now = 1, .fail_with = CA_AWS_NO_CREDENTIALS };
	struct aws_credentials_provider *p =
		aws_credentials_provider_new_with(scripted_fetch, scripted_clock, &s);
	struct aws_credentials c;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_provider_get(p, &c, &err), CA_AWS_NO_CREDENTIALS);
	ck_assert_int_eq(aws_credentials_provider_get(p, &c, NULL), CA_AWS_NO_CREDENTIALS);
	ck_assert_int_eq(s.fetches, 2);
	aws_credentials_provider_release(p);
}
END_TEST

/* ---- ISO 8601 and IMDS documents ---- */

START_TEST(iso8601_times)
{
	time_t t = 0;

	ck_assert(aws_parse_iso8601("1970-01-01T00:00:00Z", &t));
	ck_assert_int_eq(t, 0);
	ck_assert(aws_parse_iso8601("2024-02-29T12:34:56Z", &t));
	ck_assert_int_eq(t, 1709210096);
	ck_assert(aws_parse_iso8601("2024-02-29T12:34:56.123456Z", &t));
	ck_assert_int_eq(t, 1709210096);
	ck_assert(aws_parse_iso8601("2024-02-29T14:34:56+02:00", &t));
	ck_assert_int_eq(t, 1709210096);
	ck_assert(aws_parse_iso8601("2024-02-29T11:04:56-01:30", &t));
	ck_assert_int_eq(t, 1709210096);
	ck_assert(!aws_parse_iso8601(NULL, &t));
	ck_assert(!aws_parse_iso8601("", &t));
	ck_assert(!aws_parse_iso8601("2024-02-29", &t));
	ck_assert(!aws_parse_iso8601("2024-02-29T12:34:56", &t));   /* no zone */
	ck_assert(!aws_parse_iso8601("2024-13-01T00:00:00Z", &t));
	ck_assert(!aws_parse_iso8601("2024-00-01T00:00:00Z", &t));
	ck_assert(!aws_parse_iso8601("2024-01-01T24:00:00Z", &t));
	ck_assert(!aws_parse_iso8601("2024-01-01T00:00:00ZZ", &t));
	ck_assert(!aws_parse_iso8601("2024-01-01T00:00:00.Z", &t));
	ck_assert(!aws_parse_iso8601("2024-01-01T00:00:00+0200", &t));
	ck_assert(!aws_parse_iso8601("20x4-01-01T00:00:00Z", &t));
	ck_assert(!aws_parse_iso8601("tomorrow", &t));
	/* the separator as RFC 3339 allows it; days that do not exist refused */
	ck_assert(aws_parse_iso8601("2024-02-29 12:34:56z", &t));
	ck_assert_int_eq(t, 1709210096);
	ck_assert(!aws_parse_iso8601("2023-02-29T00:00:00Z", &t));
	ck_assert(!aws_parse_iso8601("2024-04-31T00:00:00Z", &t));
	ck_assert(!aws_parse_iso8601("2024-01-01T00:00:00+02:00x", &t));
}
END_TEST

START_TEST(imds_document_parsed)
{
	const char *doc = "{\"Code\":\"Success\",\"LastUpdated\":\"2024-01-01T00:00:00Z\","
			  "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAEXAMPLE\","
			  "\"SecretAccessKey\":\"s3cr3t\",\"Token\":\"tok\","
			  "\"Expiration\":\"2024-01-01T06:00:00Z\"}";
	struct aws_credentials c;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_imds_parse_credentials(doc, strlen(doc), "r", &c, &err), CA_OK);
	ck_assert_str_eq(c.access_key_id, "ASIAEXAMPLE");
	ck_assert_str_eq(c.secret_access_key, "s3cr3t");
	ck_assert_str_eq(c.session_token, "tok");
	ck_assert_int_eq(c.expiration, 1704088800);
	ck_assert_str_eq(c.source, "iam-role");
	aws_credentials_release(&c);
	ck_assert_ptr_null(c.access_key_id);
	aws_credentials_release(NULL);
}
END_TEST

static const char *const bad_docs[] = {
	"",
	"not json",
	"[]",
	"\"string\"",
	"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2024-01-01T06:00:00Z\"",
	"{\"Code\":\"Failure\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2024-01-01T06:00:00Z\"}",
	"{\"Code\":7,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2024-01-01T06:00:00Z\"}",
	"{\"SecretAccessKey\":\"S\",\"Expiration\":\"2024-01-01T06:00:00Z\"}",
	"{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2024-01-01T06:00:00Z\"}",
	"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":1,\"Expiration\":\"2024-01-01T06:00:00Z\"}",
	"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}",
	"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"soon\"}",
	"{\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\",\"SecretAccessKey\":\"S\",\"Expiration\":\"2024-01-01T06:00:00Z\"}",
};

START_TEST(imds_bad_documents_refused)
{
	struct aws_credentials c;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_imds_parse_credentials(bad_docs[_i], strlen(bad_docs[_i]), "role-x",
						    &c, &err), CA_AWS_IMDS);
	ck_assert_msg(strstr(ca_err_msg(&err), "role-x") || strstr(ca_err_msg(&err), "Failure") ||
		      strstr(ca_err_msg(&err), "code"), "case %d: \"%s\"", _i, ca_err_msg(&err));
	ck_assert_ptr_null(c.access_key_id);
	ck_assert_ptr_null(c.secret_access_key);
}
END_TEST

START_TEST(imds_endpoint_and_disable_switch)
{
	bool from_env = true;

	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	ck_assert_str_eq(aws_imds_endpoint(&from_env), "http://169.254.169.254");
	ck_assert(!from_env);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
	ck_assert_str_eq(aws_imds_endpoint(NULL), "http://[fd00:ec2::254]");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1234", 1);
	ck_assert_str_eq(aws_imds_endpoint(&from_env), "http://127.0.0.1:1234");
	ck_assert(from_env);
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	ck_assert(aws_imds_disabled());
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	ck_assert(!aws_imds_disabled());
	unsetenv("AWS_EC2_METADATA_DISABLED");
	ck_assert(!aws_imds_disabled());
}
END_TEST

START_TEST(imds_bad_endpoint_refused_without_network)
{
	struct aws_credentials c;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_imds_fetch_credentials("169.254.169.254", &c, &err),
			 CA_AWS_BAD_ENDPOINT);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "AWS_EC2_METADATA_SERVICE_ENDPOINT"));
	ck_assert_ptr_null(c.access_key_id);
}
END_TEST

/* ---- the chain and the region over the environment and shared files ---- */

static char home[64];

static void write_file(const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", home, name);
	write_text_file(path, text);
}

static void chain_setup(void)
{
	char dir[128];

	snprintf(home, sizeof(home), "/tmp/ca_creds_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(home));
	snprintf(dir, sizeof(dir), "%s/.aws", home);
	mkdir(dir, 0700);
	setenv("HOME", home, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
}

static void chain_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(chain_env_files_and_profiles)
{
	struct aws_credentials c;
	struct ca_err err;

	write_file(".aws/credentials",
		   "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n"
		   "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n"
		   "aws_session_token = DEVTOKEN\n");
	write_file(".aws/config",
		   "[profile conf]\naws_access_key_id = CONFKEY\naws_secret_access_key = CS\n"
		   "[profile assume]\nrole_arn = arn:aws:iam::1:role/x\n");
	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_OK);
	ck_assert_str_eq(c.access_key_id, "FILEKEY");
	ck_assert_str_eq(c.source, "shared-credentials-file");
	ck_assert_ptr_null(c.session_token);
	ck_assert_ptr_nonnull(strstr(c.location, ".aws/credentials"));
	aws_credentials_release(&c);

	setenv("AWS_PROFILE", "dev", 1);
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_OK);
	ck_assert_str_eq(c.access_key_id, "DEVKEY");
	ck_assert_str_eq(c.session_token, "DEVTOKEN");
	aws_credentials_release(&c);

	ck_assert_int_eq(aws_credentials_resolve_profile("conf", &c, &err), CA_OK);
	ck_assert_str_eq(c.access_key_id, "CONFKEY");
	ck_assert_str_eq(c.source, "config-file");
	aws_credentials_release(&c);

	/* env beats files; an empty session token counts as none */
	setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
	setenv("AWS_SESSION_TOKEN", "", 1);
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_OK);
	ck_assert_str_eq(c.access_key_id, "ENVKEY");
	ck_assert_str_eq(c.source, "env");
	ck_assert_ptr_null(c.session_token);
	aws_credentials_release(&c);

	/* half the pair is an error, not a silent fall-through */
	unsetenv("AWS_SECRET_ACCESS_KEY");
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_AWS_NO_CREDENTIALS);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "AWS_SECRET_ACCESS_KEY"));
	unsetenv("AWS_ACCESS_KEY_ID");

	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_resolve_profile("missing", &c, &err),
			 CA_AWS_NO_CREDENTIALS);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "profile missing"));
	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_resolve_profile("assume", &c, &err),
			 CA_AWS_NO_CREDENTIALS);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "role_arn"));
	unsetenv("AWS_PROFILE");
}
END_TEST

START_TEST(chain_bad_and_partial_files)
{
	struct aws_credentials c;
	struct ca_err err;

	write_file(".aws/credentials", "[default]\naws_access_key_id = ONLYKEY\n");
	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_AWS_BAD_CREDENTIALS_FILE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "line 2"));
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "aws_secret_access_key"));

	write_file("elsewhere", "[default\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere", 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_AWS_BAD_CREDENTIALS_FILE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "/elsewhere line 1"));
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");

	/* nothing anywhere, metadata service off */
	write_file(".aws/credentials", "# empty\n");
	ca_err_clear(&err);
	ck_assert_int_eq(aws_credentials_resolve(&c, &err), CA_AWS_NO_CREDENTIALS);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "AWS_ACCESS_KEY_ID"));
}
END_TEST

START_TEST(region_order)
{
	char *region = NULL, *where = NULL;
	const char *source = NULL;
	struct ca_err err;

	write_file(".aws/config", "[default]\nregion = eu-west-1\n[profile p]\nregion = sa-east-1\n"
		   "[profile bad]\nregion = Not A Region\n");
	ca_err_clear(&err);
	ck_assert_int_eq(aws_region_resolve("ap-southeast-1", &region, &source, &err), CA_OK);
	ck_assert_str_eq(region, "eu-west-1");
	ck_assert_str_eq(source, "config-file");
	free(region);

	ck_assert_int_eq(aws_region_resolve_profile("p", NULL, &region, &source, &where, &err),
			 CA_OK);
	ck_assert_str_eq(region, "sa-east-1");
	ck_assert_ptr_nonnull(strstr(where, ".aws/config"));
	free(region);
	free(where);

	ck_assert_int_eq(aws_region_resolve_profile("bad", NULL, &region, &source, NULL, &err),
			 CA_AWS_NO_REGION);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "line 6"));
	ck_assert_ptr_null(region);

	/* a profile without a region falls back to the caller's */
	ck_assert_int_eq(aws_region_resolve_profile("none", "ap-southeast-1", &region, &source,
						    &where, &err), CA_OK);
	ck_assert_str_eq(region, "ap-southeast-1");
	ck_assert_str_eq(source, "config");
	ck_assert_ptr_null(where);
	free(region);

	setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
	ck_assert_int_eq(aws_region_resolve(NULL, &region, &source, &err), CA_OK);
	ck_assert_str_eq(region, "us-west-1");
	ck_assert_str_eq(source, "env");
	free(region);

	setenv("AWS_REGION", "us-east-2", 1);
	ck_assert_int_eq(aws_region_resolve_profile(NULL, NULL, &region, &source, &where, &err),
			 CA_OK);
	ck_assert_str_eq(region, "us-east-2");
	ck_assert_str_eq(where, "AWS_REGION");
	free(region);
	free(where);

	setenv("AWS_REGION", "us-east-2/../evil", 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_region_resolve(NULL, &region, &source, &err), CA_AWS_NO_REGION);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "AWS_REGION"));
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");

	write_file(".aws/config", "# nothing\n");
	ca_err_clear(&err);
	ck_assert_int_eq(aws_region_resolve(NULL, &region, &source, &err), CA_AWS_NO_REGION);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "AWS_REGION"));
	ck_assert_ptr_null(region);

	write_file(".aws/config", "region = x\n");
	ca_err_clear(&err);
	ck_assert_int_eq(aws_region_resolve("ap-southeast-1", &region, &source, &err),
			 CA_AWS_BAD_CREDENTIALS_FILE);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "config line 1"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("credentials");
	TCase *tc = tcase_create("provider");
	TCase *tc2 = tcase_create("imds");
	TCase *tc3 = tcase_create("chain");

	tcase_add_test(tc, provider_caches_and_refreshes_five_minutes_early);
	tcase_add_test(tc, provider_keeps_serving_valid_credentials_when_refresh_fails);
	tcase_add_test(tc, provider_static_credentials_fetched_once);
	tcase_add_test(tc, provider_short_lived_credentials_do_not_hammer_the_source);
	tcase_add_test(tc, provider_first_fetch_failure_is_reported);
	suite_add_tcase(s, tc);
	tcase_add_test(tc2, iso8601_times);
	tcase_add_test(tc2, imds_document_parsed);
	tcase_add_loop_test(tc2, imds_bad_documents_refused, 0,
			    (int)(sizeof(bad_docs) / sizeof(bad_docs[0])));
	tcase_add_test(tc2, imds_endpoint_and_disable_switch);
	tcase_add_test(tc2, imds_bad_endpoint_refused_without_network);
	suite_add_tcase(s, tc2);
	tcase_add_checked_fixture(tc3, chain_setup, chain_teardown);
	tcase_add_test(tc3, chain_env_files_and_profiles);
	tcase_add_test(tc3, chain_bad_and_partial_files);
	tcase_add_test(tc3, region_order);
	suite_add_tcase(s, tc3);
	return s;
}

CA_TEST_MAIN()
