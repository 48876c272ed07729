/* array.c — see array.h. */
#include "util/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/banned.h"

int ca_array_reserve_(void *arrp, size_t n, size_t *cap, size_t elem_size, size_t first)
{
	void *items, *grown;
	size_t want;

	if (n < *cap)
		return CA_OK;
	want = *cap ? *cap * 2 : (first ? first : 1);
	if (want <= n)
		want = n + 1;
	if (*cap > SIZE_MAX / 2 || want > SIZE_MAX / elem_size)
		return CA_ENOMEM;
	/* the array pointer is read and written as bytes: arrp is a `T **` for any T */
	memcpy(&items, arrp, sizeof(items));
	grown = realloc(items, want * elem_size);
	if (!grown)
		return CA_ENOMEM;
	memcpy(arrp, &grown, sizeof(grown));
	*cap = want;
	return CA_OK;
}
