"""The wire audit's own parts on made-up traffic (docs/AUDIT.md): the recording proxy
forwards bytes exactly, both ways, and survives malformed requests; the checker reports
malformed, unknown and unsigned requests as findings instead of failing on them."""
import socket
import threading

import audit_check
from audit_proxy import Exchange, Recorder

ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nx-odd-Case: a  b\r\n"
          b"Content-Length: 5\r\n\r\nhello")


class Upstream:
    """A one-answer-per-request HTTP server that keeps every byte it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.received = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                data = b""
                while b"0\r\n\r\n" not in data and not data.endswith(b"\r\n\r\nabc"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.received.append(data)
                conn.sendall(ANSWER)

    def close(self):
        self.sock.close()


def exchange(proxy_port, raw):
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=10) as s:
        s.sendall(raw)
        out = b""
        while not out.endswith(b"hello"):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


def test_proxy_forwards_both_ways_byte_for_byte_and_records():
    up = Upstream()
    rec = Recorder(up.port)
    px = rec.proxy("tool: test")
    try:
        chunked = (b"PUT /b/k%24?x=1 HTTP/1.1\r\nHost: h\r\nx-AMZ-odd:  two  spaces \r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n")
        assert exchange(px.port, chunked) == ANSWER
        assert up.received == [chunked]
        plain = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        assert exchange(px.port, plain) == ANSWER
        assert up.received[1] == plain
        first, second = rec.exchanges
        assert (first.method, first.path, first.query) == ("PUT", "/b/k%24", "x=1")
        assert first.body == b"abcde" and first.header("x-amz-odd") == "two  spaces"
        assert first.status == 200 and first.response_body == b"hello"
        assert second.body == b"abc" and not rec.errors
    finally:
        rec.close()
        up.close()


def test_proxy_survives_a_malformed_request():
    up = Upstream()
    rec = Recorder(up.port)
    px = rec.proxy("tool: test")
    try:
        for garbage in (b"nonsense\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                        b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 70000 + b"\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", px.port), timeout=10) as s:
                try:
                    s.sendall(garbage)
                    s.shutdown(socket.SHUT_WR)
                    answer = s.recv(100)
                except (BrokenPipeError, ConnectionResetError):
                    answer = b""                   # closed while we were still sending
                assert answer == b""               # closed, nothing forwarded
        assert len(rec.errors) == 3 and not up.received and not rec.exchanges
        plain = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        assert exchange(px.port, plain) == ANSWER
    finally:
        rec.close()
        up.close()


def made_up(method, target, headers, body=b""):
    return Exchange("tool: test", method, target, headers, body)


def test_checker_reports_malformed_and_unknown_requests():
    json_hdr = [("Host", "h"), ("Content-Type", "application/x-amz-json-1.0")]
    cases = [
        made_up("POST", "/", json_hdr + [("Authorization", "AWS4-HMAC-SHA256 garbage")], b"{}"),
        made_up("POST", "/", json_hdr + [("X-Amz-Target", "DynamoDB_20120810.NoSuchThing")],
                b"{}"),
        made_up("POST", "/", json_hdr + [("X-Amz-Target", "DynamoDB_20120810.ListTables")],
                b"{not json"),
        made_up("POST", "/", json_hdr + [("X-Amz-Target", "DynamoDB_20120810.ListTables")],
                b"[1, 2]"),
        made_up("GET", "/", [("Host", "h")]),
        made_up("POST", "/", [("Host", "h"), ("Content-Type", "application/x-www-form-urlencoded"),
                              ("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/"
                               "us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")],
                b"Action=%ff%fe&Version=x"),
    ]
    for ex in cases:
        report = audit_check.audit([ex], {"testing": "testing"})
        assert report.count("invalid") == 1, (ex, report.details())


def test_checker_reports_an_unsigned_call_to_a_signed_operation():
    ex = made_up("POST", "/", [("Host", "h"), ("Content-Type", "application/x-amz-json-1.0"),
                               ("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}")
    report = audit_check.audit([ex], {})
    assert report.count("signature") == 1 and report.count("invalid") == 0, report.details()
    # Cognito's SignUp is unsigned by design
    ex = made_up("POST", "/", [("Host", "h"), ("Content-Type", "application/x-amz-json-1.1"),
                               ("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")],
                 b'{"ClientId": "c", "Username": "u", "Password": "p"}')
    report = audit_check.audit([ex], {})
    assert report.findings == [], report.details()
