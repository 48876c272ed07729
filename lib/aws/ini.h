/*
 * ini.h — the reader for AWS's shared files, ~/.aws/credentials and ~/.aws/config.
 *
 * The format as AWS's tools read it:
 *   - "[name]" opens a section; the name is trimmed and inner runs of blanks become one
 *     space, so "[ profile   dev ]" is "profile dev";
 *   - "key = value" (or "key: value") sets a key in the open section; keys compare
 *     case-insensitively, values are trimmed; a later duplicate replaces the earlier;
 *   - lines whose first non-blank character is '#' or ';' are comments, and so is the
 *     rest of a line after a blank followed by '#' or ';' ("region = eu-west-1  # home");
 *   - an indented line after a key continues it (AWS uses this for nested settings such
 *     as "s3 =\n  addressing_style = path"); such lines are accepted and ignored;
 *   - CR LF line ends and a leading UTF-8 byte-order mark are accepted.
 * Anything else — a key before any section, a line without '=', an unclosed '[',
 * an empty key or section name, a NUL byte, a line over AWS_INI_MAX_LINE bytes, a file over
 * AWS_INI_MAX_FILE bytes — is an error naming the file and line.
 */
#ifndef CA_AWS_INI_H
#define CA_AWS_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define AWS_INI_MAX_FILE (1024 * 1024)
#define AWS_INI_MAX_LINE 8192

struct aws_ini_entry {
	char *section;
	char *key;
	char *value;
	int line;
};

struct aws_ini {
	char *path;                     /* the name used in error sentences; may be NULL */
	struct aws_ini_entry *entries;  /* in file order, duplicates already replaced */
	size_t n, cap;
	char **sections;                /* every section seen, once each, in file order */
	size_t n_sections, cap_sections;
};

#define AWS_INI_INIT { NULL, NULL, 0, 0, NULL, 0, 0 }

/*
 * Parses len bytes of text (need not be NUL-terminated) into *ini, which must be
 * initialised (AWS_INI_INIT) and is released first. `name` is used in error sentences
 * ("<name> line 3: ..."). CA_OK; CA_EPARSE or CA_ERANGE with a sentence naming name and
 * the line; CA_ENOMEM. On error *ini is left empty (still safe to release).
 */
int aws_ini_parse(struct aws_ini *ini, const char *text, size_t len, const char *name,
		  struct ca_err *err);

/*
 * Reads and parses the file at path. *missing (may be NULL) is set to true and CA_OK
 * returned, with *ini empty, when the file does not exist. CA_EIO when it cannot be read
 * (a sentence naming it), CA_ERANGE when larger than AWS_INI_MAX_FILE, else as
 * aws_ini_parse.
 */
int aws_ini_load(struct aws_ini *ini, const char *path, bool *missing, struct ca_err *err);

/* The value of key in section (exact section name, key case-insensitive), or NULL.
 * Borrowed: valid until the ini is released. *line (may be NULL) gets its line number. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key,
			int *line);

/* true when a section of that exact name appears in the file (even empty). */
bool aws_ini_has_section(const struct aws_ini *ini, const char *section);

/* Frees everything and re-initialises. NULL accepted. Values are wiped (secrets). */
void aws_ini_release(struct aws_ini *ini);

#endif
