/*
 * libFuzzer target: the JPEG path an upload takes — probe, full validation, and a
 * thumbnail (scaled decode, resample, orientation, encode) — and the 1/8-scale DC
 * decoder on its own (the codec gives it only frames of 64 pixels and more), and the
 * scan-work walk that refuses decode bombs. The pixel
 * cap is kept small so the fuzzer spends its time on structure, not on big frames.
 */
#include <stddef.h>
#include <stdint.h>

#include "image/jpeg_codec.h"
#include "image/jpeg_dc.h"
#include "image/jpeg_probe.h"
#include "image/jpeg_scans.h"
#include "image/thumb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_jpeg_info info;
	struct ca_thumb_opts opts;
	struct ca_thumb thumb;
	struct ca_rgb_image eighth;
	unsigned scans;
	uint64_t work;

	ca_jpeg_scan_work(data, size, &scans, &work, NULL);
	if (ca_jpeg_decode_dc(data, size, 1u << 20, &eighth, NULL) == CA_OK)
		ca_rgb_image_release(&eighth);
	if (ca_jpeg_probe(data, size, 1u << 20, &info, NULL) != CA_OK)
		return 0;
	ca_jpeg_validate(data, size, 1u << 20, NULL, NULL);
	ca_thumb_opts_init(&opts);
	opts.max_width = 48;
	opts.max_height = 32;
	opts.max_pixels = 1u << 20;
	if (ca_thumb_make(data, size, &opts, &thumb, NULL) == CA_OK)
		ca_thumb_release(&thumb);
	return 0;
}
