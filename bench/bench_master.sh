#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_master.sh - a delivery into a persistent master against a full run
# of the same final data (docs/MASTER.md, "Speed"; docs/PERFORMANCE.md).
#
#   sh bench/bench_master.sh [DANCU] [PEOPLE] [DELIVERY_PEOPLE]
#
# Generates (once, seeded, in $BENCH_DIR, default /tmp/dancu-bench-master)
#   base      `dancu gen --people PEOPLE` (default 1000000)
#   delivery  `dancu gen --people DELIVERY_PEOPLE` (default PEOPLE / 100),
#             another seed, its files renamed d_*: new sources (other people)
# then builds the master from base (one load, not timed) and, RUNS times
# (default 3), side by side:
#   full      dancu run on base + delivery (what a rerun from scratch costs)
#   delivery  dancu run --master on a copy of the base master with the
#             delivery (the copy is made and synced before the clock starts)
# each under /usr/bin/time: medians of wall seconds, CPU seconds (user +
# system: on a shared machine the steadier figure) and peak RSS, and the
# ratios delivery / full. Both with --threads $THREADS (default 2).
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${2:-1000000}
DPEOPLE=${3:-$((PEOPLE / 100))}
DIR=${BENCH_DIR:-/tmp/dancu-bench-master}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
mkdir -p "$DIR"
B="$DIR/base-$PEOPLE"
D="$DIR/delivery-$DPEOPLE"
if [ ! -s "$B/truth.csv" ]; then
  rm -rf "$B"
  "$DANCU" gen -q --people "$PEOPLE" --seed 20261206 -o "$B"
fi
if [ ! -s "$D/truth.csv" ]; then
  rm -rf "$D"
  "$DANCU" gen -q --people "$DPEOPLE" --seed 77 -o "$D"
  for f in "$D"/exports/*; do mv "$f" "$D/exports/d_$(basename "$f")"; done
fi
M="$DIR/master-$PEOPLE"
if [ ! -s "$M/CURRENT" ]; then
  rm -rf "$M"
  "$DANCU" run -q -t "$THREADS" -f -o "$DIR/out-base" --master "$M" "$B/exports"
fi
rows() { cat "$1"/exports/* | wc -l; }
echo "base $PEOPLE people ($(rows "$B") lines), delivery $DPEOPLE people ($(rows "$D") lines); $(nproc) cores; $("$DANCU" --version)"

T=/usr/bin/time
one() {   # label, then the command: prints "label wall cpu rss_kib"
  label=$1; shift
  $T -f "$label %e %U %S %M" -o "$DIR/time.txt" "$@" > /dev/null 2>&1
  awk '{ printf "%s %s %.2f %s\n", $1, $2, $3 + $4, $5 }' "$DIR/time.txt"
}
: > "$DIR/results.txt"
i=0
while [ $i -lt "$RUNS" ]; do
  one full "$DANCU" run -q -t "$THREADS" -f -o "$DIR/out-full" "$B/exports" "$D/exports" >> "$DIR/results.txt"
  rm -rf "$DIR/m-copy"
  cp -r "$M" "$DIR/m-copy"
  sync   # the copy's writeback is not the delivery's (its commit syncs the file system)
  one delivery "$DANCU" run -q -t "$THREADS" -f -o "$DIR/out-delivery" --master "$DIR/m-copy" "$D/exports" >> "$DIR/results.txt"
  i=$((i + 1))
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for l in full delivery; do
  w=$(awk -v l=$l '$1 == l { print $2 }' "$DIR/results.txt" | median)
  c=$(awk -v l=$l '$1 == l { print $3 }' "$DIR/results.txt" | median)
  r=$(awk -v l=$l '$1 == l { print $4 }' "$DIR/results.txt" | median)
  echo "$l $w $c $r" >> "$DIR/medians.txt.$$"
  printf "%-9s wall %7.2f s   cpu %7.2f s   peak RSS %7.1f MiB\n" "$l" "$w" "$c" "$(echo "$r / 1024" | bc -l)"
done
awk 'NR == 1 { fw = $2; fc = $3; fr = $4 } NR == 2 {
  printf "delivery / full: wall %.3f, cpu %.3f, peak RSS %.3f (targets: time <= 0.1, memory <= 0.5)\n", $2 / fw, $3 / fc, $4 / fr }' \
  "$DIR/medians.txt.$$"
rm -f "$DIR/medians.txt.$$"
