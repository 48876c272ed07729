/*
 * strutil.h — small string helpers used across the library.
 */
#ifndef CA_STRUTIL_H
#define CA_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* strdup that accepts NULL (returns NULL). The caller frees. NULL also on OOM. */
char *ca_strdup(const char *s);
/* Copies at most n bytes plus a NUL. The caller frees; NULL on OOM. */
char *ca_strndup(const char *s, size_t n);
/* Parses a whole decimal integer (optional sign, no trailing junk) within [min, max]. */
bool ca_parse_long(const char *s, long min, long max, long *out);
bool ca_parse_u64(const char *s, uint64_t *out);
/* true when s begins with prefix / ends with suffix. */
bool ca_starts_with(const char *s, const char *prefix);
bool ca_ends_with(const char *s, const char *suffix);
/* The value 0..15 of one hex digit (either case); -1 when c is not a hex digit. */
int ca_hex_digit(char c);
/* Frees *p (which may be NULL) and sets it to NULL. */
void ca_free_str(char **p);
/* Overwrites then frees a secret string. NULL accepted. */
void ca_free_secret(char *s);

#endif
