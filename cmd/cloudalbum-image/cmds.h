/* The subcommands of cloudalbum-image; each returns the process exit code. */
#ifndef CA_CMD_IMAGE_CMDS_H
#define CA_CMD_IMAGE_CMDS_H

int cmd_exif(int argc, char **argv);
int cmd_thumb(int argc, char **argv);
int cmd_geocode(int argc, char **argv);

#endif
