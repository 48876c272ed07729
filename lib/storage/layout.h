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
#define CA_STORAGE_GRID_DIR "grid"   /* the album grid's images (ours; the seed has none) */

/*
 * Which of a photo's images: the original, the seed's thumbnail (300x200 box), and
 * the album grid's image (bounded height, docs/CONTRACTS.md "Grid images"), at
 * <norm(email)>/grid/<filename>.
 */
enum ca_image_kind {
	CA_IMAGE_ORIGINAL = 0,
	CA_IMAGE_THUMB = 1,
	CA_IMAGE_GRID = 2,
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
 * Appends the relative location of an image to out: "<norm(email)>/<filename>",
 * "<norm(email)>/thumbnails/<filename>" or "<norm(email)>/grid/<filename>", after checking both names as
 * ca_storage_norm_email() and ca_storage_check_name() do. On a bad name out is
 * unchanged; on CA_ENOMEM it is marked failed.
 */
int ca_storage_relpath(const char *email, const char *filename, enum ca_image_kind kind,
		       struct ca_buf *out, struct ca_err *err);

/*
 * The same for the seed's other thumbnail folder: "<norm(email)>/thumbnail/<filename>"
 * (read and deleted where a few legacy code paths put thumbnails; never written).
 */
int ca_storage_old_thumb_relpath(const char *email, const char *filename, struct ca_buf *out,
				 struct ca_err *err);

/*
 * Folder collisions. norm() is not one-to-one: "a_at_b@x.io" and "a@b_at_x.io"
 * both become "a_at_b_at_x_dot_io", so two accounts could share one folder (and
 * one S3 prefix). The legacy naming stays (legacy data is where it is); what
 * must not happen is a second account taking a folder another account already
 * has. These let a caller find out: the app at sign-up (which then refuses the
 * new address, see docs/LAB02.md), the migrator over the legacy users.
 */

/* true when a and b are different emails whose folders are the same (norm(a) == norm(b)). */
bool ca_storage_folders_collide(const char *a, const char *b);

/*
 * The other emails with email's folder: every string with exactly one '@' whose
 * norm() is norm(email), except email itself, into *out (a malloc'd array of
 * *n malloc'd strings; free with ca_storage_aliases_free). Only such strings can
 * collide with email as accounts, so looking each up says whether the folder is
 * taken. CA_ERANGE (nothing in *out) when there are more than max (a crafted
 * address full of "_dot_"s); CA_STORAGE_BAD_NAME for an email norm() refuses;
 * CA_ENOMEM.
 */
int ca_storage_folder_aliases(const char *email, size_t max, char ***out, size_t *n,
			      struct ca_err *err);

/* Frees what ca_storage_folder_aliases() made. NULL is accepted. */
void ca_storage_aliases_free(char **aliases, size_t n);

#endif
