#include "aws/ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/array.h"
#include "util/banned.h"

/* Bounds the work a hostile file can cause: lookups are linear. */
#define AWS_INI_MAX_ENTRIES 4096

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [*s, *e) trimmed of blanks on both sides. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

/* Cuts an inline comment: a blank followed by '#' or ';'. */
static const char *cut_comment(const char *s, const char *e)
{
	const char *p;

	for (p = s; p < e; p++)
		if ((*p == '#' || *p == ';') && p > s && is_blank(p[-1]))
			return p;
	return e;
}

static void wipe_free(char *s)
{
	ca_free_secret(s);
}

void aws_ini_release(struct aws_ini *ini)
{
	size_t i;

	if (!ini)
		return;
	for (i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		wipe_free(ini->entries[i].value);
	}
	free(ini->entries);
	for (i = 0; i < ini->n_sections; i++)
		free(ini->sections[i]);
	free(ini->sections);
	free(ini->path);
	memset(ini, 0, sizeof(*ini));
}

bool aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->n_sections; i++)
		if (!strcmp(ini->sections[i], section))
			return true;
	return false;
}

const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key,
			int *line)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		const struct aws_ini_entry *e = &ini->entries[i];

		if (!strcmp(e->section, section) && !strcasecmp(e->key, key)) {
			if (line)
				*line = e->line;
			return e->value;
		}
	}
	return NULL;
}

/* A section name with outer blanks trimmed and inner runs of blanks made one space. */
static char *normalize_section(const char *s, const char *e)
{
	struct ca_buf b = CA_BUF_INIT;
	bool in_blank = false;

	trim(&s, &e);
	for (; s < e; s++) {
		if (is_blank(*s)) {
			in_blank = true;
			continue;
		}
		if (in_blank)
			ca_buf_addch(&b, ' ');
		in_blank = false;
		ca_buf_addch(&b, *s);
	}
	return ca_buf_detach(&b, NULL);
}

/* Records a section name (owned on success and on failure) and returns the stored
 * copy in *stored: the new one, or the earlier one of the same name. */
static int add_section(struct aws_ini *ini, char *name, const char **stored)
{
	size_t i;

	for (i = 0; i < ini->n_sections; i++) {
		if (!strcmp(ini->sections[i], name)) {
			free(name);
			*stored = ini->sections[i];
			return CA_OK;
		}
	}
	if (CA_ARRAY_RESERVE(ini->sections, ini->n_sections, &ini->cap_sections, 8)) {
		free(name);
		return CA_ENOMEM;
	}
	ini->sections[ini->n_sections++] = name;
	*stored = name;
	return CA_OK;
}

/* Takes ownership of key and value. */
static int set_entry(struct aws_ini *ini, const char *section, char *key, char *value, int line)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		struct aws_ini_entry *e = &ini->entries[i];

		if (!strcmp(e->section, section) && !strcasecmp(e->key, key)) {
			free(key);
			wipe_free(e->value);
			e->value = value;
			e->line = line;
			return CA_OK;
		}
	}
	if (CA_ARRAY_RESERVE(ini->entries, ini->n, &ini->cap, 16))
		goto nomem;
	ini->entries[ini->n].section = ca_strdup(section);
	if (!ini->entries[ini->n].section)
		goto nomem;
	ini->entries[ini->n].key = key;
	ini->entries[ini->n].value = value;
	ini->entries[ini->n].line = line;
	ini->n++;
	return CA_OK;
nomem:
	free(key);
	wipe_free(value);
	return CA_ENOMEM;
}

struct parse_state {
	struct aws_ini *ini;
	const char *name;
	const char *section;    /* the open section (points into ini->sections) */
	bool have_key;          /* a key line was seen in this section: indented lines continue it */
	size_t key_indent;
	int line;
	struct ca_err *err;
};

static int parse_section_line(struct parse_state *st, const char *s, const char *e)
{
	const char *close = memchr(s, ']', (size_t)(e - s));
	const char *rest;
	char *name;
	int rc;

	if (!close)
		return ca_err_set(st->err, CA_EPARSE,
				  "%s line %d: section header has no closing ']'", st->name, st->line);
	rest = close + 1;
	trim(&rest, &e);
	if (rest < e && *rest != '#' && *rest != ';')
		return ca_err_set(st->err, CA_EPARSE,
				  "%s line %d: unexpected text after the section header's ']'",
				  st->name, st->line);
	if (memchr(s + 1, '[', (size_t)(close - s - 1)))
		return ca_err_set(st->err, CA_EPARSE,
				  "%s line %d: section header contains a second '['", st->name, st->line);
	name = normalize_section(s + 1, close);
	if (!name)
		return ca_err_set(st->err, CA_ENOMEM, "out of memory reading %s", st->name);
	if (!*name) {
		free(name);
		return ca_err_set(st->err, CA_EPARSE, "%s line %d: section name is empty",
				  st->name, st->line);
	}
	if (st->ini->n_sections >= AWS_INI_MAX_ENTRIES) {
		free(name);
		return ca_err_set(st->err, CA_ERANGE, "%s line %d: more than %d sections",
				  st->name, st->line, AWS_INI_MAX_ENTRIES);
	}
	rc = add_section(st->ini, name, &st->section);
	if (rc)
		return ca_err_set(st->err, rc, "out of memory reading %s", st->name);
	st->have_key = false;
	return CA_OK;
}

static int parse_key_line(struct parse_state *st, const char *s, const char *e, size_t indent)
{
	const char *eq = s, *ks, *ke, *vs, *ve;
	char *key = NULL, *value = NULL;
	int rc;

	while (eq < e && *eq != '=' && *eq != ':')
		eq++;
	if (eq == e)
		return ca_err_set(st->err, CA_EPARSE,
				  "%s line %d: expected \"key = value\" or a [section] header",
				  st->name, st->line);
	ks = s;
	ke = eq;
	trim(&ks, &ke);
	if (ks == ke)
		return ca_err_set(st->err, CA_EPARSE, "%s line %d: the key before '%c' is empty",
				  st->name, st->line, *eq);
	if (!st->section)
		return ca_err_set(st->err, CA_EPARSE,
				  "%s line %d: \"%.*s\" comes before any [section] header",
				  st->name, st->line, (int)(ke - ks > 64 ? 64 : ke - ks), ks);
	if (st->ini->n >= AWS_INI_MAX_ENTRIES)
		return ca_err_set(st->err, CA_ERANGE, "%s line %d: more than %d keys",
				  st->name, st->line, AWS_INI_MAX_ENTRIES);
	vs = eq + 1;
	ve = e;
	trim(&vs, &ve);
	ve = cut_comment(vs, ve);
	trim(&vs, &ve);
	key = ca_strndup(ks, (size_t)(ke - ks));
	value = ca_strndup(vs, (size_t)(ve - vs));
	if (!key || !value) {
		free(key);
		wipe_free(value);
		return ca_err_set(st->err, CA_ENOMEM, "out of memory reading %s", st->name);
	}
	rc = set_entry(st->ini, st->section, key, value, st->line);
	if (rc)
		return ca_err_set(st->err, rc, "out of memory reading %s", st->name);
	st->have_key = true;
	st->key_indent = indent;
	return CA_OK;
}

static int parse_line(struct parse_state *st, const char *s, const char *e)
{
	const char *t = s;
	size_t indent;

	while (t < e && is_blank(*t))
		t++;
	indent = (size_t)(t - s);
	if (t == e || *t == '#' || *t == ';')
		return CA_OK;
	if (indent > 0 && st->have_key && indent > st->key_indent)
		return CA_OK; /* continuation of the previous key: nested settings we do not use */
	if (*t == '[')
		return parse_section_line(st, t, e);
	return parse_key_line(st, t, e, indent);
}

int aws_ini_parse(struct aws_ini *ini, const char *text, size_t len, const char *name,
		  struct ca_err *err)
{
	struct parse_state st = { 0 };
	const char *p = text, *end = text + len;
	int rc = CA_OK;

	aws_ini_release(ini);
	if (!name)
		name = "the file";
	st.ini = ini;
	st.name = name;
	st.err = err;
	if (len > AWS_INI_MAX_FILE) {
		rc = ca_err_set(err, CA_ERANGE, "%s is larger than %d bytes; it cannot be an AWS "
				"credentials or config file", name, AWS_INI_MAX_FILE);
		goto out;
	}
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		st.line++;
		if (memchr(p, '\0', (size_t)(le - p))) {
			rc = ca_err_set(err, CA_EPARSE, "%s line %d: contains a NUL byte; is it a "
					"binary file?", name, st.line);
			goto out;
		}
		if (le - p > AWS_INI_MAX_LINE) {
			rc = ca_err_set(err, CA_ERANGE, "%s line %d: line is longer than %d bytes",
					name, st.line, AWS_INI_MAX_LINE);
			goto out;
		}
		if (le > p && le[-1] == '\r')
			rc = parse_line(&st, p, le - 1);
		else
			rc = parse_line(&st, p, le);
		if (rc)
			goto out;
		p = nl ? nl + 1 : end;
	}
	ini->path = ca_strdup(name);
	if (!ini->path)
		rc = ca_err_set(err, CA_ENOMEM, "out of memory reading %s", name);
out:
	if (rc)
		aws_ini_release(ini);
	return rc;
}

int aws_ini_load(struct aws_ini *ini, const char *path, bool *missing, struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	struct stat stbuf;
	char chunk[16384];
	int fd = -1, rc = CA_OK;

	aws_ini_release(ini);
	if (missing)
		*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			if (missing)
				*missing = true;
			goto out;
		}
		rc = ca_err_set(err, CA_EIO, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &stbuf) == 0 && !S_ISREG(stbuf.st_mode)) {
		rc = ca_err_set(err, CA_EIO, "%s is not a regular file", path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ca_err_set(err, CA_EIO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > AWS_INI_MAX_FILE) {
			rc = ca_err_set(err, CA_ERANGE, "%s is larger than %d bytes; it cannot be an "
					"AWS credentials or config file", path, AWS_INI_MAX_FILE);
			goto out;
		}
		if (ca_buf_add(&b, chunk, (size_t)n)) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory reading %s", path);
			goto out;
		}
	}
	rc = aws_ini_parse(ini, b.data, b.len, path, err);
out:
	if (fd >= 0)
		close(fd);
	if (b.cap)
		OPENSSL_cleanse(b.data, b.cap);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	ca_buf_release(&b);
	return rc;
}
