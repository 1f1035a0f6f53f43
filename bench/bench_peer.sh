#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench_peer.sh - run the Splink-style DuckDB peer (bench/peer) on canonical
# CSV files written by `dancu load`, and report its wall time and peak RSS.
#
#   bench/bench_peer.sh [--threads N] [--out DIR] [--truth TRUTH.csv]
#                       [--memory-limit SIZE] [--threshold P] [--peer-arg ARG]...
#                       FILE.csv...
#
# --peer-arg passes one more argument to splink_duckdb.mjs (e.g. --peer-arg
# --max-pairs --peer-arg 1e7).
#
# Installs the peer's npm dependencies (@duckdb/node-api, pinned by
# bench/peer/package-lock.json) on first use, runs the peer under
# /usr/bin/time -v and prints, on stdout, key=value lines:
#
#   peer_seconds=...        wall time of the peer (node start to exit)
#   peer_peak_rss_kb=...    peak resident set size
#   peer_records=... peer_pairs=... peer_edges=...
#   peer_precision=... peer_recall=... peer_f1=...   (with --truth)
#   peer_links=DIR/links.csv
#
# DIR/summary.json holds the peer's full JSON summary (stage times, blocking
# counts, EM sessions), DIR/model.json the trained model, DIR/peer.log its
# stage log. Exit status: the peer's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer_dir="$here/peer"

threads=$(nproc)
out=bench/out/peer
truth=
memory_limit=8GB
threshold=
extra=()
files=()

usage() { sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
    --threads) threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --truth) truth=$2; shift 2 ;;
    --memory-limit) memory_limit=$2; shift 2 ;;
    --threshold) threshold=$2; shift 2 ;;
    --peer-arg) extra+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    -*) echo "bench_peer.sh: unknown option $1" >&2; usage ;;
    *) files+=("$1"); shift ;;
    esac
done
[ ${#files[@]} -gt 0 ] || usage

command -v node >/dev/null || { echo "bench_peer.sh: node is required (apt-get install nodejs npm)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_peer.sh: /usr/bin/time is required (apt-get install time)" >&2; exit 2; }

# Dependencies: npm ci from the lock file, only when missing or stale.
stamp="$peer_dir/node_modules/.dancu-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$peer_dir/package-lock.json" "$stamp"; then
    echo "bench_peer.sh: installing the peer's dependencies (npm ci)" >&2
    (cd "$peer_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$peer_dir/package-lock.json" "$stamp"
fi

umask 077
mkdir -p "$out"
args=(--out "$out" --threads "$threads" --memory-limit "$memory_limit")
[ -n "$truth" ] && args+=(--truth "$truth")
[ -n "$threshold" ] && args+=(--threshold "$threshold")

set +e
/usr/bin/time -v -o "$out/time.txt" node "$peer_dir/splink_duckdb.mjs" "${args[@]}" "${extra[@]}" "${files[@]}" \
    >"$out/summary.json" 2>"$out/peer.log"
rc=$?
set -e
if [ $rc -ne 0 ]; then
    echo "bench_peer.sh: the peer failed (exit $rc), see $out/peer.log" >&2
    tail -n 5 "$out/peer.log" >&2
    exit $rc
fi

wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time.txt" |
       awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.3f", s }')
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time.txt")
echo "peer_seconds=$wall"
echo "peer_peak_rss_kb=$rss"
node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`peer_records=${s.records}`);
console.log(`peer_pairs=${s.candidate_pairs}`);
console.log(`peer_edges=${s.edges}`);
if (s.eval) for (const k of ["precision", "recall", "f1", "blocking_recall"])
    console.log(`peer_${k}=${s.eval[k].toFixed(6)}`);
' "$out/summary.json"
echo "peer_links=$out/links.csv"
