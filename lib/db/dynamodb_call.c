/*
 * dynamodb_call.c — a DynamoDB call through the protocol layer, its failures in the
 * db range of codes, so the backend can tell a failed condition from a real failure.
 */
#include "db/dynamodb_internal.h"

#include <string.h>

#include "util/banned.h"

bool ddb_failed_with(const struct aws_result *f, const char *code)
{
	return f && strcmp(f->error_code, code) == 0;
}

/* The db range's code for what the protocol layer reported. */
static int db_code(int aws_rc, const struct aws_result *res)
{
	switch (aws_rc) {
	case CA_ENOMEM:
		return CA_ENOMEM;
	case CA_AWS_SERVICE:
	case CA_AWS_BAD_RESPONSE:
		if (strcmp(res->error_code, "ResourceNotFoundException") == 0)
			return CA_DB_SCHEMA;
		return CA_DB_QUERY;
	case CA_AWS_THROTTLED:
		return CA_DB_QUERY;
	default: /* network, timeout, credentials, region, endpoint, signing */
		return CA_DB_CONNECT;
	}
}

int ddb_call(struct ddb *d, const char *op, const json_t *in, json_t **out,
	     struct aws_result *fail, struct ca_err *err)
{
	struct aws_op o = { .name = op, .json = in };
	struct aws_result res;
	struct ca_err call_err;
	int rc;

	if (out)
		*out = NULL;
	aws_result_release(fail);
	aws_result_init(&res);
	ca_err_clear(&call_err);
	rc = aws_call(d->client, AWS_SVC_DYNAMODB, &o, &res, &call_err);
	if (rc != CA_OK) {
		rc = ca_err_set(err, db_code(rc, &res), "%s", ca_err_msg(&call_err));
		if (fail) {
			*fail = res;
			aws_result_init(&res);
		}
	} else if (out) {
		*out = res.output;
		res.output = NULL;
	}
	aws_result_release(&res);
	return rc;
}
