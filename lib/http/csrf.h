/*
 * csrf.h — CSRF protection bound to the session, plus the browser's own
 * signals of where a request comes from.
 *
 * The token: the app derives one token per session, HMAC-SHA256 of the
 * session's id under a server key (ca_csrf_token_for), and hands it to the page
 * in a `csrf_token` cookie that page scripts can read (not HttpOnly). Every
 * state-changing request (POST, PUT, PATCH, DELETE) must echo it in the
 * X-CSRF-Token header, and the check compares the header with the token the
 * request's own session implies — never with the cookie — so a token planted
 * in the cookie jar (by a sibling subdomain, say) does not pass. A cross-site
 * page can make the browser send cookies but cannot read them, so it cannot set
 * the header.
 *
 * The origin check (ca_csrf_origin_check) refuses a state-changing request whose
 * Sec-Fetch-Site says cross-site or same-site, or whose Origin names another
 * origin than the server's base_url or the request's Host; requests without
 * either header (non-browser clients) pass it. The app runs it on every
 * state-changing endpoint, sign-in and sign-up included (login CSRF).
 */
#ifndef CA_HTTP_CSRF_H
#define CA_HTTP_CSRF_H

#include <stdbool.h>
#include <stdint.h>

#include "http/request.h"
#include "http/response.h"
#include "util/crypto.h"
#include "util/error.h"

#define CA_CSRF_COOKIE "csrf_token"
#define CA_CSRF_HEADER "X-CSRF-Token"
#define CA_CSRF_TOKEN_LEN 43        /* base64url of 32 bytes */

/*
 * The token bound to binding (a session id): base64url of
 * HMAC-SHA256(key, "csrf-token\n" binding), NUL-terminated in out. Never fails.
 */
void ca_csrf_token_for(const uint8_t key[CA_SHA256_LEN], const char *binding,
		       char out[CA_CSRF_TOKEN_LEN + 1]);

/*
 * Sets token as the csrf_token cookie on resp (Path=/, SameSite=Lax, Secure when
 * secure, lasting max_age_s; <= 0 for a browser-session cookie). CA_ENOMEM.
 */
int ca_csrf_set_cookie(struct ca_http_response *resp, const char *token, bool secure,
		       long max_age_s, struct ca_err *err);

/* true for the methods that must carry the token: POST, PUT, PATCH, DELETE. */
bool ca_csrf_method_changes_state(const char *method);

/*
 * CA_OK when req's method is safe, or when the X-CSRF-Token header equals
 * expected (compared in constant time; expected is the token of the request's
 * session, NULL when it has none). Otherwise CA_HTTP_CSRF with a sentence
 * (answer 403).
 */
int ca_csrf_check(const struct ca_http_request *req, const char *expected, struct ca_err *err);

/*
 * CA_OK when req's method is safe, or when neither Sec-Fetch-Site nor Origin
 * says it comes from another site: Sec-Fetch-Site, when present, must be
 * "same-origin" or "none"; Origin, when present, must be base_url's origin
 * (scheme://host[:port], base_url may be NULL) or name the request's Host
 * header (any scheme). "Origin: null" is refused. Otherwise CA_HTTP_CSRF with
 * a sentence (answer 403).
 */
int ca_csrf_origin_check(const struct ca_http_request *req, const char *base_url,
			 struct ca_err *err);

#endif
