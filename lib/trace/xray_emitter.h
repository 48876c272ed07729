/*
 * xray_emitter.h — X-Ray segment documents for served requests, sent over UDP
 * to the X-Ray daemon (docs/CONTRACTS.md "X-Ray").
 *
 * Each datagram is the header line {"format": "json", "version": 1}, a '\n',
 * then one segment document. The daemon batches them into PutTraceSegments
 * calls; nothing here talks to the X-Ray API itself. Sending never blocks and
 * never fails a request: a datagram the socket refuses is counted as dropped.
 *
 * The incoming X-Amzn-Trace-Id header ("Root=1-...;Parent=...;Sampled=0|1|?")
 * is parsed by xray_trace_header_parse(); the answer header is made by
 * xray_trace_header_format().
 *
 * Lifecycle: xray_emitter_open(), xray_emitter_send() from any thread,
 * xray_emitter_free().
 */
#ifndef CA_TRACE_XRAY_EMITTER_H
#define CA_TRACE_XRAY_EMITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/xray.h"
#include "util/buf.h"
#include "util/error.h"

/* Where segments go when neither the environment nor the config says. */
#define XRAY_DAEMON_DEFAULT "127.0.0.1:2000"
/* The environment variable the SDKs read for the daemon's address. */
#define XRAY_DAEMON_ENV "AWS_XRAY_DAEMON_ADDRESS"
/* The first line of every datagram. */
#define XRAY_DATAGRAM_HEADER "{\"format\": \"json\", \"version\": 1}\n"
/* Largest datagram the daemon takes (header line included). */
#define XRAY_DATAGRAM_MAX (64 * 1024)
/* Longest incoming trace header looked at; longer ones are ignored as hostile. */
#define XRAY_TRACE_HEADER_MAX 512
/* Caps on the untrusted request fields copied into a segment (bytes). */
#define XRAY_NAME_MAX 200
#define XRAY_URL_MAX 2048
#define XRAY_USER_AGENT_MAX 512
#define XRAY_FIELD_MAX 64 /* method, client_ip */

/* Most subsegments (AWS calls) one segment carries; later calls are counted, not kept. */
#define XRAY_SUBSEGMENTS_MAX 100
/* Caps on what a subsegment copies from a call (bytes). */
#define XRAY_AWS_FIELD_MAX 256   /* operation, region, table and bucket names, request id */
#define XRAY_CAUSE_MAX 512       /* an error's code and message */
/* The metadata key (namespace "default") counting subsegments left out of a segment. */
#define XRAY_DROPPED_KEY "subsegments_dropped"

enum xray_sampled { XRAY_SAMPLED_UNKNOWN, XRAY_SAMPLED_YES, XRAY_SAMPLED_NO };

/* What an incoming X-Amzn-Trace-Id header said; "" for a part it did not carry. */
struct xray_trace_header {
	char root[XRAY_TRACE_ID_LEN + 1];
	char parent[XRAY_SEGMENT_ID_LEN + 1];
	enum xray_sampled sampled;
};

/*
 * Parses an X-Amzn-Trace-Id value (NULL: no header) into *out. Parts are
 * ';'-separated key=value pairs in any order, with optional spaces; keys other
 * than Root, Parent and Sampled (Self, Lineage, ...) are skipped. A Root that
 * is not a valid trace id makes the whole header ignored (returns false, *out
 * empty, sampled unknown): a new trace starts. A malformed Parent or Sampled
 * is dropped alone. A value longer than XRAY_TRACE_HEADER_MAX, or repeating a
 * key, is ignored. Returns true when *out carries a Root.
 */
bool xray_trace_header_parse(const char *value, struct xray_trace_header *out);

/*
 * Appends the answer header's value, "Root=<trace_id>;Sampled=1" (or 0), to
 * out. CA_OK, CA_EINVAL for an invalid trace id (out unchanged), CA_ENOMEM.
 */
int xray_trace_header_format(const char *trace_id, bool sampled, struct ca_buf *out,
			     struct ca_err *err);

/* The id checks (xray_trace_id_valid, xray_segment_id_valid) are aws/xray.h's. */

/*
 * The AWS calls one request made, as subsegments the way the AWS SDKs' X-Ray
 * instrumentation writes them: name the service ("DynamoDB", "S3",
 * "CognitoIdentityServiceProvider", "STS", "IAM", "EC2", "XRay"), namespace
 * "aws", id, start_time, end_time, aws {operation, region, request_id,
 * retries, table_name or table_names (DynamoDB), bucket_name (S3)},
 * http.response {status, content_length}, and error (4xx), throttle (429 or a
 * throttling answer) or fault (5xx, or no answer at all) with a cause
 * (exceptions [{id, type, message, remote}]) when the call failed. Object keys
 * and request bodies are never copied. Strings from the call are cut to the
 * caps above and made valid UTF-8.
 *
 * Lifecycle: xray_subsegments_new(), xray_subsegments_add() per call (one
 * thread at a time), handed to a segment by pointer, xray_subsegments_free().
 */
struct xray_subsegments;

/*
 * A new, empty list keeping at most cap subsegments (0: XRAY_SUBSEGMENTS_MAX).
 * *out is freed with xray_subsegments_free(). CA_OK or CA_ENOMEM (*out NULL).
 */
int xray_subsegments_new(size_t cap, struct xray_subsegments **out, struct ca_err *err);

/*
 * Appends one call as a subsegment with a new id. A call beyond the cap, or one
 * that cannot be written, is counted in xray_subsegments_dropped() instead.
 * CA_OK (also when counted as dropped for the cap); CA_EIO (no random id) or
 * CA_ENOMEM, counted as dropped too.
 */
int xray_subsegments_add(struct xray_subsegments *list, const struct aws_call_record *rec,
			 struct ca_err *err);

/* Subsegments kept, and calls counted instead of kept. 0 for NULL. */
size_t xray_subsegments_count(const struct xray_subsegments *list);
size_t xray_subsegments_dropped(const struct xray_subsegments *list);

/* Frees the list. NULL is accepted. */
void xray_subsegments_free(struct xray_subsegments *list);

/*
 * One segment for one served request. Strings are borrowed; NULL leaves the
 * field out. Untrusted ones (url, user_agent, method, client_ip) are cut to the
 * caps above and made valid UTF-8 when written.
 */
struct xray_segment {
	const char *name;            /* the service name; required, cut to XRAY_NAME_MAX */
	const char *trace_id;        /* required, xray_trace_id_valid() */
	const char *id;              /* required, xray_segment_id_valid() */
	const char *parent_id;       /* NULL or a segment id */
	double start_time, end_time; /* epoch seconds; end_time >= start_time */
	const char *method, *url, *client_ip, *user_agent;
	bool forwarded;              /* client_ip came from X-Forwarded-For */
	int status;                  /* HTTP status; 0 leaves http.response out */
	long long content_length;    /* bytes of the response body; < 0 leaves it out */
	/* the request's AWS calls (borrowed); NULL or empty: no "subsegments" */
	const struct xray_subsegments *subsegments;
};

/*
 * Appends the segment document (JSON, one line, no header) to out: name, id,
 * trace_id, parent_id, start_time, end_time, http.request {method, url,
 * client_ip, user_agent, x_forwarded_for}, http.response {status,
 * content_length}, and error (4xx), throttle (429) or fault (5xx) set true;
 * then every subsegment kept, and metadata.default.subsegments_dropped when
 * the list counted calls it did not keep.
 * CA_OK; CA_EINVAL naming the field for a missing or invalid name, id,
 * trace_id, parent_id or times (out unchanged); CA_ENOMEM.
 */
int xray_segment_json(const struct xray_segment *seg, struct ca_buf *out, struct ca_err *err);

/*
 * The header line then xray_segment_json(), kept within XRAY_DATAGRAM_MAX by
 * leaving out the last subsegments (added to subsegments_dropped) as needed.
 * CA_ERANGE (out unchanged) when even without subsegments it is over.
 */
int xray_segment_datagram(const struct xray_segment *seg, struct ca_buf *out,
			  struct ca_err *err);

/*
 * Splits a daemon address into host and port. Accepts "host:port",
 * "[v6]:port", and the SDKs' two-address form "tcp:h:p udp:h:p" (the udp part
 * is used). host receives the name without brackets (host_cap bytes at most,
 * NUL included). CA_EINVAL with a sentence naming spec when malformed.
 */
int xray_daemon_address_parse(const char *spec, char *host, size_t host_cap, uint16_t *port,
			      struct ca_err *err);

struct xray_emitter;

/*
 * Opens a UDP socket towards the daemon at daemon_address (parsed as above;
 * NULL or "": XRAY_DAEMON_DEFAULT). The name is resolved once, here. On CA_OK
 * *out is the emitter (xray_emitter_free() frees it); on error *out is NULL:
 * CA_EINVAL (malformed address, name that does not resolve), CA_EIO (no
 * socket), CA_ENOMEM.
 */
int xray_emitter_open(const char *daemon_address, struct xray_emitter **out,
		      struct ca_err *err);

/*
 * Sends the segment as one datagram without blocking. Safe from several
 * threads at once. CA_OK; errors from xray_segment_datagram(); CA_EIO when the
 * socket refused it (counted in xray_emitter_dropped()).
 */
int xray_emitter_send(struct xray_emitter *em, const struct xray_segment *seg,
		      struct ca_err *err);

/* Datagrams sent, and segments that could not be sent, since open. */
uint64_t xray_emitter_sent(const struct xray_emitter *em);
uint64_t xray_emitter_dropped(const struct xray_emitter *em);

/* "host:port" the emitter sends to (owned by the emitter). */
const char *xray_emitter_address(const struct xray_emitter *em);

/* Closes the socket and frees. NULL is accepted. */
void xray_emitter_free(struct xray_emitter *em);

#endif
