/*
 * lib/aws/s3.c's object calls (put, get, head, delete) against a moto server
 * (test_moto_support.h): what they return, what they leave in out, and what they
 * report in struct s3_object_meta (status, ETag, Content-Type, size), for objects
 * that are there, missing keys, missing buckets, a size cap, awkward keys, bad
 * arguments and an unreachable endpoint.
 *
 * Run by tests/integration/test_backend_s3.py too (tcase "contract"), with
 * CA_TEST_MOTO, CA_TEST_S3_BUCKET naming a bucket it made with boto3,
 * CA_TEST_S3_THEIRS naming objects boto3 wrote there (space-separated keys) and
 * CA_TEST_META_OUT naming a file for the meta this side read, which boto3 then checks.
 */
#include "test_moto_support.h"

#include <openssl/evp.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "util/buf.h"
#include "util/crypto.h"

#define REGION "ap-southeast-1"
#define CONTRACT_KEY "meta/ours.jpg"
#define CONTRACT_BYTES "\xff\xd8 written by s3_put_object \xff\xd9"

static char bucket[64];

/* ---------- helpers ---------- */

static void md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	ck_assert_int_eq(EVP_Digest(data, len, md, &n, EVP_md5(), NULL), 1);
	ck_assert_uint_eq(n, 16);
	ca_hex_encode(md, 16, out);
}

/* Fills meta with junk, so that a test sees the call overwrite all of it. */
static void junk(struct s3_object_meta *meta)
{
	memset(meta, 'x', sizeof(*meta));
	meta->etag[sizeof(meta->etag) - 1] = '\0';
	meta->content_type[sizeof(meta->content_type) - 1] = '\0';
	meta->status = 999;
	meta->content_length = 12345;
}

static void expect_empty_meta(const struct s3_object_meta *meta, long status)
{
	ck_assert_int_eq(meta->status, status);
	ck_assert_str_eq(meta->etag, "");
	ck_assert_str_eq(meta->content_type, "");
	ck_assert_uint_eq(meta->content_length, 0);
}

static void setup_run(void)
{
	moto_s3_bucket("ca-test-s3obj", bucket, sizeof(bucket));
}

static void teardown_run(void)
{
}

/* A key of this test alone, under a fresh folder. */
static void unique_key(const char *name, char *out, size_t cap)
{
	char unique[16];

	moto_unique(unique, sizeof(unique));
	snprintf(out, cap, "t-%s/%s", unique, name);
}

static void put_ok(struct aws_client *c, const char *key, const char *bytes, size_t len,
		   const char *type, struct s3_object_meta *meta)
{
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(s3_put_object(c, bucket, key, bytes, len, type, meta, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
}

/* ---------- without a server ---------- */

START_TEST(a_key_is_needed_and_meta_is_cleared)
{
	struct aws_client_options opt;
	struct aws_client *c = NULL;
	struct s3_object_meta meta;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	bool exists = true;
	const char *keys[] = { NULL, "" };
	size_t i;

	/* nothing listens here: a request would fail with CA_AWS_NETWORK, not CA_EINVAL */
	moto_env();
	memset(&opt, 0, sizeof(opt));
	opt.endpoint = "http://127.0.0.1:9";
	opt.fallback_region = REGION;
	ck_assert_int_eq(aws_client_new(&opt, &c, NULL), CA_OK);
	for (i = 0; i < 2; i++) {
		junk(&meta);
		ca_err_clear(&err);
		ck_assert_int_eq(s3_put_object(c, "b-x", keys[i], "x", 1, NULL, &meta, &err), CA_EINVAL);
		expect_empty_meta(&meta, 0);
		ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "b-x"));
		junk(&meta);
		ck_assert_int_eq(s3_get_object(c, "b-x", keys[i], &out, 0, &meta, NULL), CA_EINVAL);
		expect_empty_meta(&meta, 0);
		ck_assert_uint_eq(out.len, 0);
		junk(&meta);
		ck_assert_int_eq(s3_head_object(c, "b-x", keys[i], &exists, &meta, NULL), CA_EINVAL);
		expect_empty_meta(&meta, 0);
		ck_assert(!exists);
		junk(&meta);
		ck_assert_int_eq(s3_delete_object(c, "b-x", keys[i], &meta, NULL), CA_EINVAL);
		expect_empty_meta(&meta, 0);
		/* and without meta */
		ck_assert_int_eq(s3_delete_object(c, "b-x", keys[i], NULL, NULL), CA_EINVAL);
	}
	aws_client_free(c);
}
END_TEST

START_TEST(no_answer_is_status_0)
{
	struct aws_client_options opt;
	struct aws_client *c = NULL;
	struct s3_object_meta meta;
	struct ca_err err;
	bool exists = true;
	int rc;

	moto_env();
	setenv("AWS_MAX_ATTEMPTS", "1", 1);
	memset(&opt, 0, sizeof(opt));
	opt.endpoint = "http://127.0.0.1:9";
	opt.fallback_region = REGION;
	ck_assert_int_eq(aws_client_new(&opt, &c, NULL), CA_OK);
	junk(&meta);
	ca_err_clear(&err);
	rc = s3_head_object(c, "b-x", "k.jpg", &exists, &meta, &err);
	ck_assert_msg(rc == CA_AWS_NETWORK || rc == CA_AWS_TIMEOUT, "%d %s", rc, ca_err_msg(&err));
	ck_assert(!exists);
	expect_empty_meta(&meta, 0);
	junk(&meta);
	rc = s3_put_object(c, "b-x", "k.jpg", "x", 1, NULL, &meta, NULL);
	ck_assert(rc == CA_AWS_NETWORK || rc == CA_AWS_TIMEOUT);
	expect_empty_meta(&meta, 0);
	aws_client_free(c);
	unsetenv("AWS_MAX_ATTEMPTS");
}
END_TEST

/* ---------- against moto ---------- */

START_TEST(put_head_get_delete_report_what_s3_said)
{
	static const char bytes[] = "\xff\xd8 some jpeg bytes \xff\xd9";
	struct aws_client *c = moto_client();
	struct s3_object_meta meta;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	char key[96], md5[33];
	bool exists = false;

	unique_key("photo.jpg", key, sizeof(key));
	md5_hex(bytes, sizeof(bytes) - 1, md5);

	/* PUT: status and the new object's ETag, the MD5 of the bytes; no type or size */
	junk(&meta);
	put_ok(c, key, bytes, sizeof(bytes) - 1, "image/jpeg", &meta);
	ck_assert_int_eq(meta.status, 200);
	ck_assert_str_eq(meta.etag, md5);
	ck_assert_str_eq(meta.content_type, "");
	ck_assert_uint_eq(meta.content_length, 0);

	/* HEAD: the same ETag, the type it was written with, its size */
	junk(&meta);
	ck_assert_int_eq(s3_head_object(c, bucket, key, &exists, &meta, NULL), CA_OK);
	ck_assert(exists);
	ck_assert_int_eq(meta.status, 200);
	ck_assert_str_eq(meta.etag, md5);
	ck_assert_str_eq(meta.content_type, "image/jpeg");
	ck_assert_uint_eq(meta.content_length, sizeof(bytes) - 1);

	/* GET: appended to what out holds, and the same meta */
	ca_buf_adds(&out, "kept:");
	junk(&meta);
	ca_err_clear(&err);
	ck_assert_msg(s3_get_object(c, bucket, key, &out, 0, &meta, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	ck_assert_uint_eq(out.len, 5 + sizeof(bytes) - 1);
	ck_assert(memcmp(out.data, "kept:", 5) == 0);
	ck_assert(memcmp(out.data + 5, bytes, sizeof(bytes) - 1) == 0);
	ck_assert_int_eq(meta.status, 200);
	ck_assert_str_eq(meta.etag, md5);
	ck_assert_str_eq(meta.content_type, "image/jpeg");
	ck_assert_uint_eq(meta.content_length, sizeof(bytes) - 1);

	/* DELETE: 204, nothing else; then the object is gone */
	junk(&meta);
	ck_assert_int_eq(s3_delete_object(c, bucket, key, &meta, NULL), CA_OK);
	expect_empty_meta(&meta, 204);
	junk(&meta);
	exists = true;
	ck_assert_int_eq(s3_head_object(c, bucket, key, &exists, &meta, NULL), CA_OK);
	ck_assert(!exists);
	expect_empty_meta(&meta, 404);
	/* deleting it again is fine: S3 says 204 either way */
	junk(&meta);
	ck_assert_int_eq(s3_delete_object(c, bucket, key, &meta, NULL), CA_OK);
	ck_assert_int_eq(meta.status, 204);
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

START_TEST(meta_is_optional)
{
	struct aws_client *c = moto_client();
	struct ca_buf out = CA_BUF_INIT;
	struct s3_object_meta meta;
	char key[96], md5[33];
	bool exists = false;

	unique_key("no-meta.jpg", key, sizeof(key));
	ck_assert_int_eq(s3_put_object(c, bucket, key, "abc", 3, NULL, NULL, NULL), CA_OK);
	ck_assert_int_eq(s3_head_object(c, bucket, key, &exists, NULL, NULL), CA_OK);
	ck_assert(exists);
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, 3, NULL, NULL), CA_OK);
	ck_assert_str_eq(out.data, "abc");
	/* written without a type: binary/octet-stream */
	ck_assert_int_eq(s3_head_object(c, bucket, key, &exists, &meta, NULL), CA_OK);
	ck_assert_str_eq(meta.content_type, "binary/octet-stream");
	md5_hex("abc", 3, md5);
	ck_assert_str_eq(meta.etag, md5);
	ck_assert_int_eq(s3_delete_object(c, bucket, key, NULL, NULL), CA_OK);
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, 0, NULL, NULL), CA_ENOTFOUND);
	ck_assert_str_eq(out.data, "abc");
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

START_TEST(etag_follows_the_bytes)
{
	struct aws_client *c = moto_client();
	struct s3_object_meta first, again, other, empty;
	char key[96], md5[33];

	unique_key("same.jpg", key, sizeof(key));
	put_ok(c, key, "version one", 11, "image/jpeg", &first);
	put_ok(c, key, "version one", 11, "image/jpeg", &again);
	put_ok(c, key, "version two", 11, "image/jpeg", &other);
	ck_assert_str_eq(first.etag, again.etag);
	ck_assert_str_ne(first.etag, other.etag);
	md5_hex("version two", 11, md5);
	ck_assert_str_eq(other.etag, md5);
	/* an empty object: the MD5 of nothing */
	put_ok(c, key, NULL, 0, "image/jpeg", &empty);
	ck_assert_str_eq(empty.etag, "d41d8cd98f00b204e9800998ecf8427e");
	ck_assert_int_eq(s3_delete_object(c, bucket, key, NULL, NULL), CA_OK);
	aws_client_free(c);
}
END_TEST

START_TEST(missing_keys_and_buckets)
{
	struct aws_client *c = moto_client();
	struct s3_object_meta meta;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	char key[96], absent[64], unique[16];
	bool exists = true;

	unique_key("never-written.jpg", key, sizeof(key));
	/* a missing key: GET says CA_ENOTFOUND, HEAD says it is not there; both 404 */
	ca_buf_adds(&out, "kept");
	junk(&meta);
	ca_err_clear(&err);
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, 0, &meta, &err), CA_ENOTFOUND);
	expect_empty_meta(&meta, 404);
	ck_assert_str_eq(out.data, "kept");
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), key));
	/* even with a cap smaller than S3's error answer */
	junk(&meta);
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, 1, &meta, NULL), CA_ENOTFOUND);
	ck_assert_int_eq(meta.status, 404);
	junk(&meta);
	ck_assert_int_eq(s3_head_object(c, bucket, key, &exists, &meta, NULL), CA_OK);
	ck_assert(!exists);
	expect_empty_meta(&meta, 404);

	/* a missing bucket: S3's error with 404 for PUT, GET and DELETE */
	moto_unique(unique, sizeof(unique));
	snprintf(absent, sizeof(absent), "ca-test-absent-%s", unique);
	junk(&meta);
	ca_err_clear(&err);
	ck_assert_int_eq(s3_put_object(c, absent, "k.jpg", "x", 1, "image/jpeg", &meta, &err),
			 CA_AWS_SERVICE);
	expect_empty_meta(&meta, 404);
	ck_assert_msg(strstr(ca_err_msg(&err), "NoSuchBucket") != NULL, "%s", ca_err_msg(&err));
	junk(&meta);
	ca_err_clear(&err);
	ck_assert_int_eq(s3_get_object(c, absent, "k.jpg", &out, 0, &meta, &err), CA_AWS_SERVICE);
	expect_empty_meta(&meta, 404);
	ck_assert_msg(strstr(ca_err_msg(&err), "NoSuchBucket") != NULL, "%s", ca_err_msg(&err));
	ck_assert_str_eq(out.data, "kept");
	junk(&meta);
	ck_assert_int_eq(s3_delete_object(c, absent, "k.jpg", &meta, NULL), CA_AWS_SERVICE);
	expect_empty_meta(&meta, 404);
	/* HEAD cannot tell a missing bucket from a missing key: both 404, not there */
	junk(&meta);
	exists = true;
	ck_assert_int_eq(s3_head_object(c, absent, "k.jpg", &exists, &meta, NULL), CA_OK);
	ck_assert(!exists);
	ck_assert_int_eq(meta.status, 404);
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

START_TEST(gets_are_capped_exactly)
{
	struct aws_client *c = moto_client();
	struct s3_object_meta meta;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	char key[96], data[1000];

	unique_key("big.jpg", key, sizeof(key));
	memset(data, 'z', sizeof(data));
	put_ok(c, key, data, sizeof(data), "image/jpeg", NULL);
	ca_buf_adds(&out, "kept");
	junk(&meta);
	ca_err_clear(&err);
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, sizeof(data) - 1, &meta, &err),
			 CA_ERANGE);
	ck_assert_str_eq(out.data, "kept");
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "999 bytes"));
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, sizeof(data), &meta, NULL), CA_OK);
	ck_assert_uint_eq(out.len, 4 + sizeof(data));
	ck_assert_uint_eq(meta.content_length, sizeof(data));
	ck_assert_int_eq(s3_delete_object(c, bucket, key, NULL, NULL), CA_OK);
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

START_TEST(awkward_keys_round_trip)
{
	static const char *const names[] = { "with space.jpg", "o'brien+tag.jpg", "q?uery#frag.jpg",
					     "per%25cent.jpg", "caf\xc3\xa9.jpg", "a/b/c/deep.jpg",
					     "star*&=.jpg" };
	struct aws_client *c = moto_client();
	struct s3_object_meta put, head;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	char key[128];
	bool exists;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unique_key(names[i], key, sizeof(key));
		put_ok(c, key, names[i], strlen(names[i]), "image/jpeg", &put);
		exists = false;
		ca_err_clear(&err);
		ck_assert_msg(s3_head_object(c, bucket, key, &exists, &head, &err) == CA_OK, "%s: %s",
			      key, ca_err_msg(&err));
		ck_assert_msg(exists, "%s", key);
		ck_assert_str_eq(head.etag, put.etag);
		ca_buf_reset(&out);
		ck_assert_int_eq(s3_get_object(c, bucket, key, &out, 0, NULL, NULL), CA_OK);
		ck_assert_str_eq(out.data, names[i]);
		ck_assert_int_eq(s3_delete_object(c, bucket, key, NULL, NULL), CA_OK);
		ck_assert_int_eq(s3_head_object(c, bucket, key, &exists, NULL, NULL), CA_OK);
		ck_assert_msg(!exists, "%s", key);
	}
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

/* Meta of a fixed object this side writes and of the objects boto3 wrote, for
 * test_backend_s3.py to compare with boto3's head_object. One line each:
 * label TAB status TAB etag TAB content type TAB length. */
static void write_meta(FILE *f, const char *label, const struct s3_object_meta *m)
{
	fprintf(f, "%s\t%ld\t%s\t%s\t%llu\n", label, m->status, m->etag, m->content_type,
		m->content_length);
}

START_TEST(list_pages_carry_etag_and_size)
{
	struct aws_client *c = moto_client();
	struct s3_object_page page;
	const char *bodies[3] = { "a", "bb", "ccc" };
	char prefix[64], key[96], md5[33];
	struct ca_err err;
	size_t i;

	unique_key("", prefix, sizeof(prefix));
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "%sk%zu", prefix, i);
		put_ok(c, key, bodies[i], strlen(bodies[i]), "image/jpeg", NULL);
	}
	s3_object_page_init(&page);
	ca_err_clear(&err);
	ck_assert_msg(s3_list_objects_page(c, bucket, prefix, NULL, 2, &page, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	ck_assert_uint_eq(page.n_keys, 2);
	ck_assert(page.truncated);
	for (i = 0; i < 2; i++) {
		md5_hex(bodies[i], strlen(bodies[i]), md5);
		ck_assert_str_eq(page.etags[i], md5); /* without the quotes */
		ck_assert_uint_eq(page.sizes[i], strlen(bodies[i]));
	}
	{
		char *token = page.next_token;

		page.next_token = NULL;
		ck_assert_int_eq(s3_list_objects_page(c, bucket, prefix, token, 2, &page, &err), CA_OK);
		free(token);
	}
	ck_assert_uint_eq(page.n_keys, 1);
	ck_assert(!page.truncated);
	md5_hex("ccc", 3, md5);
	ck_assert_str_eq(page.etags[0], md5);
	ck_assert_uint_eq(page.sizes[0], 3);
	s3_object_page_release(&page);
	s3_object_page_release(NULL);
	aws_client_free(c);
}
END_TEST

START_TEST(multipart_round_trip)
{
	struct aws_client *c = moto_client();
	size_t big = 5u << 20, len = big + 10;
	unsigned char *data = malloc(len), both[32];
	char key[96], *id = NULL, *etags[2], e1[S3_ETAG_MAX], e2[S3_ETAG_MAX], want[48];
	struct s3_object_meta meta;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	unsigned int n = 0;
	size_t i;

	ck_assert_ptr_nonnull(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7);
	unique_key("big.jpg", key, sizeof(key));
	ca_err_clear(&err);
	ck_assert_msg(s3_create_multipart_upload(c, bucket, key, "image/jpeg", &id, &err) == CA_OK,
		      "%s", ca_err_msg(&err));
	ck_assert_ptr_nonnull(id);
	ck_assert_int_eq(s3_upload_part(c, bucket, key, id, 1, data, big, e1, &err), CA_OK);
	ck_assert_int_eq(s3_upload_part(c, bucket, key, id, 2, data + big, 10, e2, &err), CA_OK);
	etags[0] = e1;
	etags[1] = e2;
	ck_assert_msg(s3_complete_multipart_upload(c, bucket, key, id, etags, 2, &meta, &err) == CA_OK,
		      "%s", ca_err_msg(&err));
	/* the ETag of a multipart object: MD5 of the parts' MD5s, "-2" */
	ck_assert_int_eq(EVP_Digest(data, big, both, &n, EVP_md5(), NULL), 1);
	ck_assert_int_eq(EVP_Digest(data + big, 10, both + 16, &n, EVP_md5(), NULL), 1);
	md5_hex(both, 32, want);
	memcpy(want + 32, "-2", 3);
	ck_assert_str_eq(meta.etag, want);
	ck_assert_int_eq(s3_get_object(c, bucket, key, &out, 0, NULL, &err), CA_OK);
	ck_assert_uint_eq(out.len, len);
	ck_assert(memcmp(out.data, data, len) == 0);
	free(id);
	id = NULL;
	/* an upload given up: aborted; an unknown one is fine too */
	ck_assert_int_eq(s3_create_multipart_upload(c, bucket, key, NULL, &id, &err), CA_OK);
	ck_assert_int_eq(s3_abort_multipart_upload(c, bucket, key, id, &err), CA_OK);
	ck_assert_int_eq(s3_abort_multipart_upload(c, bucket, key, "no-such-upload", &err), CA_OK);
	free(id);
	free(data);
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

START_TEST(contract_meta)
{
	const char *path = getenv("CA_TEST_META_OUT");
	const char *theirs = getenv("CA_TEST_S3_THEIRS");
	struct aws_client *c = moto_client();
	struct s3_object_meta put, head, get;
	struct ca_buf out = CA_BUF_INIT, list = CA_BUF_INIT;
	struct ca_err err;
	bool exists = false;
	char *key, *next;
	FILE *f = NULL;

	put_ok(c, CONTRACT_KEY, CONTRACT_BYTES, sizeof(CONTRACT_BYTES) - 1, "image/jpeg", &put);
	ck_assert_int_eq(s3_head_object(c, bucket, CONTRACT_KEY, &exists, &head, NULL), CA_OK);
	ck_assert(exists);
	ck_assert_int_eq(s3_get_object(c, bucket, CONTRACT_KEY, &out, 0, &get, NULL), CA_OK);
	ck_assert_str_eq(put.etag, head.etag);
	ck_assert_str_eq(get.etag, head.etag);
	if (path && *path) {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		write_meta(f, "put", &put);
		write_meta(f, "head", &head);
		write_meta(f, "get", &get);
	}
	ca_buf_adds(&list, theirs ? theirs : "");
	ck_assert(ca_buf_ok(&list));
	for (key = list.data; key && *key; key = next) {
		next = strchr(key, ' ');
		if (next)
			*next++ = '\0';
		exists = false;
		ca_err_clear(&err);
		ck_assert_msg(s3_head_object(c, bucket, key, &exists, &head, &err) == CA_OK, "%s",
			      ca_err_msg(&err));
		ck_assert_msg(exists, "boto3's %s", key);
		if (f)
			write_meta(f, key, &head);
	}
	if (f)
		ck_assert_int_eq(fclose(f), 0);
	ca_buf_release(&list);
	ca_buf_release(&out);
	aws_client_free(c);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("aws_s3");
	TCase *offline = tcase_create("offline");
	TCase *server = tcase_create("server");

	tcase_add_test(offline, a_key_is_needed_and_meta_is_cleared);
	tcase_add_test(offline, no_answer_is_status_0);
	tcase_set_timeout(offline, 60);
	suite_add_tcase(s, offline);

	tcase_add_unchecked_fixture(server, setup_run, teardown_run);
	tcase_set_timeout(server, 120);
	tcase_add_test(server, put_head_get_delete_report_what_s3_said);
	tcase_add_test(server, meta_is_optional);
	tcase_add_test(server, list_pages_carry_etag_and_size);
	tcase_add_test(server, multipart_round_trip);
	tcase_add_test(server, etag_follows_the_bytes);
	tcase_add_test(server, missing_keys_and_buckets);
	tcase_add_test(server, gets_are_capped_exactly);
	tcase_add_test(server, awkward_keys_round_trip);
	suite_add_tcase(s, server);

	moto_case_alone(s, "contract", contract_meta, setup_run, teardown_run, 60);
	return s;
}

CA_TEST_MAIN()
