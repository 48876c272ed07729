/*
 * The thread's AWS call observer (aws_call_observer_set, aws/client.h): each call is
 * reported once after its last attempt, retries included, with the operation, tables,
 * bucket, status and request id; a thread without an observer reports nothing.
 * A scripted HTTP server on a loopback port answers; retries sleep through an injected
 * no-op, so nothing waits on a clock.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "check_ca.h"
#include "aws/call_observe.h"
#include "aws/client.h"
#include "aws/protocol.h"
#include "scripted_server.h"

/* ---------- a recording observer ---------- */

#define MAX_SEEN 8

/* Copies of what the observer saw (the record's strings live only during the call). */
struct seen {
	size_t n;
	struct {
		enum aws_service service;
		char operation[64], region[32], table_name[64], bucket[64], request_id[64];
		char error_code[64], error_message[CA_ERR_MSG_MAX];
		char table_names[AWS_CALL_TABLES_MAX][32];
		size_t n_table_names;
		char subsegment_id[24];
		bool has_table, has_bucket, throttled, nested_observer;
		int status, rc, attempts;
		long long content_length;
		double start, end;
	} c[MAX_SEEN];
};

static void record(void *ctx, const struct aws_call_record *r)
{
	struct seen *s = ctx;
	const struct aws_call_observer *inner;
	size_t i;

	ck_assert_uint_lt(s->n, MAX_SEEN);
	i = s->n++;
	s->c[i].service = r->service;
	snprintf(s->c[i].operation, 64, "%s", r->operation);
	snprintf(s->c[i].region, 32, "%s", r->region);
	s->c[i].has_table = r->table_name != NULL;
	snprintf(s->c[i].table_name, 64, "%s", r->table_name ? r->table_name : "");
	s->c[i].has_bucket = r->bucket != NULL;
	snprintf(s->c[i].bucket, 64, "%s", r->bucket ? r->bucket : "");
	snprintf(s->c[i].request_id, 64, "%s", r->request_id);
	snprintf(s->c[i].error_code, 64, "%s", r->error_code);
	snprintf(s->c[i].error_message, CA_ERR_MSG_MAX, "%s", r->error_message);
	s->c[i].n_table_names = r->n_table_names;
	for (size_t k = 0; k < r->n_table_names; k++)
		snprintf(s->c[i].table_names[k], 32, "%s", r->table_names[k]);
	s->c[i].throttled = r->throttled;
	s->c[i].status = r->status;
	s->c[i].rc = r->rc;
	s->c[i].attempts = r->attempts;
	s->c[i].content_length = r->content_length;
	s->c[i].start = r->start_time;
	s->c[i].end = r->end_time;
	snprintf(s->c[i].subsegment_id, 24, "%s", r->subsegment_id);
	/* while the observer runs, the thread has none */
	inner = aws_call_observer_set(NULL);
	s->c[i].nested_observer = inner != NULL;
}

#define JSON_OK "Content-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: REQ-OK\r\n"

START_TEST(retries_are_one_call)
{
	static const struct answer answers[] = {
		{ 500, JSON_OK, "{\"__type\":\"com.amazonaws#InternalServerError\",\"message\":\"boom\"}" },
		{ 200, "x-amzn-RequestId: REQ-2\r\n", "{\"Items\":[],\"Count\":0}" },
	};
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	struct script s;
	struct aws_client *c;
	json_t *in = json_pack("{s:s, s:s}", "TableName", "Photo", "KeyConditionExpression", "x");
	json_t *out = NULL;

	script_start(&s, answers, 2);
	c = client_to(s.port, 3);
	ck_assert_ptr_null(aws_call_observer_set(&obs));
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "Query", in, &out,
				       NULL), CA_OK);
	ck_assert_ptr_eq(aws_call_observer_set(NULL), &obs);
	script_stop(&s);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.c[0].service, AWS_SVC_DYNAMODB);
	ck_assert_str_eq(seen.c[0].operation, "Query");
	ck_assert_str_eq(seen.c[0].region, "ap-southeast-1");
	ck_assert(seen.c[0].has_table);
	ck_assert_str_eq(seen.c[0].table_name, "Photo");
	ck_assert(!seen.c[0].has_bucket);
	ck_assert_str_eq(seen.c[0].request_id, "REQ-2");
	ck_assert_int_eq(seen.c[0].attempts, 2);
	ck_assert_int_eq(seen.c[0].status, 200);
	ck_assert_int_eq(seen.c[0].rc, CA_OK);
	ck_assert_str_eq(seen.c[0].error_code, "");
	ck_assert_str_eq(seen.c[0].error_message, "");
	ck_assert_int_eq(seen.c[0].content_length, (long long)strlen(answers[1].body));
	ck_assert(!seen.c[0].nested_observer);
	ck_assert(seen.c[0].start > 1.6e9 && seen.c[0].end >= seen.c[0].start);
	json_decref(in);
	json_decref(out);
	aws_client_free(c);
}
END_TEST

START_TEST(failure_is_reported_with_its_code)
{
	static const struct answer answers[] = {
		{ 400, JSON_OK, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
				"\"message\":\"Requested resource not found\"}" },
	};
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	struct script s;
	struct aws_client *c;
	struct ca_err err;
	json_t *in = json_pack("{s:s}", "TableName", "Gone");
	struct aws_op op = { 0 };
	struct aws_result res = { 0 };

	script_start(&s, answers, 1);
	c = client_to(s.port, 3);
	aws_call_observer_set(&obs);
	ca_err_clear(&err);
	op.name = "GetItem";
	op.json = in;
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, &op, &res, &err), CA_AWS_SERVICE);
	aws_call_observer_set(NULL);
	script_stop(&s);
	/* the caller's error is what it was without an observer */
	ck_assert_int_eq(err.code, CA_AWS_SERVICE);
	ck_assert(strstr(err.msg, "ResourceNotFoundException") != NULL);
	ck_assert_str_eq(res.error_code, "ResourceNotFoundException");
	aws_result_release(&res);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_str_eq(seen.c[0].operation, "GetItem");
	ck_assert_str_eq(seen.c[0].table_name, "Gone");
	ck_assert_int_eq(seen.c[0].status, 400);
	ck_assert_int_eq(seen.c[0].rc, CA_AWS_SERVICE);
	ck_assert_int_eq(seen.c[0].attempts, 1); /* not retried */
	ck_assert_str_eq(seen.c[0].error_code, "ResourceNotFoundException");
	ck_assert_str_eq(seen.c[0].error_message, err.msg);
	ck_assert_str_eq(seen.c[0].request_id, "REQ-OK");
	ck_assert(!seen.c[0].throttled);
	json_decref(in);
	aws_client_free(c);
}
END_TEST

START_TEST(throttling_outlasting_retries)
{
	static const struct answer answers[] = {
		{ 400, JSON_OK, "{\"__type\":\"#ProvisionedThroughputExceededException\"}" },
		{ 400, JSON_OK, "{\"__type\":\"#ProvisionedThroughputExceededException\"}" },
	};
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	struct script s;
	struct aws_client *c;

	script_start(&s, answers, 2);
	c = client_to(s.port, 2);
	aws_call_observer_set(&obs);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "PutItem", NULL,
				       NULL, NULL), CA_AWS_THROTTLED);
	aws_call_observer_set(NULL);
	script_stop(&s);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert(seen.c[0].throttled);
	ck_assert_int_eq(seen.c[0].attempts, 2);
	ck_assert(!seen.c[0].has_table); /* the request named none */
	aws_client_free(c);
}
END_TEST

START_TEST(batch_and_transaction_tables)
{
	static const struct answer answers[] = {
		{ 200, JSON_OK, "{}" }, { 200, JSON_OK, "{}" },
	};
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	struct script s;
	struct aws_client *c;
	json_t *tx = json_loads("{\"TransactItems\":[{\"Put\":{\"TableName\":\"User\"}},"
				"{\"Put\":{\"TableName\":\"User\"}},"
				"{\"ConditionCheck\":{\"TableName\":\"Photo\"}}]}", 0, NULL);
	json_t *batch = json_loads("{\"RequestItems\":{\"Photo\":[],\"User\":[]}}", 0, NULL);

	script_start(&s, answers, 2);
	c = client_to(s.port, 1);
	aws_call_observer_set(&obs);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "TransactWriteItems",
				       tx, NULL, NULL), CA_OK);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "BatchWriteItem",
				       batch, NULL, NULL), CA_OK);
	aws_call_observer_set(NULL);
	script_stop(&s);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_str_eq(seen.c[0].operation, "TransactWriteItems");
	ck_assert(!seen.c[0].has_table);
	ck_assert_uint_eq(seen.c[0].n_table_names, 2);
	ck_assert_str_eq(seen.c[0].table_names[0], "User");
	ck_assert_str_eq(seen.c[0].table_names[1], "Photo");
	ck_assert_str_eq(seen.c[1].operation, "BatchWriteItem");
	ck_assert_uint_eq(seen.c[1].n_table_names, 2);
	json_decref(tx);
	json_decref(batch);
	aws_client_free(c);
}
END_TEST

START_TEST(s3_and_query_calls)
{
	static const struct answer answers[] = {
		{ 200, "x-amz-request-id: S3REQ\r\n", "" },
		{ 404, "x-amz-request-id: S3REQ2\r\n", "" },
		{ 200, "x-amzn-RequestId: STSREQ\r\n",
		  "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>"
		  "</GetCallerIdentityResult></GetCallerIdentityResponse>" },
	};
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	struct aws_http_header ct = { "Content-Type", "image/jpeg" };
	struct aws_s3_request put, head;
	struct aws_response resp;
	struct ca_xml_node *xml = NULL;
	struct script s;
	struct aws_client *c;

	script_start(&s, answers, 3);
	c = client_to(s.port, 1);
	aws_response_init(&resp);
	memset(&put, 0, sizeof(put));
	put.method = "PUT";
	put.bucket = "cloudalbum-photos";
	put.key = "photos/a_at_b_dot_c/x.jpg";
	put.headers = &ct;
	put.n_headers = 1;
	put.body = "jpeg";
	put.body_len = 4;
	memset(&head, 0, sizeof(head));
	head.method = "HEAD";
	head.bucket = "cloudalbum-photos";
	head.key = "photos/none.jpg";
	aws_call_observer_set(&obs);
	ck_assert_int_eq(aws_s3_send(c, &put, &resp, NULL), CA_OK);
	ck_assert_int_eq(aws_s3_send(c, &head, &resp, NULL), CA_AWS_SERVICE);
	ck_assert_int_eq(aws_query_call(c, AWS_SVC_STS, "GetCallerIdentity", NULL, 0, &xml, NULL),
			 CA_OK);
	aws_call_observer_set(NULL);
	script_stop(&s);
	ck_assert_uint_eq(seen.n, 3);
	ck_assert_int_eq(seen.c[0].service, AWS_SVC_S3);
	ck_assert_str_eq(seen.c[0].operation, "PutObject");
	ck_assert_str_eq(seen.c[0].bucket, "cloudalbum-photos");
	ck_assert_str_eq(seen.c[0].request_id, "S3REQ");
	ck_assert_int_eq(seen.c[0].status, 200);
	ck_assert(!seen.c[0].has_table);
	ck_assert_str_eq(seen.c[1].operation, "HeadObject");
	ck_assert_int_eq(seen.c[1].status, 404);
	ck_assert_int_eq(seen.c[1].rc, CA_AWS_SERVICE);
	ck_assert_int_eq(seen.c[2].service, AWS_SVC_STS);
	ck_assert_str_eq(seen.c[2].operation, "GetCallerIdentity");
	ck_assert_str_eq(seen.c[2].request_id, "STSREQ");
	ck_assert(!seen.c[2].has_bucket);
	ca_xml_free(xml);
	aws_response_release(&resp);
	aws_client_free(c);
}
END_TEST

START_TEST(without_observer_nothing_is_reported)
{
	static const struct answer answers[] = {
		{ 200, JSON_OK, "{}" }, { 200, JSON_OK, "{}" },
	};
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen },
				 other = { .on_call = record, .ctx = &seen };
	struct script s;
	struct aws_client *c;

	script_start(&s, answers, 2);
	c = client_to(s.port, 1);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "ListTables", NULL,
				       NULL, NULL), CA_OK);
	ck_assert_uint_eq(seen.n, 0);
	/* setting returns the one replaced, so callers nest and restore */
	ck_assert_ptr_null(aws_call_observer_set(&obs));
	ck_assert_ptr_eq(aws_call_observer_set(&other), &obs);
	ck_assert_ptr_eq(aws_call_observer_set(NULL), &other);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "ListTables", NULL,
				       NULL, NULL), CA_OK);
	script_stop(&s);
	ck_assert_uint_eq(seen.n, 0);
	aws_client_free(c);
}
END_TEST

static void *other_thread(void *arg)
{
	return (void *)aws_call_observer_set(NULL);
}

START_TEST(observer_is_per_thread)
{
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	pthread_t t;
	void *got = &seen;

	aws_call_observer_set(&obs);
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, &got), 0);
	ck_assert_ptr_null(got);
	ck_assert_ptr_eq(aws_call_observer_set(NULL), &obs);
}
END_TEST

START_TEST(no_answer_is_reported)
{
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen };
	struct aws_client *c;
	int port, fd = loopback_bound(SOCK_STREAM, &port);  /* a port nothing listens on */

	c = client_to(port, 2);
	aws_call_observer_set(&obs);
	ck_assert_int_ne(aws_call_json(c, AWS_SVC_COGNITO_IDP,
				       "InitiateAuth", NULL, NULL,
				       NULL), CA_OK);
	aws_call_observer_set(NULL);
	close(fd);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.c[0].service, AWS_SVC_COGNITO_IDP);
	ck_assert_str_eq(seen.c[0].operation, "InitiateAuth");
	ck_assert_int_eq(seen.c[0].status, 0);
	ck_assert_int_eq(seen.c[0].rc, CA_AWS_NETWORK);
	ck_assert_int_eq(seen.c[0].attempts, 2);
	ck_assert_int_eq(seen.c[0].content_length, -1);
	ck_assert_str_eq(seen.c[0].request_id, "");
	ck_assert(seen.c[0].error_message[0] != '\0');
	aws_client_free(c);
}
END_TEST

static const struct {
	const char *method;
	bool bucket, key;
	const char *query, *copy_source, *op;
} s3_ops[] = {
	{ "GET", false, false, NULL, NULL, "ListBuckets" },
	{ "GET", true, true, NULL, NULL, "GetObject" },
	{ "HEAD", true, true, "", NULL, "HeadObject" },
	{ "PUT", true, true, NULL, NULL, "PutObject" },
	{ "PUT", true, true, NULL, "/b/k", "CopyObject" },
	{ "PUT", true, true, "partNumber=2&uploadId=x", NULL, "UploadPart" },
	{ "DELETE", true, true, NULL, NULL, "DeleteObject" },
	{ "DELETE", true, true, "uploadId=x", NULL, "AbortMultipartUpload" },
	{ "POST", true, true, "uploads", NULL, "CreateMultipartUpload" },
	{ "POST", true, true, "uploadId=x", NULL, "CompleteMultipartUpload" },
	{ "HEAD", true, false, NULL, NULL, "HeadBucket" },
	{ "PUT", true, false, NULL, NULL, "CreateBucket" },
	{ "DELETE", true, false, NULL, NULL, "DeleteBucket" },
	{ "GET", true, false, "list-type=2&prefix=photos%2F", NULL, "ListObjectsV2" },
	{ "GET", true, false, "prefix=a", NULL, "ListObjects" },
	{ "GET", true, false, "location", NULL, "GetBucketLocation" },
	{ "GET", true, false, "publicAccessBlock", NULL, "GetPublicAccessBlock" },
	{ "PUT", true, false, "publicAccessBlock", NULL, "PutPublicAccessBlock" },
	{ "DELETE", true, false, "publicAccessBlock", NULL, "DeletePublicAccessBlock" },
	{ "PUT", true, false, "encryption", NULL, "PutBucketEncryption" },
	{ "POST", true, false, "delete", NULL, "DeleteObjects" },
	/* a parameter that only starts like a subresource is not one */
	{ "GET", true, false, "list-type=2&prefix=location", NULL, "ListObjectsV2" },
	{ "GET", true, false, "locationx=1", NULL, "ListObjects" },
	{ "PATCH", true, true, NULL, NULL, "" },
};

/* The value of header name in a kept request's header block ("" when absent). */
static void header_value(const char *head, const char *name, char *out, size_t cap)
{
	char pat[64];
	const char *at, *eol;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	at = strcasestr(head, pat);
	if (!at) {
		snprintf(out, cap, "%s", "");
		return;
	}
	at += strlen(pat);
	eol = strstr(at, "\r\n");
	snprintf(out, cap, "%.*s", (int)(eol ? (size_t)(eol - at) : strlen(at)), at);
}

START_TEST(traced_calls_name_their_subsegment_downstream)
{
	/* with a trace root, every attempt carries X-Amzn-Trace-Id naming the call's
	 * subsegment as the parent, outside the signature (as botocore leaves it); without
	 * one, or without an observer, no attempt does */
	static const struct answer answers[] = {
		{ 500, JSON_OK, "{\"__type\":\"InternalServerError\",\"message\":\"boom\"}" },
		{ 200, JSON_OK, "{}" },
		{ 200, JSON_OK, "{}" },
		{ 200, JSON_OK, "{}" },
	};
	const char *root = "1-5f84c7a1-0123456789abcdef01234567";
	struct seen seen = { 0 };
	struct aws_call_observer obs = { .on_call = record, .ctx = &seen, .trace_root = root };
	struct aws_call_observer plain = { .on_call = record, .ctx = &seen };
	char want[128], got[256], auth[512];
	struct script s;
	struct aws_client *c;
	json_t *in = json_pack("{s:s}", "TableName", "User"), *out = NULL;
	size_t i;

	script_start(&s, answers, 4);
	c = client_to(s.port, 3);
	aws_call_observer_set(&obs);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "GetItem", in, &out,
				       NULL), CA_OK);
	json_decref(out);
	aws_call_observer_set(&plain);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "GetItem", in, &out,
				       NULL), CA_OK);
	json_decref(out);
	aws_call_observer_set(NULL);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "GetItem", in, &out,
				       NULL), CA_OK);
	script_stop(&s);

	ck_assert_uint_eq(seen.n, 2);
	ck_assert_uint_eq(strlen(seen.c[0].subsegment_id), 16);
	ck_assert_uint_eq(strspn(seen.c[0].subsegment_id, "0123456789abcdef"), 16);
	snprintf(want, sizeof(want), "Root=%s;Parent=%s;Sampled=1", root, seen.c[0].subsegment_id);
	for (i = 0; i < 2; i++) {  /* the failed attempt and its retry */
		header_value(s.head[i], "X-Amzn-Trace-Id", got, sizeof(got));
		ck_assert_str_eq(got, want);
		header_value(s.head[i], "Authorization", auth, sizeof(auth));
		ck_assert_ptr_nonnull(strstr(auth, "SignedHeaders="));
		ck_assert_ptr_null(strcasestr(auth, "x-amzn-trace-id"));
	}
	ck_assert_str_eq(seen.c[1].subsegment_id, "");
	for (i = 2; i < 4; i++) {
		header_value(s.head[i], "X-Amzn-Trace-Id", got, sizeof(got));
		ck_assert_str_eq(got, "");
	}
	json_decref(in);
	json_decref(out);
	aws_client_free(c);
}
END_TEST

START_TEST(s3_operation_names)
{
	struct aws_http_header h = { "X-Amz-Copy-Source", s3_ops[_i].copy_source };
	char out[AWS_CALL_OPERATION_MAX];

	aws_call_s3_operation(s3_ops[_i].method, s3_ops[_i].bucket, s3_ops[_i].key,
			      s3_ops[_i].query, &h, s3_ops[_i].copy_source ? 1 : 0, out, sizeof(out));
	ck_assert_str_eq(out, s3_ops[_i].op);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("aws_observe");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, retries_are_one_call);
	tcase_add_test(tc, failure_is_reported_with_its_code);
	tcase_add_test(tc, throttling_outlasting_retries);
	tcase_add_test(tc, batch_and_transaction_tables);
	tcase_add_test(tc, s3_and_query_calls);
	tcase_add_test(tc, without_observer_nothing_is_reported);
	tcase_add_test(tc, observer_is_per_thread);
	tcase_add_test(tc, no_answer_is_reported);
	tcase_add_test(tc, traced_calls_name_their_subsegment_downstream);
	tcase_add_loop_test(tc, s3_operation_names, 0, sizeof(s3_ops) / sizeof(s3_ops[0]));
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
