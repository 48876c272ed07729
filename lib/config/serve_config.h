/*
 * serve_config.h — the configuration of cloudalbum-serve (docs/CONTRACTS.md, "The
 * serve config"): one YAML file per lab stage choosing the backends.
 *
 *   stage: N               optional; when given, the kinds must be stage N's (the
 *                          rows of config/stages.def: 0 mysql+disk+local+none,
 *                          1 dynamodb+disk+local+none, 2 +s3, 3 +cognito, 4 +xray);
 *                          leave it out for a custom mix
 *   server:   listen (host:port, 127.0.0.1:8080), base_url (http://localhost:<port>),
 *             session_secret (required, >= 32 characters), max_upload_mb (20),
 *             session_ttl (12h), threads (8: the handler threads, fed from one
 *             queue; each has a database connection), static_dir (build/web: the
 *             front end as `make build` bundles it), thumb_width (300),
 *             thumb_height (200), max_pixels (50000000), max_scan_pixels
 *             (800000000: a progressive JPEG's pixels × scans), image_workers (2)
 *             and image_queue (4) (the pool that decodes images; 503 when full),
 *             max_connections (512), connections_per_address (64),
 *             header_timeout (20s), body_min_rate (1024 bytes/s), geodata,
 *             log_format (json|text; json), tile_url (OpenStreetMap's https
 *             template; an http:// one has its origin added to the CSP's img-src,
 *             lib/app/csp.c), trusted_proxies (a list of IP addresses; empty),
 *             healthz_token (>= 16 characters; none), signup_limit (20),
 *             signin_limit (30)
 *   database: kind mysql (url) | dynamodb (user_table User, photo_table Photo)
 *   storage:  kind disk (path) | s3 (bucket, prefix photos, presign_expires 3600)
 *   auth:     kind local | cognito (user_pool_id, client_id, client_secret, domain;
 *             optional issuer, jwks_url, hosted_ui_url, derived when left out)
 *   tracing:  kind none | xray (daemon_address 127.0.0.1:2000, service_name CloudAlbum)
 *   aws:      region, endpoint (both optional; real AWS when endpoint is left out),
 *             emulator (none | moto; default none): what answers at the endpoint. Only
 *             "moto" turns on the stand-in's ways (sign-ups confirmed at once, the pool's
 *             keys under the endpoint, no hosted UI at amazoncognito.com); a custom
 *             endpoint alone (a VPC or FIPS endpoint) is treated exactly as AWS.
 *   provision: read by the stage binaries (issue 3), ignored here
 *
 * Keys that belong to another kind (storage.bucket with kind disk) are errors.
 */
#ifndef CA_CONFIG_SERVE_CONFIG_H
#define CA_CONFIG_SERVE_CONFIG_H

#include <stdbool.h>

#include "config/schema.h"
#include "config/value.h"
#include "config/yaml.h"
#include "util/error.h"

enum serve_db_kind { SERVE_DB_MYSQL, SERVE_DB_DYNAMODB };
enum serve_storage_kind { SERVE_STORAGE_DISK, SERVE_STORAGE_S3 };
enum serve_auth_kind { SERVE_AUTH_LOCAL, SERVE_AUTH_COGNITO };
enum serve_tracing_kind { SERVE_TRACING_NONE, SERVE_TRACING_XRAY };
enum serve_log_format { SERVE_LOG_TEXT, SERVE_LOG_JSON };
enum serve_emulator { SERVE_EMULATOR_NONE, SERVE_EMULATOR_MOTO };

/* The names of the kinds, indexed by the enums above (NULL-terminated). */
extern const char *const serve_db_kinds[];
extern const char *const serve_storage_kinds[];
extern const char *const serve_auth_kinds[];
extern const char *const serve_tracing_kinds[];
extern const char *const serve_log_formats[];
extern const char *const serve_emulators[];

#define SERVE_STAGE_CUSTOM (-1)

/* Every string is malloc'd and owned by the struct; NULL means "not given". */
struct serve_config {
	char *path;                     /* the file it was read from */
	long stage;                     /* a stage number, or SERVE_STAGE_CUSTOM if not given */
	struct {
		struct ca_hostport listen;
		char *base_url;         /* no trailing '/' */
		char *session_secret;   /* >= 32 characters; wiped on release */
		long max_upload_mb;
		long session_ttl;       /* seconds */
		long threads;
		char *static_dir;
		long thumb_width, thumb_height;
		long max_pixels;        /* decoded width x height cap for uploads */
		long max_scan_pixels;   /* a progressive JPEG's decode work: pixels x scans */
		long image_workers;     /* threads decoding images */
		long image_queue;       /* image jobs that may wait for them */
		long max_connections;   /* open connections at once */
		long connections_per_address; /* ... from one client address */
		long header_timeout;    /* seconds for a request's line and headers */
		long body_min_rate;     /* bytes/s a request body must average */
		char *geodata;          /* path of the offline geocoder data, or NULL */
		int log_format;         /* enum serve_log_format */
		char *tile_url;         /* map tiles, {z}/{x}/{y} template */
		struct ca_strlist trusted_proxies; /* addresses whose X-Forwarded-For is believed */
		char *healthz_token;    /* NULL: /healthz details to nobody */
		long signup_limit;      /* sign-ups per address at once (then 1 a minute); 0: off */
		long signin_limit;      /* sign-in attempts per address at once, and a minute */
	} server;
	struct {
		int kind;               /* enum serve_db_kind */
		char *url;              /* mysql: mysql://user[:password]@host[:port]/db */
		char *user_table, *photo_table;         /* dynamodb */
	} database;
	struct {
		int kind;               /* enum serve_storage_kind */
		char *path;             /* disk: the legacy UPLOAD_FOLDER */
		char *bucket, *prefix;  /* s3 */
		long presign_expires;   /* s3: seconds */
	} storage;
	struct {
		int kind;               /* enum serve_auth_kind */
		char *user_pool_id, *client_id, *client_secret, *domain;
		char *issuer;           /* default https://cognito-idp.<region>.amazonaws.com/<pool> */
		char *jwks_url;         /* default <endpoint>/<pool>/.well-known/jwks.json on the
					   moto emulator, else <issuer>/.well-known/jwks.json */
		char *hosted_ui_url;    /* default https://<domain>.auth.<region>.amazoncognito.com */
	} auth;
	struct {
		int kind;               /* enum serve_tracing_kind */
		char *daemon_address;   /* host:port, [v6]:port or "tcp:h:p udp:h:p" (checked
					   when tracing starts, by trace/xray_emitter.h) */
		char *service_name;
	} tracing;
	struct {
		char *region;           /* NULL: resolved by lib/aws from the environment */
		char *endpoint;         /* NULL: real AWS */
		int emulator;           /* enum serve_emulator; moto needs an endpoint */
	} aws;
};

/*
 * Reads the serve config at path into cfg (which needs no initialisation;
 * its old contents are not freed). ${VAR} references are expanded from the
 * process environment. Returns CA_OK, or a CA_CONFIG_* / CA_EIO / CA_ENOMEM
 * code with one sentence naming the file, the line and what was expected.
 * On error cfg is zeroed and holds nothing to free.
 * Free with serve_config_release().
 */
int serve_config_load(const char *path, struct serve_config *cfg, struct ca_err *err);

/* The same from an already parsed document (whose env lookup is used). */
int serve_config_from_doc(const struct ca_yaml_doc *doc, struct serve_config *cfg,
			  struct ca_err *err);

/* Frees everything cfg owns (the secret wiped) and zeroes it. NULL is accepted. */
void serve_config_release(struct serve_config *cfg);

/* The schema table, for tools that list or document the keys. */
extern const struct ca_cfg_key serve_config_keys[];

#endif
