"""The transport, retries and error parsing, against a scripted fault-injecting server.

A small threaded HTTP server on a free loopback port answers each request with the next
step of a script: an AWS error (JSON or XML), a 5xx, a dropped connection (closed without
an answer), a hang, or success. Our binary (`cloudalbum-aws call` / `whoami`) runs with
CA_AWS_DEBUG=1, which prints one line per retry with the chosen delay and its bound;
the tests check attempt counts and that every delay lies within
[0, min(base * 2^(attempt-1), cap)) — never how long anything took.
"""
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from helpers import LoopbackHTTP, run

RETRY_LINE = re.compile(
    r"^aws: (\S+) attempt (\d+): (throttled|transient error) \((.*)\); "
    r"retrying in ([0-9.]+) ms \(bound ([0-9.]+) ms\)$")

THROTTLE_BASE_MS = 40
TRANSIENT_BASE_MS = 20
MAX_BACKOFF_MS = 60

STS_OK = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
          b'<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/fault</Arn>'
          b'<UserId>AIDAFAULT</UserId><Account>123456789012</Account>'
          b'</GetCallerIdentityResult><ResponseMetadata><RequestId>ok-1</RequestId>'
          b'</ResponseMetadata></GetCallerIdentityResponse>')


def json_error(status, type_, message, request_id="rid"):
    body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#" + type_,
                       "message": message}).encode()
    return ("answer", status, {"Content-Type": "application/x-amz-json-1.0",
                               "x-amzn-RequestId": request_id}, body)


def xml_error(status, code, message, root="ErrorResponse"):
    inner = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    if root == "ErrorResponse":
        body = f"<ErrorResponse>{inner}<RequestId>xml-rid</RequestId></ErrorResponse>"
    else:
        body = inner.replace("</Error>", "<RequestId>xml-rid</RequestId></Error>")
    return ("answer", status, {"Content-Type": "text/xml"}, body.encode())


OK_JSON = ("answer", 200, {"Content-Type": "application/x-amz-json-1.0"},
           b'{"TableNames":["a","b"]}')
DROP = ("drop",)
HANG = ("hang",)


class FaultServer:
    """Answers requests with the steps of `script` in turn (the last step repeats)."""

    def __init__(self):
        self.script = [OK_JSON]
        self.requests = []          # (method, path, headers dict, body, client port)
        self.lock = threading.Lock()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # keep-alive, as AWS does

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server.lock:
                    n = len(server.requests)
                    server.requests.append((self.command, self.path, dict(self.headers), body,
                                            self.client_address[1]))
                    step = server.script[min(n, len(server.script) - 1)]
                if step[0] == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if step[0] == "hang":
                    server.release.wait(20)
                    self.close_connection = True
                    return
                _, status, headers, payload = step
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

        self.http = LoopbackHTTP(Handler, daemon_threads=True)
        self.port, self.url = self.http.port, self.http.url

    def close(self):
        self.release.set()
        self.http.close()


@pytest.fixture
def fault(tmp_path):
    srv = FaultServer()
    yield srv
    srv.close()


@pytest.fixture
def env(fault, tmp_path):
    import os
    e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CA_AWS_"))}
    e.update(HOME=str(tmp_path), AWS_ACCESS_KEY_ID="AKIDFAULTTEST", AWS_SECRET_ACCESS_KEY="secret",
             AWS_REGION="ap-southeast-1", AWS_ENDPOINT_URL=fault.url,
             AWS_EC2_METADATA_DISABLED="true", CA_AWS_DEBUG="1",
             CA_AWS_BACKOFF_THROTTLE_MS=str(THROTTLE_BASE_MS),
             CA_AWS_BACKOFF_TRANSIENT_MS=str(TRANSIENT_BASE_MS),
             CA_AWS_BACKOFF_MAX_MS=str(MAX_BACKOFF_MS))
    return e


def list_tables(bins, env):
    return run([bins / "cloudalbum-aws", "call", "dynamodb", "--target",
                "DynamoDB_20120810.ListTables"], env=env, check=False)


def retries(stderr):
    """The retry lines: (attempt, kind, delay, bound)."""
    out = []
    for line in stderr.splitlines():
        m = RETRY_LINE.match(line)
        if m:
            out.append((int(m.group(2)), m.group(3), float(m.group(5)), float(m.group(6))))
    return out


def expected_bound(kind, attempt):
    base = THROTTLE_BASE_MS if kind == "throttled" else TRANSIENT_BASE_MS
    return min(base * 2 ** (attempt - 1), MAX_BACKOFF_MS)


def check_backoff(stderr, kinds):
    got = retries(stderr)
    assert [(a, k) for a, k, _, _ in got] == [(i + 1, k) for i, k in enumerate(kinds)], stderr
    for attempt, kind, delay, bound in got:
        assert bound == expected_bound(kind, attempt)
        assert 0.0 <= delay < bound


def test_throttling_is_retried_until_success(bins, env, fault):
    fault.script = [json_error(400, "ThrottlingException", "Rate exceeded"),
                    json_error(400, "ProvisionedThroughputExceededException", "slow down"),
                    OK_JSON]
    p = list_tables(bins, env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"TableNames": ["a", "b"]}
    assert len(fault.requests) == 3
    check_backoff(p.stderr, ["throttled", "throttled"])


def test_every_attempt_is_signed_afresh_and_well_formed(bins, env, fault):
    fault.script = [json_error(500, "InternalServerError", "oops"), OK_JSON]
    p = list_tables(bins, env)
    assert p.returncode == 0, p.stderr
    assert len(fault.requests) == 2
    for method, path, headers, body, _ in fault.requests:
        h = {k.lower(): v for k, v in headers.items()}
        assert (method, path, body) == ("POST", "/", b"{}")
        assert h["host"] == f"127.0.0.1:{fault.port}"
        assert h["x-amz-target"] == "DynamoDB_20120810.ListTables"
        assert h["content-type"] == "application/x-amz-json-1.0"
        assert re.fullmatch(r"\d{8}T\d{6}Z", h["x-amz-date"])
        assert re.fullmatch(
            r"AWS4-HMAC-SHA256 Credential=AKIDFAULTTEST/\d{8}/ap-southeast-1/dynamodb/"
            r"aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}",
            h["authorization"])
        assert "expect" not in h
        assert "x-amz-security-token" not in h


def test_server_errors_exhaust_the_default_three_attempts(bins, env, fault):
    fault.script = [("answer", 503, {}, b"")]
    p = list_tables(bins, env)
    assert p.returncode == 1
    assert len(fault.requests) == 3
    check_backoff(p.stderr, ["transient error", "transient error"])
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("cloudalbum-aws call: dynamodb: 503: Service Unavailable (HTTP 503)")
    assert "gave up after 3 attempts" in last


def test_connection_kept_alive_across_retries(bins, env, fault):
    fault.script = [("answer", 500, {}, b""), ("answer", 502, {}, b""), OK_JSON]
    p = list_tables(bins, env)
    assert p.returncode == 0, p.stderr
    ports = {r[4] for r in fault.requests}
    assert len(fault.requests) == 3 and len(ports) == 1, "each attempt opened a new connection"


def test_dropped_connections_are_retried(bins, env, fault):
    fault.script = [DROP, DROP, OK_JSON]
    p = list_tables(bins, env)
    assert p.returncode == 0, p.stderr
    assert len(fault.requests) == 3
    check_backoff(p.stderr, ["transient error", "transient error"])


def test_dropped_connections_give_up_with_a_sentence(bins, env, fault):
    fault.script = [DROP]
    env["AWS_MAX_ATTEMPTS"] = "4"
    p = list_tables(bins, env)
    assert p.returncode == 1
    assert len(fault.requests) == 4
    check_backoff(p.stderr, ["transient error"] * 3)
    last = p.stderr.strip().splitlines()[-1]
    assert f"Could not talk to http://127.0.0.1:{fault.port}" in last
    assert "gave up after 4 attempts" in last


def test_validation_error_is_never_retried(bins, env, fault):
    fault.script = [json_error(400, "ValidationException", "1 validation error detected",
                               request_id="val-123"), OK_JSON]
    p = list_tables(bins, env)
    assert p.returncode == 1
    assert len(fault.requests) == 1
    assert retries(p.stderr) == []
    assert p.stderr.strip().splitlines()[-1] == (
        "cloudalbum-aws call: dynamodb: ValidationException: 1 validation error detected "
        "(HTTP 400, request id val-123)")


def test_access_denied_is_never_retried(bins, env, fault):
    fault.script = [xml_error(403, "AccessDenied", "Access Denied", root="Error")]
    p = run([bins / "cloudalbum-aws", "call", "s3", "--path", "/bucket/key"], env=env, check=False)
    assert p.returncode == 1
    assert len(fault.requests) == 1
    assert "s3: AccessDenied: Access Denied (HTTP 403, request id xml-rid)" in p.stderr


def test_max_attempts_from_environment_when_always_throttled(bins, env, fault):
    fault.script = [json_error(400, "ThrottlingException", "Rate exceeded")]
    env["AWS_MAX_ATTEMPTS"] = "5"
    p = list_tables(bins, env)
    assert p.returncode == 1
    assert len(fault.requests) == 5
    check_backoff(p.stderr, ["throttled"] * 4)
    assert "ThrottlingException: Rate exceeded" in p.stderr
    assert "gave up after 5 attempts" in p.stderr


def test_query_protocol_xml_throttling_then_whoami(bins, env, fault):
    fault.script = [xml_error(400, "Throttling", "Rate exceeded"), ("answer", 200, {}, STS_OK)]
    p = run([bins / "cloudalbum-aws", "whoami"], env=env, check=False)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["Account  123456789012",
                                     "Arn      arn:aws:iam::123456789012:user/fault",
                                     "UserId   AIDAFAULT"]
    check_backoff(p.stderr, ["throttled"])
    method, path, headers, body, _ = fault.requests[1]
    assert (method, path) == ("POST", "/")
    assert body == b"Action=GetCallerIdentity&Version=2011-06-15"
    assert "/ap-southeast-1/sts/aws4_request" in headers["Authorization"]


def test_s3_slowdown_and_mixed_failures(bins, env, fault):
    # the drop comes first: a connection dropped after it was reused for a keep-alive
    # answer is silently re-sent once by libcurl itself, which would hide one attempt
    fault.script = [DROP, xml_error(503, "SlowDown", "Reduce your request rate.", root="Error"),
                    ("answer", 200, {"Content-Type": "text/plain"}, b"object bytes")]
    p = run([bins / "cloudalbum-aws", "call", "s3", "--path", "/bkt/photos/a b.jpg"], env=env,
            check=False)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "object bytes"
    check_backoff(p.stderr, ["transient error", "throttled"])
    assert {r[1] for r in fault.requests} == {"/bkt/photos/a%20b.jpg"}
    assert "x-amz-content-sha256" in {k.lower() for k in fault.requests[0][2]}


def test_hung_server_times_out_and_is_retried(bins, env, fault):
    fault.script = [HANG, OK_JSON]
    env["CA_AWS_TIMEOUT_MS"] = "300"
    p = list_tables(bins, env)
    assert p.returncode == 0, p.stderr
    assert len(fault.requests) == 2
    got = retries(p.stderr)
    assert len(got) == 1 and "No answer from" in p.stderr


def test_unreachable_endpoint_is_one_sentence(bins, env, fault):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]      # bound but not listening: connection refused
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{dead}"
        env["AWS_MAX_ATTEMPTS"] = "2"
        p = list_tables(bins, env)
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cloudalbum-aws call: dynamodb: Could not talk to http://127.0.0.1:{dead}")
    assert "gave up after 2 attempts" in last
    assert "secret" not in p.stderr


def test_bad_max_attempts_is_reported(bins, env, fault):
    env["AWS_MAX_ATTEMPTS"] = "lots"
    p = list_tables(bins, env)
    assert p.returncode == 1
    assert "AWS_MAX_ATTEMPTS must be a whole number" in p.stderr
    assert fault.requests == []


def test_help_and_usage(bins, env, fault):
    for cmd in (["call", "--help"], ["whoami", "--help"]):
        p = run([bins / "cloudalbum-aws", *cmd], env=env, check=False)
        assert p.returncode == 0 and p.stdout.startswith(f"usage: cloudalbum-aws {cmd[0]}")
    for bad in (["call"], ["call", "nosuchservice"], ["call", "dynamodb", "--target", "X",
                                                      "--action", "Y"], ["whoami", "extra"]):
        p = run([bins / "cloudalbum-aws", *bad], env=env, check=False)
        assert p.returncode == 2, bad
    assert fault.requests == []


def test_json_1_1_rest_json_and_query_encoding(bins, env, fault):
    fault.script = [("answer", 200, {}, b"{}")]
    aws = bins / "cloudalbum-aws"
    run([aws, "call", "cognito-idp", "--target",
         "AWSCognitoIdentityProviderService.ListUserPools", "--data", '{"MaxResults": 5}'], env=env)
    run([aws, "call", "xray", "--method", "POST", "--path", "/TraceSegments",
         "--data", '{"TraceSegmentDocuments": []}', "--header", "Content-Type: application/json"],
        env=env)
    run([aws, "call", "iam", "--action", "GetUser", "--param", "UserName=a b&c=d/é"], env=env)
    (m1, p1, h1, b1, _), (m2, p2, h2, b2, _), (m3, p3, h3, b3, _) = fault.requests
    assert (m1, p1, h1["Content-Type"], h1["X-Amz-Target"]) == (
        "POST", "/", "application/x-amz-json-1.1", "AWSCognitoIdentityProviderService.ListUserPools")
    assert json.loads(b1) == {"MaxResults": 5}
    assert "/cognito-idp/aws4_request" in h1["Authorization"]
    assert (m2, p2, json.loads(b2)) == ("POST", "/TraceSegments", {"TraceSegmentDocuments": []})
    assert "/xray/aws4_request" in h2["Authorization"]
    assert b3 == b"Action=GetUser&Version=2010-05-08&UserName=a%20b%26c%3Dd%2F%C3%A9"
    assert h3["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_unusable_answers_and_bad_input_are_sentences(bins, env, fault):
    aws = bins / "cloudalbum-aws"
    fault.script = [("answer", 200, {}, b"<not json>")]
    p = run([aws, "call", "dynamodb", "--target", "DynamoDB_20120810.ListTables"], env=env,
            check=False)
    assert p.returncode == 1 and "the answer is not a JSON object" in p.stderr
    fault.script = [("answer", 200, {}, b"<GetCallerIdentityResponse><oops>")]
    p = run([aws, "whoami"], env=env, check=False)
    assert p.returncode == 1 and "not usable XML" in p.stderr
    n = len(fault.requests)
    p = run([aws, "call", "dynamodb", "--target", "X", "--data", "[1, 2]"], env=env, check=False)
    assert p.returncode == 1 and "--data must be a JSON object" in p.stderr
    p = run([aws, "call", "s3", "--path", "/b/k", "--header", "X-Evil: a\r\nInjected: 1"], env=env,
            check=False)
    assert p.returncode == 1
    assert len(fault.requests) == n, "a request was sent despite bad input"
