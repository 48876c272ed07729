/*
 * photo_compare.h — test helper: two struct ca_photo records are the same, field for
 * field (both backends' unit tests compare what create answers with what a read gives);
 * and a create that keeps only the new id.
 */
#ifndef CA_TEST_PHOTO_COMPARE_H
#define CA_TEST_PHOTO_COMPARE_H

#include <string.h>

#include "check_ca.h"
#include "db/db.h"

static inline void assert_same_text(const char *what, const char *a, const char *b)
{
	ck_assert_msg((!a && !b) || (a && b && strcmp(a, b) == 0), "%s: \"%s\" vs \"%s\"", what,
		      a ? a : "(null)", b ? b : "(null)");
}

static inline void assert_same_photo(const struct ca_photo *a, const struct ca_photo *b)
{
	assert_same_text("id", a->id, b->id);
	assert_same_text("user_id", a->user_id, b->user_id);
	assert_same_text("tags", a->tags, b->tags);
	assert_same_text("desc", a->desc, b->desc);
	assert_same_text("filename_orig", a->filename_orig, b->filename_orig);
	assert_same_text("filename", a->filename, b->filename);
	ck_assert_int_eq(a->filesize, b->filesize);
	ck_assert_int_eq(a->has_geotag, b->has_geotag);
	ck_assert_msg(a->geotag_lat == b->geotag_lat && a->geotag_lng == b->geotag_lng,
		      "geotag %.17g,%.17g vs %.17g,%.17g", a->geotag_lat, a->geotag_lng,
		      b->geotag_lat, b->geotag_lng);
	assert_same_text("upload_date", a->upload_date, b->upload_date);
	assert_same_text("taken_date", a->taken_date, b->taken_date);
	assert_same_text("make", a->make, b->make);
	assert_same_text("model", a->model, b->model);
	assert_same_text("width", a->width, b->width);
	assert_same_text("height", a->height, b->height);
	assert_same_text("city", a->city, b->city);
	assert_same_text("nation", a->nation, b->nation);
	assert_same_text("address", a->address, b->address);
}

/* ca_db_photo_create(), keeping only the new id (*id NULL on error; free it). */
static inline int create_photo_id(struct ca_db *db, const char *owner,
				  const struct ca_photo *p, char **id, struct ca_err *err)
{
	struct ca_photo stored;
	int rc = ca_db_photo_create(db, owner, NULL, p, &stored, err);

	*id = stored.id;
	stored.id = NULL;
	ca_photo_release(&stored);
	return rc;
}

#endif
