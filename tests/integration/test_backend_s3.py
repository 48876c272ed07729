"""The S3 storage backend (lib/storage/s3.c) with boto3 and botocore as the
independent party: the keys and Content-Type of what it writes, and its presigned
URLs, which must fetch the objects from moto and carry the signature botocore
computes for the same request. The C side runs as a tcase of test_storage_s3."""
import re
import urllib.parse
import urllib.request

import pytest

from backend_helpers import run_case

BINARY = "test_storage_s3"
BUCKET = "cloudalbum-backend-test"
REGION = "ap-southeast-1"
NAME = "0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg"
FOLDER = "photos/contract_at_example_dot_com"  # norm("contract@example.com")
ORIGINAL = b"\xff\xd8original-bytes\xff\xd9"
THUMB = b"\xff\xd8thumb-bytes\xff\xd9"


@pytest.fixture
def s3(moto):
    c = moto.client("s3", region=REGION)
    c.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return c


def write_contract(moto, tmp_path):
    out = tmp_path / "urls.txt"
    run_case(BINARY, "contract", moto, {"CA_TEST_S3_BUCKET": BUCKET, "CA_TEST_URL_OUT": str(out)})
    original_url, thumb_url = out.read_text().split()
    return original_url, thumb_url


def test_keys_and_content_type(moto, s3, tmp_path):
    write_contract(moto, tmp_path)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == [f"{FOLDER}/{NAME}", f"{FOLDER}/thumbnails/{NAME}"]
    for key, body in ((f"{FOLDER}/{NAME}", ORIGINAL), (f"{FOLDER}/thumbnails/{NAME}", THUMB)):
        obj = s3.get_object(Bucket=BUCKET, Key=key)
        assert obj["ContentType"] == "image/jpeg"
        assert obj["Body"].read() == body


def test_presigned_urls_fetch_from_moto(moto, s3, tmp_path):
    original_url, thumb_url = write_contract(moto, tmp_path)
    for url, body in ((original_url, ORIGINAL), (thumb_url, THUMB)):
        assert url.startswith(f"{moto.endpoint}/{BUCKET}/{FOLDER}/")
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
            assert r.read() == body
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(original_url).query))
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert q["X-Amz-Expires"] == "3600"
    assert q["X-Amz-SignedHeaders"] == "host"
    assert q["X-Amz-Credential"].startswith("testing/")
    assert q["X-Amz-Credential"].endswith(f"/{REGION}/s3/aws4_request")


def test_presigned_signature_is_botocores(moto, s3, tmp_path, monkeypatch):
    """botocore signs the same GET at the same instant: the signatures must agree."""
    import datetime

    import botocore.auth
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    original_url, _ = write_contract(moto, tmp_path)
    parts = urllib.parse.urlsplit(original_url)
    q = dict(urllib.parse.parse_qsl(parts.query))
    when = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    req = AWSRequest(method="GET", url=f"{parts.scheme}://{parts.netloc}{parts.path}")
    # add_auth stamps the request with the clock, not with context["timestamp"]:
    # stop the clock at our URL's instant, or a second boundary makes them differ
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    S3SigV4QueryAuth(Credentials("testing", "testing"), "s3", REGION,
                     expires=3600).add_auth(req)
    theirs = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(req.url).query))
    assert theirs["X-Amz-Date"] == q["X-Amz-Date"]
    assert theirs["X-Amz-Signature"] == q["X-Amz-Signature"]


def test_objects_boto3_wrote_in_the_seed_layout_are_read(moto, s3):
    """The seed's upload code, boto3 put_object, with the thumbnail under the
    thumbnail/ folder some seed code paths used."""
    folder = "photos/seed_dot_user_at_example_dot_com"
    name = "1c7f4d0f-3a5e-4b9c-8d2f-8e6b4c3d2a11.jpeg"
    s3.put_object(Bucket=BUCKET, Key=f"{folder}/{name}", Body=b"seed original",
                  ContentType="image/jpeg", StorageClass="STANDARD")
    s3.put_object(Bucket=BUCKET, Key=f"{folder}/thumbnail/{name}", Body=b"seed thumb",
                  ContentType="image/jpeg", StorageClass="STANDARD")
    run_case(BINARY, "seed_reads", moto, {"CA_TEST_S3_BUCKET": BUCKET,
                                          "CA_TEST_SEED_WRITTEN": "1"})


def test_object_meta_is_what_boto3_sees(moto, s3, tmp_path):
    """lib/aws/s3.c's object calls report status, ETag, Content-Type and size
    (struct s3_object_meta; test_aws_s3's contract tcase): for an object they wrote
    and for objects boto3 wrote, one in one part and one in two, boto3's head_object
    must say the same."""
    import hashlib

    single, multi = "meta/theirs-single.jpg", "meta/theirs-multipart.bin"
    s3.put_object(Bucket=BUCKET, Key=single, Body=b"\xff\xd8boto3 bytes\xff\xd9",
                  ContentType="image/jpeg")
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=multi,
                                    ContentType="application/octet-stream")
    parts = []
    for n, body in ((1, b"a" * (5 << 20)), (2, b"tail")):
        r = s3.upload_part(Bucket=BUCKET, Key=multi, UploadId=up["UploadId"], PartNumber=n,
                           Body=body)
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    s3.complete_multipart_upload(Bucket=BUCKET, Key=multi, UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": parts})
    out = tmp_path / "meta.txt"
    run_case("test_aws_s3", "contract", moto, {"CA_TEST_S3_BUCKET": BUCKET,
                                               "CA_TEST_META_OUT": str(out),
                                               "CA_TEST_S3_THEIRS": f"{single} {multi}"})
    rows = {}
    for line in out.read_text().splitlines():
        label, status, etag, ctype, length = line.split("\t")
        rows[label] = (int(status), etag, ctype, int(length))
    assert set(rows) == {"put", "head", "get", single, multi}

    body = b"\xff\xd8 written by s3_put_object \xff\xd9"  # CONTRACT_BYTES
    ours = s3.head_object(Bucket=BUCKET, Key="meta/ours.jpg")
    etag = ours["ETag"].strip('"')
    assert etag == hashlib.md5(body).hexdigest()
    assert rows["put"] == (200, etag, "", 0)
    assert rows["head"] == (200, etag, "image/jpeg", len(body))
    assert rows["get"] == (200, etag, "image/jpeg", len(body))
    assert ours["ContentType"] == "image/jpeg" and ours["ContentLength"] == len(body)
    for key in (single, multi):
        h = s3.head_object(Bucket=BUCKET, Key=key)
        assert rows[key] == (200, h["ETag"].strip('"'), h["ContentType"], h["ContentLength"])
    assert re.fullmatch(r"[0-9a-f]{32}-2", rows[multi][1])
    assert rows[single][1] == hashlib.md5(b"\xff\xd8boto3 bytes\xff\xd9").hexdigest()
