"""stage-2-s3 against moto, checked with boto3: the bucket, its region, the public access
block, default encryption; idempotence, drift, destroy (refusal, --force), bad input."""
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from helpers import LoopbackHTTP, free_port
from stages2_helpers import Stage, lab_config, one_error_line, set_key, unreachable_env

REGION = "ap-southeast-1"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


@pytest.fixture
def bucket():
    return "ca-test-" + uuid.uuid4().hex[:16]


@pytest.fixture
def s3(moto):
    return moto.client("s3")


@pytest.fixture
def stage(bins, aws_env, tmp_path, bucket, moto):
    env = dict(aws_env, CLOUDALBUM_BUCKET=bucket, MOTO_PORT=str(moto.port))
    return Stage(bins, "stage-2-s3", lab_config(tmp_path, 2), tmp_path / "state", env)


def bucket_names(s3):
    return sorted(b["Name"] for b in s3.list_buckets()["Buckets"])


def test_plan_then_apply_creates_the_bucket_as_specified(stage, s3, bucket):
    p = stage.run("plan")
    assert p.returncode == 2, p.stdout + p.stderr
    assert f"create   s3 bucket {bucket}" in p.stdout
    assert bucket not in bucket_names(s3)          # plan changed nothing

    stage.ok("apply")
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == REGION
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert pab == ALL_ON
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    out = stage.outputs()
    assert out["bucket"] == bucket
    assert out["bucket_region"] == REGION
    assert out["bucket_arn"] == f"arn:aws:s3:::{bucket}"
    recorded = stage.state()["stages"]["2"]
    assert recorded["outputs"]["bucket"]["serve_key"] == "storage.bucket"
    assert [r["name"] for r in recorded["resources"]] == [bucket]


def test_second_apply_changes_nothing(stage, s3, bucket):
    stage.ok("apply")
    before = bucket_names(s3)
    p = stage.ok("apply")
    assert "0 change(s) made" in p.stdout
    assert bucket_names(s3) == before
    p = stage.run("plan")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "nothing to change" in p.stdout


def test_existing_bucket_of_ours_is_adopted_and_completed(stage, s3, bucket):
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    p = stage.run("plan")
    assert p.returncode == 2
    assert f"ok       s3 bucket {bucket}" in p.stdout
    assert "create   s3 public access block" in p.stdout
    stage.ok("apply")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == ALL_ON
    assert bucket_names(s3).count(bucket) == 1


def test_public_access_block_drift_is_named_and_put_back(stage, s3, bucket):
    stage.ok("apply")
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False})
    p = stage.run("plan")
    assert p.returncode == 2, p.stdout + p.stderr
    line = [l for l in p.stdout.splitlines() if "public access block" in l][0]
    assert line.split()[0] == "update"
    assert "IgnorePublicAcls false -> true" in line
    assert "RestrictPublicBuckets false -> true" in line
    assert "BlockPublicAcls" not in line.replace("IgnorePublicAcls", "")

    stage.ok("apply")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == ALL_ON
    assert stage.run("plan").returncode == 0


def test_removed_public_access_block_and_encryption_come_back(stage, s3, bucket):
    stage.ok("apply")
    s3.delete_public_access_block(Bucket=bucket)
    s3.delete_bucket_encryption(Bucket=bucket)
    p = stage.run("plan")
    assert p.returncode == 2
    assert "create   s3 public access block" in p.stdout
    assert "create   s3 default encryption" in p.stdout
    stage.ok("apply")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == ALL_ON
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_destroy_removes_an_empty_bucket(stage, s3, bucket):
    stage.ok("apply")
    p = stage.ok("destroy")
    assert f"deleted  s3 bucket {bucket}" in p.stdout
    assert bucket not in bucket_names(s3)
    assert "2" not in (stage.state() or {}).get("stages", {})
    p = stage.ok("destroy")                       # again: nothing left, still fine
    assert f"absent   s3 bucket {bucket}" in p.stdout


def test_destroy_refuses_a_bucket_with_objects_until_forced(stage, s3, bucket):
    stage.ok("apply")
    keys = [f"photos/a_at_b_dot_c/{i:04d} <&'\">.jpg" for i in range(1005)]  # two pages
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")

    one_error_line(stage.run("destroy"), bucket, "--force")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1000     # untouched
    assert bucket in bucket_names(s3)

    p = stage.ok("destroy", "--force")
    assert "with 1005 object(s)" in p.stdout
    assert bucket not in bucket_names(s3)


def test_bucket_in_another_region_is_an_error(stage, moto, bucket):
    moto.client("s3", region="eu-west-1").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    one_error_line(stage.run("apply"), bucket, "eu-west-1", REGION)


def test_bucket_owned_by_someone_else_is_a_clear_error(stage, moto, s3, bucket):
    # Someone else's bucket: it exists, and our (IAM-checked) credentials get 403.
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    iam = moto.client("iam", region="us-east-1")
    iam.create_user(UserName="attendee")
    iam.put_user_policy(UserName="attendee", PolicyName="own-bucket-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*",
                       "Resource": ["arn:aws:s3:::attendee-own", "arn:aws:s3:::attendee-own/*"]}]}))
    key = iam.create_access_key(UserName="attendee")["AccessKey"]
    moto.set_auth(True)
    p = stage.run("apply", env={"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]})
    moto.set_auth(False)
    one_error_line(p, bucket, "not yours", "storage.bucket")
    assert "resources" not in (stage.state() or {}).get("stages", {}).get("2", {})


@pytest.mark.parametrize("value, needle", [
    ("Not_A_Bucket", "not a valid S3 bucket name"),
    ("ab", "not a valid S3 bucket name"),
    ("-leading-dash", "not a valid S3 bucket name"),
    ("192.168.0.1", "not a valid S3 bucket name"),
])
def test_bad_bucket_names_are_refused_before_any_call(bins, aws_env, tmp_path, value, needle):
    cfg = lab_config(tmp_path, 2, lambda t: set_key(t, "bucket", value))
    stage = Stage(bins, "stage-2-s3", cfg, tmp_path / "state",
                  dict(aws_env, AWS_ENDPOINT_URL="http://127.0.0.1:9"))   # never reached
    line = one_error_line(stage.run("plan"), needle, "storage.bucket")
    assert "stage-2.yaml:" in line


def test_missing_bucket_key_and_bad_region(bins, aws_env, tmp_path):
    cfg = lab_config(tmp_path, 2, lambda t: t.replace("  bucket: ${CLOUDALBUM_BUCKET:-cloudalbum-local-photos}\n", ""))
    stage = Stage(bins, "stage-2-s3", cfg, tmp_path / "state", aws_env)
    one_error_line(stage.run("plan"), "storage.bucket")

    cfg = lab_config(tmp_path, 2, lambda t: set_key(t, "region", "Mars-1"))
    env = {k: v for k, v in aws_env.items() if k != "AWS_REGION"}
    stage = Stage(bins, "stage-2-s3", cfg, tmp_path / "state", env)
    one_error_line(stage.run("plan"), "region")


def test_unreachable_endpoint_is_one_clear_line(stage):
    p = stage.run("apply", env=unreachable_env(free_port))
    one_error_line(p, "127.0.0.1")


HOSTILE_PAB = [
    b"<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>",       # cut short
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<PublicAccessBlockConfiguration><BlockPublicAcls>&b;</BlockPublicAcls>"
    b"</PublicAccessBlockConfiguration>",                                             # entities
    b"<Other><BlockPublicAcls>true</BlockPublicAcls></Other>",                        # wrong root
    b"<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls>"
    b"</PublicAccessBlockConfiguration>",                                             # not a bool
    b"\xff\xfe<PublicAccessBlockConfiguration/>",                                     # bad bytes
]


@pytest.mark.parametrize("body", HOSTILE_PAB)
def test_hostile_s3_answers_are_one_clear_error(stage, body):
    """An S3 endpoint whose GetPublicAccessBlock answer is malformed or hostile."""
    from http.server import BaseHTTPRequestHandler

    class FakeS3(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, status, data=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_HEAD(self):
            self.reply(200, headers=[("x-amz-bucket-region", REGION)])

        def do_GET(self):
            self.reply(200, body, headers=[("Content-Type", "application/xml")])

    with LoopbackHTTP(FakeS3) as srv:
        p = stage.run("plan", env={"AWS_ENDPOINT_URL_S3": srv.url})
    line = one_error_line(p, "s3")
    assert "public" in line.lower() or "XML" in line or "xml" in line, line
