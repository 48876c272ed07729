/* PLACEHOLDER: replaced by the owner of this subcommand. */
#include <stdio.h>
#include "cmds.h"
int cmd_thumb(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "not built yet\n");
	return 1;
}
