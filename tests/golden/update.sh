#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/golden/update.sh BIN : regenerate the committed golden outputs.
#
# For every sample data-samples/<sample>/exports/* and every command in
# GOLDEN_CMDS (default "load normalize run"), run
#     BIN <cmd> --threads 1 -q -o OUT data-samples/<sample>/exports/*
# (OUT is a directory; for normalize, OUT/normalized.csv) from the source root (LC_ALL=C, so the file order is fixed) and store
# OUT's files under tests/golden/<sample>/<cmd>/ and the exit status in
# tests/golden/<sample>/<cmd>.status. tests/prog/check_golden.c runs the
# same command with --threads 1 and 2 and compares byte for byte.
#
# A command that fails without writing anything (e.g. not built yet) is
# reported and its existing golden set, if any, is left alone. Review the
# diff (git diff tests/golden) before committing: a golden change must be an
# intended change.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 path/to/dancu" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export LC_ALL=C
cmds=${GOLDEN_CMDS:-load normalize run}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dancu-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
written=0
for s in data-samples/*/; do
    s=${s%/}
    name=${s#data-samples/}
    [ -d "$s/exports" ] || continue
    for c in $cmds; do
        out="$tmp/$name-$c"
        # normalize writes one file (plus its rejects beside it); the other
        # commands write a directory
        if [ "$c" = normalize ]; then mkdir -p "$out"; oarg="$out/normalized.csv"; else oarg="$out"; fi
        set +e
        # shellcheck disable=SC2086
        "$bin" "$c" --threads 1 -q -o "$oarg" $s/exports/* >/dev/null 2>"$tmp/err"
        st=$?
        set -e
        if [ ! -d "$out" ] || [ -z "$(ls -A "$out")" ]; then
            echo "golden: $name/$c: nothing written (exit $st: $(head -c 200 "$tmp/err"))"
            continue
        fi
        dest="tests/golden/$name/$c"
        rm -rf "$dest"
        mkdir -p "$dest"
        cp "$out"/* "$dest"/
        chmod 644 "$dest"/*
        # no checkout path in the committed files (check_golden.c masks it too)
        for j in "$dest"/*.json; do
            [ -f "$j" ] && sed -i "s|$root/data-samples/|data-samples/|g" "$j"
        done
        echo "$st" > "tests/golden/$name/$c.status"
        echo "golden: $name/$c: $(ls "$dest" | wc -l) files, exit $st"
        written=$((written + 1))
    done
done
# the master: three deliveries of mixed-1000 (tests/golden/master.sh)
if echo " $cmds " | grep -q " run "; then
    rm -rf tests/golden/master-mixed-1000
    if sh tests/golden/master.sh "$bin" tests/golden/master-mixed-1000 1; then
        chmod 644 tests/golden/master-mixed-1000/*
        echo "golden: master-mixed-1000: $(ls tests/golden/master-mixed-1000 | wc -l) files"
        written=$((written + 1))
    else
        echo "golden: master-mixed-1000: failed"
    fi
fi
echo "golden: $written sets written"
