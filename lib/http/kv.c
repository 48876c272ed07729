#include "http/kv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/array.h"
#include "util/banned.h"

void ca_http_kv_init(struct ca_http_kv *kv)
{
	kv->items = NULL;
	kv->n = 0;
	kv->cap = 0;
}

void ca_http_kv_release(struct ca_http_kv *kv)
{
	size_t i;

	if (!kv)
		return;
	for (i = 0; i < kv->n; i++) {
		free(kv->items[i].name);
		free(kv->items[i].value);
	}
	free(kv->items);
	ca_http_kv_init(kv);
}

static char *copy_bytes(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int ca_http_kv_add(struct ca_http_kv *kv, const char *name, size_t name_len,
		   const char *value, size_t value_len)
{
	struct ca_http_kv_pair pair = { NULL, NULL, 0 };

	if (!value)
		value_len = 0;
	if (CA_ARRAY_RESERVE(kv->items, kv->n, &kv->cap, 8))
		return CA_ENOMEM;
	pair.name = copy_bytes(name, name_len);
	pair.value = copy_bytes(value ? value : "", value_len);
	if (!pair.name || !pair.value)
		goto fail;
	pair.value_len = value_len;
	kv->items[kv->n++] = pair;
	return CA_OK;
fail:
	free(pair.name);
	free(pair.value);
	return CA_ENOMEM;
}

int ca_http_kv_adds(struct ca_http_kv *kv, const char *name, const char *value)
{
	return ca_http_kv_add(kv, name, strlen(name), value, value ? strlen(value) : 0);
}

const char *ca_http_kv_get(const struct ca_http_kv *kv, const char *name)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->items[i].name, name) == 0)
			return kv->items[i].value;
	return NULL;
}

const char *ca_http_kv_get_nocase(const struct ca_http_kv *kv, const char *name)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (strcasecmp(kv->items[i].name, name) == 0)
			return kv->items[i].value;
	return NULL;
}
