/*
 * array.h — the growable array: a pointer, a count and a capacity kept by the caller,
 * grown by doubling. Usage:
 *
 *     struct thing *items = NULL;   size_t n = 0, cap = 0;
 *     if (CA_ARRAY_RESERVE(items, n, &cap, 16) != CA_OK) return CA_ENOMEM;
 *     items[n++] = t;
 *     ...
 *     free(items);
 */
#ifndef CA_UTIL_ARRAY_H
#define CA_UTIL_ARRAY_H

#include <stddef.h>

/*
 * Makes room for element n (n <= *cap) in the array `arr` (a pointer lvalue, NULL when
 * *cap is 0): when full, reallocs it to twice *cap elements, or `first` when empty, and
 * updates arr and *cap. CA_OK, or CA_ENOMEM leaving arr and *cap as they were.
 */
#define CA_ARRAY_RESERVE(arr, n, cap, first) \
	ca_array_reserve_((void *)&(arr), (n), (cap), sizeof(*(arr)), (first))

/* What CA_ARRAY_RESERVE calls: arrp points at the array pointer. */
int ca_array_reserve_(void *arrp, size_t n, size_t *cap, size_t elem_size, size_t first);

#endif
