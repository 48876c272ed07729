"""IAM side of the wire audit (docs/AUDIT.md): what each audited call needs from IAM, and
whether a policy document allows it.

`needs(call)` turns one identified call (audit_check.Call) into the IAM requests AWS
authorises for it: (action, resource ARN, condition context). It follows AWS's Service
Authorization Reference where the action is not simply service:Operation (S3's
HeadBucket is s3:ListBucket, TransactWriteItems is the per-item actions, ...); an
S3 HeadObject/GetObject answered 404 also needs s3:ListBucket on the bucket, without
which S3 answers 403 instead.

`decide(policy, action, resource, context)` evaluates an identity policy the way IAM does
for one account: an explicit Deny wins, else some Allow must match, else denied. Action
and Resource matching is moto's evaluator (moto.iam.access_control.IAMPolicyStatement);
conditions are evaluated here, because moto's skips every operator but StringEquals and
treats a missing key as a match, where IAM treats it as no match."""
import fnmatch
import json
import re

from moto.iam.access_control import IAMPolicyStatement, PermissionResult

ACCOUNT = "123456789012"        # moto's account
PARTITION = "aws"


def _arn(service, region, resource):
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT}:{resource}"


S3_ACTIONS = {
    "HeadBucket": "ListBucket", "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions", "HeadObject": "GetObject",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject", "ListMultipartUploads": "ListBucketMultipartUploads",
    "AbortMultipartUpload": "AbortMultipartUpload",
    "DeleteObjects": "DeleteObject",
}
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
# Calls IAM does not authorise: STS GetCallerIdentity needs no permission; operations the
# model marks as needing no SigV4 (Cognito's SignUp, InitiateAuth, GetUser, ChangePassword,
# ... are authorised by the client id or the user's access token) are left out by needs().
FREE = {"sts:GetCallerIdentity"}
# Calls made only against the local stand-in, never on AWS; needs() leaves them out and
# local_only() names them. AdminConfirmSignUp confirms a sign-up in place of the emailed
# code, which moto cannot send (lib/auth/cognito_auth.c; made an explicit setting of the
# local configs by issue item 3).
LOCAL_ONLY = {"cognito-idp:AdminConfirmSignUp": "confirms sign-ups on the local stand-in "
                                                "in place of the emailed code"}
# The role stage 0 hands to the EC2 instance (iam:PassRole on associating it).
ROLE = "workshop-cloud9-instance-profile-role"


def _region(call):
    auth = call.ex.header("Authorization") or ""
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", auth)
    return m.group(1) if m else "us-east-1"


def needs(call):
    """[(action, resource, context dict)] IAM checks for one call; [] for calls IAM does
    not authorise (unsigned Cognito user calls, GetCallerIdentity)."""
    if call.ex.header("Authorization") is None and "X-Amz-Signature" not in call.ex.query:
        return []
    if call.name in FREE or call.name in LOCAL_ONLY:
        return []
    if call.op.auth_type == "none" or "smithy.api#noAuth" in (call.op.auth or []):
        return []
    svc, op, p = call.service, call.op.name, call.params
    region = _region(call)
    out = []
    if svc == "dynamodb":
        def table(name):
            return _arn("dynamodb", region, f"table/{name}")
        if op in ("BatchWriteItem", "BatchGetItem"):
            for name in (p.get("RequestItems") or {}):
                out.append((f"dynamodb:{op}", table(name), {}))
        elif op in ("TransactWriteItems", "TransactGetItems"):
            for item in p.get("TransactItems") or []:
                for kind, body in item.items():
                    out.append((f"dynamodb:{TRANSACT_ACTIONS[kind]}", table(body["TableName"]),
                                {}))
        elif op in ("ListTables",):
            out.append((f"dynamodb:{op}", "*", {}))
        elif p.get("IndexName"):
            out.append((f"dynamodb:{op}", table(p["TableName"]) + f"/index/{p['IndexName']}",
                        {}))
        else:
            out.append((f"dynamodb:{op}", table(p.get("TableName", "*")), {}))
    elif svc == "s3":
        bucket = p.get("Bucket")
        action = "s3:" + S3_ACTIONS.get(op, op)
        if op == "ListBuckets":
            out.append(("s3:ListAllMyBuckets", "*", {}))
        elif op == "DeleteObjects":
            for o in (p.get("Delete") or {}).get("Objects") or []:
                out.append((action, f"arn:{PARTITION}:s3:::{bucket}/{o.get('Key')}", {}))
        elif "Key" in p:
            out.append((action, f"arn:{PARTITION}:s3:::{bucket}/{p['Key']}", {}))
            if op == "CopyObject":
                src = str(p.get("CopySource", "")).lstrip("/").split("?")[0]
                out.append(("s3:GetObject", f"arn:{PARTITION}:s3:::{src}", {}))
            if op in ("HeadObject", "GetObject") and call.ex.status == 404:
                out.append(("s3:ListBucket", f"arn:{PARTITION}:s3:::{bucket}", {}))
        else:
            ctx = {}
            if op in ("ListObjects", "ListObjectsV2", "ListObjectVersions") and "Prefix" in p:
                ctx["s3:prefix"] = p["Prefix"]
            out.append((action, f"arn:{PARTITION}:s3:::{bucket}", ctx))
    elif svc == "cognito-idp":
        pool = p.get("UserPoolId")
        out.append((f"cognito-idp:{op}", _arn("cognito-idp", region, f"userpool/{pool}")
                    if pool else "*", {}))
    elif svc == "xray":
        out.append((f"xray:{op}", "*", {}))
    elif svc == "iam":
        def iam_arn(kind, name):
            return f"arn:{PARTITION}:iam::{ACCOUNT}:{kind}/{name}"
        if op in ("AttachRolePolicy", "DetachRolePolicy"):
            out.append((f"iam:{op}", iam_arn("role", p.get("RoleName")),
                        {"iam:PolicyARN": p.get("PolicyArn")}))
        elif "InstanceProfileName" in p:
            out.append((f"iam:{op}", iam_arn("instance-profile", p["InstanceProfileName"]), {}))
            if op == "AddRoleToInstanceProfile":
                out.append(("iam:PassRole", iam_arn("role", p.get("RoleName")), {}))
        elif "PolicyArn" in p:
            out.append((f"iam:{op}", p["PolicyArn"], {}))
        elif "RoleName" in p:
            out.append((f"iam:{op}", iam_arn("role", p["RoleName"]), {}))
        elif "PolicyName" in p:
            out.append((f"iam:{op}", iam_arn("policy", p["PolicyName"]), {}))
        else:
            out.append((f"iam:{op}", "*", {}))
    elif svc == "ec2":
        if op.startswith("Describe"):
            out.append((f"ec2:{op}", "*", {}))
        else:
            inst = p.get("InstanceId")
            out.append((f"ec2:{op}", _arn("ec2", region, f"instance/{inst}") if inst else "*",
                        {}))
            if op in ("AssociateIamInstanceProfile", "ReplaceIamInstanceProfileAssociation"):
                out.append(("iam:PassRole", f"arn:{PARTITION}:iam::{ACCOUNT}:role/{ROLE}", {}))
    else:
        out.append((f"{svc}:{op}", "*", {}))
    return out


def pattern(resource):
    """resource with what varies per call shown as '*' (S3 keys below their first folder),
    for listing; evaluation always uses the full ARN."""
    m = re.match(r"^(arn:[^:]+:s3:::[^/]+/)([^/]+/)?(.+)$", resource)
    if m:
        return m.group(1) + (m.group(2) or "") + "*"
    return resource


# ---------------------------------------------------------------------------------------
# evaluation

def fill(text, **values):
    """A policy document with its ${name}s filled in (stage 0 does the same)."""
    def sub(m):
        return values[m.group(1)]
    return json.loads(re.sub(r"\$\{([a-z_]+)\}", sub, text))


class UnsupportedCondition(Exception):
    pass


def _like(pattern, value):
    return fnmatch.fnmatchcase(value, pattern)


_OPS = {
    "StringEquals": lambda want, have: have == want,
    "StringNotEquals": lambda want, have: have != want,
    "StringLike": lambda want, have: _like(want, have),
    "StringNotLike": lambda want, have: not _like(want, have),
    "ArnEquals": lambda want, have: have == want,
    "ArnLike": lambda want, have: _like(want, have),
    "Bool": lambda want, have: str(have).lower() == str(want).lower(),
}


def _conditions_hold(cond, context):
    for op, pairs in (cond or {}).items():
        if_exists = op.endswith("IfExists")
        base = op[:-len("IfExists")] if if_exists else op
        for key, wants in pairs.items():
            wants = wants if isinstance(wants, list) else [wants]
            if base == "Null":
                present = key in context
                if any((str(w).lower() == "true") == present for w in wants):
                    return False
                continue
            if base not in _OPS:
                raise UnsupportedCondition(f"condition operator {op} is not evaluated here")
            if key not in context:
                if if_exists:
                    continue
                return False                 # IAM: a missing key matches nothing
            negated = base.startswith("StringNot")
            results = [_OPS[base](str(w), str(context[key])) for w in wants]
            if not (all(results) if negated else any(results)):
                return False
    return True


def decide(policy, action, resource, context):
    """'allowed', 'denied' (explicit Deny) or 'implicitly denied'."""
    statements = policy["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for st in statements:
        bare = {k: v for k, v in st.items() if k != "Condition"}
        r = IAMPolicyStatement(bare).is_action_permitted(action, resource)
        if r == PermissionResult.NEUTRAL:
            continue
        if not _conditions_hold(st.get("Condition"), context):
            continue
        if st["Effect"] == "Deny":
            return "denied"
        allowed = True
    return "allowed" if allowed else "implicitly denied"
