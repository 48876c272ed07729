/*
 * db.h — where users and photo records live: the backend interface.
 *
 * One interface for the legacy MySQL schema (mysql.h) and, later, the DynamoDB
 * tables. Nothing here is specific to either:
 *   - ids are strings: MySQL's integers ("42"), DynamoDB's uuid4 hex for users
 *     and epoch milliseconds for photos;
 *   - dates are text in the form of date.h (UTC, "YYYY-MM-DDTHH:MM:SS.ffffff+0000");
 *   - a page of photos is continued with an opaque cursor string that only the
 *     backend which issued it understands.
 *
 * Records: every string field is malloc'd, NUL-terminated UTF-8 or NULL (the
 * value is absent / NULL in the store). A record filled by a ca_db_* function
 * belongs to the caller, who frees its fields with ca_user_release() /
 * ca_photo_release() (the struct itself is the caller's own storage). Records the
 * caller passes in are only read.
 *
 * Limits are the legacy columns', checked before any backend is asked, so data
 * written through either backend stays readable by the other: username and
 * email at most 50 characters, password hash 100, each photo text field 400;
 * all text must be valid UTF-8.
 *
 * Errors: CA_DB_CONNECT (server unreachable or the connection was lost and the
 * one retry failed), CA_DB_QUERY, CA_DB_CONFLICT (email taken), CA_DB_NOTFOUND
 * (no such record, or it is not the owner's), CA_DB_SCHEMA, CA_EINVAL / CA_ERANGE
 * (input), CA_ENOMEM.
 */
#ifndef CA_DB_DB_H
#define CA_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/date.h"
#include "util/error.h"

#define CA_DB_USERNAME_MAX 50
#define CA_DB_EMAIL_MAX 50
#define CA_DB_PASSWORD_MAX 100
#define CA_DB_TEXT_MAX 400
#define CA_DB_PAGE_DEFAULT 50
#define CA_DB_PAGE_MAX 1000
#define CA_DB_KEYWORD_MAX 200

struct ca_user {
	char *id;
	char *username;
	char *email;
	char *password; /* a werkzeug hash (auth/password.h), never a plain password */
};

struct ca_photo {
	char *id;
	char *user_id;
	char *tags;           /* comma-separated */
	char *desc;
	char *filename_orig;  /* the name the user uploaded */
	char *filename;       /* <uuid4>.jpg in storage */
	int64_t filesize;     /* bytes; -1 when unknown */
	bool has_geotag;      /* false: geotag_lat/lng are absent */
	double geotag_lat;
	double geotag_lng;
	char *upload_date;    /* date.h form */
	char *taken_date;     /* date.h form */
	char *make;
	char *model;
	char *width;          /* text in both contracts */
	char *height;
	char *city;
	char *nation;
	char *address;
};

/* Which fields ca_db_photo_update() sets (bitwise or). */
enum ca_photo_field {
	CA_PHOTO_TAGS = 1 << 0,
	CA_PHOTO_DESC = 1 << 1,
	CA_PHOTO_GEOTAG = 1 << 2, /* has_geotag, geotag_lat, geotag_lng */
	CA_PHOTO_CITY = 1 << 3,
	CA_PHOTO_NATION = 1 << 4,
	CA_PHOTO_ADDRESS = 1 << 5,
};

/* What to list: all of an owner's photos, or those matching keyword. */
/* The album's orders. CA_PHOTO_BY_TAKEN: by taken date; photos without one come after
 * all that have one. The DynamoDB backend has no index on the taken date: it reads all
 * the owner's photos for each page in that order (at most CA_DB_SORT_MAX, else an error). */
enum ca_photo_order {
	CA_PHOTO_BY_UPLOAD = 0, /* newest upload first (the default) */
	CA_PHOTO_BY_TAKEN,      /* newest taken first */
};
#define CA_DB_SORT_MAX 10000

struct ca_photo_query {
	const char *keyword; /* NULL or "": all; else a case-insensitive substring of tags, desc,
			      * city, nation, address or filename_orig (the place and the file name) */
	const char *cursor;  /* NULL: first page; else a next_cursor from the previous page */
	size_t limit;        /* 0: CA_DB_PAGE_DEFAULT; at most CA_DB_PAGE_MAX */
	enum ca_photo_order order; /* the page's order; a cursor is valid for its order only */
};

/* One page in the query's order, newest first (ties: newest id first; no date: last). */
struct ca_photo_page {
	struct ca_photo *photos; /* count records */
	size_t count;
	char *next_cursor;       /* NULL on the last page */
	int64_t total;           /* ca_db_photo_list_session with total: the owner's photos */
	char *text;              /* non-NULL: one block holding every string of the photos
				    (a backend's choice), freed with the page; release the
				    page then, never one of its photos */
};

struct ca_db;

/* What a backend implements. Inputs are already validated when these are called. */
struct ca_db_ops {
	const char *name; /* "mysql", "dynamodb" */
	int (*user_create)(struct ca_db *db, const struct ca_user *in, char **id_out,
			   struct ca_err *err);
	int (*user_find_by_email)(struct ca_db *db, const char *email, struct ca_user *out,
				  struct ca_err *err);
	int (*user_find_by_id)(struct ca_db *db, const char *id, struct ca_user *out,
			       struct ca_err *err);
	int (*user_update)(struct ca_db *db, const char *id, const char *username,
			   const char *password, struct ca_err *err);
	int (*photo_create)(struct ca_db *db, const char *owner_id, bool *owner_known,
			    const struct ca_photo *in, struct ca_photo *out, struct ca_err *err);
	int (*photo_get)(struct ca_db *db, const char *owner_id, const char *photo_id,
			 struct ca_photo *out, struct ca_err *err);
	int (*photo_list)(struct ca_db *db, const char *owner_id, const struct ca_photo_query *q,
			  struct ca_photo_page *out, struct ca_err *err);
	int (*photo_update)(struct ca_db *db, const char *owner_id, const char *photo_id,
			    const struct ca_photo *values, unsigned fields, struct ca_err *err);
	int (*photo_delete)(struct ca_db *db, const char *owner_id, const char *photo_id,
			    struct ca_err *err);
	int (*session_state)(struct ca_db *db, const char *user_id, const char *session_id,
			     int64_t *generation, bool *revoked, struct ca_err *err);
	int (*session_revoke)(struct ca_db *db, const char *user_id, const char *session_id,
			      int64_t expires, int64_t now, struct ca_err *err);
	int (*sessions_revoke_all)(struct ca_db *db, const char *user_id, int64_t *generation,
				   struct ca_err *err);
	void (*close)(struct ca_db *db);
	int (*user_delete)(struct ca_db *db, const char *id, struct ca_err *err);
	int (*photo_count)(struct ca_db *db, const char *owner_id, int64_t *count,
			   struct ca_err *err);
	/* optional: photo_list and session_state in one read (NULL: ca_db_photo_list_session
	 * makes the two calls) */
	int (*photo_list_session)(struct ca_db *db, const char *owner_id, const char *session_id,
				  const struct ca_photo_query *q, bool total, struct ca_photo_page *out,
				  int64_t *generation, bool *revoked, struct ca_err *err);
};

/* Backends embed this as their first member. */
struct ca_db {
	const struct ca_db_ops *ops;
};

/* A backend is opened by its own header (mysql.h, dynamodb.h); by URL or by serve
 * config, through backends/backends.h, which sits above this folder. */

/* Closes the handle and frees it. NULL is accepted. */
void ca_db_close(struct ca_db *db);

/* The backend's name ("mysql"). */
const char *ca_db_kind(const struct ca_db *db);

/*
 * Creates a user from in->username, in->email, in->password (in->id ignored).
 * On CA_OK *id_out is the new id (the caller frees). CA_DB_CONFLICT when the
 * email is taken.
 */
int ca_db_user_create(struct ca_db *db, const struct ca_user *in, char **id_out,
		      struct ca_err *err);

/* Fills *out (caller releases) with the user; CA_DB_NOTFOUND when none. */
int ca_db_user_find_by_email(struct ca_db *db, const char *email, struct ca_user *out,
			     struct ca_err *err);
int ca_db_user_find_by_id(struct ca_db *db, const char *id, struct ca_user *out,
			  struct ca_err *err);

/* Sets username and/or password (NULL: leave as is). CA_DB_NOTFOUND when no such user. */
int ca_db_user_update(struct ca_db *db, const char *id, const char *username,
		      const char *password, struct ca_err *err);

/*
 * Deletes the user record (and, in DynamoDB, the item that reserves its email), not
 * their photos: delete those first (the legacy schema's foreign key refuses otherwise).
 * For tools that clean up after themselves (lib/verify); the app never deletes users.
 * CA_DB_NOTFOUND when no user has that id.
 */
int ca_db_user_delete(struct ca_db *db, const char *id, struct ca_err *err);

/*
 * Creates a photo owned by owner_id from every field of in (in->id and
 * in->user_id ignored; in->upload_date NULL means now). On CA_OK *out is the
 * stored record, field for field what ca_db_photo_get() reads back (the new id,
 * the dates and geotag as the store keeps them); the caller releases it. On error
 * *out is empty. CA_DB_NOTFOUND when the owner does not exist.
 * owner_known (may be NULL) lets a caller that creates several photos for one
 * owner have the owner looked up once: a backend without a foreign key to check
 * it (DynamoDB) looks the owner up while *owner_known is false and sets it true
 * once the owner is found; pass the same flag, false at first, to every create.
 */
int ca_db_photo_create(struct ca_db *db, const char *owner_id, bool *owner_known,
		       const struct ca_photo *in, struct ca_photo *out, struct ca_err *err);

/* Fills *out (caller releases) with the owner's photo; CA_DB_NOTFOUND when it is not theirs. */
int ca_db_photo_get(struct ca_db *db, const char *owner_id, const char *photo_id,
		    struct ca_photo *out, struct ca_err *err);

/*
 * Fills *out (caller releases with ca_photo_page_release()) with a page of the
 * owner's photos. CA_EINVAL for a cursor this backend did not issue or a limit
 * over CA_DB_PAGE_MAX.
 */
int ca_db_photo_list(struct ca_db *db, const char *owner_id, const struct ca_photo_query *q,
		     struct ca_photo_page *out, struct ca_err *err);

/*
 * How many photos the owner has, into *count (0 for an id that owns nothing):
 * MySQL's COUNT(*) over the user's index; DynamoDB's Query with Select=COUNT
 * (paged, every page read). CA_OK, CA_EINVAL (a bad id), CA_DB_* on a failed call.
 */
int ca_db_photo_count(struct ca_db *db, const char *owner_id, int64_t *count,
		      struct ca_err *err);

/* Sets the fields named in `fields` from values. CA_DB_NOTFOUND when not the owner's. */
int ca_db_photo_update(struct ca_db *db, const char *owner_id, const char *photo_id,
		       const struct ca_photo *values, unsigned fields, struct ca_err *err);

/* Deletes the record (not its images). CA_DB_NOTFOUND when not the owner's. */
int ca_db_photo_delete(struct ca_db *db, const char *owner_id, const char *photo_id,
		       struct ca_err *err);

/*
 * Session revocation (signed session cookies stay stateless; what revokes them
 * lives here, so every serve process sharing the database agrees). Per user
 * (any id the app signs in: a User id, or a user pool's cognito:username) the
 * backend keeps a generation number, 0 until the first revoke-all, and a set of
 * revoked session ids with their expiry. A session is valid while it carries
 * the user's current generation and its id is not in the set. Session ids are
 * 1 to CA_DB_SESSION_ID_MAX characters of [A-Za-z0-9_-]. Where each backend
 * keeps them: mysql.h, dynamodb.h.
 */
#define CA_DB_SESSION_ID_MAX 64

/*
 * The user's generation into *generation and, when session_id is not NULL,
 * whether that session was revoked into *revoked (may be NULL when session_id
 * is). CA_EINVAL for a malformed id, CA_EUNSUPPORTED for a backend without
 * session state, else the backend's codes.
 */
int ca_db_session_state(struct ca_db *db, const char *user_id, const char *session_id,
			int64_t *generation, bool *revoked, struct ca_err *err);

/*
 * ca_db_session_state() of owner_id's session_id and ca_db_photo_list() of
 * owner_id at once: one round trip where the backend can (MySQL: one
 * statement), for the album, which needs both on every request. The state is
 * as fresh as ca_db_session_state's (read from the database by this call, never
 * cached). *generation and *revoked receive the state; *out a page (caller
 * releases with ca_photo_page_release()), which the caller must not show unless
 * the state says the session is valid (a backend may leave it empty when the
 * session is revoked). With total, out->total also receives ca_db_photo_count()'s
 * count (the album's first page shows it; in the same statement on MySQL).
 * Errors as ca_db_photo_list(), ca_db_photo_count() and ca_db_session_state();
 * session_id is required (CA_EINVAL without).
 */
int ca_db_photo_list_session(struct ca_db *db, const char *owner_id, const char *session_id,
			     const struct ca_photo_query *q, bool total, struct ca_photo_page *out,
			     int64_t *generation, bool *revoked, struct ca_err *err);

/*
 * Records session_id of user_id as revoked until expires (unix seconds; the
 * record may be dropped after that); records whose expiry is before now are
 * dropped on the way. A backend may instead start a new generation (revoking
 * every session of the user) when the user has too many revoked sessions at
 * once. Revoking twice is fine. Errors as ca_db_session_state().
 */
int ca_db_session_revoke(struct ca_db *db, const char *user_id, const char *session_id,
			 int64_t expires, int64_t now, struct ca_err *err);

/*
 * Starts a new generation for user_id, revoking all of the user's sessions
 * issued so far; the new generation goes into *generation (for the session the
 * caller issues next). Errors as ca_db_session_state().
 */
int ca_db_sessions_revoke_all(struct ca_db *db, const char *user_id, int64_t *generation,
			      struct ca_err *err);

/* Free every field and zero the record (a released record may be released again). NULL ok. */
void ca_user_release(struct ca_user *u);
void ca_photo_release(struct ca_photo *p);
void ca_photo_page_release(struct ca_photo_page *page);

/* Number of UTF-8 characters in s, or -1 when s is not valid UTF-8. */
long ca_db_utf8_chars(const char *s);

#endif
