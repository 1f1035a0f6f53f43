#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_normalize.sh - normalization throughput (rows per CPU-second).
#
#   sh bench/bench_normalize.sh [DANCU] [PEOPLE]
#
# Generates (once, seeded, in $BENCH_DIR, default /tmp/dancu-bench-norm) a
# synthetic population with `dancu gen --styles canonical` (UTF-8, canonical
# headers: the loader's decoding is not what is measured) of PEOPLE people
# (default 200000, about 220,000 rows), then runs `dancu normalize --timing`,
# which sums the thread CPU time spent inside dc_norm_rows() only (not
# reading, parsing or writing). CPU time rather than wall time, because the
# machine may be shared. In the same run, so that the load is shared:
#   cached     the default: per-thread cache by distinct raw value
#   no-cache   --no-cache: every value normalized from scratch (baseline)
# each RUNS times (default 3), with --threads 1, reporting the median; then
# checks that the output is byte-identical with --threads 1 and 2.
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${2:-200000}
DIR=${BENCH_DIR:-/tmp/dancu-bench-norm}
RUNS=${RUNS:-3}
mkdir -p "$DIR"
G="$DIR/gen-$PEOPLE"
if [ ! -s "$G/truth.csv" ]; then
  echo "generating $G ($PEOPLE people)" >&2
  rm -rf "$G"
  "$DANCU" gen --people "$PEOPLE" --seed 20261126 --styles canonical -o "$G" -q
fi
echo "input: $G/exports: $(ls "$G"/exports | wc -l) files, $(du -sh "$G/exports" | cut -f1); $(nproc) cores; $($DANCU --version)"

# run MODE ARGS... -> rows_per_cpu_second of one run
run() {
  "$DANCU" normalize "$G"/exports/* -o "$DIR/out.csv" --force --timing -q --threads 1 --sex-one male "$@" |
    sed -n 's/.*rows_per_cpu_second=\([0-9]*\).*/\1/p'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$DANCU" normalize "$G"/exports/* -o "$DIR/out.csv" --force --timing -q --threads 1 --sex-one male   # warm-up (page cache); prints the row count
cached=""; nocache=""
i=0
while [ $i -lt "$RUNS" ]; do
  cached="$cached $(run)"
  nocache="$nocache $(run --no-cache)"
  i=$((i + 1))
done
mc=$(echo $cached | tr ' ' '\n' | median)
mn=$(echo $nocache | tr ' ' '\n' | median)
printf "%-10s %12s  %s\n" mode "rows/cpu-s" "runs"
printf "%-10s %12s  %s\n" cached "$mc" "$cached"
printf "%-10s %12s  %s\n" no-cache "$mn" "$nocache"
awk -v a="$mc" -v b="$mn" 'BEGIN { printf "cache speed-up: %.2fx\n", a / b }'

# determinism: same bytes whatever --threads
"$DANCU" normalize "$G"/exports/* -o "$DIR/t1.csv" --force -q --threads 1
"$DANCU" normalize "$G"/exports/* -o "$DIR/t2.csv" --force -q --threads 2
if cmp -s "$DIR/t1.csv" "$DIR/t2.csv"; then echo "threads 1 vs 2: identical output"; else echo "threads 1 vs 2: OUTPUTS DIFFER" >&2; exit 1; fi
rm -f "$DIR/out.csv" "$DIR/t1.csv" "$DIR/t2.csv" "$DIR"/*.rejects.csv
