/*
 * libFuzzer target: request.txt of a SigV4 test-suite case (sigv4_case_parse_request),
 * and then the signer over whatever request it accepts: the canonical request, the
 * string to sign and the signed request are built and printed in both modes.
 *
 * Byte 0 picks the context: bit 0 service s3 (S3's path rules), bit 1 no path
 * normalisation, bit 2 a signed body, bit 3 a session token. The rest is request.txt.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4_case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void make_context(unsigned flags, char *out, size_t cap)
{
	snprintf(out, cap,
		 "{\"credentials\": {\"access_key_id\": \"AKIDEXAMPLE\", "
		 "\"secret_access_key\": \"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\"%s}, "
		 "\"expiration_in_seconds\": 3600, \"normalize\": %s, \"region\": \"us-east-1\", "
		 "\"service\": \"%s\", \"sign_body\": %s, \"timestamp\": \"2015-08-30T12:36:00Z\"}",
		 (flags & 8) ? ", \"token\": \"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\"" : "",
		 (flags & 2) ? "false" : "true", (flags & 1) ? "s3" : "service",
		 (flags & 4) ? "true" : "false");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigv4_case c;
	struct ca_buf out = CA_BUF_INIT;
	struct ca_err err;
	char context[512], *text;
	int mode, what, rc;

	if (size < 1)
		return 0;
	sigv4_case_init(&c);
	make_context(data[0], context, sizeof(context));
	if (sigv4_case_parse_context(&c, context, strlen(context), NULL) != CA_OK)
		abort(); /* the harness's own context must be good */
	text = malloc(size - 1 ? size - 1 : 1); /* exact size: reads past the end are caught */
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	ca_err_clear(&err);
	rc = sigv4_case_parse_request(&c, text, size - 1, &err);
	if (rc != CA_OK) {
		if (!err.msg[0] || c.method || c.n_headers || c.body)
			abort(); /* a sentence, and no half-parsed request */
		goto out;
	}
	if (!c.method || !c.path || c.path[0] != '/' || !c.version || !c.header_lines || !c.body)
		abort();
	for (mode = 0; mode < 2; mode++) {
		struct sigv4_signed s;

		memset(&s, 0, sizeof(s));
		if (sigv4_case_sign(&c, mode == 1, &s, NULL) == CA_OK) {
			for (what = SIGV4_CASE_CREQ; what <= SIGV4_CASE_REQUEST; what++) {
				ca_buf_reset(&out);
				if (sigv4_case_render(&c, mode == 1, &s, (enum sigv4_case_output)what,
						      &out) != CA_OK)
					abort();
			}
		}
		sigv4_signed_release(&s);
	}
out:
	ca_buf_release(&out);
	sigv4_case_release(&c);
	free(text);
	return 0;
}
