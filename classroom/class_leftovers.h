/* class_leftovers.h — what a class left in one account (classroom down's proof). */
#ifndef CA_CLASSROOM_CLASS_LEFTOVERS_H
#define CA_CLASSROOM_CLASS_LEFTOVERS_H

#include <jansson.h>

#include "aws/client.h"
#include "util/error.h"

/*
 * Lists every resource of the kinds the stages make in aws's account and region and
 * appends to `left` a [kind, name, why] for each that is the class's: its [kind, name]
 * is in `names`, or its name starts with "<p>-" for a p in `prefixes` (strings), or it
 * carries the tag cloudalbum:class=<cls>. Returns CA_OK or the client's code with its
 * sentence (a listing that failed: nothing proven); CA_ENOMEM.
 */
int class_leftovers(struct aws_client *aws, const char *cls, const json_t *names,
		    const json_t *prefixes, json_t *left, struct ca_err *err);

#endif
