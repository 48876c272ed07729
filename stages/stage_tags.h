/*
 * stage_tags.h — the tags of the resources the stages make (issue 15: every resource a
 * class makes carries cloudalbum:class and cloudalbum:attendee, and `down` deletes only
 * what carries them; docs/CONTRACTS.md).
 *
 * Resources are named by the kinds the stages report ("dynamodb table", "iam role" ...).
 * Taggable kinds: "iam policy", "iam role", "iam instance profile", "dynamodb table",
 * "s3 bucket", "cognito user pool", "xray sampling rule", "xray group". The others
 * ("iam role policy", "instance profile association", "cognito app client", "cognito
 * domain") hold no tags of their own: they live and die with a taggable one.
 * Where the local stand-in lacks a tag API the tags live where it keeps them: a pool's
 * in its description (UserPoolTags, set with UpdateUserPool when TagResource is not
 * offered), an instance profile's in GetInstanceProfile; an endpoint without X-Ray
 * rules and groups has none to tag (they read as absent).
 *
 * Tags are a JSON object {key: string value}.
 */
#ifndef CA_STAGES_STAGE_TAGS_H
#define CA_STAGES_STAGE_TAGS_H

#include <stdbool.h>

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

/* true for the kinds listed above. */
bool stage_tags_kind_taggable(const char *kind);

/*
 * Finds the resource of that kind by name and reads its tags into *tags (a new object,
 * {} when it has none; json_decref it). *exists is false (and *tags NULL) when there is
 * no such resource. A bucket that answers 403 (someone else's) exists with {} (no tags
 * of ours). Returns CA_OK; CA_EINVAL for a kind that holds no tags; the client's codes
 * with its sentence; CA_ENOMEM.
 */
int stage_tags_read(struct aws_client *aws, const char *kind, const char *name, bool *exists,
		    json_t **tags, struct ca_err *err);

/*
 * Adds tags to the resource of that kind found by name (keys it already has with other
 * values are overwritten; other keys are kept). An untaggable kind is CA_OK (nothing to
 * do). Returns CA_OK; CA_ENOTFOUND when there is no such resource; the client's codes.
 */
int stage_tags_write(struct aws_client *aws, const char *kind, const char *name,
		     const json_t *tags, struct ca_err *err);

/*
 * true when have holds every key of want with the same value (have may be NULL: false,
 * unless want is empty).
 */
bool stage_tags_match(const json_t *want, const json_t *have);

#endif
