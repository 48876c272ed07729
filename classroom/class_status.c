/* classroom status and verify: each stage's plan, per attendee. */
#include "class_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "verify/verify.h"
#include "util/banned.h"

/*
 * The first line plan reported as a change ("  create dynamodb table alice-User: ..."),
 * without its indentation, as the cell's detail; *update tells whether any change is an
 * update (drift) rather than only creations (missing).
 */
static char *plan_changes(const char *out, bool *update)
{
	const char *line = out;
	char *first = NULL;

	*update = false;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		bool is_update = n > 9 && !strncmp(line, "  update ", 9);
		bool is_create = n > 9 && !strncmp(line, "  create ", 9);

		if (is_update)
			*update = true;
		if ((is_update || is_create) && !first) {
			/* "create   dynamodb table x" -> "create dynamodb table x" */
			const char *rest = line + 8;
			struct ca_buf b = CA_BUF_INIT;

			while (*rest == ' ' && rest < line + n)
				rest++;
			ca_buf_addf(&b, "%s %.*s", is_update ? "update" : "create",
				    (int)(n - (size_t)(rest - line)), rest);
			first = ca_buf_detach(&b, NULL);
		}
		line = end ? end + 1 : NULL;
	}
	return first;
}

static void plan_one(struct class_ctx *c, struct att_run *r)
{
	struct ca_err err;
	int n;

	ca_err_clear(&err);
	if (!class_attendee_ready(c, r))
		return;
	for (n = 0; n <= c->stage; n++) {
		char *out = NULL, *first = NULL, *change;
		bool update = false;
		int code = 0;

		if (class_run_cell(c, r, n, "plan", &code, &out, &first, &err) != CA_OK)
			return;
		if (code == 0) {
			class_cell_set(c, r, n, CELL_OK, NULL);
		} else if (code == 2) {
			change = plan_changes(out, &update);
			class_cell_set(c, r, n, update ? CELL_DRIFT : CELL_MISSING, change);
			free(change);
		} else {
			class_cell_set(c, r, n, CELL_ERROR, first);
		}
		free(out);
		free(first);
	}
}

static int print_json(struct class_ctx *c)
{
	json_t *root = json_object(), *list = json_array();
	size_t i;
	char *text;
	int s;

	if (!root || !list || json_object_set_new(root, "attendees", list)) {
		json_decref(root);
		return CA_ENOMEM;
	}
	for (i = 0; i < c->n; i++) {
		json_t *stages = json_array();
		json_array_append_new(list, json_pack("{s:s, s:o}", "name", c->runs[i].a->name,
						      "stages", stages));
		for (s = 0; s <= c->stage; s++) {
			const struct cell *cell = &c->runs[i].cells[s];
			json_array_append_new(stages, json_pack(
				"{s:i, s:s, s:s?}", "stage", s, "state",
				class_cell_word(cell->state, "status"), "error",
				cell->state == CELL_ERROR ? (cell->detail ? cell->detail : "error")
							  : NULL));
		}
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return CA_ENOMEM;
	fprintf(c->o->out, "%s\n", text);
	free(text);
	return CA_OK;
}

static void print_matrix(struct class_ctx *c)
{
	size_t w = 8, i;
	int s;

	for (i = 0; i < c->n; i++)
		if (strlen(c->runs[i].a->name) > w)
			w = strlen(c->runs[i].a->name);
	fprintf(c->o->out, "%-*s", (int)w, "attendee");
	for (s = 0; s <= c->stage; s++)
		fprintf(c->o->out, "  stage %-5d", s);
	fputc('\n', c->o->out);
	for (i = 0; i < c->n; i++) {
		fprintf(c->o->out, "%-*s", (int)w, c->runs[i].a->name);
		for (s = 0; s <= c->stage; s++)
			fprintf(c->o->out, "  %-11s", class_cell_word(c->runs[i].cells[s].state,
								      "status"));
		fputc('\n', c->o->out);
	}
	for (i = 0; i < c->n; i++)
		for (s = 0; s <= c->stage; s++) {
			const struct cell *cell = &c->runs[i].cells[s];
			if (cell->state != CELL_OK && cell->detail)
				fprintf(c->o->out, "%s stage %d %s: %s\n", c->runs[i].a->name, s,
					class_cell_word(cell->state, "status"), cell->detail);
		}
}

/* The stage to check: --stage, else the one up last recorded, else 4. */
static int pick_stage(const struct class_ctx *c)
{
	int rec;

	if (c->o->stage >= 0)
		return c->o->stage;
	rec = class_recorded_stage(c);
	return rec >= 0 ? rec : CLASS_STAGES - 1;
}

static size_t count_not_ok(const struct class_ctx *c)
{
	size_t i, bad = 0;
	int s;

	for (i = 0; i < c->n; i++)
		for (s = 0; s <= c->stage; s++)
			bad += c->runs[i].cells[s].state != CELL_OK;
	return bad;
}

int classroom_status(const struct class_opts *o, size_t *failed, struct ca_err *err)
{
	struct class_ctx c;
	int rc;

	if (failed)
		*failed = 0;
	if (o->stage >= CLASS_STAGES)
		return ca_err_set(err, CA_STAGE_USAGE, "--stage N takes N from 0 to 4");
	if ((rc = class_open(&c, o, "status", err)))
		goto out;
	c.stage = pick_stage(&c);
	c.tty = false;          /* the matrix is printed once, at the end */
	if ((rc = class_for_each(&c, plan_one, err)))
		goto out;
	if (o->json) {
		if (print_json(&c) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto out;
		}
	} else {
		print_matrix(&c);
	}
	if (failed)
		*failed = count_not_ok(&c);
out:
	class_close(&c);
	return rc;
}

/*
 * The stage verification (lib/verify/verify.h) of one attendee: its serve config for
 * the class's stage, written by the stage binary, then verify_run() with the attendee's
 * credentials: the resource checks always, the journey when the roster gives a url.
 * The steps go to <dir>/verify.tap; *why (malloc'd) names the first failed step.
 */
static int verify_attendee(struct class_ctx *c, struct att_run *r, char **why)
{
	struct ca_buf path = CA_BUF_INIT, tap = CA_BUF_INIT, b = CA_BUF_INIT;
	const char *extra[3] = { "--out", NULL, NULL };
	struct verify_target target;
	struct verify_report report;
	struct verify_options opt;
	struct ca_err err;
	char *first = NULL;
	FILE *f;
	size_t i;
	int code = 0, rc;

	*why = NULL;
	memset(&target, 0, sizeof(target));
	memset(&report, 0, sizeof(report));
	memset(&opt, 0, sizeof(opt));
	ca_err_clear(&err);
	ca_buf_addf(&path, "%s/serve-stage-%d.yaml", r->dir, c->stage);
	ca_buf_addf(&tap, "%s/verify.tap", r->dir);
	if (!ca_buf_ok(&path) || !ca_buf_ok(&tap)) {
		rc = ca_err_set(&err, CA_ENOMEM, "out of memory");
		goto out;
	}
	extra[1] = path.data;
	if ((rc = class_run_stage(c, r, c->stage, "serve-config", extra, &code, NULL, &first,
				  &err)))
		goto out;
	if (code != 0) {
		rc = ca_err_set(&err, CA_STAGE_STATE, "no serve config: %s", first ? first : "");
		goto out;
	}
	if ((rc = verify_target_load(path.data, &target, &err)))
		goto out;
	opt.url = r->a->url;
	opt.credentials = r->provider;          /* NULL in prefix mode: the instructor's */
	opt.skip_host_checks = true;            /* MySQL and uploads live on the attendee's */
	if ((rc = verify_run(&target, &opt, &report, &err)))
		goto out;
	if ((f = fopen(tap.data, "we"))) {
		verify_report_tap(&report, f, NULL);
		fclose(f);
	}
	for (i = 0; i < report.n; i++)
		if (report.steps[i].status == VERIFY_FAIL) {
			ca_buf_addf(&b, "%s: %s (all steps: %s)", report.steps[i].name,
				    report.steps[i].detail ? report.steps[i].detail : "failed",
				    tap.data);
			break;
		}
out:
	if (rc)
		ca_buf_addf(&b, "%s", ca_err_msg(&err));
	if (b.len)
		*why = ca_buf_detach(&b, NULL);
	ca_buf_release(&b);
	verify_report_release(&report);
	verify_target_release(&target);
	free(first);
	ca_buf_release(&path);
	ca_buf_release(&tap);
	return *why ? CA_STAGE_CONFLICT : CA_OK;
}

static void verify_one(struct class_ctx *c, struct att_run *r)
{
	int s;

	plan_one(c, r);
	if (r->error)
		return;
	for (s = 0; s <= c->stage; s++)
		if (r->cells[s].state != CELL_OK)
			return;         /* the stages say what is wrong already */
	if (verify_attendee(c, r, &r->verify_failure) != CA_OK && !r->verify_failure)
		r->verify_failure = ca_strdup("the stage verification failed");
}

int classroom_verify(const struct class_opts *o, size_t *failed, struct ca_err *err)
{
	struct class_ctx c;
	size_t i, bad = 0;
	int rc, s;

	if (failed)
		*failed = 0;
	if (o->stage >= CLASS_STAGES)
		return ca_err_set(err, CA_STAGE_USAGE, "--stage N takes N from 0 to 4");
	if ((rc = class_open(&c, o, "verify", err)))
		goto out;
	c.stage = pick_stage(&c);
	c.tty = false;
	if ((rc = class_for_each(&c, verify_one, err)))
		goto out;
	for (i = 0; i < c.n; i++) {
		const struct att_run *r = &c.runs[i];
		int first_bad = -1;
		for (s = 0; s <= c.stage && first_bad < 0; s++)
			if (r->cells[s].state != CELL_OK)
				first_bad = s;
		if (first_bad < 0 && !r->verify_failure) {
			fprintf(o->out, "%s: ok: the resources of stages 0-%d are in place%s\n",
				r->a->name, c.stage, r->a->url ? ", and the journey passed" : "");
			continue;
		}
		if (first_bad < 0) {
			bad++;
			fprintf(o->out, "%s: FAILED: %s\n", r->a->name, r->verify_failure);
			continue;
		}
		bad++;
		fprintf(o->out, "%s: FAILED: stage %d %s%s%s\n", r->a->name, first_bad,
			class_cell_word(r->cells[first_bad].state, "verify"),
			r->cells[first_bad].detail ? ": " : "",
			r->cells[first_bad].detail ? r->cells[first_bad].detail : "");
	}
	fprintf(o->out, "class %s: %zu of %zu attendee(s) verified at stage %d\n", c.roster.cls,
		c.n - bad, c.n, c.stage);
	if (failed)
		*failed = bad;
out:
	class_close(&c);
	return rc;
}
