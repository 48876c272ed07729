"""cloudalbum-serve under attack (issue 10, availability): decode bombs, connection
exhaustion, slowloris, bodies sent before authentication, originals held in memory.

Each test reproduces an attack against a real server (stage 0: MariaDB and a temp upload
folder) over raw loopback sockets where framing matters, and asserts statuses, counts and
memory figures, never how long anything took."""
import socket
import threading
import time

import pytest
import requests

from serve_helpers import (Serve, create_database, jpeg, new_user,
                           progressive_jpeg, stop_and_drop, write_config)

# Sockets wait at most this long for an answer the server owes (a hang fails the test).
ANSWER_WAIT = 10


def start(bins, work, name, extra_server="", max_upload_mb=2):
    dbname = create_database()
    upload = work / f"upload-{name}"
    cfg = write_config(work / f"{name}.yaml", dbname, upload, max_upload_mb=max_upload_mb,
                       extra_server=extra_server)
    return Serve(bins / "cloudalbum-serve", cfg, work), dbname, upload


@pytest.fixture(scope="module")
def env(bins, tmp_path_factory):
    """The server most tests use: one image worker and one waiting place, so that the
    image pool fills with two uploads; uploads up to 16 MiB."""
    work = tmp_path_factory.mktemp("avail")
    srv, dbname, upload = start(bins, work, "main", "  image_workers: 1\n  image_queue: 1\n",
                                max_upload_mb=16)
    try:
        yield dict(srv=srv, db=dbname, upload=upload, work=work)
    finally:
        stop_and_drop(srv, dbname)


@pytest.fixture(scope="module")
def strict(bins, tmp_path_factory):
    """A server with a 2 s header deadline (and body grace) for the slow-client tests."""
    work = tmp_path_factory.mktemp("avail-strict")
    srv, dbname, _ = start(bins, work, "strict", "  header_timeout: 2s\n")
    try:
        yield srv
    finally:
        stop_and_drop(srv, dbname)


def connect(srv, source="127.0.0.1", rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:  # before connecting, so that the window is small from the start
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((source, 0))
    s.settimeout(ANSWER_WAIT)
    s.connect(("127.0.0.1", srv.port))
    return s


def read_head(s):
    """The status line and headers of the next answer on s (b"" when the server closed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def answer_head(srv, request):
    """Sends request (bytes) on a new connection to srv; returns the answer's head
    (read_head), the connection closed."""
    s = connect(srv)
    s.sendall(request)
    head = read_head(s)
    s.close()
    return head


def status_of(head):
    line = head.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else None


def closed_by_server(s, wait=ANSWER_WAIT):
    """True when the server ended the connection (EOF or reset) within wait seconds."""
    s.settimeout(wait)
    try:
        while True:
            if not s.recv(4096):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def dribble_until_cut(s, byte, n=40):
    """Sends byte n times, half a second apart; True once the server has cut the connection."""
    for _ in range(n):
        try:
            s.sendall(byte)
        except (BrokenPipeError, ConnectionResetError):
            return True
        if closed_by_server(s, wait=0.5):
            return True
    return False


def session_cookie(client):
    return f"session={client.cookies.get('session')}; csrf_token={client.cookies.get('csrf_token')}"


# --- 1. decode bombs ---------------------------------------------------------------------

def test_progressive_decode_bomb_is_refused_with_422(env):
    """442 scans over 16 megapixels: 47 KB that cost seconds of CPU to thumbnail. Refused
    before decoding, with the API's JSON error shape, and nothing stored."""
    alice = new_user(env["srv"].base, "alice")
    bomb = progressive_jpeg(4000, 4000, max_al=6, bands=63)
    assert len(bomb) < 64 * 1024
    r = alice.upload([("bomb.jpg", bomb)])
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "unprocessable"
    assert "scans" in body["message"] and "bomb.jpg" in body["message"]
    assert alice.get("/api/photos").json()["photos"] == []


def test_progressive_within_budget_and_baseline_still_upload(env):
    alice = new_user(env["srv"].base, "alice")
    within = progressive_jpeg(1200, 900, max_al=1, bands=10)   # 21 scans of 1 MP
    r = alice.upload([("fine.jpg", within), ("plain.jpg", jpeg(1600, 1200))])
    assert r.status_code == 201, r.text
    assert len(r.json()["photos"]) == 2


def test_full_image_pool_answers_503_and_healthz_still_answers(env):
    """One worker, one waiting place: of six uploads sent at once (each several files of
    heavy-but-allowed progressive JPEGs), two are taken and the others get 503 with
    Retry-After at once; /healthz and the album answer 200 while the pool is busy."""
    srv = env["srv"]
    alice = new_user(srv.base, "alice")
    heavy = progressive_jpeg(4000, 4000, max_al=1, bands=20)     # 41 scans of 16 MP
    files = [(f"h{i}.jpg", heavy) for i in range(4)]
    cookie = alice.cookies
    csrf = alice.cookies.get("csrf_token")
    statuses, retry_after = [], []
    barrier = threading.Barrier(6)

    def upload():
        s = requests.Session()
        s.cookies.update(cookie)
        barrier.wait()
        r = s.post(srv.base + "/api/photos", files=[("file", f) for f in files],
                   headers={"X-CSRF-Token": csrf}, timeout=300)
        statuses.append(r.status_code)
        if r.status_code == 503:
            retry_after.append(r.headers.get("Retry-After"))

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for t in threads:
        t.start()
    # while uploads are queued or running, the cheap endpoints are served
    health = []
    for _ in range(5):
        health.append(requests.get(srv.base + "/healthz", timeout=ANSWER_WAIT).status_code)
        health.append(alice.get("/api/photos").status_code)
    for t in threads:
        t.join(timeout=300)
    assert sorted(set(statuses)) == [201, 503], statuses
    assert statuses.count(201) >= 2 and statuses.count(503) >= 1, statuses
    assert all(v and v.isdigit() and int(v) >= 1 for v in retry_after), retry_after
    assert health == [200] * len(health)


# --- 2. connection exhaustion ---------------------------------------------------------------

def test_one_address_cannot_hold_every_connection(env):
    """300 idle sockets from 127.0.0.1 (over the default 64 per address): the server keeps
    at most 64 of them and closes the rest, and a client from 127.0.0.2 is served."""
    srv = env["srv"]
    idle = []
    try:
        for _ in range(300):
            idle.append(connect(srv))
        other = connect(srv, source="127.0.0.2")
        other.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(read_head(other)) == 200
        other.close()
        closed = sum(1 for s in idle if closed_by_server(s, wait=0.2))
        assert closed >= 300 - 64, closed
    finally:
        for s in idle:
            s.close()
    assert requests.get(srv.base + "/healthz", timeout=ANSWER_WAIT).status_code == 200


def test_slowloris_headers_are_cut_at_the_header_deadline(strict):
    """A header byte every half second never lets the 30 s idle timeout fire; the 2 s
    header deadline does, while the client is still dribbling (at most 40 bytes)."""
    s = connect(strict)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    cut = dribble_until_cut(s, b"a")
    s.close()
    assert cut, "the connection was still open after 40 header bytes"
    assert requests.get(strict.base + "/healthz", timeout=ANSWER_WAIT).status_code == 200


def test_slow_body_is_cut_below_the_minimum_rate(strict):
    """A 20000-byte body sent a byte at a time is far below 1024 bytes/s: cut off."""
    s = connect(strict)
    s.sendall(b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 20000\r\n\r\n")
    cut = dribble_until_cut(s, b" ")
    s.close()
    assert cut, "the connection was still open after 40 slow body bytes"


def test_a_kept_alive_client_is_still_served(strict):
    s = connect(strict)
    for _ in range(3):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = read_head(s)
        assert status_of(head) == 200
        length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")][0]
                     .split(b":")[1])
        rest = head.split(b"\r\n\r\n", 1)[1]
        while len(rest) < length:
            rest += s.recv(length - len(rest))
    s.close()


# --- 4. bodies before authentication --------------------------------------------------------

def test_upload_without_session_is_401_before_the_body(env):
    """19 MB announced, nothing sent: the 401 comes from the headers alone."""
    head = answer_head(env["srv"], b"POST /api/photos HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: multipart/form-data; boundary=b\r\n"
                       b"Content-Length: 19000000\r\n\r\n")
    assert status_of(head) == 401, head


def test_expect_100_continue_gets_the_final_answer_instead(env):
    head = answer_head(env["srv"], b"POST /api/photos HTTP/1.1\r\nHost: x\r\n"
                       b"Expect: 100-continue\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                       b"Content-Length: 3000000\r\n\r\n")
    assert status_of(head) == 401, head
    assert b"100 Continue" not in head


def test_expect_100_continue_with_a_session_continues(env):
    alice = new_user(env["srv"].base, "alice")
    body = b'{"username": "Alice Two", "current_password": "password-123"}'
    s = connect(env["srv"])
    s.sendall(b"PUT /api/me HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
              b"Content-Type: application/json\r\nX-CSRF-Token: "
              + alice.cookies.get("csrf_token").encode() + b"\r\nCookie: "
              + session_cookie(alice).encode() + b"\r\nContent-Length: "
              + str(len(body)).encode() + b"\r\n\r\n")
    head = read_head(s)
    assert status_of(head) == 100, head
    s.sendall(body)
    head = read_head(s)
    s.close()
    assert status_of(head) == 200, head


def test_unknown_route_with_a_body_is_404_before_the_body(env):
    head = answer_head(env["srv"], b"POST /api/nothing-here HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: 5000000\r\n\r\n")
    assert status_of(head) == 404, head


def test_json_route_body_over_its_cap_is_413_before_the_body(env):
    head = answer_head(env["srv"], b"POST /api/session HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n")
    assert status_of(head) == 413, head


def test_over_cap_chunked_body_is_413(env):
    """A chunked upload of 18 MiB (the cap is 16 MiB plus the form's room): 413, not a cut."""
    alice = new_user(env["srv"].base, "alice")
    s = connect(env["srv"])
    s.sendall(b"POST /api/photos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Type: multipart/form-data; boundary=b\r\nX-CSRF-Token: "
              + alice.cookies.get("csrf_token").encode() + b"\r\nCookie: "
              + session_cookie(alice).encode() + b"\r\n\r\n")
    chunk = b"x" * 65536
    try:
        for _ in range(288):
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        s.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    head = read_head(s)
    s.close()
    assert status_of(head) == 413, head


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"gzip", b"chunked, chunked"])
def test_unsupported_transfer_coding_is_501(env, coding):
    head = answer_head(env["srv"], b"POST /api/session HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: application/json\r\nTransfer-Encoding: " + coding
                       + b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    assert status_of(head) == 501, head


# --- 3. originals in memory -----------------------------------------------------------------

def vm_kb(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {key} in /proc/{pid}/status")


def noise_jpeg(w, h):
    import io
    import os
    from PIL import Image
    im = Image.frombytes("RGB", (w, h), os.urandom(w * h * 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=100, subsampling=0)
    return buf.getvalue()


def test_concurrent_original_downloads_keep_memory_flat(env):
    """32 clients ask for a 12 MB original at once and read nothing until every answer has
    begun, so that they are all in flight together (more than the socket buffers hold):
    read whole into memory, that is hundreds of MB; sent from the file, the server's peak
    RSS barely moves."""
    srv = env["srv"]
    alice = new_user(srv.base, "alice")
    original = noise_jpeg(2000, 1500)
    assert 10_000_000 < len(original) < 16 * 1024 * 1024, len(original)
    r = alice.upload([("big.jpg", original)])
    assert r.status_code == 201, r.text
    pid = r.json()["photos"][0]["id"]
    request = (f"GET /api/photos/{pid}/image?size=original HTTP/1.1\r\nHost: x\r\n"
               f"Cookie: {session_cookie(alice)}\r\nConnection: close\r\n\r\n").encode()
    # one download first, so that buffers any first request needs are in the baseline
    got = alice.get(f"/api/photos/{pid}/image?size=original")
    assert got.status_code == 200 and got.content == original
    before = vm_kb(srv.proc.pid, "VmHWM")
    socks = []
    try:
        for _ in range(32):
            s = connect(srv)
            s.sendall(request)
            socks.append(s)
        heads = [read_head(s) for s in socks]
        assert all(status_of(h) == 200 for h in heads)
        peak = vm_kb(srv.proc.pid, "VmHWM")
        bodies = [None] * len(socks)

        def drain(i):
            # all at once: a connection left unread for the idle timeout would be closed
            body = bytearray(heads[i].split(b"\r\n\r\n", 1)[1])
            while True:
                chunk = socks[i].recv(1 << 20)
                if not chunk:
                    break
                body += chunk
            bodies[i] = bytes(body)

        readers = [threading.Thread(target=drain, args=(i,)) for i in range(len(socks))]
        for t in readers:
            t.start()
        for t in readers:
            t.join(timeout=120)
        assert all(b == original for b in bodies), [len(b or b"") for b in bodies]
    finally:
        for s in socks:
            s.close()
    grown_mb = (peak - before) / 1024
    print(f"VmHWM {before} kB -> {peak} kB with 32 downloads of {len(original)} bytes in flight")
    assert grown_mb < 40, f"peak RSS grew by {grown_mb:.0f} MB"
