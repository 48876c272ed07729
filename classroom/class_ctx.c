/* Opening a class: roster, directories, the instructor's client; per-attendee setup. */
#include "class_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/protocol.h"
#include "config/yaml.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/strutil.h"
#include "util/banned.h"

extern char **environ;

#define SESSION_SECONDS "3600"

void class_opts_init(struct class_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->stage = -1;
	o->jobs = 4;
	o->out = stdout;
	o->tty = -1;
}

static char *join2(const char *a, const char *b)
{
	struct ca_buf buf = CA_BUF_INIT;

	ca_buf_addf(&buf, "%s/%s", a, b);
	return ca_buf_detach(&buf, NULL);
}

/* mkdir -p with mode 0700. */
static int make_dirs(const char *path, struct ca_err *err)
{
	char *copy = ca_strdup(path), *p;
	int rc = CA_OK;

	if (!copy)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	for (p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char keep = *p;
			*p = '\0';
			if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
				rc = ca_err_set(err, CA_EIO, "cannot create %s: %s", copy,
						strerror(errno));
				break;
			}
			*p = keep;
			if (!keep)
				break;
		}
	}
	free(copy);
	return rc;
}

/* The stage binaries: --bin-dir, else the directory this program lives in. */
static char *find_bin_dir(const struct class_opts *o)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (o->bin_dir)
		return ca_strdup(o->bin_dir);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return ca_strdup("bin");
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	return ca_strdup(self);
}

/* aws.endpoint of the base stage-0 config, expanded ("" when none). */
static int read_endpoint(struct class_ctx *c, struct ca_err *err)
{
	struct ca_yaml_doc doc = CA_YAML_DOC_INIT;
	char *path = join2(c->configs, "stage-0.yaml");
	const struct ca_yaml_node *n;
	int rc;

	if (!path)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	rc = ca_yaml_load_file(&doc, path, err);
	if (rc) {
		ca_err_prefix(err, "the class's stage configs (--configs %s)", c->configs);
		goto out;
	}
	n = ca_yaml_lookup(doc.root, "aws.endpoint");
	if (n && n->kind == CA_YAML_SCALAR && !n->is_null)
		rc = ca_yaml_expand(&doc, n, &c->endpoint, err);
	else if (!(c->endpoint = ca_strdup("")))
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
out:
	ca_yaml_doc_release(&doc);
	free(path);
	return rc;
}

int class_open(struct class_ctx *c, const struct class_opts *o, const char *verb,
	       struct ca_err *err)
{
	struct aws_client_options opt;
	const char *base = o->state_dir;
	struct ca_buf b = CA_BUF_INIT;
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->verb = verb;
	pthread_mutex_init(&c->lock, NULL);
	if (!o->roster)
		return ca_err_set(err, CA_STAGE_USAGE, "--roster FILE is required");
	if ((rc = roster_load(o->roster, &c->roster, err)))
		return rc;
	if (!base || !*base) {
		const char *env = getenv("CA_STATE_DIR");
		ca_buf_addf(&b, "%s/classroom", env && *env ? env : ".cloudalbum");
	} else {
		ca_buf_adds(&b, base);
	}
	ca_buf_addf(&b, "/%s", c->roster.cls);
	c->class_dir = ca_buf_detach(&b, NULL);
	if (o->configs) {
		c->configs = ca_strdup(o->configs);
	} else {
		ca_buf_addf(&b, "lab-configs/%s", c->roster.target);
		c->configs = ca_buf_detach(&b, NULL);
	}
	c->bin_dir = find_bin_dir(o);
	c->n = c->roster.n;
	c->runs = calloc(c->n, sizeof(*c->runs));
	if (!c->class_dir || !c->configs || !c->bin_dir || !c->runs)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	for (i = 0; i < c->n; i++)
		c->runs[i].a = &c->roster.a[i];
	if ((rc = read_endpoint(c, err)) || (rc = make_dirs(c->class_dir, err)))
		return rc;
	memset(&opt, 0, sizeof(opt));
	opt.region = c->roster.region;
	opt.endpoint = *c->endpoint ? c->endpoint : NULL;
	if ((rc = aws_client_new(&opt, &c->aws, err)))
		return rc;
	c->tty = o->tty < 0 ? isatty(fileno(o->out)) : o->tty;
	return CA_OK;
}

void class_close(struct class_ctx *c)
{
	size_t i;
	int s;

	if (!c)
		return;
	for (i = 0; c->runs && i < c->n; i++) {
		struct att_run *r = &c->runs[i];
		char **e;
		for (e = r->env; e && *e; e++) {
			if (ca_starts_with(*e, "AWS_SECRET_ACCESS_KEY=") ||
			    ca_starts_with(*e, "AWS_SESSION_TOKEN="))
				ca_free_secret(*e);
			else
				free(*e);
		}
		free(r->env);
		aws_client_free(r->aws);
		aws_credentials_provider_release(r->provider);
		aws_credentials_release(&r->creds);
		for (s = 0; s < CLASS_STAGES; s++)
			free(r->cells[s].detail);
		free(r->dir);
		free(r->error);
		free(r->verify_failure);
		json_decref(r->left);
	}
	free(c->runs);
	aws_client_free(c->aws);
	roster_release(&c->roster);
	free(c->class_dir);
	free(c->configs);
	free(c->bin_dir);
	free(c->endpoint);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}

int class_recorded_stage(const struct class_ctx *c)
{
	char *path = join2(c->class_dir, "class.json");
	json_t *j = path ? json_load_file(path, 0, NULL) : NULL;
	json_t *s = json_object_get(j, "stage");
	int stage = json_is_integer(s) && json_integer_value(s) >= 0 &&
			    json_integer_value(s) < CLASS_STAGES
		    ? (int)json_integer_value(s) : -1;

	json_decref(j);
	free(path);
	return stage;
}

int class_record_stage(const struct class_ctx *c, int stage, struct ca_err *err)
{
	char *path = join2(c->class_dir, "class.json");
	json_t *j = json_pack("{s:s, s:i}", "class", c->roster.cls, "stage", stage);
	char *text = j ? json_dumps(j, JSON_SORT_KEYS) : NULL;
	int rc;

	if (!path || !text)
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
	else
		rc = ca_file_write_atomic(path, text, strlen(text), 0600, 0, err);
	free(text);
	json_decref(j);
	free(path);
	return rc;
}

/* ---- one attendee ---- */

static void set_error(struct att_run *r, const char *msg)
{
	free(r->error);
	r->error = ca_strdup(msg);
}

/* environ with AWS_REGION and, in account mode, the assumed credentials. */
static int build_env(struct class_ctx *c, struct att_run *r)
{
	static const char *const replaced[] = { "AWS_REGION=", "AWS_DEFAULT_REGION=",
						"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
						"AWS_SESSION_TOKEN=", "AWS_PROFILE=", NULL };
	size_t n = 0, k = 0, i;
	char **env;
	struct ca_buf b = CA_BUF_INIT;

	while (environ[n])
		n++;
	env = calloc(n + 6, sizeof(char *));
	if (!env)
		return CA_ENOMEM;
	r->env = env;
	for (i = 0; i < n; i++) {
		int j;
		bool skip = false;
		for (j = 0; replaced[j]; j++)
			if (ca_starts_with(environ[i], replaced[j]) &&
			    (j < 2 || r->have_creds))
				skip = true;
		if (!skip && !(env[k++] = ca_strdup(environ[i])))
			return CA_ENOMEM;
	}
	ca_buf_addf(&b, "AWS_REGION=%s", c->roster.region);
	if (!(env[k++] = ca_buf_detach(&b, NULL)))
		return CA_ENOMEM;
	if (r->have_creds) {
		ca_buf_addf(&b, "AWS_ACCESS_KEY_ID=%s", r->creds.access_key_id);
		if (!(env[k++] = ca_buf_detach(&b, NULL)))
			return CA_ENOMEM;
		ca_buf_addf(&b, "AWS_SECRET_ACCESS_KEY=%s", r->creds.secret_access_key);
		if (!(env[k++] = ca_buf_detach(&b, NULL)))
			return CA_ENOMEM;
		ca_buf_addf(&b, "AWS_SESSION_TOKEN=%s", r->creds.session_token);
		if (!(env[k++] = ca_buf_detach(&b, NULL)))
			return CA_ENOMEM;
	}
	return CA_OK;
}

static int assumed_fetch(void *ctx, struct aws_credentials *out, struct ca_err *err)
{
	const struct att_run *r = ctx;

	if (aws_credentials_copy(out, &r->creds) != CA_OK)
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	out->expiration = 0;
	return CA_OK;
}

/* STS AssumeRole into the attendee's account (the ARN was checked by the roster). */
static int assume_role(struct class_ctx *c, struct att_run *r, struct ca_err *err)
{
	struct ca_buf session = CA_BUF_INIT;
	struct aws_param p[4];
	struct ca_xml_node *x = NULL;
	const char *key, *secret, *token;
	size_t np = 3;
	int rc;

	ca_buf_addf(&session, "cloudalbum-classroom-%.40s", r->a->name);
	if (!ca_buf_ok(&session))
		return ca_err_set(err, CA_ENOMEM, "out of memory");
	p[0].name = "RoleArn";
	p[0].value = r->a->role_arn;
	p[1].name = "RoleSessionName";
	p[1].value = session.data;
	p[2].name = "DurationSeconds";
	p[2].value = SESSION_SECONDS;
	if (r->a->external_id) {
		p[3].name = "ExternalId";
		p[3].value = r->a->external_id;
		np = 4;
	}
	rc = aws_query_call(c->aws, AWS_SVC_STS, "AssumeRole", p, np, &x, err);
	if (rc) {
		ca_err_prefix(err, "cannot assume %s for attendee %s", r->a->role_arn, r->a->name);
		goto out;
	}
	key = ca_xml_path_text(x, "AssumeRoleResult/Credentials/AccessKeyId");
	secret = ca_xml_path_text(x, "AssumeRoleResult/Credentials/SecretAccessKey");
	token = ca_xml_path_text(x, "AssumeRoleResult/Credentials/SessionToken");
	if (!key || !secret || !token) {
		rc = ca_err_set(err, CA_AWS_BAD_RESPONSE,
				"sts: AssumeRole of %s answered without credentials", r->a->role_arn);
		goto out;
	}
	r->creds.access_key_id = ca_strdup(key);
	r->creds.secret_access_key = ca_strdup(secret);
	r->creds.session_token = ca_strdup(token);
	r->creds.source = "assume-role";
	if (!r->creds.access_key_id || !r->creds.secret_access_key || !r->creds.session_token) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	r->have_creds = true;
out:
	ca_xml_free(x);
	ca_buf_release(&session);
	return rc;
}

int class_attendee_prepare(struct class_ctx *c, struct att_run *r)
{
	struct aws_client_options opt;
	struct ca_err err;
	char *logs = NULL;
	int rc;

	ca_err_clear(&err);
	if (r->a->problem) {
		set_error(r, r->a->problem);
		return CA_CONFIG_VALUE;
	}
	r->dir = join2(c->class_dir, r->a->name);
	logs = r->dir ? join2(r->dir, "logs") : NULL;
	if (!logs) {
		rc = ca_err_set(&err, CA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = make_dirs(logs, &err)))
		goto out;
	if (r->a->mode == ATTENDEE_ACCOUNT) {
		if ((rc = assume_role(c, r, &err)))
			goto out;
		if (!(r->provider = aws_credentials_provider_new_with(assumed_fetch, NULL, r))) {
			rc = ca_err_set(&err, CA_ENOMEM, "out of memory");
			goto out;
		}
		memset(&opt, 0, sizeof(opt));
		opt.region = c->roster.region;
		opt.endpoint = *c->endpoint ? c->endpoint : NULL;
		opt.credentials = r->provider;
		if ((rc = aws_client_new(&opt, &r->aws, &err)))
			goto out;
	}
	if (build_env(c, r) != CA_OK)
		rc = ca_err_set(&err, CA_ENOMEM, "out of memory");
out:
	if (rc)
		set_error(r, ca_err_msg(&err));
	free(logs);
	return rc;
}

/* ---- names ---- */

static char *fmt_name(const char *fmt, const char *a, const char *b)
{
	struct ca_buf buf = CA_BUF_INIT;

	ca_buf_addf(&buf, fmt, a, b);
	return ca_buf_detach(&buf, NULL);
}

/* The name of a resource for r: "<prefix>-<lab name>" or the lab name. */
static char *lab_name(const struct att_run *r, const char *lab)
{
	return r->a->prefix ? fmt_name("%s-%s", r->a->prefix, lab) : ca_strdup(lab);
}

static char *bucket_name(const struct class_ctx *c, const struct att_run *r)
{
	return r->a->prefix ? fmt_name("%s-%s-photos", r->a->prefix, c->roster.cls)
			    : fmt_name("cloudalbum-photos-%s%s", r->a->account, "");
}

static int add_set(json_t *sets, const char *path, char *value)
{
	struct ca_buf b = CA_BUF_INIT;
	int rc;

	if (!value)
		return CA_ENOMEM;
	ca_buf_addf(&b, "%s=%s", path, value);
	free(value);
	if (!ca_buf_ok(&b))
		return CA_ENOMEM;
	rc = json_array_append_new(sets, json_string(b.data)) ? CA_ENOMEM : CA_OK;
	ca_buf_release(&b);
	return rc;
}

json_t *class_attendee_sets(const struct class_ctx *c, const struct att_run *r, int n)
{
	json_t *s = json_array();
	int rc = s ? CA_OK : CA_ENOMEM;

	if (rc == CA_OK)
		rc = add_set(s, "provision.iam.initial", ca_strdup(r->a->initial));
	if (rc == CA_OK)
		rc = add_set(s, "aws.region", ca_strdup(c->roster.region));
	if (rc == CA_OK && r->a->prefix &&
	    ((rc = add_set(s, "provision.iam.policy_name", lab_name(r, "workshop-cloud9-policy"))) ||
	     (rc = add_set(s, "provision.iam.role_name",
			   lab_name(r, "workshop-cloud9-instance-profile-role"))) ||
	     (rc = add_set(s, "provision.iam.profile_name",
			   lab_name(r, "workshop-cloud9-instance-profile")))))
		goto out;
	if (rc == CA_OK && r->a->url)
		rc = add_set(s, "server.base_url", ca_strdup(r->a->url));
	if (rc == CA_OK && n >= 1 &&
	    ((rc = add_set(s, "database.user_table", lab_name(r, "User"))) ||
	     (rc = add_set(s, "database.photo_table", lab_name(r, "Photo")))))
		goto out;
	if (rc == CA_OK && n >= 2)
		rc = add_set(s, "storage.bucket", bucket_name(c, r));
	if (rc == CA_OK && n >= 3 && r->a->prefix &&
	    ((rc = add_set(s, "provision.cognito.pool_name", lab_name(r, "cloudalbum-users"))) ||
	     (rc = add_set(s, "provision.cognito.client_name", lab_name(r, "cloudalbum-web"))) ||
	     (rc = add_set(s, "provision.cognito.domain",
			   fmt_name("%s-%s", r->a->prefix, c->roster.cls)))))
		goto out;
	if (rc == CA_OK && n >= 4 && r->a->prefix &&
	    ((rc = add_set(s, "provision.xray.sampling_rule", lab_name(r, "cloudalbum"))) ||
	     (rc = add_set(s, "provision.xray.group", lab_name(r, "cloudalbum")))))
		goto out;
out:
	if (rc) {
		json_decref(s);
		s = NULL;
	}
	return s;
}

json_t *class_attendee_tags(const struct class_ctx *c, const struct att_run *r)
{
	return json_pack("{s:s, s:s}", "cloudalbum:class", c->roster.cls, "cloudalbum:attendee",
			 r->a->name);
}

struct class_resource *class_attendee_resources(const struct class_ctx *c,
						const struct att_run *r, size_t *n)
{
	struct class_resource *res = calloc(9, sizeof(*res));
	size_t i;

	*n = 0;
	if (!res)
		return NULL;
	res[0] = (struct class_resource){ 0, "iam policy", lab_name(r, "workshop-cloud9-policy") };
	res[1] = (struct class_resource){ 0, "iam role",
					  lab_name(r, "workshop-cloud9-instance-profile-role") };
	res[2] = (struct class_resource){ 0, "iam instance profile",
					  lab_name(r, "workshop-cloud9-instance-profile") };
	res[3] = (struct class_resource){ 1, "dynamodb table", lab_name(r, "User") };
	res[4] = (struct class_resource){ 1, "dynamodb table", lab_name(r, "Photo") };
	res[5] = (struct class_resource){ 2, "s3 bucket", bucket_name(c, r) };
	res[6] = (struct class_resource){ 3, "cognito user pool", lab_name(r, "cloudalbum-users") };
	res[7] = (struct class_resource){ 4, "xray sampling rule", lab_name(r, "cloudalbum") };
	res[8] = (struct class_resource){ 4, "xray group", lab_name(r, "cloudalbum") };
	for (i = 0; i < 9; i++)
		if (!res[i].name) {
			class_resources_free(res, 9);
			return NULL;
		}
	*n = 9;
	return res;
}

void class_resources_free(struct class_resource *res, size_t n)
{
	size_t i;

	for (i = 0; res && i < n; i++)
		free(res[i].name);
	free(res);
}
