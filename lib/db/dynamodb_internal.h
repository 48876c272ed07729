/*
 * dynamodb_internal.h — what the files of the DynamoDB backend share
 * (dynamodb.c: open, users; dynamodb_photo.c: photos; items.c (public, items.h):
 * the item codecs; dynamodb_call.c: one call with the service's error code;
 * dynamodb_cursor.c: the page cursor and the keyword filter).
 */
#ifndef CA_DB_DYNAMODB_INTERNAL_H
#define CA_DB_DYNAMODB_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws/client.h"
#include "aws/protocol.h"
#include "db/date.h"
#include "db/db.h"
#include "db/items.h"

#define DDB_TABLE_NAME_MAX 255
/* The id prefix of a user's session-state item (dynamodb_session.c). */
#define DDB_SESSION_PREFIX "session#"
/* How many transactions a user create tries (taken random id, concurrent writer). */
#define DDB_USER_CREATE_TRIES 4
/* How many times a photo create moves to id + 1 before giving up. */
#define DDB_PHOTO_ID_TRIES 1000

struct ddb {
	struct ca_db base; /* first: a struct ca_db * is a struct ddb * */
	struct aws_client *client;
	bool own_client;
	char *user_table;
	char *photo_table;
	char *guard_table;      /* ca_ddb_guard_table(user_table) */
	bool owners_external;   /* no User item to check for a photo's owner */
	/* Serialises this process's sign-ups. Across processes the guard item's
	 * conditional transaction decides; the moto stand-in does not lock its
	 * transactions, so within one process we do not lean on it. */
	pthread_mutex_t create_lock;
};

static inline struct ddb *ddb_of(struct ca_db *db)
{
	return (struct ddb *)db;
}

/*
 * Calls DynamoDB's <op> with in (protocol.h). On CA_OK *out (if out) is the answer
 * (json_decref it). On error *out is NULL, fail (if not NULL; aws_result_release it)
 * holds what the service said (error_code "ConditionalCheckFailedException", the
 * error answer in output), and the code is the db range's:
 * CA_DB_CONNECT (network, timeout, credentials, region, endpoint),
 * CA_DB_SCHEMA (ResourceNotFoundException: a table or index is missing),
 * CA_DB_QUERY (any other refusal), CA_ENOMEM.
 */
int ddb_call(struct ddb *d, const char *op, const json_t *in, json_t **out,
	     struct aws_result *fail, struct ca_err *err);

/* true when the failure's error code is `code`. */
bool ddb_failed_with(const struct aws_result *f, const char *code);

/* The page cursor for the photo whose range key is id; malloc'd or NULL on OOM. */
char *ddb_cursor_format(int64_t id);
/* Reads a cursor made by ddb_cursor_format; false for anything else. */
bool ddb_cursor_parse(const char *cursor, int64_t *id);
/* The taken-date order's cursor after the photo (id, taken: canonical date or NULL);
 * malloc'd or NULL on OOM. Its parse gives taken "" for a photo without a taken date. */
char *ddb_taken_cursor_format(const char *taken, int64_t id);
bool ddb_taken_cursor_parse(const char *cursor, char taken[CA_DB_DATE_LEN + 1], int64_t *id);

/* true when keyword occurs in text, ASCII letters compared without case. */
bool ddb_contains_nocase(const char *text, const char *keyword);

/* The photo operations (dynamodb_photo.c), as struct ca_db_ops wants them. */
int ddb_photo_create(struct ca_db *db, const char *owner_id, bool *owner_known,
		     const struct ca_photo *in, struct ca_photo *out, struct ca_err *err);
int ddb_photo_get(struct ca_db *db, const char *owner_id, const char *photo_id,
		  struct ca_photo *out, struct ca_err *err);
/* db.h's ca_db_photo_count: Query with Select=COUNT, every page summed. */
int ddb_photo_count(struct ca_db *db, const char *owner_id, int64_t *count, struct ca_err *err);
int ddb_photo_list(struct ca_db *db, const char *owner_id, const struct ca_photo_query *q,
		   struct ca_photo_page *out, struct ca_err *err);
int ddb_photo_update(struct ca_db *db, const char *owner_id, const char *photo_id,
		     const struct ca_photo *values, unsigned fields, struct ca_err *err);
int ddb_photo_delete(struct ca_db *db, const char *owner_id, const char *photo_id,
		     struct ca_err *err);

/* The session-revocation operations (dynamodb_session.c), as struct ca_db_ops wants them. */
int ddb_session_state(struct ca_db *db, const char *user_id, const char *session_id,
		      int64_t *generation, bool *revoked, struct ca_err *err);
int ddb_session_revoke(struct ca_db *db, const char *user_id, const char *session_id,
		       int64_t expires, int64_t now, struct ca_err *err);
int ddb_sessions_revoke_all(struct ca_db *db, const char *user_id, int64_t *generation,
			    struct ca_err *err);

#endif
