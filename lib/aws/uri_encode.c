/*
 * uri_encode.c — AWS's URI encoding and percent-decoding (util/url.h's, with AWS's
 * choices), the S3 path form and a UTF-8 check.
 */
#include "aws/sigv4_canon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/strutil.h"
#include "util/url.h"
#include "util/banned.h"

char *aws_uri_encode(const char *s, size_t len, bool encode_slash)
{
	struct ca_buf b = CA_BUF_INIT;

	if (!s && len)
		return NULL;
	if (aws_uri_encode_buf(&b, s ? s : "", len, encode_slash) != CA_OK) {
		ca_buf_release(&b);
		return NULL;
	}
	return ca_buf_detach(&b, NULL);
}

int aws_s3_path_encode_buf(struct ca_buf *out, const char *path, size_t len)
{
	struct ca_buf decoded = CA_BUF_INIT;
	int rc;

	rc = aws_percent_decode_buf(&decoded, path ? path : "", path ? len : 0);
	if (rc == CA_OK)
		rc = aws_uri_encode_buf(out, decoded.data ? decoded.data : "", decoded.len, false);
	ca_buf_release(&decoded);
	return rc;
}

bool aws_utf8_valid(const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}
