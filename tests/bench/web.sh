#!/usr/bin/env bash
# The front end's first load, before and after the build step, in one run: one
# cloudalbum-serve binary started twice on one database, once serving the unbundled web/
# tree (the baseline: every module and the stylesheet as written, nothing compressed) and
# once the bundle `make build` writes to build/web (minified, content-named, .br/.gz).
# A user with BENCH_PHOTOS (24) photos; headless Chromium (playwright-core) opens the
# album signed in with an empty cache over a link adding 150 ms to every request,
# BENCH_ROUNDS (5) times each, taking turns (tests/bench/first_load.mjs). Prints time to
# the first photo visible, requests and bytes up to it, medians, and the bundle's figures
# as ratios of the baseline's. Fails on errors only (no timing threshold).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib/stage0_config.sh
PY=${PY:-$ROOT/.venv/bin/python}
CA_BIN=${CA_BIN:-$ROOT/bin}
SERVE=$CA_BIN/cloudalbum-serve
ROUNDS=${BENCH_ROUNDS:-5}
PHOTOS=${BENCH_PHOTOS:-24}

[ -x "$SERVE" ] || { echo "web.sh: $SERVE is missing: run make" >&2; exit 1; }
[ -f build/web/index.html ] || { echo "web.sh: build/web is missing: run make build" >&2; exit 1; }
[ -d node_modules/playwright-core ] || { echo "web.sh: node_modules is missing: run make deps" >&2; exit 1; }
[ -x "${CA_CHROMIUM:-/usr/bin/chromium}" ] || { echo "web.sh: chromium is missing (apt-get install chromium)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ca-bench-web.XXXXXX")
DB=ca_bench_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  "$PY" -c "import pymysql; c=pymysql.connect(host='127.0.0.1', user='root', autocommit=True); c.cursor().execute('DROP DATABASE IF EXISTS \`$DB\`')" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$PY" -c "import pymysql; c=pymysql.connect(host='127.0.0.1', user='root', autocommit=True); c.cursor().execute('CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4')"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SECRET="bench-secret-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
start() { # NAME STATIC_DIR: sets URL to its base URL (no subshell: PIDS must keep the pid)
  local name=$1 dir=$2 port
  port=$(free_port)
  CA_STATIC_DIR=$dir write_stage0_config "$WORK/$name.yaml" "$DB" "$WORK/upload" "127.0.0.1:$port" \
    "http://127.0.0.1:$port" "$SECRET" $'  threads: 8\n'
  "$SERVE" --config "$WORK/$name.yaml" > /dev/null 2> "$WORK/$name.err" &
  PIDS+=($!)
  URL="http://127.0.0.1:$port"
}
mkdir -p "$WORK/upload"
# the unbundled tree's map view needs web/vendor (make bench makes it); the album does not
start unbundled "$ROOT/web"; UNBUNDLED=$URL
start bundled "$ROOT/build/web"; BUNDLED=$URL

# A user with PHOTOS photos, made through the first server.
"$PY" - "$UNBUNDLED" "$BUNDLED" "$PHOTOS" <<'EOF'
import io, sys, time
import requests
from PIL import Image, ImageDraw
bases, n = sys.argv[1:3], int(sys.argv[3])
for base in bases:
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except Exception:
            pass
        time.sleep(0.1)
    else:
        sys.exit(f"web.sh: {base} did not answer /healthz")
base = bases[0]
s = requests.Session()
s.post(base + "/api/users", json=dict(email="bench@example.com", username="Bench", password="bench-password"), timeout=30)
r = s.post(base + "/api/session", json=dict(email="bench@example.com", password="bench-password"), timeout=60)
r.raise_for_status()
csrf = s.cookies.get("csrf_token")
for i in range(n):
    im = Image.new("RGB", (1200, 800), (i * 9 % 256, 120, 200))
    ImageDraw.Draw(im).ellipse((100, 100, 500 + i * 10, 600), fill=(250, 200, 10))
    b = io.BytesIO(); im.save(b, "JPEG", quality=85)
    r = s.post(base + "/api/photos", files=[("file", (f"p{i}.jpg", b.getvalue(), "image/jpeg"))],
               data=dict(tags=f"bench,t{i}", desc=f"photo {i}"), headers={"X-CSRF-Token": csrf}, timeout=60)
    r.raise_for_status()
EOF

node tests/bench/first_load.mjs bench@example.com bench-password "$ROUNDS" \
  "unbundled=$UNBUNDLED" "bundled=$BUNDLED"
