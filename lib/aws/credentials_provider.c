/*
 * credentials_provider.c — caches resolved credentials for long-running programs and
 * refreshes them AWS_CREDENTIALS_REFRESH_EARLY seconds before they expire.
 */
#include "aws/credentials.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* How long to wait before fetching again when fresh credentials already sit inside the
 * refresh window (a source that hands out short-lived keys must not be hammered). */
#define RETRY_INSIDE_WINDOW 30

struct aws_credentials_provider {
	pthread_mutex_t lock;
	aws_credentials_fetch_fn fetch;
	aws_clock_fn clock;
	void *ctx;
	struct aws_credentials cached;
	bool have;
	time_t next_refresh;    /* fetch again at or after this time; 0: never */
};

static int fetch_chain(void *ctx, struct aws_credentials *out, struct ca_err *err)
{
	(void)ctx;
	return aws_credentials_resolve(out, err);
}

struct aws_credentials_provider *aws_credentials_provider_new_with(aws_credentials_fetch_fn fetch,
								   aws_clock_fn clock, void *ctx)
{
	struct aws_credentials_provider *p;

	if (!fetch)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL)) {
		free(p);
		return NULL;
	}
	p->fetch = fetch;
	p->clock = clock;
	p->ctx = ctx;
	return p;
}

struct aws_credentials_provider *aws_credentials_provider_new(void)
{
	return aws_credentials_provider_new_with(fetch_chain, NULL, NULL);
}

static time_t now_of(const struct aws_credentials_provider *p)
{
	return p->clock ? p->clock(p->ctx) : time(NULL);
}

static bool still_valid(const struct aws_credentials *c, time_t now)
{
	return c->expiration == 0 || now < c->expiration;
}

static time_t refresh_time(const struct aws_credentials *c, time_t now)
{
	time_t t;

	if (c->expiration == 0)
		return 0;
	t = c->expiration - AWS_CREDENTIALS_REFRESH_EARLY;
	if (t <= now)
		t = now + RETRY_INSIDE_WINDOW;
	return t;
}

int aws_credentials_provider_get(struct aws_credentials_provider *p, struct aws_credentials *out,
				 struct ca_err *err)
{
	struct aws_credentials fresh = { 0 };
	struct ca_err fetch_err;
	time_t now;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	if (!p)
		return ca_err_set(err, CA_EINVAL, "no credentials provider was given");
	ca_err_clear(&fetch_err);
	pthread_mutex_lock(&p->lock);
	now = now_of(p);
	if (!p->have || (p->next_refresh && now >= p->next_refresh)) {
		rc = p->fetch(p->ctx, &fresh, &fetch_err);
		if (rc == CA_OK) {
			aws_credentials_release(&p->cached);
			p->cached = fresh;
			p->have = true;
			p->next_refresh = refresh_time(&p->cached, now);
		} else if (p->have && still_valid(&p->cached, now)) {
			/* keep serving what still works; try again a little later */
			rc = CA_OK;
			p->next_refresh = now + RETRY_INSIDE_WINDOW;
			if (p->next_refresh > p->cached.expiration)
				p->next_refresh = p->cached.expiration;
		} else {
			ca_err_set(err, rc, "%s", ca_err_msg(&fetch_err));
			goto out;
		}
	}
	rc = aws_credentials_copy(out, &p->cached);
	if (rc)
		ca_err_set(err, rc, "out of memory");
out:
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void aws_credentials_provider_release(struct aws_credentials_provider *p)
{
	if (!p)
		return;
	aws_credentials_release(&p->cached);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
