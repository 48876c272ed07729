/*
 * date.h — the one text form of a date in database records.
 *
 * Records carry dates as PynamoDB's UTCDateTimeAttribute text,
 * "YYYY-MM-DDTHH:MM:SS.ffffff+0000" (always UTC, always six fraction digits),
 * which is what the DynamoDB contract stores and what a MySQL DATETIME maps to
 * (a DATETIME has no zone; the toolkit treats it as UTC).
 */
#ifndef CA_DB_DATE_H
#define CA_DB_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "util/error.h"

#define CA_DB_DATE_LEN 31 /* strlen("2024-01-31T12:34:56.000000+0000") */

struct ca_db_date {
	int year;         /* 1000..9999 */
	int month;        /* 1..12 */
	int day;          /* 1..days in that month */
	int hour;         /* 0..23 */
	int minute;       /* 0..59 */
	int second;       /* 0..59 */
	int microsecond;  /* 0..999999 */
};

/*
 * Parses s into out. Accepts the canonical form and the forms people and other
 * tools write: "YYYY-MM-DD HH:MM:SS" or with 'T', an optional fraction of 1..6
 * digits, and an optional zone that must be UTC ("Z", "+0000", "+00:00").
 * CA_OK, or CA_EINVAL (out untouched) for anything else, including impossible
 * dates such as February 30.
 */
int ca_db_date_parse(const char *s, struct ca_db_date *out, struct ca_err *err);

/* Writes the canonical form of d into out (CA_DB_DATE_LEN + 1 bytes). */
void ca_db_date_format(const struct ca_db_date *d, char out[CA_DB_DATE_LEN + 1]);

/*
 * Fills *d with the UTC time secs (epoch seconds) and microsecond. false (d
 * untouched) when that time is before the epoch or outside years 1000..9999.
 */
bool ca_db_date_from_time(time_t secs, int microsecond, struct ca_db_date *d);

/* The current UTC time in canonical form. */
void ca_db_date_now(char out[CA_DB_DATE_LEN + 1]);

/* Milliseconds since the Unix epoch of d (the DynamoDB photo id form). */
int64_t ca_db_date_epoch_ms(const struct ca_db_date *d);

#endif
