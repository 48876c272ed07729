#!/usr/bin/env bash
# scripts/verify-stage.sh N — what `make verify-stage-N` runs: brings up the local
# stand-ins and stage N (scripts/stage.sh N: moto, MariaDB, the X-Ray daemon stand-in,
# stages 0..N, the serve config), starts cloudalbum-serve on it on a free port, runs
# cloudalbum-verify against it, and stops the server again. Exits with verify's status.
#
#   TARGET=local       the only target this script serves (real AWS: run the two
#                      programs yourself, see docs/LAB02.md "Verify a stage")
#   CA_BIN=dir         the binaries (default bin)
#   VERIFY_PORT=N      the app's port (default: a free one)
#   JUNIT=FILE         also write verify's JUnit report to FILE
#   VERIFY_ARGS=...    more options for cloudalbum-verify (e.g. --trace-wait 10)
#   and what scripts/stage.sh takes (MOTO_PORT, CA_STATE_DIR, GENERATED_DIR, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-}
LAST=$(($(scripts/stages.sh | wc -l) - 1))
case "$N" in
  ''|*[!0-9]*) N=-1 ;;
  *) N=$((10#$N)) ;;
esac
if [ "$N" -lt 0 ] || [ "$N" -gt "$LAST" ]; then
  echo "usage: $0 N   (N = 0..$LAST: bring up stage N locally and verify it)" >&2
  exit 2
fi
if [ "${TARGET:-local}" != local ]; then
  echo "verify-stage.sh: only the local stand-ins are brought up here; against real AWS run" \
       "bin/cloudalbum-verify --config FILE --url URL (docs/LAB02.md)" >&2
  exit 2
fi
BIN=${CA_BIN:-bin}
GENERATED_DIR=${GENERATED_DIR:-lab-configs/generated}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}

TARGET=local scripts/stage.sh "$N"
CONFIG=$GENERATED_DIR/local/stage-$N.yaml

PORT=${VERIFY_PORT:-$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
URL=http://127.0.0.1:$PORT
LOG=.cloudalbum/local/verify-serve-$PORT.log
mkdir -p .cloudalbum/local
# the app's segments go to the daemon stand-in of scripts/local.sh (its port, if moved)
case "${XRAY_DAEMON_PORT:-2000}" in
  off) ;;
  *) export AWS_XRAY_DAEMON_ADDRESS=${AWS_XRAY_DAEMON_ADDRESS:-127.0.0.1:${XRAY_DAEMON_PORT:-2000}} ;;
esac
"$BIN/cloudalbum-serve" --config "$CONFIG" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null; wait "$SERVE" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS -m 2 "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVE" 2>/dev/null || { echo "verify-stage.sh: cloudalbum-serve stopped; see $LOG" >&2; cat "$LOG" >&2; exit 1; }
  sleep 0.1
done

args=(--config "$CONFIG" --url "$URL")
[ -n "${JUNIT:-}" ] && args+=(--junit "$JUNIT")
# shellcheck disable=SC2206
[ -n "${VERIFY_ARGS:-}" ] && args+=($VERIFY_ARGS)
"$BIN/cloudalbum-verify" "${args[@]}"
