/* The bounded worker pool (lib/http/workpool.c) and the connection deadlines
 * (lib/http/conn_watch.c), on socket pairs. Counts only, no timing is asserted: waits are
 * bounded loops that fail the test when what should happen never does. */
#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check_ca.h"
#include "http/conn_watch.h"
#include "http/workpool.h"

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
	int ran;
};

static void gated_job(void *arg)
{
	struct gate *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	g->ran++;
	pthread_mutex_unlock(&g->lock);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

START_TEST(pool_takes_workers_plus_queue_then_refuses)
{
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0 };
	struct ca_workpool *p = NULL;
	int i;

	ck_assert_int_eq(ca_workpool_new(&p, 1, 1, NULL), CA_OK);
	ck_assert(ca_workpool_submit(p, gated_job, &g));
	ck_assert(ca_workpool_submit(p, gated_job, &g));
	for (i = 0; i < 5; i++)
		ck_assert(!ca_workpool_submit(p, gated_job, &g));
	ck_assert_uint_eq(ca_workpool_pending(p), 2);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	for (i = 0; i < 1000 && ca_workpool_pending(p); i++)
		sleep_ms(5);
	ck_assert_uint_eq(ca_workpool_pending(p), 0);
	ck_assert(ca_workpool_submit(p, gated_job, &g)); /* room again */
	ca_workpool_free(p);                              /* runs what it took */
	ck_assert_int_eq(g.ran, 3);
}
END_TEST

START_TEST(pool_sizes_checked)
{
	struct ca_workpool *p = NULL;

	ck_assert_int_eq(ca_workpool_new(&p, 0, 1, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_workpool_new(&p, 257, 1, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_workpool_new(&p, 1, 65537, NULL), CA_EINVAL);
	ck_assert_ptr_null(p);
	ca_workpool_free(NULL);
}
END_TEST

/* true when the peer of fds[0] sees its connection shut down within about 5 s. */
static bool peer_cut(int fd)
{
	char c;
	int i;

	for (i = 0; i < 500; i++) {
		ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

		if (n == 0)
			return true;
		sleep_ms(10);
	}
	return false;
}

START_TEST(late_headers_and_slow_bodies_are_cut)
{
	struct ca_conn_watch_opts opts = { 100, 1000, 100 };
	struct ca_conn_watch *w = NULL;
	struct ca_conn_track *t1, *t2, *t3;
	int a[2], b[2], c[2];
	uint64_t late, slow;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	ck_assert_int_eq(ca_conn_watch_start(&w, &opts, NULL), CA_OK);
	t1 = ca_conn_watch_add(w, a[0]);               /* never sends its headers */
	t2 = ca_conn_watch_add(w, b[0]);               /* a body that never comes */
	t3 = ca_conn_watch_add(w, c[0]);               /* being answered: no deadline */
	ca_conn_watch_headers_done(w, t2, true);
	ca_conn_watch_body(w, t2, 10);
	ca_conn_watch_headers_done(w, t3, false);
	ck_assert(peer_cut(a[1]));
	ck_assert(peer_cut(b[1]));
	ca_conn_watch_counts(w, &late, &slow);
	ck_assert_uint_eq(late, 1);
	ck_assert_uint_eq(slow, 1);
	/* the answered one is still open; once idle, its next headers are due */
	ck_assert_int_eq(send(c[1], "x", 1, 0), 1);
	ca_conn_watch_idle(w, t3);
	ck_assert(peer_cut(c[1]));
	ca_conn_watch_counts(w, &late, &slow);
	ck_assert_uint_eq(late, 2);
	ca_conn_watch_remove(w, t1);
	ca_conn_watch_remove(w, t2);
	ca_conn_watch_remove(w, t3);
	ca_conn_watch_free(w);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(c[0]), close(c[1]);
}
END_TEST

START_TEST(a_client_the_server_has_not_read_is_not_cut)
{
	struct ca_conn_watch_opts opts = { 100, 1000, 100 };
	struct ca_conn_watch *w = NULL;
	struct ca_conn_track *th, *tb;
	int h[2], b[2];
	char buf[64];
	uint64_t late, slow;
	const char head[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, h), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	ck_assert_int_eq(ca_conn_watch_start(&w, &opts, NULL), CA_OK);
	th = ca_conn_watch_add(w, h[0]);
	tb = ca_conn_watch_add(w, b[0]);
	ca_conn_watch_headers_done(w, tb, true);
	/* both clients did their part; the server is what keeps them waiting */
	ck_assert_int_eq(send(h[1], head, sizeof(head) - 1, 0), (ssize_t)sizeof(head) - 1);
	ck_assert_int_eq(send(b[1], "body", 4, 0), 4);
	ck_assert(!peer_cut(h[1]));
	ck_assert(!peer_cut(b[1]));
	ca_conn_watch_counts(w, &late, &slow);
	ck_assert_uint_eq(late, 0);
	ck_assert_uint_eq(slow, 0);
	/* once the server has read what was there, the deadlines are the clients' again */
	ck_assert_int_eq(recv(h[0], buf, sizeof(buf), 0), (ssize_t)sizeof(head) - 1);
	ck_assert_int_eq(recv(b[0], buf, sizeof(buf), 0), 4);
	ck_assert(peer_cut(b[1]));
	ca_conn_watch_counts(w, &late, &slow);
	ck_assert_uint_eq(slow, 1);
	ca_conn_watch_idle(w, th);
	ck_assert(peer_cut(h[1]));
	ca_conn_watch_counts(w, &late, &slow);
	ck_assert_uint_eq(late, 1);
	ca_conn_watch_remove(w, th);
	ca_conn_watch_remove(w, tb);
	ca_conn_watch_free(w);
	close(h[0]), close(h[1]), close(b[0]), close(b[1]);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("http_workpool");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pool_takes_workers_plus_queue_then_refuses);
	tcase_add_test(tc, pool_sizes_checked);
	tcase_add_test(tc, late_headers_and_slow_bodies_are_cut);
	tcase_add_test(tc, a_client_the_server_has_not_read_is_not_cut);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
