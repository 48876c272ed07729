/*
 * state.h — the per-target state file of the stage binaries.
 *
 * One JSON file per target, <dir>/state.json (dir is e.g. .cloudalbum/local):
 *
 *   { "version": 1, "target": "local",
 *     "stages": { "1": { "name": "dynamodb", "updated": "2024-...Z",
 *                        "resources": [ { "kind": "dynamodb table", "name": "User",
 *                                         "id": "arn:..." } ],
 *                        "outputs": { "user_table": { "value": "User",
 *                                                      "serve_key": "database.user_table",
 *                                                      "secret": false } } } } }
 *
 * It is written atomically (temp file in the same directory, fsync, rename, fsync of
 * the directory) with mode 0600 (outputs may be secrets), and held under an exclusive
 * lock (<dir>/state.lock, flock) while a binary runs, so two runs for one target do
 * not interleave. The state is a record, not the truth: stages find resources again
 * by name, so a lost state file only loses the outputs until the next apply.
 *
 * Lifecycle: stage_state_open() ... stage_state_release().
 */
#ifndef CA_STAGES_STATE_H
#define CA_STAGES_STATE_H

#include <stdbool.h>

#include <jansson.h>

#include "util/error.h"

#define STAGE_STATE_MAX_BYTES (4 * 1024 * 1024)

struct stage_state {
	char *dir;              /* the target's directory */
	char *path;             /* <dir>/state.json */
	int lock_fd;            /* -1 when not locked */
	json_t *root;           /* the document, never NULL after open */
};

/*
 * Creates dir (and parents, mode 0700) when missing, takes the lock (waiting up to
 * about 30 s for another run) and loads <dir>/state.json, or starts an empty document
 * when there is none. Returns CA_OK; CA_EIO (cannot create or lock, names the path);
 * CA_STAGE_STATE when the file is not a state file of this target (names the path and
 * what is wrong; nothing is overwritten); CA_ENOMEM. On error *st holds nothing.
 */
int stage_state_open(struct stage_state *st, const char *dir, const char *target,
		     struct ca_err *err);

/* Writes the document atomically (see above). CA_OK or CA_EIO naming the path. */
int stage_state_save(struct stage_state *st, struct ca_err *err);

/* Unlocks and frees. NULL and a never-opened (zeroed) state are accepted. */
void stage_state_release(struct stage_state *st);

/*
 * The object of stage n (borrowed), created (with the given name) when create is
 * true and it is missing; NULL when absent (or on OOM with create).
 */
json_t *stage_state_stage(struct stage_state *st, int n, const char *name, bool create);

/* Adds or replaces (same kind and name) a resource of stage n. CA_OK or CA_ENOMEM. */
int stage_state_add_resource(struct stage_state *st, int n, const char *stage_name,
			     const char *kind, const char *name, const char *id,
			     struct ca_err *err);

/* Removes a resource of stage n; absent is fine. */
void stage_state_remove_resource(struct stage_state *st, int n, const char *kind,
				 const char *name);

/* Number of resources recorded for stage n. */
size_t stage_state_resource_count(struct stage_state *st, int n);

/* Sets an output of stage n. serve_key may be NULL. CA_OK or CA_ENOMEM. */
int stage_state_set_output(struct stage_state *st, int n, const char *stage_name,
			   const char *name, const char *value, const char *serve_key,
			   bool secret, struct ca_err *err);

/* The value of an output of stage n (borrowed), or NULL. */
const char *stage_state_output(struct stage_state *st, int n, const char *name);

/* Removes stage n's record entirely (after destroy). */
void stage_state_drop_stage(struct stage_state *st, int n);

/*
 * The target's session secret for the generated serve configs: read from
 * <dir>/session_secret, or made once (64 hex characters from the system's random
 * source) and written there with mode 0600. *out is malloc'd; free it with
 * ca_free_secret. CA_OK, CA_EIO, CA_ENOMEM.
 */
int stage_state_session_secret(const struct stage_state *st, char **out, struct ca_err *err);

/*
 * Writes data to path atomically (temp file beside it, fsync, rename, fsync of the
 * directory) with the given mode, creating missing parent directories (0700).
 * CA_OK, CA_EIO naming the path, CA_ENOMEM.
 */
int stage_file_write_atomic(const char *path, const char *data, size_t len, unsigned mode,
			    struct ca_err *err);

#endif
