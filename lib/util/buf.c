#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "util/error.h"
#include "util/banned.h"

char ca_buf_empty[1];

void ca_buf_init(struct ca_buf *b)
{
	b->data = ca_buf_empty;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void ca_buf_release(struct ca_buf *b)
{
	if (!b)
		return;
	if (b->cap)
		free(b->data);
	ca_buf_init(b);
}

void ca_buf_reset(struct ca_buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
	b->failed = false;
}

int ca_buf_grow(struct ca_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return CA_ENOMEM;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return CA_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = b->cap ? realloc(b->data, cap) : malloc(cap);
	if (!p)
		goto fail;
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return CA_OK;
fail:
	b->failed = true;
	return CA_ENOMEM;
}

int ca_buf_add(struct ca_buf *b, const void *data, size_t len)
{
	if (ca_buf_grow(b, len))
		return CA_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return CA_OK;
}

int ca_buf_adds(struct ca_buf *b, const char *s)
{
	return ca_buf_add(b, s, strlen(s));
}

int ca_buf_addch(struct ca_buf *b, char c)
{
	return ca_buf_add(b, &c, 1);
}

int ca_buf_vaddf(struct ca_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->failed)
		return CA_ENOMEM;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return CA_EINVAL;
	if (ca_buf_grow(b, (size_t)n))
		return CA_ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CA_OK;
}

int ca_buf_addf(struct ca_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ca_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void ca_buf_setlen(struct ca_buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

bool ca_buf_ok(const struct ca_buf *b)
{
	return !b->failed;
}

char *ca_buf_detach(struct ca_buf *b, size_t *len_out)
{
	char *p;

	if (b->failed) {
		ca_buf_release(b);
		return NULL;
	}
	if (!b->cap && ca_buf_grow(b, 0)) {
		ca_buf_release(b);
		return NULL;
	}
	p = b->data;
	if (len_out)
		*len_out = b->len;
	ca_buf_init(b);
	return p;
}
