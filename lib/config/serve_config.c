#include "config/serve_config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>

#include "config/stages.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define OFF(f) offsetof(struct serve_config, f)

const char *const serve_db_kinds[] = { "mysql", "dynamodb", NULL };
const char *const serve_storage_kinds[] = { "disk", "s3", NULL };
const char *const serve_auth_kinds[] = { "local", "cognito", NULL };
const char *const serve_tracing_kinds[] = { "none", "xray", NULL };
const char *const serve_log_formats[] = { "text", "json", NULL };
const char *const serve_emulators[] = { "none", "moto", NULL };

static const char *const web_schemes[] = { "http", "https", NULL };
static const char *const mysql_schemes[] = { "mysql", NULL };

static const struct ca_cfg_key server_keys[] = {
	{ .name = "listen", .type = CA_CFG_HOSTPORT, .offset = OFF(server.listen),
	  .def = "127.0.0.1:8080" },
	{ .name = "base_url", .type = CA_CFG_URL, .offset = OFF(server.base_url),
	  .choices = web_schemes },
	{ .name = "session_secret", .type = CA_CFG_STRING, .offset = OFF(server.session_secret),
	  .flags = CA_CFG_REQUIRED | CA_CFG_SECRET, .min = 32, .max = 4096,
	  .hint = "make one with: openssl rand -hex 32" },
	{ .name = "max_upload_mb", .type = CA_CFG_INT, .offset = OFF(server.max_upload_mb),
	  .def = "20", .min = 1, .max = 1024 },
	{ .name = "session_ttl", .type = CA_CFG_DURATION, .offset = OFF(server.session_ttl),
	  .def = "12h", .min = 60, .max = 30L * 86400 },
	{ .name = "threads", .type = CA_CFG_INT, .offset = OFF(server.threads),
	  .def = "8", .min = 1, .max = 256 },
	{ .name = "static_dir", .type = CA_CFG_STRING, .offset = OFF(server.static_dir),
	  .def = "build/web" },
	{ .name = "thumb_width", .type = CA_CFG_INT, .offset = OFF(server.thumb_width),
	  .def = "300", .min = 16, .max = 4096 },
	{ .name = "thumb_height", .type = CA_CFG_INT, .offset = OFF(server.thumb_height),
	  .def = "200", .min = 16, .max = 4096 },
	{ .name = "max_pixels", .type = CA_CFG_INT, .offset = OFF(server.max_pixels),
	  .def = "50000000", .min = 1, .max = 1000000000 },
	{ .name = "max_scan_pixels", .type = CA_CFG_INT, .offset = OFF(server.max_scan_pixels),
	  .def = "800000000", .min = 1, .max = 100000000000L },
	{ .name = "image_workers", .type = CA_CFG_INT, .offset = OFF(server.image_workers),
	  .def = "2", .min = 1, .max = 64 },
	{ .name = "image_queue", .type = CA_CFG_INT, .offset = OFF(server.image_queue),
	  .def = "4", .min = 0, .max = 4096 },
	{ .name = "max_connections", .type = CA_CFG_INT, .offset = OFF(server.max_connections),
	  .def = "512", .min = 1, .max = 65536 },
	{ .name = "connections_per_address", .type = CA_CFG_INT,
	  .offset = OFF(server.connections_per_address), .def = "64", .min = 1, .max = 65536 },
	{ .name = "header_timeout", .type = CA_CFG_DURATION, .offset = OFF(server.header_timeout),
	  .def = "20s", .min = 1, .max = 3600 },
	{ .name = "body_min_rate", .type = CA_CFG_INT, .offset = OFF(server.body_min_rate),
	  .def = "1024", .min = 1, .max = 1L << 30 },
	{ .name = "geodata", .type = CA_CFG_STRING, .offset = OFF(server.geodata) },
	{ .name = "log_format", .type = CA_CFG_ENUM, .offset = OFF(server.log_format),
	  .def = "json", .choices = serve_log_formats },
	{ .name = "tile_url", .type = CA_CFG_STRING, .offset = OFF(server.tile_url),
	  .def = "https://tile.openstreetmap.org/{z}/{x}/{y}.png" },
	{ .name = "trusted_proxies", .type = CA_CFG_STRLIST, .offset = OFF(server.trusted_proxies) },
	{ .name = "healthz_token", .type = CA_CFG_STRING, .offset = OFF(server.healthz_token),
	  .flags = CA_CFG_SECRET, .min = 16, .max = 256,
	  .hint = "make one with: openssl rand -hex 16" },
	{ .name = "signup_limit", .type = CA_CFG_INT, .offset = OFF(server.signup_limit),
	  .def = "20", .min = 0, .max = 1000000 },
	{ .name = "signin_limit", .type = CA_CFG_INT, .offset = OFF(server.signin_limit),
	  .def = "30", .min = 1, .max = 1000000 },
	CA_CFG_END
};

static const struct ca_cfg_key database_keys[] = {
	{ .name = "kind", .type = CA_CFG_ENUM, .offset = OFF(database.kind),
	  .flags = CA_CFG_REQUIRED, .choices = serve_db_kinds },
	{ .name = "url", .type = CA_CFG_URL, .offset = OFF(database.url),
	  .flags = CA_CFG_REQUIRED | CA_CFG_SECRET, .choices = mysql_schemes,
	  .when_key = "kind", .when_is = "mysql",
	  .hint = "like mysql://user:password@127.0.0.1:3306/cloudalbum" },
	{ .name = "user_table", .type = CA_CFG_STRING, .offset = OFF(database.user_table),
	  .def = "User", .min = 3, .max = 255, .when_key = "kind", .when_is = "dynamodb" },
	{ .name = "photo_table", .type = CA_CFG_STRING, .offset = OFF(database.photo_table),
	  .def = "Photo", .min = 3, .max = 255, .when_key = "kind", .when_is = "dynamodb" },
	CA_CFG_END
};

static const struct ca_cfg_key storage_keys[] = {
	{ .name = "kind", .type = CA_CFG_ENUM, .offset = OFF(storage.kind),
	  .flags = CA_CFG_REQUIRED, .choices = serve_storage_kinds },
	{ .name = "path", .type = CA_CFG_STRING, .offset = OFF(storage.path),
	  .flags = CA_CFG_REQUIRED, .when_key = "kind", .when_is = "disk" },
	{ .name = "bucket", .type = CA_CFG_STRING, .offset = OFF(storage.bucket),
	  .flags = CA_CFG_REQUIRED, .min = 3, .max = 63, .when_key = "kind", .when_is = "s3" },
	{ .name = "prefix", .type = CA_CFG_STRING, .offset = OFF(storage.prefix),
	  .def = "photos", .when_key = "kind", .when_is = "s3" },
	{ .name = "presign_expires", .type = CA_CFG_DURATION,
	  .offset = OFF(storage.presign_expires), .def = "3600", .min = 1, .max = 604800,
	  .when_key = "kind", .when_is = "s3" },
	CA_CFG_END
};

#define COGNITO .when_key = "kind", .when_is = "cognito"
static const struct ca_cfg_key auth_keys[] = {
	{ .name = "kind", .type = CA_CFG_ENUM, .offset = OFF(auth.kind), .def = "local",
	  .choices = serve_auth_kinds },
	{ .name = "user_pool_id", .type = CA_CFG_STRING, .offset = OFF(auth.user_pool_id),
	  .flags = CA_CFG_REQUIRED, .max = 55, COGNITO },
	{ .name = "client_id", .type = CA_CFG_STRING, .offset = OFF(auth.client_id),
	  .flags = CA_CFG_REQUIRED, .max = 128, COGNITO },
	{ .name = "client_secret", .type = CA_CFG_STRING, .offset = OFF(auth.client_secret),
	  .flags = CA_CFG_REQUIRED | CA_CFG_SECRET, .max = 256, COGNITO },
	{ .name = "domain", .type = CA_CFG_STRING, .offset = OFF(auth.domain),
	  .flags = CA_CFG_REQUIRED, .max = 253, COGNITO },
	{ .name = "issuer", .type = CA_CFG_URL, .offset = OFF(auth.issuer), .choices = web_schemes,
	  COGNITO },
	{ .name = "jwks_url", .type = CA_CFG_URL, .offset = OFF(auth.jwks_url),
	  .choices = web_schemes, COGNITO },
	{ .name = "hosted_ui_url", .type = CA_CFG_URL, .offset = OFF(auth.hosted_ui_url),
	  .choices = web_schemes, COGNITO },
	CA_CFG_END
};
#undef COGNITO

static const struct ca_cfg_key tracing_keys[] = {
	{ .name = "kind", .type = CA_CFG_ENUM, .offset = OFF(tracing.kind), .def = "none",
	  .choices = serve_tracing_kinds },
	{ .name = "daemon_address", .type = CA_CFG_STRING, .max = 300,
	  .offset = OFF(tracing.daemon_address), .def = "127.0.0.1:2000",
	  .when_key = "kind", .when_is = "xray" },
	{ .name = "service_name", .type = CA_CFG_STRING, .offset = OFF(tracing.service_name),
	  .def = "CloudAlbum", .max = 200, .when_key = "kind", .when_is = "xray" },
	CA_CFG_END
};

static const struct ca_cfg_key aws_keys[] = {
	{ .name = "region", .type = CA_CFG_STRING, .offset = OFF(aws.region), .max = 32 },
	{ .name = "endpoint", .type = CA_CFG_URL, .offset = OFF(aws.endpoint),
	  .choices = web_schemes },
	{ .name = "emulator", .type = CA_CFG_ENUM, .offset = OFF(aws.emulator), .def = "none",
	  .choices = serve_emulators },
	CA_CFG_END
};

const struct ca_cfg_key serve_config_keys[] = {
	{ .name = "stage", .type = CA_CFG_INT, .offset = OFF(stage), .min = 0,
	  .max = CA_STAGE_COUNT - 1 },
	{ .name = "server", .type = CA_CFG_SECTION, .sub = server_keys },
	{ .name = "database", .type = CA_CFG_SECTION, .sub = database_keys },
	{ .name = "storage", .type = CA_CFG_SECTION, .sub = storage_keys },
	{ .name = "auth", .type = CA_CFG_SECTION, .sub = auth_keys },
	{ .name = "tracing", .type = CA_CFG_SECTION, .sub = tracing_keys },
	{ .name = "aws", .type = CA_CFG_SECTION, .sub = aws_keys },
	{ .name = "provision", .type = CA_CFG_IGNORE },
	CA_CFG_END
};

static int check_stage(const struct ca_yaml_doc *doc, const struct serve_config *cfg,
		       struct ca_err *err)
{
	static const char *const sections[4] = { "database", "storage", "auth", "tracing" };
	static const char *const *const names[4] = { serve_db_kinds, serve_storage_kinds,
						     serve_auth_kinds, serve_tracing_kinds };
	const int have[4] = { cfg->database.kind, cfg->storage.kind, cfg->auth.kind,
			      cfg->tracing.kind };
	const struct ca_stage *stage;
	int want[4];
	const struct ca_yaml_node *kind;
	char path[32], at[32];
	int i;

	if (cfg->stage == SERVE_STAGE_CUSTOM)
		return CA_OK;
	stage = &ca_stages[cfg->stage];
	want[0] = (int)stage->database;
	want[1] = (int)stage->storage;
	want[2] = (int)stage->auth;
	want[3] = (int)stage->tracing;
	for (i = 0; i < 4; i++) {
		if (have[i] == want[i])
			continue;
		snprintf(path, sizeof(path), "%s.kind", sections[i]);
		kind = ca_yaml_lookup(doc->root, path);
		if (kind)
			snprintf(at, sizeof(at), "line %d", kind->line);
		else
			snprintf(at, sizeof(at), "the default");
		return ca_err_set(err, CA_CONFIG_VALUE,
				  "%s:%d: stage %ld runs database %s, storage %s, auth %s and "
				  "tracing %s, but %s is %s (%s); change it, or remove 'stage' for "
				  "a custom mix", doc->name,
				  ca_yaml_get_pair(doc->root, "stage")->line, cfg->stage,
				  serve_db_kinds[want[0]], serve_storage_kinds[want[1]],
				  serve_auth_kinds[want[2]], serve_tracing_kinds[want[3]], path,
				  names[i][have[i]], at);
	}
	return CA_OK;
}

/* S3's bucket naming rules, the common part: 3..63 of [a-z0-9.-], alphanumeric ends. */
static int check_bucket(const struct ca_yaml_doc *doc, const char *bucket, struct ca_err *err)
{
	const struct ca_yaml_node *node = ca_yaml_lookup(doc->root, "storage.bucket");
	size_t i, n = strlen(bucket);
	bool ok = n >= 3 && n <= 63;

	for (i = 0; ok && i < n; i++)
		ok = (bucket[i] >= 'a' && bucket[i] <= 'z') || (bucket[i] >= '0' && bucket[i] <= '9') ||
		     ((bucket[i] == '-' || bucket[i] == '.') && i > 0 && i + 1 < n);
	if (ok)
		return CA_OK;
	return ca_err_set(err, CA_CONFIG_VALUE,
			  "%s:%d: 'storage.bucket' '%s' is not a valid S3 bucket name (3 to 63 "
			  "lowercase letters, digits, '-' or '.', starting and ending with a "
			  "letter or digit)", doc->name, node ? node->line : 1, bucket);
}

/* Every server.trusted_proxies entry must be an IPv4 or IPv6 address. */
static int check_proxies(const struct ca_yaml_doc *doc, const struct ca_strlist *list,
			 struct ca_err *err)
{
	const struct ca_yaml_node *node = ca_yaml_lookup(doc->root, "server.trusted_proxies");
	unsigned char bin[16];
	size_t i;

	for (i = 0; i < list->n; i++) {
		const char *s = list->items[i];

		if (inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1)
			continue;
		return ca_err_set(err, CA_CONFIG_VALUE,
				  "%s:%d: 'server.trusted_proxies' entry '%.64s' is not an IP "
				  "address (list each proxy's address, like 10.0.0.5 or fd00::5)",
				  doc->name, node ? node->line : 1, s);
	}
	return CA_OK;
}

static char *printf_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printf_dup(const char *fmt, ...)
{
	struct ca_buf b = CA_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ca_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return ca_buf_detach(&b, NULL);
}

static bool is_wildcard_or_loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "0.0.0.0") || !strcmp(host, "::") ||
	       !strcmp(host, "::1") || !strcmp(host, "localhost");
}

/* Fills the values that follow from others. CA_OK or CA_ENOMEM. */
static int derive(struct serve_config *cfg, struct ca_err *err)
{
	const struct ca_hostport *l = &cfg->server.listen;

	if (!cfg->server.base_url) {
		if (is_wildcard_or_loopback(l->host))
			cfg->server.base_url = printf_dup("http://localhost:%d", l->port);
		else if (strchr(l->host, ':'))
			cfg->server.base_url = printf_dup("http://[%s]:%d", l->host, l->port);
		else
			cfg->server.base_url = printf_dup("http://%s:%d", l->host, l->port);
		if (!cfg->server.base_url)
			goto oom;
	}
	if (cfg->auth.kind != SERVE_AUTH_COGNITO)
		return CA_OK;
	if (!cfg->auth.issuer && cfg->aws.region) {
		cfg->auth.issuer = printf_dup("https://cognito-idp.%s.amazonaws.com/%s",
					      cfg->aws.region, cfg->auth.user_pool_id);
		if (!cfg->auth.issuer)
			goto oom;
	}
	if (!cfg->auth.jwks_url && (cfg->aws.emulator == SERVE_EMULATOR_MOTO ||
				    cfg->auth.issuer)) {
		if (cfg->aws.emulator == SERVE_EMULATOR_MOTO)
			cfg->auth.jwks_url = printf_dup("%s/%s/.well-known/jwks.json",
							cfg->aws.endpoint, cfg->auth.user_pool_id);
		else
			cfg->auth.jwks_url = printf_dup("%s/.well-known/jwks.json",
							cfg->auth.issuer);
		if (!cfg->auth.jwks_url)
			goto oom;
	}
	if (!cfg->auth.hosted_ui_url && (strchr(cfg->auth.domain, '.') || cfg->aws.region)) {
		if (strchr(cfg->auth.domain, '.'))
			cfg->auth.hosted_ui_url = printf_dup("https://%s", cfg->auth.domain);
		else
			cfg->auth.hosted_ui_url = printf_dup("https://%s.auth.%s.amazoncognito.com",
							     cfg->auth.domain, cfg->aws.region);
		if (!cfg->auth.hosted_ui_url)
			goto oom;
	}
	return CA_OK;
oom:
	return ca_err_set(err, CA_ENOMEM, "out of memory reading the serve config");
}

int serve_config_from_doc(const struct ca_yaml_doc *doc, struct serve_config *cfg,
			  struct ca_err *err)
{
	const struct ca_yaml_node *stage;
	char *stage_text = NULL;
	bool stage_given = false;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = ca_cfg_fill(doc, NULL, NULL, serve_config_keys, cfg, 0, err);
	if (rc)
		goto fail;
	/* as for every key, a stage that is empty after ${VAR} expansion is not given */
	stage = ca_yaml_get(doc->root, "stage");
	if (stage && stage->kind == CA_YAML_SCALAR && !stage->is_null) {
		if ((rc = ca_yaml_expand(doc, stage, &stage_text, err)))
			goto fail;
		stage_given = stage_text[0] != '\0';
		free(stage_text);
	}
	if (!stage_given)
		cfg->stage = SERVE_STAGE_CUSTOM;
	if ((rc = check_stage(doc, cfg, err)))
		goto fail;
	if (cfg->storage.kind == SERVE_STORAGE_S3 &&
	    (rc = check_bucket(doc, cfg->storage.bucket, err)))
		goto fail;
	if (cfg->aws.emulator == SERVE_EMULATOR_MOTO && !cfg->aws.endpoint) {
		const struct ca_yaml_node *n = ca_yaml_lookup(doc->root, "aws.emulator");

		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'aws.emulator' is moto but 'aws.endpoint' is not set; give "
				"the emulator's address (like http://127.0.0.1:5000), or remove "
				"'aws.emulator' for real AWS", doc->name, n ? n->line : 1);
		goto fail;
	}
	if ((rc = check_proxies(doc, &cfg->server.trusted_proxies, err)))
		goto fail;
	if ((rc = derive(cfg, err)))
		goto fail;
	cfg->path = ca_strdup(doc->name);
	if (!cfg->path) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory reading the serve config");
		goto fail;
	}
	return CA_OK;
fail:
	serve_config_release(cfg);
	return rc;
}

int serve_config_load(const char *path, struct serve_config *cfg, struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = ca_yaml_load_file(&doc, path, err);
	if (rc == CA_OK)
		rc = serve_config_from_doc(&doc, cfg, err);
	ca_yaml_doc_release(&doc);
	return rc;
}

void serve_config_release(struct serve_config *cfg)
{
	if (!cfg)
		return;
	ca_cfg_release(serve_config_keys, cfg);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
