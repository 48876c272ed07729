/*
 * libFuzzer target: endpoint URLs (AWS_ENDPOINT_URL*, the YAML's aws.endpoint).
 * The input is the URL. An accepted URL is normalised, so parsing the normalised
 * form again must be accepted and give the same endpoint.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_endpoint ep, again;
	struct ca_err err;
	char *url;
	size_t n;
	int rc;

	url = malloc(size + 1);
	if (!url)
		abort();
	memcpy(url, data, size);
	url[size] = '\0';
	ca_err_clear(&err);
	rc = aws_endpoint_parse_url(url, "AWS_ENDPOINT_URL", &ep, &err);
	if (rc != CA_OK) {
		if (!err.msg[0] || ep.url || ep.host || ep.hostname)
			abort(); /* a sentence, and nothing to free */
		free(url);
		return 0;
	}
	n = strlen(ep.url);
	if (!n || ep.url[n - 1] == '/' || !ep.hostname[0] || !ep.host[0] || ep.port < 1 ||
	    ep.port > 65535 || !strstr(ep.host, ep.hostname))
		abort();
	if (aws_endpoint_parse_url(ep.url, "the normalised URL", &again, NULL) != CA_OK)
		abort();
	if (strcmp(again.url, ep.url) || strcmp(again.host, ep.host) ||
	    strcmp(again.hostname, ep.hostname) || again.port != ep.port ||
	    again.https != ep.https || again.s3_path_style != ep.s3_path_style)
		abort();
	aws_endpoint_release(&again);
	aws_endpoint_release(&ep);
	free(url);
	return 0;
}
