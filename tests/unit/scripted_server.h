/*
 * scripted_server.h — for unit tests of the AWS client layer: a scripted HTTP server
 * on a loopback port (answer i goes to connection i, each connection closed after its
 * answer; the first requests' header blocks are kept) and a client pointed at it whose
 * retries sleep through a no-op, so nothing waits on a clock. Static functions: include
 * it in one test file.
 */
#ifndef CA_TESTS_SCRIPTED_SERVER_H
#define CA_TESTS_SCRIPTED_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_ca.h"
#include "loopback.h"
#include "aws/client.h"

/* ---------- a scripted server: answer i goes to connection i ---------- */

struct answer {
	int status;
	const char *headers; /* extra header lines, each ending "\r\n" */
	const char *body;
};

#define MAX_KEPT 4

struct script {
	int fd;
	int port;
	const struct answer *answers;
	size_t n;
	pthread_t thread;
	char head[MAX_KEPT][4096];   /* the first requests' header blocks, as received */
};

/* Reads one request (headers, then Content-Length bytes of body); its header block
 * into keep (cap bytes, NUL-terminated) when keep is not NULL. */
static void read_request(int c, char *keep, size_t cap)
{
	char buf[65536];
	size_t len = 0;
	ssize_t r;
	char *end, *cl;
	size_t want;

	for (;;) {
		r = read(c, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (keep)
		snprintf(keep, cap, "%.*s", (int)(end - buf), buf);
	cl = strcasestr(buf, "\r\nContent-Length:");
	want = cl && cl < end ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
	while (len - (size_t)(end + 4 - buf) < want && len < sizeof(buf) - 1) {
		r = read(c, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			return;
		len += (size_t)r;
	}
}

static void *serve(void *arg)
{
	struct script *s = arg;
	char head[1024];
	size_t i;

	for (i = 0; i < s->n; i++) {
		int c = accept(s->fd, NULL, NULL);
		const char *body = s->answers[i].body ? s->answers[i].body : "";
		int n;

		if (c < 0)
			break;
		read_request(c, i < MAX_KEPT ? s->head[i] : NULL, sizeof(s->head[0]));
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			     s->answers[i].status, strlen(body),
			     s->answers[i].headers ? s->answers[i].headers : "");
		if (write(c, head, (size_t)n) < 0 || write(c, body, strlen(body)) < 0) {
			close(c);
			break;
		}
		close(c);
	}
	return NULL;
}

static void script_start(struct script *s, const struct answer *answers, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->answers = answers;
	s->n = n;
	s->fd = loopback_bound(SOCK_STREAM, &s->port);
	ck_assert_int_eq(listen(s->fd, 8), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void script_stop(struct script *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

/* ---------- a client of the scripted server ---------- */

static void no_sleep(void *ctx, double ms)
{
	(void)ctx;
	(void)ms;
}

static struct aws_client *client_to(int port, int max_attempts)
{
	struct aws_client_options opt;
	struct aws_retry_policy policy;
	struct aws_client *c = NULL;
	char endpoint[64];
	struct ca_err err;

	setenv("AWS_ACCESS_KEY_ID", "testing", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ca-test-credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/ca-test-config", 1);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_ENDPOINT_URL_XRAY");
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", port);
	aws_retry_policy_init(&policy);
	policy.max_attempts = max_attempts;
	policy.sleep = no_sleep;
	memset(&opt, 0, sizeof(opt));
	opt.region = "ap-southeast-1";
	opt.endpoint = endpoint;
	opt.retry = &policy;
	opt.http.connect_timeout_ms = 2000;
	opt.http.timeout_ms = 10000;
	ca_err_clear(&err);
	ck_assert_msg(aws_client_new(&opt, &c, &err) == CA_OK, "%s", err.msg);
	return c;
}

#endif
