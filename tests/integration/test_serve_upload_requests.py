"""The DynamoDB calls one upload makes, counted on the wire (a recording proxy in front of
moto), at stage 1 (DynamoDB, files on disk) and stage 2 (DynamoDB and S3): the owner is
looked up once per request whatever the number of photos, each photo is one PutItem, and
no photo is read back (create answers the item as stored). The answer is still what the
store holds: each photo in it is what GET /api/photos/{id} gives afterwards."""
import json
from collections import Counter

import pytest

from helpers import create_contract_tables
from serve_helpers import Client, Serve, jpeg, new_user, with_exif
from test_serve_dynamodb_retry import write_dynamodb_config
from test_serve_s3 import BUCKET, REGION, write_s3_config
from wire_recorder import WireRecorder


class Endpoint:
    """What write_s3_config reads from its moto argument: the endpoint to name."""

    def __init__(self, endpoint):
        self.endpoint = endpoint


def dynamodb_calls(requests):
    """(operation, TableName) of every DynamoDB request among requests."""
    calls = Counter()
    for r in requests:
        target = r["headers"].get("x-amz-target") or ""
        if target.startswith("DynamoDB_"):
            calls[(target.split(".")[-1], json.loads(r["body"]).get("TableName"))] += 1
    return calls


@pytest.fixture(params=["stage1", "stage2"])
def served(request, moto, aws_env, tmp_path, bins):
    create_contract_tables(moto.client("dynamodb"))
    with WireRecorder(moto.endpoint) as wire:
        if request.param == "stage2":
            moto.client("s3").create_bucket(
                Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
            cfg = write_s3_config(tmp_path / "serve.yaml", Endpoint(wire.endpoint))
        else:
            upload = tmp_path / "upload"
            upload.mkdir()
            cfg = write_dynamodb_config(tmp_path / "serve.yaml", upload, wire.endpoint)
        serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path,
                      env=dict(aws_env, AWS_ENDPOINT_URL=wire.endpoint))
        try:
            yield serve, wire
        finally:
            serve.stop()


@pytest.mark.parametrize("n", [1, 3])
def test_upload_reads_the_owner_once_and_puts_each_photo(served, tmp_path, n):
    serve, wire = served
    c = new_user(serve.base)
    files = [(f"p{i}.jpg", with_exif(jpeg(640 + 16 * i, 480), tmp_path, lat=37.5665 + i / 7,
                                     lng=126.978 - i / 9, make="Cam", taken="2024:05:06 07:08:09"))
             for i in range(n)]
    before = len(wire.requests)
    r = c.upload(files, tags="sea", desc="a day out")
    assert r.status_code == 201, r.text
    calls = dynamodb_calls(wire.requests[before:])

    upload_calls = {k: v for k, v in calls.items() if k[1] in ("User", "Photo")}
    assert upload_calls == {("GetItem", "User"): 1, ("PutItem", "Photo"): n}, calls
    # the rest is the session check (the sign-in state in the guard table), not per photo
    assert set(calls) - set(upload_calls) <= {("GetItem", "User-guard")}, calls

    photos = r.json()["photos"]
    assert [p["filename_orig"] for p in photos] == [name for name, _ in files]
    for p in photos:
        got = c.get(f"/api/photos/{p['id']}")
        assert got.status_code == 200, got.text
        assert got.json() == p


def test_each_request_looks_its_owner_up_again(served):
    """Once per request, not once per process: a second upload reads the owner again."""
    serve, wire = served
    c = new_user(serve.base)
    for i in range(2):
        before = len(wire.requests)
        assert c.upload([(f"again{i}.jpg", jpeg())]).status_code == 201
        calls = dynamodb_calls(wire.requests[before:])
        assert calls[("GetItem", "User")] == 1, calls
        assert calls[("PutItem", "Photo")] == 1, calls


def test_an_upload_for_a_vanished_owner_stores_nothing(served, moto):
    """The one owner check still guards the writes: with the User item gone (an operator
    removed it), the upload is refused and no Photo item nor file is left."""
    serve, wire = served
    c = new_user(serve.base)
    ddb = moto.client("dynamodb", region=REGION)
    ddb.delete_item(TableName="User", Key={"id": {"S": c.user["id"]}})
    before = len(wire.requests)
    r = c.upload([("a.jpg", jpeg()), ("b.jpg", jpeg())])
    assert r.status_code in (401, 404, 409), r.text
    calls = dynamodb_calls(wire.requests[before:])
    assert calls[("PutItem", "Photo")] == 0, calls
    assert ddb.scan(TableName="Photo")["Items"] == []
