/*
 * orient.h — turning an image the way its EXIF Orientation tag (1..8) says it should be
 * shown: 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose,
 * 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
#ifndef CA_IMAGE_ORIENT_H
#define CA_IMAGE_ORIENT_H

#include <stdbool.h>

#include "image/jpeg_codec.h"
#include "util/error.h"

/* true when orientation swaps width and height (5..8). */
bool ca_orient_swaps(int orientation);

/*
 * Replaces *img by its displayed form for orientation (values outside 2..8 leave it
 * as it is). Returns CA_OK or CA_ENOMEM (then *img is unchanged). *img keeps
 * belonging to the caller.
 */
int ca_orient_apply(struct ca_rgb_image *img, int orientation, struct ca_err *err);

#endif
