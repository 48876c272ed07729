/*
 * service.h — the one table of what the toolkit knows about each AWS service: its ids,
 * signing name, endpoint prefix, wire protocol (with the JSON version and X-Amz-Target
 * prefix, or the query API version) and the retry base. The endpoint resolver, the
 * retry policy, the signer's caller and the protocol layer (protocol.h) all read it.
 * To speak to a new service, add one row here (and its enum value).
 */
#ifndef CA_AWS_SERVICE_H
#define CA_AWS_SERVICE_H

#include <stdbool.h>

#include "util/error.h"

enum aws_service {
	AWS_SVC_DYNAMODB,
	AWS_SVC_S3,
	AWS_SVC_STS,
	AWS_SVC_IAM,
	AWS_SVC_EC2,
	AWS_SVC_COGNITO_IDP,
	AWS_SVC_XRAY,
};
#define AWS_SVC_COUNT 7

enum aws_protocol {
	AWS_PROTO_JSON,         /* awsJson 1.0 / 1.1: POST /, X-Amz-Target: <prefix>.<Op> */
	AWS_PROTO_REST_JSON,    /* method + path per operation, JSON body */
	AWS_PROTO_QUERY,        /* POST / form Action=<Op>&Version=<api>, XML answer */
	AWS_PROTO_REST_XML,     /* S3 (client.h's aws_s3_send) */
};

struct aws_service_meta {
	const char *env_id;             /* AWS_ENDPOINT_URL_<env_id>: "COGNITO_IDENTITY_PROVIDER" */
	const char *env_var;            /* "AWS_ENDPOINT_URL_<env_id>" */
	const char *signing_name;       /* SigV4 service: "cognito-idp" */
	const char *endpoint_prefix;    /* <prefix>.<region>.amazonaws.com */
	bool global;                    /* one endpoint per partition, signed for its home region */
	enum aws_protocol protocol;
	const char *json_version;       /* AWS_PROTO_JSON: "1.0" or "1.1", else NULL */
	const char *target_prefix;      /* AWS_PROTO_JSON: "DynamoDB_20120810", else NULL */
	const char *api_version;        /* AWS_PROTO_QUERY: "2010-05-08", else NULL */
	double retry_transient_base_ms; /* the SDK's base for transient retries (0: default) */
};

/* The row of svc; NULL for a value outside the enum. Static, never freed. */
const struct aws_service_meta *aws_service_meta(enum aws_service svc);

/* The SDKs' service id used in AWS_ENDPOINT_URL_<ID>, e.g. "COGNITO_IDENTITY_PROVIDER". */
const char *aws_service_env_id(enum aws_service svc);
/* The SigV4 signing name, e.g. "cognito-idp". */
const char *aws_service_signing_name(enum aws_service svc);
/* Looks a service up by signing name or env id, case-insensitive ("s3", "DYNAMODB",
 * "cognito-idp"). CA_OK, or CA_EINVAL with a sentence listing the known ones. */
int aws_service_from_name(const char *name, enum aws_service *out, struct ca_err *err);

#endif
