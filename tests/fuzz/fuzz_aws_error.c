/*
 * libFuzzer target: reading an AWS error answer (JSON and XML bodies, the
 * x-amzn-ErrorType and request-id headers).
 *
 * Input layout: byte 0 flags (bit 0: an x-amzn-ErrorType header follows, bit 1: a
 * request-id header follows), bytes 1-2 the HTTP status (big-endian), then each
 * header given as one line up to '\n', then the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the line at *p (up to '\n' or end); advances *p. */
static char *take_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl ? 1 : 0);
	return s;
}

/* The contract of struct aws_error: terminated inside its array, no control bytes. */
static void check_field(const char *s, size_t cap)
{
	size_t i, n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_error_input in;
	struct aws_error out;
	const uint8_t *p = data + 3, *end = data + size;
	char *type = NULL, *rid = NULL;

	if (size < 3)
		return 0;
	memset(&in, 0, sizeof(in));
	in.status = (data[1] << 8) | data[2];
	if (data[0] & 1)
		in.error_type_header = type = take_line(&p, end);
	if (data[0] & 2)
		in.request_id_header = rid = take_line(&p, end);
	in.body_len = (size_t)(end - p);
	/* a private copy so that a read past the body is caught */
	in.body = in.body_len ? malloc(in.body_len) : NULL;
	if (in.body_len && !in.body)
		abort();
	if (in.body_len)
		memcpy((char *)in.body, p, in.body_len);
	aws_error_parse(&in, &out);
	check_field(out.code, sizeof(out.code));
	check_field(out.message, sizeof(out.message));
	check_field(out.request_id, sizeof(out.request_id));
	if (!out.code[0] || out.status != in.status)
		abort();
	free((char *)in.body);
	free(type);
	free(rid);
	return 0;
}
