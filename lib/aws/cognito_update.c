/*
 * cognito_update.c — the Update requests from their allow-lists (cognito_update.h).
 */
#include "aws/cognito_update.h"

#include <string.h>

#include "util/banned.h"

/*
 * UpdateUserPool's input members that DescribeUserPool returns with the same shape.
 * Left out: UserPoolId (added by the call); PoolName (Describe says Name; not
 * renamed here); SmsVerificationMessage, EmailVerificationMessage and
 * EmailVerificationSubject (older spellings of VerificationMessageTemplate, which
 * Cognito refuses beside it when they differ); DcrConfiguration, KeyConfiguration,
 * IssuerConfiguration and AcrConfiguration (newer than this toolkit; not echoed until
 * someone checks what echoing them does). Never UsernameAttributes,
 * UsernameConfiguration, AliasAttributes or Schema: they cannot change after creation
 * and UpdateUserPool has no such members.
 */
const char *const cognito_update_pool_members[] = {
	"Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes",
	"VerificationMessageTemplate", "SmsAuthenticationMessage",
	"UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration",
	"EmailConfiguration", "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig",
	"UserPoolAddOns", "AccountRecoverySetting", "UserPoolTier", NULL
};

/*
 * UpdateUserPoolClient's input members that DescribeUserPoolClient returns with the
 * same shape. Left out: UserPoolId and ClientId (added by the call);
 * PublishSecretsInAWSSecretsManager (input only). Never ClientSecret, ClientSecretArn,
 * CreationDate, LastModifiedDate, ClientType or GenerateSecret.
 */
const char *const cognito_update_client_members[] = {
	"ClientName", "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity",
	"TokenValidityUnits", "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows",
	"SupportedIdentityProviders", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI",
	"AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
	"AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
	"EnablePropagateAdditionalUserContextData", "AuthSessionValidity",
	"RefreshTokenRotation", NULL
};

bool cognito_update_allows(const char *const *members, const char *name)
{
	size_t i;

	for (i = 0; name && members[i]; i++)
		if (!strcmp(members[i], name))
			return true;
	return false;
}

static json_t *from_allow_list(const char *const *members, const json_t *want,
			       const json_t *have)
{
	json_t *req = json_object();
	size_t i;

	if (!req)
		return NULL;
	for (i = 0; members[i]; i++) {
		json_t *v = json_object_get(want, members[i]);

		if (!v || json_is_null(v))
			v = json_object_get(have, members[i]);
		if (!v || json_is_null(v))
			continue;
		if (json_object_set(req, members[i], v)) {
			json_decref(req);
			return NULL;
		}
	}
	return req;
}

json_t *cognito_pool_update_request(const json_t *want, const json_t *have)
{
	return from_allow_list(cognito_update_pool_members, want, have);
}

json_t *cognito_client_update_request(const json_t *want, const json_t *have)
{
	return from_allow_list(cognito_update_client_members, want, have);
}
