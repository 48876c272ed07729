/* stage-3-cognito: provisions the Cognito user pool, app client and domain (stages/stage3_cognito.c). */
#include "../stages/stage.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	return stage_main(&stage3_cognito, argc, argv);
}
