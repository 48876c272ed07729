/*
 * libFuzzer target: the EXIF reader. Input that starts like a JPEG goes through
 * ca_exif_read() (probe + APP1 + libexif); anything else is treated as the TIFF body
 * of an APP1 "Exif" payload and goes straight to ca_exif_parse().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/exif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_exif x;
	unsigned char *seg;

	if (size >= 2 && data[0] == 0xFF && data[1] == 0xD8) {
		ca_exif_read(data, size, 1u << 22, &x, NULL);
		return 0;
	}
	if (size > 65533 - 6)
		return 0;
	seg = malloc(size + 6);
	if (!seg)
		return 0;
	memcpy(seg, "Exif\0\0", 6);
	if (size)
		memcpy(seg + 6, data, size);
	ca_exif_parse(seg, size + 6, &x, NULL);
	free(seg);
	return 0;
}
