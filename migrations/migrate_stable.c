/*
 * migrate_stable.c — photo ids that stay put across re-runs (migrate_internal.h,
 * mig_settle_ids). The id rule (migrate_ids.h) depends on the user's other photos: a
 * same-millisecond neighbour deleted in the legacy app between two runs would shift
 * the others. So a row whose photo the target already holds (same filename, under
 * the same owner) keeps that item's id; only rows new to the target take ids from
 * the rule, moved up past every id the target has taken.
 */
#include "migrate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "db/dynamodb_internal.h"

#include "util/banned.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int by_target(const void *a, const void *b, void *ctx)
{
	const struct mig_photo *photos = ctx;
	int64_t x = photos[*(const size_t *)a].target_id, y = photos[*(const size_t *)b].target_id;

	return (x > y) - (x < y);
}

static const char *text_of(const json_t *item, const char *name, const char *type)
{
	return json_string_value(json_object_get(json_object_get(item, name), type));
}

int mig_settle_ids(const json_t *stored, struct mig_photo *photos, size_t from, size_t to)
{
	size_t n_stored = json_array_size(stored), n_taken = 0, n_new = 0, i, k, t;
	int64_t *taken = calloc(n_stored + 1, sizeof(*taken));
	bool *claimed = calloc(n_stored + 1, sizeof(*claimed));
	size_t *fresh = calloc(to - from + 1, sizeof(*fresh));
	int64_t prev = -1;
	int rc = CA_OK;

	if (!taken || !claimed || !fresh) {
		rc = CA_ENOMEM;
		goto out;
	}
	for (k = 0; k < n_stored; k++) {
		const char *n = text_of(json_array_get(stored, k), "id", "N");
		int64_t id;

		if (n && ddb_parse_photo_id(n, &id))
			taken[n_taken++] = id;
	}
	for (i = from; i < to; i++) {
		struct mig_photo *p = &photos[i];
		const char *want = p->row.filename ? p->row.filename : "";
		bool found = false;

		if (p->skip)
			continue;
		for (k = 0; k < n_stored && !found; k++) {
			const char *fn = text_of(json_array_get(stored, k), "filename", "S");
			const char *n = text_of(json_array_get(stored, k), "id", "N");
			int64_t id;

			if (!claimed[k] && fn && strcmp(fn, want) == 0 && n && ddb_parse_photo_id(n, &id)) {
				claimed[k] = true;
				p->target_id = id;
				found = true;
			}
		}
		if (!found)
			fresh[n_new++] = i;
	}
	/* new rows in their rule order, each past the last one given and every taken id */
	qsort(taken, n_taken, sizeof(*taken), cmp_i64);
	qsort_r(fresh, n_new, sizeof(*fresh), by_target, photos);
	for (i = 0, t = 0; i < n_new; i++) {
		struct mig_photo *p = &photos[fresh[i]];
		int64_t id = p->target_id > prev ? p->target_id : prev + 1;

		while (t < n_taken && taken[t] < id)
			t++;
		while (t < n_taken && taken[t] == id) {
			id++;
			t++;
		}
		p->target_id = id;
		prev = id;
	}
out:
	free(taken);
	free(claimed);
	free(fresh);
	return rc;
}
