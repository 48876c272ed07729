/* migrate_lock.c — the target lock item with a renewed lease (migrate_lock.h). */
#include "migrate_lock.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "db/items.h"
#include "migrate_internal.h"
#include "util/crypto.h"
#include "util/strutil.h"

#include "util/banned.h"

#define CONDITION_FAILED "ConditionalCheckFailedException"

static void host_name(char *out, size_t cap)
{
	if (gethostname(out, cap) != 0 || !out[0])
		snprintf(out, cap, "unknown-host");
	out[cap - 1] = '\0';
}

static json_t *n_of(long long v)
{
	char text[24];

	snprintf(text, sizeof(text), "%lld", v);
	return json_pack("{s:s}", "N", text);
}

/* A number attribute of item, or def. */
static long long item_n(const json_t *item, const char *name, long long def)
{
	const char *s = json_string_value(json_object_get(json_object_get(item, name), "N"));
	long v;

	return s && ca_parse_long(s, -(1L << 62), 1L << 62, &v) ? v : def;
}

static const char *item_s(const json_t *item, const char *name)
{
	const char *s = json_string_value(json_object_get(json_object_get(item, name), "S"));

	return s ? s : "?";
}

/* The item we put: ours, leased from now; with shards > 0 the sharded runs' marker. */
static json_t *lock_item(const struct mig_lock *l, const char *id, int shards, const char *host,
			 long long now)
{
	char started[CA_DB_DATE_LEN + 1];
	json_t *item;

	ca_db_date_now(started);
	item = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "id", ddb_s(id), "token",
			 ddb_s(l->token), "host", ddb_s(host), "pid", n_of((long long)getpid()),
			 "started", ddb_s(started), "expires", n_of(now + l->lease_s));
	if (item && shards > 0 &&
	    (json_object_set_new(item, "mode", ddb_s(MIG_LOCK_MODE_SHARDS)) != 0 ||
	     json_object_set_new(item, "shards", n_of(shards)) != 0)) {
		json_decref(item);
		item = NULL;
	}
	return item;
}

/* One conditional PutItem of our item (the marker with l->marker_shards); *refused
 * when the condition failed. */
static int put_item(struct mig_lock *l, bool marker, const char *condition, json_t *names,
		    json_t *values, bool *refused, struct ca_err *err);

static int put_lock(struct mig_lock *l, const char *condition, json_t *names, json_t *values,
		    bool *refused, struct ca_err *err)
{
	return put_item(l, false, condition, names, values, refused, err);
}

static int put_item(struct mig_lock *l, bool marker, const char *condition, json_t *names,
		    json_t *values, bool *refused, struct ca_err *err)
{
	char host[128], code[AWS_ERROR_CODE_MAX] = "";
	struct ca_err local;
	json_t *in;
	int rc;

	*refused = false;
	if (!names || !values) {
		json_decref(names);
		json_decref(values);
		return ca_err_set(err, CA_ENOMEM, "Out of memory building the lock request.");
	}
	host_name(host, sizeof(host));
	in = json_pack("{s:s, s:o, s:s, s:o, s:o}", "TableName", l->c->guard_table, "Item",
		       lock_item(l, marker ? l->marker_id : l->id, marker ? l->marker_shards : 0, host,
				 (long long)time(NULL)),
		       "ConditionExpression", condition,
		       "ExpressionAttributeNames", names, "ExpressionAttributeValues", values);
	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory building the lock request.");
	ca_err_clear(&local);
	rc = mig_ddb(l->c, "PutItem", in, NULL, code, &local);
	json_decref(in);
	if (rc != CA_OK && strcmp(code, CONDITION_FAILED) == 0) {
		*refused = true;
		return CA_OK;
	}
	if (rc != CA_OK)
		return ca_err_set(err, rc, "Taking the target lock in %s failed: %s", l->c->guard_table,
				  ca_err_msg(&local));
	return CA_OK;
}

/* Whether the holder described by item is a process of this host that is gone. */
static bool holder_dead_here(const json_t *item)
{
	char host[128];
	long long pid = item_n(item, "pid", 0);

	/* the sharded runs' marker is shared: one of them gone says nothing of the others */
	if (json_object_get(item, "mode"))
		return false;
	host_name(host, sizeof(host));
	if (strcmp(item_s(item, "host"), host) != 0 || pid <= 0 || pid > 0x7fffffff)
		return false;
	if (pid == (long long)getpid())
		return false; /* ours, by an earlier lock in this process: not stale */
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void *renew_main(void *arg)
{
	struct mig_lock *l = arg;
	struct timespec until;
	long long last_ok = (long long)time(NULL);

	(void)aws_call_observer_set(&l->c->observer); /* its renewals are requests too */
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		char code[AWS_ERROR_CODE_MAX] = "";
		json_t *in;
		int rc;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += MIG_LOCK_RENEW_S;
		while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT)
			;
		if (l->stop)
			break;
		pthread_mutex_unlock(&l->mu);
		in = json_pack("{s:s, s:{s:o}, s:s, s:s, s:{s:s, s:s}, s:{s:o, s:o}}", "TableName",
			       l->c->guard_table, "Key", "id", ddb_s(l->id), "UpdateExpression",
			       "SET #e = :e", "ConditionExpression", "#t = :t",
			       "ExpressionAttributeNames", "#e", "expires", "#t", "token",
			       "ExpressionAttributeValues", ":e",
			       n_of((long long)time(NULL) + l->lease_s), ":t", ddb_s(l->token));
		rc = in ? mig_ddb(l->c, "UpdateItem", in, NULL, code, NULL) : CA_ENOMEM;
		json_decref(in);
		if (rc == CA_OK && l->marker_shards > 0) {
			/* the sharded runs' marker lives while any of them does */
			in = json_pack("{s:s, s:{s:o}, s:s, s:s, s:{s:s, s:s, s:s}, s:{s:o, s:o, s:o}}",
				       "TableName", l->c->guard_table, "Key", "id", ddb_s(l->marker_id),
				       "UpdateExpression", "SET #e = :e", "ConditionExpression",
				       "#m = :m AND #s = :s", "ExpressionAttributeNames", "#e", "expires",
				       "#m", "mode", "#s", "shards", "ExpressionAttributeValues", ":e",
				       n_of((long long)time(NULL) + l->lease_s), ":m",
				       ddb_s(MIG_LOCK_MODE_SHARDS), ":s", n_of(l->marker_shards));
			code[0] = '\0';
			rc = in ? mig_ddb(l->c, "UpdateItem", in, NULL, code, NULL) : CA_ENOMEM;
			json_decref(in);
		}
		if (rc == CA_OK)
			last_ok = (long long)time(NULL);
		else if (strcmp(code, CONDITION_FAILED) == 0 ||
			 (long long)time(NULL) >= last_ok + l->lease_s)
			atomic_store(&l->lost, true);
		pthread_mutex_lock(&l->mu);
		if (atomic_load(&l->lost))
			break;
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* "until" of item as UTC text. */
static void expires_text(const json_t *item, char *when, size_t cap)
{
	time_t until = (time_t)item_n(item, "expires", 0);
	struct tm tm;

	snprintf(when, cap, "?");
	if (gmtime_r(&until, &tm))
		strftime(when, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Why the item have (a run's lock or the sharded runs' marker) refuses us. */
static int refusal(struct mig_lock *l, const char *id, const json_t *have, struct ca_err *err)
{
	char when[32];
	long long shards = item_n(have, "shards", 0);

	expires_text(have, when, sizeof(when));
	if (json_object_get(have, "mode") && l->marker_shards)
		return ca_err_set(err, CA_MIGRATE_LOCKED,
				  "Runs with --shard K/%lld are writing to this target (item %s in table %s): shards of another count would cover the same users, so this run (--shard of %d) wrote nothing. Use --shard K/%lld, or wait until those runs are done: their marker's lease ends at %s, %d s after the last of them stops.",
				  shards, id, l->c->guard_table, l->marker_shards, shards, when,
				  (int)l->lease_s);
	if (json_object_get(have, "mode"))
		return ca_err_set(err, CA_MIGRATE_LOCKED,
				  "Runs with --shard K/%lld are writing to this target (item %s in table %s): a run over every user at the same time would write their users twice, so this one wrote nothing. Wait until they are done (their marker's lease ends at %s, %d s after the last of them stops) and run again, or run the missing shards with --shard K/%lld.",
				  shards, id, l->c->guard_table, when, (int)l->lease_s, shards);
	return ca_err_set(err, CA_MIGRATE_LOCKED,
			  "Another cloudalbum-migrate run is writing to this target (host %.60s, pid %lld, started %.31s; item %s in table %s): two runs at once would write every user twice, so this one wrote nothing. Wait for it to finish and run again; if it died on another host, its lease ends at %s and a run after that takes over.",
			  item_s(have, "host"), item_n(have, "pid", 0), item_s(have, "started"), id,
			  l->c->guard_table, when);
}

/*
 * Puts our item (the marker with `marker`): absent or expired, or (the marker) the
 * same count of shards, or held by a run of this host that is gone.
 */
static int take(struct mig_lock *l, bool marker, struct ca_err *err)
{
	struct mig_ctx *c = l->c;
	const char *id = marker ? l->marker_id : l->id;
	json_t *have = NULL;
	bool refused = true;
	int rc = CA_OK, attempt;

	/* twice: a holder may release between our put and our look at its item */
	for (attempt = 0; attempt < 2 && rc == CA_OK && refused && !have; attempt++) {
		if (marker)
			rc = put_item(l, true, "attribute_not_exists(#i) OR #e < :now OR (#m = :m AND #s = :s)",
				      json_pack("{s:s, s:s, s:s, s:s}", "#i", "id", "#e", "expires", "#m",
						"mode", "#s", "shards"),
				      json_pack("{s:o, s:o, s:o}", ":now", n_of((long long)time(NULL)), ":m",
						ddb_s(MIG_LOCK_MODE_SHARDS), ":s", n_of(l->marker_shards)),
				      &refused, err);
		else
			rc = put_lock(l, "attribute_not_exists(#i) OR #e < :now",
				      json_pack("{s:s, s:s}", "#i", "id", "#e", "expires"),
				      json_pack("{s:o}", ":now", n_of((long long)time(NULL))), &refused, err);
		if (rc == CA_OK && refused)
			rc = mig_ddb_get(c, c->guard_table, id, &have, err);
	}
	if (rc == CA_OK && refused && have && holder_dead_here(have)) {
		/* a run of this host that was killed: take its lock over at once */
		rc = put_item(l, marker, "#t = :old", json_pack("{s:s}", "#t", "token"),
			      json_pack("{s:o}", ":old", ddb_s(item_s(have, "token"))), &refused, err);
		if (rc == CA_OK && !refused && c->progress)
			fprintf(c->progress,
				"cloudalbum-migrate: took over the target lock of run %lld on this host, which no longer exists\n",
				item_n(have, "pid", 0));
	}
	if (rc == CA_OK && refused)
		rc = refusal(l, id, have, err);
	json_decref(have);
	return rc;
}

static int start(struct mig_ctx *c, const char *name, int shards, struct mig_lock *l,
		 struct ca_err *err)
{
	uint8_t rnd[16];
	pthread_condattr_t attr;
	int rc;

	memset(l, 0, sizeof(*l));
	l->c = c;
	l->lease_s = MIG_LOCK_LEASE_S;
	l->marker_shards = shards;
	atomic_init(&l->lost, false);
	snprintf(l->id, sizeof(l->id), MIG_LOCK_PREFIX "%s", name);
	snprintf(l->marker_id, sizeof(l->marker_id), MIG_LOCK_PREFIX "%s", MIG_LOCK_WHOLE);
	if (ca_random_bytes(rnd, sizeof(rnd)) != CA_OK)
		return ca_err_set(err, CA_EIO, "Could not read random bytes for the lock token.");
	ca_hex_encode(rnd, sizeof(rnd), l->token);

	rc = take(l, false, err);
	if (rc != CA_OK)
		return rc;
	l->held = true;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, &attr);
	pthread_condattr_destroy(&attr);
	/* our shard's lock first, then the marker: a refused marker leaves nothing behind */
	if (shards > 0 && (rc = take(l, true, err)) != CA_OK) {
		mig_lock_release(l);
		return rc;
	}
	if (pthread_create(&l->renewer, NULL, renew_main, l) != 0) {
		mig_lock_release(l);
		return ca_err_set(err, CA_ENOMEM, "Could not start the thread that renews the target lock.");
	}
	l->thread_started = true;
	return CA_OK;
}

int mig_lock_acquire(struct mig_ctx *c, const char *name, struct mig_lock *l, struct ca_err *err)
{
	return start(c, name, 0, l, err);
}

int mig_lock_acquire_run(struct mig_ctx *c, struct mig_lock *l, struct ca_err *err)
{
	char name[MIG_LOCK_ID_MAX];

	if (!c->opts->shard_n)
		return start(c, MIG_LOCK_WHOLE, 0, l, err);
	snprintf(name, sizeof(name), MIG_LOCK_WHOLE "#%dof%d", c->opts->shard_k, c->opts->shard_n);
	return start(c, name, c->opts->shard_n, l, err);
}

bool mig_lock_lost(struct mig_lock *l)
{
	return l && l->held && atomic_load(&l->lost);
}

void mig_lock_release(struct mig_lock *l)
{
	json_t *in;

	if (!l || !l->held)
		return;
	if (l->thread_started) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->renewer, NULL);
		l->thread_started = false;
	}
	in = json_pack("{s:s, s:{s:o}, s:s, s:{s:s}, s:{s:o}}", "TableName", l->c->guard_table,
		       "Key", "id", ddb_s(l->id), "ConditionExpression", "#t = :t",
		       "ExpressionAttributeNames", "#t", "token", "ExpressionAttributeValues", ":t",
		       ddb_s(l->token));
	if (in)
		(void)mig_ddb(l->c, "DeleteItem", in, NULL, NULL, NULL);
	json_decref(in);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	l->held = false;
}

int mig_check_lock(struct mig_ctx *c, struct ca_err *err)
{
	if (!mig_lock_lost(c->lock))
		return CA_OK;
	return ca_err_set(err, CA_MIGRATE_LOCKED,
			  "This run lost its target lock (its lease of %ld s could not be renewed, or another run took it over), so it stopped writing; run it again.",
			  c->lock->lease_s);
}
