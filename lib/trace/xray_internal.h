/*
 * xray_internal.h — what the files of lib/trace share (xray_segment.c: the
 * segment document and the trace header; xray_subsegment.c: AWS calls as
 * subsegments).
 */
#ifndef CA_TRACE_XRAY_INTERNAL_H
#define CA_TRACE_XRAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "trace/xray_emitter.h"

/*
 * A JSON string of at most cap bytes of s: invalid UTF-8 and control bytes
 * become '?', and a character that would cross cap is left out. NULL on OOM.
 */
json_t *xray_capped_string(const char *s, size_t cap);

/*
 * Sets "subsegments" on doc to the first `keep` subsegments of list (shared, not
 * copied) and, when list dropped calls or keep leaves some out, sets
 * metadata.default.subsegments_dropped to their number. Nothing for a NULL or
 * empty list without drops. false on out of memory.
 */
bool xray_subsegments_attach(json_t *doc, const struct xray_subsegments *list, size_t keep);

/* The compact JSON length of each of the list's subsegments, into lens[count]
 * (malloc'd, caller frees); NULL on OOM or an empty list. */
size_t *xray_subsegments_lengths(const struct xray_subsegments *list);

#endif
