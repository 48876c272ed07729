/*
 * cloudalbum-serve — the CloudAlbum web application, with the backends its
 * serve config names (lib/app). Access log lines go to stdout, as text or
 * JSON (server.log_format), other messages to stderr. SIGTERM or SIGINT stop
 * it gracefully: no new connections, requests in flight finish (up to 30 s),
 * then exit 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "config/serve_config.h"
#include "http/accesslog.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/banned.h"

#define GRACE_MS 30000
#define CA_SERVE_HTTP_THREADS 2 /* HTTP threads (reading and writing) when handlers have their own */

static const char usage[] =
	"usage: cloudalbum-serve --config FILE [--listen HOST:PORT] [--check-config]\n"
	"\n"
	"Runs the CloudAlbum web application as FILE (a serve config, see\n"
	"lab-configs/) says: its database, storage, login and tracing backends.\n"
	"\n"
	"  --config FILE     the serve config to run (required)\n"
	"  --listen ADDR     listen on ADDR instead of server.listen (port 0: any free port)\n"
	"  --check-config    load and check FILE, print what it chooses, and exit\n"
	"  --help            show this text\n"
	"\n"
	"Stop it with SIGTERM or Ctrl-C: requests in flight finish first.\n";

struct options {
	const char *config;
	const char *listen;
	int check_only;
};

/* 0 when parsed, 1 after --help, 2 on a usage error (printed). */
static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (strcmp(a, "--check-config") == 0) {
			o->check_only = 1;
		} else if (strcmp(a, "--config") == 0 && i + 1 < argc) {
			o->config = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			o->config = a + 9;
		} else if (strcmp(a, "--listen") == 0 && i + 1 < argc) {
			o->listen = argv[++i];
		} else if (strncmp(a, "--listen=", 9) == 0) {
			o->listen = a + 9;
		} else {
			fprintf(stderr, "cloudalbum-serve: unknown or incomplete option %s\n\n%s", a,
				usage);
			return 2;
		}
	}
	if (!o->config || !*o->config) {
		fprintf(stderr, "cloudalbum-serve: say which config to run with --config FILE "
				"(e.g. lab-configs/local/stage-0.yaml)\n\n%s", usage);
		return 2;
	}
	return 0;
}

/* "host:port" for the server from the config ("[v6]:port", "*:port" for any address). */
static void listen_text(const struct serve_config *cfg, char *out, size_t cap)
{
	const char *host = cfg->server.listen.host;

	if (!*host)
		snprintf(out, cap, "*:%d", cfg->server.listen.port);
	else if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%d", host, cfg->server.listen.port);
	else
		snprintf(out, cap, "%s:%d", host, cfg->server.listen.port);
}

static int run(const struct serve_config *cfg, const char *listen_override)
{
	struct ca_app *app = NULL;
	struct ca_http_server *srv = NULL;
	struct ca_http_server_opts opts;
	char listen[300];
	struct ca_err err;
	sigset_t stop;
	int sig = 0, rc;

	ca_err_clear(&err);
	/* Block the stop signals before any thread starts, so only sigwait() sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = ca_app_open(cfg, &app, &err);
	if (rc != CA_OK)
		goto out;
	if (listen_override)
		snprintf(listen, sizeof(listen), "%s", listen_override);
	else
		listen_text(cfg, listen, sizeof(listen));
	memset(&opts, 0, sizeof(opts));
	opts.listen = listen;
	opts.router = ca_app_router(app);
	opts.app = app;
	/* server.threads run the handlers, fed from one queue (each borrows one of as many
	 * database connections); a few HTTP threads only read requests and write answers */
	opts.handler_threads = (unsigned)cfg->server.threads;
	opts.threads = cfg->server.threads < CA_SERVE_HTTP_THREADS ? (unsigned)cfg->server.threads
								  : CA_SERVE_HTTP_THREADS;
	opts.connection_limit = (unsigned)cfg->server.max_connections;
	opts.per_address_limit = (unsigned)cfg->server.connections_per_address;
	opts.header_timeout_ms = (unsigned)cfg->server.header_timeout * 1000u;
	opts.body_min_rate = (unsigned)cfg->server.body_min_rate;
	opts.body_grace_ms = opts.header_timeout_ms; /* the floor applies once a body took as long */
	opts.workers = (unsigned)cfg->server.image_workers;
	opts.work_queue = (unsigned)cfg->server.image_queue;
	opts.admit = ca_app_admit;
	opts.body_max = ca_app_upload_max(app) + 64 * 1024;
	opts.access_log = stdout;
	opts.content_security_policy = ca_app_content_security_policy(app);
	/* browsers reach the app over https (perhaps through a proxy): tell them to stay there */
	opts.hsts = cfg->server.base_url && strncmp(cfg->server.base_url, "https://", 8) == 0;
	ca_http_access_set_format(cfg->server.log_format == SERVE_LOG_JSON ? CA_HTTP_LOG_JSON
									 : CA_HTTP_LOG_TEXT);
	rc = ca_http_server_start(&srv, &opts, &err);
	if (rc != CA_OK)
		goto out;
	ca_app_attach_server(app, srv);
	fprintf(stderr, "cloudalbum-serve: reverse geocoding: %s\n", ca_app_geocoding(app));
	fprintf(stderr, "cloudalbum-serve: serving %s (stage %ld) on port %u\n",
		cfg->path ? cfg->path : "config", cfg->stage, (unsigned)ca_http_server_port(srv));
	fflush(stderr);

	while (sigwait(&stop, &sig) != 0)
		;
	fprintf(stderr, "cloudalbum-serve: %s: finishing %u request(s) in flight\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM", ca_http_server_in_flight(srv));
	if (ca_http_server_shutdown(srv, GRACE_MS, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-serve: %s\n", ca_err_msg(&err));
		ca_err_clear(&err);
	}
	ca_app_attach_server(app, NULL);
out:
	ca_http_server_free(srv);
	ca_app_close(app);
	if (rc != CA_OK) {
		fprintf(stderr, "cloudalbum-serve: %s\n", ca_err_msg(&err));
		return 1;
	}
	fprintf(stderr, "cloudalbum-serve: stopped\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { NULL, NULL, 0 };
	struct serve_config cfg;
	struct ca_err err;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	ca_err_clear(&err);
	if (serve_config_load(o.config, &cfg, &err) != CA_OK) {
		fprintf(stderr, "cloudalbum-serve: %s\n", ca_err_msg(&err));
		return 2;
	}
	if (o.check_only) {
		struct ca_buf summary = CA_BUF_INIT;

		rc = ca_app_config_summary(&cfg, &summary);
		if (rc == CA_OK)
			fwrite(summary.data, 1, summary.len, stdout);
		ca_buf_release(&summary);
		serve_config_release(&cfg);
		return rc == CA_OK ? 0 : 1;
	}
	rc = run(&cfg, o.listen);
	serve_config_release(&cfg);
	return rc;
}
