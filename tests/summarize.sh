#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# summarize.sh RESULTS: add up the per-program lines "NAME PASSED FAILED"
# written by dc_test_main() and print the totals as one closing line.
set -eu
f=$1
[ -s "$f" ] || { echo "check: no test results in $f" >&2; echo "0 passed, 1 failed"; exit 1; }
awk '{p += $2; f += $3; n++} END {
  printf "check: %d test programs\n", n;
  printf "%d passed, %d failed\n", p, f;
  exit (f > 0 || p == 0) }' "$f"
