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
#
# scripts/stage.sh --list prints the stages ("N name" lines, scripts/stages.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# the stages' names by number, from lib/config/stages.def
NAMES=()
while read -r num name; do NAMES[num]=$name; done < <(scripts/stages.sh)
[ "${#NAMES[@]}" -gt 0 ] || { echo "stage.sh: no stages in lib/config/stages.def" >&2; exit 1; }
LAST=$((${#NAMES[@]} - 1))

N=${1:-}
if [ "$N" = --list ]; then
  scripts/stages.sh
  exit 0
fi
case "$N" in
  ''|*[!0-9]*) N=-1 ;;
  *) N=$((10#$N)) ;;
esac
if [ "$N" -lt 0 ] || [ "$N" -gt "$LAST" ]; then
  echo "usage: $0 N   (N = 0..$LAST: apply stages 0..N), or $0 --list" >&2
  exit 2
fi
TARGET=${TARGET:-local}
case "$TARGET" in
  local|aws) ;;
  *) echo "stage.sh: TARGET must be local or aws, not '$TARGET'" >&2; exit 2 ;;
esac
BIN=${CA_BIN:-bin}
CONFIG=${CONFIG:-lab-configs/$TARGET/stage-$N.yaml}
GENERATED_DIR=${GENERATED_DIR:-lab-configs/generated}
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
"$BIN/stage-0-${NAMES[0]}" serve-config --config "$CONFIG" --target "$TARGET" \
  --generated-dir "$GENERATED_DIR"
