/* stage-0-iam: provisions the workshop IAM role and instance profile (stages/stage0_iam.c). */
#include "../stages/stage.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	return stage_main(&stage0_iam, argc, argv);
}
