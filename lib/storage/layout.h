/*
 * layout.h — the legacy naming rules shared by every storage backend.
 *
 * Originals live at <norm(email)>/<filename>, thumbnails at
 * <norm(email)>/thumbnails/<filename> (the seed sometimes wrote thumbnail/, which
 * readers also try). On disk these are under UPLOAD_FOLDER; in S3 under
 * "photos/". norm(email) replaces '@' with "_at_" and '.' with "_dot_".
 *
 * Names come from users and old databases, so each is checked before it is used
 * to build a path or key: nothing may name a parent, a sibling user, a hidden
 * file or anything outside the root.
 */
#ifndef CA_STORAGE_LAYOUT_H
#define CA_STORAGE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define CA_STORAGE_MAX_EMAIL 254     /* RFC 5321's path limit */
#define CA_STORAGE_MAX_FILENAME 255  /* one path component on Linux */
#define CA_STORAGE_THUMB_DIR "thumbnails"
#define CA_STORAGE_THUMB_DIR_OLD "thumbnail"

/* Which of a photo's two images. */
enum ca_image_kind {
	CA_IMAGE_ORIGINAL = 0,
	CA_IMAGE_THUMB = 1,
};

/*
 * Appends norm(email) to out. CA_STORAGE_BAD_NAME (out unchanged) when email is
 * empty, longer than CA_STORAGE_MAX_EMAIL, or holds '/', '\\' or a control
 * character; CA_ENOMEM when out cannot grow (out is then marked failed).
 */
int ca_storage_norm_email(const char *email, struct ca_buf *out, struct ca_err *err);

/*
 * Checks a filename for reading or deleting: one path component of 1..255
 * bytes, not starting with '.', without '/', '\\' or control characters.
 * CA_OK or CA_STORAGE_BAD_NAME. Accepts whatever the seed application wrote.
 */
int ca_storage_check_name(const char *filename, struct ca_err *err);

/*
 * Checks a filename for writing: what the legacy application writes,
 * <uuid>.<ext> where uuid is 8-4-4-4-12 hex digits (or the same 32 digits without
 * dashes) and ext is jpg or jpeg (any case). CA_OK or CA_STORAGE_BAD_NAME.
 */
int ca_storage_check_new_name(const char *filename, struct ca_err *err);

/*
 * Appends the relative location of an image to out: "<norm(email)>/<filename>"
 * or "<norm(email)>/thumbnails/<filename>", after checking both names as
 * ca_storage_norm_email() and ca_storage_check_name() do. On a bad name out is
 * unchanged; on CA_ENOMEM it is marked failed.
 */
int ca_storage_relpath(const char *email, const char *filename, enum ca_image_kind kind,
		       struct ca_buf *out, struct ca_err *err);

#endif
