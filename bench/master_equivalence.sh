#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# master_equivalence.sh - a national load delivered in batches against one
# batch run on the final data (docs/MASTER.md, "Equivalence").
#
#   sh bench/master_equivalence.sh [DANCU] [PEOPLE]
#
# Generates `dancu gen --people PEOPLE` (default 1000000, canonical files,
# seeded) in $BENCH_DIR (default /tmp/dancu-bench-master-eq), then:
#   1. loads its files into a new master in four batches (file i of the
#      sorted list goes to batch i mod 4);
#   2. re-delivers the largest file with corrections: its first 3 rows
#      removed, the next 3 changed into other people (name, birth date, IDs),
#      2 rows of another file appended under new record_ids;
#   3. runs one batch run on the final files;
# and prints, with `dancu eval`: the pairwise and B-cubed F1 of the
# master's export against the batch run's clusters (target: pairwise F1
# >= 0.999), both against the generator's truth, and how many citizens of
# the first load kept their key to the end.
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${2:-1000000}
DIR=${BENCH_DIR:-/tmp/dancu-bench-master-eq}
THREADS=${THREADS:-2}
G="$DIR/gen-$PEOPLE"
mkdir -p "$DIR"
if [ ! -s "$G/truth.csv" ]; then
  rm -rf "$G"
  "$DANCU" gen -q --people "$PEOPLE" --seed 20261206 --styles canonical --no-legacy -o "$G"
fi
M="$DIR/master"
rm -rf "$M" "$DIR"/load-* "$DIR"/export* "$DIR/batch" "$DIR/final"
ls "$G/exports" > "$DIR/files.txt"
for b in 0 1 2 3; do
  files=$(awk -v b=$b -v g="$G/exports" '(NR - 1) % 4 == b { printf "%s/%s ", g, $0 }' "$DIR/files.txt")
  # shellcheck disable=SC2086
  "$DANCU" run -q -t "$THREADS" -o "$DIR/load-$b" --master "$M" $files
done
"$DANCU" master export -q "$M" -o "$DIR/export-4"
big=$(ls -S "$G/exports" | head -1)
other=$(ls -S "$G/exports" | sed -n 2p)
mkdir -p "$DIR/final"
for f in "$G"/exports/*; do [ "$(basename "$f")" = "$big" ] || ln -s "$f" "$DIR/final/"; done
awk 'BEGIN { FS = OFS = "," } NR >= 2 && NR <= 4 { next }
     NR >= 5 && NR <= 7 { $5 = "Tạ Quang Bửu"; $6 = "0" NR "/01/1911"; $8 = ""; $9 = "" } { print }' \
  "$G/exports/$big" > "$DIR/final/$big"
awk 'BEGIN { FS = OFS = "," } NR >= 2 && NR <= 3 { $1 = "R9000" NR; print }' "$G/exports/$other" >> "$DIR/final/$big"
"$DANCU" run -q -t "$THREADS" -o "$DIR/load-fix" --master "$M" "$DIR/final/$big"
"$DANCU" master export -q "$M" -o "$DIR/export"
"$DANCU" run -q -t "$THREADS" -o "$DIR/batch" "$DIR/final"
# the batch run's clusters as a truth file
awk 'BEGIN { FS = OFS = "," } NR == 1 { print "source,record_id,person_id"; next } { print $1, $2, $3 }' \
  "$DIR/batch/links.csv" > "$DIR/batch-truth.csv"
echo "master (4 batches + a corrected re-delivery) against one batch run on the final files, $PEOPLE people:"
"$DANCU" eval --truth "$DIR/batch-truth.csv" --links "$DIR/export/links.csv"
echo "against the generator's truth: master export, then batch run"
"$DANCU" eval --truth "$G/truth.csv" --links "$DIR/export/links.csv" || true
"$DANCU" eval --truth "$G/truth.csv" --links "$DIR/batch/links.csv" || true
# keys of the first load still given to the same rows at the end
kept=$(awk -F, 'NR == FNR { if (FNR > 1) k[$1 "," $2] = $3; next } FNR > 1 && ($1 "," $2) in k && k[$1 "," $2] == $3 { n++ } END { print n + 0 }' \
  "$DIR/load-0/links.csv" "$DIR/export/links.csv")
first=$(($(wc -l < "$DIR/load-0/links.csv") - 1))
echo "rows of the first load whose citizen key is unchanged at the end: $kept of $first"
