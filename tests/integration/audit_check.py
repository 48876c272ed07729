"""The wire audit's checker (docs/AUDIT.md): every recorded request (audit_proxy.Exchange)
is checked with botocore's own service models and signer.

- which service and operation it is: the SigV4 credential scope names the service (or, for
  an unsigned call, the X-Amz-Target prefix); JSON protocols name the operation in
  X-Amz-Target, query protocols in Action, REST ones by method + the model's requestUri;
- its input, taken apart the way the protocol puts it together (JSON body; query
  form fields; URI labels, query string, headers and payload for REST), is validated with
  botocore's ParamValidator against the operation's input shape; unknown members count;
- its SigV4 signature is recomputed with botocore (SigV4Auth, S3SigV4Auth for S3, the
  query form for presigned URLs) from the same date, credentials, region and signed
  headers, and compared; S3's x-amz-content-sha256 must be the body's hash;
- the real-AWS rules moto does not enforce (RULES below), each named by the issue item
  whose fix it guards, where there is one.

`audit(exchanges)` returns a Report; `Report.summary()` is the one line the suite prints."""
import base64
import binascii
import copy
import datetime
import hashlib
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.session
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials
from botocore.validate import ParamValidator

SERVICES = ("dynamodb", "s3", "cognito-idp", "xray", "iam", "sts", "ec2")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# Request headers any HTTP client or SigV4 sends that no operation models as a member.
TRANSPORT_HEADERS = {
    "host", "content-length", "content-type", "user-agent", "accept", "accept-encoding",
    "connection", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-target",
    "x-amz-content-sha256", "x-amzn-trace-id", "expect", "transfer-encoding",
    "amz-sdk-invocation-id", "amz-sdk-request", "content-md5", "x-amz-user-agent",
}
# Query parameters of a presigned URL (SigV4 in the query string).
PRESIGN_QUERY = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                 "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}
# Unreserved characters of RFC 3986, which UriEncode leaves alone.
UNRESERVED = "-_.~"

# The real-AWS rules: name -> (issue item or None, what it asks).
RULES = {
    "unchanged-throughput": (1, "UpdateTable sends no ProvisionedThroughput equal to the "
                                "table's or index's current one"),
    "pool-update-input-only": (3, "UpdateUserPool carries only members of its input shape"),
    "client-update-input-only": (4, "UpdateUserPoolClient carries only members of its input "
                                    "shape"),
    "transact-token": (5, "TransactWriteItems carries a ClientRequestToken"),
    "s3-canonical-path": (6, "an S3 request's signature is the one S3 computes, over "
                             "UriEncode of the decoded path (every byte but unreserved "
                             "ones and '/' encoded), whatever form the path was sent in"),
    "checksum-required": (None, "S3 operations whose model requires a request checksum "
                                "carry a correct Content-MD5 or x-amz-checksum-*"),
    "location-constraint": (None, "CreateBucket outside us-east-1 names its region in "
                                  "LocationConstraint"),
    "batch-limits": (None, "BatchWriteItem <= 25 requests, BatchGetItem <= 100 keys, "
                           "TransactWriteItems <= 100 actions, DeleteObjects <= 1000 keys"),
}

_session = botocore.session.get_session()
# Summary lines of the audits of this test session, for the closing lines of pytest's
# output (conftest.py pytest_terminal_summary).
SUMMARIES = []
_models = {}


def model(name):
    if name not in _models:
        _models[name] = _session.get_service_model(name)
    return _models[name]


def _by_signing_name():
    out = {}
    for n in SERVICES:
        out[model(n).signing_name] = n
    return out


class Finding:
    """kind: 'invalid', 'signature' or 'rule'; rule: a RULES key or None; item: issue item."""

    def __init__(self, index, ex, kind, message, rule=None, item=None):
        self.index, self.ex, self.kind, self.message = index, ex, kind, message
        self.rule, self.item = rule, item

    def __str__(self):
        tag = f" [{self.rule}, item {self.item}]" if self.item else (
            f" [{self.rule}]" if self.rule else "")
        return (f"#{self.index} {self.ex.label}: {self.ex.method} {self.ex.target[:100]}: "
                f"{self.kind}{tag}: {self.message}")


class Call:
    """One identified request: service, operation model, parsed params."""

    def __init__(self, index, ex, service, op, params):
        self.index, self.ex, self.service, self.op, self.params = index, ex, service, op, params

    @property
    def name(self):
        return f"{self.service}:{self.op.name}"


class Report:
    def __init__(self):
        self.calls = []            # Call, one per identified request
        self.public = []           # exchanges that fetched a public document, no operation
        self.findings = []
        self.requests = 0

    def count(self, kind):
        return len({f.index for f in self.findings if f.kind == kind})

    def operations(self):
        return sorted({c.name for c in self.calls})

    def summary(self):
        return (f"audit: {self.requests} requests, {len(self.operations())} operations, "
                f"{self.count('invalid')} invalid, {self.count('signature')} signature "
                f"mismatches, {self.count('rule')} real-AWS rule violations")

    def of_item(self, item):
        return [f for f in self.findings if f.item == item]

    def details(self):
        return "\n".join(str(f) for f in self.findings)


# ---------------------------------------------------------------------------------------
# identifying the operation

def _auth_parts(ex):
    """(credential scope list [akid, date, region, service, 'aws4_request'], signed header
    names, signature, presigned?) or None for an unsigned request."""
    auth = ex.header("Authorization")
    if auth:
        m = re.match(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),"
                     r"\s*Signature=([0-9a-f]+)\s*$", auth)
        if not m:
            return ("malformed", auth)
        return (m.group(1).split("/"), m.group(2).split(";"), m.group(3), False)
    q = dict(urllib.parse.parse_qsl(ex.query, keep_blank_values=True))
    if "X-Amz-Signature" in q:
        return (q.get("X-Amz-Credential", "").split("/"),
                q.get("X-Amz-SignedHeaders", "").split(";"), q["X-Amz-Signature"], True)
    return None


def _service_of(ex, auth):
    if auth and auth[0] != "malformed" and len(auth[0]) == 5:
        return _by_signing_name().get(auth[0][3])
    target = ex.header("X-Amz-Target") or ""
    for n in SERVICES:
        prefix = model(n).metadata.get("targetPrefix")
        if prefix and target.startswith(prefix + "."):
            return n
    return None


def _uri_regex(uri):
    """(path regex, {label: greedy?}, literal query {key: value or None})."""
    path, _, query = uri.partition("?")
    rx, labels = "", {}
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            name = part[1:-1]
            greedy = name.endswith("+")
            name = name.rstrip("+")
            labels[name] = greedy
            rx += f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)"
        else:
            rx += re.escape(part)
    lits = {}
    for kv in filter(None, query.split("&")):
        k, eq, v = kv.partition("=")
        lits[k] = v if eq else None
    return re.compile("^" + rx + "$"), labels, lits


def _rest_operation(service, ex):
    sm = model(service)
    q = urllib.parse.parse_qs(ex.query, keep_blank_values=True)
    best, best_score = None, None
    for name in sm.operation_names:
        op = sm.operation_model(name)
        if op.http.get("method") != ex.method:
            continue
        rx, _, lits = _uri_regex(op.http["requestUri"])
        m = rx.match(ex.path)
        if not m:
            continue
        ok = True
        for k, v in lits.items():
            if k == "x-id":
                continue
            if k not in q or (v is not None and q[k][0] != v):
                ok = False
        if not ok:
            continue
        # same URI (PutObject / CopyObject / UploadPart): the one whose required header
        # and query members are all there, then the one that names more of the query
        missing = used = 0
        if op.input_shape is not None:
            for req in op.input_shape.required_members:
                mem = op.input_shape.members[req]
                loc = mem.serialization.get("location")
                lname = mem.serialization.get("name", req)
                if (loc == "header" and ex.header(lname) is None) or \
                        (loc == "querystring" and lname not in q):
                    missing += 1
            used = sum(1 for mem in op.input_shape.members.values()
                       if mem.serialization.get("location") == "querystring"
                       and mem.serialization.get("name") in q)
        score = (len([k for k in lits if k != "x-id"]), -missing, used, len(rx.pattern))
        if best_score is None or score > best_score:
            best, best_score = (op, m, lits), score
    return best


# ---------------------------------------------------------------------------------------
# taking the input apart

def _scalar(shape, text, problems, where):
    t = shape.type_name
    if t in ("integer", "long"):
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if t in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            return text
    if t == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if t == "blob":
        return text.encode()
    return text


def _query_params(shape, flat, ec2, problems):
    """The structure `shape` from the flat form fields of the query / EC2 protocols."""
    used = set()

    def key_for(name, m):
        if ec2:
            q = m.serialization.get("queryName")
            if q:
                return q
            n = m.serialization.get("name", name)
            return n[0].upper() + n[1:]
        return m.serialization.get("name", name)

    def parse(sh, full):
        t = sh.type_name
        if t == "structure":
            out = {}
            for n, m in sh.members.items():
                v = parse(m, f"{full}.{key_for(n, m)}" if full else key_for(n, m))
                if v is not None:
                    out[n] = v
            return out or None
        if t == "list":
            if full in flat and flat[full] == "":
                used.add(full)
                return []
            if ec2 or sh.serialization.get("flattened"):
                base = full
            else:
                base = f"{full}.{sh.member.serialization.get('name', 'member')}"
            items, i = [], 1
            while True:
                v = parse(sh.member, f"{base}.{i}")
                if v is None:
                    break
                items.append(v)
                i += 1
            return items or None
        if t == "map":
            out, i = {}, 1
            kname = sh.key.serialization.get("name", "key")
            vname = sh.value.serialization.get("name", "value")
            base = full if sh.serialization.get("flattened") else f"{full}.entry"
            while f"{base}.{i}.{kname}" in flat:
                k = parse(sh.key, f"{base}.{i}.{kname}")
                out[k] = parse(sh.value, f"{base}.{i}.{vname}")
                i += 1
            return out or None
        if full in flat:
            used.add(full)
            return _scalar(sh, flat[full], problems, full)
        return None

    params = parse(shape, "") or {} if shape is not None else {}
    for k in flat:
        if k not in used and k not in ("Action", "Version"):
            problems.append(f"unknown parameter {k}")
    return params


def _xml_params(shape, el, problems, where):
    t = shape.type_name
    if t == "structure":
        out = {}
        names = {m.serialization.get("name", n): (n, m) for n, m in shape.members.items()}
        for child in el:
            tag = child.tag.split("}")[-1]
            if tag not in names:
                problems.append(f"unknown element {where}/{tag}")
                continue
            n, m = names[tag]
            if m.type_name == "list" and m.serialization.get("flattened"):
                out.setdefault(n, []).append(_xml_params(m.member, child, problems,
                                                         f"{where}/{tag}"))
            else:
                out[n] = _xml_params(m, child, problems, f"{where}/{tag}")
        return out
    if t == "list":
        return [_xml_params(shape.member, c, problems, where) for c in el]
    if t == "map":
        return {}
    return _scalar(shape, el.text or "", problems, where)


def _rest_params(service, op, m, lits, ex, problems):
    shape = op.input_shape
    params = {}
    q = urllib.parse.parse_qs(ex.query, keep_blank_values=True)
    used_q = set(lits) | PRESIGN_QUERY
    used_h = set(TRANSPORT_HEADERS)
    payload = None
    if shape is not None:
        payload = shape.serialization.get("payload")
        for name, mem in shape.members.items():
            loc = mem.serialization.get("location")
            lname = mem.serialization.get("name", name)
            if loc == "uri":
                if lname in m.groupdict():
                    params[name] = urllib.parse.unquote(m.group(lname))
            elif loc == "querystring":
                used_q.add(lname)
                if lname in q:
                    vals = q[lname]
                    if mem.type_name == "list":
                        params[name] = [_scalar(mem.member, v, problems, lname) for v in vals]
                    else:
                        params[name] = _scalar(mem, vals[0], problems, lname)
            elif loc == "header":
                used_h.add(lname.lower())
                v = ex.header(lname)
                if v is not None:
                    if mem.type_name == "timestamp":
                        params[name] = v
                    elif mem.type_name == "list":
                        params[name] = [s.strip() for s in v.split(",")]
                    else:
                        params[name] = _scalar(mem, v, problems, lname)
            elif loc == "headers":
                prefix = lname.lower()
                got = {k[len(prefix):]: v for k, v in ex.headers if k.lower().startswith(prefix)}
                used_h.update(k.lower() for k, v in ex.headers if k.lower().startswith(prefix))
                if got:
                    params[name] = got
    for k in q:
        if k not in used_q:
            problems.append(f"unknown query parameter {k}")
    for k, _ in ex.headers:
        if k.lower().startswith("x-amz-") and k.lower() not in used_h \
                and not k.lower().startswith("x-amz-checksum-"):
            problems.append(f"header {k} is no member of {op.name}'s input")
    body = ex.body
    if shape is None:
        if body:
            problems.append(f"{op.name} takes no body, {len(body)} bytes sent")
        return params
    if payload:
        mem = shape.members[payload]
        if mem.type_name in ("blob", "string"):
            if body:
                params[payload] = body
        elif body:
            if model(service).protocol == "rest-xml":
                try:
                    root = ET.fromstring(body)
                except ET.ParseError as e:
                    problems.append(f"payload is not XML: {e}")
                    return params
                tag = root.tag.split("}")[-1]
                want = mem.serialization.get("name", payload)
                if tag != want:
                    problems.append(f"payload root element {tag}, the model names {want}")
                params[payload] = _xml_params(mem, root, problems, tag)
            else:
                try:
                    params[payload] = json.loads(body)
                except ValueError as e:
                    problems.append(f"payload is not JSON: {e}")
    else:
        body_members = [n for n, mm in shape.members.items()
                        if "location" not in mm.serialization]
        if body and model(service).protocol == "rest-xml":
            problems.append(f"{op.name} takes no body, {len(body)} bytes sent")
        elif body:
            try:
                doc = json.loads(body)
            except ValueError as e:
                problems.append(f"body is not JSON: {e}")
                return params
            if not isinstance(doc, dict):
                problems.append("body is not a JSON object")
                return params
            for k, v in doc.items():
                if k not in body_members:
                    problems.append(f"unknown member {k}")
                params[k] = v
    return params


def _timestamps_to_datetime(shape, value):
    """JSON protocols send timestamps as epoch seconds; the validator wants datetimes."""
    if shape is None:
        return value
    t = shape.type_name
    if t == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    if t == "structure" and isinstance(value, dict):
        return {k: _timestamps_to_datetime(shape.members.get(k), v) for k, v in value.items()}
    if t == "list" and isinstance(value, list):
        return [_timestamps_to_datetime(shape.member, v) for v in value]
    if t == "map" and isinstance(value, dict):
        return {k: _timestamps_to_datetime(shape.value, v) for k, v in value.items()}
    return value


# Public documents served on an AWS endpoint that are no API operation (no model, no
# signature): the user pool's JSON Web Key Set and OpenID configuration.
PUBLIC_DOCUMENTS = re.compile(r"^/[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+/\.well-known/"
                              r"(jwks\.json|openid-configuration)$")


def public_document(ex):
    """True for an unsigned GET of a PUBLIC_DOCUMENTS path without a query."""
    return (ex.method == "GET" and not ex.query and PUBLIC_DOCUMENTS.match(ex.path) is not None
            and _auth_parts(ex) is None)


def identify(ex, problems):
    """(service, operation model, params) for ex, problems appended; None when unknown."""
    auth = _auth_parts(ex)
    if auth and auth[0] == "malformed":
        problems.append(f"malformed Authorization header {auth[1][:80]!r}")
        auth = None
    service = _service_of(ex, auth)
    if not service:
        problems.append("no AWS service recognised (credential scope, X-Amz-Target)")
        return None
    sm = model(service)
    proto = sm.protocol
    if proto == "json":
        target = ex.header("X-Amz-Target") or ""
        prefix, _, opname = target.partition(".")
        if prefix != sm.metadata.get("targetPrefix") or opname not in sm.operation_names:
            problems.append(f"X-Amz-Target {target!r} is no {service} operation")
            return None
        op = sm.operation_model(opname)
        want_ct = f"application/x-amz-json-{sm.metadata.get('jsonVersion', '1.0')}"
        ct = (ex.header("Content-Type") or "").split(";")[0].strip()
        if ct != want_ct:
            problems.append(f"Content-Type {ct!r}, {service} wants {want_ct}")
        if ex.method != "POST" or ex.path != "/":
            problems.append(f"{ex.method} {ex.path}: JSON protocol calls are POST /")
        try:
            params = json.loads(ex.body or b"{}")
        except ValueError as e:
            problems.append(f"body is not JSON: {e}")
            return service, op, {}
        if not isinstance(params, dict):
            problems.append("body is not a JSON object")
            return service, op, {}
        return service, op, params
    if proto in ("query", "ec2"):
        fields = dict(urllib.parse.parse_qsl(ex.query, keep_blank_values=True))
        if ex.method == "POST" and ex.body:
            ct = (ex.header("Content-Type") or "").split(";")[0].strip()
            if ct != "application/x-www-form-urlencoded":
                problems.append(f"Content-Type {ct!r} for a query-protocol body")
            for k, v in urllib.parse.parse_qsl(ex.body.decode("utf-8", "replace"),
                                               keep_blank_values=True):
                if k in fields:
                    problems.append(f"parameter {k} twice")
                fields[k] = v
        opname = fields.get("Action")
        if opname not in sm.operation_names:
            problems.append(f"Action {opname!r} is no {service} operation")
            return None
        if fields.get("Version") != sm.api_version:
            problems.append(f"Version {fields.get('Version')!r}, {service} is {sm.api_version}")
        op = sm.operation_model(opname)
        params = _query_params(op.input_shape, fields, proto == "ec2", problems)
        return service, op, params
    found = _rest_operation(service, ex)
    if not found:
        problems.append(f"{ex.method} {ex.path} matches no {service} operation")
        return None
    op, m, lits = found
    params = _rest_params(service, op, m, lits, ex, problems)
    return service, op, params


# ---------------------------------------------------------------------------------------
# the signature

class _Exact(SigV4Auth):
    """SigV4 over exactly the headers the request says it signed."""

    def __init__(self, creds, service, region, signed, payload=None):
        super().__init__(creds, service, region)
        self._signed = signed
        self._payload = payload

    def headers_to_sign(self, request):
        h = HTTPHeaders()
        for name in self._signed:
            vals = [v for k, v in request.headers.items() if k.lower() == name]
            if vals:
                h[name] = ",".join(vals)
        return h

    def payload(self, request):
        return self._payload if self._payload is not None else super().payload(request)


class _ExactS3(_Exact, S3SigV4Auth):
    pass


def check_signature(ex, service, secrets):
    """Problems with ex's signature (empty when botocore computes the same one)."""
    auth = _auth_parts(ex)
    if auth is None:
        return []                       # unsigned; the caller decides whether it may be
    if auth[0] == "malformed":
        return ["malformed Authorization header"]
    scope, signed, signature, presigned = auth
    if len(scope) != 5 or scope[4] != "aws4_request":
        return [f"credential scope {'/'.join(scope)!r} is not akid/date/region/service/aws4_request"]
    akid, day, region, svc, _ = scope
    if akid not in secrets:
        return [f"access key {akid} is not one the audit knows"]
    problems = []
    if presigned:
        q = urllib.parse.parse_qsl(ex.query, keep_blank_values=True)
        amz_date = dict(q).get("X-Amz-Date", "")
        rest = "&".join(p for p in ex.query.split("&") if not p.startswith("X-Amz-Signature="))
        url = "http://h" + ex.path + ("?" + rest if rest else "")
        payload = UNSIGNED_PAYLOAD
    else:
        amz_date = ex.header("X-Amz-Date") or ""
        url = "http://h" + ex.target
        payload = None
        if "host" not in signed:
            problems.append("the Host header is not signed")
        if "x-amz-date" not in signed and "date" not in signed:
            problems.append("neither X-Amz-Date nor Date is signed")
    if not amz_date.startswith(day):
        problems.append(f"X-Amz-Date {amz_date!r} is not of the scope's day {day}")
    headers = HTTPHeaders()
    for k, v in ex.headers:
        headers[k] = v
    req = AWSRequest(method=ex.method, url=url, headers=headers, data=ex.body)
    req.context["timestamp"] = amz_date
    creds = Credentials(akid, secrets[akid], ex.header("X-Amz-Security-Token"))
    cls = _ExactS3 if service == "s3" else _Exact
    signer = cls(creds, svc, region, signed, payload)
    if service == "s3" and not presigned:
        sha = ex.header("X-Amz-Content-SHA256")
        if sha is None:
            problems.append("S3 request without x-amz-content-sha256")
        elif sha != UNSIGNED_PAYLOAD and not sha.startswith("STREAMING-") \
                and sha != hashlib.sha256(ex.body).hexdigest():
            problems.append("x-amz-content-sha256 is not the SHA-256 of the body sent")
    canonical = signer.canonical_request(req)
    mine = signer.signature(signer.string_to_sign(req, canonical), req)
    if mine != signature:
        problems.append(f"signature {signature[:16]}... is not the one botocore computes "
                        f"({mine[:16]}...); canonical request:\n{canonical}")
    return problems


# ---------------------------------------------------------------------------------------
# real-AWS rules

def _s3_canonical(path):
    return urllib.parse.quote(urllib.parse.unquote(path), safe="/" + UNRESERVED)


def _described_table(calls, before, table):
    """The Table of the last successful DescribeTable of `table` before call index."""
    for c in reversed(calls):
        if c.index >= before:
            continue
        if c.name == "dynamodb:DescribeTable" and c.params.get("TableName") == table \
                and c.ex.status == 200:
            try:
                return json.loads(c.ex.response_body)["Table"]
            except (ValueError, KeyError):
                return None
    return None


def _throughput(pt):
    return (pt or {}).get("ReadCapacityUnits"), (pt or {}).get("WriteCapacityUnits")


def _check_md5_or_checksum(ex):
    md5 = ex.header("Content-MD5")
    if md5 is not None:
        want = base64.b64encode(hashlib.md5(ex.body).digest()).decode()
        return [] if md5 == want else [f"Content-MD5 {md5} is not the body's ({want})"]
    for k, v in ex.headers:
        kl = k.lower()
        if kl.startswith("x-amz-checksum-") and kl != "x-amz-checksum-type":
            alg = kl[len("x-amz-checksum-"):]
            digest = {"sha256": lambda b: hashlib.sha256(b).digest(),
                      "sha1": lambda b: hashlib.sha1(b).digest(),
                      "crc32": lambda b: binascii.crc32(b).to_bytes(4, "big")}.get(alg)
            if digest and v != base64.b64encode(digest(ex.body)).decode():
                return [f"{k} is not the body's {alg}"]
            return []
    return ["no Content-MD5 and no x-amz-checksum-* header, which the operation requires"]


def rules(call, calls):
    """[(rule, message)] broken by one call."""
    out = []
    ex, p, name = call.ex, call.params, call.name
    region = None
    auth = _auth_parts(ex)
    if auth and auth[0] != "malformed" and len(auth[0]) == 5:
        region = auth[0][2]
    if name == "dynamodb:UpdateTable":
        table = _described_table(calls, call.index, p.get("TableName"))
        if table is None:
            out.append(("unchanged-throughput", "no DescribeTable answer before this "
                        "UpdateTable to compare its throughput with"))
        else:
            mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
            # (a switch from on-demand must name the throughput, changed or not)
            if "ProvisionedThroughput" in p and mode == "PROVISIONED" and \
                    p.get("BillingMode", "PROVISIONED") == "PROVISIONED" and \
                    _throughput(p["ProvisionedThroughput"]) == \
                    _throughput(table.get("ProvisionedThroughput")):
                out.append(("unchanged-throughput", "the table's ProvisionedThroughput "
                            f"{_throughput(p['ProvisionedThroughput'])} is what it has"))
            indexes = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes") or []}
            for u in p.get("GlobalSecondaryIndexUpdates") or []:
                upd = (u or {}).get("Update")
                if upd and upd.get("IndexName") in indexes and mode == "PROVISIONED" and \
                        _throughput(upd.get("ProvisionedThroughput")) == \
                        _throughput(indexes[upd["IndexName"]].get("ProvisionedThroughput")):
                    out.append(("unchanged-throughput", f"index {upd['IndexName']}'s "
                                "ProvisionedThroughput is what it has"))
    if name in ("cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient"):
        rule = "pool-update-input-only" if name.endswith("Pool") else "client-update-input-only"
        extra = sorted(set(p) - set(call.op.input_shape.members))
        if extra:
            out.append((rule, f"members not in the input shape: {', '.join(extra)}"))
    if name == "dynamodb:TransactWriteItems":
        if not p.get("ClientRequestToken"):
            out.append(("transact-token", "no ClientRequestToken: a retry after a commit "
                        "fails instead of being answered as the same transaction"))
        if len(p.get("TransactItems") or []) > 100:
            out.append(("batch-limits", f"{len(p['TransactItems'])} actions (at most 100)"))
    if call.service == "s3":
        hc = call.op.http_checksum or {}
        if call.op.http_checksum_required or hc.get("requestChecksumRequired"):
            for msg in _check_md5_or_checksum(ex):
                out.append(("checksum-required", msg))
        if call.op.name == "CreateBucket" and region and region != "us-east-1":
            lc = (p.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
            if lc != region:
                out.append(("location-constraint", f"LocationConstraint {lc!r} in {region}"))
        if call.op.name == "DeleteObjects":
            n = len((p.get("Delete") or {}).get("Objects") or [])
            if n > 1000:
                out.append(("batch-limits", f"DeleteObjects of {n} keys (at most 1000)"))
    if name == "dynamodb:BatchWriteItem":
        n = sum(len(v or []) for v in (p.get("RequestItems") or {}).values())
        if n > 25:
            out.append(("batch-limits", f"BatchWriteItem of {n} requests (at most 25)"))
    if name == "dynamodb:BatchGetItem":
        n = sum(len((v or {}).get("Keys") or []) for v in (p.get("RequestItems") or {}).values())
        if n > 100:
            out.append(("batch-limits", f"BatchGetItem of {n} keys (at most 100)"))
    return out


# ---------------------------------------------------------------------------------------

# Operations AWS serves without SigV4 (the model's authtype "none" or auth ["smithy.api#noAuth"]).
def _unsigned_ok(op):
    return op.auth_type == "none" or "smithy.api#noAuth" in (op.auth or [])


def _item_of_invalid(call):
    if call is None:
        return None, None
    if call.name == "cognito-idp:UpdateUserPool":
        return "pool-update-input-only", 3
    if call.name == "cognito-idp:UpdateUserPoolClient":
        return "client-update-input-only", 4
    return None, None


def audit(exchanges, secrets):
    """Checks every exchange; secrets maps access key id -> secret key."""
    report = Report()
    validator = ParamValidator()
    for i, ex in enumerate(exchanges):
        report.requests += 1
        if public_document(ex):
            report.public.append(ex)
            continue
        problems = []
        got = identify(ex, problems)
        call = None
        if got:
            service, op, params = got
            call = Call(i, ex, service, op, params)
            report.calls.append(call)
            if op.input_shape is not None:
                v = validator.validate(_timestamps_to_datetime(op.input_shape, params),
                                       op.input_shape)
                if v.has_errors():
                    problems += v.generate_report().splitlines()
            if _auth_parts(ex) is None and not _unsigned_ok(op):
                report.findings.append(Finding(i, ex, "signature",
                                               f"{op.name} needs SigV4 and is unsigned"))
            for msg in check_signature(ex, service, secrets):
                report.findings.append(Finding(i, ex, "signature", msg))
            if service == "s3" and _s3_canonical(ex.path) != ex.path:
                # S3 signs UriEncode(the decoded path), whatever form was sent
                as_s3 = copy.copy(ex)
                as_s3.path = _s3_canonical(ex.path)
                as_s3.target = as_s3.path + ("?" + ex.query if ex.query else "")
                if any(m.startswith("signature ") for m in
                       check_signature(as_s3, service, secrets)):
                    report.findings.append(Finding(
                        i, ex, "rule", f"path {ex.path!r} is signed as sent; S3 computes the "
                        f"signature over {as_s3.path!r}, which does not match",
                        "s3-canonical-path", RULES["s3-canonical-path"][0]))
        rule, item = _item_of_invalid(call)
        for msg in problems:
            report.findings.append(Finding(i, ex, "invalid", msg.strip(), rule, item))
    for call in report.calls:
        for rule, msg in rules(call, report.calls):
            report.findings.append(Finding(call.index, call.ex, "rule", msg, rule,
                                           RULES[rule][0]))
    return report
