/* migrate_shard.c — the shard of a legacy user, and `--shard K/N` (migrate_shard.h). */
#include "migrate_shard.h"

#include <stdio.h>
#include <string.h>

#include "util/strutil.h"

#include "util/banned.h"

uint32_t mig_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xFFFFFFFFu;
}

int mig_shard_of(long legacy_id, int n)
{
	char text[24];
	int len;

	if (n <= 1)
		return 0;
	len = snprintf(text, sizeof(text), "%ld", legacy_id);
	return (int)(mig_crc32(text, (size_t)len) % (uint32_t)n);
}

/* A whole number of plain decimal digits (no sign, no blanks) in 0..max. */
static bool digits(const char *s, size_t len, long max, long *out)
{
	char text[16];
	size_t i;

	if (len == 0 || len >= sizeof(text))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	memcpy(text, s, len);
	text[len] = '\0';
	return ca_parse_long(text, 0, max, out);
}

int mig_shard_parse(const char *text, const char *batch_index, const char *k8s_index, int *k,
		    int *n, struct ca_err *err)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	const char *var = NULL, *index = NULL;
	long kk, nn;

	if (!slash || !digits(slash + 1, strlen(slash + 1), MIG_SHARDS_MAX, &nn))
		return ca_err_set(err, CA_EINVAL,
				  "--shard wants K/N (this run's shard K of N, 0 <= K < N <= %d) or auto/N, not \"%.30s\".",
				  MIG_SHARDS_MAX, text ? text : "");
	if (nn < 1)
		return ca_err_set(err, CA_EINVAL, "--shard %.30s: N is the number of shards, at least 1.", text);
	if ((size_t)(slash - text) == 4 && strncmp(text, "auto", 4) == 0) {
		if (batch_index) {
			var = MIG_SHARD_ENV_BATCH;
			index = batch_index;
		} else if (k8s_index) {
			var = MIG_SHARD_ENV_K8S;
			index = k8s_index;
		} else {
			return ca_err_set(err, CA_EINVAL,
					  "--shard auto/%ld takes the shard from %s (an AWS Batch array job) or %s (a Kubernetes Indexed Job), and neither is set: give --shard K/%ld instead.",
					  nn, MIG_SHARD_ENV_BATCH, MIG_SHARD_ENV_K8S, nn);
		}
		if (!digits(index, strlen(index), MIG_SHARDS_MAX, &kk) || kk >= nn)
			return ca_err_set(err, CA_EINVAL,
					  "--shard auto/%ld: %s is \"%.20s\", not a shard from 0 to %ld (make the array size or completions %ld).",
					  nn, var, index, nn - 1, nn);
	} else if (!digits(text, (size_t)(slash - text), MIG_SHARDS_MAX, &kk)) {
		return ca_err_set(err, CA_EINVAL,
				  "--shard wants K/N (this run's shard K of N, 0 <= K < N <= %d) or auto/N, not \"%.30s\".",
				  MIG_SHARDS_MAX, text);
	} else if (kk >= nn) {
		return ca_err_set(err, CA_EINVAL,
				  "--shard %.30s: the shards of %ld are numbered 0 to %ld.", text, nn, nn - 1);
	}
	*k = (int)kk;
	*n = (int)nn;
	return CA_OK;
}
