/* Unit tests for cloudalbum-migrate's pure parts: the state file, photo ids, FLOAT values,
 * the BatchWriteItem re-send logic (with a fake service) and the command line. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_ca.h"
#include "migrate/migrate.h"
#include "migrate/migrate_batch.h"
#include "migrate/migrate_ids.h"
#include "migrate/migrate_pace.h"
#include "migrate/migrate_shard.h"
#include "migrate/migrate_state.h"

#include "util/banned.h"

/* ---- state file ---- */

static int parse(const char *text, struct mig_state *s, struct ca_err *err)
{
	ca_err_clear(err);
	return mig_state_parse(text, strlen(text), s, err);
}

START_TEST(state_round_trip)
{
	struct mig_state s, back;
	struct ca_buf text = CA_BUF_INIT;
	struct ca_err err;

	mig_state_init(&s);
	ck_assert_int_eq(mig_state_set(&s, 7, "b", &err), CA_OK);
	ck_assert_int_eq(mig_state_set(&s, 2, "a", &err), CA_OK);
	ck_assert_int_eq(mig_state_set(&s, 2, "a", &err), CA_OK); /* same pair: fine */
	ck_assert_int_eq(mig_state_set(&s, 2, "c", &err), CA_EINVAL);
	ck_assert_int_eq(mig_state_set(&s, 3, "has space", &err), CA_EINVAL);
	ck_assert_int_eq(mig_state_set(&s, 3, "", &err), CA_EINVAL);
	ck_assert_int_eq(mig_state_format(&s, &text), CA_OK);
	ck_assert_str_eq(text.data, "cloudalbum-migrate state 1\nowner uuid\nuser 2 a\nuser 7 b\n");
	ck_assert_int_eq(parse(text.data, &back, &err), CA_OK);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(mig_state_find(&back, 7), "b");
	ck_assert_ptr_null(mig_state_find(&back, 5));
	ck_assert(!back.cognito);
	mig_state_release(&back);
	ck_assert_int_eq(parse("cloudalbum-migrate state 1\nowner cognito ap-southeast-1_X\nuser 1 x@y.z\n",
			       &back, &err), CA_OK);
	ck_assert(back.cognito);
	ck_assert_str_eq(back.pool_id, "ap-southeast-1_X");
	ck_assert_str_eq(mig_state_find(&back, 1), "x@y.z");
	mig_state_release(&back);
	mig_state_release(&s);
	ca_buf_release(&text);
}
END_TEST

static const char *const bad_states[] = {
	"",                                                    /* no header */
	"cloudalbum-migrate state 2\nowner uuid\n",            /* another version */
	"cloudalbum-migrate state 1\n",                        /* no owner */
	"cloudalbum-migrate state 1\nuser 1 a\nowner uuid\n",  /* user before owner */
	"cloudalbum-migrate state 1\nowner uuid\nowner uuid\n",
	"cloudalbum-migrate state 1\nowner martian\n",
	"cloudalbum-migrate state 1\nowner cognito\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 1 a\nuser 1 a\n",   /* repeated */
	"cloudalbum-migrate state 1\nowner uuid\nuser -1 a\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser +1 a\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 0 a\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 99999999999 a\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 1x a\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 1\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 1 a b\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 1 a",       /* cut short */
	"cloudalbum-migrate state 1\nowner uuid\nuser 1 \x01\n",
	"cloudalbum-migrate state 1\nowner uuid\nuser 1 \xc3\xa9\n",
	"cloudalbum-migrate state 1\nowner uuid\nrm -rf /\n",
};

START_TEST(state_hostile)
{
	struct mig_state s;
	struct ca_err err;
	const char *text = bad_states[_i];

	ck_assert_int_eq(parse(text, &s, &err), CA_MIGRATE_STATE);
	ck_assert(strlen(ca_err_msg(&err)) > 10);
	mig_state_release(&s);
}
END_TEST

START_TEST(state_long_line_and_nul)
{
	struct mig_state s;
	struct ca_err err;
	struct ca_buf b = CA_BUF_INIT;
	static const char with_nul[] = "cloudalbum-migrate state 1\nowner uuid\nuser 1 a\0b\n";
	size_t i;

	ca_buf_adds(&b, "cloudalbum-migrate state 1\nowner uuid\nuser 1 ");
	for (i = 0; i < 5000; i++)
		ca_buf_addch(&b, 'a');
	ca_buf_addch(&b, '\n');
	ca_err_clear(&err);
	ck_assert_int_eq(mig_state_parse(b.data, b.len, &s, &err), CA_MIGRATE_STATE);
	mig_state_release(&s);
	ck_assert_int_eq(mig_state_parse(with_nul, sizeof(with_nul) - 1, &s, &err), CA_MIGRATE_STATE);
	mig_state_release(&s);
	ca_buf_release(&b);
}
END_TEST

START_TEST(state_save_and_load)
{
	char dir[] = "/tmp/test_migrate_XXXXXX", path[64];
	struct mig_state s, back;
	struct ca_err err;
	bool existed = true;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(mig_state_load(path, &back, &existed, &err), CA_OK);
	ck_assert(!existed);
	ck_assert_uint_eq(back.n, 0);
	mig_state_release(&back);
	mig_state_init(&s);
	ck_assert_int_eq(mig_state_set(&s, 42, "0123456789abcdef0123456789abcdef", &err), CA_OK);
	ck_assert_int_eq(mig_state_save(path, &s, &err), CA_OK);
	ck_assert_int_eq(mig_state_load(path, &back, &existed, &err), CA_OK);
	ck_assert(existed);
	ck_assert_str_eq(mig_state_find(&back, 42), "0123456789abcdef0123456789abcdef");
	mig_state_release(&back);
	mig_state_release(&s);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- photo ids and FLOATs ---- */

START_TEST(ids_unique_and_deterministic)
{
	/* three photos in the same millisecond, one earlier, one later but close */
	struct mig_id_input in[] = {
		{ 1000, 5 }, { 1000, 3 }, { 999, 9 }, { 1000, 4 }, { 1002, 1 },
	};
	size_t order[5];
	int64_t ids[5], again[5];

	mig_assign_photo_ids(in, 5, order, ids);
	ck_assert_int_eq(ids[2], 999);  /* earliest keeps its time */
	ck_assert_int_eq(ids[1], 1000); /* legacy 3 first among equals */
	ck_assert_int_eq(ids[3], 1001);
	ck_assert_int_eq(ids[0], 1002);
	ck_assert_int_eq(ids[4], 1003); /* pushed up by the clash before it */
	mig_assign_photo_ids(in, 5, order, again);
	ck_assert_mem_eq(ids, again, sizeof(ids));
	mig_assign_photo_ids(in, 0, order, ids); /* nothing to do, nothing touched */
}
END_TEST

START_TEST(ids_before_1970_are_never_negative)
{
	/* 1950, 1969 (twice), 1970 + 1 ms: dates as far back as DATETIME goes */
	struct mig_id_input in[] = {
		{ -30610224000000LL, 7 }, { -14182940000LL, 2 }, { -14182940000LL, 1 }, { 1, 3 },
	};
	size_t order[4];
	int64_t ids[4];

	mig_assign_photo_ids(in, 4, order, ids);
	ck_assert_int_eq(ids[0], 0);   /* the oldest first */
	ck_assert_int_eq(ids[2], 1);   /* then the same-time pair, by legacy id */
	ck_assert_int_eq(ids[1], 2);
	ck_assert_int_eq(ids[3], 3);   /* pushed up past the clamped ones */
}
END_TEST

START_TEST(float_columns)
{
	ck_assert(mig_float_column(-31.955074310302734) == -31.955074);
	ck_assert(mig_float_column(37.56650161743164) == 37.5665);
	ck_assert(mig_float_column(0.0) == 0.0);
	ck_assert(mig_same_float(37.5665, 37.56650161743164));
	ck_assert(!mig_same_float(37.5665, 37.5666));
}
END_TEST

/* ---- BatchWriteItem with a fake service ---- */

struct fake {
	int calls;
	int leave;              /* items left unprocessed per call while > 0 */
	int leave_calls;        /* how many calls leave items */
	size_t max_seen;        /* largest request */
	size_t accepted;
	long sleeps[32];
	int n_sleeps;
	int fail_on_call;       /* 1-based call that fails; 0 none */
};

static int fake_send(void *ctx, const json_t *req, json_t **answer, struct ca_err *err)
{
	struct fake *f = ctx;
	json_t *list = json_object_get(json_object_get(req, "RequestItems"), "Photo");
	size_t n = json_array_size(list), keep, i;
	json_t *left;

	f->calls++;
	if (f->fail_on_call == f->calls)
		return ca_err_set(err, CA_AWS_SERVICE, "fake failure");
	if (n > f->max_seen)
		f->max_seen = n;
	keep = f->calls <= f->leave_calls && (size_t)f->leave < n ? (size_t)f->leave : 0;
	if (f->calls <= f->leave_calls && (size_t)f->leave >= n)
		keep = n;
	left = json_array();
	for (i = n - keep; i < n; i++)
		json_array_append(left, json_array_get(list, i));
	f->accepted += n - keep;
	*answer = json_pack("{s:{s:o}}", "UnprocessedItems", "Photo", left);
	return CA_OK;
}

static void fake_sleep(void *ctx, long ms)
{
	struct fake *f = ctx;

	if (f->n_sleeps < 32)
		f->sleeps[f->n_sleeps++] = ms;
}

static json_t **make_items(size_t n)
{
	json_t **v = calloc(n, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = json_pack("{s:{s:s}, s:{s:I}}", "user_id", "S", "u", "id", "N", (json_int_t)i);
	return v;
}

static void free_items(json_t **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_decref(v[i]);
	free(v);
}

static void writer(struct mig_batch_writer *w, struct fake *f)
{
	memset(w, 0, sizeof(*w));
	w->table = "Photo";
	w->send = fake_send;
	w->sleep = fake_sleep;
	w->ctx = f;
}

START_TEST(batch_chunks_of_25)
{
	struct fake f = { 0 };
	struct mig_batch_writer w;
	struct ca_err err;
	json_t **items = make_items(60);

	writer(&w, &f);
	ck_assert_int_eq(mig_batch_put(&w, items, 60, &err), CA_OK);
	ck_assert_int_eq(f.calls, 3);
	ck_assert_uint_eq(f.max_seen, 25);
	ck_assert_uint_eq(f.accepted, 60);
	ck_assert_int_eq(f.n_sleeps, 0);
	free_items(items, 60);
}
END_TEST

START_TEST(batch_resends_unprocessed_with_capped_backoff)
{
	struct fake f = { 0 };
	struct mig_batch_writer w;
	struct ca_err err;
	json_t **items = make_items(10);

	f.leave = 4;
	f.leave_calls = 6;
	writer(&w, &f);
	w.base_ms = 100;
	w.cap_ms = 500;
	ck_assert_int_eq(mig_batch_put(&w, items, 10, &err), CA_OK);
	ck_assert_uint_eq(f.accepted, 10);
	ck_assert_int_eq(f.calls, 7);
	ck_assert_int_eq(f.n_sleeps, 6);
	ck_assert_int_eq(f.sleeps[0], 100);
	ck_assert_int_eq(f.sleeps[1], 200);
	ck_assert_int_eq(f.sleeps[2], 400);
	ck_assert_int_eq(f.sleeps[3], 500); /* capped */
	ck_assert_int_eq(f.sleeps[5], 500);
	ck_assert_uint_eq(w.resent, 4 + 4 + 4 + 4 + 4 + 4);
	free_items(items, 10);
}
END_TEST

START_TEST(batch_gives_up_and_reports)
{
	struct fake f = { 0 };
	struct mig_batch_writer w;
	struct ca_err err;
	json_t **items = make_items(3);

	f.leave = 100; /* everything comes back, always */
	f.leave_calls = 1000;
	writer(&w, &f);
	w.max_rounds = 4;
	ca_err_clear(&err);
	ck_assert_int_eq(mig_batch_put(&w, items, 3, &err), CA_AWS_THROTTLED);
	ck_assert_int_eq(f.calls, 4);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "3 items"));
	free_items(items, 3);

	memset(&f, 0, sizeof(f));
	f.fail_on_call = 2;
	items = make_items(30);
	writer(&w, &f);
	ca_err_clear(&err);
	ck_assert_int_eq(mig_batch_put(&w, items, 30, &err), CA_AWS_SERVICE);
	ck_assert_uint_eq(f.accepted, 25); /* the first chunk stays written */
	free_items(items, 30);
}
END_TEST

START_TEST(backoff_values)
{
	ck_assert_int_eq(mig_batch_backoff(50, 5000, 1), 50);
	ck_assert_int_eq(mig_batch_backoff(50, 5000, 2), 100);
	ck_assert_int_eq(mig_batch_backoff(50, 5000, 7), 3200);
	ck_assert_int_eq(mig_batch_backoff(50, 5000, 8), 5000);
	ck_assert_int_eq(mig_batch_backoff(50, 5000, 1000), 5000);
}
END_TEST

/* ---- command line ---- */

static int args(struct migrate_opts *o, bool *help, struct ca_err *err, int n, ...)
{
	char *argv[16];
	va_list ap;
	int i;

	va_start(ap, n);
	argv[0] = (char *)"cloudalbum-migrate";
	for (i = 0; i < n && i < 15; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	migrate_opts_init(o);
	ca_err_clear(err);
	return migrate_parse_args(n + 1, argv, o, help, err);
}

/* ---- adaptive pace ---- */

START_TEST(pace_halves_on_throttling_and_grows_back)
{
	struct mig_pace p;
	int i;

	ck_assert_int_eq(mig_pace_init(&p, 64), CA_OK);
	ck_assert_int_eq(mig_pace_allowed(&p), 64);
	/* calm calls at full allowance: nothing to add */
	for (i = 0; i < 200; i++)
		mig_pace_result(&p, false);
	ck_assert_int_eq(mig_pace_allowed(&p), 64);
	/* 10 in flight when throttled: one cut, the 9 answers already on the way do not cut again */
	for (i = 0; i < 10; i++)
		mig_pace_enter(&p);
	mig_pace_result(&p, true);
	ck_assert_int_eq(mig_pace_allowed(&p), 32);
	for (i = 0; i < 9; i++)
		mig_pace_result(&p, true);
	ck_assert_int_eq(mig_pace_allowed(&p), 32);
	/* throttled again after that round: cut again, down to 1 at the lowest */
	mig_pace_result(&p, true);
	ck_assert_int_eq(mig_pace_allowed(&p), 16);
	for (i = 0; i < 10; i++)
		mig_pace_leave(&p);
	for (i = 0; i < 40; i++)
		mig_pace_result(&p, true);
	ck_assert_int_eq(mig_pace_allowed(&p), 1);
	ck_assert_int_eq(p.lowest, 1);
	/* then speeds up again: one more per `allowed` calm answers, up to --jobs */
	mig_pace_result(&p, false);
	ck_assert_int_eq(mig_pace_allowed(&p), 2);
	mig_pace_result(&p, false);
	mig_pace_result(&p, false);
	ck_assert_int_eq(mig_pace_allowed(&p), 3);
	for (i = 0; i < 10000; i++)
		mig_pace_result(&p, false);
	ck_assert_int_eq(mig_pace_allowed(&p), 64);
	ck_assert_int_eq(p.lowest, 1);
	ck_assert_uint_ge(p.cuts, 3);
	mig_pace_destroy(&p);
	mig_pace_destroy(NULL);
}
END_TEST

START_TEST(pace_holds_workers_beyond_the_allowance)
{
	struct mig_pace p;
	int i;

	ck_assert_int_eq(mig_pace_init(&p, 0), CA_OK); /* below 1: 1 */
	ck_assert_int_eq(mig_pace_allowed(&p), 1);
	mig_pace_destroy(&p);
	ck_assert_int_eq(mig_pace_init(&p, 4), CA_OK);
	for (i = 0; i < 4; i++)
		mig_pace_enter(&p);
	ck_assert_int_eq(p.in_use, 4);
	mig_pace_result(&p, true); /* 2 allowed, 4 out: the next enter waits for 3 leaves */
	ck_assert_int_eq(mig_pace_allowed(&p), 2);
	mig_pace_leave(&p);
	mig_pace_leave(&p);
	mig_pace_leave(&p);
	mig_pace_enter(&p); /* would block forever if the allowance were not honoured */
	ck_assert_int_eq(p.in_use, 2);
	mig_pace_leave(&p);
	mig_pace_leave(&p);
	mig_pace_destroy(&p);
}
END_TEST

START_TEST(command_line)
{
	struct migrate_opts o;
	struct ca_err err;
	bool help;

	ck_assert_int_eq(args(&o, &help, &err, 8, "run", "--from-db", "mysql://r@h/d", "--from-dir=/u",
			      "--to", "t.yaml", "--jobs=8", "--cognito"), CA_OK);
	ck_assert_int_eq(o.verb, MIGRATE_RUN);
	ck_assert_str_eq(o.from_dir, "/u");
	ck_assert_int_eq(o.jobs, 8);
	ck_assert(o.cognito && !o.dry_run);
	ck_assert_str_eq(o.state, MIGRATE_STATE_DEFAULT);
	ck_assert_int_eq(args(&o, &help, &err, 2, "verify", "--help"), CA_OK);
	ck_assert(help);
	ck_assert_int_eq(args(&o, &help, &err, 7, "verify", "--from-db", "mysql://r@h/d", "--from-dir",
			      "/u", "--to", "t"), CA_OK);
	ck_assert_int_eq(args(&o, &help, &err, 8, "verify", "--from-db", "mysql://r@h/d", "--from-dir",
			      "/u", "--to", "t", "--to"), CA_EINVAL);
	ck_assert_int_eq(args(&o, &help, &err, 8, "verify", "--from-db", "mysql://r@h/d", "--from-dir",
			      "/u", "--to", "t", "--jobs=-1"), CA_EINVAL);
	ck_assert_int_eq(args(&o, &help, &err, 8, "verify", "--from-db", "mysql://r@h/d", "--from-dir",
			      "/u", "--to", "", "--dry-run"), CA_EINVAL);
	ck_assert_int_eq(args(&o, &help, &err, 8, "verify", "--from-db", "mysql://r@h/d", "--from-dir",
			      "/u", "--to", "t", "--dry-run"), CA_EINVAL);
	ck_assert_int_eq(args(&o, &help, &err, 0), CA_EINVAL);
}
END_TEST

/* ---- --shard ---- */

START_TEST(shard_hash_is_crc32_of_the_decimal_id)
{
	/* the values zlib.crc32 and MySQL's CRC32() give (docs/MIGRATION.md) */
	ck_assert_uint_eq(mig_crc32("123", 3), 2286445522u);
	ck_assert_uint_eq(mig_crc32("-5", 2), 926977075u);
	ck_assert_uint_eq(mig_crc32("", 0), 0u);
	ck_assert_int_eq(mig_shard_of(123, 4), (int)(2286445522u % 4));
	ck_assert_int_eq(mig_shard_of(-5, 7), (int)(926977075u % 7));
	ck_assert_int_eq(mig_shard_of(123, 1), 0);
}
END_TEST

START_TEST(shard_argument)
{
	struct ca_err err;
	int k = -1, n = -1;
	static const char *const bad[] = { "4/4", "-1/2", "a/b", "1/0", "auto/0", "", "1", "1/",
					   "/2", "1/2/3", "+1/2", " 1/2", "1/ 2", "0x1/2", "1/99999",
					   "auto/", "AUTO/2", "1.0/2" };
	size_t i;

	ck_assert_int_eq(mig_shard_parse("0/1", NULL, NULL, &k, &n, &err), CA_OK);
	ck_assert(k == 0 && n == 1);
	ck_assert_int_eq(mig_shard_parse("3/4", NULL, NULL, &k, &n, &err), CA_OK);
	ck_assert(k == 3 && n == 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ca_err_clear(&err);
		ck_assert_msg(mig_shard_parse(bad[i], "0", "0", &k, &n, &err) == CA_EINVAL, "%s", bad[i]);
		ck_assert(strstr(ca_err_msg(&err), "--shard") != NULL);
	}
	/* auto: AWS Batch first, then Kubernetes */
	ck_assert_int_eq(mig_shard_parse("auto/4", "2", "1", &k, &n, &err), CA_OK);
	ck_assert(k == 2 && n == 4);
	ck_assert_int_eq(mig_shard_parse("auto/4", NULL, "3", &k, &n, &err), CA_OK);
	ck_assert(k == 3 && n == 4);
	ca_err_clear(&err);
	ck_assert_int_eq(mig_shard_parse("auto/4", NULL, NULL, &k, &n, &err), CA_EINVAL);
	ck_assert(strstr(ca_err_msg(&err), "AWS_BATCH_JOB_ARRAY_INDEX") &&
		  strstr(ca_err_msg(&err), "JOB_COMPLETION_INDEX"));
	ca_err_clear(&err);
	ck_assert_int_eq(mig_shard_parse("auto/4", "4", NULL, &k, &n, &err), CA_EINVAL);
	ck_assert(strstr(ca_err_msg(&err), "0 to 3") != NULL);
	ck_assert_int_eq(mig_shard_parse("auto/4", NULL, "-1", &k, &n, &err), CA_EINVAL);
	ck_assert_int_eq(mig_shard_parse("auto/4", "", NULL, &k, &n, &err), CA_EINVAL);
}
END_TEST

START_TEST(shard_state_file)
{
	struct migrate_opts o;
	struct ca_err err;
	bool help;

	ck_assert_int_eq(args(&o, &help, &err, 9, "run", "--from-db", "mysql://r@h/d", "--from-dir=/u",
			      "--to", "t.yaml", "--shard", "1/4", "--state=/s/m.state"), CA_OK);
	ck_assert(o.shard_k == 1 && o.shard_n == 4);
	ck_assert_str_eq(o.state, "/s/m.state.1of4");
	ck_assert_int_eq(args(&o, &help, &err, 6, "plan", "--from-db", "mysql://r@h/d", "--from-dir=/u",
			      "--to=t", "--shard=0/2"), CA_OK);
	ck_assert_str_eq(o.state, MIGRATE_STATE_DEFAULT ".0of2");
	ck_assert_int_eq(args(&o, &help, &err, 6, "run", "--from-db", "mysql://r@h/d", "--from-dir=/u",
			      "--to=t", "--shard=2/2"), CA_EINVAL);
	ck_assert_int_eq(args(&o, &help, &err, 6, "run", "--from-db", "mysql://r@h/d", "--from-dir=/u",
			      "--to=t", "--shard="), CA_EINVAL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, state_round_trip);
	tcase_add_loop_test(tc, state_hostile, 0, (int)(sizeof(bad_states) / sizeof(bad_states[0])));
	tcase_add_test(tc, state_long_line_and_nul);
	tcase_add_test(tc, state_save_and_load);
	tcase_add_test(tc, ids_unique_and_deterministic);
	tcase_add_test(tc, ids_before_1970_are_never_negative);
	tcase_add_test(tc, float_columns);
	tcase_add_test(tc, batch_chunks_of_25);
	tcase_add_test(tc, batch_resends_unprocessed_with_capped_backoff);
	tcase_add_test(tc, batch_gives_up_and_reports);
	tcase_add_test(tc, backoff_values);
	tcase_add_test(tc, pace_halves_on_throttling_and_grows_back);
	tcase_add_test(tc, pace_holds_workers_beyond_the_allowance);
	tcase_add_test(tc, command_line);
	tcase_add_test(tc, shard_hash_is_crc32_of_the_decimal_id);
	tcase_add_test(tc, shard_argument);
	tcase_add_test(tc, shard_state_file);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
