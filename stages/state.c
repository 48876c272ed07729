#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/banned.h"

#define STATE_VERSION 1
#define LOCK_WAIT_STEPS 300     /* x 100 ms */

static char *path_join(const char *dir, const char *name)
{
	struct ca_buf b = CA_BUF_INIT;

	ca_buf_addf(&b, "%s/%s", dir, name);
	return ca_buf_detach(&b, NULL);
}

/* mkdir -p with mode 0700 for the parts it creates. */
static int make_dirs(const char *dir, struct ca_err *err)
{
	char *copy = ca_strdup(dir);
	char *p;
	int rc = CA_OK;

	if (!copy)
		return ca_err_set(err, CA_ENOMEM, "out of memory creating %s", dir);
	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			rc = ca_err_set(err, CA_EIO, "cannot create the state directory %s: %s",
					copy, strerror(errno));
			goto out;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
out:
	free(copy);
	return rc;
}

static int take_lock(struct stage_state *st, struct ca_err *err)
{
	char *lock_path = path_join(st->dir, "state.lock");
	int fd = -1, i, rc = CA_OK;

	if (!lock_path)
		return ca_err_set(err, CA_ENOMEM, "out of memory opening the state lock");
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = ca_err_set(err, CA_EIO, "cannot open %s: %s", lock_path, strerror(errno));
		goto out;
	}
	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; i++) {
		if (errno != EWOULDBLOCK || i >= LOCK_WAIT_STEPS) {
			rc = ca_err_set(err, CA_EIO,
					"another stage run holds %s; wait for it to finish", lock_path);
			goto out;
		}
		usleep(100 * 1000);
	}
	st->lock_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(lock_path);
	return rc;
}

static int check_document(struct stage_state *st, const char *target, struct ca_err *err)
{
	json_t *v = json_object_get(st->root, "version");
	json_t *t = json_object_get(st->root, "target");
	json_t *stages = json_object_get(st->root, "stages");

	if (!json_is_object(st->root) || !json_is_integer(v) || !json_is_object(stages))
		return ca_err_set(err, CA_STAGE_STATE,
				  "%s is not a stage state file (no version or stages); move it "
				  "away and re-run apply, which finds the resources again by name",
				  st->path);
	if (json_integer_value(v) != STATE_VERSION)
		return ca_err_set(err, CA_STAGE_STATE, "%s has version %lld, this toolkit reads %d",
				  st->path, (long long)json_integer_value(v), STATE_VERSION);
	if (!json_is_string(t) || strcmp(json_string_value(t), target) != 0)
		return ca_err_set(err, CA_STAGE_STATE,
				  "%s belongs to target '%s', not '%s'; use that target's directory",
				  st->path, json_is_string(t) ? json_string_value(t) : "?", target);
	return CA_OK;
}

static int load(struct stage_state *st, const char *target, struct ca_err *err)
{
	json_error_t jerr;
	struct stat sb;

	if (stat(st->path, &sb) != 0) {
		if (errno != ENOENT)
			return ca_err_set(err, CA_EIO, "cannot read %s: %s", st->path,
					  strerror(errno));
		st->root = json_pack("{s:i, s:s, s:{}}", "version", STATE_VERSION, "target", target,
				     "stages");
		return st->root ? CA_OK : ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > STAGE_STATE_MAX_BYTES)
		return ca_err_set(err, CA_STAGE_STATE,
				  "%s is not a regular file of at most %d bytes", st->path,
				  STAGE_STATE_MAX_BYTES);
	st->root = json_load_file(st->path, JSON_REJECT_DUPLICATES, &jerr);
	if (!st->root)
		return ca_err_set(err, CA_STAGE_STATE,
				  "%s:%d: the state file is not valid JSON (%s); move it away and "
				  "re-run apply, which finds the resources again by name",
				  st->path, jerr.line, jerr.text);
	return check_document(st, target, err);
}

int stage_state_open(struct stage_state *st, const char *dir, const char *target,
		     struct ca_err *err)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	st->dir = ca_strdup(dir);
	st->path = path_join(dir, "state.json");
	if (!st->dir || !st->path) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory opening the state");
		goto fail;
	}
	if ((rc = make_dirs(dir, err)) || (rc = take_lock(st, err)) || (rc = load(st, target, err)))
		goto fail;
	return CA_OK;
fail:
	stage_state_release(st);
	return rc;
}

/* Writes data to path atomically, with exactly mode. */
static int write_atomic_mode(const char *path, const char *data, size_t len, unsigned mode,
			     struct ca_err *err)
{
	return ca_file_write_atomic(path, data, len, (mode_t)mode, CA_FILE_EXACT_MODE, err);
}

static int write_atomic(const char *path, const char *data, size_t len, struct ca_err *err)
{
	return write_atomic_mode(path, data, len, 0600, err);
}

int stage_file_write_atomic(const char *path, const char *data, size_t len, unsigned mode,
			    struct ca_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? ca_strndup(path, (size_t)(slash - path)) : ca_strdup(".");
	int rc;

	if (!dir)
		return ca_err_set(err, CA_ENOMEM, "out of memory writing %s", path);
	rc = *dir ? make_dirs(dir, err) : CA_OK;
	if (rc == CA_OK)
		rc = write_atomic_mode(path, data, len, mode, err);
	free(dir);
	return rc;
}

int stage_state_save(struct stage_state *st, struct ca_err *err)
{
	char *text = json_dumps(st->root, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return ca_err_set(err, CA_ENOMEM, "out of memory writing %s", st->path);
	rc = write_atomic(st->path, text, strlen(text), err);
	free(text);
	return rc;
}

void stage_state_release(struct stage_state *st)
{
	if (!st)
		return;
	if (st->lock_fd >= 0)
		close(st->lock_fd);     /* closing drops the flock */
	json_decref(st->root);
	free(st->dir);
	free(st->path);
	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
}

static void stamp(json_t *stage)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(stage, "updated", json_string(when));
}

json_t *stage_state_stage(struct stage_state *st, int n, const char *name, bool create)
{
	json_t *stages = json_object_get(st->root, "stages");
	json_t *s;
	char key[16];

	snprintf(key, sizeof(key), "%d", n);
	s = json_object_get(stages, key);
	if (json_is_object(s) || !create)
		return json_is_object(s) ? s : NULL;
	s = json_pack("{s:s, s:[], s:{}}", "name", name ? name : "", "resources", "outputs");
	if (!s || json_object_set_new(stages, key, s) != 0)
		return NULL;
	return s;
}

static json_t *resources_of(struct stage_state *st, int n, const char *stage_name, bool create)
{
	json_t *s = stage_state_stage(st, n, stage_name, create);
	json_t *r = json_object_get(s, "resources");

	if (s && !json_is_array(r) && create) {
		r = json_array();
		if (!r || json_object_set_new(s, "resources", r) != 0)
			return NULL;
	}
	return json_is_array(r) ? r : NULL;
}

static ssize_t find_resource(json_t *arr, const char *kind, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(arr, i, r) {
		const char *k = json_string_value(json_object_get(r, "kind"));
		const char *nm = json_string_value(json_object_get(r, "name"));
		if (k && nm && !strcmp(k, kind) && !strcmp(nm, name))
			return (ssize_t)i;
	}
	return -1;
}

int stage_state_add_resource(struct stage_state *st, int n, const char *stage_name,
			     const char *kind, const char *name, const char *id,
			     struct ca_err *err)
{
	json_t *arr = resources_of(st, n, stage_name, true);
	json_t *r;
	ssize_t at;

	if (!arr)
		return ca_err_set(err, CA_ENOMEM, "out of memory recording %s %s", kind, name);
	r = json_pack("{s:s, s:s, s:s?}", "kind", kind, "name", name, "id", id);
	if (!r)
		return ca_err_set(err, CA_ENOMEM, "out of memory recording %s %s", kind, name);
	at = find_resource(arr, kind, name);
	if ((at >= 0 ? json_array_set_new(arr, (size_t)at, r) : json_array_append_new(arr, r)) != 0)
		return ca_err_set(err, CA_ENOMEM, "out of memory recording %s %s", kind, name);
	stamp(stage_state_stage(st, n, stage_name, false));
	return CA_OK;
}

void stage_state_remove_resource(struct stage_state *st, int n, const char *kind,
				 const char *name)
{
	json_t *arr = resources_of(st, n, NULL, false);
	ssize_t at = arr ? find_resource(arr, kind, name) : -1;

	if (at >= 0)
		json_array_remove(arr, (size_t)at);
}

size_t stage_state_resource_count(struct stage_state *st, int n)
{
	return json_array_size(resources_of(st, n, NULL, false));
}

int stage_state_set_output(struct stage_state *st, int n, const char *stage_name,
			   const char *name, const char *value, const char *serve_key,
			   bool secret, struct ca_err *err)
{
	json_t *s = stage_state_stage(st, n, stage_name, true);
	json_t *outputs = json_object_get(s, "outputs");
	json_t *o;

	if (s && !json_is_object(outputs)) {
		outputs = json_object();
		if (!outputs || json_object_set_new(s, "outputs", outputs) != 0)
			outputs = NULL;
	}
	o = json_pack("{s:s, s:s?, s:b}", "value", value ? value : "", "serve_key", serve_key,
		      "secret", secret);
	if (!outputs || !o || json_object_set_new(outputs, name, o) != 0)
		return ca_err_set(err, CA_ENOMEM, "out of memory recording output %s", name);
	stamp(s);
	return CA_OK;
}

const char *stage_state_output(struct stage_state *st, int n, const char *name)
{
	json_t *s = stage_state_stage(st, n, NULL, false);

	return json_string_value(
		json_object_get(json_object_get(json_object_get(s, "outputs"), name), "value"));
}

void stage_state_drop_stage(struct stage_state *st, int n)
{
	char key[16];

	snprintf(key, sizeof(key), "%d", n);
	json_object_del(json_object_get(st->root, "stages"), key);
}

#define SECRET_BYTES 32

static int read_secret(const char *path, char **out, struct ca_err *err)
{
	char buf[2 * SECRET_BYTES + 2];
	size_t n, i;
	FILE *f = fopen(path, "re");

	if (!f)
		return errno == ENOENT ? CA_ENOTFOUND
				       : ca_err_set(err, CA_EIO, "cannot read %s: %s", path,
						    strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (i = 0; i < n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
			break;
	if (n != 2 * SECRET_BYTES || i != n)
		return ca_err_set(err, CA_STAGE_STATE,
				  "%s does not hold a session secret (64 hex digits); delete it "
				  "to have a new one made", path);
	*out = ca_strdup(buf);
	memset(buf, 0, sizeof(buf));
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "out of memory");
}

int stage_state_session_secret(const struct stage_state *st, char **out, struct ca_err *err)
{
	uint8_t raw[SECRET_BYTES];
	char hex[2 * SECRET_BYTES + 2];
	char *path = path_join(st->dir, "session_secret");
	int rc;

	*out = NULL;
	if (!path)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = read_secret(path, out, err);
	if (rc != CA_ENOTFOUND)
		goto out;
	if ((rc = ca_random_bytes(raw, sizeof(raw))) != CA_OK) {
		rc = ca_err_set(err, CA_EIO, "cannot read random bytes for the session secret");
		goto out;
	}
	ca_hex_encode(raw, sizeof(raw), hex);
	hex[2 * SECRET_BYTES] = '\n';
	hex[2 * SECRET_BYTES + 1] = '\0';
	rc = write_atomic(path, hex, strlen(hex), err);
	hex[2 * SECRET_BYTES] = '\0';
	if (rc == CA_OK) {
		*out = ca_strdup(hex);
		if (!*out)
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
	}
out:
	memset(raw, 0, sizeof(raw));
	memset(hex, 0, sizeof(hex));
	free(path);
	return rc;
}
