#!/bin/sh
# scripts/stages.sh — prints the lab stages, one "N name" line each in order, read from
# lib/config/stages.def (the one list; the Makefile and scripts/stage.sh read it here).
# Fails when a row's number is not its position.
cd "$(dirname "$0")/.." || exit 1
sed -n 's/^STAGE(\([0-9][0-9]*\), *\([a-z0-9_]*\),.*/\1 \2/p' lib/config/stages.def |
  awk '$1 != NR - 1 { print "stages.sh: lib/config/stages.def: stage " $1 " is row " NR - 1 > "/dev/stderr"; exit 1 } { print }'
