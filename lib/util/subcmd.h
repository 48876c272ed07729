/*
 * subcmd.h — git-style "<program> <command> [options]" dispatch for the binaries in cmd/.
 */
#ifndef CA_SUBCMD_H
#define CA_SUBCMD_H

#include <stddef.h>

struct ca_subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);   /* gets argv[0] == name; returns the exit code */
	const char *help;                   /* one line */
};

/*
 * Runs the command named by argv[1]. `--help`/`-h`/`help` prints the list to stdout
 * and returns 0; no command or an unknown one prints it to stderr and returns 2.
 */
int ca_subcmd_dispatch(const char *prog, const struct ca_subcmd *cmds, size_t n,
		       int argc, char **argv);

#endif
