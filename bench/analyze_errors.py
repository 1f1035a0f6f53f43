#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""analyze_errors.py - where a run's links disagree with the truth.

Usage: analyze_errors.py TRUTH.csv LINKS.csv CANONICAL_DIR [--show N]

CANONICAL_DIR is the output of `dancu load` on the same inputs (canonical
UTF-8 columns, one file per source). Prints, for the missed true pairs
(false negatives) and the wrong pairs (false positives), which fields
differ, and counts the hard negatives of synthetic data that a run kept
apart: twins (same household, same birth date, different people) and
namesakes in one household (father and son with the same name).
Personal data is printed only with --show (synthetic data only!).
"""
import csv, os, sys, collections, itertools, unicodedata

def strip(s):
    s = unicodedata.normalize('NFD', s.lower()).replace('đ', 'd')
    return ' '.join(''.join(c for c in s if unicodedata.category(c) != 'Mn').split())

def main():
    truth, links, cdir = sys.argv[1:4]
    show = int(sys.argv[sys.argv.index('--show') + 1]) if '--show' in sys.argv else 0
    person = {}
    for r in csv.DictReader(open(truth, encoding='utf-8')):
        person[(r['source'], r['record_id'])] = r['person_id']
    key = {}
    for r in csv.DictReader(open(links, encoding='utf-8')):
        key[(r['source'], r['record_id'])] = r['citizen_key']
    rows = {}
    for f in os.listdir(cdir):
        if not f.endswith('.csv') or f == 'rejects.csv':
            continue
        for r in csv.DictReader(open(os.path.join(cdir, f), encoding='utf-8')):
            rows[(f, r['record_id'])] = r
    by_p = collections.defaultdict(list)
    for k, p in person.items():
        if k in key:
            by_p[p].append(k)
    by_c = collections.defaultdict(list)
    for k, c in key.items():
        by_c[c].append(k)

    def diff(a, b):
        ra, rb = rows.get(a), rows.get(b)
        if not ra or not rb:
            return ('?',)
        out = []
        if ra['ho_ten'] != rb['ho_ten']:
            out.append('name' if strip(ra['ho_ten']) != strip(rb['ho_ten']) else 'name_diacritics')
        if ra['ngay_sinh'] != rb['ngay_sinh']:
            out.append('dob')
        if ra['so_dinh_danh'] != rb['so_dinh_danh']:
            out.append('id12' if ra['so_dinh_danh'] and rb['so_dinh_danh'] else 'id12_one_side')
        if ra['gioi_tinh'] != rb['gioi_tinh']:
            out.append('sex')
        if strip(ra['ho_ten_cha']) != strip(rb['ho_ten_cha']):
            out.append('father')
        return tuple(out) or ('identical',)

    fn = collections.Counter()
    fn_ex = []
    for p, ks in by_p.items():
        for a, b in itertools.combinations(ks, 2):
            if key[a] != key[b]:
                d = diff(a, b)
                fn[d] += 1
                fn_ex.append((d, a, b))
    fp = collections.Counter()
    fp_ex = []
    for c, ks in by_c.items():
        for a, b in itertools.combinations(ks, 2):
            if person.get(a) != person.get(b):
                d = diff(a, b)
                fp[d] += 1
                fp_ex.append((d, a, b))
    print('missed true pairs (false negatives): %d' % sum(fn.values()))
    for d, n in fn.most_common(15):
        print('  %6d  differ on %s' % (n, '+'.join(d)))
    print('wrong pairs (false positives): %d' % sum(fp.values()))
    for d, n in fp.most_common(15):
        print('  %6d  differ on %s' % (n, '+'.join(d)))
    # hard negatives: people of one household with the same birth date (twins)
    # or the same name (namesakes), kept apart or not
    hh = collections.defaultdict(list)
    for k, r in rows.items():
        if k in person and r.get('ma_ho'):
            hh[(k[0], r['ma_ho'])].append(k)
    twins = twins_ok = names = names_ok = 0
    for ks in hh.values():
        for a, b in itertools.combinations(ks, 2):
            if person[a] == person[b]:
                continue
            ra, rb = rows[a], rows[b]
            if ra['ngay_sinh'] and ra['ngay_sinh'] == rb['ngay_sinh']:
                twins += 1
                twins_ok += key[a] != key[b]
            elif strip(ra['ho_ten']) == strip(rb['ho_ten']):
                names += 1
                names_ok += key[a] != key[b]
    print('same-household pairs of different people with the same birth date (twins): %d, kept apart %d' % (twins, twins_ok))
    print('same-household pairs of different people with the same name (namesakes): %d, kept apart %d' % (names, names_ok))
    for title, ex in (('FN', fn_ex), ('FP', fp_ex)):
        for d, a, b in ex[:show]:
            ra, rb = rows.get(a, {}), rows.get(b, {})
            print(title, '+'.join(d), '%s:%s %s:%s' % (a + b))
            for r in (ra, rb):
                print('   ', ' | '.join(r.get(c, '') for c in ('ho_ten', 'ngay_sinh', 'gioi_tinh', 'so_dinh_danh', 'so_cmnd', 'ho_ten_cha', 'ho_ten_me', 'noi_thuong_tru')))

main()
