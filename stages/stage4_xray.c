/*
 * Stage 4: X-Ray (docs/CONTRACTS.md, "X-Ray").
 *   probe          apply writes one segment (service name from tracing.service_name,
 *                  proper trace and segment ids) with PutTraceSegments and reads it
 *                  back with BatchGetTraces: the write path works with these
 *                  credentials in this region. plan only says that apply will check it.
 *   sampling rule  provision.xray.sampling_rule for the service (fixed rate and
 *                  reservoir from provision.xray), found by name, drift updated;
 *   group          provision.xray.group with the filter service("<service>").
 * Endpoints that do not offer the sampling-rule or group APIs (the local stand-in)
 * get a plain "not offered by this endpoint" note instead of a failure.
 */
#include "stage.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "aws/xray.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define KIND_PROBE "xray trace probe"
#define KIND_RULE "xray sampling rule"
#define KIND_GROUP "xray group"
#define READ_TRIES 30
#define READ_SLEEP_MS 1000

struct xray_cfg {
	char *sampling_rule;
	char *group;
	long fixed_rate_percent;
	long reservoir;
	long priority;
	char *service;
};

static const struct ca_cfg_key provision_keys[] = {
	{ .name = "sampling_rule", .type = CA_CFG_STRING,
	  .offset = offsetof(struct xray_cfg, sampling_rule), .def = "cloudalbum",
	  .min = 1, .max = 32 },
	{ .name = "group", .type = CA_CFG_STRING, .offset = offsetof(struct xray_cfg, group),
	  .def = "cloudalbum", .min = 1, .max = 32 },
	{ .name = "fixed_rate_percent", .type = CA_CFG_INT,
	  .offset = offsetof(struct xray_cfg, fixed_rate_percent), .def = "5", .min = 0,
	  .max = 100, .hint = "a percentage of requests, like 5" },
	{ .name = "reservoir", .type = CA_CFG_INT, .offset = offsetof(struct xray_cfg, reservoir),
	  .def = "1", .min = 0, .max = 100000, .hint = "traced requests per second, like 1" },
	{ .name = "priority", .type = CA_CFG_INT, .offset = offsetof(struct xray_cfg, priority),
	  .def = "1000", .min = 1, .max = 9999 },
	CA_CFG_END
};

static void unload(void *priv)
{
	struct xray_cfg *cfg = priv;

	if (!cfg)
		return;
	ca_cfg_release(provision_keys, cfg);
	free(cfg->service);
	free(cfg);
}

/* Names X-Ray accepts for rules and groups: letters, digits, '-', '_'. */
static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int load(struct stage_ctx *ctx, void **priv, struct ca_err *err)
{
	struct xray_cfg *cfg = calloc(1, sizeof(*cfg));
	const char *bad = NULL;
	int rc;

	if (!cfg)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if ((rc = stage_cfg_fill(ctx, "provision.xray", provision_keys, cfg, err)) ||
	    (rc = stage_cfg_string(ctx, "tracing.service_name", "CloudAlbum", &cfg->service,
				   err)))
		goto fail;
	if (!name_ok(cfg->sampling_rule))
		bad = "sampling_rule";
	else if (!name_ok(cfg->group))
		bad = "group";
	if (bad) {
		char path[48];

		snprintf(path, sizeof(path), "provision.xray.%s", bad);
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: '%s' may hold only letters, digits, '-' and '_'",
				ctx->doc->name, stage_cfg_line(ctx, path), path);
		goto fail;
	}
	if (strlen(cfg->service) > 64 || strpbrk(cfg->service, "\"\\")) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'tracing.service_name' must be at most 64 characters without "
				"quotes or backslashes", ctx->doc->name,
				stage_cfg_line(ctx, "tracing.service_name"));
		goto fail;
	}
	*priv = cfg;
	return CA_OK;
fail:
	unload(cfg);
	return rc;
}

static int oom(struct ca_err *err)
{
	return ca_err_set(err, CA_ENOMEM, "out of memory");
}

static double now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* ---- the probe ---- */

static int probe(struct stage_ctx *ctx, const struct xray_cfg *cfg, struct ca_err *err)
{
	char trace_id[XRAY_TRACE_ID_LEN + 1], segment_id[XRAY_SEGMENT_ID_LEN + 1];
	const char *docs[1], *ids[1];
	json_t *doc = NULL, *traces = NULL;
	char *text = NULL;
	double start = now_seconds();
	int i, rc;

	if (!stage_applying(ctx)) {
		stage_report(ctx, STAGE_NOTE, KIND_PROBE, cfg->service,
			     "apply writes a segment and reads it back");
		return CA_OK;
	}
	if ((rc = xray_new_trace_id((time_t)start, trace_id, err)) ||
	    (rc = xray_new_segment_id(segment_id, err)))
		return rc;
	doc = json_pack("{s:s, s:s, s:s, s:f, s:f, s:{s:b}}", "name", cfg->service, "id",
			segment_id, "trace_id", trace_id, "start_time", start, "end_time",
			start + 0.001, "annotations", "cloudalbum_probe", 1);
	if (!doc || !(text = json_dumps(doc, JSON_COMPACT))) {
		rc = oom(err);
		goto out;
	}
	docs[0] = text;
	if ((rc = xray_put_trace_segments(ctx->aws, docs, 1, err)))
		goto out;
	ids[0] = trace_id;
	/* X-Ray indexes traces a few seconds after they arrive */
	for (i = 0; i < READ_TRIES; i++) {
		json_decref(traces);
		traces = NULL;
		if ((rc = xray_batch_get_traces(ctx->aws, ids, 1, &traces, err)))
			goto out;
		if (xray_traces_have_segment(traces, trace_id, segment_id))
			break;
		stage_sleep_ms(READ_SLEEP_MS);
	}
	if (i == READ_TRIES) {
		rc = ca_err_set(err, CA_ETIMEOUT,
				"xray: segment %s of trace %s was accepted but could not be read back "
				"within %d s; check the region and run apply again", segment_id,
				trace_id, READ_TRIES * READ_SLEEP_MS / 1000);
		goto out;
	}
	stage_report(ctx, STAGE_NOTE, KIND_PROBE, cfg->service,
		     "segment %s of trace %s written and read back", segment_id, trace_id);
	rc = stage_output(ctx, "probe_trace_id", trace_id, NULL, 0, err);
out:
	json_decref(doc);
	json_decref(traces);
	free(text);
	return rc;
}

/* ---- sampling rule ---- */

static json_t *find_named(const json_t *arr, const char *key, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *n = json_string_value(json_object_get(v, key));

		if (n && !strcmp(n, name))
			return v;
	}
	return NULL;
}

static double want_rate(const struct xray_cfg *cfg)
{
	return (double)cfg->fixed_rate_percent / 100.0;
}

static void rule_drift(const struct xray_cfg *cfg, const json_t *have, struct ca_buf *d)
{
	double rate = json_number_value(json_object_get(have, "FixedRate"));
	long reservoir = (long)json_integer_value(json_object_get(have, "ReservoirSize"));
	long priority = (long)json_integer_value(json_object_get(have, "Priority"));
	const char *svc = json_string_value(json_object_get(have, "ServiceName"));

	if (fabs(rate - want_rate(cfg)) > 1e-9)
		ca_buf_addf(d, "fixed rate %g -> %g", rate, want_rate(cfg));
	if (reservoir != cfg->reservoir)
		ca_buf_addf(d, "%sreservoir %ld -> %ld", d->len ? ", " : "", reservoir,
			    cfg->reservoir);
	if (priority != cfg->priority)
		ca_buf_addf(d, "%spriority %ld -> %ld", d->len ? ", " : "", priority, cfg->priority);
	if (!svc || strcmp(svc, cfg->service) != 0)
		ca_buf_addf(d, "%sservice %s -> %s", d->len ? ", " : "", svc ? svc : "(none)",
			    cfg->service);
}

static int converge_rule(struct stage_ctx *ctx, const struct xray_cfg *cfg, struct ca_err *err)
{
	struct ca_buf drift = CA_BUF_INIT;
	struct ca_err local;
	json_t *rules = NULL, *want = NULL;
	const json_t *have;
	const char *arn;
	int rc;

	ca_err_clear(&local);
	rc = xray_get_sampling_rules(ctx->aws, &rules, &local);
	if (rc == CA_EUNSUPPORTED) {
		stage_report(ctx, STAGE_NOTE, KIND_RULE, cfg->sampling_rule, "not offered by this endpoint");
		return CA_OK;
	}
	if (rc)
		return ca_err_set(err, rc, "%s", ca_err_msg(&local));
	have = find_named(rules, "RuleName", cfg->sampling_rule);
	if (!have) {
		stage_report(ctx, STAGE_CREATE, KIND_RULE, cfg->sampling_rule,
			     "service %s, %ld%% after %ld/s", cfg->service, cfg->fixed_rate_percent,
			     cfg->reservoir);
		if (!stage_applying(ctx))
			goto out;
		want = json_pack("{s:s, s:s, s:I, s:f, s:I, s:s, s:s, s:s, s:s, s:s, s:i}",
				 "RuleName", cfg->sampling_rule, "ResourceARN", "*",
				 "Priority", (json_int_t)cfg->priority, "FixedRate", want_rate(cfg),
				 "ReservoirSize", (json_int_t)cfg->reservoir, "ServiceName",
				 cfg->service, "ServiceType", "*", "Host", "*", "HTTPMethod", "*",
				 "URLPath", "*", "Version", 1);
		if (!want) {
			rc = oom(err);
			goto out;
		}
		if ((rc = xray_create_sampling_rule(ctx->aws, want, err)))
			goto out;
	} else {
		rule_drift(cfg, have, &drift);
		if (!ca_buf_ok(&drift)) {
			rc = oom(err);
			goto out;
		}
		if (!drift.len) {
			stage_report(ctx, STAGE_OK, KIND_RULE, cfg->sampling_rule, NULL);
		} else {
			stage_report(ctx, STAGE_UPDATE, KIND_RULE, cfg->sampling_rule, "%s",
				     drift.data);
			if (!stage_applying(ctx))
				goto out;
			want = json_pack("{s:s, s:I, s:f, s:I, s:s}", "RuleName",
					 cfg->sampling_rule, "Priority", (json_int_t)cfg->priority,
					 "FixedRate", want_rate(cfg), "ReservoirSize",
					 (json_int_t)cfg->reservoir, "ServiceName", cfg->service);
			if (!want) {
				rc = oom(err);
				goto out;
			}
			if ((rc = xray_update_sampling_rule(ctx->aws, want, err)))
				goto out;
		}
	}
	if (!stage_applying(ctx))
		goto out;
	arn = have ? json_string_value(json_object_get(have, "RuleARN")) : NULL;
	if ((rc = stage_resource_created(ctx, KIND_RULE, cfg->sampling_rule, arn, err)))
		goto out;
	rc = stage_output(ctx, "sampling_rule", cfg->sampling_rule, NULL, 0, err);
out:
	ca_buf_release(&drift);
	json_decref(rules);
	json_decref(want);
	return rc;
}

/* ---- group ---- */

static int converge_group(struct stage_ctx *ctx, const struct xray_cfg *cfg, struct ca_err *err)
{
	struct ca_buf filter = CA_BUF_INIT;
	struct ca_err local;
	json_t *groups = NULL;
	const json_t *have;
	const char *have_filter, *arn = NULL;
	int rc;

	ca_buf_addf(&filter, "service(\"%s\")", cfg->service);
	if (!ca_buf_ok(&filter))
		return oom(err);
	ca_err_clear(&local);
	rc = xray_get_groups(ctx->aws, &groups, &local);
	if (rc == CA_EUNSUPPORTED) {
		stage_report(ctx, STAGE_NOTE, KIND_GROUP, cfg->group, "not offered by this endpoint");
		rc = CA_OK;
		goto out;
	}
	if (rc) {
		rc = ca_err_set(err, rc, "%s", ca_err_msg(&local));
		goto out;
	}
	have = find_named(groups, "GroupName", cfg->group);
	have_filter = json_string_value(json_object_get(have, "FilterExpression"));
	if (!have) {
		stage_report(ctx, STAGE_CREATE, KIND_GROUP, cfg->group, "filter %s", filter.data);
		if (stage_applying(ctx))
			rc = xray_create_group(ctx->aws, cfg->group, filter.data, err);
	} else if (!have_filter || strcmp(have_filter, filter.data) != 0) {
		stage_report(ctx, STAGE_UPDATE, KIND_GROUP, cfg->group, "filter %s -> %s",
			     have_filter ? have_filter : "(none)", filter.data);
		if (stage_applying(ctx))
			rc = xray_update_group(ctx->aws, cfg->group, filter.data, err);
	} else {
		stage_report(ctx, STAGE_OK, KIND_GROUP, cfg->group, "filter %s", filter.data);
	}
	if (rc || !stage_applying(ctx))
		goto out;
	arn = have ? json_string_value(json_object_get(have, "GroupARN")) : NULL;
	if ((rc = stage_resource_created(ctx, KIND_GROUP, cfg->group, arn, err)))
		goto out;
	rc = stage_output(ctx, "group", cfg->group, NULL, 0, err);
out:
	ca_buf_release(&filter);
	json_decref(groups);
	return rc;
}

static int converge(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct xray_cfg *cfg = ctx->priv;
	int rc;

	if ((rc = probe(ctx, cfg, err)) || (rc = converge_rule(ctx, cfg, err)) ||
	    (rc = converge_group(ctx, cfg, err)))
		return rc;
	return stage_output(ctx, "service_name", cfg->service, "tracing.service_name", 0, err);
}

/* Deletes one named thing through list + delete; not offered is a note. */
static int destroy_one(struct stage_ctx *ctx, const char *kind, const char *name,
		       int (*list)(struct aws_client *, json_t **, struct ca_err *),
		       const char *name_key,
		       int (*del)(struct aws_client *, const char *, struct ca_err *),
		       struct ca_err *err)
{
	struct ca_err local;
	json_t *items = NULL;
	int rc;

	ca_err_clear(&local);
	rc = list(ctx->aws, &items, &local);
	if (rc == CA_EUNSUPPORTED) {
		stage_report(ctx, STAGE_NOTE, kind, name, "not offered by this endpoint");
		rc = CA_OK;
	} else if (rc) {
		rc = ca_err_set(err, rc, "%s", ca_err_msg(&local));
	} else if (!find_named(items, name_key, name)) {
		stage_report(ctx, STAGE_ABSENT, kind, name, NULL);
	} else if ((rc = del(ctx->aws, name, err)) == CA_OK) {
		stage_report(ctx, STAGE_DELETE, kind, name, NULL);
	}
	json_decref(items);
	if (rc == CA_OK)
		rc = stage_resource_deleted(ctx, kind, name, err);
	return rc;
}

static int destroy(struct stage_ctx *ctx, struct ca_err *err)
{
	const struct xray_cfg *cfg = ctx->priv;
	int rc;

	if ((rc = destroy_one(ctx, KIND_GROUP, cfg->group, xray_get_groups, "GroupName",
			      xray_delete_group, err)) ||
	    (rc = destroy_one(ctx, KIND_RULE, cfg->sampling_rule, xray_get_sampling_rules,
			      "RuleName", xray_delete_sampling_rule, err)))
		return rc;
	stage_report(ctx, STAGE_NOTE, KIND_PROBE, cfg->service,
		     "traces cannot be deleted; X-Ray drops them after 30 days");
	return CA_OK;
}

const struct stage_def stage4_xray = {
	.number = 4,
	.name = "xray",
	.title = "Stage 4: X-Ray: a write-path probe, the sampling rule and the group.",
	.load = load,
	.unload = unload,
	.converge = converge,
	.destroy = destroy,
};
