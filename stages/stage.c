/* The stage framework (stage.h): command line, config, client, state and the verbs. */
#include "stage.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "serve_gen.h"
#include "stage_tags.h"
#include "state.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

struct stage_args {
	const char *verb;
	const char *config;
	const char *target;
	const char *state_dir;
	const char *initial;
	const char *out;                /* serve-config --out */
	const char *generated_dir;      /* serve-config --generated-dir */
	bool force, json, show_secrets, help;
	const char *sets[STAGE_MAX_SETS];       /* --set PATH=VALUE */
	size_t n_sets;
	const char *tags[STAGE_MAX_TAGS];       /* --tag KEY=VALUE */
	size_t n_tags;
};

const struct stage_def *const stage_defs[CA_STAGE_COUNT] = {
#define STAGE(n, stage_name, database, storage, auth, tracing) &stage##n##_##stage_name,
#include "config/stages.def"
#undef STAGE
};

static const char *const verb_names[] = { "plan", "apply", "destroy", "outputs", "serve-config",
					  NULL };

static void usage(const struct stage_def *def, FILE *f)
{
	int i;

	fprintf(f,
		"usage: stage-%d-%s <verb> --config FILE [options]\n"
		"%s\n\n"
		"verbs:\n"
		"  plan          show what apply would create or change; exit 0 nothing to do,\n"
		"                2 changes pending, 1 error\n"
		"  apply         create what is missing, converge drift, wait until ready\n"
		"  destroy       delete what this stage made, in reverse order (data-holding\n"
		"                resources only with --force)\n"
		"  outputs       the ids the next stages need (--json; --show-secrets)\n"
		"  serve-config  write lab-configs/generated/<target>/stage-N.yaml, a complete\n"
		"                serve config from the state, and point current.yaml at it\n\n"
		"options:\n"
		"  --config FILE        lab-configs/<target>/stage-N.yaml (required)\n"
		"  --target local|aws   default: the directory of the config file\n"
		"  --state-dir DIR      default $CA_STATE_DIR or .cloudalbum (state in DIR/<target>/)\n"
		"  --force              destroy also tables with items and buckets with objects\n"
		"  --json               outputs as a JSON object\n"
		"  --show-secrets       outputs: show secret values\n"
		"  --initial X          stage 0: the attendee initial (Name=aws-cloud9-workshop-X*)\n"
		"  --out FILE           serve-config: write FILE instead (current.yaml untouched)\n"
		"  --generated-dir DIR  serve-config: default lab-configs/generated\n"
		"  --set PATH=VALUE     replace (or add) the config value at a dotted path, e.g.\n"
		"                       --set database.user_table=alice-User (repeatable)\n"
		"  --tag KEY=VALUE      apply: tag every resource made or adopted with it; an\n"
		"                       existing resource without the tags is not adopted\n"
		"                       (repeatable, e.g. --tag cloudalbum:class=dec-workshop)\n"
		"  --help               this text\n\n"
		"The config's aws.endpoint says where requests go (none: AWS); aws.emulator: moto\n"
		"(the local configs) says the moto stand-in answers there. A custom endpoint\n"
		"without it (a VPC or FIPS one) is treated exactly as AWS.\n\n"
		"the stages (config/stages.def), applied in this order:",
		def->number, def->name, def->title);
	for (i = 0; i < CA_STAGE_COUNT; i++)
		fprintf(f, " stage-%d-%s", ca_stages[i].number, ca_stages[i].name);
	fputc('\n', f);
}

static int parse_args(int argc, char **argv, struct stage_args *a, struct ca_err *err)
{
	static const char *const with_value[] = { "--config", "--target", "--state-dir",
						  "--initial", "--out", "--generated-dir", NULL };
	const char **slots[] = { &a->config, &a->target, &a->state_dir, &a->initial, &a->out,
				 &a->generated_dir };
	int i, k;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		size_t name_len = eq && ca_starts_with(arg, "--") ? (size_t)(eq - arg) : strlen(arg);

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			a->help = true;
			continue;
		}
		if (!strcmp(arg, "--force") || !strcmp(arg, "--json") ||
		    !strcmp(arg, "--show-secrets")) {
			*(arg[2] == 'f' ? &a->force : arg[2] == 'j' ? &a->json : &a->show_secrets) = true;
			continue;
		}
		for (k = 0; with_value[k]; k++)
			if (strlen(with_value[k]) == name_len && !strncmp(arg, with_value[k], name_len))
				break;
		if (with_value[k]) {
			if (eq) {
				*slots[k] = eq + 1;
			} else if (i + 1 < argc) {
				*slots[k] = argv[++i];
			} else {
				return ca_err_set(err, CA_STAGE_USAGE, "%s needs a value", arg);
			}
			continue;
		}
		if (name_len == 5 && (!strncmp(arg, "--set", 5) || !strncmp(arg, "--tag", 5))) {
			bool set = arg[2] == 's';
			const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!v || !strchr(v, '=') || v[0] == '=')
				return ca_err_set(err, CA_STAGE_USAGE, "%s needs KEY=VALUE", arg);
			if ((set ? a->n_sets : a->n_tags) >= (set ? STAGE_MAX_SETS : STAGE_MAX_TAGS))
				return ca_err_set(err, CA_STAGE_USAGE, "too many %s options (at most "
						  "%d)", arg, set ? STAGE_MAX_SETS : STAGE_MAX_TAGS);
			if (set)
				a->sets[a->n_sets++] = v;
			else
				a->tags[a->n_tags++] = v;
			continue;
		}
		if (arg[0] == '-')
			return ca_err_set(err, CA_STAGE_USAGE, "unknown option '%s'", arg);
		if (a->verb)
			return ca_err_set(err, CA_STAGE_USAGE, "one verb only, got '%s' and '%s'",
					  a->verb, arg);
		a->verb = arg;
	}
	if (a->help)
		return CA_OK;
	if (!a->verb)
		return ca_err_set(err, CA_STAGE_USAGE,
				  "no verb given: plan, apply, destroy, outputs or serve-config");
	if (ca_cfg_choice_index(verb_names, a->verb) < 0)
		return ca_err_set(err, CA_STAGE_USAGE,
				  "unknown verb '%s': use plan, apply, destroy, outputs or "
				  "serve-config", a->verb);
	if (!a->config)
		return ca_err_set(err, CA_STAGE_USAGE,
				  "--config FILE is required (e.g. lab-configs/local/stage-1.yaml)");
	return CA_OK;
}

/* The target from --target, or the config file's directory (lab-configs/<target>/...). */
static int pick_target(const struct stage_args *a, char **out, struct ca_err *err)
{
	const char *slash = strrchr(a->config, '/');
	const char *start;

	*out = NULL;
	if (a->target) {
		if (strcmp(a->target, "local") && strcmp(a->target, "aws"))
			return ca_err_set(err, CA_STAGE_USAGE,
					  "--target must be local or aws, not '%s'", a->target);
		*out = ca_strdup(a->target);
		return *out ? CA_OK : CA_ENOMEM;
	}
	if (slash) {
		for (start = slash; start > a->config && start[-1] != '/'; start--)
			;
		if ((size_t)(slash - start) == 5 && !strncmp(start, "local", 5))
			*out = ca_strdup("local");
		else if ((size_t)(slash - start) == 3 && !strncmp(start, "aws", 3))
			*out = ca_strdup("aws");
		if (*out)
			return CA_OK;
	}
	return ca_err_set(err, CA_STAGE_USAGE,
			  "cannot tell the target from the config path %s (not under a local/ or "
			  "aws/ directory); pass --target local or --target aws", a->config);
}

/* ap-southeast-1, us-gov-west-1, cn-north-1: letters-...-digits. */
static bool region_name_ok(const char *r)
{
	size_t i, n = strlen(r), parts = 1;

	if (n < 4 || n > 32 || r[0] < 'a' || r[0] > 'z' || r[n - 1] < '0' || r[n - 1] > '9')
		return false;
	for (i = 0; i < n; i++) {
		if (r[i] == '-') {
			if (r[i + 1] == '-' || r[i + 1] == '\0')
				return false;
			parts++;
		} else if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9'))) {
			return false;
		}
	}
	return parts >= 3;
}

static int make_client(struct stage_ctx *ctx, struct ca_err *err)
{
	struct aws_client_options opt;
	char *region = NULL, *endpoint = NULL;
	const char *problem;
	int rc;

	memset(&opt, 0, sizeof(opt));
	if ((rc = stage_cfg_string(ctx, "aws.region", "", &region, err)) ||
	    (rc = stage_cfg_string(ctx, "aws.endpoint", "", &endpoint, err)))
		goto out;
	if (*region && !region_name_ok(region)) {
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"%s:%d: 'aws.region' \"%.40s\" is not an AWS region name like "
				"ap-southeast-1", ctx->doc->name, stage_cfg_line(ctx, "aws.region"),
				region);
		goto out;
	}
	if (*endpoint && (problem = ca_value_url_problem(endpoint, NULL))) {
		rc = ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: 'aws.endpoint' is not a URL: %s",
				ctx->doc->name, stage_cfg_line(ctx, "aws.endpoint"), problem);
		goto out;
	}
	opt.fallback_region = *region ? region : NULL;
	opt.endpoint = *endpoint ? endpoint : NULL;
	rc = aws_client_new(&opt, &ctx->aws, err);
	if (rc == CA_OK && !region_name_ok(aws_client_region(ctx->aws)))
		rc = ca_err_set(err, CA_CONFIG_VALUE,
				"the AWS region \"%.40s\" (from the environment) is not a region name "
				"like ap-southeast-1", aws_client_region(ctx->aws));
out:
	free(region);
	free(endpoint);
	return rc;
}

/* Remembers [kind, name] reported as created by this apply (for check_foreign). */
static void remember_created(struct stage_ctx *ctx, const char *kind, const char *name)
{
	if (!ctx->created)
		ctx->created = json_array();
	if (ctx->created)
		json_array_append_new(ctx->created, json_pack("[s, s]", kind, name));
}

/* Tag keys and values as AWS takes them everywhere: letters, digits, spaces, _.:/=+-@. */
static bool tag_text_ok(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len > max)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" _.:/=+-@", c)))
			return false;
	}
	return true;
}

/* --set and --tag, applied to the loaded config and the context. */
static int apply_overrides(struct stage_ctx *ctx, const struct stage_args *a, struct ca_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < a->n_sets; i++) {
		const char *eq = strchr(a->sets[i], '=');
		char *path = ca_strndup(a->sets[i], (size_t)(eq - a->sets[i]));
		if (!path)
			return ca_err_set(err, CA_ENOMEM, "out of memory");
		rc = ca_yaml_set_scalar(ctx->doc, path, eq + 1, err);
		free(path);
		if (rc) {
			ca_err_prefix(err, "--set %s", a->sets[i]);
			return rc;
		}
	}
	if (!a->n_tags)
		return CA_OK;
	if (!(ctx->tags = json_object()))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	for (i = 0; i < a->n_tags; i++) {
		const char *eq = strchr(a->tags[i], '=');
		size_t klen = (size_t)(eq - a->tags[i]);
		char *key;
		if (ca_starts_with(a->tags[i], "aws:") || !tag_text_ok(a->tags[i], klen, 128) ||
		    !tag_text_ok(eq + 1, strlen(eq + 1), 256))
			return ca_err_set(err, CA_STAGE_USAGE,
					  "--tag %.80s: a tag key (1 to 128) and value (up to 256) "
					  "hold letters, digits, spaces and _.:/=+-@, and the key does "
					  "not start with aws:", a->tags[i]);
		if (!(key = ca_strndup(a->tags[i], klen)) ||
		    json_object_set_new(ctx->tags, key, json_string(eq + 1))) {
			free(key);
			return ca_err_set(err, CA_ENOMEM, "out of memory");
		}
		free(key);
	}
	return CA_OK;
}

bool stage_applying(const struct stage_ctx *ctx)
{
	return ctx->verb == STAGE_VERB_APPLY;
}

void stage_report(struct stage_ctx *ctx, enum stage_action action, const char *kind,
		  const char *name, const char *detail_fmt, ...)
{
	static const char *const plan_words[] = { "ok", "create", "update", "delete", "absent",
						  "note" };
	static const char *const done_words[] = { "ok", "created", "updated", "deleted",
						  "absent", "note" };
	const char *word = (ctx->verb == STAGE_VERB_PLAN ? plan_words : done_words)[action];
	va_list ap;

	if (action == STAGE_CREATE || action == STAGE_UPDATE || action == STAGE_DELETE)
		ctx->changes++;
	if (action == STAGE_CREATE && ctx->tags && ctx->verb == STAGE_VERB_APPLY)
		remember_created(ctx, kind, name);
	if ((action == STAGE_OK || action == STAGE_UPDATE) && ctx->found &&
	    stage_tags_kind_taggable(kind))
		json_array_append_new(ctx->found, json_pack("[s, s]", kind, name));
	fprintf(ctx->out, "  %-8s %s %s", word, kind, name);
	if (detail_fmt) {
		fputs(": ", ctx->out);
		va_start(ap, detail_fmt);
		vfprintf(ctx->out, detail_fmt, ap);
		va_end(ap);
	}
	fputc('\n', ctx->out);
	fflush(ctx->out);
}

/* CA_STAGE_FAIL_AFTER=n: the n-th stage_resource_created() of this process fails. */
static int injected_failure(struct ca_err *err)
{
	static long calls;
	const char *v = getenv("CA_STAGE_FAIL_AFTER");
	long limit;

	if (!v || !ca_parse_long(v, 1, 1000000, &limit))
		return CA_OK;
	if (++calls != limit)
		return CA_OK;
	return ca_err_set(err, CA_STAGE_STATE,
			  "injected failure after %ld created resources (CA_STAGE_FAIL_AFTER)", limit);
}

/* true when the state file records this resource for the running stage. */
static bool recorded(struct stage_ctx *ctx, const char *kind, const char *name)
{
	json_t *s = stage_state_stage(ctx->state, ctx->def->number, NULL, false), *r;
	size_t i;

	json_array_foreach(json_object_get(s, "resources"), i, r) {
		const char *k = json_string_value(json_object_get(r, "kind"));
		const char *n = json_string_value(json_object_get(r, "name"));
		if (k && n && !strcmp(k, kind) && !strcmp(n, name))
			return true;
	}
	return false;
}

static bool created_now(const struct stage_ctx *ctx, const char *kind, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(ctx->created, i, v) {
		const char *k = json_string_value(json_array_get(v, 0));
		const char *n = json_string_value(json_array_get(v, 1));
		if (k && n && !strcmp(k, kind) && !strcmp(n, name))
			return true;
	}
	return false;
}

/*
 * --tag: a resource found by name that this run did not create and the state does not
 * record is adopted only when it already carries the tags; otherwise it belongs to
 * someone else and is left alone. *tagged tells whether it carries them already.
 */
static int check_foreign(struct stage_ctx *ctx, const char *kind, const char *name,
			 bool *tagged, struct ca_err *err)
{
	json_t *have = NULL;
	bool exists = false;
	int rc;

	*tagged = false;
	if ((rc = stage_tags_read(ctx->aws, kind, name, &exists, &have, err)))
		return rc;
	*tagged = exists && stage_tags_match(ctx->tags, have);
	if (exists && !*tagged && !created_now(ctx, kind, name) && !recorded(ctx, kind, name))
		rc = ca_err_set(err, CA_STAGE_CONFLICT,
				"%s %s already exists without this run's tags (--tag), so it was "
				"made by someone else and is left alone; choose another name or "
				"delete it yourself", kind, name);
	json_decref(have);
	return rc;
}

int stage_resource_created(struct stage_ctx *ctx, const char *kind, const char *name,
			   const char *id, struct ca_err *err)
{
	bool tagging = ctx->tags && ctx->verb == STAGE_VERB_APPLY &&
		       stage_tags_kind_taggable(kind);
	bool tagged = false;
	int rc = tagging ? check_foreign(ctx, kind, name, &tagged, err) : CA_OK;

	if (rc == CA_OK)
		rc = stage_state_add_resource(ctx->state, ctx->def->number, ctx->def->name, kind,
					      name, id, err);
	if (rc == CA_OK)
		rc = stage_state_save(ctx->state, err);
	if (rc == CA_OK && tagging && !tagged)
		rc = stage_tags_write(ctx->aws, kind, name, ctx->tags, err);
	if (rc == CA_OK)
		rc = injected_failure(err);
	return rc;
}

int stage_resource_deleted(struct stage_ctx *ctx, const char *kind, const char *name,
			   struct ca_err *err)
{
	stage_state_remove_resource(ctx->state, ctx->def->number, kind, name);
	return stage_state_save(ctx->state, err);
}

int stage_output(struct stage_ctx *ctx, const char *name, const char *value,
		 const char *serve_key, unsigned flags, struct ca_err *err)
{
	json_t *o = json_pack("{s:s, s:s?, s:b}", "value", value ? value : "", "serve_key",
			      serve_key, "secret", (flags & STAGE_OUTPUT_SECRET) != 0);

	if (!o || json_object_set_new(ctx->outputs, name, o) != 0)
		return ca_err_set(err, CA_ENOMEM, "out of memory recording output %s", name);
	return CA_OK;
}

const char *stage_output_get(const struct stage_ctx *ctx, int stage, const char *name)
{
	if (stage == ctx->def->number) {
		const char *v = json_string_value(
			json_object_get(json_object_get(ctx->outputs, name), "value"));
		if (v)
			return v;
	}
	return stage_state_output(ctx->state, stage, name);
}

/* apply succeeded: this run's outputs replace the stage's recorded ones. */
static int record_outputs(struct stage_ctx *ctx, struct ca_err *err)
{
	json_t *s = stage_state_stage(ctx->state, ctx->def->number, ctx->def->name, true);

	if (!s || json_object_set(s, "outputs", ctx->outputs) != 0)
		return ca_err_set(err, CA_ENOMEM, "out of memory recording outputs");
	json_object_set_new(s, "name", json_string(ctx->def->name));
	return stage_state_save(ctx->state, err);
}

/*
 * --tag, before apply acts: a plan pass (no changes, its report discarded) lists the
 * taggable resources that exist by name; each that the state does not record must
 * already carry the tags, or apply stops here — before converging anything of someone
 * else's (stage_resource_created checks again for what appears meanwhile).
 */
static int check_existing(struct stage_ctx *ctx, struct ca_err *err)
{
	FILE *keep_out = ctx->out, *null = fopen("/dev/null", "we");
	json_t *keep_outputs = ctx->outputs, *v;
	int keep_changes = ctx->changes;
	size_t i;
	int rc;

	if (!null)
		return ca_err_set(err, CA_EIO, "cannot open /dev/null");
	ctx->found = json_array();
	ctx->outputs = json_object();
	ctx->verb = STAGE_VERB_PLAN;
	ctx->out = null;
	rc = ctx->found && ctx->outputs ? ctx->def->converge(ctx, err)
					: ca_err_set(err, CA_ENOMEM, "out of memory");
	ctx->verb = STAGE_VERB_APPLY;
	ctx->out = keep_out;
	ctx->changes = keep_changes;
	json_decref(ctx->outputs);
	ctx->outputs = keep_outputs;
	fclose(null);
	json_array_foreach(ctx->found, i, v) {
		const char *kind = json_string_value(json_array_get(v, 0));
		const char *name = json_string_value(json_array_get(v, 1));
		json_t *have = NULL;
		bool exists = false;

		if (rc || recorded(ctx, kind, name))
			continue;
		rc = stage_tags_read(ctx->aws, kind, name, &exists, &have, err);
		if (rc == CA_OK && exists && !stage_tags_match(ctx->tags, have))
			rc = ca_err_set(err, CA_STAGE_CONFLICT,
					"%s %s already exists without this run's tags (--tag), so it "
					"was made by someone else and is left alone; choose another "
					"name or delete it yourself", kind, name);
		json_decref(have);
	}
	json_decref(ctx->found);
	ctx->found = NULL;
	return rc;
}

static int run_converge(struct stage_ctx *ctx, struct ca_err *err)
{
	bool plan = ctx->verb == STAGE_VERB_PLAN;
	int rc;

	if (!plan && ctx->tags && (rc = check_existing(ctx, err)))
		return rc;

	fprintf(ctx->out, "stage %d (%s), target %s, %s:\n", ctx->def->number, ctx->def->name,
		ctx->target, plan ? "plan" : "apply");
	rc = ctx->def->converge(ctx, err);
	if (rc != CA_OK) {
		if (!plan)
			stage_state_save(ctx->state, NULL);
		return rc;
	}
	if (!plan && (rc = record_outputs(ctx, err)))
		return rc;
	if (plan)
		fprintf(ctx->out, ctx->changes ? "%d change(s) to make; run apply\n"
					       : "nothing to change\n", ctx->changes);
	else
		fprintf(ctx->out, "%d change(s) made; stage %d is up to date\n", ctx->changes,
			ctx->def->number);
	return CA_OK;
}

static int run_destroy(struct stage_ctx *ctx, struct ca_err *err)
{
	int rc;

	fprintf(ctx->out, "stage %d (%s), target %s, destroy:\n", ctx->def->number,
		ctx->def->name, ctx->target);
	rc = ctx->def->destroy(ctx, err);
	if (rc == CA_OK && stage_state_resource_count(ctx->state, ctx->def->number) == 0)
		stage_state_drop_stage(ctx->state, ctx->def->number);
	if (stage_state_save(ctx->state, rc == CA_OK ? err : NULL) != CA_OK && rc == CA_OK)
		rc = CA_EIO;
	if (rc == CA_OK)
		fprintf(ctx->out, "%d resource(s) deleted\n", ctx->changes);
	return rc;
}

static int run_outputs(struct stage_ctx *ctx, const struct stage_args *a, struct ca_err *err)
{
	json_t *s = stage_state_stage(ctx->state, ctx->def->number, NULL, false);
	json_t *outputs = json_object_get(s, "outputs");
	json_t *shown = NULL, *o;
	const char *name;
	char *text;

	if (!json_is_object(outputs))
		return ca_err_set(err, CA_ENOTFOUND,
				  "stage %d has no outputs recorded for target %s; run apply first",
				  ctx->def->number, ctx->target);
	shown = json_object();
	if (!shown)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	json_object_foreach(outputs, name, o) {
		bool secret = json_is_true(json_object_get(o, "secret"));
		json_t *v = json_object_get(o, "value");
		if (a->json)
			json_object_set(shown, name, secret && !a->show_secrets ? json_null() : v);
		else
			fprintf(ctx->out, "%s = %s\n", name,
				secret && !a->show_secrets ? "(secret; --show-secrets shows it)"
							   : json_string_value(v));
	}
	if (a->json) {
		text = json_dumps(shown, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (text)
			fprintf(ctx->out, "%s\n", text);
		free(text);
	}
	json_decref(shown);
	return CA_OK;
}

static int state_dir_for(const struct stage_args *a, const char *target, char **out)
{
	const char *base = a->state_dir;
	struct ca_buf b = CA_BUF_INIT;

	if (!base || !*base)
		base = getenv("CA_STATE_DIR");
	if (!base || !*base)
		base = ".cloudalbum";
	ca_buf_addf(&b, "%s/%s", base, target);
	*out = ca_buf_detach(&b, NULL);
	return *out ? CA_OK : CA_ENOMEM;
}

int stage_main(const struct stage_def *def, int argc, char **argv)
{
	struct stage_args a;
	struct ca_err err;
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	struct stage_state state;
	struct stage_ctx ctx;
	char *target = NULL, *dir = NULL;
	bool loaded = false;
	int rc, code = 1;

	memset(&a, 0, sizeof(a));
	memset(&ctx, 0, sizeof(ctx));
	memset(&state, 0, sizeof(state));
	state.lock_fd = -1;
	ca_err_clear(&err);
	rc = parse_args(argc, argv, &a, &err);
	if (rc == CA_OK && a.help) {
		usage(def, stdout);
		return 0;
	}
	if (rc != CA_OK) {
		fprintf(stderr, "stage-%d-%s: %s\n", def->number, def->name, ca_err_msg(&err));
		fprintf(stderr, "run stage-%d-%s --help for the usage\n", def->number, def->name);
		return 1;       /* never 2: that is plan's "changes pending" */
	}
	ctx.def = def;
	ctx.verb = (enum stage_verb)ca_cfg_choice_index(verb_names, a.verb);
	ctx.config_path = a.config;
	ctx.force = a.force;
	ctx.initial = a.initial;
	ctx.out = stdout;
	ctx.doc = &doc;
	ctx.outputs = json_object();
	if (!ctx.outputs) {
		rc = ca_err_set(&err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = pick_target(&a, &target, &err)))
		goto out;
	ctx.target = target;
	if ((rc = ca_yaml_load_file(&doc, a.config, &err)))
		goto out;
	if (doc.root->kind != CA_YAML_MAP) {
		rc = ca_err_set(&err, CA_CONFIG_TYPE, "%s:%d: expected a mapping of sections at the "
				"top level", doc.name, doc.root->line);
		goto out;
	}
	if ((rc = apply_overrides(&ctx, &a, &err)))
		goto out;
	if ((rc = state_dir_for(&a, target, &dir))) {
		ca_err_set(&err, rc, "out of memory");
		goto out;
	}
	if (def->load) {
		if ((rc = def->load(&ctx, &ctx.priv, &err)))
			goto out;
		loaded = true;
	}
	if (ctx.verb == STAGE_VERB_PLAN || ctx.verb == STAGE_VERB_APPLY ||
	    ctx.verb == STAGE_VERB_DESTROY) {
		if ((rc = make_client(&ctx, &err)))
			goto out;
	}
	if ((rc = stage_state_open(&state, dir, target, &err)))
		goto out;
	ctx.state = &state;
	switch (ctx.verb) {
	case STAGE_VERB_PLAN:
	case STAGE_VERB_APPLY:
		rc = run_converge(&ctx, &err);
		break;
	case STAGE_VERB_DESTROY:
		rc = run_destroy(&ctx, &err);
		break;
	case STAGE_VERB_OUTPUTS:
		rc = run_outputs(&ctx, &a, &err);
		break;
	case STAGE_VERB_SERVE_CONFIG:
		rc = stage_write_serve_config(&ctx, a.out, a.generated_dir, &err);
		break;
	}
out:
	if (rc == CA_OK)
		code = ctx.verb == STAGE_VERB_PLAN && ctx.changes ? 2 : 0;
	else
		fprintf(stderr, "stage-%d-%s: %s\n", def->number, def->name, ca_err_msg(&err));
	if (loaded && def->unload)
		def->unload(ctx.priv);
	aws_client_free(ctx.aws);
	stage_state_release(&state);
	ca_yaml_doc_release(&doc);
	json_decref(ctx.outputs);
	json_decref(ctx.tags);
	json_decref(ctx.created);
	free(target);
	free(dir);
	return code;
}
