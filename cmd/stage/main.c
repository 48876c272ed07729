/*
 * The main() of every stage binary: the Makefile compiles it once per row of
 * config/stages.def, with -DSTAGE_NUMBER=N, into stage-N-<name> (stages/stage.h).
 */
#include "../../stages/stage.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	return stage_main(stage_defs[STAGE_NUMBER], argc, argv);
}
