#include "storage/layout.h"

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

int ca_storage_relpath(const char *email, const char *filename, enum ca_image_kind kind,
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
	if (kind == CA_IMAGE_THUMB)
		ca_buf_adds(out, CA_STORAGE_THUMB_DIR "/");
	ca_buf_adds(out, filename);
	if (!ca_buf_ok(out))
		return ca_err_set(err, CA_ENOMEM, "Out of memory while building a storage name.");
	return CA_OK;
}
