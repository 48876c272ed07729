/*
 * schema.h — declarative config schemas: a table of keys validates a YAML
 * tree and fills a C struct.
 *
 * A schema is an array of struct ca_cfg_key ended by an entry whose name is
 * NULL (CA_CFG_END). Each key names a field of the destination struct by
 * offsetof() and says its type, whether it is required, its default and its
 * limits. A CA_CFG_SECTION key holds a nested table (a YAML mapping); the
 * nested keys' offsets are into the SAME destination struct, so a section
 * maps naturally onto an embedded struct:
 *
 *     struct my_cfg { struct { long port; char *name; } server; };
 *     static const struct ca_cfg_key server_keys[] = {
 *         { .name = "port", .type = CA_CFG_INT, .offset = offsetof(struct my_cfg, server.port),
 *           .def = "8080", .min = 1, .max = 65535 },
 *         { .name = "name", .type = CA_CFG_STRING,
 *           .offset = offsetof(struct my_cfg, server.name), .flags = CA_CFG_REQUIRED },
 *         CA_CFG_END
 *     };
 *     static const struct ca_cfg_key my_keys[] = {
 *         { .name = "server", .type = CA_CFG_SECTION, .sub = server_keys },
 *         CA_CFG_END
 *     };
 *     ... ca_cfg_fill(&doc, NULL, NULL, my_keys, &cfg, 0, &err) ... ca_cfg_release(my_keys, &cfg);
 *
 * Field types in the destination:
 *   CA_CFG_STRING   char *              malloc'd, NULL when not given and no default
 *   CA_CFG_URL      char *              validated URL (schemes from .choices, else http/https);
 *                                       a lone trailing '/' is dropped
 *   CA_CFG_INT      long                within [min, max] unless both are 0
 *   CA_CFG_DURATION long (seconds)      "3600", "90s", "15m", "12h", "7d", "1h30m"; [min, max]
 *   CA_CFG_BOOL     bool                true / false
 *   CA_CFG_ENUM     int                 index into .choices (NULL-terminated); -1 when not given
 *   CA_CFG_HOSTPORT struct ca_hostport  host:port, [v6]:port
 *   CA_CFG_STRLIST  struct ca_strlist   a YAML sequence of values
 *   CA_CFG_SECTION  (none)              nested table in .sub
 *   CA_CFG_IGNORE   (none)              accepted as is, not checked, not expanded:
 *                                       a part of the file that another program reads
 *
 * Values are ${VAR}-expanded (config/expand.h) only when read, so ignored
 * keys and keys that do not apply never need their variables. A value that is
 * null or empty after expansion counts as not given: the default applies, and
 * a required key is reported missing.
 *
 * A key with .when_key/.when_is applies only when the sibling key when_key
 * (an ENUM or STRING listed EARLIER in the same table) has one of the values
 * in when_is ("s3" or "dynamodb|mysql"). A key that does not apply must not
 * be given, is never required and is left zero.
 *
 * Errors name the file and line and say what was expected, e.g.
 *   "serve.yaml:4: unknown key 'databse' at the top level (did you mean 'database'?)"
 *   "serve.yaml:2: missing required key 'session_secret' in 'server'"
 *   "serve.yaml:5: 'server.threads' expected an integer from 1 to 256, got 'many'"
 * Values of CA_CFG_SECRET keys are never quoted in messages.
 */
#ifndef CA_CONFIG_SCHEMA_H
#define CA_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "config/value.h"
#include "config/yaml.h"
#include "util/error.h"

enum ca_cfg_type {
	CA_CFG_STRING = 1,
	CA_CFG_URL,
	CA_CFG_INT,
	CA_CFG_DURATION,
	CA_CFG_BOOL,
	CA_CFG_ENUM,
	CA_CFG_HOSTPORT,
	CA_CFG_STRLIST,
	CA_CFG_SECTION,
	CA_CFG_IGNORE,
};

/* key flags */
#define CA_CFG_REQUIRED 0x1u    /* must be given (when it applies) */
#define CA_CFG_SECRET   0x2u    /* never shown in messages; wiped when released */
#define CA_CFG_OPEN     0x4u    /* section: keys it does not list are ignored */

/* ca_cfg_fill flags */
#define CA_CFG_ALLOW_UNKNOWN 0x1u /* top level: keys the table does not list are ignored */

struct ca_strlist {
	char **items;           /* each malloc'd */
	size_t n;
};

struct ca_cfg_key {
	const char *name;               /* NULL ends the table */
	enum ca_cfg_type type;
	size_t offset;                  /* of the field in the destination struct */
	unsigned flags;                 /* CA_CFG_REQUIRED, CA_CFG_SECRET, CA_CFG_OPEN */
	const char *def;                /* default, written as in the file; NULL: none */
	long min, max;                  /* INT/DURATION range; STRING length (0, 0: any) */
	const char *const *choices;     /* ENUM values; URL schemes (NULL-terminated) */
	const struct ca_cfg_key *sub;   /* SECTION: the nested table */
	const char *when_key;           /* applies only when sibling when_key ... */
	const char *when_is;            /* ... is one of these ("a|b") */
	const char *hint;               /* optional: appended to type errors ("like 20") */
};

#define CA_CFG_END { .name = NULL }

/*
 * Validates the mapping node (NULL: doc->root) against table and fills dest.
 * path is the dotted name of node for messages (NULL or "" at the top level).
 * Every field the table names is first set to its zero value, so dest must
 * not hold anything that needs freeing in those fields.
 * Returns CA_OK; CA_CONFIG_UNKNOWN_KEY, CA_CONFIG_MISSING_KEY, CA_CONFIG_TYPE
 * (wrong type or out of range), CA_CONFIG_VALUE (a key that does not apply),
 * CA_CONFIG_ENV / CA_CONFIG_SYNTAX (${VAR} problems), CA_EINVAL (a default in
 * the table that does not parse: a programming error), CA_ENOMEM. On error
 * the fields already filled are released again (dest is all zero values).
 */
int ca_cfg_fill(const struct ca_yaml_doc *doc, const struct ca_yaml_node *node, const char *path,
		const struct ca_cfg_key *table, void *dest, unsigned flags, struct ca_err *err);

/* Frees the strings and lists table names in dest and zeroes them. NULL dest is accepted. */
void ca_cfg_release(const struct ca_cfg_key *table, void *dest);

/* The index of s in a NULL-terminated list, or -1. */
int ca_cfg_choice_index(const char *const *choices, const char *s);

/* Releases a string list (NULL accepted). */
void ca_strlist_release(struct ca_strlist *list);

#endif
