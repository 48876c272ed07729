/*
 * The DynamoDB database backend, against a moto server (test_moto_support.h):
 * users (uniqueness of emails, also under racing creates), photos (ids, every
 * field, ownership), paging and case-insensitive search, the item shapes of the
 * data contract checked on the raw items, items in the seed's PynamoDB forms
 * read back, and the offline parts (cursor, number text, item conversion, URL).
 *
 * Run by tests/integration/test_backend_dynamodb.py too, with CA_TEST_MOTO and
 * CA_TEST_DDB_USER_TABLE / CA_TEST_DDB_PHOTO_TABLE naming tables it made with
 * boto3, and CA_TEST_SEED_WRITTEN=1 when it wrote the seed items itself.
 */
#include <math.h>
#include <pthread.h>

#include "test_moto_support.h"
#include "photo_compare.h"

#include "aws/client.h"
#include "aws/protocol.h"
#include "backends/backends.h"
#include "db/db.h"
#include "db/dynamodb.h"
#include "db/dynamodb_internal.h"
#include "util/buf.h"
#include "util/strutil.h"

/* ---------- fixed records (the same values are in test_backend_dynamodb.py) ---------- */

#define SEED_USER_ID "5f0c6e8a9b7d4c3e8a1b2c3d4e5f6a7b"
#define SEED_EMAIL "seed.user@example.com"
#define SEED_PASSWORD "pbkdf2:sha256:50000$abcdefgh$0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CONTRACT_EMAIL "contract@example.com"
#define CONTRACT_PASSWORD "pbkdf2:sha256:600000$saltsalt$00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define UUID_NAME "0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg"

static char user_table[96];
static char photo_table[96];

/* ---------- helpers ---------- */

/* Calls DynamoDB with JSON text; returns the answer (decref) or NULL on failure. */
static json_t *raw_call(const char *op, const char *json_text, int expect_rc)
{
	struct aws_client *c = moto_client();
	json_error_t jerr;
	json_t *in = json_loads(json_text, 0, &jerr), *out = NULL;
	struct ca_err err;
	int rc;

	ck_assert_msg(in != NULL, "bad test JSON: %s", jerr.text);
	ca_err_clear(&err);
	rc = aws_call_json(c, AWS_SVC_DYNAMODB, op, in, &out, &err);
	ck_assert_msg(rc == expect_rc, "%s: %d %s", op, rc, ca_err_msg(&err));
	json_decref(in);
	aws_client_free(c);
	return out;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	struct ca_buf b = CA_BUF_INIT;
	va_list ap;

	va_start(ap, f);
	ca_buf_vaddf(&b, f, ap);
	va_end(ap);
	return ca_buf_detach(&b, NULL);
}

static void create_tables(const char *user, const char *photo)
{
	char *u = fmt("{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
		      "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
		      "{\"AttributeName\":\"email\",\"AttributeType\":\"S\"}],"
		      "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
		      "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"user-email-index\","
		      "\"KeySchema\":[{\"AttributeName\":\"email\",\"KeyType\":\"HASH\"}],"
		      "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"password\"]}}]}",
		      user);
	char *p = fmt("{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
		      "\"AttributeDefinitions\":[{\"AttributeName\":\"user_id\",\"AttributeType\":\"S\"},"
		      "{\"AttributeName\":\"id\",\"AttributeType\":\"N\"}],"
		      "\"KeySchema\":[{\"AttributeName\":\"user_id\",\"KeyType\":\"HASH\"},"
		      "{\"AttributeName\":\"id\",\"KeyType\":\"RANGE\"}]}",
		      photo);

	char *g = fmt("{\"TableName\":\"%s" CA_DDB_GUARD_SUFFIX "\",\"BillingMode\":\"PAY_PER_REQUEST\","
		      "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
		      "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}",
		      user);

	json_decref(raw_call("CreateTable", u, CA_OK));
	json_decref(raw_call("CreateTable", p, CA_OK));
	json_decref(raw_call("CreateTable", g, CA_OK));
	free(u);
	free(p);
	free(g);
}

static void setup_run(void)
{
	const char *ut = getenv("CA_TEST_DDB_USER_TABLE"), *pt = getenv("CA_TEST_DDB_PHOTO_TABLE");
	char unique[16];

	moto_up();
	if (ut && *ut && pt && *pt) {
		snprintf(user_table, sizeof(user_table), "%s", ut);
		snprintf(photo_table, sizeof(photo_table), "%s", pt);
		return;
	}
	moto_unique(unique, sizeof(unique));
	snprintf(user_table, sizeof(user_table), "ca_test_%s_User", unique);
	snprintf(photo_table, sizeof(photo_table), "ca_test_%s_Photo", unique);
	create_tables(user_table, photo_table);
}

static void teardown_run(void)
{
	/* the server stays up for the next tcase; moto_up() stops it at exit */
}

static struct ca_db *open_db(void)
{
	struct ca_db_dynamodb_options opt = { .region = "ap-southeast-1" };
	struct ca_db *db = NULL;
	struct ca_err err;

	opt.endpoint = moto_endpoint;
	opt.user_table = user_table;
	opt.photo_table = photo_table;
	ca_err_clear(&err);
	ck_assert_msg(ca_db_dynamodb_open(&opt, &db, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_str_eq(ca_db_kind(db), "dynamodb");
	return db;
}

/* A new email no other test uses. */
static char *unique_email(const char *who)
{
	char u[16];

	moto_unique(u, sizeof(u));
	return fmt("%s.%s@example.com", who, u);
}

static char *make_user(struct ca_db *db, const char *email)
{
	struct ca_user in = { NULL, (char *)"Someone", (char *)email, (char *)SEED_PASSWORD };
	struct ca_err err;
	char *id = NULL;

	ca_err_clear(&err);
	ck_assert_msg(ca_db_user_create(db, &in, &id, &err) == CA_OK, "%s", ca_err_msg(&err));
	return id;
}

static struct ca_photo sample_photo(const char *upload_date)
{
	struct ca_photo p;

	memset(&p, 0, sizeof(p));
	p.tags = (char *)"beach,sunset";
	p.desc = (char *)"Evening at the sea";
	p.filename_orig = (char *)"IMG_1.JPG";
	p.filename = (char *)UUID_NAME;
	p.filesize = 1000;
	p.has_geotag = true;
	p.geotag_lat = 37.5665;
	p.geotag_lng = 126.978;
	p.upload_date = (char *)upload_date;
	p.width = (char *)"800";
	p.height = (char *)"600";
	p.nation = (char *)"South Korea";
	p.address = (char *)"Somewhere";
	return p;
}

static char *make_photo(struct ca_db *db, const char *owner, const struct ca_photo *p)
{
	struct ca_err err;
	char *id = NULL;

	ca_err_clear(&err);
	ck_assert_msg(create_photo_id(db, owner, p, &id, &err) == CA_OK, "%s", ca_err_msg(&err));
	return id;
}

/* The raw Photo item (decref it). */
static json_t *raw_photo(const char *owner, const char *id)
{
	char *req = fmt("{\"TableName\":\"%s\",\"ConsistentRead\":true,\"Key\":"
			"{\"user_id\":{\"S\":\"%s\"},\"id\":{\"N\":\"%s\"}}}",
			photo_table, owner, id);
	json_t *out = raw_call("GetItem", req, CA_OK);
	json_t *item = json_incref(json_object_get(out, "Item"));

	free(req);
	json_decref(out);
	ck_assert_msg(item != NULL, "no item %s/%s", owner, id);
	return item;
}

/* The attribute's value if it has type `type` ("S", "N"), else NULL. */
static const char *typed(const json_t *item, const char *name, const char *type)
{
	json_t *a = json_object_get(item, name);

	ck_assert_msg(json_is_object(a), "attribute %s is absent", name);
	ck_assert_msg(json_object_size(a) == 1 && json_is_string(json_object_get(a, type)),
		      "attribute %s is not of type %s", name, type);
	return json_string_value(json_object_get(a, type));
}

/* ---------- offline: cursor, numbers, items, URL ---------- */

START_TEST(cursor_round_trip_and_hostile)
{
	char *c = ddb_cursor_format(1718000000123LL);
	int64_t id = 0;

	ck_assert_ptr_nonnull(c);
	ck_assert(ddb_cursor_parse(c, &id));
	ck_assert(id == 1718000000123LL);
	ck_assert(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
		  strlen(c));
	free(c);
	/* base64url of {"id":"12"} written by hand */
	ck_assert(ddb_cursor_parse("eyJpZCI6IjEyIn0", &id) && id == 12);
	ck_assert(!ddb_cursor_parse("", &id));
	ck_assert(!ddb_cursor_parse("not base64!", &id));
	ck_assert(!ddb_cursor_parse("eyJpZCI6MTJ9", &id));          /* {"id":12}: a number */
	ck_assert(!ddb_cursor_parse("eyJpZCI6Ii0xIn0", &id));       /* {"id":"-1"} */
	ck_assert(!ddb_cursor_parse("eyJpZCI6IjEyIiwidSI6IngifQ", &id)); /* extra "u" */
	ck_assert(!ddb_cursor_parse("eyJpZCI6IjEyIiwiaWQiOiIxMyJ9", &id)); /* "id" twice */
	ck_assert(!ddb_cursor_parse("WzFd", &id));                  /* [1] */
	ck_assert(!ddb_cursor_parse("eyJpZCI6IjEyXHUwMDAwMyJ9", &id)); /* "12\u00003" */
	ck_assert(!ddb_cursor_parse("eyJpZCI6Ijk5OTk5OTk5OTk5OTk5OTk5OTk5In0", &id)); /* 20 digits */
}
END_TEST

START_TEST(photo_ids_parse_strictly)
{
	int64_t v;

	ck_assert(ddb_parse_photo_id("0", &v) && v == 0);
	ck_assert(ddb_parse_photo_id("9223372036854775807", &v) && v == INT64_MAX);
	ck_assert(!ddb_parse_photo_id("9223372036854775808", &v));
	ck_assert(!ddb_parse_photo_id("", &v));
	ck_assert(!ddb_parse_photo_id("-5", &v));
	ck_assert(!ddb_parse_photo_id("12 ", &v));
	ck_assert(!ddb_parse_photo_id("1e3", &v));
	ck_assert(!ddb_parse_photo_id(NULL, &v));
}
END_TEST

START_TEST(doubles_are_short_and_exact)
{
	char out[32];

	ddb_format_double(37.5665, out, sizeof(out));
	ck_assert_str_eq(out, "37.5665");
	ddb_format_double(-122.4194, out, sizeof(out));
	ck_assert_str_eq(out, "-122.4194");
	ddb_format_double(0.1 + 0.2, out, sizeof(out));
	ck_assert(strtod(out, NULL) == 0.1 + 0.2);
	ddb_format_double(90, out, sizeof(out));
	ck_assert_str_eq(out, "90");
}
END_TEST

START_TEST(keyword_matching_ignores_ascii_case)
{
	ck_assert(ddb_contains_nocase("Beach,Sunset", "beach"));
	ck_assert(ddb_contains_nocase("Beach,Sunset", "SUNSET"));
	ck_assert(ddb_contains_nocase("abc", ""));
	ck_assert(!ddb_contains_nocase("abc", "abcd"));
	ck_assert(!ddb_contains_nocase(NULL, "a"));
	ck_assert(ddb_contains_nocase("서울 Seoul", "서울"));
	ck_assert(!ddb_contains_nocase("Beach", "beaches"));
}
END_TEST

/* Items as PynamoDB and other writers leave them, read without a server. */
START_TEST(items_in_other_forms_are_read)
{
	json_error_t jerr;
	json_t *item = json_loads(
		"{\"user_id\":{\"S\":\"u1\"},\"id\":{\"N\":\"1527848430000\"},"
		"\"filesize\":{\"S\":\"2048\"},\"geotag_lat\":{\"N\":\"37.5\"},"
		"\"geotag_lng\":{\"S\":\"127.25\"},\"width\":{\"N\":\"640\"},"
		"\"upload_date\":{\"S\":\"2018-06-01 10:20:30\"},\"taken_date\":{\"S\":\"yesterday\"},"
		"\"make\":{\"NULL\":true},\"tags\":{\"SS\":[\"a\"]}}", 0, &jerr);
	struct ca_photo p;
	struct ca_err err;

	ck_assert_ptr_nonnull(item);
	ca_err_clear(&err);
	ck_assert_int_eq(ddb_photo_from_item(item, &p, &err), CA_OK);
	ck_assert_str_eq(p.id, "1527848430000");
	ck_assert_str_eq(p.user_id, "u1");
	ck_assert(p.filesize == 2048);
	ck_assert(p.has_geotag && p.geotag_lat == 37.5 && p.geotag_lng == 127.25);
	ck_assert_str_eq(p.width, "640");
	ck_assert_str_eq(p.upload_date, "2018-06-01T10:20:30.000000+0000");
	ck_assert_ptr_null(p.taken_date);
	ck_assert_ptr_null(p.make);
	ck_assert_ptr_null(p.tags);
	ck_assert_ptr_null(p.height);
	ca_photo_release(&p);
	json_decref(item);

	/* geotags that are not coordinates */
	item = json_loads("{\"user_id\":{\"S\":\"u\"},\"id\":{\"N\":\"1\"},"
			  "\"geotag_lat\":{\"S\":\"None\"},\"geotag_lng\":{\"S\":\"\"},"
			  "\"filesize\":{\"N\":\"-3\"}}", 0, &jerr);
	ck_assert_int_eq(ddb_photo_from_item(item, &p, NULL), CA_OK);
	ck_assert(!p.has_geotag);
	ck_assert(p.filesize == -1);
	ca_photo_release(&p);
	json_decref(item);
	item = json_loads("{\"user_id\":{\"S\":\"u\"},\"id\":{\"N\":\"1\"},"
			  "\"geotag_lat\":{\"S\":\"91\"},\"geotag_lng\":{\"S\":\"10\"}}", 0, &jerr);
	ck_assert_int_eq(ddb_photo_from_item(item, &p, NULL), CA_OK);
	ck_assert(!p.has_geotag);
	ca_photo_release(&p);
	json_decref(item);

	/* no keys: not a photo */
	item = json_loads("{\"user_id\":{\"S\":\"u\"},\"id\":{\"S\":\"x1\"}}", 0, &jerr);
	ck_assert_int_eq(ddb_photo_from_item(item, &p, NULL), CA_DB_QUERY);
	ck_assert_ptr_null(p.user_id);
	json_decref(item);
	item = json_loads("{\"id\":{\"N\":\"5\"}}", 0, &jerr);
	ck_assert_int_eq(ddb_photo_from_item(item, &p, NULL), CA_DB_QUERY);
	json_decref(item);
}
END_TEST

START_TEST(urls_are_checked)
{
	struct ca_db *db = (struct ca_db *)1;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_open("dynamodb://somewhere", &db, &err), CA_EUNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "?endpoint="));
	ck_assert_ptr_null(db);
	ck_assert_int_eq(ca_db_open("dynamodb://?colour=blue", &db, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamodb://?user_table", &db, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamodb://?user_table=A%2", &db, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamodb://?user_table=Users&user_table=U2", &db, NULL),
			 CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamodb://?user_table=a%2Fb", &db, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamodb://?photo_table=ab", &db, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamodb://?photo_table=%00xyz", &db, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_open("dynamo://", &db, NULL), CA_EUNSUPPORTED);
	ck_assert_ptr_null(db);
}
END_TEST

/* ---------- against moto: opening ---------- */

START_TEST(open_by_url_and_schema_checks)
{
	struct ca_db *db = NULL;
	struct ca_err err;
	char unique[16];
	char *url, *enc_url;

	/* the URL form, endpoint percent-encoded */
	enc_url = fmt("dynamodb://?user_table=%s&photo_table=%s&region=ap-southeast-1&endpoint=%s",
		      user_table, photo_table, moto_endpoint);
	{
		struct ca_buf b = CA_BUF_INIT;
		const char *p;

		for (p = enc_url; *p; p++) {
			if (*p == ':' && p > enc_url + 10)
				ca_buf_adds(&b, "%3A");
			else if (*p == '/' && p > enc_url + 11)
				ca_buf_adds(&b, "%2F");
			else
				ca_buf_addch(&b, *p);
		}
		url = ca_buf_detach(&b, NULL);
	}
	ca_err_clear(&err);
	ck_assert_msg(ca_db_open(url, &db, &err) == CA_OK, "%s: %s", url, ca_err_msg(&err));
	ck_assert_str_eq(ca_db_kind(db), "dynamodb");
	ca_db_close(db);
	free(url);
	free(enc_url);

	/* missing tables */
	moto_unique(unique, sizeof(unique));
	url = fmt("dynamodb://?user_table=none_%s&photo_table=%s&endpoint=%s", unique, photo_table,
		  moto_endpoint);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_open(url, &db, &err), CA_DB_SCHEMA);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(ca_err_msg(&err), "stage") != NULL, "%s", ca_err_msg(&err));
	free(url);

	/* tables swapped: keys are wrong */
	url = fmt("dynamodb://?user_table=%s&photo_table=%s&endpoint=%s", photo_table, user_table,
		  moto_endpoint);
	ck_assert_int_eq(ca_db_open(url, &db, NULL), CA_DB_SCHEMA);
	free(url);

	/* a User table without the email index */
	{
		char *req = fmt("{\"TableName\":\"noidx_%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
				"\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
				"\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}", unique);

		json_decref(raw_call("CreateTable", req, CA_OK));
		free(req);
		req = fmt("{\"TableName\":\"noidx_%s" CA_DDB_GUARD_SUFFIX "\",\"BillingMode\":\"PAY_PER_REQUEST\","
			  "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
			  "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}", unique);
		json_decref(raw_call("CreateTable", req, CA_OK));
		free(req);
		url = fmt("dynamodb://?user_table=noidx_%s&photo_table=%s&endpoint=%s", unique,
			  photo_table, moto_endpoint);
		ca_err_clear(&err);
		ck_assert_int_eq(ca_db_open(url, &db, &err), CA_DB_SCHEMA);
		ck_assert_msg(strstr(ca_err_msg(&err), "user-email-index") != NULL, "%s",
			      ca_err_msg(&err));
		free(url);
	}

	/* tables of an older stage 1: no guard table */
	{
		char *u = fmt("ng_%s_User", unique), *p = fmt("ng_%s_Photo", unique);
		char *req = fmt("{\"TableName\":\"%s" CA_DDB_GUARD_SUFFIX "\"}", u);

		create_tables(u, p);
		json_decref(raw_call("DeleteTable", req, CA_OK));
		url = fmt("dynamodb://?user_table=%s&photo_table=%s&endpoint=%s", u, p, moto_endpoint);
		ca_err_clear(&err);
		ck_assert_int_eq(ca_db_open(url, &db, &err), CA_DB_SCHEMA);
		ck_assert_msg(strstr(ca_err_msg(&err), CA_DDB_GUARD_SUFFIX) != NULL &&
			      strstr(ca_err_msg(&err), "stage 1") != NULL, "%s", ca_err_msg(&err));
		free(url);
		free(req);
		free(u);
		free(p);
	}

	/* nothing listening */
	url = fmt("dynamodb://?endpoint=http%%3A%%2F%%2F127.0.0.1%%3A%d", loopback_free_port());
	setenv("AWS_MAX_ATTEMPTS", "1", 1);
	ck_assert_int_eq(ca_db_open(url, &db, NULL), CA_DB_CONNECT);
	unsetenv("AWS_MAX_ATTEMPTS");
	free(url);
}
END_TEST

/* ---------- users ---------- */

START_TEST(users_round_trip)
{
	struct ca_db *db = open_db();
	char *email = unique_email("alice");
	struct ca_user in = { NULL, (char *)"Alice", email, (char *)SEED_PASSWORD };
	struct ca_user u;
	struct ca_err err;
	char *id = NULL;
	size_t i;

	ca_err_clear(&err);
	ck_assert_msg(ca_db_user_create(db, &in, &id, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_uint_eq(strlen(id), 32);
	for (i = 0; i < 32; i++)
		ck_assert(strchr("0123456789abcdef", id[i]) != NULL);
	ck_assert(id[12] == '4'); /* uuid4 */

	ck_assert_int_eq(ca_db_user_find_by_email(db, email, &u, &err), CA_OK);
	ck_assert_str_eq(u.id, id);
	ck_assert_str_eq(u.username, "Alice");
	ck_assert_str_eq(u.email, email);
	ck_assert_str_eq(u.password, SEED_PASSWORD);
	ca_user_release(&u);

	ck_assert_int_eq(ca_db_user_update(db, id, "Alice B", NULL, &err), CA_OK);
	ck_assert_int_eq(ca_db_user_update(db, id, NULL, "pbkdf2:sha256:1$a$b", &err), CA_OK);
	ck_assert_int_eq(ca_db_user_find_by_id(db, id, &u, &err), CA_OK);
	ck_assert_str_eq(u.username, "Alice B");
	ck_assert_str_eq(u.password, "pbkdf2:sha256:1$a$b");
	ck_assert_str_eq(u.email, email);
	ca_user_release(&u);

	ck_assert_int_eq(ca_db_user_find_by_id(db, "0123456789abcdef0123456789abcdef", &u, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_email(db, "nobody.here@example.com", &u, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_update(db, "0123456789abcdef0123456789abcdef", "X", NULL, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_update(db, "0123456789abcdef0123456789abcdef", NULL, NULL, NULL),
			 CA_DB_NOTFOUND);
	free(id);
	free(email);
	ca_db_close(db);
}
END_TEST

START_TEST(emails_are_unique)
{
	struct ca_db *db = open_db();
	char *email = unique_email("bob");
	char *upper = ca_strdup(email), *guard, *req;
	struct ca_user in = { NULL, (char *)"Bob", email, (char *)SEED_PASSWORD };
	struct ca_user u;
	struct ca_err err;
	char *id = make_user(db, email), *id2 = NULL;
	size_t i;

	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_user_create(db, &in, &id2, &err), CA_DB_CONFLICT);
	ck_assert_ptr_null(id2);
	ck_assert_msg(strstr(ca_err_msg(&err), "already") != NULL, "%s", ca_err_msg(&err));

	/* another spelling of the same address is taken too (the guard is lower case) */
	for (i = 0; upper[i]; i++)
		if (upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	in.email = upper;
	ck_assert_int_eq(ca_db_user_create(db, &in, &id2, NULL), CA_DB_CONFLICT);

	/* the guard item is never a user, and lives in the guard table, not the User table */
	guard = fmt("email#%s", email);
	ck_assert_int_eq(ca_db_user_find_by_id(db, guard, &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_update(db, guard, "X", NULL, NULL), CA_DB_NOTFOUND);
	req = fmt("{\"TableName\":\"%s\",\"Key\":{\"id\":{\"S\":\"%s\"}}}", user_table, guard);
	{
		json_t *got = raw_call("GetItem", req, CA_OK);

		ck_assert_ptr_null(json_object_get(got, "Item"));
		json_decref(got);
	}
	free(req);
	req = fmt("{\"TableName\":\"%s" CA_DDB_GUARD_SUFFIX "\",\"Key\":{\"id\":{\"S\":\"%s\"}}}",
		  user_table, guard);
	{
		json_t *got = raw_call("GetItem", req, CA_OK);
		const char *owner = json_string_value(json_object_get(
			json_object_get(json_object_get(got, "Item"), "user_id"), "S"));

		ck_assert_ptr_nonnull(owner);
		ck_assert_str_eq(owner, id);
		json_decref(got);
	}
	free(req);
	free(guard);

	/* a user written without a guard (as the seed app writes) is found by its index */
	free(email);
	email = unique_email("legacy");
	req = fmt("{\"TableName\":\"%s\",\"Item\":{\"id\":{\"S\":\"feedfacefeedfacefeedfacefeedface\"},"
		  "\"email\":{\"S\":\"%s\"},\"username\":{\"S\":\"Old\"},\"password\":{\"S\":\"x\"}}}",
		  user_table, email);
	json_decref(raw_call("PutItem", req, CA_OK));
	free(req);
	in.email = email;
	ck_assert_int_eq(ca_db_user_create(db, &in, &id2, NULL), CA_DB_CONFLICT);
	ck_assert_int_eq(ca_db_user_find_by_email(db, email, &u, NULL), CA_OK);
	ck_assert_str_eq(u.id, "feedfacefeedfacefeedfacefeedface");
	ca_user_release(&u);

	free(upper);
	free(email);
	free(id);
	ca_db_close(db);
}
END_TEST

START_TEST(user_delete_takes_the_guard_along)
{
	struct ca_db *db = open_db();
	char *email = unique_email("gone"), *other = unique_email("stays");
	char *id = make_user(db, email), *id_other = make_user(db, other), *again = NULL;
	struct ca_user in = { NULL, (char *)"Back", email, (char *)SEED_PASSWORD };
	struct ca_user u;
	char *guard, *req;
	json_t *got;

	ck_assert_int_eq(ca_db_user_delete(db, id, NULL), CA_OK);
	ck_assert_int_eq(ca_db_user_find_by_id(db, id, &u, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_find_by_email(db, email, &u, NULL), CA_DB_NOTFOUND);
	/* the guard went with it: the email can be signed up again */
	guard = fmt("email#%s", email);
	req = fmt("{\"TableName\":\"%s" CA_DDB_GUARD_SUFFIX "\",\"Key\":{\"id\":{\"S\":\"%s\"}}}",
		  user_table, guard);
	got = raw_call("GetItem", req, CA_OK);
	ck_assert_ptr_null(json_object_get(got, "Item"));
	json_decref(got);
	free(req);
	ck_assert_int_eq(ca_db_user_create(db, &in, &again, NULL), CA_OK);
	/* absent ids, guards and the other user */
	ck_assert_int_eq(ca_db_user_delete(db, id, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_delete(db, guard, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_user_delete(db, "", NULL), CA_EINVAL);
	ck_assert_int_eq(ca_db_user_find_by_id(db, id_other, &u, NULL), CA_OK);
	ca_user_release(&u);
	ck_assert_int_eq(ca_db_user_delete(db, again, NULL), CA_OK);
	free(guard);
	free(again);
	free(id);
	free(id_other);
	free(email);
	free(other);
	ca_db_close(db);
}
END_TEST

struct race {
	struct ca_db *db;
	const char *email;
	int rc;
	char *id;
};

static void *race_create(void *arg)
{
	struct race *r = arg;
	struct ca_user in = { NULL, (char *)"Racer", (char *)r->email, (char *)SEED_PASSWORD };

	r->rc = ca_db_user_create(r->db, &in, &r->id, NULL);
	return NULL;
}

START_TEST(racing_creates_make_one_user)
{
	enum { N = 6 };
	struct ca_db *db = open_db();
	char *email = unique_email("race");
	struct race r[N];
	pthread_t t[N];
	char *req;
	json_t *out;
	int i, ok = 0, conflict = 0;

	for (i = 0; i < N; i++) {
		r[i].db = db;
		r[i].email = email;
		r[i].rc = -1;
		r[i].id = NULL;
		ck_assert_int_eq(pthread_create(&t[i], NULL, race_create, &r[i]), 0);
	}
	for (i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		ok += r[i].rc == CA_OK;
		conflict += r[i].rc == CA_DB_CONFLICT;
		free(r[i].id);
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(conflict, N - 1);
	/* and the table holds one user with that email */
	req = fmt("{\"TableName\":\"%s\",\"IndexName\":\"user-email-index\","
		  "\"KeyConditionExpression\":\"email = :e\","
		  "\"ExpressionAttributeValues\":{\":e\":{\"S\":\"%s\"}}}", user_table, email);
	out = raw_call("Query", req, CA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "Count")), 1);
	json_decref(out);
	free(req);
	free(email);
	ca_db_close(db);
}
END_TEST

/* ---------- photos ---------- */

START_TEST(photo_fields_and_item_shape)
{
	struct ca_db *db = open_db();
	char *email = unique_email("carol");
	char *owner = make_user(db, email);
	struct ca_photo in = sample_photo("2024-03-05 06:07:08.123456");
	struct ca_photo p;
	struct ca_err err;
	char *id, *id2, *id3;
	json_t *item;

	in.taken_date = (char *)"2024-03-04T01:02:03Z";
	in.make = (char *)"Canon";
	id = make_photo(db, owner, &in);
	/* 2024-03-05T06:07:08.123Z in epoch milliseconds */
	ck_assert_str_eq(id, "1709618828123");
	id2 = make_photo(db, owner, &in); /* same upload time: the next free millisecond */
	ck_assert_str_eq(id2, "1709618828124");
	in.has_geotag = false;
	in.filesize = -1;
	in.taken_date = NULL;
	id3 = make_photo(db, owner, &in);
	ck_assert_str_eq(id3, "1709618828125");

	ca_err_clear(&err);
	ck_assert_int_eq(ca_db_photo_get(db, owner, id, &p, &err), CA_OK);
	ck_assert_str_eq(p.id, id);
	ck_assert_str_eq(p.user_id, owner);
	ck_assert_str_eq(p.tags, "beach,sunset");
	ck_assert_str_eq(p.desc, "Evening at the sea");
	ck_assert_str_eq(p.filename_orig, "IMG_1.JPG");
	ck_assert_str_eq(p.filename, UUID_NAME);
	ck_assert(p.filesize == 1000);
	ck_assert(p.has_geotag && p.geotag_lat == 37.5665 && p.geotag_lng == 126.978);
	ck_assert_str_eq(p.upload_date, "2024-03-05T06:07:08.123456+0000");
	ck_assert_str_eq(p.taken_date, "2024-03-04T01:02:03.000000+0000");
	ck_assert_str_eq(p.make, "Canon");
	ck_assert_ptr_null(p.model);
	ck_assert_ptr_null(p.city);
	ck_assert_str_eq(p.width, "800");
	ck_assert_str_eq(p.height, "600");
	ck_assert_str_eq(p.nation, "South Korea");
	ck_assert_str_eq(p.address, "Somewhere");
	ca_photo_release(&p);

	/* the raw item: the contract's names and types */
	item = raw_photo(owner, id);
	ck_assert_str_eq(typed(item, "user_id", "S"), owner);
	ck_assert_str_eq(typed(item, "id", "N"), "1709618828123");
	ck_assert_str_eq(typed(item, "filesize", "N"), "1000");
	ck_assert_str_eq(typed(item, "geotag_lat", "S"), "37.5665");
	ck_assert_str_eq(typed(item, "geotag_lng", "S"), "126.978");
	ck_assert_str_eq(typed(item, "width", "S"), "800");
	ck_assert_str_eq(typed(item, "height", "S"), "600");
	ck_assert_str_eq(typed(item, "upload_date", "S"), "2024-03-05T06:07:08.123456+0000");
	ck_assert_str_eq(typed(item, "taken_date", "S"), "2024-03-04T01:02:03.000000+0000");
	ck_assert_str_eq(typed(item, "make", "S"), "Canon");
	ck_assert_str_eq(typed(item, "tags", "S"), "beach,sunset");
	ck_assert_str_eq(typed(item, "desc", "S"), "Evening at the sea");
	ck_assert_str_eq(typed(item, "filename_orig", "S"), "IMG_1.JPG");
	ck_assert_str_eq(typed(item, "filename", "S"), UUID_NAME);
	ck_assert_str_eq(typed(item, "nation", "S"), "South Korea");
	ck_assert_str_eq(typed(item, "address", "S"), "Somewhere");
	/* every attribute of the seed's model, "" for NULL text (what its form sends) */
	ck_assert_str_eq(typed(item, "model", "S"), "");
	ck_assert_str_eq(typed(item, "city", "S"), "");
	ck_assert_uint_eq(json_object_size(item), 18);
	json_decref(item);

	/* no location: a number the seed's map page renders, out of any latitude's range;
	 * no taken date: the upload date, as the seed does without EXIF */
	item = raw_photo(owner, id3);
	ck_assert_str_eq(typed(item, "geotag_lat", "S"), "999");
	ck_assert_str_eq(typed(item, "geotag_lng", "S"), "999");
	ck_assert_str_eq(typed(item, "filesize", "N"), "-1");
	ck_assert_str_eq(typed(item, "taken_date", "S"), "2024-03-05T06:07:08.123456+0000");
	json_decref(item);
	ck_assert_int_eq(ca_db_photo_get(db, owner, id3, &p, &err), CA_OK);
	ck_assert(!p.has_geotag);
	ck_assert(p.filesize == -1);
	/* the upload date stands in for a missing taken date, for us as for the seed */
	ck_assert_str_eq(p.taken_date, "2024-03-05T06:07:08.123456+0000");
	ca_photo_release(&p);

	free(id);
	free(id2);
	free(id3);
	free(owner);
	free(email);
	ca_db_close(db);
}
END_TEST

START_TEST(photos_belong_to_their_owner)
{
	struct ca_db *db = open_db();
	char *e1 = unique_email("dan"), *e2 = unique_email("eve");
	char *owner = make_user(db, e1), *other = make_user(db, e2);
	struct ca_photo in = sample_photo("2024-01-01T00:00:00Z");
	struct ca_photo_query q = { NULL, NULL, 10, CA_PHOTO_BY_UPLOAD };
	struct ca_photo_page page;
	struct ca_photo p, values;
	char *id = make_photo(db, owner, &in), *none = NULL;

	ck_assert_int_eq(ca_db_photo_get(db, other, id, &p, NULL), CA_DB_NOTFOUND);
	memset(&values, 0, sizeof(values));
	values.tags = (char *)"stolen";
	ck_assert_int_eq(ca_db_photo_update(db, other, id, &values, CA_PHOTO_TAGS, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_update(db, other, id, &values, 0, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_delete(db, other, id, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_list(db, other, &q, &page, NULL), CA_OK);
	ck_assert_uint_eq(page.count, 0);
	ck_assert_ptr_null(page.next_cursor);
	ca_photo_page_release(&page);

	/* ids that cannot be photo ids, and owners that do not exist */
	ck_assert_int_eq(ca_db_photo_get(db, owner, "abc", &p, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_get(db, owner, "-1", &p, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_get(db, owner, "99999999999999999999", &p, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_delete(db, owner, "1.5", NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(create_photo_id(db, "0123456789abcdef0123456789abcdef", &in, &none, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_ptr_null(none);
	{
		char *guard = fmt("email#%s", e1);

		ck_assert_int_eq(create_photo_id(db, guard, &in, &none, NULL), CA_DB_NOTFOUND);
		free(guard);
	}

	/* the owner still has it, untouched */
	ck_assert_int_eq(ca_db_photo_get(db, owner, id, &p, NULL), CA_OK);
	ck_assert_str_eq(p.tags, "beach,sunset");
	ca_photo_release(&p);
	free(id);
	free(owner);
	free(other);
	free(e1);
	free(e2);
	ca_db_close(db);
}
END_TEST

/* Counts the DynamoDB calls a thread makes, by operation and table. */
struct call_count {
	int owner_reads;   /* GetItem on the User table */
	int photo_puts;    /* PutItem on the Photo table */
	int other;
};

static void count_call(void *ctx, const struct aws_call_record *rec)
{
	struct call_count *n = ctx;
	const char *table = rec->table_name ? rec->table_name : "";

	if (strcmp(rec->operation, "GetItem") == 0 && strcmp(table, user_table) == 0)
		n->owner_reads++;
	else if (strcmp(rec->operation, "PutItem") == 0 && strcmp(table, photo_table) == 0)
		n->photo_puts++;
	else
		n->other++;
}

/* Create answers the item as stored (a GetItem gives the same record back), and with
 * one owner_known flag the owner is read once for several photos. */
START_TEST(create_answers_the_item_and_reads_the_owner_once)
{
	static const char *const dates[3] = {
		"2024-05-06T07:08:09.123456+0000", NULL, "2024-05-06T07:08:09Z" };
	struct ca_db *db = open_db();
	char *email = unique_email("once");
	char *owner = make_user(db, email);
	struct call_count calls = { 0 };
	const struct aws_call_observer observer = { count_call, &calls, NULL }, *before;
	struct ca_photo in, made[3], got;
	struct ca_err err;
	bool owner_known = false;
	size_t i;

	before = aws_call_observer_set(&observer);
	for (i = 0; i < 3; i++) {
		in = sample_photo(dates[i]);
		in.geotag_lat = 37.56650161743164 + (double)i / 3.0;
		in.make = i == 1 ? (char *)"" : NULL;   /* kept as "" for the seed, read as NULL */
		in.desc = i == 2 ? NULL : in.desc;
		in.filesize = i == 2 ? -1 : in.filesize;
		ca_err_clear(&err);
		ck_assert_msg(ca_db_photo_create(db, owner, &owner_known, &in, &made[i], &err) == CA_OK,
			      "%s", ca_err_msg(&err));
		ck_assert(owner_known);
	}
	aws_call_observer_set(before);
	ck_assert_int_eq(calls.owner_reads, 1);
	ck_assert_int_eq(calls.photo_puts, 3);
	ck_assert_int_eq(calls.other, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(ca_db_photo_get(db, owner, made[i].id, &got, NULL), CA_OK);
		assert_same_photo(&made[i], &got);
		ca_photo_release(&got);
		ca_photo_release(&made[i]);
	}

	/* without the flag every create reads the owner again */
	memset(&calls, 0, sizeof(calls));
	before = aws_call_observer_set(&observer);
	for (i = 0; i < 2; i++) {
		in = sample_photo(NULL);
		ck_assert_int_eq(ca_db_photo_create(db, owner, NULL, &in, &made[i], NULL), CA_OK);
		ca_photo_release(&made[i]);
	}
	aws_call_observer_set(before);
	ck_assert_int_eq(calls.owner_reads, 2);
	ck_assert_int_eq(calls.photo_puts, 2);

	/* an owner that is not there is found missing before anything is written; a guard
	 * item is never an owner, whatever the flag says */
	owner_known = false;
	ck_assert_int_eq(ca_db_photo_create(db, "0123456789abcdef0123456789abcdef", &owner_known,
					    &in, &made[0], NULL), CA_DB_NOTFOUND);
	ck_assert(!owner_known);
	ck_assert_ptr_null(made[0].id);
	{
		char *guard = fmt("email#%s", email);

		owner_known = true;
		ck_assert_int_eq(ca_db_photo_create(db, guard, &owner_known, &in, &made[0], NULL),
				 CA_DB_NOTFOUND);
		free(guard);
	}
	free(owner);
	free(email);
	ca_db_close(db);
}
END_TEST

START_TEST(photo_update_and_delete)
{
	struct ca_db *db = open_db();
	char *email = unique_email("fay");
	char *owner = make_user(db, email);
	struct ca_photo in = sample_photo("2024-02-02T02:02:02Z");
	struct ca_photo p, values;
	char *id;
	json_t *item;

	in.city = (char *)"Seoul";
	id = make_photo(db, owner, &in);
	memset(&values, 0, sizeof(values));
	values.tags = (char *)"new,tags";
	values.desc = (char *)"new desc";
	values.has_geotag = true;
	values.geotag_lat = -33.8688;
	values.geotag_lng = 151.2093;
	values.city = NULL; /* cleared */
	values.nation = (char *)"Australia";
	values.address = NULL; /* empty */
	ck_assert_int_eq(ca_db_photo_update(db, owner, id, &values,
					    CA_PHOTO_TAGS | CA_PHOTO_DESC | CA_PHOTO_GEOTAG |
					    CA_PHOTO_CITY | CA_PHOTO_NATION | CA_PHOTO_ADDRESS,
					    NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, id, &p, NULL), CA_OK);
	ck_assert_str_eq(p.tags, "new,tags");
	ck_assert_str_eq(p.desc, "new desc");
	ck_assert(p.has_geotag && p.geotag_lat == -33.8688 && p.geotag_lng == 151.2093);
	ck_assert_ptr_null(p.city);
	ck_assert_str_eq(p.nation, "Australia");
	ck_assert_str_eq(p.address, "");
	ck_assert_str_eq(p.filename, UUID_NAME); /* untouched */
	ca_photo_release(&p);
	item = raw_photo(owner, id);
	ck_assert_str_eq(typed(item, "geotag_lat", "S"), "-33.8688");
	ck_assert_str_eq(typed(item, "city", "S"), ""); /* cleared: "", never absent */
	json_decref(item);

	/* only the geotag, removed */
	values.has_geotag = false;
	ck_assert_int_eq(ca_db_photo_update(db, owner, id, &values, CA_PHOTO_GEOTAG, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, id, &p, NULL), CA_OK);
	ck_assert(!p.has_geotag);
	ck_assert_str_eq(p.tags, "new,tags");
	ca_photo_release(&p);
	item = raw_photo(owner, id);
	ck_assert_str_eq(typed(item, "geotag_lng", "S"), DDB_NO_GEOTAG);
	json_decref(item);
	/* a city set again */
	values.city = (char *)"Sydney";
	ck_assert_int_eq(ca_db_photo_update(db, owner, id, &values, CA_PHOTO_CITY, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, id, &p, NULL), CA_OK);
	ck_assert_str_eq(p.city, "Sydney");
	ca_photo_release(&p);
	ck_assert_int_eq(ca_db_photo_update(db, owner, id, &values, 0, NULL), CA_OK);

	ck_assert_int_eq(ca_db_photo_delete(db, owner, id, NULL), CA_OK);
	ck_assert_int_eq(ca_db_photo_get(db, owner, id, &p, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_delete(db, owner, id, NULL), CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_update(db, owner, id, &values, CA_PHOTO_TAGS, NULL),
			 CA_DB_NOTFOUND);
	ck_assert_int_eq(ca_db_photo_update(db, owner, id, &values, 0, NULL), CA_DB_NOTFOUND);
	free(id);
	free(owner);
	free(email);
	ca_db_close(db);
}
END_TEST

/* Photos with upload dates minute by minute: index i is 2024-05-01T10:<i>:00. */
static void make_series(struct ca_db *db, const char *owner, int n, const char *const *descs)
{
	int i;

	for (i = 0; i < n; i++) {
		char date[32];
		struct ca_photo in;

		snprintf(date, sizeof(date), "2024-05-01T10:%02d:00Z", i);
		in = sample_photo(date);
		in.tags = (char *)"plain";
		in.desc = (char *)(descs ? descs[i] : "nothing");
		free(make_photo(db, owner, &in));
	}
}

/* Lists every page; returns how many photos came, checks order and no repeats. */
static size_t list_all(struct ca_db *db, const char *owner, const char *keyword, size_t limit,
		       char ids[][24], size_t *pages)
{
	struct ca_photo_query q = { keyword, NULL, limit, CA_PHOTO_BY_UPLOAD };
	struct ca_photo_page page;
	char *cursor = NULL;
	size_t n = 0, i;

	*pages = 0;
	do {
		struct ca_err err;

		q.cursor = cursor;
		ca_err_clear(&err);
		ck_assert_msg(ca_db_photo_list(db, owner, &q, &page, &err) == CA_OK, "%s",
			      ca_err_msg(&err));
		(*pages)++;
		ck_assert_uint_le(page.count, limit);
		if (page.next_cursor)
			ck_assert_uint_eq(page.count, limit);
		for (i = 0; i < page.count; i++) {
			ck_assert(n == 0 || strtoll(page.photos[i].id, NULL, 10) <
					    strtoll(ids[n - 1], NULL, 10));
			snprintf(ids[n++], 24, "%s", page.photos[i].id);
		}
		free(cursor);
		cursor = page.next_cursor ? ca_strdup(page.next_cursor) : NULL;
		ca_photo_page_release(&page);
		ck_assert_uint_lt(*pages, 50);
	} while (cursor);
	return n;
}

START_TEST(paging_newest_first)
{
	struct ca_db *db = open_db();
	char *email = unique_email("gus");
	char *owner = make_user(db, email);
	char ids[16][24];
	size_t pages, n;
	struct ca_photo_query q = { NULL, NULL, 3, CA_PHOTO_BY_UPLOAD };
	struct ca_photo_page page;
	struct ca_err err;

	make_series(db, owner, 7, NULL);
	n = list_all(db, owner, NULL, 3, ids, &pages);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(pages, 3);
	/* the newest is 10:06:00 */
	ck_assert_str_eq(ids[0], "1714557960000");
	ck_assert_str_eq(ids[6], "1714557600000");
	n = list_all(db, owner, NULL, 7, ids, &pages);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(pages, 1); /* exactly one full page: no cursor to an empty one */
	n = list_all(db, owner, NULL, 1000, ids, &pages);
	ck_assert_uint_eq(n, 7);

	/* the default page size */
	ck_assert_int_eq(ca_db_photo_list(db, owner, NULL, &page, NULL), CA_OK);
	ck_assert_uint_eq(page.count, 7);
	ca_photo_page_release(&page);

	/* cursors this backend did not issue */
	ca_err_clear(&err);
	q.cursor = "garbage!";
	ck_assert_int_eq(ca_db_photo_list(db, owner, &q, &page, &err), CA_EINVAL);
	ck_assert_uint_eq(page.count, 0);
	q.cursor = "eyJpZCI6MTJ9";
	ck_assert_int_eq(ca_db_photo_list(db, owner, &q, &page, NULL), CA_EINVAL);
	/* a well-formed cursor past everything: an empty last page */
	q.cursor = "eyJpZCI6IjEyIn0";
	ck_assert_int_eq(ca_db_photo_list(db, owner, &q, &page, NULL), CA_OK);
	ck_assert_uint_eq(page.count, 0);
	ck_assert_ptr_null(page.next_cursor);
	ca_photo_page_release(&page);
	free(owner);
	free(email);
	ca_db_close(db);
}
END_TEST

START_TEST(search_is_case_insensitive_and_pages)
{
	static const char *const descs[] = {
		"A day at the BEACH", "city", "city", "beachside cafe", "mountain",
		"city", "Beach volley", "city", "night", "beach again",
	};
	struct ca_db *db = open_db();
	char *email = unique_email("hal");
	char *owner = make_user(db, email);
	struct ca_photo in = sample_photo("2024-06-01T00:00:00Z");
	char ids[16][24];
	size_t pages, n;

	make_series(db, owner, 10, descs);
	/* matches: indexes 9, 6, 3, 0 (newest first) */
	n = list_all(db, owner, "Beach", 1, ids, &pages);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(pages, 4);
	ck_assert_str_eq(ids[0], "1714558140000"); /* 10:09 */
	ck_assert_str_eq(ids[1], "1714557960000"); /* 10:06 */
	ck_assert_str_eq(ids[2], "1714557780000"); /* 10:03 */
	ck_assert_str_eq(ids[3], "1714557600000"); /* 10:00 */
	n = list_all(db, owner, "beach", 2, ids, &pages);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(pages, 2);
	n = list_all(db, owner, "CITY", 3, ids, &pages);
	ck_assert_uint_eq(n, 4);
	n = list_all(db, owner, "volcano", 3, ids, &pages);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(pages, 1);

	/* tags match too */
	in.tags = (char *)"Family,Holiday";
	in.desc = (char *)"";
	free(make_photo(db, owner, &in));
	n = list_all(db, owner, "holiday", 5, ids, &pages);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ids[0], "1717200000000");
	free(owner);
	free(email);
	ca_db_close(db);
}
END_TEST

/* The seed application's records, as PynamoDB writes them. */
static void write_seed_items(void)
{
	char *req;

	req = fmt("{\"TableName\":\"%s\",\"Item\":{\"id\":{\"S\":\"" SEED_USER_ID "\"},"
		  "\"email\":{\"S\":\"" SEED_EMAIL "\"},\"username\":{\"S\":\"Seed User\"},"
		  "\"password\":{\"S\":\"" SEED_PASSWORD "\"}}}", user_table);
	json_decref(raw_call("PutItem", req, CA_OK));
	free(req);
	req = fmt("{\"TableName\":\"%s\",\"Item\":{\"user_id\":{\"S\":\"" SEED_USER_ID "\"},"
		  "\"id\":{\"N\":\"1527848430000\"},\"tags\":{\"S\":\"seoul,Palace\"},"
		  "\"desc\":{\"S\":\"Gyeongbokgung at dusk\"},\"filename_orig\":{\"S\":\"IMG_0001.JPG\"},"
		  "\"filename\":{\"S\":\"0b6f3c9e2f4d4a8b9c1e7d5a3b2c1f00.jpg\"},"
		  "\"filesize\":{\"N\":\"204800\"},\"geotag_lat\":{\"S\":\"37.5796\"},"
		  "\"geotag_lng\":{\"S\":\"126.977\"},"
		  "\"upload_date\":{\"S\":\"2018-06-01T10:20:30.000000+0000\"},"
		  "\"taken_date\":{\"S\":\"2018-05-30T08:00:00.000000+0000\"},"
		  "\"make\":{\"S\":\"Apple\"},\"model\":{\"S\":\"iPhone X\"},"
		  "\"width\":{\"S\":\"4032\"},\"height\":{\"S\":\"3024\"},\"city\":{\"S\":\"Seoul\"},"
		  "\"nation\":{\"S\":\"South Korea\"},\"address\":{\"S\":\"Sajik-ro 161\"}}}",
		  photo_table);
	json_decref(raw_call("PutItem", req, CA_OK));
	free(req);
	req = fmt("{\"TableName\":\"%s\",\"Item\":{\"user_id\":{\"S\":\"" SEED_USER_ID "\"},"
		  "\"id\":{\"N\":\"1527848500000\"},\"tags\":{\"S\":\"\"},"
		  "\"desc\":{\"S\":\"no gps\"},\"filename_orig\":{\"S\":\"scan.jpeg\"},"
		  "\"filename\":{\"S\":\"1b6f3c9e2f4d4a8b9c1e7d5a3b2c1f00.jpeg\"},"
		  "\"filesize\":{\"N\":\"0\"},\"geotag_lat\":{\"S\":\"\"},"
		  "\"width\":{\"N\":\"640\"},\"height\":{\"S\":\"480\"},"
		  "\"upload_date\":{\"S\":\"2018-06-01T10:21:40.000000+0000\"},"
		  "\"nation\":{\"S\":\"\"},\"address\":{\"S\":\"\"}}}", photo_table);
	json_decref(raw_call("PutItem", req, CA_OK));
	free(req);
}

START_TEST(seed_items_are_read)
{
	struct ca_db *db;
	struct ca_user u;
	struct ca_photo p;
	struct ca_photo_query q = { NULL, NULL, 10, CA_PHOTO_BY_UPLOAD };
	struct ca_photo_page page;
	struct ca_err err;

	if (!moto_seed_written())
		write_seed_items();
	db = open_db();
	ca_err_clear(&err);
	ck_assert_msg(ca_db_user_find_by_email(db, SEED_EMAIL, &u, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	ck_assert_str_eq(u.id, SEED_USER_ID);
	ck_assert_str_eq(u.username, "Seed User");
	ck_assert_str_eq(u.password, SEED_PASSWORD);
	ca_user_release(&u);

	ck_assert_int_eq(ca_db_photo_list(db, SEED_USER_ID, &q, &page, &err), CA_OK);
	ck_assert_uint_eq(page.count, 2);
	ck_assert_str_eq(page.photos[0].id, "1527848500000");
	ck_assert(!page.photos[0].has_geotag);
	ck_assert_str_eq(page.photos[0].width, "640");
	ck_assert_str_eq(page.photos[0].height, "480");
	ck_assert(page.photos[0].filesize == 0);
	ck_assert_ptr_null(page.photos[0].make);
	ck_assert_ptr_null(page.photos[0].model);
	ck_assert_ptr_null(page.photos[0].city);
	ck_assert_ptr_null(page.photos[0].taken_date);
	ck_assert_str_eq(page.photos[0].tags, "");
	ck_assert_str_eq(page.photos[1].id, "1527848430000");
	ca_photo_page_release(&page);

	ck_assert_int_eq(ca_db_photo_get(db, SEED_USER_ID, "1527848430000", &p, &err), CA_OK);
	ck_assert_str_eq(p.tags, "seoul,Palace");
	ck_assert_str_eq(p.desc, "Gyeongbokgung at dusk");
	ck_assert_str_eq(p.filename_orig, "IMG_0001.JPG");
	ck_assert_str_eq(p.filename, "0b6f3c9e2f4d4a8b9c1e7d5a3b2c1f00.jpg");
	ck_assert(p.filesize == 204800);
	ck_assert(p.has_geotag && p.geotag_lat == 37.5796 && p.geotag_lng == 126.977);
	ck_assert_str_eq(p.upload_date, "2018-06-01T10:20:30.000000+0000");
	ck_assert_str_eq(p.taken_date, "2018-05-30T08:00:00.000000+0000");
	ck_assert_str_eq(p.make, "Apple");
	ck_assert_str_eq(p.model, "iPhone X");
	ck_assert_str_eq(p.width, "4032");
	ck_assert_str_eq(p.height, "3024");
	ck_assert_str_eq(p.city, "Seoul");
	ck_assert_str_eq(p.nation, "South Korea");
	ck_assert_str_eq(p.address, "Sajik-ro 161");
	ca_photo_release(&p);

	/* a search over seed data, case-insensitive */
	q.keyword = "PALACE";
	ck_assert_int_eq(ca_db_photo_list(db, SEED_USER_ID, &q, &page, &err), CA_OK);
	ck_assert_uint_eq(page.count, 1);
	ck_assert_str_eq(page.photos[0].id, "1527848430000");
	ca_photo_page_release(&page);
	/* ... also by place and by file name */
	q.keyword = "SAJIK-RO";
	ck_assert_int_eq(ca_db_photo_list(db, SEED_USER_ID, &q, &page, &err), CA_OK);
	ck_assert_uint_eq(page.count, 1);
	ck_assert_str_eq(page.photos[0].id, "1527848430000");
	ca_photo_page_release(&page);
	q.keyword = "img_0001.jpg";
	ck_assert_int_eq(ca_db_photo_list(db, SEED_USER_ID, &q, &page, &err), CA_OK);
	ck_assert_uint_eq(page.count, 1);
	ck_assert_str_eq(page.photos[0].id, "1527848430000");
	ca_photo_page_release(&page);

	/* a new photo for the seed user, and an update of a seed photo */
	{
		struct ca_photo in = sample_photo(NULL), values;
		char *id = make_photo(db, SEED_USER_ID, &in);

		free(id);
		memset(&values, 0, sizeof(values));
		values.desc = (char *)"edited here";
		ck_assert_int_eq(ca_db_photo_update(db, SEED_USER_ID, "1527848500000", &values,
						    CA_PHOTO_DESC, NULL), CA_OK);
	}
	ca_db_close(db);
}
END_TEST

/* Fixed records that test_backend_dynamodb.py reads back with boto3. */
START_TEST(contract_writes)
{
	struct ca_db *db = open_db();
	struct ca_user in = { NULL, (char *)"Contract User", (char *)CONTRACT_EMAIL,
			      (char *)CONTRACT_PASSWORD };
	struct ca_photo p = sample_photo("2024-03-05 06:07:08.123456");
	struct ca_err err;
	char *owner = NULL, *id;

	ca_err_clear(&err);
	ck_assert_msg(ca_db_user_create(db, &in, &owner, &err) == CA_OK, "%s", ca_err_msg(&err));
	p.tags = (char *)"a,b";
	p.desc = (char *)"Contract photo";
	p.filename_orig = (char *)"holiday.jpg";
	p.filesize = 123456;
	p.taken_date = (char *)"2024-03-04T01:02:03Z";
	p.make = (char *)"Canon";
	p.width = (char *)"6000";
	p.height = (char *)"4000";
	p.address = (char *)"Jung-gu, Seoul";
	id = make_photo(db, owner, &p);
	ck_assert_str_eq(id, "1709618828123");
	free(id);
	p.upload_date = (char *)"2024-03-06T00:00:00Z";
	p.has_geotag = false;
	p.taken_date = NULL;
	p.make = NULL;
	id = make_photo(db, owner, &p);
	ck_assert_str_eq(id, "1709683200000");
	free(id);
	free(owner);
	ca_db_close(db);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("db_dynamodb");
	TCase *offline = tcase_create("offline");
	TCase *server = tcase_create("server");

	tcase_add_test(offline, cursor_round_trip_and_hostile);
	tcase_add_test(offline, photo_ids_parse_strictly);
	tcase_add_test(offline, doubles_are_short_and_exact);
	tcase_add_test(offline, keyword_matching_ignores_ascii_case);
	tcase_add_test(offline, items_in_other_forms_are_read);
	tcase_add_test(offline, urls_are_checked);
	suite_add_tcase(s, offline);

	tcase_add_unchecked_fixture(server, setup_run, teardown_run);
	tcase_set_timeout(server, 120);
	tcase_add_test(server, open_by_url_and_schema_checks);
	tcase_add_test(server, users_round_trip);
	tcase_add_test(server, emails_are_unique);
	tcase_add_test(server, user_delete_takes_the_guard_along);
	tcase_add_test(server, racing_creates_make_one_user);
	tcase_add_test(server, photo_fields_and_item_shape);
	tcase_add_test(server, photos_belong_to_their_owner);
	tcase_add_test(server, create_answers_the_item_and_reads_the_owner_once);
	tcase_add_test(server, photo_update_and_delete);
	tcase_add_test(server, paging_newest_first);
	tcase_add_test(server, search_is_case_insensitive_and_pages);
	suite_add_tcase(s, server);

	/* own tcases so that the pytest side can run them alone (CK_RUN_CASE) */
	moto_case_alone(s, "seed_reads", seed_items_are_read, setup_run, teardown_run, 60);
	moto_case_alone(s, "contract", contract_writes, setup_run, teardown_run, 60);
	return s;
}

CA_TEST_MAIN()
