#include "config/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "util/strutil.h"
#include "util/array.h"
#include "util/banned.h"

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"

struct frame {
	struct ca_yaml_node *node;
	char *key;              /* mapping: the key still waiting for its value */
	int key_line, key_col;
};

struct builder {
	const char *name;
	const char *text;
	size_t len;
	struct frame stack[CA_YAML_MAX_DEPTH];
	int depth;
	size_t nodes;
	int docs;
	struct ca_yaml_node *root;
};

void ca_yaml_doc_init(struct ca_yaml_doc *doc)
{
	doc->name = NULL;
	doc->root = NULL;
	doc->env = ca_env_getenv;
	doc->env_ctx = NULL;
}

void ca_yaml_doc_set_env(struct ca_yaml_doc *doc, ca_env_fn fn, void *ctx)
{
	doc->env = fn ? fn : ca_env_getenv;
	doc->env_ctx = fn ? ctx : NULL;
}

static void node_free(struct ca_yaml_node *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->n; i++) {
		if (node->kind == CA_YAML_MAP) {
			free(node->pairs[i].key);
			node_free(node->pairs[i].value);
		} else if (node->kind == CA_YAML_SEQ) {
			node_free(node->items[i]);
		}
	}
	free(node->pairs);
	free(node->items);
	free(node->text);
	free(node);
}

void ca_yaml_doc_release(struct ca_yaml_doc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->name);
	ca_yaml_doc_init(doc);
}

static struct ca_yaml_node *node_new(enum ca_yaml_kind kind, const yaml_mark_t *mark)
{
	struct ca_yaml_node *node = calloc(1, sizeof(*node));

	if (!node)
		return NULL;
	node->kind = kind;
	node->line = (int)mark->line + 1;
	node->col = (int)mark->column + 1;
	return node;
}

/* Makes room for one more pair or item; CA_OK or CA_ENOMEM. */
static int reserve(struct ca_yaml_node *node)
{
	if (node->kind == CA_YAML_MAP)
		return CA_ARRAY_RESERVE(node->pairs, node->n, &node->alloc, 8);
	return CA_ARRAY_RESERVE(node->items, node->n, &node->alloc, 8);
}

static const struct ca_yaml_pair *find_pair(const struct ca_yaml_node *map, const char *key)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key, key) == 0)
			return &map->pairs[i];
	return NULL;
}

/* Takes a scalar as the key a mapping waits for. Frees the node. */
static int take_key(struct builder *b, struct frame *top, struct ca_yaml_node *node,
		    struct ca_err *err)
{
	const struct ca_yaml_pair *dup;
	int rc = CA_OK;

	if (node->len == 0) {
		rc = ca_err_set(err, CA_CONFIG_SYNTAX, "%s:%d:%d: a mapping key is empty",
				b->name, node->line, node->col);
		goto out;
	}
	if (node->len > CA_YAML_MAX_KEY) {
		rc = ca_err_set(err, CA_CONFIG_SYNTAX,
				"%s:%d:%d: a mapping key is longer than %d bytes",
				b->name, node->line, node->col, CA_YAML_MAX_KEY);
		goto out;
	}
	dup = find_pair(top->node, node->text);
	if (dup) {
		rc = ca_err_set(err, CA_CONFIG_SYNTAX,
				"%s:%d:%d: duplicate key '%s' (first given at line %d); "
				"keep only one", b->name, node->line, node->col, node->text,
				dup->line);
		goto out;
	}
	top->key = node->text;
	top->key_line = node->line;
	top->key_col = node->col;
	node->text = NULL;
out:
	node_free(node);
	return rc;
}

/* Hangs node under the innermost open collection (or makes it the root). Takes the node. */
static int attach(struct builder *b, struct ca_yaml_node *node, struct ca_err *err)
{
	struct frame *top;
	struct ca_yaml_pair *pair;

	if (b->depth == 0) {
		b->root = node;
		return CA_OK;
	}
	top = &b->stack[b->depth - 1];
	if (top->node->kind == CA_YAML_MAP && !top->key) {
		if (node->kind != CA_YAML_SCALAR) {
			ca_err_set(err, CA_CONFIG_SYNTAX,
				   "%s:%d:%d: mapping keys must be plain text, not a %s",
				   b->name, node->line, node->col,
				   node->kind == CA_YAML_MAP ? "mapping" : "sequence");
			node_free(node);
			return CA_CONFIG_SYNTAX;
		}
		return take_key(b, top, node, err);
	}
	if (reserve(top->node) != CA_OK) {
		node_free(node);
		return ca_err_set(err, CA_ENOMEM, "out of memory reading %s", b->name);
	}
	if (top->node->kind == CA_YAML_SEQ) {
		top->node->items[top->node->n++] = node;
		return CA_OK;
	}
	pair = &top->node->pairs[top->node->n++];
	pair->key = top->key;
	pair->line = top->key_line;
	pair->col = top->key_col;
	pair->value = node;
	top->key = NULL;
	return CA_OK;
}

static bool is_null_text(const char *s, size_t len)
{
	return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Refuses anchors and tags other than the plain core ones. */
static int check_props(struct builder *b, const yaml_mark_t *mark, const yaml_char_t *anchor,
		       const yaml_char_t *tag, const char *allowed_tag, struct ca_err *err)
{
	if (anchor)
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%zu:%zu: anchors and aliases (&%s, *%s) are not supported in "
				  "config files; repeat the value instead", b->name,
				  mark->line + 1, mark->column + 1, (const char *)anchor,
				  (const char *)anchor);
	if (tag && strcmp((const char *)tag, allowed_tag) != 0)
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%zu:%zu: YAML tags such as '%s' are not supported in config "
				  "files; remove it", b->name, mark->line + 1, mark->column + 1,
				  (const char *)tag);
	return CA_OK;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev, struct ca_err *err)
{
	const yaml_mark_t *mark = &ev->start_mark;
	struct ca_yaml_node *node;
	size_t len = ev->data.scalar.length;
	int rc;

	if ((rc = check_props(b, mark, ev->data.scalar.anchor, ev->data.scalar.tag, TAG_STR, err)))
		return rc;
	if (len > CA_YAML_MAX_SCALAR)
		return ca_err_set(err, CA_ERANGE,
				  "%s:%zu:%zu: a value is %zu bytes long; the limit is %d",
				  b->name, mark->line + 1, mark->column + 1, len, CA_YAML_MAX_SCALAR);
	if (memchr(ev->data.scalar.value, '\0', len))
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%zu:%zu: a value contains a NUL character (\\0)",
				  b->name, mark->line + 1, mark->column + 1);
	node = node_new(CA_YAML_SCALAR, mark);
	if (node)
		node->text = ca_strndup((const char *)ev->data.scalar.value, len);
	if (!node || !node->text) {
		node_free(node);
		return ca_err_set(err, CA_ENOMEM, "out of memory reading %s", b->name);
	}
	node->len = len;
	node->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag;
	node->is_null = !node->quoted && is_null_text(node->text, len);
	return attach(b, node, err);
}

static int on_collection(struct builder *b, const yaml_event_t *ev, struct ca_err *err)
{
	bool is_map = ev->type == YAML_MAPPING_START_EVENT;
	const yaml_mark_t *mark = &ev->start_mark;
	struct ca_yaml_node *node;
	int rc;

	rc = is_map ? check_props(b, mark, ev->data.mapping_start.anchor,
				  ev->data.mapping_start.tag, TAG_MAP, err)
		    : check_props(b, mark, ev->data.sequence_start.anchor,
				  ev->data.sequence_start.tag, TAG_SEQ, err);
	if (rc)
		return rc;
	if (b->depth >= CA_YAML_MAX_DEPTH)
		return ca_err_set(err, CA_ERANGE,
				  "%s:%zu:%zu: nesting is deeper than %d levels",
				  b->name, mark->line + 1, mark->column + 1, CA_YAML_MAX_DEPTH);
	node = node_new(is_map ? CA_YAML_MAP : CA_YAML_SEQ, mark);
	if (!node)
		return ca_err_set(err, CA_ENOMEM, "out of memory reading %s", b->name);
	if ((rc = attach(b, node, err)))
		return rc;
	b->stack[b->depth].node = node;
	b->stack[b->depth].key = NULL;
	b->depth++;
	return CA_OK;
}

/* 1-based line and column of byte offset off. */
static void position_of(const struct builder *b, size_t off, int *line, int *col)
{
	size_t i, start = 0;

	*line = 1;
	if (off > b->len)
		off = b->len;
	for (i = 0; i < off; i++)
		if (b->text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	*col = (int)(off - start) + 1;
}

/* true when the given 0-based line is indented with a tab or has one at column col. */
static bool tab_at(const struct builder *b, size_t line, size_t col)
{
	size_t i = 0, n = 0, start;

	while (i < b->len && n < line)
		if (b->text[i++] == '\n')
			n++;
	start = i;
	for (; i < b->len && (b->text[i] == ' ' || b->text[i] == '\t'); i++)
		if (b->text[i] == '\t')
			return true;
	return col < b->len - start && b->text[start + col] == '\t';
}

static int parser_error(struct builder *b, const yaml_parser_t *p, struct ca_err *err)
{
	int line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return ca_err_set(err, CA_ENOMEM, "out of memory reading %s", b->name);
	if (p->error == YAML_READER_ERROR) {
		position_of(b, p->problem_offset, &line, &col);
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%d:%d: %s; a config file must be UTF-8 text", b->name, line,
				  col, p->problem ? p->problem : "unreadable input");
	}
	if (tab_at(b, p->problem_mark.line, p->problem_mark.column))
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%zu:%zu: YAML does not allow tab characters for indentation; "
				  "indent with spaces", b->name, p->problem_mark.line + 1,
				  p->problem_mark.column + 1);
	if (p->context)
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%zu:%zu: YAML syntax error: %s %s that starts at line %zu",
				  b->name, p->problem_mark.line + 1, p->problem_mark.column + 1,
				  p->problem ? p->problem : "unexpected input", p->context,
				  p->context_mark.line + 1);
	return ca_err_set(err, CA_CONFIG_SYNTAX, "%s:%zu:%zu: YAML syntax error: %s", b->name,
			  p->problem_mark.line + 1, p->problem_mark.column + 1,
			  p->problem ? p->problem : "unexpected input");
}

static int on_event(struct builder *b, const yaml_event_t *ev, bool *done, struct ca_err *err)
{
	const yaml_mark_t *mark = &ev->start_mark;

	if (ev->type == YAML_SCALAR_EVENT || ev->type == YAML_MAPPING_START_EVENT ||
	    ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_ALIAS_EVENT) {
		if (++b->nodes > CA_YAML_MAX_NODES)
			return ca_err_set(err, CA_ERANGE,
					  "%s:%zu: the document has more than %d values",
					  b->name, mark->line + 1, CA_YAML_MAX_NODES);
	}
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->docs++)
			return ca_err_set(err, CA_CONFIG_SYNTAX,
					  "%s:%zu: a second YAML document starts here; a config "
					  "file holds exactly one", b->name, mark->line + 1);
		return CA_OK;
	case YAML_ALIAS_EVENT:
		return ca_err_set(err, CA_CONFIG_SYNTAX,
				  "%s:%zu:%zu: aliases (*%s) are not supported in config files; "
				  "repeat the value instead", b->name, mark->line + 1,
				  mark->column + 1, (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev, err);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return on_collection(b, ev, err);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		return CA_OK;
	case YAML_STREAM_END_EVENT:
		*done = true;
		return CA_OK;
	default:
		return CA_OK;
	}
}

int ca_yaml_parse(struct ca_yaml_doc *doc, const char *name, const char *text, size_t len,
		  struct ca_err *err)
{
	struct builder *b = NULL;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool parser_ready = false, done = false;
	const char *nul;
	int line, col, rc = CA_OK;

	if (!name)
		name = "<config>";
	if (len > CA_YAML_MAX_FILE)
		return ca_err_set(err, CA_ERANGE, "%s is larger than %d bytes; a config file "
				  "should be a few kilobytes", name, CA_YAML_MAX_FILE);
	b = calloc(1, sizeof(*b));
	if (!b)
		return ca_err_set(err, CA_ENOMEM, "out of memory reading %s", name);
	b->name = name;
	b->text = text;
	b->len = len;
	nul = memchr(text, '\0', len);
	if (nul) {
		position_of(b, (size_t)(nul - text), &line, &col);
		rc = ca_err_set(err, CA_CONFIG_SYNTAX,
				"%s:%d:%d: the file contains a NUL byte; a config file must be "
				"UTF-8 text (not UTF-16 or binary)", name, line, col);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory reading %s", name);
		goto out;
	}
	parser_ready = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parser_error(b, &parser, err);
			goto out;
		}
		rc = on_event(b, &ev, &done, err);
		yaml_event_delete(&ev);
		if (rc)
			goto out;
	}
	if (!b->root) {
		rc = ca_err_set(err, CA_CONFIG_SYNTAX,
				"%s:1: the file holds no YAML document (it is empty or only "
				"comments)", name);
		goto out;
	}
	doc->name = ca_strdup(name);
	if (!doc->name) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory reading %s", name);
		goto out;
	}
	doc->root = b->root;
	b->root = NULL;
out:
	if (parser_ready)
		yaml_parser_delete(&parser);
	if (b) {
		while (b->depth > 0)
			free(b->stack[--b->depth].key);
		node_free(b->root);
		free(b);
	}
	return rc;
}

int ca_yaml_load_file(struct ca_yaml_doc *doc, const char *path, struct ca_err *err)
{
	struct ca_buf text = CA_BUF_INIT;
	char chunk[8192];
	struct stat st;
	ssize_t got;
	int fd = -1, rc = CA_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = ca_err_set(err, CA_EIO, "cannot open config file %s: %s", path,
				strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = ca_err_set(err, CA_EIO, "config file %s is not a regular file", path);
		goto out;
	}
	if (st.st_size > CA_YAML_MAX_FILE) {
		rc = ca_err_set(err, CA_ERANGE, "config file %s is larger than %d bytes; a "
				"config file should be a few kilobytes", path, CA_YAML_MAX_FILE);
		goto out;
	}
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = ca_err_set(err, CA_EIO, "cannot read config file %s: %s", path,
					strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		if (text.len + (size_t)got > CA_YAML_MAX_FILE) {
			rc = ca_err_set(err, CA_ERANGE, "config file %s is larger than %d bytes",
					path, CA_YAML_MAX_FILE);
			goto out;
		}
		if (ca_buf_add(&text, chunk, (size_t)got) != CA_OK) {
			rc = ca_err_set(err, CA_ENOMEM, "out of memory reading %s", path);
			goto out;
		}
	}
	rc = ca_yaml_parse(doc, path, text.data, text.len, err);
out:
	if (fd >= 0)
		close(fd);
	ca_buf_release(&text);
	return rc;
}

const struct ca_yaml_pair *ca_yaml_get_pair(const struct ca_yaml_node *map, const char *key)
{
	if (!map || map->kind != CA_YAML_MAP)
		return NULL;
	return find_pair(map, key);
}

const struct ca_yaml_node *ca_yaml_get(const struct ca_yaml_node *map, const char *key)
{
	const struct ca_yaml_pair *pair = ca_yaml_get_pair(map, key);

	return pair ? pair->value : NULL;
}

const struct ca_yaml_node *ca_yaml_lookup(const struct ca_yaml_node *node, const char *path)
{
	char step[CA_YAML_MAX_KEY + 1];
	const char *dot;
	size_t n;

	while (node && path && *path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n > CA_YAML_MAX_KEY)
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		node = ca_yaml_get(node, step);
		path = dot ? dot + 1 : NULL;
	}
	return node;
}

int ca_yaml_expand(const struct ca_yaml_doc *doc, const struct ca_yaml_node *node, char **out,
		   struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	int rc;

	*out = NULL;
	if (!node || node->kind != CA_YAML_SCALAR)
		return ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: expected a single value here",
				  doc->name, node ? node->line : 1);
	if (!node->is_null) {
		rc = ca_expand_vars(node->text, node->len, doc->env, doc->env_ctx,
				    CA_YAML_MAX_SCALAR, &b, err);
		if (rc) {
			ca_err_prefix(err, "%s:%d", doc->name, node->line);
			ca_buf_release(&b);
			return rc;
		}
	}
	*out = ca_buf_detach(&b, NULL);
	if (!*out)
		return ca_err_set(err, CA_ENOMEM, "out of memory expanding a value of %s",
				  doc->name);
	return CA_OK;
}

/* A scalar node holding a copy of value, written at line/col (for messages). */
static struct ca_yaml_node *scalar_new(const char *value, int line)
{
	struct ca_yaml_node *node = calloc(1, sizeof(*node));

	if (!node)
		return NULL;
	node->kind = CA_YAML_SCALAR;
	node->line = line;
	node->col = 1;
	node->quoted = true;
	node->len = strlen(value);
	node->text = ca_strndup(value, node->len);
	if (!node->text) {
		free(node);
		return NULL;
	}
	return node;
}

int ca_yaml_set_scalar(struct ca_yaml_doc *doc, const char *path, const char *value,
		       struct ca_err *err)
{
	struct ca_yaml_node *node = doc->root;
	const char *dot, *step = path;
	size_t n, i;

	if (!node || node->kind != CA_YAML_MAP || !path || !*path)
		return ca_err_set(err, CA_EINVAL, "cannot set '%s': the config is not a mapping",
				  path ? path : "");
	for (;;) {
		struct ca_yaml_pair *pair = NULL;
		char *key;

		dot = strchr(step, '.');
		n = dot ? (size_t)(dot - step) : strlen(step);
		if (n == 0 || n > CA_YAML_MAX_KEY)
			return ca_err_set(err, CA_EINVAL, "cannot set '%s': empty or long key", path);
		for (i = 0; i < node->n; i++)
			if (strlen(node->pairs[i].key) == n && !strncmp(node->pairs[i].key, step, n))
				pair = &node->pairs[i];
		if (!pair) {
			if (reserve(node) != CA_OK || !(key = ca_strndup(step, n)))
				return ca_err_set(err, CA_ENOMEM, "out of memory");
			pair = &node->pairs[node->n];
			pair->key = key;
			pair->line = node->line;
			pair->col = 1;
			pair->value = dot ? calloc(1, sizeof(struct ca_yaml_node))
					  : scalar_new(value, node->line);
			if (!pair->value) {
				free(key);
				return ca_err_set(err, CA_ENOMEM, "out of memory");
			}
			if (dot) {
				pair->value->kind = CA_YAML_MAP;
				pair->value->line = node->line;
				pair->value->col = 1;
			}
			node->n++;
		} else if (!dot) {
			struct ca_yaml_node *fresh = scalar_new(value, pair->value->line);
			if (!fresh)
				return ca_err_set(err, CA_ENOMEM, "out of memory");
			node_free(pair->value);
			pair->value = fresh;
		} else if (pair->value->kind != CA_YAML_MAP) {
			if (pair->value->kind != CA_YAML_SCALAR || !pair->value->is_null)
				return ca_err_set(err, CA_CONFIG_TYPE,
						  "%s:%d: cannot set '%s': '%.*s' is not a mapping",
						  doc->name, pair->value->line, path, (int)n, step);
			pair->value->kind = CA_YAML_MAP;
			pair->value->is_null = false;
			free(pair->value->text);
			pair->value->text = NULL;
			pair->value->len = 0;
		}
		if (!dot)
			return CA_OK;
		node = pair->value;
		step = dot + 1;
	}
}
