/*
 * The S3 storage backend, against a moto server (test_moto_support.h): keys,
 * Content-Type, the old thumbnail/ folder, the size cap, hostile names,
 * presigned URLs fetched back, the checks made at open, and a bucket that goes
 * away after it.
 *
 * Run by tests/integration/test_backend_s3.py too, with CA_TEST_MOTO and
 * CA_TEST_S3_BUCKET naming a bucket it made with boto3, and CA_TEST_URL_OUT
 * naming a file where the contract case leaves its presigned URLs.
 */
#include "test_moto_support.h"

#include "aws/client.h"
#include "storage/disk.h"
#include "storage/s3.h"
#include "storage/storage.h"
#include "util/buf.h"
#include "util/strutil.h"

#define UUID_NAME "0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg"
#define UUID_NAME2 "1c7f4d0f-3a5e-4b9c-8d2f-8e6b4c3d2a11.jpeg"
#define EMAIL "alice.smith@example.com"
#define NORM "alice_dot_smith_at_example_dot_com"
#define CONTRACT_EMAIL "contract@example.com"

static char bucket[64];

/* ---------- helpers ---------- */

/* One raw S3 request; returns the HTTP status, *resp released by the caller if given. */
static long raw_s3(const char *method, const char *b, const char *key, const void *body,
		   size_t len, struct aws_response *keep)
{
	struct aws_client *c = moto_client();
	struct aws_s3_request r;
	struct aws_response resp;
	long status;

	memset(&r, 0, sizeof(r));
	r.method = method;
	r.bucket = b;
	r.key = key;
	r.body = body;
	r.body_len = len;
	aws_response_init(&resp);
	aws_s3_send(c, &r, &resp, NULL);
	status = resp.http.status;
	if (keep)
		*keep = resp;
	else
		aws_response_release(&resp);
	aws_client_free(c);
	return status;
}

static void setup_run(void)
{
	moto_s3_bucket("ca-test", bucket, sizeof(bucket));
}

static void teardown_run(void)
{
}

static struct ca_storage *open_s3(const char *prefix)
{
	struct ca_storage_s3_options opt;
	struct ca_storage *st = NULL;
	struct ca_err err;

	memset(&opt, 0, sizeof(opt));
	opt.bucket = bucket;
	opt.prefix = prefix;
	opt.region = "ap-southeast-1";
	opt.endpoint = moto_endpoint;
	ca_err_clear(&err);
	ck_assert_msg(ca_storage_s3_open(&opt, &st, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_str_eq(ca_storage_kind(st), "s3");
	return st;
}

static void put_ok(struct ca_storage *st, const char *email, const char *name,
		   enum ca_image_kind kind, const char *bytes)
{
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(ca_storage_put(st, email, name, kind, bytes, strlen(bytes), &err) == CA_OK,
		      "%s", ca_err_msg(&err));
}

static void expect_bytes(struct ca_storage *st, const char *email, const char *name,
			 enum ca_image_kind kind, const char *bytes)
{
	struct ca_buf got = CA_BUF_INIT;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(ca_storage_get(st, email, name, kind, 1 << 20, &got, &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	ck_assert_uint_eq(got.len, strlen(bytes));
	ck_assert(memcmp(got.data, bytes, got.len) == 0);
	ca_buf_release(&got);
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	ca_buf_add(ctx, p, size * n);
	return size * n;
}

/* GET url with plain libcurl (no signing of ours); returns the status. */
static long fetch(const char *url, struct ca_buf *body)
{
	CURL *h = curl_easy_init();
	long status = 0;

	ck_assert_ptr_nonnull(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}

/* ---------- offline ---------- */

START_TEST(keys_follow_the_layout)
{
	struct ca_buf k = CA_BUF_INIT;

	ck_assert_int_eq(ca_storage_s3_key("photos", EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, &k, NULL),
			 CA_OK);
	ck_assert_str_eq(k.data, "photos/" NORM "/" UUID_NAME);
	ca_buf_reset(&k);
	ck_assert_int_eq(ca_storage_s3_key("photos", EMAIL, UUID_NAME, CA_IMAGE_THUMB, &k, NULL),
			 CA_OK);
	ck_assert_str_eq(k.data, "photos/" NORM "/thumbnails/" UUID_NAME);
	ca_buf_reset(&k);
	ck_assert_int_eq(ca_storage_s3_key("", EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, &k, NULL), CA_OK);
	ck_assert_str_eq(k.data, NORM "/" UUID_NAME);
	ca_buf_reset(&k);
	ck_assert_int_eq(ca_storage_s3_key("photos", EMAIL, "../x.jpg", CA_IMAGE_ORIGINAL, &k, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_s3_key("photos", "a/b@c.d", UUID_NAME, CA_IMAGE_ORIGINAL, &k, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_s3_key("photos", EMAIL, "a\nb.jpg", CA_IMAGE_ORIGINAL, &k, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_uint_eq(k.len, 0);
	ca_buf_release(&k);
}
END_TEST

START_TEST(options_are_checked_before_any_request)
{
	static const char *const bad_prefixes[] = { "../up", "/abs", "a//b", "a/./b", "a/../b",
						    "x\ty", "back\\slash", "." };
	static const char *const bad_buckets[] = { "", "ab", "a/b", "has space", "x?y" };
	struct ca_storage_s3_options opt;
	struct ca_storage *st = (struct ca_storage *)1;
	size_t i;

	/* nothing listens here: a request would fail with CA_STORAGE_IO, not CA_EINVAL */
	moto_env();
	memset(&opt, 0, sizeof(opt));
	opt.endpoint = "http://127.0.0.1:9";
	opt.region = "ap-southeast-1";
	opt.bucket = "fine-bucket";
	for (i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]); i++) {
		opt.prefix = bad_prefixes[i];
		ck_assert_msg(ca_storage_s3_open(&opt, &st, NULL) == CA_EINVAL, "prefix %s",
			      bad_prefixes[i]);
		ck_assert_ptr_null(st);
	}
	opt.prefix = NULL;
	for (i = 0; i < sizeof(bad_buckets) / sizeof(bad_buckets[0]); i++) {
		opt.bucket = bad_buckets[i];
		ck_assert_msg(ca_storage_s3_open(&opt, &st, NULL) == CA_EINVAL, "bucket %s",
			      bad_buckets[i]);
	}
	opt.bucket = NULL;
	ck_assert_int_eq(ca_storage_s3_open(&opt, &st, NULL), CA_EINVAL);
	opt.bucket = "fine-bucket";
	opt.presign_expires = CA_STORAGE_URL_MAX_EXPIRES + 1;
	ck_assert_int_eq(ca_storage_s3_open(&opt, &st, NULL), CA_EINVAL);
	opt.presign_expires = -1;
	ck_assert_int_eq(ca_storage_s3_open(&opt, &st, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_storage_s3_open(NULL, &st, NULL), CA_EINVAL);
	/* and with good options the unreachable endpoint is the error */
	opt.presign_expires = 0;
	setenv("AWS_MAX_ATTEMPTS", "1", 1);
	ck_assert_int_eq(ca_storage_s3_open(&opt, &st, NULL), CA_STORAGE_IO);
	unsetenv("AWS_MAX_ATTEMPTS");
}
END_TEST

START_TEST(disk_has_no_urls)
{
	char root[] = "/tmp/ca-test-s3url-XXXXXX";
	struct ca_storage *st = NULL;
	char *url = (char *)1;
	char cmd[64];

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(ca_storage_disk_open(root, &st, NULL), CA_OK);
	ck_assert_int_eq(ca_storage_url(st, EMAIL, UUID_NAME, CA_IMAGE_THUMB, 0, &url, NULL), CA_OK);
	ck_assert_ptr_null(url);
	ck_assert_int_eq(ca_storage_url(st, EMAIL, "../x", CA_IMAGE_THUMB, 0, &url, NULL),
			 CA_STORAGE_BAD_NAME);
	ca_storage_release(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---------- against moto ---------- */

START_TEST(put_get_exists_delete)
{
	struct ca_storage *st = open_s3(NULL);
	struct aws_response resp;
	struct ca_buf got = CA_BUF_INIT;
	struct ca_err err;
	const char *ct;
	bool there = true;
	char unique[16], *email;

	moto_unique(unique, sizeof(unique));
	email = ca_strdup(EMAIL);
	email[0] = unique[0] >= 'a' ? unique[0] : 'z'; /* a user of this run only */
	email[1] = unique[1] >= 'a' ? unique[1] : 'y';
	ck_assert_int_eq(ca_storage_exists(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, &there, NULL),
			 CA_OK);
	ck_assert(!there);
	put_ok(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, "\xff\xd8 original \xff\xd9");
	put_ok(st, email, UUID_NAME, CA_IMAGE_THUMB, "\xff\xd8 thumb \xff\xd9");
	expect_bytes(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, "\xff\xd8 original \xff\xd9");
	expect_bytes(st, email, UUID_NAME, CA_IMAGE_THUMB, "\xff\xd8 thumb \xff\xd9");
	ck_assert_int_eq(ca_storage_exists(st, email, UUID_NAME, CA_IMAGE_THUMB, &there, NULL), CA_OK);
	ck_assert(there);

	/* replaced whole */
	put_ok(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, "v2");
	expect_bytes(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, "v2");

	/* where it is and how it is typed, seen by a plain request */
	{
		char *key = NULL;
		struct ca_buf k = CA_BUF_INIT;

		ck_assert_int_eq(ca_storage_s3_key("photos", email, UUID_NAME, CA_IMAGE_THUMB, &k, NULL),
				 CA_OK);
		key = ca_buf_detach(&k, NULL);
		ck_assert_int_eq(raw_s3("HEAD", bucket, key, NULL, 0, &resp), 200);
		ct = aws_http_response_header(&resp.http, "Content-Type");
		ck_assert_ptr_nonnull(ct);
		ck_assert_str_eq(ct, "image/jpeg");
		aws_response_release(&resp);
		free(key);
	}

	/* deletes */
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_delete_photo(st, email, UUID_NAME, &err), CA_OK);
	ck_assert_int_eq(ca_storage_get(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_get(st, email, UUID_NAME, CA_IMAGE_THUMB, 100, &got, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_uint_eq(got.len, 0);
	ck_assert_int_eq(ca_storage_delete(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_delete_photo(st, email, UUID_NAME, NULL), CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_exists(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, &there, NULL),
			 CA_OK);
	ck_assert(!there);
	free(email);
	ca_storage_release(st);
}
END_TEST

START_TEST(old_thumbnail_folder_is_read_and_deleted)
{
	struct ca_storage *st = open_s3(NULL);
	const char *email = "old.timer@example.com";
	bool there = false;

	ck_assert_int_eq(raw_s3("PUT", bucket, "photos/old_dot_timer_at_example_dot_com/thumbnail/"
				UUID_NAME2, "old thumb", 9, NULL), 200);
	expect_bytes(st, email, UUID_NAME2, CA_IMAGE_THUMB, "old thumb");
	ck_assert_int_eq(ca_storage_exists(st, email, UUID_NAME2, CA_IMAGE_THUMB, &there, NULL), CA_OK);
	ck_assert(there);
	/* the one we write wins over the old one */
	put_ok(st, email, UUID_NAME2, CA_IMAGE_THUMB, "new thumb");
	expect_bytes(st, email, UUID_NAME2, CA_IMAGE_THUMB, "new thumb");
	ck_assert_int_eq(ca_storage_delete(st, email, UUID_NAME2, CA_IMAGE_THUMB, NULL), CA_OK);
	ck_assert_int_eq(raw_s3("HEAD", bucket, "photos/old_dot_timer_at_example_dot_com/thumbnail/"
				UUID_NAME2, NULL, 0, NULL), 404);
	ck_assert_int_eq(ca_storage_exists(st, email, UUID_NAME2, CA_IMAGE_THUMB, &there, NULL), CA_OK);
	ck_assert(!there);
	ca_storage_release(st);
}
END_TEST

START_TEST(reads_are_capped)
{
	struct ca_storage *st = open_s3(NULL);
	const char *email = "big.file@example.com";
	struct ca_buf got = CA_BUF_INIT;
	char data[1000];
	struct ca_err err;

	memset(data, 'x', sizeof(data));
	ck_assert_int_eq(ca_storage_put(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, data, sizeof(data),
					NULL), CA_OK);
	ca_buf_adds(&got, "kept");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_get(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, 999, &got, &err),
			 CA_ERANGE);
	ck_assert_str_eq(got.data, "kept");
	ck_assert_int_eq(ca_storage_get(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, 0, &got, NULL),
			 CA_ERANGE);
	ck_assert_int_eq(ca_storage_get(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, 1000, &got, NULL),
			 CA_OK);
	ck_assert_uint_eq(got.len, 4 + 1000);
	ca_buf_release(&got);
	/* an empty image */
	ck_assert_int_eq(ca_storage_put(st, email, UUID_NAME2, CA_IMAGE_ORIGINAL, "", 0, NULL), CA_OK);
	ck_assert_int_eq(ca_storage_get(st, email, UUID_NAME2, CA_IMAGE_ORIGINAL, 0, &got, NULL),
			 CA_OK);
	ck_assert_uint_eq(got.len, 0);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(hostile_names_are_refused)
{
	static const char *const names[] = { "../" UUID_NAME, "a/" UUID_NAME, ".hidden.jpg", "",
					     "x\\y.jpg", "bad\x01.jpg", ".." };
	static const char *const emails[] = { "a/b@example.com", "", "x\\y@example.com",
					      "new\nline@example.com" };
	struct ca_storage *st = open_s3(NULL);
	struct ca_buf got = CA_BUF_INIT;
	bool there;
	char *url = NULL;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(ca_storage_put(st, EMAIL, names[i], CA_IMAGE_ORIGINAL, "x", 1, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_get(st, EMAIL, names[i], CA_IMAGE_ORIGINAL, 10, &got, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_delete(st, EMAIL, names[i], CA_IMAGE_THUMB, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_exists(st, EMAIL, names[i], CA_IMAGE_THUMB, &there, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_url(st, EMAIL, names[i], CA_IMAGE_ORIGINAL, 0, &url, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_ptr_null(url);
	}
	for (i = 0; i < sizeof(emails) / sizeof(emails[0]); i++) {
		ck_assert_int_eq(ca_storage_put(st, emails[i], UUID_NAME, CA_IMAGE_ORIGINAL, "x", 1,
						NULL), CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_url(st, emails[i], UUID_NAME, CA_IMAGE_ORIGINAL, 0, &url,
						NULL), CA_STORAGE_BAD_NAME);
	}
	/* a name the seed never wrote may be read but not written */
	ck_assert_int_eq(ca_storage_put(st, EMAIL, "holiday.jpg", CA_IMAGE_ORIGINAL, "x", 1, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, "holiday.jpg", CA_IMAGE_ORIGINAL, 10, &got, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_uint_eq(got.len, 0);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(presigned_urls_fetch_the_object)
{
	struct ca_storage *st = open_s3(NULL);
	/* characters that must be encoded in the key and the URL */
	const char *email = "o'brien+tag@example.com";
	struct ca_buf body = CA_BUF_INIT;
	struct ca_err err;
	char *url = NULL;

	put_ok(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, "presigned original");
	put_ok(st, email, UUID_NAME, CA_IMAGE_THUMB, "presigned thumb");
	ca_err_clear(&err);
	ck_assert_msg(ca_storage_url(st, email, UUID_NAME, CA_IMAGE_ORIGINAL, 0, &url, &err) == CA_OK,
		      "%s", ca_err_msg(&err));
	ck_assert_ptr_nonnull(url);
	ck_assert_msg(ca_starts_with(url, moto_endpoint), "%s", url);
	ck_assert_ptr_nonnull(strstr(url, "X-Amz-Expires=3600"));
	ck_assert_ptr_nonnull(strstr(url, "X-Amz-Signature="));
	ck_assert_ptr_nonnull(strstr(url, "/photos/o%27brien%2Btag_at_example_dot_com/" UUID_NAME "?"));
	ck_assert_int_eq(fetch(url, &body), 200);
	ck_assert_str_eq(body.data, "presigned original");
	free(url);
	ca_buf_reset(&body);

	ck_assert_int_eq(ca_storage_url(st, email, UUID_NAME, CA_IMAGE_THUMB, 60, &url, NULL), CA_OK);
	ck_assert_ptr_nonnull(strstr(url, "X-Amz-Expires=60&"));
	ck_assert_int_eq(fetch(url, &body), 200);
	ck_assert_str_eq(body.data, "presigned thumb");
	free(url);
	url = NULL;

	ck_assert_int_eq(ca_storage_url(st, email, UUID_NAME, CA_IMAGE_THUMB,
					CA_STORAGE_URL_MAX_EXPIRES + 1, &url, NULL), CA_ERANGE);
	ck_assert_ptr_null(url);
	ck_assert_int_eq(ca_storage_url(st, email, UUID_NAME, CA_IMAGE_THUMB, -5, &url, NULL),
			 CA_ERANGE);
	ca_buf_release(&body);
	ca_storage_release(st);
}
END_TEST

START_TEST(prefix_and_missing_bucket)
{
	struct ca_storage *st = open_s3("albums/v2/");
	struct ca_storage_s3_options opt;
	struct ca_storage *none = NULL;
	struct ca_err err;

	put_ok(st, EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, "prefixed");
	ck_assert_int_eq(raw_s3("HEAD", bucket, "albums/v2/" NORM "/" UUID_NAME, NULL, 0, NULL), 200);
	ca_storage_release(st);

	st = open_s3("");
	put_ok(st, EMAIL, UUID_NAME, CA_IMAGE_THUMB, "at the root");
	ck_assert_int_eq(raw_s3("HEAD", bucket, NORM "/thumbnails/" UUID_NAME, NULL, 0, NULL), 200);
	ca_storage_release(st);

	memset(&opt, 0, sizeof(opt));
	opt.bucket = "no-such-bucket-for-cloudalbum";
	opt.endpoint = moto_endpoint;
	opt.region = "ap-southeast-1";
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_s3_open(&opt, &none, &err), CA_STORAGE_IO);
	ck_assert_ptr_null(none);
	ck_assert_msg(strstr(ca_err_msg(&err), "stage 2") != NULL, "%s", ca_err_msg(&err));
}
END_TEST

/* The bucket goes away under an open backend: each call says so its own way. */
START_TEST(bucket_deleted_after_open)
{
	struct ca_storage_s3_options opt;
	struct ca_storage *st = NULL;
	struct ca_buf got = CA_BUF_INIT;
	struct ca_err err;
	char gone[64], unique[16], msg[128];
	bool there = true;

	moto_unique(unique, sizeof(unique));
	snprintf(gone, sizeof(gone), "ca-test-gone-%s", unique);
	moto_make_bucket(gone);
	memset(&opt, 0, sizeof(opt));
	opt.bucket = gone;
	opt.region = "ap-southeast-1";
	opt.endpoint = moto_endpoint;
	ca_err_clear(&err);
	ck_assert_msg(ca_storage_s3_open(&opt, &st, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_int_eq(raw_s3("DELETE", gone, NULL, NULL, 0, NULL), 204);

	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, "x", 1, &err),
			 CA_STORAGE_IO);
	snprintf(msg, sizeof(msg), "The bucket %s does not exist.", gone);
	ck_assert_str_eq(ca_err_msg(&err), msg);
	ca_buf_adds(&got, "kept");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, 100, &got, &err),
			 CA_STORAGE_NOTFOUND);
	ck_assert_str_eq(got.data, "kept");
	ck_assert_str_eq(ca_err_msg(&err), "The object photos/" NORM "/" UUID_NAME
			 " is not in the bucket.");
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID_NAME, CA_IMAGE_THUMB, &there, NULL), CA_OK);
	ck_assert(!there);
	ck_assert_int_eq(ca_storage_delete(st, EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, NULL),
			 CA_STORAGE_NOTFOUND);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

/* Objects in the seed application's layout (written by boto3 in test_backend_s3.py
 * with CA_TEST_SEED_WRITTEN=1, else here with plain requests). */
START_TEST(seed_layout_reads)
{
	struct ca_storage *st;
	struct ca_buf body = CA_BUF_INIT;
	char *url = NULL;

	if (!moto_seed_written()) {
		ck_assert_int_eq(raw_s3("PUT", bucket, "photos/seed_dot_user_at_example_dot_com/"
					UUID_NAME2, "seed original", 13, NULL), 200);
		ck_assert_int_eq(raw_s3("PUT", bucket, "photos/seed_dot_user_at_example_dot_com/"
					"thumbnail/" UUID_NAME2, "seed thumb", 10, NULL), 200);
	}
	st = open_s3(NULL);
	expect_bytes(st, "seed.user@example.com", UUID_NAME2, CA_IMAGE_ORIGINAL, "seed original");
	expect_bytes(st, "seed.user@example.com", UUID_NAME2, CA_IMAGE_THUMB, "seed thumb");
	ck_assert_int_eq(ca_storage_url(st, "seed.user@example.com", UUID_NAME2, CA_IMAGE_ORIGINAL,
					0, &url, NULL), CA_OK);
	ck_assert_int_eq(fetch(url, &body), 200);
	ck_assert_str_eq(body.data, "seed original");
	free(url);
	ca_buf_release(&body);
	ca_storage_release(st);
}
END_TEST

/* Fixed objects that test_backend_s3.py checks with boto3. */
START_TEST(contract_writes)
{
	struct ca_storage *st = open_s3(NULL);
	const char *out = getenv("CA_TEST_URL_OUT");
	char *orig = NULL, *thumb = NULL;

	put_ok(st, CONTRACT_EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, "\xff\xd8original-bytes\xff\xd9");
	put_ok(st, CONTRACT_EMAIL, UUID_NAME, CA_IMAGE_THUMB, "\xff\xd8thumb-bytes\xff\xd9");
	ck_assert_int_eq(ca_storage_url(st, CONTRACT_EMAIL, UUID_NAME, CA_IMAGE_ORIGINAL, 0, &orig,
					NULL), CA_OK);
	ck_assert_int_eq(ca_storage_url(st, CONTRACT_EMAIL, UUID_NAME, CA_IMAGE_THUMB, 0, &thumb,
					NULL), CA_OK);
	if (out && *out) {
		FILE *f = fopen(out, "w");

		ck_assert_ptr_nonnull(f);
		fprintf(f, "%s\n%s\n", orig, thumb);
		ck_assert_int_eq(fclose(f), 0);
	}
	free(orig);
	free(thumb);
	ca_storage_release(st);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("storage_s3");
	TCase *offline = tcase_create("offline");
	TCase *server = tcase_create("server");

	tcase_add_test(offline, keys_follow_the_layout);
	tcase_add_test(offline, options_are_checked_before_any_request);
	tcase_add_test(offline, disk_has_no_urls);
	tcase_set_timeout(offline, 30);
	suite_add_tcase(s, offline);

	tcase_add_unchecked_fixture(server, setup_run, teardown_run);
	tcase_set_timeout(server, 120);
	tcase_add_test(server, put_get_exists_delete);
	tcase_add_test(server, old_thumbnail_folder_is_read_and_deleted);
	tcase_add_test(server, reads_are_capped);
	tcase_add_test(server, hostile_names_are_refused);
	tcase_add_test(server, presigned_urls_fetch_the_object);
	tcase_add_test(server, prefix_and_missing_bucket);
	tcase_add_test(server, bucket_deleted_after_open);
	suite_add_tcase(s, server);

	moto_case_alone(s, "seed_reads", seed_layout_reads, setup_run, teardown_run, 60);
	moto_case_alone(s, "contract", contract_writes, setup_run, teardown_run, 60);
	return s;
}

CA_TEST_MAIN()
