/*
 * test_moto_support.h — a moto server for Check tests that talk to AWS services.
 *
 * moto_up() (an unchecked fixture: runs once in the parent, before the forks)
 * uses the server named by CA_TEST_MOTO (http://127.0.0.1:PORT, as the pytest
 * integration tests pass it) or starts .venv/bin/moto_server (CA_MOTO_SERVER
 * overrides the path) on a free loopback port and waits until it answers.
 * It also points the credentials chain at fixed test keys and clears the
 * endpoint variables, so the tests pass the endpoint themselves.
 * A server moto_up() started is stopped when the test process exits.
 * moto_client() gives an AWS client pointed at that server; moto_s3_bucket() the
 * bucket an S3 test run works in; moto_case_alone() the tcases the integration tests
 * run by name with boto3 as the other party.
 */
#ifndef CA_TEST_MOTO_SUPPORT_H
#define CA_TEST_MOTO_SUPPORT_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_ca.h"
#include "loopback.h"

#include "aws/client.h"
#include "aws/s3.h"

static char moto_endpoint[64];
static pid_t moto_pid = -1;

static size_t moto_discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* true when GET url answers with any HTTP status. */
static int moto_answers(const char *url)
{
	CURL *h = curl_easy_init();
	long status = 0;

	if (!h)
		return 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, moto_discard);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status > 0;
}

static void moto_env(void)
{
	setenv("AWS_ACCESS_KEY_ID", "testing", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("AWS_REGION", "ap-southeast-1", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
	unsetenv("AWS_ENDPOINT_URL_S3");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ca-test-credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/ca-test-config", 1);
}

static pid_t moto_owner = -1;

/* At exit of the process that started it (not of Check's forked children). */
static void moto_stop_at_exit(void)
{
	if (getpid() == moto_owner && moto_pid > 0) {
		kill(-moto_pid, SIGTERM);
		kill(moto_pid, SIGTERM);
		waitpid(moto_pid, NULL, 0);
		moto_pid = -1;
	}
}

/*
 * Starts server on a free port, its output in log_path; returns 1 when it answers,
 * 0 when it exited at start (a port another process took between our probe and its
 * bind is the usual cause: the caller tries again). Fails the test when it neither
 * answers nor exits within 60 s.
 */
static int moto_start_once(const char *server, const char *log_path)
{
	char probe[96];
	int port, i;

	port = loopback_free_port();
	snprintf(moto_endpoint, sizeof(moto_endpoint), "http://127.0.0.1:%d", port);
	moto_owner = getpid();
	moto_pid = fork();
	ck_assert_int_ge(moto_pid, 0);
	if (moto_pid == 0) {
		char port_text[16];
		int out = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		setsid();
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		snprintf(port_text, sizeof(port_text), "%d", port);
		execl(server, server, "-H", "127.0.0.1", "-p", port_text, (char *)NULL);
		_exit(127);
	}
	snprintf(probe, sizeof(probe), "%s/moto-api/", moto_endpoint);
	/* readiness, not timing: poll until it answers (or 60 s pass) */
	for (i = 0; i < 600 && !moto_answers(probe); i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		int status;

		if (waitpid(moto_pid, &status, WNOHANG) != 0) {
			moto_pid = -1;
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(i < 600, "moto did not answer on %s (its output: %s)", moto_endpoint,
		      log_path);
	return 1;
}

/* The last line of the file at path (at most cap-1 bytes), for a failure message. */
static void moto_log_tail(const char *path, char *out, size_t cap)
{
	char line[512];
	FILE *f = fopen(path, "r");

	snprintf(out, cap, "(no output)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\n') {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, cap, "%s", line);
		}
	fclose(f);
}

/* Idempotent: later tcases reuse the server the first one started. */
static void moto_up(void)
{
	const char *given = getenv("CA_TEST_MOTO");
	const char *server = getenv("CA_MOTO_SERVER");
	char log_path[] = "/tmp/ca-moto-XXXXXX", tail[512];
	int fd, attempt, up = 0;

	if (moto_endpoint[0])
		return;
	moto_env();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (given && *given) {
		snprintf(moto_endpoint, sizeof(moto_endpoint), "%s", given);
		return;
	}
	if (!server || !*server)
		server = ".venv/bin/moto_server";
	ck_assert_msg(access(server, X_OK) == 0,
		      "%s is not there: run make deps (or set CA_TEST_MOTO / CA_MOTO_SERVER)", server);
	fd = mkstemp(log_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (attempt = 0; attempt < 3 && !up; attempt++)
		up = moto_start_once(server, log_path);
	moto_log_tail(log_path, tail, sizeof(tail));
	unlink(log_path);
	if (!up)
		moto_endpoint[0] = 0;
	ck_assert_msg(up, "%s exited at start three times; it said: %s", server, tail);
	atexit(moto_stop_at_exit);
}

/*
 * An AWS client for the server moto_up() found or started (region ap-southeast-1,
 * the test keys moto_env() set); the caller frees it with aws_client_free().
 * Fails the test when the client cannot be made. Call after moto_up().
 */
static struct aws_client *moto_client(void)
{
	struct aws_client_options opt;
	struct aws_client *c = NULL;
	struct ca_err err;

	memset(&opt, 0, sizeof(opt));
	opt.endpoint = moto_endpoint;
	opt.fallback_region = "ap-southeast-1";
	ca_err_clear(&err);
	ck_assert_msg(aws_client_new(&opt, &c, &err) == CA_OK, "%s", ca_err_msg(&err));
	return c;
}

/* A fresh random name part for this run's tables and buckets (lower-case hex). */
static void moto_unique(char *out, size_t cap)
{
	unsigned char b[6];
	FILE *f = fopen("/dev/urandom", "rb");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(b, 1, sizeof(b), f), sizeof(b));
	fclose(f);
	snprintf(out, cap, "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

/* Makes bucket name in ap-southeast-1 on the server; fails the test when it cannot. */
static inline void moto_make_bucket(const char *name)
{
	struct aws_client *c = moto_client();
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(s3_create_bucket(c, name, "ap-southeast-1", &err) == CA_OK, "%s",
		      ca_err_msg(&err));
	aws_client_free(c);
}

/*
 * The bucket an S3 test run works in, into bucket[cap]: the one CA_TEST_S3_BUCKET
 * names (made by the caller, e.g. boto3 in an integration test), else a fresh
 * "<prefix>-<random>" made here. Once per process: a bucket already set is kept.
 * Calls moto_up() first.
 */
static inline void moto_s3_bucket(const char *prefix, char *bucket, size_t cap)
{
	const char *given = getenv("CA_TEST_S3_BUCKET");
	char unique[16];

	moto_up();
	if (given && *given) {
		snprintf(bucket, cap, "%s", given);
		return;
	}
	if (bucket[0])
		return;
	moto_unique(unique, sizeof(unique));
	snprintf(bucket, cap, "%s-%s", prefix, unique);
	moto_make_bucket(bucket);
}

/*
 * The cases tests/integration/test_backend_*.py run with boto3 as the other party
 * (backend_helpers.run_case): a tcase `name` of test alone, so that CK_RUN_CASE can pick
 * it, with setup/teardown as an unchecked fixture and timeout seconds.
 */
static inline void moto_case_alone(Suite *s, const char *name, const TTest *test,
				   SFun setup, SFun teardown, double timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

/* true when the integration test wrote the seed application's items itself
 * (CA_TEST_SEED_WRITTEN=1); else the seed case writes them. */
static inline int moto_seed_written(void)
{
	const char *written = getenv("CA_TEST_SEED_WRITTEN");

	return written && strcmp(written, "1") == 0;
}

#endif
