#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# make.sh DIR : write the "dirty" sample: export files full of rows a loader
# must reject (or survive), each documented in data-samples/README.md.
# Deterministic: the same bytes every time. Names are invented.
set -eu
d=${1:-$(dirname "$0")}
mkdir -p "$d/exports"
H='record_id,ma_tinh,ma_ho,quan_he_chu_ho,ho_ten,ngay_sinh,gioi_tinh,so_dinh_danh,dan_toc,noi_thuong_tru'
e="$d/exports"

# 1. bad_rows.csv: wrong field counts, a NUL byte, invalid UTF-8, an empty
#    name, a quoted field with a newline and a doubled quote (valid), CRLF
#    on one line, a blank line, and good rows between them.
{
  printf '%s\n' "$H"
  printf '1,01,001000000001,Chủ hộ,Nguyễn Văn An,05/03/1987,Nam,001087000001,Kinh,"Số 1 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội"\n'
  printf '2,01,001000000001,Vợ,Trần Thị Bình,12/11/1989,Nữ,001189000002,Kinh\n'
  printf '3,01,001000000001,Con,Nguyễn Văn Cường,01/02/2012,Nam,001212000003,Kinh,"Số 1 Phố Huế, Hà Nội",extra,fields\n'
  printf '4,01,001000000002,Chủ hộ,Lê Thị D\000ung,20/10/1970,Nữ,001170000004,Kinh,Hà Nội\n'
  printf '5,01,001000000003,Chủ hộ,Ph\303\050m Văn Em,1965,Nam,001065000005,Kinh,Hà Nội\n'
  printf '6,01,001000000004,Chủ hộ,,03/03/1990,Nam,001090000006,Kinh,Hà Nội\n'
  printf '7,01,001000000005,Chủ hộ,"Hoàng ""Út"" Giang",1950,Nữ,,Tày,"Thôn Nà Pồ,\nxã Cốc Lùng, huyện Ba Bể, tỉnh Bắc Kạn"\n'
  printf '8,01,001000000005,Con,Hoàng Văn Hải,15/06/1975,Nam,006075000008,Tày,Bắc Kạn\r\n'
  printf '\n'
  printf '9,01,001000000006,Chủ hộ,Đỗ Thị Hạnh,30/02/1980,Nữ,001180000009,Kinh,Hà Nội\n'
} > "$e/bad_rows.csv"

# 2. unterminated.csv: a quote opened on the last record and never closed.
{
  printf '%s\n' "$H"
  printf '1,79,079000000001,Chủ hộ,Võ Thị Lan,1/1/1960,Nữ,079160000001,Kinh,"Phường 5, Quận 3, TP. Hồ Chí Minh"\n'
  printf '2,79,079000000001,Con,"Võ Minh Tâm,02/02/1985,Nam,079085000002,Kinh,Phường 5\n'
  printf '3,79,079000000001,Con,Võ Minh Trí,03/03/1988,Nam,079088000003,Kinh,Phường 5\n'
} > "$e/unterminated.csv"

# 3. long_field.csv: one field over the default 65,536-byte limit.
{
  printf '%s\n' "$H"
  printf '1,48,048000000001,Chủ hộ,Phan Văn Long,04/04/1944,Nam,048044000001,Kinh,Đà Nẵng\n'
  printf '2,48,048000000001,Con,Phan Thị '
  i=0; while [ $i -lt 1100 ]; do printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; i=$((i + 1)); done
  printf ',05/05/1970,Nữ,048170000002,Kinh,Đà Nẵng\n'
  printf '3,48,048000000001,Con,Phan Văn Lộc,06/06/1972,Nam,048072000003,Kinh,Đà Nẵng\n'
} > "$e/long_field.csv"

# The truth of the rows that can be read (rejected rows have none).
{
  printf 'source,record_id,person_id\n'
  printf 'bad_rows.csv,1,D001\nbad_rows.csv,7,D007\nbad_rows.csv,8,D008\nbad_rows.csv,9,D009\n'
  printf 'unterminated.csv,1,D101\n'
  printf 'long_field.csv,1,D201\nlong_field.csv,3,D203\n'
} > "$d/truth.csv"
