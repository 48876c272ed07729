/*
 * sigv4_bench.c — signatures per second of our SigV4 signer on two fixed requests:
 * a DynamoDB PutItem POST (header mode) and an S3 presigned GET (query mode).
 * tests/bench/sigv4.sh runs botocore on the same requests and prints the ratios.
 *
 * Each kind runs ROUNDS times and the best rate is kept (the machine is shared).
 * usage: sigv4_bench [N]   (default 20000). Prints, one per line:
 *   header <signatures/s> <signature of the first request>
 *   presign <signatures/s> <signature of the first URL>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/s3_presign.h"
#include "aws/sigv4.h"
#include "util/strutil.h"
#include "util/banned.h"

#define ROUNDS 3
#define WHEN 1709212455 /* 20240229T131415Z, fixed so both sides sign the same thing */

static const struct aws_credentials creds = {
	.access_key_id = "AKIDEXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	.session_token = "FQoGZXIvYXdzEXAMPLEtokenEXAMPLEtokenEXAMPLEtoken",
};

static const char body[] =
	"{\"TableName\": \"Photo\", \"Item\": {\"user_id\": {\"S\": \"4f1c2a9e8b7d4e3fa1b2c3d4e5f60718\"}, "
	"\"id\": {\"N\": \"1709212455123\"}, \"tags\": {\"S\": \"beach,sunset\"}, \"desc\": {\"S\": \"Evening at the beach\"}, "
	"\"filename\": {\"S\": \"0b8e6c1e-3f7a-4d2b-9c1e-2a3b4c5d6e7f.jpg\"}, \"filesize\": {\"N\": \"2345678\"}}}";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One round of n header signatures; returns signatures per second, or -1 on error. */
static double header_round(long n, char first[65])
{
	struct sigv4_header h[] = {
		{ "Host", "dynamodb.ap-southeast-1.amazonaws.com" },
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "DynamoDB_20120810.PutItem" },
	};
	struct sigv4_params p = { .creds = &creds, .region = "ap-southeast-1",
				  .service = "dynamodb", .when = WHEN };
	double t0 = now();
	long i;

	for (i = 0; i < n; i++) {
		struct sigv4_request req = { .method = "POST", .path = "/", .headers = h,
					     .n_headers = 3, .body = body, .body_len = sizeof(body) - 1 };
		struct sigv4_signed s;
		int rc = sigv4_sign_headers(&req, &p, &s, NULL);

		if (rc == CA_OK && i == 0)
			memcpy(first, s.signature, 65);
		sigv4_signed_release(&s);
		if (rc)
			return -1;
	}
	return (double)n / (now() - t0);
}

/* One round of n presigned URLs; as header_round. */
static double presign_round(long n, char first[65])
{
	struct s3_presign_request r = {
		.url = "https://cloudalbum-photos.s3.ap-southeast-1.amazonaws.com/photos/"
		       "user_at_example_dot_com/0b8e6c1e-3f7a-4d2b-9c1e-2a3b4c5d6e7f.jpg",
		.expires = 3600, .when = WHEN, .creds = &creds, .region = "ap-southeast-1",
	};
	double t0 = now();
	long i;

	for (i = 0; i < n; i++) {
		char *url = NULL;
		const char *sig;

		if (s3_presign_url(&r, &url, NULL))
			return -1;
		if (i == 0 && (sig = strstr(url, "X-Amz-Signature=")) != NULL)
			snprintf(first, 65, "%s", sig + 16);
		free(url);
	}
	return (double)n / (now() - t0);
}

static int report(const char *kind, double (*round_fn)(long, char[65]), long n)
{
	char first[65] = "";
	double best = 0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double rate = round_fn(n, first);

		if (rate < 0)
			return 1;
		if (rate > best)
			best = rate;
	}
	printf("%s %.0f %s\n", kind, best, first);
	return 0;
}

int main(int argc, char **argv)
{
	long n = 20000;

	if (argc > 1 && !ca_parse_long(argv[1], 1, 100000000, &n)) {
		fprintf(stderr, "usage: sigv4_bench [N]\n");
		return 2;
	}
	if (report("header", header_round, n) || report("presign", presign_round, n)) {
		fprintf(stderr, "sigv4_bench: signing failed\n");
		return 1;
	}
	return 0;
}
