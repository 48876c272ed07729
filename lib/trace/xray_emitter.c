/*
 * xray_emitter.c — segment documents to the X-Ray daemon over UDP (see
 * xray_emitter.h). One socket, shared by every server thread: a datagram is
 * sent whole or not at all, so no lock is needed.
 */
#include "trace/xray_emitter.h"

#include <errno.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/strutil.h"
#include "util/banned.h"

#define ADDRESS_TEXT_MAX 300

struct xray_emitter {
	int fd;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char address[ADDRESS_TEXT_MAX];
	atomic_uint_least64_t sent;
	atomic_uint_least64_t dropped;
};

/* errno's sentence, without strerror()'s shared buffer (GNU strerror_r). */
static const char *errno_text(int e, char *buf, size_t cap)
{
	return strerror_r(e, buf, cap);
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == ':';
}

/* The udp part of "tcp:h:p udp:h:p", or the whole spec; [*start, *end). */
static bool pick_udp(const char *spec, const char **start, const char **end)
{
	const char *p = spec, *found = NULL, *found_end = NULL;
	int tokens = 0;

	while (*p) {
		const char *tok_end;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tok_end = p + strcspn(p, " ");
		tokens++;
		if (strncmp(p, "udp:", 4) == 0 && !found) {
			found = p + 4;
			found_end = tok_end;
		} else if (strncmp(p, "tcp:", 4) != 0 && tokens == 1) {
			found_end = tok_end; /* a bare host:port, only valid alone */
		}
		p = tok_end;
	}
	if (!found && tokens == 1 && found_end) {
		*start = spec + strspn(spec, " ");
		*end = found_end;
		return true;
	}
	if (!found)
		return false;
	*start = found;
	*end = found_end;
	return true;
}

int xray_daemon_address_parse(const char *spec, char *host, size_t host_cap, uint16_t *port,
			      struct ca_err *err)
{
	const char *s, *e, *h, *h_end, *colon;
	char port_text[8];
	long n;
	size_t i;

	if (!spec || strnlen(spec, ADDRESS_TEXT_MAX) >= ADDRESS_TEXT_MAX || !pick_udp(spec, &s, &e))
		goto bad;
	if (*s == '[') {
		h = s + 1;
		h_end = memchr(h, ']', (size_t)(e - h));
		if (!h_end || h_end + 1 >= e || h_end[1] != ':')
			goto bad;
		colon = h_end + 1;
	} else {
		colon = memchr(s, ':', (size_t)(e - s));
		h = s;
		h_end = colon;
		if (!colon || memchr(colon + 1, ':', (size_t)(e - colon - 1)))
			goto bad;
	}
	if (h_end == h || (size_t)(h_end - h) >= host_cap || (size_t)(e - colon - 1) >= sizeof(port_text) ||
	    e - colon - 1 == 0)
		goto bad;
	for (i = 0; h + i < h_end; i++)
		if (!host_char(h[i]) || (h[i] == ':' && *s != '['))
			goto bad;
	memcpy(port_text, colon + 1, (size_t)(e - colon - 1));
	port_text[e - colon - 1] = '\0';
	if (!ca_parse_long(port_text, 1, 65535, &n))
		goto bad;
	memcpy(host, h, (size_t)(h_end - h));
	host[h_end - h] = '\0';
	*port = (uint16_t)n;
	return CA_OK;
bad:
	return ca_err_set(err, CA_EINVAL,
			  "The X-Ray daemon address '%.100s' is not host:port (e.g. 127.0.0.1:2000, "
			  "or 'tcp:127.0.0.1:2000 udp:127.0.0.1:2000').", spec ? spec : "");
}

int xray_emitter_open(const char *daemon_address, struct xray_emitter **out,
		      struct ca_err *err)
{
	struct xray_emitter *em = NULL;
	struct addrinfo hints, *found = NULL;
	char host[256], port_text[8], why[128];
	uint16_t port = 0;
	int rc, gai;

	*out = NULL;
	if (!daemon_address || !*daemon_address)
		daemon_address = XRAY_DAEMON_DEFAULT;
	rc = xray_daemon_address_parse(daemon_address, host, sizeof(host), &port, err);
	if (rc != CA_OK)
		return rc;
	em = calloc(1, sizeof(*em));
	if (!em)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	em->fd = -1;
	atomic_init(&em->sent, 0);
	atomic_init(&em->dropped, 0);
	snprintf(em->address, sizeof(em->address), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
		 (unsigned)port);
	snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	gai = getaddrinfo(host, port_text, &hints, &found);
	if (gai != 0 || !found) {
		rc = ca_err_set(err, CA_EINVAL, "The X-Ray daemon host %s cannot be resolved (%s).",
				host, gai_strerror(gai));
		goto fail;
	}
	if (found->ai_addrlen > sizeof(em->addr)) {
		rc = ca_err_set(err, CA_EINVAL, "The X-Ray daemon address %s is of an unknown kind.",
				em->address);
		goto fail;
	}
	memcpy(&em->addr, found->ai_addr, found->ai_addrlen);
	em->addr_len = found->ai_addrlen;
	em->fd = socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (em->fd < 0) {
		rc = ca_err_set(err, CA_EIO, "No UDP socket for the X-Ray daemon: %s.",
				errno_text(errno, why, sizeof(why)));
		goto fail;
	}
	freeaddrinfo(found);
	*out = em;
	return CA_OK;
fail:
	if (found)
		freeaddrinfo(found);
	xray_emitter_free(em);
	return rc;
}

int xray_emitter_send(struct xray_emitter *em, const struct xray_segment *seg,
		      struct ca_err *err)
{
	struct ca_buf dgram = CA_BUF_INIT;
	char why[128];
	ssize_t n;
	int rc;

	rc = xray_segment_datagram(seg, &dgram, err);
	if (rc != CA_OK)
		goto out;
	/* never blocks: a full socket buffer drops the segment, as the SDKs do */
	n = sendto(em->fd, dgram.data, dgram.len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (const struct sockaddr *)&em->addr, em->addr_len);
	if (n < 0 || (size_t)n != dgram.len)
		rc = ca_err_set(err, CA_EIO, "Sending a segment to the X-Ray daemon at %s failed: %s.",
				em->address, n < 0 ? errno_text(errno, why, sizeof(why)) : "cut short");
out:
	if (rc == CA_OK)
		atomic_fetch_add(&em->sent, 1);
	else
		atomic_fetch_add(&em->dropped, 1);
	ca_buf_release(&dgram);
	return rc;
}

uint64_t xray_emitter_sent(const struct xray_emitter *em)
{
	return atomic_load(&((struct xray_emitter *)em)->sent);
}

uint64_t xray_emitter_dropped(const struct xray_emitter *em)
{
	return atomic_load(&((struct xray_emitter *)em)->dropped);
}

const char *xray_emitter_address(const struct xray_emitter *em)
{
	return em->address;
}

void xray_emitter_free(struct xray_emitter *em)
{
	if (!em)
		return;
	if (em->fd >= 0)
		close(em->fd);
	free(em);
}
