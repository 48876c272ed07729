"""cloudalbum-serve opens its backends once (lib/backends): one AWS client per process, so
DynamoDB, S3 and the Cognito user pool share one credentials provider. Counted where it
shows: the instance profile's credentials are fetched from the metadata service once per
process however many services the app calls (a provider per backend fetched them once
each)."""
import json
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import create_contract_tables
from serve_helpers import Client, Serve, create_stage3_pool, jpeg

BUCKET = "cloudalbum-backends-photos"
REGION = "ap-southeast-1"
ROLE = "cloudalbum-instance-role"
PASSWORD = "Password-123!"


class MetadataService:
    """An IMDSv2 stand-in handing out one role's credentials (valid for hours), counting
    the credential documents it serves."""

    def __init__(self):
        self.credential_fetches = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, body, status=200):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                if self.path == "/latest/api/token":
                    return self.answer("stand-in-token")
                return self.answer("", 404)

            def do_GET(self):
                if self.headers.get("X-aws-ec2-metadata-token") != "stand-in-token":
                    return self.answer("", 401)
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.answer(ROLE)
                if self.path == base + ROLE:
                    with outer.lock:
                        outer.credential_fetches += 1
                    expires = datetime.now(timezone.utc) + timedelta(hours=6)
                    return self.answer(json.dumps({
                        "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIASTANDIN00001",
                        "SecretAccessKey": "standInSecret0000000000000000000000000001",
                        "Token": "stand-in-session-token",
                        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))
                return self.answer("", 404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def write_stage3_config(path, upload_pool, moto):
    pool, client = upload_pool
    path.write_text(f"""server:
  session_secret: ${{CA_TEST_SECRET}}
  max_upload_mb: 2
  threads: 4
database:
  kind: dynamodb
storage:
  kind: s3
  bucket: {BUCKET}
auth:
  kind: cognito
  user_pool_id: {pool["Id"]}
  client_id: {client["ClientId"]}
  client_secret: {client["ClientSecret"]}
  domain: cloudalbum-test
tracing:
  kind: none
aws:
  region: {REGION}
  endpoint: {moto.endpoint}
  emulator: moto
""")
    return path


@pytest.fixture
def metadata():
    with MetadataService() as m:
        yield m


def test_one_credentials_fetch_for_dynamodb_s3_and_cognito(moto, aws_env, tmp_path, bins,
                                                            metadata):
    create_contract_tables(moto.client("dynamodb"))
    moto.client("s3").create_bucket(Bucket=BUCKET,
                                    CreateBucketConfiguration={"LocationConstraint": REGION})
    cfg = write_stage3_config(tmp_path / "stage3.yaml",
                              create_stage3_pool(moto.client("cognito-idp")), moto)
    env = {k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID",
                                                          "AWS_SECRET_ACCESS_KEY")}
    env.update(AWS_EC2_METADATA_DISABLED="false",
               AWS_EC2_METADATA_SERVICE_ENDPOINT=metadata.endpoint)
    serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=env)
    try:
        c = Client(serve.base)
        email = f"one-{uuid.uuid4().hex[:8]}@example.com"
        # Cognito (SignUp, InitiateAuth), S3 (PutObject), DynamoDB (PutItem, Query)
        r = c.post("/api/users", json=dict(email=email, username="One", password=PASSWORD))
        assert r.status_code == 201, r.text
        r = c.post("/api/session", json=dict(email=email, password=PASSWORD))
        assert r.status_code == 200, r.text
        r = c.upload([("one.jpg", jpeg())])
        assert r.status_code == 201, r.text
        r = c.get("/api/photos")
        assert r.status_code == 200 and len(r.json()["photos"]) == 1, r.text
    finally:
        serve.stop()
    print(f"clients per process: {metadata.credential_fetches} credential fetches")
    assert metadata.credential_fetches == 1
