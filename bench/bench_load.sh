#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_load.sh - throughput of `dancu load` against the I/O floor.
#
#   sh bench/bench_load.sh [DANCU] [SIZE_MB]
#
# Generates (once, seeded, in $BENCH_DIR, default /tmp/dancu-bench-load) a
# realistic UTF-8 household export of about SIZE_MB (default 512) and its .zst,
# then times, in the same run so that the machine's load is shared:
#   floor:  cat FILE | wc -l           zstd -dc FILE.zst | wc -l
#   dancu:  load --dry-run (parse, decode, NFC, rejects; no row output)
#           load (also writes the canonical CSV)
#   each with --threads 1 and with all cores, plain and .zst.
# Uses hyperfine when present (3 runs, median), else 3 runs and the median.
# Prints MB/s, rows/s and the ratios to the floor.
set -eu
DANCU=${1:-build/dancu}
MB=${2:-512}
DIR=${BENCH_DIR:-/tmp/dancu-bench-load}
RUNS=${RUNS:-3}
mkdir -p "$DIR"
F="$DIR/export-${MB}mb.csv"

if [ ! -s "$F" ]; then
  echo "generating $F (~$MB MB)" >&2
  awk -v target=$((MB * 1000000)) 'BEGIN {
    srand(20261126);
    split("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý", sur, " ");
    split("Văn Thị Ngọc Quốc Minh Thanh Hữu Đức Xuân Thu Kim Bảo", mid, " ");
    split("An Bình Cường Dũng Hà Hương Lan Thủy Ánh Ý Hùng Mai Tuấn Hải Long Trang Nga Phúc Khoa Yến", giv, " ");
    split("Hà Nội|Hải Phòng|Thái Bình|Nam Định|Nghệ An|Thừa Thiên Huế|Đà Nẵng|Khánh Hòa|Đồng Nai|An Giang|Cần Thơ|Cà Mau", prov, "|");
    split("Kinh Tày Thái Mường Khmer Hoa Nùng", dt, " ");
    print "stt,ma_tinh,ma_ho,quan_he_chu_ho,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,cmnd,Dân tộc,Tôn giáo,Quốc tịch,Quê quán,Nơi thường trú,Nơi ở hiện tại,ghi_chu";
    bytes = 0; i = 0;
    while (bytes < target) {
      i++;
      s = sur[int(rand() * 16) + 1]; m = mid[int(rand() * 12) + 1]; g = giv[int(rand() * 20) + 1];
      p = prov[int(rand() * 12) + 1];
      d = int(rand() * 28) + 1; mo = int(rand() * 12) + 1; y = 1930 + int(rand() * 90);
      sex = (m == "Thị") ? "Nữ" : "Nam";
      id = sprintf("0%02d%d%02d%06d", int(rand() * 96) + 1, (y >= 2000) * 2 + (sex == "Nữ"), y % 100, int(rand() * 1000000));
      addr = sprintf("\"Số %d ngõ %d, phường %d, quận %d, %s\"", int(rand() * 200), int(rand() * 90), int(rand() * 20), int(rand() * 12), p);
      line = sprintf("%09d,%02d,HK%07d,%s,%s %s %s,%02d/%02d/%d,%s,%s,%s,%s,%s,Việt Nam,\"xã %s, %s\",%s,%s,%s",
        i, int(rand() * 96) + 1, int(i / 4), (i % 4 == 1) ? "Chủ hộ" : "Con", s, m, g, d, mo, y, sex, id,
        (rand() < 0.3) ? sprintf("%09d", int(rand() * 1000000000)) : "", dt[int(rand() * 7) + 1],
        (rand() < 0.2) ? "Phật giáo" : "Không", giv[int(rand() * 20) + 1], p, addr, (rand() < 0.5) ? addr : "",
        (rand() < 0.05) ? "\"ghi chú, có dấu phẩy\"" : "");
      print line;
      bytes += length(line) + 1;
    }
  }' > "$F.tmp"
  mv "$F.tmp" "$F"
fi
[ -s "$F.zst" ] || zstd -q -T0 -3 -f "$F" -o "$F.zst"

BYTES=$(wc -c < "$F")
ROWS=$(($(wc -l < "$F") - 1))
NCPU=$(nproc)
OUT="$DIR/out"
echo "input: $F: $BYTES bytes, $ROWS rows; zst $(wc -c < "$F.zst") bytes; $NCPU cores; $($DANCU --version)"

# "WALL CPU": median wall seconds and median CPU seconds (user + sys, all
# threads) of a command. CPU time is the per-core figure that stays
# meaningful on a shared, loaded machine.
median() {
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --style none --runs "$RUNS" --warmup 0 --export-json "$DIR/h.json" "$1" >/dev/null 2>&1 ||
      hyperfine --style none --runs "$RUNS" --warmup 0 --export-json "$DIR/h.json" "$1" >/dev/null
    python3 -c 'import json,sys,statistics as st
r = json.load(open(sys.argv[1]))["results"][0]
cpu = [u + s for u, s in zip(r.get("user_times", [r["user"]]), r.get("system_times", [r["system"]]))] if "user_times" in r else [r["user"] + r["system"]]
print("%.4f %.4f" % (r["median"], st.median(cpu)))' "$DIR/h.json"
  else
    for r in $(seq "$RUNS"); do
      /usr/bin/time -f "%e %U %S" sh -c "$1" 2>&1 >/dev/null | tail -1
    done | awk '{print $1, $2 + $3}' | sort -n | awk '{w[NR]=$1; c[NR]=$2} END {m=int((NR+1)/2); print w[m], c[m]}'
  fi
}

report() {  # name "wall cpu" floor_wall
  set -- "$1" $2 "$3"
  awk -v n="$1" -v s="$2" -v c="$3" -v f="$4" -v b="$BYTES" -v r="$ROWS" 'BEGIN {
    printf "%-36s wall %7.3f s %8.1f MB/s %10.0f rows/s | cpu %7.3f s %8.1f MB/s/core", n, s, b / s / 1e6, r / s, c, b / c / 1e6;
    if (f > 0) printf " | wall x%.2f of floor", s / f;
    printf "\n" }'
}

uptime
t_cat=$(median "sh -c 'cat $F | wc -l'")
t_zcat=$(median "sh -c 'zstd -dc $F.zst | wc -l'")
report "floor: cat | wc -l" "$t_cat" 0
report "floor: zstd -dc | wc -l" "$t_zcat" 0
w_cat=${t_cat%% *}
w_zcat=${t_zcat%% *}
for T in 1 $NCPU; do
  t=$(median "$DANCU load $F -o $OUT --force -q --dry-run --threads $T")
  report "load --dry-run -t $T" "$t" "$w_cat"
  [ "$T" = 1 ] && t1=$t
  t=$(median "$DANCU load $F.zst -o $OUT --force -q --dry-run --threads $T")
  report "load .zst --dry-run -t $T" "$t" "$w_zcat"
  [ "$T" = 1 ] && tz1=$t
  t=$(median "$DANCU load $F -o $OUT --force -q --threads $T")
  report "load (writes CSV) -t $T" "$t" "$w_cat"
done
set -- $t1 $tz1
awk -v a="$2" -v b="$4" 'BEGIN { printf ".zst / plain CPU ratio (1 worker, dry run): %.2f\n", b / a }'
rm -rf "$OUT"
