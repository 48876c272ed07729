/*
 * amz_date.c — UTC timestamp parsing (see amz_date.h): one reader of the date and
 * time fields, and the three endings AWS's forms have.
 */
#include "aws/amz_date.h"

#include <stdbool.h>
#include <string.h>

#include "util/banned.h"

/* Reads n digits at s into *v. */
static bool digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * Reads the date and time at s as `layout` says ('Y' a 4-digit field, 'N' a 2-digit
 * one, 'T' the date/time separator, which lenient also takes as 't' or ' '; other
 * characters literal) into *out (UTC seconds), and returns what follows, or NULL
 * when the fields are malformed or not a real time from 1970 to 9999.
 */
static const char *read_fields(const char *s, const char *layout, bool lenient, time_t *out)
{
	int field[6], f = 0;
	const char *l, *p;
	struct tm tm;
	time_t t;

	for (l = layout, p = s; *l; l++) {
		if (*l == 'Y' || *l == 'N') {
			int n = *l == 'Y' ? 4 : 2;

			if (f >= 6 || strnlen(p, 4) < (size_t)n || !digits(p, n, &field[f++]))
				return NULL;
			p += n;
		} else if (*p == *l || (lenient && *l == 'T' && (*p == 't' || *p == ' '))) {
			p++;
		} else {
			return NULL;
		}
	}
	if (f != 6 || field[0] < 1970 || field[1] < 1 || field[1] > 12 || field[2] < 1 ||
	    field[2] > days_in_month(field[0], field[1]) || field[3] > 23 || field[4] > 59 ||
	    field[5] > 59)
		return NULL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = field[0] - 1900;
	tm.tm_mon = field[1] - 1;
	tm.tm_mday = field[2];
	tm.tm_hour = field[3];
	tm.tm_min = field[4];
	tm.tm_sec = field[5];
	t = timegm(&tm);
	if (t == (time_t)-1)
		return NULL;
	*out = t;
	return p;
}

/* The strict forms: the fields, then exactly "Z". */
static int parse_z(const char *s, const char *layout, const char *what, time_t *out,
		   struct ca_err *err)
{
	const char *rest;
	time_t t;

	if (!s || !out)
		return ca_err_set(err, CA_EINVAL, "No %s date given.", what);
	rest = read_fields(s, layout, false, &t);
	if (!rest || strcmp(rest, "Z") != 0)
		return ca_err_set(err, CA_EINVAL, "'%.40s' is not a valid UTC time in the form %s.",
				  s, what);
	*out = t;
	return CA_OK;
}

int aws_parse_amz_date(const char *s, time_t *out, struct ca_err *err)
{
	return parse_z(s, "YNNTNNN", "YYYYMMDDTHHMMSSZ", out, err);
}

int aws_parse_iso8601_utc(const char *s, time_t *out, struct ca_err *err)
{
	return parse_z(s, "Y-N-NTN:N:N", "YYYY-MM-DDTHH:MM:SSZ", out, err);
}

/* The seconds east of UTC of a "+HH:MM" / "-HH:MM" zone at s; false when it is not one. */
static bool zone_offset(const char *s, long *offset)
{
	int hh, mm;

	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':' ||
	    !digits(s + 1, 2, &hh) || !digits(s + 4, 2, &mm) || hh > 23 || mm > 59)
		return false;
	*offset = (s[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
	return true;
}

bool aws_parse_iso8601(const char *s, time_t *out)
{
	const char *rest;
	long offset = 0;
	time_t t;

	if (!s || !out || !(rest = read_fields(s, "Y-N-NTN:N:N", true, &t)))
		return false;
	if (*rest == '.') {
		rest++;
		if (*rest < '0' || *rest > '9')
			return false;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	if (strcmp(rest, "Z") != 0 && strcmp(rest, "z") != 0 && !zone_offset(rest, &offset))
		return false;
	*out = t - offset;
	return true;
}
