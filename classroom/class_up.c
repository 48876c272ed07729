/* classroom up: stages 0..N for every attendee. */
#include "class_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

static void up_one(struct class_ctx *c, struct att_run *r)
{
	struct ca_err err;
	int n;

	ca_err_clear(&err);
	if (!class_attendee_ready(c, r))
		return;
	for (n = 0; n <= c->stage; n++) {
		char *first = NULL;
		int code = 0;

		if (class_run_cell(c, r, n, "apply", &code, NULL, &first, &err) != CA_OK)
			return;
		if (code != 0) {
			class_cell_set(c, r, n, CELL_ERROR, first);
			free(first);
			/* the later stages build on this one: the lab's order */
			class_cells_fill(c, r, n + 1, CELL_SKIPPED, "an earlier stage failed");
			return;
		}
		free(first);
		class_cell_set(c, r, n, CELL_OK, NULL);
	}
}

int classroom_up(const struct class_opts *o, size_t *failed, struct ca_err *err)
{
	struct class_ctx c;
	size_t i, bad = 0;
	int rc;

	if (failed)
		*failed = 0;
	if (o->stage < 0 || o->stage >= CLASS_STAGES)
		return ca_err_set(err, CA_STAGE_USAGE, "up needs --stage N, N from 0 to 4");
	if ((rc = class_open(&c, o, "up", err)))
		goto out;
	c.stage = o->stage;
	if ((rc = class_record_stage(&c, c.stage, err)) ||
	    (rc = class_for_each(&c, up_one, err)))
		goto out;
	for (i = 0; i < c.n; i++) {
		int s;
		bool ok = true;
		for (s = 0; s <= c.stage; s++)
			if (c.runs[i].cells[s].state != CELL_OK)
				ok = false;
		if (!ok) {
			int k;
			bad++;
			for (k = 0; k <= c.stage; k++)
				if (c.runs[i].cells[k].state == CELL_ERROR) {
					fprintf(o->out, "%s: stage %d failed: %s\n", c.runs[i].a->name,
						k, c.runs[i].cells[k].detail ? c.runs[i].cells[k].detail
									     : "");
					break;
				}
		}
	}
	fprintf(o->out, "class %s: %zu of %zu attendee(s) up to stage %d%s\n", c.roster.cls,
		c.n - bad, c.n, c.stage, bad ? "; run up again after fixing what failed" : "");
	if (failed)
		*failed = bad;
out:
	class_close(&c);
	return rc;
}
