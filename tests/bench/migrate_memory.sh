#!/usr/bin/env bash
# cloudalbum-migrate's memory against the size of the legacy Photo table: the peak
# resident set (VmHWM, reported by the binary itself with CA_MIGRATE_PEAK_RSS) of `plan`
# (every row read, every user folder scanned, ids given, problems counted) on a legacy
# table of BENCH_SMALL rows, then of BENCH_LARGE rows (default 20,000 and 200,000), in
# this run; prints both and their ratio. Flat memory is a ratio near 1; a table held in
# memory grows with its rows.
#
# The rows are made with plain SQL (100 users, rows spread evenly, every column filled,
# no problems to list) and their files are hard links to one small JPEG and one
# thumbnail, so that 200,000 photos cost directory entries rather than disk or the
# seed's time. Nothing is uploaded: a run of 200,000 photos on the moto stand-in takes
# far too long for a benchmark (run and verify read the rows the same way, a chunk of
# whole users at a time: migrate/migrate_internal.h).
#
#   CA_BIN                      the binaries (default bin/)
#   BENCH_SMALL, BENCH_LARGE    the two table sizes (default 20000, 200000)
#   BENCH_VERBS                 which verbs to measure (default "plan")
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib/stage0_config.sh
PY=${PY:-$ROOT/.venv/bin/python}
BIN=${CA_BIN:-$ROOT/bin}
SMALL=${BENCH_SMALL:-20000}
LARGE=${BENCH_LARGE:-200000}
VERBS=${BENCH_VERBS:-plan}
[ -x "$BIN/cloudalbum-migrate" ] || { echo "migrate_memory.sh: $BIN/cloudalbum-migrate is missing: run make" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudalbum-bench-mem.XXXXXX")
DB="ca_bench_mem_$$"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_PID=
cleanup() {
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
  "$PY" -c "import pymysql; pymysql.connect(host='127.0.0.1',user='root',password='',autocommit=True).cursor().execute('DROP DATABASE IF EXISTS $DB')" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PY" "$ROOT/scripts/moto-server.py" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=ap-southeast-1
unset AWS_ENDPOINT_URL AWS_PROFILE
write_stage2_bench_target "$WORK/target.yaml" "$PORT"

# The legacy deployment with `rows` photo rows (grown in place: SMALL first, then LARGE).
"$PY" - "$PORT" <<'PYEOF'
import sys, time, urllib.request, boto3
sys.path.insert(0, "tests/integration")
from helpers import create_contract_tables
ep = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(200):
    try:
        urllib.request.urlopen(ep + "/moto-api/", timeout=1).read(); break
    except Exception:
        time.sleep(0.1)
kw = dict(region_name="ap-southeast-1", endpoint_url=ep, aws_access_key_id="b", aws_secret_access_key="b")
create_contract_tables(boto3.client("dynamodb", **kw))
boto3.client("s3", **kw).create_bucket(Bucket="bench-photos",
    CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
PYEOF

grow() {
  "$PY" - "$DB" "$WORK/upload" "$1" <<'PYEOF'
import io, os, re, sys
import pymysql
from PIL import Image
db, upload, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
USERS = 100
c = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True, charset="utf8mb4")
cur = c.cursor()
cur.execute(f"CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET utf8mb4")
cur.execute(f"USE {db}")
schema = re.sub(r"--[^\n]*", "", open("lib/db/legacy_schema.sql").read())
for stmt in [s.strip() for s in schema.split(";") if s.strip()]:
    cur.execute(stmt)
norm = lambda e: e.replace("@", "_at_").replace(".", "_dot_")
emails = [f"user{u}@bench.example" for u in range(1, USERS + 1)]
cur.execute("SELECT COUNT(*) FROM `User`")
if cur.fetchone()[0] == 0:
    cur.executemany("INSERT INTO `User` (id, username, email, password) VALUES (%s, %s, %s, %s)",
                    [(u, f"User {u}", emails[u - 1], "pbkdf2:sha256:1$s$" + "0" * 64) for u in range(1, USERS + 1)])
os.makedirs(upload, exist_ok=True)
# one original and one thumbnail per user, outside the folder, linked to by its rows
# (a file takes at most 65,000 links on ext4)
src = os.path.join(os.path.dirname(upload), "src")
if not os.path.exists(src):
    os.makedirs(src)
    for u, e in enumerate(emails, 1):
        for kind, size in (("orig", (64, 48)), ("thumb", (32, 24))):
            b = io.BytesIO(); Image.new("RGB", size, (90, 120, u)).save(b, "JPEG", quality=70)
            open(os.path.join(src, f"{kind}{u}.jpg"), "wb").write(b.getvalue())
        os.makedirs(os.path.join(upload, norm(e), "thumbnails"), exist_ok=True)
cur.execute("SELECT COALESCE(MAX(id), 0) FROM `Photo`")
have = cur.fetchone()[0]
batch = []
for i in range(have + 1, rows + 1):
    u = (i - 1) % USERS + 1
    name = f"{i:08d}-a-photo-with-a-realistic-length-name.jpg"
    folder = os.path.join(upload, norm(emails[u - 1]))
    os.link(os.path.join(src, f"orig{u}.jpg"), os.path.join(folder, name))
    os.link(os.path.join(src, f"thumb{u}.jpg"), os.path.join(folder, "thumbnails", name))
    batch.append((i, u, "tag1,tag2,tag3", "A description of this photo, of a realistic length " * 2,
                  "IMG_%04d.JPG" % (i % 10000), name, 2000 + i % 1000, 37.5 + (i % 100) / 1000.0,
                  126.9 + (i % 100) / 1000.0, "2020-01-01 00:00:00", "2019-12-31 12:00:00", "Canon",
                  "EOS 5D Mark IV", "6720", "4480", "Seoul", "South Korea", "Jung-gu, Seoul, South Korea"))
    if len(batch) == 5000 or i == rows:
        cur.executemany("INSERT INTO `Photo` (id, user_id, tags, `desc`, filename_orig, filename, filesize, "
                        "geotag_lat, geotag_lng, upload_date, taken_date, make, model, width, height, "
                        "city, nation, address) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                        "%s, %s, %s, %s, %s)", batch)
        batch = []
PYEOF
}

# Peak RSS in KiB of one cloudalbum-migrate VERB: its own VmHWM, which it reports with
# CA_MIGRATE_PEAK_RSS (a parent's rusage would count the forking process's memory too).
peak() {
  CA_MIGRATE_PEAK_RSS=1 "$BIN/cloudalbum-migrate" "$1" --from-db "mysql://root@127.0.0.1:3306/$DB" \
    --from-dir "$WORK/upload" --to "$WORK/target.yaml" --state "$WORK/state" 2>&1 >/dev/null |
    sed -n 's/^cloudalbum-migrate: peak RSS \([0-9]*\) kB$/\1/p' | grep . ||
    { echo "migrate_memory.sh: $1 reported no peak RSS" >&2; exit 1; }
}

echo "legacy tables: 100 users; photo rows $SMALL, then $LARGE (files: hard links)"
grow "$SMALL"
declare -A AT_SMALL
for v in $VERBS; do AT_SMALL[$v]=$(peak "$v"); done
grow "$LARGE"
for v in $VERBS; do
  big=$(peak "$v")
  "$PY" -c "
s, l = ${AT_SMALL[$v]}, $big
print(f'$v: peak RSS {s/1024:.1f} MiB at $SMALL rows, {l/1024:.1f} MiB at $LARGE rows: ratio {l/s:.2f} (rows x{$LARGE/$SMALL:.0f})')"
done
