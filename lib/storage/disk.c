#include "storage/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crypto.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/banned.h"

#define DIR_MODE 0755
#define FILE_MODE 0644
#define READ_CHUNK 65536

struct disk_storage {
	struct ca_storage base;
	int root_fd;
	char *root; /* for messages */
};

static struct disk_storage *disk_of(struct ca_storage *st)
{
	return (struct disk_storage *)st;
}

/* Maps an errno from a path operation to our codes with a message. */
static int path_error(struct ca_err *err, int e, const char *what, const char *name)
{
	if (e == ENOENT)
		return ca_err_set(err, CA_STORAGE_NOTFOUND, "%s %s does not exist in storage.", what,
				  name);
	if (e == ELOOP)
		return ca_err_set(err, CA_STORAGE_IO,
				  "%s %s is a symbolic link; storage does not follow links.", what, name);
	if (e == ENOTDIR)
		return ca_err_set(err, CA_STORAGE_IO, "%s %s is not where a directory was expected.",
				  what, name);
	return ca_err_set(err, CA_STORAGE_IO, "%s %s: %s.", what, name, strerror(e));
}

/* Opens directory name below parent_fd, not following links; creates it when asked. */
static int open_dir(int parent_fd, const char *name, bool create, int *fd_out, struct ca_err *err)
{
	int fd;

	*fd_out = -1;
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(parent_fd, name, DIR_MODE) != 0 && errno != EEXIST)
			return path_error(err, errno, "Directory", name);
		fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return path_error(err, errno, "Directory", name);
	*fd_out = fd;
	return CA_OK;
}

/* The user's directory, norm(email) below the root. */
static int open_user_dir(struct disk_storage *d, const char *email, bool create, int *fd_out,
			 struct ca_err *err)
{
	struct ca_buf norm = CA_BUF_INIT;
	int rc;

	*fd_out = -1;
	rc = ca_storage_norm_email(email, &norm, err);
	if (rc == CA_OK)
		rc = open_dir(d->root_fd, norm.data, create, fd_out, err);
	ca_buf_release(&norm);
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Writes data to name in dir_fd through a temporary file and a rename. */
static int write_atomically(int dir_fd, const char *name, const void *data, size_t len,
			    struct ca_err *err)
{
	uint8_t rnd[8];
	char tmp[2 * sizeof(rnd) + 8];
	int fd = -1, rc = CA_OK, e;
	bool created = false;

	if (ca_random_bytes(rnd, sizeof(rnd)) != CA_OK)
		return ca_err_set(err, CA_STORAGE_IO, "The system random number generator failed.");
	memcpy(tmp, ".tmp-", 5);
	ca_hex_encode(rnd, sizeof(rnd), tmp + 5);

	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
	if (fd < 0) {
		rc = path_error(err, errno, "Temporary file for", name);
		goto out;
	}
	created = true;
	if (ca_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		rc = path_error(err, errno, "Writing image", name);
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e != 0) {
		rc = path_error(err, errno, "Writing image", name);
		goto out;
	}
	if (renameat(dir_fd, tmp, dir_fd, name) != 0) {
		rc = path_error(err, errno, "Renaming into place image", name);
		goto out;
	}
	created = false;
	if (fsync(dir_fd) != 0)
		rc = path_error(err, errno, "Syncing the directory of image", name);
out:
	close_fd(&fd);
	if (created)
		unlinkat(dir_fd, tmp, 0);
	return rc;
}

static int disk_put(struct ca_storage *st, const char *email, const char *filename,
		    enum ca_image_kind kind, const void *data, size_t len, struct ca_err *err)
{
	struct disk_storage *d = disk_of(st);
	int user_fd = -1, thumb_fd = -1, rc;

	rc = open_user_dir(d, email, true, &user_fd, err);
	if (rc)
		goto out;
	if (kind != CA_IMAGE_ORIGINAL) {
		rc = open_dir(user_fd, kind == CA_IMAGE_GRID ? CA_STORAGE_GRID_DIR : CA_STORAGE_THUMB_DIR,
			      true, &thumb_fd, err);
		if (rc)
			goto out;
	}
	rc = write_atomically(kind != CA_IMAGE_ORIGINAL ? thumb_fd : user_fd, filename, data, len, err);
out:
	close_fd(&thumb_fd);
	close_fd(&user_fd);
	return rc;
}

/* Reads a regular file (no links, no FIFOs) of at most max_len bytes into out. */
/* Opens a regular file in dir_fd for reading (no symlinks): *fd and *size. */
static int open_regular(int dir_fd, const char *name, int *out_fd, uint64_t *size,
			struct ca_err *err)
{
	struct stat sb;
	int fd, rc;

	*out_fd = -1;
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return path_error(err, errno, "Image", name);
	if (fstat(fd, &sb) != 0) {
		rc = path_error(err, errno, "Image", name);
		close(fd);
		return rc;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return ca_err_set(err, CA_STORAGE_IO, "Image %s is not a regular file.", name);
	}
	*out_fd = fd;
	*size = (uint64_t)sb.st_size;
	return CA_OK;
}

static int read_capped(int dir_fd, const char *name, size_t max_len, struct ca_buf *out,
		       struct ca_err *err)
{
	struct stat sb;
	size_t start = out->len, total = 0;
	int fd, rc = CA_OK;

	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return path_error(err, errno, "Image", name);
	if (fstat(fd, &sb) != 0) {
		rc = path_error(err, errno, "Image", name);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = ca_err_set(err, CA_STORAGE_IO, "Image %s is not a regular file.", name);
		goto out;
	}
	if ((uintmax_t)sb.st_size > max_len) {
		rc = ca_err_set(err, CA_ERANGE, "Image %s is %jd bytes, more than the %zu allowed.",
				name, (intmax_t)sb.st_size, max_len);
		goto out;
	}
	for (;;) {
		size_t want = max_len - total + 1; /* one more byte reveals growth past the cap */
		ssize_t n;

		if (want > READ_CHUNK)
			want = READ_CHUNK;
		if (ca_buf_grow(out, want) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading image %s.", name);
			goto out;
		}
		n = read(fd, out->data + out->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = path_error(err, errno, "Reading image", name);
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (total > max_len) {
			rc = ca_err_set(err, CA_ERANGE, "Image %s grew past the %zu bytes allowed.",
					name, max_len);
			goto out;
		}
	}
out:
	if (rc != CA_OK && out->len > start)
		ca_buf_setlen(out, start);
	close(fd);
	return rc;
}

/* What to do with one image file found under a user's directory. */
typedef int (*image_action)(int dir_fd, const char *filename, void *ctx, struct ca_err *err);

/*
 * Runs act on the image file of kind for (email, filename): originals in the
 * user's directory, thumbnails in the thumbnail directory, then in its old
 * name. Returns act's code, CA_STORAGE_NOTFOUND (err set) when absent.
 */
static int with_image(struct ca_storage *st, const char *email, const char *filename,
		      enum ca_image_kind kind, image_action act, void *ctx, struct ca_err *err)
{
	static const char *const thumb_dirs[] = { CA_STORAGE_THUMB_DIR, CA_STORAGE_THUMB_DIR_OLD };
	static const char *const grid_dirs[] = { CA_STORAGE_GRID_DIR };
	const char *const *dirs = kind == CA_IMAGE_GRID ? grid_dirs : thumb_dirs;
	size_t ndirs = kind == CA_IMAGE_GRID ? 1 : 2;
	struct disk_storage *d = disk_of(st);
	int user_fd = -1, dir_fd = -1, rc;
	size_t i;

	rc = open_user_dir(d, email, false, &user_fd, err);
	if (rc)
		goto out;
	if (kind == CA_IMAGE_ORIGINAL) {
		rc = act(user_fd, filename, ctx, err);
		goto out;
	}
	rc = CA_STORAGE_NOTFOUND;
	for (i = 0; i < ndirs && rc == CA_STORAGE_NOTFOUND; i++) {
		struct ca_err step;

		ca_err_clear(&step);
		rc = open_dir(user_fd, dirs[i], false, &dir_fd, &step);
		if (rc == CA_OK)
			rc = act(dir_fd, filename, ctx, &step);
		close_fd(&dir_fd);
		if (rc != CA_OK && rc != CA_STORAGE_NOTFOUND)
			ca_err_set(err, rc, "%s", ca_err_msg(&step));
	}
	if (rc == CA_STORAGE_NOTFOUND)
		ca_err_set(err, rc, "The %s image of %s does not exist in storage.",
			   kind == CA_IMAGE_GRID ? "grid" : "thumbnail", filename);
out:
	close_fd(&user_fd);
	return rc;
}

struct get_ctx {
	size_t max_len;
	struct ca_buf *out;
};

static int get_action(int dir_fd, const char *filename, void *ctx, struct ca_err *err)
{
	struct get_ctx *g = ctx;

	return read_capped(dir_fd, filename, g->max_len, g->out, err);
}

static int disk_get(struct ca_storage *st, const char *email, const char *filename,
		    enum ca_image_kind kind, size_t max_len, struct ca_buf *out, struct ca_err *err)
{
	struct get_ctx g = { max_len, out };

	return with_image(st, email, filename, kind, get_action, &g, err);
}

struct open_ctx {
	int *fd;
	uint64_t *size;
};

static int open_action(int dir_fd, const char *filename, void *ctx, struct ca_err *err)
{
	struct open_ctx *o = ctx;

	return open_regular(dir_fd, filename, o->fd, o->size, err);
}

static int disk_open(struct ca_storage *st, const char *email, const char *filename,
		     enum ca_image_kind kind, int *fd, uint64_t *size, struct ca_err *err)
{
	struct open_ctx o = { fd, size };

	return with_image(st, email, filename, kind, open_action, &o, err);
}

/* Unlinks a file (never a directory); CA_STORAGE_NOTFOUND when absent. */
static int unlink_in(int parent_fd, const char *subdir, const char *name, struct ca_err *err)
{
	int dir_fd = -1, rc = CA_OK;

	if (subdir) {
		rc = open_dir(parent_fd, subdir, false, &dir_fd, err);
		if (rc)
			return rc;
		parent_fd = dir_fd;
	}
	if (unlinkat(parent_fd, name, 0) != 0)
		rc = path_error(err, errno, "Image", name);
	else
		fsync(parent_fd);
	close_fd(&dir_fd);
	return rc;
}

static int disk_remove(struct ca_storage *st, const char *email, const char *filename,
		       enum ca_image_kind kind, struct ca_err *err)
{
	struct disk_storage *d = disk_of(st);
	struct ca_err step;
	int user_fd = -1, rc, rc_old;

	rc = open_user_dir(d, email, false, &user_fd, err);
	if (rc)
		goto out;
	if (kind == CA_IMAGE_ORIGINAL || kind == CA_IMAGE_GRID) {
		rc = unlink_in(user_fd, kind == CA_IMAGE_GRID ? CA_STORAGE_GRID_DIR : NULL, filename,
			       err);
		goto out;
	}
	ca_err_clear(&step);
	rc = unlink_in(user_fd, CA_STORAGE_THUMB_DIR, filename, &step);
	if (rc != CA_OK && rc != CA_STORAGE_NOTFOUND) {
		ca_err_set(err, rc, "%s", ca_err_msg(&step));
		goto out;
	}
	ca_err_clear(&step);
	rc_old = unlink_in(user_fd, CA_STORAGE_THUMB_DIR_OLD, filename, &step);
	if (rc_old != CA_OK && rc_old != CA_STORAGE_NOTFOUND) {
		rc = ca_err_set(err, rc_old, "%s", ca_err_msg(&step));
		goto out;
	}
	if (rc == CA_STORAGE_NOTFOUND && rc_old == CA_STORAGE_NOTFOUND)
		ca_err_set(err, rc, "The thumbnail of %s does not exist in storage.", filename);
	else
		rc = CA_OK;
out:
	close_fd(&user_fd);
	return rc;
}

static bool is_regular_in(int parent_fd, const char *subdir, const char *name)
{
	struct stat sb;
	int dir_fd = -1;
	bool found;

	if (subdir && open_dir(parent_fd, subdir, false, &dir_fd, NULL) != CA_OK)
		return false;
	found = fstatat(subdir ? dir_fd : parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISREG(sb.st_mode);
	close_fd(&dir_fd);
	return found;
}

static int disk_exists(struct ca_storage *st, const char *email, const char *filename,
		       enum ca_image_kind kind, bool *exists, struct ca_err *err)
{
	struct disk_storage *d = disk_of(st);
	struct ca_err step;
	int user_fd = -1, rc;

	*exists = false;
	ca_err_clear(&step);
	rc = open_user_dir(d, email, false, &user_fd, &step);
	if (rc == CA_STORAGE_NOTFOUND)
		return CA_OK;
	if (rc)
		return ca_err_set(err, rc, "%s", ca_err_msg(&step));
	if (kind == CA_IMAGE_ORIGINAL || kind == CA_IMAGE_GRID)
		*exists = is_regular_in(user_fd, kind == CA_IMAGE_GRID ? CA_STORAGE_GRID_DIR : NULL,
					filename);
	else
		*exists = is_regular_in(user_fd, CA_STORAGE_THUMB_DIR, filename) ||
			  is_regular_in(user_fd, CA_STORAGE_THUMB_DIR_OLD, filename);
	close_fd(&user_fd);
	return CA_OK;
}

static void disk_release(struct ca_storage *st)
{
	struct disk_storage *d = disk_of(st);

	if (!d)
		return;
	if (d->root_fd >= 0)
		close(d->root_fd);
	free(d->root);
	free(d);
}

static const struct ca_storage_ops disk_ops = {
	.name = "disk",
	.put = disk_put,
	.get = disk_get,
	.open = disk_open,
	.remove = disk_remove,
	.exists = disk_exists,
	.release = disk_release,
};

int ca_storage_disk_open(const char *root, struct ca_storage **out, struct ca_err *err)
{
	struct disk_storage *d = NULL;
	int rc = CA_OK;

	*out = NULL;
	if (!root || !*root)
		return ca_err_set(err, CA_EINVAL, "The storage path (the upload folder) is empty.");
	d = calloc(1, sizeof(*d));
	if (d)
		d->root_fd = -1;
	if (!d || !(d->root = ca_strdup(root))) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory opening disk storage.");
		goto fail;
	}
	d->base.ops = &disk_ops;
	d->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->root_fd < 0 && errno == ENOENT) {
		if (mkdir(root, DIR_MODE) != 0 && errno != EEXIST) {
			rc = ca_err_set(err, CA_STORAGE_IO, "Cannot create the upload folder %s: %s.",
					root, strerror(errno));
			goto fail;
		}
		d->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (d->root_fd < 0) {
		rc = ca_err_set(err, CA_STORAGE_IO, "Cannot open the upload folder %s: %s.", root,
				strerror(errno));
		goto fail;
	}
	*out = &d->base;
	return CA_OK;
fail:
	disk_release(d ? &d->base : NULL);
	return rc;
}
