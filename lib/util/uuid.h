/*
 * uuid.h — random version-4 UUIDs (RFC 9562), the one generator of the toolkit:
 * user ids ("uuid4 as 32 hex digits", what the seed's uuid4().hex gives;
 * docs/CONTRACTS.md, "User item") and image file names ("<uuid4>.jpg", dashed
 * as the seed's str(uuid4()) gives). The legacy seed's reproducible ids
 * (legacy_seed/seed_rng.h) are a different thing: seeded, not random.
 *
 * Both write lower-case hex and a terminating NUL into out, from the system's
 * random source. CA_OK, or CA_EIO when no random bytes could be read (out is
 * then ""); the caller says what the id was for.
 */
#ifndef CA_UTIL_UUID_H
#define CA_UTIL_UUID_H

#define CA_UUID_HEX_LEN 32    /* "0123456789ab4def8123456789abcdef" */
#define CA_UUID_DASHED_LEN 36 /* "01234567-89ab-4def-8123-456789abcdef" */

int ca_uuid4_hex(char out[CA_UUID_HEX_LEN + 1]);
int ca_uuid4_dashed(char out[CA_UUID_DASHED_LEN + 1]);

#endif
