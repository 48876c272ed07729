"""Helpers the integration tests share (import from helpers)."""
import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The local MariaDB every MySQL-backed test uses (root, no password).
MYSQL = dict(host="127.0.0.1", port=3306, user="root", password="")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackHTTP:
    """handler (a BaseHTTPRequestHandler class) served by a ThreadingHTTPServer on a free
    127.0.0.1 port, from a thread of its own: server, port, url (http://127.0.0.1:PORT).
    close() shuts it down; as a with-block it closes on leaving. daemon_threads: the
    request threads do not hold up the shutdown."""

    def __init__(self, handler, daemon_threads=False):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = daemon_threads
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def wait_http(url, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def run(cmd, env=None, check=True, input=None, timeout=120, cwd=None, text=True):
    """Runs a command (its parts made str) to its end, output captured; returns the
    CompletedProcess, its output text unless text=False. env None inherits ours. A run
    longer than timeout seconds is killed and raises subprocess.TimeoutExpired; with check,
    a non-zero exit raises AssertionError showing both outputs. Every process the
    integration tests run to its end goes through here; start() is for the ones in the
    background."""
    p = subprocess.run([str(c) for c in cmd], env=env, input=input, capture_output=True,
                       text=text, timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def start(cmd, env=None, cwd=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
          new_session=False):
    """Starts a command (its parts made str) in the background and returns its Popen:
    output to pipes (text unless text=False) or to the files given, in a process group of
    its own with new_session. It sets no time limit: the caller bounds every wait on the
    process (wait/communicate with timeout=, first_line)."""
    return subprocess.Popen([str(c) for c in cmd], env=env, cwd=cwd, stdout=stdout,
                            stderr=stderr, text=text, start_new_session=new_session)


def first_line(proc, timeout):
    """The first line proc writes to its stdout pipe ("" when it closes the pipe first),
    waiting at most timeout seconds; a process silent for longer is killed and fails
    the test."""
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        proc.kill()
        raise AssertionError(f"{proc.args} wrote no line within {timeout}s")
    return line[0]


class XrayDaemon:
    """scripts/xray-daemon.py on a free UDP port, sending to moto with env's credentials
    (in the classroom tests an attendee's own, as on each attendee's Cloud9 instance);
    address is where it listens. stop() ends it."""

    def __init__(self, moto, env):
        self.proc = start([sys.executable, ROOT / "scripts/xray-daemon.py", "--listen",
                           "127.0.0.1:0", "--endpoint", moto.endpoint], env=env,
                          new_session=True)
        ready = first_line(self.proc, 60).split()
        assert ready and ready[0] == "ready", self.proc.stderr.read()
        self.address = ready[1]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def legacy_seed(bins, url, upload, users, per_user, seed):
    """Seeds a sample legacy deployment with cloudalbum-legacy-seed --quiet: users x
    per_user photos from seed, in the MySQL database at url and the folder upload.
    Returns {email: password} of the users it made; fails the test when the seed fails."""
    p = run([Path(bins) / "cloudalbum-legacy-seed", "--db-url", url, "--upload-dir", upload,
             "--users", users, "--photos-per-user", per_user, "--seed", seed, "--quiet"],
            timeout=600)
    return dict(line.split("\t")[:2] for line in p.stdout.strip().split("\n")[1:])


def mysql_url(name):
    """The mysql:// URL our binaries take for database `name` on the local MariaDB."""
    return f"mysql://root@127.0.0.1:3306/{name}"


def create_mysql_database(prefix):
    """Creates an empty utf8mb4 database named prefix + 12 random hex digits on the local
    MariaDB and returns its name; the caller drops it (drop_mysql_database). Raises
    pymysql's error when MariaDB refuses."""
    import pymysql
    name = prefix + uuid.uuid4().hex[:12]
    conn = pymysql.connect(**MYSQL, autocommit=True)
    try:
        with conn.cursor() as c:
            c.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        conn.close()
    return name


def drop_mysql_database(name):
    """Drops database `name` if it exists (no error when it does not)."""
    import pymysql
    conn = pymysql.connect(**MYSQL, autocommit=True)
    try:
        with conn.cursor() as c:
            c.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


@contextlib.contextmanager
def fresh_mysql_database(prefix):
    """A database from create_mysql_database(prefix) for the with-block: yields
    (name, url) and drops it on leaving, also when the block raises."""
    name = create_mysql_database(prefix)
    try:
        yield name, mysql_url(name)
    finally:
        drop_mysql_database(name)


def mysql_query(dbname, sql, args=()):
    """Runs one statement in database `dbname` on its own connection and returns the rows
    as a list of dicts (empty for statements without rows)."""
    import pymysql
    conn = pymysql.connect(**MYSQL, database=dbname, autocommit=True)
    try:
        with conn.cursor(pymysql.cursors.DictCursor) as c:
            c.execute(sql, args)
            return list(c.fetchall())
    finally:
        conn.close()


def create_guard_table(ddb, user_table="User", **kw):
    """The email guard table stage 1 makes beside the user table ("<user table>-guard",
    keyed by id alone): guards and the migrator's lock, never read by the seed's models."""
    ddb.create_table(
        TableName=user_table + "-guard", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], **kw)


def create_contract_tables(ddb, user_table="User", photo_table="Photo"):
    """Creates the data contract's DynamoDB tables (on-demand), shaped the way stage 1
    and the seed's models make them, with the boto3 DynamoDB client `ddb`: users keyed by
    id with the user-email-index (projecting password), photos keyed by user_id + id,
    and the email guard table. boto3's error propagates when a table exists already."""
    create_guard_table(ddb, user_table)
    ddb.create_table(
        TableName=user_table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "email", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "user-email-index",
            "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["password"]}}])
    ddb.create_table(
        TableName=photo_table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"},
                              {"AttributeName": "id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"},
                   {"AttributeName": "id", "KeyType": "RANGE"}])
