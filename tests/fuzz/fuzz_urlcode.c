/*
 * libFuzzer target: percent-decoding and base64url, the encodings untrusted HTTP
 * input (query strings, forms, session cookies, JWTs) arrives in.
 *
 * Byte 0 picks what is tried on the rest: bit 0 percent-decoding (bit 1: '+' is a
 * space), else base64url decoding, which must be canonical (decode then encode gives
 * the text back); every input is also base64url-encoded and decoded back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/urlcode.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_percent(const char *s, size_t len, bool plus)
{
	struct ca_buf out = CA_BUF_INIT;

	if (ca_http_percent_decode(s, len, plus, &out) == CA_OK) {
		/* never longer than the input, never an embedded NUL, always terminated */
		if (out.len > len || memchr(out.data, '\0', out.len) || out.data[out.len])
			abort();
		if (plus && memchr(out.data, '+', out.len) && !memchr(s, '%', len))
			abort();
	}
	ca_buf_release(&out);
}

static void check_base64(const char *s, size_t len)
{
	uint8_t *bin = malloc(len + 1);
	char *text = NULL;
	size_t n = 0;

	if (!bin)
		abort();
	if (ca_base64url_decode(s, len, bin, len, &n)) {
		if (n > len || ca_base64url_len(n) != len)
			abort();
		text = malloc(len + 1);
		if (!text)
			abort();
		ca_base64url_encode(bin, n, text);
		if (memcmp(text, s, len) || text[len])
			abort();
		free(text);
	}
	free(bin);
}

static void check_roundtrip(const uint8_t *in, size_t n)
{
	size_t tlen = ca_base64url_len(n), got = 0;
	char *text = malloc(tlen + 1);
	uint8_t *back = malloc(n + 1);

	if (!text || !back)
		abort();
	ca_base64url_encode(in, n, text);
	if (strlen(text) != tlen)
		abort();
	if (!ca_base64url_decode(text, tlen, back, n, &got) || got != n || memcmp(back, in, n))
		abort();
	/* one byte less room than needed must be refused, not overrun */
	if (n && ca_base64url_decode(text, tlen, back, n - 1, &got))
		abort();
	free(text);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	s = malloc(len ? len : 1); /* exact size: reads past the end are caught */
	if (!s)
		abort();
	memcpy(s, data + 1, len);
	if (data[0] & 1)
		check_percent(s, len, (data[0] & 2) != 0);
	else
		check_base64(s, len);
	check_roundtrip(data + 1, len);
	free(s);
	return 0;
}
