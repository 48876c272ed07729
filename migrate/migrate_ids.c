/* migrate_ids.c — photo ids and FLOAT values (migrate_ids.h). */
#include "migrate_ids.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/banned.h"

/* (upload_ms, legacy_id) order; legacy ids are unique, so the order is total */
static int by_upload(const void *pa, const void *pb, void *ctx)
{
	const struct mig_id_input *in = ctx;
	const struct mig_id_input *a = &in[*(const size_t *)pa], *b = &in[*(const size_t *)pb];

	if (a->upload_ms != b->upload_ms)
		return a->upload_ms < b->upload_ms ? -1 : 1;
	if (a->legacy_id != b->legacy_id)
		return a->legacy_id < b->legacy_id ? -1 : 1;
	return 0;
}

void mig_assign_photo_ids(const struct mig_id_input *in, size_t n, size_t *order, int64_t *ids)
{
	size_t i;
	int64_t prev = 0;

	for (i = 0; i < n; i++)
		order[i] = i;
	if (n > 1)
		qsort_r(order, n, sizeof(order[0]), by_upload, (void *)in);
	for (i = 0; i < n; i++) {
		int64_t id = in[order[i]].upload_ms;

		/* never negative: photos from before 1970 take 0, 1, 2... in date order */
		if (id < 0)
			id = 0;
		if (i > 0 && id <= prev)
			id = prev + 1;
		ids[order[i]] = id;
		prev = id;
	}
}

double mig_float_column(double widened)
{
	float f = (float)widened;
	char text[32];
	int prec;

	for (prec = 6; prec <= 9; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, (double)f);
		if ((float)strtod(text, NULL) == f)
			return strtod(text, NULL);
	}
	return (double)f;
}

int mig_same_float(double a, double b)
{
	return (float)a == (float)b;
}
