/*
 * migrate_legacy.c — the legacy side: every User and Photo row (read as a
 * stream through db/mysql_reader.h), and what the upload folder holds.
 */
#include "migrate_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/mysql_reader.h"
#include "migrate_ids.h"
#include "migrate_shard.h"
#include "storage/layout.h"
#include "util/strutil.h"

#include "util/banned.h"

/* ---- lists ---- */

void mig_list_release(struct mig_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

bool mig_list_addf(struct mig_list *l, const char *fmt, ...)
{
	struct ca_buf b = CA_BUF_INIT;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	ca_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	s = ca_buf_detach(&b, NULL);
	if (!s)
		return false;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **grown = realloc(l->items, cap * sizeof(*grown));

		if (!grown) {
			free(s);
			return false;
		}
		l->items = grown;
		l->cap = cap;
	}
	l->items[l->n++] = s;
	return true;
}

/* ---- rows ---- */

void mig_legacy_release(struct mig_legacy *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n_users; i++) {
		free(l->users[i].username);
		free(l->users[i].email);
		free(l->users[i].password);
		free(l->users[i].target_id);
		free(l->users[i].case_of_email);
	}
	for (i = 0; i < l->n_photos; i++)
		ca_photo_release(&l->photos[i].row);
	free(l->users);
	free(l->photos);
	ca_mysql_reader_close(l->db);
	mig_list_release(&l->orphan_files);
	mig_list_release(&l->orphan_rows);
	mig_list_release(&l->rejected);
	mig_list_release(&l->notes);
	mig_list_release(&l->bad_names);
	memset(l, 0, sizeof(*l));
}

/* A copy of column i of row, or NULL for SQL NULL; *oom set on failure. */
static char *col(const struct ca_legacy_row *row, unsigned i, bool *oom)
{
	char *s;

	if (!row->col[i])
		return NULL;
	s = ca_strndup(row->col[i], row->len[i]);
	if (!s)
		*oom = true;
	return s;
}

static long col_long(const struct ca_legacy_row *row, unsigned i, long dflt)
{
	long v;

	return row->col[i] && ca_parse_long(row->col[i], -2147483648L, 2147483647L, &v) ? v : dflt;
}

/* A DATETIME as date.h text; NULL for SQL NULL or a date that does not parse. */
static char *col_date(const struct ca_legacy_row *row, unsigned i, bool *oom)
{
	struct ca_db_date d;
	char text[CA_DB_DATE_LEN + 1];
	char *s;

	if (!row->col[i] || ca_db_date_parse(row->col[i], &d, NULL) != CA_OK)
		return NULL;
	ca_db_date_format(&d, text);
	s = ca_strdup(text);
	if (!s)
		*oom = true;
	return s;
}

/* A text column of a row, by index and name, for the NUL check. */
struct text_col {
	unsigned col;
	const char *name;
};

static const struct text_col user_texts[] = {
	{ CA_LEGACY_USER_USERNAME, "username" },
	{ CA_LEGACY_USER_EMAIL, "email" },
	{ CA_LEGACY_USER_PASSWORD, "password" },
};

static const struct text_col photo_texts[] = {
	{ CA_LEGACY_PHOTO_TAGS, "tags" }, { CA_LEGACY_PHOTO_DESC, "desc" },
	{ CA_LEGACY_PHOTO_FILENAME_ORIG, "filename_orig" }, { CA_LEGACY_PHOTO_FILENAME, "filename" },
	{ CA_LEGACY_PHOTO_MAKE, "make" }, { CA_LEGACY_PHOTO_MODEL, "model" },
	{ CA_LEGACY_PHOTO_WIDTH, "width" }, { CA_LEGACY_PHOTO_HEIGHT, "height" },
	{ CA_LEGACY_PHOTO_CITY, "city" }, { CA_LEGACY_PHOTO_NATION, "nation" },
	{ CA_LEGACY_PHOTO_ADDRESS, "address" },
};

/* The first text column of row holding a NUL byte (its name, *at its offset), or NULL. */
static const char *nul_column(const struct ca_legacy_row *row, const struct text_col *cols,
			      size_t n, unsigned long *at)
{
	size_t k;

	for (k = 0; k < n; k++) {
		const char *v = row->col[cols[k].col];
		const char *z = v ? memchr(v, '\0', row->len[cols[k].col]) : NULL;

		if (z) {
			*at = (unsigned long)(z - v);
			return cols[k].name;
		}
	}
	return NULL;
}

/* The user reader's state: the list grows by doubling. */
struct user_read {
	struct mig_legacy *l;
	size_t cap;
};

static int add_user(const struct ca_legacy_row *row, void *ctx, struct ca_err *err)
{
	struct user_read *ur = ctx;
	struct mig_legacy *l = ur->l;
	struct mig_user *u;
	unsigned long at = 0;
	bool oom = false;

	if (l->n_users == ur->cap) {
		size_t ncap = ur->cap ? ur->cap * 2 : 64;
		struct mig_user *grown = realloc(l->users, ncap * sizeof(*grown));

		if (!grown)
			return ca_err_set(err, CA_ENOMEM, "Out of memory reading the legacy users.");
		l->users = grown;
		ur->cap = ncap;
	}
	u = &l->users[l->n_users++];
	memset(u, 0, sizeof(*u));
	u->legacy_id = col_long(row, CA_LEGACY_USER_ID, 0);
	u->username = col(row, CA_LEGACY_USER_USERNAME, &oom);
	u->email = col(row, CA_LEGACY_USER_EMAIL, &oom);
	u->password = col(row, CA_LEGACY_USER_PASSWORD, &oom);
	u->nul_column = nul_column(row, user_texts, sizeof(user_texts) / sizeof(user_texts[0]), &at);
	u->nul_at = at;
	return oom ? ca_err_set(err, CA_ENOMEM, "Out of memory reading the legacy users.") : CA_OK;
}

static int read_users(struct mig_legacy *l, struct ca_err *err)
{
	struct user_read ur = { l, 0 };

	return ca_mysql_reader_users(l->db, add_user, &ur, err);
}

static size_t find_user(const struct mig_legacy *l, long legacy_id)
{
	size_t lo = 0, hi = l->n_users;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->users[mid].legacy_id < legacy_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n_users && l->users[lo].legacy_id == legacy_id ? lo : SIZE_MAX;
}

static void fill_photo(struct mig_legacy *l, struct mig_photo *p, const struct ca_legacy_row *row,
		       bool *oom)
{
	const char *const *v = row->col;
	const char *filename = v[CA_LEGACY_PHOTO_FILENAME];
	const char *lat_text = v[CA_LEGACY_PHOTO_GEOTAG_LAT], *lng_text = v[CA_LEGACY_PHOTO_GEOTAG_LNG];
	const char *up_text = v[CA_LEGACY_PHOTO_UPLOAD_DATE];
	struct ca_photo *r = &p->row;
	const char *nul;
	unsigned long at = 0;
	char *end;

	p->legacy_id = col_long(row, CA_LEGACY_PHOTO_ID, 0);
	p->legacy_user = col_long(row, CA_LEGACY_PHOTO_USER_ID, 0);
	r->tags = col(row, CA_LEGACY_PHOTO_TAGS, oom);
	r->desc = col(row, CA_LEGACY_PHOTO_DESC, oom);
	r->filename_orig = col(row, CA_LEGACY_PHOTO_FILENAME_ORIG, oom);
	r->filename = col(row, CA_LEGACY_PHOTO_FILENAME, oom);
	r->filesize = col_long(row, CA_LEGACY_PHOTO_FILESIZE, -1);
	if (lat_text && lng_text) {
		r->has_geotag = true;
		r->geotag_lat = mig_float_column(strtod(lat_text, &end));
		r->geotag_lng = mig_float_column(strtod(lng_text, &end));
	} else if ((lat_text || lng_text) &&
		   !mig_list_addf(&l->notes, "photo %ld (%s): a %s without a %s: migrated without a location",
				  p->legacy_id, filename ? filename : "no filename",
				  lat_text ? "latitude" : "longitude", lat_text ? "longitude" : "latitude")) {
		*oom = true;
	}
	r->upload_date = col_date(row, CA_LEGACY_PHOTO_UPLOAD_DATE, oom);
	if (!r->upload_date &&
	    !mig_list_addf(&l->notes, "photo %ld (%s): upload_date is %s: its id and upload_date come from %s",
			   p->legacy_id, filename ? filename : "no filename",
			   up_text ? "not a date (a zero date?)" : "NULL",
			   "its taken_date, or else 1970-01-01"))
		*oom = true;
	if (!filename &&
	    !mig_list_addf(&l->notes, "photo %ld: no filename (NULL): migrated as an item with filename \"\" and no images",
			   p->legacy_id))
		*oom = true;
	nul = nul_column(row, photo_texts, sizeof(photo_texts) / sizeof(photo_texts[0]), &at);
	if (nul) {
		p->skip = true;
		if (!mig_list_addf(&l->rejected,
				   "photo %ld (%s): %s holds a NUL byte (at byte %lu), where the text would be cut: not migrated; remove the byte in the legacy row and run again",
				   p->legacy_id, filename && strcmp(nul, "filename") ? filename : "?", nul, at))
			*oom = true;
	}
	r->taken_date = col_date(row, CA_LEGACY_PHOTO_TAKEN_DATE, oom);
	r->make = col(row, CA_LEGACY_PHOTO_MAKE, oom);
	r->model = col(row, CA_LEGACY_PHOTO_MODEL, oom);
	r->width = col(row, CA_LEGACY_PHOTO_WIDTH, oom);
	r->height = col(row, CA_LEGACY_PHOTO_HEIGHT, oom);
	r->city = col(row, CA_LEGACY_PHOTO_CITY, oom);
	r->nation = col(row, CA_LEGACY_PHOTO_NATION, oom);
	r->address = col(row, CA_LEGACY_PHOTO_ADDRESS, oom);
}

/* Appends a Photo row to l->photos (the photo reader's callback). */
static int add_photo(const struct ca_legacy_row *row, void *ctx, struct ca_err *err)
{
	struct mig_legacy *l = ctx;
	struct mig_photo *p;
	bool oom = false;

	if (l->n_photos == l->photos_cap) {
		size_t ncap = l->photos_cap ? l->photos_cap * 2 : 256;
		struct mig_photo *grown = realloc(l->photos, ncap * sizeof(*grown));

		if (!grown)
			return ca_err_set(err, CA_ENOMEM, "Out of memory reading the legacy photos.");
		l->photos = grown;
		l->photos_cap = ncap;
	}
	p = &l->photos[l->n_photos++];
	memset(p, 0, sizeof(*p));
	p->row.filesize = -1;
	fill_photo(l, p, row, &oom);
	p->user = find_user(l, p->legacy_user);
	if (p->user == SIZE_MAX) {
		const char *fn = p->row.filename ? p->row.filename : "no filename";

		p->skip = true;
		if (!(row->col[CA_LEGACY_PHOTO_USER_ID]
			      ? mig_list_addf(&l->orphan_rows, "photo %ld (%s) names user %ld, who does not exist",
					      p->legacy_id, fn, p->legacy_user)
			      : mig_list_addf(&l->orphan_rows, "photo %ld (%s) has no user (user_id NULL)",
					      p->legacy_id, fn)))
			oom = true;
	}
	return oom ? ca_err_set(err, CA_ENOMEM, "Out of memory reading the legacy photos.") : CA_OK;
}

/* Appends the rows of range to l->photos. */
static int read_photos(struct mig_legacy *l, const struct ca_legacy_photo_range *range,
		       struct ca_err *err)
{
	return ca_mysql_reader_photos(l->db, range, add_photo, l, err);
}

int mig_legacy_next(struct mig_legacy *l, bool *got, struct ca_err *err)
{
	struct ca_legacy_photo_range range = { .shard_k = l->shard_k, .shard_n = l->shard_n };
	size_t i, first;
	int rc = CA_OK;

	*got = false;
	if (l->done)
		return CA_OK;
	for (i = 0; i < l->n_photos; i++)
		ca_photo_release(&l->photos[i].row);
	l->n_photos = 0;
	if (!l->started) {
		l->started = true;
		/* rows with no user_id: shard 0's; listed, never migrated */
		range.which = CA_LEGACY_PHOTOS_WITHOUT_USER;
		if (l->shard_k == 0)
			rc = read_photos(l, &range, err);
	}
	/* keyset pagination: the next chunk_rows rows after the last chunk's last user ... */
	range.which = CA_LEGACY_PHOTOS_AFTER_USER;
	range.after = l->have_last;
	range.user = l->last_user;
	range.limit = l->chunk_rows;
	first = l->n_photos;
	if (rc == CA_OK)
		rc = read_photos(l, &range, err);
	if (rc != CA_OK)
		return rc;
	if (l->n_photos - first == l->chunk_rows) {
		/* ... and the rest of the last user's rows: a user is never split */
		const struct mig_photo *last = &l->photos[l->n_photos - 1];

		l->last_user = last->legacy_user;
		l->have_last = true;
		range.which = CA_LEGACY_PHOTOS_REST_OF_USER;
		range.user = last->legacy_user;
		range.after_id = last->legacy_id;
		rc = read_photos(l, &range, err);
		if (rc != CA_OK)
			return rc;
		l->chunk_from = l->chunk_to;
		while (l->chunk_to < l->n_users && l->users[l->chunk_to].legacy_id <= l->last_user)
			l->chunk_to++;
	} else {
		/* the last chunk: every user left, with rows or not */
		l->done = true;
		l->chunk_from = l->chunk_to;
		l->chunk_to = l->n_users;
	}
	l->rows_seen += l->n_photos;
	*got = true;
	return CA_OK;
}

int mig_legacy_has_file(struct mig_legacy *l, long legacy_user, const char *filename, bool *yes,
			struct ca_err *err)
{
	return ca_mysql_reader_photo_exists(l->db, legacy_user, filename, yes, err);
}

/*
 * Keeps the users of shard l->shard_k only. Before the others go, a user of this
 * shard whose email an earlier user of another shard has but for case is marked
 * (case_of): that earlier user is migrated by its own shard, and this one must be
 * left behind as an unsharded run would (migrate_users.c).
 */
static int keep_shard(struct mig_legacy *l, struct ca_err *err)
{
	size_t *order = NULL, n = 0, i, kept = 0;

	order = calloc(l->n_users ? l->n_users : 1, sizeof(*order));
	if (!order)
		return ca_err_set(err, CA_ENOMEM, "Out of memory reading the legacy users.");
	for (i = 0; i < l->n_users; i++)
		if (l->users[i].email && *l->users[i].email && !l->users[i].nul_column)
			order[n++] = i;
	if (n > 1)
		qsort_r(order, n, sizeof(order[0]), mig_by_folded_email, l->users);
	/* one walk per group of equal folded emails: its first (lowest id) is migrated */
	for (i = 0; i < n;) {
		size_t g = i + 1, k;
		struct mig_user *first = &l->users[order[i]];

		while (g < n && mig_email_cmp_folded(first->email, l->users[order[g]].email) == 0)
			g++;
		for (k = i + 1; k < g; k++) {
			struct mig_user *u = &l->users[order[k]];

			if (mig_shard_of(u->legacy_id, l->shard_n) == l->shard_k &&
			    mig_shard_of(first->legacy_id, l->shard_n) != l->shard_k) {
				u->case_of = first->legacy_id;
				if (!(u->case_of_email = ca_strdup(first->email))) {
					free(order);
					return ca_err_set(err, CA_ENOMEM, "Out of memory reading the legacy users.");
				}
			}
		}
		i = g;
	}
	free(order);
	for (i = 0; i < l->n_users; i++) {
		struct mig_user *u = &l->users[i];

		if (mig_shard_of(u->legacy_id, l->shard_n) == l->shard_k) {
			if (kept != i)
				l->users[kept] = *u;
			kept++;
			continue;
		}
		free(u->username);
		free(u->email);
		free(u->password);
		free(u->target_id);
		free(u->case_of_email);
	}
	l->n_users = kept;
	return CA_OK;
}

int mig_legacy_open(const char *db_url, int shard_k, int shard_n, struct mig_legacy *out,
		    struct ca_err *err)
{
	const char *v = getenv("CA_MIGRATE_CHUNK_ROWS");
	long rows;
	int rc;

	memset(out, 0, sizeof(*out));
	out->shard_k = shard_k;
	out->shard_n = shard_n;
	/* test hook: small chunks, so that small tests cross chunk boundaries */
	out->chunk_rows = v && ca_parse_long(v, 1, 1L << 24, &rows) ? (size_t)rows : MIG_CHUNK_ROWS;
	rc = ca_mysql_reader_open(db_url, &out->db, err);
	if (rc == CA_OK)
		rc = read_users(out, err);
	if (rc == CA_OK && shard_n)
		rc = keep_shard(out, err);
	if (rc != CA_OK)
		mig_legacy_release(out);
	return rc;
}

void mig_legacy_assign_ids(struct mig_legacy *l)
{
	size_t start = 0;

	while (start < l->n_photos) {
		size_t end = start, i, n;
		struct mig_id_input *in;
		size_t *order;
		int64_t *ids;

		while (end < l->n_photos && l->photos[end].legacy_user == l->photos[start].legacy_user)
			end++;
		n = end - start;
		in = calloc(n, sizeof(*in));
		order = calloc(n, sizeof(*order));
		ids = calloc(n, sizeof(*ids));
		for (i = 0; in && order && ids && i < n; i++) {
			const struct ca_photo *r = &l->photos[start + i].row;
			const char *date = r->upload_date ? r->upload_date : r->taken_date;
			struct ca_db_date d;

			in[i].legacy_id = l->photos[start + i].legacy_id;
			in[i].upload_ms = date && ca_db_date_parse(date, &d, NULL) == CA_OK
						  ? ca_db_date_epoch_ms(&d) : 0;
		}
		if (in && order && ids) {
			mig_assign_photo_ids(in, n, order, ids);
			for (i = 0; i < n; i++)
				l->photos[start + i].target_id = ids[i];
		} else {
			for (i = start; i < end; i++)
				l->photos[i].skip = true; /* cannot happen in practice; never guess ids */
		}
		free(in);
		free(order);
		free(ids);
		start = end;
	}
}

/* ---- the upload folder ---- */

struct dir_file {
	char *name;
	int64_t size;
	bool used;
	bool link;      /* a symbolic link: listed, never followed */
};

struct dir_list {
	struct dir_file *files;
	size_t n, cap;
};

static void dir_list_release(struct dir_list *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->files[i].name);
	free(d->files);
	memset(d, 0, sizeof(*d));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct dir_file *)a)->name, ((const struct dir_file *)b)->name);
}

/* Lists the regular files and symbolic links (or, with dirs, the directories) of path.
 * A missing folder is empty. */
static int list_dir(const char *path, bool dirs, struct dir_list *out, struct ca_err *err)
{
	DIR *d;
	struct dirent *e;
	int rc = CA_OK;

	memset(out, 0, sizeof(*out));
	d = opendir(path);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return CA_OK;
		return ca_err_set(err, CA_EIO, "Cannot read the folder %s: %s.", path, strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (dirs ? !S_ISDIR(st.st_mode) : !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 32;
			struct dir_file *grown = realloc(out->files, cap * sizeof(*grown));

			if (!grown) {
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing %s.", path);
				break;
			}
			out->files = grown;
			out->cap = cap;
		}
		out->files[out->n].name = ca_strdup(e->d_name);
		out->files[out->n].size = st.st_size;
		out->files[out->n].used = false;
		out->files[out->n].link = S_ISLNK(st.st_mode);
		if (!out->files[out->n].name) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing %s.", path);
			break;
		}
		out->n++;
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->files, out->n, sizeof(out->files[0]), by_name);
	if (rc != CA_OK)
		dir_list_release(out);
	return rc;
}

static struct dir_file *dir_find(struct dir_list *d, const char *name)
{
	struct dir_file key = { (char *)name, 0, false, false };

	return d->n ? bsearch(&key, d->files, d->n, sizeof(d->files[0]), by_name) : NULL;
}

/* The files of one user's folder, matched against the user's rows photos[from..to). */
static int scan_user(const char *root, const char *norm, struct mig_legacy *l, size_t from,
		     size_t to, struct ca_err *err)
{
	struct dir_list orig = { 0 }, thumbs = { 0 }, old = { 0 };
	struct ca_buf path = CA_BUF_INIT;
	size_t i;
	bool ok = true;
	int rc;

	ca_buf_addf(&path, "%s/%s", root, norm);
	rc = ca_buf_ok(&path) ? list_dir(path.data, false, &orig, err) : CA_ENOMEM;
	ca_buf_adds(&path, "/" CA_STORAGE_THUMB_DIR);
	if (rc == CA_OK)
		rc = ca_buf_ok(&path) ? list_dir(path.data, false, &thumbs, err) : CA_ENOMEM;
	ca_buf_setlen(&path, path.len - strlen(CA_STORAGE_THUMB_DIR));
	ca_buf_adds(&path, CA_STORAGE_THUMB_DIR_OLD);
	if (rc == CA_OK)
		rc = ca_buf_ok(&path) ? list_dir(path.data, false, &old, err) : CA_ENOMEM;
	if (rc == CA_ENOMEM)
		ca_err_set(err, CA_ENOMEM, "Out of memory scanning the upload folder.");
	for (i = from; rc == CA_OK && i < to; i++) {
		struct mig_photo *p = &l->photos[i];
		struct dir_file *f, *t;

		if (!p->row.filename || ca_storage_check_name(p->row.filename, NULL) != CA_OK) {
			p->bad_name = true;
			ok = ok && mig_list_addf(&l->bad_names, "photo %ld has the filename \"%.80s\", which cannot name a file",
						 p->legacy_id, p->row.filename ? p->row.filename : "");
			continue;
		}
		f = dir_find(&orig, p->row.filename);
		if (f && f->link) {
			f->used = true;
			ok = ok && mig_list_addf(&l->notes, "photo %ld (%s): the original is a symbolic link, not followed (it may point anywhere): migrated as a row whose original is missing; put the file itself in its place and run again",
						 p->legacy_id, p->row.filename);
			f = NULL;
		}
		if (f) {
			f->used = true;
			p->has_original = true;
			p->original_bytes = f->size;
		}
		t = dir_find(&thumbs, p->row.filename);
		if (t && t->link) {
			t->used = true;
			ok = ok && mig_list_addf(&l->notes, "photo %ld (%s): the thumbnail is a symbolic link, not followed: made from the original instead",
						 p->legacy_id, p->row.filename);
			t = NULL;
		}
		if (t) {
			p->thumb_src = MIG_THUMB_NEW_DIR;
			p->thumb_bytes = t->size;
			t->used = true;
		}
		t = dir_find(&old, p->row.filename);
		if (t && t->link) {
			t->used = true;
			t = NULL;
		}
		if (t) {
			if (p->thumb_src == MIG_THUMB_NONE) {
				p->thumb_src = MIG_THUMB_OLD_DIR;
				p->thumb_bytes = t->size;
			}
			t->used = true;
		}
	}
	for (i = 0; ok && i < orig.n; i++)
		if (!orig.files[i].used)
			ok = mig_list_addf(&l->orphan_files, "%s/%s", norm, orig.files[i].name);
	for (i = 0; ok && i < thumbs.n; i++)
		if (!thumbs.files[i].used)
			ok = mig_list_addf(&l->orphan_files, "%s/" CA_STORAGE_THUMB_DIR "/%s", norm,
					   thumbs.files[i].name);
	for (i = 0; ok && i < old.n; i++)
		if (!old.files[i].used)
			ok = mig_list_addf(&l->orphan_files, "%s/" CA_STORAGE_THUMB_DIR_OLD "/%s", norm,
					   old.files[i].name);
	if (rc == CA_OK && !ok)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory scanning the upload folder.");
	dir_list_release(&orig);
	dir_list_release(&thumbs);
	dir_list_release(&old);
	ca_buf_release(&path);
	return rc;
}

int mig_legacy_scan_top(const char *root, struct mig_legacy *l, struct ca_err *err)
{
	struct dir_list top = { 0 };
	struct ca_buf norm = CA_BUF_INIT;
	struct stat st;
	size_t u, i;
	int rc;

	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return ca_err_set(err, CA_EIO, "The upload folder %s does not exist or is not a folder.",
				  root);
	rc = list_dir(root, true, &top, err);
	for (u = 0; rc == CA_OK && u < l->n_users; u++) {
		struct mig_user *user = &l->users[u];
		struct dir_file *d;

		ca_buf_reset(&norm);
		if (!user->email || ca_storage_norm_email(user->email, &norm, NULL) != CA_OK) {
			user->bad_name = true;
			if (!mig_list_addf(&l->bad_names, "user %ld has the email \"%.80s\", which cannot name a folder",
					   user->legacy_id, user->email ? user->email : ""))
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			continue;
		}
		d = dir_find(&top, norm.data);
		if (d)
			d->used = true;
	}
	/* a sharded run knows only its own users: folders of no user are for a whole plan */
	for (i = 0; rc == CA_OK && !l->shard_n && i < top.n; i++)
		if (!top.files[i].used &&
		    !mig_list_addf(&l->orphan_files, "%s/ (a folder of no user)", top.files[i].name))
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	dir_list_release(&top);
	ca_buf_release(&norm);
	return rc;
}

int mig_legacy_scan_chunk(const char *root, struct mig_legacy *l, struct ca_err *err)
{
	struct ca_buf norm = CA_BUF_INIT;
	size_t u, p = 0, i;
	int rc = CA_OK;

	for (u = l->chunk_from; rc == CA_OK && u < l->chunk_to; u++) {
		struct mig_user *user = &l->users[u];
		size_t from;

		while (p < l->n_photos && l->photos[p].legacy_user < user->legacy_id)
			p++;
		from = p;
		while (p < l->n_photos && l->photos[p].legacy_user == user->legacy_id)
			p++;
		if (user->bad_name) {
			for (i = from; i < p; i++)
				l->photos[i].bad_name = true;
			continue;
		}
		ca_buf_reset(&norm);
		if (ca_storage_norm_email(user->email, &norm, NULL) != CA_OK)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		else
			rc = scan_user(root, norm.data, l, from, p, err);
	}
	ca_buf_release(&norm);
	return rc;
}
