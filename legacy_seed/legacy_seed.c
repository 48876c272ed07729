/* legacy_seed.c — writes the planned deployment: users, rows, images, the untidy things. */
#include "legacy_seed.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/password.h"
#include "backends/backends.h"
#include "db/db.h"
#include "geo/geo.h"
#include "image/thumb.h"
#include "storage/disk.h"
#include "storage/layout.h"
#include "image/synth_jpeg.h"
#include "util/buf.h"
#include "util/strutil.h"

#include "util/banned.h"

/* Everything a run shares between its phases and its image workers. */
struct seed_job {
	const struct legacy_seed_opts *opts;
	struct ca_storage *st;
	struct legacy_seed_untidy untidy;
	struct legacy_seed_user *users;   /* opts->users plans */
	bool *row_exists;                 /* per photo (user-major) */
	int64_t *filesize;                /* per photo; -1 until drawn */
	long total;
	FILE *progress;
	pthread_mutex_t lock;             /* guards everything below */
	long next, done;
	long files_written, images_drawn;
	int rc;
	struct ca_err err;
};

static void report_progress(struct seed_job *job, bool last)
{
	if (!job->progress)
		return;
	/* every LEGACY_SEED_PROGRESS_EVERY photos, and the last count unless just printed */
	if ((job->done % LEGACY_SEED_PROGRESS_EVERY == 0) == last)
		return;
	fprintf(job->progress, "cloudalbum-legacy-seed: %ld/%ld photos checked, %ld files written\n",
		job->done, job->total, job->files_written);
	fflush(job->progress);
}

static int draw_photo(const struct legacy_seed_photo *p, unsigned char **jpeg, size_t *len,
		      struct ca_err *err)
{
	struct synth_exif x = {
		.make = p->make, .model = p->model, .taken = p->exif_taken,
		.orientation = p->orientation, .has_gps = p->has_gps, .lat = p->lat, .lng = p->lng,
	};

	return synth_jpeg(p->pixel_seed, p->width, p->height, p->quality, p->has_exif ? &x : NULL,
			  jpeg, len, err);
}

/*
 * The one file written outside the storage API on purpose: a thumbnail under
 * <user>/thumbnail/, where some seed code paths put it. Temp file + rename, so a
 * crash leaves no half image under the real name.
 */
static int write_stray_thumb(const char *root, const char *email, const char *filename,
			     const unsigned char *data, size_t len, struct ca_err *err)
{
	struct ca_buf dir = CA_BUF_INIT, path = CA_BUF_INIT, tmp = CA_BUF_INIT;
	int fd = -1, rc = CA_OK;
	size_t off = 0;

	ca_buf_addf(&dir, "%s/", root);
	if ((rc = ca_storage_norm_email(email, &dir, err)))
		goto out;
	ca_buf_addf(&dir, "/%s", CA_STORAGE_THUMB_DIR_OLD);
	ca_buf_addf(&path, "%s/%s", dir.data, filename);
	ca_buf_addf(&tmp, "%s/.%s.tmp", dir.data, filename);
	if (!ca_buf_ok(&dir) || !ca_buf_ok(&path) || !ca_buf_ok(&tmp)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory naming the stray thumbnail.");
		goto out;
	}
	if (mkdir(dir.data, 0755) != 0 && errno != EEXIST) {
		rc = ca_err_set(err, CA_STORAGE_IO, "Cannot create %s: %s.", dir.data, strerror(errno));
		goto out;
	}
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = ca_err_set(err, CA_STORAGE_IO, "Cannot write %s: %s.", tmp.data, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = ca_err_set(err, CA_STORAGE_IO, "Cannot write %s: %s.", tmp.data,
					n < 0 ? strerror(errno) : "short write");
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = ca_err_set(err, CA_STORAGE_IO, "Cannot write %s: %s.", tmp.data, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path.data) != 0)
		rc = ca_err_set(err, CA_STORAGE_IO, "Cannot rename %s into place: %s.", tmp.data,
				strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.len)
		unlink(tmp.data);
	ca_buf_release(&dir);
	ca_buf_release(&path);
	ca_buf_release(&tmp);
	return rc;
}

/*
 * Makes sure one photo's files are there (the original unless it is the missing
 * one, the thumbnail under thumbnails/ or, for the stray, thumbnail/) and, when
 * its row is still to be written, learns its size. Draws the image only when
 * something needs it.
 */
static int complete_photo(struct seed_job *job, const struct legacy_seed_photo *p,
			  bool is_missing, bool is_stray, bool need_size, int64_t *size,
			  long *written, long *drawn, struct ca_err *err)
{
	const char *email = job->users[p->user].email;
	unsigned char *jpeg = NULL;
	size_t len = 0;
	struct ca_thumb thumb = { 0 };
	bool have_orig = false, have_thumb = false;
	int rc;

	if ((rc = ca_storage_exists(job->st, email, p->filename, CA_IMAGE_ORIGINAL, &have_orig, err)) ||
	    (rc = ca_storage_exists(job->st, email, p->filename, CA_IMAGE_THUMB, &have_thumb, err)))
		goto out;
	if ((have_orig || is_missing) && have_thumb && !need_size)
		goto out;
	if ((rc = draw_photo(p, &jpeg, &len, err)))
		goto out;
	++*drawn;
	*size = (int64_t)len;
	if (!have_orig && !is_missing) {
		if ((rc = ca_storage_put(job->st, email, p->filename, CA_IMAGE_ORIGINAL, jpeg, len, err)))
			goto out;
		++*written;
	}
	if (!have_thumb) {
		if ((rc = ca_thumb_make(jpeg, len, NULL, &thumb, err)))
			goto out;
		if (is_stray)
			rc = write_stray_thumb(job->opts->upload_dir, email, p->filename, thumb.jpeg,
					       thumb.len, err);
		else
			rc = ca_storage_put(job->st, email, p->filename, CA_IMAGE_THUMB, thumb.jpeg,
					    thumb.len, err);
		if (rc)
			goto out;
		++*written;
	}
out:
	if (rc)
		ca_err_prefix(err, "photo %s of %s", p->filename, email);
	ca_thumb_release(&thumb);
	free(jpeg);
	return rc;
}

static void *image_worker(void *arg)
{
	struct seed_job *job = arg;
	long per_user = job->opts->photos_per_user;

	for (;;) {
		struct legacy_seed_photo p;
		struct ca_err err;
		long g, written = 0, drawn = 0;
		int64_t size = -1;
		bool missing, stray;
		int rc;

		pthread_mutex_lock(&job->lock);
		g = job->rc ? job->total : job->next++;
		pthread_mutex_unlock(&job->lock);
		if (g >= job->total)
			break;
		legacy_seed_plan_photo(job->opts->seed, g / per_user, g % per_user, &p);
		missing = p.user == job->untidy.missing_user && p.index == job->untidy.missing_photo;
		stray = p.user == job->untidy.stray_user && p.index == job->untidy.stray_photo;
		ca_err_clear(&err);
		rc = complete_photo(job, &p, missing, stray, !job->row_exists[g], &size, &written,
				    &drawn, &err);
		job->filesize[g] = size;

		pthread_mutex_lock(&job->lock);
		job->done++;
		job->files_written += written;
		job->images_drawn += drawn;
		if (rc && !job->rc) {
			job->rc = rc;
			job->err = err;
		}
		report_progress(job, false);
		pthread_mutex_unlock(&job->lock);
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Marks which of user i's planned photos already have a row (found by filename). */
static int find_rows(struct ca_db *db, struct seed_job *job, long i, const char *owner,
		     struct ca_err *err)
{
	struct ca_photo_query q = { .keyword = NULL, .cursor = NULL, .limit = CA_DB_PAGE_MAX };
	struct ca_photo_page page = { 0 };
	char **names = NULL, *cursor = NULL;
	size_t count = 0, cap = 0, k;
	long j;
	int rc = CA_OK;

	for (;;) {
		q.cursor = cursor;
		if ((rc = ca_db_photo_list(db, owner, &q, &page, err)))
			goto out;
		for (k = 0; k < page.count; k++) {
			if (!page.photos[k].filename)
				continue;
			if (count == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				char **grown = realloc(names, ncap * sizeof(*names));

				if (!grown) {
					rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
					goto out;
				}
				names = grown;
				cap = ncap;
			}
			/* a copy: a page's strings may share one block that goes with the page */
			names[count] = ca_strdup(page.photos[k].filename);
			if (!names[count]) {
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing photos.");
				goto out;
			}
			count++;
		}
		free(cursor);
		cursor = page.next_cursor;
		page.next_cursor = NULL;
		ca_photo_page_release(&page);
		if (!cursor)
			break;
	}
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	for (j = 0; j < job->opts->photos_per_user; j++) {
		struct legacy_seed_photo p;
		const char *key;

		legacy_seed_plan_photo(job->opts->seed, i, j, &p);
		key = p.filename;
		job->row_exists[i * job->opts->photos_per_user + j] =
			count && bsearch(&key, names, count, sizeof(*names), cmp_str) != NULL;
	}
out:
	ca_photo_page_release(&page);
	free(cursor);
	for (k = 0; k < count; k++)
		free(names[k]);
	free(names);
	return rc;
}

/* Finds or creates every user and learns which rows exist. ids[i] is user i's id. */
static int ensure_users(struct ca_db *db, struct seed_job *job, char **ids,
			struct legacy_seed_report *report, struct ca_err *err)
{
	long i;
	int rc = CA_OK;

	for (i = 0; i < job->opts->users; i++) {
		struct legacy_seed_user *u = &job->users[i];
		struct ca_user found = { 0 };
		struct ca_user in = { 0 };
		char *hash = NULL;

		legacy_seed_plan_user(job->opts->seed, i, u);
		rc = ca_db_user_find_by_email(db, u->email, &found, err);
		if (rc == CA_OK) {
			ids[i] = found.id;
			found.id = NULL;
			report->users_kept++;
		} else if (rc == CA_DB_NOTFOUND) {
			ca_err_clear(err);
			rc = ca_password_hash_with(u->password, LEGACY_SEED_PBKDF2_ITERATIONS,
						   LEGACY_SEED_SALT_LEN, &hash, err);
			in.username = u->username;
			in.email = u->email;
			in.password = hash;
			if (!rc)
				rc = ca_db_user_create(db, &in, &ids[i], err);
			ca_free_secret(hash);
			if (!rc)
				report->users_created++;
		}
		ca_user_release(&found);
		if (!rc)
			rc = find_rows(db, job, i, ids[i], err);
		if (rc) {
			ca_err_prefix(err, "user %s", u->email);
			return rc;
		}
	}
	return CA_OK;
}

/* Cuts s to at most max characters of UTF-8, on a character boundary. */
static void clip_utf8(char *s, long max)
{
	long chars = 0;
	char *p;

	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == max) {
			*p = '\0';
			return;
		}
	}
}

/* Writes the rows still missing, in plan order, with the geocoder's place names. */
static int write_rows(struct ca_db *db, const struct geo *geo, struct seed_job *job,
		      char **ids, struct legacy_seed_report *report, struct ca_err *err)
{
	long g, per_user = job->opts->photos_per_user;
	int rc = CA_OK;

	for (g = 0; g < job->total; g++) {
		struct legacy_seed_photo p;
		struct geo_place place;
		struct ca_photo row = { 0 };
		struct ca_photo stored;
		char width[16], height[16], empty[1] = "";

		if (job->row_exists[g]) {
			report->photos_kept++;
			continue;
		}
		legacy_seed_plan_photo(job->opts->seed, g / per_user, g % per_user, &p);
		memset(&place, 0, sizeof(place));
		if (p.has_gps && (rc = geo_lookup(geo, p.lat, p.lng, &place, err)))
			goto out;
		clip_utf8(place.address, CA_DB_TEXT_MAX);
		snprintf(width, sizeof(width), "%d", p.width);
		snprintf(height, sizeof(height), "%d", p.height);
		row.tags = p.tags;
		row.desc = p.desc;
		row.filename_orig = p.filename_orig;
		row.filename = p.filename;
		row.filesize = job->filesize[g];
		row.has_geotag = p.has_gps;
		row.geotag_lat = p.lat;
		row.geotag_lng = p.lng;
		row.upload_date = p.upload_date;
		row.taken_date = p.taken_date;
		row.make = p.make;
		row.model = p.model;
		row.width = width;
		row.height = height;
		row.city = p.has_gps ? (char *)place.city : empty;
		row.nation = p.has_gps ? (char *)place.nation : empty;
		row.address = p.has_gps ? place.address : empty;
		if (row.filesize < 0) {
			rc = ca_err_set(err, CA_EINVAL, "internal: photo %s has no size", p.filename);
			goto out;
		}
		if ((rc = ca_db_photo_create(db, ids[p.user], NULL, &row, &stored, err))) {
			ca_err_prefix(err, "photo %s of %s", p.filename, job->users[p.user].email);
			goto out;
		}
		ca_photo_release(&stored);
		report->photos_created++;
	}
out:
	return rc;
}

static int check_opts(const struct legacy_seed_opts *o, struct ca_err *err)
{
	if (!o->db_url || !*o->db_url || !o->upload_dir || !*o->upload_dir)
		return ca_err_set(err, CA_EINVAL, "Both a database URL and an upload folder are needed.");
	if (o->users < 1 || o->users > LEGACY_SEED_MAX_USERS || o->photos_per_user < 0 ||
	    o->photos_per_user > LEGACY_SEED_MAX_PHOTOS_PER_USER ||
	    o->users * o->photos_per_user > LEGACY_SEED_MAX_PHOTOS)
		return ca_err_set(err, CA_EINVAL, "Ask for 1..%ld users and 0..%ld photos each, at most %ld photos in all.",
				  LEGACY_SEED_MAX_USERS, LEGACY_SEED_MAX_PHOTOS_PER_USER,
				  LEGACY_SEED_MAX_PHOTOS);
	if (o->threads < 0 || o->threads > LEGACY_SEED_MAX_THREADS)
		return ca_err_set(err, CA_EINVAL, "Use 1..%d threads.", LEGACY_SEED_MAX_THREADS);
	return CA_OK;
}

/* Runs the image workers over every planned photo, then the orphan file. */
static int complete_files(struct seed_job *job, struct ca_err *err)
{
	pthread_t threads[LEGACY_SEED_MAX_THREADS];
	int nthreads = job->opts->threads ? job->opts->threads : LEGACY_SEED_DEFAULT_THREADS, started = 0, t;
	long orphan_written = 0, orphan_drawn = 0;
	int64_t ignored = -1;
	int rc = CA_OK;

	for (t = 0; t < nthreads; t++) {
		if (pthread_create(&threads[t], NULL, image_worker, job) != 0)
			break;
		started++;
	}
	if (started == 0)
		image_worker(job); /* no threads to be had: do it here */
	for (t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	if (job->rc) {
		*err = job->err;
		return job->rc;
	}
	report_progress(job, true);
	rc = complete_photo(job, &job->untidy.orphan, false, false, false, &ignored,
			    &orphan_written, &orphan_drawn, err);
	job->files_written += orphan_written;
	job->images_drawn += orphan_drawn;
	return rc;
}

int legacy_seed_run(const struct legacy_seed_opts *opts, FILE *progress,
		    struct legacy_seed_report *report, struct ca_err *err)
{
	struct seed_job job;
	struct ca_backends legacy = { 0 };
	struct ca_db *db = NULL;
	struct geo *geo = NULL;
	char **ids = NULL;
	long i;
	int rc;

	memset(report, 0, sizeof(*report));
	memset(&job, 0, sizeof(job));
	pthread_mutex_init(&job.lock, NULL);
	if ((rc = check_opts(opts, err)))
		goto out;
	job.opts = opts;
	job.total = opts->users * opts->photos_per_user;
	job.progress = opts->quiet ? NULL : progress;
	legacy_seed_plan_untidy(opts->seed, opts->users, opts->photos_per_user, &job.untidy);
	job.users = calloc((size_t)opts->users, sizeof(*job.users));
	ids = calloc((size_t)opts->users, sizeof(*ids));
	job.row_exists = calloc((size_t)job.total + 1, sizeof(*job.row_exists));
	job.filesize = calloc((size_t)job.total + 1, sizeof(*job.filesize));
	if (!job.users || !ids || !job.row_exists || !job.filesize) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory planning %ld photos.", job.total);
		goto out;
	}
	if ((rc = geo_open(opts->geodata, &geo, err)))
		goto out;
	if ((rc = ca_backends_open_legacy(opts->db_url, opts->upload_dir, &legacy, err)))
		goto out;
	db = legacy.db;
	job.st = legacy.storage;
	if ((rc = ensure_users(db, &job, ids, report, err)))
		goto out;
	if (job.progress)
		fprintf(job.progress, "cloudalbum-legacy-seed: %ld users created, %ld already there\n",
			report->users_created, report->users_kept);
	if ((rc = complete_files(&job, err)))
		goto out;
	rc = write_rows(db, geo, &job, ids, report, err);
out:
	report->files_written = job.files_written;
	report->images_drawn = job.images_drawn;
	if (ids)
		for (i = 0; i < opts->users; i++)
			free(ids[i]);
	free(ids);
	free(job.users);
	free(job.row_exists);
	free(job.filesize);
	ca_backends_close(&legacy);
	geo_close(geo);
	pthread_mutex_destroy(&job.lock);
	return rc;
}

int legacy_seed_print_users(const struct legacy_seed_opts *opts, FILE *out, struct ca_err *err)
{
	long i;

	fprintf(out, "email\tpassword\tphotos\n");
	for (i = 0; i < opts->users; i++) {
		struct legacy_seed_user u;

		legacy_seed_plan_user(opts->seed, i, &u);
		fprintf(out, "%s\t%s\t%ld\n", u.email, u.password, opts->photos_per_user);
	}
	if (fflush(out) != 0 || ferror(out))
		return ca_err_set(err, CA_EIO, "Cannot write the table of users.");
	return CA_OK;
}
