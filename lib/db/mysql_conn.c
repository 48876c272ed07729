/*
 * mysql_conn.c — one connection of the pool: connecting, noticing that the
 * server hung up, closing; and the mapping of MySQL errors to ours.
 */
#include "db/mysql_internal.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "util/banned.h"

bool ca_mysql_is_conn_error(unsigned int e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SSL_CONNECTION_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
		return true;
	default:
		return false;
	}
}

void ca_mysql_conn_close(struct mysql_conn *c)
{
	if (!c)
		return;
	ca_mysql_cache_clear(c);
	if (c->handle)
		mysql_close(c->handle);
	c->handle = NULL;
}

bool ca_mysql_conn_stale(const struct mysql_conn *c)
{
	struct pollfd pfd;

	if (!c->handle)
		return false;
	memset(&pfd, 0, sizeof(pfd));
	pfd.fd = (int)mysql_get_socket(c->handle);
	if (pfd.fd < 0)
		return true;
	pfd.events = POLLIN;
	/* readable, hung up or in error: on an idle connection, all mean it is done for */
	return poll(&pfd, 1, 0) != 0;
}

void ca_mysql_conn_settle(struct mysql_conn *c)
{
	if (c && c->active) {
		mysql_stmt_free_result(c->active);
		c->active = NULL;
	}
}

static void set_options(MYSQL *conn, const struct mysql_url *u)
{
	unsigned int connect_timeout = u->connect_timeout;
	unsigned int read_timeout = u->read_timeout;
	unsigned int write_timeout = u->write_timeout;
	my_bool off = 0;
	unsigned int no_infile = 0;

	mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
	mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(conn, MYSQL_OPT_LOCAL_INFILE, &no_infile);
	/* no ~/.my.cnf surprises: the URL says everything */
}

/* Creates the database (a validated identifier) on a connection without one. */
static int create_database(MYSQL *conn, const char *name, struct ca_err *err)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
		 name);
	if (mysql_real_query(conn, sql, strlen(sql)) != 0)
		return ca_err_set(err, CA_DB_CONNECT, "Cannot create the MySQL database %s: %s.", name,
				  mysql_error(conn));
	return CA_OK;
}

static int connect_once(struct mysql_conn *c, const struct mysql_url *u, struct ca_err *err)
{
	MYSQL *conn;
	int rc = CA_OK;

	conn = mysql_init(NULL);
	if (!conn)
		return ca_err_set(err, CA_ENOMEM, "Out of memory starting a MySQL connection.");
	set_options(conn, u);
	if (!mysql_real_connect(conn, u->host, u->user, u->password ? u->password : "", NULL,
				u->port, NULL, CLIENT_FOUND_ROWS)) {
		rc = ca_err_set(err, CA_DB_CONNECT,
				"Cannot connect to MySQL at %s:%u as %s: %s. Check that the server runs and the URL is right.",
				u->host, u->port, u->user, mysql_error(conn));
		goto out;
	}
	if (mysql_select_db(conn, u->database) != 0) {
		if (mysql_errno(conn) == ER_BAD_DB_ERROR && u->create_schema) {
			rc = create_database(conn, u->database, err);
			if (rc == CA_OK && mysql_select_db(conn, u->database) != 0)
				rc = ca_err_set(err, CA_DB_CONNECT, "Cannot use MySQL database %s: %s.",
						u->database, mysql_error(conn));
		} else if (mysql_errno(conn) == ER_BAD_DB_ERROR) {
			rc = ca_err_set(err, CA_DB_SCHEMA,
					"The MySQL database %s does not exist (and the URL says schema=check).",
					u->database);
		} else {
			rc = ca_err_set(err, CA_DB_CONNECT, "Cannot use MySQL database %s: %s.",
					u->database, mysql_error(conn));
		}
	}
out:
	if (rc == CA_OK)
		c->handle = conn;
	else
		mysql_close(conn);
	return rc;
}

int ca_mysql_conn_open(struct mysql_conn *c, const struct mysql_url *u, struct ca_err *err)
{
	struct ca_err first;
	int rc;

	if (c->handle)
		return CA_OK;
	ca_err_clear(&first);
	rc = connect_once(c, u, &first);
	if (rc == CA_DB_CONNECT) {
		ca_err_clear(&first);
		rc = connect_once(c, u, &first);
	}
	if (rc)
		ca_err_set(err, rc, "%s", ca_err_msg(&first));
	return rc;
}

int ca_mysql_error(unsigned int e, const char *msg, const char *doing, struct ca_err *err)
{
	if (ca_mysql_is_conn_error(e))
		return ca_err_set(err, CA_DB_CONNECT, "Lost the connection to MySQL while %s: %s.",
				  doing, msg);
	switch (e) {
	case ER_DUP_ENTRY:
		return ca_err_set(err, CA_DB_CONFLICT, "While %s: that value is already taken.", doing);
	case ER_NO_REFERENCED_ROW_2:
		return ca_err_set(err, CA_DB_NOTFOUND, "While %s: the owner does not exist.", doing);
	case ER_NO_SUCH_TABLE:
	case ER_BAD_FIELD_ERROR:
		return ca_err_set(err, CA_DB_SCHEMA,
				  "While %s: the database does not have the legacy CloudAlbum schema (%s).",
				  doing, msg);
	default:
		return ca_err_set(err, CA_DB_QUERY, "MySQL failed while %s: %s.", doing, msg);
	}
}

int ca_mysql_stmt_error(MYSQL_STMT *st, const char *doing, struct ca_err *err)
{
	return ca_mysql_error(mysql_stmt_errno(st), mysql_stmt_error(st), doing, err);
}
