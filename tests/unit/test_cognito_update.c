/*
 * test_cognito_update.c — the UpdateUserPool / UpdateUserPoolClient requests are built
 * from the APIs' input members (aws/cognito_update.h), whatever the Describe answers
 * hold: read-only members (ClientSecretArn, UsernameAttributes ...), members the API
 * adds later, nulls and wrong types. The lists themselves are checked against
 * botocore's model by tests/integration/test_stage3_cognito.py.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "check_ca.h"

#include "aws/cognito_update.h"
#include "util/banned.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	ck_assert_msg(v != NULL, "bad test JSON: %s", text);
	return v;
}

/* Every member of req is allowed, and req has exactly n members. */
static void only_allowed(const json_t *req, const char *const *members, size_t n)
{
	const char *key;
	json_t *v;

	ck_assert_ptr_nonnull(req);
	json_object_foreach((json_t *)req, key, v)
		ck_assert_msg(cognito_update_allows(members, key), "%s is not an input member", key);
	ck_assert_uint_eq(json_object_size(req), n);
}

START_TEST(client_update_leaves_out_what_describe_adds)
{
	json_t *have = parse(
		"{\"UserPoolId\": \"p\", \"ClientId\": \"c\", \"ClientName\": \"web\","
		" \"ClientSecret\": \"s3cr3t\", \"ClientSecretArn\": \"arn:aws:secretsmanager:x\","
		" \"ClientType\": \"CONFIDENTIAL\", \"CreationDate\": 1.7e9,"
		" \"LastModifiedDate\": 1.7e9, \"RefreshTokenValidity\": 7,"
		" \"CallbackURLs\": [\"https://evil.example/cb\"], \"DefaultRedirectURI\": null,"
		" \"SomeFutureReadOnlyMember\": {\"x\": 1}, \"GenerateSecret\": true}");
	json_t *want = parse("{\"CallbackURLs\": [\"http://localhost:8080/callback\"],"
			     " \"AllowedOAuthFlows\": [\"code\"]}");
	json_t *req = cognito_client_update_request(want, have);

	only_allowed(req, cognito_update_client_members, 4);
	ck_assert_str_eq(json_string_value(json_object_get(req, "ClientName")), "web");
	ck_assert_int_eq(json_integer_value(json_object_get(req, "RefreshTokenValidity")), 7);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(req, "CallbackURLs"), 0)),
			 "http://localhost:8080/callback");       /* want wins */
	ck_assert_ptr_nonnull(json_object_get(req, "AllowedOAuthFlows"));
	ck_assert_ptr_null(json_object_get(req, "DefaultRedirectURI"));   /* null: left out */
	json_decref(req);
	json_decref(want);
	json_decref(have);
}
END_TEST

START_TEST(pool_update_never_carries_what_cannot_change)
{
	json_t *have = parse(
		"{\"Id\": \"p\", \"Name\": \"pool\", \"Arn\": \"arn:aws:cognito-idp:x\","
		" \"UsernameAttributes\": [\"email\"],"
		" \"UsernameConfiguration\": {\"CaseSensitive\": false},"
		" \"AliasAttributes\": [\"phone_number\"], \"SchemaAttributes\": [],"
		" \"EstimatedNumberOfUsers\": 3, \"Domain\": \"d\", \"Status\": \"Enabled\","
		" \"LambdaConfig\": {\"PreSignUp\": \"arn:aws:lambda:x\"}, \"MfaConfiguration\": \"OFF\","
		" \"UserPoolTags\": {\"team\": \"album\"}, \"UserPoolTier\": \"ESSENTIALS\","
		" \"EmailVerificationMessage\": \"old\", \"SmsVerificationMessage\": \"old\","
		" \"Policies\": {\"PasswordPolicy\": {\"MinimumLength\": 6}}}");
	json_t *want = parse("{\"Policies\": {\"PasswordPolicy\": {\"MinimumLength\": 8}},"
			     " \"AutoVerifiedAttributes\": [\"email\"]}");
	json_t *req = cognito_pool_update_request(want, have);

	only_allowed(req, cognito_update_pool_members, 6);
	ck_assert_ptr_null(json_object_get(req, "UsernameAttributes"));
	ck_assert_ptr_null(json_object_get(req, "UsernameConfiguration"));
	ck_assert_ptr_nonnull(json_object_get(req, "LambdaConfig"));
	ck_assert_str_eq(json_string_value(json_object_get(req, "UserPoolTier")), "ESSENTIALS");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(req, "Policies"), "PasswordPolicy"), "MinimumLength")), 8);
	json_decref(req);
	json_decref(want);
	json_decref(have);
}
END_TEST

START_TEST(odd_inputs_give_a_request_of_allowed_members)
{
	static const char *const haves[] = { "[]", "\"x\"", "null", "{}", "{\"\": 1}",
					     "{\"ClientName\": null}" };
	json_t *want = parse("{\"ClientName\": \"web\", \"Nope\": 1}");
	json_t *req;
	size_t i;

	req = cognito_client_update_request(NULL, NULL);
	only_allowed(req, cognito_update_client_members, 0);
	json_decref(req);
	for (i = 0; i < sizeof(haves) / sizeof(haves[0]); i++) {
		json_t *have = json_loads(haves[i], JSON_DECODE_ANY, NULL);

		req = cognito_client_update_request(want, have);
		only_allowed(req, cognito_update_client_members, 1);
		json_decref(req);
		req = cognito_pool_update_request(have, want);
		only_allowed(req, cognito_update_pool_members, 0);
		json_decref(req);
		json_decref(have);
	}
	json_decref(want);
	ck_assert(!cognito_update_allows(cognito_update_pool_members, NULL));
	ck_assert(!cognito_update_allows(cognito_update_pool_members, "UsernameAttributes"));
	ck_assert(!cognito_update_allows(cognito_update_client_members, "ClientSecretArn"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cognito_update");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, client_update_leaves_out_what_describe_adds);
	tcase_add_test(tc, pool_update_never_carries_what_cannot_change);
	tcase_add_test(tc, odd_inputs_give_a_request_of_allowed_members);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
