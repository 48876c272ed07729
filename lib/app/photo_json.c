/*
 * photo_json.c — users and photos as the API shows them.
 *
 * A photo carries every field of the data contract plus thumb_url, grid_url
 * and original_url. Types are fixed per field whatever the backend: id and
 * filesize numbers (both contracts store numbers), coordinates numbers or
 * null, every other field a string or null (width and height are text in both
 * contracts). Text is made valid UTF-8, so one damaged legacy row cannot break
 * a whole page.
 */
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

/* Length of the valid UTF-8 sequence at p (at most left bytes), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > left)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

char *app_clean_text(const char *s, size_t len, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	struct ca_buf out = CA_BUF_INIT;
	size_t i = 0, chars = 0;

	while (i < len && chars < max_chars) {
		size_t n = utf8_seq(p + i, len - i);

		if (n == 0) {
			ca_buf_adds(&out, "\xef\xbf\xbd");
			i++;
		} else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			ca_buf_addch(&out, ' ');
			i++;
		} else {
			ca_buf_add(&out, p + i, n);
			i += n;
		}
		chars++;
	}
	return ca_buf_detach(&out, NULL);
}

json_t *app_json_text(const char *s)
{
	json_t *j;
	char *clean;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	clean = app_clean_text(s, strlen(s), (size_t)-1);
	if (!clean)
		return NULL;
	j = json_string(clean);
	free(clean);
	return j;
}

/* Sets key to value (taken), remembering a failure in *ok. */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (!value || json_object_set_new(obj, key, value) != 0)
		*ok = false;
}

/* A number for an id that is a plain integer, else its text. */
static json_t *id_json(const char *id)
{
	long n;

	if (id && ca_parse_long(id, 0, (1L << 53), &n))
		return json_integer(n);
	return app_json_text(id);
}

json_t *app_user_json(const struct ca_user *u)
{
	json_t *obj = json_object();
	bool ok = obj != NULL;

	if (!obj)
		return NULL;
	put(obj, "id", app_json_text(u->id), &ok);
	put(obj, "email", app_json_text(u->email), &ok);
	put(obj, "username", app_json_text(u->username), &ok);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* "/api/photos/<id>/image?size=<size>" with the id percent-encoded. */
static json_t *image_url(const char *id, const char *size)
{
	struct ca_buf url = CA_BUF_INIT;
	const char *c;
	json_t *j = NULL;

	ca_buf_adds(&url, "/api/photos/");
	for (c = id ? id : ""; *c; c++) {
		unsigned char ch = (unsigned char)*c;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			ca_buf_addch(&url, (char)ch);
		else
			ca_buf_addf(&url, "%%%02X", ch);
	}
	ca_buf_addf(&url, "/image?size=%s", size);
	if (ca_buf_ok(&url))
		j = json_string(url.data);
	ca_buf_release(&url);
	return j;
}

json_t *app_photo_json(const struct ca_photo *p)
{
	json_t *obj = json_object();
	bool ok = obj != NULL;

	if (!obj)
		return NULL;
	put(obj, "id", id_json(p->id), &ok);
	put(obj, "tags", app_json_text(p->tags), &ok);
	put(obj, "desc", app_json_text(p->desc), &ok);
	put(obj, "filename_orig", app_json_text(p->filename_orig), &ok);
	put(obj, "filesize", p->filesize >= 0 ? json_integer(p->filesize) : json_null(), &ok);
	put(obj, "geotag_lat", p->has_geotag ? json_real(p->geotag_lat) : json_null(), &ok);
	put(obj, "geotag_lng", p->has_geotag ? json_real(p->geotag_lng) : json_null(), &ok);
	put(obj, "upload_date", app_json_text(p->upload_date), &ok);
	put(obj, "taken_date", app_json_text(p->taken_date), &ok);
	put(obj, "make", app_json_text(p->make), &ok);
	put(obj, "model", app_json_text(p->model), &ok);
	put(obj, "width", app_json_text(p->width), &ok);
	put(obj, "height", app_json_text(p->height), &ok);
	put(obj, "city", app_json_text(p->city), &ok);
	put(obj, "nation", app_json_text(p->nation), &ok);
	put(obj, "address", app_json_text(p->address), &ok);
	put(obj, "thumb_url", image_url(p->id, "thumb"), &ok);
	put(obj, "grid_url", image_url(p->id, "grid"), &ok);
	put(obj, "original_url", image_url(p->id, "original"), &ok);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* --- the same, written straight into a buffer (the album's hot path) ----------- */

/* s as a JSON string (null for NULL), as app_json_text() and jansson's dump give it. */
static void write_text(struct ca_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i, n;
	char *clean = NULL;

	if (!s) {
		ca_buf_add(out, "null", 4);
		return;
	}
	len = strlen(s);
	for (i = 0; i < len; i += n)
		if ((n = utf8_seq(p + i, len - i)) == 0)
			break;
	if (i < len) { /* not UTF-8: cleaned, as app_json_text() does */
		clean = app_clean_text(s, len, (size_t)-1);
		if (!clean) {
			out->failed = true; /* seen by ca_buf_ok() at the end */
			return;
		}
		p = (const unsigned char *)clean;
		len = strlen(clean);
	}
	ca_buf_addch(out, '"');
	for (i = 0; i < len;) {
		size_t run = i;

		while (run < len && p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
			run++;
		ca_buf_add(out, p + i, run - i);
		if (run == len)
			break;
		switch (p[run]) {
		case '"': ca_buf_add(out, "\\\"", 2); break;
		case '\\': ca_buf_add(out, "\\\\", 2); break;
		case '\b': ca_buf_add(out, "\\b", 2); break;
		case '\f': ca_buf_add(out, "\\f", 2); break;
		case '\n': ca_buf_add(out, "\\n", 2); break;
		case '\r': ca_buf_add(out, "\\r", 2); break;
		case '\t': ca_buf_add(out, "\\t", 2); break;
		default: ca_buf_addf(out, "\\u%04X", p[run]); break;
		}
		i = run + 1;
	}
	ca_buf_addch(out, '"');
	free(clean);
}

/* v in decimal (no printf: the album writes hundreds per page). */
static void write_int(struct ca_buf *out, long long v)
{
	char text[24];
	size_t i = sizeof(text);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		text[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		text[--i] = '-';
	ca_buf_add(out, text + i, sizeof(text) - i);
}

static void write_real(struct ca_buf *out, double v)
{
	char text[40];

	snprintf(text, sizeof(text), "%.17g", v);
	ca_buf_adds(out, text);
	if (!strpbrk(text, ".eE"))
		ca_buf_add(out, ".0", 2);
}

static void write_key(struct ca_buf *out, const char *key)
{
	ca_buf_addch(out, ',');
	ca_buf_addch(out, '"');
	ca_buf_adds(out, key);
	ca_buf_add(out, "\":", 2);
}

/* The image_url() text for id and size, as a JSON string. */
static void write_image_url(struct ca_buf *out, const char *id, const char *size)
{
	const char *c;

	static const char hex[] = "0123456789ABCDEF";

	ca_buf_adds(out, "\"/api/photos/");
	for (c = id ? id : ""; *c;) {
		const char *run = c;

		while ((*run >= 'a' && *run <= 'z') || (*run >= 'A' && *run <= 'Z') ||
		       (*run >= '0' && *run <= '9') || *run == '-' || *run == '_' || *run == '.' ||
		       *run == '~')
			run++;
		ca_buf_add(out, c, (size_t)(run - c));
		if (!*run)
			break;
		{
			unsigned char ch = (unsigned char)*run;
			char esc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			ca_buf_add(out, esc, 3);
		}
		c = run + 1;
	}
	ca_buf_adds(out, "/image?size=");
	ca_buf_adds(out, size);
	ca_buf_addch(out, '"');
}

static void write_null_or_real(struct ca_buf *out, bool has, double v)
{
	if (has)
		write_real(out, v);
	else
		ca_buf_add(out, "null", 4);
}

int app_photo_json_write(struct ca_buf *out, const struct ca_photo *p)
{
	long n;

	ca_buf_add(out, "{\"id\":", 6);
	if (p->id && ca_parse_long(p->id, 0, (1L << 53), &n))
		write_int(out, n);
	else
		write_text(out, p->id);
	write_key(out, "tags");
	write_text(out, p->tags);
	write_key(out, "desc");
	write_text(out, p->desc);
	write_key(out, "filename_orig");
	write_text(out, p->filename_orig);
	write_key(out, "filesize");
	if (p->filesize >= 0)
		write_int(out, (long long)p->filesize);
	else
		ca_buf_add(out, "null", 4);
	write_key(out, "geotag_lat");
	write_null_or_real(out, p->has_geotag, p->geotag_lat);
	write_key(out, "geotag_lng");
	write_null_or_real(out, p->has_geotag, p->geotag_lng);
	write_key(out, "upload_date");
	write_text(out, p->upload_date);
	write_key(out, "taken_date");
	write_text(out, p->taken_date);
	write_key(out, "make");
	write_text(out, p->make);
	write_key(out, "model");
	write_text(out, p->model);
	write_key(out, "width");
	write_text(out, p->width);
	write_key(out, "height");
	write_text(out, p->height);
	write_key(out, "city");
	write_text(out, p->city);
	write_key(out, "nation");
	write_text(out, p->nation);
	write_key(out, "address");
	write_text(out, p->address);
	write_key(out, "thumb_url");
	write_image_url(out, p->id, "thumb");
	write_key(out, "grid_url");
	write_image_url(out, p->id, "grid");
	write_key(out, "original_url");
	write_image_url(out, p->id, "original");
	ca_buf_addch(out, '}');
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}
