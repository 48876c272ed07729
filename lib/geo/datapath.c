/*
 * datapath.c — where the geodata table is when nobody says (see geo.h).
 */
#include "geo/geo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define GEO_TABLE_RELPATH "build/geo/cities.tsv"
#define GEO_SEARCH_LEVELS 5   /* enough for <tree>/build/NAME/san/bin/X */

int geo_default_path(char **out, struct ca_err *err)
{
	char exe[PATH_MAX];
	const char *env = getenv("CA_GEODATA");
	struct ca_buf candidate = CA_BUF_INIT;
	ssize_t n;
	int level, rc = CA_OK;

	*out = NULL;
	if (env && *env) {
		if (!(*out = ca_strdup(env)))
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		goto none;
	exe[n] = '\0';
	for (level = 0; level < GEO_SEARCH_LEVELS; level++) {
		char *slash = strrchr(exe, '/');
		if (!slash || slash == exe)
			break;
		*slash = '\0';   /* exe is now the next directory up */
		ca_buf_reset(&candidate);
		ca_buf_addf(&candidate, "%s/" GEO_TABLE_RELPATH, exe);
		if (!ca_buf_ok(&candidate)) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto out;
		}
		if (access(candidate.data, R_OK) == 0) {
			if (!(*out = ca_buf_detach(&candidate, NULL)))
				rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto out;
		}
	}
none:
	rc = ca_err_set(err, CA_GEO_NO_DATA,
			"no geocoding data found: build it with scripts/make-geodata.py (make does), "
			"then pass its path (--data, or the config's geodata key) or set CA_GEODATA");
out:
	ca_buf_release(&candidate);
	return rc;
}
