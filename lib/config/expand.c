#include "config/expand.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

const char *ca_env_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

int ca_expand_needed(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (text[i] == '$' && (text[i + 1] == '{' || text[i + 1] == '$'))
			return 1;
	return 0;
}

/* Appends and enforces the size cap. */
static int put(struct ca_buf *out, const char *s, size_t n, size_t cap, struct ca_err *err)
{
	if (n > cap || out->len > cap - n)
		return ca_err_set(err, CA_ERANGE,
				  "the value is longer than %zu bytes after ${VAR} expansion", cap);
	if (ca_buf_add(out, s, n) != CA_OK)
		return ca_err_set(err, CA_ENOMEM, "out of memory expanding ${VAR} references");
	return CA_OK;
}

int ca_expand_vars(const char *text, size_t len, ca_env_fn fn, void *ctx, size_t cap,
		   struct ca_buf *out, struct ca_err *err)
{
	char name[CA_EXPAND_NAME_MAX + 1];
	size_t i = 0, start, nlen, dstart, dlen;
	const char *val;
	bool has_default;
	int rc;

	if (!fn)
		fn = ca_env_getenv;
	while (i < len) {
		if (text[i] != '$' || i + 1 >= len) {
			start = i;
			while (i < len && !(text[i] == '$' && i + 1 < len))
				i++;
			if ((rc = put(out, text + start, i - start, cap, err)))
				return rc;
			continue;
		}
		if (text[i + 1] == '$' && i + 2 < len && text[i + 2] == '{') {
			if ((rc = put(out, "${", 2, cap, err)))
				return rc;
			i += 3;
			continue;
		}
		if (text[i + 1] != '{') {
			if ((rc = put(out, "$", 1, cap, err)))
				return rc;
			i++;
			continue;
		}
		/* ${ NAME [:-default] } */
		start = i + 2;
		i = start;
		while (i < len && name_char(text[i]))
			i++;
		nlen = i - start;
		if (nlen == 0 || !name_start(text[start]))
			return ca_err_set(err, CA_CONFIG_SYNTAX,
					  "'${' must be followed by a variable name such as ${HOME} "
					  "(write $${ for a literal ${)");
		if (nlen > CA_EXPAND_NAME_MAX)
			return ca_err_set(err, CA_CONFIG_SYNTAX,
					  "a variable name in ${...} is longer than %d characters",
					  CA_EXPAND_NAME_MAX);
		memcpy(name, text + start, nlen);
		name[nlen] = '\0';
		has_default = false;
		dstart = dlen = 0;
		if (i + 1 < len && text[i] == ':' && text[i + 1] == '-') {
			has_default = true;
			dstart = i + 2;
			i = dstart;
			while (i < len && text[i] != '}') {
				if (text[i] == '$' && i + 1 < len && text[i + 1] == '{')
					return ca_err_set(err, CA_CONFIG_SYNTAX,
							  "the default in ${%s:-...} may not contain "
							  "another ${...}", name);
				i++;
			}
			dlen = i - dstart;
		}
		if (i >= len)
			return ca_err_set(err, CA_CONFIG_SYNTAX,
					  "'${%s' is not closed; add a '}'", name);
		if (text[i] != '}')
			return ca_err_set(err, CA_CONFIG_SYNTAX,
					  "expected '}' or ':-default' after '${%s'", name);
		i++;
		val = fn(ctx, name);
		if (has_default && (!val || !*val))
			rc = put(out, text + dstart, dlen, cap, err);
		else if (!val)
			return ca_err_set(err, CA_CONFIG_ENV,
					  "environment variable %s is not set; set it, or give "
					  "a default with ${%s:-value}", name, name);
		else
			rc = put(out, val, strlen(val), cap, err);
		if (rc)
			return rc;
	}
	return CA_OK;
}
