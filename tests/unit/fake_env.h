/*
 * fake_env.h — a fixed environment for the config tests: the lookup that
 * ca_yaml_doc_set_env and ca_expand_vars take, reading "NAME=value" strings from a
 * NULL-terminated array passed as ctx (a name not in it is unset). Static: include it
 * in one test file.
 */
#ifndef CA_TESTS_FAKE_ENV_H
#define CA_TESTS_FAKE_ENV_H

#include <stddef.h>
#include <string.h>

static const char *fake_env(void *ctx, const char *name)
{
	const char *const *kv = ctx;
	size_t n = strlen(name);

	for (; *kv; kv++)
		if (strncmp(*kv, name, n) == 0 && (*kv)[n] == '=')
			return *kv + n + 1;
	return NULL;
}

#endif
