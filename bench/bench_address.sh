#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_address.sh - throughput of the address parser and matcher.
#
#   sh bench/bench_address.sh [N] [THREADS]
#
# Builds build/libdancu.a if needed, compiles bench/bench_address.c against
# it (-O2, as the engine) and runs it on N seeded synthetic addresses
# (default 200000) with 1 and THREADS (default 2) threads. Figures and
# their meaning: docs/ADDRESSES.md.
set -eu
cd "$(dirname "$0")/.."
make -s -j2 build/libdancu.a
CC=${CC:-cc}
LIBS=$(pkg-config --libs libxxhash libzstd zlib libutf8proc)
$CC -std=c11 -D_GNU_SOURCE -O2 -Iengine -o build/bench_address bench/bench_address.c build/libdancu.a $LIBS -pthread -lm
./build/bench_address "${1:-200000}" "${2:-2}"
