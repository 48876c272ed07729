"""The wire audit (docs/AUDIT.md): every AWS request the toolkit's programs make in their
journeys (wire_journeys.py) is recorded by a proxy in front of moto and checked with
botocore (audit_check.py): the operation and its input against the service model, the
SigV4 signature recomputed, and the real-AWS rules moto does not enforce. Then each
program's IAM needs (audit_iam.py) are evaluated against the two shipped policies of
infra/iam/ for the programs each one is meant to cover (infra/iam/README.md).

The summary line, the findings and the per-program action lists go to the test output
and to tests/artifacts/wire-audit.txt."""
import copy
import json
import os
from pathlib import Path

import pytest
import requests

import audit_check
import audit_iam
from audit_proxy import Recorder
from helpers import run
from wire_journeys import KEY, PLAIN_TARGET, SECRET, program_of, run_all

# The audit runs once per `make test`: in the plain integration run; the sanitizer run
# (Makefile integration-san) sets CA_WIRE_AUDIT=off.
pytestmark = pytest.mark.skipif(os.environ.get("CA_WIRE_AUDIT") == "off",
                                reason="CA_WIRE_AUDIT=off: the wire audit runs in the plain "
                                       "integration run only")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "tests" / "artifacts" / "wire-audit.txt"
SECRETS = {KEY: SECRET}
IAM_DIR = ROOT / "infra" / "iam"
POLICY_VARS = dict(partition="aws", region="ap-southeast-1", account_id=audit_iam.ACCOUNT,
                   user_table="User", photo_table="Photo", bucket="cloudalbum-local-photos")

# Issue items whose fixes have not landed yet (item number -> why), each rule then finding
# what it is there to find; empty since items 1, 3, 4, 5 and 6 were fixed. Delete a line
# when its fix lands: the test of that item then passes, and the whole-audit test too once
# the dict is empty.
PENDING = {}

# Which programs each shipped policy must cover (infra/iam/README.md says the same).
APP_PROGRAMS = ["cloudalbum-serve stage 1", "cloudalbum-serve stage 2",
                "cloudalbum-serve stage 3", "cloudalbum-serve stage 4",
                "cloudalbum-migrate", "cloudalbum-migrate --cognito"]
STAGE_PROGRAMS = ["stage-0-iam", "stage-1-dynamodb", "stage-2-s3", "stage-3-cognito",
                  "stage-4-xray"]
# cloudalbum-verify runs on the attendee's instance, with the workshop policy
TOOL_PROGRAMS = ["cloudalbum-verify"]
POLICIES = {
    "least-privilege": ("cloudalbum-app-policy.json", APP_PROGRAMS),
    "workshop": ("workshop-cloud9-policy.json", APP_PROGRAMS + STAGE_PROGRAMS + TOOL_PROGRAMS),
}


def pending(item):
    return pytest.mark.xfail(item in PENDING, reason=PENDING.get(item, ""), strict=True)


def policy(name, program=None):
    """The policy document as stage 0 fills it in for the config `program` runs with (the
    migration without --cognito writes to tables and a bucket of its own)."""
    values = dict(POLICY_VARS)
    if program == "cloudalbum-migrate":
        values.update(PLAIN_TARGET)
    return audit_iam.fill((IAM_DIR / POLICIES[name][0]).read_text(), **values)


def action_lists(report):
    """{program: {(action, resource, context as sorted tuple)}} from the audited calls, and
    {program: {operation}} of the calls made only against the local stand-in."""
    out, local = {}, {}
    for call in report.calls:
        prog = program_of(call.ex.label)
        if call.name in audit_iam.LOCAL_ONLY:
            local.setdefault(prog, set()).add(call.name)
        for action, resource, ctx in audit_iam.needs(call):
            out.setdefault(prog, set()).add((action, resource, tuple(sorted(ctx.items()))))
    return out, local


def write_artifact(report, lists, local, recorder_errors):
    lines = [report.summary(), ""]
    if report.findings:
        lines += ["findings:", report.details(), ""]
    if recorder_errors:
        lines += ["proxy errors:", *recorder_errors, ""]
    lines.append("IAM actions per program, with each policy's decision "
                 f"({' / '.join(sorted(POLICIES))}; '-' where the policy is not meant to "
                 "cover the program):")
    for prog in sorted(lists):
        lines.append(f"  {prog}")
        rows = {}                  # one line per action and resource pattern
        for action, resource, ctx in sorted(lists[prog]):
            verdicts = tuple(
                audit_iam.decide(policy(n, prog), action, resource, dict(ctx))
                if prog in POLICIES[n][1] else "-" for n in sorted(POLICIES))
            key = (action, audit_iam.pattern(resource), ctx)
            row = rows.setdefault(key, [0, set()])
            row[0] += 1
            row[1].add(verdicts)
        for (action, resource, ctx), (n, verdicts) in sorted(rows.items()):
            cond = " " + " ".join(f"{k}={v}" for k, v in ctx) if ctx else ""
            times = f" ({n} resources)" if n > 1 else ""
            shown = "; ".join(" / ".join(v) for v in sorted(verdicts))
            lines.append(f"    {action} {resource}{cond}{times}  [{shown}]")
        for op in sorted(local.get(prog, ())):
            lines.append(f"    ({op}: local stand-in only, {audit_iam.LOCAL_ONLY[op]})")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(lines) + "\n")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def wire(bins, moto_server, tmp_path_factory):
    moto_server.set_auth(False)
    moto_server.reset()
    j = run_all(bins, moto_server, tmp_path_factory.mktemp("wire"))
    report = audit_check.audit(j.rec.exchanges, SECRETS)
    lists, local = action_lists(report)
    text = write_artifact(report, lists, local, j.rec.errors)
    print("\n" + text)
    audit_check.SUMMARIES.append(f"{report.summary()} (details: {ARTIFACT.relative_to(ROOT)})")
    moto_server.reset()
    return dict(report=report, lists=lists, rec=j.rec)


def test_the_journeys_reach_every_program_and_service(wire):
    report, rec = wire["report"], wire["rec"]
    assert not rec.errors, rec.errors
    programs = {program_of(ex.label) for ex in rec.exchanges}
    assert set(APP_PROGRAMS + STAGE_PROGRAMS + TOOL_PROGRAMS) <= programs, programs
    services = {c.service for c in report.calls}
    assert services == {"dynamodb", "s3", "cognito-idp", "xray", "iam", "sts", "ec2"}
    # every request was identified as an operation of its service
    assert len(report.calls) + len(report.public) == report.requests
    print(report.summary())


def test_no_findings_but_those_of_pending_items(wire):
    """Every request valid and signed as botocore signs it, and no real-AWS rule broken,
    apart from the findings of the items whose fixes are on another branch."""
    report = wire["report"]
    other = [f for f in report.findings if f.item not in PENDING]
    assert not other, "\n".join(map(str, other))


@pytest.mark.xfail(bool(PENDING), strict=True,
                   reason="items " + ", ".join(map(str, sorted(PENDING))) + " on branch awsfix")
def test_audit_summary_is_clean(wire):
    report = wire["report"]
    print(report.summary())
    assert report.count("invalid") == 0, report.details()
    assert report.count("signature") == 0, report.details()
    assert report.count("rule") == 0, report.details()


@pending(1)
def test_item1_update_table_sends_only_what_changes(wire):
    found = wire["report"].of_item(1)
    assert any(c.name == "dynamodb:UpdateTable" for c in wire["report"].calls)
    assert not found, "\n".join(map(str, found))


@pending(3)
def test_item3_update_user_pool_carries_only_input_members(wire):
    assert any(c.name == "cognito-idp:UpdateUserPool" for c in wire["report"].calls)
    found = wire["report"].of_item(3)
    assert not found, "\n".join(map(str, found))


@pending(5)
def test_item5_transact_write_items_carries_a_token(wire):
    assert any(c.name == "dynamodb:TransactWriteItems" for c in wire["report"].calls)
    found = wire["report"].of_item(5)
    assert not found, "\n".join(map(str, found))


# --- the checker can fail --------------------------------------------------------------

def _first(report, name):
    return next(c for c in report.calls if c.name == name)


def _findings_for(exchange):
    return audit_check.audit([exchange], SECRETS).findings


def test_a_mistyped_field_an_unknown_member_and_a_changed_byte_are_reported(wire):
    report = wire["report"]
    good = _first(report, "dynamodb:DescribeTable").ex
    assert _findings_for(good) == []

    # a string where the model wants an integer (Limit), re-signed so only the type is wrong
    ex = copy.deepcopy(_first(report, "cognito-idp:ListUserPools").ex)
    body = json.loads(ex.body)
    body["MaxResults"] = str(body["MaxResults"])
    ex = resign(ex, json.dumps(body).encode())
    kinds = {(f.kind, "MaxResults" in f.message) for f in _findings_for(ex)}
    assert kinds == {("invalid", True)}, _findings_for(ex)

    # an unknown member
    ex = copy.deepcopy(good)
    body = json.loads(ex.body)
    body["TableNames"] = "User"
    ex = resign(ex, json.dumps(body).encode())
    found = _findings_for(ex)
    assert [f.kind for f in found] == ["invalid"] and "TableNames" in found[0].message, found

    # one byte of the body changed after signing: JSON protocol (hash inside the signature)
    ex = copy.deepcopy(good)
    ex.body = ex.body.replace(b"User", b"Usex", 1)
    assert [f.kind for f in _findings_for(ex)] == ["signature"], _findings_for(ex)

    # ... and S3 (x-amz-content-sha256 and Content-MD5 no longer the body's)
    ex = copy.deepcopy(_first(report, "s3:PutPublicAccessBlock").ex)
    assert _findings_for(ex) == []
    ex.body = ex.body.replace(b"true", b"True", 1)
    kinds = sorted({(f.kind, f.rule) for f in _findings_for(ex)}, key=str)
    assert ("signature", None) in kinds and ("rule", "checksum-required") in kinds, kinds

    # a presigned URL (serve's image redirect) with its path changed
    pre = next(c.ex for c in report.calls if "X-Amz-Signature=" in c.ex.query)
    assert _findings_for(pre) == []
    ex = copy.deepcopy(pre)
    ex.path = ex.path.replace("/photos/", "/photoz/", 1)
    ex.target = ex.path + "?" + ex.query
    assert [f.kind for f in _findings_for(ex)] == ["signature"], _findings_for(ex)

    # a query-protocol parameter of the wrong type
    ex = copy.deepcopy(_first(report, "iam:ListPolicyVersions").ex
                       if any(c.name == "iam:ListPolicyVersions" for c in report.calls)
                       else _first(report, "iam:GetRole").ex)
    body = ex.body.decode() + "&MaxItems=many"
    ex = resign(ex, body.encode())
    found = _findings_for(ex)
    assert found and all(f.kind == "invalid" for f in found) and \
        any("MaxItems" in f.message for f in found), found


def test_real_aws_rules_each_catch_their_case(wire):
    report = wire["report"]
    # CreateBucket without LocationConstraint outside us-east-1
    ex = copy.deepcopy(_first(report, "s3:CreateBucket").ex)
    ex = resign(ex, b"")
    assert [(f.kind, f.rule) for f in _findings_for(ex)] == [("rule", "location-constraint")]
    # a checksum-required operation without its checksum
    ex = copy.deepcopy(_first(report, "s3:PutBucketEncryption").ex)
    ex.headers = [(k, v) for k, v in ex.headers if k.lower() != "content-md5"]
    ex = resign(ex, ex.body)
    assert [(f.kind, f.rule) for f in _findings_for(ex)] == [("rule", "checksum-required")]
    # BatchWriteItem of 26
    ex = copy.deepcopy(_first(report, "dynamodb:DescribeTable").ex)
    ex.headers = [(k, "DynamoDB_20120810.BatchWriteItem" if k.lower() == "x-amz-target" else v)
                  for k, v in ex.headers]
    puts = [{"PutRequest": {"Item": {"id": {"S": str(i)}}}} for i in range(26)]
    ex = resign(ex, json.dumps({"RequestItems": {"User": puts}}).encode())
    assert [(f.kind, f.rule) for f in _findings_for(ex)] == [("rule", "batch-limits")]
    # an S3 path with a reserved character sent raw (item 6's rule)
    ex = copy.deepcopy(_first(report, "s3:HeadBucket").ex)
    ex.target = ex.path = "/cloudalbum-local-photos/test$file.text"
    ex.method = "HEAD"
    ex = resign(ex, b"")
    assert ("rule", "s3-canonical-path") in [(f.kind, f.rule) for f in _findings_for(ex)]


def resign(ex, body):
    """ex with `body`, signed again by botocore over the headers it signed before (so only
    what the caller changed can be wrong)."""
    import hashlib
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    auth = ex.header("Authorization")
    scope = auth.split("Credential=")[1].split(",")[0].split("/")
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    ex.body = body
    ex.headers = [(k, str(len(body)) if k.lower() == "content-length" else v)
                  for k, v in ex.headers]
    if ex.header("X-Amz-Content-SHA256"):
        ex.headers = [(k, hashlib.sha256(body).hexdigest()
                       if k.lower() == "x-amz-content-sha256" else v) for k, v in ex.headers]
    req = AWSRequest(method=ex.method, url="http://h" + ex.target, data=body)
    for k, v in ex.headers:
        if k.lower() != "authorization":
            req.headers[k] = v
    req.context["timestamp"] = ex.header("X-Amz-Date")
    cls = audit_check._ExactS3 if scope[3] == "s3" else audit_check._Exact
    signer = cls(Credentials(scope[0], SECRETS[scope[0]]), scope[3], scope[2], signed)
    sig = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    new = f"AWS4-HMAC-SHA256 Credential={'/'.join(scope)}, SignedHeaders={';'.join(signed)}, " \
          f"Signature={sig}"
    ex.headers = [(k, new if k.lower() == "authorization" else v) for k, v in ex.headers]
    return ex


# --- items 4 and 6: journeys of their own ---------------------------------------------

@pending(4)
def test_item4_update_user_pool_client_is_built_from_the_input_shape(bins, moto, tmp_path):
    """Real Cognito's DescribeUserPoolClient answers read-only members the update refuses
    (ClientSecretArn, ...): the proxy adds one to moto's answer, and stage 3 putting back
    a drifted client must not send it back."""
    from wire_journeys import Journeys
    j = Journeys(bins, moto, tmp_path)
    try:
        for n in (1, 2, 3):
            j.stage(n, "apply", "apply")
        idp = moto.client("cognito-idp")
        pool = idp.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
        client = idp.list_user_pool_clients(UserPoolId=pool, MaxResults=10)["UserPoolClients"][0]
        idp.update_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"],
                                    ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"])

        def as_real_cognito(ex):
            if (ex.header("X-Amz-Target") or "").endswith(".DescribeUserPoolClient") \
                    and ex.status == 200:
                doc = json.loads(ex.response_body)
                doc["UserPoolClient"]["ClientSecretArn"] = (
                    f"arn:aws:secretsmanager:ap-southeast-1:{audit_iam.ACCOUNT}:secret:x")
                return json.dumps(doc).encode()
            return None

        px = j.rec.proxy("stage-3-cognito: drift, as real Cognito answers", as_real_cognito)
        env = dict(j.base_env, AWS_ENDPOINT_URL=px.endpoint, MOTO_PORT=str(px.port))
        p = run([bins / "stage-3-cognito", "apply", "--config", j.cfg[3]], env=env, check=False,
                timeout=300)
        assert p.returncode == 0, p.stderr
        report = audit_check.audit(j.rec.exchanges, SECRETS)
        assert any(c.name == "cognito-idp:UpdateUserPoolClient" for c in report.calls)
        found = report.of_item(4)
        assert not found, "\n".join(map(str, found))
    finally:
        j.close()


@pending(6)
def test_item6_presigned_s3_path_is_signed_as_s3_canonicalises_it(bins, moto, tmp_path):
    """A key with a reserved character ('$'): the presigned URL cloudalbum-aws makes for
    it must be one S3 accepts (the path in S3's UriEncode form), and fetch the object."""
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="cloudalbum-wire",
                     CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    s3.put_object(Bucket="cloudalbum-wire", Key="test$file.text", Body=b"dollar")
    rec = Recorder(moto.port)
    px = rec.proxy("cloudalbum-aws: presign")
    try:
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": KEY,
               "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "ap-southeast-1"}
        p = run([bins / "cloudalbum-aws", "presign", "--url",
                 f"{px.endpoint}/cloudalbum-wire/test$file.text", "--expires", "60"],
                env=env, check=False, timeout=60)
        assert p.returncode == 0, p.stderr
        url = p.stdout.strip()
        got = requests.get(url, timeout=30)
        report = audit_check.audit(rec.exchanges, SECRETS)
        assert report.requests == 1 and report.count("signature") == 0, report.details()
        found = report.of_item(6)
        assert not found, "\n".join(map(str, found))
        assert got.status_code == 200 and got.content == b"dollar"
    finally:
        rec.close()


# --- IAM: each shipped policy allows what its programs do -------------------------------

@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_allows_every_action_of_the_programs_it_covers(wire, name):
    lists = wire["lists"]
    programs = POLICIES[name][1]
    missing = [p for p in programs if p not in lists]
    assert not missing, f"no recorded actions for {missing}"
    denied = []
    for prog in programs:
        doc = policy(name, prog)
        for action, resource, ctx in sorted(lists[prog]):
            verdict = audit_iam.decide(doc, action, resource, dict(ctx))
            if verdict != "allowed":
                denied.append(f"{prog}: {action} on {resource} {dict(ctx) or ''}: {verdict}")
    assert not denied, f"{name} policy denies:\n" + "\n".join(denied)


def test_least_privilege_stays_scoped(wire):
    """No wildcard action, and every table, bucket and pool statement names its resource."""
    doc = policy("least-privilege")
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        assert all("*" not in a for a in actions), st
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if not all(a.startswith("xray:") for a in actions):
            assert "*" not in resources, st
    # what it must not allow: other tables, other buckets, deleting the bucket or a table
    for action, resource in [
            ("dynamodb:DeleteTable", "arn:aws:dynamodb:ap-southeast-1:123456789012:table/User"),
            ("dynamodb:Scan", "arn:aws:dynamodb:ap-southeast-1:123456789012:table/Other"),
            ("s3:GetObject", "arn:aws:s3:::another-bucket/photos/x.jpg"),
            ("s3:DeleteBucket", "arn:aws:s3:::cloudalbum-local-photos"),
            ("cognito-idp:DeleteUserPool",
             "arn:aws:cognito-idp:ap-southeast-1:123456789012:userpool/ap-southeast-1_x"),
            ("iam:CreateRole", "*")]:
        assert audit_iam.decide(doc, action, resource, {}) != "allowed", (action, resource)


def test_the_evaluator_denies_what_iam_denies():
    """The evaluator itself: a condition on a missing key does not match; Deny wins."""
    doc = {"Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
         "Condition": {"StringLike": {"s3:prefix": "photos/*"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret/*"}]}
    assert audit_iam.decide(doc, "s3:ListBucket", "arn:aws:s3:::b", {}) == "implicitly denied"
    assert audit_iam.decide(doc, "s3:ListBucket", "arn:aws:s3:::b",
                            {"s3:prefix": "photos/u/"}) == "allowed"
    assert audit_iam.decide(doc, "s3:ListBucket", "arn:aws:s3:::b",
                            {"s3:prefix": "other/"}) == "implicitly denied"
    assert audit_iam.decide(doc, "s3:GetObject", "arn:aws:s3:::b/x", {}) == "allowed"
    assert audit_iam.decide(doc, "s3:GetObject", "arn:aws:s3:::b/secret/x", {}) == "denied"
    assert audit_iam.decide(doc, "s3:PutObject", "arn:aws:s3:::b/x", {}) == "implicitly denied"
    with pytest.raises(audit_iam.UnsupportedCondition):
        audit_iam.decide({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                                         "Condition": {"DateLessThan": {"aws:CurrentTime": "x"}}}]},
                         "s3:GetObject", "*", {})
