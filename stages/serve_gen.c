#include "serve_gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config/serve_config.h"
#include "state.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

struct gen {
	struct stage_ctx *ctx;
	json_t *overrides;      /* dotted serve key -> string value */
	struct ca_buf out;
};

static bool plain_ok(const char *s)
{
	static const char *const words[] = { "true", "false", "null", "yes", "no", "on", "off",
					     "y", "n", "~", NULL };
	size_t i, n = strlen(s);

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
			(s[0] >= '0' && s[0] <= '9') || s[0] == '/' || s[0] == '.' || s[0] == '_'))
		return false;
	if (s[n - 1] == ':')
		return false;
	for (i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_./:@+-", c)))
			return false;
	}
	return true;
}

/* A scalar as YAML that loads back to exactly s, with "${" kept literal. */
static void add_scalar(struct ca_buf *b, const char *s)
{
	const unsigned char *p;

	if (plain_ok(s)) {
		ca_buf_adds(b, s);
		return;
	}
	ca_buf_addch(b, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			ca_buf_addf(b, "\\%c", *p);
		else if (*p == '\n')
			ca_buf_adds(b, "\\n");
		else if (*p == '\t')
			ca_buf_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			ca_buf_addf(b, "\\x%02x", *p);
		else if (*p == '$' && p[1] == '{')
			ca_buf_adds(b, "$$");
		else
			ca_buf_addch(b, (char)*p);
	}
	ca_buf_addch(b, '"');
}

static void indent(struct ca_buf *b, int n)
{
	while (n-- > 0)
		ca_buf_addch(b, ' ');
}

static char *join(const char *prefix, const char *key)
{
	struct ca_buf b = CA_BUF_INIT;

	if (prefix && *prefix)
		ca_buf_addf(&b, "%s.%s", prefix, key);
	else
		ca_buf_adds(&b, key);
	return ca_buf_detach(&b, NULL);
}

/*
 * Writes the overrides under prefix whose next key the mapping `existing` (may be
 * NULL) does not have, as new keys at this indentation.
 */
static int emit_missing(struct gen *g, const char *prefix, const struct ca_yaml_node *existing,
			int ind)
{
	const char *key;
	json_t *v;
	size_t plen = prefix && *prefix ? strlen(prefix) + 1 : 0;
	json_t *seen = json_object();
	int rc = CA_OK;

	if (!seen)
		return CA_ENOMEM;
	json_object_foreach(g->overrides, key, v) {
		const char *rest, *dot;
		char *first = NULL, *child = NULL;

		if (plen && (strncmp(key, prefix, plen - 1) != 0 || key[plen - 1] != '.'))
			continue;
		rest = key + plen;
		dot = strchr(rest, '.');
		first = dot ? ca_strndup(rest, (size_t)(dot - rest)) : ca_strdup(rest);
		if (!first) {
			rc = CA_ENOMEM;
			break;
		}
		if ((existing && ca_yaml_get(existing, first)) || json_object_get(seen, first)) {
			free(first);
			continue;
		}
		json_object_set_new(seen, first, json_true());
		indent(&g->out, ind);
		add_scalar(&g->out, first);
		if (!dot) {
			ca_buf_adds(&g->out, ": ");
			add_scalar(&g->out, json_string_value(v));
			ca_buf_addch(&g->out, '\n');
		} else {
			ca_buf_adds(&g->out, ":\n");
			child = join(prefix, first);
			rc = child ? emit_missing(g, child, NULL, ind + 2) : CA_ENOMEM;
		}
		free(first);
		free(child);
		if (rc)
			break;
	}
	json_decref(seen);
	return rc;
}

static int emit_map(struct gen *g, const struct ca_yaml_node *map, const char *prefix, int ind,
		    struct ca_err *err);

static int emit_value(struct gen *g, const struct ca_yaml_node *n, const char *path, int ind,
		      struct ca_err *err)
{
	json_t *ov = json_object_get(g->overrides, path);
	char *text = NULL;
	size_t i;
	int rc = CA_OK;

	if (ov && n->kind == CA_YAML_SCALAR) {
		ca_buf_addch(&g->out, ' ');
		add_scalar(&g->out, json_string_value(ov));
		ca_buf_addch(&g->out, '\n');
		return CA_OK;
	}
	switch (n->kind) {
	case CA_YAML_SCALAR:
		if (n->is_null) {
			ca_buf_addch(&g->out, '\n');
			break;
		}
		if ((rc = ca_yaml_expand(g->ctx->doc, n, &text, err)))
			break;
		ca_buf_addch(&g->out, ' ');
		if (*text)
			add_scalar(&g->out, text);
		else
			ca_buf_adds(&g->out, "\"\"");
		ca_buf_addch(&g->out, '\n');
		free(text);
		break;
	case CA_YAML_MAP:
		ca_buf_addch(&g->out, '\n');
		rc = emit_map(g, n, path, ind + 2, err);
		break;
	case CA_YAML_SEQ:
		ca_buf_addch(&g->out, n->n ? '\n' : ' ');
		if (!n->n)
			ca_buf_adds(&g->out, "[]\n");
		for (i = 0; i < n->n && rc == CA_OK; i++) {
			if (n->items[i]->kind != CA_YAML_SCALAR)
				return ca_err_set(err, CA_EUNSUPPORTED,
						  "%s:%d: '%s' holds nested lists or mappings, which "
						  "the generated config cannot carry", g->ctx->doc->name,
						  n->line, path);
			indent(&g->out, ind + 2);
			ca_buf_adds(&g->out, "-");
			rc = emit_value(g, n->items[i], "", ind + 2, err);
		}
		break;
	}
	return rc;
}

static int emit_map(struct gen *g, const struct ca_yaml_node *map, const char *prefix, int ind,
		    struct ca_err *err)
{
	size_t i;
	int rc = CA_OK;

	for (i = 0; i < map->n && rc == CA_OK; i++) {
		char *path = join(prefix, map->pairs[i].key);
		if (!path)
			return ca_err_set(err, CA_ENOMEM, "out of memory writing the serve config");
		indent(&g->out, ind);
		add_scalar(&g->out, map->pairs[i].key);
		ca_buf_addch(&g->out, ':');
		rc = emit_value(g, map->pairs[i].value, path, ind, err);
		free(path);
	}
	if (rc == CA_OK && emit_missing(g, prefix, map, ind) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "out of memory writing the serve config");
	return rc;
}

/* The stage the config file is for: its `stage:` value, else the running stage's. */
static int config_stage(struct stage_ctx *ctx, long *out, struct ca_err *err)
{
	char *v = NULL;
	int rc = stage_cfg_string(ctx, "stage", "", &v, err);

	if (rc)
		return rc;
	*out = ctx->def->number;
	if (*v && !ca_parse_long(v, 0, CA_STAGE_COUNT - 1, out))
		rc = ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: 'stage' expected an integer from 0 to %d",
				ctx->doc->name, stage_cfg_line(ctx, "stage"), CA_STAGE_COUNT - 1);
	free(v);
	return rc;
}

static int collect_overrides(struct stage_ctx *ctx, long upto, json_t *ov, struct ca_err *err)
{
	long k;

	for (k = 0; k <= upto; k++) {
		json_t *s = stage_state_stage(ctx->state, (int)k, NULL, false);
		json_t *outputs = json_object_get(s, "outputs"), *o;
		const char *name;

		if (!json_is_object(outputs))
			return ca_err_set(err, CA_ENOTFOUND,
					  "stage %ld has no outputs recorded for target %s; run "
					  "make stage-%ld (or its apply) before writing the serve "
					  "config for stage %ld", k, ctx->target, upto, upto);
		json_object_foreach(outputs, name, o) {
			const char *key = json_string_value(json_object_get(o, "serve_key"));
			json_t *v = json_object_get(o, "value");
			if (key && json_is_string(v) && json_object_set(ov, key, v) != 0)
				return ca_err_set(err, CA_ENOMEM, "out of memory");
		}
	}
	return CA_OK;
}

static int point_current(const char *generated_dir, const char *target, long stage,
			 struct ca_err *err)
{
	struct ca_buf link = CA_BUF_INIT, tmp = CA_BUF_INIT, dest = CA_BUF_INIT;
	int rc = CA_OK;

	ca_buf_addf(&link, "%s/current.yaml", generated_dir);
	ca_buf_addf(&tmp, "%s/.current.yaml.%ld", generated_dir, (long)getpid());
	ca_buf_addf(&dest, "%s/stage-%ld.yaml", target, stage);
	if (!ca_buf_ok(&link) || !ca_buf_ok(&tmp) || !ca_buf_ok(&dest)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	unlink(tmp.data);
	if (symlink(dest.data, tmp.data) != 0 || rename(tmp.data, link.data) != 0) {
		rc = ca_err_set(err, CA_EIO, "cannot point %s at %s: %s", link.data, dest.data,
				strerror(errno));
		unlink(tmp.data);
	}
out:
	ca_buf_release(&link);
	ca_buf_release(&tmp);
	ca_buf_release(&dest);
	return rc;
}

int stage_write_serve_config(struct stage_ctx *ctx, const char *out_path,
			     const char *generated_dir, struct ca_err *err)
{
	struct gen g = { ctx, NULL, CA_BUF_INIT };
	struct ca_buf path = CA_BUF_INIT;
	struct serve_config check;
	struct ca_err check_err;
	char *secret = NULL;
	long stage = 0;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (!generated_dir)
		generated_dir = "lab-configs/generated";
	if (out_path)
		ca_buf_adds(&path, out_path);
	g.overrides = json_object();
	if (!g.overrides) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = config_stage(ctx, &stage, err)) ||
	    (rc = collect_overrides(ctx, stage, g.overrides, err)) ||
	    (rc = stage_state_session_secret(ctx->state, &secret, err)))
		goto out;
	json_object_set_new(g.overrides, "server.session_secret", json_string(secret));
	if (!out_path)
		ca_buf_addf(&path, "%s/%s/stage-%ld.yaml", generated_dir, ctx->target, stage);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ca_buf_addf(&g.out,
		    "# Generated by stage-%d-%s serve-config at %s from %s and the state of\n"
		    "# target '%s'. Every id is filled in; holds secrets (mode 0600). Do not edit:\n"
		    "# re-run make stage-%ld instead.\n",
		    ctx->def->number, ctx->def->name, when, ctx->config_path, ctx->target, stage);
	if ((rc = emit_map(&g, ctx->doc->root, "", 0, err)))
		goto out;
	if (!ca_buf_ok(&g.out) || !ca_buf_ok(&path)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory writing the serve config");
		goto out;
	}
	if ((rc = stage_file_write_atomic(path.data, g.out.data, g.out.len, 0600, err)))
		goto out;
	ca_err_clear(&check_err);
	if (serve_config_load(path.data, &check, &check_err) != CA_OK) {
		unlink(path.data);
		rc = ca_err_set(err, check_err.code,
				"the generated serve config does not load, so it was not kept: %s",
				ca_err_msg(&check_err));
		goto out;
	}
	serve_config_release(&check);
	if (!out_path && (rc = point_current(generated_dir, ctx->target, stage, err)))
		goto out;
	fprintf(ctx->out, "wrote %s (stage %ld, target %s, mode 0600)%s%s%s\n", path.data, stage,
		ctx->target, out_path ? "" : "; ", out_path ? "" : generated_dir,
		out_path ? "" : "/current.yaml points at it");
out:
	if (g.out.len)
		memset(g.out.data, 0, g.out.len);
	ca_buf_release(&g.out);
	ca_buf_release(&path);
	json_decref(g.overrides);
	ca_free_secret(secret);
	return rc;
}
