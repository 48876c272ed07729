#!/usr/bin/env bash
# Offline geocoding: table load time, and lookups per second through the k-d tree
# against a brute-force scan of every place (the baseline), on the same random points
# in this run ($CA_BENCH/geo_bench; the table from scripts/make-geodata.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${GEO_BENCH_N:-20000}
BENCH=${CA_BENCH:-$PWD/build/bench}/geo_bench
TABLE=${CA_GEODATA:-$PWD/build/geo/cities.tsv}
[ -x "$BENCH" ] || { echo "geo: $BENCH is missing (run make bench)"; exit 1; }
[ -r "$TABLE" ] || { echo "geo: $TABLE is missing (run scripts/make-geodata.py)"; exit 1; }

out=$("$BENCH" "$TABLE" "$N")
read -r _ load_ms places < <(grep '^load ' <<<"$out")
read -r _ index_rate < <(grep '^index ' <<<"$out")
read -r _ scan_rate < <(grep '^scan ' <<<"$out")
echo "geo: $places places loaded and indexed in ${load_ms} ms"
awk -v i="$index_rate" -v s="$scan_rate" -v n="$N" \
  'BEGIN { printf "  nearest place, %d random points: k-d tree %9d/s  brute-force scan %6d/s  ratio %7.0fx\n", n, i, s, i / s }'
