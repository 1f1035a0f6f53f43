#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run_all.sh - the benchmark of issue 7: `dancu run` end to end against the
# Splink-style DuckDB peer, on the same generated data and thread count.
#
#   sh bench/run_all.sh [DANCU]          (make bench)
#   PEOPLE=10000000 make bench           (10 million people, ~11 M rows)
#
# Variables: PEOPLE (default 1000000), THREADS (default nproc), RUNS (dancu
# runs, the median wall time is reported; default 1), PEER=0 skips the peer,
# MEMORY_LIMIT (passed to dancu run --memory-limit, e.g. 4G), BENCH_DIR
# (default /tmp/dancu-bench). The data is generated once per PEOPLE, seeded.
#
# Prints, for dancu: wall and CPU time, rows/s, per-stage wall times and
# peak RSS (report.json), peak RSS of the process (/usr/bin/time -v), bytes
# of peak RSS per row, candidate pairs per row, pairwise and B-cubed
# precision/recall/F1 (`dancu eval`); for the peer (bench/bench_peer.sh):
# wall time, peak RSS and the same `dancu eval` figures on its links.csv;
# then the ratio peer time / dancu time. The peer reads the canonical UTF-8
# CSV written by `dancu load` (timed separately): its time EXCLUDES the
# decoding of legacy encodings and header mapping that dancu's time
# includes. The last line is a key=value summary (for docs/PERFORMANCE.md).
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${PEOPLE:-1000000}
THREADS=${THREADS:-$(nproc)}
RUNS=${RUNS:-1}
PEER=${PEER:-1}
DIR=${BENCH_DIR:-/tmp/dancu-bench}
SRC=$(cd "$(dirname "$0")/.." && pwd)
command -v python3 >/dev/null || { echo "run_all.sh: python3 is required" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run_all.sh: /usr/bin/time is required (apt-get install time)" >&2; exit 2; }
mkdir -p "$DIR"
G="$DIR/gen-$PEOPLE"
if [ ! -s "$G/truth.csv" ]; then
  echo "generating $G ($PEOPLE people)" >&2
  rm -rf "$G"
  /usr/bin/time -f "gen: wall %e s" "$DANCU" gen --people "$PEOPLE" --seed 20261126 -o "$G" -q
fi
model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
echo "== machine: $(nproc) cores ($model), $mem; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== data: $G: $(ls "$G"/exports | wc -l) files, $(du -sh "$G/exports" | cut -f1), $PEOPLE people; threads $THREADS; $("$DANCU" --version)"

O="$DIR/out-$PEOPLE"
memarg=
[ -n "${MEMORY_LIMIT:-}" ] && memarg="--memory-limit $MEMORY_LIMIT"
: >"$DIR/times-$PEOPLE.txt"
i=0
while [ "$i" -lt "$RUNS" ]; do
  i=$((i + 1))
  rm -rf "$O"
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$DIR/time-$PEOPLE.txt" "$DANCU" run -q --threads "$THREADS" $memarg -o "$O" "$G"/exports/*
  w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time-$PEOPLE.txt" |
      awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
  u=$(sed -n 's/.*User time (seconds): //p' "$DIR/time-$PEOPLE.txt")
  s=$(sed -n 's/.*System time (seconds): //p' "$DIR/time-$PEOPLE.txt")
  r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time-$PEOPLE.txt")
  echo "dancu run $i: wall $w s, cpu $u+$s s, peak rss $((r / 1024)) MiB"
  echo "$w $u $s $r" >>"$DIR/times-$PEOPLE.txt"
done
"$DANCU" eval --truth "$G/truth.csv" --links "$O/links.csv" >"$DIR/eval-$PEOPLE.txt"
cat "$DIR/eval-$PEOPLE.txt"

peer_s= peer_rss= peer_eval= load_s=
if [ "$PEER" = 1 ]; then
  C="$DIR/canon-$PEOPLE"
  rm -rf "$C"
  /usr/bin/time -f "%e" -o "$DIR/load-time.txt" "$DANCU" load -q --threads "$THREADS" -o "$C" "$G"/exports/*
  load_s=$(tail -n 1 "$DIR/load-time.txt")
  echo "dancu load (canonical CSV for the peer): wall $load_s s (not counted in the peer's time)"
  P="$DIR/peer-$PEOPLE"
  rm -rf "$P"
  bash "$SRC/bench/bench_peer.sh" --threads "$THREADS" --out "$P" --memory-limit "${PEER_MEMORY:-16GB}" "$C" >"$DIR/peer-$PEOPLE.txt"
  peer_s=$(sed -n 's/^peer_seconds=//p' "$DIR/peer-$PEOPLE.txt")
  peer_rss=$(sed -n 's/^peer_peak_rss_kb=//p' "$DIR/peer-$PEOPLE.txt")
  echo "peer (DuckDB, Splink-style): wall $peer_s s, peak rss $((peer_rss / 1024)) MiB, $(sed -n 's/^peer_pairs=//p' "$DIR/peer-$PEOPLE.txt") candidate pairs"
  "$DANCU" eval --truth "$G/truth.csv" --links "$P/links.csv" >"$DIR/peer-eval-$PEOPLE.txt"
  cat "$DIR/peer-eval-$PEOPLE.txt"
  peer_eval="$DIR/peer-eval-$PEOPLE.txt"
fi

python3 - "$O/report.json" "$DIR/times-$PEOPLE.txt" "$DIR/eval-$PEOPLE.txt" "$PEOPLE" "$THREADS" \
  "${peer_s:-}" "${peer_rss:-}" "${peer_eval:-}" "${load_s:-}" <<'EOF'
import json, re, statistics, sys
rep, times, ev, people, threads, peer_s, peer_rss, peer_eval, load_s = sys.argv[1:10]
r = json.load(open(rep))
runs = [list(map(float, l.split())) for l in open(times) if l.strip()]
wall = statistics.median(x[0] for x in runs)
cpu = statistics.median(x[1] + x[2] for x in runs)
rss = max(x[3] for x in runs) * 1024
rows = r['stages'][0]['rows']
pairs = r.get('blocking', {}).get('candidate_pairs', 0)
def quality(path):
    t = open(path).read()
    m = re.search(r'pairwise\s+precision ([0-9.]+)\s+recall ([0-9.]+)\s+F1 ([0-9.]+)', t)
    b = re.search(r'B-cubed\s+precision ([0-9.]+)\s+recall ([0-9.]+)\s+F1 ([0-9.]+)', t)
    return [float(x) for x in m.groups()], [float(x) for x in b.groups()]
(p, rc, f1), bc = quality(ev)
print('stages (last run):')
for s in r['stages']:
    print('  %-16s %8.2f s  peak rss %6.0f MiB' % (s['name'], s['seconds'], s['peak_rss_bytes'] / 2**20))
print('dancu: %d rows, wall %.2f s (median of %d), cpu %.2f s, %.0f rows/s, %.0f rows/s per cpu-second, '
      'peak rss %.0f MiB = %.0f bytes/row, %.2f candidate pairs/row' %
      (rows, wall, len(runs), cpu, rows / wall, rows / cpu, rss / 2**20, rss / rows, pairs / rows))
print('dancu quality: pairwise P %.4f R %.4f F1 %.4f; B-cubed F1 %.4f' % (p, rc, f1, bc[2]))
kv = dict(people=people, threads=threads, rows=rows, dancu_seconds='%.2f' % wall, dancu_cpu='%.2f' % cpu,
          rows_per_s='%.0f' % (rows / wall), peak_rss_mib='%.0f' % (rss / 2**20), bytes_per_row='%.0f' % (rss / rows),
          pairs_per_row='%.2f' % (pairs / rows), precision=p, recall=rc, f1=f1, bcubed_f1=bc[2])
if peer_s:
    (pp, pr, pf), pb = quality(peer_eval)
    ps = float(peer_s)
    print('peer quality:  pairwise P %.4f R %.4f F1 %.4f; B-cubed F1 %.4f' % (pp, pr, pf, pb[2]))
    print('ratio: peer %.2f s / dancu %.2f s = %.2fx (peer time excludes decoding: dancu load took %s s); '
          'F1 dancu %.4f vs peer %.4f' % (ps, wall, ps / wall, load_s, f1, pf))
    kv.update(peer_seconds=peer_s, peer_peak_rss_mib='%.0f' % (int(peer_rss) / 1024), peer_f1=pf,
              peer_precision=pp, peer_recall=pr, ratio='%.2f' % (ps / wall), load_seconds=load_s)
print('summary ' + ' '.join('%s=%s' % kv_ for kv_ in kv.items()))
EOF
