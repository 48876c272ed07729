/*
 * uuid.c — random version-4 UUIDs (uuid.h).
 */
#include "util/uuid.h"

#include <stdint.h>
#include <string.h>

#include "util/crypto.h"
#include "util/error.h"
#include "util/banned.h"

/* 16 random bytes with the version (4) and variant (10xx) bits set. */
static int random_uuid4(uint8_t b[16])
{
	if (ca_random_bytes(b, 16) != CA_OK)
		return CA_EIO;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	return CA_OK;
}

int ca_uuid4_hex(char out[CA_UUID_HEX_LEN + 1])
{
	uint8_t b[16];

	out[0] = '\0';
	if (random_uuid4(b) != CA_OK)
		return CA_EIO;
	ca_hex_encode(b, sizeof(b), out);
	return CA_OK;
}

int ca_uuid4_dashed(char out[CA_UUID_DASHED_LEN + 1])
{
	/* the groups of the dashed form: 8-4-4-4-12 hex digits */
	static const size_t group_bytes[] = { 4, 2, 2, 2, 6 };
	uint8_t b[16];
	size_t g, from = 0, at = 0;

	out[0] = '\0';
	if (random_uuid4(b) != CA_OK)
		return CA_EIO;
	for (g = 0; g < sizeof(group_bytes) / sizeof(group_bytes[0]); g++) {
		if (g)
			out[at++] = '-';
		ca_hex_encode(b + from, group_bytes[g], out + at);
		at += 2 * group_bytes[g];
		from += group_bytes[g];
	}
	out[at] = '\0';
	return CA_OK;
}
