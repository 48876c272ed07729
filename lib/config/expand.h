/*
 * expand.h — ${VAR} and ${VAR:-default} expansion of config values.
 *
 * Rules (shell-like, deliberately small):
 *   ${NAME}          the value of NAME; an error when NAME is unset
 *   ${NAME:-text}    the value of NAME, or `text` when NAME is unset or empty
 *   $${              a literal "${" (the escape); any other '$' is literal
 * NAME is [A-Za-z_][A-Za-z0-9_]* (at most CA_EXPAND_NAME_MAX characters).
 * A default is literal text up to the first '}' and may not contain "${".
 * Values taken from the environment are never expanded again.
 * In YAML flow collections ({a: b}, [x]) the braces of ${...} are syntax:
 * quote such values there ({url: '${DB_URL}'}); block style needs no quotes.
 */
#ifndef CA_CONFIG_EXPAND_H
#define CA_CONFIG_EXPAND_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define CA_EXPAND_NAME_MAX 128

/*
 * Looks up one variable: returns its value (borrowed, valid until the next
 * lookup) or NULL when it is unset. ctx is the caller's.
 */
typedef const char *(*ca_env_fn)(void *ctx, const char *name);

/* The process environment (getenv); ctx is ignored. */
const char *ca_env_getenv(void *ctx, const char *name);

/*
 * Appends the expansion of text[0..len) to out. Variables are looked up with
 * fn(ctx, name) (fn NULL means ca_env_getenv). Returns CA_OK; CA_CONFIG_ENV
 * when a variable without default is unset (the message names it);
 * CA_CONFIG_SYNTAX for a malformed ${...}; CA_ERANGE when the result would
 * exceed cap bytes; CA_ENOMEM. The message has no file or line: callers
 * prefix their position. On error out holds a partial result (release it).
 */
int ca_expand_vars(const char *text, size_t len, ca_env_fn fn, void *ctx, size_t cap,
		   struct ca_buf *out, struct ca_err *err);

/* true when text[0..len) contains something ca_expand_vars would change. */
int ca_expand_needed(const char *text, size_t len);

#endif
