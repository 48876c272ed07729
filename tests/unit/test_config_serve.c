/* The serve config (config/serve_config.h) and every file in lab-configs/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "fake_env.h"
#include "config/serve_config.h"
#include "config/stages.h"
#include "config/yaml.h"
#include "stages/stage.h"
#include "util/error.h"

#define SECRET "0123456789abcdef0123456789abcdef-session"
#define POOL "ap-southeast-1_TESTPOOL"

static const char *const LOCAL_ENV[] = {
	"CLOUDALBUM_SESSION_SECRET=" SECRET, "COGNITO_USER_POOL_ID=" POOL,
	"COGNITO_CLIENT_ID=client123", "COGNITO_CLIENT_SECRET=client-secret-value", NULL
};

static const char *const AWS_ENV[] = {
	"CLOUDALBUM_SESSION_SECRET=" SECRET, "COGNITO_USER_POOL_ID=" POOL,
	"COGNITO_CLIENT_ID=client123", "COGNITO_CLIENT_SECRET=client-secret-value",
	"CLOUDALBUM_BASE_URL=https://album.example.com/", "CLOUDALBUM_BUCKET=cloudalbum-123-jd",
	"MYSQL_PASSWORD=pw", "COGNITO_DOMAIN=cloudalbum-jd", NULL
};

/* A path under the source tree (tests run from the repository root). */
static const char *src_path(const char *rel, char *buf, size_t cap)
{
	const char *root = getenv("CA_SOURCE_DIR");

	snprintf(buf, cap, "%s/%s", root && *root ? root : ".", rel);
	return buf;
}

static int load_file_env(const char *rel, const char *const *env, struct serve_config *cfg,
			 struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	char path[512];
	int rc;

	ca_err_clear(err);
	rc = ca_yaml_load_file(&doc, src_path(rel, path, sizeof(path)), err);
	if (rc == CA_OK) {
		ca_yaml_doc_set_env(&doc, fake_env, (void *)env);
		rc = serve_config_from_doc(&doc, cfg, err);
	}
	ca_yaml_doc_release(&doc);
	return rc;
}

static int load_text(const char *text, const char *const *env, struct serve_config *cfg,
		     struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	int rc;

	ca_err_clear(err);
	memset(cfg, 0x5a, sizeof(*cfg));
	rc = ca_yaml_parse(&doc, "t.yaml", text, strlen(text), err);
	if (rc == CA_OK) {
		ca_yaml_doc_set_env(&doc, fake_env, (void *)env);
		rc = serve_config_from_doc(&doc, cfg, err);
	}
	ca_yaml_doc_release(&doc);
	return rc;
}

/* The kinds each stage runs, as the lab defines them (written out, not taken from the code). */
static const char *const stage_names[5][4] = {
	{ "mysql", "disk", "local", "none" },
	{ "dynamodb", "disk", "local", "none" },
	{ "dynamodb", "s3", "local", "none" },
	{ "dynamodb", "s3", "cognito", "none" },
	{ "dynamodb", "s3", "cognito", "xray" },
};

static void check_kinds(const struct serve_config *c, int n)
{
	ck_assert_str_eq(serve_db_kinds[c->database.kind], stage_names[n][0]);
	ck_assert_str_eq(serve_storage_kinds[c->storage.kind], stage_names[n][1]);
	ck_assert_str_eq(serve_auth_kinds[c->auth.kind], stage_names[n][2]);
	ck_assert_str_eq(serve_tracing_kinds[c->tracing.kind], stage_names[n][3]);
}

static void check_common(const struct serve_config *c)
{
	ck_assert_str_eq(c->server.session_secret, SECRET);
	ck_assert_int_eq(c->server.max_upload_mb, 20);
	ck_assert_int_eq(c->server.session_ttl, 12 * 3600);
	ck_assert_str_eq(c->server.static_dir, "build/web");
	ck_assert_int_eq(c->server.thumb_width, 300);
	ck_assert_int_eq(c->server.thumb_height, 200);
	ck_assert_ptr_null(c->server.geodata);
	ck_assert_int_eq(c->server.listen.port, 8080);
}

START_TEST(local_lab_configs_load)
{
	struct serve_config c;
	struct ca_err err;
	char rel[64];
	int n = _i;

	snprintf(rel, sizeof(rel), "lab-configs/local/stage-%d.yaml", n);
	ck_assert_msg(load_file_env(rel, LOCAL_ENV, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_ptr_nonnull(strstr(c.path, rel));
	ck_assert_int_eq(c.stage, n);
	check_kinds(&c, n);
	check_common(&c);
	ck_assert_str_eq(c.server.listen.host, "127.0.0.1");
	ck_assert_str_eq(c.server.base_url, "http://localhost:8080");
	ck_assert_int_eq(c.server.log_format, SERVE_LOG_TEXT);
	ck_assert_str_eq(c.aws.region, "ap-southeast-1");
	ck_assert_str_eq(c.aws.endpoint, "http://127.0.0.1:5000");
	ck_assert_int_eq(c.aws.emulator, SERVE_EMULATOR_MOTO);   /* said, never inferred */
	if (n == 0)
		ck_assert_str_eq(c.database.url, "mysql://root@127.0.0.1:3306/cloudalbum_legacy");
	else
		ck_assert_ptr_null(c.database.url);
	if (n >= 1) {
		ck_assert_str_eq(c.database.user_table, "User");
		ck_assert_str_eq(c.database.photo_table, "Photo");
	}
	if (n <= 1) {
		ck_assert_str_eq(c.storage.path, "./upload");
		ck_assert_ptr_null(c.storage.bucket);
	} else {
		ck_assert_ptr_null(c.storage.path);
		ck_assert_str_eq(c.storage.bucket, "cloudalbum-local-photos");
		ck_assert_str_eq(c.storage.prefix, "photos");
		ck_assert_int_eq(c.storage.presign_expires, 3600);
	}
	if (n >= 3) {
		ck_assert_str_eq(c.auth.user_pool_id, POOL);
		ck_assert_str_eq(c.auth.client_id, "client123");
		ck_assert_str_eq(c.auth.client_secret, "client-secret-value");
		ck_assert_str_eq(c.auth.domain, "cloudalbum-local");
		ck_assert_str_eq(c.auth.issuer,
				 "https://cognito-idp.ap-southeast-1.amazonaws.com/" POOL);
		/* moto serves the JWKS under the endpoint, not under the issuer */
		ck_assert_str_eq(c.auth.jwks_url,
				 "http://127.0.0.1:5000/" POOL "/.well-known/jwks.json");
	} else {
		ck_assert_ptr_null(c.auth.user_pool_id);
	}
	if (n == 4) {
		ck_assert_str_eq(c.tracing.daemon_address, "127.0.0.1:2000");
		ck_assert_str_eq(c.tracing.service_name, "CloudAlbum");
	} else {
		ck_assert_ptr_null(c.tracing.service_name);
	}
	serve_config_release(&c);
	ck_assert_ptr_null(c.server.session_secret);
	serve_config_release(&c);
}
END_TEST

START_TEST(aws_lab_configs_load)
{
	struct serve_config c;
	struct ca_err err;
	char rel[64];
	int n = _i;

	snprintf(rel, sizeof(rel), "lab-configs/aws/stage-%d.yaml", n);
	ck_assert_msg(load_file_env(rel, AWS_ENV, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(c.stage, n);
	check_kinds(&c, n);
	check_common(&c);
	ck_assert_str_eq(c.server.listen.host, "0.0.0.0");
	ck_assert_ptr_null(c.aws.endpoint);
	ck_assert_int_eq(c.aws.emulator, SERVE_EMULATOR_NONE);
	ck_assert_str_eq(c.aws.region, "ap-southeast-1");
	ck_assert_int_eq(c.server.log_format, SERVE_LOG_JSON);
	ck_assert_str_eq(c.server.base_url, "https://album.example.com");
	if (n == 0)
		ck_assert_str_eq(c.database.url, "mysql://cloudalbum:pw@127.0.0.1:3306/cloudalbum");
	if (n >= 2)
		ck_assert_str_eq(c.storage.bucket, "cloudalbum-123-jd");
	if (n >= 3) {
		ck_assert_str_eq(c.auth.domain, "cloudalbum-jd");
		ck_assert_str_eq(c.auth.issuer,
				 "https://cognito-idp.ap-southeast-1.amazonaws.com/" POOL);
		ck_assert_str_eq(c.auth.jwks_url, "https://cognito-idp.ap-southeast-1.amazonaws.com/"
				 POOL "/.well-known/jwks.json");
		ck_assert_str_eq(c.auth.hosted_ui_url,
				 "https://cloudalbum-jd.auth.ap-southeast-1.amazoncognito.com");
	}
	serve_config_release(&c);
}
END_TEST

/* Secrets are in no lab config: only ${VAR} references without a default. */
START_TEST(lab_configs_hold_no_secrets)
{
	static const char *const secret_keys[] = { "server.session_secret", "auth.client_secret",
						   NULL };
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	const struct ca_yaml_node *v;
	struct ca_err err;
	char rel[64], path[512];
	int target, n, k;

	for (target = 0; target < 2; target++)
		for (n = 0; n <= 4; n++) {
			snprintf(rel, sizeof(rel), "lab-configs/%s/stage-%d.yaml",
				 target ? "aws" : "local", n);
			ca_err_clear(&err);
			ck_assert_int_eq(ca_yaml_load_file(&doc, src_path(rel, path, sizeof(path)),
							   &err), CA_OK);
			for (k = 0; secret_keys[k]; k++) {
				v = ca_yaml_lookup(doc.root, secret_keys[k]);
				if (!v)
					continue;
				ck_assert_msg(v->text[0] == '$' && v->text[1] == '{' &&
					      !strstr(v->text, ":-") && v->text[v->len - 1] == '}',
					      "%s: %s is not a ${VAR}", rel, secret_keys[k]);
			}
			v = ca_yaml_lookup(doc.root, "database.url");
			if (v && target)
				ck_assert_ptr_nonnull(strstr(v->text, ":${MYSQL_PASSWORD}@"));
			ca_yaml_doc_release(&doc);
		}
}
END_TEST

START_TEST(lab_configs_follow_the_environment)
{
	static const char *const env[] = { "CLOUDALBUM_SESSION_SECRET=" SECRET, "MOTO_PORT=5123",
					   "CLOUDALBUM_LISTEN=0.0.0.0:9000",
					   "AWS_REGION=us-west-2", NULL };
	static const char *const no_base[] = { "CLOUDALBUM_SESSION_SECRET=" SECRET,
					       "COGNITO_USER_POOL_ID=p", "COGNITO_CLIENT_ID=c",
					       "COGNITO_CLIENT_SECRET=s", "CLOUDALBUM_BUCKET=b-1",
					       "COGNITO_DOMAIN=d", NULL };
	struct serve_config c;
	struct ca_err err;

	ck_assert_int_eq(load_file_env("lab-configs/local/stage-1.yaml", env, &c, &err), CA_OK);
	ck_assert_str_eq(c.aws.endpoint, "http://127.0.0.1:5123");
	ck_assert_str_eq(c.aws.region, "ap-southeast-1"); /* local: fixed */
	ck_assert_str_eq(c.server.listen.host, "0.0.0.0");
	ck_assert_int_eq(c.server.listen.port, 9000);
	serve_config_release(&c);
	ck_assert_int_eq(load_file_env("lab-configs/aws/stage-1.yaml", env, &c, &err), CA_OK);
	ck_assert_str_eq(c.aws.region, "us-west-2");
	ck_assert_str_eq(c.server.base_url, "http://localhost:8080");
	serve_config_release(&c);
	ck_assert_int_eq(load_file_env("lab-configs/aws/stage-3.yaml", no_base, &c, &err),
			 CA_CONFIG_ENV);
	ck_assert_msg(strstr(ca_err_msg(&err), "aws/stage-3.yaml:") &&
		      strstr(ca_err_msg(&err), "environment variable CLOUDALBUM_BASE_URL is not set"),
		      "%s", ca_err_msg(&err));
	ck_assert_ptr_null(c.server.session_secret);
	ck_assert_int_eq(load_file_env("lab-configs/local/stage-0.yaml", no_base + 1, &c, &err),
			 CA_CONFIG_ENV);
	ck_assert_msg(strstr(ca_err_msg(&err), "CLOUDALBUM_SESSION_SECRET"), "%s",
		      ca_err_msg(&err));
}
END_TEST

START_TEST(design_example_loads_from_the_process_environment)
{
	struct serve_config c;
	struct ca_err err;
	char path[512];

	src_path("tests/unit/data/config/design-example.yaml", path, sizeof(path));
	unsetenv("CLOUDALBUM_SESSION_SECRET");
	ca_err_clear(&err);
	ck_assert_int_eq(serve_config_load(path, &c, &err), CA_CONFIG_ENV);
	ck_assert_msg(strstr(ca_err_msg(&err), "design-example.yaml:6: environment variable "
			     "CLOUDALBUM_SESSION_SECRET is not set"), "%s", ca_err_msg(&err));
	setenv("CLOUDALBUM_SESSION_SECRET", SECRET, 1);
	ca_err_clear(&err);
	ck_assert_msg(serve_config_load(path, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(c.stage, 0);
	check_kinds(&c, 0);
	ck_assert_str_eq(c.server.session_secret, SECRET);
	ck_assert_str_eq(c.storage.path, "./upload");
	ck_assert_str_eq(c.aws.endpoint, "http://127.0.0.1:5000");
	ck_assert_str_eq(c.path, path);
	/* no log_format: the JSON lines the server wrote before text existed */
	ck_assert_int_eq(c.server.log_format, SERVE_LOG_JSON);
	serve_config_release(&c);
	unsetenv("CLOUDALBUM_SESSION_SECRET");
	ca_err_clear(&err);
	ck_assert_int_eq(serve_config_load("/nonexistent/serve.yaml", &c, &err), CA_EIO);
	ck_assert_str_eq(ca_err_msg(&err), "cannot open config file /nonexistent/serve.yaml: No "
			 "such file or directory");
	serve_config_release(NULL);
}
END_TEST

START_TEST(bad_files_name_file_and_line)
{
	static const char *const env[] = { "CLOUDALBUM_SESSION_SECRET=" SECRET, NULL };
	struct serve_config c;
	struct ca_err err;

	ck_assert_int_eq(load_file_env("tests/unit/data/config/typo.yaml", env, &c, &err),
			 CA_CONFIG_UNKNOWN_KEY);
	ck_assert_msg(strstr(ca_err_msg(&err), "typo.yaml:4: unknown key 'databse' at the top "
			     "level (did you mean 'database'?)"), "%s", ca_err_msg(&err));
	ck_assert_int_eq(load_file_env("tests/unit/data/config/tab-indented.yaml", env, &c, &err),
			 CA_CONFIG_SYNTAX);
	ck_assert_msg(strstr(ca_err_msg(&err), "tab-indented.yaml:3:1: YAML does not allow tab"),
		      "%s", ca_err_msg(&err));
}
END_TEST

#define BASE "server:\n  session_secret: ${S}\n"
static const char *const ENV_S[] = { "S=" SECRET, "SHORT=tooshort", NULL };

static void expect_error(const char *text, int code, const char *msg)
{
	struct serve_config c;
	struct ca_err err;

	ck_assert_int_eq(load_text(text, ENV_S, &c, &err), code);
	ck_assert_str_eq(ca_err_msg(&err), msg);
	ck_assert_ptr_null(c.server.session_secret);
	ck_assert_ptr_null(c.path);
}

START_TEST(serve_errors)
{
	expect_error("server:\n  session_secret: ${SHORT}\ndatabase: {kind: mysql, url: "
		     "'mysql://h/db'}\nstorage: {kind: disk, path: /x}\n", CA_CONFIG_VALUE,
		     "t.yaml:2: 'server.session_secret' must be at least 32 characters long after "
		     "${VAR} expansion (it has 8); make one with: openssl rand -hex 32");
	expect_error("stage: 2\n" BASE "database:\n  kind: dynamodb\nstorage:\n  kind: disk\n"
		     "  path: /x\n", CA_CONFIG_VALUE,
		     "t.yaml:1: stage 2 runs database dynamodb, storage s3, auth local and tracing "
		     "none, but storage.kind is disk (line 7); change it, or remove 'stage' for a "
		     "custom mix");
	expect_error("stage: 4\n" BASE "database: {kind: dynamodb}\nstorage: {kind: s3, bucket: b-1}\n"
		     "auth: {kind: cognito, user_pool_id: p, client_id: c, client_secret: s, "
		     "domain: d}\n", CA_CONFIG_VALUE,
		     "t.yaml:1: stage 4 runs database dynamodb, storage s3, auth cognito and tracing "
		     "xray, but tracing.kind is none (the default); change it, or remove 'stage' "
		     "for a custom mix");
	expect_error("stage: 5\n", CA_CONFIG_TYPE,
		     "t.yaml:1: 'stage' expected an integer from 0 to 4, got '5'");
	expect_error(BASE "database:\n  kind: mysql\n  url: mysql://h/db\nstorage:\n  kind: disk\n"
		     "  path: /x\n  bucket: b\n", CA_CONFIG_VALUE,
		     "t.yaml:9: 'storage.bucket' is only used when storage.kind is s3 (here it is "
		     "disk); remove it");
	expect_error(BASE "database: {kind: dynamodb}\nstorage: {kind: s3, bucket: My_Bucket}\n",
		     CA_CONFIG_VALUE,
		     "t.yaml:4: 'storage.bucket' 'My_Bucket' is not a valid S3 bucket name (3 to 63 "
		     "lowercase letters, digits, '-' or '.', starting and ending with a letter or "
		     "digit)");
	expect_error(BASE "storage: {kind: disk, path: /x}\n", CA_CONFIG_MISSING_KEY,
		     "t.yaml:1: missing required key 'kind' in 'database'");
	expect_error(BASE "database:\n  kind: mysql\nstorage: {kind: disk, path: /x}\n",
		     CA_CONFIG_MISSING_KEY, "t.yaml:3: missing required key 'url' in 'database'");
	expect_error(BASE "database:\n  kind: mysql\n  url: http://h/db\n", CA_CONFIG_TYPE,
		     "t.yaml:5: 'database.url' expected a URL such as mysql://host:port (its scheme "
		     "is not one accepted here); like mysql://user:password@127.0.0.1:3306/cloudalbum");
	expect_error(BASE "  max_upload_mb: big\n", CA_CONFIG_TYPE,
		     "t.yaml:3: 'server.max_upload_mb' expected an integer from 1 to 1024, got 'big'");
	expect_error(BASE "database: {kind: dynamodb}\nstorage: {kind: s3, bucket: b-1}\nauth:\n"
		     "  kind: cognito\n  user_pool_id: p\n", CA_CONFIG_MISSING_KEY,
		     "t.yaml:5: missing required key 'client_id' in 'auth'");
	expect_error(BASE "database: {kind: postgres}\n", CA_CONFIG_TYPE,
		     "t.yaml:3: 'database.kind' expected one of mysql, dynamodb, got 'postgres'");
	expect_error("- stage: 0\n", CA_CONFIG_TYPE,
		     "t.yaml:1: expected a mapping of keys at the top level, got a list");
	expect_error(BASE "database: {kind: dynamodb}\nstorage: {kind: disk, path: /x}\n"
		     "aws: {endpoint: 127.0.0.1:5000}\n", CA_CONFIG_TYPE,
		     "t.yaml:5: 'aws.endpoint' expected a URL such as http://host:port (it does not "
		     "start with a scheme such as http://), got '127.0.0.1:5000'");
}
END_TEST

START_TEST(custom_mix_and_derived_values)
{
	static const char text[] =
		"server:\n"
		"  listen: 10.0.0.5:9000\n"
		"  session_secret: ${S}\n"
		"database: {kind: dynamodb, user_table: Users2}\n"
		"storage: {kind: disk, path: /srv/up}\n"
		"auth:\n"
		"  kind: cognito\n"
		"  user_pool_id: p1\n"
		"  client_id: c1\n"
		"  client_secret: s1\n"
		"  domain: login.example.com\n"
		"provision:\n"
		"  anything: ${NOT_SET_ANYWHERE}\n"
		"  list: [1, 2]\n";
	struct serve_config c;
	struct ca_err err;

	ck_assert_msg(load_text(text, ENV_S, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(c.stage, SERVE_STAGE_CUSTOM);
	ck_assert_int_eq(c.database.kind, SERVE_DB_DYNAMODB);
	ck_assert_str_eq(c.database.user_table, "Users2");
	ck_assert_str_eq(c.database.photo_table, "Photo");
	ck_assert_str_eq(c.server.base_url, "http://10.0.0.5:9000");
	ck_assert_int_eq(c.tracing.kind, SERVE_TRACING_NONE);
	ck_assert_ptr_null(c.aws.region);
	/* no region: the issuer cannot be derived; a custom domain gives the hosted UI */
	ck_assert_ptr_null(c.auth.issuer);
	ck_assert_ptr_null(c.auth.jwks_url);
	ck_assert_str_eq(c.auth.hosted_ui_url, "https://login.example.com");
	serve_config_release(&c);

	ck_assert_int_eq(load_text("server: {session_secret: '${S}', listen: '0.0.0.0:8081'}\n"
				   "database: {kind: mysql, url: 'mysql://h/db'}\n"
				   "storage: {kind: disk, path: /x}\n"
				   "auth: {kind: cognito, user_pool_id: p, client_id: c, "
				   "client_secret: s, domain: d, issuer: 'https://idp.test/p', "
				   "jwks_url: 'http://127.0.0.1:3000/jwks'}\n",
				   ENV_S, &c, &err), CA_OK);
	ck_assert_str_eq(c.server.base_url, "http://localhost:8081");
	ck_assert_str_eq(c.auth.issuer, "https://idp.test/p");
	ck_assert_str_eq(c.auth.jwks_url, "http://127.0.0.1:3000/jwks");
	ck_assert_ptr_null(c.auth.hosted_ui_url);
	serve_config_release(&c);
}
END_TEST

/* A custom endpoint alone (a VPC or FIPS one) is AWS: only aws.emulator: moto says moto. */
START_TEST(emulator_is_a_setting_never_the_endpoint)
{
#define COGNITO_CFG "server: {session_secret: '${S}'}\n" \
	"database: {kind: dynamodb}\nstorage: {kind: disk, path: /x}\n" \
	"auth: {kind: cognito, user_pool_id: p1, client_id: c, client_secret: s, domain: d}\n"
	struct serve_config c;
	struct ca_err err;

	ck_assert_msg(load_text(COGNITO_CFG "aws: {region: eu-west-1, endpoint: "
				"'https://vpce-1.cognito-idp.eu-west-1.vpce.amazonaws.com'}\n",
				ENV_S, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(c.aws.emulator, SERVE_EMULATOR_NONE);
	ck_assert_str_eq(c.auth.jwks_url, "https://cognito-idp.eu-west-1.amazonaws.com/p1"
			 "/.well-known/jwks.json");
	ck_assert_str_eq(c.auth.hosted_ui_url, "https://d.auth.eu-west-1.amazoncognito.com");
	serve_config_release(&c);

	ck_assert_msg(load_text(COGNITO_CFG "aws: {region: eu-west-1, endpoint: "
				"'http://127.0.0.1:5000', emulator: moto}\n",
				ENV_S, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(c.aws.emulator, SERVE_EMULATOR_MOTO);
	ck_assert_str_eq(c.auth.jwks_url, "http://127.0.0.1:5000/p1/.well-known/jwks.json");
	serve_config_release(&c);

	ck_assert_msg(load_text(COGNITO_CFG "aws: {region: eu-west-1, endpoint: "
				"'http://127.0.0.1:5000', emulator: none}\n",
				ENV_S, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(c.aws.emulator, SERVE_EMULATOR_NONE);
	serve_config_release(&c);

	ca_err_clear(&err);
	ck_assert_int_eq(load_text(COGNITO_CFG "aws: {region: eu-west-1, emulator: moto}\n",
				   ENV_S, &c, &err), CA_CONFIG_VALUE);
	ck_assert_msg(strstr(ca_err_msg(&err), "'aws.emulator' is moto but 'aws.endpoint' is not"),
		      "%s", ca_err_msg(&err));
	ca_err_clear(&err);
	ck_assert_int_eq(load_text(COGNITO_CFG "aws: {endpoint: 'http://h:1', emulator: Moto}\n",
				   ENV_S, &c, &err), CA_CONFIG_TYPE);
	ck_assert_msg(strstr(ca_err_msg(&err), "emulator"), "%s", ca_err_msg(&err));
#undef COGNITO_CFG
}
END_TEST

/*
 * A stage that is empty after ${VAR} expansion is not given (schema.h), so the file is a
 * custom mix: it used to be taken as stage 0 and this dynamodb + s3 mix refused.
 */
START_TEST(empty_stage_is_a_custom_mix)
{
	static const char *const texts[] = {
		"stage: ${NO_SUCH_STAGE:-}\n",
		"stage: ''\n",
		"stage: ~\n",
		"",
	};
	struct ca_buf text = CA_BUF_INIT;
	struct serve_config c;
	struct ca_err err;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ca_buf_reset(&text);
		ca_buf_addf(&text, "%sserver: {session_secret: '${S}'}\n"
			    "database: {kind: dynamodb}\n"
			    "storage: {kind: s3, bucket: album-bucket}\n", texts[i]);
		ck_assert_msg(load_text(text.data, ENV_S, &c, &err) == CA_OK, "%s: %s", texts[i],
			      ca_err_msg(&err));
		ck_assert_int_eq(c.stage, SERVE_STAGE_CUSTOM);
		serve_config_release(&c);
	}
	/* a real stage still binds the kinds */
	ck_assert_int_eq(load_text("stage: ${NO_SUCH_STAGE:-0}\nserver: {session_secret: '${S}'}\n"
				   "database: {kind: dynamodb}\nstorage: {kind: disk, path: /x}\n",
				   ENV_S, &c, &err),
			 CA_CONFIG_VALUE);
	ca_buf_release(&text);
}
END_TEST

/* Deterministic mutations of a valid config: every outcome is CA_OK or one clear error. */
START_TEST(mutated_configs_never_crash)
{
	static const char seed[] =
		"stage: 4\nserver:\n  listen: 127.0.0.1:8080\n  session_secret: ${S}\n"
		"  session_ttl: 12h\ndatabase: {kind: dynamodb, user_table: User}\n"
		"storage:\n  kind: s3\n  bucket: b-1\n  presign_expires: 3600\n"
		"auth:\n  kind: cognito\n  user_pool_id: p\n  client_id: c\n  client_secret: s\n"
		"  domain: d\ntracing:\n  kind: xray\n  daemon_address: '[::1]:2000'\n"
		"aws: {region: ap-southeast-1, endpoint: 'http://127.0.0.1:5000/'}\n"
		"provision: [a, {b: c}]\n";
	static const char alphabet[] = ":-{}[]&*!|>'\"#%@`,?$\t\n \\\xff\xc3\x80\x00az09";
	char text[sizeof(seed)];
	struct serve_config c;
	struct ca_err err;
	unsigned long x = 12345;
	int round, k, pos, rc, ok = 0;

	ck_assert_int_eq(load_text(seed, ENV_S, &c, &err), CA_OK);
	serve_config_release(&c);
	for (round = 0; round < 3000; round++) {
		memcpy(text, seed, sizeof(seed));
		for (k = 0; k < 1 + round % 4; k++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			pos = (int)((x >> 33) % (sizeof(seed) - 1));
			text[pos] = alphabet[(x >> 17) % (sizeof(alphabet) - 1)];
		}
		ca_err_clear(&err);
		{
			struct ca_yaml_doc doc = CA_YAML_DOC_INIT;

			rc = ca_yaml_parse(&doc, "t.yaml", text, sizeof(seed) - 1, &err);
			if (rc == CA_OK) {
				ca_yaml_doc_set_env(&doc, fake_env, (void *)ENV_S);
				rc = serve_config_from_doc(&doc, &c, &err);
			}
			ca_yaml_doc_release(&doc);
		}
		if (rc == CA_OK) {
			ok++;
			serve_config_release(&c);
			continue;
		}
		ck_assert_msg(rc >= CA_CONFIG_SYNTAX && rc <= CA_CONFIG_VALUE,
			      "round %d: code %d: %s", round, rc, ca_err_msg(&err));
		ck_assert_msg(strncmp(ca_err_msg(&err), "t.yaml:", 7) == 0, "round %d: %s", round,
			      ca_err_msg(&err));
		ck_assert_ptr_null(c.server.session_secret);
	}
	ck_assert_int_gt(ok, 0);
}
END_TEST

/* The one stage table (config/stages.def) says what the lab says, and names the stage files' defs. */
START_TEST(stage_table_is_the_lab_and_the_stage_files)
{
	static const char *const lab_names[5] = { "iam", "dynamodb", "s3", "cognito", "xray" };
	struct serve_config c;
	int n;

	ck_assert_int_eq(CA_STAGE_COUNT, 5);
	for (n = 0; n < CA_STAGE_COUNT; n++) {
		ck_assert_int_eq(ca_stages[n].number, n);
		ck_assert_str_eq(ca_stages[n].name, lab_names[n]);
		c.database.kind = ca_stages[n].database;
		c.storage.kind = ca_stages[n].storage;
		c.auth.kind = ca_stages[n].auth;
		c.tracing.kind = ca_stages[n].tracing;
		check_kinds(&c, n);
		ck_assert_ptr_nonnull(stage_defs[n]);
		ck_assert_int_eq(stage_defs[n]->number, n);
		ck_assert_str_eq(stage_defs[n]->name, ca_stages[n].name);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config_serve");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, local_lab_configs_load, 0, 5);
	tcase_add_loop_test(tc, aws_lab_configs_load, 0, 5);
	tcase_add_test(tc, lab_configs_hold_no_secrets);
	tcase_add_test(tc, lab_configs_follow_the_environment);
	tcase_add_test(tc, design_example_loads_from_the_process_environment);
	tcase_add_test(tc, bad_files_name_file_and_line);
	tcase_add_test(tc, serve_errors);
	tcase_add_test(tc, custom_mix_and_derived_values);
	tcase_add_test(tc, emulator_is_a_setting_never_the_endpoint);
	tcase_add_test(tc, empty_stage_is_a_custom_mix);
	tcase_add_test(tc, mutated_configs_never_crash);
	tcase_add_test(tc, stage_table_is_the_lab_and_the_stage_files);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
