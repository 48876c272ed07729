/* migrate_batch.c — BatchWriteItem with UnprocessedItems re-sent (migrate_batch.h). */
#include "migrate_batch.h"

#include <errno.h>
#include <time.h>

#include "util/banned.h"

long mig_batch_backoff(long base_ms, long cap_ms, int round)
{
	long ms = base_ms;
	int i;

	for (i = 1; i < round && ms < cap_ms; i++)
		ms *= 2;
	return ms < cap_ms ? ms : cap_ms;
}

static void default_sleep(void *ctx, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Sends one chunk (an array of {"PutRequest": ...} write requests) until done. */
static int put_chunk(struct mig_batch_writer *w, json_t *requests, struct ca_err *err)
{
	long base = w->base_ms > 0 ? w->base_ms : MIG_BATCH_BASE_MS;
	long cap = w->cap_ms > 0 ? w->cap_ms : MIG_BATCH_CAP_MS;
	int rounds = w->max_rounds > 0 ? w->max_rounds : MIG_BATCH_ROUNDS;
	json_t *pending = json_incref(requests), *req = NULL, *answer = NULL;
	int round, rc = CA_OK;

	for (round = 1;; round++) {
		json_t *left;

		req = json_pack("{s:{s:O}}", "RequestItems", w->table, pending);
		if (!req) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory building a BatchWriteItem request.");
			goto out;
		}
		w->requests++;
		rc = w->send(w->ctx, req, &answer, err);
		json_decref(req);
		req = NULL;
		if (rc != CA_OK)
			goto out;
		left = json_object_get(json_object_get(answer, "UnprocessedItems"), w->table);
		if (!json_is_array(left) || json_array_size(left) == 0)
			goto out;
		if (round >= rounds) {
			rc = ca_err_set(err, CA_AWS_THROTTLED,
					"DynamoDB left %zu items of table %s unprocessed after %d tries; run again later or raise the table's write capacity.",
					json_array_size(left), w->table, rounds);
			goto out;
		}
		w->resent += json_array_size(left);
		json_decref(pending);
		pending = json_incref(left);
		json_decref(answer);
		answer = NULL;
		{
			long ms = mig_batch_backoff(base, cap, round);

			w->slept_ms += ms;
			(w->sleep ? w->sleep : default_sleep)(w->ctx, ms);
		}
	}
out:
	json_decref(answer);
	json_decref(pending);
	return rc;
}

int mig_batch_put(struct mig_batch_writer *w, json_t *const *items, size_t n,
		  struct ca_err *err)
{
	size_t i = 0, k;
	int rc = CA_OK;

	while (i < n && rc == CA_OK) {
		json_t *chunk = json_array();

		for (k = 0; chunk && k < MIG_BATCH_MAX && i < n; k++, i++)
			if (json_array_append_new(chunk, json_pack("{s:{s:O}}", "PutRequest", "Item",
								   items[i])) != 0) {
				json_decref(chunk);
				chunk = NULL;
			}
		if (!chunk)
			return ca_err_set(err, CA_ENOMEM, "Out of memory building a BatchWriteItem request.");
		rc = put_chunk(w, chunk, err);
		json_decref(chunk);
	}
	return rc;
}
