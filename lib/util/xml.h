/*
 * xml.h — a small XML reader: the whole document into a tree of elements.
 *
 * Built on expat for the answers of the XML-speaking AWS services (S3, IAM, STS, EC2).
 * Untrusted input: the document size, element depth and element count are capped,
 * and any DOCTYPE is refused outright (so no entity expansion, internal or external).
 * Only elements and their text are kept; attributes, comments and processing
 * instructions are dropped. Names are kept as written ("ns:Name" stays prefixed);
 * the lookup helpers match either the full name or the part after the ':'.
 *
 * Lifecycle: ca_xml_parse() returns a tree, ca_xml_free() frees it.
 */
#ifndef CA_XML_H
#define CA_XML_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

struct ca_xml_node {
	char *name;                     /* element name, UTF-8, never NULL */
	char *text;                     /* character data directly inside (CDATA included,
					 * children's text not), UTF-8, never NULL */
	size_t text_len;
	struct ca_xml_node *parent;     /* NULL for the root */
	struct ca_xml_node *first_child;
	struct ca_xml_node *last_child;
	struct ca_xml_node *next;       /* next sibling */
	size_t n_children;
};

struct ca_xml_limits {
	size_t max_bytes;               /* document size; 0: CA_XML_DEFAULT_MAX_BYTES */
	unsigned max_depth;             /* element nesting; 0: CA_XML_DEFAULT_MAX_DEPTH */
	size_t max_nodes;               /* elements in all; 0: CA_XML_DEFAULT_MAX_NODES */
};

#define CA_XML_DEFAULT_MAX_BYTES (16u * 1024 * 1024)
#define CA_XML_DEFAULT_MAX_DEPTH 64u
#define CA_XML_DEFAULT_MAX_NODES 500000u

/*
 * Parses data[0..len) into a tree; *out receives the root element (free it with
 * ca_xml_free). limits may be NULL (all defaults). Returns CA_OK; CA_EPARSE for
 * malformed XML, bad UTF-8 or a DOCTYPE; CA_ERANGE when a cap is exceeded;
 * CA_ENOMEM. On error *out is NULL and err says what and where (line:column).
 */
int ca_xml_parse(const char *data, size_t len, const struct ca_xml_limits *limits,
		 struct ca_xml_node **out, struct ca_err *err);

/* Frees a tree returned by ca_xml_parse (and everything under it). NULL accepted. */
void ca_xml_free(struct ca_xml_node *root);

/* true when the node's name is `name`, or its part after a ':' prefix is. */
int ca_xml_name_is(const struct ca_xml_node *n, const char *name);

/* The first child element called `name`, or NULL (n may be NULL). */
const struct ca_xml_node *ca_xml_child(const struct ca_xml_node *n, const char *name);

/*
 * The next sibling after n with the same name as `name` (NULL: any element), or
 * NULL. Iterate: for (c = ca_xml_child(p, "member"); c; c = ca_xml_next(c, "member")).
 */
const struct ca_xml_node *ca_xml_next(const struct ca_xml_node *n, const char *name);

/*
 * Follows a '/'-separated path of child names from n ("GetCallerIdentityResult/Arn"),
 * taking the first match at each step. An empty path returns n. NULL when absent.
 */
const struct ca_xml_node *ca_xml_path(const struct ca_xml_node *n, const char *path);

/* The text of ca_xml_path(n, path), or NULL when there is no such element. Borrowed. */
const char *ca_xml_path_text(const struct ca_xml_node *n, const char *path);

/* Appends s with &, <, >, " and ' escaped, for building request bodies. CA_OK or CA_ENOMEM. */
int ca_xml_escape(struct ca_buf *out, const char *s);

#endif
