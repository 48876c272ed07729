/*
 * libFuzzer target: the shared credentials/config file reader (~/.aws/credentials,
 * ~/.aws/config). The input is the file; on success every entry and section is
 * checked against the contract of ini.h and looked up again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct ca_err err;
	size_t i;
	int rc;

	ca_err_clear(&err);
	rc = aws_ini_parse(&ini, (const char *)data, size, "fuzz-credentials", &err);
	if (rc != CA_OK) {
		if (!err.msg[0] || ini.n || ini.n_sections)
			abort(); /* a sentence, and nothing left behind */
		goto out;
	}
	for (i = 0; i < ini.n; i++) {
		const struct aws_ini_entry *e = &ini.entries[i];

		if (!e->section[0] || !e->key[0] || !aws_ini_has_section(&ini, e->section))
			abort();
		/* duplicates are already replaced, so a lookup finds this very entry */
		if (aws_ini_get(&ini, e->section, e->key, NULL) != e->value)
			abort();
	}
	for (i = 0; i < ini.n_sections; i++)
		if (!ini.sections[i][0])
			abort();
	aws_ini_get(&ini, "default", "aws_access_key_id", NULL);
	aws_ini_get(&ini, "profile dev", "region", NULL);
out:
	aws_ini_release(&ini);
	return 0;
}
