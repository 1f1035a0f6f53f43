#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh - `make bench-quality`: dancu on every public benchmark with ground
# truth in bench/data and bench/febrl (sources and licences:
# bench/data/SOURCES.md), default settings, then the quality table beside
# the published figures and a reliability table per set (report.py).
#
#   sh bench/quality/run.sh [DANCU] [SET...]
#
# SETS default to every set (prepare.py --list). Work files go to
# $BENCH_DIR (default /tmp/dancu-bench-quality); extra `dancu run` options
# in $RUN_OPTS (e.g. RUN_OPTS="--match-threshold 0.5").
set -eu
DANCU=${1:-build/dancu}
[ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${BENCH_DIR:-/tmp/dancu-bench-quality}
SETS=${*:-$(python3 "$HERE/prepare.py" --list)}
mkdir -p "$DIR"
for s in $SETS; do
  rm -rf "${DIR:?}/$s"
  python3 "$HERE/prepare.py" "$s" "$DIR/$s"
  # shellcheck disable=SC2086
  "$DANCU" run -q --threads 2 --scores ${RUN_OPTS:-} -o "$DIR/$s/out" "$DIR/$s/exports"
  "$DANCU" eval --json --truth "$DIR/$s/truth.csv" --links "$DIR/$s/out/links.csv" > "$DIR/$s/eval.json"
done
echo "== dancu $($DANCU --version 2>/dev/null | head -1), default settings${RUN_OPTS:+, $RUN_OPTS}; pairwise P / R / F1 and B-cubed F1"
# shellcheck disable=SC2086
python3 "$HERE/report.py" "$DIR" $SETS
