#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_resume.sh - what `dancu run --resume` costs, and what resuming after
# clustering saves (docs/PERFORMANCE.md, "Resuming a run").
#
#   sh bench/bench_resume.sh [DANCU] [PEOPLE]
#
# Generates once, in $BENCH_DIR (default /tmp/dancu-bench-resume), `dancu
# gen --people PEOPLE` (default 1000000, plain CSV), then runs `dancu run
# --threads 2` without and with --resume (--tmp-dir in $BENCH_DIR),
# alternating, RUNS times each (default 2), under /usr/bin/time: wall
# seconds, CPU seconds (user + system), peak RSS. Then a --resume run
# killed with SIGKILL right after its cluster checkpoint (the test hook
# DANCU_TEST_STORE_KILL_AT=resume-cluster) and the same command again,
# which resumes: its time, the checkpoint's size and the log lines of
# writing and reading the checkpoints; and checks that the resumed run
# wrote the same citizens, links, review, rejects and model.json as the
# uninterrupted one (cmp).
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${2:-1000000}
DIR=${BENCH_DIR:-/tmp/dancu-bench-resume}
RUNS=${RUNS:-2}
[ -x /usr/bin/time ] || { echo "bench_resume.sh: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
mkdir -p "$DIR/tmp"
IN="$DIR/gen-$PEOPLE"
[ -d "$IN" ] || "$DANCU" gen -q --people "$PEOPLE" --seed 1 -o "$IN"

# wall s, CPU s, peak RSS MiB of the /usr/bin/time -v report $1
figures() {
  awk -F': ' '/Elapsed/ { n = split($2, t, ":"); w = t[n] + (n > 1 ? 60 * t[n - 1] : 0) + (n > 2 ? 3600 * t[n - 2] : 0) }
              /User time/ { c += $2 } /System time/ { c += $2 }
              /Maximum resident/ { r = $2 / 1024 }
              END { printf "wall %.2f s  CPU %.2f s  peak RSS %.0f MiB\n", w, c, r }' "$1"
}

r=1
while [ "$r" -le "$RUNS" ]; do
  for mode in plain resume; do
    opt=""
    [ "$mode" = resume ] && opt="--resume --tmp-dir $DIR/tmp"
    rm -rf "$DIR/out-$mode"
    # shellcheck disable=SC2086
    /usr/bin/time -v "$DANCU" run -q --threads 2 $opt -o "$DIR/out-$mode" "$IN/exports" 2> "$DIR/time.txt"
    printf '%-7s run %d: ' "$mode" "$r"
    figures "$DIR/time.txt"
  done
  r=$((r + 1))
done

rm -rf "$DIR/out-killed"
DANCU_TEST_STORE_KILL_AT=resume-cluster "$DANCU" run -v --threads 2 --resume --tmp-dir "$DIR/tmp" \
  -o "$DIR/out-killed" "$IN/exports" 2> "$DIR/killed.log" || true
grep 'resume:' "$DIR/killed.log"
du -sh "$DIR"/tmp/dancu-resume-*
/usr/bin/time -v "$DANCU" run -v --threads 2 --resume --tmp-dir "$DIR/tmp" -o "$DIR/out-killed" "$IN/exports" \
  2> "$DIR/time.txt"
grep 'resume:' "$DIR/time.txt"
printf 'resumed after clustering: '
figures "$DIR/time.txt"
for f in citizens.csv links.csv review.csv rejects.csv model.json; do
  cmp "$DIR/out-plain/$f" "$DIR/out-killed/$f"
done
echo "the resumed run's outputs are the uninterrupted run's"
