/*
 * verify.h — does a deployed CloudAlbum stage work? (cloudalbum-verify, and the
 * per-attendee check of cloudalbum-classroom.)
 *
 * A run has two parts, each a list of steps with a result:
 *   resources  what the serve config names exists and is usable: the MySQL database and
 *              upload folder (stage 0), the DynamoDB tables and the email index, the S3
 *              bucket, the Cognito user pool, app client and domain, the X-Ray sampling
 *              rule and group (named by the config's provision.xray block);
 *   journey    (only with a URL) a black-box visit of the running app: sign up (a test
 *              user made with AdminCreateUser at the Cognito stages), sign in through
 *              the app (and the hosted UI where one is reachable), upload a JPEG with
 *              GPS EXIF, find it in the album, fetch its thumbnail and original
 *              (following the presigned redirect with S3), see it on the map at the
 *              right place, search it, edit it, delete it, sign out, and with X-Ray find
 *              the journey's trace (every request carries one trace id).
 * Whatever the journey made (user, photo row, image files) is removed afterwards, also
 * when a step failed; the last step says whether that worked.
 *
 * A step that cannot run here (no hosted UI, an endpoint without X-Ray groups) is a
 * skip with its reason; a step that needs an earlier one that failed is a skip naming
 * it. A failure carries one sentence a person can act on (which table, bucket or pool
 * is missing, and what to run). Every network call has a timeout.
 *
 * Runs share nothing: several may run at once on different threads (one report and
 * one target each, or a target only read), e.g. one per attendee of a class.
 */
#ifndef CA_VERIFY_VERIFY_H
#define CA_VERIFY_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "aws/credentials.h"
#include "config/serve_config.h"
#include "util/error.h"

enum verify_status { VERIFY_PASS, VERIFY_FAIL, VERIFY_SKIP };

/* One checked thing. Strings malloc'd, owned by the report. */
struct verify_step {
	char *name;             /* "DynamoDB table User", "upload a JPEG with GPS EXIF" */
	enum verify_status status;
	char *detail;           /* FAIL: the actionable sentence; SKIP: the reason;
				   PASS: a note (may be NULL) */
};

struct verify_report {
	struct verify_step *steps;
	size_t n, cap;
};

/* What a run checks against: the serve config plus the names only the stage config
 * knows (provision.xray). Owned strings; release with verify_target_release(). */
struct verify_target {
	struct serve_config serve;
	char *xray_sampling_rule;   /* NULL: not named, not checked */
	char *xray_group;           /* NULL: not named, not checked */
};

struct verify_options {
	const char *url;            /* the running app ("http://localhost:8080"); NULL or
				       "": the resource checks only */
	long timeout_s;             /* per HTTP request; 0: 30 */
	long trace_wait_s;          /* how long X-Ray may take to show the trace; 0: 60 */
	/* Borrowed, must outlive the run; NULL: the usual chain (aws/credentials.h).
	 * cloudalbum-classroom passes an attendee's assumed-role credentials here. */
	struct aws_credentials_provider *credentials;
	/* true: the stage-0 parts that live on the app's own machine (the MySQL database,
	 * the upload folder) are skipped, not checked from here (cloudalbum-classroom
	 * verifying attendees' Cloud9 instances from the instructor's). */
	bool skip_host_checks;
	/* Called after each step is decided (progress); may be NULL. */
	void (*on_step)(void *ctx, const struct verify_step *step);
	void *on_step_ctx;
};

/*
 * Loads the serve config at path (serve_config_load(), ${VAR} expanded) and its
 * provision.xray.sampling_rule / provision.xray.group when present. Returns CA_OK, or
 * the loader's CA_CONFIG_* / CA_EIO code with its file:line sentence; on error *t is
 * zeroed. Free with verify_target_release().
 */
int verify_target_load(const char *path, struct verify_target *t, struct ca_err *err);

/* Frees what t owns and zeroes it. NULL accepted. */
void verify_target_release(struct verify_target *t);

/*
 * Runs the resource checks, then (with opt->url) the journey and its clean-up, adding
 * one step per check to *report (which must be zeroed, or a report to append to).
 * Returns CA_OK when every step was decided, whatever the results (read them with
 * verify_report_ok()); CA_ENOMEM, or CA_EINVAL for options it cannot use (a URL that is
 * not http(s)), with the sentence in err. The report is the caller's to release.
 */
int verify_run(const struct verify_target *t, const struct verify_options *opt,
	       struct verify_report *report, struct ca_err *err);

/* true when no step failed (skips are not failures). An empty report is ok. */
bool verify_report_ok(const struct verify_report *r);

/* Number of steps with status s. */
size_t verify_report_count(const struct verify_report *r, enum verify_status s);

/* Frees every step and zeroes the report. NULL accepted. */
void verify_report_release(struct verify_report *r);

/*
 * Writes the report as TAP version 13 to out: "1..N", then "ok K - name", "not ok K -
 * name" followed by "# " lines with the sentence, "ok K - name # SKIP reason". Names
 * and sentences are written on one line each ('#' in a name becomes '\#', newlines
 * become spaces). CA_OK or CA_EIO.
 */
int verify_report_tap(const struct verify_report *r, FILE *out, struct ca_err *err);

/*
 * Writes the report as a JUnit XML file at path: one <testsuite name=suite> with a
 * <testcase> per step, <failure message=...> for a failed one and <skipped message=...>
 * for a skipped one (text escaped for XML). CA_OK or CA_EIO with a sentence naming path.
 */
int verify_report_junit(const struct verify_report *r, const char *suite, const char *path,
			struct ca_err *err);

#endif
