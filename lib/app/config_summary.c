/*
 * config_summary.c — what `cloudalbum-serve --check-config` prints: the
 * backends a serve config chooses, without any secret.
 */
#include "app/app.h"

#include <string.h>

#include "util/banned.h"

/* The URL with any password between "//user:" and "@" shown as "***". */
static void add_url_without_password(struct ca_buf *out, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth = scheme ? scheme + 3 : url;
	const char *at = strchr(auth, '@');
	const char *colon = strchr(auth, ':');

	if (at && colon && colon < at) {
		ca_buf_add(out, url, (size_t)(colon - url) + 1);
		ca_buf_adds(out, "***");
		ca_buf_adds(out, at);
	} else {
		ca_buf_adds(out, url);
	}
}

int ca_app_config_summary(const struct serve_config *cfg, struct ca_buf *out)
{
	ca_buf_addf(out, "config:    %s\n", cfg->path ? cfg->path : "(none)");
	if (cfg->stage >= 0)
		ca_buf_addf(out, "stage:     %ld\n", cfg->stage);
	else
		ca_buf_adds(out, "stage:     custom\n");
	ca_buf_addf(out, "listen:    %s:%u\n", cfg->server.listen.host,
		    (unsigned)cfg->server.listen.port);
	ca_buf_addf(out, "base_url:  %s\n", cfg->server.base_url ? cfg->server.base_url : "-");
	ca_buf_addf(out, "uploads:   at most %ld MiB, %ld pixels; thumbnails %ldx%ld\n",
		    cfg->server.max_upload_mb, cfg->server.max_pixels, cfg->server.thumb_width,
		    cfg->server.thumb_height);
	ca_buf_addf(out, "images:    decoded by %ld thread(s), %ld more may wait (then 503); "
		    "progressive JPEGs up to %ld pixels x scans\n", cfg->server.image_workers,
		    cfg->server.image_queue, cfg->server.max_scan_pixels);
	ca_buf_addf(out, "clients:   %ld connections, %ld per address; headers within %ld s, "
		    "bodies at least %ld bytes/s\n", cfg->server.max_connections,
		    cfg->server.connections_per_address, cfg->server.header_timeout,
		    cfg->server.body_min_rate);
	ca_buf_addf(out, "sessions:  signed cookies lasting %ld s (secret set, %zu characters)\n",
		    cfg->server.session_ttl,
		    cfg->server.session_secret ? strlen(cfg->server.session_secret) : (size_t)0);
	ca_buf_addf(out, "clients:   %zu trusted prox%s; sign-ups %s; /healthz details %s\n",
		    cfg->server.trusted_proxies.n, cfg->server.trusted_proxies.n == 1 ? "y" : "ies",
		    cfg->server.signup_limit > 0 ? "limited per address" : "not limited",
		    cfg->server.healthz_token ? "with the token" : "to nobody");
	ca_buf_addf(out, "database:  %s", serve_db_kinds[cfg->database.kind]);
	if (cfg->database.kind == SERVE_DB_MYSQL && cfg->database.url) {
		ca_buf_adds(out, " ");
		add_url_without_password(out, cfg->database.url);
	} else if (cfg->database.kind == SERVE_DB_DYNAMODB) {
		ca_buf_addf(out, " tables %s, %s", cfg->database.user_table,
			    cfg->database.photo_table);
	}
	ca_buf_addf(out, "\nstorage:   %s %s\n", serve_storage_kinds[cfg->storage.kind],
		    cfg->storage.kind == SERVE_STORAGE_DISK ? cfg->storage.path : cfg->storage.bucket);
	ca_buf_addf(out, "auth:      %s\n", serve_auth_kinds[cfg->auth.kind]);
	ca_buf_addf(out, "tracing:   %s\n", serve_tracing_kinds[cfg->tracing.kind]);
	ca_buf_addf(out, "web:       %s\n", cfg->server.static_dir && *cfg->server.static_dir
						  ? cfg->server.static_dir : "(none)");
	ca_buf_addf(out, "geodata:   %s\n", cfg->server.geodata && *cfg->server.geodata
						  ? cfg->server.geodata : "(found automatically)");
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}
