/*
 * libFuzzer target: the Cookie request header. The input is the header value; every
 * pair the parser keeps must be a valid cookie, and writing it back with
 * ca_http_cookie_format() and reading that again must give the same pair.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cookie.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_http_cookie_attrs attrs = { NULL, 0, true, true, "Lax" };
	struct ca_http_kv kv = CA_HTTP_KV_INIT, again = CA_HTTP_KV_INIT;
	struct ca_buf set = CA_BUF_INIT;
	char *header;
	size_t i;

	header = malloc(size + 1);
	if (!header)
		abort();
	memcpy(header, data, size);
	header[size] = '\0';
	if (ca_http_cookie_parse(header, &kv) != CA_OK)
		abort();
	if (kv.n > CA_HTTP_COOKIE_MAX)
		abort();
	for (i = 0; i < kv.n; i++) {
		const struct ca_http_kv_pair *p = &kv.items[i];

		if (!ca_http_cookie_valid(p->name, p->value) || strlen(p->value) != p->value_len)
			abort();
		ca_buf_reset(&set);
		if (ca_http_cookie_format(&set, p->name, p->value, &attrs) != CA_OK)
			abort();
		ca_http_kv_release(&again);
		if (ca_http_cookie_parse(set.data, &again) != CA_OK || again.n < 1 ||
		    strcmp(again.items[0].name, p->name) || strcmp(again.items[0].value, p->value))
			abort();
	}
	ca_http_kv_get(&kv, "session");
	ca_http_kv_get_nocase(&kv, "CSRF_TOKEN");
	ca_http_kv_release(&kv);
	ca_http_kv_release(&again);
	ca_buf_release(&set);
	free(header);
	return 0;
}
