/*
 * libFuzzer target: the XML reader (expat underneath). The first byte picks tight
 * or default limits so the depth and node caps are reached too; the tree that comes
 * back is walked with the lookup helpers the AWS clients use.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the tree's links and text; returns the number of elements. */
static size_t walk(const struct ca_xml_node *n, unsigned depth)
{
	const struct ca_xml_node *c, *last = NULL;
	size_t count = 1, kids = 0;

	if (!n->name || !n->text || strlen(n->text) > n->text_len)
		abort();
	for (c = n->first_child; c; c = c->next) {
		if (c->parent != n)
			abort();
		count += walk(c, depth + 1);
		kids++;
		last = c;
	}
	if (kids != n->n_children || last != n->last_child)
		abort();
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_xml_limits tight = { 4096, 8, 64 };
	struct ca_xml_node *root = NULL;
	const struct ca_xml_node *c;
	struct ca_err err;
	int rc;

	if (size < 1)
		return 0;
	ca_err_clear(&err);
	rc = ca_xml_parse((const char *)data + 1, size - 1, (data[0] & 1) ? &tight : NULL, &root,
			  &err);
	if (rc != CA_OK) {
		if (root || !err.msg[0])
			abort(); /* on error *out is NULL and err says why */
		return 0;
	}
	if (!root || root->parent)
		abort();
	if ((data[0] & 1) && walk(root, 0) > tight.max_nodes)
		abort();
	walk(root, 0);
	ca_xml_path_text(root, "Error/Code");
	ca_xml_path_text(root, "Errors/Error/Message");
	ca_xml_path(root, "");
	for (c = ca_xml_child(root, "member"); c; c = ca_xml_next(c, "member"))
		ca_xml_name_is(c, "x:member");
	for (c = root->first_child; c; c = ca_xml_next(c, NULL))
		ca_xml_child(c, c->name);
	ca_xml_free(root);
	return 0;
}
