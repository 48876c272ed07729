#!/usr/bin/env bash
# Builds the libFuzzer targets for the toolkit's parsers of untrusted input (config
# YAML + serve schema, XML, AWS error answers, the shared credentials INI, multipart,
# cookies, percent/base64url coding, endpoint URLs, SigV4 suite requests, stored
# password hashes, the geodata table, the hosted-UI page reader of lib/verify, the
# classroom roster) with clang, ASan and UBSan, over exactly the lib sources each needs,
# and runs each for FUZZ_SECONDS (default 30) on a scratch copy of
# tests/fuzz/corpus/<name> (the committed corpus is never written).
#
#   FUZZ_SECONDS=N      seconds per target
#   FUZZ_TARGETS="a b"  run only these (names without fuzz_), default all
#   FUZZ_OUT=DIR        where binaries, scratch corpora, logs and crashes go
#                       (default build/fuzz/parsers)
#   CC_FUZZ=clang       the compiler
#
# A crash, leak, UB report, timeout or out-of-memory fails the run (exit 1) and the
# input that caused it is kept; its path is printed. Reproduce with
#   $FUZZ_OUT/fuzz_<name> <reproducer>
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
OUT=${FUZZ_OUT:-build/fuzz/parsers}
CC_FUZZ=${CC_FUZZ:-clang}
command -v "$CC_FUZZ" >/dev/null ||
	{ echo "parsers.sh: $CC_FUZZ not found (Debian: clang libclang-rt-14-dev)" >&2; exit 1; }

UTIL="lib/util/error.c lib/util/buf.c lib/util/strutil.c lib/util/array.c"
ALL="yaml xml aws_error ini multipart cookie urlcode endpoint sigv4_case password geo form roster"

# The lib sources, pkg-config packages and -max_len of each target.
sources() {
	case $1 in
	yaml) echo "lib/config/yaml.c lib/config/expand.c lib/config/schema.c lib/config/value.c
		   lib/config/serve_config.c lib/config/stages.c" ;;
	xml) echo "lib/util/xml.c" ;;
	aws_error) echo "lib/aws/aws_error.c lib/util/xml.c" ;;
	ini) echo "lib/aws/ini.c" ;;
	multipart) echo "lib/http/multipart.c lib/http/urlcode.c lib/util/url.c" ;;
	cookie) echo "lib/http/cookie.c lib/http/kv.c" ;;
	urlcode) echo "lib/http/urlcode.c lib/util/url.c" ;;
	endpoint) echo "lib/aws/endpoint.c lib/aws/service.c lib/util/url.c" ;;
	sigv4_case) echo "lib/aws/sigv4_case.c lib/aws/sigv4.c lib/aws/sigv4_canon.c
			  lib/aws/amz_date.c lib/aws/uri_encode.c lib/util/crypto.c
			  lib/aws/credentials.c lib/aws/ini.c lib/aws/imds.c lib/aws/endpoint.c
			  lib/aws/service.c lib/util/url.c" ;;
	password) echo "lib/auth/password.c lib/util/crypto.c" ;;
	geo) echo "lib/geo/table.c lib/geo/kdtree.c" ;;
	form) echo "lib/verify/verify_form.c lib/util/url.c" ;;
	roster) echo "classroom/roster.c lib/config/yaml.c lib/config/expand.c lib/config/schema.c
		     lib/config/value.c" ;;
	esac
}
# (lib/util/strutil.c wipes secrets with OpenSSL, so every target links libcrypto)
packages() {
	case $1 in
	yaml|roster) echo "yaml-0.1 libcrypto" ;;
	xml) echo "expat libcrypto" ;;
	aws_error) echo "expat jansson libcrypto" ;;
	sigv4_case) echo "jansson libcrypto libcurl" ;; # curl: credentials.c links IMDS
	form) echo "jansson yaml-0.1 libcrypto" ;;        # headers of verify_internal.h
	*) echo "libcrypto" ;;
	esac
}
max_len() {
	case $1 in
	urlcode) echo 1024 ;;
	password) echo 1200 ;;
	endpoint) echo 2100 ;;
	cookie) echo 9000 ;;
	*) echo 8192 ;;
	esac
}

mkdir -p "$OUT"
FLAGS="-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Wall -Wextra -Werror -Wshadow -Ilib -D_GNU_SOURCE"
rc=0
for name in ${FUZZ_TARGETS:-$ALL}; do
	target=fuzz_$name
	if [ ! -f "tests/fuzz/$target.c" ] || [ -z "$(sources "$name")" ]; then
		echo "parsers.sh: unknown target '$name' (known: $ALL)" >&2
		rc=1
		continue
	fi
	pkgs=$(packages "$name")
	# shellcheck disable=SC2086
	cflags=$(pkg-config --cflags $pkgs)
	# shellcheck disable=SC2086
	libs="$(pkg-config --libs $pkgs) -lm"
	echo "-- building $target"
	# shellcheck disable=SC2086
	"$CC_FUZZ" $FLAGS $cflags -o "$OUT/$target" "tests/fuzz/$target.c" $(sources "$name") \
		$UTIL $libs
	work="$OUT/$target-corpus"
	crashes="$OUT/$target-crashes"
	rm -rf "$work" && mkdir -p "$work" "$crashes"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp tests/fuzz/corpus/"$name"/* "$work/" 2>/dev/null || true
	fi
	echo "-- running $target for ${SECONDS_EACH}s"
	if ! ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$OUT/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$name")" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" >"$OUT/$target.log" 2>&1; then
		echo "$target FAILED; log: $OUT/$target.log" >&2
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal|Test unit written' \
			"$OUT/$target.log" | head -20 >&2 || true
		for f in "$crashes"/*; do
			[ -e "$f" ] && echo "reproducer: $f (run: $OUT/$target $f)" >&2
		done
		rc=1
	fi
	grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::peak_rss_mb' \
		"$OUT/$target.log" | tr '\n' ' ' || true
	grep -E 'cov: ' "$OUT/$target.log" | tail -1 | sed -E 's/^#[0-9]+ *[A-Z]+ *//' || true
done
exit $rc
