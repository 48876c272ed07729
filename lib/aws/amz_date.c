/*
 * amz_date.c — strict UTC timestamp parsing (see amz_date.h).
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

/* In `layout`, 'Y' is a 4-digit field, 'N' a 2-digit one; other characters are literal. */
static int parse(const char *s, const char *layout, const char *what, time_t *out,
		 struct ca_err *err)
{
	int field[6], f = 0;
	const char *l, *p;
	struct tm tm;
	time_t t;

	if (!s || !out)
		return ca_err_set(err, CA_EINVAL, "No %s date given.", what);
	for (l = layout, p = s; *l; l++) {
		if (*l == 'Y' || *l == 'N') {
			int n = *l == 'Y' ? 4 : 2;

			if (f >= 6 || strnlen(p, 4) < (size_t)n || !digits(p, n, &field[f++]))
				goto bad;
			p += n;
		} else if (*p != *l) {
			goto bad;
		} else {
			p++;
		}
	}
	if (*p)
		goto bad;
	if (f != 6 || field[0] < 1970 || field[1] < 1 || field[1] > 12 || field[2] < 1 ||
	    field[2] > days_in_month(field[0], field[1]) || field[3] > 23 || field[4] > 59 ||
	    field[5] > 59)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = field[0] - 1900;
	tm.tm_mon = field[1] - 1;
	tm.tm_mday = field[2];
	tm.tm_hour = field[3];
	tm.tm_min = field[4];
	tm.tm_sec = field[5];
	t = timegm(&tm);
	if (t == (time_t)-1)
		goto bad;
	*out = t;
	return CA_OK;
bad:
	return ca_err_set(err, CA_EINVAL, "'%.40s' is not a valid UTC time in the form %s.",
			  s, what);
}

int aws_parse_amz_date(const char *s, time_t *out, struct ca_err *err)
{
	return parse(s, "YNNTNNNZ", "YYYYMMDDTHHMMSSZ", out, err);
}

int aws_parse_iso8601_utc(const char *s, time_t *out, struct ca_err *err)
{
	return parse(s, "Y-N-NTN:N:NZ", "YYYY-MM-DDTHH:MM:SSZ", out, err);
}
