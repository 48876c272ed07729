/* legacy_seed_args.c — the command line of cloudalbum-legacy-seed. */
#include "legacy_seed.h"

#include <string.h>

#include "util/strutil.h"

#include "util/banned.h"

void legacy_seed_opts_init(struct legacy_seed_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->users = 20;
	opts->photos_per_user = 50;
	opts->seed = 1;
	opts->threads = LEGACY_SEED_DEFAULT_THREADS;
}

const char *legacy_seed_usage(void)
{
	return "usage: cloudalbum-legacy-seed --db-url URL --upload-dir DIR [--users N]\n"
	       "                              [--photos-per-user M] [--seed S] [--threads T]\n"
	       "                              [--geodata FILE] [--quiet] [--help]\n"
	       "\n"
	       "Creates a realistic legacy CloudAlbum deployment to migrate: users and photo\n"
	       "rows in the legacy MySQL schema, camera-like JPEGs and thumbnails in the legacy\n"
	       "upload folder, plus a row whose file is missing, a file with no row and a\n"
	       "thumbnail under thumbnail/. The same seed gives the same deployment, and a\n"
	       "second run with the same arguments changes nothing.\n"
	       "\n"
	       "  --db-url URL          mysql://user[:password]@host[:port]/database\n"
	       "  --upload-dir DIR      the legacy UPLOAD_FOLDER (created if absent)\n"
	       "  --users N             how many users, 1..100000 (default 20)\n"
	       "  --photos-per-user M   photos for each user, 0..10000 (default 50)\n"
	       "  --seed S              a number from 0 to 2^64-1 (default 1)\n"
	       "  --threads T           image workers, 1..16 (default 4)\n"
	       "  --geodata FILE        the geocoder's table (default: build/geo/cities.tsv)\n"
	       "  --quiet               no progress lines on stderr\n"
	       "  --help                this text\n"
	       "\n"
	       "Prints each user's email, password and photo count on stdout at the end.\n";
}

static int parse_count(const char *opt, const char *v, long min, long max, long *out,
		       struct ca_err *err)
{
	/* digits only: no sign, no blanks (strtol would skip them) */
	if (v[0] < '0' || v[0] > '9' || !ca_parse_long(v, min, max, out))
		return ca_err_set(err, CA_EINVAL, "%s wants a whole number from %ld to %ld, not \"%.40s\".",
				  opt, min, max, v);
	return CA_OK;
}

/* Splits "--name=value" or takes the next argument as the value. */
static int take_value(int argc, char **argv, int *i, const char *eq, const char **value,
		      const char *opt, struct ca_err *err)
{
	if (eq) {
		*value = eq + 1;
		return CA_OK;
	}
	if (*i + 1 >= argc)
		return ca_err_set(err, CA_EINVAL, "%s needs a value.", opt);
	*value = argv[++*i];
	return CA_OK;
}

int legacy_seed_parse_args(int argc, char **argv, struct legacy_seed_opts *opts, bool *help,
			   struct ca_err *err)
{
	static const char *const with_value[] = {
		"--db-url", "--upload-dir", "--users", "--photos-per-user", "--seed",
		"--threads", "--geodata",
	};
	int i;

	*help = false;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *value = NULL;
		char name[32];
		size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
		bool wants_value = false;
		size_t k;
		long n;
		int rc;

		if (strncmp(arg, "--", 2) != 0 || name_len >= sizeof(name))
			return ca_err_set(err, CA_EINVAL, "Unexpected argument \"%.40s\".", arg);
		memcpy(name, arg, name_len);
		name[name_len] = '\0';
		if (strcmp(name, "--help") == 0 || strcmp(name, "--quiet") == 0) {
			if (eq)
				return ca_err_set(err, CA_EINVAL, "%s takes no value.", name);
			if (name[2] == 'h') {
				*help = true;
				return CA_OK;
			}
			opts->quiet = true;
			continue;
		}
		for (k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			wants_value = wants_value || strcmp(name, with_value[k]) == 0;
		if (!wants_value)
			return ca_err_set(err, CA_EINVAL, "Unknown option \"%s\".", name);
		if ((rc = take_value(argc, argv, &i, eq, &value, name, err)))
			return rc;
		if (strcmp(name, "--db-url") == 0 || strcmp(name, "--upload-dir") == 0 ||
		    strcmp(name, "--geodata") == 0) {
			if (!*value)
				return ca_err_set(err, CA_EINVAL, "%s needs a non-empty value.", name);
			if (name[2] == 'd')
				opts->db_url = value;
			else if (name[2] == 'u')
				opts->upload_dir = value;
			else
				opts->geodata = value;
		} else if (strcmp(name, "--users") == 0) {
			if ((rc = parse_count(name, value, 1, LEGACY_SEED_MAX_USERS, &opts->users, err)))
				return rc;
		} else if (strcmp(name, "--photos-per-user") == 0) {
			if ((rc = parse_count(name, value, 0, LEGACY_SEED_MAX_PHOTOS_PER_USER,
					      &opts->photos_per_user, err)))
				return rc;
		} else if (strcmp(name, "--threads") == 0) {
			if ((rc = parse_count(name, value, 1, LEGACY_SEED_MAX_THREADS, &n, err)))
				return rc;
			opts->threads = (int)n;
		} else if (!ca_parse_u64(value, &opts->seed)) {
			return ca_err_set(err, CA_EINVAL,
					  "--seed wants a whole number from 0 to 18446744073709551615, not \"%.40s\".",
					  value);
		}
	}
	if (!opts->db_url)
		return ca_err_set(err, CA_EINVAL, "--db-url is required (e.g. mysql://root@127.0.0.1:3306/cloudalbum_legacy).");
	if (!opts->upload_dir)
		return ca_err_set(err, CA_EINVAL, "--upload-dir is required (the legacy upload folder).");
	if (opts->users * opts->photos_per_user > LEGACY_SEED_MAX_PHOTOS)
		return ca_err_set(err, CA_EINVAL, "%ld users with %ld photos each is more than %ld photos; ask for fewer.",
				  opts->users, opts->photos_per_user, LEGACY_SEED_MAX_PHOTOS);
	return CA_OK;
}
