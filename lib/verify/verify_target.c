/*
 * verify_target.c — what a run checks against: the serve config, and the X-Ray names
 * the stage config's provision block gives (cloudalbum-serve ignores that block).
 */
#include "verify/verify.h"

#include <string.h>

#include "config/yaml.h"
#include "util/strutil.h"
#include "util/banned.h"

/* The expanded text of provision.xray.<key> into *out; NULL when absent or empty. */
static int provision_name(const struct ca_yaml_doc *doc, const char *path, char **out,
			  struct ca_err *err)
{
	const struct ca_yaml_node *n = ca_yaml_lookup(doc->root, path);
	int rc;

	*out = NULL;
	if (!n || n->kind != CA_YAML_SCALAR || n->is_null)
		return CA_OK;
	rc = ca_yaml_expand(doc, n, out, err);
	if (rc == CA_OK && *out && !**out)
		ca_free_str(out);
	return rc;
}

int verify_target_load(const char *path, struct verify_target *t, struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = ca_yaml_load_file(&doc, path, err);
	if (rc == CA_OK)
		rc = serve_config_from_doc(&doc, &t->serve, err);
	if (rc == CA_OK && !t->serve.path) {
		t->serve.path = ca_strdup(path);
		if (!t->serve.path)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	if (rc == CA_OK)
		rc = provision_name(&doc, "provision.xray.sampling_rule", &t->xray_sampling_rule,
				    err);
	if (rc == CA_OK)
		rc = provision_name(&doc, "provision.xray.group", &t->xray_group, err);
	ca_yaml_doc_release(&doc);
	if (rc != CA_OK)
		verify_target_release(t);
	return rc;
}

void verify_target_release(struct verify_target *t)
{
	if (!t)
		return;
	serve_config_release(&t->serve);
	ca_free_str(&t->xray_sampling_rule);
	ca_free_str(&t->xray_group);
	memset(t, 0, sizeof(*t));
}
