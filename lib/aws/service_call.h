/*
 * service_call.h — the client's JSON and query calls, also handing back the service's
 * error code, for control-plane code that must tell "not found" from a real failure
 * (DynamoDB ResourceNotFoundException, IAM NoSuchEntity, EC2 InvalidInstanceID...).
 */
#ifndef CA_AWS_SERVICE_CALL_H
#define CA_AWS_SERVICE_CALL_H

#include "aws/client.h"

/*
 * As aws_json_call; when the service answered with an error (CA_AWS_SERVICE or
 * CA_AWS_THROTTLED), code (size AWS_ERROR_CODE_MAX, may be NULL) receives its code
 * ("ResourceNotFoundException"); otherwise it is set to "".
 */
int aws_json_call_code(struct aws_client *c, enum aws_service svc, const char *target,
		       const json_t *in, json_t **out, char *code, struct ca_err *err);

/* As aws_query_call, with code as above ("NoSuchEntity"). */
int aws_query_call_code(struct aws_client *c, enum aws_service svc, const char *action,
			const struct aws_param *params, size_t n_params,
			struct ca_xml_node **out, char *code, struct ca_err *err);

#endif
