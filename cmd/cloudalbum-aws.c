/*
 * cloudalbum-aws — the toolkit's AWS diagnostics. Each subcommand lives in cmd/cloudalbum-aws/.
 */
#include "cloudalbum-aws/cmds.h"
#include "util/subcmd.h"
#include "util/banned.h"

static const struct ca_subcmd commands[] = {
	{ "configure-list", cmd_configure_list, "show the credentials and region in use, and where each came from" },
	{ "whoami", cmd_whoami, "call STS GetCallerIdentity: account, ARN, user id" },
	{ "sign-case", cmd_sign_case, "sign a case of AWS's SigV4 test suite (context.json + request.txt)" },
	{ "presign", cmd_presign, "print a presigned S3 URL" },
	{ "call", cmd_call, "send one signed request to a service and print the answer" },
};

int main(int argc, char **argv)
{
	return ca_subcmd_dispatch("cloudalbum-aws", commands, sizeof(commands) / sizeof(commands[0]),
				  argc, argv);
}
