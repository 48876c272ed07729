/*
 * loopback.h — loopback sockets for unit tests that need a port on 127.0.0.1: a socket
 * bound to a free port, a port that was free a moment ago, and the address of a port.
 * Failures stop the test (ck_assert). Static inline, so a file may use only some;
 * scripted_server.h and test_moto_support.h include it.
 */
#ifndef CA_TESTS_LOOPBACK_H
#define CA_TESTS_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_ca.h"

/* The address of port on 127.0.0.1. */
static inline struct sockaddr_in loopback_addr(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A socket of type (SOCK_STREAM, SOCK_DGRAM) bound to a free loopback port (*port);
 * a stream socket is not yet listening. The caller closes it. */
static inline int loopback_bound(int type, int *port)
{
	struct sockaddr_in a = loopback_addr(0);
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A TCP port on 127.0.0.1 that was free a moment ago: nothing listens there. */
static inline int loopback_free_port(void)
{
	int port, fd = loopback_bound(SOCK_STREAM, &port);

	close(fd);
	return port;
}

#endif
