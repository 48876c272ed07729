/*
 * The app's route table: what a route declares (APP_ROUTE_SESSION, SIGNED_IN,
 * SAME_ORIGIN, CSRF, JSON_BODY) is enforced before its handler runs, and the
 * handler gets the session and the body the dispatcher read. The database is a
 * stand-in that keeps only session state (a generation and revoked ids).
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_internal.h"
#include "http/cookie.h"
#include "http/csrf.h"
#include "check_ca.h"

#define BASE_URL "http://localhost:8080"
#define SECRET "route-table-test-secret-0123456789abcdef"

/* --- a database that keeps session state only --- */

struct state_db {
	struct ca_db base; /* first */
	int64_t generation;
	char revoked[CA_DB_SESSION_ID_MAX + 1];
	int state_reads;
};

static int sd_state(struct ca_db *db, const char *user_id, const char *session_id,
		    int64_t *generation, bool *revoked, struct ca_err *err)
{
	struct state_db *s = (struct state_db *)db;

	(void)user_id;
	(void)err;
	s->state_reads++;
	*generation = s->generation;
	if (revoked)
		*revoked = session_id && strcmp(session_id, s->revoked) == 0;
	return CA_OK;
}

static const struct ca_db_ops state_ops = { .name = "state", .session_state = sd_state };

/* --- handlers that say what they were given --- */

struct seen {
	int calls;
	char user[64];
	bool had_body;
};

static struct seen seen;

static int record(struct ca_http_request *req, struct ca_http_response *resp,
		  struct app_call *call)
{
	(void)req;
	seen.calls++;
	snprintf(seen.user, sizeof(seen.user), "%s", call->who.id ? call->who.id : "");
	seen.had_body = call->body != NULL;
	ca_http_respond_empty(resp, 204);
	return CA_OK;
}

static const struct app_route table[] = {
	{ "GET", "/open", record, 0 },
	{ "GET", "/session", record, APP_ROUTE_SESSION },
	{ "GET", "/signed-in", record, APP_ROUTE_SIGNED_IN },
	{ "POST", "/same-origin", record, APP_ROUTE_SAME_ORIGIN },
	{ "POST", "/csrf", record, APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF },
	{ "POST", "/json", record, APP_ROUTE_JSON_BODY },
	{ "PUT", "/all", record, APP_ROUTE_SIGNED_IN | APP_ROUTE_CSRF | APP_ROUTE_JSON_BODY },
};

struct fixture {
	struct serve_config cfg;
	struct state_db db;
	struct ca_app app;
	char cookie_line[2048];    /* "session=...; csrf_token=..." of a signed-in client */
	char csrf[CA_CSRF_TOKEN_LEN + 1];
};

static struct fixture fx;

/* The value of the Set-Cookie named name in resp ("name=value", up to ';') into out. */
static void cookie_pair(const struct ca_http_response *resp, const char *name, char *out,
			size_t cap)
{
	size_t i, n = strlen(name);

	for (i = 0; i < resp->headers.n; i++) {
		const char *v = resp->headers.items[i].value;

		if (strcmp(resp->headers.items[i].name, "Set-Cookie") == 0 &&
		    strncmp(v, name, n) == 0 && v[n] == '=') {
			snprintf(out, cap, "%.*s", (int)strcspn(v, ";"), v);
			return;
		}
	}
	ck_abort_msg("no Set-Cookie %s", name);
}

static void setup(void)
{
	struct ca_http_request req = { 0 };
	struct ca_http_response resp;
	char session[1024], csrf[128];

	memset(&fx, 0, sizeof(fx));
	memset(&seen, 0, sizeof(seen));
	fx.cfg.server.base_url = (char *)BASE_URL;
	fx.db.base.ops = &state_ops;
	fx.app.cfg = &fx.cfg;
	fx.app.db = &fx.db.base;
	ck_assert_int_eq(ca_session_keys_init(&fx.app.keys, SECRET, BASE_URL, 3600, NULL), CA_OK);
	ck_assert_int_eq(ca_http_router_new(&fx.app.router, NULL), CA_OK);
	ck_assert_int_eq(app_routes_add(&fx.app, table, sizeof(table) / sizeof(table[0]), NULL),
			 CA_OK);
	/* sign a client in the way the app does, and keep its cookies */
	req.method = "POST";
	req.path = req.raw_path = "/api/session";
	ca_http_response_init(&resp);
	ck_assert(app_session_start(&fx.app, &req, &resp, "42", "ann@example.com"));
	cookie_pair(&resp, "session", session, sizeof(session));
	cookie_pair(&resp, CA_CSRF_COOKIE, csrf, sizeof(csrf));
	snprintf(fx.cookie_line, sizeof(fx.cookie_line), "%s; %s", session, csrf);
	snprintf(fx.csrf, sizeof(fx.csrf), "%s", csrf + strlen(CA_CSRF_COOKIE) + 1);
	ca_http_response_release(&resp);
}

static void teardown(void)
{
	ca_http_router_free(fx.app.router);
	app_routes_release(&fx.app);
	ca_session_keys_release(&fx.app.keys);
}

struct call {
	const char *method, *path;
	bool signed_in;            /* send the client's cookies */
	bool csrf;                 /* send its X-CSRF-Token */
	const char *origin;        /* an Origin header, or NULL */
	const char *body;          /* with Content-Type: application/json, or NULL */
};

/* Dispatches c and returns the answer's status. */
static int send(const struct call *c)
{
	struct ca_http_request req;
	struct ca_http_response resp;
	int status;

	memset(&req, 0, sizeof(req));
	req.method = c->method;
	req.path = req.raw_path = c->path;
	req.app = &fx.app;
	req.body = c->body ? c->body : "";
	req.body_len = c->body ? strlen(c->body) : 0;
	if (c->signed_in)
		ck_assert_int_eq(ca_http_cookie_parse(fx.cookie_line, &req.cookies), CA_OK);
	if (c->csrf)
		ca_http_kv_adds(&req.headers, "x-csrf-token", fx.csrf);
	if (c->origin)
		ca_http_kv_adds(&req.headers, "origin", c->origin);
	if (c->body)
		ca_http_kv_adds(&req.headers, "content-type", "application/json");
	ca_http_response_init(&resp);
	ck_assert_int_eq(ca_http_router_dispatch(fx.app.router, &req, &resp), CA_OK);
	status = resp.status;
	ca_http_response_release(&resp);
	ca_http_kv_release(&req.cookies);
	ca_http_kv_release(&req.headers);
	ca_http_kv_release(&req.params);
	return status;
}

START_TEST(open_route_runs_for_anyone)
{
	struct call c = { "GET", "/open", false, false, NULL, NULL };
	int reads = fx.db.state_reads;

	ck_assert_int_eq(send(&c), 204);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_str_eq(seen.user, "");
	ck_assert_int_eq(fx.db.state_reads, reads);
}
END_TEST

START_TEST(sign_in_required_refuses_without_a_session)
{
	struct call anon = { "GET", "/signed-in", false, false, NULL, NULL };
	struct call user = { "GET", "/signed-in", true, false, NULL, NULL };

	ck_assert_int_eq(send(&anon), 401);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(send(&user), 204);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_str_eq(seen.user, "42");
	ck_assert_int_eq(fx.db.state_reads, 2); /* one at sign-in, one for the request */
}
END_TEST

START_TEST(sign_in_required_refuses_an_ended_session)
{
	struct call user = { "GET", "/signed-in", true, false, NULL, NULL };

	fx.db.generation = 1; /* a revoke-all since the client signed in */
	ck_assert_int_eq(send(&user), 401);
	ck_assert_int_eq(seen.calls, 0);
}
END_TEST

START_TEST(session_route_checks_the_signature_only)
{
	struct call anon = { "GET", "/session", false, false, NULL, NULL };
	struct call user = { "GET", "/session", true, false, NULL, NULL };
	int reads;

	ck_assert_int_eq(send(&anon), 401);
	ck_assert_int_eq(seen.calls, 0);
	reads = fx.db.state_reads;
	fx.db.generation = 1; /* the handler reads the state itself: not refused here */
	ck_assert_int_eq(send(&user), 204);
	ck_assert_str_eq(seen.user, "42");
	ck_assert_int_eq(fx.db.state_reads, reads);
}
END_TEST

START_TEST(csrf_required_refuses_without_the_token)
{
	struct call no_token = { "POST", "/csrf", true, false, NULL, NULL };
	struct call cross = { "POST", "/csrf", true, true, "https://evil.example", NULL };
	struct call ok = { "POST", "/csrf", true, true, BASE_URL, NULL };
	struct call anon = { "POST", "/csrf", false, true, NULL, NULL };

	ck_assert_int_eq(send(&no_token), 403);
	ck_assert_int_eq(send(&cross), 403);
	ck_assert_int_eq(send(&anon), 401);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(send(&ok), 204);
	ck_assert_int_eq(seen.calls, 1);
}
END_TEST

START_TEST(same_origin_required_refuses_another_site)
{
	struct call cross = { "POST", "/same-origin", false, false, "https://evil.example", NULL };
	struct call same = { "POST", "/same-origin", false, false, BASE_URL, NULL };
	struct call tool = { "POST", "/same-origin", false, false, NULL, NULL };

	ck_assert_int_eq(send(&cross), 403);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(send(&same), 204);
	ck_assert_int_eq(send(&tool), 204); /* no Origin: a non-browser client */
	ck_assert_int_eq(seen.calls, 2);
}
END_TEST

START_TEST(json_body_required_refuses_other_bodies)
{
	struct call none = { "POST", "/json", false, false, NULL, NULL };
	struct call bad = { "POST", "/json", false, false, NULL, "{\"a\":" };
	struct call list = { "POST", "/json", false, false, NULL, "[1, 2]" };
	struct call ok = { "POST", "/json", false, false, NULL, "{\"a\": 1}" };

	ck_assert_int_ge(send(&none), 400);
	ck_assert_int_eq(send(&bad), 400);
	ck_assert_int_ge(send(&list), 400);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(send(&ok), 204);
	ck_assert(seen.had_body);
}
END_TEST

START_TEST(requirements_checked_in_order)
{
	/* no session: 401 before the CSRF token or the body are looked at */
	struct call anon = { "PUT", "/all", false, false, NULL, "{" };
	/* a session without the token: 403 before the body is read */
	struct call no_token = { "PUT", "/all", true, false, NULL, "{" };
	struct call bad_body = { "PUT", "/all", true, true, NULL, "{" };
	struct call ok = { "PUT", "/all", true, true, NULL, "{\"name\": \"x\"}" };

	ck_assert_int_eq(send(&anon), 401);
	ck_assert_int_eq(send(&no_token), 403);
	ck_assert_int_eq(send(&bad_body), 400);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(send(&ok), 204);
	ck_assert_str_eq(seen.user, "42");
	ck_assert(seen.had_body);
}
END_TEST

START_TEST(csrf_without_a_session_is_refused_at_start)
{
	static const struct app_route unbound[] = {
		{ "POST", "/x", record, APP_ROUTE_CSRF },
	};
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(app_routes_add(&fx.app, unbound, 1, &err), CA_EINVAL);
	ck_assert(strstr(ca_err_msg(&err), "POST /x"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("app_routes");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_route_runs_for_anyone);
	tcase_add_test(tc, sign_in_required_refuses_without_a_session);
	tcase_add_test(tc, sign_in_required_refuses_an_ended_session);
	tcase_add_test(tc, session_route_checks_the_signature_only);
	tcase_add_test(tc, csrf_required_refuses_without_the_token);
	tcase_add_test(tc, same_origin_required_refuses_another_site);
	tcase_add_test(tc, json_body_required_refuses_other_bodies);
	tcase_add_test(tc, requirements_checked_in_order);
	tcase_add_test(tc, csrf_without_a_session_is_refused_at_start);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
