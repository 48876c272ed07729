#include "util/xml.h"

#include <expat.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/banned.h"

/* The parse in progress: the open elements and the text collected for each. */
struct xml_state {
	XML_Parser parser;
	struct ca_xml_limits lim;
	struct ca_xml_node *root;
	struct ca_xml_node *cur;        /* innermost open element */
	unsigned depth;                 /* open elements */
	size_t nodes;
	struct ca_buf *texts;           /* texts[d]: text of the open element at depth d+1 */
	int code;                       /* our own reason for stopping, CA_OK if none */
	struct ca_err *err;
};

static void xml_stop(struct xml_state *st, int code, const char *why)
{
	if (st->code == CA_OK) {
		st->code = code;
		ca_err_set(st->err, code, "XML rejected at line %lu, column %lu: %s.",
			   (unsigned long)XML_GetCurrentLineNumber(st->parser),
			   (unsigned long)XML_GetCurrentColumnNumber(st->parser), why);
	}
	XML_StopParser(st->parser, XML_FALSE);
}

static void node_free_one(struct ca_xml_node *n)
{
	free(n->name);
	free(n->text);
	free(n);
}

void ca_xml_free(struct ca_xml_node *root)
{
	struct ca_xml_node *n = root, *up, *next;

	/* Iterative post-order walk: hostile trees may be deep, recursion is not needed. */
	while (n) {
		if (n->first_child) {
			n = n->first_child;
			continue;
		}
		if (n == root) {
			node_free_one(n);
			return;
		}
		up = n->parent;
		next = n->next;
		up->first_child = next;
		node_free_one(n);
		n = next ? next : up;
	}
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_state *st = ud;
	struct ca_xml_node *n;

	(void)atts;
	if (st->code != CA_OK)
		return;
	if (st->depth >= st->lim.max_depth) {
		xml_stop(st, CA_ERANGE, "elements are nested more deeply than allowed");
		return;
	}
	if (st->nodes >= st->lim.max_nodes) {
		xml_stop(st, CA_ERANGE, "the document has more elements than allowed");
		return;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = ca_strdup(name))) {
		free(n);
		xml_stop(st, CA_ENOMEM, "out of memory");
		return;
	}
	n->parent = st->cur;
	if (st->cur) {
		if (st->cur->last_child)
			st->cur->last_child->next = n;
		else
			st->cur->first_child = n;
		st->cur->last_child = n;
		st->cur->n_children++;
	} else {
		st->root = n;
	}
	st->cur = n;
	ca_buf_reset(&st->texts[st->depth]);
	st->depth++;
	st->nodes++;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml_state *st = ud;
	struct ca_buf *t;

	(void)name;
	if (st->code != CA_OK || !st->cur)
		return;
	t = &st->texts[st->depth - 1];
	st->cur->text_len = t->len;
	st->cur->text = ca_buf_detach(t, NULL);
	if (!st->cur->text) {
		xml_stop(st, CA_ENOMEM, "out of memory");
		return;
	}
	st->cur = st->cur->parent;
	st->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_state *st = ud;

	if (st->code != CA_OK || !st->cur || len <= 0)
		return;
	if (ca_buf_add(&st->texts[st->depth - 1], s, (size_t)len) != CA_OK)
		xml_stop(st, CA_ENOMEM, "out of memory");
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)name; (void)sysid; (void)pubid; (void)has_internal_subset;
	xml_stop(ud, CA_EPARSE, "document type declarations (DTDs) are not accepted");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
				   const XML_Char *value, int value_len, const XML_Char *base,
				   const XML_Char *sysid, const XML_Char *pubid,
				   const XML_Char *notation)
{
	(void)name; (void)is_param; (void)value; (void)value_len; (void)base;
	(void)sysid; (void)pubid; (void)notation;
	xml_stop(ud, CA_EPARSE, "entity declarations are not accepted");
}

int ca_xml_parse(const char *data, size_t len, const struct ca_xml_limits *limits,
		 struct ca_xml_node **out, struct ca_err *err)
{
	struct xml_state st;
	unsigned i;
	int rc = CA_OK;

	memset(&st, 0, sizeof(st));
	st.err = err;
	if (out)
		*out = NULL;
	if (!out || (!data && len))
		return ca_err_set(err, CA_EINVAL, "No XML document was given to parse.");
	if (limits)
		st.lim = *limits;
	if (!st.lim.max_bytes)
		st.lim.max_bytes = CA_XML_DEFAULT_MAX_BYTES;
	if (!st.lim.max_depth)
		st.lim.max_depth = CA_XML_DEFAULT_MAX_DEPTH;
	if (!st.lim.max_nodes)
		st.lim.max_nodes = CA_XML_DEFAULT_MAX_NODES;
	if (len > st.lim.max_bytes || len > INT_MAX)
		return ca_err_set(err, CA_ERANGE,
				  "XML document of %zu bytes is larger than the %zu allowed.",
				  len, st.lim.max_bytes);

	st.texts = calloc(st.lim.max_depth, sizeof(*st.texts));
	st.parser = XML_ParserCreate(NULL);
	if (!st.texts || !st.parser) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory while parsing XML.");
		goto out;
	}
	for (i = 0; i < st.lim.max_depth; i++)
		ca_buf_init(&st.texts[i]);
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, on_start, on_end);
	XML_SetCharacterDataHandler(st.parser, on_text);
	XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
	XML_SetEntityDeclHandler(st.parser, on_entity_decl);
	XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);

	if (XML_Parse(st.parser, data ? data : "", (int)len, XML_TRUE) != XML_STATUS_OK) {
		if (st.code != CA_OK) {
			rc = st.code;
		} else {
			rc = ca_err_set(err, CA_EPARSE, "Malformed XML at line %lu, column %lu: %s.",
					(unsigned long)XML_GetCurrentLineNumber(st.parser),
					(unsigned long)XML_GetCurrentColumnNumber(st.parser),
					XML_ErrorString(XML_GetErrorCode(st.parser)));
		}
		goto out;
	}
	if (st.code != CA_OK || !st.root || st.depth != 0) {
		rc = st.code != CA_OK ? st.code
			: ca_err_set(err, CA_EPARSE, "The XML document has no complete root element.");
		goto out;
	}
	*out = st.root;
	st.root = NULL;
out:
	if (st.texts) {
		for (i = 0; i < st.lim.max_depth; i++)
			ca_buf_release(&st.texts[i]);
		free(st.texts);
	}
	if (st.parser)
		XML_ParserFree(st.parser);
	ca_xml_free(st.root);
	return rc;
}

int ca_xml_name_is(const struct ca_xml_node *n, const char *name)
{
	const char *colon;

	if (!n || !name)
		return 0;
	if (strcmp(n->name, name) == 0)
		return 1;
	colon = strrchr(n->name, ':');
	return colon && strcmp(colon + 1, name) == 0;
}

const struct ca_xml_node *ca_xml_child(const struct ca_xml_node *n, const char *name)
{
	const struct ca_xml_node *c;

	if (!n)
		return NULL;
	for (c = n->first_child; c; c = c->next)
		if (!name || ca_xml_name_is(c, name))
			return c;
	return NULL;
}

const struct ca_xml_node *ca_xml_next(const struct ca_xml_node *n, const char *name)
{
	const struct ca_xml_node *c;

	if (!n)
		return NULL;
	for (c = n->next; c; c = c->next)
		if (!name || ca_xml_name_is(c, name))
			return c;
	return NULL;
}

const struct ca_xml_node *ca_xml_path(const struct ca_xml_node *n, const char *path)
{
	char step[256];
	const char *p = path, *slash;
	size_t len;

	if (!n || !path)
		return NULL;
	while (*p && n) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len >= sizeof(step))
			return NULL;
		memcpy(step, p, len);
		step[len] = '\0';
		n = ca_xml_child(n, step);
		p += len;
		if (*p == '/')
			p++;
	}
	return n;
}

const char *ca_xml_path_text(const struct ca_xml_node *n, const char *path)
{
	const struct ca_xml_node *hit = ca_xml_path(n, path);

	return hit ? hit->text : NULL;
}

int ca_xml_escape(struct ca_buf *out, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default: continue;
		}
		ca_buf_add(out, run, (size_t)(s - run));
		ca_buf_adds(out, rep);
		run = s + 1;
	}
	ca_buf_add(out, run, (size_t)(s - run));
	return ca_buf_ok(out) ? CA_OK : CA_ENOMEM;
}
