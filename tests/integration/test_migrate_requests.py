"""cloudalbum-migrate's requests, counted on the wire (a recording proxy in front of moto):
a re-run learns what is there by listing and sends no PutObject, a changed file is sent
again, a large file goes by multipart upload, UnprocessedItems and throttling are retried,
and the counts the run and plan print are the requests that were sent."""
import hashlib
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from test_migrate import BUCKET, Migrate, config, legacy, provision  # noqa: F401 (fixture)
from wire_recorder import WireRecorder

BATCH_TARGET = "DynamoDB_20120810.BatchWriteItem"


def ops(wire):
    """The operations the proxy saw, by name (every attempt)."""
    n = Counter()
    for r in list(wire.requests):
        target = r["headers"].get("x-amz-target")
        if target:
            n[target.split(".")[-1]] += 1
            continue
        path, _, query = r["path"].partition("?")
        obj = path.count("/") >= 2 and not path.endswith("/")
        if r["method"] == "PUT" and "uploadId=" in query:
            n["UploadPart"] += 1
        elif r["method"] == "PUT" and obj:
            n["PutObject"] += 1
        elif r["method"] == "POST" and "uploads" in query.split("&"):
            n["CreateMultipartUpload"] += 1
        elif r["method"] == "POST" and "uploadId=" in query:
            n["CompleteMultipartUpload"] += 1
        elif r["method"] == "HEAD" and obj:
            n["HeadObject"] += 1
        elif r["method"] == "GET" and "list-type=2" in query:
            n["ListObjectsV2"] += 1
        else:
            n[f"{r['method']} {path}"] += 1
    return n


def puts(wire):
    return sorted(r["path"].split("?")[0] for r in wire.requests
                  if r["method"] == "PUT" and not r["headers"].get("x-amz-target"))


def summary(stdout):
    m = re.search(r"^requests: (\d+) S3 \((\d+) PutObject, (\d+) ListObjectsV2, (\d+) HeadObject, "
                  r"(\d+) multipart, (\d+) other\), (\d+) DynamoDB \((\d+) BatchWriteItem\), (\d+) Cognito; "
                  r"([0-9.]+) per photo; (\d+) retries, (\d+) throttled$", stdout, re.M)
    assert m, stdout
    k = ["s3", "put", "list", "head", "mpu", "other", "ddb", "batch", "cognito", "per_photo",
         "retries", "throttled"]
    out = dict(zip(k, map(float, m.groups())))
    rows = int(re.search(r"^photos: (\d+) legacy rows", stdout, re.M).group(1))
    assert out["per_photo"] == pytest.approx((out["s3"] + out["ddb"] + out["cognito"]) / rows, abs=0.006)
    return out


@pytest.fixture
def target(bins, moto, aws_env, legacy, tmp_path):  # noqa: F811
    """(make, upload): make(**proxy hooks) -> (Migrate through a recording proxy, wire)."""
    provision(moto)
    upload = tmp_path / "upload"
    shutil.copytree(legacy["upload"], upload)
    cfg = config(tmp_path, moto)
    wires = []

    def make(**hooks):
        wire = WireRecorder(moto.endpoint, **hooks).__enter__()
        wires.append(wire)
        cfg.write_text(cfg.read_text().replace(moto.endpoint, wire.endpoint)
                       .replace(wires[-2].endpoint if len(wires) > 1 else "\0", wire.endpoint))
        env = dict(aws_env, AWS_ENDPOINT_URL=wire.endpoint, CA_AWS_BACKOFF_THROTTLE_MS="5",
                   CA_AWS_BACKOFF_TRANSIENT_MS="5")
        return Migrate(bins, env, legacy, cfg, tmp_path / "state", upload), wire

    yield make, upload
    for w in wires:
        w.__exit__(None, None, None)


def test_a_rerun_lists_instead_of_heads_and_puts_nothing(target, legacy):  # noqa: F811
    make, upload = target
    m, wire = make()
    # rows read a few users at a time: each chunk lists its own users' folders
    m.env = dict(m.env, CA_MIGRATE_CHUNK_ROWS="10")
    p = m("run", "--jobs", "8")
    first = ops(wire)
    objects = len([f for f in upload.rglob("*") if f.is_file()]) - 2  # the file with no row
    assert first["PutObject"] == objects and first["HeadObject"] == 0
    users = len({f.parent.name for f in upload.glob("*/*") if f.is_file()})
    assert first["ListObjectsV2"] == users
    s = summary(p.stdout)
    # the run's own count is what went on the wire (the lock's release comes after the line)
    assert s["put"] == first["PutObject"] and s["list"] == first["ListObjectsV2"] and s["head"] == 0
    assert s["ddb"] == sum(v for k, v in first.items() if k[0].isupper() and k not in (
        "PutObject", "ListObjectsV2", "HeadObject")) - 1

    m, wire = make()
    m.env = dict(m.env, CA_MIGRATE_CHUNK_ROWS="10")
    p = m("run", "--jobs", "8")
    again = ops(wire)
    assert "nothing to do" in p.stdout
    assert again["PutObject"] == 0 and again["HeadObject"] == 0 and again["BatchWriteItem"] == 0
    assert again["ListObjectsV2"] == users
    s = summary(p.stdout)
    assert s["put"] == 0 and s["list"] == users
    assert "0 uploaded" in p.stdout and f"{objects} already there" in p.stdout


def test_plan_expects_the_requests_a_run_sends(target):
    make, _ = target
    m, wire = make()
    plan = m("plan").stdout
    exp = re.search(r"^requests \(expected\): (\d+) into an empty target \((\d+) PutObject, (\d+) "
                    r"ListObjectsV2, (\d+) DynamoDB\).*a re-run once done: (\d+) ", plan, re.M)
    assert exp, plan
    m, wire = make()
    m("run")
    assert sum(ops(wire).values()) == int(exp.group(1))
    assert ops(wire)["PutObject"] == int(exp.group(2))
    m, wire = make()
    m("run")
    assert sum(ops(wire).values()) == int(exp.group(5))


def test_a_changed_file_is_uploaded_again(target):
    make, upload = target
    originals = sorted(f for f in upload.glob("*/*.jp*g") if (f.parent / "thumbnails" / f.name).exists())
    a, b, c, d = originals[:4]
    # c has no thumbnail: it is made from the original, and made again only when that changes
    (c.parent / "thumbnails" / c.name).unlink()
    m, wire = make()
    m("run")
    m, wire = make()
    p = m("run")
    assert puts(wire) == [] and "0 thumbnails made" in p.stdout

    # a: other bytes of another size; b's thumbnail: the same size, one byte changed; c:
    # another picture (its thumbnail changes too)
    a.write_bytes(a.read_bytes() + b"\0" * 100)
    tb = b.parent / "thumbnails" / b.name
    data = bytearray(tb.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tb.write_bytes(bytes(data))
    c.write_bytes(d.read_bytes())
    m, wire = make()
    p = m("run")
    folder = lambda f: f"/{BUCKET}/photos/{f.parent.name}"  # noqa: E731
    assert puts(wire) == sorted([f"{folder(a)}/{a.name}", f"{folder(b)}/thumbnails/{b.name}",
                                 f"{folder(c)}/{c.name}", f"{folder(c)}/thumbnails/{c.name}"])
    assert "4 uploaded" in p.stdout and "1 thumbnails made from originals" in p.stdout
    assert "nothing lost" in m("verify").stdout


def test_a_large_file_goes_by_multipart_and_verifies(target, moto):
    make, upload = target
    big = sorted(upload.glob("*/*.jp*g"))[0]
    # a JPEG followed by 20 MiB: still image/jpeg, over the 16 MiB multipart threshold
    body = big.read_bytes() + os.urandom(20 << 20)
    big.write_bytes(body)
    m, wire = make()
    p = m("run", "--jobs", "4")
    n = ops(wire)
    assert n["CreateMultipartUpload"] == 1 and n["CompleteMultipartUpload"] == 1
    assert n["UploadPart"] == 3  # 8 MiB parts
    assert summary(p.stdout)["mpu"] == 5
    key = f"photos/{big.parent.name}/{big.name}"
    got = moto.client("s3").get_object(Bucket=BUCKET, Key=key)
    assert got["ContentType"] == "image/jpeg" and got["ETag"].strip('"').endswith("-3")
    assert hashlib.sha256(got["Body"].read()).digest() == hashlib.sha256(body).digest()
    assert "nothing lost" in m("verify").stdout
    # the multipart ETag is recognised: a re-run sends nothing
    m, wire = make()
    p = m("run")
    assert "nothing to do" in p.stdout and puts(wire) == []


def test_unprocessed_items_are_sent_again(target, moto):
    make, _ = target
    handed_back = []

    def answer(target_name, body, status, data):
        import json
        if target_name != "BatchWriteItem" or handed_back or status != 200:
            return status, data
        req = json.loads(body)
        table, writes = next(iter(req["RequestItems"].items()))
        if table != "Photo" or len(writes) < 2:
            return status, data
        # moto wrote them all; say the last one was not, as DynamoDB does under load
        handed_back.append(writes[-1])
        moto.client("dynamodb").delete_item(TableName="Photo", Key={
            "user_id": writes[-1]["PutRequest"]["Item"]["user_id"],
            "id": writes[-1]["PutRequest"]["Item"]["id"]})
        return 200, json.dumps({"UnprocessedItems": {"Photo": [writes[-1]]}}).encode()

    m, wire = make(answer=answer)
    m("run")
    assert handed_back
    resent = [b for b in wire.operation("BatchWriteItem") if b["RequestItems"].get("Photo") == handed_back]
    assert len(resent) == 1
    assert "nothing lost" in m("verify").stdout


def test_throttling_is_retried_and_slows_the_run_down(target):
    make, _ = target
    slow = {"s3": 0, "ddb": 0}

    def intercept_rest(method, path):
        if method == "PUT" and "?" not in path and slow["s3"] < 6:
            slow["s3"] += 1
            return 503, (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                         b"<Message>Please reduce your request rate.</Message></Error>")
        return None

    def intercept(target_name, body):
        if target_name == "BatchWriteItem" and slow["ddb"] < 1:
            slow["ddb"] += 1
            return 400, (b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
                         b'"message":"The level of configured provisioned throughput for the table was exceeded."}')
        return None

    m, wire = make(intercept=intercept, intercept_rest=intercept_rest)
    p = m("run", "--jobs", "8")
    assert slow == {"s3": 6, "ddb": 1}
    s = summary(p.stdout)
    assert s["retries"] >= 7 and "failed" not in p.stdout
    pace = re.search(r"^pace: slowed down (\d+) times .* to (\d+) photos in flight at the lowest", p.stdout, re.M)
    assert pace and int(pace.group(1)) >= 1 and int(pace.group(2)) < 8, p.stdout
    assert "nothing lost" in m("verify").stdout
