/*
 * text_file.h — for unit tests that lay out files on disk: write_text_file() writes a
 * string to a path (created or truncated) and fails the test when it cannot open it.
 * Static inline: include it where needed.
 */
#ifndef CA_TESTS_TEXT_FILE_H
#define CA_TESTS_TEXT_FILE_H

#include <stdio.h>

#include "check_ca.h"

static inline void write_text_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

#endif
