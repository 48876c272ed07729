/*
 * migrate_state.h — the run's memory: which id each legacy user was given.
 *
 * Photo ids are computed from the data, so the user ids are the only thing a
 * re-run must remember to give the same answer. The file is text:
 *
 *   cloudalbum-migrate state 1
 *   owner uuid                      (or: owner cognito <user pool id>)
 *   user <legacy id> <target id>    (one per user, legacy ids increasing)
 *
 * It is rewritten whole and atomically (temporary file, fsync, rename, fsync of
 * the directory), so after a crash it holds the old or the new mapping, never a
 * part. It is read back with every line checked: the file may have been edited.
 */
#ifndef CA_MIGRATE_STATE_H
#define CA_MIGRATE_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define MIG_STATE_MAX_BYTES (64u << 20)
#define MIG_STATE_ID_MAX 128
#define MIG_STATE_POOL_MAX 55

struct mig_state_entry {
	long legacy_id;
	char *target_id;
};

struct mig_state {
	bool cognito;              /* owners are Cognito user names */
	char *pool_id;             /* with cognito: the pool they live in */
	struct mig_state_entry *entries; /* sorted by legacy_id, unique */
	size_t n, cap;
};

/* An empty state (owner uuid). */
void mig_state_init(struct mig_state *s);
/* Frees everything and re-initialises. NULL accepted. */
void mig_state_release(struct mig_state *s);

/*
 * Parses text[0..len) into *out (initialised here; release it also on error).
 * CA_MIGRATE_STATE with a sentence naming the line for a bad header, an unknown
 * line, a malformed or repeated legacy id, a bad target id, or a file over
 * MIG_STATE_MAX_BYTES; CA_ENOMEM.
 */
int mig_state_parse(const char *text, size_t len, struct mig_state *out, struct ca_err *err);

/*
 * Reads the file at path into *out (initialised here). A file that does not exist
 * gives an empty state and *existed = false. Errors as mig_state_parse, or CA_EIO.
 */
int mig_state_load(const char *path, struct mig_state *out, bool *existed, struct ca_err *err);

/* The target id of a legacy user, or NULL. Borrowed from s. */
const char *mig_state_find(const struct mig_state *s, long legacy_id);

/*
 * Records legacy_id -> target_id (copied). Re-recording the same pair is a no-op;
 * a different id for a known legacy id, or a target id that is not 1..128 printable
 * characters without blanks, is CA_EINVAL. CA_ENOMEM.
 */
int mig_state_set(struct mig_state *s, long legacy_id, const char *target_id,
		  struct ca_err *err);

/* As mig_state_set, but a known legacy id takes the new target id (run --adopt). */
int mig_state_replace(struct mig_state *s, long legacy_id, const char *target_id,
		      struct ca_err *err);

/* Appends the file's text to out. CA_OK or CA_ENOMEM. */
int mig_state_format(const struct mig_state *s, struct ca_buf *out);

/* Writes the file atomically (see above). CA_OK, CA_EIO or CA_ENOMEM. */
int mig_state_save(const char *path, const struct mig_state *s, struct ca_err *err);

#endif
