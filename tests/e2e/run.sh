#!/usr/bin/env bash
# tests/e2e/run.sh — the browser end-to-end test against the real cloudalbum-serve.
#
# Starts $CA_BIN/cloudalbum-serve (default bin/) on a free loopback port with a fresh
# MariaDB database, a temp upload folder and a generated session secret (stage 0:
# mysql + disk + local login; static files from build/web, the bundle `make build`
# writes (CA_STATIC_DIR=web for the unbundled tree), geodata found next to the
# build), waits for /healthz, runs `node --test tests/e2e/` with CA_BASE_URL set,
# stops the server with SIGTERM (it must exit 0 with no sanitizer report), cleans up
# and exits with node's status (or 1 when the server misbehaved).
#
# Needs: make (binaries, build/web, build/geo/cities.tsv), npm ci
# (playwright-core), chromium at /usr/bin/chromium (or CA_CHROMIUM), MariaDB on
# 127.0.0.1:3306 as root without password. Extra arguments go to `node --test`.
# Screenshots land in tests/artifacts/; the server's logs are copied there too
# (e2e-serve.log: access log, e2e-serve.err: messages).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tests/lib/stage0_config.sh

BIN=${CA_BIN:-$ROOT/bin}
SERVE=$BIN/cloudalbum-serve
ARTIFACTS=$ROOT/tests/artifacts
MYSQL=(mariadb -h 127.0.0.1 -P 3306 -u root --batch --skip-column-names)
START_TIMEOUT=60   # seconds for the server to answer /healthz
STOP_TIMEOUT=60    # seconds for it to exit after SIGTERM

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

say() { echo "e2e: $*" >&2; }

# What must exist before anything is started.
missing=0
need() { if ! eval "$1"; then say "$2"; missing=1; fi; }
need '[ -x "$SERVE" ]' "$SERVE is not built; run make (or set CA_BIN)."
if [ -n "${CA_STATIC_DIR:-}" ]; then
	need '[ -f "$CA_STATIC_DIR/index.html" ]' "$CA_STATIC_DIR/index.html is missing."
else
	need '[ -f build/web/index.html ]' "build/web (the bundled front end) is missing; run make build (or make web)."
fi
need '[ -d node_modules/playwright-core ]' "node_modules/playwright-core is missing; run npm ci."
need 'command -v node >/dev/null' "node is not installed (Debian package nodejs)."
need 'command -v curl >/dev/null' "curl is not installed (Debian package curl)."
need 'command -v mariadb >/dev/null' "the mariadb client is not installed (Debian package mariadb-client)."
need '[ -x "${CA_CHROMIUM:-/usr/bin/chromium}" ]' "${CA_CHROMIUM:-/usr/bin/chromium} is missing (Debian package chromium)."
need '[ -x .venv/bin/python ]' ".venv is missing (the photo fixtures use Pillow); run make deps."
[ "$missing" = 0 ] || exit 1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ca-e2e.XXXXXX")
DB="ca_e2e_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')"
SERVE_PID=
TILES_PID=
DB_MADE=no

cleanup() {
	if [ -n "$TILES_PID" ] && kill -0 "$TILES_PID" 2>/dev/null; then
		kill -TERM "$TILES_PID" 2>/dev/null
		wait "$TILES_PID" 2>/dev/null
	fi
	if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
		kill -KILL "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
	fi
	if [ "$DB_MADE" = yes ]; then
		"${MYSQL[@]}" -e "DROP DATABASE IF EXISTS \`$DB\`" || say "could not drop database $DB"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Copies the server's logs next to the screenshots, for reading after the run.
keep_logs() {
	mkdir -p "$ARTIFACTS"
	cp "$WORK/serve.out" "$ARTIFACTS/e2e-serve.log" 2>/dev/null
	cp "$WORK/serve.err" "$ARTIFACTS/e2e-serve.err" 2>/dev/null
}

if ! "${MYSQL[@]}" -e "CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4"; then
	say "cannot create a database on MariaDB at 127.0.0.1:3306 as root; is it running (make deps)?"
	exit 1
fi
DB_MADE=yes

# A stand-in LAN tile server (plain http, its own origin): the map must load its
# tiles, which needs its origin in the CSP's img-src (server.tile_url).
node tests/e2e/tile_server.mjs 0 >"$WORK/tiles.out" 2>&1 &
TILES_PID=$!
TILES_PORT=
for _ in $(seq 1 100); do
	TILES_PORT=$(sed -n 's/^tile-server: port \([0-9][0-9]*\)$/\1/p' "$WORK/tiles.out")
	[ -n "$TILES_PORT" ] && break
	kill -0 "$TILES_PID" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$TILES_PORT" ]; then
	say "the stand-in tile server did not start:"
	cat "$WORK/tiles.out" >&2
	exit 1
fi
TILE_URL="http://127.0.0.1:$TILES_PORT/{z}/{x}/{y}.svg"

mkdir -p "$WORK/upload"
SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
CONFIG=$WORK/serve.yaml
# listen: replaced by --listen below
write_stage0_config "$CONFIG" "$DB" "$WORK/upload" 127.0.0.1:8080 http://127.0.0.1 \
	'${CA_E2E_SESSION_SECRET}' $'  max_upload_mb: 20\n'"  tile_url: \"$TILE_URL\""$'\n' || exit 1

# Port 0: the kernel picks a free port, the server says which on stderr.
CA_E2E_SESSION_SECRET=$SECRET "$SERVE" --config "$CONFIG" --listen 127.0.0.1:0 \
	>"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!

PORT=
deadline=$((SECONDS + START_TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ]; do
	if ! kill -0 "$SERVE_PID" 2>/dev/null; then
		wait "$SERVE_PID"
		say "cloudalbum-serve exited ($?) before it was ready:"
		cat "$WORK/serve.err" >&2
		SERVE_PID=
		keep_logs
		exit 1
	fi
	if [ -z "$PORT" ]; then
		PORT=$(sed -n 's/^cloudalbum-serve: serving .* on port \([0-9][0-9]*\)$/\1/p' "$WORK/serve.err" | head -n 1)
	fi
	if [ -n "$PORT" ] &&
		curl -fsS --max-time 2 -o "$WORK/healthz.json" "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
		break
	fi
	sleep 0.2
done
if [ ! -s "$WORK/healthz.json" ]; then
	say "cloudalbum-serve did not answer /healthz within ${START_TIMEOUT}s:"
	cat "$WORK/serve.err" >&2
	keep_logs
	exit 1
fi
BASE=http://127.0.0.1:$PORT
say "cloudalbum-serve $SERVE on $BASE (database $DB)"
say "healthz: $(cat "$WORK/healthz.json")"

# The tests' own temp files (photos, browser profiles) go under $WORK as well.
mkdir -p "$WORK/tmp"
# Two test files at a time: the browser tests spend most of their time waiting.
TMPDIR=$WORK/tmp CA_BASE_URL=$BASE CA_E2E_TILE_URL=$TILE_URL node --test --test-concurrency=2 "$@" tests/e2e/
NODE_RC=$?

# Stop it the way an operator does; it must finish cleanly.
SERVE_RC=0
kill -TERM "$SERVE_PID"
deadline=$((SECONDS + STOP_TIMEOUT))
while kill -0 "$SERVE_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 0.2
done
if kill -0 "$SERVE_PID" 2>/dev/null; then
	say "cloudalbum-serve did not stop within ${STOP_TIMEOUT}s of SIGTERM"
	SERVE_RC=1
else
	wait "$SERVE_PID"
	rc=$?
	SERVE_PID=
	if [ "$rc" -ne 0 ]; then
		say "cloudalbum-serve exited $rc after SIGTERM (expected 0)"
		SERVE_RC=1
	fi
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/serve.err"; then
	say "sanitizer report in the server's log:"
	grep -E -A30 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/serve.err" >&2
	SERVE_RC=1
fi
keep_logs
if [ "$NODE_RC" -ne 0 ] || [ "$SERVE_RC" -ne 0 ]; then
	say "FAILED (node $NODE_RC, server $SERVE_RC); logs in tests/artifacts/e2e-serve.{log,err}"
	[ "$NODE_RC" -ne 0 ] && exit "$NODE_RC"
	exit 1
fi
say "passed; screenshots in tests/artifacts/"
exit 0
