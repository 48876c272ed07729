/*
 * class_internal.h — shared by the classroom's own files only (classroom.h is the
 * interface).
 */
#ifndef CA_CLASSROOM_CLASS_INTERNAL_H
#define CA_CLASSROOM_CLASS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <jansson.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "classroom.h"
#include "roster.h"

/* One cell of the attendee x stage matrix. */
enum cell_state {
	CELL_PENDING,
	CELL_RUNNING,
	CELL_OK,                /* apply done / plan: up to date / destroy done */
	CELL_DRIFT,             /* plan: something to update */
	CELL_MISSING,           /* plan: something to create */
	CELL_ERROR,
	CELL_SKIPPED,           /* an earlier stage failed */
};

struct cell {
	enum cell_state state;
	char *detail;           /* error's first line, or what plan would do; may be NULL */
};

/* One attendee while a verb runs. */
struct att_run {
	struct attendee *a;
	char *dir;              /* <state-dir>/<class>/<name> */
	char **env;             /* the children's environment (NULL-terminated, owned) */
	struct aws_credentials creds;   /* account mode: the assumed role's */
	bool have_creds;
	struct aws_client *aws; /* for the classroom's own calls in this attendee's account */
	struct aws_credentials_provider *provider;
	struct cell cells[CLASS_STAGES];
	char *error;            /* why nothing ran for this attendee (malformed role_arn ...) */
	json_t *left;           /* down: what could not be deleted (strings) */
	char *verify_failure;   /* verify: the first failed step of the stage verification */
};

struct class_ctx {
	const struct class_opts *o;
	struct roster roster;
	char *class_dir;        /* <state-dir>/<class> */
	char *configs;          /* the base stage configs' directory */
	char *bin_dir;
	char *endpoint;         /* the base config's aws.endpoint, "" when none */
	struct aws_client *aws; /* the instructor's */
	struct att_run *runs;   /* one per roster attendee */
	size_t n;
	int stage;              /* the stage this verb works up to */
	const char *verb;       /* for messages */
	pthread_mutex_t lock;   /* cells and the display */
	bool tty;
	size_t drawn;           /* lines of the live display on screen */
};

/* Loads the roster and finds the configs, binaries and the instructor's client. */
int class_open(struct class_ctx *c, const struct class_opts *o, const char *verb,
	       struct ca_err *err);
void class_close(struct class_ctx *c);

/* The stage recorded in class.json, or -1 when none. */
int class_recorded_stage(const struct class_ctx *c);
int class_record_stage(const struct class_ctx *c, int stage, struct ca_err *err);

/*
 * Makes r ready to run children: its directories, its environment and, in account mode,
 * the assumed role's credentials and a client with them. On failure r->error holds the
 * sentence and the return is not CA_OK.
 */
int class_attendee_prepare(struct class_ctx *c, struct att_run *r);

/* The --set PATH=VALUE list for stage n's config (strings in a new JSON array). */
json_t *class_attendee_sets(const struct class_ctx *c, const struct att_run *r, int n);

/* A taggable resource an attendee's stages make: its stage, kind and name. */
struct class_resource {
	int stage;
	const char *kind;
	char *name;
};
/* The taggable resources of r, stages 0..4, in a new array of *n (free with
 * class_resources_free). NULL on OOM. */
struct class_resource *class_attendee_resources(const struct class_ctx *c,
						const struct att_run *r, size_t *n);
void class_resources_free(struct class_resource *res, size_t n);

/* The tags every resource of r carries, a new JSON object. */
json_t *class_attendee_tags(const struct class_ctx *c, const struct att_run *r);

/*
 * Runs stage-n <verb> for r with its config, names, tags and state; extra (may be NULL)
 * is a NULL-terminated list of more arguments. *exit_code receives the child's exit
 * status (127 when it could not start); *out and *first_err (may be NULL) its standard
 * output and the first line of its standard error (malloc'd). CA_OK once the child ran;
 * CA_EIO / CA_ENOMEM when it could not be started.
 */
int class_run_stage(struct class_ctx *c, struct att_run *r, int n, const char *verb,
		    const char *const *extra, int *exit_code, char **out, char **first_err,
		    struct ca_err *err);

/* Runs fn(c, r) for every attendee on opts->jobs threads; returns when all are done. */
int class_for_each(struct class_ctx *c, void (*fn)(struct class_ctx *, struct att_run *),
		   struct ca_err *err);

/* Sets a cell (detail copied, may be NULL) and redraws / prints a line. Thread-safe. */
void class_cell_set(struct class_ctx *c, struct att_run *r, int stage, enum cell_state s,
		    const char *detail);

/* r could not be prepared (r->error says why): every cell an error, one line said. */
void class_refused(struct class_ctx *c, struct att_run *r);

/* Prepares r (class_attendee_prepare); when that fails, refuses it (class_refused) and
 * returns false. */
bool class_attendee_ready(struct class_ctx *c, struct att_run *r);

/*
 * Marks stage n's cell running and runs stage-n <verb> as class_run_stage does. When
 * the child could not be started, every cell from n is marked an error with err's
 * sentence and the return is not CA_OK (*out and *first_err as class_run_stage leaves them).
 */
int class_run_cell(struct class_ctx *c, struct att_run *r, int n, const char *verb,
		   int *exit_code, char **out, char **first_err, struct ca_err *err);

/* Marks every cell of r from stage `from` with state s and detail. */
void class_cells_fill(struct class_ctx *c, struct att_run *r, int from, enum cell_state s,
		      const char *detail);

/* The word a cell shows ("up to date", "drift", "missing", "error", ...). */
const char *class_cell_word(enum cell_state s, const char *verb);

/* The first line of s, in a new string ("" for NULL). */
char *class_first_line(const char *s);

#endif
