/*
 * cloudalbum-aws — the toolkit's AWS diagnostics. Each subcommand lives in cmd/aws/.
 */
#include <stdio.h>
#include <string.h>

#include "cloudalbum-aws/cmds.h"
#include "util/banned.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "configure-list", cmd_configure_list, "show the credentials and region in use, and where each came from" },
	{ "whoami", cmd_whoami, "call STS GetCallerIdentity: account, ARN, user id" },
	{ "sign-case", cmd_sign_case, "sign a case of AWS's SigV4 test suite (context.json + request.txt)" },
	{ "presign", cmd_presign, "print a presigned S3 URL" },
	{ "call", cmd_call, "send one signed request to a service and print the answer" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: cloudalbum-aws <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n`cloudalbum-aws <command> --help` describes each command's options.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cloudalbum-aws: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
