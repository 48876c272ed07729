#include "config/stages.h"

#include "util/banned.h"

const struct ca_stage ca_stages[CA_STAGE_COUNT] = {
#define STAGE(n, stage_name, db, st, au, tr)                                              \
	{ .number = n, .name = #stage_name, .database = SERVE_DB_##db,                    \
	  .storage = SERVE_STORAGE_##st, .auth = SERVE_AUTH_##au, .tracing = SERVE_TRACING_##tr },
#include "config/stages.def"
#undef STAGE
};
