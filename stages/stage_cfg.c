/* Config helpers of the stage framework (stage.h): reading the --config file. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/strutil.h"
#include "util/banned.h"

int stage_cfg_line(const struct stage_ctx *ctx, const char *path)
{
	const struct ca_yaml_node *n = ca_yaml_lookup(ctx->doc->root, path);

	return n ? n->line : 0;
}

int stage_cfg_string(const struct stage_ctx *ctx, const char *path, const char *def,
		     char **out, struct ca_err *err)
{
	const struct ca_yaml_node *n = ca_yaml_lookup(ctx->doc->root, path);
	char *v = NULL;
	int rc;

	*out = NULL;
	if (n && n->kind != CA_YAML_SCALAR)
		return ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: '%s' expected a single value, got a %s",
				  ctx->doc->name, n->line, path,
				  n->kind == CA_YAML_MAP ? "mapping" : "list");
	if (n && !n->is_null) {
		rc = ca_yaml_expand(ctx->doc, n, &v, err);
		if (rc)
			return rc;
		if (*v) {
			*out = v;
			return CA_OK;
		}
		free(v);
	}
	if (!def)
		return ca_err_set(err, CA_CONFIG_MISSING_KEY, "%s: missing required key '%s'",
				  ctx->doc->name, path);
	*out = ca_strdup(def);
	return *out ? CA_OK : ca_err_set(err, CA_ENOMEM, "out of memory reading the config");
}

int stage_cfg_fill(const struct stage_ctx *ctx, const char *path,
		   const struct ca_cfg_key *table, void *dest, struct ca_err *err)
{
	static struct ca_yaml_node empty = { .kind = CA_YAML_MAP };
	const struct ca_yaml_node *n = ca_yaml_lookup(ctx->doc->root, path);
	struct ca_yaml_node *at = &empty;

	if (n && n->kind == CA_YAML_SCALAR && n->is_null)
		n = NULL;
	if (n && n->kind != CA_YAML_MAP)
		return ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: '%s' expected a mapping of keys",
				  ctx->doc->name, n->line, path);
	if (!n) {
		/* ca_cfg_fill reports positions from the node; an absent section is line 1 */
		empty.line = 1;
		empty.col = 1;
	}
	return ca_cfg_fill(ctx->doc, n ? n : at, path, table, dest, 0, err);
}

void stage_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}
