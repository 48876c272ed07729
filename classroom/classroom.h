/*
 * classroom.h — cloudalbum-classroom: one command provisions, checks and tears down a
 * whole class (issue 15; docs/LAB02.md, "Running the lab for a class").
 *
 * Every verb reads the roster (roster.h) and works on every attendee in parallel, at
 * most opts->jobs at a time; one attendee's failure never stops the others. The stages
 * themselves are the stage binaries (stages/stage.h), run as child processes with the
 * attendee's names (--set), tags (--tag cloudalbum:class=<class>, cloudalbum:attendee=
 * <name>), state directory and, in account mode, the credentials of an STS AssumeRole
 * into the attendee's account in their environment.
 *
 *   <state-dir>/<class>/class.json            the stage the class was last brought up to
 *   <state-dir>/<class>/<attendee>/<target>/  the attendee's stage state (state.h)
 *   <state-dir>/<class>/<attendee>/logs/      stage-N-<verb>.out / .err of the last run
 *
 * Names (prefix mode, prefix p): p-workshop-cloud9-policy, p-workshop-cloud9-instance-
 * profile-role, p-workshop-cloud9-instance-profile; tables p-User, p-Photo; bucket
 * p-<class>-photos; pool p-cloudalbum-users, client p-cloudalbum-web, domain
 * p-<class>; X-Ray rule and group p-cloudalbum. Account mode keeps the lab's names
 * except the bucket, cloudalbum-photos-<account id> (bucket names are global).
 */
#ifndef CA_CLASSROOM_CLASSROOM_H
#define CA_CLASSROOM_CLASSROOM_H

#include <stdbool.h>
#include <stdio.h>

#include "config/stages.h"
#include "util/error.h"

#define CLASS_STAGES CA_STAGE_COUNT     /* config/stages.def */
#define CLASS_MAX_JOBS 64

struct class_opts {
	const char *roster;             /* --roster FILE (required) */
	const char *state_dir;          /* --state-dir; NULL: $CA_STATE_DIR/classroom, else
					 * .cloudalbum/classroom */
	const char *configs;            /* --configs; NULL: lab-configs/<target> */
	const char *bin_dir;            /* the stage binaries; NULL: beside this program */
	int stage;                      /* --stage N, -1 when not given */
	int jobs;                       /* --jobs, 1..CLASS_MAX_JOBS */
	bool json;                      /* status --json */
	bool yes;                       /* down --yes */
	const char *generated_dir;      /* serve-configs --generated-dir */
	FILE *out;                      /* reports (stdout) */
	int tty;                        /* live display: 1 on, 0 off, -1 when out is a terminal */
};

/* Defaults: stage -1, jobs 4, out stdout, tty -1, everything else zero. */
void class_opts_init(struct class_opts *o);

/*
 * Each verb returns CA_OK when it could run (then *failed, if not NULL, counts the
 * attendees, or cells, that did not end well: the program exits non-zero when it is
 * not 0), or an error code with a sentence when it could not run at all (an unreadable
 * roster, no stage binaries, ...).
 *
 * up:             stages 0..opts->stage for everyone; records the stage in class.json.
 * status:         the attendee x stage matrix (or --json), each cell "up to date",
 *                 "drift", "missing" or "error"; *failed counts cells not up to date.
 * verify:         for everyone: each stage's plan (0..N), then the stage verification
 *                 (lib/verify/verify.h) on the attendee's serve config with the
 *                 attendee's credentials — the resource checks, and the journey against
 *                 the app where the roster gives its url; the steps in <dir>/verify.tap.
 * down:           after a confirmation (opts->yes skips it; without a terminal and
 *                 without yes nothing is deleted and CA_STAGE_USAGE is returned), every
 *                 attendee's stages 4..0 destroyed — but only resources carrying the
 *                 class's tags — then what is left listed by name and by tag, per account.
 * serve_configs:  each attendee's serve config for the class's stage and an index.
 */
int classroom_up(const struct class_opts *o, size_t *failed, struct ca_err *err);
int classroom_status(const struct class_opts *o, size_t *failed, struct ca_err *err);
int classroom_verify(const struct class_opts *o, size_t *failed, struct ca_err *err);
int classroom_down(const struct class_opts *o, size_t *failed, struct ca_err *err);
int classroom_serve_configs(const struct class_opts *o, size_t *failed, struct ca_err *err);

#endif
