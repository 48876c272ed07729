/*
 * dynamodb_cursor.c — the page cursor of the DynamoDB backend: base64url of the
 * JSON {"id":"<N>"}, the range key of the last photo a page returned. The hash
 * key is always the signed-in owner's, so it is not carried.
 */
#include "db/dynamodb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/urlcode.h"
#include "util/banned.h"

#define CURSOR_JSON_MAX 64

char *ddb_cursor_format(int64_t id)
{
	char json[CURSOR_JSON_MAX];
	char *out;
	int n;

	n = snprintf(json, sizeof(json), "{\"id\":\"%lld\"}", (long long)id);
	if (n < 0 || (size_t)n >= sizeof(json))
		return NULL;
	out = malloc(ca_base64url_len((size_t)n) + 1);
	if (out)
		ca_base64url_encode((const uint8_t *)json, (size_t)n, out);
	return out;
}

bool ddb_cursor_parse(const char *cursor, int64_t *id)
{
	uint8_t raw[CURSOR_JSON_MAX];
	size_t len = 0, cursor_len;
	json_t *doc = NULL, *v;
	bool ok = false;

	if (!cursor)
		return false;
	cursor_len = strnlen(cursor, ca_base64url_len(sizeof(raw)) + 1);
	if (cursor_len > ca_base64url_len(sizeof(raw)) ||
	    !ca_base64url_decode(cursor, cursor_len, raw, sizeof(raw), &len))
		return false;
	doc = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc) || json_object_size(doc) != 1)
		goto out;
	v = json_object_get(doc, "id");
	ok = json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
	     ddb_parse_photo_id(json_string_value(v), id);
out:
	json_decref(doc);
	return ok;
}

/* ---- the keyword filter of a listing ---- */

static char fold(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool ddb_contains_nocase(const char *text, const char *keyword)
{
	size_t n, m, i, j;

	if (!keyword || !*keyword)
		return true;
	if (!text)
		return false;
	n = strlen(text);
	m = strlen(keyword);
	for (i = 0; i + m <= n; i++) {
		for (j = 0; j < m && fold(text[i + j]) == fold(keyword[j]); j++)
			;
		if (j == m)
			return true;
	}
	return false;
}
