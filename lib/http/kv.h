/*
 * kv.h — an ordered list of name/value string pairs (headers, query parameters,
 * cookies, route parameters). Names may repeat; lookups return the first match.
 *
 * Lifecycle: ca_http_kv_init() (or CA_HTTP_KV_INIT), add, ca_http_kv_release().
 * The list owns copies of every name and value it holds.
 */
#ifndef CA_HTTP_KV_H
#define CA_HTTP_KV_H

#include <stdbool.h>
#include <stddef.h>

struct ca_http_kv_pair {
	char *name;
	char *value;    /* never NULL; "" when the input had no value */
	size_t value_len; /* bytes in value (a decoded value may hold no NUL, see adders) */
};

struct ca_http_kv {
	struct ca_http_kv_pair *items;
	size_t n;
	size_t cap;
};

#define CA_HTTP_KV_INIT { NULL, 0, 0 }

void ca_http_kv_init(struct ca_http_kv *kv);
/* Frees every pair and the array; the list is empty and reusable. NULL is accepted. */
void ca_http_kv_release(struct ca_http_kv *kv);
/*
 * Appends copies of name[0..name_len) and value[0..value_len) (value may be NULL
 * for ""). CA_OK, or CA_ENOMEM (the list is unchanged).
 */
int ca_http_kv_add(struct ca_http_kv *kv, const char *name, size_t name_len,
		   const char *value, size_t value_len);
/* Same with NUL-terminated strings. */
int ca_http_kv_adds(struct ca_http_kv *kv, const char *name, const char *value);
/* The first value stored under name (exact bytes), or NULL. Borrowed from the list. */
const char *ca_http_kv_get(const struct ca_http_kv *kv, const char *name);
/* The same, comparing names without regard to ASCII case (HTTP header names). */
const char *ca_http_kv_get_nocase(const struct ca_http_kv *kv, const char *name);

#endif
