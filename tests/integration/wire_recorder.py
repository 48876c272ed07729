"""A small recording reverse proxy in front of the session's moto server, for tests that
assert what one of our binaries sends (not a general audit: one test, one operation).

    with WireRecorder(moto.endpoint) as wire:
        env = dict(env, AWS_ENDPOINT_URL=wire.endpoint, MOTO_PORT=str(wire.port))
        ... run a binary ...
        [req] = wire.operation("UpdateTable")    # the JSON bodies of X-Amz-Target ...UpdateTable

`answer` (optional) may rewrite a response: answer(target, request_body, status, body) ->
(status, body), called for every JSON-protocol (X-Amz-Target) request after moto answered;
`intercept` (optional), intercept(target, request_body) -> (status, body) or None, may
answer one itself before it reaches moto (None: forward it); `intercept_rest` (optional),
intercept_rest(method, path) -> (status, xml_body) or None, the same for the requests
without an X-Amz-Target (S3's REST calls). The proxy forwards every request unchanged
(the signature still matches: the Host header is kept as sent)."""
import http.client
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

from helpers import LoopbackHTTP


class WireRecorder:
    def __init__(self, upstream, answer=None, intercept=None, intercept_rest=None):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.answer = answer
        self.intercept = intercept
        self.intercept_rest = intercept_rest
        self.requests = []      # dicts: method, path, headers (lower-case keys), body (bytes)
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                with recorder._lock:
                    recorder.requests.append(dict(method=self.command, path=self.path,
                                                  headers={k.lower(): v for k, v in headers.items()},
                                                  body=body))
                target = (self.headers.get("X-Amz-Target") or "").split(".")[-1]
                own = recorder.intercept(target, body) if recorder.intercept and target else None
                if own:
                    self._reply(own[0], [("Content-Type", "application/x-amz-json-1.0")],
                                own[1])
                    return
                own = (recorder.intercept_rest(self.command, self.path)
                       if recorder.intercept_rest and not target else None)
                if own:
                    self._reply(own[0], [("Content-Type", "application/xml")], own[1])
                    return
                conn = http.client.HTTPConnection(recorder.upstream.hostname,
                                                  recorder.upstream.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    status, data = resp.status, resp.read()
                    if recorder.answer and target:
                        status, data = recorder.answer(target, body, status, data)
                    self._reply(status, resp.getheaders(), data)
                finally:
                    conn.close()

            def _reply(self, status, headers, data):
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self._http = LoopbackHTTP(Handler, daemon_threads=True)
        self.port, self.endpoint = self._http.port, self._http.url

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self._http.close()

    def operation(self, name):
        """The parsed JSON bodies of the JSON-protocol requests whose X-Amz-Target ends in
        '.' + name, in the order they were sent (retries included)."""
        with self._lock:
            reqs = list(self.requests)
        return [json.loads(r["body"] or b"{}") for r in reqs
                if r["headers"].get("x-amz-target", "").endswith("." + name)]
