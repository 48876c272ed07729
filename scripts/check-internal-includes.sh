#!/bin/sh
# check-internal-includes.sh [root] — refuses an include of another folder's
# internal header. A header named *_internal.h is private to the folder it lives
# in: `#include "db/mysql_internal.h"` may only appear in a file of lib/db (and a
# bare `#include "x_internal.h"` names the includer's own folder's). White-box
# unit and fuzz tests (tests/) are the exception: they test a folder from inside.
# Run by `make build` (and so by `make unit`, `make test`); exits 1 naming every
# offending file, line and header. tests/integration/test_internal_includes.py
# checks that it does.
set -eu
root=${1:-.}
cd "$root"
bad=$(find . \( -path ./tests -o -path ./build -o -path ./node_modules -o -path ./.venv \
		-o -path ./.git \) -prune -o \( -name '*.c' -o -name '*.h' \) -print |
	sort |
	xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/[^"/]*_internal\.h"' |
	while IFS= read -r hit; do
		file=${hit%%:*}
		header=$(printf '%s\n' "$hit" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
		owner=${header%/*}          # "db" of "db/mysql_internal.h"
		dir=$(dirname "${file#./}") # "migrate" of "./migrate/migrate_legacy.c"
		case "/$dir" in
		*/"$owner") ;;
		*) printf '%s\n' "$hit" ;;
		esac
	done) || true
if [ -n "$bad" ]; then
	printf '%s\n' "$bad" | while IFS= read -r hit; do
		file=${hit%%:*}
		rest=${hit#*:}
		line=${rest%%:*}
		header=$(printf '%s\n' "$rest" | sed 's/.*"\([^"]*\)".*/\1/')
		printf '%s:%s: includes %s, which is private to its folder; use that folder'"'"'s public header (or move the code into it)\n' \
			"${file#./}" "$line" "$header" >&2
	done
	exit 1
fi
