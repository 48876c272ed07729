/*
 * mysql_reader.h — the legacy MySQL database read as a stream (the migrator's
 * reader; docs/CONTRACTS.md, "Legacy MySQL"): every User row, and the Photo rows
 * in (user_id, id) keyset pages, each row handed to a callback while the
 * connector reads it, so that nothing but the current row is in memory.
 *
 * The reader has one connection of its own, opened from a mysql:// URL as
 * mysql.h describes (its options; pool and schema options are ignored: the
 * reader never creates anything). Rows come over the text protocol unbuffered
 * (mysql_use_result): a row's columns are NUL-terminated text, NULL for SQL NULL,
 * with their byte lengths (a text column may hold a NUL byte: len tells). A
 * reader is used by one thread at a time.
 *
 * Values are as the database holds them: the lib's limits (db.h) are not
 * applied, a migration takes what is there.
 */
#ifndef CA_DB_MYSQL_READER_H
#define CA_DB_MYSQL_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct ca_mysql_reader;

/* The columns of a User row, in the order the row holds them. */
enum ca_legacy_user_col {
	CA_LEGACY_USER_ID,
	CA_LEGACY_USER_USERNAME,
	CA_LEGACY_USER_EMAIL,
	CA_LEGACY_USER_PASSWORD,
	CA_LEGACY_USER_COLS
};

/* The columns of a Photo row; geotag_lat/lng come as DOUBLE text (not FLOAT). */
enum ca_legacy_photo_col {
	CA_LEGACY_PHOTO_ID,
	CA_LEGACY_PHOTO_USER_ID,
	CA_LEGACY_PHOTO_TAGS,
	CA_LEGACY_PHOTO_DESC,
	CA_LEGACY_PHOTO_FILENAME_ORIG,
	CA_LEGACY_PHOTO_FILENAME,
	CA_LEGACY_PHOTO_FILESIZE,
	CA_LEGACY_PHOTO_GEOTAG_LAT,
	CA_LEGACY_PHOTO_GEOTAG_LNG,
	CA_LEGACY_PHOTO_UPLOAD_DATE,
	CA_LEGACY_PHOTO_TAKEN_DATE,
	CA_LEGACY_PHOTO_MAKE,
	CA_LEGACY_PHOTO_MODEL,
	CA_LEGACY_PHOTO_WIDTH,
	CA_LEGACY_PHOTO_HEIGHT,
	CA_LEGACY_PHOTO_CITY,
	CA_LEGACY_PHOTO_NATION,
	CA_LEGACY_PHOTO_ADDRESS,
	CA_LEGACY_PHOTO_COLS
};

/* One row, borrowed until the callback returns. */
struct ca_legacy_row {
	const char *const *col;   /* col[i]: column i's text, NULL for SQL NULL */
	const unsigned long *len; /* len[i]: its length in bytes */
};

/*
 * Called for each row. CA_OK reads on; any other code stops the read, which
 * returns it (the callback sets err).
 */
typedef int (*ca_legacy_row_fn)(const struct ca_legacy_row *row, void *ctx, struct ca_err *err);

/*
 * Connects to the URL's database. *out is NULL on error. CA_EINVAL (URL),
 * CA_DB_CONNECT (unreachable, login refused, no such database), CA_ENOMEM.
 */
int ca_mysql_reader_open(const char *url, struct ca_mysql_reader **out, struct ca_err *err);
/* Closes the connection. NULL is accepted. */
void ca_mysql_reader_close(struct ca_mysql_reader *r);

/* Every User row, in id order. CA_DB_QUERY, CA_DB_CONNECT, or the callback's code. */
int ca_mysql_reader_users(struct ca_mysql_reader *r, ca_legacy_row_fn each, void *ctx,
			  struct ca_err *err);

/* Which Photo rows ca_mysql_reader_photos reads. */
struct ca_legacy_photo_range {
	enum {
		CA_LEGACY_PHOTOS_WITHOUT_USER, /* user_id IS NULL, in id order */
		CA_LEGACY_PHOTOS_AFTER_USER,   /* rows of the users after `user` (every user
						* when !after), in (user_id, id) order, at most
						* `limit` of them (0: no limit) */
		CA_LEGACY_PHOTOS_REST_OF_USER, /* user `user`'s rows after id `after_id`, in id order */
	} which;
	bool after;      /* AFTER_USER: user is set */
	long user;
	long after_id;
	size_t limit;
	int shard_k, shard_n; /* AFTER_USER: only users with CRC32(user_id) % n == k (n 0: all) */
};

/* The Photo rows of range. CA_DB_QUERY, CA_DB_CONNECT, or the callback's code. */
int ca_mysql_reader_photos(struct ca_mysql_reader *r, const struct ca_legacy_photo_range *range,
			   ca_legacy_row_fn each, void *ctx, struct ca_err *err);

/* Whether user user_id has a Photo row with filename. CA_DB_QUERY, CA_DB_CONNECT, CA_ENOMEM. */
int ca_mysql_reader_photo_exists(struct ca_mysql_reader *r, long user_id, const char *filename,
				 bool *yes, struct ca_err *err);

#endif
