/*
 * verify_internal.h — shared by the files of lib/verify only.
 */
#ifndef CA_VERIFY_INTERNAL_H
#define CA_VERIFY_INTERNAL_H

#include <stdbool.h>

#include "aws/client.h"
#include "aws/xray.h"
#include "util/buf.h"
#include "verify/verify.h"
#include "verify/web_client.h"

/* Where the test photo is taken: Seoul City Hall, which the offline geocoder names. */
#define VERIFY_PHOTO_LAT 37.5665
#define VERIFY_PHOTO_LNG 126.9780
#define VERIFY_PHOTO_CITY "Seoul"
#define VERIFY_PHOTO_NATION "South Korea"

#define VERIFY_STEP_HOSTED_UI "sign in through the hosted UI"

struct verify_run {
	const struct verify_target *t;
	const struct serve_config *cfg;
	struct verify_options opt;
	struct verify_report *report;
	size_t failed;                  /* steps failed so far */
	struct aws_client *aws;         /* NULL when the config names no AWS service */
	char *aws_note;                 /* why there is no client, when there should be */
	char where[320];                /* "in <region> at <endpoint>", for sentences */

	/* the journey's test user and photo, for its steps and the clean-up */
	char email[96];
	char password[48];
	char username[40];
	char tag[40];
	char *user_id;                  /* the app's id (Cognito: the pool's user name) */
	bool user_made;                 /* sign-up (or AdminCreateUser) may have made one */
	char *photo_id;                 /* as the API wrote it */
	bool photo_gone;                /* the journey deleted it */
	unsigned char *jpeg;
	size_t jpeg_len;
	char trace_id[XRAY_TRACE_ID_LEN + 1];
};

/* Adds a step; detail is printf-formatted (fmt NULL: none). CA_OK or CA_ENOMEM. */
int verify_step_add(struct verify_run *run, const char *name, enum verify_status status,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The resource checks (verify_resources.c). CA_OK or CA_ENOMEM. */
int verify_resources(struct verify_run *run);

/* The journey against opt.url (verify_journey.c). CA_OK or CA_ENOMEM. */
int verify_journey(struct verify_run *run, struct vweb *web);

/* The hosted-UI sign-in step (verify_hostedui.c). CA_OK or CA_ENOMEM. */
int verify_hosted_ui(struct verify_run *run, struct vweb *web);

/*
 * The first <form> of html that has a password field: *action (malloc'd, NULL when the
 * form has none) and its fields form-encoded into fields (hidden ones as they are, the
 * user-name field — username, email or login — set to email, the password field to
 * password). false when the page has no such form (*action NULL).
 */
bool verify_form_fill(const char *html, const char *email, const char *password,
		      char **action, struct ca_buf *fields);

/* action (absolute, rooted or relative; NULL or "": the page itself) resolved against the
 * page's URL; malloc'd; NULL when out of memory or page has no scheme. */
char *verify_url_resolve(const char *page, const char *action);

/* Removes what the journey made (verify_cleanup.c); adds its step. CA_OK or CA_ENOMEM. */
int verify_cleanup(struct verify_run *run);


#endif
