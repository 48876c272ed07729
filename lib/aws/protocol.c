/*
 * protocol.c — one call per AWS operation over the client's transport (see protocol.h).
 */
#include "aws/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* "AWSCognitoIdentityProviderService." + the longest operation names, with room. */
#define TARGET_MAX 192

void aws_result_init(struct aws_result *r)
{
	memset(r, 0, sizeof(*r));
}

void aws_result_release(struct aws_result *r)
{
	if (!r)
		return;
	json_decref(r->output);
	ca_xml_free(r->xml);
	aws_result_init(r);
}

static void copy_error(struct aws_result *res, const struct aws_error *e)
{
	snprintf(res->error_code, sizeof(res->error_code), "%s", e->code);
	snprintf(res->error_message, sizeof(res->error_message), "%s", e->message);
	res->error_code_from_body = e->code_from_body != 0;
	if (e->request_id[0])
		snprintf(res->request_id, sizeof(res->request_id), "%s", e->request_id);
}

const char *aws_json_target_operation(enum aws_service svc, const char *target)
{
	const struct aws_service_meta *m = aws_service_meta(svc);
	size_t n;

	if (!m || m->protocol != AWS_PROTO_JSON || !target)
		return NULL;
	n = strlen(m->target_prefix);
	if (!strncmp(target, m->target_prefix, n) && target[n] == '.')
		target += n + 1;
	return *target && !strchr(target, '.') ? target : NULL;
}

/* A JSON object from body into *out; an empty body is {}. false when it is not one. */
static bool json_object_of(const struct ca_buf *body, json_t **out)
{
	json_t *v;

	if (body->len == 0) {
		*out = json_object();
		return *out != NULL;
	}
	v = json_loadb(body->data, body->len, 0, NULL);
	if (!json_is_object(v)) {
		json_decref(v);
		return false;
	}
	*out = v;
	return true;
}

/* jansson's writer into a ca_buf. */
static int append(const char *buffer, size_t size, void *data)
{
	struct ca_buf *b = data;

	return ca_buf_add(b, buffer, size) == CA_OK ? 0 : -1;
}

/* The encoded request body of op into *body, the headers into hdrs (*n of them). */
static int encode(const struct aws_service_meta *m, const struct aws_op *op, char *target,
		  char *content_type, struct aws_http_header *hdrs, size_t *n,
		  struct ca_buf *body, struct ca_err *err)
{
	struct aws_param head[2] = { { "Action", op->name }, { "Version", m->api_version } };

	*n = 0;
	switch (m->protocol) {
	case AWS_PROTO_JSON:
		snprintf(target, TARGET_MAX, "%s.%s", m->target_prefix, op->name);
		snprintf(content_type, 32, "application/x-amz-json-%s", m->json_version);
		hdrs[(*n)++] = (struct aws_http_header){ "Content-Type", content_type };
		hdrs[(*n)++] = (struct aws_http_header){ "X-Amz-Target", target };
		/* fall through */
	case AWS_PROTO_REST_JSON:
		if (!op->json && m->protocol == AWS_PROTO_REST_JSON)
			return CA_OK;
		if (m->protocol == AWS_PROTO_REST_JSON)
			hdrs[(*n)++] = (struct aws_http_header){ "Content-Type", "application/json" };
		if (!op->json)
			ca_buf_adds(body, "{}");
		else if (json_dump_callback(op->json, append, body, JSON_COMPACT) &&
			 ca_buf_ok(body))
			return ca_err_set(err, CA_EINVAL, "The %s %s input cannot be written as JSON.",
					  m->signing_name, op->name);
		break;
	case AWS_PROTO_QUERY:
		hdrs[(*n)++] = (struct aws_http_header){
			"Content-Type", "application/x-www-form-urlencoded; charset=utf-8" };
		if (aws_params_encode(body, head, 2) == CA_OK)
			aws_params_encode(body, op->params, op->n_params);
		break;
	case AWS_PROTO_REST_XML:
		return ca_err_set(err, CA_EINVAL,
				  "%s speaks rest-xml: send its requests with aws_s3_send.",
				  m->signing_name);
	}
	if (!ca_buf_ok(body))
		return ca_err_set(err, CA_ENOMEM, "Out of memory encoding the %s %s request.",
				  m->signing_name, op->name);
	return CA_OK;
}

int aws_call(struct aws_client *c, enum aws_service svc, const struct aws_op *op,
	     struct aws_result *res, struct ca_err *err)
{
	const struct aws_service_meta *m = aws_service_meta(svc);
	struct aws_http_header hdrs[2];
	struct ca_buf body = CA_BUF_INIT, path = CA_BUF_INIT;
	struct aws_response resp;
	struct aws_request req;
	char target[TARGET_MAX], content_type[32];
	const char *rid;
	size_t n = 0;
	int rc;

	aws_result_release(res);
	aws_response_init(&resp);
	if (!m || !op || !op->name || !*op->name) {
		rc = ca_err_set(err, CA_EINVAL, "An AWS call needs a known service and an operation name.");
		goto out;
	}
	if ((rc = encode(m, op, target, content_type, hdrs, &n, &body, err)))
		goto out;
	memset(&req, 0, sizeof(req));
	req.service = svc;
	req.method = "POST";
	req.path = "/";
	if (m->protocol == AWS_PROTO_REST_JSON && op->path) {
		req.path = op->path;
	} else if (m->protocol == AWS_PROTO_REST_JSON) {
		ca_buf_addf(&path, "/%s", op->name);
		if (!ca_buf_ok(&path)) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto out;
		}
		req.path = path.data;
	}
	req.headers = hdrs;
	req.n_headers = n;
	req.body = body.len ? body.data : NULL;
	req.body_len = body.len;
	req.max_body = op->max_body;
	rc = aws_client_send(c, &req, &resp, err);

	res->status = (int)resp.http.status;
	res->attempts = resp.attempts;
	if ((rid = aws_http_response_request_id(&resp.http)))
		snprintf(res->request_id, sizeof(res->request_id), "%s", rid);
	if (rc == CA_AWS_SERVICE || rc == CA_AWS_THROTTLED) {
		copy_error(res, &resp.error);
		if (m->protocol != AWS_PROTO_QUERY && resp.http.body.len &&
		    resp.http.body.len <= AWS_ERROR_BODY_MAX &&
		    !json_object_of(&resp.http.body, &res->output))
			res->output = NULL;
		goto out;
	}
	if (rc != CA_OK)
		goto out;
	if (m->protocol == AWS_PROTO_QUERY) {
		rc = aws_response_xml(&resp, &res->xml, err);
	} else if (!json_object_of(&resp.http.body, &res->output)) {
		res->output = NULL;
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"%s %s: the answer is not a JSON object (HTTP %ld, %zu bytes).",
				m->signing_name, op->name, resp.http.status, resp.http.body.len);
	}
out:
	if (op && op->secret_input && body.data)
		explicit_bzero(body.data, body.len);
	ca_buf_release(&body);
	ca_buf_release(&path);
	aws_response_release(&resp);
	return rc;
}

int aws_call_answer(struct aws_client *c, enum aws_service svc, const struct aws_op *op,
		    const struct aws_expect *expect, json_t **json, struct ca_xml_node **xml,
		    struct ca_err *err)
{
	struct aws_result res;
	struct ca_err local;
	int rc;

	if (json)
		*json = NULL;
	if (xml)
		*xml = NULL;
	aws_result_init(&res);
	ca_err_clear(&local);
	rc = aws_call(c, svc, op, &res, &local);
	if (rc == CA_AWS_SERVICE && expect && expect->code && !strcmp(res.error_code, expect->code)) {
		rc = expect->rc;
		if (expect->say && rc != CA_OK)
			ca_err_set(err, rc, "%s", ca_err_msg(&local));
	} else if (rc != CA_OK) {
		ca_err_set(err, rc, "%s", ca_err_msg(&local));
	} else {
		if (json) {
			*json = res.output;
			res.output = NULL;
		}
		if (xml) {
			*xml = res.xml;
			res.xml = NULL;
		}
	}
	aws_result_release(&res);
	return rc;
}

int aws_call_json(struct aws_client *c, enum aws_service svc, const char *operation,
		  const json_t *in, json_t **out, struct ca_err *err)
{
	struct aws_op op = { .name = operation, .json = in };

	return aws_call_answer(c, svc, &op, NULL, out, NULL, err);
}

int aws_query_call(struct aws_client *c, enum aws_service svc, const char *action,
		   const struct aws_param *params, size_t n_params, struct ca_xml_node **out,
		   struct ca_err *err)
{
	struct aws_op op = { .name = action, .params = params, .n_params = n_params };

	return aws_call_answer(c, svc, &op, NULL, NULL, out, err);
}
