/* stage-4-xray: proves the X-Ray write path, provisions the sampling rule and group (stages/stage4_xray.c). */
#include "../stages/stage.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	return stage_main(&stage4_xray, argc, argv);
}
