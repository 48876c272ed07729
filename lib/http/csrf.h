/*
 * csrf.h — double-submit CSRF protection. The app issues a random token in a
 * `csrf_token` cookie that page scripts can read (not HttpOnly); every
 * state-changing request (POST, PUT, PATCH, DELETE) must echo it in the
 * X-CSRF-Token header. A cross-site page can make the browser send the cookie
 * but cannot read it, so it cannot set the header. The app decides which
 * endpoints are exempt (sign-in and sign-up, which issue the token) by not
 * calling the check there.
 */
#ifndef CA_HTTP_CSRF_H
#define CA_HTTP_CSRF_H

#include <stdbool.h>

#include "http/request.h"
#include "http/response.h"
#include "util/error.h"

#define CA_CSRF_COOKIE "csrf_token"
#define CA_CSRF_HEADER "X-CSRF-Token"
#define CA_CSRF_TOKEN_LEN 43        /* base64url of 32 random bytes */

/*
 * Makes a new random token into out and sets it as the csrf_token cookie on
 * resp (Path=/, SameSite=Lax, Secure when secure, lasting max_age_s; <= 0 for
 * a browser-session cookie). CA_EIO when no randomness, CA_ENOMEM.
 */
int ca_csrf_issue(struct ca_http_response *resp, bool secure, long max_age_s,
		  char out[CA_CSRF_TOKEN_LEN + 1], struct ca_err *err);
/* true for the methods that must carry the token: POST, PUT, PATCH, DELETE. */
bool ca_csrf_method_changes_state(const char *method);
/*
 * CA_OK when req's method is safe, or when the X-CSRF-Token header equals the
 * csrf_token cookie (compared in constant time; both present, well-formed).
 * Otherwise CA_HTTP_CSRF with a sentence (answer 403).
 */
int ca_csrf_check(const struct ca_http_request *req, struct ca_err *err);

#endif
