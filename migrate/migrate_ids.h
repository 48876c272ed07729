/*
 * migrate_ids.h — the pure rules of the mapping: photo ids and geotag values.
 */
#ifndef CA_MIGRATE_IDS_H
#define CA_MIGRATE_IDS_H

#include <stddef.h>
#include <stdint.h>

/* One photo of one user, as the id rule sees it. */
struct mig_id_input {
	int64_t upload_ms;   /* epoch ms of upload_date (taken_date, else 0, when absent) */
	long legacy_id;      /* the row's id: breaks ties */
};

/*
 * Gives each of the n photos of ONE user its DynamoDB id: photos in
 * (upload_ms, legacy_id) order, each id = max(upload_ms, 0, previous id + 1). So ids
 * are unique for the user, never negative (a photo from before 1970 takes the first
 * free id from 0 on, in date order: the app and the seed's models take ids as
 * non-negative), never below a later-than-1970 upload time, and the same input
 * always gives the same ids. ids[i] is the id of in[i]. order is scratch space of n
 * entries. Never fails.
 */
void mig_assign_photo_ids(const struct mig_id_input *in, size_t n, size_t *order, int64_t *ids);

/*
 * The value a legacy FLOAT column holds, given as the double the server widened
 * it to: rounded to single precision, then the shortest decimal that reads back as
 * that float ("37.5665" rather than "37.56650161743164"), as a double.
 */
double mig_float_column(double widened);

/* true when a and b are the same FLOAT value (equal after rounding to float). */
int mig_same_float(double a, double b);

#endif
