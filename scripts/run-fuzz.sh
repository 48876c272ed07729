#!/usr/bin/env bash
# Fuzzing: each tests/fuzz/*.sh builds and runs one libFuzzer target for a bounded time.
set -u
cd "$(dirname "$0")/.."
rc=0
for f in tests/fuzz/*.sh; do [ -e "$f" ] || continue; echo "== $f"; bash "$f" || rc=1; done
exit $rc
