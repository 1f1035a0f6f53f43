#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_run.sh - `dancu run` end to end: quality against the truth, speed
# per stage, memory, candidate pairs per row; FEBRL3/4 beside the published
# Splink figures.
#
#   sh bench/bench_run.sh [DANCU] [PEOPLE]
#
# 1. Generates (once, seeded, in $BENCH_DIR, default /tmp/dancu-bench-run)
#    `dancu gen --people PEOPLE` (default 1000000: ~1.11 M rows, realistic
#    file styles: legacy encodings, header synonyms, corruptions, hard
#    negatives) and runs `dancu run --threads 2` on it, RUNS times (default
#    1); prints wall and CPU time (the machine may be shared: CPU time is
#    the steadier figure), per-stage times of the last run from report.json,
#    peak RSS, candidate pairs per row, blocking per rule, then `dancu eval`
#    (pairwise and B-cubed precision/recall/F1).
# 2. With python3: hard negatives kept apart (twins, namesakes in one
#    household) and the error breakdown (bench/analyze_errors.py, on the
#    canonical rows of `dancu load`); skipped when PEOPLE > 200000 unless
#    ANALYZE=1 (pure-Python pair enumeration).
# 3. Determinism: links.csv with --threads 1 and 2 byte-identical
#    (PEOPLE <= 200000, or DETERMINISM=1).
# 4. FEBRL3 (dedup) and FEBRL4 (A-B link) from bench/febrl (prepare.py),
#    at the default thresholds and at match probability 0.5 (Splink's),
#    beside Splink's published figures at 0.5.
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${2:-1000000}
DIR=${BENCH_DIR:-/tmp/dancu-bench-run}
RUNS=${RUNS:-1}
SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$DIR"
G="$DIR/gen-$PEOPLE"
if [ ! -s "$G/truth.csv" ]; then
  echo "generating $G ($PEOPLE people)" >&2
  rm -rf "$G"
  "$DANCU" gen --people "$PEOPLE" --seed 20261126 -o "$G" -q
fi
echo "== dancu run on $G: $(ls "$G"/exports | wc -l) files, $(du -sh "$G/exports" | cut -f1), $(tail -n +2 "$G/truth.csv" | wc -l) rows; $(nproc) cores; $($DANCU --version)"
O="$DIR/out-$PEOPLE"
i=0
while [ "$i" -lt "$RUNS" ]; do
  i=$((i + 1))
  rm -rf "$O"
  /usr/bin/time -f "run $i: wall %e s, cpu %U+%S s, peak rss %M KiB" "$DANCU" run -q --threads 2 -o "$O" "$G"/exports/*
done
if command -v python3 >/dev/null 2>&1; then
  python3 - "$O/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
rows = r['stages'][0]['rows'] if r['stages'] else 0
print('stages (last run):')
for s in r['stages']:
    print('  %-16s %8.2f s  peak rss %6.0f MiB' % (s['name'], s['seconds'], s['peak_rss_bytes'] / 2**20))
b = r.get('blocking', {})
if b:
    print('candidate pairs %d (%.2f per row)' % (b['candidate_pairs'], b['candidate_pairs'] / max(rows, 1)))
    for x in b['rules']:
        print('  %-58s pairs %9d new %9d largest block %6d capped %d' %
              (x['rule'], x['pairs'], x['pairs_new'], x['largest_block'], x['capped_blocks']))
c = r.get('clustering', {})
if c:
    print('clustering: %d accepted, %d refused (cannot-link), %d clusters, %d review pairs' %
          (c['pairs_accepted'], c['unions_refused_cannot_link'], c['clusters'], c['review_pairs']))
EOF
fi
"$DANCU" eval --truth "$G/truth.csv" --links "$O/links.csv"

if command -v python3 >/dev/null 2>&1 && { [ "$PEOPLE" -le 200000 ] || [ "${ANALYZE:-0}" = 1 ]; }; then
  rm -rf "$DIR/canon-$PEOPLE"
  "$DANCU" load -q --threads 2 -o "$DIR/canon-$PEOPLE" "$G"/exports/*
  python3 "$SRC/bench/analyze_errors.py" "$G/truth.csv" "$O/links.csv" "$DIR/canon-$PEOPLE"
fi

if [ "$PEOPLE" -le 200000 ] || [ "${DETERMINISM:-0}" = 1 ]; then
  rm -rf "$O-t1"
  "$DANCU" run -q --threads 1 -o "$O-t1" "$G"/exports/*
  if cmp -s "$O/links.csv" "$O-t1/links.csv" && cmp -s "$O/review.csv" "$O-t1/review.csv"; then
    echo "determinism: links.csv and review.csv identical with --threads 1 and 2"
  else
    echo "determinism: FAILED (outputs differ between --threads 1 and 2)"; exit 1
  fi
fi

if command -v python3 >/dev/null 2>&1; then
  echo "== FEBRL (bench/febrl); Splink's published figures at match probability 0.5:"
  echo "   FEBRL3 dedup P 0.9997 R 0.9862 F1 0.9929; FEBRL4 link P 1.0000 R 0.9984 F1 0.9992"
  for n in 3 4; do
    F="$DIR/febrl$n"
    rm -rf "$F"
    python3 "$SRC/bench/febrl/prepare.py" "$n" "$F"
    "$DANCU" run -q -o "$F/out" "$F"/exports/*
    "$DANCU" run -q --match-threshold 0.5 --review-threshold 0.1 -o "$F/out05" "$F"/exports/*
    printf 'FEBRL%s default threshold: ' "$n"
    "$DANCU" eval --truth "$F/truth.csv" --links "$F/out/links.csv" | sed -n 2p
    printf 'FEBRL%s threshold 0.5:     ' "$n"
    "$DANCU" eval --truth "$F/truth.csv" --links "$F/out05/links.csv" | sed -n 2p
  done
fi
