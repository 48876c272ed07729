/*
 * items.c — the item codecs of items.h: User, email guard and Photo records to
 * DynamoDB items and back, in the forms the seed's PynamoDB models write and read
 * (docs/CONTRACTS.md).
 */
#include "db/items.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/strutil.h"
#include "util/banned.h"

json_t *ddb_s(const char *s)
{
	return json_pack("{s:s}", "S", s);
}

json_t *ddb_n_i64(int64_t n)
{
	char text[24];

	snprintf(text, sizeof(text), "%lld", (long long)n);
	return json_pack("{s:s}", "N", text);
}

int ddb_attr_text(const json_t *item, const char *name, char **out)
{
	json_t *attr = json_object_get(item, name);
	json_t *v;

	*out = NULL;
	if (!json_is_object(attr))
		return CA_OK;
	v = json_object_get(attr, "S");
	if (!json_is_string(v))
		v = json_object_get(attr, "N");
	if (!json_is_string(v))
		return CA_OK; /* absent, NULL or a type no field of ours has */
	*out = ca_strndup(json_string_value(v), json_string_length(v));
	return *out ? CA_OK : CA_ENOMEM;
}

bool ddb_parse_photo_id(const char *s, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s || !*s || strlen(s) > 19)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

void ddb_format_double(double v, char *out, size_t cap)
{
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* A whole, finite decimal number; false for "", "None", "12abc", "nan". */
static bool parse_double(const char *s, double *out)
{
	char *end = NULL;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static int64_t parse_size(const char *s)
{
	long v;
	double d;

	if (!s)
		return -1;
	if (ca_parse_long(s, 0, 2147483647L, &v))
		return v;
	if (parse_double(s, &d) && d >= 0 && d <= 2147483647.0)
		return (int64_t)d;
	return -1;
}

/* Rewrites *date in date.h form; one that does not parse becomes NULL. */
static int normalise_date(char **date)
{
	struct ca_db_date d;
	char text[CA_DB_DATE_LEN + 1];

	if (!*date)
		return CA_OK;
	if (ca_db_date_parse(*date, &d, NULL) != CA_OK) {
		ca_free_str(date);
		return CA_OK;
	}
	ca_db_date_format(&d, text);
	free(*date);
	*date = ca_strdup(text);
	return *date ? CA_OK : CA_ENOMEM;
}

static void empty_to_null(char **s)
{
	if (*s && !**s)
		ca_free_str(s);
}

int ddb_photo_from_item(const json_t *item, struct ca_photo *out, struct ca_err *err)
{
	static const struct {
		const char *name;
		size_t offset;
	} texts[] = {
		{ "user_id", offsetof(struct ca_photo, user_id) },
		{ "tags", offsetof(struct ca_photo, tags) },
		{ "desc", offsetof(struct ca_photo, desc) },
		{ "filename_orig", offsetof(struct ca_photo, filename_orig) },
		{ "filename", offsetof(struct ca_photo, filename) },
		{ "upload_date", offsetof(struct ca_photo, upload_date) },
		{ "taken_date", offsetof(struct ca_photo, taken_date) },
		{ "make", offsetof(struct ca_photo, make) },
		{ "model", offsetof(struct ca_photo, model) },
		{ "width", offsetof(struct ca_photo, width) },
		{ "height", offsetof(struct ca_photo, height) },
		{ "city", offsetof(struct ca_photo, city) },
		{ "nation", offsetof(struct ca_photo, nation) },
		{ "address", offsetof(struct ca_photo, address) },
	};
	char *id = NULL, *size = NULL, *lat = NULL, *lng = NULL;
	int64_t id_value;
	double la, lo;
	size_t i;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	out->filesize = -1;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]) && rc == CA_OK; i++)
		rc = ddb_attr_text(item, texts[i].name, (char **)((char *)out + texts[i].offset));
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "id", &id);
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "filesize", &size);
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "geotag_lat", &lat);
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "geotag_lng", &lng);
	if (rc == CA_OK) {
		/* written as "" for the seed's models; NULL in our records */
		empty_to_null(&out->make);
		empty_to_null(&out->model);
		empty_to_null(&out->city);
		rc = normalise_date(&out->upload_date);
	}
	if (rc == CA_OK)
		rc = normalise_date(&out->taken_date);
	if (rc != CA_OK) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a photo item.");
		goto out;
	}
	if (!out->user_id || !ddb_parse_photo_id(id, &id_value)) {
		rc = ca_err_set(err, CA_DB_QUERY,
				"A Photo item lacks its user_id or numeric id; the table holds something this toolkit did not write.");
		goto out;
	}
	out->id = ddb_n_text(id_value);
	if (!out->id) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading a photo item.");
		goto out;
	}
	out->filesize = parse_size(size);
	if (parse_double(lat, &la) && parse_double(lng, &lo) && la >= -90.0 && la <= 90.0 &&
	    lo >= -180.0 && lo <= 180.0) {
		out->has_geotag = true;
		out->geotag_lat = la;
		out->geotag_lng = lo;
	}
out:
	if (rc != CA_OK)
		ca_photo_release(out);
	free(id);
	free(size);
	free(lat);
	free(lng);
	return rc;
}

char *ddb_n_text(int64_t n)
{
	char text[24];

	snprintf(text, sizeof(text), "%lld", (long long)n);
	return ca_strdup(text);
}

/* Sets name to {"S": s}, s NULL written as "" (the always-present attributes). */
static int set_s(json_t *item, const char *name, const char *s)
{
	return json_object_set_new(item, name, ddb_s(s ? s : ""));
}

void ddb_upload_date_text(const struct ca_photo *p, int64_t id, char out[CA_DB_DATE_LEN + 1])
{
	struct ca_db_date d;

	if (p->upload_date && ca_db_date_parse(p->upload_date, &d, NULL) == CA_OK) {
		ca_db_date_format(&d, out);
		return;
	}
	if (id < 0 || !ca_db_date_from_time((time_t)(id / 1000), (int)(id % 1000) * 1000, &d)) {
		/* no time the id can stand for: the epoch */
		memset(&d, 0, sizeof(d));
		d.year = 1970;
		d.month = d.day = 1;
	}
	ca_db_date_format(&d, out);
}

const char *ddb_taken_date(const struct ca_photo *p)
{
	struct ca_db_date d;

	if (p->taken_date && ca_db_date_parse(p->taken_date, &d, NULL) == CA_OK)
		return p->taken_date;
	if (p->upload_date && ca_db_date_parse(p->upload_date, &d, NULL) == CA_OK)
		return p->upload_date;
	return NULL;
}

static int set_date(json_t *item, const char *name, const char *s)
{
	struct ca_db_date d;
	char text[CA_DB_DATE_LEN + 1];

	if (!s || ca_db_date_parse(s, &d, NULL) != CA_OK)
		return 0;
	ca_db_date_format(&d, text);
	return json_object_set_new(item, name, ddb_s(text));
}

void ddb_geotag_text(const struct ca_photo *p, char *lat, char *lng, size_t cap)
{
	if (!p->has_geotag) {
		snprintf(lat, cap, "%s", DDB_NO_GEOTAG);
		snprintf(lng, cap, "%s", DDB_NO_GEOTAG);
		return;
	}
	ddb_format_double(p->geotag_lat, lat, cap);
	ddb_format_double(p->geotag_lng, lng, cap);
}

json_t *ddb_photo_item(const char *owner_id, int64_t id, const struct ca_photo *p)
{
	char lat[32], lng[32], up[CA_DB_DATE_LEN + 1];
	json_t *item = json_object();
	int bad = 0;

	if (!item)
		return NULL;
	ddb_geotag_text(p, lat, lng, sizeof(lat));
	bad |= json_object_set_new(item, "user_id", ddb_s(owner_id));
	bad |= json_object_set_new(item, "id", ddb_n_i64(id));
	bad |= set_s(item, "tags", p->tags);
	bad |= set_s(item, "desc", p->desc);
	bad |= set_s(item, "filename_orig", p->filename_orig);
	bad |= set_s(item, "filename", p->filename);
	bad |= json_object_set_new(item, "filesize", ddb_n_i64(p->filesize < 0 ? -1 : p->filesize));
	bad |= set_s(item, "geotag_lat", lat);
	bad |= set_s(item, "geotag_lng", lng);
	ddb_upload_date_text(p, id, up);
	bad |= set_date(item, "upload_date", up);
	bad |= set_date(item, "taken_date", ddb_taken_date(p) ? ddb_taken_date(p) : up);
	bad |= set_s(item, "make", p->make);
	bad |= set_s(item, "model", p->model);
	bad |= set_s(item, "width", p->width);
	bad |= set_s(item, "height", p->height);
	bad |= set_s(item, "city", p->city);
	bad |= set_s(item, "nation", p->nation);
	bad |= set_s(item, "address", p->address);
	if (bad) {
		json_decref(item);
		return NULL;
	}
	return item;
}

/* ---- User item ---- */

json_t *ddb_user_item(const struct ca_user *u)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "id", ddb_s(u->id ? u->id : ""), "email",
			 ddb_s(u->email ? u->email : ""), "username",
			 ddb_s(u->username ? u->username : ""), "password",
			 ddb_s(u->password ? u->password : ""));
}

int ddb_user_from_item(const json_t *item, struct ca_user *out, struct ca_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_object_get(item, "email"))
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	rc = ddb_attr_text(item, "id", &out->id);
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "email", &out->email);
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "username", &out->username);
	if (rc == CA_OK)
		rc = ddb_attr_text(item, "password", &out->password);
	if (rc != CA_OK) {
		ca_user_release(out);
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading a user.");
	}
	if (!out->id || !out->email) {
		ca_user_release(out);
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that id.");
	}
	return CA_OK;
}

/* ---- email guard item ---- */

char *ddb_guard_id(const char *email)
{
	size_t n = strlen(DDB_GUARD_PREFIX), len = strlen(email), i;
	char *id = malloc(n + len + 1);

	if (!id)
		return NULL;
	memcpy(id, DDB_GUARD_PREFIX, n);
	for (i = 0; i < len; i++) {
		char c = email[i];

		id[n + i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	id[n + len] = '\0';
	return id;
}

json_t *ddb_guard_item(const char *email, const char *user_id)
{
	char *id = ddb_guard_id(email);
	json_t *item = id ? json_pack("{s:o, s:o}", "id", ddb_s(id), "user_id", ddb_s(user_id)) : NULL;

	free(id);
	return item;
}

int ddb_guard_owner(const json_t *item, char **user_id, struct ca_err *err)
{
	const char *id = json_string_value(json_object_get(json_object_get(item, "id"), "S"));

	*user_id = NULL;
	if (!id || !ca_starts_with(id, DDB_GUARD_PREFIX))
		return ca_err_set(err, CA_DB_QUERY, "An item of the guard table is no email guard (its id does not start with \"%s\").",
				  DDB_GUARD_PREFIX);
	if (ddb_attr_text(item, "user_id", user_id) != CA_OK)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading an email guard.");
	if (!*user_id)
		return ca_err_set(err, CA_DB_QUERY, "The email guard %s names no user (no user_id).", id);
	return CA_OK;
}
