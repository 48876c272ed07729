#include "aws/client.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/call_observe.h"
#include "aws/s3_address.h"
#include "aws/xray.h"
#include "aws/sigv4.h"
#include "aws/sigv4_canon.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define CLIENT_USER_AGENT "cloudalbum-toolkit/0.1"
/* The caller's headers plus the ones the client adds (Host, date, auth, token, hash, UA,
 * trace). */
#define CLIENT_MAX_EXTRA_HEADERS 64

/* What a client resolved for one service, on its first request there. */
struct service_state {
	bool ready;                             /* set once, under the client's lock */
	struct aws_endpoint ep;
	struct aws_retry_policy retry;
};

struct aws_client {
	char *region;
	char *endpoint;                         /* configured endpoint or NULL */
	struct aws_http *http;
	struct aws_credentials_provider *creds;
	bool own_creds;
	bool have_retry;                        /* retry given by the caller, else per service */
	struct aws_retry_policy retry;
	bool debug;
	pthread_mutex_t lock;                   /* guards services[].ready and filling */
	bool have_lock;
	struct service_state services[AWS_SVC_COUNT];
};

void aws_response_init(struct aws_response *r)
{
	aws_http_response_init(&r->http);
	memset(&r->error, 0, sizeof(r->error));
	r->attempts = 0;
}

void aws_response_release(struct aws_response *r)
{
	if (!r)
		return;
	aws_http_response_release(&r->http);
	aws_response_init(r);
}

void aws_client_free(struct aws_client *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < AWS_SVC_COUNT; i++)
		aws_endpoint_release(&c->services[i].ep);
	if (c->have_lock)
		pthread_mutex_destroy(&c->lock);
	if (c->own_creds)
		aws_credentials_provider_release(c->creds);
	aws_http_free(c->http);
	free(c->region);
	free(c->endpoint);
	free(c);
}

/* A timeout from the environment into *ms when the caller left it 0. */
static int env_timeout(const char *name, long *ms, struct ca_err *err)
{
	const char *v = getenv(name);

	if (*ms || !v || !*v)
		return CA_OK;
	if (!ca_parse_long(v, 1, 3600000, ms))
		return ca_err_set(err, CA_EINVAL,
				  "%s must be a whole number of milliseconds from 1 to 3600000, not \"%.40s\".",
				  name, v);
	return CA_OK;
}

int aws_client_new(const struct aws_client_options *opt, struct aws_client **out,
		   struct ca_err *err)
{
	static const struct aws_client_options none;
	struct aws_client *c = NULL;
	struct aws_http_options http;
	const char *dbg;
	int rc = CA_OK;

	*out = NULL;
	if (!opt)
		opt = &none;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto oom;
	if (pthread_mutex_init(&c->lock, NULL))
		goto oom;
	c->have_lock = true;
	if (opt->region && *opt->region) {
		if (!(c->region = ca_strdup(opt->region)))
			goto oom;
	} else if ((rc = aws_region_resolve(opt->fallback_region, &c->region, NULL, err))) {
		goto fail;
	}
	if (opt->endpoint && *opt->endpoint && !(c->endpoint = ca_strdup(opt->endpoint)))
		goto oom;
	if (opt->retry) {
		c->retry = *opt->retry;
		c->have_retry = true;
	} else if ((rc = aws_retry_policy_from_env(&c->retry, NULL, err))) {
		goto fail;      /* checked once here so a bad variable fails early */
	}
	http = opt->http;
	if ((rc = env_timeout("CA_AWS_CONNECT_TIMEOUT_MS", &http.connect_timeout_ms, err)) ||
	    (rc = env_timeout("CA_AWS_TIMEOUT_MS", &http.timeout_ms, err)))
		goto fail;
	if (!(c->http = aws_http_new(&http, err))) {
		rc = CA_ENOMEM;
		goto fail;
	}
	if (opt->credentials) {
		c->creds = opt->credentials;
	} else {
		if (!(c->creds = aws_credentials_provider_new()))
			goto oom;
		c->own_creds = true;
	}
	dbg = getenv("CA_AWS_DEBUG");
	c->debug = dbg && *dbg && strcmp(dbg, "0") != 0;
	*out = c;
	return CA_OK;
oom:
	rc = ca_err_set(err, CA_ENOMEM, "Out of memory creating the AWS client.");
fail:
	aws_client_free(c);
	return rc;
}

const char *aws_client_region(const struct aws_client *c)
{
	return c ? c->region : NULL;
}

/*
 * The endpoint and retry policy of svc for this client, resolved on the first request
 * and kept (borrowed: they live as long as the client). A failure is not kept.
 */
static int service_state(struct aws_client *c, enum aws_service svc,
			 const struct service_state **out, struct ca_err *err)
{
	struct service_state *s;
	int rc = CA_OK;

	if ((unsigned)svc >= AWS_SVC_COUNT)
		return ca_err_set(err, CA_EINVAL, "unknown AWS service number %d", (int)svc);
	s = &c->services[svc];
	pthread_mutex_lock(&c->lock);
	if (!s->ready) {
		rc = aws_endpoint_resolve(svc, c->region, c->endpoint, &s->ep, err);
		if (rc == CA_OK && c->have_retry)
			s->retry = c->retry;
		else if (rc == CA_OK)
			rc = aws_retry_policy_from_env(&s->retry, s->ep.signing_name, err);
		if (rc == CA_OK)
			s->ready = true;
		else
			aws_endpoint_release(&s->ep);
	}
	pthread_mutex_unlock(&c->lock);
	*out = s;
	return rc;
}

/* The path part of an endpoint URL ("" or "/prefix"), borrowed from ep->url. */
static const char *endpoint_path(const struct aws_endpoint *ep)
{
	const char *p = strstr(ep->url, "://");

	p = p ? p + 3 : ep->url;
	p += strcspn(p, "/");
	return p;
}

static bool valid_path(const char *p)
{
	return p && p[0] == '/' && !strpbrk(p, " \r\n?#");
}

/* One signed attempt on the wire, with trace_header (NULL: none) as X-Amzn-Trace-Id,
 * outside the signature. *attempt_err gets this attempt's error. */
static int send_once(struct aws_client *c, const struct aws_endpoint *ep, const char *host,
		     const struct aws_request *req, const char *path, const char *trace_header,
		     struct aws_http_response *resp, struct ca_err *attempt_err)
{
	struct sigv4_header sh[CLIENT_MAX_EXTRA_HEADERS];
	struct aws_http_header hh[CLIENT_MAX_EXTRA_HEADERS];
	struct aws_credentials creds = { 0 };
	struct sigv4_signed sig = { 0 };
	struct sigv4_request sr;
	struct sigv4_params sp;
	struct ca_buf url = CA_BUF_INIT;
	struct ca_buf wire_path = CA_BUF_INIT;
	struct aws_http_request hr;
	size_t n = 0, i;
	int rc;

	if (req->n_headers > CLIENT_MAX_EXTRA_HEADERS - 7) {
		rc = ca_err_set(attempt_err, CA_ERANGE, "Too many request headers (%zu, at most %d).",
				req->n_headers, CLIENT_MAX_EXTRA_HEADERS - 7);
		goto out;
	}
	if ((rc = aws_credentials_provider_get(c->creds, &creds, attempt_err)))
		goto out;

	ca_buf_adds(&wire_path, endpoint_path(ep));
	if (req->service == AWS_SVC_S3)         /* sent as S3 reads it, so as it is signed */
		rc = aws_s3_path_encode_buf(&wire_path, path, strlen(path));
	else
		rc = ca_buf_adds(&wire_path, path);
	ca_buf_addf(&url, "%s://%s%s", ep->https ? "https" : "http", host, wire_path.data);
	if (req->query && *req->query)
		ca_buf_addf(&url, "?%s", req->query);
	if (rc || !ca_buf_ok(&url) || !ca_buf_ok(&wire_path)) {
		rc = ca_err_set(attempt_err, CA_ENOMEM, "Out of memory building the request URL.");
		goto out;
	}

	sh[n].name = "Host";
	sh[n++].value = host;
	for (i = 0; i < req->n_headers; i++) {
		sh[n].name = req->headers[i].name;
		sh[n++].value = req->headers[i].value;
	}
	memset(&sr, 0, sizeof(sr));
	sr.method = req->method;
	sr.path = wire_path.data;
	sr.query = req->query;
	sr.headers = sh;
	sr.n_headers = n;
	sr.body = req->body;
	sr.body_len = req->body_len;
	memset(&sp, 0, sizeof(sp));
	sp.creds = &creds;
	sp.region = ep->signing_region;
	sp.service = ep->signing_name;
	sp.when = time(NULL);
	sp.s3 = req->service == AWS_SVC_S3;
	if ((rc = sigv4_sign_headers(&sr, &sp, &sig, attempt_err))) {
		ca_err_prefix(attempt_err, "%s: signing failed", ep->signing_name);
		goto out;
	}

	for (i = 0; i < n; i++) {
		hh[i].name = sh[i].name;
		hh[i].value = sh[i].value;
	}
	hh[n].name = "X-Amz-Date";
	hh[n++].value = sig.amz_date;
	hh[n].name = "Authorization";
	hh[n++].value = sig.authorization;
	if (sig.content_sha256) {
		hh[n].name = "x-amz-content-sha256";
		hh[n++].value = sig.content_sha256;
	}
	if (sig.security_token) {
		hh[n].name = "X-Amz-Security-Token";
		hh[n++].value = sig.security_token;
	}
	hh[n].name = "User-Agent";
	hh[n++].value = CLIENT_USER_AGENT;
	if (trace_header) {
		hh[n].name = "X-Amzn-Trace-Id";
		hh[n++].value = trace_header;
	}

	memset(&hr, 0, sizeof(hr));
	hr.method = req->method;
	hr.url = url.data;
	hr.headers = hh;
	hr.n_headers = n;
	hr.body = req->body;
	hr.body_len = req->body_len;
	hr.max_body = req->max_body;
	rc = aws_http_send(c->http, &hr, resp, attempt_err);
	if (rc)
		ca_err_prefix(attempt_err, "%s", ep->signing_name);
out:
	sigv4_signed_release(&sig);
	aws_credentials_release(&creds);
	ca_buf_release(&url);
	ca_buf_release(&wire_path);
	return rc;
}

static const char *kind_name(enum aws_retry_kind k)
{
	return k == AWS_RETRY_THROTTLE ? "throttled" : "transient error";
}

/* The retry loop around send_once, for an endpoint already resolved. */
static int send_loop(struct aws_client *c, const struct service_state *s, const char *host,
		     const struct aws_request *req, const char *trace_header,
		     struct aws_response *resp, struct ca_err *err)
{
	const struct aws_endpoint *ep = &s->ep;
	const struct aws_retry_policy *policy = &s->retry;
	struct aws_error_input in;
	struct ca_err attempt_err;
	enum aws_retry_kind kind = AWS_RETRY_NONE;
	const char *path = req->path && *req->path ? req->path : "/";
	double delay;
	int rc = CA_OK, attempt, max;

	aws_response_release(resp);
	if (!req->method || !valid_path(path) || (req->query && strpbrk(req->query, " \r\n#")))
		return ca_err_set(err, CA_EINVAL,
				  "%s: the request needs a method and an encoded path starting with '/'.",
				  ep->signing_name);
	max = policy->max_attempts < 1 ? 1 : policy->max_attempts;

	for (attempt = 1;; attempt++) {
		ca_err_clear(&attempt_err);
		resp->attempts = attempt;
		memset(&resp->error, 0, sizeof(resp->error));
		rc = send_once(c, ep, host, req, path, trace_header, &resp->http, &attempt_err);
		if (rc == CA_OK) {
			long st = resp->http.status;

			if (st >= 200 && st < 300)
				return CA_OK;
			in.status = (int)st;
			in.body = resp->http.body.data;
			in.body_len = resp->http.body.len;
			in.error_type_header = aws_http_response_header(&resp->http, "x-amzn-ErrorType");
			in.request_id_header = aws_http_response_request_id(&resp->http);
			aws_error_parse(&in, &resp->error);
			kind = aws_retry_classify(CA_OK, (int)st, resp->error.code);
			rc = kind == AWS_RETRY_THROTTLE ? CA_AWS_THROTTLED : CA_AWS_SERVICE;
			aws_error_to_err(&resp->error, ep->signing_name, rc, &attempt_err);
		} else {
			kind = aws_retry_classify(rc, 0, NULL);
		}
		if (kind == AWS_RETRY_NONE || attempt >= max)
			break;
		delay = aws_retry_delay_ms(policy, kind, attempt);
		if (c->debug)
			fprintf(stderr, "aws: %s attempt %d: %s (%s); retrying in %.3f ms (bound %.3f ms)\n",
				ep->signing_name, attempt, kind_name(kind), ca_err_msg(&attempt_err),
				delay, aws_retry_delay_bound_ms(policy, kind, attempt));
		aws_retry_sleep(policy, delay);
	}
	if (c->debug)
		fprintf(stderr, "aws: %s gave up after %d attempt%s: %s\n", ep->signing_name,
			attempt, attempt == 1 ? "" : "s", ca_err_msg(&attempt_err));
	if (attempt > 1)
		return ca_err_set(err, rc, "%s; gave up after %d attempts.", ca_err_msg(&attempt_err),
				  attempt);
	return ca_err_set(err, rc, "%s", ca_err_msg(&attempt_err));
}

/* A new subsegment id into id (16 hex digits) and the X-Amzn-Trace-Id naming it as the
 * parent under root into *out. CA_OK, CA_EIO (no randomness) or CA_ENOMEM. */
static int call_trace_header(const char *root, char id[17], struct ca_buf *out)
{
	if (xray_new_segment_id(id, NULL) != CA_OK)
		return CA_EIO;
	ca_buf_addf(out, "Root=%s;Parent=%s;Sampled=1", root, id);
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}

/*
 * send_loop, reported to the thread's observer (call_observe.h) when there is one.
 * s3_operation and bucket: aws_s3_send's description, or NULL to tell it from req.
 */
static int send_to(struct aws_client *c, const struct service_state *s, const char *host,
		   const struct aws_request *req, const char *s3_operation, const char *bucket,
		   struct aws_response *resp, struct ca_err *err)
{
	const struct aws_call_observer *obs = aws_call_observer_current();
	struct aws_call_outcome o;
	struct ca_buf trace = CA_BUF_INIT;
	char id[17] = "";
	struct ca_err local;
	int rc;

	if (!obs)
		return send_loop(c, s, host, req, NULL, resp, err);
	ca_err_clear(&local);
	memset(&o, 0, sizeof(o));
	/* without an id (no randomness, no memory) the call goes out untraced */
	if (obs->trace_root && call_trace_header(obs->trace_root, id, &trace) != CA_OK)
		id[0] = '\0';
	o.start_time = aws_call_now();
	rc = send_loop(c, s, host, req, id[0] ? trace.data : NULL, resp, &local);
	o.end_time = aws_call_now();
	o.ep = &s->ep;
	o.req = req;
	o.s3_operation = s3_operation;
	o.bucket = bucket;
	o.resp = resp;
	o.rc = rc;
	o.throttled = rc == CA_AWS_THROTTLED;
	o.message = rc != CA_OK ? ca_err_msg(&local) : "";
	o.subsegment_id = id;
	aws_call_report(obs, &o);
	ca_buf_release(&trace);
	if (rc != CA_OK)
		ca_err_set(err, rc, "%s", ca_err_msg(&local));
	return rc;
}

int aws_client_send(struct aws_client *c, const struct aws_request *req,
		    struct aws_response *resp, struct ca_err *err)
{
	const struct service_state *s;
	int rc;

	if (!c || !req || !resp)
		return ca_err_set(err, CA_EINVAL, "aws_client_send needs a client, a request and a response.");
	if ((rc = service_state(c, req->service, &s, err)))
		return rc;
	return send_to(c, s, s->ep.host, req, NULL, NULL, resp, err);
}

int aws_params_encode(struct ca_buf *out, const struct aws_param *params, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!params[i].name)
			continue;
		if (out->len)
			ca_buf_addch(out, '&');
		aws_uri_encode_buf(out, params[i].name, strlen(params[i].name), true);
		if (params[i].value) {
			ca_buf_addch(out, '=');
			aws_uri_encode_buf(out, params[i].value, strlen(params[i].value), true);
		}
	}
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}

int aws_response_xml(const struct aws_response *resp, struct ca_xml_node **out,
		     struct ca_err *err)
{
	struct ca_err perr;
	int rc;

	ca_err_clear(&perr);
	rc = ca_xml_parse(resp->http.body.data, resp->http.body.len, NULL, out, &perr);
	if (rc == CA_ENOMEM)
		return ca_err_set(err, rc, "Out of memory reading the XML answer.");
	if (rc)
		return ca_err_set(err, CA_AWS_BAD_RESPONSE, "The answer is not usable XML: %s",
				  ca_err_msg(&perr));
	return CA_OK;
}

int aws_s3_send(struct aws_client *c, const struct aws_s3_request *r, struct aws_response *resp,
		struct ca_err *err)
{
	const struct service_state *s;
	struct ca_buf path = CA_BUF_INIT, query = CA_BUF_INIT, host = CA_BUF_INIT;
	struct aws_request req;
	char op[AWS_CALL_OPERATION_MAX] = "";
	int rc;

	if (!c || !r || !resp || !r->method)
		return ca_err_set(err, CA_EINVAL, "aws_s3_send needs a client, a method and a response.");
	if (r->bucket && (!*r->bucket || strchr(r->bucket, '/')))
		return ca_err_set(err, CA_EINVAL, "S3 bucket name \"%.64s\" is empty or contains '/'.",
				  r->bucket);
	if ((rc = service_state(c, AWS_SVC_S3, &s, err)))
		return rc;
	aws_s3_address(&s->ep, r->bucket, r->key, &host, &path);
	aws_params_encode(&query, r->query, r->n_query);
	if (!ca_buf_ok(&path) || !ca_buf_ok(&query) || !ca_buf_ok(&host)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory building the S3 request.");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.service = AWS_SVC_S3;
	req.method = r->method;
	req.path = path.data;
	req.query = query.data;
	req.headers = r->headers;
	req.n_headers = r->n_headers;
	req.body = r->body;
	req.body_len = r->body_len;
	req.max_body = r->max_body;
	if (aws_call_observer_current())
		aws_call_s3_operation(r->method, r->bucket != NULL, r->key && *r->key, query.data,
				      r->headers, r->n_headers, op, sizeof(op));
	rc = send_to(c, s, host.data, &req, op, r->bucket, resp, err);
out:
	ca_buf_release(&path);
	ca_buf_release(&query);
	ca_buf_release(&host);
	return rc;
}
