/*
 * mysql.h — the database backend on the legacy MySQL / MariaDB schema
 * (MariaDB Connector/C).
 *
 * URL: mysql://user[:password]@host[:port]/database[?option=value&...]
 *   user, password and database may be percent-encoded; port defaults to 3306;
 *   host "localhost" means the server's Unix socket (the connector's rule).
 * Options:
 *   connect_timeout=S  seconds to establish a connection (default 5)
 *   read_timeout=S     seconds to wait for an answer (default 30)
 *   write_timeout=S    seconds to send a request (default 30)
 *   pool=N             connections the handle may hold, 1..256 (default: the
 *                      opener's choice, see ca_db_mysql_open_pool(); else 8)
 *   pool_timeout=S     seconds a call waits while every connection is busy
 *                      before it fails with CA_ETIMEOUT (default 10)
 *   schema=create      create the database and the legacy tables when absent,
 *                      and the listing index photo_user_upload (default)
 *   schema=check       never create anything; CA_DB_SCHEMA when the tables are missing
 * Either way the tables' columns are checked against the contract at open.
 *
 * Connections: the handle keeps a pool of up to N connections, opened on first
 * need (one at open). Each call borrows one connection for its duration, so up
 * to N calls run at once from different threads; more wait (pool_timeout).
 * Each connection keeps up to 32 prepared statements, so a repeated query is
 * one round trip. Text goes over the connections as utf8mb4.
 *
 * When a connection has been lost (server restart, KILL, idle timeout) the call
 * that finds out reconnects it once and repeats the statement if it is a read
 * or had not yet been sent; a write interrupted after it was sent is reported
 * (CA_DB_CONNECT) rather than repeated, since it may have been applied. An idle
 * connection whose server has hung up is noticed (without a round trip) before
 * it is lent, and reconnected.
 *
 * The index: with schema=create the backend adds
 *   CREATE INDEX IF NOT EXISTS photo_user_upload ON Photo (user_id, upload_date, id)
 * so that a page of an album is read in order without sorting all of the
 * owner's photos. It only adds to the legacy schema (InnoDB lets it stand in for
 * the index of the foreign key on user_id); where the login may not create
 * indexes, the backend works without it.
 *
 * Session revocation (db.h): with schema=create the backend also creates two
 * tables of its own, cloudalbum_session_generation and cloudalbum_session_revoked
 * (mysql_session.c); the seed application never reads them. With schema=check
 * they must exist already (the session calls fail with CA_DB_SCHEMA otherwise).
 */
#ifndef CA_DB_MYSQL_H
#define CA_DB_MYSQL_H

#include "db/db.h"

#define CA_DB_MYSQL_POOL_DEFAULT 8

/*
 * Parses the URL, connects one connection (one retry), creates or checks the
 * schema, and returns the handle in *out (ca_db_close() frees it, after every
 * call on it has returned); *out is NULL on error. The pool holds the URL's
 * pool=N connections, else default_pool (e.g. the server's thread count; capped
 * at 256), else CA_DB_MYSQL_POOL_DEFAULT when default_pool is 0.
 * CA_EINVAL for a malformed URL, CA_DB_CONNECT when the server cannot be
 * reached or refuses the login, CA_DB_SCHEMA when the tables are missing
 * (schema=check) or lack a contract column.
 */
int ca_db_mysql_open_pool(const char *url, unsigned default_pool, struct ca_db **out,
			  struct ca_err *err);

/* ca_db_mysql_open_pool(url, 0, out, err): what ca_db_open() uses for mysql:// URLs. */
int ca_db_mysql_open(const char *url, struct ca_db **out, struct ca_err *err);

/*
 * The statements that create the legacy tables, NULL-terminated, in order: those of
 * lib/db/legacy_schema.sql without its comments and ';' (compiled in from it). Static.
 */
const char *const *ca_db_mysql_legacy_ddl(void);

#endif
