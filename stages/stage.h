/*
 * stage.h — the provisioner framework shared by every stage binary (issue 3).
 *
 * A stage is a table (struct stage_def) with one `converge` function that walks the
 * stage's resources in order and, for each one, finds it BY NAME, compares it with
 * what the config wants and either only reports (plan) or also acts (apply):
 *
 *     static int converge(struct stage_ctx *ctx, struct ca_err *err)
 *     {
 *         ... describe the table by name ...
 *         if (missing) {
 *             stage_report(ctx, STAGE_CREATE, "dynamodb table", name, NULL);
 *             if (!stage_applying(ctx)) return CA_OK;   // plan: stop here for this one
 *             ... create, wait until ready ...
 *             stage_resource_created(ctx, "dynamodb table", name, arn, err);  // saved NOW
 *         } else if (drifted) {
 *             stage_report(ctx, STAGE_UPDATE, "dynamodb table", name,
 *                          "read capacity 5 -> 10");
 *             if (stage_applying(ctx)) ... UpdateTable ...
 *         } else {
 *             stage_report(ctx, STAGE_OK, "dynamodb table", name, NULL);
 *         }
 *         stage_output(ctx, "user_table", name, "database.user_table", 0, err);
 *     }
 *
 * The framework owns everything around that: flags, the config file, the AWS client,
 * the state file (.cloudalbum/<target>/state.json, atomic, locked), exit codes, the
 * `outputs` verb and the generated serve config.
 *
 * Verbs (stage_main):
 *   plan      converge without acting; exit 0 nothing to change, 2 changes, 1 error
 *   apply     converge acting; exit 0, or 1 on error (what was created before the error
 *             is already in the state file, so a re-run completes from there)
 *   destroy   the stage's `destroy` function (reverse order; refuses data unless --force)
 *   outputs   this stage's recorded outputs, `name = value` lines or --json; secrets
 *             shown as "(secret)" unless --show-secrets
 *   serve-config  writes lab-configs/generated/<target>/stage-<N>.yaml (or --out FILE),
 *             a complete serve config from the --config file with every output of stages
 *             0..N and the target's session secret filled in, mode 0600, and points
 *             lab-configs/generated/current.yaml at it (not with --out)
 * Flags: --config FILE (required), --target local|aws (default: the directory name in
 * the config path, lab-configs/<target>/...), --state-dir DIR (default $CA_STATE_DIR or
 * .cloudalbum), --force, --json, --show-secrets, --initial X (stage 0), --help.
 *
 * For cloudalbum-classroom (issue 15), two repeatable flags:
 *   --set PATH=VALUE  replaces or adds the config value at a dotted path before the
 *                     stage reads it (the class gives each attendee its own names this
 *                     way: --set database.user_table=alice-User ...);
 *   --tag KEY=VALUE   apply tags every taggable resource (stage_tags.h) it creates or
 *                     adopts, in stage_resource_created(). A resource found by name that
 *                     this run did not create and the state does not record is adopted
 *                     only when it already carries every tag; otherwise the stage fails
 *                     with CA_STAGE_CONFLICT and leaves it alone (checked by a plan pass
 *                     before apply changes anything, and again when it is recorded).
 *
 * The serve-config hook: a stage contributes to the generated serve config by giving
 * stage_output() a serve_key ("auth.user_pool_id"): the value is recorded in the state
 * with that key, and serve-config writes it at that place in the YAML tree, replacing
 * whatever the source file had there (e.g. ${COGNITO_USER_POOL_ID}).
 *
 * Including: the build's include path is lib/ only, so the files in stages/ include
 * "stage.h". The binaries share one main(), cmd/stage/main.c, which the Makefile builds
 * once per row of config/stages.def as stage-N-name with -DSTAGE_NUMBER=N:
 *     int main(int argc, char **argv) { return stage_main(stage_defs[STAGE_NUMBER], argc, argv); }
 *
 * Failure injection for tests: CA_STAGE_FAIL_AFTER=<n> makes the n-th call of
 * stage_resource_created() in a process fail (after the resource is recorded) with
 * CA_STAGE_STATE "injected failure", so tests can stop an apply half-way.
 */
#ifndef CA_STAGES_STAGE_H
#define CA_STAGES_STAGE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "aws/client.h"
#include "config/schema.h"
#include "config/stages.h"
#include "config/yaml.h"
#include "util/error.h"

struct stage_state;     /* stages/state.h */

#define STAGE_MAX_SETS 64       /* --set options per run */
#define STAGE_MAX_TAGS 16       /* --tag options per run (below AWS's 50 per resource) */

enum stage_verb {
	STAGE_VERB_PLAN,
	STAGE_VERB_APPLY,
	STAGE_VERB_DESTROY,
	STAGE_VERB_OUTPUTS,
	STAGE_VERB_SERVE_CONFIG,
};

/* What happens (plan) or happened (apply, destroy) to one resource. */
enum stage_action {
	STAGE_OK,               /* exists and matches */
	STAGE_CREATE,
	STAGE_UPDATE,           /* drift converged in place; detail says what differs */
	STAGE_DELETE,           /* destroy */
	STAGE_ABSENT,           /* destroy: nothing to delete */
	STAGE_NOTE,             /* information only ("not offered by this endpoint") */
};

/* Everything a stage function gets. Members are read-only for stages. */
struct stage_ctx {
	const struct stage_def *def;
	enum stage_verb verb;
	const char *target;             /* "local" or "aws" */
	const char *config_path;
	struct ca_yaml_doc *doc;        /* the --config file, parsed (values not expanded) */
	struct aws_client *aws;         /* created from aws.region / aws.endpoint */
	struct stage_state *state;      /* the target's state file, loaded and locked */
	bool force;                     /* destroy: also what holds data */
	const char *initial;            /* --initial, or NULL */
	FILE *out;                      /* where reports go (stdout) */
	int changes;                    /* STAGE_CREATE/UPDATE/DELETE reported so far */
	void *priv;                     /* the stage's own, from def->load */
	json_t *outputs;                /* framework's: this run's outputs, saved by apply */
	json_t *tags;                   /* --tag KEY=VALUE as {key: value}, or NULL */
	json_t *created;                /* framework's: [kind, name] this apply created */
	json_t *found;                  /* framework's: [kind, name] found by a --tag check */
};

struct stage_def {
	int number;                     /* its row in config/stages.def */
	const char *name;               /* "iam", "dynamodb", ... (the binary is stage-N-name) */
	const char *title;              /* one line for --help */
	/*
	 * Optional: reads and checks the stage's part of the config (provision.*, table
	 * names ...) into *priv before any AWS call. Errors name file:line.
	 */
	int (*load)(struct stage_ctx *ctx, void **priv, struct ca_err *err);
	/* Optional: frees what load made. */
	void (*unload)(void *priv);
	/* plan and apply: see the top of this file. Required. */
	int (*converge)(struct stage_ctx *ctx, struct ca_err *err);
	/*
	 * destroy: deletes what the stage made, in reverse order, reporting STAGE_DELETE
	 * or STAGE_ABSENT per resource and calling stage_resource_deleted(). Refuses
	 * (CA_STAGE_NOT_EMPTY) a resource holding data unless ctx->force. Required.
	 */
	int (*destroy)(struct stage_ctx *ctx, struct ca_err *err);
};

/*
 * The stages, listed in config/stages.def (the one list) and each defined in
 * stages/stage<N>_<name>.c as stage<N>_<name>; stage_defs[N] points at stage N's.
 */
#define STAGE(n, stage_name, database, storage, auth, tracing) \
	extern const struct stage_def stage##n##_##stage_name;
#include "config/stages.def"
#undef STAGE
extern const struct stage_def *const stage_defs[CA_STAGE_COUNT];

/*
 * Runs a stage binary: parses argv, loads config and state, dispatches the verb and
 * prints errors as one line "stage-N-name: <sentence>" on stderr. Returns the exit
 * code (0, 1, 2 as above; a usage error is 1, with a hint to --help, so that 2
 * always means "plan found changes").
 */
int stage_main(const struct stage_def *def, int argc, char **argv);

/* true when the verb is apply (act), false for plan (only report). */
bool stage_applying(const struct stage_ctx *ctx);

/*
 * Prints one report line "  <action> <kind> <name>[: detail]" and counts changes.
 * detail may be NULL; it is printf-style.
 */
void stage_report(struct stage_ctx *ctx, enum stage_action action, const char *kind,
		  const char *name, const char *detail_fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Records a resource the stage just created (or found by name and adopted) in the
 * state file and SAVES it at once. id is the provider's id/ARN (may be NULL).
 * CA_OK; CA_STAGE_STATE / CA_EIO when the state cannot be written.
 */
int stage_resource_created(struct stage_ctx *ctx, const char *kind, const char *name,
			   const char *id, struct ca_err *err);

/* Removes a resource from the state file after deleting it, and saves. Same codes. */
int stage_resource_deleted(struct stage_ctx *ctx, const char *kind, const char *name,
			   struct ca_err *err);

#define STAGE_OUTPUT_SECRET 0x1u        /* hidden unless --show-secrets */

/*
 * Sets an output of this stage (kept in the state file when apply finishes; a later
 * stage reads it with stage_output_get). serve_key, when not NULL, is the dotted
 * serve-config key the value fills in the generated config. CA_OK or CA_ENOMEM.
 */
int stage_output(struct stage_ctx *ctx, const char *name, const char *value,
		 const char *serve_key, unsigned flags, struct ca_err *err);

/*
 * An output recorded by stage `stage` (this run's own outputs included), borrowed
 * until the state changes, or NULL when there is none.
 */
const char *stage_output_get(const struct stage_ctx *ctx, int stage, const char *name);

/*
 * Config helpers for the serve part and provision.*:
 *
 * stage_cfg_string: the expanded value at dotted path (e.g. "database.user_table"),
 * or a copy of def when the key is absent or empty (def may be NULL: then a missing
 * key is CA_CONFIG_MISSING_KEY naming the file). *out is malloc'd (caller frees),
 * NULL when absent with no default. CA_CONFIG_TYPE (naming file:line) when the value
 * is not a scalar; CA_CONFIG_ENV for an unset ${VAR}.
 */
int stage_cfg_string(const struct stage_ctx *ctx, const char *path, const char *def,
		     char **out, struct ca_err *err);

/*
 * Fills dest from the mapping at dotted path (e.g. "provision.dynamodb") with a
 * schema table (config/schema.h); an absent section counts as an empty mapping, so
 * defaults apply and required keys are reported missing. Release with ca_cfg_release.
 */
int stage_cfg_fill(const struct stage_ctx *ctx, const char *path,
		   const struct ca_cfg_key *table, void *dest, struct ca_err *err);

/* The line where dotted path is written in the config, or 0 when it is not. */
int stage_cfg_line(const struct stage_ctx *ctx, const char *path);

/* Polls: sleeps ms milliseconds (for "wait until ready" loops; tests need no timing). */
void stage_sleep_ms(long ms);

#endif
