#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"
#include "check_ca.h"
#include "util/buf.h"
#include "util/error.h"

static void parse_body(int status, const char *body, const char *type_hdr, const char *rid_hdr,
		       struct aws_error *out)
{
	struct aws_error_input in = { status, body, body ? strlen(body) : 0, type_hdr, rid_hdr };

	aws_error_parse(&in, out);
}

START_TEST(json_type_prefix_is_stripped)
{
	struct aws_error e;

	parse_body(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
		   "\"message\":\"Requested resource not found\"}", NULL, "RID-1", &e);
	ck_assert_int_eq(e.status, 400);
	ck_assert_str_eq(e.code, "ResourceNotFoundException");
	ck_assert_str_eq(e.message, "Requested resource not found");
	ck_assert_str_eq(e.request_id, "RID-1");
	ck_assert_int_eq(e.code_from_body, 1);

	/* Cognito style: capital Message, no prefix */
	parse_body(400, "{\"__type\":\"UserNotFoundException\",\"Message\":\"User does not exist.\"}",
		   NULL, NULL, &e);
	ck_assert_str_eq(e.code, "UserNotFoundException");
	ck_assert_str_eq(e.message, "User does not exist.");
	ck_assert_str_eq(e.request_id, "");

	/* rest-json: "code" member, and a ':'-suffixed type */
	parse_body(400, "{\"code\":\"InvalidRequestException:http://internal.amazon.com/x\","
		   "\"message\":\"bad\"}", NULL, NULL, &e);
	ck_assert_str_eq(e.code, "InvalidRequestException");
}
END_TEST

START_TEST(error_type_header_wins_over_body)
{
	struct aws_error e;

	parse_body(400, "{\"__type\":\"BodyCode\",\"message\":\"from body\"}",
		   "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
		   NULL, &e);
	ck_assert_str_eq(e.code, "ValidationException");
	ck_assert_str_eq(e.message, "from body");

	/* header alone, empty body */
	parse_body(429, "", "ThrottlingException", NULL, &e);
	ck_assert_str_eq(e.code, "ThrottlingException");
	ck_assert_str_eq(e.message, "Too Many Requests");
}
END_TEST

START_TEST(query_xml_error_response)
{
	struct aws_error e;

	parse_body(404,
		   "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
		   "  <Error><Type>Sender</Type><Code>NoSuchEntity</Code>\n"
		   "  <Message>The user with name bob cannot be found.</Message></Error>\n"
		   "  <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>\n"
		   "</ErrorResponse>", NULL, NULL, &e);
	ck_assert_str_eq(e.code, "NoSuchEntity");
	ck_assert_str_eq(e.message, "The user with name bob cannot be found.");
	ck_assert_str_eq(e.request_id, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");

	/* the Errors wrapper some front ends put around it */
	parse_body(403, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error>"
		   "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
		   "does not match.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>",
		   NULL, "hdr-id", &e);
	ck_assert_str_eq(e.code, "SignatureDoesNotMatch");
	ck_assert_str_eq(e.message, "The request signature we calculated does not match.");
	ck_assert_str_eq(e.request_id, "hdr-id");
}
END_TEST

START_TEST(s3_and_ec2_xml_errors)
{
	struct aws_error e;

	parse_body(404,
		   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
		   "<Message>The specified key does not exist.</Message><Key>a b</Key>"
		   "<RequestId>4442587FB7D0A2F9</RequestId></Error>", NULL, NULL, &e);
	ck_assert_str_eq(e.code, "NoSuchKey");
	ck_assert_str_eq(e.request_id, "4442587FB7D0A2F9");

	/* the header's request id is preferred to the body's */
	parse_body(503, "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message>"
		   "<RequestId>BODY</RequestId></Error>", NULL, "HEADER", &e);
	ck_assert_str_eq(e.code, "SlowDown");
	ck_assert_str_eq(e.request_id, "HEADER");

	parse_body(400, "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
		   "<Message>The instance ID 'i-1' does not exist</Message></Error></Errors>"
		   "<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>", NULL, NULL, &e);
	ck_assert_str_eq(e.code, "InvalidInstanceID.NotFound");
	ck_assert_str_eq(e.message, "The instance ID 'i-1' does not exist");
	ck_assert_str_eq(e.request_id, "ea966190-f9aa-478e-9ede-example");
}
END_TEST

START_TEST(hostile_bodies_fall_back_to_status)
{
	static const char *const bodies[] = {
		"{\"__type\":\"Trunc",                          /* truncated JSON */
		"[\"__type\",\"X\"]",                           /* not an object */
		"{\"__type\":42,\"message\":{\"a\":1}}",        /* wrong types */
		"{\"__type\":\"has space\"}",                   /* not a code */
		"{\"__type\":\"#\"}",                           /* empty after '#' */
		"<Error><Code>Trunc",                           /* truncated XML */
		"<!DOCTYPE e [<!ENTITY x \"y\">]><Error><Code>&x;</Code></Error>",
		"<Other><Code>NotAnError</Code></Other>",       /* unknown root */
		"<Error><Code><Inner>X</Inner></Code></Error>", /* nested code: empty text */
		"plain text from a proxy",
		"<html><body>502 Bad Gateway</body></html>",
	};
	struct aws_error e;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		parse_body(502, bodies[i], NULL, NULL, &e);
		ck_assert_msg(strcmp(e.code, "502") == 0, "case %zu gave code %s", i, e.code);
		ck_assert_int_eq(e.code_from_body, 0);
		ck_assert_int_eq(e.status, 502);
	}
	parse_body(502, "<Error><Code>Trunc", NULL, NULL, &e);
	ck_assert_str_eq(e.message, "Bad Gateway");
	parse_body(599, NULL, NULL, NULL, &e);
	ck_assert_str_eq(e.code, "599");
	ck_assert_str_eq(e.message, "no error details in the answer");
	aws_error_parse(NULL, &e);
	ck_assert_int_eq(e.status, 0);
}
END_TEST

START_TEST(huge_and_binary_bodies_are_not_parsed)
{
	struct ca_buf big = CA_BUF_INIT;
	struct aws_error e;
	struct aws_error_input in = { 500, NULL, 0, NULL, NULL };
	static const char nul_body[] = "{\"__type\":\"A\0B\",\"message\":\"m\"}";

	ca_buf_adds(&big, "{\"__type\":\"BigError\",\"message\":\"");
	while (big.len <= AWS_ERROR_BODY_MAX)
		ca_buf_adds(&big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	ca_buf_adds(&big, "\"}");
	ck_assert(ca_buf_ok(&big));
	in.body = big.data;
	in.body_len = big.len;
	aws_error_parse(&in, &e);
	ck_assert_str_eq(e.code, "500");
	ca_buf_release(&big);

	in.body = nul_body;
	in.body_len = sizeof(nul_body) - 1;
	aws_error_parse(&in, &e);
	ck_assert_str_eq(e.code, "500");        /* jansson refuses the NUL: no partial code */
}
END_TEST

START_TEST(messages_are_cleaned_and_capped)
{
	struct ca_buf body = CA_BUF_INIT;
	struct aws_error e;
	size_t i;

	parse_body(400, "{\"__type\":\"X\",\"message\":\"  line1\\nline2\\u0007end \\t\"}", NULL,
		   "id\r\nInjected: yes", &e);
	ck_assert_str_eq(e.message, "line1 line2 end");
	ck_assert_str_eq(e.request_id, "id  Injected: yes");

	/* a long message of 2-byte characters is cut on a character boundary */
	ca_buf_adds(&body, "{\"__type\":\"X\",\"message\":\"a");
	for (i = 0; i < AWS_ERROR_MESSAGE_MAX; i++)
		ca_buf_adds(&body, "\xc3\xa9");
	ca_buf_adds(&body, "\"}");
	parse_body(400, body.data, NULL, NULL, &e);
	ck_assert_uint_lt(strlen(e.message), AWS_ERROR_MESSAGE_MAX);
	ck_assert_uint_ge(strlen(e.message), AWS_ERROR_MESSAGE_MAX - 4);
	/* "a" then whole pairs: odd length, and the last byte is a continuation byte */
	ck_assert_uint_eq(strlen(e.message) % 2, 1);
	ck_assert_int_eq((unsigned char)e.message[strlen(e.message) - 1], 0xa9);
	ca_buf_release(&body);

	/* an over-long code is refused rather than cut */
	ca_buf_reset(&body);
	ca_buf_adds(&body, "{\"__type\":\"");
	for (i = 0; i < AWS_ERROR_CODE_MAX; i++)
		ca_buf_addch(&body, 'A');
	ca_buf_adds(&body, "\"}");
	parse_body(400, body.data, NULL, NULL, &e);
	ck_assert_str_eq(e.code, "400");
	ca_buf_release(&body);
}
END_TEST

START_TEST(error_sentence_names_service_code_and_request)
{
	struct aws_error e;
	struct ca_err err;

	parse_body(400, "{\"__type\":\"ns#ValidationException\",\"message\":\"1 validation error\"}",
		   NULL, "abc-123", &e);
	ca_err_clear(&err);
	ck_assert_int_eq(aws_error_to_err(&e, "dynamodb", CA_AWS_SERVICE, &err), CA_AWS_SERVICE);
	ck_assert_int_eq(err.code, CA_AWS_SERVICE);
	ck_assert_str_eq(err.msg,
			 "dynamodb: ValidationException: 1 validation error (HTTP 400, request id abc-123)");

	parse_body(500, "", NULL, NULL, &e);
	ca_err_clear(&err);
	aws_error_to_err(&e, NULL, CA_AWS_SERVICE, &err);
	ck_assert_str_eq(err.msg, "500: Internal Server Error (HTTP 500)");
	ck_assert_int_eq(aws_error_to_err(&e, "s3", CA_AWS_THROTTLED, NULL), CA_AWS_THROTTLED);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("aws_error");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, json_type_prefix_is_stripped);
	tcase_add_test(tc, error_type_header_wins_over_body);
	tcase_add_test(tc, query_xml_error_response);
	tcase_add_test(tc, s3_and_ec2_xml_errors);
	tcase_add_test(tc, hostile_bodies_fall_back_to_status);
	tcase_add_test(tc, huge_and_binary_bodies_are_not_parsed);
	tcase_add_test(tc, messages_are_cleaned_and_capped);
	tcase_add_test(tc, error_sentence_names_service_code_and_request);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
