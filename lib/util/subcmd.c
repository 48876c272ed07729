#include "util/subcmd.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static void usage(FILE *out, const char *prog, const struct ca_subcmd *cmds, size_t n)
{
	size_t i;

	fprintf(out, "usage: %s <command> [options]\n\ncommands:\n", prog);
	for (i = 0; i < n; i++)
		fprintf(out, "  %-16s %s\n", cmds[i].name, cmds[i].help);
	fprintf(out, "\n`%s <command> --help` describes each command's options.\n", prog);
}

int ca_subcmd_dispatch(const char *prog, const struct ca_subcmd *cmds, size_t n,
		       int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr, prog, cmds, n);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout, prog, cmds, n);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	usage(stderr, prog, cmds, n);
	return 2;
}
