#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_store.sh - write and read speed of the record store (docs/STORE.md).
#
#   sh bench/bench_store.sh [DANCU] [PEOPLE]
#
# Generates (once, seeded, in $BENCH_DIR, default /tmp/dancu-bench-store)
# `dancu gen --people PEOPLE` (default 1000000: about 1.11 M rows), then
# RUNS times (default 3):
#   dancu store write   load + normalize (not timed), then write every record
#                       into a new store: encode, compress, checksum, write,
#                       fsync, commit (timed)
#   dancu store read    open every partition, re-intern its strings into a
#                       fresh interner, decode every record (timed), on 1 and
#                       on 2 threads; the store was just written, so its
#                       files are in the page cache (a cold read adds the
#                       disk's time for `bytes`)
# and prints the medians: wall seconds, CPU seconds (all threads; on a
# shared machine the steadier figure), MB/s of bytes on disk and of
# 168-byte in-memory records (by wall time), records per CPU-second, bytes
# per record on disk. Checks that every read gives
# the digest of the records written (dc_store_digest: all fields, strings by
# content).
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${2:-1000000}
DIR=${BENCH_DIR:-/tmp/dancu-bench-store}
RUNS=${RUNS:-3}
mkdir -p "$DIR"
G="$DIR/gen-$PEOPLE"
if [ ! -s "$G/truth.csv" ]; then
  echo "generating $G ($PEOPLE people)" >&2
  rm -rf "$G"
  "$DANCU" gen --people "$PEOPLE" --seed 20261126 -o "$G" -q
fi
echo "input: $G/exports: $(ls "$G"/exports | wc -l) files, $(du -sh "$G/exports" | cut -f1); $(nproc) cores; $($DANCU --version)"

# field NAME LINE -> the value of NAME=... in LINE
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ws=""; wm=""; r1s=""; r1m=""; r2s=""; r2m=""; bpr=""; recs=""; wc=""; r1c=""; r2c=""
i=0
while [ $i -lt "$RUNS" ]; do
  rm -rf "$DIR/store"
  w=$("$DANCU" store write "$DIR/store" "$G"/exports -q --threads 2)
  r1=$("$DANCU" store read "$DIR/store" --threads 1)
  r2=$("$DANCU" store read "$DIR/store" --threads 2)
  d=$(field digest "$w")
  for r in "$r1" "$r2"; do
    if [ "$(field digest "$r")" != "$d" ]; then echo "DIGEST MISMATCH: $w / $r" >&2; exit 1; fi
  done
  ws="$ws $(field seconds "$w")"; wm="$wm $(field rec_mb_per_s "$w")"; wc="$wc $(field cpu_seconds "$w")"
  r1s="$r1s $(field seconds "$r1")"; r1m="$r1m $(field rec_mb_per_s "$r1")"; r1c="$r1c $(field cpu_seconds "$r1")"
  r2s="$r2s $(field seconds "$r2")"; r2m="$r2m $(field rec_mb_per_s "$r2")"; r2c="$r2c $(field cpu_seconds "$r2")"
  bpr=$(field bytes_per_record "$w"); recs=$(field records "$w"); bytes=$(field bytes "$w")
  parts=$(field partitions "$w")
  i=$((i + 1))
done
echo "records: $recs in $parts partitions, $bytes bytes on disk: $bpr bytes per record (168 in memory)"
printf "%-16s %9s %9s %11s %13s %15s  %s\n" step seconds "CPU s" "disk MB/s" "record MB/s" "records/CPU-s" "runs (s)"
row() {
  s=$(echo $2 | tr ' ' '\n' | median)
  m=$(echo $3 | tr ' ' '\n' | median)
  c=$(echo $4 | tr ' ' '\n' | median)
  dm=$(awk -v b="$bytes" -v s="$s" 'BEGIN { printf "%.1f", b / 1e6 / s }')
  rc=$(awk -v n="$recs" -v c="$c" 'BEGIN { printf "%.0f", n / c }')
  printf "%-16s %9s %9s %11s %13s %15s  %s\n" "$1" "$s" "$c" "$dm" "$m" "$rc" "$2"
}
row write "$ws" "$wm" "$wc"
row "read 1 thread" "$r1s" "$r1m" "$r1c"
row "read 2 threads" "$r2s" "$r2m" "$r2c"
echo "digests of every read equal the write's"
rm -rf "$DIR/store"
