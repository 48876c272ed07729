/*
 * libFuzzer target: the hosted-UI page reader of lib/verify (verify_form.c). The input is
 * an HTML page from the network; whatever it holds, the fields come back form-encoded
 * (only unreserved characters, '%XX', '=' and '&'), a form found has the password in
 * it, and its action resolves against the page's URL.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verify/verify_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_buf fields = CA_BUF_INIT;
	char *html, *action = NULL, *url;
	bool found;
	size_t i;

	html = malloc(size + 1);
	if (!html)
		abort();
	memcpy(html, data, size);
	html[size] = '\0';
	found = verify_form_fill(html, "a@example.com", "pw#1", &action, &fields);
	if (!ca_buf_ok(&fields))
		abort();
	for (i = 0; i < fields.len; i++) {
		unsigned char c = (unsigned char)fields.data[i];

		if (!isalnum(c) && !strchr("-_.~%=&", c))
			abort();
	}
	if (found && !strstr(fields.data, "=pw%231"))
		abort();
	if (!found && (action || fields.len))
		abort();
	url = verify_url_resolve("https://auth.example.com/login?client_id=x", action);
	if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		abort();
	free(url);
	free(action);
	ca_buf_release(&fields);
	free(html);
	return 0;
}
