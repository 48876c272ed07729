/*
 * photo_json.c — users and photos as the API shows them.
 *
 * A photo carries every field of the data contract plus thumb_url and
 * original_url. Types are fixed per field whatever the backend: id and
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
	put(obj, "original_url", image_url(p->id, "original"), &ok);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
