"""cloudalbum-serve with tracing.kind xray: a UDP socket on a free port stands in for the
X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS). Every request sends one datagram, the header line
then a segment document (name CloudAlbum, valid ids, http fields, error/fault flags); an
incoming X-Amzn-Trace-Id keeps its trace id and becomes the parent; Sampled=0 sends nothing;
the trace header is answered back.

With DynamoDB and S3 behind it (a stage-4 style config on moto), each AWS call a sampled
request makes is a subsegment of its segment (name, namespace "aws", operation, table or
bucket, status, error/fault flags); presigned URLs and start-up checks are not calls.

A segment is sent before its response is, and loopback UDP delivers at once, so when a
response has arrived its datagram is already waiting: reads below never wait on time."""
import json
import os
import re
import socket
import uuid

import pytest
import requests

from helpers import create_contract_tables, run
from serve_helpers import ROOT, SECRET, WEB, Client, Serve, jpeg, new_user
from test_serve_s3 import write_s3_config

HEADER_LINE = b'{"format": "json", "version": 1}\n'
TRACE_RE = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")
ID_RE = re.compile(r"[0-9a-f]{16}")


def write_config(path, dbname, upload, daemon="127.0.0.1:2000", service=None):
    service_line = f"  service_name: {service}\n" if service else ""
    path.write_text(f"""server:
  listen: 127.0.0.1:8080
  base_url: http://localhost:8080
  session_secret: ${{CA_TEST_SECRET}}
  threads: 4
  static_dir: {WEB}
database:
  kind: mysql
  url: mysql://root@127.0.0.1:3306/{dbname}
storage:
  kind: disk
  path: {upload}
auth:
  kind: local
tracing:
  kind: xray
  daemon_address: {daemon}
{service_line}""")
    return path


class Daemon:
    """The stand-in X-Ray daemon: a UDP socket; take() returns the datagrams waiting."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"

    def take(self):
        out = []
        self.sock.setblocking(False)
        while True:
            try:
                out.append(self.sock.recv(70000))
            except BlockingIOError:
                return out

    def segments(self):
        docs = []
        for d in self.take():
            assert d.startswith(HEADER_LINE), d[:80]
            body = d[len(HEADER_LINE):]
            assert b"\n" not in body
            docs.append(json.loads(body))
        return docs

    def close(self):
        self.sock.close()


@pytest.fixture
def daemon():
    d = Daemon()
    yield d
    d.close()


@pytest.fixture
def served(bins, mysql_db, tmp_path, daemon):
    cfg = write_config(tmp_path / "serve.yaml", mysql_db[0], tmp_path / "upload")
    (tmp_path / "upload").mkdir()
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path,
                env={"AWS_XRAY_DAEMON_ADDRESS": daemon.address})
    daemon.take()  # the start-up health checks
    try:
        yield srv
    finally:
        srv.stop()


def only_segment(daemon, agent):
    """The one segment of the request made with User-Agent agent."""
    docs = [d for d in daemon.segments() if d["http"]["request"].get("user_agent") == agent]
    assert len(docs) == 1, docs
    return docs[0]


def get(url, agent, trace=None):
    headers = {"User-Agent": agent}
    if trace is not None:
        headers["X-Amzn-Trace-Id"] = trace
    return requests.get(url, headers=headers, timeout=30, allow_redirects=False)


def test_segment_of_a_request(served, daemon):
    agent = "probe-" + uuid.uuid4().hex
    r = get(served.base + "/healthz", agent)
    assert r.status_code == 200
    seg = only_segment(daemon, agent)
    assert seg["name"] == "CloudAlbum"
    assert ID_RE.fullmatch(seg["id"])
    assert TRACE_RE.fullmatch(seg["trace_id"])
    assert "parent_id" not in seg
    assert 1.6e9 < seg["start_time"] <= seg["end_time"]
    req, resp = seg["http"]["request"], seg["http"]["response"]
    assert req["method"] == "GET"
    assert req["url"] == "http://localhost:8080/healthz"
    assert req["client_ip"] == "127.0.0.1"
    assert resp["status"] == 200
    assert resp["content_length"] == len(r.content)
    for flag in ("error", "fault", "throttle"):
        assert flag not in seg
    # the trace id is answered back, with the decision
    assert r.headers["X-Amzn-Trace-Id"] == f"Root={seg['trace_id']};Sampled=1"
    # the epoch seconds of the trace id are the request's
    assert abs(int(seg["trace_id"][2:10], 16) - seg["start_time"]) < 5


def test_each_request_its_own_trace(served, daemon):
    a, b = "a-" + uuid.uuid4().hex, "b-" + uuid.uuid4().hex
    get(served.base + "/healthz", a)
    get(served.base + "/healthz", b)
    docs = daemon.segments()
    assert len(docs) == 2
    assert docs[0]["trace_id"] != docs[1]["trace_id"] and docs[0]["id"] != docs[1]["id"]


def test_incoming_header_honoured(served, daemon):
    root, parent = "1-5f84c7a1-0123456789abcdef01234567", "a1b2c3d4e5f60718"
    agent = "hdr-" + uuid.uuid4().hex
    r = get(served.base + "/healthz", agent, f"Root={root};Parent={parent};Sampled=1")
    seg = only_segment(daemon, agent)
    assert seg["trace_id"] == root
    assert seg["parent_id"] == parent
    assert seg["id"] != parent and ID_RE.fullmatch(seg["id"])
    assert r.headers["X-Amzn-Trace-Id"] == f"Root={root};Sampled=1"

    # no sampling decision yet ("?", or none): traced, same trace
    agent = "undecided-" + uuid.uuid4().hex
    r = get(served.base + "/healthz", agent, f"Root={root};Sampled=?")
    assert only_segment(daemon, agent)["trace_id"] == root
    assert r.headers["X-Amzn-Trace-Id"] == f"Root={root};Sampled=1"


def test_sampled_0_sends_nothing(served, daemon):
    root = "1-5f84c7a1-89abcdef0123456789abcdef"
    r = get(served.base + "/healthz", "quiet", f"Root={root};Parent=a1b2c3d4e5f60718;Sampled=0")
    assert r.status_code == 200
    assert r.headers["X-Amzn-Trace-Id"] == f"Root={root};Sampled=0"
    # a sampled request after it: its segment is the only one waiting
    marker = "marker-" + uuid.uuid4().hex
    get(served.base + "/healthz", marker)
    docs = daemon.segments()
    assert [d["http"]["request"]["user_agent"] for d in docs] == [marker]
    assert all(d["trace_id"] != root for d in docs)


@pytest.mark.parametrize("bad", [
    "Root=1-5F84C7A1-0123456789ABCDEF01234567;Sampled=1",
    "Root=1-5f84c7a1-0123;Parent=a1b2c3d4e5f60718",
    "Root=1-5f84c7a1-0123456789abcdef01234567;Root=1-5f84c7a1-0123456789abcdef01234568",
    "Root=" + "1" * 600,
    "garbage",
])
def test_malformed_header_starts_a_new_trace(served, daemon, bad):
    agent = "bad-" + uuid.uuid4().hex
    r = get(served.base + "/healthz", agent, bad)
    assert r.status_code == 200
    seg = only_segment(daemon, agent)
    assert TRACE_RE.fullmatch(seg["trace_id"])
    assert seg["trace_id"] not in bad
    assert "parent_id" not in seg
    assert r.headers["X-Amzn-Trace-Id"] == f"Root={seg['trace_id']};Sampled=1"


def test_error_and_fault_flags(served, daemon):
    agent = "nf-" + uuid.uuid4().hex
    assert get(served.base + "/api/nothing-here", agent).status_code == 404
    seg = only_segment(daemon, agent)
    assert seg["error"] is True and "fault" not in seg
    assert seg["http"]["response"]["status"] == 404

    agent = "anon-" + uuid.uuid4().hex
    assert get(served.base + "/api/me", agent).status_code == 401
    seg = only_segment(daemon, agent)
    assert seg["error"] is True and seg["http"]["response"]["status"] == 401

    # the router's own 405 is traced too
    agent = "m-" + uuid.uuid4().hex
    r = requests.put(served.base + "/healthz", headers={"User-Agent": agent}, timeout=30)
    assert r.status_code == 405
    seg = only_segment(daemon, agent)
    assert seg["error"] is True and seg["http"]["response"]["status"] == 405
    assert seg["http"]["request"]["method"] == "PUT"


def test_signed_in_requests_traced_without_query(served, daemon):
    alice = new_user(served.base, "alice")
    daemon.take()
    agent = "list-" + uuid.uuid4().hex
    r = alice.get("/api/photos?q=secret-words&limit=5", headers={"User-Agent": agent})
    assert r.status_code == 200
    seg = only_segment(daemon, agent)
    assert seg["http"]["request"]["url"] == "http://localhost:8080/api/photos"
    assert "secret-words" not in json.dumps(seg)
    # nothing of the session leaks into the segment
    for value in alice.cookies.values():
        assert value not in json.dumps(seg)


def test_config_address_and_service_name(bins, mysql_db, tmp_path, daemon):
    cfg = write_config(tmp_path / "serve.yaml", mysql_db[0], tmp_path / "upload",
                       daemon=daemon.address, service="CloudAlbum-test")
    (tmp_path / "upload").mkdir()
    env = {"AWS_XRAY_DAEMON_ADDRESS": ""}
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=env)
    try:
        daemon.take()
        agent = "cfg-" + uuid.uuid4().hex
        get(srv.base + "/healthz", agent)
        assert only_segment(daemon, agent)["name"] == "CloudAlbum-test"
    finally:
        srv.stop()


def test_bad_daemon_address_stops_serve(bins, mysql_db, tmp_path):
    cfg = write_config(tmp_path / "serve.yaml", mysql_db[0], tmp_path / "upload")
    (tmp_path / "upload").mkdir()
    env = dict(os.environ, CA_TEST_SECRET=SECRET, AWS_XRAY_DAEMON_ADDRESS="tcp:127.0.0.1:2000")
    p = run([bins / "cloudalbum-serve", "--config", cfg, "--listen", "127.0.0.1:0"], env=env,
            check=False, timeout=60)
    assert p.returncode == 1
    assert "AWS_XRAY_DAEMON_ADDRESS" in p.stderr and "host:port" in p.stderr
    assert "not served by this build" not in p.stderr


def test_no_daemon_listening_does_not_hurt(bins, mysql_db, tmp_path):
    """Segments to a port where nothing listens are lost quietly; requests still succeed."""
    cfg = write_config(tmp_path / "serve.yaml", mysql_db[0], tmp_path / "upload")
    (tmp_path / "upload").mkdir()
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    dead = f"127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env={"AWS_XRAY_DAEMON_ADDRESS": dead})
    try:
        for _ in range(5):
            assert requests.get(srv.base + "/healthz", timeout=30).status_code == 200
        c = Client(srv.base)
        assert c.signup("x-" + uuid.uuid4().hex[:8] + "@example.com").status_code == 201
    finally:
        srv.stop()


def test_two_address_form_in_the_config(bins, mysql_db, tmp_path, daemon):
    """The SDKs' "tcp:host:port udp:host:port" form works in the YAML as in the environment:
    segments go to the udp address; a malformed one stops serve with the key's name."""
    (tmp_path / "upload").mkdir()
    cfg = write_config(tmp_path / "serve.yaml", mysql_db[0], tmp_path / "upload",
                       daemon=f"'tcp:127.0.0.1:1 udp:{daemon.address}'")
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path)
    try:
        daemon.take()
        agent = "two-address-" + uuid.uuid4().hex
        assert get(srv.base + "/healthz", agent).status_code == 200
        assert only_segment(daemon, agent)["name"] == "CloudAlbum"
    finally:
        srv.stop()
    bad = write_config(tmp_path / "bad.yaml", mysql_db[0], tmp_path / "upload",
                       daemon="'udp:127.0.0.1'")
    env = dict(os.environ, CA_TEST_SECRET=SECRET)
    env.pop("AWS_XRAY_DAEMON_ADDRESS", None)
    p = run([bins / "cloudalbum-serve", "--config", bad, "--listen", "127.0.0.1:0"], env=env,
            check=False, timeout=60)
    assert p.returncode == 1
    assert "tracing.daemon_address" in p.stderr, p.stderr


# --- subsegments: the AWS calls of a request (stage 4 on DynamoDB + S3) -------------------

BUCKET = "cloudalbum-xray-photos"
REGION = "ap-southeast-1"


@pytest.fixture
def aws_served(moto, aws_env, tmp_path, bins, daemon):
    ddb = moto.client("dynamodb")
    create_contract_tables(ddb)
    moto.client("s3").create_bucket(Bucket=BUCKET,
                                    CreateBucketConfiguration={"LocationConstraint": REGION})
    # stage 4's services with local sign-in: no `stage:`, a custom mix
    cfg = write_s3_config(tmp_path / "serve.yaml", moto, bucket=BUCKET, daemon=daemon.address)
    env = dict(aws_env)
    env.pop("AWS_XRAY_DAEMON_ADDRESS", None)
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=env)
    try:
        yield dict(srv=srv, ddb=ddb, base=srv.base)
    finally:
        srv.stop()


def subsegments(seg, name=None, operation=None):
    subs = seg.get("subsegments", [])
    return [s for s in subs if (name is None or s["name"] == name) and
            (operation is None or s["aws"].get("operation") == operation)]


def check_subsegment_shape(seg, sub):
    assert sub["namespace"] == "aws"
    assert ID_RE.fullmatch(sub["id"]) and sub["id"] != seg["id"]
    assert seg["start_time"] <= sub["start_time"] <= sub["end_time"] <= seg["end_time"]
    assert sub["aws"]["region"] == REGION
    assert sub["aws"]["retries"] == 0
    assert "trace_id" not in sub and "parent_id" not in sub


def test_startup_checks_record_nothing(aws_served, daemon):
    """Start-up checked the table (DescribeTable) and the bucket (HeadBucket) outside any
    request: the only datagrams waiting are the readiness probes' /healthz segments, whose
    own calls are there and no start-up call is. A Sampled=0 request's calls send nothing."""
    docs = daemon.segments()
    assert docs, "the readiness probe's segment"
    for d in docs:
        assert d["http"]["request"]["url"] == "http://localhost:8080/healthz"
        ops = {s["aws"]["operation"] for s in subsegments(d)}
        assert ops, d  # /healthz reaches the table and the bucket
        assert "DescribeTable" not in ops and "HeadBucket" not in ops, ops

    alice = new_user(aws_served["base"], "quiet")
    daemon.take()
    r = alice.get("/api/photos", headers={
        "X-Amzn-Trace-Id": "Root=1-5f84c7a1-0123456789abcdef01234567;Sampled=0"})
    assert r.status_code == 200
    assert daemon.take() == []


def test_album_listing_has_dynamodb_subsegments(aws_served, daemon):
    alice = new_user(aws_served["base"], "alice")
    daemon.take()
    agent = "list-" + uuid.uuid4().hex
    r = alice.get("/api/photos", headers={"User-Agent": agent})
    assert r.status_code == 200, r.text
    seg = only_segment(daemon, agent)
    queries = subsegments(seg, "DynamoDB", "Query")
    assert queries, seg
    photo_queries = [s for s in queries if s["aws"].get("table_name") == "Photo"]
    assert photo_queries, queries
    for sub in subsegments(seg):
        check_subsegment_shape(seg, sub)
        assert sub["name"] == "DynamoDB"
        assert sub["http"]["response"]["status"] == 200
        assert sub["aws"]["request_id"]
        for flag in ("error", "fault", "throttle", "cause"):
            assert flag not in sub
    # nothing of the request's body or the user's keys is copied
    assert alice.email not in json.dumps(seg)


def test_upload_has_s3_putobject_and_image_link_none(aws_served, daemon):
    alice = new_user(aws_served["base"], "bob")
    daemon.take()
    agent = "upload-" + uuid.uuid4().hex
    r = alice.upload([("sea.jpg", jpeg(640, 480))], tags="sea", desc="day",
                     headers={"User-Agent": agent})
    assert r.status_code == 201, r.text
    seg = only_segment(daemon, agent)
    puts = subsegments(seg, "S3", "PutObject")
    assert len(puts) == 3, seg  # the original, its thumbnail and its grid image
    for sub in puts:
        check_subsegment_shape(seg, sub)
        assert sub["aws"]["bucket_name"] == BUCKET
        assert sub["http"]["response"]["status"] == 200
        assert "key" not in sub["aws"]  # object keys carry the user's e-mail
        assert "error" not in sub and "fault" not in sub
    writes = [s for s in subsegments(seg, "DynamoDB")
              if s["aws"]["operation"] in ("PutItem", "TransactWriteItems", "UpdateItem")]
    assert writes, seg
    assert alice.email not in json.dumps(seg)

    # the image link is a presigned URL, which is no call: no S3 subsegment
    (photo,) = r.json()["photos"]
    agent = "image-" + uuid.uuid4().hex
    r = alice.get(photo["original_url"], allow_redirects=False, headers={"User-Agent": agent})
    assert r.status_code == 302
    seg = only_segment(daemon, agent)
    assert subsegments(seg, "S3") == [], seg
    # the grid image's link is looked for first (many photos have none yet): one HEAD
    agent = "grid-" + uuid.uuid4().hex
    r = alice.get(photo["grid_url"], allow_redirects=False, headers={"User-Agent": agent})
    assert r.status_code == 302
    seg = only_segment(daemon, agent)
    assert [s["aws"]["operation"] for s in subsegments(seg, "S3")] == ["HeadObject"], seg


def test_failing_call_marks_its_subsegment(aws_served, daemon):
    alice = new_user(aws_served["base"], "carol")
    aws_served["ddb"].delete_table(TableName="Photo")
    daemon.take()
    agent = "gone-" + uuid.uuid4().hex
    r = alice.get("/api/photos", headers={"User-Agent": agent})
    assert r.status_code >= 500, r.text
    seg = only_segment(daemon, agent)
    assert seg["fault"] is True
    failed = [s for s in subsegments(seg, "DynamoDB") if s["aws"].get("table_name") == "Photo"]
    assert failed, seg
    sub = failed[-1]
    check_subsegment_shape(seg, sub)
    assert sub["aws"]["operation"] == "Query"
    assert sub["http"]["response"]["status"] == 400
    assert sub["error"] is True and "fault" not in sub
    (ex,) = sub["cause"]["exceptions"]
    assert ex["type"] == "ResourceNotFoundException"
    assert ex["remote"] is True and ID_RE.fullmatch(ex["id"])
