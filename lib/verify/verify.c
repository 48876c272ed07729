/*
 * verify.c — one verification run: the resource checks, then the journey and its
 * clean-up (verify.h).
 */
#include "verify/verify_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

static bool needs_aws(const struct serve_config *cfg)
{
	return cfg->database.kind == SERVE_DB_DYNAMODB || cfg->storage.kind == SERVE_STORAGE_S3 ||
	       cfg->auth.kind == SERVE_AUTH_COGNITO || cfg->tracing.kind == SERVE_TRACING_XRAY;
}

/* The run's AWS client, or a note saying why there is none. CA_OK or CA_ENOMEM. */
static int open_aws(struct verify_run *run)
{
	struct aws_client_options o;
	const char *endpoint;
	struct ca_err err;
	int rc;

	if (!needs_aws(run->cfg))
		return CA_OK;
	memset(&o, 0, sizeof(o));
	o.fallback_region = run->cfg->aws.region;
	o.endpoint = run->cfg->aws.endpoint;
	o.credentials = run->opt.credentials;
	ca_err_clear(&err);
	rc = aws_client_new(&o, &run->aws, &err);
	if (rc == CA_ENOMEM)
		return rc;
	if (rc != CA_OK) {
		run->aws_note = ca_strdup(ca_err_msg(&err));
		snprintf(run->where, sizeof(run->where), "(no region)");
		return run->aws_note ? CA_OK : CA_ENOMEM;
	}
	endpoint = run->cfg->aws.endpoint ? run->cfg->aws.endpoint : getenv("AWS_ENDPOINT_URL");
	if (endpoint && *endpoint)
		snprintf(run->where, sizeof(run->where), "in %s at %s",
			 aws_client_region(run->aws), endpoint);
	else
		snprintf(run->where, sizeof(run->where), "in %s", aws_client_region(run->aws));
	return CA_OK;
}

static void run_release(struct verify_run *run)
{
	aws_client_free(run->aws);
	free(run->aws_note);
	free(run->user_id);
	free(run->photo_id);
	free(run->jpeg);
	memset(run->password, 0, sizeof(run->password));
}

int verify_run(const struct verify_target *t, const struct verify_options *opt,
	       struct verify_report *report, struct ca_err *err)
{
	struct verify_run run;
	struct vweb *web = NULL;
	bool journey = opt && opt->url && *opt->url;
	int rc;

	memset(&run, 0, sizeof(run));
	run.t = t;
	run.cfg = &t->serve;
	if (opt)
		run.opt = *opt;
	run.report = report;
	if (journey) {
		rc = vweb_new(opt->url, opt->timeout_s, &web, err);
		if (rc != CA_OK)
			goto out;
	}
	rc = open_aws(&run);
	if (rc == CA_OK)
		rc = verify_resources(&run);
	if (rc == CA_OK && journey) {
		rc = verify_journey(&run, web);
		/* whatever the journey did or did not do */
		if (rc != CA_ENOMEM)
			rc = verify_cleanup(&run);
	}
	if (rc == CA_ENOMEM)
		ca_err_set(err, CA_ENOMEM, "Out of memory verifying the stage.");
out:
	vweb_free(web);
	run_release(&run);
	return rc;
}
