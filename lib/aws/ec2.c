#include "aws/ec2.h"

#include <stdlib.h>
#include <string.h>

#include "aws/protocol.h"
#include "util/strutil.h"
#include "util/banned.h"

void ec2_ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

static int push(char ***ids, size_t *n, const char *id)
{
	char **grown = realloc(*ids, (*n + 1) * sizeof(char *));

	if (!grown)
		return CA_ENOMEM;
	*ids = grown;
	if (!(grown[*n] = ca_strdup(id)))
		return CA_ENOMEM;
	(*n)++;
	return CA_OK;
}

int ec2_find_instances_by_name(struct aws_client *c, const char *pattern, char ***ids,
			       size_t *n, struct ca_err *err)
{
	struct aws_param p[8] = {
		{ "Filter.1.Name", "tag:Name" }, { "Filter.1.Value.1", pattern },
		{ "Filter.2.Name", "instance-state-name" }, { "Filter.2.Value.1", "pending" },
		{ "Filter.2.Value.2", "running" }, { "Filter.2.Value.3", "stopping" },
		{ "Filter.2.Value.4", "stopped" }, { NULL, NULL },
	};
	char *token = NULL;
	int rc;

	*ids = NULL;
	*n = 0;
	for (;;) {
		struct ca_xml_node *x = NULL;
		const struct ca_xml_node *r, *i;
		const char *next;

		rc = aws_query_call(c, AWS_SVC_EC2, "DescribeInstances", p, token ? 8 : 7, &x, err);
		if (rc)
			break;
		for (r = ca_xml_child(ca_xml_child(x, "reservationSet"), "item"); r && !rc;
		     r = ca_xml_next(r, "item"))
			for (i = ca_xml_child(ca_xml_child(r, "instancesSet"), "item"); i && !rc;
			     i = ca_xml_next(i, "item")) {
				const char *id = ca_xml_path_text(i, "instanceId");
				if (id && push(ids, n, id))
					rc = ca_err_set(err, CA_ENOMEM, "out of memory");
			}
		next = ca_xml_path_text(x, "nextToken");
		free(token);
		token = next && *next ? ca_strdup(next) : NULL;
		ca_xml_free(x);
		if (rc || !token)
			break;
		p[7].name = "NextToken";
		p[7].value = token;
	}
	free(token);
	if (rc) {
		ec2_ids_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

void ec2_profile_association_release(struct ec2_profile_association *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->instance_id);
	free(a->profile_arn);
	free(a->state);
	memset(a, 0, sizeof(*a));
}

int ec2_get_profile_association(struct aws_client *c, const char *instance_id,
				struct ec2_profile_association *out, struct ca_err *err)
{
	struct aws_param p[2] = { { "Filter.1.Name", "instance-id" },
				  { "Filter.1.Value.1", instance_id } };
	struct ca_xml_node *x = NULL;
	const struct ca_xml_node *it;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = aws_query_call(c, AWS_SVC_EC2, "DescribeIamInstanceProfileAssociations", p, 2, &x,
			    err);
	if (rc)
		return rc;
	rc = CA_ENOTFOUND;
	for (it = ca_xml_child(ca_xml_child(x, "iamInstanceProfileAssociationSet"), "item"); it;
	     it = ca_xml_next(it, "item")) {
		const char *state = ca_xml_path_text(it, "state");
		const char *inst = ca_xml_path_text(it, "instanceId");
		if (!inst || strcmp(inst, instance_id) ||
		    (state && strcmp(state, "associated") && strcmp(state, "associating")))
			continue;
		out->id = ca_strdup(ca_xml_path_text(it, "associationId"));
		out->instance_id = ca_strdup(inst);
		out->profile_arn = ca_strdup(ca_xml_path_text(it, "iamInstanceProfile/arn"));
		out->state = ca_strdup(state ? state : "associated");
		rc = out->id && out->profile_arn ? CA_OK
						 : ca_err_set(err, CA_AWS_BAD_RESPONSE,
							      "ec2: an association of %s has no id or "
							      "profile", instance_id);
		break;
	}
	ca_xml_free(x);
	if (rc != CA_OK)
		ec2_profile_association_release(out);
	return rc;
}

int ec2_associate_profile(struct aws_client *c, const char *instance_id, const char *profile,
			  struct ca_err *err)
{
	struct aws_param p[2] = { { "IamInstanceProfile.Name", profile },
				  { "InstanceId", instance_id } };

	return aws_query_call(c, AWS_SVC_EC2, "AssociateIamInstanceProfile", p, 2, NULL, err);
}

int ec2_replace_profile_association(struct aws_client *c, const char *association_id,
				    const char *profile, struct ca_err *err)
{
	struct aws_param p[2] = { { "IamInstanceProfile.Name", profile },
				  { "AssociationId", association_id } };

	return aws_query_call(c, AWS_SVC_EC2, "ReplaceIamInstanceProfileAssociation", p, 2, NULL,
			      err);
}

int ec2_disassociate_profile(struct aws_client *c, const char *association_id,
			     struct ca_err *err)
{
	struct aws_param p[1] = { { "AssociationId", association_id } };

	return aws_query_call(c, AWS_SVC_EC2, "DisassociateIamInstanceProfile", p, 1, NULL, err);
}
