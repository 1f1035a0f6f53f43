#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_deliver.sh - `dancu deliver` against `psql \copy` of the same CSV
# files into the same private PostgreSQL server (issue 17).
#
#   sh bench/bench_deliver.sh [DANCU]
#
# Variables: PEOPLE (default 200000), RUNS (default 5: the median is
# reported), BENCH_DIR (default /tmp/dancu-bench-deliver).
#
# One `dancu run` makes the CSV outputs; a private server is started
# (tests/pg/pgserver.sh: Unix socket, fsync off for both sides) and stopped
# at the end. Each round, in turn:
#   deliver   dancu deliver OUT --replace: one transaction, tables emptied,
#             COPY of citizens, links, review, rejects, then the primary
#             keys, the index and the foreign key built, the runs row;
#   copy      psql -1: TRUNCATE, then \copy of the same four CSV files into
#             tables of the same columns and types WITHOUT keys: the raw
#             rate of COPY, the target (deliver >= 0.9 of it);
#   copy+keys the same psql session then builds the same keys as deliver
#             (the same end state, what a hand-written script does best).
#   binary    dancu deliver --copy-format binary: the CSV converted to COPY's
#             binary format by dancu (the server parses less, the client more);
#   csv, binary (citizens)  \copy of citizens alone from CSV and from COPY's
#             binary format (made once with \copy ... TO): the server's parse
#             cost of each format.
# Rows/s = rows of the four tables / wall seconds (connection included);
# "of which COPY" is the time deliver spent streaming rows (its summary
# line), the same work as psql's \copy into tables without keys.
set -eu
DANCU=${1:-build/dancu}
PEOPLE=${PEOPLE:-200000}
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-/tmp/dancu-bench-deliver}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PW=bench-pw
mkdir -p "$DIR"
G="$DIR/gen-$PEOPLE"
OUT="$DIR/out-$PEOPLE"
if [ ! -s "$G/truth.csv" ]; then
  rm -rf "$G"
  "$DANCU" gen --people "$PEOPLE" --seed 20261126 -o "$G" -q
fi
if [ ! -f "$OUT/_SUCCESS" ]; then
  rm -rf "$OUT"
  "$DANCU" run -q -o "$OUT" "$G/exports"
fi
PG="$DIR/pg"
sh "$SRC/tests/pg/pgserver.sh" stop "$PG" >/dev/null 2>&1 || true
rm -rf "$PG"
mkdir -p "$PG"
sh "$SRC/tests/pg/pgserver.sh" start "$PG" "$PW"
trap 'sh "$SRC/tests/pg/pgserver.sh" stop "$PG" >/dev/null 2>&1; rm -rf "$PG"' EXIT INT TERM
URL="postgresql://dancu:$PW@/postgres?host=$PG/sock"
export PGPASSWORD=$PW
q() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 "postgresql://dancu@/postgres?host=$PG/sock" "$@"; }

# the schema once (dancu creates it), then the \copy tables of the same shape
"$DANCU" deliver -q "$OUT" --to "$URL" --replace
q -c "CREATE SCHEMA cp;
      CREATE TABLE cp.citizens (LIKE dancu.citizens); CREATE TABLE cp.links (LIKE dancu.links);
      CREATE TABLE cp.review (LIKE dancu.review); ALTER TABLE cp.review DROP COLUMN run_id;
      CREATE TABLE cp.rejects (LIKE dancu.rejects); ALTER TABLE cp.rejects DROP COLUMN run_id;
      CREATE TABLE cp.cit2 (LIKE dancu.citizens);"
q -c "\\copy dancu.citizens to '$DIR/citizens.bin' (format binary)"
rows=$(q -c "SELECT (SELECT count(*) FROM dancu.citizens) + (SELECT count(*) FROM dancu.links)
                  + (SELECT count(*) FROM dancu.review) + (SELECT count(*) FROM dancu.rejects)")
crow=$(q -c "SELECT count(*) FROM dancu.citizens")

cat > "$DIR/copy.sql" <<EOF
TRUNCATE cp.citizens, cp.links, cp.review, cp.rejects;
\\copy cp.citizens from '$OUT/citizens.csv' (format csv, header)
\\copy cp.links from '$OUT/links.csv' (format csv, header)
\\copy cp.review from '$OUT/review.csv' (format csv, header)
\\copy cp.rejects from '$OUT/rejects.csv' (format csv, header)
EOF
cp "$DIR/copy.sql" "$DIR/copykeys.sql"
cat >> "$DIR/copykeys.sql" <<EOF
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE cp.citizens ADD CONSTRAINT cp_citizens_pkey PRIMARY KEY (citizen_key);
ALTER TABLE cp.links ADD CONSTRAINT cp_links_pkey PRIMARY KEY (source, record_id);
CREATE INDEX cp_links_citizen_idx ON cp.links (citizen_key);
ALTER TABLE cp.links ADD CONSTRAINT cp_links_citizen_fk FOREIGN KEY (citizen_key) REFERENCES cp.citizens (citizen_key);
ALTER TABLE cp.review ADD CONSTRAINT cp_review_pkey PRIMARY KEY (source_a, record_id_a, source_b, record_id_b);
ALTER TABLE cp.rejects ADD CONSTRAINT cp_rejects_pkey PRIMARY KEY (source, line);
EOF
dropkeys="ALTER TABLE cp.links DROP CONSTRAINT IF EXISTS cp_links_citizen_fk;
  ALTER TABLE cp.links DROP CONSTRAINT IF EXISTS cp_links_pkey; DROP INDEX IF EXISTS cp.cp_links_citizen_idx;
  ALTER TABLE cp.citizens DROP CONSTRAINT IF EXISTS cp_citizens_pkey;
  ALTER TABLE cp.review DROP CONSTRAINT IF EXISTS cp_review_pkey;
  ALTER TABLE cp.rejects DROP CONSTRAINT IF EXISTS cp_rejects_pkey;"

now() { date +%s.%N; }
: > "$DIR/times"
for r in $(seq 1 "$RUNS"); do
  t0=$(now); "$DANCU" deliver "$OUT" --to "$URL" --replace 2> "$DIR/deliver.msg"; t1=$(now)
  echo "deliver $(echo "$t1 - $t0" | bc)" >> "$DIR/times"
  echo "delivercopy $(sed -n 's/.*; COPY \([0-9.]*\) s.*/\1/p' "$DIR/deliver.msg")" >> "$DIR/times"
  t0=$(now); "$DANCU" deliver -q "$OUT" --to "$URL" --replace --copy-format binary; t1=$(now)
  echo "deliverbin $(echo "$t1 - $t0" | bc)" >> "$DIR/times"
  q -c "$dropkeys" >/dev/null
  t0=$(now); q -1 -f "$DIR/copy.sql"; t1=$(now)
  echo "copy $(echo "$t1 - $t0" | bc)" >> "$DIR/times"
  q -c "$dropkeys" >/dev/null
  t0=$(now); q -1 -f "$DIR/copykeys.sql"; t1=$(now)
  echo "copykeys $(echo "$t1 - $t0" | bc)" >> "$DIR/times"
  t0=$(now); q -1 -c "TRUNCATE cp.cit2" -c "\\copy cp.cit2 from '$OUT/citizens.csv' (format csv, header)"; t1=$(now)
  echo "csv $(echo "$t1 - $t0" | bc)" >> "$DIR/times"
  t0=$(now); q -1 -c "TRUNCATE cp.cit2" -c "\\copy cp.cit2 from '$DIR/citizens.bin' (format binary)"; t1=$(now)
  echo "binary $(echo "$t1 - $t0" | bc)" >> "$DIR/times"
done
med() { awk -v k="$1" '$1 == k {print $2}' "$DIR/times" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
d=$(med deliver); dc=$(med delivercopy); db=$(med deliverbin); c=$(med copy); k=$(med copykeys); cs=$(med csv); bi=$(med binary)
printf 'dancu deliver vs psql \\copy: %s people, %s rows (citizens, links, review, rejects), median of %s rounds\n' \
  "$PEOPLE" "$rows" "$RUNS"
printf '  %-26s %8.2f s  %9.0f rows/s\n' "dancu deliver" "$d" "$(echo "$rows / $d" | bc -l)"
printf '  %-26s %8.2f s  %9.0f rows/s\n' "  of which COPY" "$dc" "$(echo "$rows / $dc" | bc -l)"
printf '  %-26s %8.2f s  %9.0f rows/s\n' "dancu deliver (binary)" "$db" "$(echo "$rows / $db" | bc -l)"
printf '  %-26s %8.2f s  %9.0f rows/s\n' "psql \\copy (no keys)" "$c" "$(echo "$rows / $c" | bc -l)"
printf '  %-26s %8.2f s  %9.0f rows/s\n' "psql \\copy + same keys" "$k" "$(echo "$rows / $k" | bc -l)"
printf '  rate ratios: deliver COPY / \\copy %.2f   deliver / (\\copy + keys) %.2f   deliver / \\copy %.2f\n' \
  "$(echo "$c / $dc" | bc -l)" "$(echo "$k / $d" | bc -l)" "$(echo "$c / $d" | bc -l)"
printf '  citizens alone (%s rows): \\copy csv %.2f s, binary %.2f s (binary/csv time %.2f)\n' \
  "$crow" "$cs" "$bi" "$(echo "$bi / $cs" | bc -l)"
echo "deliver_rows_per_s=$(echo "$rows / $d" | bc) deliver_copy_rows_per_s=$(echo "$rows / $dc" | bc) copy_rows_per_s=$(echo "$rows / $c" | bc) copykeys_rows_per_s=$(echo "$rows / $k" | bc) copy_phase_ratio=$(echo "scale=3; $c / $dc" | bc) end_to_end_ratio_keys=$(echo "scale=3; $k / $d" | bc) end_to_end_ratio=$(echo "scale=3; $c / $d" | bc)"
