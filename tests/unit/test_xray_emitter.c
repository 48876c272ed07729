/* X-Ray segment documents, the trace header and the UDP emitter (trace/xray_emitter.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "check_ca.h"
#include "trace/xray_emitter.h"
#include "util/buf.h"
#include "util/error.h"

#define TRACE "1-5759e988-bd862e3fe1be46a994272793"
#define SEG "53995c3f42cd8ad8"
#define PARENT "f9c6e4f1a2b3c4d5"

static struct xray_segment sample(void)
{
	struct xray_segment s;

	memset(&s, 0, sizeof(s));
	s.name = "CloudAlbum";
	s.trace_id = TRACE;
	s.id = SEG;
	s.start_time = 1700000000.25;
	s.end_time = 1700000000.5;
	s.method = "GET";
	s.url = "http://localhost:8080/api/photos";
	s.client_ip = "10.0.0.7";
	s.user_agent = "curl/7.88.1";
	s.status = 200;
	s.content_length = 1234;
	return s;
}

/* The segment as JSON, parsed back (fails the test when it cannot be made or read). */
static json_t *doc_of(const struct xray_segment *s)
{
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	json_error_t jerr;
	json_t *doc;

	ca_err_clear(&err);
	ck_assert_int_eq(xray_segment_json(s, &b, &err), CA_OK);
	ck_assert_ptr_null(strchr(b.data, '\n'));
	doc = json_loads(b.data, 0, &jerr);
	ck_assert_msg(doc != NULL, "not JSON: %s (%s)", b.data, jerr.text);
	ca_buf_release(&b);
	return doc;
}

static const char *str_at(json_t *doc, const char *path)
{
	json_t *v = json_object_get(doc, path);

	return json_string_value(v);
}

START_TEST(segment_fields)
{
	struct xray_segment s = sample();
	json_t *doc, *req, *resp;

	s.parent_id = PARENT;
	doc = doc_of(&s);
	ck_assert_str_eq(str_at(doc, "name"), "CloudAlbum");
	ck_assert_str_eq(str_at(doc, "id"), SEG);
	ck_assert_str_eq(str_at(doc, "trace_id"), TRACE);
	ck_assert_str_eq(str_at(doc, "parent_id"), PARENT);
	ck_assert(json_real_value(json_object_get(doc, "start_time")) == 1700000000.25);
	ck_assert(json_real_value(json_object_get(doc, "end_time")) == 1700000000.5);
	req = json_object_get(json_object_get(doc, "http"), "request");
	resp = json_object_get(json_object_get(doc, "http"), "response");
	ck_assert_str_eq(str_at(req, "method"), "GET");
	ck_assert_str_eq(str_at(req, "url"), "http://localhost:8080/api/photos");
	ck_assert_str_eq(str_at(req, "client_ip"), "10.0.0.7");
	ck_assert_str_eq(str_at(req, "user_agent"), "curl/7.88.1");
	ck_assert_ptr_null(json_object_get(req, "x_forwarded_for"));
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "status")), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "content_length")), 1234);
	ck_assert_ptr_null(json_object_get(doc, "error"));
	ck_assert_ptr_null(json_object_get(doc, "fault"));
	ck_assert_ptr_null(json_object_get(doc, "throttle"));
	json_decref(doc);
}
END_TEST

START_TEST(segment_microseconds_kept)
{
	struct xray_segment s = sample();
	json_t *doc;

	s.start_time = 1714560000.123456;
	s.end_time = 1714560000.654321;
	doc = doc_of(&s);
	ck_assert(json_real_value(json_object_get(doc, "start_time")) == 1714560000.123456);
	ck_assert(json_real_value(json_object_get(doc, "end_time")) == 1714560000.654321);
	json_decref(doc);
}
END_TEST

START_TEST(segment_optional_fields_left_out)
{
	struct xray_segment s = sample();
	json_t *doc, *http;

	s.user_agent = NULL;
	s.status = 0;
	doc = doc_of(&s);
	ck_assert_ptr_null(json_object_get(doc, "parent_id"));
	http = json_object_get(doc, "http");
	ck_assert_ptr_null(json_object_get(json_object_get(http, "request"), "user_agent"));
	ck_assert_ptr_null(json_object_get(http, "response"));
	json_decref(doc);

	s = sample();
	s.content_length = -1;
	s.forwarded = true;
	doc = doc_of(&s);
	http = json_object_get(doc, "http");
	ck_assert_ptr_null(json_object_get(json_object_get(http, "response"), "content_length"));
	ck_assert(json_is_true(json_object_get(json_object_get(http, "request"), "x_forwarded_for")));
	json_decref(doc);
}
END_TEST

static const struct {
	int status;
	bool error, throttle, fault;
} flag_cases[] = {
	{ 200, false, false, false }, { 302, false, false, false }, { 400, true, false, false },
	{ 404, true, false, false },  { 429, true, true, false },   { 499, true, false, false },
	{ 500, false, false, true },  { 503, false, false, true },
};

START_TEST(segment_status_flags)
{
	struct xray_segment s = sample();
	json_t *doc;

	s.status = flag_cases[_i].status;
	doc = doc_of(&s);
	ck_assert_int_eq(json_is_true(json_object_get(doc, "error")), flag_cases[_i].error);
	ck_assert_int_eq(json_is_true(json_object_get(doc, "throttle")), flag_cases[_i].throttle);
	ck_assert_int_eq(json_is_true(json_object_get(doc, "fault")), flag_cases[_i].fault);
	json_decref(doc);
}
END_TEST

START_TEST(segment_invalid_refused)
{
	struct xray_segment s;
	struct ca_buf b = CA_BUF_INIT;
	struct ca_err err;
	int i;

	ca_buf_adds(&b, "keep");
	for (i = 0; i < 11; i++) {
		s = sample();
		switch (i) {
		case 0: s.name = NULL; break;
		case 1: s.name = ""; break;
		case 2: s.trace_id = "1-5759E988-bd862e3fe1be46a994272793"; break;
		case 3: s.trace_id = "1-5759e988-bd862e3fe1be46a99427279"; break;
		case 4: s.id = "53995c3f42cd8ad"; break;
		case 5: s.id = "53995c3f42cd8adg"; break;
		case 6: s.parent_id = "xyz"; break;
		case 7: s.end_time = s.start_time - 1; break;
		case 8: s.start_time = 0.0 / 0.0; break;
		case 9: s.start_time = 0; break;
		case 10: s.trace_id = NULL; break;
		}
		ca_err_clear(&err);
		ck_assert_msg(xray_segment_json(&s, &b, &err) == CA_EINVAL, "case %d", i);
		ck_assert(err.msg[0] != '\0');
		ck_assert_str_eq(b.data, "keep");
	}
	ca_buf_release(&b);
}
END_TEST

START_TEST(segment_hostile_strings)
{
	struct xray_segment s = sample();
	char *long_url = malloc(XRAY_URL_MAX + 100);
	char ua[XRAY_USER_AGENT_MAX + 10];
	json_t *doc, *req;
	const char *got;
	size_t i;

	ck_assert_ptr_nonnull(long_url);
	memset(long_url, 'a', XRAY_URL_MAX + 99);
	long_url[XRAY_URL_MAX + 99] = '\0';
	/* a 2-byte character straddling the cap is left out whole */
	memset(ua, 'u', sizeof(ua));
	ua[XRAY_USER_AGENT_MAX - 1] = (char)0xc3;
	ua[XRAY_USER_AGENT_MAX] = (char)0xa9;
	ua[sizeof(ua) - 1] = '\0';
	s.url = long_url;
	s.user_agent = ua;
	s.method = "G\xff\x01T\n";
	s.client_ip = "\xe2\x82"; /* a cut-off 3-byte sequence */
	doc = doc_of(&s);
	req = json_object_get(json_object_get(doc, "http"), "request");
	ck_assert_uint_eq(strlen(str_at(req, "url")), XRAY_URL_MAX);
	got = str_at(req, "user_agent");
	ck_assert_uint_eq(strlen(got), XRAY_USER_AGENT_MAX - 1);
	for (i = 0; got[i]; i++)
		ck_assert_int_eq(got[i], 'u');
	ck_assert_str_eq(str_at(req, "method"), "G??T?");
	ck_assert_str_eq(str_at(req, "client_ip"), "??");
	json_decref(doc);

	/* valid multi-byte text passes unchanged, and the name is capped */
	s = sample();
	s.user_agent = "Mozilla \xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xb7";
	doc = doc_of(&s);
	req = json_object_get(json_object_get(doc, "http"), "request");
	ck_assert_str_eq(str_at(req, "user_agent"), "Mozilla \xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xb7");
	json_decref(doc);
	free(long_url);
}
END_TEST

START_TEST(datagram_has_header_line)
{
	struct xray_segment s = sample();
	struct ca_buf b = CA_BUF_INIT;
	const char *nl;
	json_t *head, *doc;

	ck_assert_int_eq(xray_segment_datagram(&s, &b, NULL), CA_OK);
	ck_assert(strncmp(b.data, "{\"format\": \"json\", \"version\": 1}\n", 33) == 0);
	nl = strchr(b.data, '\n');
	head = json_loadb(b.data, (size_t)(nl - b.data), 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(head, "format")), "json");
	ck_assert_int_eq(json_integer_value(json_object_get(head, "version")), 1);
	doc = json_loads(nl + 1, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "trace_id")), TRACE);
	json_decref(head);
	json_decref(doc);

	/* a refused segment leaves the buffer as it was */
	ca_buf_reset(&b);
	ca_buf_adds(&b, "x");
	s.id = "nope";
	ck_assert_int_eq(xray_segment_datagram(&s, &b, NULL), CA_EINVAL);
	ck_assert_str_eq(b.data, "x");
	ca_buf_release(&b);
}
END_TEST

START_TEST(header_parse_valid)
{
	struct xray_trace_header h;

	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=" PARENT ";Sampled=1", &h));
	ck_assert_str_eq(h.root, TRACE);
	ck_assert_str_eq(h.parent, PARENT);
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_YES);

	ck_assert(xray_trace_header_parse(" Sampled = 0 ; Self=1-abc ; Root=" TRACE ";", &h));
	ck_assert_str_eq(h.root, TRACE);
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_NO);

	ck_assert(xray_trace_header_parse("Root=" TRACE ";Sampled=?;Lineage=a:1", &h));
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);

	ck_assert(xray_trace_header_parse("Root=" TRACE, &h));
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
}
END_TEST

START_TEST(header_parse_bad_parts_dropped)
{
	struct xray_trace_header h;

	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=ABCDEF0123456789;Sampled=1", &h));
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_YES);
	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=" PARENT "0;Sampled=yes", &h));
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
	ck_assert(xray_trace_header_parse("Root=" TRACE ";Parent=;Sampled=10", &h));
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
}
END_TEST

static const char *const ignored_headers[] = {
	"",
	";;;",
	"Sampled=0",                                         /* no Root: a new trace */
	"Parent=" PARENT ";Sampled=1",
	"Root=",
	"Root=1-5759e988-bd862e3fe1be46a99427279",           /* short */
	"Root=1-5759e988-bd862e3fe1be46a9942727933",         /* long */
	"Root=2-5759e988-bd862e3fe1be46a994272793",          /* version */
	"Root=1-5759E988-bd862e3fe1be46a994272793",          /* upper case */
	"Root=1_5759e988-bd862e3fe1be46a994272793",
	"Root=" TRACE ";Root=" TRACE,                        /* repeated */
	"Root=" TRACE ";Sampled=1;Sampled=0",
	"Root=" TRACE ";Parent=" PARENT ";Parent=" PARENT,
	"Root=" TRACE ";garbage",
	"root=" TRACE,
	"Root=" TRACE "\n;Sampled=0",
};

START_TEST(header_parse_ignored)
{
	struct xray_trace_header h;

	memset(&h, 'x', sizeof(h));
	ck_assert_msg(!xray_trace_header_parse(ignored_headers[_i], &h), "%s", ignored_headers[_i]);
	ck_assert_str_eq(h.root, "");
	ck_assert_str_eq(h.parent, "");
	ck_assert_int_eq(h.sampled, XRAY_SAMPLED_UNKNOWN);
}
END_TEST

START_TEST(header_parse_null_and_overlong)
{
	struct xray_trace_header h;
	char big[XRAY_TRACE_HEADER_MAX + 64];
	int n;

	ck_assert(!xray_trace_header_parse(NULL, &h));
	ck_assert_str_eq(h.root, "");
	n = snprintf(big, sizeof(big), "Root=%s;Sampled=1;Pad=", TRACE);
	memset(big + n, 'p', sizeof(big) - (size_t)n - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!xray_trace_header_parse(big, &h));
	ck_assert_str_eq(h.root, "");
	/* exactly at the cap is still read */
	big[XRAY_TRACE_HEADER_MAX] = '\0';
	ck_assert(xray_trace_header_parse(big, &h));
	ck_assert_str_eq(h.root, TRACE);
}
END_TEST

START_TEST(header_format)
{
	struct ca_buf b = CA_BUF_INIT;

	ck_assert_int_eq(xray_trace_header_format(TRACE, true, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "Root=" TRACE ";Sampled=1");
	ca_buf_reset(&b);
	ck_assert_int_eq(xray_trace_header_format(TRACE, false, &b, NULL), CA_OK);
	ck_assert_str_eq(b.data, "Root=" TRACE ";Sampled=0");
	ca_buf_reset(&b);
	ck_assert_int_eq(xray_trace_header_format("1-x", true, &b, NULL), CA_EINVAL);
	ck_assert_str_eq(b.data, "");
	ca_buf_release(&b);
}
END_TEST

START_TEST(segment_id_validity)
{
	ck_assert(xray_segment_id_valid(SEG));
	ck_assert(!xray_segment_id_valid(NULL));
	ck_assert(!xray_segment_id_valid(""));
	ck_assert(!xray_segment_id_valid("53995C3F42CD8AD8"));
	ck_assert(!xray_segment_id_valid("53995c3f42cd8ad80"));
}
END_TEST

static const struct {
	const char *spec, *host;
	unsigned port;
} good_addresses[] = {
	{ "127.0.0.1:2000", "127.0.0.1", 2000 },
	{ "xray-daemon:2001", "xray-daemon", 2001 },
	{ "[::1]:2000", "::1", 2000 },
	{ "udp:10.0.0.2:2002", "10.0.0.2", 2002 },
	{ "tcp:127.0.0.1:2000 udp:127.0.0.2:2003", "127.0.0.2", 2003 },
	{ "udp:127.0.0.2:2004 tcp:127.0.0.1:2000", "127.0.0.2", 2004 },
	{ " 127.0.0.1:65535 ", "127.0.0.1", 65535 },
};

START_TEST(daemon_address_good)
{
	char host[64];
	uint16_t port = 0;

	ck_assert_int_eq(xray_daemon_address_parse(good_addresses[_i].spec, host, sizeof(host),
						   &port, NULL), CA_OK);
	ck_assert_str_eq(host, good_addresses[_i].host);
	ck_assert_uint_eq(port, good_addresses[_i].port);
}
END_TEST

static const char *const bad_addresses[] = {
	"", " ", "host", "host:", ":2000", "host:0", "host:65536", "host:20x", "host:-1",
	"::1:2000", "[::1]2000", "[::1]:", "[]:2000", "tcp:127.0.0.1:2000", "a:1 b:2",
	"ho st:1", "h/x:1", "host:2000\n", "udp:", "[::1:2000",
};

START_TEST(daemon_address_bad)
{
	char host[64];
	uint16_t port = 7;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_msg(xray_daemon_address_parse(bad_addresses[_i], host, sizeof(host), &port,
						&err) == CA_EINVAL, "%s", bad_addresses[_i]);
	ck_assert(strstr(err.msg, "X-Ray daemon address") != NULL);
	ck_assert_uint_eq(port, 7);
}
END_TEST

START_TEST(daemon_address_host_too_long)
{
	char host[8];
	uint16_t port;

	ck_assert_int_eq(xray_daemon_address_parse("abcdefgh:1", host, sizeof(host), &port, NULL),
			 CA_EINVAL);
	ck_assert_int_eq(xray_daemon_address_parse("abcdefg:1", host, sizeof(host), &port, NULL),
			 CA_OK);
}
END_TEST

/* A UDP socket on 127.0.0.1 standing in for the daemon; *port receives its port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct timeval tv = { 30, 0 }; /* only a guard against hanging forever */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(emitter_sends_datagram)
{
	struct xray_emitter *em = NULL;
	struct xray_segment s = sample();
	char spec[64], got[XRAY_DATAGRAM_MAX + 1];
	uint16_t port;
	ssize_t n;
	json_t *doc;
	int fd = listener(&port);

	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:1 udp:127.0.0.1:%u", (unsigned)port);
	ck_assert_int_eq(xray_emitter_open(spec, &em, NULL), CA_OK);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", (unsigned)port);
	ck_assert_str_eq(xray_emitter_address(em), spec);
	ck_assert_int_eq(xray_emitter_send(em, &s, NULL), CA_OK);
	n = recv(fd, got, sizeof(got) - 1, 0);
	ck_assert_int_gt(n, 33);
	got[n] = '\0';
	ck_assert(strncmp(got, XRAY_DATAGRAM_HEADER, strlen(XRAY_DATAGRAM_HEADER)) == 0);
	doc = json_loads(got + strlen(XRAY_DATAGRAM_HEADER), 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "id")), SEG);
	json_decref(doc);
	ck_assert_uint_eq(xray_emitter_sent(em), 1);
	ck_assert_uint_eq(xray_emitter_dropped(em), 0);

	s.trace_id = "bad";
	ck_assert_int_eq(xray_emitter_send(em, &s, NULL), CA_EINVAL);
	ck_assert_uint_eq(xray_emitter_sent(em), 1);
	ck_assert_uint_eq(xray_emitter_dropped(em), 1);
	xray_emitter_free(em);
	close(fd);
}
END_TEST

START_TEST(emitter_open_refuses)
{
	struct xray_emitter *em = (struct xray_emitter *)&em;
	struct ca_err err;

	ca_err_clear(&err);
	ck_assert_int_eq(xray_emitter_open("nonsense", &em, &err), CA_EINVAL);
	ck_assert_ptr_null(em);
	ca_err_clear(&err);
	ck_assert_int_eq(xray_emitter_open("no-such-host.invalid:2000", &em, &err), CA_EINVAL);
	ck_assert_ptr_null(em);
	ck_assert(strstr(err.msg, "cannot be resolved") != NULL);
	/* NULL means the default address, which needs no daemon to open */
	ck_assert_int_eq(xray_emitter_open(NULL, &em, NULL), CA_OK);
	ck_assert_str_eq(xray_emitter_address(em), "127.0.0.1:2000");
	xray_emitter_free(em);
	xray_emitter_free(NULL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("xray_emitter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, segment_fields);
	tcase_add_test(tc, segment_microseconds_kept);
	tcase_add_test(tc, segment_optional_fields_left_out);
	tcase_add_loop_test(tc, segment_status_flags, 0, sizeof(flag_cases) / sizeof(flag_cases[0]));
	tcase_add_test(tc, segment_invalid_refused);
	tcase_add_test(tc, segment_hostile_strings);
	tcase_add_test(tc, datagram_has_header_line);
	tcase_add_test(tc, header_parse_valid);
	tcase_add_test(tc, header_parse_bad_parts_dropped);
	tcase_add_loop_test(tc, header_parse_ignored, 0,
			    sizeof(ignored_headers) / sizeof(ignored_headers[0]));
	tcase_add_test(tc, header_parse_null_and_overlong);
	tcase_add_test(tc, header_format);
	tcase_add_test(tc, segment_id_validity);
	tcase_add_loop_test(tc, daemon_address_good, 0,
			    sizeof(good_addresses) / sizeof(good_addresses[0]));
	tcase_add_loop_test(tc, daemon_address_bad, 0,
			    sizeof(bad_addresses) / sizeof(bad_addresses[0]));
	tcase_add_test(tc, daemon_address_host_too_long);
	tcase_add_test(tc, emitter_sends_datagram);
	tcase_add_test(tc, emitter_open_refuses);
	suite_add_tcase(s, tc);
	return s;
}

CA_TEST_MAIN()
