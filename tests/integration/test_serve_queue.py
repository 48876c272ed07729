"""cloudalbum-serve's handler queue (issue 10, load): libmicrohttpd pins each connection to
one of its HTTP threads, and handlers used to run on those threads, so one slow request
(here: an album read waiting on a table lock) held up every other connection of its thread
while other threads were free. Handlers now run on handler threads fed from one queue: a
kept-alive connection is answered by whichever handler thread is free.

Against a real server (stage 0: MariaDB, a temp upload folder); asserts statuses, never how
long anything took (a request the server never answers fails at the socket's timeout)."""
import socket
import threading

import pymysql
import pytest

from helpers import MYSQL
from serve_helpers import (Serve, create_database, new_user, stop_and_drop,
                           wait_until, write_config)

ANSWER_WAIT = 10   # seconds a socket waits for an answer the server owes
KEPT_ALIVE = 16    # connections opened before the slow request, spread over the HTTP threads


@pytest.fixture
def srv(bins, tmp_path):
    dbname = create_database()
    cfg = write_config(tmp_path / "serve.yaml", dbname, tmp_path / "upload")
    # write_config writes threads: 4; two threads make the old pinning show with few sockets
    cfg.write_text(cfg.read_text().replace("  threads: 4\n", "  threads: 2\n"))
    s = Serve(bins / "cloudalbum-serve", cfg, tmp_path)
    try:
        yield s, dbname
    finally:
        stop_and_drop(s, dbname)


def get(sock, path, cookie=None):
    """One keep-alive GET on sock; returns the status (None when the server closed)."""
    head = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n"
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    sock.sendall((head + "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(head.split()[1])


def test_a_blocked_handler_holds_up_no_other_connection(srv):
    s, dbname = srv
    alice = new_user(s.base, "alice")
    cookie = f"session={alice.cookies.get('session')}"
    socks = []
    for _ in range(KEPT_ALIVE):
        k = socket.create_connection(("127.0.0.1", s.port), timeout=ANSWER_WAIT)
        assert get(k, "/api/config") == 200
        socks.append(k)

    lock = pymysql.connect(**MYSQL, database=dbname, autocommit=True)
    album = {}
    try:
        with lock.cursor() as c:
            c.execute("LOCK TABLES `Photo` WRITE")

        def slow():
            with socket.create_connection(("127.0.0.1", s.port), timeout=60) as k:
                album["status"] = get(k, "/api/photos", cookie)

        t = threading.Thread(target=slow)
        t.start()

        def album_waits():
            with pymysql.connect(**MYSQL, autocommit=True) as q, q.cursor() as c:
                c.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s "
                          "AND STATE LIKE %s", (dbname, "%metadata lock%"))
                return c.fetchone()[0] > 0

        wait_until(album_waits, what="the album request waiting on the table lock")
        # one handler is stuck in the database: every kept-alive connection is still served
        statuses = [get(k, "/api/config") for k in socks]
        assert statuses == [200] * KEPT_ALIVE
        assert "status" not in album          # the album was still waiting all along
    finally:
        with lock.cursor() as c:
            c.execute("UNLOCK TABLES")
        lock.close()
        for k in socks:
            k.close()
    t.join(timeout=60)
    assert album.get("status") == 200
