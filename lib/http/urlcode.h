/*
 * urlcode.h — percent-decoding and base64url (RFC 4648 §5, no padding), the two
 * encodings that untrusted HTTP input arrives in.
 */
#ifndef CA_HTTP_URLCODE_H
#define CA_HTTP_URLCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Appends the percent-decoding of s[0..len) to out. With plus_is_space, '+'
 * becomes ' ' (form encoding). Returns CA_OK; CA_EPARSE for a '%' not followed
 * by two hex digits or for an encoded NUL (%00), which no caller wants;
 * CA_ENOMEM. out may hold a partial result on error.
 */
int ca_http_percent_decode(const char *s, size_t len, bool plus_is_space, struct ca_buf *out);

/* Length of the base64url text for n bytes (no padding, no NUL). */
size_t ca_base64url_len(size_t n);
/* Writes the base64url text of in[0..n) and a NUL into out (size >= ca_base64url_len(n)+1). */
void ca_base64url_encode(const uint8_t *in, size_t n, char *out);
/*
 * Decodes base64url text s[0..len) (no padding, no other characters, unused
 * trailing bits zero) into out. Returns false on any malformed input or when
 * the result would exceed out_cap; *out_len receives the decoded length.
 */
bool ca_base64url_decode(const char *s, size_t len, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
