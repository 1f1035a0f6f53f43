#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""mk_admin_units.py SRC_DIR OUT_DIR : build dancu's cleaned administrative-unit
tables (engine/ref/data/admin_*.csv) from the staged reference data
(SRC_DIR = the 'vn' folder described in engine/ref/sources/admin-units.md).

Run by hand when the sources change; never at build or test time. Every
cleaning step is listed in admin-units.md and counted on stderr.
"""
import collections
import csv
import os
import re
import sys
import unicodedata

SRC, OUT = sys.argv[1], sys.argv[2]
stats = collections.Counter()

# Canonical codes of the two new communes whose code differs between GSO
# letter 1027/CTK-CSCL and the GSO API (SOURCES.md quality problem 6):
# the API code is used, the 1027 code is kept as an alias.
CODE_ALIAS = {'06970': '06978', '23737': '23938'}   # 1027 code -> canonical
# Wrong links of the dvhcvn/20250701 mapping (quality problem 5).
LINK_FIX = {('30622', '30259'): '30604'}

TYPES = ['Thành phố', 'Thị trấn', 'Thị xã', 'Đặc khu', 'Phường', 'Huyện', 'Quận', 'Tỉnh', 'Xã']
TONES = {'\u0300', '\u0301', '\u0303', '\u0309', '\u0323'}


def canon_tone(word):
    """Traditional tone placement in open syllables oa/oe/uy (hoà -> hòa,
    thuỷ -> thủy, khoẻ -> khỏe), the style of GSO letter 1027."""
    d = unicodedata.normalize('NFD', word)
    tone, pos, base = None, -1, []
    for ch in d:
        if ch in TONES:
            tone, pos = ch, len([c for c in base if not unicodedata.combining(c)]) - 1
        else:
            base.append(ch)
    if tone is None:
        return word
    letters = unicodedata.normalize('NFC', ''.join(base))
    low = letters.lower()
    m = re.fullmatch(r'([bcdđghklmnpqrstvx]*)(oa|oe|uy)', low)
    if not m or m.group(1).endswith('q') or m.group(1) == 'g' and m.group(2) == 'uy':
        return word
    first = len(m.group(1))
    if pos != first + 1:
        return word
    out = list(letters)
    out[first] = unicodedata.normalize('NFC', out[first] + tone)
    stats['tone moved'] += 1
    return ''.join(out)


def clean(name):
    s = unicodedata.normalize('NFC', name)
    if s != name:
        stats['NFD to NFC'] += 1
    t = s.replace('\u2019', "'").replace('\u2018', "'").replace('\u02bc', "'").replace('`', "'")
    if t != s:
        stats['curly apostrophe'] += 1
    u = ' '.join(t.split())
    if u != t:
        stats['whitespace'] += 1
    u = ' '.join(canon_tone(w) for w in u.split(' '))
    for ty in TYPES:  # "Thị Trấn X", "xã X" -> "Thị trấn X", "Xã X"
        if u.lower().startswith(ty.lower() + ' ') and not u.startswith(ty + ' '):
            u = ty + u[len(ty):]
            stats['type word case'] += 1
    return u


def split_type(full, declared=None):
    for ty in TYPES:
        if full.startswith(ty + ' '):
            if declared and declared != ty and not (declared == 'Thành phố Trung ương' and ty == 'Thành phố'):
                stats['type column contradicts name (name wins)'] += 1
            bare = full[len(ty) + 1:]
            if bare.isdigit() and bare != str(int(bare)):  # "Phường 05" -> "Phường 5"
                stats['leading zero of a numbered unit removed'] += 1
                bare = str(int(bare))
            return ty, bare
    raise SystemExit('no type word in %r' % full)


def read(path):
    with open(os.path.join(SRC, path), encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))


snap = {'2023': read('1-admin-units-pre2025/dvhcvn_20230410_flat.csv'),
        '2025': read('1-admin-units-pre2025/dvhcvn_20250301_flat.csv')}
bit = {'2023': 1, '2025': 2}

prov = collections.OrderedDict()   # (code, type, name) -> snap bits
dist = collections.OrderedDict()   # (code, prov, type, name) -> bits
ward = collections.OrderedDict()   # (code, dist, type, name) -> bits
for y in ('2025', '2023'):
    for r in snap[y]:
        pt, pn = split_type(clean(r['province_name']), r['province_type'])
        k = (r['province_code'], pt, pn)
        prov[k] = prov.get(k, 0) | bit[y]
        dt, dn = split_type(clean(r['district_name']), r['district_type'])
        k = (r['district_code'], r['province_code'], dt, dn)
        dist[k] = dist.get(k, 0) | bit[y]
        wt, wn = split_type(clean(r['ward_name']), r['ward_type'])
        k = (r['ward_code'], r['district_code'], wt, wn)
        ward[k] = ward.get(k, 0) | bit[y]

# Island districts without communes (quality problem 9) are absent from the
# per-commune flat lists: take them from the mapping.
for r in read('2-reform-2025/old_to_new_ward_mapping.csv'):
    if r['old_unit_kind'] == 'district_without_wards':
        dt, dn = split_type(clean(r['old_district_name']))
        k = (r['old_district_code'], r['old_province_code'], dt, dn)
        if k not in dist:
            dist[k] = 3
            stats['island district added from the mapping'] += 1

# New provinces (GSO 915) and communes (GSO 1027), canonical codes.
newprov = collections.OrderedDict()
for r in read('2-reform-2025/gso_915_CTK-CSCL_34_provinces.csv'):
    n = clean(r['Tên 34 tỉnh sau sáp nhập'])
    if not n.startswith('Thành phố '):
        n = 'Tỉnh ' + n
    newprov[r['Mã số']] = split_type(n)
newprov_by_name = {('%s %s' % v): k for k, v in newprov.items()}
tlq = {r['ward_code']: r for r in read('2-reform-2025/new_units_20250701_thanglequoc_v3.0.2_flat.csv')}
newward = collections.OrderedDict()
for r in read('2-reform-2025/gso_1027_CTK-CSCL_new_communes.csv'):
    code = CODE_ALIAS.get(r['ward_code'], r['ward_code'])
    if code != r['ward_code']:
        stats['new commune code replaced by GSO API code'] += 1
    pn = clean(r['province_name'])
    pcode = newprov_by_name[re.sub(r'^Tp ', 'Thành phố ', pn)]
    t = tlq[code]
    if t['province_code'] != pcode:
        raise SystemExit('province disagreement for ' + code)
    wt, wn = split_type(clean(r['ward_name']))
    if clean(t['ward_full_name']) != '%s %s' % (wt, wn):
        stats['1027 name kept over thanglequoc spelling'] += 1
    alias = [a for a, c in CODE_ALIAS.items() if c == code]
    newward[code] = (pcode, wt, wn, alias[0] if alias else '')

# Old -> new links.
links = []
prov_target = collections.defaultdict(collections.Counter)
for r in read('2-reform-2025/old_to_new_ward_mapping.csv'):
    nc = CODE_ALIAS.get(r['new_ward_code'], r['new_ward_code'])
    fix = LINK_FIX.get((r['old_ward_code'], nc))
    if fix:
        nc = fix
        stats['mapping link corrected'] += 1
    if nc not in newward:
        raise SystemExit('unknown new commune ' + nc)
    links.append((r['old_ward_code'], r['old_district_code'] if not r['old_ward_code'] else '', nc,
                  '1' if r['merge_type'] == 'partial' else '0'))
    prov_target[r['old_province_code']][newward[nc][0]] += 1
prov_new = {}
for p, c in prov_target.items():
    if len(c) != 1:
        raise SystemExit('old province %s maps to several new provinces: %s' % (p, dict(c)))
    prov_new[p] = next(iter(c))

os.makedirs(OUT, exist_ok=True)


def write(name, header, rows):
    with open(os.path.join(OUT, name), 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        w.writerows(rows)
    print('%s: %d rows' % (name, len(rows)), file=sys.stderr)


write('admin_provinces.csv', ['era', 'code', 'type', 'name', 'snap', 'new_code'],
      [('old', c, t, n, b, prov_new[c]) for (c, t, n), b in prov.items()] +
      [('new', c, t, n, '', '') for c, (t, n) in newprov.items()])
write('admin_districts.csv', ['code', 'province', 'type', 'name', 'snap'],
      [(c, p, t, n, b) for (c, p, t, n), b in dist.items()])
write('admin_wards_old.csv', ['code', 'district', 'type', 'name', 'snap'],
      [(c, d, t, n, b) for (c, d, t, n), b in ward.items()])
write('admin_wards_new.csv', ['code', 'province', 'type', 'name', 'alias'],
      [(c, p, t, n, a) for c, (p, t, n, a) in newward.items()])
write('admin_ward_links.csv', ['old_ward', 'old_district', 'new_ward', 'partial'], links)
for k, v in sorted(stats.items()):
    print('%6d  %s' % (v, k), file=sys.stderr)
