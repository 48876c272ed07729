/*
 * value.h — parsers for the typed values of config files.
 *
 * Each takes one NUL-terminated, already expanded value and either fills *out
 * and returns true, or returns false and leaves *out untouched. They never
 * allocate.
 */
#ifndef CA_CONFIG_VALUE_H
#define CA_CONFIG_VALUE_H

#include <stdbool.h>

#define CA_HOST_MAX 253

/* A host and a port, as in "127.0.0.1:8080", "localhost:2000" or "[::1]:5000". */
struct ca_hostport {
	char host[CA_HOST_MAX + 1];     /* without the IPv6 brackets */
	int port;                       /* 1..65535 */
};

/* A decimal integer, optionally negative, nothing else (no spaces, no 0x, no 1e3). */
bool ca_value_int(const char *s, long *out);

/* true / false (also True, TRUE, False, FALSE). yes/no/on/off are refused: ambiguous. */
bool ca_value_bool(const char *s, bool *out);

/*
 * A duration in seconds: "3600" (seconds), or numbers with units s, m, h, d in
 * decreasing order ("90s", "15m", "12h", "7d", "1h30m"). At most 100 years.
 */
bool ca_value_duration(const char *s, long *seconds);

/* host:port with a DNS name or IPv4 address, or [IPv6]:port. */
bool ca_value_hostport(const char *s, struct ca_hostport *out);

/*
 * Checks that s is an absolute URL scheme://host[:port][/path...] with no
 * spaces or control characters, whose scheme is one of schemes (a
 * NULL-terminated list; NULL means http and https). Returns NULL when it is,
 * else a short static reason ("it has no host").
 */
const char *ca_value_url_problem(const char *s, const char *const *schemes);

#endif
