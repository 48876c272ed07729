/*
 * migrate_lock.h — the target lock: while a run writes, it holds one item in the
 * target's guard table (db/dynamodb.h), id "lock#<name>", so that a second run on
 * the same target — from this host or any other, with the same state file or
 * another — is refused instead of writing a second copy of every user.
 *
 * The item says who holds it (host, pid, a random token, when it started) and
 * until when: `expires`, epoch seconds, a lease of MIG_LOCK_LEASE_S that a thread
 * of the holder renews every MIG_LOCK_RENEW_S. Taking the lock is one conditional
 * PutItem: the item is absent, or its lease has run out (its holder died on some
 * host), or its holder is a process of this host that no longer exists (a run
 * killed here is taken over at once). Renewing and releasing are conditional on
 * the token, so a run that lost its lease (suspended for longer than the lease)
 * can never extend or delete its successor's lock; it notices (mig_lock_lost)
 * and stops. Hosts' clocks are assumed to agree to well within the lease.
 *
 * Names: "migrate" for a whole run. Every lock item lives under "lock#" in the
 * guard table, where no email guard can be ("email#...").
 *
 * Sharded runs (--shard K/N, migrate_shard.h) run together, one per shard, and never
 * beside a whole run nor beside shards of another N (those would cover the same
 * users). A shard run holds two items: its own lock "lock#migrate#<K>of<N>" (taken
 * as above: a second run of the same shard is refused, a killed one taken over),
 * and the shared marker in the whole run's place, "lock#migrate" with mode
 * "shards" and shards N. The marker is put when it is absent, expired, or already
 * a marker for N shards, and each shard's renewer extends its lease; so it lives
 * while any shard run does, and for one lease after the last one stops (it is never
 * deleted, as no shard knows it is the last). A whole run's conditional put fails
 * on a live marker, and a shard's fails on a whole run's lock or another N's
 * marker; the dead-holder takeover is never applied to a marker.
 */
#ifndef CA_MIGRATE_LOCK_H
#define CA_MIGRATE_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "util/error.h"

#define MIG_LOCK_LEASE_S 60
#define MIG_LOCK_RENEW_S 15
#define MIG_LOCK_PREFIX "lock#"
#define MIG_LOCK_ID_MAX 96
#define MIG_LOCK_OWNER_MAX 160
#define MIG_LOCK_WHOLE "migrate"
#define MIG_LOCK_MODE_SHARDS "shards"

struct mig_ctx;

struct mig_lock {
	struct mig_ctx *c;
	char id[MIG_LOCK_ID_MAX];        /* "lock#<name>" */
	char token[33];                  /* random, ours */
	bool held;
	atomic_bool lost;                /* the lease ran out or another run took it over */
	bool thread_started;
	pthread_t renewer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	long lease_s;                    /* MIG_LOCK_LEASE_S */
	int marker_shards;               /* a shard run: N, and it renews marker_id too */
	char marker_id[MIG_LOCK_ID_MAX]; /* "lock#migrate" */
};

/*
 * Takes lock "lock#<name>" in c's guard table and starts renewing it. On CA_OK the
 * lock is held until mig_lock_release. CA_MIGRATE_LOCKED with a sentence naming
 * the holder (host, pid, start, lease end) and what to do when another live run
 * holds it; AWS errors as mig_ddb; CA_ENOMEM.
 */
int mig_lock_acquire(struct mig_ctx *c, const char *name, struct mig_lock *lock,
		     struct ca_err *err);

/*
 * A run's lock: "migrate" for a run of every user; for --shard K/N (c->opts) the
 * shard's lock and the sharded runs' marker (above). Errors as mig_lock_acquire,
 * CA_MIGRATE_LOCKED naming a whole run or the other shard count when one holds it.
 */
int mig_lock_acquire_run(struct mig_ctx *c, struct mig_lock *lock, struct ca_err *err);

/* true once the lock has been lost: the holder must stop writing. */
bool mig_lock_lost(struct mig_lock *lock);

/* Stops renewing and deletes the item if it is still ours. Never fails (a lock
 * left behind expires); NULL or a lock never taken accepted. */
void mig_lock_release(struct mig_lock *lock);

#endif
