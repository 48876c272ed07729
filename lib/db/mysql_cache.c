/*
 * mysql_cache.c — each connection's prepared statements, kept by their SQL
 * text, so that a repeated query costs one round trip (execute) instead of
 * three (prepare, execute, close).
 */
#include "db/mysql_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/banned.h"

/* FNV-1a: a cheap first comparison before the text itself. */
static uint64_t sql_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void slot_clear(struct mysql_cached_stmt *slot)
{
	if (slot->st)
		mysql_stmt_close(slot->st);
	free(slot->sql);
	memset(slot, 0, sizeof(*slot));
}

void ca_mysql_cache_clear(struct mysql_conn *c)
{
	size_t i;

	c->active = NULL;
	for (i = 0; i < CA_MYSQL_STMT_CACHE; i++)
		slot_clear(&c->cache[i]);
}

static struct mysql_cached_stmt *cache_find(struct mysql_conn *c, const char *sql, uint64_t h)
{
	size_t i;

	for (i = 0; i < CA_MYSQL_STMT_CACHE; i++) {
		struct mysql_cached_stmt *slot = &c->cache[i];

		if (slot->sql && slot->hash == h && strcmp(slot->sql, sql) == 0)
			return slot;
	}
	return NULL;
}

/* A free slot, or the least recently used one emptied. */
static struct mysql_cached_stmt *cache_victim(struct mysql_conn *c)
{
	struct mysql_cached_stmt *oldest = &c->cache[0];
	size_t i;

	for (i = 0; i < CA_MYSQL_STMT_CACHE; i++) {
		struct mysql_cached_stmt *slot = &c->cache[i];

		if (!slot->sql)
			return slot;
		if (slot->last_used < oldest->last_used)
			oldest = slot;
	}
	slot_clear(oldest);
	return oldest;
}

/* The prepared statement for sql on c, from the cache or newly prepared into it. */
static int cache_get(struct mysql_conn *c, const char *sql, MYSQL_STMT **out, const char *doing,
		     struct ca_err *err)
{
	uint64_t h = sql_hash(sql);
	struct mysql_cached_stmt *slot = cache_find(c, sql, h);
	MYSQL_STMT *st = NULL;
	char *key = NULL;
	int rc = CA_OK;

	if (slot) {
		slot->last_used = ++c->tick;
		*out = slot->st;
		return CA_OK;
	}
	st = mysql_stmt_init(c->handle);
	if (!st) {
		if (ca_mysql_is_conn_error(mysql_errno(c->handle)))
			return ca_err_set(err, CA_DB_CONNECT, "Lost the connection to MySQL while %s.",
					  doing);
		return ca_err_set(err, CA_ENOMEM, "Out of memory preparing a MySQL statement.");
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		rc = ca_mysql_stmt_error(st, doing, err);
		goto fail;
	}
	key = ca_strdup(sql);
	if (!key) {
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory preparing a MySQL statement.");
		goto fail;
	}
	slot = cache_victim(c);
	slot->sql = key;
	slot->hash = h;
	slot->st = st;
	slot->last_used = ++c->tick;
	*out = st;
	return CA_OK;
fail:
	mysql_stmt_close(st);
	return rc;
}

int ca_mysql_exec(struct mysql_conn *c, const char *sql, struct mysql_params *p,
		  MYSQL_STMT **out, bool *executed, const char *doing, struct ca_err *err)
{
	MYSQL_STMT *st = NULL;
	int rc;

	*out = NULL;
	*executed = false;
	ca_mysql_conn_settle(c);
	rc = cache_get(c, sql, &st, doing, err);
	if (rc)
		return rc;
	if ((p ? p->n : 0) != mysql_stmt_param_count(st))
		return ca_err_set(err, CA_DB_QUERY, "Internal error while %s: %zu parameters for %lu.",
				  doing, p ? p->n : 0, mysql_stmt_param_count(st));
	if (p && p->n && mysql_stmt_bind_param(st, p->bind) != 0)
		return ca_mysql_stmt_error(st, doing, err);
	*executed = true;
	c->active = st;
	if (mysql_stmt_execute(st) != 0)
		return ca_mysql_stmt_error(st, doing, err);
	*out = st;
	return CA_OK;
}
