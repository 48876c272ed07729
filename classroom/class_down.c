/*
 * classroom down: after a confirmation, every attendee's stages 4..0 destroyed (only
 * what carries the class's tags; never the role the classroom assumed), the instance
 * profile detached from the Cloud9 instance by stage 0 (the instance stays), then the
 * proof: what is left, listed by name and by tag in each account.
 */
#include "class_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../stages/stage_tags.h"
#include "class_leftovers.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* The name part of a role ARN (after the last '/'). */
static const char *role_name_of(const char *arn)
{
	const char *slash = arn ? strrchr(arn, '/') : NULL;

	return slash ? slash + 1 : "";
}

/*
 * Stage n may be destroyed when each of its taggable resources is absent or carries the
 * class's tags. Otherwise *why says which one is kept (malloc'd).
 */
static int guard(struct class_ctx *c, struct att_run *r, int n, char **why)
{
	struct aws_client *aws = r->aws ? r->aws : c->aws;
	json_t *want = class_attendee_tags(c, r);
	struct class_resource *res;
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	size_t count = 0, i;
	int rc = CA_OK;

	*why = NULL;
	res = class_attendee_resources(c, r, &count);
	if (!res || !want) {
		rc = CA_ENOMEM;
		goto out;
	}
	for (i = 0; i < count && !b.len; i++) {
		json_t *have = NULL;
		bool exists = false;

		if (res[i].stage != n)
			continue;
		if (r->a->role_arn && !strcmp(res[i].kind, "iam role") &&
		    !strcmp(res[i].name, role_name_of(r->a->role_arn))) {
			ca_buf_addf(&b, "kept iam role %s: it is the role the classroom assumes",
				    res[i].name);
			break;
		}
		ca_err_clear(&err);
		rc = stage_tags_read(aws, res[i].kind, res[i].name, &exists, &have, &err);
		if (rc) {
			ca_buf_addf(&b, "could not read the tags of %s %s: %s", res[i].kind,
				    res[i].name, ca_err_msg(&err));
		} else if (exists && !stage_tags_match(want, have)) {
			ca_buf_addf(&b, "kept %s %s: it does not carry the tags "
				    "cloudalbum:class=%s and cloudalbum:attendee=%s, so the class "
				    "did not make it", res[i].kind, res[i].name, c->roster.cls,
				    r->a->name);
		}
		json_decref(have);
	}
	if (b.len) {
		*why = ca_buf_detach(&b, NULL);
		rc = rc ? rc : CA_STAGE_CONFLICT;
	}
out:
	ca_buf_release(&b);
	class_resources_free(res, count);
	json_decref(want);
	return rc;
}

static void down_one(struct class_ctx *c, struct att_run *r)
{
	static const char *const force[] = { "--force", NULL };
	struct ca_err err;
	int n;

	ca_err_clear(&err);
	if (!class_attendee_ready(c, r))
		return;
	for (n = c->stage; n >= 0; n--) {
		char *first = NULL, *why = NULL;
		int code = 0;

		class_cell_set(c, r, n, CELL_RUNNING, NULL);
		if (guard(c, r, n, &why) != CA_OK) {
			class_cell_set(c, r, n, CELL_ERROR, why ? why : "out of memory");
			free(why);
			continue;
		}
		if (class_run_stage(c, r, n, "destroy", force, &code, NULL, &first, &err) != CA_OK) {
			class_cell_set(c, r, n, CELL_ERROR, ca_err_msg(&err));
		} else {
			class_cell_set(c, r, n, code == 0 ? CELL_OK : CELL_ERROR,
				       code == 0 ? NULL : first);
		}
		free(first);
	}
}

/* Asks on the terminal; CA_OK when the instructor typed the class name. */
static int confirm(struct class_ctx *c, struct ca_err *err)
{
	char line[128];

	if (c->o->yes)
		return CA_OK;
	if (!isatty(STDIN_FILENO))
		return ca_err_set(err, CA_STAGE_USAGE,
				  "down deletes every resource of class %s and there is no terminal "
				  "to confirm on; nothing was deleted: pass --yes to go on",
				  c->roster.cls);
	fprintf(stderr, "This deletes every resource of class %s (%zu attendee(s)) that carries "
		"its tags.\nType the class name to go on: ", c->roster.cls, c->n);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, c->roster.cls) != 0)
		return ca_err_set(err, CA_STAGE_USAGE, "not confirmed; nothing was deleted");
	return CA_OK;
}

/* The accounts to look in: "" (the instructor's) and each account-mode attendee's. */
static size_t prove(struct class_ctx *c, struct ca_err *err)
{
	size_t i, j, left_count = 0;

	for (i = 0; i < c->n; i++) {
		struct att_run *r = &c->runs[i];
		json_t *names = json_array(), *prefixes = json_array(), *left = json_array(), *v;
		const char *account = r->a->mode == ATTENDEE_ACCOUNT ? r->a->account : "";
		struct aws_client *aws = r->aws ? r->aws : c->aws;
		struct ca_err lerr;
		bool seen = false;
		size_t k;

		for (j = 0; j < i && !seen; j++) {
			const char *other = c->runs[j].a->mode == ATTENDEE_ACCOUNT
						    ? c->runs[j].a->account : "";
			seen = !strcmp(other, account) && (!*account || c->runs[j].aws);
		}
		if (seen || r->a->problem || (*account && !r->aws)) {
			json_decref(names);
			json_decref(prefixes);
			json_decref(left);
			continue;
		}
		/* every attendee living in this account */
		for (j = 0; j < c->n; j++) {
			const struct att_run *o = &c->runs[j];
			const char *acc = o->a->mode == ATTENDEE_ACCOUNT ? o->a->account : "";
			struct class_resource *res;
			size_t count = 0, q;
			if (strcmp(acc, account) != 0 || o->a->problem)
				continue;
			if (o->a->prefix)
				json_array_append_new(prefixes, json_string(o->a->prefix));
			res = class_attendee_resources(c, o, &count);
			for (q = 0; res && q < count; q++)
				json_array_append_new(names, json_pack("[s, s]", res[q].kind,
								       res[q].name));
			class_resources_free(res, count);
		}
		ca_err_clear(&lerr);
		if (class_leftovers(aws, c->roster.cls, names, prefixes, left, &lerr) != CA_OK) {
			fprintf(c->o->out, "account %s (%s): could not list what is left: %s\n",
				*account ? account : "of the instructor", c->roster.region,
				ca_err_msg(&lerr));
			left_count++;
		}
		json_array_foreach(left, k, v) {
			fprintf(c->o->out, "left in account %s (%s): %s %s (found %s)\n",
				*account ? account : "of the instructor", c->roster.region,
				json_string_value(json_array_get(v, 0)),
				json_string_value(json_array_get(v, 1)),
				json_string_value(json_array_get(v, 2)));
			left_count++;
		}
		if (!json_array_size(left) && !lerr.code)
			fprintf(c->o->out, "account %s (%s): nothing of class %s is left\n",
				*account ? account : "of the instructor", c->roster.region,
				c->roster.cls);
		json_decref(names);
		json_decref(prefixes);
		json_decref(left);
	}
	(void)err;
	return left_count;
}

int classroom_down(const struct class_opts *o, size_t *failed, struct ca_err *err)
{
	struct class_ctx c;
	size_t i, bad = 0;
	int rc, s;

	if (failed)
		*failed = 0;
	if ((rc = class_open(&c, o, "down", err)))
		goto out;
	c.stage = CLASS_STAGES - 1;
	if ((rc = confirm(&c, err)) || (rc = class_for_each(&c, down_one, err)))
		goto out;
	for (i = 0; i < c.n; i++) {
		if (c.runs[i].a->problem) {     /* refused by the roster: nothing was made */
			fprintf(o->out, "%s: skipped: %s\n", c.runs[i].a->name, c.runs[i].a->problem);
			continue;
		}
		for (s = 0; s <= c.stage; s++)
			if (c.runs[i].cells[s].state != CELL_OK) {
				fprintf(o->out, "%s: stage %d not deleted: %s\n", c.runs[i].a->name, s,
					c.runs[i].cells[s].detail ? c.runs[i].cells[s].detail : "");
				bad++;
			}
	}
	bad += prove(&c, err);
	fprintf(o->out, "class %s: %s\n", c.roster.cls,
		bad ? "down finished with what is listed above left or not deleted"
		    : "every attendee's resources are deleted");
	if (failed)
		*failed = bad;
out:
	class_close(&c);
	return rc;
}
