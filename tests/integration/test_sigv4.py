"""SigV4 from the command line: `cloudalbum-aws sign-case` against every file of AWS's
published suite, and `cloudalbum-aws presign` against botocore's own S3 presigner."""
import atexit
import datetime
import os
import shutil
import sys
import tempfile
import random
import urllib.parse
import urllib.request
from pathlib import Path
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.config import Config

from helpers import LoopbackHTTP, run

ROOT = Path(__file__).resolve().parents[2]
# AWS's suite lives in the tree as one file; lay it out as case folders once per run.
SUITE = Path(tempfile.mkdtemp(prefix="sigv4-suite-"))
atexit.register(shutil.rmtree, SUITE, True)
run([sys.executable, ROOT / "scripts" / "sigv4-cases.py", "expand",
     ROOT / "tests" / "data" / "sigv4-cases.txt", SUITE])
CASES = sorted(p.name for p in SUITE.iterdir() if (p / "context.json").is_file())
PRINTS = {"creq": "canonical-request", "sts": "string-to-sign", "signature": "signature",
          "request": "signed-request"}


def cli(bins):
    return bins / "cloudalbum-aws"


def test_suite_is_complete():
    assert len(CASES) == 38, f"expected AWS's 38 SigV4 cases under {SUITE}"


@pytest.mark.parametrize("mode", ["header", "query"])
@pytest.mark.parametrize("case", CASES)
def test_sign_case_prints_the_suite_files(bins, case, mode):
    for flag, name in PRINTS.items():
        cmd = [cli(bins), "sign-case", "--print", flag, SUITE / case]
        if mode == "query":
            cmd.insert(2, "--query")
        p = run(cmd)
        want = (SUITE / case / f"{mode}-{name}.txt").read_bytes().decode("utf-8")
        assert p.stdout == want, f"{case} {mode}-{name}"


def test_sign_case_defaults_to_the_signed_request(bins):
    p = run([cli(bins), "sign-case", SUITE / "get-vanilla"])
    assert p.stdout == (SUITE / "get-vanilla" / "header-signed-request.txt").read_text()


def write_case(tmp_path, request, context=None):
    d = tmp_path / "case"
    d.mkdir(exist_ok=True)
    (d / "context.json").write_bytes(context if context is not None else (
        b'{"credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "s"},'
        b' "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"}'))
    (d / "request.txt").write_bytes(request)
    return d


@pytest.mark.parametrize("request_txt,context,message", [
    (b"GET\n", None, "first line"),
    (b"GET / HTTP/1.1\nNo colon here\n", None, "line 2"),
    (b"GET / HTTP/1.1\n  folded first\n", None, "continuation"),
    (b"GET / HTTP/1.1\nX-A: v\n", None, "Host"),
    (b"get / HTTP/1.1\nHost:h\n", None, "method"),
    (b"GET /\xff\xfe HTTP/1.1\nHost:h\n", None, "UTF-8"),
    (b"GET / HTTP/1.1\nHost:h\nBad Name:v\n", None, "name"),
    (b"GET / HTTP/1.1\nHost:h\n", b"{not json", "context.json"),
    (b"GET / HTTP/1.1\nHost:h\n", b'{"credentials": {}}', "access_key_id"),
    (b"GET / HTTP/1.1\nHost:h\n" + b"X-Big:" + b"v" * 20000 + b"\n", None, "bytes"),
    (b"GET / HTTP/1.1\n" + b"".join(b"X-%d:v\n" % i for i in range(300)), None, "headers"),
])
def test_sign_case_rejects_malformed_cases(bins, tmp_path, request_txt, context, message):
    d = write_case(tmp_path, request_txt, context)
    p = run([cli(bins), "sign-case", d], check=False)
    assert p.returncode == 1, p.stderr
    assert p.stdout == ""
    assert message in p.stderr
    assert p.stderr.count("\n") == 1


def test_sign_case_usage_errors(bins, tmp_path):
    assert run([cli(bins), "sign-case"], check=False).returncode == 2
    assert run([cli(bins), "sign-case", "--print", "everything", SUITE / "get-vanilla"],
               check=False).returncode == 2
    p = run([cli(bins), "sign-case", tmp_path / "missing"], check=False)
    assert p.returncode == 1 and "context.json" in p.stderr
    p = run([cli(bins), "sign-case", "--help"])
    assert "--print" in p.stdout


# ---- presign against botocore ----

FIXED = datetime.datetime(2024, 2, 29, 13, 14, 15)
AMZ_DATE = "20240229T131415Z"
KEY_ALPHABET = "abcXYZ019 +=$&@/-_.~!'()*,;:?%#[]ü€日本語 😀"


def random_keys(n, seed):
    rng = random.Random(seed)
    keys = ["photos/a b/c+d=e$f&g@h/ünïcödé €.jpg", "plain.jpg", "dir//double/./dot/../x"]
    while len(keys) < n:
        k = "".join(rng.choice(KEY_ALPHABET) for _ in range(rng.randint(1, 40)))
        if not k.startswith("/"):
            keys.append(k)
    return keys


def botocore_client(*, endpoint, region, token):
    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE",
                                    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    aws_session_token=token)
    style = "path" if endpoint else "virtual"
    return session.client("s3", region_name=region, endpoint_url=endpoint,
                          config=Config(signature_version="s3v4", s3={"addressing_style": style}))


def botocore_presign(client, key, expires, bucket="cloudalbum-bucket", **params):
    """botocore's presigned GET with the clock frozen at FIXED."""
    assert hasattr(botocore.auth, "get_current_datetime"), "botocore changed how it reads the clock"
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=FIXED):
        return client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key, **params}, ExpiresIn=expires)


def presign_env(tmp_path, token=None, region=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_EC2_METADATA_DISABLED="true",
               AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
               AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    if token:
        env["AWS_SESSION_TOKEN"] = token
    if region:
        env["AWS_REGION"] = region
    return env


def split_url(url):
    u = urllib.parse.urlsplit(url)
    return (u.scheme, u.netloc, u.path,
            sorted(urllib.parse.parse_qsl(u.query, keep_blank_values=True, strict_parsing=True)))


@pytest.mark.parametrize("token", [None, "FQoGZXIvYXdzEXAMPLE//token+with/slashes=="])
@pytest.mark.parametrize("style", ["path", "virtual"])
def test_presign_equals_botocore(bins, tmp_path, style, token):
    endpoint = "http://127.0.0.1:45123" if style == "path" else None
    region = "ap-southeast-1"
    client = botocore_client(endpoint=endpoint, region=region, token=token)
    for i, key in enumerate(random_keys(25, seed=f"{style}-{token}")):
        expires = [1, 900, 3600, 604800][i % 4]
        want = botocore_presign(client, key, expires)
        bare = want.split("?", 1)[0]
        # the path botocore chose is the key encoded the AWS way, '/' kept
        assert urllib.parse.urlsplit(bare).path.endswith(urllib.parse.quote(key, safe="/~"))
        env = presign_env(tmp_path, token=token, region=None if i % 2 else region)
        cmd = [cli(bins), "presign", "--url", bare, "--expires", str(expires), "--date", AMZ_DATE]
        if i % 2:
            cmd += ["--region", region]
        got = run(cmd, env=env).stdout
        assert got.endswith("\n") and got.count("\n") == 1
        got = got.strip()
        assert split_url(got) == split_url(want), f"key {key!r}"
        assert got.split("?", 1)[0] == bare
        sig = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(got).query))["X-Amz-Signature"]
        assert sig == dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(want).query))["X-Amz-Signature"]


def test_presign_keeps_the_urls_own_query(bins, tmp_path):
    """Extra parameters (response-content-type etc.) are signed like botocore signs them."""
    client = botocore_client(endpoint="http://localhost:9000", region="us-east-1", token=None)
    want = botocore_presign(client, "k y.jpg", 60, bucket="b", ResponseContentType="image/jpeg",
                            ResponseContentDisposition='attachment; filename="a b.jpg"')
    u = urllib.parse.urlsplit(want)
    own = [(k, v) for k, v in urllib.parse.parse_qsl(u.query) if not k.startswith("X-Amz-")]
    url = f"{u.scheme}://{u.netloc}{u.path}?{urllib.parse.urlencode(own, quote_via=urllib.parse.quote, safe='-_.~')}"
    got = run([cli(bins), "presign", "--url", url, "--expires", "60", "--date", AMZ_DATE,
               "--region", "us-east-1"], env=presign_env(tmp_path)).stdout.strip()
    assert split_url(got) == split_url(want)


def test_presigned_url_fetches_the_object_from_moto(bins, tmp_path, moto):
    """The URL is well-formed end to end: moto finds the object by its encoded path."""
    s3 = moto.client("s3", region="us-east-1")
    s3.create_bucket(Bucket="presign-test")
    key = "photos/a b+c=d$&@/ü €.jpg"
    s3.put_object(Bucket="presign-test", Key=key, Body=b"jpeg bytes")
    url = f"{moto.endpoint}/presign-test/{urllib.parse.quote(key, safe='/~')}"
    got = run([cli(bins), "presign", "--url", url, "--expires", "300", "--region", "us-east-1"],
              env=presign_env(tmp_path)).stdout.strip()
    with urllib.request.urlopen(got, timeout=10) as r:
        assert r.read() == b"jpeg bytes"


@pytest.mark.parametrize("args,message", [
    (["--url", "http://h/k", "--expires", "0"], "--expires"),
    (["--url", "http://h/k", "--expires", "604801"], "--expires"),
    (["--url", "http://h/k", "--expires", "12abc"], "--expires"),
    (["--url", "http://h/k", "--expires", "60", "--date", "2024-02-29T13:14:15Z"], "--date"),
    (["--url", "http://h/k", "--expires", "60", "--date", "20240230T000000Z"], "--date"),
    (["--url", "http://h/a b", "--expires", "60"], "percent-encode"),
    (["--url", "http://h/caf\u00e9", "--expires", "60"], "percent-encode"),
    (["--url", "ftp://h/k", "--expires", "60"], "http"),
    (["--url", "http://user:pw@h/k", "--expires", "60"], "user"),
    (["--url", "http://h:99999/k", "--expires", "60"], "port"),
    (["--url", "http://h/k?X-Amz-Signature=1", "--expires", "60"], "X-Amz-Signature"),
    (["--url", "http://h/k", "--expires", "60", "--method", "get"], "method"),
    (["--expires", "60"], "--url"),
    (["--url", "http://h/k"], "--expires"),
])
def test_presign_rejects_bad_input(bins, tmp_path, args, message):
    p = run([cli(bins), "presign", "--region", "us-east-1", *args], env=presign_env(tmp_path),
            check=False)
    assert p.returncode in (1, 2), p.stderr
    assert p.stdout == ""
    assert message in p.stderr


def test_presign_needs_credentials_and_region(bins, tmp_path):
    env = presign_env(tmp_path)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    p = run([cli(bins), "presign", "--url", "http://h/k", "--expires", "60", "--region", "r1"],
            env=env, check=False)
    assert p.returncode == 1 and p.stdout == "" and p.stderr.startswith("presign: ")
    p = run([cli(bins), "presign", "--url", "http://h/k", "--expires", "60"],
            env=presign_env(tmp_path), check=False)
    assert p.returncode == 1 and p.stdout == "" and "region" in p.stderr.lower()


def test_presign_help(bins):
    p = run([cli(bins), "presign", "--help"])
    assert "--expires" in p.stdout and "--url" in p.stdout


# ---- the tree's copy of the suite (scripts/sigv4-cases.py) ----

def expand_bundle(tmp_path, data):
    bundle = tmp_path / "cases.txt"
    bundle.write_bytes(data)
    return run([sys.executable, ROOT / "scripts" / "sigv4-cases.py", "expand",
                bundle, tmp_path / "out"], check=False)


def test_bundle_round_trips_every_byte(tmp_path):
    again = tmp_path / "again.txt"
    run([sys.executable, ROOT / "scripts" / "sigv4-cases.py", "bundle", SUITE, again])
    assert again.read_bytes() == (ROOT / "tests" / "data" / "sigv4-cases.txt").read_bytes()


@pytest.mark.parametrize("data, why", [
    (b"not a bundle\n", "first line"),
    (b"#cloudalbum-sigv4-cases 1\n@file a/b 10\nshort\n", "cut short"),
    (b"#cloudalbum-sigv4-cases 1\n@file a/b 2\nxyz\n", "cut short"),
    (b"#cloudalbum-sigv4-cases 1\n@file ../b 1\nx\n", "bad file name"),
    (b"#cloudalbum-sigv4-cases 1\n@file a/.. 1\nx\n", "bad file name"),
    (b"#cloudalbum-sigv4-cases 1\n@file a/b/c 1\nx\n", "bad header"),
    (b"#cloudalbum-sigv4-cases 1\n@file a/b -1\nx\n", "bad header"),
    (b"#cloudalbum-sigv4-cases 1\n@file a/b 1", "truncated"),
])
def test_bundle_refuses_malformed_input(tmp_path, data, why):
    p = expand_bundle(tmp_path, data)
    assert p.returncode == 1 and why in p.stderr, p.stderr
    assert not (tmp_path / "b").exists() and not (tmp_path / "out" / "a" / "b" / "c").exists()


# S3 reads a request path by decoding it and encoding each segment once ('/' kept), so
# a key whose reserved characters the caller left raw must be sent and signed encoded
# (the AWS S3 documentation's PUT /test$file.text signs /test%24file.text).
RAW_KEYS = ["test$file.text", "a+b=c@d", "x!y'z(1)*,;:&.jpg", "photos/2024/$@=+/k.jpg"]


@pytest.mark.parametrize("key", RAW_KEYS)
def test_presign_of_a_raw_reserved_key_equals_botocore(bins, tmp_path, key):
    client = botocore_client(endpoint="http://127.0.0.1:45123", region="us-east-1", token=None)
    want = botocore_presign(client, key, 600)
    raw = f"http://127.0.0.1:45123/cloudalbum-bucket/{key}"
    got = run([cli(bins), "presign", "--url", raw, "--expires", "600", "--date", AMZ_DATE,
               "--region", "us-east-1"], env=presign_env(tmp_path)).stdout.strip()
    assert split_url(got) == split_url(want), f"key {key!r}"


@pytest.mark.parametrize("key", RAW_KEYS)
def test_call_with_a_raw_reserved_path_signs_like_botocore(bins, tmp_path, key):
    """`call s3` with a path that holds reserved characters: the request reaches the
    server encoded, and its signature is the one botocore's S3 signer computes for it."""
    from http.server import BaseHTTPRequestHandler
    import botocore.awsrequest
    import botocore.credentials

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with LoopbackHTTP(Handler) as server:
        endpoint = server.url
        env = dict(presign_env(tmp_path, region="us-east-1"), AWS_ENDPOINT_URL=endpoint,
                   AWS_MAX_ATTEMPTS="1")
        # --path is '/BUCKET/KEY' with the key raw: call encodes it; here the bucket part
        # carries the reserved characters the library must not leave raw either
        run([cli(bins), "call", "s3", "--path", f"/cloudalbum-bucket/{key}"], env=env)
    [(path, headers)] = seen
    assert path == "/cloudalbum-bucket/" + urllib.parse.quote(key, safe="/~")
    req = botocore.awsrequest.AWSRequest(method="GET", url=endpoint + path, headers={
        "Host": headers["Host"], "X-Amz-Date": headers["X-Amz-Date"],
        "x-amz-content-sha256": headers["x-amz-content-sha256"]})
    creds = botocore.credentials.Credentials("AKIDEXAMPLE",
                                             "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    signer = botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1")
    dt = datetime.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=dt):
        signer.add_auth(req)
    want = req.headers["Authorization"].rsplit("Signature=", 1)[1]
    assert headers["Authorization"].rsplit("Signature=", 1)[1] == want
