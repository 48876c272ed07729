/* Running the stage binaries for attendees, in parallel, with a live display. */
#include "class_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/banned.h"

#define MAX_CAPTURE (1024 * 1024)

char *class_first_line(const char *s)
{
	size_t n;

	if (!s)
		return ca_strdup("");
	while (*s == '\n')
		s++;
	n = strcspn(s, "\n");
	return ca_strndup(s, n);
}

static char *read_capped(const char *path)
{
	struct ca_buf b = CA_BUF_INIT;
	char chunk[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return ca_strdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < MAX_CAPTURE)
		ca_buf_add(&b, chunk, n);
	fclose(f);
	ca_buf_addch(&b, '\0');
	return ca_buf_detach(&b, NULL);
}

int class_run_stage(struct class_ctx *c, struct att_run *r, int n, const char *verb,
		    const char *const *extra, int *exit_code, char **out, char **first_err,
		    struct ca_err *err)
{
	struct ca_buf bin = CA_BUF_INIT, cfg = CA_BUF_INIT, outp = CA_BUF_INIT,
		      errp = CA_BUF_INIT;
	json_t *sets = class_attendee_sets(c, r, n), *tags = class_attendee_tags(c, r), *v;
	json_t *holder = json_array();
	const char **argv = NULL;
	posix_spawn_file_actions_t fa;
	bool fa_ready = false;
	size_t argc = 0, i;
	const char *key;
	pid_t pid;
	int status, rc = CA_OK;

	*exit_code = 127;
	if (out)
		*out = NULL;
	if (first_err)
		*first_err = NULL;
	ca_buf_addf(&bin, "%s/stage-%d-%s", c->bin_dir, n, ca_stages[n].name);
	ca_buf_addf(&cfg, "%s/stage-%d.yaml", c->configs, n);
	ca_buf_addf(&outp, "%s/logs/stage-%d-%s.out", r->dir, n, verb);
	ca_buf_addf(&errp, "%s/logs/stage-%d-%s.err", r->dir, n, verb);
	argv = calloc(16 + 2 * (json_array_size(sets) + json_object_size(tags)) + 8,
		      sizeof(char *));
	if (!sets || !tags || !holder || !argv || !ca_buf_ok(&bin) || !ca_buf_ok(&cfg) ||
	    !ca_buf_ok(&outp) || !ca_buf_ok(&errp)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	argv[argc++] = bin.data;
	argv[argc++] = verb;
	argv[argc++] = "--config";
	argv[argc++] = cfg.data;
	argv[argc++] = "--target";
	argv[argc++] = c->roster.target;
	argv[argc++] = "--state-dir";
	argv[argc++] = r->dir;
	json_array_foreach(sets, i, v) {
		argv[argc++] = "--set";
		argv[argc++] = json_string_value(v);
	}
	json_object_foreach(tags, key, v) {
		struct ca_buf t = CA_BUF_INIT;
		ca_buf_addf(&t, "%s=%s", key, json_string_value(v));
		if (!ca_buf_ok(&t) || json_array_append_new(holder, json_string(t.data))) {
			ca_buf_release(&t);
			rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			goto out;
		}
		ca_buf_release(&t);
		argv[argc++] = "--tag";
		argv[argc++] = json_string_value(json_array_get(holder, json_array_size(holder) - 1));
	}
	for (i = 0; extra && extra[i] && i < 8; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	fa_ready = true;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, outp.data, O_WRONLY | O_CREAT | O_TRUNC,
					     0600) ||
	    posix_spawn_file_actions_addopen(&fa, 2, errp.data, O_WRONLY | O_CREAT | O_TRUNC,
					     0600)) {
		rc = ca_err_set(err, CA_ENOMEM, "out of memory");
		goto out;
	}
	errno = posix_spawn(&pid, bin.data, &fa, NULL, (char *const *)argv, r->env);
	if (errno != 0) {
		rc = ca_err_set(err, CA_EIO, "cannot run %s: %s (build it with make, or pass "
				"--bin-dir)", bin.data, strerror(errno));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			rc = ca_err_set(err, CA_EIO, "waiting for %s: %s", bin.data, strerror(errno));
			goto out;
		}
	}
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (out)
		*out = read_capped(outp.data);
	if (first_err) {
		char *all = read_capped(errp.data);
		*first_err = class_first_line(all);
		free(all);
		if (*first_err && !**first_err && *exit_code != 0) {
			free(*first_err);
			*first_err = WIFSIGNALED(status)
				? ca_strdup("the stage binary was killed by a signal")
				: ca_strdup("the stage binary failed without a message");
		}
	}
out:
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	free(argv);
	json_decref(sets);
	json_decref(tags);
	json_decref(holder);
	ca_buf_release(&bin);
	ca_buf_release(&cfg);
	ca_buf_release(&outp);
	ca_buf_release(&errp);
	return rc;
}

/* ---- the display ---- */

const char *class_cell_word(enum cell_state s, const char *verb)
{
	bool plan = !strcmp(verb, "status") || !strcmp(verb, "verify");

	switch (s) {
	case CELL_PENDING:
		return "pending";
	case CELL_RUNNING:
		return "running";
	case CELL_OK:
		return plan ? "up to date" : !strcmp(verb, "down") ? "deleted" : "done";
	case CELL_DRIFT:
		return "drift";
	case CELL_MISSING:
		return "missing";
	case CELL_ERROR:
		return "error";
	case CELL_SKIPPED:
		return "skipped";
	}
	return "?";
}

static size_t name_width(const struct class_ctx *c)
{
	size_t w = 8, i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->runs[i].a->name) > w)
			w = strlen(c->runs[i].a->name);
	return w;
}

/* Redraws the whole matrix in place (terminal only). Called with the lock held. */
static void redraw(struct class_ctx *c)
{
	FILE *f = c->o->out;
	size_t w = name_width(c), i;
	int s;

	if (c->drawn)
		fprintf(f, "\033[%zuA", c->drawn);
	fprintf(f, "\r\033[K%-*s", (int)w, "attendee");
	for (s = 0; s <= c->stage; s++)
		fprintf(f, "  stage %-5d", s);
	fputc('\n', f);
	for (i = 0; i < c->n; i++) {
		fprintf(f, "\r\033[K%-*s", (int)w, c->runs[i].a->name);
		for (s = 0; s <= c->stage; s++)
			fprintf(f, "  %-11s", class_cell_word(c->runs[i].cells[s].state, c->verb));
		fputc('\n', f);
	}
	c->drawn = c->n + 1;
	fflush(f);
}

void class_cell_set(struct class_ctx *c, struct att_run *r, int stage, enum cell_state s,
		    const char *detail)
{
	pthread_mutex_lock(&c->lock);
	r->cells[stage].state = s;
	free(r->cells[stage].detail);
	r->cells[stage].detail = detail ? ca_strdup(detail) : NULL;
	if (c->tty && c->stage >= 0) {
		redraw(c);
	} else if (s != CELL_PENDING && s != CELL_RUNNING && strcmp(c->verb, "status") != 0) {
		fprintf(c->o->out, "%s stage %d %s: %s%s%s\n", r->a->name, stage, c->verb,
			class_cell_word(s, c->verb), detail ? ": " : "", detail ? detail : "");
		fflush(c->o->out);
	}
	pthread_mutex_unlock(&c->lock);
}

void class_refused(struct class_ctx *c, struct att_run *r)
{
	int k;

	pthread_mutex_lock(&c->lock);
	for (k = 0; k <= c->stage && k < CLASS_STAGES; k++) {
		r->cells[k].state = CELL_ERROR;
		free(r->cells[k].detail);
		r->cells[k].detail = r->error ? ca_strdup(r->error) : NULL;
	}
	if (c->tty && c->stage >= 0)
		redraw(c);
	else if (strcmp(c->verb, "status") != 0)
		fprintf(c->o->out, "%s: left out: %s\n", r->a->name, r->error ? r->error : "");
	pthread_mutex_unlock(&c->lock);
}

bool class_attendee_ready(struct class_ctx *c, struct att_run *r)
{
	if (class_attendee_prepare(c, r) == CA_OK)
		return true;
	class_refused(c, r);
	return false;
}

int class_run_cell(struct class_ctx *c, struct att_run *r, int n, const char *verb,
		   int *exit_code, char **out, char **first_err, struct ca_err *err)
{
	int rc;

	class_cell_set(c, r, n, CELL_RUNNING, NULL);
	rc = class_run_stage(c, r, n, verb, NULL, exit_code, out, first_err, err);
	if (rc != CA_OK)
		class_cells_fill(c, r, n, CELL_ERROR, ca_err_msg(err));
	return rc;
}

void class_cells_fill(struct class_ctx *c, struct att_run *r, int from, enum cell_state s,
		      const char *detail)
{
	int k;

	for (k = from; k <= c->stage && k < CLASS_STAGES; k++)
		class_cell_set(c, r, k, s, detail);
}

/* ---- the pool ---- */

struct pool {
	struct class_ctx *c;
	void (*fn)(struct class_ctx *, struct att_run *);
	pthread_mutex_t lock;
	size_t next;
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->c->n)
			return NULL;
		p->fn(p->c, &p->c->runs[i]);
	}
}

int class_for_each(struct class_ctx *c, void (*fn)(struct class_ctx *, struct att_run *),
		   struct ca_err *err)
{
	pthread_t threads[CLASS_MAX_JOBS];
	struct pool p;
	size_t jobs = (size_t)(c->o->jobs < 1 ? 1 : c->o->jobs), started = 0, i;
	int rc = CA_OK;

	if (jobs > CLASS_MAX_JOBS)
		jobs = CLASS_MAX_JOBS;
	if (jobs > c->n)
		jobs = c->n;
	p.c = c;
	p.fn = fn;
	p.next = 0;
	pthread_mutex_init(&p.lock, NULL);
	if (c->tty && c->stage >= 0) {
		pthread_mutex_lock(&c->lock);
		redraw(c);
		pthread_mutex_unlock(&c->lock);
	}
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&threads[i], NULL, worker, &p) != 0) {
			if (started == 0)
				rc = ca_err_set(err, CA_ENOMEM, "cannot start a worker thread");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&p.lock);
	return rc;
}
