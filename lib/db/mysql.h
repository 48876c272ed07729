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
 *   schema=create      create the database and the legacy tables when absent (default)
 *   schema=check       never create anything; CA_DB_SCHEMA when the tables are missing
 * Either way the tables' columns are checked against the contract at open.
 *
 * Text goes over the connection as utf8mb4. Every query is a prepared
 * statement. When the connection has been lost (server restart, KILL, idle
 * timeout) the next call reconnects once and repeats the statement if it is a
 * read or had not yet been sent; a write interrupted after it was sent is
 * reported (CA_DB_CONNECT) rather than repeated, since it may have been applied.
 * The handle may be used from several threads; calls are serialised on its one
 * connection.
 */
#ifndef CA_DB_MYSQL_H
#define CA_DB_MYSQL_H

#include "db/db.h"

/*
 * Connects (one retry), creates or checks the schema, and returns the handle in
 * *out (ca_db_close() frees it); *out is NULL on error. CA_EINVAL for a
 * malformed URL, CA_DB_CONNECT when the server cannot be reached or refuses the
 * login, CA_DB_SCHEMA when the tables are missing (schema=check) or lack a
 * contract column.
 */
int ca_db_mysql_open(const char *url, struct ca_db **out, struct ca_err *err);

/*
 * The statements that create the legacy tables, NULL-terminated, in order (the
 * same text as migrations/legacy_schema.sql without its comments). Static.
 */
const char *const *ca_db_mysql_legacy_ddl(void);

#endif
