/* The class roster (roster.h). */
#include "roster.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"
#include "config/value.h"
#include "config/yaml.h"
#include "util/strutil.h"
#include "util/banned.h"

struct top_cfg {
	char *cls, *region;
	int target;
};

struct att_cfg {
	char *name, *prefix, *role_arn, *external_id, *initial, *url;
};

static const char *const targets[] = { "local", "aws", NULL };

static const struct ca_cfg_key top_keys[] = {
	{ .name = "class", .type = CA_CFG_STRING, .offset = offsetof(struct top_cfg, cls),
	  .flags = CA_CFG_REQUIRED, .min = 1, .max = 32 },
	{ .name = "region", .type = CA_CFG_STRING, .offset = offsetof(struct top_cfg, region),
	  .flags = CA_CFG_REQUIRED, .min = 4, .max = 32 },
	{ .name = "target", .type = CA_CFG_ENUM, .offset = offsetof(struct top_cfg, target),
	  .def = "aws", .choices = targets },
	{ .name = "attendees", .type = CA_CFG_IGNORE, .flags = CA_CFG_REQUIRED },
	CA_CFG_END
};

static const struct ca_cfg_key att_keys[] = {
	{ .name = "name", .type = CA_CFG_STRING, .offset = offsetof(struct att_cfg, name),
	  .flags = CA_CFG_REQUIRED, .min = 1, .max = 32 },
	{ .name = "prefix", .type = CA_CFG_STRING, .offset = offsetof(struct att_cfg, prefix),
	  .min = 1, .max = ROSTER_MAX_PREFIX },
	{ .name = "role_arn", .type = CA_CFG_STRING, .offset = offsetof(struct att_cfg, role_arn),
	  .min = 1, .max = 2048 },
	{ .name = "external_id", .type = CA_CFG_STRING,
	  .offset = offsetof(struct att_cfg, external_id), .flags = CA_CFG_SECRET,
	  .min = 2, .max = 1224 },
	{ .name = "initial", .type = CA_CFG_STRING, .offset = offsetof(struct att_cfg, initial),
	  .min = 1, .max = 64 },
	{ .name = "url", .type = CA_CFG_URL, .offset = offsetof(struct att_cfg, url) },
	CA_CFG_END
};

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Class names and prefixes go into bucket names and Cognito domains: [a-z0-9-],
 * a letter first, no '-' at the end, no "--", none of the words Cognito refuses. */
static bool label_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-' || strstr(s, "--") ||
	    strstr(s, "aws") || strstr(s, "amazon") || strstr(s, "cognito"))
		return false;
	for (i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!lower_alnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return i > 0;
}

static bool initial_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!lower_alnum(s[i]) && !(s[i] >= 'A' && s[i] <= 'Z') && s[i] != '-' &&
		    s[i] != '_')
			return false;
	return i > 0;
}

/* STS: ExternalId is 2..1224 of [\w+=,.@:/-]. */
static bool external_id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!lower_alnum(s[i]) && !(s[i] >= 'A' && s[i] <= 'Z') && !strchr("_+=,.@:/-", s[i]))
			return false;
	return i >= 2;
}

bool roster_role_arn_ok(const char *s, char account[13])
{
	static const char *const partitions[] = { "arn:aws:iam::", "arn:aws-cn:iam::",
						  "arn:aws-us-gov:iam::", NULL };
	const char *p = NULL, *name;
	size_t i, n;

	for (i = 0; partitions[i]; i++)
		if (ca_starts_with(s, partitions[i])) {
			p = s + strlen(partitions[i]);
			break;
		}
	if (!p)
		return false;
	for (i = 0; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	if (strncmp(p + 12, ":role/", 6) != 0)
		return false;
	p += 18;
	if (p[0] == '/' || strlen(p) > 512)
		return false;
	/* an optional path: segments of the same characters, each ending in '/' */
	name = strrchr(p, '/');
	name = name ? name + 1 : p;
	for (i = 0; p + i < name; i++)
		if (!lower_alnum(p[i]) && !(p[i] >= 'A' && p[i] <= 'Z') &&
		    !strchr("+=,.@_-/", p[i]))
			return false;
	if (name > p && strstr(p, "//"))
		return false;
	n = strlen(name);
	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!lower_alnum(name[i]) && !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !strchr("+=,.@_-", name[i]))
			return false;
	if (account) {
		memcpy(account, s + (size_t)(strchr(s + 4, ':') - s) + 6, 12);
		account[12] = '\0';
	}
	return true;
}

static void attendee_release(struct attendee *a)
{
	free(a->name);
	free(a->prefix);
	free(a->role_arn);
	ca_free_secret(a->external_id);
	free(a->initial);
	free(a->url);
	free(a->problem);
	memset(a, 0, sizeof(*a));
}

void roster_release(struct roster *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		attendee_release(&r->a[i]);
	free(r->a);
	free(r->path);
	free(r->cls);
	free(r->region);
	free(r->target);
	memset(r, 0, sizeof(*r));
}

/* Moves the filled fields of c into a (c's pointers are taken). */
static void take(struct attendee *a, struct att_cfg *c)
{
	a->name = c->name;
	a->prefix = c->prefix;
	a->role_arn = c->role_arn;
	a->external_id = c->external_id;
	a->initial = c->initial;
	a->url = c->url;
	memset(c, 0, sizeof(*c));
}

static int check_attendee(const struct ca_yaml_doc *doc, const struct ca_yaml_node *node,
			  struct roster *r, struct attendee *a, struct ca_err *err)
{
	size_t i;

	if (!name_ok(a->name))
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: attendee name \"%.32s\" may hold "
				  "only lowercase letters, digits, '-' and '_'", doc->name,
				  node->line, a->name);
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->a[i].name, a->name))
			return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: attendee %s is listed twice "
					  "(also at line %d)", doc->name, node->line, a->name,
					  r->a[i].line);
	if (!!a->prefix == !!a->role_arn)
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: attendee %s needs exactly one of "
				  "'prefix' (everything in the instructor's account) and 'role_arn' "
				  "(the attendee's own account)", doc->name, node->line, a->name);
	if (a->external_id && !a->role_arn)
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: attendee %s has an 'external_id' "
				  "but no 'role_arn' to use it with", doc->name, node->line, a->name);
	if (a->prefix) {
		if (!label_ok(a->prefix))
			return ca_err_set(err, CA_CONFIG_VALUE,
					  "%s:%d: prefix \"%.20s\" of attendee %s must be lowercase "
					  "letters, digits and single '-' starting with a letter, without "
					  "the words aws, amazon or cognito (it goes into bucket and "
					  "Cognito domain names)", doc->name, node->line, a->prefix,
					  a->name);
		for (i = 0; i < r->n; i++)
			if (r->a[i].prefix && !strcmp(r->a[i].prefix, a->prefix))
				return ca_err_set(err, CA_CONFIG_VALUE,
						  "%s:%d: attendees %s and %s share the prefix %s, so "
						  "they would share every resource", doc->name,
						  node->line, r->a[i].name, a->name, a->prefix);
	}
	if (a->initial && !initial_ok(a->initial))
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: initial \"%.64s\" of attendee %s "
				  "may hold only letters, digits, '-' and '_'", doc->name,
				  node->line, a->initial, a->name);
	if (a->external_id && !external_id_ok(a->external_id))
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: the external_id of attendee %s "
				  "must be 2 to 1224 letters, digits or _+=,.@:/-", doc->name,
				  node->line, a->name);
	if (!a->initial && !(a->initial = ca_strdup(a->name)))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	a->mode = a->prefix ? ATTENDEE_PREFIX : ATTENDEE_ACCOUNT;
	if (a->role_arn && !roster_role_arn_ok(a->role_arn, a->account)) {
		struct ca_err why;
		ca_err_clear(&why);
		ca_err_set(&why, CA_CONFIG_VALUE,
			   "%s:%d: role_arn of attendee %s is not an IAM role ARN like "
			   "arn:aws:iam::111111111111:role/WorkshopInstructor; this attendee is "
			   "left out (no STS call is made)", doc->name, node->line, a->name);
		if (!(a->problem = ca_strdup(why.msg)))
			return ca_err_set(err, CA_ENOMEM, "out of memory");
	}
	return CA_OK;
}

static const char *region_problem(const char *r)
{
	size_t i, n = strlen(r), dashes = 0;

	if (n < 4 || r[0] < 'a' || r[0] > 'z' || r[n - 1] < '0' || r[n - 1] > '9')
		return "not a region name";
	for (i = 0; i < n; i++) {
		if (r[i] == '-') {
			if (r[i + 1] == '-')
				return "not a region name";
			dashes++;
		} else if (!lower_alnum(r[i])) {
			return "not a region name";
		}
	}
	return dashes >= 2 ? NULL : "not a region name";
}

static int parse_doc(const struct ca_yaml_doc *doc, struct roster *r, struct ca_err *err)
{
	struct top_cfg top;
	const struct ca_yaml_node *list;
	size_t i;
	int rc;

	memset(&top, 0, sizeof(top));
	if (doc->root->kind != CA_YAML_MAP)
		return ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: a roster is a mapping with class, "
				  "region and attendees", doc->name, doc->root->line);
	if ((rc = ca_cfg_fill(doc, NULL, NULL, top_keys, &top, 0, err)))
		return rc;
	r->cls = top.cls;
	r->region = top.region;
	top.cls = top.region = NULL;
	r->target = ca_strdup(targets[top.target < 0 ? 1 : top.target]);
	if (!r->target)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	if (!label_ok(r->cls))
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: class \"%.32s\" must be lowercase "
				  "letters, digits and single '-' starting with a letter, without "
				  "the words aws, amazon or cognito (it goes into bucket names)",
				  doc->name, ca_yaml_get(doc->root, "class")->line, r->cls);
	if (region_problem(r->region))
		return ca_err_set(err, CA_CONFIG_VALUE, "%s:%d: region \"%.32s\" is not an AWS "
				  "region name like ap-southeast-1", doc->name,
				  ca_yaml_get(doc->root, "region")->line, r->region);
	list = ca_yaml_get(doc->root, "attendees");
	if (!list || (list->kind == CA_YAML_SCALAR && list->is_null))
		return ca_err_set(err, CA_CONFIG_MISSING_KEY, "%s: missing required key "
				  "'attendees' (a list of attendees)", doc->name);
	if (list->kind != CA_YAML_SEQ || list->n == 0)
		return ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: 'attendees' must be a list of at "
				  "least one attendee", doc->name, list->line);
	if (list->n > ROSTER_MAX_ATTENDEES)
		return ca_err_set(err, CA_ERANGE, "%s:%d: at most %d attendees per roster, got %zu",
				  doc->name, list->line, ROSTER_MAX_ATTENDEES, list->n);
	if (!(r->a = calloc(list->n, sizeof(*r->a))))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	for (i = 0; i < list->n; i++) {
		const struct ca_yaml_node *node = list->items[i];
		struct att_cfg c;
		struct attendee *a = &r->a[r->n];
		char path[32];

		if (node->kind != CA_YAML_MAP)
			return ca_err_set(err, CA_CONFIG_TYPE, "%s:%d: each attendee is a mapping "
					  "with name and prefix or role_arn", doc->name, node->line);
		snprintf(path, sizeof(path), "attendees[%zu]", i);
		if ((rc = ca_cfg_fill(doc, node, path, att_keys, &c, 0, err)))
			return rc;
		take(a, &c);
		a->line = node->line;
		if ((rc = check_attendee(doc, node, r, a, err))) {
			attendee_release(a);
			return rc;
		}
		r->n++;
	}
	return CA_OK;
}

int roster_parse(const char *name, const char *text, size_t len, struct roster *r,
		 struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = ca_yaml_parse(&doc, name, text, len, err)) == CA_OK)
		rc = parse_doc(&doc, r, err);
	if (rc == CA_OK && !(r->path = ca_strdup(name)))
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
	if (rc)
		roster_release(r);
	ca_yaml_doc_release(&doc);
	return rc;
}

int roster_load(const char *path, struct roster *r, struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = ca_yaml_load_file(&doc, path, err)) == CA_OK)
		rc = parse_doc(&doc, r, err);
	if (rc == CA_OK && !(r->path = ca_strdup(path)))
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
	if (rc)
		roster_release(r);
	ca_yaml_doc_release(&doc);
	return rc;
}
