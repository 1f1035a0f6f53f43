#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""prepare.py - public record-linkage benchmarks -> household-export files + truth.

Usage: prepare.py SET OUTDIR
       prepare.py --list

SET is one of: febrl1 febrl2 febrl3 febrl4 fake_1000 historical_50k senzing census.
Writes OUTDIR/exports/*.csv in the input format dancu reads (canonical header
names, UTF-8, comma) and OUTDIR/truth.csv (source,record_id,person_id) for
`dancu eval`. Reads only files inside the repository (bench/febrl/data,
bench/data; their sources and licences: bench/data/SOURCES.md).

Column mappings (the register's columns: ho_ten = full name, family name
first, then middle names, then the given name: the register's order, which
the name parser relies on; ngay_sinh = dd/mm/yyyy; gioi_tinh; so_cmnd = the one ID number column
used; que_quan = native place; noi_thuong_tru = permanent address, free text).
Values the register has no column for go to extra columns named email, phone,
passport, licence and national_id (XCOLS, empty when the set has none): the
default settings ignore them (carried-through columns); a settings file can
declare them as comparisons (non_register.rules; docs/SETTINGS.md).

  febrl1-4     rec_id -> record_id; surname + given_name -> ho_ten;
               date_of_birth YYYYMMDD -> ngay_sinh (kept as is when not a date);
               soc_sec_id (7 digits) -> so_cmnd, zero-padded to 9 digits;
               street_number address_1, address_2, suburb postcode state -> noi_thuong_tru.
               Truth: the N of rec-N-org / rec-N-dup-K (4a and 4b share N).
  fake_1000    unique_id -> record_id; surname + first_name -> ho_ten; dob
               (yyyy-mm-dd) -> ngay_sinh; city -> noi_thuong_tru; email -> email.
               Truth: cluster.
  historical_50k  unique_id -> record_id; surname + first_name -> ho_ten (the
               free-text full_name, titles included, is left out); dob -> ngay_sinh
               (18% are before 1800, outside the register's dates: read as
               invalid by the defaults, read by non_register.rules's
               dob_min_year 1000); gender male/female -> Nam/Nữ; birth_place -> que_quan;
               postcode_fake -> noi_thuong_tru. Truth: cluster.
  senzing      the three files (CUSTOMERS, WATCHLIST, REFERENCE), persons and
               organisations; RECORD_ID -> record_id; PRIMARY_NAME_FULL, else
               PRIMARY_NAME_LAST + MIDDLE + FIRST, else PRIMARY_NAME_ORG -> ho_ten
               ("Last, First" turned into "Last First"); DATE_OF_BIRTH m/d/yyyy,
               m/d/yy or yyyy-mm-dd -> ngay_sinh; GENDER M/F -> Nam/Nữ; SSN_NUMBER
               digits -> so_cmnd; ADDR_FULL, else ADDR_LINE1, CITY, STATE,
               POSTAL_CODE, COUNTRY -> noi_thuong_tru; EMAIL_ADDRESS -> email;
               PHONE_NUMBER -> phone; PASSPORT_NUMBER -> passport;
               DRIVERS_LICENSE_NUMBER -> licence; NATIONAL_ID_NUMBER, else
               TAX_ID_NUMBER -> national_id. Truth: CLUSTER_ID of
               actual_truthset_key.csv.
  census       A and B as two files; rec_id -> record_id; last_name + middle_initial +
               first_name -> ho_ten; house_number street -> noi_thuong_tru (no
               date of birth). Truth: ent_id (household IDs of B made unique upstream).
"""
import csv, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, 'data')
COLS = ['record_id', 'ho_ten', 'ngay_sinh', 'gioi_tinh', 'so_cmnd', 'que_quan', 'noi_thuong_tru']
XCOLS = ['email', 'phone', 'passport', 'licence', 'national_id']
SETS = ['febrl1', 'febrl2', 'febrl3', 'febrl4', 'fake_1000', 'historical_50k', 'senzing', 'census']


def read(path, **kw):
    with open(path, encoding='utf-8', newline='') as f:
        return list(csv.reader(f, **kw))


def dicts(path, **kw):
    rows = read(path, **kw)
    head = [h.strip() for h in rows[0]]
    return [{h: (r[i].strip() if i < len(r) else '') for i, h in enumerate(head)} for r in rows[1:] if r]


def join(*xs, sep=' '):
    return sep.join(x for x in xs if x)


def ymd(s):
    """yyyy-mm-dd or YYYYMMDD -> dd/mm/yyyy (else unchanged)."""
    m = re.fullmatch(r'(\d{4})-?(\d{2})-?(\d{2})', s)
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
        return '%s/%s/%s' % (m.group(3), m.group(2), m.group(1))
    return s


def mdy(s):
    """US m/d/yyyy or m/d/yy -> dd/mm/yyyy; yyyy-mm-dd too."""
    m = re.fullmatch(r'(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})', s)
    if m:
        y = m.group(3)
        if len(y) == 2:
            y = ('19' if int(y) > 25 else '20') + y
        return '%02d/%02d/%s' % (int(m.group(2)), int(m.group(1)), y)
    return ymd(s)


def sex(s):
    s = s.strip().lower()
    return {'m': 'Nam', 'male': 'Nam', 'f': 'Nữ', 'female': 'Nữ'}.get(s, '')


class Out:
    def __init__(self, outdir):
        os.makedirs(os.path.join(outdir, 'exports'), exist_ok=True)
        self.dir = outdir
        self.tf = open(os.path.join(outdir, 'truth.csv'), 'w', encoding='utf-8', newline='')
        self.truth = csv.writer(self.tf, lineterminator='\n')
        self.truth.writerow(['source', 'record_id', 'person_id'])

    def file(self, name, rows):
        """rows: (person_id, {column: value})"""
        with open(os.path.join(self.dir, 'exports', name), 'w', encoding='utf-8', newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(COLS + XCOLS)
            for pid, rec in rows:
                w.writerow([rec.get(c, '') for c in COLS + XCOLS])
                self.truth.writerow([name, rec['record_id'], pid])

    def close(self):
        self.tf.close()


def febrl(out, files):
    for ds in files:
        rows = []
        for r in dicts(os.path.join(ROOT, 'febrl', 'data', ds + '.csv'), skipinitialspace=True):
            ssn = r['soc_sec_id']
            rows.append(('P' + re.match(r'rec-(\d+)', r['rec_id']).group(1), {
                'record_id': r['rec_id'],
                'ho_ten': join(r['surname'], r['given_name']),
                'ngay_sinh': ymd(r['date_of_birth']),
                'so_cmnd': ssn.zfill(9) if ssn.isdigit() else ssn,
                'noi_thuong_tru': join(join(r['street_number'], r['address_1']), r['address_2'],
                                       join(r['suburb'], r['postcode'], r['state']), sep=', '),
            }))
        out.file(ds.replace('dataset', 'febrl') + '.csv', rows)


def fake_1000(out):
    rows = [(r['cluster'], {'record_id': r['unique_id'], 'ho_ten': join(r['surname'], r['first_name']),
                            'ngay_sinh': ymd(r['dob']), 'noi_thuong_tru': r['city'], 'email': r['email']})
            for r in dicts(os.path.join(DATA, 'splink', 'fake_1000.csv'))]
    out.file('fake_1000.csv', rows)


def historical(out):
    rows = [(r['cluster'], {'record_id': r['unique_id'], 'ho_ten': join(r['surname'], r['first_name']),
                            'ngay_sinh': ymd(r['dob']), 'gioi_tinh': sex(r['gender']),
                            'que_quan': r['birth_place'], 'noi_thuong_tru': r['postcode_fake']})
            for r in dicts(os.path.join(DATA, 'splink', 'historical_figures_with_errors_50k.csv'))]
    out.file('historical_50k.csv', rows)


def senzing(out):
    key = {(r['DATA_SOURCE'], r['RECORD_ID']): r['CLUSTER_ID']
           for r in dicts(os.path.join(DATA, 'senzing', 'actual_truthset_key.csv'))}
    for f in ['customers', 'watchlist', 'reference']:
        rows = []
        for r in dicts(os.path.join(DATA, 'senzing', f + '.csv')):
            g = lambda k: r.get(k, '')
            name = g('PRIMARY_NAME_FULL').replace(',', ' ')
            name = name or join(g('PRIMARY_NAME_LAST'), g('PRIMARY_NAME_MIDDLE'), g('PRIMARY_NAME_FIRST'))
            name = name or g('PRIMARY_NAME_ORG')
            addr = g('ADDR_FULL') or join(g('ADDR_LINE1'), g('ADDR_CITY'), g('ADDR_STATE'),
                                          g('ADDR_POSTAL_CODE'), g('ADDR_COUNTRY'), sep=', ')
            ssn = re.sub(r'\D', '', g('SSN_NUMBER'))
            rows.append(('C' + key[(r['DATA_SOURCE'], r['RECORD_ID'])], {
                'record_id': r['RECORD_ID'], 'ho_ten': re.sub(r'\s+', ' ', name).strip(),
                'ngay_sinh': mdy(g('DATE_OF_BIRTH')), 'gioi_tinh': sex(g('GENDER')),
                'so_cmnd': ssn, 'noi_thuong_tru': addr, 'email': g('EMAIL_ADDRESS'),
                'phone': g('PHONE_NUMBER'), 'passport': g('PASSPORT_NUMBER'),
                'licence': g('DRIVERS_LICENSE_NUMBER'),
                'national_id': g('NATIONAL_ID_NUMBER') or g('TAX_ID_NUMBER')}))
        out.file(f + '.csv', rows)


def census(out):
    for ab in 'AB':
        rows = [(r['ent_id'], {'record_id': r['rec_id'],
                               'ho_ten': join(r['last_name'], r['middle_initial'], r['first_name']),
                               'noi_thuong_tru': join(r['house_number'], r['street'])})
                for r in dicts(os.path.join(DATA, 'census', 'census_%s.csv' % ab))]
        out.file('census_%s.csv' % ab, rows)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--list':
        print(' '.join(SETS))
        return
    if len(sys.argv) != 3 or sys.argv[1] not in SETS:
        sys.exit(__doc__)
    s, out = sys.argv[1], Out(sys.argv[2])
    if s.startswith('febrl'):
        febrl(out, {'1': ['dataset1'], '2': ['dataset2'], '3': ['dataset3'], '4': ['dataset4a', 'dataset4b']}[s[5]])
    elif s == 'fake_1000':
        fake_1000(out)
    elif s == 'historical_50k':
        historical(out)
    elif s == 'senzing':
        senzing(out)
    else:
        census(out)
    out.close()


main()
