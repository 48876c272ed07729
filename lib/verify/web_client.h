/*
 * web_client.h — a browser-like HTTP session for the journey of lib/verify: one libcurl
 * handle with its own cookie jar (in memory), the CSRF double-submit header on every
 * state-changing request to the app, extra headers (the journey's X-Ray trace id) on
 * requests to the app only, no redirects followed unless asked, every request bounded
 * by a timeout and its answer by a size cap.
 */
#ifndef CA_VERIFY_WEB_CLIENT_H
#define CA_VERIFY_WEB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define VWEB_BODY_MAX (64L * 1024 * 1024)

struct vweb;

struct vweb_resp {
	long status;               /* HTTP status */
	struct ca_buf body;
	char *location;            /* the Location of a redirect (absolute), or NULL */
	char *content_type;        /* or NULL */
	char *url;                 /* the URL finally answered (after redirects followed) */
};

/*
 * A session against the app at base_url (http or https, no trailing '/' needed),
 * each request at most timeout_s seconds. CA_EINVAL for another scheme, CA_ENOMEM.
 * Free with vweb_free() (NULL accepted).
 */
int vweb_new(const char *base_url, long timeout_s, struct vweb **out, struct ca_err *err);
void vweb_free(struct vweb *w);

/* The base URL as given, without a trailing '/'. */
const char *vweb_base(const struct vweb *w);

/* Adds a header line ("Name: value") to every later request to the app. CA_ENOMEM. */
int vweb_add_header(struct vweb *w, const char *line, struct ca_err *err);

/*
 * One request: target is a path on the app ("/api/photos") or an absolute URL;
 * json (may be NULL) is sent as application/json; with follow, redirects are followed
 * (at most 10). On CA_OK *out holds the answer whatever its status (release it);
 * CA_AWS_NETWORK / CA_ETIMEOUT with a sentence naming the URL when there was none.
 */
int vweb_request(struct vweb *w, const char *method, const char *target, const char *json,
		 bool follow, struct vweb_resp *out, struct ca_err *err);

/* POST of a form (application/x-www-form-urlencoded body already encoded) to url. */
int vweb_post_form(struct vweb *w, const char *url, const char *form, bool follow,
		   struct vweb_resp *out, struct ca_err *err);

/*
 * POST path as multipart/form-data: a "file" part (filename, image/jpeg, the bytes) and
 * the text fields "tags" and "desc". As vweb_request() otherwise.
 */
int vweb_upload(struct vweb *w, const char *path, const char *filename,
		const unsigned char *data, size_t len, const char *tags, const char *desc,
		struct vweb_resp *out, struct ca_err *err);

/* The value of the cookie `name` the session holds (malloc'd), or NULL. */
char *vweb_cookie(struct vweb *w, const char *name);

void vweb_resp_release(struct vweb_resp *r);

#endif
