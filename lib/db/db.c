#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/banned.h"

long ca_db_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		unsigned char c = *p;
		uint32_t cp;
		int len, i;

		if (c < 0x80) {
			p++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return -1;
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return -1;
		p += len;
		n++;
	}
	return n;
}

/* NULL is allowed unless required; else valid UTF-8 of at most max characters. */
static int check_text(const char *what, const char *s, long max, bool required,
		      struct ca_err *err)
{
	long n;

	if (!s) {
		if (required)
			return ca_err_set(err, CA_EINVAL, "The %s is missing.", what);
		return CA_OK;
	}
	n = ca_db_utf8_chars(s);
	if (n < 0)
		return ca_err_set(err, CA_EINVAL, "The %s is not valid UTF-8 text.", what);
	if (required && n == 0)
		return ca_err_set(err, CA_EINVAL, "The %s is empty.", what);
	if (n > max)
		return ca_err_set(err, CA_ERANGE, "The %s is longer than %ld characters.", what, max);
	return CA_OK;
}

static int check_id(const char *what, const char *id, struct ca_err *err)
{
	if (!id || !*id)
		return ca_err_set(err, CA_EINVAL, "The %s id is missing.", what);
	if (strnlen(id, 65) > 64)
		return ca_err_set(err, CA_DB_NOTFOUND, "No %s has that id.", what);
	return CA_OK;
}

static int check_date(const char *what, const char *s, struct ca_err *err)
{
	struct ca_db_date d;
	int rc;

	if (!s)
		return CA_OK;
	rc = ca_db_date_parse(s, &d, err);
	if (rc)
		ca_err_prefix(err, "The photo's %s", what);
	return rc;
}

static int check_photo_fields(const struct ca_photo *p, unsigned fields, struct ca_err *err)
{
	static const struct {
		unsigned field;
		const char *what;
		size_t offset;
	} texts[] = {
		{ CA_PHOTO_TAGS, "tags", offsetof(struct ca_photo, tags) },
		{ CA_PHOTO_DESC, "description", offsetof(struct ca_photo, desc) },
		{ 0, "original file name", offsetof(struct ca_photo, filename_orig) },
		{ 0, "file name", offsetof(struct ca_photo, filename) },
		{ 0, "camera make", offsetof(struct ca_photo, make) },
		{ 0, "camera model", offsetof(struct ca_photo, model) },
		{ 0, "width", offsetof(struct ca_photo, width) },
		{ 0, "height", offsetof(struct ca_photo, height) },
		{ CA_PHOTO_CITY, "city", offsetof(struct ca_photo, city) },
		{ CA_PHOTO_NATION, "nation", offsetof(struct ca_photo, nation) },
		{ CA_PHOTO_ADDRESS, "address", offsetof(struct ca_photo, address) },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *s;

		/* fields == 0 means a whole record: check everything */
		if (fields && !(fields & texts[i].field))
			continue;
		memcpy(&s, (const char *)p + texts[i].offset, sizeof(s));
		rc = check_text(texts[i].what, s, CA_DB_TEXT_MAX, false, err);
		if (rc)
			return rc;
	}
	if (!fields && p->filesize > 2147483647LL)
		return ca_err_set(err, CA_ERANGE, "The photo's file size is over the 2 GiB the legacy schema can hold.");
	if ((!fields || (fields & CA_PHOTO_GEOTAG)) && p->has_geotag &&
	    !(p->geotag_lat >= -90.0 && p->geotag_lat <= 90.0 && p->geotag_lng >= -180.0 &&
	      p->geotag_lng <= 180.0))
		return ca_err_set(err, CA_EINVAL,
				  "The photo's geotag is outside latitude -90..90, longitude -180..180.");
	return CA_OK;
}

void ca_db_close(struct ca_db *db)
{
	if (db)
		db->ops->close(db);
}

const char *ca_db_kind(const struct ca_db *db)
{
	return db ? db->ops->name : "";
}

int ca_db_user_create(struct ca_db *db, const struct ca_user *in, char **id_out,
		      struct ca_err *err)
{
	int rc;

	*id_out = NULL;
	rc = check_text("user name", in->username, CA_DB_USERNAME_MAX, true, err);
	if (!rc)
		rc = check_text("email address", in->email, CA_DB_EMAIL_MAX, true, err);
	if (!rc)
		rc = check_text("password hash", in->password, CA_DB_PASSWORD_MAX, true, err);
	if (!rc)
		rc = db->ops->user_create(db, in, id_out, err);
	return rc;
}

int ca_db_user_find_by_email(struct ca_db *db, const char *email, struct ca_user *out,
			     struct ca_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_text("email address", email, CA_DB_EMAIL_MAX, true, err);
	if (rc == CA_ERANGE)
		return ca_err_set(err, CA_DB_NOTFOUND, "No user has that email address.");
	if (!rc)
		rc = db->ops->user_find_by_email(db, email, out, err);
	return rc;
}

int ca_db_user_find_by_id(struct ca_db *db, const char *id, struct ca_user *out,
			  struct ca_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_id("user", id, err);
	if (!rc)
		rc = db->ops->user_find_by_id(db, id, out, err);
	return rc;
}

int ca_db_user_update(struct ca_db *db, const char *id, const char *username,
		      const char *password, struct ca_err *err)
{
	int rc = check_id("user", id, err);

	if (!rc && username)
		rc = check_text("user name", username, CA_DB_USERNAME_MAX, true, err);
	if (!rc && password)
		rc = check_text("password hash", password, CA_DB_PASSWORD_MAX, true, err);
	if (!rc && !username && !password) {
		/* nothing to set; still say whether the user exists */
		struct ca_user u;

		rc = ca_db_user_find_by_id(db, id, &u, err);
		ca_user_release(&u);
		return rc;
	}
	if (!rc)
		rc = db->ops->user_update(db, id, username, password, err);
	return rc;
}

int ca_db_user_delete(struct ca_db *db, const char *id, struct ca_err *err)
{
	int rc = check_id("user", id, err);

	if (!rc && !db->ops->user_delete)
		rc = ca_err_set(err, CA_EUNSUPPORTED, "The %s backend cannot delete users.",
				db->ops->name);
	if (!rc)
		rc = db->ops->user_delete(db, id, err);
	return rc;
}

int ca_db_photo_create(struct ca_db *db, const char *owner_id, bool *owner_known,
		       const struct ca_photo *in, struct ca_photo *out, struct ca_err *err)
{
	char now[CA_DB_DATE_LEN + 1];
	struct ca_photo copy;
	bool known = false;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_id("user", owner_id, err);
	if (!rc)
		rc = check_photo_fields(in, 0, err);
	if (!rc)
		rc = check_date("upload date", in->upload_date, err);
	if (!rc)
		rc = check_date("taken date", in->taken_date, err);
	if (rc)
		return rc;
	copy = *in;
	if (!copy.upload_date) {
		ca_db_date_now(now);
		copy.upload_date = now;
	}
	rc = db->ops->photo_create(db, owner_id, owner_known ? owner_known : &known, &copy, out, err);
	if (rc)
		ca_photo_release(out);
	return rc;
}

int ca_db_photo_get(struct ca_db *db, const char *owner_id, const char *photo_id,
		    struct ca_photo *out, struct ca_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_id("user", owner_id, err);
	if (!rc)
		rc = check_id("photo", photo_id, err);
	if (!rc)
		rc = db->ops->photo_get(db, owner_id, photo_id, out, err);
	return rc;
}

/* q checked and with its defaults filled in, into *eff. CA_OK or CA_EINVAL. */
static int photo_query_check(const char *owner_id, const struct ca_photo_query *q,
			     struct ca_photo_query *eff, struct ca_err *err)
{
	int rc;

	*eff = (struct ca_photo_query){ NULL, NULL, 0, CA_PHOTO_BY_UPLOAD };
	if (q)
		*eff = *q;
	if (eff->limit == 0)
		eff->limit = CA_DB_PAGE_DEFAULT;
	if (eff->order != CA_PHOTO_BY_UPLOAD && eff->order != CA_PHOTO_BY_TAKEN)
		return ca_err_set(err, CA_EINVAL, "The photo order is not one this server knows.");
	if (eff->limit > CA_DB_PAGE_MAX)
		return ca_err_set(err, CA_EINVAL, "A page holds at most %d photos.", CA_DB_PAGE_MAX);
	if (eff->keyword && !*eff->keyword)
		eff->keyword = NULL;
	if (eff->cursor && !*eff->cursor)
		eff->cursor = NULL;
	rc = check_id("user", owner_id, err);
	if (!rc)
		rc = check_text("search keyword", eff->keyword, CA_DB_KEYWORD_MAX, false, err);
	if (!rc && eff->cursor && strnlen(eff->cursor, 257) > 256)
		rc = ca_err_set(err, CA_EINVAL, "The page cursor is not one this server issued.");
	return rc;
}

int ca_db_photo_list(struct ca_db *db, const char *owner_id, const struct ca_photo_query *q,
		     struct ca_photo_page *out, struct ca_err *err)
{
	struct ca_photo_query eff;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = photo_query_check(owner_id, q, &eff, err);
	if (!rc)
		rc = db->ops->photo_list(db, owner_id, &eff, out, err);
	return rc;
}

int ca_db_photo_count(struct ca_db *db, const char *owner_id, int64_t *count,
		      struct ca_err *err)
{
	int rc;

	*count = 0;
	rc = check_id("user", owner_id, err);
	if (!rc)
		rc = db->ops->photo_count(db, owner_id, count, err);
	return rc;
}

int ca_db_photo_update(struct ca_db *db, const char *owner_id, const char *photo_id,
		       const struct ca_photo *values, unsigned fields, struct ca_err *err)
{
	const unsigned known = CA_PHOTO_TAGS | CA_PHOTO_DESC | CA_PHOTO_GEOTAG | CA_PHOTO_CITY |
			       CA_PHOTO_NATION | CA_PHOTO_ADDRESS;
	int rc;

	if (fields & ~known)
		return ca_err_set(err, CA_EINVAL, "Only tags, description and location can be edited.");
	rc = check_id("user", owner_id, err);
	if (!rc)
		rc = check_id("photo", photo_id, err);
	if (!rc && fields)
		rc = check_photo_fields(values, fields, err);
	/* with no fields the backend only tells whether the photo is the owner's */
	if (!rc)
		rc = db->ops->photo_update(db, owner_id, photo_id, values, fields, err);
	return rc;
}

int ca_db_photo_delete(struct ca_db *db, const char *owner_id, const char *photo_id,
		       struct ca_err *err)
{
	int rc = check_id("user", owner_id, err);

	if (!rc)
		rc = check_id("photo", photo_id, err);
	if (!rc)
		rc = db->ops->photo_delete(db, owner_id, photo_id, err);
	return rc;
}

void ca_user_release(struct ca_user *u)
{
	if (!u)
		return;
	free(u->id);
	free(u->username);
	free(u->email);
	ca_free_secret(u->password);
	memset(u, 0, sizeof(*u));
}

void ca_photo_release(struct ca_photo *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->user_id);
	free(p->tags);
	free(p->desc);
	free(p->filename_orig);
	free(p->filename);
	free(p->upload_date);
	free(p->taken_date);
	free(p->make);
	free(p->model);
	free(p->width);
	free(p->height);
	free(p->city);
	free(p->nation);
	free(p->address);
	memset(p, 0, sizeof(*p));
}

void ca_photo_page_release(struct ca_photo_page *page)
{
	size_t i;

	if (!page)
		return;
	for (i = 0; i < page->count && !page->text; i++)
		ca_photo_release(&page->photos[i]);
	free(page->text); /* the photos' strings, when they share it */
	free(page->photos);
	free(page->next_cursor);
	memset(page, 0, sizeof(*page));
}

/* ---- session revocation ---- */

static int check_session_ids(struct ca_db *db, const char *user_id, const char *session_id,
			     bool (*op_present)(const struct ca_db *), struct ca_err *err)
{
	size_t i, n;
	int rc = check_id("user", user_id, err);

	if (rc != CA_OK)
		return rc == CA_DB_NOTFOUND ? ca_err_set(err, CA_EINVAL, "The user id is too long.")
					    : rc;
	if (session_id) {
		n = strnlen(session_id, CA_DB_SESSION_ID_MAX + 1);
		if (n == 0 || n > CA_DB_SESSION_ID_MAX)
			return ca_err_set(err, CA_EINVAL, "The session id is empty or too long.");
		for (i = 0; i < n; i++) {
			char c = session_id[i];

			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			      (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
				return ca_err_set(err, CA_EINVAL, "The session id holds a character "
						  "other than letters, digits, '-' and '_'.");
		}
	}
	if (!op_present(db))
		return ca_err_set(err, CA_EUNSUPPORTED, "The %s backend keeps no session state.",
				  ca_db_kind(db));
	return CA_OK;
}

static bool has_state(const struct ca_db *db) { return db->ops->session_state != NULL; }
static bool has_revoke(const struct ca_db *db) { return db->ops->session_revoke != NULL; }
static bool has_revoke_all(const struct ca_db *db) { return db->ops->sessions_revoke_all != NULL; }

int ca_db_session_state(struct ca_db *db, const char *user_id, const char *session_id,
			int64_t *generation, bool *revoked, struct ca_err *err)
{
	int rc;

	*generation = 0;
	if (revoked)
		*revoked = false;
	if (session_id && !revoked)
		return ca_err_set(err, CA_EINVAL, "Say where to put whether the session is revoked.");
	rc = check_session_ids(db, user_id, session_id, has_state, err);
	if (rc == CA_OK)
		rc = db->ops->session_state(db, user_id, session_id, generation, revoked, err);
	return rc;
}

int ca_db_photo_list_session(struct ca_db *db, const char *owner_id, const char *session_id,
			     const struct ca_photo_query *q, bool total, struct ca_photo_page *out,
			     int64_t *generation, bool *revoked, struct ca_err *err)
{
	struct ca_photo_query eff;
	int rc;

	memset(out, 0, sizeof(*out));
	*generation = 0;
	*revoked = false;
	if (!session_id)
		return ca_err_set(err, CA_EINVAL, "The session id is missing.");
	rc = check_session_ids(db, owner_id, session_id, has_state, err);
	if (rc == CA_OK)
		rc = photo_query_check(owner_id, q, &eff, err);
	if (rc != CA_OK)
		return rc;
	if (db->ops->photo_list_session) {
		rc = db->ops->photo_list_session(db, owner_id, session_id, &eff, total, out,
						 generation, revoked, err);
		if (rc != CA_OK)
			ca_photo_page_release(out);
		return rc;
	}
	/* a backend without the combined read: two, and no page for a revoked session */
	rc = db->ops->session_state(db, owner_id, session_id, generation, revoked, err);
	if (rc == CA_OK && !*revoked)
		rc = db->ops->photo_list(db, owner_id, &eff, out, err);
	if (rc == CA_OK && !*revoked && total)
		rc = db->ops->photo_count(db, owner_id, &out->total, err);
	if (rc != CA_OK)
		ca_photo_page_release(out);
	return rc;
}

int ca_db_session_revoke(struct ca_db *db, const char *user_id, const char *session_id,
			 int64_t expires, int64_t now, struct ca_err *err)
{
	int rc;

	if (!session_id)
		return ca_err_set(err, CA_EINVAL, "The session id is missing.");
	rc = check_session_ids(db, user_id, session_id, has_revoke, err);
	if (rc == CA_OK)
		rc = db->ops->session_revoke(db, user_id, session_id, expires, now, err);
	return rc;
}

int ca_db_sessions_revoke_all(struct ca_db *db, const char *user_id, int64_t *generation,
			      struct ca_err *err)
{
	int rc;

	*generation = 0;
	rc = check_session_ids(db, user_id, NULL, has_revoke_all, err);
	if (rc == CA_OK)
		rc = db->ops->sessions_revoke_all(db, user_id, generation, err);
	return rc;
}
