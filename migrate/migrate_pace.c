/* migrate_pace.c — the allowance of photos in flight (migrate_pace.h). */
#include "migrate_pace.h"

#include <string.h>

#include "util/error.h"

#include "util/banned.h"

int mig_pace_init(struct mig_pace *p, int max)
{
	memset(p, 0, sizeof(*p));
	if (max < 1)
		max = 1;
	p->max = p->allowed = p->lowest = max;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return CA_ENOMEM;
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return CA_ENOMEM;
	}
	return CA_OK;
}

void mig_pace_destroy(struct mig_pace *p)
{
	if (!p || !p->max)
		return;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	p->max = 0;
}

void mig_pace_enter(struct mig_pace *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->in_use >= p->allowed)
		pthread_cond_wait(&p->cv, &p->mu);
	p->in_use++;
	pthread_mutex_unlock(&p->mu);
}

void mig_pace_leave(struct mig_pace *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->in_use > 0)
		p->in_use--;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void mig_pace_result(struct mig_pace *p, bool congested)
{
	bool more = false;

	pthread_mutex_lock(&p->mu);
	if (p->grace > 0)
		p->grace--;
	if (congested) {
		if (p->grace == 0) {
			/* the calls already out answer before this cut shows: one cut per round */
			p->allowed = p->allowed > 1 ? p->allowed / 2 : 1;
			if (p->allowed < p->lowest)
				p->lowest = p->allowed;
			p->grace = p->in_use > 0 ? p->in_use : 1;
			p->cuts++;
		}
		p->calm = 0;
	} else if (++p->calm >= p->allowed && p->allowed < p->max) {
		p->allowed++;
		p->calm = 0;
		more = true;
	}
	pthread_mutex_unlock(&p->mu);
	if (more)
		pthread_cond_broadcast(&p->cv);
}

int mig_pace_allowed(struct mig_pace *p)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = p->allowed;
	pthread_mutex_unlock(&p->mu);
	return n;
}
