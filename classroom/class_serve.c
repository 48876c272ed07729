/*
 * classroom serve-configs: each attendee's serve config for the class's stage, written
 * by the stage binary's serve-config verb (every id filled in, mode 0600), and an index
 * an instructor can hand out: <dir>/index.json and <dir>/README.txt.
 *
 *   <dir>/<attendee>/stage-N.yaml
 */
#include "class_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/banned.h"

static void serve_one(struct class_ctx *c, struct att_run *r)
{
	struct ca_buf path = CA_BUF_INIT, dir = CA_BUF_INIT;
	const char *extra[3] = { "--out", NULL, NULL };
	struct ca_err err;
	char *first = NULL;
	int code = 0;

	ca_err_clear(&err);
	if (class_attendee_prepare(c, r) != CA_OK) {
		class_cell_set(c, r, c->stage, CELL_ERROR, r->error);
		return;
	}
	ca_buf_addf(&dir, "%s/%s", c->o->generated_dir, r->a->name);
	ca_buf_addf(&path, "%s/stage-%d.yaml", dir.data, c->stage);
	if (!ca_buf_ok(&path) || (mkdir(dir.data, 0700) != 0 && errno != EEXIST)) {
		class_cell_set(c, r, c->stage, CELL_ERROR, "cannot create the attendee's directory");
		goto out;
	}
	extra[1] = path.data;
	if (class_run_stage(c, r, c->stage, "serve-config", extra, &code, NULL, &first, &err))
		class_cell_set(c, r, c->stage, CELL_ERROR, ca_err_msg(&err));
	else
		class_cell_set(c, r, c->stage, code == 0 ? CELL_OK : CELL_ERROR,
			       code == 0 ? path.data : first);
out:
	free(first);
	ca_buf_release(&path);
	ca_buf_release(&dir);
}

static int write_index(struct class_ctx *c, struct ca_err *err)
{
	json_t *root = json_pack("{s:s, s:s, s:i, s:[]}", "class", c->roster.cls, "region",
				 c->roster.region, "stage", c->stage, "attendees");
	json_t *list = json_object_get(root, "attendees");
	struct ca_buf readme = CA_BUF_INIT, path = CA_BUF_INIT;
	char *text = NULL;
	size_t i;
	int rc;

	if (!root)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	ca_buf_addf(&readme,
		    "CloudAlbum class %s, stage %d, region %s: one serve config per attendee.\n"
		    "Give each attendee their own file (it holds their app's secrets); they run\n"
		    "  ./cloudalbum-serve --config stage-%d.yaml\n\n", c->roster.cls, c->stage,
		    c->roster.region, c->stage);
	for (i = 0; i < c->n; i++) {
		const struct att_run *r = &c->runs[i];
		const struct cell *cell = &r->cells[c->stage];
		struct ca_buf rel = CA_BUF_INIT;
		bool ok = cell->state == CELL_OK;

		ca_buf_addf(&rel, "%s/stage-%d.yaml", r->a->name, c->stage);
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s?, s:s?}", "name", r->a->name,
						      "config", ok ? rel.data : NULL, "url",
						      r->a->url, "error",
						      ok ? NULL : cell->detail ? cell->detail : "error"));
		ca_buf_addf(&readme, "%-20s %s\n", r->a->name,
			    ok ? rel.data : cell->detail ? cell->detail : "error");
		ca_buf_release(&rel);
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ca_buf_addf(&path, "%s/index.json", c->o->generated_dir);
	if (!text || !ca_buf_ok(&path) || !ca_buf_ok(&readme)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ca_file_write_atomic(path.data, text, strlen(text), 0600, 0, err)))
		goto out;
	ca_buf_reset(&path);
	ca_buf_addf(&path, "%s/README.txt", c->o->generated_dir);
	rc = ca_buf_ok(&path) ? ca_file_write_atomic(path.data, readme.data, readme.len, 0600, 0,
						    err)
			      : ca_err_set(err, CA_ENOMEM, "out of memory");
out:
	free(text);
	json_decref(root);
	ca_buf_release(&readme);
	ca_buf_release(&path);
	return rc;
}

int classroom_serve_configs(const struct class_opts *o, size_t *failed, struct ca_err *err)
{
	struct class_ctx c;
	size_t i, bad = 0;
	int rc, rec;

	if (failed)
		*failed = 0;
	if (!o->generated_dir)
		return ca_err_set(err, CA_STAGE_USAGE, "serve-configs needs --generated-dir DIR");
	if (mkdir(o->generated_dir, 0700) != 0 && errno != EEXIST)
		return ca_err_set(err, CA_EIO, "cannot create %s: %s", o->generated_dir,
				  strerror(errno));
	if ((rc = class_open(&c, o, "serve-configs", err)))
		goto out;
	rec = class_recorded_stage(&c);
	c.stage = o->stage >= 0 ? o->stage : rec;
	if (c.stage < 0 || c.stage >= CLASS_STAGES) {
		rc = ca_err_set(err, CA_STAGE_USAGE, "class %s has not been brought up yet: run up "
				"--stage N first (or pass --stage N)", c.roster.cls);
		goto out;
	}
	c.tty = false;
	if ((rc = class_for_each(&c, serve_one, err)) || (rc = write_index(&c, err)))
		goto out;
	for (i = 0; i < c.n; i++)
		bad += c.runs[i].cells[c.stage].state != CELL_OK;
	fprintf(o->out, "wrote %zu serve config(s) and %s/index.json, %s/README.txt\n",
		c.n - bad, o->generated_dir, o->generated_dir);
	if (failed)
		*failed = bad;
out:
	class_close(&c);
	return rc;
}
