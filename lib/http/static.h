/*
 * static.h — serving a directory of files (the web front end) safely.
 *
 * Only GET and HEAD. A path reaches a file only through segments that are not
 * empty, ".", "..", hidden (".name") or holding control characters, '\' or an
 * encoded '/'; anything else is 404. Files are opened relative to the root
 * with the kernel refusing to leave it (openat2 RESOLVE_BENEATH: a symlink
 * inside the tree that stays inside works, one that points out fails; where
 * openat2 is missing, no symlink is followed at all). Only regular files are
 * served, and only those whose extension is one a browser front end is made
 * of (.html .css .js .mjs .svg .png .jpg .jpeg .gif .webp .ico .woff .woff2
 * .webmanifest; nothing under a node_modules folder): a README, package.json,
 * a source map or a file without an extension is 404 like a missing one. A
 * directory serves its index.html. Responses carry Content-Type by
 * extension, ETag and Last-Modified (If-None-Match gives 304), and
 * Cache-Control: "no-cache" for HTML (always revalidated), "public,
 * max-age=31536000, immutable" for files under assets/ (whose names carry a
 * hash of their content, scripts/build-web.mjs), "public, max-age=N" for the
 * rest.
 *
 * Precompressed copies: a text or SVG file NAME with a regular file NAME.br or NAME.gz
 * beside it is answered from the copy the request's Accept-Encoding weighs
 * highest (brotli before gzip when alike; none with weight 0),
 * with Content-Encoding, the copy's length and an ETag of its own; every
 * answer for such a file says Vary: Accept-Encoding. NAME.br and NAME.gz are
 * never served under their own names (their extensions are not on the list).
 */
#ifndef CA_HTTP_STATIC_H
#define CA_HTTP_STATIC_H

#include "http/request.h"
#include "http/response.h"
#include "util/error.h"

struct ca_http_static;

/*
 * Opens root for serving; max_age_s for non-HTML files (0: 3600). *out is
 * freed with ca_http_static_free. CA_ENOTFOUND when root is not a readable
 * directory, CA_ENOMEM.
 */
int ca_http_static_new(struct ca_http_static **out, const char *root, long max_age_s,
		       struct ca_err *err);
/* NULL is accepted. */
void ca_http_static_free(struct ca_http_static *st);
/*
 * A handler (ca_http_handler_fn, ctx = the ca_http_static) answering req from
 * the directory: 200, 304, 404, or 405 for other methods. Use it as the
 * router's fallback.
 */
int ca_http_static_serve(struct ca_http_request *req, struct ca_http_response *resp, void *ctx);
/*
 * The weight (0..1000; 0: not acceptable) an Accept-Encoding header value gives
 * coding (compared without case; "x-gzip" counts as "gzip"): its own element's,
 * else that of "*", else 1000 for "identity" and 0 for the rest. header NULL
 * (no Accept-Encoding) accepts identity only. An element with anything but a
 * well-formed ";q=" weight after its name counts for nothing.
 */
int ca_http_accept_encoding_q(const char *header, const char *coding);
/* The Content-Type for a file name by its extension ("application/octet-stream" if unknown). */
const char *ca_http_content_type_for(const char *name);

#endif
