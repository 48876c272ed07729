/*
 * amz_date.h — parsing of the UTC time forms AWS uses (the one time parser of
 * lib/aws: signing, test cases, credentials' expiry). Dates must be real, from
 * 1970 to 9999, seconds 0..59.
 */
#ifndef CA_AWS_AMZ_DATE_H
#define CA_AWS_AMZ_DATE_H

#include <stdbool.h>
#include <time.h>

#include "util/error.h"

/*
 * Parses "YYYYMMDDTHHMMSSZ" (X-Amz-Date) into *out (UTC seconds). Only real dates
 * from 1970 to 9999 are accepted. CA_OK, or CA_EINVAL with a sentence in err.
 */
int aws_parse_amz_date(const char *s, time_t *out, struct ca_err *err);

/* The same for ISO 8601 "YYYY-MM-DDTHH:MM:SSZ". */
int aws_parse_iso8601_utc(const char *s, time_t *out, struct ca_err *err);

/*
 * An ISO 8601 time as IMDS, STS and credential_process write it (an expiry):
 * "YYYY-MM-DDTHH:MM:SS" ('T' also 't' or ' ') with an optional fraction (dropped),
 * then "Z" or "+HH:MM"/"-HH:MM". *out is UTC seconds. false when malformed.
 */
bool aws_parse_iso8601(const char *s, time_t *out);

#endif
