"""AWS-side acceptance: requests signed by OUR code are accepted by a server that checks
SigV4 signatures and IAM policies (moto with its auth checking on), and rejected when
signed with a wrong secret.

boto3 (the independent reference client) creates an IAM user with an admin policy and an
access key while checking is off; then checking is switched on and only our binaries
(`cloudalbum-aws call` / `whoami`) talk to the server.
"""
import json
import xml.etree.ElementTree as ET

import pytest

from helpers import run

USER = "transport-acceptance"
BUCKET = "ca-acceptance-bucket"
TRICKY_KEY = "photos/a b+c=$&@ünï/日本 (1).jpg"
ADMIN_POLICY = json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def local(tag):
    return tag.rsplit("}", 1)[-1]


def find_all(root, name):
    return [e for e in root.iter() if local(e.tag) == name]


@pytest.fixture
def signed_env(moto, aws_env):
    """aws_env with the key of an admin IAM user, and moto's auth checking switched on."""
    iam = moto.client("iam")
    iam.create_user(UserName=USER)
    arn = iam.create_policy(PolicyName="acceptance-admin",
                            PolicyDocument=ADMIN_POLICY)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    env = dict(aws_env, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"], AWS_MAX_ATTEMPTS="1")
    moto.set_auth(True)
    return env


def aws(bins, env, *args, check=True, **kw):
    return run([bins / "cloudalbum-aws", *args], env=env, check=check, **kw)


def test_sts_accepts_our_signature(bins, signed_env):
    p = aws(bins, signed_env, "whoami", "--json")
    ident = json.loads(p.stdout)
    assert ident["Arn"].endswith(f":user/{USER}")
    assert ident["Account"].isdigit() and len(ident["Account"]) == 12
    assert ident["UserId"]


def test_dynamodb_accepts_our_signature(bins, signed_env):
    create = {"TableName": "AcceptanceUser",
              "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
              "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
              "BillingMode": "PAY_PER_REQUEST"}
    p = aws(bins, signed_env, "call", "dynamodb", "--target", "DynamoDB_20120810.CreateTable",
            "--data", json.dumps(create))
    assert json.loads(p.stdout)["TableDescription"]["TableName"] == "AcceptanceUser"
    p = aws(bins, signed_env, "call", "dynamodb", "--target", "DynamoDB_20120810.ListTables")
    assert json.loads(p.stdout)["TableNames"] == ["AcceptanceUser"]
    item = {"TableName": "AcceptanceUser", "Item": {"id": {"S": "x1"}, "email": {"S": "é@x"}}}
    aws(bins, signed_env, "call", "dynamodb", "--target", "DynamoDB_20120810.PutItem",
        "--data", json.dumps(item))
    p = aws(bins, signed_env, "call", "dynamodb", "--target", "DynamoDB_20120810.GetItem",
            "--data", json.dumps({"TableName": "AcceptanceUser", "Key": {"id": {"S": "x1"}}}))
    assert json.loads(p.stdout)["Item"]["email"] == {"S": "é@x"}


def test_iam_accepts_our_signature(bins, signed_env):
    p = aws(bins, signed_env, "call", "iam", "--action", "GetUser", "--param", f"UserName={USER}")
    root = ET.fromstring(p.stdout)
    assert [e.text for e in find_all(root, "UserName")] == [USER]
    p = aws(bins, signed_env, "call", "iam", "--action", "ListUsers")
    assert USER in [e.text for e in find_all(ET.fromstring(p.stdout), "UserName")]


def test_s3_accepts_our_signature(bins, signed_env, tmp_path, moto):
    config = ('<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
              '<LocationConstraint>ap-southeast-1</LocationConstraint></CreateBucketConfiguration>')
    aws(bins, signed_env, "call", "s3", "--method", "PUT", "--path", f"/{BUCKET}", "--data", config)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(bytes(range(256)) * 40)
    aws(bins, signed_env, "call", "s3", "--method", "PUT", "--path", f"/{BUCKET}/{TRICKY_KEY}",
        "--data", f"@{photo}", "--header", "Content-Type: image/jpeg")
    p = aws(bins, signed_env, "call", "s3", "--path", f"/{BUCKET}", "--param", "list-type=2",
            "--param", "prefix=photos/")
    keys = [e.text for e in find_all(ET.fromstring(p.stdout), "Key")]
    assert keys == [TRICKY_KEY]
    # read back through the reference client (checking off again) to compare the bytes
    moto.set_auth(False)
    obj = moto.client("s3").get_object(Bucket=BUCKET, Key=TRICKY_KEY)
    assert obj["Body"].read() == photo.read_bytes()
    assert obj["ContentType"] == "image/jpeg"


@pytest.mark.parametrize("args", [
    ("whoami",),
    ("call", "dynamodb", "--target", "DynamoDB_20120810.ListTables"),
    ("call", "iam", "--action", "ListUsers"),
    ("call", "s3", "--path", "/"),
], ids=["sts", "dynamodb", "iam", "s3"])
def test_wrong_secret_is_rejected(bins, signed_env, args):
    bad = dict(signed_env, AWS_SECRET_ACCESS_KEY=signed_env["AWS_SECRET_ACCESS_KEY"][:-4] + "XXXX")
    p = aws(bins, bad, *args, check=False)
    assert p.returncode == 1, p.stdout
    assert "SignatureDoesNotMatch" in p.stderr or "InvalidSignature" in p.stderr, p.stderr
    assert bad["AWS_SECRET_ACCESS_KEY"] not in p.stderr
    # and the right secret still works for the same call
    assert aws(bins, signed_env, *args, check=False).returncode == 0


def test_unknown_key_is_rejected(bins, signed_env):
    bad = dict(signed_env, AWS_ACCESS_KEY_ID="AKIAUNKNOWNKEY000000")
    p = aws(bins, bad, "call", "dynamodb", "--target", "DynamoDB_20120810.ListTables", check=False)
    assert p.returncode == 1
    assert "UnrecognizedClient" in p.stderr or "InvalidClientTokenId" in p.stderr, p.stderr


def test_cognito_and_xray_accept_our_signature(bins, signed_env):
    p = aws(bins, signed_env, "call", "cognito-idp", "--target",
            "AWSCognitoIdentityProviderService.CreateUserPool", "--data",
            json.dumps({"PoolName": "acceptance-pool"}))
    pool = json.loads(p.stdout)["UserPool"]
    assert pool["Name"] == "acceptance-pool"
    segment = {"name": "CloudAlbum", "id": "70de5b6f19ff9a0a",
               "trace_id": "1-581cf771-a006649127e371903a2de979",
               "start_time": 1478293361.271, "end_time": 1478293361.449}
    p = aws(bins, signed_env, "call", "xray", "--method", "POST", "--path", "/TraceSegments",
            "--header", "Content-Type: application/json",
            "--data", json.dumps({"TraceSegmentDocuments": [json.dumps(segment)]}))
    assert json.loads(p.stdout).get("UnprocessedTraceSegments", []) == []


RESERVED_KEYS = ["test$file.text", "a+b=c@d e.jpg", "ü €/日本 (1);x,y:z!.jpg"]


def test_s3_keys_with_reserved_characters_put_get_and_presign(bins, signed_env, tmp_path, moto):
    """Keys S3 re-encodes before checking a signature ('$', '+', '=', '@', space, unicode):
    put and got with moto checking every signature, then fetched through a presigned URL
    given the key raw (moto checks no presigned signature, so test_sigv4.py compares
    those with botocore's; here the URL must find the object)."""
    import urllib.parse
    import urllib.request
    config = ('<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
              '<LocationConstraint>ap-southeast-1</LocationConstraint></CreateBucketConfiguration>')
    aws(bins, signed_env, "call", "s3", "--method", "PUT", "--path", f"/{BUCKET}-r",
        "--data", config)
    bodies = {}
    for i, key in enumerate(RESERVED_KEYS):
        body = tmp_path / f"body{i}"
        body.write_bytes(f"object {i} {key}".encode())
        bodies[key] = body.read_bytes()
        aws(bins, signed_env, "call", "s3", "--method", "PUT", "--path", f"/{BUCKET}-r/{key}",
            "--data", f"@{body}")
        p = aws(bins, signed_env, "call", "s3", "--path", f"/{BUCKET}-r/{key}")
        assert p.stdout.encode() == bodies[key]
    moto.set_auth(False)
    listed = moto.client("s3").list_objects_v2(Bucket=f"{BUCKET}-r")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(RESERVED_KEYS)
    for key in RESERVED_KEYS:
        # reserved characters raw; only what a URL cannot hold (space, non-ASCII) encoded
        url_key = urllib.parse.quote(key, safe="/$+=@()!;,:'*&")
        url = run([bins / "cloudalbum-aws", "presign", "--url",
                   f"{moto.endpoint}/{BUCKET}-r/{url_key}", "--expires", "300"],
                  env=signed_env).stdout.strip()
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.read() == bodies[key], key
