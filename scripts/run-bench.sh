#!/usr/bin/env bash
# Benchmarks: each tests/bench/*.sh prints ratios against a baseline from the same run.
set -u
cd "$(dirname "$0")/.."
export CA_BIN=${CA_BIN:-$PWD/bin}
rc=0
for b in tests/bench/*.sh; do [ -e "$b" ] || continue; echo "== $b"; bash "$b" || rc=1; done
exit $rc
