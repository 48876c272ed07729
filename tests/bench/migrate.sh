#!/usr/bin/env bash
# cloudalbum-migrate throughput: the same seeded legacy deployment (default 10 users x 20
# photos, cloudalbum-legacy-seed) migrated into a fresh moto target with --jobs 1 and then
# --jobs 4, in this run; prints photos/s and MB/s of the image phase for each, the
# ratios against --jobs 1, and the CPU seconds the moto stand-in and the migration each
# spent (on a small machine the stand-in, one Python process, is what limits the rate).
#
#   CA_BIN       the binaries (default bin/)
#   BENCH_USERS, BENCH_PHOTOS   the deployment's size
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
BIN=${CA_BIN:-$ROOT/bin}
USERS=${BENCH_USERS:-10}
PHOTOS=${BENCH_PHOTOS:-20}
[ -x "$BIN/cloudalbum-migrate" ] || { echo "migrate.sh: $BIN/cloudalbum-migrate is missing: run make" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudalbum-bench-migrate.XXXXXX")
DB="ca_bench_migrate_$$"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_PID=
cleanup() {
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
  "$PY" -c "import pymysql; pymysql.connect(host='127.0.0.1',user='root',password='',autocommit=True).cursor().execute('DROP DATABASE IF EXISTS $DB')" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$ROOT/.venv/bin/python" "$ROOT/scripts/moto-server.py" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
"$PY" -c "import pymysql; pymysql.connect(host='127.0.0.1',user='root',password='',autocommit=True).cursor().execute('CREATE DATABASE $DB CHARACTER SET utf8mb4')"
URL="mysql://root@127.0.0.1:3306/$DB"
echo "seeding $USERS users x $PHOTOS photos..."
"$BIN/cloudalbum-legacy-seed" --db-url "$URL" --upload-dir "$WORK/upload" --users "$USERS" \
  --photos-per-user "$PHOTOS" --seed 77 --quiet >/dev/null

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=ap-southeast-1
unset AWS_ENDPOINT_URL AWS_PROFILE
cat >"$WORK/target.yaml" <<YAML
stage: 2
server:
  session_secret: benchbenchbenchbenchbenchbenchbench
database:
  kind: dynamodb
storage:
  kind: s3
  bucket: bench-photos
auth:
  kind: local
tracing:
  kind: none
aws:
  region: ap-southeast-1
  endpoint: http://127.0.0.1:$PORT
YAML

fresh_target() {
  "$PY" - "$PORT" <<'PYEOF'
import sys, time, urllib.request, boto3
ep = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(100):
    try:
        urllib.request.urlopen(ep + "/moto-api/", timeout=1).read(); break
    except Exception:
        time.sleep(0.1)
urllib.request.urlopen(urllib.request.Request(ep + "/moto-api/reset", method="POST", data=b""), timeout=10)
kw = dict(region_name="ap-southeast-1", endpoint_url=ep, aws_access_key_id="b", aws_secret_access_key="b")
d = boto3.client("dynamodb", **kw)
t = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}
d.create_table(TableName="User", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "email", "AttributeType": "S"}],
    GlobalSecondaryIndexes=[{"IndexName": "user-email-index", "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["password"]}, "ProvisionedThroughput": t}],
    ProvisionedThroughput=t)
d.create_table(TableName="Photo", KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}, {"AttributeName": "id", "AttributeType": "N"}],
    ProvisionedThroughput=t)
d.create_table(TableName="User-guard", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], ProvisionedThroughput=t)
boto3.client("s3", **kw).create_bucket(Bucket="bench-photos", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
PYEOF
}

# CPU seconds (user + system) process $1 has used so far.
cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# prints "photos/s MB/s moto-CPU-s migrate-CPU-s" of one run: the rates from its summary
# line, and the CPU time the stand-in and the migration each spent on it (when the
# stand-in's share dominates, the run measures moto, not the migration)
measure() {
  local m0 m1 ours
  fresh_target
  rm -f "$WORK/state"
  m0=$(cpu_of "$MOTO_PID")
  ours=$( { TIMEFORMAT='%3U %3S'; time "$BIN/cloudalbum-migrate" run --from-db "$URL" \
    --from-dir "$WORK/upload" --to "$WORK/target.yaml" --state "$WORK/state" --jobs "$1" \
    2>/dev/null >"$WORK/out.$1"; } 2>&1 | awk '{ printf "%.2f", $1 + $2 }')
  m1=$(cpu_of "$MOTO_PID")
  printf '%s %s %s\n' \
    "$(sed -n 's/^objects: .*MB in .* s, \([0-9.]*\) MB\/s, \([0-9.]*\) photos\/s.*/\2 \1/p' "$WORK/out.$1")" \
    "$(awk -v a="$m0" -v b="$m1" 'BEGIN { printf "%.2f", b - a }')" "$ours"
}

read -r P1 M1 C1 O1 < <(measure 1)
read -r P4 M4 C4 O4 < <(measure 4)
printf '%-10s %10s %10s %8s %12s %12s\n' jobs photos/s MB/s ratio "moto CPU s" "ours CPU s"
printf '%-10s %10s %10s %8s %12s %12s\n' 1 "$P1" "$M1" 1.00 "$C1" "$O1"
printf '%-10s %10s %10s %8s %12s %12s\n' 4 "$P4" "$M4" \
  "$(awk -v a="$P4" -v b="$P1" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')" "$C4" "$O4"
