/*
 * The HTTP server end to end: a real server on a free loopback port, driven
 * with libcurl.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "check_ca.h"
#include "loopback.h"
#include "http/server.h"
#include "http/static.h"
#include "util/buf.h"

/* --- the app under test ------------------------------------------------------ */

struct app {
	sem_t slow_entered;
	sem_t slow_release;
	int handler_runs;      /* handlers that ran (atomic) */
	size_t last_body_len;
	unsigned long last_body_sum;
};

static int h_hello(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct app *a = req->app;

	__atomic_add_fetch(&a->handler_runs, 1, __ATOMIC_SEQ_CST);
	return ca_http_respond(resp, 200, "text/plain", "hi", 2);
}

static int h_photo(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	json_t *o = json_pack("{s:s?, s:s}", "id", ca_http_param(req, "id"), "route", (char *)ctx);
	int rc = ca_http_respond_json(resp, 200, o);

	json_decref(o);
	return rc;
}

static int h_upload(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct app *a = req->app;
	unsigned long sum = 0;
	size_t i;
	json_t *o;
	int rc;

	__atomic_add_fetch(&a->handler_runs, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < req->body_len; i++)
		sum += (unsigned char)req->body[i];
	a->last_body_len = req->body_len;
	a->last_body_sum = sum;
	o = json_pack("{s:I}", "len", (json_int_t)req->body_len);
	rc = ca_http_respond_json(resp, 201, o);
	json_decref(o);
	return rc;
}

static json_t *kv_object(const struct ca_http_kv *kv)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < kv->n; i++)
		json_object_set_new(o, kv->items[i].name, json_string(kv->items[i].value));
	return o;
}

static int h_echo(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	json_t *o = json_pack("{s:o, s:o, s:s, s:s, s:s}", "query", kv_object(&req->query),
			      "cookies", kv_object(&req->cookies), "remote", req->remote,
			      "path", req->path, "request_id", req->request_id);
	int rc = ca_http_respond_json(resp, 200, o);

	json_decref(o);
	return rc;
}

static int h_slow(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	struct app *a = req->app;

	sem_post(&a->slow_entered);
	while (sem_wait(&a->slow_release) != 0 && errno == EINTR)
		;
	return ca_http_respond(resp, 200, "text/plain", "done", 4);
}

static int h_fail(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	return CA_EIO; /* no status set: the server must answer 500 */
}

static int h_own_headers(struct ca_http_request *req, struct ca_http_response *resp, void *ctx)
{
	ca_http_set_header(resp, "Cache-Control", "public, max-age=60");
	ck_assert_int_eq(ca_http_add_header(resp, "X-Evil", "a\r\nSet-Cookie: x=1"), CA_EINVAL);
	return ca_http_respond(resp, 200, "text/plain", "ok", 2);
}

struct fixture {
	struct app app;
	struct ca_http_router *router;
	struct ca_http_server *srv;
	FILE *log;
	char base[64];
};

/* Settings a test may change before start() (each test runs in its own process). */
static unsigned start_threads = 2, start_connection_limit;
static bool start_trust_xff;

static void start(struct fixture *f, size_t body_max, size_t body_memory_max, const char *csp)
{
	struct ca_http_server_opts o;
	struct ca_err err;

	memset(f, 0, sizeof(*f));
	ca_err_clear(&err);
	sem_init(&f->app.slow_entered, 0, 0);
	sem_init(&f->app.slow_release, 0, 0);
	ck_assert_int_eq(ca_http_router_new(&f->router, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/hello", h_hello, NULL, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/api/photos/new", h_photo, "new", &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/api/photos/{id}", h_photo, "one", &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "DELETE", "/api/photos/{id}", h_photo, "del", &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/api/photos/{id}/image", h_photo, "image", &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "POST", "/api/photos", h_upload, NULL, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/echo", h_echo, NULL, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/slow", h_slow, NULL, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "POST", "/fail", h_fail, NULL, &err), CA_OK);
	ck_assert_int_eq(ca_http_router_add(f->router, "GET", "/own", h_own_headers, NULL, &err), CA_OK);
	f->log = tmpfile();
	ck_assert_ptr_nonnull(f->log);
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.router = f->router;
	o.app = &f->app;
	o.threads = start_threads;
	o.connection_limit = start_connection_limit;
	o.trust_forwarded_for = start_trust_xff;
	o.body_max = body_max;
	o.body_memory_max = body_memory_max;
	o.access_log = f->log;
	o.content_security_policy = csp;
	ck_assert_msg(ca_http_server_start(&f->srv, &o, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_uint_ne(ca_http_server_port(f->srv), 0);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%u", ca_http_server_port(f->srv));
}

static void stop(struct fixture *f)
{
	ca_http_server_free(f->srv);
	f->srv = NULL;
	ca_http_router_free(f->router);
	fclose(f->log);
	sem_destroy(&f->app.slow_entered);
	sem_destroy(&f->app.slow_release);
}

/* --- a small curl client --------------------------------------------------------- */

struct reply {
	CURLcode code;
	long status;
	long new_connections;
	struct ca_buf body;
	struct ca_buf headers;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	ca_buf_add(ud, p, size * n);
	return size * n;
}

struct upload_src {
	const char *data;
	size_t len, pos;
};

static size_t feed(char *p, size_t size, size_t n, void *ud)
{
	struct upload_src *s = ud;
	size_t take = size * n < s->len - s->pos ? size * n : s->len - s->pos;

	if (take > 100) /* small chunks, so the body really streams */
		take = 100;
	memcpy(p, s->data + s->pos, take);
	s->pos += take;
	return take;
}

static void reply_release(struct reply *r)
{
	ca_buf_release(&r->body);
	ca_buf_release(&r->headers);
}

/* One request on handle h (reused for keep-alive). body NULL: no body; chunked streams it. */
static void request(CURL *h, const char *method, const char *url, const char *body, size_t len,
		    bool chunked, struct curl_slist *hdrs, struct reply *r)
{
	struct upload_src src = { body, len, 0 };

	memset(r, 0, sizeof(*r));
	ca_buf_init(&r->body);
	ca_buf_init(&r->headers);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (body && chunked) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, feed);
		curl_easy_setopt(h, CURLOPT_READDATA, &src);
	} else if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 && strcmp(method, "HEAD") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	r->code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->new_connections);
	curl_easy_reset(h);
}

static void get(const struct fixture *f, const char *path, struct curl_slist *hdrs, struct reply *r)
{
	char url[512];
	CURL *h = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", f->base, path);
	request(h, "GET", url, NULL, 0, false, hdrs, r);
	curl_easy_cleanup(h);
}

static void send_method(const struct fixture *f, const char *method, const char *path,
			const char *body, size_t len, bool chunked, struct curl_slist *hdrs,
			struct reply *r)
{
	char url[512];
	CURL *h = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", f->base, path);
	request(h, method, url, body, len, chunked, hdrs, r);
	curl_easy_cleanup(h);
}

/* The value of response header name (first, any case) in a static buffer, or NULL. */
static const char *header_of(const struct reply *r, const char *name)
{
	static char value[1024];
	const char *p = r->headers.data;
	size_t n = strlen(name);

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");

		if (!eol)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			snprintf(value, sizeof(value), "%.*s", (int)(eol - v), v);
			return value;
		}
		p = eol + 2;
	}
	return NULL;
}

static json_t *body_json(const struct reply *r)
{
	json_error_t e;
	json_t *v = json_loadb(r->body.data, r->body.len, 0, &e);

	ck_assert_msg(v != NULL, "not JSON (status %ld, curl %d): %s", r->status, (int)r->code, r->body.data);
	return v;
}

static void assert_error_shape(const struct reply *r, long status, const char *error)
{
	json_t *v;

	ck_assert_int_eq(r->code, CURLE_OK);
	ck_assert_int_eq(r->status, status);
	v = body_json(r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "error")), error);
	ck_assert(json_string_length(json_object_get(v, "message")) > 0);
	json_decref(v);
}

/* --- tests ------------------------------------------------------------------------- */

START_TEST(routes_params_and_decoding)
{
	struct fixture f;
	struct reply r;
	json_t *v;

	start(&f, 0, 0, NULL);
	get(&f, "/hello", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body.data, "hi");
	reply_release(&r);

	get(&f, "/api/photos/42", NULL, &r);
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "id")), "42");
	ck_assert_str_eq(json_string_value(json_object_get(v, "route")), "one");
	json_decref(v);
	reply_release(&r);

	get(&f, "/api/photos/new", NULL, &r); /* literal added first wins */
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "route")), "new");
	json_decref(v);
	reply_release(&r);

	get(&f, "/api/photos/a%20b%2Fc/image", NULL, &r); /* %2F stays in its segment */
	ck_assert_int_eq(r.status, 200);
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "id")), "a b/c");
	ck_assert_str_eq(json_string_value(json_object_get(v, "route")), "image");
	json_decref(v);
	reply_release(&r);

	get(&f, "/echo?a=1&b=x%26y&c=%2B+z&a=2&empty=&flag", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "query"), "b")), "x&y");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "query"), "c")), "+ z");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "query"), "empty")), "");
	ck_assert_str_eq(json_string_value(json_object_get(v, "remote")), "127.0.0.1");
	ck_assert_str_eq(json_string_value(json_object_get(v, "path")), "/echo");
	json_decref(v);
	reply_release(&r);
	stop(&f);
}
END_TEST

START_TEST(not_found_method_not_allowed_bad_escapes)
{
	struct fixture f;
	struct reply r;

	start(&f, 0, 0, NULL);
	get(&f, "/nope", NULL, &r);
	assert_error_shape(&r, 404, "not_found");
	reply_release(&r);
	get(&f, "/api/photos/", NULL, &r); /* an empty segment is no {id} */
	assert_error_shape(&r, 404, "not_found");
	reply_release(&r);

	send_method(&f, "PUT", "/api/photos/7", "{}", 2, false, NULL, &r);
	assert_error_shape(&r, 405, "method_not_allowed");
	ck_assert_str_eq(header_of(&r, "Allow"), "GET, HEAD, DELETE");
	reply_release(&r);

	send_method(&f, "HEAD", "/hello", NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.code, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body.len, 0);
	reply_release(&r);

	get(&f, "/api/photos/%00", NULL, &r);
	assert_error_shape(&r, 400, "bad_request");
	reply_release(&r);
	get(&f, "/api/photos/%zz", NULL, &r);
	assert_error_shape(&r, 400, "bad_request");
	reply_release(&r);
	get(&f, "/echo?x=%4", NULL, &r);
	assert_error_shape(&r, 400, "bad_request");
	reply_release(&r);

	send_method(&f, "POST", "/fail", "x", 1, false, NULL, &r);
	assert_error_shape(&r, 500, "internal");
	reply_release(&r);
	stop(&f);
}
END_TEST

START_TEST(security_headers_on_every_response)
{
	struct fixture f;
	struct reply r;
	const char *paths[] = { "/hello", "/nope", "/api/photos/%00" };
	size_t i;

	start(&f, 0, 0, NULL);
	for (i = 0; i < 3; i++) {
		get(&f, paths[i], NULL, &r);
		ck_assert_str_eq(header_of(&r, "Content-Security-Policy"), CA_HTTP_DEFAULT_CSP);
		ck_assert(strstr(header_of(&r, "Content-Security-Policy"), "frame-ancestors 'none'"));
		ck_assert_str_eq(header_of(&r, "X-Content-Type-Options"), "nosniff");
		ck_assert_str_eq(header_of(&r, "X-Frame-Options"), "DENY");
		ck_assert_ptr_nonnull(header_of(&r, "Referrer-Policy"));
		ck_assert_str_eq(header_of(&r, "Cache-Control"), "no-store");
		ck_assert_uint_eq(strlen(header_of(&r, "X-Request-Id")), 32);
		reply_release(&r);
	}
	get(&f, "/own", NULL, &r); /* a handler's own Cache-Control is kept, injection refused */
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(header_of(&r, "Cache-Control"), "public, max-age=60");
	ck_assert_ptr_null(header_of(&r, "X-Evil"));
	reply_release(&r);
	stop(&f);

	start(&f, 0, 0, "default-src 'none'; frame-ancestors 'none'");
	get(&f, "/hello", NULL, &r);
	ck_assert_str_eq(header_of(&r, "Content-Security-Policy"),
			 "default-src 'none'; frame-ancestors 'none'");
	reply_release(&r);
	stop(&f);
}
END_TEST

START_TEST(keep_alive_reuses_the_connection)
{
	struct fixture f;
	struct reply r;
	char url[128];
	CURL *h;

	start(&f, 0, 0, NULL);
	h = curl_easy_init();
	snprintf(url, sizeof(url), "%s/hello", f.base);
	request(h, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.new_connections, 1);
	reply_release(&r);
	request(h, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.new_connections, 0); /* the same connection served both */
	reply_release(&r);
	snprintf(url, sizeof(url), "%s/nope", f.base);
	request(h, "GET", url, NULL, 0, false, NULL, &r); /* an error answer keeps it too */
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq(r.new_connections, 0);
	reply_release(&r);
	curl_easy_cleanup(h);
	stop(&f);
}
END_TEST

static char *pattern_body(size_t n, unsigned long *sum)
{
	char *b = malloc(n);
	size_t i;

	*sum = 0;
	for (i = 0; i < n; i++) {
		b[i] = (char)('a' + (i * 7) % 26);
		*sum += (unsigned char)b[i];
	}
	return b;
}

START_TEST(bodies_in_memory_and_spooled)
{
	struct fixture f;
	struct reply r;
	unsigned long sum;
	char *body = pattern_body(50000, &sum);

	start(&f, 64 * 1024, 1024, NULL);
	send_method(&f, "POST", "/api/photos", body, 500, false, NULL, &r); /* in memory */
	ck_assert_int_eq(r.status, 201);
	reply_release(&r);
	ck_assert_uint_eq(f.app.last_body_len, 500);

	send_method(&f, "POST", "/api/photos", body, 50000, false, NULL, &r); /* spooled */
	ck_assert_int_eq(r.status, 201);
	ck_assert_uint_eq(f.app.last_body_len, 50000);
	ck_assert_uint_eq(f.app.last_body_sum, sum);
	reply_release(&r);

	send_method(&f, "POST", "/api/photos", body, 50000, true, NULL, &r); /* chunked, spooled */
	ck_assert_int_eq(r.status, 201);
	ck_assert_uint_eq(f.app.last_body_len, 50000);
	ck_assert_uint_eq(f.app.last_body_sum, sum);
	reply_release(&r);
	stop(&f);
	free(body);
}
END_TEST

START_TEST(too_large_bodies_get_413_before_the_handler)
{
	struct fixture f;
	struct reply r;
	struct curl_slist *no_expect = curl_slist_append(NULL, "Expect:");
	struct curl_slist *expect = curl_slist_append(NULL, "Expect: 100-continue");
	unsigned long sum;
	char *body = pattern_body(200000, &sum);

	start(&f, 4096, 1024, NULL);
	/* Announced too large, client waiting for 100-continue: refused unread. */
	send_method(&f, "POST", "/api/photos", body, 200000, false, expect, &r);
	assert_error_shape(&r, 413, "payload_too_large");
	reply_release(&r);
	/* Announced too large and sent at once: still 413. */
	send_method(&f, "POST", "/api/photos", body, 5000, false, no_expect, &r);
	assert_error_shape(&r, 413, "payload_too_large");
	reply_release(&r);
	/* Streamed without a length: cut off once it passes the cap. */
	send_method(&f, "POST", "/api/photos", body, 200000, true, NULL, &r);
	ck_assert(r.code != CURLE_OK || r.status == 413);
	ck_assert(r.status != 201);
	reply_release(&r);
	ck_assert_int_eq(__atomic_load_n(&f.app.handler_runs, __ATOMIC_SEQ_CST), 0);
	/* Exactly at the cap is fine. */
	send_method(&f, "POST", "/api/photos", body, 4096, false, no_expect, &r);
	ck_assert_int_eq(r.status, 201);
	reply_release(&r);
	stop(&f);
	curl_slist_free_all(no_expect);
	curl_slist_free_all(expect);
	free(body);
}
END_TEST

START_TEST(cookies_and_request_ids)
{
	struct fixture f;
	struct reply r;
	struct curl_slist *h = NULL;
	json_t *v, *c;

	start(&f, 0, 0, NULL);
	h = curl_slist_append(h, "Cookie: a=1; b=\"two\"; bad name=3; =x; c; d=4");
	h = curl_slist_append(h, "X-Request-Id: req-123.abc");
	get(&f, "/echo", h, &r);
	v = body_json(&r);
	c = json_object_get(v, "cookies");
	ck_assert_str_eq(json_string_value(json_object_get(c, "a")), "1");
	ck_assert_str_eq(json_string_value(json_object_get(c, "b")), "two");
	ck_assert_str_eq(json_string_value(json_object_get(c, "d")), "4");
	ck_assert_uint_eq(json_object_size(c), 3);
	ck_assert_str_eq(json_string_value(json_object_get(v, "request_id")), "req-123.abc");
	ck_assert_str_eq(header_of(&r, "X-Request-Id"), "req-123.abc");
	json_decref(v);
	reply_release(&r);
	curl_slist_free_all(h);

	h = curl_slist_append(NULL, "X-Request-Id: has spaces <script>");
	h = curl_slist_append(h, "X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
	get(&f, "/echo", h, &r);
	ck_assert_str_eq(header_of(&r, "X-Request-Id"), "1-5759e988-bd862e3fe1be46a994272793");
	reply_release(&r);
	curl_slist_free_all(h);
	stop(&f);
}
END_TEST

START_TEST(access_log_has_one_json_line_per_request)
{
	struct fixture f;
	struct reply r;
	struct curl_slist *h = curl_slist_append(NULL, "X-Request-Id: trace-me");
	char line[4096];
	int lines = 0, seen_hello = 0, seen_404 = 0;

	start(&f, 0, 0, NULL);
	get(&f, "/hello?secret=do-not-log", h, &r);
	reply_release(&r);
	get(&f, "/nope/%ff", NULL, &r);
	reply_release(&r);
	ca_http_server_free(f.srv); /* joins the threads: every line is written */
	f.srv = NULL;
	rewind(f.log);
	while (fgets(line, sizeof(line), f.log)) {
		json_error_t e;
		json_t *v = json_loads(line, 0, &e);

		ck_assert_msg(v != NULL, "log line is not JSON: %s", line);
		ck_assert(!strstr(line, "do-not-log"));
		ck_assert_ptr_nonnull(json_object_get(v, "time"));
		ck_assert(json_is_number(json_object_get(v, "duration_ms")));
		ck_assert_str_eq(json_string_value(json_object_get(v, "remote")), "127.0.0.1");
		if (strcmp(json_string_value(json_object_get(v, "path")), "/hello") == 0) {
			seen_hello++;
			ck_assert_str_eq(json_string_value(json_object_get(v, "method")), "GET");
			ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 200);
			ck_assert_int_eq(json_integer_value(json_object_get(v, "bytes")), 2);
			ck_assert_str_eq(json_string_value(json_object_get(v, "request_id")), "trace-me");
		} else {
			ck_assert_str_eq(json_string_value(json_object_get(v, "path")), "/nope/%ff");
			ck_assert_int_eq(json_integer_value(json_object_get(v, "status")), 404);
			seen_404++;
		}
		json_decref(v);
		lines++;
	}
	ck_assert_int_eq(lines, 2);
	ck_assert_int_eq(seen_hello, 1);
	ck_assert_int_eq(seen_404, 1);
	curl_slist_free_all(h);
	stop(&f);
}
END_TEST

struct client_job {
	const struct fixture *f;
	struct reply r;
};

static void *client_thread(void *arg)
{
	struct client_job *j = arg;

	get(j->f, "/slow", NULL, &j->r);
	return NULL;
}

struct shutdown_job {
	struct ca_http_server *srv;
	unsigned grace_ms;
	int rc;
	int done;
};

static void *shutdown_thread(void *arg)
{
	struct shutdown_job *j = arg;

	j->rc = ca_http_server_shutdown(j->srv, j->grace_ms, NULL);
	__atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* true once a new connection to port is refused; polls (bounded) for the listener to close */
static bool listener_closed(uint16_t port)
{
	int attempt;

	for (attempt = 0; attempt < 1000; attempt++) {
		struct sockaddr_in a = loopback_addr(port);
		int s = socket(AF_INET, SOCK_STREAM, 0), rc;

		rc = connect(s, (struct sockaddr *)&a, sizeof(a));
		close(s);
		if (rc != 0 && errno == ECONNREFUSED)
			return true;
		usleep(10000);
	}
	return false;
}

START_TEST(graceful_shutdown_lets_in_flight_requests_finish)
{
	struct fixture f;
	struct client_job client;
	struct shutdown_job sj;
	pthread_t ct, st;

	start(&f, 0, 0, NULL);
	memset(&client, 0, sizeof(client));
	client.f = &f;
	ck_assert_int_eq(pthread_create(&ct, NULL, client_thread, &client), 0);
	sem_wait(&f.app.slow_entered);
	ck_assert_uint_eq(ca_http_server_in_flight(f.srv), 1);

	sj = (struct shutdown_job){ f.srv, 60000, -1, 0 };
	ck_assert_int_eq(pthread_create(&st, NULL, shutdown_thread, &sj), 0);
	ck_assert(listener_closed(ca_http_server_port(f.srv))); /* no new connections */
	ck_assert_int_eq(__atomic_load_n(&sj.done, __ATOMIC_SEQ_CST), 0); /* still waiting */

	sem_post(&f.app.slow_release);
	pthread_join(ct, NULL);
	pthread_join(st, NULL);
	ck_assert_int_eq(sj.rc, CA_OK);
	ck_assert_int_eq(client.r.code, CURLE_OK);
	ck_assert_int_eq(client.r.status, 200);
	ck_assert_str_eq(client.r.body.data, "done");
	ck_assert_str_eq(header_of(&client.r, "Connection"), "close");
	reply_release(&client.r);
	stop(&f);
}
END_TEST

START_TEST(graceful_shutdown_gives_up_after_the_grace_period)
{
	struct fixture f;
	struct client_job client;
	struct ca_err err;
	pthread_t ct;

	start(&f, 0, 0, NULL);
	memset(&client, 0, sizeof(client));
	client.f = &f;
	ca_err_clear(&err);
	ck_assert_int_eq(pthread_create(&ct, NULL, client_thread, &client), 0);
	sem_wait(&f.app.slow_entered);
	ck_assert_int_eq(ca_http_server_shutdown(f.srv, 50, &err), CA_ETIMEOUT);
	ck_assert(strstr(ca_err_msg(&err), "1 request(s)"));
	sem_post(&f.app.slow_release);
	pthread_join(ct, NULL);
	reply_release(&client.r);
	stop(&f);
}
END_TEST

START_TEST(static_files_through_the_server)
{
	struct fixture f;
	struct ca_http_static *st = NULL;
	char dir[] = "/tmp/ca-static-XXXXXX", path[256];
	struct reply r;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/app.js", dir);
	fp = fopen(path, "w");
	fputs("console.log(1);", fp);
	fclose(fp);
	start(&f, 0, 0, NULL);
	ck_assert_int_eq(ca_http_static_new(&st, dir, 0, NULL), CA_OK);
	ca_http_router_set_fallback(f.router, ca_http_static_serve, st);
	get(&f, "/app.js", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body.data, "console.log(1);");
	ck_assert_str_eq(header_of(&r, "Content-Type"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(header_of(&r, "X-Content-Type-Options"), "nosniff");
	reply_release(&r);
	get(&f, "/../../../etc/passwd", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	reply_release(&r);
	get(&f, "/%2e%2e/%2e%2e/etc/passwd", NULL, &r);
	ck_assert_int_eq(r.status, 404);
	reply_release(&r);
	get(&f, "/api/photos/1", NULL, &r); /* routes still come first */
	ck_assert_int_eq(r.status, 200);
	reply_release(&r);
	stop(&f);
	ca_http_static_free(st);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(forwarded_for_only_when_trusted)
{
	struct fixture f;
	struct reply r;
	struct curl_slist *h = curl_slist_append(NULL, "X-Forwarded-For: 203.0.113.9, 198.51.100.7");
	struct curl_slist *junk = curl_slist_append(NULL, "X-Forwarded-For: 1.2.3.4, <script>");
	json_t *v;

	start(&f, 0, 0, NULL); /* not trusted: the header is ignored */
	get(&f, "/echo", h, &r);
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "remote")), "127.0.0.1");
	json_decref(v);
	reply_release(&r);
	stop(&f);

	start_trust_xff = true;
	start(&f, 0, 0, NULL);
	get(&f, "/echo", h, &r); /* the hop our proxy saw is the last one */
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "remote")), "198.51.100.7");
	json_decref(v);
	reply_release(&r);
	get(&f, "/echo", junk, &r);
	v = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(v, "remote")), "127.0.0.1");
	json_decref(v);
	reply_release(&r);
	stop(&f);
	curl_slist_free_all(h);
	curl_slist_free_all(junk);
}
END_TEST

START_TEST(connection_limit_is_enforced)
{
	struct fixture f;
	struct reply r;
	char url[128];
	CURL *held;

	start_threads = 1;
	start_connection_limit = 1;
	start(&f, 0, 0, NULL);
	held = curl_easy_init(); /* keeps its connection open (keep-alive) after the request */
	snprintf(url, sizeof(url), "%s/hello", f.base);
	request(held, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	reply_release(&r);
	get(&f, "/hello", NULL, &r); /* a second connection is turned away */
	ck_assert_int_ne(r.code, CURLE_OK);
	reply_release(&r);
	curl_easy_cleanup(held);
	stop(&f);
}
END_TEST

START_TEST(listen_addresses)
{
	char host[64];
	uint16_t port = 1;
	struct ca_err err;
	struct ca_http_server *srv = NULL;
	struct ca_http_router *router = NULL;
	struct ca_http_server_opts o;

	ck_assert_int_eq(ca_http_parse_listen("127.0.0.1:8080", host, sizeof(host), &port, NULL), CA_OK);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 8080);
	ck_assert_int_eq(ca_http_parse_listen("[::1]:0", host, sizeof(host), &port, NULL), CA_OK);
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 0);
	ck_assert_int_eq(ca_http_parse_listen("*:80", host, sizeof(host), &port, NULL), CA_OK);
	ck_assert_str_eq(host, "");
	ck_assert_int_eq(ca_http_parse_listen("localhost", host, sizeof(host), &port, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_parse_listen("h:65536", host, sizeof(host), &port, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_parse_listen("h:-1", host, sizeof(host), &port, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_parse_listen("::1:80", host, sizeof(host), &port, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_parse_listen("[::1]80", host, sizeof(host), &port, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_http_parse_listen("", host, sizeof(host), &port, NULL), CA_EINVAL);

	/* A port in use is a clear error. */
	ca_err_clear(&err);
	ck_assert_int_eq(ca_http_router_new(&router, NULL), CA_OK);
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.router = router;
	ck_assert_int_eq(ca_http_server_start(&srv, &o, &err), CA_OK);
	{
		struct ca_http_server *second = NULL;
		char addr[64];

		snprintf(addr, sizeof(addr), "127.0.0.1:%u", ca_http_server_port(srv));
		o.listen = addr;
		ck_assert_int_eq(ca_http_server_start(&second, &o, &err), CA_HTTP_SERVER);
		ck_assert_ptr_null(second);
		ck_assert(strstr(ca_err_msg(&err), addr));
	}
	ca_http_server_free(srv);
	ca_http_router_free(router);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("http_server");
	TCase *tc = tcase_create("server");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	atexit(curl_global_cleanup);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, routes_params_and_decoding);
	tcase_add_test(tc, not_found_method_not_allowed_bad_escapes);
	tcase_add_test(tc, security_headers_on_every_response);
	tcase_add_test(tc, keep_alive_reuses_the_connection);
	tcase_add_test(tc, bodies_in_memory_and_spooled);
	tcase_add_test(tc, too_large_bodies_get_413_before_the_handler);
	tcase_add_test(tc, cookies_and_request_ids);
	tcase_add_test(tc, access_log_has_one_json_line_per_request);
	tcase_add_test(tc, graceful_shutdown_lets_in_flight_requests_finish);
	tcase_add_test(tc, graceful_shutdown_gives_up_after_the_grace_period);
	tcase_add_test(tc, static_files_through_the_server);
	tcase_add_test(tc, forwarded_for_only_when_trusted);
	tcase_add_test(tc, connection_limit_is_enforced);
	tcase_add_test(tc, listen_addresses);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
