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

# 4. mac_cr.csv: old Mac line ends (CR alone), a quoted two-line address.
{
  printf '%s\r' "$H"
  printf '1,36,036000000001,Chủ hộ,Trịnh Văn Quang,07/07/1967,Nam,036067000001,Kinh,Nam Định\r'
  printf '2,36,036000000001,Vợ,Đoàn Thị Quyên,08/08/1969,Nữ,036169000002,Kinh,"Xóm 2,\rxã Giao Thủy"\r'
  printf '3,36,036000000001,Con,Trịnh Văn Quân,09/09/1999,Nam,036099000003,Kinh,Nam Định\r'
} > "$e/mac_cr.csv"

# 5. stray_quote.csv: a stray quote inside an unquoted name, among quoted
#    multi-line addresses: data, no later record moves.
{
  printf '%s\n' "$H"
  printf '1,66,066000000001,Chủ hộ,Y Bl"uk Niê,10/10/1960,Nam,066060000001,Ê Đê,"Buôn Ko Tam,\nxã Ea Tu"\n'
  printf '2,66,066000000001,Vợ,H Mai Êban,11/11/1962,Nữ,066162000002,Ê Đê,"Buôn Ko Tam,\nxã Ea Tu"\n'
  printf '3,66,066000000001,Con,Y Sơn Niê,12/12/1990,Nam,066090000003,Ê Đê,Đắk Lắk\n'
} > "$e/stray_quote.csv"

# 6. formula.csv: record_ids a spreadsheet would run as formulas (the CSV
#    outputs prefix them with a single quote, docs/OUTPUTS.md).
{
  printf '%s\n' "$H"
  printf '"=HYPERLINK(""http://evil.example/"",""x"")",89,089000000001,Chủ hộ,Lâm Văn Phúc,01/01/1971,Nam,089071000001,Kinh,An Giang\n'
  printf '@2,89,089000000001,Vợ,Thạch Thị Sa,02/02/1973,Nữ,089173000002,Khmer,An Giang\n'
  printf -- '-3,89,089000000001,Con,Lâm Văn Tài,03/03/1995,Nam,089095000003,Kinh,An Giang\n'
} > "$e/formula.csv"

# The truth of the rows that can be read (rejected rows have none).
{
  printf 'source,record_id,person_id\n'
  printf 'bad_rows.csv,1,D001\nbad_rows.csv,7,D007\nbad_rows.csv,8,D008\nbad_rows.csv,9,D009\n'
  printf 'unterminated.csv,1,D101\n'
  printf 'long_field.csv,1,D201\nlong_field.csv,3,D203\n'
  printf 'mac_cr.csv,1,D301\nmac_cr.csv,2,D302\nmac_cr.csv,3,D303\n'
  printf 'stray_quote.csv,1,D401\nstray_quote.csv,2,D402\nstray_quote.csv,3,D403\n'
  printf 'formula.csv,"=HYPERLINK(""http://evil.example/"",""x"")",D501\nformula.csv,@2,D502\nformula.csv,-3,D503\n'
} > "$d/truth.csv"
