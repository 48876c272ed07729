#!/usr/bin/env bash
# Builds the lib/image libFuzzer targets (fuzz_exif: the EXIF reader; fuzz_jpeg: probe,
# validation, thumbnail, the scan-work walk and the DC decoder, whose scan window is made barely wider than an
# MCU's reach so that inputs of fuzzing size move it on) with clang, ASan and UBSan, and runs each for
# FUZZ_SECONDS (default 60) on a scratch copy of tests/fuzz/corpus/image. A crash, leak, UB report or
# timeout fails the run; the input that caused it is kept under $FUZZ_OUT (printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
OUT=${FUZZ_OUT:-build/fuzz/image}
CC_FUZZ=${CC_FUZZ:-clang}
command -v "$CC_FUZZ" >/dev/null || { echo "image.sh: $CC_FUZZ not found (Debian: clang libclang-rt-14-dev)" >&2; exit 1; }

mkdir -p "$OUT"
SRCS="lib/image/exif.c lib/image/jpeg_probe.c lib/image/jpeg_codec.c lib/image/jpeg_dc.c lib/image/jpeg_scans.c
      lib/image/resample.c lib/image/orient.c lib/image/thumb.c lib/util/error.c lib/util/buf.c"
FLAGS="-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Ilib -D_GNU_SOURCE $(pkg-config --cflags libexif libjpeg)"
LIBS="$(pkg-config --libs libexif libjpeg) -lm"
rc=0
for target in fuzz_exif fuzz_jpeg; do
  echo "-- building $target"
  extra=""
  [ "$target" = fuzz_jpeg ] && extra="-DJPEG_DC_WINDOW=4200"
  # shellcheck disable=SC2086
  "$CC_FUZZ" $FLAGS $extra -o "$OUT/$target" tests/fuzz/$target.c $SRCS $LIBS
  work="$OUT/$target-corpus"
  rm -rf "$work" && mkdir -p "$work" "$OUT/$target-crashes"
  cp tests/fuzz/corpus/image/* "$work/"
  echo "-- running $target for ${SECONDS_EACH}s"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$OUT/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -max_len=20000 -print_final_stats=1 -artifact_prefix="$OUT/$target-crashes/" \
      "$work" >"$OUT/$target.log" 2>&1; then
    echo "$target FAILED; see $OUT/$target.log and $OUT/$target-crashes/" >&2
    tail -40 "$OUT/$target.log" >&2
    rc=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov: ' "$OUT/$target.log" | tail -3
done
exit $rc
