/* migrate_state.c — the state file: the legacy user -> target id mapping (migrate_state.h). */
#include "migrate_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/strutil.h"

#include "util/banned.h"

#define HEADER "cloudalbum-migrate state 1"
#define LINE_MAX_LEN 512

void mig_state_init(struct mig_state *s)
{
	memset(s, 0, sizeof(*s));
}

void mig_state_release(struct mig_state *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->entries[i].target_id);
	free(s->entries);
	free(s->pool_id);
	mig_state_init(s);
}

static bool good_token(const char *t, size_t max)
{
	size_t i, n = strlen(t);

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f)
			return false;
	return true;
}

/* Index of the first entry with legacy_id >= id. */
static size_t lower_bound(const struct mig_state *s, long id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->entries[mid].legacy_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *mig_state_find(const struct mig_state *s, long legacy_id)
{
	size_t i = lower_bound(s, legacy_id);

	return i < s->n && s->entries[i].legacy_id == legacy_id ? s->entries[i].target_id : NULL;
}

int mig_state_set(struct mig_state *s, long legacy_id, const char *target_id,
		  struct ca_err *err)
{
	size_t i = lower_bound(s, legacy_id);
	char *copy;

	if (!target_id || !good_token(target_id, MIG_STATE_ID_MAX))
		return ca_err_set(err, CA_EINVAL,
				  "The id for legacy user %ld must be 1 to %d printable characters without blanks.",
				  legacy_id, MIG_STATE_ID_MAX);
	if (i < s->n && s->entries[i].legacy_id == legacy_id) {
		if (strcmp(s->entries[i].target_id, target_id) == 0)
			return CA_OK;
		return ca_err_set(err, CA_EINVAL,
				  "Legacy user %ld already has the id %s in the state file; it cannot become %s.",
				  legacy_id, s->entries[i].target_id, target_id);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct mig_state_entry *grown = realloc(s->entries, cap * sizeof(*grown));

		if (!grown)
			return ca_err_set(err, CA_ENOMEM, "Out of memory growing the migration state.");
		s->entries = grown;
		s->cap = cap;
	}
	copy = ca_strdup(target_id);
	if (!copy)
		return ca_err_set(err, CA_ENOMEM, "Out of memory growing the migration state.");
	memmove(&s->entries[i + 1], &s->entries[i], (s->n - i) * sizeof(s->entries[0]));
	s->entries[i].legacy_id = legacy_id;
	s->entries[i].target_id = copy;
	s->n++;
	return CA_OK;
}

int mig_state_replace(struct mig_state *s, long legacy_id, const char *target_id,
		      struct ca_err *err)
{
	size_t i = lower_bound(s, legacy_id);
	char *copy;

	if (i >= s->n || s->entries[i].legacy_id != legacy_id)
		return mig_state_set(s, legacy_id, target_id, err);
	if (!target_id || !good_token(target_id, MIG_STATE_ID_MAX))
		return mig_state_set(s, legacy_id, target_id, err); /* its sentence */
	copy = ca_strdup(target_id);
	if (!copy)
		return ca_err_set(err, CA_ENOMEM, "Out of memory growing the migration state.");
	free(s->entries[i].target_id);
	s->entries[i].target_id = copy;
	return CA_OK;
}

/* Splits line into at most 4 blank-separated words (line is modified). */
static size_t split_words(char *line, char *words[4])
{
	size_t n = 0;
	char *p = line;

	while (*p && n < 4) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	while (*p == ' ')
		p++;
	return *p ? 5 : n; /* 5: more words than any line has */
}

static int parse_line(struct mig_state *s, char *line, size_t lineno, bool *have_owner,
		      struct ca_err *err)
{
	char *w[4] = { NULL, NULL, NULL, NULL };
	size_t n = split_words(line, w);
	long legacy;

	if (n == 0)
		return CA_OK;
	if (!strcmp(w[0], "owner") && !*have_owner) {
		if (n == 2 && !strcmp(w[1], "uuid")) {
			*have_owner = true;
			return CA_OK;
		}
		if (n == 3 && !strcmp(w[1], "cognito") && good_token(w[2], MIG_STATE_POOL_MAX)) {
			s->cognito = true;
			s->pool_id = ca_strdup(w[2]);
			*have_owner = true;
			return s->pool_id ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
		}
	} else if (!strcmp(w[0], "user") && *have_owner && n == 3) {
		if (w[1][0] < '0' || w[1][0] > '9' || !ca_parse_long(w[1], 1, 2147483647L, &legacy))
			return ca_err_set(err, CA_MIGRATE_STATE,
					  "Line %zu of the state file has a malformed legacy user id.", lineno);
		if (mig_state_find(s, legacy))
			return ca_err_set(err, CA_MIGRATE_STATE,
					  "Line %zu of the state file repeats legacy user %ld.", lineno, legacy);
		if (mig_state_set(s, legacy, w[2], NULL) != CA_OK)
			return ca_err_set(err, CA_MIGRATE_STATE,
					  "Line %zu of the state file has a malformed target id.", lineno);
		return CA_OK;
	}
	return ca_err_set(err, CA_MIGRATE_STATE,
			  "Line %zu of the state file is not understood; it should be written by cloudalbum-migrate only.",
			  lineno);
}

int mig_state_parse(const char *text, size_t len, struct mig_state *out, struct ca_err *err)
{
	char line[LINE_MAX_LEN + 1];
	size_t pos = 0, lineno = 0;
	bool have_owner = false;
	int rc = CA_OK;

	mig_state_init(out);
	if (len > MIG_STATE_MAX_BYTES)
		return ca_err_set(err, CA_MIGRATE_STATE, "The state file is larger than %u bytes.",
				  MIG_STATE_MAX_BYTES);
	while (pos < len && rc == CA_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (!nl)
			return ca_err_set(err, CA_MIGRATE_STATE,
					  "The state file's last line is cut short; it was not written by cloudalbum-migrate.");
		if (n > LINE_MAX_LEN || memchr(text + pos, '\0', n))
			return ca_err_set(err, CA_MIGRATE_STATE,
					  "Line %zu of the state file is too long or holds a NUL.", lineno);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		pos += n + 1;
		if (lineno == 1) {
			if (strcmp(line, HEADER) != 0)
				return ca_err_set(err, CA_MIGRATE_STATE,
						  "The state file does not start with \"" HEADER "\".");
			continue;
		}
		rc = parse_line(out, line, lineno, &have_owner, err);
	}
	if (rc == CA_OK && !have_owner)
		rc = ca_err_set(err, CA_MIGRATE_STATE, "The state file has no owner line.");
	return rc;
}

int mig_state_load(const char *path, struct mig_state *out, bool *existed, struct ca_err *err)
{
	struct ca_buf text = CA_BUF_INIT;
	char chunk[65536];
	FILE *f = NULL;
	size_t n;
	int rc = CA_OK;

	mig_state_init(out);
	*existed = false;
	f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return CA_OK;
		return ca_err_set(err, CA_EIO, "Cannot read the state file %s: %s.", path,
				  strerror(errno));
	}
	*existed = true;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (text.len + n > MIG_STATE_MAX_BYTES) {
			rc = ca_err_set(err, CA_MIGRATE_STATE, "The state file %s is larger than %u bytes.",
					path, MIG_STATE_MAX_BYTES);
			goto out;
		}
		if (ca_buf_add(&text, chunk, n) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory reading the state file.");
			goto out;
		}
	}
	if (ferror(f)) {
		rc = ca_err_set(err, CA_EIO, "Cannot read the state file %s.", path);
		goto out;
	}
	rc = mig_state_parse(text.data, text.len, out, err);
	if (rc != CA_OK)
		ca_err_prefix(err, "%s", path);
out:
	if (f)
		fclose(f);
	ca_buf_release(&text);
	return rc;
}

int mig_state_format(const struct mig_state *s, struct ca_buf *out)
{
	size_t i;

	ca_buf_adds(out, HEADER "\n");
	if (s->cognito)
		ca_buf_addf(out, "owner cognito %s\n", s->pool_id ? s->pool_id : "-");
	else
		ca_buf_adds(out, "owner uuid\n");
	for (i = 0; i < s->n; i++)
		ca_buf_addf(out, "user %ld %s\n", s->entries[i].legacy_id, s->entries[i].target_id);
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}

int mig_state_save(const char *path, const struct mig_state *s, struct ca_err *err)
{
	struct ca_buf text = CA_BUF_INIT;
	int rc;

	if (mig_state_format(s, &text) != CA_OK) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory writing the state file.");
		goto out;
	}
	rc = ca_file_write_atomic(path, text.data, text.len, 0600, 0, err);
out:
	ca_buf_release(&text);
	return rc;
}
