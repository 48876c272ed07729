"""cloudalbum-serve as a process: several processes on one database share sessions,
SIGTERM lets an in-flight upload finish, sign-in is rate-limited per account and per
address, and /healthz says 503 when a backend is gone."""
import concurrent.futures
import shutil
import signal
import socket
import uuid

import pytest
import requests

from helpers import run
from serve_helpers import (Client, Serve, create_database, db_query, drop_database, healthz,
                           jpeg, new_user, wait_until, write_config)


@pytest.fixture
def setup(bins, tmp_path):
    dbname = create_database()
    upload = tmp_path / "upload"
    cfg = write_config(tmp_path / "serve.yaml", dbname, upload)
    servers = []

    def start(**kw):
        s = Serve(bins / "cloudalbum-serve", cfg, tmp_path, **kw)
        servers.append(s)
        return s
    try:
        yield dict(start=start, db=dbname, upload=upload, cfg=cfg, tmp=tmp_path)
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.proc.send_signal(signal.SIGTERM)
                s.proc.wait(timeout=60)
        drop_database(dbname)


def test_session_from_one_process_is_honoured_by_another(setup):
    a, b = setup["start"](), setup["start"]()
    alice = new_user(a.base, "alice")
    pid = alice.upload([("a.jpg", jpeg())], tags="shared").json()["photos"][0]["id"]
    on_b = Client(b.base)
    on_b.cookies.update(alice.cookies)
    assert on_b.get("/api/me").json()["email"] == alice.email
    assert [p["id"] for p in on_b.get("/api/photos").json()["photos"]] == [pid]
    assert on_b.get(f"/api/photos/{pid}/image?size=thumb").status_code == 200
    r = on_b.patch(f"/api/photos/{pid}", json={"desc": "edited on b"},
                   headers={"X-CSRF-Token": alice.cookies.get("csrf_token")})
    assert r.status_code == 200
    assert alice.get(f"/api/photos/{pid}").json()["desc"] == "edited on b"
    # A process with another secret does not honour it.
    c = setup["start"](env={"CA_TEST_SECRET": "another-secret-" + "y" * 40})
    on_c = Client(c.base)
    on_c.cookies.update(alice.cookies)
    assert on_c.get("/api/me").status_code == 401
    for s in (a, b, c):
        s.stop()


def _connect_refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


def test_sigterm_lets_a_slow_upload_finish(setup):
    srv = setup["start"]()
    alice = new_user(srv.base, "slow")
    req = requests.Request("POST", srv.base + "/api/photos",
                           files=[("file", ("slow.jpg", jpeg(800, 600), "image/jpeg"))],
                           data={"tags": "slow", "desc": "in flight"},
                           headers={"X-CSRF-Token": alice.cookies.get("csrf_token")},
                           cookies=alice.cookies.get_dict()).prepare()
    body = req.body
    head = f"POST /api/photos HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
    for k, v in req.headers.items():
        head += f"{k}: {v}\r\n"
    head += "\r\n"
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    try:
        sock.sendall(head.encode() + body[: len(body) // 2])
        # The upload is in flight (healthz counts itself too).
        wait_until(lambda: healthz(srv.base, timeout=5).json()["in_flight"] >= 2,
                   what="the upload to be in flight")
        srv.proc.send_signal(signal.SIGTERM)
        # Shutdown has begun: no new connections are accepted...
        wait_until(lambda: _connect_refused(srv.port), what="the listener to close")
        assert srv.proc.poll() is None
        # ...but the request in flight still completes.
        sock.sendall(body[len(body) // 2:])
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    status_line = data.split(b"\r\n", 1)[0]
    assert b" 201 " in status_line, data[:500]
    srv.stop()
    rows = db_query(setup["db"], "SELECT `desc` FROM Photo")
    assert rows == [{"desc": "in flight"}]
    assert "SIGTERM" in srv.stderr()


def test_signin_rate_limited_per_account(setup):
    srv = setup["start"]()
    victim = new_user(srv.base, "victim")
    other = new_user(srv.base, "other")
    c = Client(srv.base)
    for _ in range(5):
        assert c.signin(victim.email, "wrong-guess").status_code == 401
    r = c.signin(victim.email, "wrong-guess")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"] == "too_many_requests"
    # Even the right password waits now; other accounts from the same address do not.
    assert c.signin(victim.email).status_code == 429
    assert c.signin(victim.email.upper()).status_code == 429
    assert Client(srv.base).signin(other.email).status_code == 200
    # A success forgets the account's failures.
    assert Client(srv.base).signin(other.email, "bad").status_code == 401
    assert Client(srv.base).signin(other.email).status_code == 200
    for _ in range(4):
        assert Client(srv.base).signin(other.email, "bad").status_code == 401
    srv.stop()


def test_signin_rate_limited_per_address(setup):
    srv = setup["start"]()
    real = new_user(srv.base, "real")
    # Every attempt costs a full password hash, unknown emails too (enumeration), and the
    # bucket refills one attempt every two seconds: attempts go 8 at a time, so that a loaded or
    # sanitizer-built server still drains it. Counted, never timed.
    statuses = []

    def attempt(i):
        with Client(srv.base) as c:   # closed at once: idle sockets count against the address cap
            return c.signin(f"nobody-{i}-{uuid.uuid4().hex[:6]}@example.com", "guess").status_code

    def right_password(_):
        with Client(srv.base) as c:
            return c.signin(real.email).status_code
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for wave in range(60):
            statuses += pool.map(attempt, range(wave * 8, wave * 8 + 8))
            if 429 in statuses:
                break
    assert 429 in statuses and set(statuses) == {401, 429}
    assert statuses.count(401) >= 30
    # the address's budget is everyone's at that address: the right password waits too
    # (8 at once, since the bucket may have refilled a token meanwhile)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(right_password, range(8)))
    assert 429 in codes and set(codes) <= {200, 429}
    srv.stop()


def test_healthz_503_when_a_backend_is_gone(setup):
    srv = setup["start"]()
    assert requests.get(srv.base + "/healthz", timeout=10).status_code == 200
    shutil.rmtree(setup["upload"])
    r = healthz(srv.base, timeout=10)
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["checks"]["storage"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    drop_database(setup["db"])
    r = healthz(srv.base, timeout=30)
    assert r.status_code == 503 and r.json()["checks"]["database"]["ok"] is False
    assert requests.get(srv.base + "/healthz", timeout=30).json() == {"status": "unavailable"}
    srv.stop()


def test_start_fails_clearly_without_database(bins, tmp_path):
    cfg = write_config(tmp_path / "s.yaml", "db", tmp_path / "up")
    cfg.write_text(cfg.read_text().replace("mysql://root@127.0.0.1:3306/db",
                                           "mysql://root@127.0.0.1:1/db?connect_timeout=2"))
    from serve_helpers import SECRET
    r = run([bins / "cloudalbum-serve", "--config", cfg, "--listen", "127.0.0.1:0"],
            env={"CA_TEST_SECRET": SECRET}, check=False, timeout=60)
    assert r.returncode == 1
    assert "database" in r.stderr
