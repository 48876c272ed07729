#include "storage/layout.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int ca_storage_norm_email(const char *email, struct ca_buf *out, struct ca_err *err)
{
	size_t len, i;

	if (!email || !*email)
		return ca_err_set(err, CA_STORAGE_BAD_NAME, "The user's email address is empty.");
	len = strnlen(email, CA_STORAGE_MAX_EMAIL + 1);
	if (len > CA_STORAGE_MAX_EMAIL)
		return ca_err_set(err, CA_STORAGE_BAD_NAME,
				  "The user's email address is longer than %d bytes.",
				  CA_STORAGE_MAX_EMAIL);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)email[i];

		if (c == '/' || c == '\\' || is_control(c))
			return ca_err_set(err, CA_STORAGE_BAD_NAME,
					  "The user's email address holds a character not allowed in a storage name ('/', '\\' or a control character).");
	}
	for (i = 0; i < len; i++) {
		if (email[i] == '@')
			ca_buf_adds(out, "_at_");
		else if (email[i] == '.')
			ca_buf_adds(out, "_dot_");
		else
			ca_buf_addch(out, email[i]);
	}
	if (!ca_buf_ok(out))
		return ca_err_set(err, CA_ENOMEM, "Out of memory while building a storage name.");
	return CA_OK;
}

int ca_storage_check_name(const char *filename, struct ca_err *err)
{
	size_t len, i;

	if (!filename || !*filename)
		return ca_err_set(err, CA_STORAGE_BAD_NAME, "The image file name is empty.");
	len = strnlen(filename, CA_STORAGE_MAX_FILENAME + 1);
	if (len > CA_STORAGE_MAX_FILENAME)
		return ca_err_set(err, CA_STORAGE_BAD_NAME,
				  "The image file name is longer than %d bytes.", CA_STORAGE_MAX_FILENAME);
	if (filename[0] == '.')
		return ca_err_set(err, CA_STORAGE_BAD_NAME,
				  "The image file name starts with '.', which is never an image the application wrote.");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)filename[i];

		if (c == '/' || c == '\\' || is_control(c))
			return ca_err_set(err, CA_STORAGE_BAD_NAME,
					  "The image file name holds '/', '\\' or a control character.");
	}
	return CA_OK;
}

static bool is_hex_run(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static bool is_uuid(const char *s, size_t n)
{
	static const size_t groups[] = { 8, 4, 4, 4, 12 };
	size_t g, pos = 0;

	if (n == 32)
		return is_hex_run(s, 32);
	if (n != 36)
		return false;
	for (g = 0; g < 5; g++) {
		if (!is_hex_run(s + pos, groups[g]))
			return false;
		pos += groups[g];
		if (g < 4 && s[pos++] != '-')
			return false;
	}
	return true;
}

int ca_storage_check_new_name(const char *filename, struct ca_err *err)
{
	const char *dot;
	int rc;

	rc = ca_storage_check_name(filename, err);
	if (rc)
		return rc;
	dot = strchr(filename, '.');
	if (!dot || !is_uuid(filename, (size_t)(dot - filename)) ||
	    (strcasecmp(dot + 1, "jpg") != 0 && strcasecmp(dot + 1, "jpeg") != 0))
		return ca_err_set(err, CA_STORAGE_BAD_NAME,
				  "A new image must be named <uuid>.jpg or <uuid>.jpeg.");
	return CA_OK;
}

/* "<norm(email)>/[<dir>/]<filename>" after the checks on both names (layout.h). */
static int relpath_in(const char *email, const char *filename, const char *dir,
		      struct ca_buf *out, struct ca_err *err)
{
	int rc;

	rc = ca_storage_check_name(filename, err);
	if (rc)
		return rc;
	rc = ca_storage_norm_email(email, out, err);
	if (rc)
		return rc;
	ca_buf_addch(out, '/');
	if (dir)
		ca_buf_addf(out, "%s/", dir);
	ca_buf_adds(out, filename);
	if (!ca_buf_ok(out))
		return ca_err_set(err, CA_ENOMEM, "Out of memory while building a storage name.");
	return CA_OK;
}

int ca_storage_relpath(const char *email, const char *filename, enum ca_image_kind kind,
		       struct ca_buf *out, struct ca_err *err)
{
	const char *dir = kind == CA_IMAGE_THUMB  ? CA_STORAGE_THUMB_DIR
			  : kind == CA_IMAGE_GRID ? CA_STORAGE_GRID_DIR
						  : NULL;

	return relpath_in(email, filename, dir, out, err);
}

int ca_storage_old_thumb_relpath(const char *email, const char *filename, struct ca_buf *out,
				 struct ca_err *err)
{
	return relpath_in(email, filename, CA_STORAGE_THUMB_DIR_OLD, out, err);
}

bool ca_storage_folders_collide(const char *a, const char *b)
{
	struct ca_buf na = CA_BUF_INIT, nb = CA_BUF_INIT;
	bool same;

	if (!a || !b || strcmp(a, b) == 0)
		return false;
	same = ca_storage_norm_email(a, &na, NULL) == CA_OK &&
	       ca_storage_norm_email(b, &nb, NULL) == CA_OK && strcmp(na.data, nb.data) == 0;
	ca_buf_release(&na);
	ca_buf_release(&nb);
	return same;
}

void ca_storage_aliases_free(char **aliases, size_t n)
{
	size_t i;

	for (i = 0; aliases && i < n; i++)
		free(aliases[i]);
	free(aliases);
}

struct alias_walk {
	const char *norm;       /* the folder name */
	const char *email;      /* excluded from the result */
	char *cur;              /* the string being built (room for strlen(norm) + 1) */
	size_t max, n, cap;
	size_t leaves;          /* readings tried, '@' or not: bounded too */
	char **out;
	bool oom, over;
};

/* Every way to read norm[i..] back: "_at_" as '@' (at most once) or as itself, "_dot_" as '.' or itself. */
static void walk(struct alias_walk *w, size_t i, size_t len, bool have_at)
{
	const char *rest = w->norm + i;

	if (w->oom || w->over)
		return;
	if (!*rest) {
		w->cur[len] = '\0';
		if (++w->leaves > 8 * w->max + 8) {
			w->over = true;
			return;
		}
		if (!have_at || strcmp(w->cur, w->email) == 0)
			return;
		if (w->n == w->max) {
			w->over = true;
			return;
		}
		if (w->n == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 8;
			char **grown = realloc(w->out, cap * sizeof(*grown));

			if (!grown) {
				w->oom = true;
				return;
			}
			w->out = grown;
			w->cap = cap;
		}
		w->out[w->n] = strdup(w->cur);
		if (!w->out[w->n]) {
			w->oom = true;
			return;
		}
		w->n++;
		return;
	}
	if (!have_at && strncmp(rest, "_at_", 4) == 0) {
		w->cur[len] = '@';
		walk(w, i + 4, len + 1, true);
	}
	if (strncmp(rest, "_dot_", 5) == 0) {
		w->cur[len] = '.';
		walk(w, i + 5, len + 1, have_at);
	}
	w->cur[len] = *rest;
	walk(w, i + 1, len + 1, have_at);
}

int ca_storage_folder_aliases(const char *email, size_t max, char ***out, size_t *n,
			      struct ca_err *err)
{
	struct ca_buf norm = CA_BUF_INIT;
	struct alias_walk w;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&w, 0, sizeof(w));
	rc = ca_storage_norm_email(email, &norm, err);
	if (rc != CA_OK)
		goto out;
	w.norm = norm.data;
	w.email = email;
	w.max = max;
	w.cur = malloc(norm.len + 1);
	if (!w.cur) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing folder aliases.");
		goto out;
	}
	walk(&w, 0, 0, false);
	if (w.oom)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory listing folder aliases.");
	else if (w.over)
		rc = ca_err_set(err, CA_ERANGE, "More than %zu addresses share this address's "
				"storage folder name.", max);
	if (rc != CA_OK) {
		ca_storage_aliases_free(w.out, w.n);
		goto out;
	}
	*out = w.out;
	*n = w.n;
out:
	free(w.cur);
	ca_buf_release(&norm);
	return rc;
}
