#include "db/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n digits at *p, advancing it. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

int ca_db_date_parse(const char *s, struct ca_db_date *out, struct ca_err *err)
{
	struct ca_db_date d = { 0 };
	const char *p = s;

	if (!s)
		goto bad;
	if (!digits(&p, 4, &d.year) || !expect(&p, '-') || !digits(&p, 2, &d.month) ||
	    !expect(&p, '-') || !digits(&p, 2, &d.day))
		goto bad;
	if (*p != 'T' && *p != ' ')
		goto bad;
	p++;
	if (!digits(&p, 2, &d.hour) || !expect(&p, ':') || !digits(&p, 2, &d.minute) ||
	    !expect(&p, ':') || !digits(&p, 2, &d.second))
		goto bad;
	if (*p == '.') {
		int n = 0;

		p++;
		while (p[n] >= '0' && p[n] <= '9' && n < 7)
			n++;
		if (n == 0 || n > 6)
			goto bad;
		digits(&p, n, &d.microsecond);
		for (; n < 6; n++)
			d.microsecond *= 10;
	}
	if (*p == 'Z')
		p++;
	else if (!strcmp(p, "+0000") || !strcmp(p, "+00:00"))
		p += strlen(p);
	if (*p)
		goto bad;
	if (d.year < 1000 || d.month < 1 || d.month > 12 || d.day < 1 ||
	    d.day > days_in_month(d.year, d.month) || d.hour > 23 || d.minute > 59 || d.second > 59)
		goto bad;
	*out = d;
	return CA_OK;
bad:
	return ca_err_set(err, CA_EINVAL,
			  "The date is not of the form YYYY-MM-DDTHH:MM:SS[.ffffff][+0000] in UTC.");
}

/* v (0 <= v < 10^width) as width digits at out. */
static void put_digits(char *out, int v, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

void ca_db_date_format(const struct ca_db_date *d, char out[CA_DB_DATE_LEN + 1])
{
	/* digits placed by hand: the album formats two dates per photo, a hundred a page */
	if (d->year < 0 || d->month < 0 || d->day < 0 || d->hour < 0 || d->minute < 0 ||
	    d->second < 0 || d->microsecond < 0) {
		snprintf(out, CA_DB_DATE_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000",
			 d->year % 10000, d->month % 100, d->day % 100, d->hour % 100,
			 d->minute % 100, d->second % 100, d->microsecond % 1000000);
		return;
	}
	memcpy(out, "0000-00-00T00:00:00.000000+0000", CA_DB_DATE_LEN + 1);
	put_digits(out, d->year % 10000, 4);
	put_digits(out + 5, d->month % 100, 2);
	put_digits(out + 8, d->day % 100, 2);
	put_digits(out + 11, d->hour % 100, 2);
	put_digits(out + 14, d->minute % 100, 2);
	put_digits(out + 17, d->second % 100, 2);
	put_digits(out + 20, d->microsecond % 1000000, 6);
}

bool ca_db_date_from_time(time_t secs, int microsecond, struct ca_db_date *d)
{
	struct tm tm;

	if (secs < 0 || !gmtime_r(&secs, &tm) || tm.tm_year + 1900 < 1000 || tm.tm_year + 1900 > 9999)
		return false;
	d->year = tm.tm_year + 1900;
	d->month = tm.tm_mon + 1;
	d->day = tm.tm_mday;
	d->hour = tm.tm_hour;
	d->minute = tm.tm_min;
	d->second = tm.tm_sec;
	d->microsecond = microsecond;
	return true;
}

void ca_db_date_now(char out[CA_DB_DATE_LEN + 1])
{
	struct timespec ts;
	struct ca_db_date d;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!ca_db_date_from_time(ts.tv_sec, (int)(ts.tv_nsec / 1000), &d))
		memset(&d, 0, sizeof(d));
	ca_db_date_format(&d, out);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t ca_db_date_epoch_ms(const struct ca_db_date *d)
{
	int64_t days = days_from_civil(d->year, d->month, d->day);

	return ((days * 24 + d->hour) * 60 + d->minute) * 60000 + (int64_t)d->second * 1000 +
	       d->microsecond / 1000;
}
