/*
 * libFuzzer target: the YAML config reader and the serve-config schema.
 * The input is a config file: ca_yaml_parse() builds the tree, every scalar is
 * ${VAR}-expanded against a fixed environment (no getenv: runs must not depend on
 * the shell), and serve_config_from_doc() validates and fills the serve config.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/serve_config.h"
#include "config/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few variables so expansion has something to find; everything else is unset. */
static const char *fixed_env(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "CLOUDALBUM_SESSION_SECRET"))
		return "0123456789abcdef0123456789abcdef0123";
	if (!strcmp(name, "HOME"))
		return "/home/fuzz";
	if (!strcmp(name, "COGNITO_USER_POOL_ID"))
		return "ap-southeast-1_FUZZPOOL";
	if (!strcmp(name, "COGNITO_CLIENT_ID") || !strcmp(name, "COGNITO_CLIENT_SECRET"))
		return "fuzzclient";
	if (!strcmp(name, "COGNITO_DOMAIN"))
		return "fuzz-domain";
	if (!strcmp(name, "CLOUDALBUM_BUCKET"))
		return "fuzz-bucket";
	if (!strcmp(name, "EMPTY"))
		return "";
	if (!strcmp(name, "LOOP"))
		return "${LOOP}";
	return NULL;
}

/* Expands every scalar of the tree; depth is bounded by the reader's cap. */
static void expand_all(const struct ca_yaml_doc *doc, const struct ca_yaml_node *node)
{
	size_t i;
	char *s = NULL;

	switch (node->kind) {
	case CA_YAML_SCALAR:
		if (ca_yaml_expand(doc, node, &s, NULL) == CA_OK && strlen(s) > CA_YAML_MAX_SCALAR)
			abort(); /* the cap applies after expansion too (yaml.h) */
		free(s);
		break;
	case CA_YAML_MAP:
		for (i = 0; i < node->n; i++) {
			if (!node->pairs[i].key[0])
				abort(); /* keys are never empty (yaml.h) */
			expand_all(doc, node->pairs[i].value);
		}
		break;
	case CA_YAML_SEQ:
		for (i = 0; i < node->n; i++)
			expand_all(doc, node->items[i]);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	struct serve_config cfg;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = ca_yaml_parse(&doc, "fuzz.yaml", (const char *)data, size, &err);
	if (rc != CA_OK && !err.msg[0])
		abort(); /* every failure says why */
	if (rc == CA_OK) {
		ca_yaml_doc_set_env(&doc, fixed_env, NULL);
		if (!doc.root)
			abort();
		expand_all(&doc, doc.root);
		ca_yaml_lookup(doc.root, "server.listen");
		ca_yaml_lookup(doc.root, "a..b.");
		memset(&cfg, 0, sizeof(cfg));
		ca_err_clear(&err);
		if (serve_config_from_doc(&doc, &cfg, &err) != CA_OK && !err.msg[0])
			abort();
		serve_config_release(&cfg);
	}
	ca_yaml_doc_release(&doc);
	return 0;
}
