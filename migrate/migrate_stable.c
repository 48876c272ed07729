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

#include "db/items.h"

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

/* A stored item by filename, for the lookups (sorted: name, then position). */
struct named {
	const char *name;
	size_t k;
};

static int by_name_then_k(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	return d ? d : (x->k > y->k) - (x->k < y->k);
}

int mig_settle_ids(const json_t *stored, struct mig_photo *photos, size_t from, size_t to)
{
	size_t n_stored = json_array_size(stored), n_taken = 0, n_new = 0, i, k, t;
	int64_t *taken = calloc(n_stored + 1, sizeof(*taken));
	bool *claimed = calloc(n_stored + 1, sizeof(*claimed));
	size_t *fresh = calloc(to - from + 1, sizeof(*fresh));
	struct named *names = calloc(n_stored + 1, sizeof(*names));
	size_t n_names = 0;
	int64_t prev = -1;
	int rc = CA_OK;

	if (!taken || !claimed || !fresh || !names) {
		rc = CA_ENOMEM;
		goto out;
	}
	for (k = 0; k < n_stored; k++) {
		const char *n = text_of(json_array_get(stored, k), "id", "N");
		int64_t id;

		if (n && ddb_parse_photo_id(n, &id)) {
			const char *fn = text_of(json_array_get(stored, k), "filename", "S");

			taken[n_taken++] = id;
			if (fn) {
				names[n_names].name = fn;
				names[n_names++].k = k;
			}
		}
	}
	qsort(names, n_names, sizeof(*names), by_name_then_k);
	for (i = from; i < to; i++) {
		struct mig_photo *p = &photos[i];
		const char *want = p->row.filename ? p->row.filename : "";
		bool found = false;

		if (p->skip)
			continue;
		/* the first unclaimed stored item of that name */
		{
			size_t lo = 0, hi = n_names;

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (strcmp(names[mid].name, want) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < n_names && !found && strcmp(names[lo].name, want) == 0; lo++) {
				const char *n = text_of(json_array_get(stored, names[lo].k), "id", "N");
				int64_t id;

				k = names[lo].k;
				if (!claimed[k] && n && ddb_parse_photo_id(n, &id)) {
					claimed[k] = true;
					p->target_id = id;
					found = true;
				}
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
	free(names);
	return rc;
}
