#include "http/server.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/accesslog.h"
#include "http/body.h"
#include "http/conn_watch.h"
#include "http/cookie.h"
#include "http/urlcode.h"
#include "http/workpool.h"
#include "util/strutil.h"
#include "util/banned.h"

struct ca_http_server {
	struct MHD_Daemon *daemon;
	struct ca_conn_watch *watch;
	struct ca_workpool *pool;          /* deferred (heavy) handlers */
	struct ca_workpool *handlers;      /* every handler, in arrival order; NULL: on MHD's threads */
	struct ca_http_server_opts opts;   /* strings below are owned copies */
	char *csp;
	char *spool_dir;
	uint16_t port;
	pthread_mutex_t lock;
	pthread_cond_t idle;               /* signalled when in_flight drops to 0 */
	unsigned in_flight;
	bool draining;
	bool quiesced;
	MHD_socket quiesced_listener; /* closed after MHD_stop_daemon, as MHD asks */
};

enum job_state { JOB_NONE, JOB_QUEUED, JOB_DONE };

/* Per-request state, from the first call of the access handler to completion. */
struct request_state {
	struct ca_http_server *srv;
	struct MHD_Connection *conn;
	struct ca_conn_track *track;       /* the connection's deadlines; may be NULL */
	struct timespec wall_start, mono_start;
	struct ca_http_body body;
	size_t body_max;
	bool over_cap;                     /* a chunked body passed body_max: dropping the rest */
	uint64_t discarded;
	bool built;                        /* req holds the line, query, headers, cookies */
	struct ca_http_request req;
	struct ca_buf path;                /* req.path's storage */
	struct ca_http_response resp;      /* a deferred handler's answer */
	enum job_state job;                /* guarded by srv->lock */
	bool answered;                     /* a response has been queued */
	int status;
	uint64_t bytes;
	char request_id[CA_HTTP_REQUEST_ID_MAX + 1];
	char remote[CA_HTTP_REMOTE_MAX];
	char *log_method, *log_path;
};

static double ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* --- listen address ------------------------------------------------------ */

int ca_http_parse_listen(const char *listen, char *host, size_t host_cap, uint16_t *port,
			 struct ca_err *err)
{
	const char *colon, *h = listen;
	size_t hlen;
	long p;

	if (!listen || !*listen)
		return ca_err_set(err, CA_EINVAL, "The listen address is empty; write host:port.");
	if (listen[0] == '[') {
		const char *close_br = strchr(listen, ']');

		if (!close_br || close_br[1] != ':')
			return ca_err_set(err, CA_EINVAL,
					  "Listen address '%s': write an IPv6 address as [addr]:port.",
					  listen);
		h = listen + 1;
		hlen = (size_t)(close_br - h);
		colon = close_br + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return ca_err_set(err, CA_EINVAL,
					  "Listen address '%s' has no port; write host:port.", listen);
		hlen = (size_t)(colon - listen);
		if (memchr(listen, ':', hlen))
			return ca_err_set(err, CA_EINVAL,
					  "Listen address '%s': write an IPv6 address as [addr]:port.",
					  listen);
	}
	if (!ca_parse_long(colon + 1, 0, 65535, &p))
		return ca_err_set(err, CA_EINVAL,
				  "Listen address '%s' has a bad port; use 0-65535.", listen);
	if (hlen == 1 && h[0] == '*')
		hlen = 0;
	if (hlen >= host_cap)
		return ca_err_set(err, CA_EINVAL, "Listen address '%s' has too long a host.", listen);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return CA_OK;
}

static int resolve_listen(const char *listen, struct sockaddr_storage *ss, bool *is_v6,
			  struct ca_err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port_text[8];
	uint16_t port = 0;
	int rc, gai;

	if ((rc = ca_http_parse_listen(listen, host, sizeof(host), &port, err)) != CA_OK)
		return rc;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
	gai = getaddrinfo(*host ? host : "0.0.0.0", port_text, &hints, &res);
	if (gai != 0 || !res)
		return ca_err_set(err, CA_EINVAL, "Listen address '%s': cannot resolve '%s' (%s).",
				  listen, host, gai_strerror(gai));
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*is_v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return CA_OK;
}

/* --- building the request -------------------------------------------------- */

static size_t keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	/* Decoding is ours (per segment, refusing %00), so MHD hands over the raw text. */
	return strlen(s);
}

struct collect {
	struct ca_http_kv *kv;
	bool decode;
	int rc;
};

static enum MHD_Result collect_value(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct collect *c = cls;
	struct ca_buf k = CA_BUF_INIT, v = CA_BUF_INIT;

	if (!key)
		return MHD_YES;
	if (!c->decode) {
		c->rc = ca_http_kv_adds(c->kv, key, value ? value : "");
		return c->rc == CA_OK ? MHD_YES : MHD_NO;
	}
	/* MHD has already turned '+' into ' ' in query arguments. */
	c->rc = ca_http_percent_decode(key, strlen(key), false, &k);
	if (c->rc == CA_OK && value)
		c->rc = ca_http_percent_decode(value, strlen(value), false, &v);
	if (c->rc == CA_OK)
		c->rc = ca_http_kv_add(c->kv, k.data, k.len, v.data, v.len);
	ca_buf_release(&k);
	ca_buf_release(&v);
	return c->rc == CA_OK ? MHD_YES : MHD_NO;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;
	socklen_t len;

	snprintf(out, cap, "unknown");
	if (!sa)
		return;
	len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (getnameinfo(sa, len, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, cap, "unknown");
}

/* The last hop of X-Forwarded-For, when it is a plausible address. */
static void forwarded_address(const char *xff, char *out, size_t cap)
{
	const char *last;
	size_t n, i;

	if (!xff)
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	n = strcspn(last, " \t");
	if (n == 0 || n >= cap)
		return;
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF.:", last[i]))
			return;
	memcpy(out, last, n);
	out[n] = '\0';
}

/* --- answering ------------------------------------------------------------- */

static void add_default_headers(struct ca_http_server *srv, struct ca_http_response *resp,
				const char *request_id)
{
	struct {
		const char *name, *value;
	} defaults[] = {
		{ "Content-Security-Policy", srv->csp },
		{ "X-Content-Type-Options", "nosniff" },
		{ "X-Frame-Options", "DENY" },
		{ "Referrer-Policy", "strict-origin-when-cross-origin" },
		{ "Cache-Control", "no-store" },
	};
	size_t i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!ca_http_kv_get_nocase(&resp->headers, defaults[i].name))
			ca_http_add_header(resp, defaults[i].name, defaults[i].value);
	if (srv->opts.hsts && !ca_http_kv_get_nocase(&resp->headers, "Strict-Transport-Security"))
		ca_http_add_header(resp, "Strict-Transport-Security", "max-age=31536000");
	ca_http_set_header(resp, "X-Request-Id", request_id);
}

/* Hands resp to MHD. Returns MHD_YES when queued. */
static enum MHD_Result send_response(struct MHD_Connection *conn, struct request_state *st,
				     struct ca_http_response *resp)
{
	struct MHD_Response *mr = NULL;
	enum MHD_Result queued = MHD_NO;
	bool draining;
	size_t i;

	if (resp->status < 100 || resp->status > 599)
		ca_http_respond_error(resp, 500,
				      "The server could not complete the request; try again later.");
	add_default_headers(st->srv, resp, st->request_id);
	pthread_mutex_lock(&st->srv->lock);
	draining = st->srv->draining;
	pthread_mutex_unlock(&st->srv->lock);
	if (draining)
		ca_http_set_header(resp, "Connection", "close");

	if (resp->file_fd >= 0) {
		mr = MHD_create_response_from_fd64(resp->file_size, resp->file_fd);
		if (mr)
			resp->file_fd = -1; /* MHD owns it now */
		st->bytes = resp->file_size;
	} else {
		size_t len = resp->body.len;
		char *data = len ? ca_buf_detach(&resp->body, NULL) : NULL;

		if (len && !data)
			return MHD_NO;
		mr = len ? MHD_create_response_from_buffer_with_free_callback(len, data, free)
			 : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!mr)
			free(data);
		st->bytes = len;
	}
	if (!mr)
		return MHD_NO;
	for (i = 0; i < resp->headers.n; i++)
		MHD_add_response_header(mr, resp->headers.items[i].name,
					resp->headers.items[i].value);
	queued = MHD_queue_response(conn, (unsigned)resp->status, mr);
	MHD_destroy_response(mr);
	if (queued == MHD_YES) {
		st->answered = true;
		st->status = resp->status;
	}
	return queued;
}

/* An answer the server gives itself (400, 413, 500, ...) without running a handler. */
static enum MHD_Result send_error(struct MHD_Connection *conn, struct request_state *st,
				  int status, const char *message)
{
	struct ca_http_response resp;
	enum MHD_Result r;

	ca_http_response_init(&resp);
	ca_http_respond_error(&resp, status, "%s", message);
	r = send_response(conn, st, &resp);
	ca_http_response_release(&resp);
	return r;
}

/*
 * Fills st->req from the request line and headers (not the body). Returns 0
 * when done, else the status to answer (400 for a malformed escape, 500).
 */
static int build_request(struct MHD_Connection *conn, struct request_state *st, const char *url,
			 const char *method)
{
	struct ca_http_request *req = &st->req;
	struct collect c;
	size_t i;
	int rc;

	req->method = method;
	req->raw_path = url;
	req->app = st->srv->opts.app;
	req->body = "";
	memcpy(req->remote, st->remote, sizeof(req->remote));
	memcpy(req->request_id, st->request_id, sizeof(req->request_id));
	st->built = true;
	rc = ca_http_percent_decode(url, strlen(url), false, &st->path);
	if (rc == CA_EPARSE || url[0] != '/')
		return 400;
	if (rc != CA_OK)
		return 500;
	req->path = st->path.data;

	c = (struct collect){ &req->query, true, CA_OK };
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_value, &c);
	if (c.rc == CA_EPARSE)
		return 400;
	if (c.rc != CA_OK)
		return 500;
	c = (struct collect){ &req->headers, false, CA_OK };
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_value, &c);
	if (c.rc != CA_OK)
		return 500;
	for (i = 0; i < req->headers.n; i++)
		if (strcasecmp(req->headers.items[i].name, "Cookie") == 0 &&
		    ca_http_cookie_parse(req->headers.items[i].value, &req->cookies) != CA_OK)
			return 500;
	return 0;
}

static void release_request(struct request_state *st)
{
	ca_http_kv_release(&st->req.query);
	ca_http_kv_release(&st->req.headers);
	ca_http_kv_release(&st->req.cookies);
	ca_http_kv_release(&st->req.params);
	ca_buf_release(&st->path);
}

/* Runs the router on st->req into resp; a failure without an answer becomes 500. */
static void dispatch(struct request_state *st, struct ca_http_response *resp)
{
	int rc;

	ca_http_kv_release(&st->req.params);
	rc = ca_http_router_dispatch(st->srv->opts.router, &st->req, resp);
	if (rc != CA_OK && resp->status == 0 && !resp->defer)
		ca_http_respond_error(resp, 500,
				      "The server could not complete the request; try again later.");
}

/* On a worker thread: runs the deferred handler, then wakes the connection. */
static void run_deferred(void *arg)
{
	struct request_state *st = arg;
	struct ca_http_server *srv = st->srv;

	ca_http_response_release(&st->resp);
	ca_http_response_init(&st->resp);
	st->req.on_worker = true;
	dispatch(st, &st->resp);
	if (st->resp.defer) /* a handler that defers twice answers 500 */
		ca_http_respond_error(&st->resp, 500,
				      "The server could not complete the request; try again later.");
	pthread_mutex_lock(&srv->lock);
	st->job = JOB_DONE;
	pthread_mutex_unlock(&srv->lock);
	MHD_resume_connection(st->conn);
}

/* The 503 of a full image pool, into st->resp. */
static void respond_busy(struct request_state *st)
{
	char secs[16];

	ca_http_respond_error(&st->resp, 503,
			      "The server is busy with other uploads; try again in a moment.");
	snprintf(secs, sizeof(secs), "%d", CA_HTTP_BUSY_RETRY_S);
	ca_http_set_header(&st->resp, "Retry-After", secs);
}

/*
 * On a handler thread: runs the handler of a suspended connection; its answer
 * (or a deferral to the image pool) then wakes the connection. One queue
 * feeds every handler thread, so a slow request delays only itself, never the
 * connections an HTTP thread happens to hold.
 */
static void run_queued(void *arg)
{
	struct request_state *st = arg;
	struct ca_http_server *srv = st->srv;

	ca_http_response_release(&st->resp);
	ca_http_response_init(&st->resp);
	dispatch(st, &st->resp);
	if (st->resp.defer) {
		ca_http_response_release(&st->resp);
		ca_http_response_init(&st->resp);
		if (ca_workpool_submit(srv->pool, run_deferred, st))
			return; /* run_deferred resumes the connection */
		respond_busy(st);
	}
	pthread_mutex_lock(&srv->lock);
	st->job = JOB_DONE;
	pthread_mutex_unlock(&srv->lock);
	MHD_resume_connection(st->conn);
}

static enum MHD_Result run_handler(struct MHD_Connection *conn, struct request_state *st)
{
	struct ca_http_server *srv = st->srv;
	struct ca_http_response resp;
	struct ca_err err;
	enum MHD_Result r;

	ca_err_clear(&err);
	if (ca_http_body_finish(&st->body, &st->req.body, &st->req.body_len, &err) != CA_OK)
		return send_error(conn, st, 500,
				  "The server could not complete the request; try again later.");
	ca_conn_watch_answering(srv->watch, st->track);
	if (srv->handlers) {
		/* suspended before the job is taken, so that its resume cannot come first */
		MHD_suspend_connection(conn);
		pthread_mutex_lock(&srv->lock);
		st->job = JOB_QUEUED;
		pthread_mutex_unlock(&srv->lock);
		if (ca_workpool_submit(srv->handlers, run_queued, st))
			return MHD_YES;
		/* cannot happen: the queue has a place for every connection */
		ca_http_respond_error(&st->resp, 503,
				      "The server is too busy to answer; try again in a moment.");
		pthread_mutex_lock(&srv->lock);
		st->job = JOB_DONE;
		pthread_mutex_unlock(&srv->lock);
		MHD_resume_connection(conn);
		return MHD_YES;
	}
	ca_http_response_init(&resp);
	dispatch(st, &resp);
	if (resp.defer) {
		ca_http_response_release(&resp);
		/* suspended before the job is taken, so that its resume cannot come first */
		MHD_suspend_connection(conn);
		pthread_mutex_lock(&srv->lock);
		st->job = JOB_QUEUED;
		pthread_mutex_unlock(&srv->lock);
		if (ca_workpool_submit(srv->pool, run_deferred, st))
			return MHD_YES;
		respond_busy(st);
		pthread_mutex_lock(&srv->lock);
		st->job = JOB_DONE;
		pthread_mutex_unlock(&srv->lock);
		MHD_resume_connection(conn);
		return MHD_YES;
	}
	r = send_response(conn, st, &resp);
	ca_http_response_release(&resp);
	return r;
}

static struct request_state *begin_request(struct ca_http_server *srv,
					   struct MHD_Connection *conn, const char *url,
					   const char *method)
{
	struct request_state *st = calloc(1, sizeof(*st));
	const union MHD_ConnectionInfo *info;
	size_t path_len = strcspn(url, "?");

	if (!st)
		return NULL;
	st->srv = srv;
	st->conn = conn;
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	st->track = info ? info->socket_context : NULL;
	clock_gettime(CLOCK_REALTIME, &st->wall_start);
	clock_gettime(CLOCK_MONOTONIC, &st->mono_start);
	st->body_max = srv->opts.body_max;
	ca_http_body_init(&st->body, srv->opts.body_max, srv->opts.body_memory_max,
			  srv->spool_dir);
	ca_http_response_init(&st->resp);
	st->log_method = strdup(method);
	st->log_path = strndup(url, path_len);
	client_address(conn, st->remote, sizeof(st->remote));
	if (srv->opts.trust_forwarded_for)
		forwarded_address(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							      "X-Forwarded-For"),
				  st->remote, sizeof(st->remote));
	ca_http_request_id_choose(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id"),
				  MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							      "X-Amzn-Trace-Id"),
				  st->request_id);
	pthread_mutex_lock(&srv->lock);
	srv->in_flight++;
	pthread_mutex_unlock(&srv->lock);
	return st;
}

/* true for a Transfer-Encoding this server reads: exactly "chunked" (any case, blanks around). */
static bool plain_chunked(const char *te)
{
	size_t n;

	while (*te == ' ' || *te == '\t')
		te++;
	n = strlen(te);
	while (n && (te[n - 1] == ' ' || te[n - 1] == '\t'))
		n--;
	return n == 7 && strncasecmp(te, "chunked", 7) == 0;
}

/*
 * The first call: only the request line and headers are in. Answers now what
 * can be answered without the body (bad framing, the admit callback's answer,
 * a body over the cap), else lets the body come (MHD sends "100 Continue"
 * when asked for it).
 */
static enum MHD_Result on_headers(struct ca_http_server *srv, struct MHD_Connection *conn,
				  struct request_state *st, const char *url, const char *method)
{
	const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
	uint64_t announced = 0;
	bool has_body;
	int status;

	if (te && !plain_chunked(te))
		return send_error(conn, st, 501,
				  "This server reads request bodies sent plainly or chunked, with "
				  "no other Transfer-Encoding.");
	if (!te && length && !ca_parse_u64(length, &announced))
		return send_error(conn, st, 400, "The Content-Length header is malformed.");
	has_body = te || announced > 0;
	ca_conn_watch_headers_done(srv->watch, st->track, has_body);
	status = build_request(conn, st, url, method);
	if (status == 400)
		return send_error(conn, st, 400, "The address holds a malformed %-escape.");
	if (status)
		return send_error(conn, st, 500,
				  "The server could not complete the request; try again later.");
	if (has_body && srv->opts.admit) {
		struct ca_http_response resp;
		enum MHD_Result r = MHD_YES;
		size_t cap = st->body_max;
		int rc;

		ca_http_response_init(&resp);
		rc = srv->opts.admit(&st->req, &resp, &cap);
		if (rc != CA_OK && resp.status == 0)
			ca_http_respond_error(&resp, 500,
					      "The server could not complete the request; try again later.");
		if (resp.status != 0)
			r = send_response(conn, st, &resp);
		ca_http_response_release(&resp);
		if (st->answered || r != MHD_YES)
			return r;
		if (cap < st->body_max)
			st->body_max = st->body.max = cap;
	}
	if (announced > st->body_max)
		return send_error(conn, st, 413,
				  "The request body is larger than this server accepts.");
	return MHD_YES;
}

static enum MHD_Result on_body(struct ca_http_server *srv, struct MHD_Connection *conn,
			       struct request_state *st, const char *data, size_t *size)
{
	struct ca_err err;
	size_t n = *size;
	int rc;

	*size = 0;
	ca_conn_watch_body(srv->watch, st->track, n);
	if (st->over_cap) {
		st->discarded += n;
		return st->discarded > CA_HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	ca_err_clear(&err);
	rc = ca_http_body_append(&st->body, data, n, &err);
	if (rc == CA_HTTP_TOO_LARGE) {
		/* MHD takes no answer in the middle of a body: drop the rest, then answer 413 */
		st->over_cap = true;
		st->discarded = n;
		ca_http_body_release(&st->body);
		return MHD_YES;
	}
	if (rc != CA_OK)
		return send_error(conn, st, 500,
				  "The server could not complete the request; try again later.");
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ca_http_server *srv = cls;
	struct request_state *st = *con_cls;
	enum job_state job;

	(void)version;
	if (!st) {
		st = begin_request(srv, conn, url, method);
		if (!st)
			return MHD_NO;
		*con_cls = st;
		return on_headers(srv, conn, st, url, method);
	}
	if (st->answered) {          /* answered early: drop whatever still arrives */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size)
		return on_body(srv, conn, st, upload_data, upload_data_size);
	if (st->over_cap)
		return send_error(conn, st, 413,
				  "The request body is larger than this server accepts.");
	pthread_mutex_lock(&srv->lock);
	job = st->job;
	pthread_mutex_unlock(&srv->lock);
	if (job == JOB_DONE)
		return send_response(conn, st, &st->resp);
	if (job == JOB_QUEUED)
		return MHD_YES; /* woken before the worker finished: wait for its resume */
	return run_handler(conn, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct ca_http_server *srv = cls;
	struct request_state *st = *con_cls;
	struct ca_http_access_entry entry;

	(void)conn;
	if (!st)
		return;
	*con_cls = NULL;
	ca_conn_watch_idle(srv->watch, st->track);
	entry.time = st->wall_start;
	entry.method = st->log_method ? st->log_method : "";
	entry.path = st->log_path ? st->log_path : "";
	entry.status = st->status;
	entry.bytes = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? st->bytes : 0;
	entry.duration_ms = ms_since(&st->mono_start);
	entry.request_id = st->request_id;
	entry.remote = st->remote;
	ca_http_access_write(srv->opts.access_log, &entry);

	release_request(st);
	ca_http_response_release(&st->resp);
	ca_http_body_release(&st->body);
	free(st->log_method);
	free(st->log_path);
	free(st);

	pthread_mutex_lock(&srv->lock);
	if (srv->in_flight && --srv->in_flight == 0)
		pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
}

/* MHD tells of each connection opened and closed: the deadlines follow them. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct ca_http_server *srv = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		*socket_context = info ? ca_conn_watch_add(srv->watch, info->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		/* called before MHD closes the socket */
		ca_conn_watch_remove(srv->watch, *socket_context);
		*socket_context = NULL;
	}
}

/* --- lifecycle -------------------------------------------------------------- */

static void server_release(struct ca_http_server *srv)
{
	ca_workpool_free(srv->handlers);
	ca_workpool_free(srv->pool);
	ca_conn_watch_free(srv->watch);
	pthread_cond_destroy(&srv->idle);
	pthread_mutex_destroy(&srv->lock);
	free(srv->csp);
	free(srv->spool_dir);
	free(srv);
}

int ca_http_server_start(struct ca_http_server **out, const struct ca_http_server_opts *opts,
			 struct ca_err *err)
{
	struct ca_http_server *srv = NULL;
	struct sockaddr_storage addr;
	pthread_condattr_t cattr;
	const union MHD_DaemonInfo *info;
	const char *tmp = getenv("TMPDIR");
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME;
	struct ca_conn_watch_opts wopts;
	bool is_v6 = false;
	int rc;

	*out = NULL;
	if (!opts || !opts->router)
		return ca_err_set(err, CA_EINVAL, "The HTTP server needs a router.");
	if ((rc = resolve_listen(opts->listen, &addr, &is_v6, err)) != CA_OK)
		return rc;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return ca_err_set(err, CA_ENOMEM, "Out of memory starting the HTTP server.");
	srv->opts = *opts;
	if (!srv->opts.threads)
		srv->opts.threads = 4;
	if (!srv->opts.connection_limit)
		srv->opts.connection_limit = 512;
	if (!srv->opts.per_address_limit)
		srv->opts.per_address_limit = 64;
	if (!srv->opts.idle_timeout_s)
		srv->opts.idle_timeout_s = 30;
	if (!srv->opts.header_timeout_ms)
		srv->opts.header_timeout_ms = 20000;
	if (!srv->opts.body_min_rate)
		srv->opts.body_min_rate = 1024;
	if (!srv->opts.body_grace_ms)
		srv->opts.body_grace_ms = 10000;
	if (!srv->opts.workers)
		srv->opts.workers = 2;
	if (!srv->opts.work_queue)
		srv->opts.work_queue = 4;
	if (!srv->opts.body_max)
		srv->opts.body_max = 1 << 20;
	if (!srv->opts.body_memory_max)
		srv->opts.body_memory_max = 256 << 10;
	srv->csp = strdup(opts->content_security_policy ? opts->content_security_policy
							: CA_HTTP_DEFAULT_CSP);
	srv->spool_dir = strdup(opts->spool_dir ? opts->spool_dir : tmp && *tmp ? tmp : "/tmp");
	srv->opts.listen = NULL; /* not kept */
	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->idle, &cattr);
	pthread_condattr_destroy(&cattr);
	if (!srv->csp || !srv->spool_dir) {
		server_release(srv);
		return ca_err_set(err, CA_ENOMEM, "Out of memory starting the HTTP server.");
	}
	if (strpbrk(srv->csp, "\r\n")) {
		server_release(srv);
		return ca_err_set(err, CA_EINVAL,
				  "The Content-Security-Policy must be a single line.");
	}
	wopts = (struct ca_conn_watch_opts){ srv->opts.header_timeout_ms, srv->opts.body_min_rate,
					     srv->opts.body_grace_ms };
	rc = ca_conn_watch_start(&srv->watch, &wopts, err);
	if (rc == CA_OK)
		rc = ca_workpool_new(&srv->pool, srv->opts.workers, srv->opts.work_queue, err);
	/* a place in the queue for every connection: each has one request at a time */
	if (rc == CA_OK && srv->opts.handler_threads)
		rc = ca_workpool_new(&srv->handlers, srv->opts.handler_threads,
				     srv->opts.connection_limit, err);
	if (rc != CA_OK) {
		server_release(srv);
		return rc;
	}
	if (is_v6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(srv->opts.threads > 1 ? srv->opts.threads : 0),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)srv->opts.connection_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)srv->opts.per_address_limit,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)srv->opts.idle_timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL,
		MHD_OPTION_END);
	if (!srv->daemon) {
		int e = errno;

		server_release(srv);
		return ca_err_set(err, CA_HTTP_SERVER,
				  "Cannot listen on %s (%s); pick a free port or address in server.listen.",
				  opts->listen, e ? strerror(e) : "libmicrohttpd refused the settings");
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	*out = srv;
	return CA_OK;
}

uint16_t ca_http_server_port(const struct ca_http_server *srv)
{
	return srv->port;
}

unsigned ca_http_server_in_flight(struct ca_http_server *srv)
{
	unsigned n;

	pthread_mutex_lock(&srv->lock);
	n = srv->in_flight;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

int ca_http_server_shutdown(struct ca_http_server *srv, unsigned grace_ms, struct ca_err *err)
{
	struct timespec deadline;
	MHD_socket listener;
	int rc = CA_OK;

	pthread_mutex_lock(&srv->lock);
	srv->draining = true;
	pthread_mutex_unlock(&srv->lock);
	if (!srv->quiesced) {
		/* No new connections from here on: shutdown() stops the socket listening
		 * (a new client is refused at once). With MHD's own threads the socket may
		 * still be in their epoll set for a moment, and closing it now makes MHD
		 * abort ("Failed to remove listen FD from epoll set"), so it is closed only
		 * after MHD_stop_daemon, in ca_http_server_free, as MHD's manual asks. */
		listener = MHD_quiesce_daemon(srv->daemon);
		if (listener != MHD_INVALID_SOCKET)
			shutdown(listener, SHUT_RDWR);
		srv->quiesced_listener = listener;
		srv->quiesced = true;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += grace_ms / 1000;
	deadline.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&srv->lock);
	while (srv->in_flight > 0) {
		if (pthread_cond_timedwait(&srv->idle, &srv->lock, &deadline) == ETIMEDOUT) {
			if (srv->in_flight > 0)
				rc = ca_err_set(err, CA_ETIMEOUT,
						"%u request(s) were still running after %u ms.",
						srv->in_flight, grace_ms);
			break;
		}
	}
	pthread_mutex_unlock(&srv->lock);
	return rc;
}

unsigned ca_http_server_work_pending(struct ca_http_server *srv)
{
	return ca_workpool_pending(srv->pool);
}

void ca_http_server_free(struct ca_http_server *srv)
{
	if (!srv)
		return;
	/* queued and deferred requests first: their resumes must reach a running daemon
	 * (the handlers first: one of them may still hand work to the image pool) */
	ca_workpool_free(srv->handlers);
	srv->handlers = NULL;
	ca_workpool_free(srv->pool);
	srv->pool = NULL;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	if (srv->quiesced && srv->quiesced_listener != MHD_INVALID_SOCKET)
		close(srv->quiesced_listener);
	server_release(srv);
}
