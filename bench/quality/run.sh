#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh - `make bench-quality`: dancu on every public benchmark with ground
# truth in bench/data and bench/febrl (sources and licences:
# bench/data/SOURCES.md), default settings, then the quality table beside
# the published figures and a reliability table per set (report.py).
#
#   sh bench/quality/run.sh [DANCU] [SET...]
#
# SETS default to every set (prepare.py --list). Two passes: the default
# settings, then the settings file for data that is not a Vietnamese
# register (non_register.rules). Work files go to $BENCH_DIR (default
# /tmp/dancu-bench-quality); extra `dancu run` options in $RUN_OPTS (e.g.
# RUN_OPTS="--match-threshold 0.5"); PASSES="default" runs the first only.
set -eu
DANCU=${1:-build/dancu}
[ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${BENCH_DIR:-/tmp/dancu-bench-quality}
SETS=${*:-$(python3 "$HERE/prepare.py" --list)}
mkdir -p "$DIR"
for pass in ${PASSES:-default non_register}; do
  case $pass in
    default) opts= ;;
    non_register) opts="--rules $HERE/non_register.rules" ;;
    *) echo "unknown pass $pass" >&2; exit 2 ;;
  esac
  for s in $SETS; do
    rm -rf "${DIR:?}/$pass/$s"
    python3 "$HERE/prepare.py" "$s" "$DIR/$pass/$s"
    # shellcheck disable=SC2086
    "$DANCU" run -q --threads 2 --scores $opts ${RUN_OPTS:-} -o "$DIR/$pass/$s/out" "$DIR/$pass/$s/exports"
    "$DANCU" eval --json --truth "$DIR/$pass/$s/truth.csv" --links "$DIR/$pass/$s/out/links.csv" > "$DIR/$pass/$s/eval.json"
  done
  echo "== $($DANCU --version 2>/dev/null | head -1): settings $pass${opts:+ ($opts)}${RUN_OPTS:+, $RUN_OPTS}"
  # shellcheck disable=SC2086
  python3 "$HERE/report.py" "$DIR/$pass" $SETS
  echo
done
