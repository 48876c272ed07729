#!/usr/bin/env python3
"""A latency-shaped STAND-IN for S3 and DynamoDB, for benchmarks only (not an emulator).

Real S3 and DynamoDB are latency-bound from a client's side: a PUT takes tens of
milliseconds, a DynamoDB write about ten, whatever the client's CPU. moto is CPU-bound
(one Python process doing real work per request), so a benchmark against moto measures
moto. This stand-in answers every request after a fixed delay (default 30 ms for S3,
10 ms for DynamoDB) and does almost nothing else, so photos/s measures how many requests
a client keeps in flight and how many it needs.

It keeps just enough state to be correct for a migration, a re-run and a verify:
objects (bytes, Content-Type, ETag) and items in memory. It checks no signature and no
permission, pages a Query only by ExclusiveStartKey order (1000 items a page), and
evaluates only the condition and update expressions cloudalbum-migrate sends
(comparisons, attribute_exists / attribute_not_exists, AND / OR / NOT; SET a = :v, ...).

    latency_standin.py [--port P] [--s3-ms 30] [--ddb-ms 10]
                       [--unprocessed-every N] [--throttle-every N]

--unprocessed-every N hands back one item of every Nth BatchWriteItem as
UnprocessedItems; --throttle-every N answers every Nth S3 PutObject/UploadPart with 503
SlowDown and every Nth DynamoDB write with ProvisionedThroughputExceededException (to
exercise a client's retries). GET /__standin/stats answers the requests counted per
operation (JSON); POST /__standin/reset forgets every bucket, table and count.

Standard library only (asyncio): hundreds of concurrent keep-alive connections in one
thread.
"""
import argparse
import asyncio
import base64
import bisect
import hashlib
import json
import re
import sys
import time
import urllib.parse
from collections import Counter
from xml.sax.saxutils import escape

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


class State:
    def __init__(self):
        self.reset()

    def reset(self):
        self.buckets = {}       # name -> Bucket: {key: (body, content_type, etag, mtime)}
        self.uploads = {}       # upload id -> (bucket, key, content_type, {part: (body, md5)})
        self.tables = {}        # name -> {"desc": ..., "hash": a, "range": a|None, "items": {}}
        self.counts = Counter()
        self.n_upload = 0
        self.n_batch = 0
        self.n_s3_put = 0
        self.n_ddb_write = 0


class Bucket(dict):
    """The objects of a bucket, with their keys kept sorted for listing (bisect)."""

    def __init__(self):
        super().__init__()
        self.keys_sorted = []

    def __setitem__(self, key, value):
        if key not in self:
            bisect.insort(self.keys_sorted, key)
        super().__setitem__(key, value)

    def pop(self, key, default=None):
        if key in self:
            i = bisect.bisect_left(self.keys_sorted, key)
            del self.keys_sorted[i]
        return super().pop(key, default)

    def listing(self, prefix, after, limit):
        """Up to limit + 1 keys under prefix after `after`, in order."""
        i = bisect.bisect_right(self.keys_sorted, after) if after >= prefix else \
            bisect.bisect_left(self.keys_sorted, prefix)
        out = []
        while i < len(self.keys_sorted) and len(out) <= limit:
            k = self.keys_sorted[i]
            if not k.startswith(prefix):
                break
            out.append(k)
            i += 1
        return out


ST = State()
ARGS = None


# ---------------------------------------------------------------- HTTP plumbing

class Request:
    __slots__ = ("method", "path", "query", "headers", "body")


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    req = Request()
    req.method = method
    raw_path, _, raw_query = target.partition("?")
    req.path = urllib.parse.unquote(raw_path)
    req.query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
    req.headers = headers
    return req


async def read_body(req, reader, writer):
    if req.headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if req.headers.get("transfer-encoding", "").lower() == "chunked":
        out = bytearray()
        while True:
            size_line = (await reader.readuntil(b"\r\n")).split(b";")[0]
            size = int(size_line.strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            out += await reader.readexactly(size)
            await reader.readexactly(2)
        body = bytes(out)
    else:
        n = int(req.headers.get("content-length") or 0)
        body = await reader.readexactly(n) if n else b""
    if "aws-chunked" in req.headers.get("content-encoding", ""):
        body = decode_aws_chunked(body)
    return body


def decode_aws_chunked(data):
    out, i = bytearray(), 0
    while i < len(data):
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        if size == 0:
            break
        out += data[j + 2:j + 2 + size]
        i = j + 2 + size + 2
    return bytes(out)


def respond(writer, status, body=b"", headers=None, head_only=False):
    reason = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found",
              409: "Conflict", 412: "Precondition Failed", 500: "Internal Server Error",
              501: "Not Implemented", 503: "Slow Down"}.get(status, "OK")
    hs = {"x-amz-request-id": "standin", "x-amzn-RequestId": "standin",
          "Content-Length": str(len(body))}
    hs.update(headers or {})
    out = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in hs.items()]
    writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
    if body and not head_only:
        writer.write(body)


async def handle(reader, writer):
    try:
        while True:
            try:
                req = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                return
            req.body = await read_body(req, reader, writer)
            if req.path.startswith("/__standin/"):
                status, body, hs, delay = control(req)
            elif "x-amz-target" in req.headers:
                status, body, hs = dynamodb(req)
                delay = ARGS.ddb_ms
            else:
                status, body, hs = s3(req)
                delay = ARGS.s3_ms
            if delay:
                await asyncio.sleep(delay / 1000.0)
            respond(writer, status, body, hs, head_only=req.method == "HEAD")
            await writer.drain()
            if req.headers.get("connection", "").lower() == "close":
                return
    except Exception as e:  # a bug here must not take the server down
        print(f"latency_standin: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        writer.close()


def control(req):
    if req.path == "/__standin/stats":
        return 200, json.dumps(dict(ST.counts), sort_keys=True).encode(), {"Content-Type": "application/json"}, 0
    if req.path == "/__standin/reset" and req.method == "POST":
        ST.reset()
        return 200, b"{}", {}, 0
    return 404, b"", {}, 0


# ---------------------------------------------------------------- S3

def s3_error(status, code, message=""):
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>standin</RequestId></Error>").encode()
    return status, body, {"Content-Type": "application/xml"}


def xml_ok(inner):
    return 200, ('<?xml version="1.0" encoding="UTF-8"?>' + inner).encode(), {"Content-Type": "application/xml"}


def http_date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


def iso_date(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def throttled_s3():
    ST.n_s3_put += 1
    return ARGS.throttle_every and ST.n_s3_put % ARGS.throttle_every == 0


def s3(req):
    parts = req.path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    q, m = req.query, req.method
    if not bucket:
        ST.counts["ListBuckets"] += 1
        names = "".join(f"<Bucket><Name>{escape(b)}</Name><CreationDate>{iso_date(0)}</CreationDate></Bucket>"
                        for b in ST.buckets)
        return xml_ok(f'<ListAllMyBucketsResult xmlns="{S3_NS}"><Buckets>{names}</Buckets></ListAllMyBucketsResult>')
    if not key:
        return s3_bucket(req, bucket)
    objs = ST.buckets.get(bucket)
    if objs is None:
        ST.counts["S3:NoSuchBucket"] += 1
        return s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
    if m == "PUT" and "uploadId" in q:
        ST.counts["UploadPart"] += 1
        if throttled_s3():
            return s3_error(503, "SlowDown", "Please reduce your request rate.")
        up = ST.uploads.get(q["uploadId"])
        if not up:
            return s3_error(404, "NoSuchUpload", "")
        md5 = hashlib.md5(req.body).hexdigest()
        up[3][int(q["partNumber"])] = (req.body, md5)
        return 200, b"", {"ETag": f'"{md5}"'}
    if m == "PUT":
        ST.counts["PutObject"] += 1
        if throttled_s3():
            return s3_error(503, "SlowDown", "Please reduce your request rate.")
        etag = hashlib.md5(req.body).hexdigest()
        objs[key] = (req.body, req.headers.get("content-type", "binary/octet-stream"), etag, time.time())
        return 200, b"", {"ETag": f'"{etag}"'}
    if m == "POST" and "uploads" in q:
        ST.counts["CreateMultipartUpload"] += 1
        ST.n_upload += 1
        uid = f"up{ST.n_upload}"
        ST.uploads[uid] = (bucket, key, req.headers.get("content-type", "binary/octet-stream"), {})
        return xml_ok(f'<InitiateMultipartUploadResult xmlns="{S3_NS}"><Bucket>{escape(bucket)}</Bucket>'
                      f"<Key>{escape(key)}</Key><UploadId>{uid}</UploadId></InitiateMultipartUploadResult>")
    if m == "POST" and "uploadId" in q:
        ST.counts["CompleteMultipartUpload"] += 1
        up = ST.uploads.pop(q["uploadId"], None)
        if not up:
            return s3_error(404, "NoSuchUpload", "")
        wanted = [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>", req.body)]
        if not wanted or any(n not in up[3] for n in wanted) or wanted != sorted(wanted):
            return s3_error(400, "InvalidPart", "")
        body = b"".join(up[3][n][0] for n in wanted)
        digest = hashlib.md5(b"".join(bytes.fromhex(up[3][n][1]) for n in wanted)).hexdigest()
        etag = f"{digest}-{len(wanted)}"
        objs[key] = (body, up[2], etag, time.time())
        return xml_ok(f'<CompleteMultipartUploadResult xmlns="{S3_NS}"><Bucket>{escape(bucket)}</Bucket>'
                      f'<Key>{escape(key)}</Key><ETag>"{etag}"</ETag></CompleteMultipartUploadResult>')
    if m == "DELETE" and "uploadId" in q:
        ST.counts["AbortMultipartUpload"] += 1
        ST.uploads.pop(q["uploadId"], None)
        return 204, b"", {}
    if m in ("GET", "HEAD"):
        ST.counts["GetObject" if m == "GET" else "HeadObject"] += 1
        o = objs.get(key)
        if o is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        hs = {"ETag": f'"{o[2]}"', "Content-Type": o[1], "Last-Modified": http_date(o[3])}
        if m == "HEAD":
            hs["Content-Length"] = str(len(o[0]))
            return 200, o[0], hs   # body not sent for HEAD; its length is
        return 200, o[0], hs
    if m == "DELETE":
        ST.counts["DeleteObject"] += 1
        objs.pop(key, None)
        return 204, b"", {}
    ST.counts["S3:unknown"] += 1
    return s3_error(501, "NotImplemented", f"{m} on an object is not in the stand-in")


def s3_bucket(req, bucket):
    q, m = req.query, req.method
    if m == "PUT" and not q:
        ST.counts["CreateBucket"] += 1
        if bucket in ST.buckets:
            return s3_error(409, "BucketAlreadyOwnedByYou", "")
        ST.buckets[bucket] = Bucket()
        return 200, b"", {"Location": f"/{bucket}"}
    objs = ST.buckets.get(bucket)
    if objs is None:
        ST.counts["S3:NoSuchBucket"] += 1
        return s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
    if m == "HEAD":
        ST.counts["HeadBucket"] += 1
        return 200, b"", {}
    if m == "GET" and "location" in q:
        ST.counts["GetBucketLocation"] += 1
        return xml_ok(f'<LocationConstraint xmlns="{S3_NS}">{escape(ARGS.region)}</LocationConstraint>')
    if m == "GET" and q.get("list-type") == "2":
        ST.counts["ListObjectsV2"] += 1
        prefix = q.get("prefix", "")
        after = q.get("continuation-token") or q.get("start-after") or ""
        if q.get("continuation-token"):
            after = base64.urlsafe_b64decode(after.encode()).decode()
        max_keys = min(int(q.get("max-keys", "1000")), 1000)
        keys = objs.listing(prefix, after, max_keys)
        page, truncated = keys[:max_keys], len(keys) > max_keys
        items = "".join(
            f"<Contents><Key>{escape(k)}</Key><LastModified>{iso_date(objs[k][3])}</LastModified>"
            f'<ETag>"{objs[k][2]}"</ETag><Size>{len(objs[k][0])}</Size>'
            f"<StorageClass>STANDARD</StorageClass></Contents>" for k in page)
        token = ""
        if truncated:
            token = ("<NextContinuationToken>" + base64.urlsafe_b64encode(page[-1].encode()).decode()
                     + "</NextContinuationToken>")
        return xml_ok(f'<ListBucketResult xmlns="{S3_NS}"><Name>{escape(bucket)}</Name>'
                      f"<Prefix>{escape(prefix)}</Prefix><KeyCount>{len(page)}</KeyCount>"
                      f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
                      f"{items}{token}</ListBucketResult>")
    if m == "POST" and "delete" in q:
        ST.counts["DeleteObjects"] += 1
        for k in re.findall(rb"<Key>(.*?)</Key>", req.body, re.S):
            objs.pop(k.decode().replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"), None)
        return xml_ok(f'<DeleteResult xmlns="{S3_NS}"></DeleteResult>')
    if m == "DELETE":
        ST.counts["DeleteBucket"] += 1
        if objs:
            return s3_error(409, "BucketNotEmpty", "")
        del ST.buckets[bucket]
        return 204, b"", {}
    ST.counts["S3:unknown"] += 1
    return s3_error(501, "NotImplemented", f"{m} ?{'&'.join(q)} on a bucket is not in the stand-in")


# ---------------------------------------------------------------- DynamoDB

class DdbError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.status = code, status


def ddb_json(status, doc):
    return status, json.dumps(doc).encode(), {"Content-Type": "application/x-amz-json-1.0"}


def dynamodb(req):
    op = req.headers["x-amz-target"].rsplit(".", 1)[-1]
    ST.counts[op] += 1
    try:
        doc = json.loads(req.body or b"{}")
        fn = DDB_OPS.get(op)
        if not fn:
            raise DdbError("UnknownOperationException", f"{op} is not in the stand-in")
        return ddb_json(200, fn(doc))
    except DdbError as e:
        return ddb_json(e.status, {"__type": f"com.amazonaws.dynamodb.v20120810#{e.code}", "message": str(e)})
    except (KeyError, ValueError, TypeError) as e:
        return ddb_json(400, {"__type": "com.amazon.coral.validate#ValidationException", "message": repr(e)})


class Items(dict):
    """A table's items by (hash, range) key, and by hash key alone (for Query)."""

    def __init__(self):
        super().__init__()
        self.by_hash = {}

    def __setitem__(self, key, item):
        super().__setitem__(key, item)
        self.by_hash.setdefault(key[0], {})[key] = item

    def pop(self, key, default=None):
        self.by_hash.get(key[0], {}).pop(key, None)
        return super().pop(key, default)


def table_of(doc):
    t = ST.tables.get(doc["TableName"])
    if t is None:
        raise DdbError("ResourceNotFoundException", "Requested resource not found")
    return t


def key_of(t, item):
    h = item[t["hash"]]
    r = item[t["range"]] if t["range"] else None
    return (json.dumps(h, sort_keys=True), json.dumps(r, sort_keys=True))


def throttle_write():
    ST.n_ddb_write += 1
    if ARGS.throttle_every and ST.n_ddb_write % ARGS.throttle_every == 0:
        raise DdbError("ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.")


def create_table(doc):
    if doc["TableName"] in ST.tables:
        raise DdbError("ResourceInUseException", "Table already exists")
    ks = {k["KeyType"]: k["AttributeName"] for k in doc["KeySchema"]}
    desc = dict(doc, TableStatus="ACTIVE", ItemCount=0,
                TableArn=f"arn:aws:dynamodb:{ARGS.region}:123456789012:table/{doc['TableName']}")
    for g in desc.get("GlobalSecondaryIndexes", []):
        g["IndexStatus"] = "ACTIVE"
    ST.tables[doc["TableName"]] = {"desc": desc, "hash": ks["HASH"], "range": ks.get("RANGE"), "items": Items()}
    return {"TableDescription": desc}


def describe_table(doc):
    t = table_of(doc)
    return {"Table": dict(t["desc"], ItemCount=len(t["items"]))}


# A small expression evaluator: what cloudalbum-migrate and boto3 scripts send.
TOKEN = re.compile(r"\s*(attribute_not_exists|attribute_exists|AND|OR|NOT|<>|<=|>=|[=<>(),]|[#:][A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*)", re.I)


def tokens(expr):
    out, i = [], 0
    while i < len(expr):
        m = TOKEN.match(expr, i)
        if not m:
            if expr[i:].strip() == "":
                break
            raise DdbError("ValidationException", f"the stand-in cannot read the expression {expr!r}")
        out.append(m.group(1))
        i = m.end()
    return out


def typed(v):
    if v is None:
        return None
    (t, x), = v.items()
    return (t, float(x)) if t == "N" else (t, x)


def evaluate(expr, item, names, values):
    toks = tokens(expr)
    pos = [0]

    def peek():
        return toks[pos[0]].upper() if pos[0] < len(toks) else None

    def take():
        pos[0] += 1
        return toks[pos[0] - 1]

    def operand():
        t = take()
        if t.startswith(":"):
            return typed(values[t])
        return typed(item.get(names.get(t, t)) if item else None)

    def primary():
        if peek() == "(":
            take()
            v = disj()
            take()
            return v
        if peek() == "NOT":
            take()
            return not primary()
        if peek() in ("ATTRIBUTE_EXISTS", "ATTRIBUTE_NOT_EXISTS"):
            fn = take().lower()
            take()
            name = take()
            take()
            present = bool(item) and names.get(name, name) in item
            return present if fn == "attribute_exists" else not present
        a = operand()
        op = take()
        b = operand()
        if a is None or b is None:
            return op == "<>" and (a is None) != (b is None)
        if a[0] != b[0]:
            return op == "<>"
        return {"=": a == b, "<>": a != b, "<": a[1] < b[1], "<=": a[1] <= b[1],
                ">": a[1] > b[1], ">=": a[1] >= b[1]}[op]

    def conj():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disj():
        v = conj()
        while peek() == "OR":
            take()
            v = conj() or v
        return v

    return disj()


def check_condition(doc, current):
    expr = doc.get("ConditionExpression")
    if expr and not evaluate(expr, current, doc.get("ExpressionAttributeNames", {}),
                             doc.get("ExpressionAttributeValues", {})):
        raise DdbError("ConditionalCheckFailedException", "The conditional request failed")


def put_item(doc):
    t = table_of(doc)
    throttle_write()
    k = key_of(t, doc["Item"])
    check_condition(doc, t["items"].get(k))
    t["items"][k] = doc["Item"]
    return {}


def get_item(doc):
    t = table_of(doc)
    item = t["items"].get(key_of(t, doc["Key"]))
    return {"Item": item} if item is not None else {}


def delete_item(doc):
    t = table_of(doc)
    throttle_write()
    k = key_of(t, doc["Key"])
    check_condition(doc, t["items"].get(k))
    old = t["items"].pop(k, None)
    return {"Attributes": old} if old and doc.get("ReturnValues") == "ALL_OLD" else {}


def update_item(doc):
    t = table_of(doc)
    throttle_write()
    k = key_of(t, doc["Key"])
    current = t["items"].get(k)
    check_condition(doc, current)
    item = dict(current or doc["Key"])
    expr = doc.get("UpdateExpression", "")
    m = re.match(r"\s*SET\s+(.*)$", expr, re.I | re.S)
    if not m:
        raise DdbError("ValidationException", f"the stand-in reads only SET updates, not {expr!r}")
    names, values = doc.get("ExpressionAttributeNames", {}), doc.get("ExpressionAttributeValues", {})
    for assign in m.group(1).split(","):
        name, _, value = assign.partition("=")
        item[names.get(name.strip(), name.strip())] = values[value.strip()]
    t["items"][k] = item
    return {}


def query(doc):
    t = table_of(doc)
    names, values = doc.get("ExpressionAttributeNames", {}), doc.get("ExpressionAttributeValues", {})
    m = re.match(r"\s*([#\w]+)\s*=\s*(:\w+)\s*$", doc["KeyConditionExpression"])
    if not m:
        raise DdbError("ValidationException", "the stand-in reads only 'key = :v' key conditions")
    attr, want = names.get(m.group(1), m.group(1)), values[m.group(2)]
    rng = t["range"]
    if doc.get("IndexName"):
        rng = None
    if not doc.get("IndexName") and attr == t["hash"]:
        hits = list(t["items"].by_hash.get(json.dumps(want, sort_keys=True), {}).values())
    else:
        hits = [i for i in t["items"].values() if i.get(attr) == want]
    if rng:
        hits.sort(key=lambda i: typed(i.get(rng)))
    start = doc.get("ExclusiveStartKey")
    if start and rng:
        s = typed(start[rng])
        hits = [i for i in hits if typed(i.get(rng)) > s]
    limit = min(int(doc.get("Limit", 1000)), 1000)
    page = hits[:limit]
    out = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
    if len(hits) > limit and rng:
        last = page[-1]
        out["LastEvaluatedKey"] = {t["hash"]: last[t["hash"]], rng: last[rng]}
    return out


def scan(doc):
    t = table_of(doc)
    return {"Items": list(t["items"].values()), "Count": len(t["items"]), "ScannedCount": len(t["items"])}


def batch_write(doc):
    ST.n_batch += 1
    unprocessed = {}
    for name, reqs in doc["RequestItems"].items():
        t = table_of({"TableName": name})
        throttle_write()
        handed_back = []
        if ARGS.unprocessed_every and ST.n_batch % ARGS.unprocessed_every == 0 and reqs:
            handed_back, reqs = reqs[-1:], reqs[:-1]
        for r in reqs:
            if "PutRequest" in r:
                item = r["PutRequest"]["Item"]
                t["items"][key_of(t, item)] = item
            else:
                t["items"].pop(key_of(t, r["DeleteRequest"]["Key"]), None)
        if handed_back:
            unprocessed[name] = handed_back
            ST.counts["BatchWriteItem:unprocessed"] += len(handed_back)
    return {"UnprocessedItems": unprocessed}


def batch_get(doc):
    out = {}
    for name, want in doc["RequestItems"].items():
        t = table_of({"TableName": name})
        out[name] = [t["items"][key_of(t, k)] for k in want["Keys"] if key_of(t, k) in t["items"]]
    return {"Responses": out, "UnprocessedKeys": {}}


DDB_OPS = {
    "CreateTable": create_table, "DescribeTable": describe_table, "PutItem": put_item,
    "GetItem": get_item, "DeleteItem": delete_item, "UpdateItem": update_item, "Query": query,
    "Scan": scan, "BatchWriteItem": batch_write, "BatchGetItem": batch_get,
    "ListTables": lambda doc: {"TableNames": sorted(ST.tables)},
}


async def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--s3-ms", type=float, default=30.0)
    ap.add_argument("--ddb-ms", type=float, default=10.0)
    ap.add_argument("--region", default="ap-southeast-1")
    ap.add_argument("--unprocessed-every", type=int, default=0)
    ap.add_argument("--throttle-every", type=int, default=0)
    ap.add_argument("--port-file", help="write the port here once listening")
    ARGS = ap.parse_args()
    server = await asyncio.start_server(handle, ARGS.host, ARGS.port, backlog=1024,
                                        limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        import os
        os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    print(f"latency_standin: listening on {ARGS.host}:{port} (S3 {ARGS.s3_ms} ms, DynamoDB {ARGS.ddb_ms} ms)",
          file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
