/*
 * roster.h — the class roster of cloudalbum-classroom (issue 15; docs/LAB02.md,
 * "Running the lab for a class").
 *
 *   class: dec-workshop            # [a-z0-9-], 1..32, starts with a letter
 *   region: ap-southeast-1
 *   target: aws                    # optional: local (the stand-ins) | aws (default)
 *   attendees:                     # 1..500
 *     - name: alice                # [a-z0-9_-], 1..32, unique
 *       prefix: alice              # prefix mode: every name in the instructor's account
 *       initial: al                # optional: Cloud9 instance Name=aws-cloud9-workshop-<initial>*
 *       url: https://...           # optional: the attendee's app, for verify's journey
 *     - name: bob                  # account mode: STS AssumeRole into bob's account
 *       role_arn: arn:aws:iam::111111111111:role/WorkshopInstructor
 *       external_id: optional
 *
 * A roster is untrusted input: it is read with config/yaml.h (no aliases, caps) and
 * config/schema.h (unknown and missing keys, types), each error naming file:line. A
 * roster that is wrong as a whole (syntax, unknown key, a duplicate name or prefix, an
 * attendee with both or neither of prefix and role_arn) is refused. A role_arn that is
 * not a well-formed IAM role ARN refuses only that attendee: the roster loads, the
 * attendee carries the sentence in `problem`, and no STS call is ever made for it.
 */
#ifndef CA_CLASSROOM_ROSTER_H
#define CA_CLASSROOM_ROSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define ROSTER_MAX_ATTENDEES 500
#define ROSTER_MAX_PREFIX 20

enum attendee_mode { ATTENDEE_PREFIX, ATTENDEE_ACCOUNT };

struct attendee {
	char *name;
	char *prefix;           /* prefix mode; NULL in account mode */
	char *role_arn;         /* account mode; NULL in prefix mode */
	char *external_id;      /* may be NULL */
	char *initial;          /* the roster's, else a copy of name */
	char *url;              /* may be NULL */
	enum attendee_mode mode;
	char account[13];       /* account mode: the 12 digits of the role ARN, else "" */
	char *problem;          /* NULL, or why this attendee is refused (one sentence) */
	int line;               /* where the attendee is written */
};

struct roster {
	char *path;
	char *cls;              /* class */
	char *region;
	char *target;           /* "local" or "aws" */
	struct attendee *a;
	size_t n;
};

/*
 * Reads and checks the roster at path into *r (release it with roster_release).
 * Returns CA_OK; CA_EIO when it cannot be read; CA_CONFIG_* (naming file:line) when
 * it is malformed as a whole; CA_ENOMEM. On error *r holds nothing.
 */
int roster_load(const char *path, struct roster *r, struct ca_err *err);

/* As roster_load, from text (tests, fuzzing); name is used in messages. */
int roster_parse(const char *name, const char *text, size_t len, struct roster *r,
		 struct ca_err *err);

/* Frees everything; NULL and a zeroed roster are accepted. */
void roster_release(struct roster *r);

/*
 * true when s is a well-formed IAM role ARN: arn:<aws|aws-cn|aws-us-gov>:iam::<12
 * digits>:role/<optional path/>name, the name 1..64 of [A-Za-z0-9+=,.@_-]. When
 * account is not NULL it receives the 12 digits and a NUL.
 */
bool roster_role_arn_ok(const char *s, char account[13]);

#endif
