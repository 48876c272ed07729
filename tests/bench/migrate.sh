#!/usr/bin/env bash
# cloudalbum-migrate throughput, two tables.
#
# 1. moto: the same seeded legacy deployment (default 10 users x 20 photos,
#    cloudalbum-legacy-seed) migrated into a fresh moto target with --jobs 1 and then
#    --jobs 4, in this run; prints photos/s and MB/s of the image phase for each, the
#    ratios against --jobs 1, and the CPU seconds the moto stand-in and the migration
#    each spent (on a small machine moto, one Python process, is what limits the rate).
# 2. latency-shaped: tests/bench/latency_standin.py answers S3 after 30 ms and DynamoDB
#    after 10 ms (as real AWS does from a client's side) with almost no CPU, so the rate
#    is set by the requests in flight and the requests needed. A deployment of
#    BENCH_LAT_USERS x BENCH_LAT_PHOTOS (default 20 x 100) migrated with --jobs 1, 8,
#    64, 256 (--jobs 1 and 8 on its first BENCH_LAT_SMALL_USERS users' worth, a
#    deployment of their own, to keep the bench short), and by the plain boto3 script
#    (tests/bench/boto3_migrate.py: batch_writer + upload_file, 8 threads) on the same
#    stand-in. Prints photos/s (image phase), requests per photo, the ideal rate
#    jobs / per-photo latency (per-photo latency: the stand-in's delays summed over the
#    image phase's requests of a photo, from the run's own counts) and the ratio to it,
#    the ratio at 64 jobs to the boto3 script, and the time of a no-op re-run of the
#    64-jobs migration against the migration's own time.
#
#   CA_BIN       the binaries (default bin/)
#   BENCH_USERS, BENCH_PHOTOS   the moto deployment's size
#   BENCH_LAT_USERS, BENCH_LAT_PHOTOS, BENCH_LAT_SMALL_USERS   the latency deployments
#   BENCH_LAT_DB, BENCH_LAT_DIR  an already seeded deployment (database name, upload
#                                folder) to use as the large one instead of seeding it
#   BENCH_S3_MS, BENCH_DDB_MS    the stand-in's latencies (30, 10)
#   BENCH_SKIP_MOTO=1            only the latency-shaped table
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib/stage0_config.sh
PY=${PY:-$ROOT/.venv/bin/python}
BIN=${CA_BIN:-$ROOT/bin}
USERS=${BENCH_USERS:-10}
PHOTOS=${BENCH_PHOTOS:-20}
LAT_USERS=${BENCH_LAT_USERS:-20}
LAT_PHOTOS=${BENCH_LAT_PHOTOS:-100}
LAT_SMALL_USERS=${BENCH_LAT_SMALL_USERS:-4}
S3_MS=${BENCH_S3_MS:-30}
DDB_MS=${BENCH_DDB_MS:-10}
[ -x "$BIN/cloudalbum-migrate" ] || { echo "migrate.sh: $BIN/cloudalbum-migrate is missing: run make" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudalbum-bench-migrate.XXXXXX")
DB="ca_bench_migrate_$$"
MOTO_PID=
LAT_PID=
sql() {
  "$PY" -c "import pymysql,sys; pymysql.connect(host='127.0.0.1',user='root',password='',autocommit=True).cursor().execute(sys.argv[1])" "$1"
}
cleanup() {
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
  [ -n "$LAT_PID" ] && kill "$LAT_PID" 2>/dev/null || true
  for d in "$DB" "${DB}_lat" "${DB}_lats"; do sql "DROP DATABASE IF EXISTS $d" || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# seed NAME USERS PHOTOS: a legacy deployment in database NAME and $WORK/NAME
seed() {
  sql "CREATE DATABASE $1 CHARACTER SET utf8mb4"
  echo "seeding $2 users x $3 photos..."
  "$BIN/cloudalbum-legacy-seed" --db-url "mysql://root@127.0.0.1:3306/$1" --upload-dir "$WORK/$1" \
    --users "$2" --photos-per-user "$3" --seed 77 --quiet >/dev/null
}

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=ap-southeast-1
unset AWS_ENDPOINT_URL AWS_PROFILE
free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# CPU seconds (user + system) process $1 has used so far.
cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# ---- 1. moto ----
if [ "${BENCH_SKIP_MOTO:-0}" != 1 ]; then
PORT=$(free_port)
"$ROOT/.venv/bin/python" "$ROOT/scripts/moto-server.py" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
seed "$DB" "$USERS" "$PHOTOS"
URL="mysql://root@127.0.0.1:3306/$DB"
write_stage2_bench_target "$WORK/target.yaml" "$PORT"

# prints "photos/s MB/s moto-CPU-s migrate-CPU-s" of one run: the rates from its summary
# line, and the CPU time the stand-in and the migration each spent on it (when the
# stand-in's share dominates, the run measures moto, not the migration)
measure() {
  local m0 m1 ours
  "$PY" "$ROOT/tests/bench/bench_target.py" "http://127.0.0.1:$PORT" moto bench-photos
  rm -f "$WORK/state"
  m0=$(cpu_of "$MOTO_PID")
  ours=$( { TIMEFORMAT='%3U %3S'; time "$BIN/cloudalbum-migrate" run --from-db "$URL" \
    --from-dir "$WORK/$DB" --to "$WORK/target.yaml" --state "$WORK/state" --jobs "$1" \
    2>/dev/null >"$WORK/out.$1"; } 2>&1 | awk '{ printf "%.2f", $1 + $2 }')
  m1=$(cpu_of "$MOTO_PID")
  printf '%s %s %s\n' \
    "$(sed -n 's/^objects: .*MB in .* s, \([0-9.]*\) MB\/s, \([0-9.]*\) photos\/s.*/\2 \1/p' "$WORK/out.$1")" \
    "$(awk -v a="$m0" -v b="$m1" 'BEGIN { printf "%.2f", b - a }')" "$ours"
}

read -r P1 M1 C1 O1 < <(measure 1)
read -r P4 M4 C4 O4 < <(measure 4)
echo "moto ($USERS x $PHOTOS photos):"
printf '%-10s %10s %10s %8s %12s %12s\n' jobs photos/s MB/s ratio "moto CPU s" "ours CPU s"
printf '%-10s %10s %10s %8s %12s %12s\n' 1 "$P1" "$M1" 1.00 "$C1" "$O1"
printf '%-10s %10s %10s %8s %12s %12s\n' 4 "$P4" "$M4" \
  "$(awk -v a="$P4" -v b="$P1" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')" "$C4" "$O4"
kill "$MOTO_PID" 2>/dev/null || true
MOTO_PID=
fi

# ---- 2. latency-shaped ----
LPORT=$(free_port)
"$PY" "$ROOT/tests/bench/latency_standin.py" --port "$LPORT" --s3-ms "$S3_MS" --ddb-ms "$DDB_MS" \
  >"$WORK/standin.log" 2>&1 &
LAT_PID=$!
write_stage2_bench_target "$WORK/lat.yaml" "$LPORT"
EP="http://127.0.0.1:$LPORT"
seed "${DB}_lats" "$LAT_SMALL_USERS" "$LAT_PHOTOS"
if [ -n "${BENCH_LAT_DB:-}" ]; then
  LDB=$BENCH_LAT_DB
  LDIR=$BENCH_LAT_DIR
else
  seed "${DB}_lat" "$LAT_USERS" "$LAT_PHOTOS"
  LDB=${DB}_lat
  LDIR=$WORK/${DB}_lat
fi

# run_lat DB DIR JOBS OUT [keep]: one run into a fresh target (kept as it is with "keep");
# prints "wall-clock-s CPU-s" of the whole command (CPU: user + system)
run_lat() {
  [ "${5:-}" = keep ] || { "$PY" "$ROOT/tests/bench/bench_target.py" "$EP" standin bench-photos; rm -f "$WORK/lat.state"; }
  { TIMEFORMAT='%3R %3U %3S'; time "$BIN/cloudalbum-migrate" run --from-db "mysql://root@127.0.0.1:3306/$1" \
    --from-dir "$2" --to "$WORK/lat.yaml" --state "$WORK/lat.state" --jobs "$3" >"$4" 2>/dev/null || true; } 2>&1 |
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }'
}

# row JOBS OUT: "photos photos/s req/photo per-photo-ms ideal ratio" of a run's summary
row() {
  awk -v jobs="$1" -v s3ms="$S3_MS" -v ddbms="$DDB_MS" '
    /^objects: / { for (i = 1; i <= NF; i++) if ($(i) ~ /^photos\/s/) rate = $(i - 1); }
    /^requests: / { s3 = $2; ddb = $(NF - 0); for (i = 1; i <= NF; i++) {
        if ($(i) == "DynamoDB") ddbn = $(i - 1);
        if ($(i) == "BatchWriteItem),") batch = substr($(i - 1), 2);
        if ($(i) == "per" && $(i + 1) == "photo;") rpp = $(i - 1); } }
    /^photos: / { photos = $2 }
    END {
      lat = (s3 * s3ms + batch * ddbms) / (photos ? photos : 1);
      ideal = lat > 0 ? jobs * 1000 / lat : 0;
      printf "%s %s %s %.1f %.0f %.2f\n", photos, rate, rpp, lat, ideal, (ideal > 0) ? rate / ideal : 0 }' "$2"
}

echo "latency-shaped stand-in (S3 $S3_MS ms, DynamoDB $DDB_MS ms; machine shared, see the ratios):"
printf '%-14s %8s %10s %10s %14s %10s %8s\n' run photos photos/s req/photo "ms/photo(lat)" ideal/s ratio
for j in 1 8; do
  run_lat "${DB}_lats" "$WORK/${DB}_lats" "$j" "$WORK/lat.$j" >/dev/null
  read -r N R Q L I X < <(row "$j" "$WORK/lat.$j")
  printf '%-14s %8s %10s %10s %14s %10s %8s\n' "--jobs $j" "$N" "$R" "$Q" "$L" "$I" "$X"
done
for j in 256 64; do
  read -r T C < <(run_lat "$LDB" "$LDIR" "$j" "$WORK/lat.$j")
  read -r N R Q L I X < <(row "$j" "$WORK/lat.$j")
  printf '%-14s %8s %10s %10s %14s %10s %8s\n' "--jobs $j" "$N" "$R" "$Q" "$L" "$I" "$X"
  [ "$j" = 64 ] && { T64=$T; C64=$C; R64=$R; N64=$N; }
done
# the no-op re-run of the 64-jobs migration (same target, same state file)
read -r TN CN < <(run_lat "$LDB" "$LDIR" 64 "$WORK/lat.noop" keep)
QN=$(sed -n 's/^requests: .*; \([0-9.]*\) per photo;.*/\1/p' "$WORK/lat.noop")
grep -q '^nothing to do' "$WORK/lat.noop" || echo "migrate.sh: the re-run found something to do:" >&2
printf '%-14s %8s %10s %10s\n' "re-run (64)" "$N64" "-" "$QN"
# the boto3 script on the same stand-in and data
"$PY" "$ROOT/tests/bench/bench_target.py" "$EP" standin bench-photos
BOTO=$("$PY" "$ROOT/tests/bench/boto3_migrate.py" "mysql://root@127.0.0.1:3306/$LDB" "$LDIR" \
  "$EP" bench-photos --threads 8 | sed -n 's/.* \([0-9.]*\) photos\/s$/\1/p')
BSTATS=$("$PY" "$ROOT/tests/bench/bench_target.py" "$EP" stats)
BREQ=$(echo "$BSTATS" | "$PY" -c "import json,sys; d=json.load(sys.stdin); n=sum(v for k,v in d.items() if k not in ('CreateTable','CreateBucket')); print(f'{n / $N64:.2f}')")
printf '%-14s %8s %10s %10s\n' "boto3 script" "$N64" "$BOTO" "$BREQ"
echo "at --jobs 64: $(awk -v a="$R64" -v b="$BOTO" 'BEGIN { printf "%.1f", (b > 0) ? a / b : 0 }')x the boto3 script (target >= 10x); ratio to jobs/latency above (target >= 0.80)"
echo "no-op re-run: $TN s against $T64 s for the migration ($(awk -v a="$TN" -v b="$T64" 'BEGIN { printf "%.0f", (b > 0) ? 100 * a / b : 0 }') %), wall-clock of the whole command; CPU $CN s against $C64 s (reading and hashing every file is what a re-run still does)"
