/*
 * The protocol layer (aws/protocol.h): one call for awsJson, rest-json and query whose
 * result carries the answer, the service's error code and message, the status and the
 * request id, read from every error shape AWS uses (and from bodies that are none);
 * the wire shape taken from the service table; the endpoint resolved once per client.
 * A scripted HTTP server on a loopback port answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_ca.h"
#include "aws/client.h"
#include "aws/cognito.h"
#include "aws/protocol.h"
#include "aws/service.h"
#include "scripted_server.h"

#define RID "x-amzn-RequestId: RID-1\r\n"

struct error_case {
	struct answer answer;
	int rc;
	const char *code;
	const char *message;    /* without one in the body: the status's reason phrase */
	bool from_body;
	bool has_output;        /* the error answer came back as a JSON object */
};

static const struct error_case error_cases[] = {
	/* awsJson 1.0: __type with the namespace before '#' */
	{ { 400, RID, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
		      "\"message\":\"The conditional request failed\"}" },
	  CA_AWS_SERVICE, "ConditionalCheckFailedException", "The conditional request failed",
	  true, true },
	/* awsJson 1.1: __type alone, Message capitalised */
	{ { 400, RID, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"User pool x does not exist.\"}" },
	  CA_AWS_SERVICE, "ResourceNotFoundException", "User pool x does not exist.", true, true },
	/* rest-json: code */
	{ { 400, RID, "{\"code\":\"InvalidRequestException\",\"message\":\"bad group\"}" },
	  CA_AWS_SERVICE, "InvalidRequestException", "bad group", true, true },
	/* the x-amzn-ErrorType header, with the part after ':' dropped */
	{ { 403, RID "x-amzn-ErrorType: AccessDeniedException:http://internal.amazon.com/coral/\r\n",
	    "{\"message\":\"not allowed\"}" },
	  CA_AWS_SERVICE, "AccessDeniedException", "not allowed", true, true },
	/* throttling: its own return code */
	{ { 400, RID, "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\",\"message\":\"Rate exceeded\"}" },
	  CA_AWS_THROTTLED, "ThrottlingException", "Rate exceeded", true, true },
	/* an HTML page from a proxy: the status is all there is */
	{ { 502, RID, "<html><body><h1>502 Bad Gateway</h1></body></html>" },
	  CA_AWS_SERVICE, "502", "Bad Gateway", false, false },
	/* an empty body */
	{ { 400, RID, "" }, CA_AWS_SERVICE, "400", "Bad Request", false, false },
	/* garbage */
	{ { 400, RID, "{\"__type\": \"Trunc" }, CA_AWS_SERVICE, "400", "Bad Request", false, false },
	/* JSON, but not an object */
	{ { 400, RID, "[\"__type\", \"X\"]" }, CA_AWS_SERVICE, "400", "Bad Request", false, false },
	/* a 5xx without a body */
	{ { 503, RID, NULL }, CA_AWS_SERVICE, "503", "Service Unavailable", false, false },
};

START_TEST(json_error_shapes)
{
	const struct error_case *ec = &error_cases[_i];
	struct aws_op op = { .name = "PutItem" };
	struct aws_result res;
	struct script s;
	struct aws_client *c;
	struct ca_err err;
	json_t *in = json_pack("{s:s}", "TableName", "Photo");
	int rc;

	aws_result_init(&res);
	op.json = in;
	script_start(&s, &ec->answer, 1);
	c = client_to(s.port, 1);
	ca_err_clear(&err);
	rc = aws_call(c, AWS_SVC_DYNAMODB, &op, &res, &err);
	script_stop(&s);
	ck_assert_int_eq(rc, ec->rc);
	ck_assert_int_eq(err.code, ec->rc);
	ck_assert_int_eq(res.status, ec->answer.status);
	ck_assert_str_eq(res.error_code, ec->code);
	ck_assert_str_eq(res.error_message, ec->message);
	ck_assert_int_eq(res.error_code_from_body, ec->from_body);
	ck_assert_str_eq(res.request_id, "RID-1");
	ck_assert_int_eq(res.attempts, 1);
	ck_assert_int_eq(res.output != NULL, ec->has_output);
	ck_assert_ptr_null(res.xml);
	/* the caller's sentence names the service, the code and the status */
	ck_assert_ptr_nonnull(strstr(err.msg, "dynamodb: "));
	ck_assert_ptr_nonnull(strstr(err.msg, ec->code));
	aws_result_release(&res);
	ck_assert_ptr_null(res.output);
	ck_assert_str_eq(res.error_code, "");
	aws_result_release(&res);       /* twice is harmless */
	aws_result_release(NULL);
	json_decref(in);
	aws_client_free(c);
}
END_TEST

START_TEST(error_body_is_the_output_after_a_refusal)
{
	static const struct answer a = {
		400, RID, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
			  "\"message\":\"cancelled\",\"CancellationReasons\":[{\"Code\":\"None\"},"
			  "{\"Code\":\"ConditionalCheckFailed\"}]}" };
	struct aws_op op = { .name = "TransactWriteItems" };
	struct aws_result res = { 0 };
	struct script s;
	struct aws_client *c;
	json_t *reasons;

	script_start(&s, &a, 1);
	c = client_to(s.port, 1);
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, &op, &res, NULL), CA_AWS_SERVICE);
	script_stop(&s);
	reasons = json_object_get(res.output, "CancellationReasons");
	ck_assert_uint_eq(json_array_size(reasons), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(reasons, 1), "Code")),
			 "ConditionalCheckFailed");
	aws_result_release(&res);
	aws_client_free(c);
}
END_TEST

START_TEST(success_answer_and_wire_shape)
{
	static const struct answer a[] = {
		{ 200, RID, "{\"Count\":1}" },
		{ 200, "x-amzn-RequestId: RID-2\r\n", "" },
		{ 200, NULL, "{\"Groups\":[]}" },
		{ 200, NULL, "{}" },
	};
	struct aws_op op = { .name = "Query" };
	struct aws_result res = { 0 };
	struct script s;
	struct aws_client *c;
	json_t *in = json_pack("{s:s}", "TableName", "Photo");

	script_start(&s, a, 4);
	c = client_to(s.port, 1);
	op.json = in;
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, &op, &res, NULL), CA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(res.output, "Count")), 1);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.request_id, "RID-1");
	ck_assert_str_eq(res.error_code, "");
	/* an empty answer is {} */
	op.name = "InitiateAuth";
	ck_assert_int_eq(aws_call(c, AWS_SVC_COGNITO_IDP, &op, &res, NULL), CA_OK);
	ck_assert(json_is_object(res.output) && json_object_size(res.output) == 0);
	ck_assert_str_eq(res.request_id, "RID-2");
	/* rest-json: the path is the operation's, or /<Operation> */
	op.name = "GetGroups";
	op.path = "/Groups";
	ck_assert_int_eq(aws_call(c, AWS_SVC_XRAY, &op, &res, NULL), CA_OK);
	op.name = "GetSamplingRules";
	op.path = NULL;
	ck_assert_int_eq(aws_call(c, AWS_SVC_XRAY, &op, &res, NULL), CA_OK);
	script_stop(&s);
	ck_assert_ptr_nonnull(strstr(s.head[0], "POST / HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(s.head[0], "X-Amz-Target: DynamoDB_20120810.Query"));
	ck_assert_ptr_nonnull(strstr(s.head[0], "Content-Type: application/x-amz-json-1.0"));
	ck_assert_ptr_nonnull(strstr(s.head[0], "/dynamodb/aws4_request"));
	ck_assert_ptr_nonnull(strstr(s.head[1], "X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth"));
	ck_assert_ptr_nonnull(strstr(s.head[1], "Content-Type: application/x-amz-json-1.1"));
	ck_assert_ptr_nonnull(strstr(s.head[1], "/cognito-idp/aws4_request"));
	ck_assert_ptr_nonnull(strstr(s.head[2], "POST /Groups HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(s.head[2], "Content-Type: application/json"));
	ck_assert_ptr_null(strstr(s.head[2], "X-Amz-Target"));
	ck_assert_ptr_nonnull(strstr(s.head[3], "POST /GetSamplingRules HTTP/1.1"));
	aws_result_release(&res);
	json_decref(in);
	aws_client_free(c);
}
END_TEST

START_TEST(unusable_success_is_a_bad_response)
{
	static const struct answer a[] = {
		{ 200, RID, "[1, 2]" },
		{ 200, RID, "<html>" },
		{ 200, RID, "<GetCallerIdentityResponse><oops>" },
	};
	struct aws_op op = { .name = "ListTables" };
	struct aws_result res = { 0 };
	struct script s;
	struct aws_client *c;
	struct ca_err err;

	script_start(&s, a, 3);
	c = client_to(s.port, 1);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, &op, &res, &err), CA_AWS_BAD_RESPONSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "the answer is not a JSON object"));
	ck_assert_ptr_null(res.output);
	ck_assert_int_eq(res.status, 200);
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, &op, &res, NULL), CA_AWS_BAD_RESPONSE);
	op.name = "GetCallerIdentity";
	ca_err_clear(&err);
	ck_assert_int_eq(aws_call(c, AWS_SVC_STS, &op, &res, &err), CA_AWS_BAD_RESPONSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "not usable XML"));
	ck_assert_ptr_null(res.xml);
	script_stop(&s);
	aws_result_release(&res);
	aws_client_free(c);
}
END_TEST

START_TEST(query_protocol_result)
{
	static const struct answer a[] = {
		{ 200, RID, "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012"
			    "</Account></GetCallerIdentityResult></GetCallerIdentityResponse>" },
		{ 404, NULL, "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
			     "<Message>The role x cannot be found.</Message></Error>"
			     "<RequestId>rid-xml</RequestId></ErrorResponse>" },
	};
	struct aws_param p = { "RoleName", "x y" };
	struct aws_op op = { .name = "GetCallerIdentity" };
	struct aws_result res = { 0 };
	struct script s;
	struct aws_client *c;

	script_start(&s, a, 2);
	c = client_to(s.port, 1);
	ck_assert_int_eq(aws_call(c, AWS_SVC_STS, &op, &res, NULL), CA_OK);
	ck_assert_str_eq(ca_xml_path_text(res.xml, "GetCallerIdentityResult/Account"), "123456789012");
	ck_assert_ptr_null(res.output);
	op.name = "GetRole";
	op.params = &p;
	op.n_params = 1;
	ck_assert_int_eq(aws_call(c, AWS_SVC_IAM, &op, &res, NULL), CA_AWS_SERVICE);
	ck_assert_ptr_null(res.xml);
	ck_assert_str_eq(res.error_code, "NoSuchEntity");
	ck_assert_str_eq(res.error_message, "The role x cannot be found.");
	ck_assert_str_eq(res.request_id, "rid-xml");
	ck_assert_int_eq(res.status, 404);
	script_stop(&s);
	ck_assert_ptr_nonnull(strstr(s.head[0], "application/x-www-form-urlencoded"));
	ck_assert_ptr_nonnull(strstr(s.head[1], "/iam/aws4_request"));
	aws_result_release(&res);
	aws_client_free(c);
}
END_TEST

START_TEST(bad_calls_are_refused_before_sending)
{
	struct aws_op op = { .name = "PutObject" };
	struct aws_result res = { 0 };
	struct aws_client *c = client_to(1, 1);
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(aws_call(c, AWS_SVC_S3, &op, &res, &err), CA_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "aws_s3_send"));
	op.name = "";
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, &op, &res, NULL), CA_EINVAL);
	ck_assert_int_eq(aws_call(c, AWS_SVC_DYNAMODB, NULL, &res, NULL), CA_EINVAL);
	ck_assert_int_eq(aws_call(c, (enum aws_service)99, &op, &res, NULL), CA_EINVAL);
	ck_assert_int_eq(res.attempts, 0);
	aws_client_free(c);
}
END_TEST

START_TEST(target_operations)
{
	ck_assert_str_eq(aws_json_target_operation(AWS_SVC_DYNAMODB, "DynamoDB_20120810.ListTables"),
			 "ListTables");
	ck_assert_str_eq(aws_json_target_operation(AWS_SVC_DYNAMODB, "ListTables"), "ListTables");
	ck_assert_str_eq(aws_json_target_operation(AWS_SVC_COGNITO_IDP,
						   "AWSCognitoIdentityProviderService.SignUp"), "SignUp");
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_DYNAMODB, "DynamoDB_20120811.ListTables"));
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_COGNITO_IDP, "DynamoDB_20120810.X"));
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_DYNAMODB, "DynamoDB_20120810."));
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_DYNAMODB, ""));
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_DYNAMODB, NULL));
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_S3, "GetObject"));
	ck_assert_ptr_null(aws_json_target_operation(AWS_SVC_XRAY, "GetGroups"));
}
END_TEST

START_TEST(service_table)
{
	const struct aws_service_meta *m = aws_service_meta(AWS_SVC_DYNAMODB);

	ck_assert_int_eq(m->protocol, AWS_PROTO_JSON);
	ck_assert_str_eq(m->json_version, "1.0");
	ck_assert_str_eq(m->target_prefix, "DynamoDB_20120810");
	ck_assert_double_eq(m->retry_transient_base_ms, 25.0);
	m = aws_service_meta(AWS_SVC_COGNITO_IDP);
	ck_assert_str_eq(m->json_version, "1.1");
	ck_assert_str_eq(m->signing_name, "cognito-idp");
	ck_assert_str_eq(aws_service_meta(AWS_SVC_IAM)->api_version, "2010-05-08");
	ck_assert(aws_service_meta(AWS_SVC_IAM)->global);
	ck_assert_int_eq(aws_service_meta(AWS_SVC_XRAY)->protocol, AWS_PROTO_REST_JSON);
	ck_assert_int_eq(aws_service_meta(AWS_SVC_S3)->protocol, AWS_PROTO_REST_XML);
	ck_assert_ptr_null(aws_service_meta((enum aws_service)AWS_SVC_COUNT));
}
END_TEST

/* The endpoint is read once per client and service: a variable changed after the first
 * request to a service does not move that client's later requests. */
START_TEST(endpoint_resolved_once_per_client)
{
	static const struct answer a[] = { { 200, NULL, "{}" }, { 200, NULL, "{}" } };
	struct aws_client_options opt = { .region = "ap-southeast-1" };
	struct aws_retry_policy policy;
	struct aws_client *c = NULL, *setup;
	struct script s;
	char url[64];
	struct ca_err err;

	setup = client_to(1, 1);         /* sets the test credentials */
	aws_client_free(setup);
	script_start(&s, a, 2);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	setenv("AWS_ENDPOINT_URL_DYNAMODB", url, 1);
	aws_retry_policy_init(&policy);
	policy.max_attempts = 1;
	opt.retry = &policy;
	ca_err_clear(&err);
	ck_assert_int_eq(aws_client_new(&opt, &c, &err), CA_OK);
	ck_assert_int_eq(aws_call_json(c, AWS_SVC_DYNAMODB, "ListTables", NULL, NULL, &err), CA_OK);
	setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1", 1);
	ck_assert_msg(aws_call_json(c, AWS_SVC_DYNAMODB, "ListTables", NULL, NULL, &err) == CA_OK,
		      "%s", err.msg);
	unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
	script_stop(&s);
	aws_client_free(c);
}
END_TEST

/* cognito.c tells "absent" by the service's code, not by words in a message. */
START_TEST(cognito_absent_by_code_only)
{
	static const struct answer a[] = {
		{ 400, NULL, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"User pool p1 does not exist.\"}" },
		{ 400, NULL, "{\"__type\":\"InvalidParameterException\","
			     "\"message\":\"ResourceNotFoundException is not a valid pool name\"}" },
	};
	struct script s;
	struct aws_client *c;
	json_t *pool = NULL;
	struct ca_err err;

	script_start(&s, a, 2);
	c = client_to(s.port, 1);
	ca_err_clear(&err);
	ck_assert_int_eq(cognito_describe_user_pool(c, "p1", &pool, &err), CA_ENOTFOUND);
	ca_err_clear(&err);
	ck_assert_int_eq(cognito_describe_user_pool(c, "p2", &pool, &err), CA_AWS_SERVICE);
	ck_assert_ptr_nonnull(strstr(err.msg, "InvalidParameterException"));
	ck_assert_ptr_null(pool);
	script_stop(&s);
	aws_client_free(c);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("aws_protocol");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, json_error_shapes, 0,
			    (int)(sizeof(error_cases) / sizeof(error_cases[0])));
	tcase_add_test(tc, error_body_is_the_output_after_a_refusal);
	tcase_add_test(tc, success_answer_and_wire_shape);
	tcase_add_test(tc, unusable_success_is_a_bad_response);
	tcase_add_test(tc, query_protocol_result);
	tcase_add_test(tc, bad_calls_are_refused_before_sending);
	tcase_add_test(tc, target_operations);
	tcase_add_test(tc, service_table);
	tcase_add_test(tc, endpoint_resolved_once_per_client);
	tcase_add_test(tc, cognito_absent_by_code_only);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
