/*
 * dynamodb.h — DynamoDB control-plane calls: the typed shape of a table and
 * CreateTable / DescribeTable / UpdateTable / DeleteTable / ListTables, plus a one-item
 * Scan to tell an empty table from one that holds data. (The data backend adds item
 * calls to this module.)
 *
 * A struct ddb_table is both what we ask for (create) and what DescribeTable says
 * (describe). Lifecycle: ddb_table_init ... ddb_table_release.
 */
#ifndef CA_AWS_DYNAMODB_H
#define CA_AWS_DYNAMODB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

enum ddb_billing { DDB_BILLING_PROVISIONED, DDB_BILLING_PAY_PER_REQUEST };

/* A key attribute: name and scalar type 'S', 'N' or 'B'. name NULL: none (no range key). */
struct ddb_key {
	char *name;
	char type;
};

struct ddb_gsi {
	char *name;
	struct ddb_key hash, range;
	char *projection;               /* "ALL", "KEYS_ONLY" or "INCLUDE" */
	char **non_key;                 /* INCLUDE: the projected attributes */
	size_t n_non_key;
	long read_capacity, write_capacity;     /* provisioned only; 0 otherwise */
	char *status;                   /* describe: "ACTIVE", "CREATING" ... */
};

struct ddb_table {
	char *name;
	char *arn;                      /* describe */
	char *status;                   /* describe: "ACTIVE", "CREATING", "UPDATING" ... */
	struct ddb_key hash, range;
	enum ddb_billing billing;
	long read_capacity, write_capacity;     /* provisioned only */
	struct ddb_gsi *gsis;
	size_t n_gsis;
	long item_count;                /* describe: DynamoDB's estimate (updated ~6 h) */
};

void ddb_table_init(struct ddb_table *t);
/* Frees every member and re-initialises. NULL accepted. */
void ddb_table_release(struct ddb_table *t);

/*
 * DescribeTable name into *out (initialised here; release it). CA_OK; CA_ENOTFOUND
 * (no message set) when there is no such table; client errors otherwise;
 * CA_AWS_BAD_RESPONSE when the answer lacks the key schema.
 */
int ddb_describe_table(struct aws_client *c, const char *name, struct ddb_table *out,
		       struct ca_err *err);

/*
 * CreateTable from spec (name, keys, billing, capacities, GSIs). Returns at once (the
 * table is CREATING); ddb_wait_active waits. CA_EEXIST (no message) when a table of that
 * name exists; client errors otherwise.
 */
int ddb_create_table(struct aws_client *c, const struct ddb_table *spec, struct ca_err *err);

/*
 * The UpdateTable request that takes the table have (what DescribeTable said; NULL:
 * unknown) to the billing and capacities of want, carrying only what changes, since
 * DynamoDB refuses a ProvisionedThroughput equal to the current one: BillingMode only
 * when it changes; switching to provisioned, every capacity; otherwise the table's
 * ProvisionedThroughput only when it differs and an index Update only for each index
 * whose capacity differs. Only TableName when nothing changes. Returns a new
 * reference (json_decref it), NULL when out of memory.
 */
json_t *ddb_update_capacity_request(const struct ddb_table *want, const struct ddb_table *have);

/*
 * UpdateTable with ddb_update_capacity_request(want, have); no call at all when nothing
 * changes. CA_OK; client errors otherwise.
 */
int ddb_update_capacity(struct aws_client *c, const struct ddb_table *want,
			const struct ddb_table *have, struct ca_err *err);

/* DeleteTable. CA_ENOTFOUND (no message) when there is no such table. */
int ddb_delete_table(struct aws_client *c, const char *name, struct ca_err *err);

/*
 * Polls DescribeTable until the table and its GSIs are ACTIVE (deleted, when gone is
 * true), at most timeout_s seconds. CA_OK; CA_ETIMEOUT naming the table and its status.
 */
int ddb_wait(struct aws_client *c, const char *name, bool gone, long timeout_s,
	     struct ca_err *err);

/* ListTables, every page, into names[0..*n) (each malloc'd; free with ddb_names_free). */
int ddb_list_tables(struct aws_client *c, char ***names, size_t *n, struct ca_err *err);
void ddb_names_free(char **names, size_t n);

/* A one-item Scan: *has_items true when the table holds at least one item. */
int ddb_table_has_items(struct aws_client *c, const char *name, bool *has_items,
			struct ca_err *err);

#endif
