/* The subcommands of cloudalbum-aws; each returns the process exit code. */
#ifndef CA_CMD_AWS_CMDS_H
#define CA_CMD_AWS_CMDS_H

int cmd_configure_list(int argc, char **argv);
int cmd_whoami(int argc, char **argv);
int cmd_sign_case(int argc, char **argv);
int cmd_presign(int argc, char **argv);
int cmd_call(int argc, char **argv);

#endif
