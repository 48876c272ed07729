/*
 * service.c — the service table (see service.h).
 */
#include "aws/service.h"

#include <stddef.h>
#include <strings.h>

#include "util/banned.h"

static const struct aws_service_meta services[AWS_SVC_COUNT] = {
	[AWS_SVC_DYNAMODB] = { "DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", "dynamodb",
			       false, AWS_PROTO_JSON, "1.0", "DynamoDB_20120810", NULL, 25.0 },
	[AWS_SVC_S3] = { "S3", "AWS_ENDPOINT_URL_S3", "s3", "s3",
			 false, AWS_PROTO_REST_XML, NULL, NULL, NULL, 0 },
	[AWS_SVC_STS] = { "STS", "AWS_ENDPOINT_URL_STS", "sts", "sts",
			  false, AWS_PROTO_QUERY, NULL, NULL, "2011-06-15", 0 },
	[AWS_SVC_IAM] = { "IAM", "AWS_ENDPOINT_URL_IAM", "iam", "iam",
			  true, AWS_PROTO_QUERY, NULL, NULL, "2010-05-08", 0 },
	[AWS_SVC_EC2] = { "EC2", "AWS_ENDPOINT_URL_EC2", "ec2", "ec2",
			  false, AWS_PROTO_QUERY, NULL, NULL, "2016-11-15", 0 },
	[AWS_SVC_COGNITO_IDP] = { "COGNITO_IDENTITY_PROVIDER",
				  "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "cognito-idp",
				  "cognito-idp", false, AWS_PROTO_JSON, "1.1",
				  "AWSCognitoIdentityProviderService", NULL, 0 },
	[AWS_SVC_XRAY] = { "XRAY", "AWS_ENDPOINT_URL_XRAY", "xray", "xray",
			   false, AWS_PROTO_REST_JSON, NULL, NULL, NULL, 0 },
};

const struct aws_service_meta *aws_service_meta(enum aws_service svc)
{
	return (unsigned)svc < AWS_SVC_COUNT ? &services[svc] : NULL;
}

const char *aws_service_env_id(enum aws_service svc)
{
	const struct aws_service_meta *m = aws_service_meta(svc);

	return m ? m->env_id : "UNKNOWN";
}

const char *aws_service_signing_name(enum aws_service svc)
{
	const struct aws_service_meta *m = aws_service_meta(svc);

	return m ? m->signing_name : "unknown";
}

int aws_service_from_name(const char *name, enum aws_service *out, struct ca_err *err)
{
	size_t i;

	for (i = 0; name && i < AWS_SVC_COUNT; i++) {
		if (!strcasecmp(name, services[i].signing_name) ||
		    !strcasecmp(name, services[i].env_id)) {
			*out = (enum aws_service)i;
			return CA_OK;
		}
	}
	return ca_err_set(err, CA_EINVAL, "unknown AWS service \"%.64s\"; known: dynamodb, s3, "
			  "sts, iam, ec2, cognito-idp, xray", name ? name : "");
}
