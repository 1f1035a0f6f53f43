#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_ooc.sh - `dancu run` in memory against out of core (docs/PERFORMANCE.md,
# "Out of core"): time and memory per input row.
#
#   sh bench/bench_ooc.sh [DANCU] [PEOPLE...]
#
# For each PEOPLE (default: 1000000 10000000) generates once, seeded, in
# $BENCH_DIR (default /tmp/dancu-bench-ooc), `dancu gen --people PEOPLE
# --compress`, then runs `dancu run --threads 2` with --out-of-core never
# and always (--tmp-dir in $BENCH_DIR), RUNS times each (default 1),
# alternating, under /usr/bin/time, and prints per run:
#   wall seconds, CPU seconds (user + system),
#   peak RSS (the kernel's high-water mark, /usr/bin/time: out of core it
#     also counts the mapped records' pages while a stage touches them),
#   peak anonymous RSS (RssAnon of /proc/PID/status sampled every 0.1 s:
#     the process's own memory, what --memory-limit counts out of core),
#   both in bytes per input row,
# and checks that both runs wrote the same citizens, links and review
# tables (cmp). With TSV=FILE the lines also go to FILE, and with SVG=FILE
# bench/plot_growth.py draws them (time and memory against rows). At 100M
# people the out-of-core run does not finish on a 24 GiB machine yet
# (docs/PERFORMANCE.md, "Out of core").
set -eu
DANCU=${1:-build/dancu}
[ $# -gt 0 ] && shift
SIZES=${*:-1000000 10000000}
DIR=${BENCH_DIR:-/tmp/dancu-bench-ooc}
RUNS=${RUNS:-1}
mkdir -p "$DIR/tmp"
[ -x /usr/bin/time ] || { echo "bench_ooc.sh: needs /usr/bin/time (Debian package time)" >&2; exit 1; }

# peak RssAnon (kB) of process $1 until it ends
sample_anon() {
  peak=0
  while [ -r "/proc/$1/status" ]; do
    a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
    [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a
    sleep 0.1
  done
  echo "$peak"
}

HERE=$(cd "$(dirname "$0")" && pwd)
TSV=${TSV:-$DIR/growth.tsv}
printf '%-10s %-6s %9s %9s %9s %9s %10s %9s %10s\n' people path rows wall_s cpu_s peak_MiB peak_B/row anon_MiB anon_B/row | tee "$TSV"
for P in $SIZES; do
  G="$DIR/gen-$P"
  if [ ! -s "$G/manifest.json" ]; then
    echo "generating $G ($P people)" >&2
    rm -rf "$G"
    "$DANCU" gen -q --people "$P" --seed 20261206 --compress -o "$G"
  fi
  i=0
  while [ "$i" -lt "$RUNS" ]; do
    for M in never always; do
      O="$DIR/out-$P-$M"
      rm -rf "$O"
      /usr/bin/time -f '%e %U %S %M' -o "$DIR/time" \
        "$DANCU" run -q --threads 2 --out-of-core "$M" --tmp-dir "$DIR/tmp" -o "$O" "$G/exports" &
      pid=$!
      # the child of /usr/bin/time is dancu
      sleep 0.05
      dpid=$(pgrep -P "$pid" | head -1 || true)
      anon=$(sample_anon "${dpid:-$pid}")
      wait "$pid"
      rows=$(grep -o '"input_rows": *[0-9]*' "$O/report.json" | head -1 | grep -o '[0-9]*$')
      set -- $(cat "$DIR/time")
      awk -v p="$P" -v m="$M" -v r="$rows" -v w="$1" -v u="$2" -v s="$3" -v k="$4" -v a="$anon" 'BEGIN {
        printf "%-10s %-6s %9d %9.1f %9.1f %9.0f %10.0f %9.0f %10.0f\n", p, (m == "never" ? "memory" : "ooc"), r, w, u + s,
               k / 1024, k * 1024 / r, a / 1024, a * 1024 / r }' | tee -a "$TSV"
    done
    for f in citizens.csv links.csv review.csv rejects.csv; do
      cmp -s "$DIR/out-$P-never/$f" "$DIR/out-$P-always/$f" || { echo "bench_ooc.sh: $f differs at $P people" >&2; exit 1; }
    done
    i=$((i + 1))
  done
done
[ -z "${SVG:-}" ] || python3 "$HERE/plot_growth.py" "$TSV" "$SVG"
