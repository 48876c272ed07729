#include "http/router.h"

#include <stdlib.h>
#include <string.h>

#include "http/urlcode.h"
#include "util/buf.h"
#include "util/banned.h"

#define ROUTE_SEGMENTS_MAX 32

struct route_segment {
	char *text;       /* literal text, or the parameter name */
	bool is_param;
};

struct route {
	char *method;
	struct route_segment *segs;
	size_t nsegs;
	ca_http_handler_fn handler;
	void *ctx;
	unsigned flags;
};

struct ca_http_router {
	struct route *routes;
	size_t n, cap;
	ca_http_handler_fn fallback;
	void *fallback_ctx;
};

int ca_http_router_new(struct ca_http_router **out, struct ca_err *err)
{
	*out = calloc(1, sizeof(**out));
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory creating the router.");
}

static void route_release(struct route *rt)
{
	size_t i;

	for (i = 0; i < rt->nsegs; i++)
		free(rt->segs[i].text);
	free(rt->segs);
	free(rt->method);
}

void ca_http_router_free(struct ca_http_router *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		route_release(&r->routes[i]);
	free(r->routes);
	free(r);
}

static bool param_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* Splits pattern into rt->segs. CA_OK, CA_EINVAL or CA_ENOMEM. */
static int parse_pattern(struct route *rt, const char *pattern, struct ca_err *err)
{
	const char *p = pattern + 1;

	if (pattern[0] != '/')
		return ca_err_set(err, CA_EINVAL, "Route pattern '%s' must start with '/'.", pattern);
	rt->segs = calloc(ROUTE_SEGMENTS_MAX, sizeof(*rt->segs));
	if (!rt->segs)
		return ca_err_set(err, CA_ENOMEM, "Out of memory adding a route.");
	if (*p == '\0')
		return CA_OK; /* "/" has no segments */
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct route_segment *seg;
		size_t i;

		if (rt->nsegs == ROUTE_SEGMENTS_MAX)
			return ca_err_set(err, CA_EINVAL, "Route pattern '%s' has too many segments.",
					  pattern);
		seg = &rt->segs[rt->nsegs];
		if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
			if (!param_name_ok(p + 1, n - 2))
				return ca_err_set(err, CA_EINVAL,
						  "Route pattern '%s' has a bad parameter name.", pattern);
			seg->is_param = true;
			seg->text = strndup(p + 1, n - 2);
			for (i = 0; seg->text && i < rt->nsegs; i++)
				if (rt->segs[i].is_param && strcmp(rt->segs[i].text, seg->text) == 0) {
					rt->nsegs++; /* so that it is freed */
					return ca_err_set(err, CA_EINVAL,
							  "Route pattern '%s' uses a parameter name twice.",
							  pattern);
				}
		} else {
			if (memchr(p, '{', n) || memchr(p, '}', n))
				return ca_err_set(err, CA_EINVAL,
						  "Route pattern '%s': a parameter must be a whole segment.",
						  pattern);
			seg->text = strndup(p, n);
		}
		rt->nsegs++;
		if (!seg->text)
			return ca_err_set(err, CA_ENOMEM, "Out of memory adding a route.");
		if (!end)
			break;
		p = end + 1;
	}
	return CA_OK;
}

int ca_http_router_add(struct ca_http_router *r, const char *method, const char *pattern,
		       ca_http_handler_fn handler, void *ctx, struct ca_err *err)
{
	return ca_http_router_add_flags(r, method, pattern, handler, ctx, 0, err);
}

int ca_http_router_add_flags(struct ca_http_router *r, const char *method, const char *pattern,
			     ca_http_handler_fn handler, void *ctx, unsigned flags,
			     struct ca_err *err)
{
	struct route rt = { NULL, NULL, 0, handler, ctx, flags };
	int rc;

	if (!method || !*method || !pattern || !handler) {
		rc = ca_err_set(err, CA_EINVAL, "A route needs a method, a pattern and a handler.");
		goto fail;
	}
	if ((rc = parse_pattern(&rt, pattern, err)) != CA_OK)
		goto fail;
	rt.method = strdup(method);
	if (!rt.method) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory adding a route.");
		goto fail;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct route *routes = realloc(r->routes, cap * sizeof(*routes));

		if (!routes) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory adding a route.");
			goto fail;
		}
		r->routes = routes;
		r->cap = cap;
	}
	r->routes[r->n++] = rt;
	return CA_OK;
fail:
	route_release(&rt);
	return rc;
}

void ca_http_router_set_fallback(struct ca_http_router *r, ca_http_handler_fn handler, void *ctx)
{
	r->fallback = handler;
	r->fallback_ctx = ctx;
}

struct path_segment {
	const char *s;
	size_t n;
};

/* Splits a raw path into segments; false when it has too many to match any route. */
static bool split_path(const char *path, struct path_segment *segs, size_t *nsegs)
{
	const char *p = path + 1;

	*nsegs = 0;
	if (path[0] != '/')
		return false;
	if (*p == '\0')
		return true;
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (*nsegs == ROUTE_SEGMENTS_MAX)
			return false;
		segs[*nsegs].s = p;
		segs[*nsegs].n = n;
		(*nsegs)++;
		if (!end)
			return true;
		p = end + 1;
	}
}

static bool route_matches_path(const struct route *rt, const struct path_segment *segs,
			       size_t nsegs)
{
	size_t i;

	if (rt->nsegs != nsegs)
		return false;
	for (i = 0; i < nsegs; i++) {
		if (rt->segs[i].is_param) {
			if (segs[i].n == 0)
				return false;
		} else if (strlen(rt->segs[i].text) != segs[i].n ||
			   memcmp(rt->segs[i].text, segs[i].s, segs[i].n) != 0) {
			return false;
		}
	}
	return true;
}

static bool method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

static int fill_params(const struct route *rt, const struct path_segment *segs,
		       struct ca_http_kv *params)
{
	struct ca_buf value = CA_BUF_INIT;
	size_t i;
	int rc = CA_OK;

	for (i = 0; i < rt->nsegs && rc == CA_OK; i++) {
		if (!rt->segs[i].is_param)
			continue;
		ca_buf_reset(&value);
		rc = ca_http_percent_decode(segs[i].s, segs[i].n, false, &value);
		if (rc == CA_OK)
			rc = ca_http_kv_add(params, rt->segs[i].text, strlen(rt->segs[i].text),
					    value.data, value.len);
	}
	ca_buf_release(&value);
	return rc;
}

static int answer_405(const struct ca_http_router *r, const struct path_segment *segs,
		      size_t nsegs, struct ca_http_response *resp)
{
	struct ca_buf allow = CA_BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++) {
		const char *m = r->routes[i].method;

		if (!route_matches_path(&r->routes[i], segs, nsegs))
			continue;
		ca_buf_addf(&allow, "%s%s", allow.len ? ", " : "", m);
		if (strcmp(m, "GET") == 0)
			ca_buf_adds(&allow, ", HEAD");
	}
	rc = ca_http_respond_error(resp, 405, "This address does not accept that method.");
	if (rc == CA_OK)
		rc = ca_buf_ok(&allow) ? ca_http_set_header(resp, "Allow", allow.data) : CA_ENOMEM;
	ca_buf_release(&allow);
	return rc;
}

bool ca_http_router_match(const struct ca_http_router *r, const char *method,
			  const char *raw_path, unsigned *flags)
{
	struct path_segment segs[ROUTE_SEGMENTS_MAX];
	size_t nsegs = 0, i;

	if (!split_path(raw_path, segs, &nsegs))
		return false;
	for (i = 0; i < r->n; i++) {
		const struct route *rt = &r->routes[i];

		if (route_matches_path(rt, segs, nsegs) && method_matches(rt->method, method)) {
			if (flags)
				*flags = rt->flags;
			return true;
		}
	}
	return false;
}

int ca_http_router_dispatch(const struct ca_http_router *r, struct ca_http_request *req,
			    struct ca_http_response *resp)
{
	struct path_segment segs[ROUTE_SEGMENTS_MAX];
	size_t nsegs = 0, i;
	bool path_known = false;
	int rc;

	if (split_path(req->raw_path, segs, &nsegs)) {
		for (i = 0; i < r->n; i++) {
			const struct route *rt = &r->routes[i];

			if (!route_matches_path(rt, segs, nsegs))
				continue;
			path_known = true;
			if (!method_matches(rt->method, req->method))
				continue;
			rc = fill_params(rt, segs, &req->params);
			if (rc == CA_EPARSE)
				return ca_http_respond_error(resp, 400,
							     "The address holds a malformed %%-escape.");
			if (rc != CA_OK)
				return rc;
			return rt->handler(req, resp, rt->ctx);
		}
	}
	if (path_known)
		return answer_405(r, segs, nsegs, resp);
	if (r->fallback)
		return r->fallback(req, resp, r->fallback_ctx);
	return ca_http_respond_error(resp, 404, "Nothing is at this address.");
}
