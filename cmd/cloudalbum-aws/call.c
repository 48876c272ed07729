/*
 * call — send one signed request to an AWS service and print the answer's body.
 * A debugging aid and the tool the acceptance tests use to show that AWS (or the
 * emulator with signature checking on) accepts what the library signs.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/protocol.h"
#include "cmds.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"
#include "util/banned.h"

#define CALL_MAX_PARAMS 64
#define CALL_MAX_HEADERS 32
#define CALL_MAX_DATA (64u * 1024 * 1024)

struct call_args {
	const char *service;
	const char *target;
	const char *action;
	const char *method;
	const char *path;
	const char *data;                       /* JSON text or @file */
	struct aws_param params[CALL_MAX_PARAMS];
	size_t n_params;
	struct aws_http_header headers[CALL_MAX_HEADERS];
	size_t n_headers;
	char *owned[CALL_MAX_PARAMS + CALL_MAX_HEADERS];  /* split copies of k=v / Name: value */
	size_t n_owned;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cloudalbum-aws call SERVICE [--target X-Amz-Target | --action Action]\n"
		"                           [--method M] [--path P] [--data JSON|@FILE]\n"
		"                           [--param K=V ...] [--header 'Name: value' ...]\n"
		"\n"
		"Sends one request, signed with SigV4, to SERVICE (dynamodb, s3, sts, iam, ec2,\n"
		"cognito-idp, xray) and prints the body of the answer on stdout. Retries\n"
		"throttling, 5xx and connection errors like the AWS SDKs (AWS_MAX_ATTEMPTS).\n"
		"\n"
		"  --target T     JSON protocol: POST / with X-Amz-Target T and --data as the\n"
		"                 body ({} when absent); e.g. DynamoDB_20120810.ListTables, or\n"
		"                 the operation alone (ListTables): the service's prefix is known\n"
		"  --action A     query protocol (STS, IAM, EC2): Action=A&Version=.. plus --param\n"
		"  --method M     HTTP method for REST calls (default GET, or POST/PUT with --data)\n"
		"  --path P       REST path; for s3 '/BUCKET/KEY' (KEY raw, encoded here),\n"
		"                 for others already percent-encoded\n"
		"  --data D       request body: JSON text, or @FILE for a file's bytes\n"
		"  --param K=V    query parameter (REST, s3) or form field (--action); repeatable\n"
		"  --header H     extra header 'Name: value' (e.g. Content-Type); repeatable\n"
		"  -h, --help     show this help\n"
		"\n"
		"Region and credentials come from the usual chain (see configure-list); the\n"
		"endpoint from AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, else real AWS.\n"
		"Exit status: 0 on a 2xx answer, 1 on any failure (a sentence on stderr says\n"
		"what went wrong), 2 for bad usage.\n");
}

static void call_args_release(struct call_args *a)
{
	size_t i;

	for (i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	a->n_owned = 0;
}

/* Splits "k=v" (sep '=') or "Name: value" (sep ':') into a name and a value. */
static int split_pair(struct call_args *a, const char *arg, char sep, const char **name,
		      const char **value, struct ca_err *err)
{
	char *copy, *at;

	if (a->n_owned >= sizeof(a->owned) / sizeof(a->owned[0]))
		return ca_err_set(err, CA_ERANGE, "Too many --param/--header options.");
	copy = ca_strdup(arg);
	if (!copy)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	a->owned[a->n_owned++] = copy;
	at = strchr(copy, sep);
	if (!at || at == copy)
		return ca_err_set(err, CA_EINVAL, "\"%.80s\" is not %s.", arg,
				  sep == '=' ? "NAME=VALUE" : "'Name: value'");
	*at++ = '\0';
	while (sep == ':' && *at == ' ')
		at++;
	*name = copy;
	*value = at;
	return CA_OK;
}

static int parse_args(int argc, char **argv, struct call_args *a, struct ca_err *err)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "action", required_argument, NULL, 'a' },
		{ "method", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' },
		{ "param", required_argument, NULL, 'P' },
		{ "header", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->target = optarg; break;
		case 'a': a->action = optarg; break;
		case 'm': a->method = optarg; break;
		case 'p': a->path = optarg; break;
		case 'd': a->data = optarg; break;
		case 'P':
			if (a->n_params >= CALL_MAX_PARAMS)
				return ca_err_set(err, CA_ERANGE, "At most %d --param options.", CALL_MAX_PARAMS);
			rc = split_pair(a, optarg, '=', &a->params[a->n_params].name,
					&a->params[a->n_params].value, err);
			if (rc)
				return rc;
			a->n_params++;
			break;
		case 'H':
			if (a->n_headers >= CALL_MAX_HEADERS)
				return ca_err_set(err, CA_ERANGE, "At most %d --header options.", CALL_MAX_HEADERS);
			rc = split_pair(a, optarg, ':', &a->headers[a->n_headers].name,
					&a->headers[a->n_headers].value, err);
			if (rc)
				return rc;
			a->n_headers++;
			break;
		case 'h': return -1;
		default: return ca_err_set(err, CA_EINVAL, "Unknown option; see --help.");
		}
	}
	if (optind + 1 != argc)
		return ca_err_set(err, CA_EINVAL, "Give exactly one SERVICE; see --help.");
	a->service = argv[optind];
	if (a->target && a->action)
		return ca_err_set(err, CA_EINVAL, "--target and --action cannot be used together.");
	return CA_OK;
}

/* The body named by --data: the text itself, or the bytes of @FILE (capped). */
static int load_data(const char *data, struct ca_buf *out, struct ca_err *err)
{
	char chunk[65536];
	FILE *f = NULL;
	size_t n;
	int rc = CA_OK;

	if (!data)
		return CA_OK;
	if (data[0] != '@')
		return ca_buf_adds(out, data) ? ca_err_set(err, CA_ENOMEM, "Out of memory.") : CA_OK;
	f = fopen(data + 1, "rb");
	if (!f)
		return ca_err_set(err, CA_EIO, "Cannot open %.200s for --data.", data + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > CALL_MAX_DATA) {
			rc = ca_err_set(err, CA_ERANGE, "%.200s is larger than the %u bytes --data allows.",
					data + 1, CALL_MAX_DATA);
			goto out;
		}
		if (ca_buf_add(out, chunk, n)) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading %.200s.", data + 1);
			goto out;
		}
	}
	if (ferror(f))
		rc = ca_err_set(err, CA_EIO, "Reading %.200s failed.", data + 1);
out:
	fclose(f);
	return rc;
}

static int call_json(struct aws_client *client, enum aws_service svc, const struct call_args *a,
		     const struct ca_buf *data, struct ca_err *err)
{
	const char *op = aws_json_target_operation(svc, a->target);
	json_error_t jerr;
	json_t *in = NULL, *answer = NULL;
	char *dump = NULL;
	int rc;

	if (!op) {
		rc = ca_err_set(err, CA_EINVAL,
				"--target %.64s is not an operation of %s (\"%s.Operation\" or \"Operation\").",
				a->target, a->service, aws_service_meta(svc)->target_prefix
				? aws_service_meta(svc)->target_prefix : "<no X-Amz-Target>");
		goto out;
	}
	if (data->len) {
		in = json_loadb(data->data, data->len, 0, &jerr);
		if (!json_is_object(in)) {
			rc = ca_err_set(err, CA_EINVAL, "--data must be a JSON object (%s).",
					in ? "got another JSON value" : jerr.text);
			goto out;
		}
	}
	if ((rc = aws_call_json(client, svc, op, in, &answer, err)))
		goto out;
	dump = json_dumps(answer, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!dump) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory printing the answer.");
		goto out;
	}
	printf("%s\n", dump);
out:
	free(dump);
	json_decref(in);
	json_decref(answer);
	return rc;
}

/* REST and query calls print the body exactly as it came. */
static int call_raw(struct aws_client *client, enum aws_service svc, const struct call_args *a,
		    const struct ca_buf *data, struct ca_err *err)
{
	struct aws_http_header form = { "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" };
	struct aws_param head[2];
	struct ca_buf query = CA_BUF_INIT, body = CA_BUF_INIT;
	struct aws_response resp;
	struct aws_request req;
	struct aws_s3_request s3;
	const char *method = a->method;
	char *bucket = NULL, *slash;
	const char *key = NULL;
	int rc;

	aws_response_init(&resp);
	memset(&req, 0, sizeof(req));
	req.service = svc;
	if (a->action) {
		head[0].name = "Action";
		head[0].value = a->action;
		head[1].name = "Version";
		head[1].value = aws_service_meta(svc)->api_version;
		if (!head[1].value) {
			rc = ca_err_set(err, CA_EINVAL, "%s does not speak the query protocol (--action).",
					a->service);
			goto out;
		}
		if (aws_params_encode(&body, head, 2) || aws_params_encode(&body, a->params, a->n_params)) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto out;
		}
		req.method = "POST";
		req.path = a->path;
		req.headers = &form;
		req.n_headers = 1;
		req.body = body.data;
		req.body_len = body.len;
		rc = aws_client_send(client, &req, &resp, err);
	} else if (svc == AWS_SVC_S3) {
		memset(&s3, 0, sizeof(s3));
		if (a->path && a->path[0] == '/' && a->path[1]) {
			bucket = ca_strdup(a->path + 1);
			if (!bucket) {
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
				goto out;
			}
			slash = strchr(bucket, '/');
			if (slash) {
				*slash = '\0';
				key = slash + 1;
			}
		}
		s3.method = method ? method : data->len ? (key && *key ? "PUT" : "POST") : "GET";
		s3.bucket = bucket;
		s3.key = key;
		s3.query = a->params;
		s3.n_query = a->n_params;
		s3.headers = a->headers;
		s3.n_headers = a->n_headers;
		s3.body = data->data;
		s3.body_len = data->len;
		rc = aws_s3_send(client, &s3, &resp, err);
	} else {
		if (aws_params_encode(&query, a->params, a->n_params)) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto out;
		}
		req.method = method ? method : data->len ? "POST" : "GET";
		req.path = a->path;
		req.query = query.data;
		req.headers = a->headers;
		req.n_headers = a->n_headers;
		req.body = data->data;
		req.body_len = data->len;
		rc = aws_client_send(client, &req, &resp, err);
	}
	if (rc == CA_OK)
		fwrite(resp.http.body.data, 1, resp.http.body.len, stdout);
out:
	free(bucket);
	ca_buf_release(&query);
	ca_buf_release(&body);
	aws_response_release(&resp);
	return rc;
}

int cmd_call(int argc, char **argv)
{
	struct call_args a;
	struct aws_client *client = NULL;
	struct ca_buf data = CA_BUF_INIT;
	struct ca_err err;
	enum aws_service svc;
	int rc;

	memset(&a, 0, sizeof(a));
	ca_err_clear(&err);
	rc = parse_args(argc, argv, &a, &err);
	if (rc == -1) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	if (rc || aws_service_from_name(a.service, &svc, &err)) {
		fprintf(stderr, "cloudalbum-aws call: %s\n", ca_err_msg(&err));
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (load_data(a.data, &data, &err) || aws_client_new(NULL, &client, &err) ||
	    (a.target ? call_json(client, svc, &a, &data, &err)
		      : call_raw(client, svc, &a, &data, &err))) {
		fprintf(stderr, "cloudalbum-aws call: %s\n", ca_err_msg(&err));
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	fflush(stdout);
	aws_client_free(client);
	ca_buf_release(&data);
	call_args_release(&a);
	return rc;
}
