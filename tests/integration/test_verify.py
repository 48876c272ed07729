"""cloudalbum-verify against every stage on the test moto: each stage brought up with
scripts/stage.sh (what make stage-N and make verify-stage-N run), served, and verified
end to end; TAP and JUnit read back; nothing of the journey left behind (checked with
boto3 and pymysql, not with the tool's own word). Then the failures: a deleted table,
a bucket that does not exist, segments that never reach X-Ray.

The stages build on each other in one moto state (module fixture), as in the lab; the
X-Ray daemon stand-in (scripts/xray-daemon.py) runs on a free UDP port for the module."""
import json
import os
import re
import shutil
import signal
import subprocess
import xml.etree.ElementTree as ET

import pymysql
import pytest

import serve_helpers
from helpers import (MYSQL, LoopbackHTTP, XrayDaemon, create_mysql_database,
                     drop_mysql_database, free_port, run, start, wait_http)
from serve_helpers import ROOT, Serve

TAP_LINE = re.compile(r"^(ok|not ok) (\d+) - (.*?)(?: # SKIP (.*))?$")
# the steps each stage has, in order (resources, then the journey)
JOURNEY = ["the app answers (GET /healthz)", "sign in through the app",
           "upload a JPEG with GPS EXIF", "find it in the album", "fetch its thumbnail",
           "fetch its original", "see it on the map at Seoul, South Korea",
           "find it by searching its tag", "edit its description and tags", "delete it",
           "sign out", "remove the test user and everything it made"]


def parse_tap(text):
    """(plan, [(ok, number, name, skip reason or None, following # lines)])."""
    lines = text.splitlines()
    assert lines[0] == "TAP version 13", text
    m = re.fullmatch(r"1\.\.(\d+)", lines[1])
    assert m, text
    steps = []
    for line in lines[2:]:
        t = TAP_LINE.match(line)
        if t:
            steps.append([t.group(1) == "ok", int(t.group(2)), t.group(3), t.group(4), []])
        else:
            assert line.startswith("# ") and steps, f"not TAP: {line!r}"
            steps[-1][4].append(line[2:])
    assert [s[1] for s in steps] == list(range(1, len(steps) + 1))
    return int(m.group(1)), steps


class Lab:
    def __init__(self, bins, moto, d, db):
        self.bins, self.moto, self.dir, self.db = bins, moto, d, db
        self.upload = d / "upload"
        self.upload.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(HOME=str(d), AWS_ACCESS_KEY_ID="testing",
                        AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-southeast-1",
                        AWS_EC2_METADATA_DISABLED="true", CA_BIN=str(bins),
                        MOTO_PORT=str(moto.port), TARGET="local",
                        CA_STATE_DIR=str(d / "state"), GENERATED_DIR=str(d / "gen"),
                        CLOUDALBUM_UPLOAD_FOLDER=str(self.upload), XRAY_DAEMON_PORT="off")
        self.env.pop("CLOUDALBUM_SESSION_SECRET", None)
        self.daemon = XrayDaemon(moto, self.env)
        self.daemon_address = self.daemon.address

    def config(self, n):
        """lab-configs/local/stage-N.yaml on this test's own MySQL database."""
        text = (ROOT / f"lab-configs/local/stage-{n}.yaml").read_text()
        text = text.replace("mysql://root@127.0.0.1:3306/cloudalbum_legacy",
                            f"mysql://root@127.0.0.1:3306/{self.db}")
        p = self.dir / f"stage-{n}.yaml"
        p.write_text(text)
        return p

    def up(self, n, again=False):
        """Stages 0..n applied; returns the generated serve config. Once stage n has been
        brought up in this module its config is reused, unless again (after damage)."""
        out = self.dir / "gen" / "local" / f"stage-{n}.yaml"
        if again or not out.exists():
            run([ROOT / "scripts/stage.sh", n],
                env=dict(self.env, CONFIG=str(self.config(n))), timeout=600)
        return out

    def serve(self, cfg, daemon=None):
        return Serve(self.bins / "cloudalbum-serve", cfg, self.dir,
                     env=dict(self.env, AWS_XRAY_DAEMON_ADDRESS=daemon or self.daemon_address))

    def verify(self, cfg, *args):
        return run([self.bins / "cloudalbum-verify", "--config", cfg, *args], env=self.env,
                   check=False, timeout=300)

    def close(self):
        self.daemon.stop()


@pytest.fixture(scope="module")
def lab(moto_server, bins, tmp_path_factory):
    moto_server.set_auth(False)
    moto_server.reset()
    db = create_mysql_database("ca_verify_")
    lab = Lab(bins, moto_server, tmp_path_factory.mktemp("verify"), db)
    try:
        yield lab
    finally:
        lab.close()
        drop_mysql_database(db)


def assert_nothing_left(lab, n):
    """What the journey made is gone: users, photo rows, objects, files."""
    moto = lab.moto
    if n == 0:
        conn = pymysql.connect(**MYSQL, database=lab.db)
        try:
            with conn.cursor() as c:
                c.execute("SELECT COUNT(*) FROM `User`")
                assert c.fetchone()[0] == 0
                c.execute("SELECT COUNT(*) FROM `Photo`")
                assert c.fetchone()[0] == 0
        finally:
            conn.close()
    else:
        ddb = moto.client("dynamodb")
        assert ddb.scan(TableName="User")["Items"] == []
        assert ddb.scan(TableName="Photo")["Items"] == []
    if n >= 2:
        assert moto.client("s3").list_objects_v2(
            Bucket="cloudalbum-local-photos").get("KeyCount", 0) == 0
    if n >= 3:
        idp = moto.client("cognito-idp")
        for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
            assert idp.list_users(UserPoolId=pool["Id"])["Users"] == []
    assert list(lab.upload.rglob("*")) == []


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_every_stage_verifies(lab, n):
    cfg = lab.up(n)
    srv = lab.serve(cfg)
    junit = lab.dir / f"stage-{n}.xml"
    try:
        p = lab.verify(cfg, "--url", srv.base, "--junit", junit, "--trace-wait", "30")
    finally:
        srv.stop()
    assert p.returncode == 0, p.stdout + p.stderr
    plan, steps = parse_tap(p.stdout)
    assert plan == len(steps)
    names = [s[2] for s in steps]
    assert all(s[0] for s in steps), p.stdout

    # the resources of the stage, then the whole journey
    if n == 0:
        assert names[0] == f"MySQL database mysql://root@127.0.0.1:3306/{lab.db}"
        assert names[1] == f"upload folder {lab.upload}"
    else:
        assert names[:2] == ["DynamoDB table User (index user-email-index)",
                             "DynamoDB table Photo"]
    assert ("S3 bucket cloudalbum-local-photos" in names) == (n >= 2)
    assert any(x.startswith("Cognito user pool ap-southeast-1_") for x in names) == (n >= 3)
    for step in JOURNEY:
        assert step in names, (step, names)
    signup = ("make a test user in the user pool (AdminCreateUser)" if n >= 3
              else "sign up a test user")
    assert signup in names
    assert ("find the journey's trace in X-Ray" in names) == (n == 4)
    assert names[-1] == "remove the test user and everything it made"

    # only what cannot run on the stand-ins is skipped, each with its reason
    skipped = {s[2]: s[3] for s in steps if s[3] is not None}
    expect_skips = set()
    if n >= 3:
        expect_skips.add("sign in through the hosted UI")
    if n == 4:
        expect_skips |= {"X-Ray sampling rule cloudalbum", "X-Ray group cloudalbum"}
    assert set(skipped) == expect_skips, skipped
    assert all(reason for reason in skipped.values())
    if n == 4:
        trace = next(s for s in steps if s[2] == "find the journey's trace in X-Ray")
        assert re.search(r"trace 1-[0-9a-f]{8}-[0-9a-f]{24}, \d+ segments of CloudAlbum",
                         trace[4][0]), trace

    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite"
    assert int(suite.get("tests")) == plan and suite.get("failures") == "0"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == names
    assert len([c for c in cases if c.find("skipped") is not None]) == len(expect_skips)
    assert all(c.find("failure") is None for c in cases)

    assert_nothing_left(lab, n)


def test_trace_that_never_arrives_fails_and_still_cleans_up(lab):
    """Stage 4 whose segments go to a port nobody listens on: the trace step fails with
    a sentence naming the daemon address; the journey's user and photo are gone anyway."""
    cfg = lab.up(4)
    with __import__("socket").socket(__import__("socket").AF_INET,
                                     __import__("socket").SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        nobody = f"127.0.0.1:{s.getsockname()[1]}"
    srv = lab.serve(cfg, daemon=nobody)
    try:
        p = lab.verify(cfg, "--url", srv.base, "--trace-wait", "1")
    finally:
        srv.stop()
    assert p.returncode == 1
    _, steps = parse_tap(p.stdout)
    failed = [s for s in steps if not s[0]]
    assert [s[2] for s in failed] == ["find the journey's trace in X-Ray"]
    assert "X-Ray daemon" in failed[0][4][0] and "xray:PutTraceSegments" in failed[0][4][0]
    assert steps[-1][0] and steps[-1][2] == "remove the test user and everything it made"
    assert "1 of" in p.stderr
    assert_nothing_left(lab, 4)


def test_missing_bucket_named_in_tap_and_junit(lab):
    cfg = lab.up(2)
    broken = lab.dir / "no-bucket.yaml"
    broken.write_text(cfg.read_text().replace("bucket: cloudalbum-local-photos",
                                              "bucket: cloudalbum-no-such-bucket"))
    junit = lab.dir / "no-bucket.xml"
    p = lab.verify(broken, "--junit", junit)
    assert p.returncode == 1
    _, steps = parse_tap(p.stdout)
    bad = [s for s in steps if not s[0]]
    assert [s[2] for s in bad] == ["S3 bucket cloudalbum-no-such-bucket"]
    sentence = bad[0][4][0]
    assert "cloudalbum-no-such-bucket does not exist" in sentence and "make stage-2" in sentence
    assert f"at {lab.moto.endpoint}" in sentence
    cases = ET.parse(junit).getroot().findall("testcase")
    failures = [(c.get("name"), c.find("failure")) for c in cases if c.find("failure") is not None]
    assert len(failures) == 1
    assert failures[0][0] == "S3 bucket cloudalbum-no-such-bucket"
    assert "cloudalbum-no-such-bucket" in failures[0][1].get("message")


def test_deleted_table_named(lab):
    cfg = lab.up(1)
    lab.moto.client("dynamodb").delete_table(TableName="Photo")
    try:
        p = lab.verify(cfg)
        assert p.returncode == 1
        _, steps = parse_tap(p.stdout)
        bad = [s for s in steps if not s[0]]
        assert [s[2] for s in bad] == ["DynamoDB table Photo"]
        assert "The DynamoDB table Photo does not exist" in bad[0][4][0]
        assert "make stage-1" in bad[0][4][0]
        # the journey against an app is not needed to see it; with one, the rest still runs
        # and what it made is removed
    finally:
        lab.up(1, again=True)  # put it back for whatever runs next
    assert lab.verify(cfg).returncode == 0


def test_usage_and_config_errors(lab, bins):
    p = run([bins / "cloudalbum-verify", "--help"], check=False)
    assert p.returncode == 0 and "--config FILE" in p.stdout and "--junit FILE" in p.stdout
    p = run([bins / "cloudalbum-verify"], check=False)
    assert p.returncode == 2 and "--config FILE" in p.stderr
    p = run([bins / "cloudalbum-verify", "--config", lab.dir / "nope.yaml"], check=False)
    assert p.returncode == 2 and "nope.yaml" in p.stderr
    p = run([bins / "cloudalbum-verify", "--config", lab.config(0), "--url", "ftp://x"],
            env=dict(lab.env, CLOUDALBUM_SESSION_SECRET="s" * 40), check=False)
    assert p.returncode == 2 and "http://" in p.stderr
    p = run([bins / "cloudalbum-verify", "--config", lab.config(0), "--timeout", "0"],
            check=False)
    assert p.returncode == 2 and "--timeout" in p.stderr


def test_app_that_is_not_there(lab):
    """A URL nobody answers at: the first journey step fails naming it, the rest are
    skipped as needing it, and the exit status says so."""
    cfg = lab.up(1)
    url = f"http://127.0.0.1:{free_port()}"
    p = lab.verify(cfg, "--url", url, "--timeout", "5")
    assert p.returncode == 1
    _, steps = parse_tap(p.stdout)
    health = next(s for s in steps if s[2] == "the app answers (GET /healthz)")
    assert not health[0] and url in health[4][0]
    after = steps[steps.index(health) + 1:-1]
    assert after and all(s[0] and s[3] == 'needs "the app answers (GET /healthz)", which failed'
                         for s in after)
    assert steps[-1][0]  # nothing was made, nothing to remove


NODE = shutil.which("node")
OIDC_SCRIPT = ROOT / "tests/integration/oidc_provider.mjs"


def config_value(text, key):
    m = re.search(rf"^\s+{key}: \"?([^\"\n]*)\"?$", text, re.M)
    assert m, (key, text)
    return m.group(1)


@pytest.mark.skipif(not NODE or not (ROOT / "node_modules" / "oidc-provider").is_dir(),
                    reason="needs node and node_modules/oidc-provider (npm ci)")
@pytest.mark.parametrize("refuses", [False, True], ids=["signs-in", "refuses"])
def test_hosted_ui_sign_in_where_a_hosted_ui_answers(lab, monkeypatch, refuses):
    """Stage 3 with a hosted UI that answers: tests/integration/oidc_provider.mjs (an
    OpenID provider standing in for the pool's hosted UI, which moto lacks) on Cognito's
    paths, with the pool's issuer, publishing the pool's keys beside its own, and checking
    the password with the pool's InitiateAuth. verify's hosted-UI step signs the journey's
    test user in through its HTML form and the app's /callback, and passes; nothing is
    skipped. A hosted UI that refuses the password (its pool check goes to an address
    that is no pool) fails that step, saying the browser was not sent back, and only it."""
    cfg = lab.up(3)
    text = cfg.read_text()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    oidc_port = free_port()
    hosted_url = f"http://127.0.0.1:{oidc_port}"
    conf = lab.dir / "oidc.json"
    conf.write_text(json.dumps(dict(
        port=oidc_port, issuer=config_value(text, "issuer"),
        extra_jwks=config_value(text, "jwks_url"),
        cognito=dict(endpoint=lab.moto.endpoint + ("/no-pool" if refuses else "")),
        clients=[dict(client_id=config_value(text, "client_id"),
                      client_secret=config_value(text, "client_secret"),
                      redirect_uris=[base + "/callback"], logout_uris=[base])])))
    log = open(lab.dir / "oidc.log", "wb")
    provider = start([NODE, OIDC_SCRIPT, conf], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                     new_session=True)
    try:
        wait_http(hosted_url + "/.well-known/openid-configuration", timeout=30)
        hosted = lab.dir / "hosted-ok.yaml"
        text = re.sub(r"^(\s+)hosted_ui_url: .*$", rf"\1hosted_ui_url: {hosted_url}", text,
                      flags=re.M)
        text = re.sub(r"^(\s+)jwks_url: .*$", rf"\1jwks_url: {hosted_url}/.well-known/jwks.json",
                      text, flags=re.M)
        text = re.sub(r"^(\s+)base_url: .*$", rf"\1base_url: {base}", text, flags=re.M)
        hosted.write_text(text)
        # serve listens where the provider's client sends the browser back
        monkeypatch.setattr(serve_helpers, "free_port", lambda: port)
        srv = lab.serve(hosted)
        try:
            p = lab.verify(hosted, "--url", srv.base, "--timeout", "10")
        finally:
            srv.stop()
    finally:
        os.killpg(provider.pid, signal.SIGTERM)
        provider.wait(timeout=10)
        log.close()
    _, steps = parse_tap(p.stdout)
    if refuses:
        assert p.returncode == 1
        failed = [s for s in steps if not s[0]]
        assert [s[2] for s in failed] == ["sign in through the hosted UI"], p.stdout
        sentence = failed[0][4][0]
        assert "did not send the browser back to the app" in sentence, sentence
        assert f"stayed at {hosted_url}/interaction/" in sentence, sentence
        assert config_value(text, "user_pool_id") in sentence
        assert_nothing_left(lab, 3)
        return
    assert p.returncode == 0, p.stdout + p.stderr + (lab.dir / "oidc.log").read_text()
    assert all(s[0] for s in steps), p.stdout
    step = next(s for s in steps if s[2] == "sign in through the hosted UI")
    assert step[3] is None, step        # run, not skipped
    assert [s[2] for s in steps if s[3] is not None] == [], p.stdout
    assert_nothing_left(lab, 3)


def test_hosted_ui_configured_but_unreachable_is_skipped(lab):
    """A hosted UI the app sends browsers to but nobody answers at (as on a machine
    without the Internet): the step runs as far as the app's /login, then says why it
    stops; everything else passes."""
    cfg = lab.up(3)
    closed = f"http://127.0.0.1:{free_port()}"
    hosted = lab.dir / "hosted.yaml"
    text = cfg.read_text()
    assert 'hosted_ui_url: ""' in text
    hosted.write_text(text.replace('hosted_ui_url: ""', f"hosted_ui_url: {closed}"))
    srv = lab.serve(hosted)
    try:
        p = lab.verify(hosted, "--url", srv.base, "--timeout", "5")
    finally:
        srv.stop()
    assert p.returncode == 0, p.stdout + p.stderr
    _, steps = parse_tap(p.stdout)
    step = next(s for s in steps if s[2] == "sign in through the hosted UI")
    assert step[0] and step[3].startswith("the hosted UI cannot be reached from here")
    assert closed.split("//")[1] in step[3]
    assert_nothing_left(lab, 3)


class RefusingProxy:
    """An HTTP proxy in front of the app that passes every request on, except those whose
    method and path start as `refuse` says, which get a 500: an app that breaks in the
    middle of the journey."""

    def __init__(self, upstream, refuse):
        import http.client
        import http.server
        from urllib.parse import urlparse

        up = urlparse(upstream)

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == refuse[0] and self.path.startswith(refuse[1]):
                    msg = b'{"error":"server_error","message":"refused by the test proxy"}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(msg)))
                    self.end_headers()
                    self.wfile.write(msg)
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.http = LoopbackHTTP(Handler)
        self.base = self.http.url

    def close(self):
        self.http.close()


def test_photo_left_by_a_failed_delete_is_removed(lab):
    """The app fails to delete the photo: that step fails with the server's sentence, and
    the clean-up still removes the photo's row and both objects, and the user."""
    cfg = lab.up(2)
    srv = lab.serve(cfg)
    proxy = RefusingProxy(srv.base, ("DELETE", "/api/photos/"))
    try:
        p = lab.verify(cfg, "--url", proxy.base)
    finally:
        proxy.close()
        srv.stop()
    assert p.returncode == 1
    _, steps = parse_tap(p.stdout)
    failed = [s for s in steps if not s[0]]
    assert [s[2] for s in failed] == ["delete it"]
    assert "HTTP 500" in failed[0][4][0] and "refused by the test proxy" in failed[0][4][0]
    assert steps[-1][0] and "1 photo(s) removed" in steps[-1][4][0]
    assert_nothing_left(lab, 2)
