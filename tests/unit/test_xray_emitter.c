/* X-Ray segment documents, the trace header and the UDP emitter (trace/xray_emitter.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "check_ca.h"
#include "loopback.h"
#include "trace/xray_emitter.h"
#include "util/buf.h"
#include "util/error.h"

#define TRACE "1-5759e988-bd862e3fe1be46a994272793"
#define SEG "53995c3f42cd8ad8"
#define PARENT "f9c6e4f1a2b3c4d5"

static struct xray_segment sample(void)
{
	struct xray_segment s;

	memset(&s, 0, sizeof(s));
	s.name = "CloudAlbum";
	s.trace_id = TRACE;
	s.id = SEG;
	s.start_time = 1700000000.25;
	s.end_time = 1700000000.5;
	s.method = "GET";
	s.url = "http://localhost:8080/api/photos";
	s.client_ip = "10.0.0.7";
	s.user_agent = "curl/7.88.1";
	s.status = 200;
	s.content_length = 1234;
	return s;
}

/* The segment as JSON, parsed back (fails the test when it cannot be made or read). */
static json_t *doc_of(const struct xray_segment *s)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	json_error_t jerr;
	json_t *doc;

	ca_err_clear(&err);
	ck_assert_int_eq(xray_segment_json(s, &b, &err), CA_OK);
	ck_assert_ptr_null(strchr(b.data, '\n'));
	doc = json_loads(b.data, 0, &jerr);
	ck_assert_msg(doc != NULL, "not JSON: %s (%s)", b.data, jerr.text);
	ca_buf_release(&b);
	return doc;
}

static const char *str_at(json_t *doc, const char *path)
{
	json_t *v = json_object_get(doc, path);

	return json_string_value(v);
}

START_TEST(segment_fields)
{
	struct xray_segment s = sample();
	json_t *doc, *req, *resp;

	s.parent_id = PARENT;
	doc = doc_of(&s);
	ck_assert_str_eq(str_at(doc, "name"), "CloudAlbum");
	ck_assert_str_eq(str_at(doc, "id"), SEG);
	ck_assert_str_eq(str_at(doc, "trace_id"), TRACE);
	ck_assert_str_eq(str_at(doc, "parent_id"), PARENT);
	ck_assert(json_real_value(json_object_get(doc, "start_time")) == 1700000000.25);
	ck_assert(json_real_value(json_object_get(doc, "end_time")) == 1700000000.5);
	req = json_object_get(json_object_get(doc, "http"), "request");
	resp = json_object_get(json_object_get(doc, "http"), "response");
	ck_assert_str_eq(str_at(req, "method"), "GET");
	ck_assert_str_eq(str_at(req, "url"), "http://localhost:8080/api/photos");
	ck_assert_str_eq(str_at(req, "client_ip"), "10.0.0.7");
	ck_assert_str_eq(str_at(req, "user_agent"), "curl/7.88.1");
	ck_assert_ptr_null(json_object_get(req, "x_forwarded_for"));
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "status")), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "content_length")), 1234);
	ck_assert_ptr_null(json_object_get(doc, "error"));
	ck_assert_ptr_null(json_object_get(doc, "fault"));
	ck_assert_ptr_null(json_object_get(doc, "throttle"));
	json_decref(doc);
}
END_TEST

START_TEST(segment_microseconds_kept)
{
	struct xray_segment s = sample();
	json_t *doc;

	s.start_time = 1714560000.123456;
	s.end_time = 1714560000.654321;
	doc = doc_of(&s);
	ck_assert(json_real_value(json_object_get(doc, "start_time")) == 1714560000.123456);
	ck_assert(json_real_value(json_object_get(doc, "end_time")) == 1714560000.654321);
	json_decref(doc);
}
END_TEST

START_TEST(segment_optional_fields_left_out)
{
	struct xray_segment s = sample();
	json_t *doc, *http;

	s.user_agent = NULL;
	s.status = 0;
	doc = doc_of(&s);
	ck_assert_ptr_null(json_object_get(doc, "parent_id"));
	http = json_object_get(doc, "http");
	ck_assert_ptr_null(json_object_get(json_object_get(http, "request"), "user_agent"));
	ck_assert_ptr_null(json_object_get(http, "response"));
	json_decref(doc);

	s = sample();
	s.content_length = -1;
	s.forwarded = true;
	doc = doc_of(&s);
	http = json_object_get(doc, "http");
	ck_assert_ptr_null(json_object_get(json_object_get(http, "response"), "content_length"));
	ck_assert(json_is_true(json_object_get(json_object_get(http, "request"), "x_forwarded_for")));
	json_decref(doc);
}
END_TEST

static const struct {
	int status;
	bool error, throttle, fault;
} flag_cases[] = {
	{ 200, false, false, false }, { 302, false, false, false }, { 400, true, false, false },
	{ 404, true, false, false },  { 429, true, true, false },   { 499, true, false, false },
	{ 500, false, false, true },  { 503, false, false, true },
};

START_TEST(segment_status_flags)
{
	struct xray_segment s = sample();
	json_t *doc;

	s.status = flag_cases[_i].status;
	doc = doc_of(&s);
	ck_assert_int_eq(json_is_true(json_object_get(doc, "error")), flag_cases[_i].error);
	ck_assert_int_eq(json_is_true(json_object_get(doc, "throttle")), flag_cases[_i].throttle);
	ck_assert_int_eq(json_is_true(json_object_get(doc, "fault")), flag_cases[_i].fault);
	json_decref(doc);
}
END_TEST

START_TEST(segment_invalid_refused)
{
	struct xray_segment s;
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	int i;

	ca_buf_adds(&b, "keep");
	for (i = 0; i < 11; i++) {
		s = sample();
		switch (i) {
		case 0: s.name = NULL; break;
		case 1: s.name = ""; break;
		case 2: s.trace_id = "1-5759E988-bd862e3fe1be46a994272793"; break;
		case 3: s.trace_id = "1-5759e988-bd862e3fe1be46a99427279"; break;
		case 4: s.id = "53995c3f42cd8ad"; break;
		case 5: s.id = "53995c3f42cd8adg"; break;
		case 6: s.parent_id = "xyz"; break;
		case 7: s.end_time = s.start_time - 1; break;
		case 8: s.start_time = 0.0 / 0.0; break;
		case 9: s.start_time = 0; break;
		case 10: s.trace_id = NULL; break;
		}
		ca_err_clear(&err);
		ck_assert_msg(xray_segment_json(&s, &b, &err) == CA_EINVAL, "case %d", i);
		ck_assert(err.msg[0] != '\0');
		ck_assert_str_eq(b.data, "keep");
	}
	ca_buf_release(&b);
}
END_TEST

START_TEST(segment_hostile_strings)
{
	struct xray_segment s = sample();
	char *long_url = malloc(XRAY_URL_MAX + 100);
	char ua[XRAY_USER_AGENT_MAX + 10];
	json_t *doc, *req;
	const char *got;
	size_t i;

	ck_assert_ptr_nonnull(long_url);
	memset(long_url, 'a', XRAY_URL_MAX + 99);
	long_url[XRAY_URL_MAX + 99] = '\0';
	/* a 2-byte character straddling the cap is left out whole */
	memset(ua, 'u', sizeof(ua));
	ua[XRAY_USER_AGENT_MAX - 1] = (char)0xc3;
	ua[XRAY_USER_AGENT_MAX] = (char)0xa9;
	ua[sizeof(ua) - 1] = '\0';
	s.url = long_url;
	s.user_agent = ua;
	s.method = "G\xff\x01T\n";
	s.client_ip = "\xe2\x82"; /* a cut-off 3-byte sequence */
	doc = doc_of(&s);
	req = json_object_get(json_object_get(doc, "http"), "request");
	ck_assert_uint_eq(strlen(str_at(req, "url")), XRAY_URL_MAX);
	got = str_at(req, "user_agent");
	ck_assert_uint_eq(strlen(got), XRAY_USER_AGENT_MAX - 1);
	for (i = 0; got[i]; i++)
		ck_assert_int_eq(got[i], 'u');
	ck_assert_str_eq(str_at(req, "method"), "G??T?");
	ck_assert_str_eq(str_at(req, "client_ip"), "??");
	json_decref(doc);

	/* valid multi-byte text passes unchanged, and the name is capped */
	s = sample();
	s.user_agent = "Mozilla \xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xb7";
	doc = doc_of(&s);
	req = json_object_get(json_object_get(doc, "http"), "request");
	ck_assert_str_eq(str_at(req, "user_agent"), "Mozilla \xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xb7");
	json_decref(doc);
	free(long_url);
}
END_TEST

START_TEST(datagram_has_header_line)
{
	struct xray_segment s = sample();
	struct ca_buf b = CA_BUF_INIT;
	const char *nl;
	json_t *head, *doc;

	ck_assert_int_eq(xray_segment_datagram(&s, &b, NULL), CA_OK);
	ck_assert(strncmp(b.data, "{\"format\": \"json\", \"version\": 1}\n", 33) == 0);
	nl = strchr(b.data, '\n');
	head = json_loadb(b.data, (size_t)(nl - b.data), 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(head, "format")), "json");
	ck_assert_int_eq(json_integer_value(json_object_get(head, "version")), 1);
	doc = json_loads(nl + 1, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "trace_id")), TRACE);
	json_decref(head);
	json_decref(doc);

	/* a refused segment leaves the buffer as it was */
	ca_buf_reset(&b);
	ca_buf_adds(&b, "x");
	s.id = "nope";
	ck_assert_int_eq(xray_segment_datagram(&s, &b, NULL), CA_EINVAL);
	ck_assert_str_eq(b.data, "x");
	ca_buf_release(&b);
}
END_TEST

/* ---------- subsegments: the AWS calls of a request ---------- */

static struct aws_call_record sample_call(void)
{
	struct aws_call_record r;

	memset(&r, 0, sizeof(r));
	r.service = AWS_SVC_DYNAMODB;
	r.operation = "Query";
	r.region = "ap-southeast-1";
	r.table_name = "Photo";
	r.request_id = "UBQNSO5AEM8T4FDA4RQDEB94OVTDRVV4K4HIRGVJF66Q9ASUAAJG";
	r.error_code = "";
	r.error_message = "";
	r.status = 200;
	r.content_length = 60;
	r.rc = CA_OK;
	r.attempts = 1;
	r.start_time = 1700000000.3;
	r.end_time = 1700000000.35;
	return r;
}

/* The segment with the calls in l, parsed back; *subs is its subsegments array. */
static json_t *doc_with(const struct xray_subsegments *l, json_t **subs)
{
	struct xray_segment s = sample();
	json_t *doc;

	s.subsegments = l;
	doc = doc_of(&s);
	*subs = json_object_get(doc, "subsegments");
	return doc;
}

static struct xray_subsegments *list_of(size_t cap, const struct aws_call_record *recs, size_t n)
{
	struct xray_subsegments *l = NULL;
	size_t i;

	ck_assert_int_eq(xray_subsegments_new(cap, &l, NULL), CA_OK);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(xray_subsegments_add(l, &recs[i], NULL), CA_OK);
	return l;
}

START_TEST(subsegment_fields)
{
	struct aws_call_record r[2] = { sample_call(), sample_call() };
	struct xray_subsegments *l;
	json_t *doc, *subs, *sub, *aws, *resp;

	r[1].service = AWS_SVC_S3;
	r[1].operation = "PutObject";
	r[1].table_name = NULL;
	r[1].bucket = "cloudalbum-photos";
	r[1].attempts = 3;
	r[1].content_length = -1;
	r[1].subsegment_id = "00c0ffee15900d42";  /* the parent its trace header named */
	l = list_of(0, r, 2);
	doc = doc_with(l, &subs);
	ck_assert_uint_eq(json_array_size(subs), 2);
	ck_assert_uint_eq(xray_subsegments_count(l), 2);
	ck_assert_uint_eq(xray_subsegments_dropped(l), 0);

	sub = json_array_get(subs, 0);
	ck_assert_str_eq(str_at(sub, "name"), "DynamoDB");
	ck_assert_str_eq(str_at(sub, "namespace"), "aws");
	ck_assert(xray_segment_id_valid(str_at(sub, "id")));
	ck_assert_str_ne(str_at(sub, "id"), SEG);
	ck_assert(json_real_value(json_object_get(sub, "start_time")) == 1700000000.3);
	ck_assert(json_real_value(json_object_get(sub, "end_time")) == 1700000000.35);
	aws = json_object_get(sub, "aws");
	ck_assert_str_eq(str_at(aws, "operation"), "Query");
	ck_assert_str_eq(str_at(aws, "region"), "ap-southeast-1");
	ck_assert_str_eq(str_at(aws, "table_name"), "Photo");
	ck_assert_str_eq(str_at(aws, "request_id"), r[0].request_id);
	ck_assert_int_eq(json_integer_value(json_object_get(aws, "retries")), 0);
	ck_assert_ptr_null(json_object_get(aws, "bucket_name"));
	ck_assert_ptr_null(json_object_get(aws, "table_names"));
	resp = json_object_get(json_object_get(sub, "http"), "response");
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "status")), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "content_length")), 60);
	ck_assert_ptr_null(json_object_get(json_object_get(sub, "http"), "request"));
	ck_assert_ptr_null(json_object_get(sub, "error"));
	ck_assert_ptr_null(json_object_get(sub, "fault"));
	ck_assert_ptr_null(json_object_get(sub, "throttle"));
	ck_assert_ptr_null(json_object_get(sub, "cause"));
	/* embedded subsegments carry neither trace_id nor parent_id */
	ck_assert_ptr_null(json_object_get(sub, "trace_id"));
	ck_assert_ptr_null(json_object_get(sub, "parent_id"));

	sub = json_array_get(subs, 1);
	ck_assert_str_eq(str_at(sub, "name"), "S3");
	ck_assert_str_eq(str_at(sub, "id"), "00c0ffee15900d42");
	aws = json_object_get(sub, "aws");
	ck_assert_str_eq(str_at(aws, "operation"), "PutObject");
	ck_assert_str_eq(str_at(aws, "bucket_name"), "cloudalbum-photos");
	ck_assert_ptr_null(json_object_get(aws, "table_name"));
	ck_assert_int_eq(json_integer_value(json_object_get(aws, "retries")), 2);
	resp = json_object_get(json_object_get(sub, "http"), "response");
	ck_assert_ptr_null(json_object_get(resp, "content_length"));
	ck_assert_ptr_null(json_object_get(doc, "metadata"));
	json_decref(doc);
	xray_subsegments_free(l);
	xray_subsegments_free(NULL);
}
END_TEST

START_TEST(subsegment_names_and_tables)
{
	static const struct {
		enum aws_service svc;
		const char *name;
	} names[] = {
		{ AWS_SVC_DYNAMODB, "DynamoDB" }, { AWS_SVC_S3, "S3" }, { AWS_SVC_STS, "STS" },
		{ AWS_SVC_IAM, "IAM" }, { AWS_SVC_EC2, "EC2" },
		{ AWS_SVC_COGNITO_IDP, "CognitoIdentityServiceProvider" }, { AWS_SVC_XRAY, "XRay" },
	};
	struct aws_call_record r[8];
	struct xray_subsegments *l;
	json_t *doc, *subs, *aws, *tables;
	size_t i;

	for (i = 0; i < 7; i++) {
		r[i] = sample_call();
		r[i].service = names[i].svc;
	}
	/* a batch names its tables in a list, as the SDKs' "table_names" */
	r[7] = sample_call();
	r[7].operation = "TransactWriteItems";
	r[7].table_name = NULL;
	r[7].table_names[0] = "User";
	r[7].table_names[1] = "Photo";
	r[7].n_table_names = 2;
	l = list_of(0, r, 8);
	doc = doc_with(l, &subs);
	for (i = 0; i < 7; i++)
		ck_assert_str_eq(str_at(json_array_get(subs, i), "name"), names[i].name);
	aws = json_object_get(json_array_get(subs, 7), "aws");
	ck_assert_ptr_null(json_object_get(aws, "table_name"));
	tables = json_object_get(aws, "table_names");
	ck_assert_uint_eq(json_array_size(tables), 2);
	ck_assert_str_eq(json_string_value(json_array_get(tables, 0)), "User");
	ck_assert_str_eq(json_string_value(json_array_get(tables, 1)), "Photo");
	json_decref(doc);
	xray_subsegments_free(l);
}
END_TEST

static const struct {
	int status, rc;
	bool throttled;
	const char *code;
	bool error, throttle, fault;
} call_flag_cases[] = {
	{ 200, CA_OK, false, "", false, false, false },
	{ 404, CA_AWS_SERVICE, false, "NoSuchKey", true, false, false },
	{ 400, CA_AWS_SERVICE, false, "ResourceNotFoundException", true, false, false },
	{ 400, CA_AWS_THROTTLED, true, "ProvisionedThroughputExceededException", true, true, false },
	{ 429, CA_AWS_THROTTLED, true, "TooManyRequestsException", true, true, false },
	{ 500, CA_AWS_SERVICE, false, "InternalServerError", false, false, true },
	{ 503, CA_AWS_THROTTLED, true, "SlowDown", false, true, true },
	{ 0, CA_AWS_NETWORK, false, "", false, false, true },
	{ 0, CA_AWS_TIMEOUT, false, "", false, false, true },
};

START_TEST(subsegment_status_flags)
{
	struct aws_call_record r = sample_call();
	struct xray_subsegments *l;
	json_t *doc, *subs, *sub, *ex;
	char msg[64];

	r.status = call_flag_cases[_i].status;
	r.rc = call_flag_cases[_i].rc;
	r.throttled = call_flag_cases[_i].throttled;
	r.error_code = call_flag_cases[_i].code;
	snprintf(msg, sizeof(msg), "dynamodb: it went wrong (case %d)", _i);
	r.error_message = r.rc == CA_OK ? "" : msg;
	if (r.status == 0) {
		r.request_id = "";
		r.content_length = -1;
	}
	l = list_of(0, &r, 1);
	doc = doc_with(l, &subs);
	sub = json_array_get(subs, 0);
	ck_assert_int_eq(json_is_true(json_object_get(sub, "error")), call_flag_cases[_i].error);
	ck_assert_int_eq(json_is_true(json_object_get(sub, "throttle")),
			 call_flag_cases[_i].throttle);
	ck_assert_int_eq(json_is_true(json_object_get(sub, "fault")), call_flag_cases[_i].fault);
	if (r.status > 0)
		ck_assert_int_eq(json_integer_value(json_object_get(
			json_object_get(json_object_get(sub, "http"), "response"), "status")), r.status);
	else
		ck_assert_ptr_null(json_object_get(sub, "http"));
	if (r.rc == CA_OK) {
		ck_assert_ptr_null(json_object_get(sub, "cause"));
	} else {
		ex = json_array_get(json_object_get(json_object_get(sub, "cause"), "exceptions"), 0);
		ck_assert(xray_segment_id_valid(str_at(ex, "id")));
		ck_assert_str_eq(str_at(ex, "message"), msg);
		if (r.status > 0) {
			ck_assert_str_eq(str_at(ex, "type"), r.error_code);
			ck_assert(json_is_true(json_object_get(ex, "remote")));
		} else {
			ck_assert_str_eq(str_at(ex, "type"), ca_strerror(r.rc));
			ck_assert_ptr_null(json_object_get(ex, "remote"));
			ck_assert_ptr_null(json_object_get(json_object_get(sub, "aws"), "request_id"));
		}
	}
	/* a failing call does not make the request's segment fail */
	ck_assert_ptr_null(json_object_get(doc, "fault"));
	ck_assert_ptr_null(json_object_get(doc, "error"));
	json_decref(doc);
	xray_subsegments_free(l);
}
END_TEST

START_TEST(subsegment_hostile_names)
{
	struct aws_call_record r = sample_call();
	struct xray_subsegments *l;
	struct ca_buf b = CA_BUF_INIT;
	struct xray_segment s = sample();
	char long_name[XRAY_AWS_FIELD_MAX + 50];
	json_t *doc, *subs, *aws;

	memset(long_name, 'b', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	r.table_name = "Pho\"to\\\",\"fault\":true,\"x\":\"\n\x01\xff";
	r.bucket = long_name;
	r.operation = "Query</script>";
	r.request_id = "id\"}\n{\"format\"";
	r.rc = CA_AWS_SERVICE;
	r.status = 400;
	r.error_code = "Bad\"Code";
	r.error_message = "message with \"quotes\"\nand a newline";
	l = list_of(0, &r, 1);
	/* the text stays one line of JSON */
	s.subsegments = l;
	ck_assert_int_eq(xray_segment_json(&s, &b, NULL), CA_OK);
	ck_assert_ptr_null(strchr(b.data, '\n'));
	ca_buf_release(&b);
	doc = doc_with(l, &subs);
	ck_assert_uint_eq(json_array_size(subs), 1);
	aws = json_object_get(json_array_get(subs, 0), "aws");
	ck_assert_str_eq(str_at(aws, "table_name"), "Pho\"to\\\",\"fault\":true,\"x\":\"???");
	ck_assert_uint_eq(strlen(str_at(aws, "bucket_name")), XRAY_AWS_FIELD_MAX);
	ck_assert_str_eq(str_at(aws, "operation"), "Query</script>");
	ck_assert_str_eq(str_at(aws, "request_id"), "id\"}?{\"format\"");
	ck_assert_ptr_null(json_object_get(doc, "fault"));
	ck_assert_ptr_null(json_object_get(json_array_get(subs, 0), "fault"));
	ck_assert_str_eq(str_at(json_array_get(json_object_get(json_object_get(
		json_array_get(subs, 0), "cause"), "exceptions"), 0), "message"),
		"message with \"quotes\"?and a newline");
	json_decref(doc);
	xray_subsegments_free(l);
}
END_TEST

static long long dropped_of(json_t *doc)
{
	json_t *v = json_object_get(json_object_get(json_object_get(doc, "metadata"), "default"),
				    XRAY_DROPPED_KEY);

	return v ? json_integer_value(v) : -1;
}

START_TEST(subsegment_cap)
{
	struct aws_call_record r = sample_call();
	struct xray_subsegments *l = NULL;
	json_t *doc, *subs;
	size_t i;

	ck_assert_int_eq(xray_subsegments_new(0, &l, NULL), CA_OK);
	for (i = 0; i < XRAY_SUBSEGMENTS_MAX + 7; i++)
		ck_assert_int_eq(xray_subsegments_add(l, &r, NULL), CA_OK);
	ck_assert_uint_eq(xray_subsegments_count(l), XRAY_SUBSEGMENTS_MAX);
	ck_assert_uint_eq(xray_subsegments_dropped(l), 7);
	doc = doc_with(l, &subs);
	ck_assert_uint_eq(json_array_size(subs), XRAY_SUBSEGMENTS_MAX);
	ck_assert_int_eq(dropped_of(doc), 7);
	json_decref(doc);
	xray_subsegments_free(l);

	/* a small cap, and an empty list writes nothing */
	l = list_of(2, (struct aws_call_record[]){ r, r, r }, 3);
	ck_assert_uint_eq(xray_subsegments_count(l), 2);
	ck_assert_uint_eq(xray_subsegments_dropped(l), 1);
	xray_subsegments_free(l);
	l = list_of(0, NULL, 0);
	doc = doc_with(l, &subs);
	ck_assert_ptr_null(subs);
	ck_assert_ptr_null(json_object_get(doc, "metadata"));
	json_decref(doc);
	xray_subsegments_free(l);
	ck_assert_int_eq(xray_subsegments_add(NULL, &r, NULL), CA_EINVAL);
}
END_TEST

START_TEST(datagram_within_limit)
{
	struct aws_call_record r = sample_call();
	struct xray_segment s = sample();
	struct xray_subsegments *l = NULL;
	struct ca_buf b = CA_BUF_INIT, full = CA_BUF_INIT;
	char big[XRAY_AWS_FIELD_MAX + 1];
	json_t *doc;
	size_t i, kept;

	/* 100 calls with long names: about 100 * 900 bytes, more than a datagram takes */
	memset(big, 't', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	r.table_name = big;
	r.bucket = big;
	r.request_id = big;
	ck_assert_int_eq(xray_subsegments_new(0, &l, NULL), CA_OK);
	for (i = 0; i < XRAY_SUBSEGMENTS_MAX; i++) {
		r.start_time = 1700000000.3 + (double)i / 1000;
		ck_assert_int_eq(xray_subsegments_add(l, &r, NULL), CA_OK);
	}
	s.subsegments = l;
	ck_assert_int_eq(xray_segment_json(&s, &full, NULL), CA_OK);
	ck_assert_uint_gt(full.len, XRAY_DATAGRAM_MAX);

	ca_buf_adds(&b, "kept:");
	ck_assert_int_eq(xray_segment_datagram(&s, &b, NULL), CA_OK);
	ck_assert(strncmp(b.data, "kept:" XRAY_DATAGRAM_HEADER, 5 + strlen(XRAY_DATAGRAM_HEADER)) == 0);
	ck_assert_uint_le(b.len - 5, XRAY_DATAGRAM_MAX);
	doc = json_loads(b.data + 5 + strlen(XRAY_DATAGRAM_HEADER), 0, NULL);
	ck_assert_ptr_nonnull(doc);
	kept = json_array_size(json_object_get(doc, "subsegments"));
	ck_assert_uint_gt(kept, 10);
	ck_assert_uint_lt(kept, XRAY_SUBSEGMENTS_MAX);
	/* the first calls are the ones kept, and the rest are counted */
	ck_assert(json_real_value(json_object_get(json_array_get(json_object_get(doc, "subsegments"),
							      kept - 1), "start_time")) ==
		  1700000000.3 + (double)(kept - 1) / 1000);
	ck_assert_int_eq(dropped_of(doc), (long long)(XRAY_SUBSEGMENTS_MAX - kept));
	/* and the datagram is close to the limit: it did not leave out more than needed */
	ck_assert_uint_gt(b.len - 5, XRAY_DATAGRAM_MAX - 1200);
	/* the list itself is untouched */
	ck_assert_uint_eq(xray_subsegments_count(l), XRAY_SUBSEGMENTS_MAX);
	json_decref(doc);
	xray_subsegments_free(l);
	ca_buf_release(&b);
	ca_buf_release(&full);
}
END_TEST

START_TEST(header_parse_valid)
{
	struct xray_trace_header h;

	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=" PARENT ";Sampled=1", &h));
	ck_assert_str_eq(h.root, TRACE);
	ck_assert_str_eq(h.parent, PARENT);
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_YES);

	ck_assert(xray_trace_header_parse(" Sampled = 0 ; Self=1-abc ; Root=" TRACE ";", &h));
	ck_assert_str_eq(h.root, TRACE);
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_NO);

	ck_assert(xray_trace_header_parse("Root=" TRACE ";Sampled=?;Lineage=a:1", &h));
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);

	ck_assert(xray_trace_header_parse("Root=" TRACE, &h));
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
}
END_TEST

START_TEST(header_parse_bad_parts_dropped)
{
	struct xray_trace_header h;

	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=ABCDEF0123456789;Sampled=1", &h));
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_YES);
	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=" PARENT "0;Sampled=yes", &h));
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=;Sampled=10", &h));
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
}
END_TEST

static const char *const ignored_headers[] = {
	"",
	";;;",
	"Sampled=0",                                         /* no Root: a new trace */
	"Parent=" PARENT ";Sampled=1",
	"Root=",
	"Root=1-5759e988-bd862e3fe1be46a99427279",           /* short */
	"Root=1-5759e988-bd862e3fe1be46a9942727933",         /* long */
	"Root=2-5759e988-bd862e3fe1be46a994272793",          /* version */
	"Root=1-5759E988-bd862e3fe1be46a994272793",          /* upper case */
	"Root=1_5759e988-bd862e3fe1be46a994272793",
	"Root=" TRACE ";Root=" TRACE,                        /* repeated */
	"Root=" TRACE ";Sampled=1;Sampled=0",
	"Root=" TRACE ";Parent=" PARENT ";Parent=" PARENT,
	"Root=" TRACE ";garbage",
	"root=" TRACE,
	"Root=" TRACE "\n;Sampled=0",
};

START_TEST(header_parse_ignored)
{
	struct xray_trace_header h;

	memset(&h, 'x', sizeof(h));
	ck_assert_msg(!xray_trace_header_parse(ignored_headers[_i], &h), "%s", ignored_headers[_i]);
	ck_assert_str_eq(h.root, "");
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
}
END_TEST

START_TEST(header_parse_null_and_overlong)
{
	struct xray_trace_header h;
	char big[XRAY_TRACE_HEADER_MAX + 64];
	int n;

	ck_assert(!xray_trace_header_parse(NULL, &h));
	ck_assert_str_eq(h.root, "");
	n = snprintf(big, sizeof(big), "Root=%s;Sampled=1;Pad=", TRACE);
	memset(big + n, 'p', sizeof(big) - (size_t)n - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!xray_trace_header_parse(big, &h));
	ck_assert_str_eq(h.root, "");
	/* exactly at the cap is still read */
	big[XRAY_TRACE_HEADER_MAX] = '\0';
	ck_assert(xray_trace_header_parse(big, &h));
	ck_assert_str_eq(h.root, TRACE);
}
END_TEST

START_TEST(header_format)
{
	struct ca_buf b = CA_BUF_INIT;

	ck_assert_int_eq(xray_trace_header_format(TRACE, true, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "Root=" TRACE ";Sampled=1");
	ca_buf_reset(&b);
	ck_assert_int_eq(xray_trace_header_format(TRACE, false, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "Root=" TRACE ";Sampled=0");
	ca_buf_reset(&b);
	ck_assert_int_eq(xray_trace_header_format("1-x", true, &b, NULL), CA_EINVAL);
	ck_assert_str_eq(b.data, "");
	ca_buf_release(&b);
}
END_TEST

START_TEST(segment_id_validity)
{
	ck_assert(xray_segment_id_valid(SEG));
	ck_assert(!xray_segment_id_valid(NULL));
	ck_assert(!xray_segment_id_valid(""));
	ck_assert(!xray_segment_id_valid("53995C3F42CD8AD8"));
	ck_assert(!xray_segment_id_valid("53995c3f42cd8ad80"));
}
END_TEST

static const struct {
	const char *spec, *host;
	unsigned port;
} good_addresses[] = {
	{ "127.0.0.1:2000", "127.0.0.1", 2000 },
	{ "xray-daemon:2001", "xray-daemon", 2001 },
	{ "[::1]:2000", "::1", 2000 },
	{ "udp:10.0.0.2:2002", "10.0.0.2", 2002 },
	{ "tcp:127.0.0.1:2000 udp:127.0.0.2:2003", "127.0.0.2", 2003 },
	{ "udp:127.0.0.2:2004 tcp:127.0.0.1:2000", "127.0.0.2", 2004 },
	{ " 127.0.0.1:65535 ", "127.0.0.1", 65535 },
};

START_TEST(daemon_address_good)
{
	char host[64];
	uint16_t port = 0;

	ck_assert_int_eq(xray_daemon_address_parse(good_addresses[_i].spec, host, sizeof(host),
						   &port, NULL), CA_OK);
	ck_assert_str_eq(host, good_addresses[_i].host);
	ck_assert_uint_eq(port, good_addresses[_i].port);
}
END_TEST

static const char *const bad_addresses[] = {
	"", " ", "host", "host:", ":2000", "host:0", "host:65536", "host:20x", "host:-1",
	"::1:2000", "[::1]2000", "[::1]:", "[]:2000", "tcp:127.0.0.1:2000", "a:1 b:2",
	"ho st:1", "h/x:1", "host:2000\n", "udp:", "[::1:2000",
};

START_TEST(daemon_address_bad)
{
	char host[64];
	uint16_t port = 7;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(xray_daemon_address_parse(bad_addresses[_i], host, sizeof(host), &port,
						&err) == CA_EINVAL, "%s", bad_addresses[_i]);
	ck_assert(strstr(err.msg, "X-Ray daemon address") != NULL);
	ck_assert_uint_eq(port, 7);
}
END_TEST

START_TEST(daemon_address_host_too_long)
{
	char host[8];
	uint16_t port;

	ck_assert_int_eq(xray_daemon_address_parse("abcdefgh:1", host, sizeof(host), &port, NULL),
			 CA_EINVAL);
	ck_assert_int_eq(xray_daemon_address_parse("abcdefg:1", host, sizeof(host), &port, NULL),
			 CA_OK);
}
END_TEST

/* A UDP socket on 127.0.0.1 standing in for the daemon; *port receives its port. */
static int listener(uint16_t *port)
{
	struct timeval tv = { 30, 0 }; /* only a guard against hanging forever */
	int bound_port, fd = loopback_bound(SOCK_DGRAM, &bound_port);

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	*port = (uint16_t)bound_port;
	return fd;
}

START_TEST(emitter_sends_datagram)
{
	struct xray_emitter *em = NULL;
	struct xray_segment s = sample();
	char spec[64], got[XRAY_DATAGRAM_MAX + 1];
	uint16_t port;
	ssize_t n;
	json_t *doc;
	int fd = listener(&port);

	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:1 udp:127.0.0.1:%u", (unsigned)port);
	ck_assert_int_eq(xray_emitter_open(spec, &em, NULL), CA_OK);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", (unsigned)port);
	ck_assert_str_eq(xray_emitter_address(em), spec);
	ck_assert_int_eq(xray_emitter_send(em, &s, NULL), CA_OK);
	n = recv(fd, got, sizeof(got) - 1, 0);
	ck_assert_int_gt(n, 33);
	got[n] = '\0';
	ck_assert(strncmp(got, XRAY_DATAGRAM_HEADER, strlen(XRAY_DATAGRAM_HEADER)) == 0);
	doc = json_loads(got + strlen(XRAY_DATAGRAM_HEADER), 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "id")), SEG);
	json_decref(doc);
	ck_assert_uint_eq(xray_emitter_sent(em), 1);
	ck_assert_uint_eq(xray_emitter_dropped(em), 0);

	s.trace_id = "bad";
	ck_assert_int_eq(xray_emitter_send(em, &s, NULL), CA_EINVAL);
	ck_assert_uint_eq(xray_emitter_sent(em), 1);
	ck_assert_uint_eq(xray_emitter_dropped(em), 1);
	xray_emitter_free(em);
	close(fd);
}
END_TEST

START_TEST(emitter_open_refuses)
{
	struct xray_emitter *em = (struct xray_emitter *)&em;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(xray_emitter_open("nonsense", &em, &err), CA_EINVAL);
	ck_assert_ptr_null(em);
	ca_err_clear(&err);
	ck_assert_int_eq(xray_emitter_open("no-such-host.invalid:2000", &em, &err), CA_EINVAL);
	ck_assert_ptr_null(em);
	ck_assert(strstr(err.msg, "cannot be resolved") != NULL);
	/* NULL means the default address, which needs no daemon to open */
	ck_assert_int_eq(xray_emitter_open(NULL, &em, NULL), CA_OK);
	ck_assert_str_eq(xray_emitter_address(em), "127.0.0.1:2000");
	xray_emitter_free(em);
	xray_emitter_free(NULL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("xray_emitter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, segment_fields);
	tcase_add_test(tc, segment_microseconds_kept);
	tcase_add_test(tc, segment_optional_fields_left_out);
	tcase_add_loop_test(tc, segment_status_flags, 0, sizeof(flag_cases) / sizeof(flag_cases[0]));
	tcase_add_test(tc, segment_invalid_refused);
	tcase_add_test(tc, segment_hostile_strings);
	tcase_add_test(tc, datagram_has_header_line);
	tcase_add_test(tc, subsegment_fields);
	tcase_add_test(tc, subsegment_names_and_tables);
	tcase_add_loop_test(tc, subsegment_status_flags, 0,
			    sizeof(call_flag_cases) / sizeof(call_flag_cases[0]));
	tcase_add_test(tc, subsegment_hostile_names);
	tcase_add_test(tc, subsegment_cap);
	tcase_add_test(tc, datagram_within_limit);
	tcase_add_test(tc, header_parse_valid);
	tcase_add_test(tc, header_parse_bad_parts_dropped);
	tcase_add_loop_test(tc, header_parse_ignored, 0,
			    sizeof(ignored_headers) / sizeof(ignored_headers[0]));
	tcase_add_test(tc, header_parse_null_and_overlong);
	tcase_add_test(tc, header_format);
	tcase_add_test(tc, segment_id_validity);
	tcase_add_loop_test(tc, daemon_address_good, 0,
			    sizeof(good_addresses) / sizeof(good_addresses[0]));
	tcase_add_loop_test(tc, daemon_address_bad, 0,
			    sizeof(bad_addresses) / sizeof(bad_addresses[0]));
	tcase_add_test(tc, daemon_address_host_too_long);
	tcase_add_test(tc, emitter_sends_datagram);
	tcase_add_test(tc, emitter_open_refuses);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
