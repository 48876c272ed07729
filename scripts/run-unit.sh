#!/usr/bin/env bash
# Runs each Check unit-test binary given; prints Check's own summary per binary and a
# closing total. Exit status non-zero when any test failed.
set -u
cd "$(dirname "$0")/.."
export CA_SHARED_DIR=${CA_SHARED_DIR:-$(cd .. && pwd)/shared}
export CK_FORK=${CK_FORK:-yes}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -v '^Running suite' | sed "s|^|[$(basename "$t")] |"
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -1)
  n=$(printf '%s' "$line" | sed -nE 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/p')
  read -r c f e <<<"${n:-0 0 0}"
  if [ "$rc" -ne 0 ] && [ "$((f + e))" -eq 0 ]; then f=1; echo "[$(basename "$t")] exited $rc"; fi
  pass=$((pass + c - f - e)); fail=$((fail + f + e))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
