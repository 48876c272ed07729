/*
 * verify_report.c — the list of steps, and writing it as TAP and as JUnit XML.
 */
#include "verify/verify_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/array.h"
#include "util/banned.h"

int verify_step_add(struct verify_run *run, const char *name, enum verify_status status,
		    const char *fmt, ...)
{
	struct verify_report *r = run->report;
	struct verify_step *s;
	struct ca_buf detail = CA_BUF_INIT;
	va_list ap;

	if (CA_ARRAY_RESERVE(r->steps, r->n, &r->cap, 16))
		return CA_ENOMEM;
	s = &r->steps[r->n];
	memset(s, 0, sizeof(*s));
	s->status = status;
	s->name = ca_strdup(name);
	if (fmt) {
		va_start(ap, fmt);
		ca_buf_vaddf(&detail, fmt, ap);
		va_end(ap);
		if (!ca_buf_ok(&detail)) {
			free(s->name);
			return CA_ENOMEM;
		}
		s->detail = ca_buf_detach(&detail, NULL);
	}
	if (!s->name) {
		free(s->detail);
		return CA_ENOMEM;
	}
	r->n++;
	if (status == VERIFY_FAIL)
		run->failed++;
	if (run->opt.on_step)
		run->opt.on_step(run->opt.on_step_ctx, s);
	return CA_OK;
}

bool verify_report_ok(const struct verify_report *r)
{
	return verify_report_count(r, VERIFY_FAIL) == 0;
}

size_t verify_report_count(const struct verify_report *r, enum verify_status st)
{
	size_t i, n = 0;

	for (i = 0; r && i < r->n; i++)
		if (r->steps[i].status == st)
			n++;
	return n;
}

void verify_report_release(struct verify_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->steps[i].name);
		free(r->steps[i].detail);
	}
	free(r->steps);
	memset(r, 0, sizeof(*r));
}

/* s on one line: control characters as spaces, and '#' escaped when hash is set. */
static void one_line(struct ca_buf *b, const char *s, bool hash)
{
	for (; s && *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			ca_buf_addch(b, ' ');
		else if (*s == '#' && hash)
			ca_buf_adds(b, "\\#");
		else if (*s == '\\' && hash)
			ca_buf_adds(b, "\\\\");
		else
			ca_buf_addch(b, *s);
	}
}

int verify_report_tap(const struct verify_report *r, FILE *out, struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	size_t i;
	int rc = CA_OK;

	ca_buf_addf(&b, "TAP version 13\n1..%zu\n", r ? r->n : 0);
	for (i = 0; r && i < r->n; i++) {
		const struct verify_step *s = &r->steps[i];

		ca_buf_addf(&b, "%s %zu - ", s->status == VERIFY_FAIL ? "not ok" : "ok", i + 1);
		one_line(&b, s->name, true);
		if (s->status == VERIFY_SKIP) {
			ca_buf_adds(&b, " # SKIP ");
			one_line(&b, s->detail ? s->detail : "not run here", false);
		} else if (s->status == VERIFY_PASS && s->detail) {
			ca_buf_adds(&b, "\n# ");
			one_line(&b, s->detail, false);
		} else if (s->status == VERIFY_FAIL) {
			ca_buf_adds(&b, "\n# ");
			one_line(&b, s->detail ? s->detail : "failed", false);
		}
		ca_buf_addch(&b, '\n');
	}
	if (!ca_buf_ok(&b)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory writing the TAP report.");
		goto out;
	}
	if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0)
		rc = ca_err_set(err, CA_EIO, "Could not write the TAP report to standard output.");
out:
	ca_buf_release(&b);
	return rc;
}

/* s as XML text or attribute value (no control characters but tab/newline). */
static void xml_text(struct ca_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': ca_buf_adds(b, "&lt;"); break;
		case '>': ca_buf_adds(b, "&gt;"); break;
		case '&': ca_buf_adds(b, "&amp;"); break;
		case '"': ca_buf_adds(b, "&quot;"); break;
		case '\'': ca_buf_adds(b, "&apos;"); break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				ca_buf_addch(b, ' ');
			else
				ca_buf_addch(b, *s);
		}
	}
}

int verify_report_junit(const struct verify_report *r, const char *suite, const char *path,
			struct ca_err *err)
{
	struct ca_buf b = CA_BUF_INIT;
	FILE *f = NULL;
	size_t i, n = r ? r->n : 0;
	int rc = CA_OK;

	ca_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
	xml_text(&b, suite ? suite : "cloudalbum-verify");
	ca_buf_addf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", n,
		    verify_report_count(r, VERIFY_FAIL), verify_report_count(r, VERIFY_SKIP));
	for (i = 0; i < n; i++) {
		const struct verify_step *s = &r->steps[i];

		ca_buf_adds(&b, "  <testcase classname=\"");
		xml_text(&b, suite ? suite : "cloudalbum-verify");
		ca_buf_adds(&b, "\" name=\"");
		xml_text(&b, s->name);
		if (s->status == VERIFY_PASS) {
			ca_buf_adds(&b, "\"/>\n");
			continue;
		}
		ca_buf_adds(&b, s->status == VERIFY_FAIL ? "\">\n    <failure message=\""
							 : "\">\n    <skipped message=\"");
		xml_text(&b, s->detail ? s->detail : "");
		if (s->status == VERIFY_FAIL) {
			ca_buf_adds(&b, "\">");
			xml_text(&b, s->detail ? s->detail : "");
			ca_buf_adds(&b, "</failure>\n  </testcase>\n");
		} else {
			ca_buf_adds(&b, "\"/>\n  </testcase>\n");
		}
	}
	ca_buf_adds(&b, "</testsuite>\n");
	if (!ca_buf_ok(&b)) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory writing the JUnit report.");
		goto out;
	}
	f = fopen(path, "w");
	if (!f || fwrite(b.data, 1, b.len, f) != b.len) {
		rc = ca_err_set(err, CA_EIO, "Could not write the JUnit report %s; check that its "
				"folder exists and is writable.", path);
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = ca_err_set(err, CA_EIO, "Could not write the JUnit report %s; check that its "
				"folder exists and is writable.", path);
		goto out;
	}
	f = NULL;
out:
	if (f)
		fclose(f);
	ca_buf_release(&b);
	return rc;
}
