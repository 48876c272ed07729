/*
 * ec2.h — the EC2 calls stage 0 needs: finding the workshop instance by its Name tag
 * and managing its IAM instance-profile association. Query protocol.
 * Strings returned through char ** are malloc'd (the caller frees).
 */
#ifndef CA_AWS_EC2_H
#define CA_AWS_EC2_H

#include <stddef.h>

#include "aws/client.h"
#include "util/error.h"

/*
 * The ids of the instances (pending, running, stopping or stopped) whose Name tag
 * matches the pattern (EC2 filter syntax: '*' any run, '?' one character), in the
 * order EC2 lists them. Free with ec2_ids_free.
 */
int ec2_find_instances_by_name(struct aws_client *c, const char *pattern, char ***ids,
			       size_t *n, struct ca_err *err);
void ec2_ids_free(char **ids, size_t n);

struct ec2_profile_association {
	char *id;                       /* "iip-assoc-..." */
	char *instance_id;
	char *profile_arn;
	char *state;                    /* "associated", "associating" ... */
};

/*
 * The instance's current association (associating or associated) into *out
 * (release with ec2_profile_association_release); CA_ENOTFOUND (no message) when
 * there is none.
 */
int ec2_get_profile_association(struct aws_client *c, const char *instance_id,
				struct ec2_profile_association *out, struct ca_err *err);
void ec2_profile_association_release(struct ec2_profile_association *a);

/* AssociateIamInstanceProfile by profile name. */
int ec2_associate_profile(struct aws_client *c, const char *instance_id, const char *profile,
			  struct ca_err *err);
/* ReplaceIamInstanceProfileAssociation: the association now names profile. */
int ec2_replace_profile_association(struct aws_client *c, const char *association_id,
				    const char *profile, struct ca_err *err);
int ec2_disassociate_profile(struct aws_client *c, const char *association_id,
			     struct ca_err *err);

#endif
