#include "aws/service_call.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

static void keep_code(const struct aws_response *resp, int rc, char *code)
{
	if (!code)
		return;
	code[0] = '\0';
	if (rc == CA_AWS_SERVICE || rc == CA_AWS_THROTTLED)
		snprintf(code, AWS_ERROR_CODE_MAX, "%s", resp->error.code);
}

int aws_json_call_code(struct aws_client *c, enum aws_service svc, const char *target,
		       const json_t *in, json_t **out, char *code, struct ca_err *err)
{
	struct aws_http_header hdrs[2] = {
		{ "Content-Type", svc == AWS_SVC_DYNAMODB ? "application/x-amz-json-1.0"
							  : "application/x-amz-json-1.1" },
		{ "X-Amz-Target", target },
	};
	struct aws_response resp;
	struct aws_request req;
	json_error_t jerr;
	char *body = in ? json_dumps(in, JSON_COMPACT) : ca_strdup("{}");
	json_t *v;
	int rc;

	aws_response_init(&resp);
	if (out)
		*out = NULL;
	if (code)
		code[0] = '\0';
	if (!body) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory encoding the JSON request.");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.service = svc;
	req.method = "POST";
	req.path = "/";
	req.headers = hdrs;
	req.n_headers = 2;
	req.body = body;
	req.body_len = strlen(body);
	rc = aws_client_send(c, &req, &resp, err);
	keep_code(&resp, rc, code);
	if (rc != CA_OK || !out)
		goto out;
	if (resp.http.body.len == 0) {
		*out = json_object();
		rc = *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
		goto out;
	}
	v = json_loadb(resp.http.body.data, resp.http.body.len, 0, &jerr);
	if (!json_is_object(v)) {
		json_decref(v);
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE, "%s: the answer to %s is not a JSON object.",
				aws_service_signing_name(svc), target);
		goto out;
	}
	*out = v;
out:
	free(body);
	aws_response_release(&resp);
	return rc;
}

int aws_query_call_code(struct aws_client *c, enum aws_service svc, const char *action,
			const struct aws_param *params, size_t n_params,
			struct ca_xml_node **out, char *code, struct ca_err *err)
{
	struct aws_http_header hdr = { "Content-Type",
				       "application/x-www-form-urlencoded; charset=utf-8" };
	struct aws_param head[2] = { { "Action", action }, { "Version", aws_query_version(svc) } };
	struct ca_buf body = CA_BUF_INIT;
	struct aws_response resp;
	struct aws_request req;
	int rc;

	aws_response_init(&resp);
	if (out)
		*out = NULL;
	if (code)
		code[0] = '\0';
	if (!head[1].value || !action || !*action) {
		rc = ca_err_set(err, CA_EINVAL,
				"%s does not speak the query protocol, or no Action was given.",
				aws_service_signing_name(svc));
		goto out;
	}
	if (aws_params_encode(&body, head, 2) || aws_params_encode(&body, params, n_params)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory encoding the request.");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.service = svc;
	req.method = "POST";
	req.path = "/";
	req.headers = &hdr;
	req.n_headers = 1;
	req.body = body.data;
	req.body_len = body.len;
	rc = aws_client_send(c, &req, &resp, err);
	keep_code(&resp, rc, code);
	if (rc == CA_OK && out)
		rc = aws_response_xml(&resp, out, err);
out:
	ca_buf_release(&body);
	aws_response_release(&resp);
	return rc;
}
