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

/*
 * Each member is written in two steps: its worst-case size is reserved in the
 * buffer, then its bytes are stored without further checks. The text is the one
 * jansson's json_dumps(JSON_COMPACT) gives for app_photo_json(), byte for byte.
 */

/* The end of what is written so far becomes the buffer's end. */
static void commit(struct ca_buf *out, char *end)
{
	out->len = (size_t)(end - out->data);
	*end = '\0';
}

/*
 * Stores s[0..len) at w as a JSON string, escaped as jansson escapes it: '"',
 * '\\' and the controls below 0x20 only. At most 6 * len + 2 bytes. Returns the
 * end, or NULL when s is not valid UTF-8 (what json_string() refuses).
 */
static char *put_escaped(char *w, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, n;

	*w++ = '"';
	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			if ((n = utf8_seq(s + i, len - i)) == 0)
				return NULL;
			memcpy(w, s + i, n);
			w += n;
			i += n;
			continue;
		}
		i++;
		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = (char)c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			memcpy(w, "u00", 3);
			w[3] = hex[c >> 4];
			w[4] = hex[c & 15];
			w += 5;
			break;
		}
	}
	*w++ = '"';
	return w;
}

/*
 * Appends key (its text with the comma and colon around it) and s as a JSON
 * string, null for NULL. Text that is not UTF-8 is cleaned first, as
 * app_json_text() does.
 */
static void put_text(struct ca_buf *out, const char *key, size_t key_len, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	char *clean = NULL, *w, *end;

	/* a quoted text of up to 6 bytes a byte, or null */
	if (ca_buf_grow(out, key_len + (s ? 6 * len + 2 : 4)) != CA_OK)
		return;
	w = out->data + out->len;
	memcpy(w, key, key_len);
	w += key_len;
	if (!s) {
		memcpy(w, "null", 4);
		commit(out, w + 4);
		return;
	}
	end = put_escaped(w, (const unsigned char *)s, len);
	if (!end) { /* not UTF-8: written again cleaned (never longer than 3 * len) */
		clean = app_clean_text(s, len, (size_t)-1);
		if (!clean) {
			out->failed = true; /* seen by ca_buf_ok() at the end */
			return;
		}
		end = put_escaped(w, (const unsigned char *)clean, strlen(clean));
		free(clean);
		if (!end) {
			out->failed = true; /* cannot happen: the cleaned text is UTF-8 */
			return;
		}
	}
	commit(out, end);
}

/* v in decimal at w (at most 20 bytes); returns the end. */
static char *put_int(char *w, long long v)
{
	char text[24];
	size_t i = sizeof(text), n;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		text[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		text[--i] = '-';
	n = sizeof(text) - i;
	memcpy(w, text + i, n);
	return w + n;
}

/* Appends key and v, or null when !has. */
static void put_int_member(struct ca_buf *out, const char *key, size_t key_len, bool has,
			   long long v)
{
	char *w;

	if (ca_buf_grow(out, key_len + 20) != CA_OK)
		return;
	w = out->data + out->len;
	memcpy(w, key, key_len);
	w += key_len;
	if (has) {
		w = put_int(w, v);
	} else {
		memcpy(w, "null", 4);
		w += 4;
	}
	commit(out, w);
}

/*
 * Appends key and v as jansson writes a real ("%.17g", ".0" added to a whole
 * number, the exponent without '+' or leading zeros), or null when !has.
 */
static void put_real_member(struct ca_buf *out, const char *key, size_t key_len, bool has,
			    double v)
{
	char text[40], *e;
	size_t n;

	if (!has) {
		put_int_member(out, key, key_len, false, 0);
		return;
	}
	n = (size_t)snprintf(text, sizeof(text) - 2, "%.17g", v); /* at most 24 characters */
	if (!memchr(text, '.', n) && !memchr(text, 'e', n)) {
		memcpy(text + n, ".0", 3);
		n += 2;
	}
	e = memchr(text, 'e', n);
	if (e) { /* "e+20" becomes "e20", "e-07" "e-7" */
		char *from = e + 2, *to = e + 1;

		if (*to == '-')
			to++;
		while (*from == '0')
			from++;
		memmove(to, from, (size_t)(text + n + 1 - from));
		n -= (size_t)(from - to);
	}
	if (ca_buf_grow(out, key_len + n) != CA_OK)
		return;
	memcpy(out->data + out->len, key, key_len);
	memcpy(out->data + out->len + key_len, text, n);
	commit(out, out->data + out->len + key_len + n);
}

/* Appends key and the image_url() text for id and size, as a JSON string. */
static void put_image_url(struct ca_buf *out, const char *key, size_t key_len, const char *id,
			  const char *size)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char prefix[] = "\"/api/photos/", middle[] = "/image?size=";
	size_t id_len = id ? strlen(id) : 0, size_len = strlen(size), i;
	char *w;

	if (ca_buf_grow(out, key_len + sizeof(prefix) + 3 * id_len + sizeof(middle) + size_len + 1) !=
	    CA_OK)
		return;
	w = out->data + out->len;
	memcpy(w, key, key_len);
	w += key_len;
	memcpy(w, prefix, sizeof(prefix) - 1);
	w += sizeof(prefix) - 1;
	for (i = 0; i < id_len; i++) {
		unsigned char ch = (unsigned char)id[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			*w++ = (char)ch;
		} else {
			w[0] = '%';
			w[1] = hex[ch >> 4];
			w[2] = hex[ch & 15];
			w += 3;
		}
	}
	memcpy(w, middle, sizeof(middle) - 1);
	w += sizeof(middle) - 1;
	memcpy(w, size, size_len);
	w += size_len;
	*w++ = '"';
	commit(out, w);
}

/* key as the literal text between the members: ,"key": (the first without the comma) */
#define MEMBER(key) "," key ":", sizeof("," key ":") - 1
#define FIRST_MEMBER(key) "{" key ":", sizeof("{" key ":") - 1

int app_photo_json_write(struct ca_buf *out, const struct ca_photo *p)
{
	long n;

	if (p->id && ca_parse_long(p->id, 0, (1L << 53), &n))
		put_int_member(out, FIRST_MEMBER("\"id\""), true, n);
	else
		put_text(out, FIRST_MEMBER("\"id\""), p->id);
	put_text(out, MEMBER("\"tags\""), p->tags);
	put_text(out, MEMBER("\"desc\""), p->desc);
	put_text(out, MEMBER("\"filename_orig\""), p->filename_orig);
	put_int_member(out, MEMBER("\"filesize\""), p->filesize >= 0, (long long)p->filesize);
	put_real_member(out, MEMBER("\"geotag_lat\""), p->has_geotag, p->geotag_lat);
	put_real_member(out, MEMBER("\"geotag_lng\""), p->has_geotag, p->geotag_lng);
	put_text(out, MEMBER("\"upload_date\""), p->upload_date);
	put_text(out, MEMBER("\"taken_date\""), p->taken_date);
	put_text(out, MEMBER("\"make\""), p->make);
	put_text(out, MEMBER("\"model\""), p->model);
	put_text(out, MEMBER("\"width\""), p->width);
	put_text(out, MEMBER("\"height\""), p->height);
	put_text(out, MEMBER("\"city\""), p->city);
	put_text(out, MEMBER("\"nation\""), p->nation);
	put_text(out, MEMBER("\"address\""), p->address);
	put_image_url(out, MEMBER("\"thumb_url\""), p->id, "thumb");
	put_image_url(out, MEMBER("\"grid_url\""), p->id, "grid");
	put_image_url(out, MEMBER("\"original_url\""), p->id, "original");
	ca_buf_addch(out, '}');
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}
