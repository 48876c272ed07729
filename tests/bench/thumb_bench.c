/*
 * thumb_bench — how many thumbnails per second lib/image makes.
 *
 *   thumb_bench [--threads N] [--rounds R] [--width W --height H] FILE...
 *
 * Each file is read from disk and made into a JPEG thumbnail (300×200 by default),
 * the way an upload handler would, with N threads sharing the list; the list is done
 * R times (default 1) and the fastest round counts. Prints one line:
 * "thumbs=<count> seconds=<s> per_second=<rate>". Exit 1 if any thumbnail failed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/imgfile.h"
#include "image/thumb.h"
#include "util/strutil.h"
#include "util/banned.h"

struct job {
	char **files;
	int nfiles;
	struct ca_thumb_opts opts;
	atomic_int next;
	atomic_int failed;
};

static void *worker(void *arg)
{
	struct job *job = arg;
	int i;

	while ((i = atomic_fetch_add(&job->next, 1)) < job->nfiles) {
		struct ca_err err;
		struct ca_thumb thumb = { 0 };
		unsigned char *data = NULL;
		size_t len = 0;

		ca_err_clear(&err);
		if (ca_img_file_read(job->files[i], 0, &data, &len, &err) ||
		    ca_thumb_make(data, len, &job->opts, &thumb, &err)) {
			fprintf(stderr, "thumb_bench: %s: %s\n", job->files[i], ca_err_msg(&err));
			atomic_fetch_add(&job->failed, 1);
		}
		ca_thumb_release(&thumb);
		free(data);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct job job;
	pthread_t tids[64];
	long threads = 1, rounds = 1, v, r;
	int i, first = 1;
	double t0, secs = 0;

	memset(&job, 0, sizeof(job));
	ca_thumb_opts_init(&job.opts);
	for (; first < argc && argv[first][0] == '-'; first += 2) {
		if (first + 1 >= argc || !ca_parse_long(argv[first + 1], 1, 10000, &v)) {
			fprintf(stderr, "usage: thumb_bench [--threads N] [--rounds R] [--width W --height H] FILE...\n");
			return 2;
		}
		if (!strcmp(argv[first], "--threads") && v <= 64)
			threads = v;
		else if (!strcmp(argv[first], "--rounds"))
			rounds = v;
		else if (!strcmp(argv[first], "--width"))
			job.opts.max_width = (unsigned)v;
		else if (!strcmp(argv[first], "--height"))
			job.opts.max_height = (unsigned)v;
		else {
			fprintf(stderr, "thumb_bench: bad option %s\n", argv[first]);
			return 2;
		}
	}
	job.files = argv + first;
	job.nfiles = argc - first;
	if (job.nfiles < 1) {
		fprintf(stderr, "usage: thumb_bench [--threads N] [--rounds R] [--width W --height H] FILE...\n");
		return 2;
	}
	atomic_init(&job.failed, 0);
	for (r = 0; r < rounds; r++) {
		double t;

		atomic_init(&job.next, 0);
		t0 = now();
		for (i = 0; i < threads; i++)
			if (pthread_create(&tids[i], NULL, worker, &job) != 0) {
				fprintf(stderr, "thumb_bench: cannot start a thread\n");
				return 1;
			}
		for (i = 0; i < threads; i++)
			pthread_join(tids[i], NULL);
		t = now() - t0;
		secs = r == 0 || t < secs ? t : secs;
	}
	printf("thumbs=%d seconds=%.3f per_second=%.2f\n", job.nfiles, secs, job.nfiles / secs);
	return atomic_load(&job.failed) ? 1 : 0;
}
