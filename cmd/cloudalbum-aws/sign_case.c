/*
 * cloudalbum-aws sign-case — signs one case of AWS's SigV4 suite and prints what the
 * suite's matching file holds, byte for byte.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "aws/sigv4_case.h"
#include "util/buf.h"
#include "util/banned.h"

static void usage(FILE *out)
{
	fputs("usage: cloudalbum-aws sign-case [--query] [--print creq|sts|signature|request] DIR\n"
	      "\n"
	      "Signs the SigV4 test-suite case in DIR (context.json + request.txt) and prints\n"
	      "exactly what the suite's expected file holds:\n"
	      "  creq       <mode>-canonical-request.txt\n"
	      "  sts        <mode>-string-to-sign.txt\n"
	      "  signature  <mode>-signature.txt\n"
	      "  request    <mode>-signed-request.txt (the default)\n"
	      "where <mode> is 'header', or 'query' with --query (a presigned request).\n"
	      "\"service\": \"s3\" in context.json selects S3's rules.\n",
	      out);
}

static bool parse_print(const char *s, enum sigv4_case_output *out)
{
	static const struct {
		const char *name;
		enum sigv4_case_output what;
	} names[] = {
		{ "creq", SIGV4_CASE_CREQ },
		{ "sts", SIGV4_CASE_STS },
		{ "signature", SIGV4_CASE_SIGNATURE },
		{ "request", SIGV4_CASE_REQUEST },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].what;
			return true;
		}
	}
	return false;
}

int cmd_sign_case(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "query", no_argument, NULL, 'q' },
		{ "print", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum sigv4_case_output what = SIGV4_CASE_REQUEST;
	struct sigv4_case c;
	struct sigv4_signed s;
	struct ca_buf text = CA_BUF_INIT;
	struct ca_err err;
	bool query_mode = false;
	int opt, rc = 1;

	sigv4_case_init(&c);
	memset(&s, 0, sizeof(s));
	ca_err_clear(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qp:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			query_mode = true;
			break;
		case 'p':
			if (!parse_print(optarg, &what)) {
				fprintf(stderr, "sign-case: --print takes creq, sts, signature or request, not '%s'.\n",
					optarg);
				rc = 2;
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			rc = 2;
			goto out;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (sigv4_case_load(argv[optind], &c, &err) ||
	    sigv4_case_sign(&c, query_mode, &s, &err)) {
		fprintf(stderr, "sign-case: %s: %s\n", argv[optind], ca_err_msg(&err));
		goto out;
	}
	if (sigv4_case_render(&c, query_mode, &s, what, &text)) {
		fprintf(stderr, "sign-case: out of memory\n");
		goto out;
	}
	if (fwrite(text.data, 1, text.len, stdout) != text.len || fflush(stdout)) {
		fprintf(stderr, "sign-case: cannot write the output\n");
		goto out;
	}
	rc = 0;
out:
	ca_buf_release(&text);
	sigv4_signed_release(&s);
	sigv4_case_release(&c);
	return rc;
}
