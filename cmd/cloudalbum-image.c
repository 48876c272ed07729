/*
 * cloudalbum-image — image and place tools for people and tests.
 * Each subcommand lives in cmd/cloudalbum-image/.
 */
#include "cloudalbum-image/cmds.h"
#include "util/subcmd.h"
#include "util/banned.h"

static const struct ca_subcmd commands[] = {
	{ "exif", cmd_exif, "print a JPEG's EXIF metadata as JSON" },
	{ "thumb", cmd_thumb, "make a thumbnail: thumb IN OUT [--width W --height H]" },
	{ "geocode", cmd_geocode, "name the place at a latitude and longitude (offline), as JSON" },
};

int main(int argc, char **argv)
{
	return ca_subcmd_dispatch("cloudalbum-image", commands, sizeof(commands) / sizeof(commands[0]),
				  argc, argv);
}
