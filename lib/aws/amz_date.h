/*
 * amz_date.h — strict parsing of the two UTC time forms AWS uses.
 */
#ifndef CA_AWS_AMZ_DATE_H
#define CA_AWS_AMZ_DATE_H

#include <time.h>

#include "util/error.h"

/*
 * Parses "YYYYMMDDTHHMMSSZ" (X-Amz-Date) into *out (UTC seconds). Only real dates
 * from 1970 to 9999 are accepted. CA_OK, or CA_EINVAL with a sentence in err.
 */
int aws_parse_amz_date(const char *s, time_t *out, struct ca_err *err);

/* The same for ISO 8601 "YYYY-MM-DDTHH:MM:SSZ". */
int aws_parse_iso8601_utc(const char *s, time_t *out, struct ca_err *err);

#endif
