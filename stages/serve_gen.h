/*
 * serve_gen.h — the generated serve config (the `serve-config` verb of stage.h).
 *
 * Takes the --config file's tree, fills in the recorded outputs of stages 0..N (N is
 * the file's `stage:`, else the running stage's number) at their serve keys and the
 * target's session secret at server.session_secret, expands every other ${VAR}, and
 * writes the result as YAML with mode 0600. The file is then loaded back with
 * serve_config_load(); one that does not load is removed again and reported.
 */
#ifndef CA_STAGES_SERVE_GEN_H
#define CA_STAGES_SERVE_GEN_H

#include "stage.h"

/*
 * out_path NULL: <generated_dir>/<target>/stage-<N>.yaml, and then
 * <generated_dir>/current.yaml is made a symbolic link to it. generated_dir NULL:
 * "lab-configs/generated". Returns CA_OK; CA_ENOTFOUND when a stage 0..N has no
 * outputs recorded (the message says which apply to run); CA_CONFIG_* from the
 * expansion or the check; CA_EIO; CA_ENOMEM.
 */
int stage_write_serve_config(struct stage_ctx *ctx, const char *out_path,
			     const char *generated_dir, struct ca_err *err);

#endif
