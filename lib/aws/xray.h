/*
 * xray.h — the X-Ray API calls the toolkit uses (rest-json, POST /<Operation path>).
 *
 * The write path (PutTraceSegments) and its read-back (BatchGetTraces), and the
 * configuration objects stage 4 manages: sampling rules and groups.
 * Not every endpoint offers every operation (the local stand-in has no sampling rules
 * and no groups): an answer of HTTP 404 without an AWS error code, or a 4xx
 * UnknownOperationException, makes a call fail with CA_EUNSUPPORTED and the sentence
 * "xray: <Operation> is not offered by this endpoint (...)", so callers can tell
 * "cannot be done here" from a real failure. A 5xx is never "not offered" (an outage,
 * or an emulator's NotImplemented): it is retried and then reported as an error.
 * Returned json_t values are new references: json_decref them.
 */
#ifndef CA_AWS_XRAY_H
#define CA_AWS_XRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

#define XRAY_TRACE_ID_LEN 35    /* 1-<8 hex epoch seconds>-<24 hex random> */
#define XRAY_SEGMENT_ID_LEN 16  /* 16 hex */

/* A new trace id for time `now` into out[XRAY_TRACE_ID_LEN + 1]. CA_OK or CA_EIO. */
int xray_new_trace_id(time_t now, char *out, struct ca_err *err);

/* A new segment id into out[XRAY_SEGMENT_ID_LEN + 1]. CA_OK or CA_EIO. */
int xray_new_segment_id(char *out, struct ca_err *err);

/* true when s has the trace id form (version 1, 8 + 24 lowercase hex digits). */
bool xray_trace_id_valid(const char *s);
/* true when s is a segment (or subsegment) id: 16 lowercase hex digits. */
bool xray_segment_id_valid(const char *s);

/*
 * PutTraceSegments with n segment documents (each a JSON text). A segment the service
 * reports unprocessed makes the call fail (CA_AWS_SERVICE) naming its id and reason.
 */
int xray_put_trace_segments(struct aws_client *c, const char *const *docs, size_t n,
			    struct ca_err *err);

/*
 * BatchGetTraces for n trace ids (1..5 per the API). *traces receives the Traces array
 * (every page joined; ids not found yet are simply not in it).
 */
int xray_batch_get_traces(struct aws_client *c, const char *const *ids, size_t n,
			  json_t **traces, struct ca_err *err);

/* true when traces (a BatchGetTraces Traces array) hold segment_id in trace trace_id. */
bool xray_traces_have_segment(const json_t *traces, const char *trace_id,
			      const char *segment_id);

/* GetSamplingRules, all pages: *rules receives an array of SamplingRule objects. */
int xray_get_sampling_rules(struct aws_client *c, json_t **rules, struct ca_err *err);

/* CreateSamplingRule with rule (a SamplingRule object: RuleName, Priority, ...). */
int xray_create_sampling_rule(struct aws_client *c, const json_t *rule, struct ca_err *err);

/* UpdateSamplingRule with update (a SamplingRuleUpdate object, RuleName set). */
int xray_update_sampling_rule(struct aws_client *c, const json_t *update, struct ca_err *err);

/* DeleteSamplingRule by name. */
int xray_delete_sampling_rule(struct aws_client *c, const char *name, struct ca_err *err);

/* GetGroups, all pages: *groups receives an array of Group objects (GroupName, ...). */
int xray_get_groups(struct aws_client *c, json_t **groups, struct ca_err *err);

/* CreateGroup / UpdateGroup with a filter expression (may be NULL for none). */
int xray_create_group(struct aws_client *c, const char *name, const char *filter,
		      struct ca_err *err);
int xray_update_group(struct aws_client *c, const char *name, const char *filter,
		      struct ca_err *err);

/* DeleteGroup by name. */
int xray_delete_group(struct aws_client *c, const char *name, struct ca_err *err);

#endif
