/*
 * cloudalbum-image — the toolkit's image and place tools for people and tests. Each subcommand lives in cmd/aws/.
 */
#include <stdio.h>
#include <string.h>

#include "cloudalbum-image/cmds.h"
#include "util/banned.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "exif", cmd_exif, "print a JPEG's EXIF metadata as JSON" },
	{ "thumb", cmd_thumb, "make a thumbnail: thumb IN OUT [--width W --height H]" },
	{ "geocode", cmd_geocode, "name the place at a latitude and longitude (offline), as JSON" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: cloudalbum-image <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n`cloudalbum-image <command> --help` describes each command's options.\n");
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
	fprintf(stderr, "cloudalbum-image: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
