/*
 * protocol.h — the one way to call an AWS operation: the wire protocol of the service
 * (from the table in service.h) above the client's transport (client.h: endpoint,
 * signing, retries, observer).
 *
 *   awsJson 1.0 / 1.1  POST /, X-Amz-Target <target prefix>.<Op>, the input as JSON
 *                      (DynamoDB, Cognito IdP)
 *   rest-json          POST <path of the operation>, the input as JSON (X-Ray)
 *   query              POST /, form body Action=<Op>&Version=<api>&params, XML answer
 *                      (STS, IAM, EC2)
 *   rest-xml (S3)      not here: client.h's aws_s3_send (bucket and key addressing)
 *
 * Every call answers with a struct aws_result the caller owns: the answer (JSON object
 * or XML tree), the service's error code and message, the HTTP status and the request
 * id, so that callers branch on result.error_code ("ResourceNotFoundException",
 * "NoSuchEntity") and never on a sentence.
 *
 * To add an operation of a known service: call aws_call (or aws_call_json /
 * aws_query_call) from the service's file (dynamodb.c, cognito.c, iam.c, ...) with the
 * operation's name, plus a test. To add a service: a row in service.h.
 */
#ifndef CA_AWS_PROTOCOL_H
#define CA_AWS_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/client.h"
#include "util/error.h"
#include "util/xml.h"

/* One operation's input. Borrowed for the duration of the call. */
struct aws_op {
	const char *name;               /* the operation: "PutItem", "InitiateAuth", "GetRole" */
	const char *path;               /* rest-json: the operation's request path
					 * ("/TraceSegments"); NULL: "/<name>". Others: unused */
	const json_t *json;             /* JSON protocols: the input object; NULL sends {}
					 * (awsJson) or no body (rest-json) */
	const struct aws_param *params; /* query: the parameters after Action and Version */
	size_t n_params;
	size_t max_body;                /* answer cap; 0: the transport's */
	bool secret_input;              /* the encoded input holds a secret (a password):
					 * its copy is wiped before it is freed */
};

/* What came back. Owned by the caller: aws_result_init, then aws_result_release. */
struct aws_result {
	/* JSON protocols: the answer object on CA_OK ({} for an empty answer); after a
	 * service error, the error answer when it was a JSON object (DynamoDB's
	 * CancellationReasons, Item ...); else NULL. */
	json_t *output;
	/* query: the answer (root <ActionResponse>) on CA_OK, else NULL */
	struct ca_xml_node *xml;
	int status;                                     /* last HTTP status; 0: none came */
	char error_code[AWS_ERROR_CODE_MAX];            /* "" unless the service refused */
	char error_message[AWS_ERROR_MESSAGE_MAX];      /* the service's message, may be "" */
	bool error_code_from_body;                      /* the code came from the answer, not
							 * from the bare status ("404") */
	char request_id[AWS_ERROR_REQUEST_ID_MAX];      /* of the last answer; "" when none */
	int attempts;                                   /* attempts made; 0: never sent */
};

/* Zeroes *r: nothing to free, every string "". Never fails. */
void aws_result_init(struct aws_result *r);
/* Frees output and xml and re-initialises *r. NULL accepted. */
void aws_result_release(struct aws_result *r);

/*
 * Calls op on svc with the service's protocol. *res (initialised by the caller) is
 * released first and filled as far as the call went, also on failure.
 * Returns CA_OK for a 2xx answer that parses (JSON object, XML); CA_AWS_SERVICE (or
 * CA_AWS_THROTTLED when throttling outlasted the retries) when the service refused,
 * with res->error_code set and err "<signing name>: <Code>: <message> (HTTP <status>,
 * request id <id>)"; CA_AWS_BAD_RESPONSE for a 2xx answer that does not parse;
 * CA_EINVAL for a missing operation name or a service this layer does not speak (S3);
 * the transport's CA_AWS_NETWORK / CA_AWS_TIMEOUT, the credential chain's and the
 * endpoint's codes; CA_ENOMEM.
 */
int aws_call(struct aws_client *c, enum aws_service svc, const struct aws_op *op,
	     struct aws_result *res, struct ca_err *err);

/*
 * A refusal the caller expects: the service's error code `code` answered as `rc`.
 * `say` keeps the service's sentence in err; otherwise err is left alone ("absent"
 * or "exists" is an answer, not an error).
 */
struct aws_expect {
	const char *code;
	int rc;
	bool say;
};

/*
 * aws_call keeping only the answer: on CA_OK *json / *xml (each may be NULL) receive
 * the answer's JSON object / XML tree (json_decref / ca_xml_free them), NULL otherwise.
 * A refusal with expect->code (expect may be NULL) returns expect->rc as above; every
 * other failure returns as aws_call with err set.
 */
int aws_call_answer(struct aws_client *c, enum aws_service svc, const struct aws_op *op,
		    const struct aws_expect *expect, json_t **json, struct ca_xml_node **xml,
		    struct ca_err *err);

/*
 * A JSON-protocol operation when the caller needs no error code: *out (if out is not
 * NULL) receives the answer object on CA_OK (json_decref it), NULL otherwise.
 * Returns as aws_call.
 */
int aws_call_json(struct aws_client *c, enum aws_service svc, const char *operation,
		  const json_t *in, json_t **out, struct ca_err *err);

/*
 * A query-protocol operation when the caller needs no error code ("Tags.member.1.Key"
 * style flattening is the caller's): *out (if not NULL) receives the answer on CA_OK
 * (ca_xml_free it), NULL otherwise. Returns as aws_call; CA_AWS_BAD_RESPONSE when the
 * answer is not XML.
 */
int aws_query_call(struct aws_client *c, enum aws_service svc, const char *action,
		   const struct aws_param *params, size_t n_params, struct ca_xml_node **out,
		   struct ca_err *err);

/*
 * The operation name of an X-Amz-Target for svc: "ListTables" for
 * "DynamoDB_20120810.ListTables" or "ListTables". NULL when the target names another
 * prefix or svc does not speak awsJson. Borrowed from target.
 */
const char *aws_json_target_operation(enum aws_service svc, const char *target);

#endif
