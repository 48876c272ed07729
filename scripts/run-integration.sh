#!/usr/bin/env bash
# Runs the integration tests (pytest in the project virtualenv) against the binaries
# in $CA_BIN. They start their own moto server on a free port and use their own
# MariaDB databases, so they never touch `make local-up`'s server or the demo data.
set -u
cd "$(dirname "$0")/.."
export CA_BIN=${CA_BIN:-$PWD/bin}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "integration: binaries from $CA_BIN"
.venv/bin/python -m pytest -q -p no:cacheprovider tests/integration "$@"
rc=$?
[ "$rc" -eq 5 ] && { echo "integration: no tests collected"; exit 1; }
exit "$rc"
