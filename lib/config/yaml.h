/*
 * yaml.h — a small YAML tree for config files, read with libyaml.
 *
 * A document becomes a tree of mappings, sequences and scalars; every node and
 * every mapping key keeps its 1-based line and column. Scalars are kept as
 * written: ${VAR} references are expanded on demand by ca_yaml_expand(), so a
 * program expands only the values it reads (a stage binary is not stopped by
 * a variable that only the web server needs).
 *
 * Config files are untrusted input. The reader refuses, with one sentence
 * naming file:line: anchors and aliases (no "billion laughs"), tags other
 * than !!str, complex (non-scalar) keys, empty and duplicate keys, more than
 * one document, an empty file, NUL bytes, invalid UTF-8, tab indentation, and
 * anything over the caps below.
 */
#ifndef CA_CONFIG_YAML_H
#define CA_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "config/expand.h"
#include "util/buf.h"
#include "util/error.h"

#define CA_YAML_MAX_FILE   (1024 * 1024) /* bytes in one config file */
#define CA_YAML_MAX_SCALAR (64 * 1024)   /* bytes in one value, before and after expansion */
#define CA_YAML_MAX_KEY    256           /* bytes in one mapping key */
#define CA_YAML_MAX_DEPTH  64            /* nested mappings/sequences */
#define CA_YAML_MAX_NODES  10000         /* nodes in one document */

enum ca_yaml_kind { CA_YAML_SCALAR, CA_YAML_MAP, CA_YAML_SEQ };

struct ca_yaml_node;

struct ca_yaml_pair {
	char *key;                  /* NUL-terminated, never empty */
	int line, col;              /* where the key is written */
	struct ca_yaml_node *value;
};

struct ca_yaml_node {
	enum ca_yaml_kind kind;
	int line, col;              /* 1-based start of the node */
	/* scalar */
	char *text;                 /* as written (escapes decoded), NUL-terminated */
	size_t len;
	bool is_null;               /* plain "", "~", "null": no value given */
	bool quoted;                /* written in quotes, a block scalar or with !!str */
	/* mapping: pairs[0..n); sequence: items[0..n) */
	size_t n;
	struct ca_yaml_pair *pairs;
	struct ca_yaml_node **items;
	size_t alloc;               /* internal: slots allocated in pairs/items */
};

struct ca_yaml_doc {
	char *name;                 /* file name used in messages */
	struct ca_yaml_node *root;  /* never NULL after a successful load */
	ca_env_fn env;              /* variable lookup for ca_yaml_expand (getenv) */
	void *env_ctx;
};

#define CA_YAML_DOC_INIT { NULL, NULL, ca_env_getenv, NULL }

void ca_yaml_doc_init(struct ca_yaml_doc *doc);

/*
 * Parses text[0..len) as one YAML document into doc (which must be freshly
 * initialised). name is used in messages ("name:line: ..."). Returns CA_OK;
 * CA_CONFIG_SYNTAX for malformed or refused input; CA_ERANGE over a cap;
 * CA_ENOMEM. On error doc is left empty (releasing it is still safe).
 */
int ca_yaml_parse(struct ca_yaml_doc *doc, const char *name, const char *text, size_t len,
		  struct ca_err *err);

/*
 * Reads and parses the file at path (a regular file of at most
 * CA_YAML_MAX_FILE bytes). Returns CA_OK, CA_EIO when it cannot be read
 * (the message names the path and the reason), or what ca_yaml_parse returns.
 */
int ca_yaml_load_file(struct ca_yaml_doc *doc, const char *path, struct ca_err *err);

/* Uses fn(ctx, name) instead of getenv for later expansions (tests, overrides). */
void ca_yaml_doc_set_env(struct ca_yaml_doc *doc, ca_env_fn fn, void *ctx);

/* Frees the tree and the name and re-initialises doc. NULL is accepted. */
void ca_yaml_doc_release(struct ca_yaml_doc *doc);

/* The value of key in a mapping, or NULL (also when map is NULL or not a mapping). */
const struct ca_yaml_node *ca_yaml_get(const struct ca_yaml_node *map, const char *key);
/* The pair of key in a mapping (for the key's line), or NULL. */
const struct ca_yaml_pair *ca_yaml_get_pair(const struct ca_yaml_node *map, const char *key);
/*
 * Follows a dotted path of mapping keys ("storage.kind") from node; NULL when
 * any step is missing or not a mapping.
 */
const struct ca_yaml_node *ca_yaml_lookup(const struct ca_yaml_node *node, const char *path);

/*
 * Expands the ${VAR} references of a scalar with the doc's lookup into a new
 * string that the caller frees (*out; NULL on error). A null scalar gives "". Returns CA_OK or what
 * ca_expand_vars returns, the message prefixed with "name:line: ";
 * CA_CONFIG_TYPE when node is not a scalar.
 */
int ca_yaml_expand(const struct ca_yaml_doc *doc, const struct ca_yaml_node *node, char **out,
		   struct ca_err *err);

/*
 * Sets the scalar at a dotted path of mapping keys ("database.user_table") to a copy of
 * value, replacing what is there or adding the missing keys (an absent or empty step
 * becomes a mapping). The value is kept as written; ${VAR}s in it are still expanded
 * on reading. For overrides given on a command line. Returns CA_OK; CA_CONFIG_TYPE
 * (naming file:line) when a step is a value or list; CA_EINVAL for an empty path or
 * key; CA_ENOMEM.
 */
int ca_yaml_set_scalar(struct ca_yaml_doc *doc, const char *path, const char *value,
		       struct ca_err *err);

#endif
