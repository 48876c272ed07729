#!/usr/bin/env bash
# scripts/stage.sh N — what `make stage-N` runs: applies stages 0..N in order against
# TARGET (local, the default, or aws) with lab-configs/$TARGET/stage-N.yaml, then writes
# lab-configs/generated/$TARGET/stage-N.yaml (a complete serve config) and points
# lab-configs/generated/current.yaml at it.
#
#   TARGET=local|aws   where to provision (local starts the stand-ins: scripts/local.sh up)
#   CA_BIN=dir         the stage binaries (default bin)
#   CONFIG=file        another config instead of lab-configs/$TARGET/stage-N.yaml
#   CA_STATE_DIR=dir   the state files (default .cloudalbum)
#   GENERATED_DIR=dir  where the serve configs go (default lab-configs/generated)
#   INITIAL=X          stage 0: the attendee initial (else provision.iam.initial)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-}
case "$N" in
  [0-4]) ;;
  *) echo "usage: $0 N   (N = 0..4: apply stages 0..N)" >&2; exit 2 ;;
esac
TARGET=${TARGET:-local}
case "$TARGET" in
  local|aws) ;;
  *) echo "stage.sh: TARGET must be local or aws, not '$TARGET'" >&2; exit 2 ;;
esac
BIN=${CA_BIN:-bin}
CONFIG=${CONFIG:-lab-configs/$TARGET/stage-$N.yaml}
GENERATED_DIR=${GENERATED_DIR:-lab-configs/generated}
NAMES=(iam dynamodb s3 cognito xray)

[ -f "$CONFIG" ] || { echo "stage.sh: no config $CONFIG" >&2; exit 1; }
for i in $(seq 0 "$N"); do
  b="$BIN/stage-$i-${NAMES[$i]}"
  [ -x "$b" ] || { echo "stage.sh: $b is not built; run make first" >&2; exit 1; }
done

if [ "$TARGET" = local ]; then
  scripts/local.sh up
  # moto takes any key; only fill in what is not set, never override real settings
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
fi

extra=()
[ -n "${INITIAL:-}" ] && extra=(--initial "$INITIAL")
for i in $(seq 0 "$N"); do
  b="$BIN/stage-$i-${NAMES[$i]}"
  if [ "$i" = 0 ]; then
    "$b" apply --config "$CONFIG" --target "$TARGET" ${extra[@]+"${extra[@]}"}
  else
    "$b" apply --config "$CONFIG" --target "$TARGET"
  fi
done
"$BIN/stage-0-iam" serve-config --config "$CONFIG" --target "$TARGET" \
  --generated-dir "$GENERATED_DIR"
