#include "image/orient.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

bool ca_orient_swaps(int orientation)
{
	return orientation >= 5 && orientation <= 8;
}

int ca_orient_apply(struct ca_rgb_image *img, int orientation, struct ca_err *err)
{
	unsigned w = img->width, h = img->height, x, y;
	unsigned dw = ca_orient_swaps(orientation) ? h : w;
	unsigned char *out;

	if (orientation < 2 || orientation > 8 || !img->px)
		return CA_OK;
	out = malloc((size_t)w * h * 3);
	if (!out)
		return ca_err_set(err, CA_ENOMEM, "Out of memory turning an image upright.");
	for (y = 0; y < h; y++) {
		const unsigned char *src = img->px + (size_t)y * w * 3;

		for (x = 0; x < w; x++, src += 3) {
			unsigned dx, dy;

			switch (orientation) {
			case 2: dx = w - 1 - x; dy = y; break;
			case 3: dx = w - 1 - x; dy = h - 1 - y; break;
			case 4: dx = x; dy = h - 1 - y; break;
			case 5: dx = y; dy = x; break;
			case 6: dx = h - 1 - y; dy = x; break;
			case 7: dx = h - 1 - y; dy = w - 1 - x; break;
			default: dx = y; dy = w - 1 - x; break; /* 8 */
			}
			memcpy(out + ((size_t)dy * dw + dx) * 3, src, 3);
		}
	}
	free(img->px);
	img->px = out;
	img->width = dw;
	img->height = ca_orient_swaps(orientation) ? w : h;
	return CA_OK;
}
