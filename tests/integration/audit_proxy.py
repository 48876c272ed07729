"""A recording HTTP/1.1 proxy for the wire audit (docs/AUDIT.md).

It listens on a loopback port, forwards every request to the upstream (the test moto
server) exactly as the program sent it (same bytes: request line, headers, body) and the
answer back exactly as moto sent it, and records both sides of each exchange as an
`Exchange` in a shared `Recorder`. Each proxy carries a label (the program and stage it
stands in front of), so the audit can tell whose request it was.

One thread per client connection; keep-alive is kept as long as both sides allow it.
Only `response_hook` (used by one test, to give an answer the shape real AWS gives)
changes a byte, and only of a response."""
import socket
import threading
import urllib.parse

MAX_HEAD = 64 * 1024
IO_TIMEOUT = 120


class Exchange:
    """One request and its response, as seen on the wire."""

    def __init__(self, label, method, target, headers, body):
        self.label = label
        self.method = method
        self.target = target                  # raw request target: path?query
        self.headers = headers                 # [(name, value)] in wire order
        self.body = body                       # bytes, chunked framing removed
        self.status = None
        self.response_headers = []
        self.response_body = b""
        parts = urllib.parse.urlsplit(target)
        self.path = parts.path
        self.query = parts.query

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def response_header(self, name, default=None):
        name = name.lower()
        for k, v in self.response_headers:
            if k.lower() == name:
                return v
        return default

    def __repr__(self):
        return f"<{self.label}: {self.method} {self.target[:80]} -> {self.status}>"


class Recorder:
    """The exchanges of every proxy made from it, in the order their requests arrived."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.exchanges = []
        self.lock = threading.Lock()
        self.proxies = []
        self.errors = []

    def proxy(self, label, response_hook=None):
        """A started proxy labelled `label`; its endpoint URL is .endpoint."""
        p = Proxy(self, label, response_hook)
        self.proxies.append(p)
        return p

    def add(self, ex):
        with self.lock:
            self.exchanges.append(ex)

    def close(self):
        for p in self.proxies:
            p.close()


def _read_head(f):
    """The head (request or status line and headers) as raw bytes, b"" at EOF."""
    lines = []
    size = 0
    while True:
        line = f.readline(MAX_HEAD + 1)
        if not line:
            if lines:
                raise ConnectionError("connection closed inside a message head")
            return b""
        if not lines and line in (b"\r\n", b"\n"):
            continue                       # stray blank line between messages
        size += len(line)
        if size > MAX_HEAD:
            raise ConnectionError("message head too large")
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def _parse_head(raw):
    text = raw.decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    first = lines[0]
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return first, headers


def _get(headers, name):
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def _read_body(f, headers, no_body=False, until_close=False):
    """(raw bytes as framed on the wire, decoded body, framing)."""
    if no_body:
        return b"", b"", "none"
    te = (_get(headers, "Transfer-Encoding") or "").lower()
    if "chunked" in te:
        raw, body = [], []
        while True:
            line = f.readline(MAX_HEAD)
            if not line:
                raise ConnectionError("connection closed inside a chunked body")
            raw.append(line)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:                # trailers up to the blank line
                    t = f.readline(MAX_HEAD)
                    raw.append(t)
                    if t in (b"\r\n", b"\n", b""):
                        break
                break
            data = f.read(size)
            crlf = f.readline(MAX_HEAD)
            raw += [data, crlf]
            body.append(data)
        return b"".join(raw), b"".join(body), "chunked"
    length = _get(headers, "Content-Length")
    if length is not None:
        data = f.read(int(length))
        if len(data) != int(length):
            raise ConnectionError("connection closed inside a body")
        return data, data, "length"
    if until_close:
        data = f.read()
        return data, data, "close"
    return b"", b"", "none"


class Proxy:
    def __init__(self, recorder, label, response_hook=None):
        self.recorder = recorder
        self.label = label
        self.response_hook = response_hook
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.closed = False
        self.conns = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
        for c in list(self.conns):
            try:
                c.close()
            except OSError:
                pass

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        up = None
        try:
            conn.settimeout(IO_TIMEOUT)
            cf = conn.makefile("rb")
            while True:
                try:
                    head = _read_head(cf)
                except socket.timeout:
                    return                   # an idle keep-alive connection: done with it
                if not head:
                    return
                first, headers = _parse_head(head)
                method, target, _version = first.split(" ", 2)
                raw_body, body, _ = _read_body(cf, headers)
                ex = Exchange(self.label, method, target, headers, body)
                reused = up is not None
                for attempt in (1, 2):
                    if up is None:
                        up = socket.create_connection(
                            ("127.0.0.1", self.recorder.upstream_port), timeout=IO_TIMEOUT)
                        uf = up.makefile("rb")
                    try:
                        up.sendall(head + raw_body)
                        rhead = _read_head(uf)
                    except OSError:
                        rhead = b""
                    if rhead:
                        break
                    # upstream closed a kept-alive connection it had answered on before:
                    # sent once more on a new one (an idle close, nothing was handled)
                    up.close()
                    up = None
                    if attempt == 2 or not reused:
                        raise ConnectionError("upstream closed before answering")
                while True:
                    status_line, rheaders = _parse_head(rhead)
                    status = int(status_line.split(" ", 2)[1])
                    if 100 <= status < 200 and status != 101:
                        conn.sendall(rhead)          # interim answer: pass on, read on
                        rhead = _read_head(uf)
                        if not rhead:
                            raise ConnectionError("upstream closed after an interim answer")
                        continue
                    break
                no_body = method == "HEAD" or status in (204, 304)
                rraw, rbody, framing = _read_body(uf, rheaders, no_body=no_body,
                                                  until_close=True)
                ex.status = status
                ex.response_headers = rheaders
                ex.response_body = rbody
                self.recorder.add(ex)
                rewritten = False
                if self.response_hook:
                    new = self.response_hook(ex)
                    if new is not None:
                        rhead, rraw = self._rewrite(status_line, rheaders, new)
                        rewritten = True
                conn.sendall(rhead + rraw)
                close = (rewritten or framing == "close"
                         or (_get(rheaders, "Connection") or "").lower() == "close"
                         or (_get(headers, "Connection") or "").lower() == "close")
                if close:
                    return
        except (OSError, ConnectionError, ValueError) as e:
            if not self.closed:
                self.recorder.errors.append(f"{self.label}: {e!r}")
        finally:
            self.conns.discard(conn)
            for s in (conn, up):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    @staticmethod
    def _rewrite(status_line, rheaders, body):
        keep = [(k, v) for k, v in rheaders
                if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        keep += [("Content-Length", str(len(body))), ("Connection", "close")]
        head = status_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in keep) + "\r\n"
        return head.encode("latin-1"), body
