/* stage-1-dynamodb: provisions the DynamoDB tables (stages/stage1_dynamodb.c). */
#include "../stages/stage.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
	return stage_main(&stage1_dynamodb, argc, argv);
}
