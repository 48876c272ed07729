/*
 * whoami — STS GetCallerIdentity: which account, ARN and user id the credentials in use
 * belong to. The first thing to run when AWS says "access denied".
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/protocol.h"
#include "cmds.h"
#include "util/error.h"
#include "util/xml.h"
#include "util/banned.h"

/* STS answers from any region; this one is used when none is configured, as the CLI does. */
#define WHOAMI_FALLBACK_REGION "us-east-1"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cloudalbum-aws whoami [--json]\n"
		"\n"
		"Calls STS GetCallerIdentity with the credentials the toolkit finds (see\n"
		"configure-list) and prints the account, the ARN and the user id.\n"
		"The endpoint follows AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL; the region\n"
		"AWS_REGION / AWS_DEFAULT_REGION / the config file, else " WHOAMI_FALLBACK_REGION ".\n"
		"\n"
		"  --json       print {\"Account\": .., \"Arn\": .., \"UserId\": ..}\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit status: 0 on success, 1 when the call failed (a sentence on stderr says\n"
		"why), 2 for bad usage.\n");
}

int cmd_whoami(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct aws_client_options copt = { 0 };
	struct aws_client *client = NULL;
	struct ca_xml_node *answer = NULL;
	struct ca_err err;
	const char *account, *arn, *user_id;
	json_t *j = NULL;
	char *dump = NULL;
	int as_json = 0, c, rc = 1;

	ca_err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': as_json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	copt.fallback_region = WHOAMI_FALLBACK_REGION;
	if (aws_client_new(&copt, &client, &err) ||
	    aws_query_call(client, AWS_SVC_STS, "GetCallerIdentity", NULL, 0, &answer, &err))
		goto out;
	account = ca_xml_path_text(answer, "GetCallerIdentityResult/Account");
	arn = ca_xml_path_text(answer, "GetCallerIdentityResult/Arn");
	user_id = ca_xml_path_text(answer, "GetCallerIdentityResult/UserId");
	if (!account || !arn || !user_id) {
		ca_err_set(&err, CA_AWS_BAD_RESPONSE,
			   "STS answered GetCallerIdentity without Account, Arn and UserId.");
		goto out;
	}
	if (as_json) {
		j = json_pack("{s:s, s:s, s:s}", "Account", account, "Arn", arn, "UserId", user_id);
		dump = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		if (!dump) {
			ca_err_set(&err, CA_ENOMEM, "Out of memory printing the answer.");
			goto out;
		}
		printf("%s\n", dump);
	} else {
		printf("Account  %s\nArn      %s\nUserId   %s\n", account, arn, user_id);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "cloudalbum-aws whoami: %s\n", ca_err_msg(&err));
	free(dump);
	json_decref(j);
	ca_xml_free(answer);
	aws_client_free(client);
	return rc;
}
