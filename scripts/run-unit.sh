#!/usr/bin/env bash
# Runs each Check unit-test binary given, UNIT_JOBS (default 2) at a time; prints Check's
# own summary per binary and a closing total. Exit status non-zero when any test failed.
set -u
cd "$(dirname "$0")/.."
export CK_FORK=${CK_FORK:-yes}
# Check's per-test timeouts (4 s by default) are for hangs, not speed: a loaded machine
# or the sanitizer build must not turn a slow pass into a failure.
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# AWS's SigV4 suite, kept in the tree as one file (tests/data/sigv4-cases.txt), laid out
# as the case folders the signer's tests read.
python3 scripts/sigv4-cases.py expand tests/data/sigv4-cases.txt "$out/sigv4-suite" || exit 1
export CA_SIGV4_SUITE="$out/sigv4-suite"

run_one() {
  local t=$1 dir=$2 name rc
  name=$(basename "$t")
  "$t" >"$dir/$name.log" 2>&1; rc=$?
  echo "$rc" >"$dir/$name.rc"
}
export -f run_one
printf '%s\n' "$@" | xargs -r -P "${UNIT_JOBS:-2}" -I{} bash -c 'run_one "$1" "$2"' _ {} "$out"

pass=0 fail=0
for t in "$@"; do
  name=$(basename "$t")
  rc=$(cat "$out/$name.rc" 2>/dev/null || echo 127)
  grep -v '^Running suite' "$out/$name.log" 2>/dev/null | sed "s|^|[$name] |"
  line=$(grep -E '^[0-9]+%: Checks: ' "$out/$name.log" 2>/dev/null | tail -1)
  n=$(printf '%s' "$line" | sed -nE 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/p')
  read -r c f e <<<"${n:-0 0 0}"
  if [ "$rc" -ne 0 ] && [ "$((f + e))" -eq 0 ]; then f=1; echo "[$name] exited $rc"; fi
  pass=$((pass + c - f - e)); fail=$((fail + f + e))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
