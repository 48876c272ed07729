/* PLACEHOLDER: replaced by the owner of this subcommand. */
#include <stdio.h>
#include "cmds.h"
int cmd_exif(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "not built yet\n");
	return 1;
}
