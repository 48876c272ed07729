/*
 * stages.h — the lab stages as data: the rows of config/stages.def (the one list; see
 * there) as a C table, for the serve config's `stage:` check and the stage binaries.
 * Everything here is static.
 */
#ifndef CA_CONFIG_STAGES_H
#define CA_CONFIG_STAGES_H

#include "config/serve_config.h"

/* How many stages there are: numbered 0 .. CA_STAGE_COUNT - 1. */
enum {
	CA_STAGE_COUNT = 0
#define STAGE(number, name, database, storage, auth, tracing) + 1
#include "config/stages.def"
#undef STAGE
};

struct ca_stage {
	int number;                     /* its index in ca_stages */
	const char *name;               /* "iam": the binary is stage-0-iam */
	/* the backend kinds a serve config with `stage: number` runs */
	enum serve_db_kind database;
	enum serve_storage_kind storage;
	enum serve_auth_kind auth;
	enum serve_tracing_kind tracing;
};

extern const struct ca_stage ca_stages[CA_STAGE_COUNT];

#endif
