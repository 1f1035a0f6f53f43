#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/golden/master.sh BIN OUT : a national load in three deliveries of
# data-samples/mixed-1000 into a new master, its golden outputs into OUT.
#
#   1. the first 8 export files (name order);
#   2. the other 8;
#   3. a corrected re-delivery of the first *thuong_tru* file: its data rows
#      2 and 4 removed;
# then `dancu master export`. OUT gets, per step k, lk-changes.csv (and for
# the last step lk-citizens.csv, lk-links.csv), and export-citizens.csv,
# export-links.csv: every file a migration team applies or delivers, none
# with timings or the master's random identity. Run from the source root.
# tests/golden/update.sh writes tests/golden/master-mixed-1000 with it;
# tests/prog/check_master.c runs it again (1 and 2 threads) and compares.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 path/to/dancu OUT [THREADS]" >&2; exit 2; }
bin=$1
out=$2
t=${3:-1}
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dancu-master-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
ex=data-samples/mixed-1000/exports
ls "$ex" > "$tmp/files"
mkdir -p "$tmp/fix" "$out"
fix=$(grep thuong_tru "$tmp/files" | head -1)
sed '3d;5d' "$ex/$fix" > "$tmp/fix/$fix"
# shellcheck disable=SC2046
"$bin" run -t "$t" -q -o "$tmp/l1" --master "$tmp/m" $(head -8 "$tmp/files" | sed "s|^|$ex/|")
# shellcheck disable=SC2046
"$bin" run -t "$t" -q -o "$tmp/l2" --master "$tmp/m" $(tail -n +9 "$tmp/files" | sed "s|^|$ex/|")
"$bin" run -t "$t" -q -o "$tmp/l3" --master "$tmp/m" "$tmp/fix/$fix"
"$bin" master export -t "$t" -q "$tmp/m" -o "$tmp/e"
for k in 1 2 3; do cp "$tmp/l$k/changes.csv" "$out/l$k-changes.csv"; done
cp "$tmp/l3/citizens.csv" "$out/l3-citizens.csv"
cp "$tmp/l3/links.csv" "$out/l3-links.csv"
cp "$tmp/e/citizens.csv" "$out/export-citizens.csv"
cp "$tmp/e/links.csv" "$out/export-links.csv"
