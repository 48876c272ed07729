/*
 * libFuzzer target: multipart/form-data bodies (uploads).
 *
 * Input layout: byte 0 picks the limits (bit 0: tight ones, so every cap is reached),
 * then the Content-Type header value up to the first '\n', then the body. On success
 * the parts are checked against the contract of multipart.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_filename(const char *f)
{
	const unsigned char *p;

	if (!*f || !strcmp(f, ".") || !strcmp(f, ".."))
		abort();
	for (p = (const unsigned char *)f; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ca_multipart_limits tight = { 4, 64, 128, 96 };
	const struct ca_multipart_limits *lim;
	struct ca_multipart mp;
	struct ca_err err;
	const uint8_t *nl;
	char *ctype = NULL, *body = NULL;
	size_t ctype_len, body_len, i, total = 0;
	int rc;

	if (size < 1)
		return 0;
	lim = (data[0] & 1) ? &tight : NULL;
	data++;
	size--;
	nl = memchr(data, '\n', size);
	if (!nl)
		return 0;
	ctype_len = (size_t)(nl - data);
	body_len = size - ctype_len - 1;
	ctype = malloc(ctype_len + 1);
	body = malloc(body_len ? body_len : 1); /* exact size: reads past the end are caught */
	if (!ctype || !body)
		abort();
	memcpy(ctype, data, ctype_len);
	ctype[ctype_len] = '\0';
	memcpy(body, nl + 1, body_len);

	ca_err_clear(&err);
	rc = ca_multipart_parse(ctype, body, body_len, lim, &mp, &err);
	if (rc != CA_OK) {
		if (!err.msg[0])
			abort();
		goto out;
	}
	if (mp.n > (lim ? lim->max_parts : 64))
		abort();
	for (i = 0; i < mp.n; i++) {
		const struct ca_multipart_part *p = &mp.parts[i];

		if (!p->name || (p->len && (p->data < body || p->data + p->len > body + body_len)))
			abort();
		if (p->filename)
			check_filename(p->filename);
		if (lim && p->len > lim->max_part_bytes)
			abort();
		total += p->len;
		if (ca_multipart_get(&mp, p->name) == NULL)
			abort();
	}
	if (lim && total > lim->max_total_bytes)
		abort();
out:
	ca_multipart_release(&mp);
	free(ctype);
	free(body);
	return 0;
}
