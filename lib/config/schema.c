#include "config/schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define PATH_MAX_LEN 512
#define SHOWN_MAX 48

struct filler {
	const struct ca_yaml_doc *doc;
	void *dest;
	struct ca_err *err;
};

static void *field(void *dest, const struct ca_cfg_key *k)
{
	return (char *)dest + k->offset;
}

int ca_cfg_choice_index(const char *const *choices, const char *s)
{
	int i;

	for (i = 0; choices && choices[i]; i++)
		if (strcmp(choices[i], s) == 0)
			return i;
	return -1;
}

void ca_strlist_release(struct ca_strlist *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

/* Sets every field of the table to its zero value, without freeing. */
static void clear_fields(const struct ca_cfg_key *table, void *dest)
{
	const struct ca_cfg_key *k;

	for (k = table; k->name; k++) {
		switch (k->type) {
		case CA_CFG_STRING:
		case CA_CFG_URL:
			*(char **)field(dest, k) = NULL;
			break;
		case CA_CFG_INT:
		case CA_CFG_DURATION:
			*(long *)field(dest, k) = 0;
			break;
		case CA_CFG_BOOL:
			*(bool *)field(dest, k) = false;
			break;
		case CA_CFG_ENUM:
			*(int *)field(dest, k) = -1;
			break;
		case CA_CFG_HOSTPORT:
			memset(field(dest, k), 0, sizeof(struct ca_hostport));
			break;
		case CA_CFG_STRLIST:
			memset(field(dest, k), 0, sizeof(struct ca_strlist));
			break;
		case CA_CFG_SECTION:
			clear_fields(k->sub, dest);
			break;
		case CA_CFG_IGNORE:
			break;
		}
	}
}

void ca_cfg_release(const struct ca_cfg_key *table, void *dest)
{
	const struct ca_cfg_key *k;
	char **s;

	if (!dest || !table)
		return;
	for (k = table; k->name; k++) {
		if (k->type == CA_CFG_STRING || k->type == CA_CFG_URL) {
			s = field(dest, k);
			if (k->flags & CA_CFG_SECRET)
				ca_free_secret(*s);
			else
				free(*s);
			*s = NULL;
		} else if (k->type == CA_CFG_STRLIST) {
			ca_strlist_release(field(dest, k));
		} else if (k->type == CA_CFG_SECTION) {
			ca_cfg_release(k->sub, dest);
		}
	}
	clear_fields(table, dest);
}

static void join_path(char *out, const char *path, const char *name)
{
	if (path && *path)
		snprintf(out, PATH_MAX_LEN, "%s.%s", path, name);
	else
		snprintf(out, PATH_MAX_LEN, "%s", name);
}

static const char *where(const char *path, char *buf, size_t cap)
{
	if (!path || !*path)
		return "at the top level";
	snprintf(buf, cap, "in '%s'", path);
	return buf;
}

/* A printable, shortened copy of a value for messages. */
static const char *shown(const char *s, char *buf, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; s[i] && n + 4 < cap && i < SHOWN_MAX; i++)
		buf[n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i]) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t prev[CA_YAML_MAX_KEY + 2], cur[CA_YAML_MAX_KEY + 2];
	size_t la = strlen(a), lb = strlen(b), i, j, best;

	if (la > CA_YAML_MAX_KEY || lb > CA_YAML_MAX_KEY)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			best = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

static const struct ca_cfg_key *find_key(const struct ca_cfg_key *table, const char *name)
{
	const struct ca_cfg_key *k;

	for (k = table; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int unknown_key(struct filler *f, const struct ca_yaml_pair *pair, const char *path,
		       const struct ca_cfg_key *table)
{
	const struct ca_cfg_key *k, *best = NULL;
	size_t d, best_d = SIZE_MAX;
	struct ca_buf known = CA_BUF_INIT;
	char wbuf[PATH_MAX_LEN + 8];
	int rc;

	for (k = table; k->name; k++) {
		d = edit_distance(pair->key, k->name);
		if (d < best_d) {
			best_d = d;
			best = k;
		}
		ca_buf_addf(&known, "%s%s", known.len ? ", " : "", k->name);
	}
	if (best && best_d <= 2 && best_d < strlen(best->name))
		rc = ca_err_set(f->err, CA_CONFIG_UNKNOWN_KEY,
				"%s:%d: unknown key '%s' %s (did you mean '%s'?)", f->doc->name,
				pair->line, pair->key, where(path, wbuf, sizeof(wbuf)), best->name);
	else
		rc = ca_err_set(f->err, CA_CONFIG_UNKNOWN_KEY,
				"%s:%d: unknown key '%s' %s; known keys: %s", f->doc->name,
				pair->line, pair->key, where(path, wbuf, sizeof(wbuf)),
				ca_buf_ok(&known) && known.len ? known.data : "none");
	ca_buf_release(&known);
	return rc;
}

/* What a key's value must look like, for messages. */
static void expected(const struct ca_cfg_key *k, char *out, size_t cap)
{
	struct ca_buf b = CA_BUF_INIT;
	size_t i;

	switch (k->type) {
	case CA_CFG_STRING:
		snprintf(out, cap, "a text value");
		break;
	case CA_CFG_URL:
		snprintf(out, cap, "a URL such as %s://host:port",
			 k->choices && k->choices[0] ? k->choices[0] : "http");
		break;
	case CA_CFG_INT:
		if (k->min || k->max)
			snprintf(out, cap, "an integer from %ld to %ld", k->min, k->max);
		else
			snprintf(out, cap, "an integer");
		break;
	case CA_CFG_DURATION:
		if (k->min || k->max)
			snprintf(out, cap, "a duration (seconds, or with a unit: 90s, 15m, 12h, 7d) "
				 "from %ld to %ld seconds", k->min, k->max);
		else
			snprintf(out, cap, "a duration (seconds, or with a unit: 90s, 15m, 12h, 7d)");
		break;
	case CA_CFG_BOOL:
		snprintf(out, cap, "true or false");
		break;
	case CA_CFG_ENUM:
		for (i = 0; k->choices && k->choices[i]; i++)
			ca_buf_addf(&b, "%s%s", i ? ", " : "", k->choices[i]);
		snprintf(out, cap, "one of %s", ca_buf_ok(&b) ? b.data : "the listed values");
		ca_buf_release(&b);
		break;
	case CA_CFG_HOSTPORT:
		snprintf(out, cap, "host:port such as 127.0.0.1:8080");
		break;
	case CA_CFG_STRLIST:
		snprintf(out, cap, "a list of values");
		break;
	case CA_CFG_SECTION:
	case CA_CFG_IGNORE:
		snprintf(out, cap, "a mapping of keys");
		break;
	}
}

static const char *kind_name(const struct ca_yaml_node *v)
{
	if (v->kind == CA_YAML_MAP)
		return "a mapping";
	if (v->kind == CA_YAML_SEQ)
		return "a list";
	return "a single value";
}

static int bad_value(struct filler *f, const struct ca_cfg_key *k, const char *full, int line,
		     const char *text, const char *why)
{
	char exp[256], val[SHOWN_MAX + 8];

	expected(k, exp, sizeof(exp));
	if (k->flags & CA_CFG_SECRET)
		return ca_err_set(f->err, CA_CONFIG_TYPE, "%s:%d: '%s' expected %s%s%s%s%s%s",
				  f->doc->name, line, full, exp, why ? " (" : "", why ? why : "",
				  why ? ")" : "", k->hint ? "; " : "", k->hint ? k->hint : "");
	return ca_err_set(f->err, CA_CONFIG_TYPE, "%s:%d: '%s' expected %s%s%s%s, got '%s'%s%s",
			  f->doc->name, line, full, exp, why ? " (" : "", why ? why : "",
			  why ? ")" : "", shown(text, val, sizeof(val)), k->hint ? "; " : "",
			  k->hint ? k->hint : "");
}

/* Parses text (owned by the caller) and stores it in the key's field. */
static int store(struct filler *f, const struct ca_cfg_key *k, const char *full, int line,
		 char **text)
{
	void *p = field(f->dest, k);
	const char *why;
	size_t len;
	long v;
	bool b;
	int idx;

	switch (k->type) {
	case CA_CFG_STRING:
		len = strlen(*text);
		if (k->min && len < (size_t)k->min)
			return ca_err_set(f->err, CA_CONFIG_VALUE,
					  "%s:%d: '%s' must be at least %ld characters long after "
					  "${VAR} expansion (it has %zu)%s%s", f->doc->name, line, full,
					  k->min, len, k->hint ? "; " : "", k->hint ? k->hint : "");
		if (k->max && len > (size_t)k->max)
			return ca_err_set(f->err, CA_CONFIG_VALUE,
					  "%s:%d: '%s' must be at most %ld characters long (it has %zu)",
					  f->doc->name, line, full, k->max, len);
		*(char **)p = *text;
		*text = NULL;
		return CA_OK;
	case CA_CFG_URL:
		why = ca_value_url_problem(*text, k->choices);
		if (why)
			return bad_value(f, k, full, line, *text, why);
		len = strlen(*text);
		if (len && (*text)[len - 1] == '/' && strchr(strstr(*text, "://") + 3, '/') ==
		    *text + len - 1)
			(*text)[len - 1] = '\0';
		*(char **)p = *text;
		*text = NULL;
		return CA_OK;
	case CA_CFG_INT:
	case CA_CFG_DURATION:
		if (!(k->type == CA_CFG_INT ? ca_value_int(*text, &v) : ca_value_duration(*text, &v)) ||
		    ((k->min || k->max) && (v < k->min || v > k->max)))
			return bad_value(f, k, full, line, *text, NULL);
		*(long *)p = v;
		return CA_OK;
	case CA_CFG_BOOL:
		if (!ca_value_bool(*text, &b))
			return bad_value(f, k, full, line, *text, NULL);
		*(bool *)p = b;
		return CA_OK;
	case CA_CFG_ENUM:
		idx = ca_cfg_choice_index(k->choices, *text);
		if (idx < 0)
			return bad_value(f, k, full, line, *text, NULL);
		*(int *)p = idx;
		return CA_OK;
	case CA_CFG_HOSTPORT:
		if (!ca_value_hostport(*text, p))
			return bad_value(f, k, full, line, *text, NULL);
		return CA_OK;
	default:
		return ca_err_set(f->err, CA_EINVAL, "'%s' has a type that cannot hold one value",
				  full);
	}
}

/* The current value of a sibling ENUM or STRING key, or NULL. */
static const char *sibling_value(struct filler *f, const struct ca_cfg_key *table,
				 const char *name)
{
	const struct ca_cfg_key *s = find_key(table, name);
	int idx;

	if (!s)
		return NULL;
	if (s->type == CA_CFG_ENUM) {
		idx = *(int *)field(f->dest, s);
		return idx >= 0 ? s->choices[idx] : NULL;
	}
	if (s->type == CA_CFG_STRING)
		return *(char **)field(f->dest, s);
	return NULL;
}

static bool one_of(const char *value, const char *list)
{
	size_t n = strlen(value);
	const char *p = list, *bar;

	while (p) {
		bar = strchr(p, '|');
		if ((size_t)(bar ? bar - p : (ptrdiff_t)strlen(p)) == n && strncmp(p, value, n) == 0)
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

static int fill_list(struct filler *f, const struct ca_cfg_key *k, const char *full,
		     const struct ca_yaml_node *v)
{
	struct ca_strlist *list = field(f->dest, k);
	char *text = NULL;
	size_t i;
	int rc;

	if (v->n == 0)
		return CA_OK;
	list->items = calloc(v->n, sizeof(*list->items));
	if (!list->items)
		return ca_err_set(f->err, CA_ENOMEM, "out of memory reading '%s'", full);
	for (i = 0; i < v->n; i++) {
		if (v->items[i]->kind != CA_YAML_SCALAR)
			return ca_err_set(f->err, CA_CONFIG_TYPE,
					  "%s:%d: '%s' expected a list of single values, got %s "
					  "as item %zu", f->doc->name, v->items[i]->line, full,
					  kind_name(v->items[i]), i + 1);
		if ((rc = ca_yaml_expand(f->doc, v->items[i], &text, f->err)))
			return rc;
		list->items[list->n++] = text;
	}
	return CA_OK;
}

static int fill_table(struct filler *f, const struct ca_yaml_node *node, const char *path,
		      int line, const struct ca_cfg_key *table, bool open);

static int fill_key(struct filler *f, const struct ca_yaml_node *node, const char *path,
		    int parent_line, const struct ca_cfg_key *table, const struct ca_cfg_key *k)
{
	const struct ca_yaml_pair *pair = ca_yaml_get_pair(node, k->name);
	const struct ca_yaml_node *v = pair ? pair->value : NULL;
	char full[PATH_MAX_LEN], wbuf[PATH_MAX_LEN + 8], exp[256];
	const char *sib;
	char *text = NULL, *def = NULL;
	int line = pair ? pair->line : parent_line;
	bool given = v && !(v->kind == CA_YAML_SCALAR && v->is_null);
	int rc = CA_OK;

	join_path(full, path, k->name);
	if (k->when_key) {
		sib = sibling_value(f, table, k->when_key);
		if (!sib || !one_of(sib, k->when_is)) {
			if (given)
				return ca_err_set(f->err, CA_CONFIG_VALUE,
						  "%s:%d: '%s' is only used when %s%s%s is %s (here "
						  "it is %s); remove it", f->doc->name, line, full,
						  path && *path ? path : "", path && *path ? "." : "",
						  k->when_key, k->when_is, sib ? sib : "not set");
			return CA_OK;
		}
	}
	if (k->type == CA_CFG_IGNORE)
		return CA_OK;
	if (k->type == CA_CFG_SECTION)
		return fill_table(f, given ? v : NULL, full, line, k->sub, k->flags & CA_CFG_OPEN);
	if (given && k->type == CA_CFG_STRLIST) {
		if (v->kind != CA_YAML_SEQ) {
			expected(k, exp, sizeof(exp));
			return ca_err_set(f->err, CA_CONFIG_TYPE, "%s:%d: '%s' expected %s, got %s",
					  f->doc->name, v->line, full, exp, kind_name(v));
		}
		return fill_list(f, k, full, v);
	}
	if (given && v->kind != CA_YAML_SCALAR) {
		expected(k, exp, sizeof(exp));
		return ca_err_set(f->err, CA_CONFIG_TYPE, "%s:%d: '%s' expected %s, got %s",
				  f->doc->name, v->line, full, exp, kind_name(v));
	}
	if (given) {
		if ((rc = ca_yaml_expand(f->doc, v, &text, f->err)))
			goto out;
		if (*text) {
			rc = store(f, k, full, v->line, &text);
			goto out;
		}
	}
	if (k->flags & CA_CFG_REQUIRED) {
		if (pair)
			rc = ca_err_set(f->err, CA_CONFIG_MISSING_KEY,
					"%s:%d: '%s' is required but has no value%s", f->doc->name,
					line, full, given ? " after ${VAR} expansion" : "");
		else
			rc = ca_err_set(f->err, CA_CONFIG_MISSING_KEY,
					"%s:%d: missing required key '%s' %s", f->doc->name, line,
					k->name, where(path, wbuf, sizeof(wbuf)));
		goto out;
	}
	if (k->def && k->type != CA_CFG_STRLIST) {
		def = ca_strdup(k->def);
		if (!def) {
			rc = ca_err_set(f->err, CA_ENOMEM, "out of memory");
			goto out;
		}
		rc = store(f, k, full, line, &def);
		if (rc && rc != CA_ENOMEM) {
			ca_err_clear(f->err);
			rc = ca_err_set(f->err, CA_EINVAL, "the built-in default of '%s' ('%s') is "
					"invalid; this is a bug in the program", full, k->def);
		}
	}
out:
	free(def);
	if (text && (k->flags & CA_CFG_SECRET))
		ca_free_secret(text);
	else
		free(text);
	return rc;
}

static int fill_table(struct filler *f, const struct ca_yaml_node *node, const char *path,
		      int line, const struct ca_cfg_key *table, bool open)
{
	const struct ca_cfg_key *k;
	size_t i;
	int rc;

	if (node && node->kind == CA_YAML_SCALAR && node->is_null)
		node = NULL;
	if (node && node->kind != CA_YAML_MAP) {
		if (path && *path)
			return ca_err_set(f->err, CA_CONFIG_TYPE,
					  "%s:%d: '%s' expected a mapping of keys, got %s",
					  f->doc->name, node->line, path, kind_name(node));
		return ca_err_set(f->err, CA_CONFIG_TYPE,
				  "%s:%d: expected a mapping of keys at the top level, got %s",
				  f->doc->name, node->line, kind_name(node));
	}
	if (node && !open)
		for (i = 0; i < node->n; i++)
			if (!find_key(table, node->pairs[i].key))
				return unknown_key(f, &node->pairs[i], path, table);
	for (k = table; k->name; k++)
		if ((rc = fill_key(f, node, path, line, table, k)))
			return rc;
	return CA_OK;
}

int ca_cfg_fill(const struct ca_yaml_doc *doc, const struct ca_yaml_node *node, const char *path,
		const struct ca_cfg_key *table, void *dest, unsigned flags, struct ca_err *err)
{
	struct filler f = { doc, dest, err };
	int rc;

	if (!node)
		node = doc->root;
	clear_fields(table, dest);
	rc = fill_table(&f, node, path, node ? node->line : 1, table,
			flags & CA_CFG_ALLOW_UNKNOWN);
	if (rc)
		ca_cfg_release(table, dest);
	return rc;
}
