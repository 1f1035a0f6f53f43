#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_gen.sh - time `dancu gen` for the default and the diverse profile.
#
#   sh bench/bench_gen.sh [N] [THREADS] [DANCU]
#
# For each profile (default, diverse), plain and --compress, generates N
# people (default 1000000) with THREADS threads (default 2) RUNS times
# (default 3; RUNS=1 for large N), interleaving the profiles so that the
# machine's load is shared, and prints the median wall time, the median
# CPU time (user+sys, less sensitive to other jobs than the wall time),
# people/s, the peak RSS and the output size. The output goes to
# $BENCH_DIR (default /tmp/dancu-bench-gen) and is removed after each run.
# Figures: docs/PERFORMANCE.md ("Generation").
set -eu
N=${1:-1000000}
T=${2:-2}
DANCU=${3:-build/dancu}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-/tmp/dancu-bench-gen}
[ -x "$DANCU" ] || { echo "bench_gen.sh: $DANCU not found (make -j2 first)" >&2; exit 2; }
mkdir -p "$DIR"
RES="$DIR/results.txt"
: > "$RES"

run=1
while [ "$run" -le "$RUNS" ]; do
  for profile in default diverse; do
    for comp in plain compress; do
      out="$DIR/out-$profile-$comp"
      rm -rf "$out"
      extra=""
      [ "$comp" = compress ] && extra="--compress"
      /usr/bin/time -f "%e %U %S %M" -o "$DIR/time" \
        "$DANCU" gen -q -n "$N" -t "$T" --profile "$profile" $extra -o "$out"
      size=$(du -sk "$out" | cut -f1)
      echo "$profile $comp $(cat "$DIR/time") $size" >> "$RES"
      rm -rf "$out"
    done
  done
  run=$((run + 1))
done

echo "dancu gen -n $N -t $T, median of $RUNS run(s); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-9s %9s %9s %12s %9s %9s\n' profile output wall_s cpu_s people/s rss_MB size_MB
# median of column $1 of the lines of "$2 $3"
med() {
  grep "^$2 $3 " "$RES" | awk -v c="$1" '{ print $c }' | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for profile in default diverse; do
  for comp in plain compress; do
    wall=$(med 3 $profile $comp)
    cpu=$(grep "^$profile $comp " "$RES" | awk '{ print $4 + $5 }' | sort -n |
      awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    rss=$(med 6 $profile $comp)
    size=$(med 7 $profile $comp)
    awk -v n="$N" -v p="$profile" -v c="$comp" -v w="$wall" -v u="$cpu" -v r="$rss" -v s="$size" 'BEGIN {
      printf "%-8s %-9s %9.2f %9.2f %12.0f %9.0f %9.0f\n", p, c, w, u, n / w, r / 1024, s / 1024 }'
  done
done
