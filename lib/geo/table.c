/*
 * table.c — reads and checks the geodata table (format: scripts/make-geodata.py).
 * The file is untrusted: every line is checked and the first problem is reported
 * with its line number; nothing is trusted for sizes beyond what the bytes can hold.
 */
#include "geo/geo_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo/geo.h"
#include "util/strutil.h"
#include "util/banned.h"

#define GEO_MAGIC "#cloudalbum-geodata"
#define GEO_FORMAT_VERSION "1"
#define GEO_FIELDS 6
#define GEO_MIN_ROW_BYTES 10         /* "a\t\t\tb\t0\t0\n" */
#define REBUILD_HINT "rebuild it with scripts/make-geodata.py"

void geo_table_release(struct geo_table *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->rows);
	t->text = NULL;
	t->rows = NULL;
	t->count = 0;
}

/*
 * The line starting at *pos, NUL-terminated in place (a trailing '\r' dropped);
 * NULL at the end of the text. *terminated says whether it ended with '\n'.
 */
static char *take_line(char *text, size_t len, size_t *pos, bool *terminated)
{
	char *start, *nl;
	size_t n;

	if (*pos >= len)
		return NULL;
	start = text + *pos;
	nl = memchr(start, '\n', len - *pos);
	n = nl ? (size_t)(nl - start) : len - *pos;
	*terminated = nl != NULL;
	*pos += n + (nl ? 1 : 0);
	start[n] = '\0';
	if (n > 0 && start[n - 1] == '\r')
		start[n - 1] = '\0';
	return start;
}

/* Splits line at tabs into at most max fields; returns the number of fields found
 * (max + 1 when there are more). */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');
		if (n == max)
			return max + 1;
		fields[n++] = p;
		if (!tab)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

/* true when s is well-formed UTF-8 with no control characters. */
static bool clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p;
		unsigned need, cp, min;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		p++;
		while (need--) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (*p++ & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/*
 * A plain decimal "-ddd.dddd" (1..3 integer digits, up to 12 decimals, no exponent,
 * no sign other than a leading '-'), independent of the locale. Exact to the double
 * nearest the decimal, since both the digits and the power of ten are exact doubles.
 */
static bool parse_degrees(const char *s, double limit, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
					1e10, 1e11, 1e12 };
	uint64_t digits = 0;
	size_t ints = 0, decimals = 0;
	bool negative = false;
	double v;

	if (*s == '-') {
		negative = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, ints++)
		digits = digits * 10 + (uint64_t)(*s - '0');
	if (ints == 0 || ints > 3)
		return false;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, decimals++) {
			if (decimals == 12)
				return false;
			digits = digits * 10 + (uint64_t)(*s - '0');
		}
		if (decimals == 0)
			return false;
	}
	if (*s)
		return false;
	v = (double)digits / pow10[decimals];
	if (v > limit)
		return false;
	*out = negative ? -v : v;
	return true;
}

static int check_name(const char *field, const char *what, bool required, const char *name,
		      size_t lineno, struct ca_err *err)
{
	if (required && !*field)
		return ca_err_set(err, CA_EPARSE, "%s line %zu: the %s is empty; %s",
				  name, lineno, what, REBUILD_HINT);
	if (strlen(field) > GEO_FIELD_MAX)
		return ca_err_set(err, CA_EPARSE, "%s line %zu: the %s is longer than %d bytes; %s",
				  name, lineno, what, GEO_FIELD_MAX, REBUILD_HINT);
	if (!clean_utf8(field))
		return ca_err_set(err, CA_EPARSE,
				  "%s line %zu: the %s is not valid UTF-8 text; %s",
				  name, lineno, what, REBUILD_HINT);
	return CA_OK;
}

static int parse_row(char *line, struct geo_row *row, const char *name, size_t lineno,
		     struct ca_err *err)
{
	char *f[GEO_FIELDS + 1];
	size_t n = split_fields(line, f, GEO_FIELDS);
	int rc;

	if (n != GEO_FIELDS)
		return ca_err_set(err, CA_EPARSE,
				  "%s line %zu has %s%zu tab-separated fields where 6 are expected "
				  "(city, district, region, country, lat, lng); %s",
				  name, lineno, n > GEO_FIELDS ? "more than " : "",
				  n > GEO_FIELDS ? (size_t)GEO_FIELDS : n, REBUILD_HINT);
	if ((rc = check_name(f[0], "city name", true, name, lineno, err)) ||
	    (rc = check_name(f[1], "district name", false, name, lineno, err)) ||
	    (rc = check_name(f[2], "region name", false, name, lineno, err)) ||
	    (rc = check_name(f[3], "country name", true, name, lineno, err)))
		return rc;
	if (!parse_degrees(f[4], 90.0, &row->lat))
		return ca_err_set(err, CA_EPARSE,
				  "%s line %zu: latitude '%.40s' is not a decimal between -90 and 90; %s",
				  name, lineno, f[4], REBUILD_HINT);
	if (!parse_degrees(f[5], 180.0, &row->lng))
		return ca_err_set(err, CA_EPARSE,
				  "%s line %zu: longitude '%.40s' is not a decimal between -180 and 180; %s",
				  name, lineno, f[5], REBUILD_HINT);
	row->city = f[0];
	row->district = f[1];
	row->region = f[2];
	row->nation = f[3];
	return CA_OK;
}

static int parse_header(char *line, size_t len, const char *name, size_t *count,
			struct ca_err *err)
{
	char *f[4];
	long n = 0;

	if (!line || split_fields(line, f, 3) != 3 || strcmp(f[0], GEO_MAGIC) != 0)
		return ca_err_set(err, CA_EPARSE,
				  "%s is not a CloudAlbum geodata table (its first line is not "
				  "'" GEO_MAGIC " <version> <count>'); %s", name, REBUILD_HINT);
	if (strcmp(f[1], GEO_FORMAT_VERSION) != 0)
		return ca_err_set(err, CA_EPARSE,
				  "%s is geodata format version '%.20s', this program reads version "
				  GEO_FORMAT_VERSION "; %s", name, f[1], REBUILD_HINT);
	if (!ca_parse_long(f[2], 1, 1L << 40, &n))
		return ca_err_set(err, CA_EPARSE,
				  "%s: the place count in the first line, '%.20s', is not a positive "
				  "number; %s", name, f[2], REBUILD_HINT);
	if ((unsigned long)n > len / GEO_MIN_ROW_BYTES)
		return ca_err_set(err, CA_EPARSE,
				  "%s claims %ld places, more than its %zu bytes can hold (truncated?); %s",
				  name, n, len, REBUILD_HINT);
	*count = (size_t)n;
	return CA_OK;
}

int geo_table_parse(struct geo_table *t, char *text, size_t len, const char *name,
		    struct ca_err *err)
{
	size_t pos = 0, lineno = 1, want = 0, have = 0;
	bool terminated = true;
	char *line;
	int rc;

	t->text = text;
	t->rows = NULL;
	t->count = 0;
	if (memchr(text, '\0', len)) {
		rc = ca_err_set(err, CA_EPARSE, "%s contains a NUL byte, so it is not a geodata "
				"table; %s", name, REBUILD_HINT);
		goto fail;
	}
	line = take_line(text, len, &pos, &terminated);
	if ((rc = parse_header(line, len, name, &want, err)))
		goto fail;
	t->rows = calloc(want, sizeof(*t->rows));
	if (!t->rows) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory loading %zu places from %s", want, name);
		goto fail;
	}
	while (terminated && (line = take_line(text, len, &pos, &terminated))) {
		lineno++;
		if (!terminated) {
			rc = ca_err_set(err, CA_EPARSE, "%s ends in the middle of line %zu "
					"(truncated?); %s", name, lineno, REBUILD_HINT);
			goto fail;
		}
		if (line[0] == '#')
			continue;
		if (have == want) {
			rc = ca_err_set(err, CA_EPARSE, "%s line %zu: more places than the %zu its "
					"first line announces; %s", name, lineno, want, REBUILD_HINT);
			goto fail;
		}
		if ((rc = parse_row(line, &t->rows[have], name, lineno, err)))
			goto fail;
		have++;
	}
	if (have != want) {
		rc = ca_err_set(err, CA_EPARSE, "%s holds %zu places where its first line announces "
				"%zu (truncated?); %s", name, have, want, REBUILD_HINT);
		goto fail;
	}
	t->count = have;
	return CA_OK;
fail:
	geo_table_release(t);
	return rc;
}

int geo_table_load(struct geo_table *t, const char *path, struct ca_err *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd = -1, rc;

	t->text = NULL;
	t->rows = NULL;
	t->count = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = ca_err_set(err, CA_GEO_NO_DATA,
				errno == ENOENT ? "geodata file %s does not exist; build it with "
				"scripts/make-geodata.py (make does) or set CA_GEODATA"
				: "cannot open geodata file %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = ca_err_set(err, CA_GEO_NO_DATA, "geodata path %s is not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > GEO_FILE_MAX) {
		rc = ca_err_set(err, CA_ERANGE, "geodata file %s is %lld bytes, over the %u-byte "
				"limit; is it the right file?", path, (long long)st.st_size,
				GEO_FILE_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory reading geodata file %s", path);
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t got = read(fd, text + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = ca_err_set(err, CA_EIO, "reading geodata file %s failed: %s", path,
					strerror(errno));
			goto out;
		}
		if (got == 0)
			break;   /* shrank while we read: parse what is there */
		len += (size_t)got;
	}
	text[len] = '\0';
	rc = geo_table_parse(t, text, len, path, err);
	text = NULL;   /* owned by t now, whatever the outcome */
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}
