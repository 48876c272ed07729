/*
 * migrate_pace.h — how many photos a run keeps in flight: adaptive back-off on
 * throttling (additive increase, multiplicative decrease, as TCP does).
 *
 * A run starts with --jobs photos in flight. A call that was throttled (SlowDown,
 * ProvisionedThroughputExceededException, ...) or needed retries halves the
 * allowance (never below 1), at most once per round of the calls in flight when it
 * was cut (their answers were already on the way); every `allowed` calls answered
 * at first try add one back, up to --jobs. Workers wait in mig_pace_enter while
 * the allowance is used up. The retries of one call stay the client's (retry.h);
 * this only decides how many calls go out at once.
 */
#ifndef CA_MIGRATE_PACE_H
#define CA_MIGRATE_PACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct mig_pace {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int max;            /* --jobs */
	int allowed;        /* 1..max */
	int in_use;
	int lowest;         /* the lowest allowance so far */
	int calm;           /* calls answered at first try since the last change */
	int grace;          /* calls still to be answered before another cut counts */
	size_t cuts;        /* times the allowance was halved */
};

/* Starts at max (>= 1) in flight. CA_OK, or CA_ENOMEM when the lock cannot be made. */
int mig_pace_init(struct mig_pace *p, int max);
/* Accepts NULL and a pace never initialised (zeroed). */
void mig_pace_destroy(struct mig_pace *p);

/* Waits until one more may go out, and takes it. */
void mig_pace_enter(struct mig_pace *p);
/* Gives back what mig_pace_enter took. */
void mig_pace_leave(struct mig_pace *p);

/* One call answered: congested when it was throttled or needed retries. */
void mig_pace_result(struct mig_pace *p, bool congested);

/* The allowance now (for reports and tests). */
int mig_pace_allowed(struct mig_pace *p);

#endif
