/*
 * legacy_seed.h — a realistic legacy CloudAlbum deployment, made from a seed.
 *
 * Writes users and photos into the legacy MySQL schema and their images into the
 * legacy UPLOAD_FOLDER exactly as the seed application did (docs/CONTRACTS.md,
 * "Legacy MySQL", "Legacy files"), so that migrations can be tried on something that looks lived in.
 *
 * What the seed application stored, and so what this writes:
 *   - User: username "First Last" (some non-ASCII), a unique email, password as a
 *     werkzeug pbkdf2:sha256:50000 hash with an 8-character salt (93 characters).
 *   - Photo: filename "<uuid4>.<ext>" with ext the lowercased extension of
 *     filename_orig (jpg or jpeg), filesize the original's bytes, width/height the
 *     JPEG's pixel size as text, upload_date after taken_date, tags
 *     comma-separated without spaces.
 *   - From EXIF (most photos): make, model, taken_date (DateTimeOriginal), and
 *     for photos with GPS geotag_lat/lng and the geocoder's city, nation and
 *     address (lib/geo; empty when the point is far from any place).
 *   - Decisions where the seed's form left a field empty: without GPS,
 *     geotag_lat/lng are NULL and city, nation, address are ""; without any EXIF,
 *     make and model are "" and taken_date equals upload_date (the upload page
 *     fell back to the current time).
 *   - Images are camera-like JPEGs (640..2048 pixels on the long side, EXIF
 *     orientation 1, 3, 6 or 8, landscape and portrait), thumbnails fit inside
 *     300x200 with the orientation applied (lib/image/thumb.h).
 * Plus the untidy things a real deployment has (legacy_seed_untidy()): one photo
 * row whose original file is missing (its thumbnail is there), one image file
 * with no row (original and thumbnail), one thumbnail under thumbnail/ instead
 * of thumbnails/.
 *
 * Determinism: the same seed, users and photos-per-user give the same emails,
 * names, passwords, filenames, row fields, row order and image bytes. Only the
 * password hashes' salts differ between runs into fresh stores (random, as
 * werkzeug's; the passwords are the same). User i and photo j of user i do not
 * depend on how many users or photos are asked for; the untidy things do.
 *
 * Idempotent: a second run with the same arguments keeps users found by email
 * (their hash is not rewritten), keeps photos found by filename among the
 * user's rows, never rewrites an existing file and re-creates missing ones
 * (except the deliberately missing original).
 */
#ifndef CA_LEGACY_SEED_H
#define CA_LEGACY_SEED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/date.h"
#include "seed_rng.h"
#include "util/error.h"

#define LEGACY_SEED_MAX_USERS 100000L
#define LEGACY_SEED_MAX_PHOTOS_PER_USER 10000L
#define LEGACY_SEED_MAX_PHOTOS 1000000L          /* users × photos-per-user */
#define LEGACY_SEED_MAX_THREADS 16
#define LEGACY_SEED_DEFAULT_THREADS 4            /* image work waits on fsync as much as on CPU */
#define LEGACY_SEED_PBKDF2_ITERATIONS 50000      /* the seed's werkzeug */
#define LEGACY_SEED_SALT_LEN 8
#define LEGACY_SEED_PASSWORD_LEN 12
#define LEGACY_SEED_PROGRESS_EVERY 50
#define LEGACY_SEED_MIN_SIDE 640                 /* long side of an original */
#define LEGACY_SEED_MAX_SIDE 2048

struct legacy_seed_opts {
	const char *db_url;       /* mysql://... (see db/mysql.h) */
	const char *upload_dir;   /* the legacy UPLOAD_FOLDER; created (one level) if absent */
	const char *geodata;      /* NULL: geo.h's default table */
	long users;               /* 1..LEGACY_SEED_MAX_USERS */
	long photos_per_user;     /* 0..LEGACY_SEED_MAX_PHOTOS_PER_USER */
	uint64_t seed;
	int threads;              /* 0: LEGACY_SEED_DEFAULT_THREADS; at most LEGACY_SEED_MAX_THREADS */
	bool quiet;               /* no progress lines */
};

/* Sets the defaults: 20 users, 50 photos each, seed 1, 4 threads, no URL or folder. */
void legacy_seed_opts_init(struct legacy_seed_opts *opts);

/*
 * Reads the command line (argv[0] is the program) into opts, which should hold
 * the defaults. Options: --db-url URL, --upload-dir DIR, --users N,
 * --photos-per-user M, --seed S, --threads T, --geodata FILE, --quiet, --help;
 * "--name value" or "--name=value". Sets *help when --help is given (the rest is
 * then not checked). CA_EINVAL with a sentence naming the option for an unknown
 * option, a missing or malformed value, a value out of range, a stray argument,
 * or a missing --db-url / --upload-dir. Strings in opts point into argv.
 */
int legacy_seed_parse_args(int argc, char **argv, struct legacy_seed_opts *opts, bool *help,
			   struct ca_err *err);

/* The usage text, for --help and after a bad argument. Static. */
const char *legacy_seed_usage(void);

/* One user as planned: what the run writes and prints. */
struct legacy_seed_user {
	char email[51];
	char username[51];
	char password[LEGACY_SEED_PASSWORD_LEN + 1];
};

/* One photo as planned: the image to draw and every row field but the geocoded ones. */
struct legacy_seed_photo {
	long user, index;
	uint64_t pixel_seed;          /* what synth_jpeg() draws from */
	int width, height;            /* pixels as stored in the JPEG */
	int quality;
	bool has_exif;
	int orientation;              /* 1, 3, 6, 8 with EXIF; 0 without */
	bool has_gps;
	double lat, lng;
	const char *city_name;        /* the seed table's city near (lat, lng), or NULL */
	char make[48], model[48];     /* "" without EXIF */
	char exif_taken[20];          /* "YYYY:MM:DD HH:MM:SS"; "" without EXIF */
	char taken_date[CA_DB_DATE_LEN + 1];
	char upload_date[CA_DB_DATE_LEN + 1];
	char filename[SEED_UUID_LEN + 6];   /* "<uuid4>.jpg" or ".jpeg" */
	char filename_orig[48];
	char tags[200];
	char desc[200];
};

/* Where the untidy things go (indexes into the plan). */
struct legacy_seed_untidy {
	long missing_user, missing_photo;  /* row kept, original absent; -1 when no photos */
	long stray_user, stray_photo;      /* thumbnail under thumbnail/; -1 when < 2 photos */
	long orphan_user;                  /* its folder holds a file with no row */
	struct legacy_seed_photo orphan;   /* that file: the photo after the user's last one */
};

/* User number i (0-based) of the deployment made from seed. */
void legacy_seed_plan_user(uint64_t seed, long i, struct legacy_seed_user *out);

/* Photo number j (0-based) of user i. */
void legacy_seed_plan_photo(uint64_t seed, long i, long j, struct legacy_seed_photo *out);

/* The untidy things of a deployment of `users` users with `per_user` photos each. */
void legacy_seed_plan_untidy(uint64_t seed, long users, long per_user,
			     struct legacy_seed_untidy *out);

/* What a run did (counts) and what it prints. */
struct legacy_seed_report {
	long users_created, users_kept;
	long photos_created, photos_kept;
	long files_written;             /* originals and thumbnails, the orphan and stray included */
	long images_drawn;
};

/*
 * Builds (or completes) the deployment opts describes: users and rows through
 * lib/db, images through the disk storage, geocoding through lib/geo. Progress
 * goes to `progress` (NULL or opts->quiet: none) every LEGACY_SEED_PROGRESS_EVERY
 * photos. On CA_OK *report says what was done. Errors: CA_EINVAL for opts out of
 * range, the errors of ca_db_open (CA_DB_CONNECT: one sentence naming the
 * server), geo_open (CA_GEO_NO_DATA), storage and image errors; what was written
 * before the error stays (a rerun completes it).
 */
int legacy_seed_run(const struct legacy_seed_opts *opts, FILE *progress,
		    struct legacy_seed_report *report, struct ca_err *err);

/*
 * Prints the table of users (email, password, photo rows) for opts to out, a
 * header line then one tab-separated line per user. CA_EIO when writing fails.
 */
int legacy_seed_print_users(const struct legacy_seed_opts *opts, FILE *out, struct ca_err *err);

#endif
