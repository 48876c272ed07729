/*
 * buf.h — a growable byte buffer, always NUL-terminated.
 *
 * Lifecycle: ca_buf_init() (or CA_BUF_INIT), add to it, ca_buf_release().
 * The buffer owns `data`; ca_buf_detach() hands it to the caller (free() it).
 * An allocation failure makes the add return CA_ENOMEM and marks the buffer
 * `failed`; later adds then do nothing, so a caller may add many pieces and
 * check once at the end with ca_buf_ok().
 */
#ifndef CA_BUF_H
#define CA_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct ca_buf {
	char *data;     /* never NULL after init: points at "" when empty */
	size_t len;
	size_t cap;     /* 0 while data points at the static empty string */
	bool failed;
};

extern char ca_buf_empty[1];
#define CA_BUF_INIT { ca_buf_empty, 0, 0, false }

void ca_buf_init(struct ca_buf *b);
/* Frees the storage and re-initialises. NULL is accepted. */
void ca_buf_release(struct ca_buf *b);
/* Empties the buffer, keeping its storage; clears `failed`. */
void ca_buf_reset(struct ca_buf *b);
/* Makes room for `extra` more bytes. CA_OK or CA_ENOMEM. */
int ca_buf_grow(struct ca_buf *b, size_t extra);
int ca_buf_add(struct ca_buf *b, const void *data, size_t len);
int ca_buf_adds(struct ca_buf *b, const char *s);
int ca_buf_addch(struct ca_buf *b, char c);
int ca_buf_addf(struct ca_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ca_buf_vaddf(struct ca_buf *b, const char *fmt, va_list ap);
/* Shortens to len (len <= b->len). */
void ca_buf_setlen(struct ca_buf *b, size_t len);
/* true unless an add has failed since init/reset. */
bool ca_buf_ok(const struct ca_buf *b);
/*
 * Returns the malloc'd, NUL-terminated contents (the caller frees) and
 * re-initialises the buffer. Returns NULL if an add had failed or on OOM.
 */
char *ca_buf_detach(struct ca_buf *b, size_t *len_out);

#endif
