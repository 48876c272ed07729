#!/usr/bin/env bash
# SigV4 signatures per second: our signer ($CA_BENCH/sigv4_bench) beside botocore's
# (the project virtualenv) on the same two requests, measured in this run. Both sides
# must produce the same signature, or the numbers are not comparable and this fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${SIGV4_BENCH_N:-20000}
BENCH=${CA_BENCH:-$PWD/build/bench}/sigv4_bench
[ -x "$BENCH" ] || { echo "sigv4: $BENCH is missing (run make bench)"; exit 1; }

ours=$("$BENCH" "$N")
theirs=$(.venv/bin/python - "$N" <<'PY'
import datetime, sys, time
from unittest import mock
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

n = int(sys.argv[1])
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                    "FQoGZXIvYXdzEXAMPLEtokenEXAMPLEtokenEXAMPLEtoken")
body = (b'{"TableName": "Photo", "Item": {"user_id": {"S": "4f1c2a9e8b7d4e3fa1b2c3d4e5f60718"}, '
        b'"id": {"N": "1709212455123"}, "tags": {"S": "beach,sunset"}, "desc": {"S": "Evening at the beach"}, '
        b'"filename": {"S": "0b8e6c1e-3f7a-4d2b-9c1e-2a3b4c5d6e7f.jpg"}, "filesize": {"N": "2345678"}}}')
url = ("https://cloudalbum-photos.s3.ap-southeast-1.amazonaws.com/photos/"
       "user_at_example_dot_com/0b8e6c1e-3f7a-4d2b-9c1e-2a3b4c5d6e7f.jpg")
fixed = datetime.datetime(2024, 2, 29, 13, 14, 15)

ROUNDS = 3  # best of 3, as the C side does


def header_round():
    signer = botocore.auth.SigV4Auth(creds, "dynamodb", "ap-southeast-1")
    t0 = time.perf_counter()
    for i in range(n):
        req = AWSRequest(method="POST", url="https://dynamodb.ap-southeast-1.amazonaws.com/",
                         data=body, headers={"Content-Type": "application/x-amz-json-1.0",
                                             "X-Amz-Target": "DynamoDB_20120810.PutItem"})
        signer.add_auth(req)
        if i == 0:
            first = req.headers["Authorization"].rsplit("Signature=", 1)[1]
    return n / (time.perf_counter() - t0), first


def presign_round():
    presigner = botocore.auth.S3SigV4QueryAuth(creds, "s3", "ap-southeast-1", expires=3600)
    t0 = time.perf_counter()
    for i in range(n):
        req = AWSRequest(method="GET", url=url)
        presigner.add_auth(req)
        if i == 0:
            first = req.url.rsplit("X-Amz-Signature=", 1)[1]
    return n / (time.perf_counter() - t0), first


with mock.patch.object(botocore.auth, "get_current_datetime", return_value=fixed):
    for kind, fn in (("header", header_round), ("presign", presign_round)):
        results = [fn() for _ in range(ROUNDS)]
        print("%s %.0f %s" % (kind, max(r[0] for r in results), results[0][1]))
PY
)

echo "sigv4: signatures per second, best of 3 rounds of $N, ours and botocore's on the same requests in this run"
status=0
while read -r kind ours_rate ours_sig; do
  read -r _ their_rate their_sig < <(printf '%s\n' "$theirs" | grep "^$kind ")
  label="DynamoDB PutItem POST, header mode"
  [ "$kind" = presign ] && label="S3 presigned GET, query mode    "
  if [ "$ours_sig" != "$their_sig" ]; then
    echo "  $label: signatures differ (ours $ours_sig, botocore $their_sig)"; status=1; continue
  fi
  awk -v l="$label" -v o="$ours_rate" -v t="$their_rate" \
    'BEGIN { printf "  %s  ours %9d/s  botocore %7d/s  ratio %6.1fx\n", l, o, t, o / t }'
done <<<"$ours"
exit $status
