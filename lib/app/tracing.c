/*
 * tracing.c — X-Ray tracing of served requests (tracing.kind xray, stage 4).
 *
 * Every request is traced, whatever answers it (a route, the static files, a
 * 404 or 405): the server is handed an outer router whose only handler reads
 * the incoming
 * X-Amzn-Trace-Id (same trace id, its Parent as parent_id; Sampled=0 means no
 * segment is sent), dispatches on the app's router, answers the trace header
 * back and sends
 * one segment for the request to the daemon over UDP. The daemon address is
 * AWS_XRAY_DAEMON_ADDRESS when set (as the SDKs do), else
 * tracing.daemon_address. Requests without a sampling decision are all traced:
 * the service's sampling rules are not fetched (the stand-in has none).
 *
 * The AWS calls a sampled request makes become its subsegments: the thread's
 * call observer (aws_call_observer_set, aws/client.h) is set around the
 * dispatch and hands each finished call to an xray_subsegments list (at most
 * XRAY_SUBSEGMENTS_MAX; the datagram stays within XRAY_DATAGRAM_MAX). Calls
 * outside a request (start-up checks) and of unsampled requests record nothing.
 */
#include "app/app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace/xray_emitter.h"
#include "util/buf.h"
#include "util/banned.h"

struct app_tracing {
	struct ca_app *app;
	struct xray_emitter *emitter;
	struct ca_http_router *outer; /* no routes; its fallback traces app->router */
	const char *service_name;     /* borrowed from the config */
	const char *base_url;         /* borrowed from the config */
};

static int traced(struct ca_http_request *req, struct ca_http_response *resp, void *ctx);

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

int app_tracing_open(struct ca_app *app, struct ca_err *err)
{
	const struct serve_config *cfg = app->cfg;
	struct app_tracing *t = NULL;
	const char *env = getenv(XRAY_DAEMON_ENV);
	const char *address = env && *env ? env : cfg->tracing.daemon_address;
	int rc;

	app->tracing = NULL;
	if (cfg->tracing.kind != SERVE_TRACING_XRAY)
		return CA_OK;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	t->service_name = cfg->tracing.service_name && *cfg->tracing.service_name
				  ? cfg->tracing.service_name : "CloudAlbum";
	t->base_url = cfg->server.base_url ? cfg->server.base_url : "";
	t->app = app;
	rc = xray_emitter_open(address, &t->emitter, err);
	if (rc != CA_OK) {
		ca_err_prefix(err, env && *env ? "tracing (" XRAY_DAEMON_ENV ")"
					       : "tracing.daemon_address");
		goto fail;
	}
	rc = ca_http_router_new(&t->outer, err);
	if (rc != CA_OK)
		goto fail;
	ca_http_router_set_fallback(t->outer, traced, t);
	app->tracing = t;
	return CA_OK;
fail:
	xray_emitter_free(t->emitter);
	free(t);
	return rc;
}

void app_tracing_close(struct ca_app *app)
{
	if (!app || !app->tracing)
		return;
	ca_http_router_free(app->tracing->outer);
	xray_emitter_free(app->tracing->emitter);
	free(app->tracing);
	app->tracing = NULL;
}

const char *app_tracing_daemon(const struct ca_app *app)
{
	return app->tracing ? xray_emitter_address(app->tracing->emitter) : NULL;
}

const struct ca_http_router *app_tracing_router(const struct ca_app *app)
{
	return app->tracing ? app->tracing->outer : NULL;
}

/* "<base_url><raw path>": the query is left out, it may carry cursors. */
static void request_url(const struct app_tracing *t, const struct ca_http_request *req,
			struct ca_buf *out)
{
	ca_buf_adds(out, t->base_url);
	ca_buf_adds(out, req->raw_path ? req->raw_path : req->path);
}

static void send_segment(struct app_tracing *t, const struct ca_http_request *req,
			 const struct ca_http_response *resp, int handler_rc, const char *trace_id,
			 const char *parent, double start, const struct xray_subsegments *calls)
{
	struct xray_segment seg;
	struct ca_buf url = CA_BUF_INIT;
	char id[XRAY_SEGMENT_ID_LEN + 1];
	struct ca_err err;

	ca_err_clear(&err);
	if (xray_new_segment_id(id, &err) != CA_OK)
		goto out;
	request_url(t, req, &url);
	memset(&seg, 0, sizeof(seg));
	seg.name = t->service_name;
	seg.trace_id = trace_id;
	seg.id = id;
	seg.parent_id = parent[0] ? parent : NULL;
	seg.start_time = start;
	seg.end_time = now_seconds();
	if (seg.end_time < start)
		seg.end_time = start;
	seg.method = req->method;
	seg.url = ca_buf_ok(&url) ? url.data : NULL;
	seg.client_ip = req->remote[0] ? req->remote : NULL;
	seg.user_agent = ca_http_header(req, "User-Agent");
	seg.status = resp->status;
	seg.subsegments = calls;
	seg.content_length = resp->file_fd >= 0 ? (long long)resp->file_size
						 : (long long)resp->body.len;
	if (resp->status == 0 || (handler_rc != CA_OK && resp->status < 100)) {
		seg.status = 500; /* the server answers for the handler */
		seg.content_length = -1;
	}
	xray_emitter_send(t->emitter, &seg, &err);
out:
	/* a lost segment never fails the request; say so once per thousand */
	if (err.code != CA_OK && xray_emitter_dropped(t->emitter) % 1000 == 1)
		app_log(req, "tracing: %s", ca_err_msg(&err));
	ca_buf_release(&url);
}

/* The call observer's callback: one finished AWS call into the request's list. */
static void record_call(void *ctx, const struct aws_call_record *rec)
{
	xray_subsegments_add(ctx, rec, NULL); /* a call that cannot be kept is counted */
}

static int traced(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct app_tracing *t = ctx;
	struct xray_trace_header in;
	struct ca_buf answer = CA_BUF_INIT;
	struct xray_subsegments *calls = NULL;
	struct aws_call_observer observer = { record_call, NULL, NULL };
	const struct aws_call_observer *prev = NULL;
	char trace_id[XRAY_TRACE_ID_LEN + 1];
	double start = now_seconds();
	bool sampled;
	int rc;

	xray_trace_header_parse(ca_http_header(req, "X-Amzn-Trace-Id"), &in);
	if (in.root[0])
		memcpy(trace_id, in.root, sizeof(trace_id));
	else if (xray_new_trace_id(time(NULL), trace_id, NULL) != CA_OK)
		return ca_http_router_dispatch(t->app->router, req, resp); /* serve untraced */
	sampled = in.sampled != XRAY_SAMPLED_NO;

	/* without a list (out of memory) the request is served, its calls untraced */
	if (sampled && xray_subsegments_new(XRAY_SUBSEGMENTS_MAX, &calls, NULL) == CA_OK) {
		observer.ctx = calls;
		observer.trace_root = trace_id;  /* each call names its subsegment downstream */
		prev = aws_call_observer_set(&observer);
	}
	rc = ca_http_router_dispatch(t->app->router, req, resp);
	if (calls)
		aws_call_observer_set(prev);
	if (resp->defer) {
		/* run again on the worker pool: that run is the one traced */
		xray_subsegments_free(calls);
		return rc;
	}

	if (xray_trace_header_format(trace_id, sampled, &answer, NULL) == CA_OK)
		ca_http_set_header(resp, "X-Amzn-Trace-Id", answer.data);
	ca_buf_release(&answer);
	if (sampled)
		send_segment(t, req, resp, rc, trace_id, in.parent, start, calls);
	xray_subsegments_free(calls);
	return rc;
}
