/*
 * migrate_internal.h — what the files of cloudalbum-migrate share:
 * migrate_legacy.c (reading the legacy rows and scanning the upload folder),
 * migrate_target.c (the AWS side: S3 objects, DynamoDB items, Cognito users),
 * migrate_plan.c, migrate_run.c, migrate_verify.c (the three verbs),
 * migrate_pool.c (the parallel workers), migrate_main.c (setup and dispatch).
 */
#ifndef CA_MIGRATE_INTERNAL_H
#define CA_MIGRATE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/client.h"
#include "backends/backends.h"
#include "config/serve_config.h"
#include "db/db.h"
#include "db/mysql_reader.h"
#include "migrate.h"
#include "migrate_state.h"
#include "storage/storage.h"
#include "util/buf.h"

/* the largest image file read into memory: --max-image-mb */
#define MIG_MAX_IMAGE(c) ((size_t)(c)->opts->max_image_mb << 20)
#define MIG_PROGRESS_EVERY_MS 1000

/* A growable list of owned strings (problems, notes). */
struct mig_list {
	char **items;
	size_t n, cap;
};
void mig_list_release(struct mig_list *l);
/* Appends a formatted line; false on OOM (the list is left as it was). */
bool mig_list_addf(struct mig_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct mig_user {
	long legacy_id;
	char *username, *email, *password;
	char *target_id;      /* the id in DynamoDB (uuid4 hex or the Cognito user name) */
	bool conflict;        /* email held by another id in DynamoDB: skipped */
	bool bad_name;        /* email unusable as a folder name: photos kept, files not read */
	const char *nul_column; /* a text column holding a NUL byte (static), or NULL */
	unsigned long nul_at;
	/* with --shard: an earlier user of another shard has this email but for case */
	long case_of;         /* that user's legacy id, 0 when none */
	char *case_of_email;
};

enum mig_thumb_src { MIG_THUMB_NONE, MIG_THUMB_NEW_DIR, MIG_THUMB_OLD_DIR };

struct mig_photo {
	long legacy_id;
	long legacy_user;
	size_t user;          /* index into users; SIZE_MAX when the row's user is gone */
	struct ca_photo row;  /* the legacy row in db.h form (id, user_id unused) */
	int64_t target_id;    /* the DynamoDB id (migrate_ids.h) */
	bool has_original;
	int thumb_src;        /* enum mig_thumb_src */
	int64_t original_bytes, thumb_bytes;
	bool bad_name;        /* filename unusable as a path: no files read */
	bool skip;            /* not migrated (user gone or in conflict, id taken) */
};

/*
 * The legacy data as the verbs see it: every user (of the shard) at once, and the
 * photo rows one chunk at a time (mig_next_chunk): the rows of whole users, in
 * (user_id, id) order, about MIG_CHUNK_ROWS of them, so that memory does not grow
 * with the Photo table. A user's rows are never split between two chunks.
 */
#define MIG_CHUNK_ROWS 2000

struct mig_legacy {
	struct mig_user *users;
	size_t n_users;
	struct mig_photo *photos; /* this chunk's rows, grouped by user, in legacy id order */
	size_t n_photos;
	size_t photos_cap;
	size_t chunk_from, chunk_to;    /* this chunk's users: users[chunk_from..chunk_to) */
	size_t rows_seen;               /* photo rows read so far, every chunk's */
	/* the reader (migrate_legacy.c) */
	struct ca_mysql_reader *db;     /* open from mig_legacy_open to release */
	size_t chunk_rows;              /* MIG_CHUNK_ROWS; CA_MIGRATE_CHUNK_ROWS for tests */
	long last_user;                 /* the last chunk's last user_id */
	bool started, have_last, done;
	struct mig_list orphan_files;   /* files with no row */
	struct mig_list orphan_rows;    /* rows whose user does not exist */
	struct mig_list bad_names;      /* emails or filenames that cannot name a file */
	struct mig_list rejected;       /* rows not migrated as they are (a NUL byte in a text) */
	struct mig_list notes;          /* rows migrated with a documented change (half a
					 * location, no usable upload date, no filename) */
	int shard_k, shard_n;           /* the users read: shard k of n (n 0: all) */
};

/* Compares two emails as the migration does: ASCII letters without case (<0, 0, >0). */
int mig_email_cmp_folded(const char *a, const char *b);
/* qsort_r order of indexes into the struct mig_user array ctx: by folded email, then
 * legacy id. */
int mig_by_folded_email(const void *pa, const void *pb, void *ctx);

/* Reads every User and Photo row (lib's db limits not applied: a migration takes
 * what is there); with shard_n > 0, the users of shard shard_k (migrate_shard.h)
 * and their rows only (every user's email is read to find emails equal but for
 * case across shards: case_of). CA_DB_CONNECT, CA_DB_QUERY, CA_EINVAL (URL),
 * CA_ENOMEM. */
int mig_legacy_open(const char *db_url, int shard_k, int shard_n, struct mig_legacy *out,
		    struct ca_err *err);

/*
 * The next chunk of photo rows into l->photos (the previous chunk's released), and
 * its users' range. *got false when every chunk has been read. The last chunk
 * covers every user left, with photos or not. Errors as mig_legacy_open.
 */
int mig_legacy_next(struct mig_legacy *l, bool *got, struct ca_err *err);

/* Whether the legacy Photo table has a row of user legacy_user with filename
 * (a query: photos are not all in memory). CA_DB_QUERY, CA_ENOMEM. */
int mig_legacy_has_file(struct mig_legacy *l, long legacy_user, const char *filename, bool *yes,
			struct ca_err *err);

/* Looks at the upload folder's top: users whose email cannot name a folder
 * (bad_name, listed), folders of no user (listed; not with a shard). CA_EIO when
 * the folder cannot be read. */
int mig_legacy_scan_top(const char *root, struct mig_legacy *l, struct ca_err *err);

/* The folders of this chunk's users: which originals and thumbnails exist, files
 * with no row. Fills the photos' has_original / thumb_src / *_bytes. CA_EIO, CA_ENOMEM. */
int mig_legacy_scan_chunk(const char *root, struct mig_legacy *l, struct ca_err *err);

/* Assigns every photo of the chunk its target id (migrate_ids.h). */
void mig_legacy_assign_ids(struct mig_legacy *l);

void mig_legacy_release(struct mig_legacy *l);

struct mig_pace;

/* The AWS requests a verb sent, every attempt counted (a retry is a request too). */
struct mig_requests {
	atomic_size_t s3_put, s3_list, s3_head, s3_other;
	atomic_size_t s3_mpu;          /* CreateMultipartUpload, UploadPart, Complete, Abort */
	atomic_size_t ddb_batch, ddb_other;
	atomic_size_t other;           /* Cognito */
	atomic_size_t retries;         /* attempts after a call's first */
	atomic_size_t throttled;       /* calls whose last answer was throttling */
};

/* Everything a verb works with. */
struct mig_ctx {
	const struct migrate_opts *opts;
	struct serve_config cfg;
	struct ca_backends target; /* the target's database (checked) and the AWS client */
	struct aws_client *aws;    /* target.aws */
	struct ca_storage *disk;
	const char *user_table, *photo_table, *bucket, *prefix, *pool_id;
	char *guard_table;     /* ca_ddb_guard_table(user_table), owned */
	struct mig_legacy legacy;
	struct mig_state state;
	bool state_existed;
	FILE *out, *progress;
	struct mig_lock *lock;   /* a run's target lock (migrate_lock.h); NULL for plan, verify */
	struct mig_list adopt_notes; /* run --adopt: what was adopted and removed */
	size_t adopted;          /* users whose id --adopt took from the target */
	struct mig_requests req; /* counted by observer (mig_requests_watch) */
	struct mig_pace *_Atomic pace; /* told of every call's outcome while set (run) */
	struct aws_call_observer observer;
};

/*
 * The next chunk of legacy photo rows (mig_legacy_next), its folders scanned and
 * its photo ids assigned; *got false after the last. Errors as those.
 */
int mig_next_chunk(struct mig_ctx *c, bool *got, struct ca_err *err);
/* Makes the calling thread count its AWS calls into c->req (mig_pool_run's workers
 * take their starter's observer). */
void mig_requests_watch(struct mig_ctx *c);
/* The S3 requests and the DynamoDB requests counted in r so far. */
size_t mig_requests_s3(const struct mig_requests *r);
size_t mig_requests_ddb(const struct mig_requests *r);

struct mig_lock;
/* CA_MIGRATE_LOCKED with a sentence when c's target lock was lost, else CA_OK. */
int mig_check_lock(struct mig_ctx *c, struct ca_err *err);

/* ---- the target (migrate_target.c) ---- */

#define MIG_ETAG_MAX 80

/* What S3 holds under a key. */
struct mig_object {
	bool exists;
	char etag[MIG_ETAG_MAX];        /* without quotes */
	char content_type[64];
	unsigned long long size;
};

/* The S3 key of an image ("photos/<norm(email)>/[thumbnails/]<filename>"). */
int mig_key(const struct mig_ctx *c, const char *email, const char *filename, bool thumb,
	    struct ca_buf *out, struct ca_err *err);
int mig_s3_head(struct mig_ctx *c, const char *key, struct mig_object *out, struct ca_err *err);
/* Objects over MIG_MULTIPART_MIN go by multipart upload, in parts of MIG_PART_SIZE
 * sent MIG_PART_JOBS at a time. */
#define MIG_MULTIPART_MIN (16u << 20)
#define MIG_PART_SIZE (8u << 20)
#define MIG_PART_JOBS 4
/* The ETag S3 gives data uploaded as mig_s3_put uploads it: the MD5 in hex, or for a
 * multipart upload the MD5 of the parts' MD5s, "-" and the number of parts. */
void mig_upload_etag(const void *data, size_t len, char out[MIG_ETAG_MAX]);
/* PUT with Content-Type mig_content_type(data) (multipart over MIG_MULTIPART_MIN; a
 * failed one is aborted); etag (MIG_ETAG_MAX bytes) receives the answer's ETag
 * without quotes ("" when S3 sent none). */
int mig_s3_put(struct mig_ctx *c, const char *key, const void *data, size_t len, char *etag,
	       struct ca_err *err);
int mig_s3_get(struct mig_ctx *c, const char *key, struct ca_buf *out, struct ca_err *err);
/* DeleteObject of key (a missing key is fine). */
int mig_s3_delete(struct mig_ctx *c, const char *key, struct ca_err *err);

/* One object as a listing saw it. */
struct mig_listed {
	char *key, *etag;               /* etag without quotes */
	unsigned long long size;
};
/*
 * Every object under prefix (ListObjectsV2, 1000 keys a page, all pages): *out
 * (malloc'd, sorted by key; free with mig_listed_free) and *n. On error *out is
 * NULL and *n 0.
 */
int mig_s3_list(struct mig_ctx *c, const char *prefix, struct mig_listed **out, size_t *n,
		struct ca_err *err);
void mig_listed_free(struct mig_listed *l, size_t n);
/* The entry of key in l (sorted), or NULL. */
const struct mig_listed *mig_listed_find(const struct mig_listed *l, size_t n, const char *key);
/*
 * The Content-Type an image file's bytes are stored with: image/jpeg, image/png,
 * image/gif or image/webp by their signature, else application/octet-stream (a
 * zero-byte or unknown file). Static.
 */
const char *mig_content_type(const void *data, size_t len);
/* MD5 of data as 32 hex digits (S3's ETag of a one-part upload). */
void mig_md5_hex(const void *data, size_t len, char out[33]);

/* A DynamoDB call (op "Query", ...) through aws_call (aws/protocol.h): *out the answer
 * on CA_OK (json_decref it), else NULL; code (AWS_ERROR_CODE_MAX bytes, may be NULL) the
 * service's error code when it refused, else "". */
int mig_ddb(struct mig_ctx *c, const char *op, const json_t *in, json_t **out, char *code,
	    struct ca_err *err);
/* Every item of a Query (all pages) appended to items (a JSON array). index may be NULL. */
int mig_ddb_query(struct mig_ctx *c, const char *table, const char *index, const char *attr,
		  const char *value, json_t *items, struct ca_err *err);
/* GetItem by id ("id" S) in table, consistent; *item NULL when absent (decref it). */
int mig_ddb_get(struct mig_ctx *c, const char *table, const char *id, json_t **item,
		struct ca_err *err);
/* mig_ddb_get in the User table. */
int mig_ddb_get_user(struct mig_ctx *c, const char *id, json_t **item, struct ca_err *err);
/* The User item, and the email guard item (dynamodb.h; it goes to the guard table)
 * for a user. NULL on OOM. */
json_t *mig_user_item(const struct mig_user *u);
json_t *mig_guard_item(const struct mig_user *u);
/* The Photo item of a photo (the DynamoDB backend's form). NULL on OOM. */
json_t *mig_photo_item(const struct mig_legacy *l, const struct mig_photo *p);
/* BatchWriteItem of items into table (migrate_batch.h). */
int mig_ddb_put_items(struct mig_ctx *c, const char *table, json_t *const *items, size_t n,
		      struct ca_err *err);

/*
 * The user's Cognito user name: AdminCreateUser (SUPPRESS), or when the email is
 * already a user there, AdminGetUser (adopted only when its custom:legacy_id is
 * this user's; else CA_EEXIST). *created says which. *username malloc'd.
 */
int mig_cognito_user(struct mig_ctx *c, const struct mig_user *u, char **username,
		     bool *created, struct ca_err *err);

/*
 * The bytes of a photo's original (appended to orig, nothing when the folder has
 * none) and thumbnail (from thumbnails/ or thumbnail/, else, when make_thumb, made
 * from the original with *regenerated set; nothing when neither can be had).
 * Storage errors, CA_ENOMEM.
 */
int mig_photo_images(struct mig_ctx *c, const struct mig_photo *p, struct ca_buf *orig,
		     struct ca_buf *thumb, bool make_thumb, bool *regenerated, struct ca_err *err);

/* AdminGetUser by email: *username and *legacy_id (malloc'd, NULL when the pool has
 * no such user or attribute). */
int mig_cognito_get(struct mig_ctx *c, const char *email, char **username, char **legacy_id,
		    struct ca_err *err);

/* ---- parallel work (migrate_pool.c) ---- */

/* Calls fn(arg, i) for i in 0..n on `jobs` threads. Returns the first error (the
 * others stop taking work); err receives its sentence. */
typedef int (*mig_task_fn)(void *arg, size_t i, struct ca_err *err);
int mig_pool_run(int jobs, size_t n, mig_task_fn fn, void *arg, struct ca_err *err);

/* ---- the verbs ---- */
int mig_plan(struct mig_ctx *c, struct ca_err *err);
int mig_run(struct mig_ctx *c, struct ca_err *err);
int mig_verify(struct mig_ctx *c, struct ca_err *err);

/*
 * Which users cannot be migrated as they are (migrate_users.c): no email, an email
 * equal but for case to an earlier user's, the storage folder of an earlier user
 * (mig_check_folders), an email the target has under another
 * id (index or guard). Sets conflict, fills problems (one line per user, by legacy
 * id, with the reason). With opts->adopt (run), takes the target's id over
 * instead and removes duplicate copies (adopt_notes, adopted; state updated in
 * memory). Shared by plan and run.
 */
int mig_check_conflicts(struct mig_ctx *c, struct mig_list *problems, struct ca_err *err);

/*
 * Legacy users whose storage folders collide (migrate_folders.c): of each group
 * sharing one norm(email), every user but the lowest legacy id gets conflict set
 * and a line in problems naming the folder and the user who keeps it. Users
 * already in conflict or without a usable folder are not counted. Called by
 * mig_check_conflicts. CA_OK or CA_ENOMEM.
 */
int mig_check_folders(struct mig_ctx *c, struct mig_list *problems, struct ca_err *err);

/* The per-photo problems (missing originals, thumbnails under thumbnail/ only,
 * missing thumbnails), shared by plan and run. CA_OK or CA_ENOMEM. */
int mig_photo_notes(struct mig_ctx *c, struct mig_list *missing, struct mig_list *stray,
		    struct mig_list *no_thumb);
/* Prints those lists and the legacy lists (files with no row, ...) to c->out. */
void mig_print_notes(struct mig_ctx *c, const struct mig_list *missing, const struct mig_list *stray,
		     const struct mig_list *no_thumb);

/*
 * Keeps photo ids stable across re-runs (migrate_stable.c): each of photos[from..to)
 * (one user's) whose filename a stored item of that user has (stored: a Query's
 * Items) takes that item's id; the others keep their rule id moved up past every
 * id taken. CA_OK or CA_ENOMEM.
 */
int mig_settle_ids(const json_t *stored, struct mig_photo *photos, size_t from, size_t to);

/* Milliseconds on a monotonic clock. */
int64_t mig_now_ms(void);

#endif
