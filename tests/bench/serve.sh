#!/usr/bin/env bash
# cloudalbum-serve under load: wrk at 64 connections for BENCH_SECONDS (default 30) on
#   - the baseline: GET /api/config (no database, no disk: the server's own overhead),
#   - the album API: GET /api/photos with a session cookie (one MySQL page of 50 photos),
#     at 64 and at 256 connections (BENCH_CONNECTIONS_HIGH),
#   - the thumbnail endpoint: GET /api/photos/{id}/image?size=thumb (MySQL + disk),
#   - original downloads: GET /api/photos/{id}/image?size=original of a ~12 MB original at
#     256 connections, with the server's peak RSS before and after.
# Prints requests per second, p99 latency and each as a ratio against the baseline from
# this run (and album 256 against album 64), then whether issue 10's load targets are met
# (album at 256 conns at least as fast as at 64, its p99 < 100 ms, peak RSS < 100 MB, no
# errors; printed, not enforced, as they depend on the machine), and the CPU time each
# request cost the server and MariaDB (utime + stime from /proc/<pid>/stat over the run,
# divided by the requests wrk completed: steadier than req/s on a shared machine, though
# MariaDB's figure includes whatever else it serves meanwhile); fails on any error or non-2xx answer, or when
# memory does not stay flat (RSS after the runs over 1.5x the RSS after warm-up plus
# 32 MiB, or the downloads raising the peak RSS by more than 64 MiB). RSS figures come from
# /proc/<pid>/status. wrk connects from one address, so the config lifts
# server.connections_per_address for the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib/stage0_config.sh
PY=${PY:-$ROOT/.venv/bin/python}
CA_BIN=${CA_BIN:-$ROOT/bin}
SECONDS_EACH=${BENCH_SECONDS:-30}
CONNS=${BENCH_CONNECTIONS:-64}
CONNS_HIGH=${BENCH_CONNECTIONS_HIGH:-256}
SERVE=$CA_BIN/cloudalbum-serve

[ -x "$SERVE" ] || { echo "serve.sh: $SERVE is missing: run make" >&2; exit 1; }
command -v wrk >/dev/null || { echo "serve.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ca-bench-serve.XXXXXX")
DB=ca_bench_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
PID=
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  "$PY" -c "import pymysql; c=pymysql.connect(host='127.0.0.1', user='root', autocommit=True); c.cursor().execute('DROP DATABASE IF EXISTS \`$DB\`')" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

write_stage0_config "$WORK/serve.yaml" "$DB" "$WORK/upload" "127.0.0.1:$PORT" \
  "http://localhost:$PORT" "bench-secret-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" \
  $'  threads: 8\n  connections_per_address: 4096\n  max_connections: 4096\n'

"$SERVE" --config "$WORK/serve.yaml" > /dev/null 2> "$WORK/serve.err" &
PID=$!

# A user with 60 photos and a ~12 MB original; prints "<cookie header> <photo id> <big id>".
read -r COOKIE PHOTO BIG < <("$PY" - "$BASE" <<'EOF'
import io, sys, time
import requests
from PIL import Image, ImageDraw
base = sys.argv[1]
for _ in range(300):
    try:
        if requests.get(base + "/healthz", timeout=1).status_code == 200:
            break
    except Exception:
        pass
    time.sleep(0.1)
s = requests.Session()
s.post(base + "/api/users", json=dict(email="bench@example.com", username="Bench", password="bench-password"), timeout=30)
r = s.post(base + "/api/session", json=dict(email="bench@example.com", password="bench-password"), timeout=60)
r.raise_for_status()
csrf = s.cookies.get("csrf_token")
pid = None
for i in range(60):
    im = Image.new("RGB", (1600, 1200), (i * 4 % 256, 120, 200))
    ImageDraw.Draw(im).ellipse((100, 100, 900 + i * 5, 700), fill=(250, 200, 10))
    b = io.BytesIO(); im.save(b, "JPEG", quality=85)
    r = s.post(base + "/api/photos", files=[("file", (f"p{i}.jpg", b.getvalue(), "image/jpeg"))],
               data=dict(tags=f"bench,t{i}", desc=f"photo {i}"), headers={"X-CSRF-Token": csrf}, timeout=60)
    r.raise_for_status()
    pid = r.json()["photos"][0]["id"]
import os
noise = Image.frombytes("RGB", (2000, 1500), os.urandom(2000 * 1500 * 3))
b = io.BytesIO(); noise.save(b, "JPEG", quality=100, subsampling=0)
r = s.post(base + "/api/photos", files=[("file", ("big.jpg", b.getvalue(), "image/jpeg"))],
           headers={"X-CSRF-Token": csrf}, timeout=120)
r.raise_for_status()
big = r.json()["photos"][0]["id"]
print(f"session={s.cookies.get('session')}", pid, big)
EOF
)

rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
# CPU time (utime + stime, in clock ticks) a process has used; 0 for no such process.
cpu_ticks() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
  # the fields after the command name, which may hold blanks, in parentheses
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
MARIADB_PID=$(pgrep -x mariadbd || pgrep -x mysqld || true)
MARIADB_PID=${MARIADB_PID%%$'\n'*}
TICK=$(getconf CLK_TCK)

# wrk run at CONNS (or $WRK_CONNS) connections: prints "<rps> <p99 ms> <server CPU µs per
# request> <MariaDB CPU µs per request>" and fails on errors.
run_wrk() {
  local name=$1 url=$2 out cpu0 cpu1 db0 db1
  shift 2
  cpu0=$(cpu_ticks "$PID")
  db0=$(cpu_ticks "$MARIADB_PID")
  out=$(wrk -t2 -c"${WRK_CONNS:-$CONNS}" -d"${SECONDS_EACH}s" --latency "$@" "$url")
  cpu1=$(cpu_ticks "$PID")
  db1=$(cpu_ticks "$MARIADB_PID")
  echo "$out" > "$WORK/wrk-$name.txt"
  if grep -qE 'Non-2xx or 3xx responses|Socket errors' <<<"$out"; then
    echo "serve.sh: $name had errors:" >&2
    echo "$out" >&2
    return 1
  fi
  local rps p99 requests
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
          else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
          print v }' <<<"$out")
  echo "$rps $p99" \
    "$(awk -v t=$((cpu1 - cpu0)) -v n="$requests" -v hz="$TICK" 'BEGIN { printf "%.0f", n ? t * 1e6 / hz / n : 0 }')" \
    "$(awk -v t=$((db1 - db0)) -v n="$requests" -v hz="$TICK" 'BEGIN { printf "%.0f", n ? t * 1e6 / hz / n : 0 }')"
}

# Warm-up, then memory before.
wrk -t2 -c"$CONNS" -d2s -H "Cookie: $COOKIE" "$BASE/api/photos" > /dev/null
wrk -t2 -c"$CONNS" -d2s -H "Cookie: $COOKIE" "$BASE/api/photos/$PHOTO/image?size=thumb" > /dev/null
RSS_BEFORE=$(rss VmRSS)

read -r BASE_RPS BASE_P99 BASE_CPU BASE_DB < <(run_wrk baseline "$BASE/api/config")
read -r ALBUM_RPS ALBUM_P99 ALBUM_CPU ALBUM_DB < <(run_wrk album "$BASE/api/photos" -H "Cookie: $COOKIE")
read -r THUMB_RPS THUMB_P99 THUMB_CPU THUMB_DB < <(run_wrk thumb "$BASE/api/photos/$PHOTO/image?size=thumb" -H "Cookie: $COOKIE")
read -r HIGH_RPS HIGH_P99 HIGH_CPU HIGH_DB < <(WRK_CONNS=$CONNS_HIGH run_wrk album-high "$BASE/api/photos" -H "Cookie: $COOKIE")
RSS_AFTER=$(rss VmRSS)
RSS_PEAK=$(rss VmHWM)
read -r ORIG_RPS ORIG_P99 ORIG_CPU ORIG_DB < <(WRK_CONNS=$CONNS_HIGH run_wrk original "$BASE/api/photos/$BIG/image?size=original" --timeout 60s -H "Cookie: $COOKIE")
RSS_ORIG=$(rss VmRSS)
PEAK_ORIG=$(rss VmHWM)
ORIG_MB=$(stat -c %s "$WORK"/upload/*/*.jpg | sort -n | tail -1)

# one line of the table: name rps p99 cpu db (the ratio against the baseline's req/s)
row() {
  printf '%-34s %10.0f %10.2f %8.2f %9s %9s\n' "$1" "$2" "$3" \
    "$(awk -v a="$2" -v b="$BASE_RPS" 'BEGIN { print a / b }')" "$4" "$5"
}
printf '%-34s %10s %10s %8s %9s %9s\n' "endpoint ($CONNS conns, ${SECONDS_EACH}s)" "req/s" "p99 ms" "ratio" \
  "cpu us/r" "db us/r"
row "GET /api/config (baseline)" "$BASE_RPS" "$BASE_P99" "$BASE_CPU" "$BASE_DB"
row "GET /api/photos (album, 50/page)" "$ALBUM_RPS" "$ALBUM_P99" "$ALBUM_CPU" "$ALBUM_DB"
row "GET /api/photos/{id}/image thumb" "$THUMB_RPS" "$THUMB_P99" "$THUMB_CPU" "$THUMB_DB"
row "album at $CONNS_HIGH conns" "$HIGH_RPS" "$HIGH_P99" "$HIGH_CPU" "$HIGH_DB"
row "original ($((ORIG_MB / 1048576)) MB), $CONNS_HIGH conns" "$ORIG_RPS" "$ORIG_P99" "$ORIG_CPU" "$ORIG_DB"
echo "cpu us/r: the server's CPU time per request; db us/r: MariaDB's (anything else it serves meanwhile included)"
echo "album $CONNS_HIGH vs $CONNS connections: $(awk -v a="$HIGH_RPS" -v b="$ALBUM_RPS" 'BEGIN { printf "%.2f", a / b }')x the requests/s, p99 $HIGH_P99 ms vs $ALBUM_P99 ms, server CPU $HIGH_CPU vs $ALBUM_CPU us/request"
echo "memory: RSS before ${RSS_BEFORE} kB, after ${RSS_AFTER} kB, peak ${RSS_PEAK} kB"
echo "memory with $CONNS_HIGH original downloads: RSS ${RSS_ORIG} kB, peak ${PEAK_ORIG} kB (peak before ${RSS_PEAK} kB)"
if [ "$RSS_AFTER" -gt $((RSS_BEFORE * 3 / 2 + 32768)) ]; then
  echo "serve.sh: memory grew from ${RSS_BEFORE} kB to ${RSS_AFTER} kB" >&2
  exit 1
fi
if [ "$PEAK_ORIG" -gt $((RSS_PEAK + 65536)) ]; then
  echo "serve.sh: original downloads raised the peak RSS from ${RSS_PEAK} kB to ${PEAK_ORIG} kB" >&2
  exit 1
fi
echo "errors: none"
# The issue's load targets (issue 10): album at CONNS_HIGH connections at least as fast as at
# CONNS, its p99 under 100 ms, peak RSS under 100 MB (through every run, the downloads
# included), no errors (checked above). Printed, not enforced: they depend on the machine.
target() { # name ok-expression(awk) detail
  if awk "BEGIN { exit !($2) }"; then echo "target met:     $1 ($3)"; else echo "target NOT met: $1 ($3)"; fi
}
echo "targets (a shared or loaded machine misses them; compare the ratios above):"
target "album at $CONNS_HIGH conns >= at $CONNS conns" "$HIGH_RPS >= $ALBUM_RPS" "$HIGH_RPS vs $ALBUM_RPS req/s"
target "album p99 at $CONNS_HIGH conns < 100 ms" "$HIGH_P99 < 100" "$HIGH_P99 ms"
target "peak RSS < 100 MB" "$PEAK_ORIG < 102400" "$PEAK_ORIG kB"
target "zero errors" "1" "no socket errors or non-2xx answers in any run"
