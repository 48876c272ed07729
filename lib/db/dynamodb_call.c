/*
 * dynamodb_call.c — one DynamoDB call that keeps the service's error code, so
 * the backend can tell a failed condition from a real failure.
 */
#include "db/dynamodb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define DDB_TARGET_PREFIX "DynamoDB_20120810."

void ddb_failure_release(struct ddb_failure *f)
{
	if (!f)
		return;
	json_decref(f->body);
	f->body = NULL;
	f->code[0] = '\0';
}

bool ddb_failed_with(const struct ddb_failure *f, const char *code)
{
	return f && strcmp(f->code, code) == 0;
}

/* The db range's code for what the client layer reported. */
static int db_code(int aws_rc, const struct aws_response *resp)
{
	switch (aws_rc) {
	case CA_ENOMEM:
		return CA_ENOMEM;
	case CA_AWS_SERVICE:
	case CA_AWS_BAD_RESPONSE:
		if (strcmp(resp->error.code, "ResourceNotFoundException") == 0)
			return CA_DB_SCHEMA;
		return CA_DB_QUERY;
	case CA_AWS_THROTTLED:
		return CA_DB_QUERY;
	default: /* network, timeout, credentials, region, endpoint, signing */
		return CA_DB_CONNECT;
	}
}

int ddb_call(struct ddb *d, const char *op, const json_t *in, json_t **out,
	     struct ddb_failure *fail, struct ca_err *err)
{
	struct aws_http_header hdrs[2];
	struct aws_request req;
	struct aws_response resp;
	struct ca_err call_err;
	char target[64];
	char *body = NULL;
	json_t *answer = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (fail)
		ddb_failure_release(fail);
	aws_response_init(&resp);
	ca_err_clear(&call_err);
	snprintf(target, sizeof(target), DDB_TARGET_PREFIX "%s", op);
	body = json_dumps(in, JSON_COMPACT);
	if (!body) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory encoding a DynamoDB request.");
		goto out;
	}
	hdrs[0].name = "Content-Type";
	hdrs[0].value = "application/x-amz-json-1.0";
	hdrs[1].name = "X-Amz-Target";
	hdrs[1].value = target;
	memset(&req, 0, sizeof(req));
	req.service = AWS_SVC_DYNAMODB;
	req.method = "POST";
	req.path = "/";
	req.headers = hdrs;
	req.n_headers = 2;
	req.body = body;
	req.body_len = strlen(body);
	rc = aws_client_send(d->client, &req, &resp, &call_err);
	if (rc != CA_OK) {
		if (fail && resp.http.status >= 400) {
			snprintf(fail->code, sizeof(fail->code), "%s", resp.error.code);
			if (resp.http.body.len && resp.http.body.len <= AWS_ERROR_BODY_MAX)
				fail->body = json_loadb(resp.http.body.data, resp.http.body.len, 0,
							NULL);
		}
		rc = ca_err_set(err, db_code(rc, &resp), "%s", ca_err_msg(&call_err));
		goto out;
	}
	if (resp.http.body.len == 0) {
		answer = json_object();
	} else {
		answer = json_loadb(resp.http.body.data, resp.http.body.len, 0, NULL);
		if (answer && !json_is_object(answer)) {
			json_decref(answer);
			answer = NULL;
		}
	}
	if (!answer) {
		rc = ca_err_set(err, CA_DB_QUERY, "DynamoDB %s answered with something that is not a JSON object.", op);
		goto out;
	}
	if (out) {
		*out = answer;
		answer = NULL;
	}
out:
	json_decref(answer);
	free(body);
	aws_response_release(&resp);
	return rc;
}
