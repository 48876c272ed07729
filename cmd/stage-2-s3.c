/* stage-2-s3: provisions the S3 photo bucket (stages/stage2_s3.c). */
#include "../stages/stage.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	return stage_main(&stage2_s3, argc, argv);
}
