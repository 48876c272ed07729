"""Sign-up on the DynamoDB backend when DynamoDB committed the TransactWriteItems but its
answer was lost (a 500 after the write): the client layer retries, and the retry must be
the same logical call — the same ClientRequestToken — so DynamoDB answers it as it answered
the first instead of failing the email guard (which made sign-up answer 409 "email exists"
for the account it had just created).

moto keeps no idempotency tokens, so the recorder in front of it does what DynamoDB
documents for a token it has seen with the same parameters: the first answer again, no
second write."""
import json

import pytest

from helpers import create_contract_tables
from serve_helpers import Client, Serve
from wire_recorder import WireRecorder


class LostAnswer:
    """The first TransactWriteItems reaches moto (and commits), its answer becomes a 500;
    a later one with a committed token is answered as DynamoDB would."""

    def __init__(self):
        self.committed = {}     # token -> (request body, answer body)
        self.lost = 0

    def answer(self, target, body, status, data):
        if target != "TransactWriteItems" or status != 200:
            return status, data
        token = json.loads(body).get("ClientRequestToken")
        if token:
            self.committed[token] = (body, data)
        if not self.lost:
            self.lost = 1
            return 500, json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#"
                                              "InternalServerError",
                                    "message": "the answer was lost"}).encode()
        return status, data

    def intercept(self, target, body):
        if target != "TransactWriteItems":
            return None
        token = json.loads(body).get("ClientRequestToken")
        seen = self.committed.get(token) if token else None
        if not seen:
            return None
        if seen[0] != body:
            return 400, json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#"
                                              "IdempotentParameterMismatchException",
                                    "message": "same token, other parameters"}).encode()
        return 200, seen[1]


def write_dynamodb_config(path, upload, endpoint):
    path.write_text(f"""server:
  session_secret: ${{CA_TEST_SECRET}}
  max_upload_mb: 2
  threads: 4
database:
  kind: dynamodb
storage:
  kind: disk
  path: {upload}
auth:
  kind: local
tracing:
  kind: none
aws:
  region: ap-southeast-1
  endpoint: {endpoint}
""")
    return path


@pytest.fixture
def lossy(moto, aws_env, tmp_path, bins):
    ddb = moto.client("dynamodb")
    create_contract_tables(ddb)
    upload = tmp_path / "upload"
    upload.mkdir()
    script = LostAnswer()
    with WireRecorder(moto.endpoint, answer=script.answer, intercept=script.intercept) as wire:
        cfg = write_dynamodb_config(tmp_path / "ddb.yaml", upload, wire.endpoint)
        serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path,
                      env=dict(aws_env, AWS_ENDPOINT_URL=wire.endpoint))
        try:
            yield dict(serve=serve, wire=wire, ddb=ddb, script=script)
        finally:
            serve.stop()


def test_sign_up_retried_after_a_lost_commit_succeeds(lossy):
    c = Client(lossy["serve"].base)
    r = c.signup("retry@example.com", username="Retry")
    assert r.status_code == 201, r.text
    assert lossy["script"].lost == 1                       # the 500 was given

    sent = lossy["wire"].operation("TransactWriteItems")
    assert len(sent) == 2                                  # the attempt and its retry
    tokens = {s.get("ClientRequestToken") for s in sent}
    assert len(tokens) == 1                                # one logical call, one token
    [token] = tokens
    assert token and 1 <= len(token) <= 36
    assert sent[0] == sent[1]

    items = lossy["ddb"].scan(TableName="User", ConsistentRead=True)["Items"]
    assert [u["email"]["S"] for u in items] == ["retry@example.com"]   # written once
    guards = lossy["ddb"].scan(TableName="User-guard", ConsistentRead=True)["Items"]
    assert [g["id"]["S"] for g in guards] == ["email#retry@example.com"]  # and its guard
    assert c.signin("retry@example.com").status_code == 200


def test_each_sign_up_has_its_own_token(lossy):
    c = Client(lossy["serve"].base)
    for i in range(3):
        assert c.signup(f"u{i}@example.com").status_code == 201
    sent = lossy["wire"].operation("TransactWriteItems")
    # the first sign-up was retried once after its lost answer; the others were not
    assert len(sent) == 4
    assert len({s["ClientRequestToken"] for s in sent}) == 3
