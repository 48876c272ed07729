#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_ca.h"
#include "text_file.h"
#include "storage/disk.h"
#include "storage/layout.h"
#include "storage/storage.h"

#define UUID "0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00"
#define EMAIL "alice.smith@example.com"
#define USERDIR "alice_dot_smith_at_example_dot_com"

static char root[64];
static char outside[64];

static void make_dirs(void)
{
	snprintf(root, sizeof(root), "/tmp/ca-test-storage-XXXXXX");
	snprintf(outside, sizeof(outside), "/tmp/ca-test-outside-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_ptr_nonnull(mkdtemp(outside));
}

static void remove_tree(const char *path)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
}

static void setup(void)
{
	make_dirs();
}

static void teardown(void)
{
	remove_tree(root);
	remove_tree(outside);
}

static char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct ca_storage *open_disk(void)
{
	struct ca_storage *st = NULL;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(ca_storage_disk_open(root, &st, &err) == CA_OK, "%s", ca_err_msg(&err));
	ck_assert_str_eq(ca_storage_kind(st), "disk");
	return st;
}

START_TEST(norm_email_matches_the_legacy_rule)
{
	struct ca_buf b = CA_BUF_INIT;

	ck_assert_int_eq(ca_storage_norm_email("alice.smith@example.com", &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "alice_dot_smith_at_example_dot_com");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_storage_norm_email("..@..", &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "_dot__dot__at__dot__dot_");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_storage_norm_email("z\xc3\xb6\x65+tag@b\xc3\xbc.de", &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "z\xc3\xb6\x65+tag_at_b\xc3\xbc_dot_de");
	ca_buf_release(&b);
}
END_TEST

START_TEST(hostile_emails_are_refused)
{
	static const char *const bad[] = {
		"", "a/b@example.com", "../../etc@x", "a\\b@x", "a\nb@x", "a\rb@x", "tab\t@x",
		"del\x7f@x", "/abs@x",
	};
	char longer[300];
	struct ca_buf b = CA_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(ca_storage_norm_email(bad[i], &b, NULL) == CA_STORAGE_BAD_NAME, "%s",
			      bad[i]);
		ck_assert_uint_eq(b.len, 0);
	}
	ck_assert_int_eq(ca_storage_norm_email(NULL, &b, NULL), CA_STORAGE_BAD_NAME);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ck_assert_int_eq(ca_storage_norm_email(longer, &b, NULL), CA_STORAGE_BAD_NAME);
	ca_buf_release(&b);
}
END_TEST

START_TEST(names_for_reading)
{
	static const char *const good[] = {
		UUID ".jpg", "IMG 0001.JPG", "\xc3\xbcnicode.jpeg", "no-extension", "a..b.jpg",
	};
	static const char *const bad[] = {
		"", ".", "..", ".hidden.jpg", ".tmp-0011223344556677", "a/b.jpg", "../x.jpg",
		"/etc/passwd", "a\\b.jpg", "a\x01.jpg", "a\x7f.jpg", "new\nline.jpg",
	};
	char longer[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(ca_storage_check_name(good[i], NULL) == CA_OK, "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ca_storage_check_name(bad[i], NULL) == CA_STORAGE_BAD_NAME, "%s", bad[i]);
	ck_assert_int_eq(ca_storage_check_name(NULL, NULL), CA_STORAGE_BAD_NAME);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ck_assert_int_eq(ca_storage_check_name(longer, NULL), CA_STORAGE_BAD_NAME);
	longer[255] = '\0';
	ck_assert_int_eq(ca_storage_check_name(longer, NULL), CA_OK);
}
END_TEST

START_TEST(names_for_writing)
{
	static const char *const good[] = {
		UUID ".jpg", UUID ".jpeg", UUID ".JPG", "0B6F3C9E2F4D4A8B9C1E7D5A3B2C1F00.jpg",
	};
	static const char *const bad[] = {
		"photo.jpg", UUID ".png", UUID, UUID ".", UUID ".jpg.exe", UUID "x.jpg",
		"0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f0g.jpg", "0b6f3c9e2f4d-4a8b-9c1e-7d5a3b2c1f00-.jpg",
		"../" UUID ".jpg", "." UUID ".jpg", "IMG 0001.JPG",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(ca_storage_check_new_name(good[i], NULL) == CA_OK, "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ca_storage_check_new_name(bad[i], NULL) == CA_STORAGE_BAD_NAME, "%s",
			      bad[i]);
}
END_TEST

START_TEST(relpath_is_the_s3_key_tail)
{
	struct ca_buf b = CA_BUF_INIT;

	ck_assert_int_eq(ca_storage_relpath(EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, USERDIR "/" UUID ".jpg");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_storage_relpath(EMAIL, UUID ".jpg", CA_IMAGE_THUMB, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, USERDIR "/thumbnails/" UUID ".jpg");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_storage_relpath(EMAIL, UUID ".jpg", CA_IMAGE_GRID, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, USERDIR "/grid/" UUID ".jpg");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_storage_relpath(EMAIL, "../x", CA_IMAGE_GRID, &b, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_relpath(EMAIL, "../x", CA_IMAGE_THUMB, &b, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_relpath("a/b", "x.jpg", CA_IMAGE_THUMB, &b, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_uint_eq(b.len, 0);
	/* the seed's other thumbnail folder (docs/CONTRACTS.md, "Legacy files") */
	ck_assert_int_eq(ca_storage_old_thumb_relpath(EMAIL, UUID ".jpg", &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, USERDIR "/thumbnail/" UUID ".jpg");
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_storage_old_thumb_relpath(EMAIL, "../x", &b, NULL), CA_STORAGE_BAD_NAME);
	ck_assert_uint_eq(b.len, 0);
	ca_buf_release(&b);
}
END_TEST

/* No temporary file may survive a write. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static bool has_alias(char **list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

START_TEST(folder_collisions_are_found)
{
	char **aliases = NULL;
	size_t n = 0, i;
	char crafted[256];

	ck_assert(ca_storage_folders_collide("a_at_b@x.io", "a@b_at_x.io"));
	ck_assert(ca_storage_folders_collide("a@b_dot_c.io", "a@b.c.io"));
	ck_assert(!ca_storage_folders_collide("a@b.io", "a@b.io"));   /* the same account */
	ck_assert(!ca_storage_folders_collide("a@b.io", "A@b.io"));   /* folders are case-sensitive */
	ck_assert(!ca_storage_folders_collide("a@b.io", "a@c.io"));
	ck_assert(!ca_storage_folders_collide(NULL, "a@c.io"));
	ck_assert(!ca_storage_folders_collide("a/b@x", "a/b@x.io"));

	ck_assert_int_eq(ca_storage_folder_aliases("a_at_b@x.io", 16, &aliases, &n, NULL), CA_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert(has_alias(aliases, n, "a@b_at_x.io"));
	ck_assert(has_alias(aliases, n, "a_at_b@x_dot_io"));
	ck_assert(has_alias(aliases, n, "a@b_at_x_dot_io"));
	ck_assert(!has_alias(aliases, n, "a_at_b@x.io"));
	for (i = 0; i < n; i++)
		ck_assert(ca_storage_folders_collide(aliases[i], "a_at_b@x.io"));
	ca_storage_aliases_free(aliases, n);

	ck_assert_int_eq(ca_storage_folder_aliases("plain@example", 16, &aliases, &n, NULL), CA_OK);
	ck_assert_uint_eq(n, 0);
	ca_storage_aliases_free(aliases, n);

	/* a crafted address with many readings is refused, not walked for ever */
	snprintf(crafted, sizeof(crafted), "x@");
	for (i = 0; i < 40; i++)
		strncat(crafted, "_dot_", sizeof(crafted) - strlen(crafted) - 1);
	ck_assert_int_eq(ca_storage_folder_aliases(crafted, 16, &aliases, &n, NULL), CA_ERANGE);
	ck_assert_ptr_null(aliases);
	ck_assert_int_eq(ca_storage_folder_aliases("a/b@x", 16, &aliases, &n, NULL),
			 CA_STORAGE_BAD_NAME);
	ca_storage_aliases_free(NULL, 0);
}
END_TEST

START_TEST(put_get_delete_round_trip_in_the_legacy_layout)
{
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	struct ca_err err;
	char path[256];
	bool exists = true;
	struct stat sb;

	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "ORIGINAL", 8,
					&err),
			 CA_OK);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, "THUMB\0x", 7, NULL),
			 CA_OK);
	/* exactly where the seed application keeps them */
	snprintf(path, sizeof(path), "%s/" USERDIR "/" UUID ".jpg", root);
	ck_assert_str_eq(read_file(path), "ORIGINAL");
	snprintf(path, sizeof(path), "%s/" USERDIR "/thumbnails/" UUID ".jpg", root);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 7);
	snprintf(path, sizeof(path), "%s/" USERDIR, root);
	ck_assert_int_eq(count_entries(path, ".tmp-"), 0);

	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_OK);
	ck_assert_uint_eq(got.len, 8);
	ck_assert_str_eq(got.data, "ORIGINAL");
	ca_buf_reset(&got);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, 7, &got, NULL), CA_OK);
	ck_assert_uint_eq(got.len, 7);
	ck_assert_mem_eq(got.data, "THUMB\0x", 7);

	/* a second put replaces the bytes */
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "NEW", 3, NULL),
			 CA_OK);
	ca_buf_reset(&got);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_OK);
	ck_assert_str_eq(got.data, "NEW");

	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, &exists, NULL),
			 CA_OK);
	ck_assert(exists);
	ck_assert_int_eq(ca_storage_delete_photo(st, EMAIL, UUID ".jpg", NULL), CA_OK);
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_delete_photo(st, EMAIL, UUID ".jpg", &err), CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_get(st, "nobody@example.com", UUID ".jpg", CA_IMAGE_THUMB, 100,
					&got, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "", 0, NULL),
			 CA_OK); /* an empty image is stored as such */
	ca_buf_release(&got);
	ca_storage_release(st);
	ca_storage_release(NULL);
}
END_TEST

/* The album grid's image: its own folder, never the thumbnail's; deleted with the photo. */
START_TEST(grid_images_live_in_their_own_folder)
{
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	char path[256];
	bool exists = true;
	uint64_t size = 0;
	int fd = -1;

	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, "THUMB", 5, NULL),
			 CA_OK);
	/* a thumbnail is no grid image */
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, 100, &got, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_open(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, &fd, &size, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_delete(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, "GRID!!", 6, NULL),
			 CA_OK);
	snprintf(path, sizeof(path), "%s/" USERDIR "/grid/" UUID ".jpg", root);
	ck_assert_str_eq(read_file(path), "GRID!!");
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, 100, &got, NULL), CA_OK);
	ck_assert_uint_eq(got.len, 6);
	ck_assert_int_eq(ca_storage_open(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, &fd, &size, NULL),
			 CA_OK);
	ck_assert_uint_eq(size, 6);
	close(fd);
	ca_buf_reset(&got);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, 100, &got, NULL), CA_OK);
	ck_assert_uint_eq(got.len, 5);
	/* the photo's delete takes the grid image too, even without an original */
	ck_assert_int_eq(ca_storage_delete_photo(st, EMAIL, UUID ".jpg", NULL), CA_OK);
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_GRID, "G", 1, NULL), CA_OK);
	ck_assert_int_eq(ca_storage_delete_photo(st, EMAIL, UUID ".jpg", NULL), CA_OK);
	ck_assert_int_eq(ca_storage_delete_photo(st, EMAIL, UUID ".jpg", NULL), CA_STORAGE_NOTFOUND);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(reads_the_seeds_thumbnail_directory_too)
{
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	char path[256];
	bool exists = false;

	snprintf(path, sizeof(path), "%s/" USERDIR, root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/" USERDIR "/thumbnail", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/" USERDIR "/thumbnail/legacy name.jpg", root);
	write_text_file(path, "OLD THUMB");

	ck_assert_int_eq(ca_storage_get(st, EMAIL, "legacy name.jpg", CA_IMAGE_THUMB, 100, &got, NULL),
			 CA_OK);
	ck_assert_str_eq(got.data, "OLD THUMB");
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, "legacy name.jpg", CA_IMAGE_THUMB, &exists,
					   NULL),
			 CA_OK);
	ck_assert(exists);
	/* no original: delete_photo still removes the thumbnail and says OK */
	ck_assert_int_eq(ca_storage_delete_photo(st, EMAIL, "legacy name.jpg", NULL), CA_OK);
	ck_assert_int_eq(access(path, F_OK), -1);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(size_cap_on_get)
{
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	struct ca_err err;

	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "0123456789", 10,
					NULL),
			 CA_OK);
	ca_buf_adds(&got, "keep");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, 9, &got, &err),
			 CA_ERANGE);
	ck_assert_str_eq(got.data, "keep"); /* nothing appended */
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "10 bytes"));
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, 10, &got, NULL),
			 CA_OK);
	ck_assert_str_eq(got.data, "keep0123456789");
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(hostile_names_touch_nothing)
{
	static const char *const bad_names[] = {
		"../" UUID ".jpg", "..", ".", "/etc/passwd", "a/b.jpg", "", ".tmp-x",
	};
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	bool exists = true;
	size_t i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		const char *n = bad_names[i];

		ck_assert_int_eq(ca_storage_put(st, EMAIL, n, CA_IMAGE_ORIGINAL, "x", 1, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_get(st, EMAIL, n, CA_IMAGE_ORIGINAL, 10, &got, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_delete(st, EMAIL, n, CA_IMAGE_THUMB, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert_int_eq(ca_storage_exists(st, EMAIL, n, CA_IMAGE_ORIGINAL, &exists, NULL),
				 CA_STORAGE_BAD_NAME);
		ck_assert(!exists);
	}
	/* a legacy read name is not good enough to write */
	ck_assert_int_eq(ca_storage_put(st, EMAIL, "photo.jpg", CA_IMAGE_ORIGINAL, "x", 1, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_put(st, "../evil@x", UUID ".jpg", CA_IMAGE_ORIGINAL, "x", 1, NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", (enum ca_image_kind)7, "x", 1, NULL),
			 CA_EINVAL);
	ck_assert_int_eq(count_entries(root, ""), 2); /* "." and ".." only: nothing was created */
	ck_assert_int_eq(count_entries(outside, ""), 2);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

/* ca_storage_open: the file to send from, never its bytes; the same names and links refused. */
START_TEST(open_gives_the_file_to_stream)
{
	struct ca_storage *st = open_disk();
	char path[256], target[256], buf[16];
	uint64_t size = 99;
	int fd = 7;

	ck_assert_int_eq(ca_storage_open(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, &fd, &size, NULL),
			 CA_STORAGE_NOTFOUND);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "ORIGINAL", 8, NULL),
			 CA_OK);
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, "THUMB", 5, NULL),
			 CA_OK);
	ck_assert_int_eq(ca_storage_open(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, &fd, &size, NULL),
			 CA_OK);
	ck_assert_uint_eq(size, 8);
	/* a replacement does not change what the open file holds (writes are renames) */
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "NEW", 3, NULL),
			 CA_OK);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 8);
	ck_assert_mem_eq(buf, "ORIGINAL", 8);
	close(fd);
	ck_assert_int_eq(ca_storage_open(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, &fd, &size, NULL),
			 CA_OK);
	ck_assert_uint_eq(size, 5);
	close(fd);
	ck_assert_int_eq(ca_storage_open(st, EMAIL, "../" UUID ".jpg", CA_IMAGE_ORIGINAL, &fd, &size,
					 NULL),
			 CA_STORAGE_BAD_NAME);
	ck_assert_int_eq(fd, -1);
	/* a link to a file outside is not opened */
	snprintf(target, sizeof(target), "%s/secret", outside);
	write_text_file(target, "SECRET");
	snprintf(path, sizeof(path), "%s/" USERDIR "/link.jpg", root);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(ca_storage_open(st, EMAIL, "link.jpg", CA_IMAGE_ORIGINAL, &fd, &size, NULL),
			 CA_STORAGE_IO);
	ck_assert_int_eq(fd, -1);
	ca_storage_release(st);
}
END_TEST

START_TEST(symlinks_under_the_root_are_not_followed)
{
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	char path[256], target[256];
	bool exists = true;

	snprintf(target, sizeof(target), "%s/secret", outside);
	write_text_file(target, "SECRET");
	/* the user's directory is a link to somewhere else */
	snprintf(path, sizeof(path), "%s/" USERDIR, root);
	ck_assert_int_eq(symlink(outside, path), 0);
	ck_assert_int_ne(ca_storage_get(st, EMAIL, "secret", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_OK);
	ck_assert_int_ne(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "x", 1, NULL),
			 CA_OK);
	ck_assert_int_ne(ca_storage_delete(st, EMAIL, "secret", CA_IMAGE_ORIGINAL, NULL), CA_OK);
	ck_assert_str_eq(read_file(target), "SECRET");
	ck_assert_int_eq(count_entries(outside, ""), 3);
	ck_assert_int_eq(unlink(path), 0);

	/* a real user directory holding a link to a file outside */
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/" USERDIR "/" UUID ".jpg", root);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_STORAGE_IO);
	ck_assert_uint_eq(got.len, 0);
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	/* replacing it writes a new file in place of the link, not through it */
	ck_assert_int_eq(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_ORIGINAL, "MINE", 4, NULL),
			 CA_OK);
	ck_assert_str_eq(read_file(target), "SECRET");
	ck_assert_str_eq(read_file(path), "MINE");

	/* thumbnails/ as a link */
	snprintf(path, sizeof(path), "%s/" USERDIR "/thumbnails", root);
	ck_assert_int_eq(symlink(outside, path), 0);
	ck_assert_int_ne(ca_storage_put(st, EMAIL, UUID ".jpg", CA_IMAGE_THUMB, "x", 1, NULL), CA_OK);
	ck_assert_int_ne(ca_storage_get(st, EMAIL, "secret", CA_IMAGE_THUMB, 100, &got, NULL), CA_OK);
	ck_assert_int_eq(count_entries(outside, ""), 3);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(fifos_directories_and_devices_are_not_images)
{
	struct ca_storage *st = open_disk();
	struct ca_buf got = CA_BUF_INIT;
	char path[256];
	bool exists = true;

	snprintf(path, sizeof(path), "%s/" USERDIR, root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/" USERDIR "/fifo.jpg", root);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	/* must not block waiting for a writer */
	ck_assert_int_eq(ca_storage_get(st, EMAIL, "fifo.jpg", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_STORAGE_IO);
	ck_assert_int_eq(ca_storage_exists(st, EMAIL, "fifo.jpg", CA_IMAGE_ORIGINAL, &exists, NULL),
			 CA_OK);
	ck_assert(!exists);
	snprintf(path, sizeof(path), "%s/" USERDIR "/dir.jpg", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(ca_storage_get(st, EMAIL, "dir.jpg", CA_IMAGE_ORIGINAL, 100, &got, NULL),
			 CA_STORAGE_IO);
	ck_assert_int_ne(ca_storage_delete(st, EMAIL, "dir.jpg", CA_IMAGE_ORIGINAL, NULL), CA_OK);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_uint_eq(got.len, 0);
	ca_buf_release(&got);
	ca_storage_release(st);
}
END_TEST

START_TEST(open_creates_the_root_or_explains)
{
	struct ca_storage *st = NULL;
	struct ca_err err;
	char path[256];

	snprintf(path, sizeof(path), "%s/upload", root);
	ck_assert_int_eq(ca_storage_disk_open(path, &st, NULL), CA_OK);
	ck_assert_int_eq(access(path, F_OK), 0);
	ca_storage_release(st);

	snprintf(path, sizeof(path), "%s/file", root);
	write_text_file(path, "x");
	ca_err_clear(&err);
	ck_assert_int_eq(ca_storage_disk_open(path, &st, &err), CA_STORAGE_IO);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), path));
	snprintf(path, sizeof(path), "%s/no/such/parent", root);
	ck_assert_int_eq(ca_storage_disk_open(path, &st, NULL), CA_STORAGE_IO);
	ck_assert_int_eq(ca_storage_disk_open("", &st, NULL), CA_EINVAL);
	ck_assert_int_eq(ca_storage_disk_open(NULL, &st, NULL), CA_EINVAL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("storage");
	TCase *names = tcase_create("names");
	TCase *disk = tcase_create("disk");

	tcase_add_test(names, norm_email_matches_the_legacy_rule);
	tcase_add_test(names, hostile_emails_are_refused);
	tcase_add_test(names, names_for_reading);
	tcase_add_test(names, names_for_writing);
	tcase_add_test(names, relpath_is_the_s3_key_tail);
	tcase_add_test(names, folder_collisions_are_found);
	suite_add_tcase(s, names);

	tcase_add_checked_fixture(disk, setup, teardown);
	tcase_add_test(disk, put_get_delete_round_trip_in_the_legacy_layout);
	tcase_add_test(disk, reads_the_seeds_thumbnail_directory_too);
	tcase_add_test(disk, grid_images_live_in_their_own_folder);
	tcase_add_test(disk, size_cap_on_get);
	tcase_add_test(disk, hostile_names_touch_nothing);
	tcase_add_test(disk, symlinks_under_the_root_are_not_followed);
	tcase_add_test(disk, open_gives_the_file_to_stream);
	tcase_add_test(disk, fifos_directories_and_devices_are_not_images);
	tcase_add_test(disk, open_creates_the_root_or_explains);
	suite_add_tcase(s, disk);
	return s;
}

CA_TEST_MAIN()
