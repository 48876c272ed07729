#!/usr/bin/env bash
# Benchmarks: each tests/bench/*.sh (driving $CA_BIN binaries and $CA_BENCH programs built from tests/bench/*.c) prints ratios against a baseline from the same run.
set -u
cd "$(dirname "$0")/.."
export CA_BIN=${CA_BIN:-$PWD/bin} CA_BENCH=${CA_BENCH:-$PWD/build/bench}
rc=0
for b in tests/bench/*.sh; do [ -e "$b" ] || continue; echo "== $b"; bash "$b" || rc=1; done
exit $rc
