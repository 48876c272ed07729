/*
 * migrate_shard.h — `--shard K/N`: N runs of cloudalbum-migrate, on any hosts or
 * containers, each migrating a disjoint part of the legacy users (with their
 * photos and files) into the same tables and bucket.
 *
 * The partition: legacy user `id` goes to shard
 *
 *     CRC-32(decimal text of id) mod N
 *
 * CRC-32 being the common one (IEEE 802.3, reflected, polynomial 0xEDB88320, as
 * zlib's crc32(), Python's zlib.crc32 and MySQL/MariaDB's CRC32() compute it), of
 * the id written in base 10 with a leading '-' for a negative id and no other
 * characters: user 123 is CRC-32("123") = 2286445522, in shard 2 of 4. The legacy
 * database computes it too (`CRC32(user_id) % N = K` selects a shard's rows), so a
 * shard reads only its own rows. A photo row goes with the user its user_id names
 * (a row naming a user who does not exist is reported by that id's shard); rows
 * whose user_id is NULL are reported by shard 0.
 *
 * `--shard auto/N` takes K from AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array job),
 * else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
 */
#ifndef CA_MIGRATE_SHARD_H
#define CA_MIGRATE_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define MIG_SHARDS_MAX 4096
#define MIG_SHARD_ENV_BATCH "AWS_BATCH_JOB_ARRAY_INDEX"
#define MIG_SHARD_ENV_K8S "JOB_COMPLETION_INDEX"

/* CRC-32 (IEEE, as zlib's crc32(0, data, len)) of data[0..len). */
uint32_t mig_crc32(const void *data, size_t len);

/* The shard (0..n-1) of legacy user id among n (n >= 1), as above. */
int mig_shard_of(long legacy_id, int n);

/*
 * Reads "K/N" (0 <= K < N <= MIG_SHARDS_MAX, plain decimal digits) or "auto/N" into
 * *k and *n. For "auto", K is batch_index when it is non-NULL, else k8s_index (the
 * values of MIG_SHARD_ENV_BATCH and MIG_SHARD_ENV_K8S; the caller reads the
 * environment). CA_EINVAL with a sentence saying what is wrong and what is wanted
 * for anything else: not two numbers, K out of range, N of 0, "auto" with neither
 * variable set or one that is not an index in 0..N-1.
 */
int mig_shard_parse(const char *text, const char *batch_index, const char *k8s_index, int *k,
		    int *n, struct ca_err *err);

#endif
