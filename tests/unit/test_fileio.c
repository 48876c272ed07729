/* Unit tests for lib/util/fileio (atomic whole-file writes) and ca_hex_digit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_ca.h"
#include "util/fileio.h"
#include "util/strutil.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ca-fileio-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Reads path whole into buf (NUL-terminated); returns its length or -1. */
static long slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

static int entries_in_dir(void)
{
	char cmd[128], line[32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p && fgets(line, sizeof(line), p))
		n = (int)strtol(line, NULL, 10);
	if (p)
		pclose(p);
	return n;
}

START_TEST(hex_digit_values)
{
	ck_assert_int_eq(ca_hex_digit('0'), 0);
	ck_assert_int_eq(ca_hex_digit('9'), 9);
	ck_assert_int_eq(ca_hex_digit('a'), 10);
	ck_assert_int_eq(ca_hex_digit('F'), 15);
	ck_assert_int_eq(ca_hex_digit('g'), -1);
	ck_assert_int_eq(ca_hex_digit('G'), -1);
	ck_assert_int_eq(ca_hex_digit('/'), -1);
	ck_assert_int_eq(ca_hex_digit(':'), -1);
	ck_assert_int_eq(ca_hex_digit('`'), -1);
	ck_assert_int_eq(ca_hex_digit('@'), -1);
	ck_assert_int_eq(ca_hex_digit('\0'), -1);
	ck_assert_int_eq(ca_hex_digit((char)0xc1), -1);
}
END_TEST

START_TEST(write_replaces_and_leaves_no_temp)
{
	char path[128], got[64];
	struct ca_err err = { 0 };

	make_dir();
	snprintf(path, sizeof(path), "%s/f.txt", dir);
	ck_assert_int_eq(ca_file_write_atomic(path, "first", 5, 0600, 0, &err), CA_OK);
	ck_assert_int_eq(ca_file_write_atomic(path, "second\0x", 8, 0600, 0, &err), CA_OK);
	ck_assert_int_eq(slurp(path, got, sizeof(got)), 8);
	ck_assert_mem_eq(got, "second\0x", 8);
	ck_assert_int_eq(entries_in_dir(), 1);
	ck_assert_int_eq(ca_file_write_atomic(path, "", 0, 0600, 0, &err), CA_OK);
	ck_assert_int_eq(slurp(path, got, sizeof(got)), 0);
	remove_dir();
}
END_TEST

START_TEST(exact_mode_ignores_umask)
{
	char path[128];
	struct stat st;
	mode_t old = umask(0077);

	make_dir();
	snprintf(path, sizeof(path), "%s/public", dir);
	ck_assert_int_eq(ca_file_write_atomic(path, "x", 1, 0644, CA_FILE_EXACT_MODE, NULL), CA_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	snprintf(path, sizeof(path), "%s/masked", dir);
	ck_assert_int_eq(ca_file_write_atomic(path, "x", 1, 0644, 0, NULL), CA_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	umask(old);
	remove_dir();
}
END_TEST

START_TEST(missing_directory_is_eio)
{
	char path[128];
	struct ca_err err = { 0 };

	make_dir();
	snprintf(path, sizeof(path), "%s/no/such/f", dir);
	ca_err_clear(&err);
	ck_assert_int_eq(ca_file_write_atomic(path, "x", 1, 0600, 0, &err), CA_EIO);
	ck_assert_ptr_nonnull(strstr(ca_err_msg(&err), "/no/such/f.tmp."));
	ck_assert_int_eq(entries_in_dir(), 0);
	remove_dir();
}
END_TEST

START_TEST(symlinked_temp_is_not_followed)
{
	char path[128], tmp[160], victim[128], got[32];
	struct ca_err err = { 0 };

	make_dir();
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	ck_assert_int_eq(ca_file_write_atomic(victim, "keep", 4, 0600, 0, NULL), CA_OK);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(ca_file_write_atomic(path, "evil", 4, 0600, 0, &err), CA_EIO);
	ck_assert_int_eq(slurp(victim, got, sizeof(got)), 4);
	ck_assert_str_eq(got, "keep");
	ck_assert_int_eq(access(path, F_OK), -1);
	remove_dir();
}
END_TEST

START_TEST(rename_over_directory_fails_and_cleans_up)
{
	char path[128];
	struct ca_err err = { 0 };

	make_dir();
	snprintf(path, sizeof(path), "%s/d", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(ca_file_write_atomic(path, "x", 1, 0600, 0, &err), CA_EIO);
	ck_assert_msg(strstr(ca_err_msg(&err), "Cannot rename") != NULL, "%s", ca_err_msg(&err));
	ck_assert_int_eq(entries_in_dir(), 1);
	remove_dir();
}
END_TEST

START_TEST(write_all_to_pipe_and_closed_fd)
{
	int p[2];
	char got[8] = { 0 };

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ca_write_all(p[1], "abc", 3), 0);
	ck_assert_int_eq(read(p[0], got, sizeof(got)), 3);
	ck_assert_str_eq(got, "abc");
	close(p[0]);
	close(p[1]);
	errno = 0;
	ck_assert_int_eq(ca_write_all(p[1], "abc", 3), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("fileio");

	tcase_add_test(tc, hex_digit_values);
	tcase_add_test(tc, write_replaces_and_leaves_no_temp);
	tcase_add_test(tc, exact_mode_ignores_umask);
	tcase_add_test(tc, missing_directory_is_eio);
	tcase_add_test(tc, symlinked_temp_is_not_followed);
	tcase_add_test(tc, rename_over_directory_fails_and_cleans_up);
	tcase_add_test(tc, write_all_to_pipe_and_closed_fd);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
