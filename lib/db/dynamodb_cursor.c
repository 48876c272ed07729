/*
 * dynamodb_cursor.c — the page cursor of the DynamoDB backend: base64url of the
 * JSON {"id":"<N>"}, the range key of the last photo a page returned. The hash
 * key is always the signed-in owner's, so it is not carried. In the taken-date
 * order (sorted here, see dynamodb_photo.c) {"id":"<N>","t":"<YYYYMMDDHHMMSSffffff>"}
 * ("t":"" for a photo without a taken date): where that photo sits in the order.
 * Each kind is refused where the other is expected.
 */
#include "db/dynamodb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/date.h"
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

/* The JSON object a cursor encodes, if it has exactly n members; NULL otherwise. */
static json_t *cursor_json(const char *cursor, size_t n)
{
	uint8_t raw[CURSOR_JSON_MAX];
	size_t len = 0, cursor_len;
	json_t *doc;

	if (!cursor)
		return NULL;
	cursor_len = strnlen(cursor, ca_base64url_len(sizeof(raw)) + 1);
	if (cursor_len > ca_base64url_len(sizeof(raw)) ||
	    !ca_base64url_decode(cursor, cursor_len, raw, sizeof(raw), &len))
		return NULL;
	doc = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc) || json_object_size(doc) != n) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

bool ddb_cursor_parse(const char *cursor, int64_t *id)
{
	json_t *doc = NULL, *v;
	bool ok = false;

	doc = cursor_json(cursor, 1);
	if (!doc)
		return false;
	v = json_object_get(doc, "id");
	ok = json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
	     ddb_parse_photo_id(json_string_value(v), id);
	json_decref(doc);
	return ok;
}

/* taken: canonical date text or NULL; the digits of the date, or "" without one. */
char *ddb_taken_cursor_format(const char *taken, int64_t id)
{
	char json[CURSOR_JSON_MAX], digits[24] = "";
	struct ca_db_date d;
	char *out;
	int n;

	if (taken && ca_db_date_parse(taken, &d, NULL) == CA_OK)
		snprintf(digits, sizeof(digits), "%04d%02d%02d%02d%02d%02d%06d", d.year, d.month,
			 d.day, d.hour, d.minute, d.second, d.microsecond);
	n = snprintf(json, sizeof(json), "{\"id\":\"%lld\",\"t\":\"%s\"}", (long long)id, digits);
	if (n < 0 || (size_t)n >= sizeof(json))
		return NULL;
	out = malloc(ca_base64url_len((size_t)n) + 1);
	if (out)
		ca_base64url_encode((const uint8_t *)json, (size_t)n, out);
	return out;
}

bool ddb_taken_cursor_parse(const char *cursor, char taken[CA_DB_DATE_LEN + 1], int64_t *id)
{
	json_t *doc = NULL, *v, *t;
	struct ca_db_date d;
	char text[40];
	const char *s;
	bool ok = false;

	taken[0] = '\0';
	doc = cursor_json(cursor, 2);
	if (!doc)
		return false;
	v = json_object_get(doc, "id");
	t = json_object_get(doc, "t");
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
	    !ddb_parse_photo_id(json_string_value(v), id) || !json_is_string(t))
		goto out;
	s = json_string_value(t);
	if (!*s) {
		ok = true;
		goto out;
	}
	if (strlen(s) != 20 || strspn(s, "0123456789") != 20)
		goto out;
	/* re-formed as date text for the date parser to judge */
	snprintf(text, sizeof(text), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.6s", s, s + 4, s + 6, s + 8,
		 s + 10, s + 12, s + 14);
	if (ca_db_date_parse(text, &d, NULL) != CA_OK)
		goto out;
	ca_db_date_format(&d, taken);
	ok = true;
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
