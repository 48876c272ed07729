/*
 * libFuzzer target: the class roster of cloudalbum-classroom (classroom/roster.h). The
 * input is the roster file; a refusal must come with a sentence and leave nothing
 * behind, an accepted roster must hold what roster.h promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../classroom/roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster r;
	struct ca_err err;
	size_t i;

	ca_err_clear(&err);
	if (roster_parse("fuzz-roster", (const char *)data, size, &r, &err) != CA_OK) {
		if (!err.msg[0] || r.a || r.n)
			abort();
		return 0;
	}
	if (!r.cls || !r.region || !r.target || r.n == 0 || r.n > ROSTER_MAX_ATTENDEES)
		abort();
	for (i = 0; i < r.n; i++) {
		const struct attendee *a = &r.a[i];
		if (!a->name || !a->initial || (!a->prefix == !a->role_arn))
			abort();
		if (a->role_arn && !a->problem && (strlen(a->account) != 12 ||
						   !roster_role_arn_ok(a->role_arn, NULL)))
			abort();
		if (a->prefix && strlen(a->prefix) > ROSTER_MAX_PREFIX)
			abort();
	}
	roster_release(&r);
	return 0;
}
