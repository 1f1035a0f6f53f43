// SPDX-License-Identifier: GPL-3.0-or-later
//
// test_peer.mjs - tests of the peer (node --test bench/peer/test_peer.mjs,
// after `npm ci` in bench/peer). They run splink_duckdb.mjs on small
// hand-written canonical CSV files and check the cleaned columns
// (--dump-clean), the clustering and the output contract.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { Runner, connectedComponents } from './splink_duckdb.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PEER = path.join(here, 'splink_duckdb.mjs');
const HEADER = 'record_id,ma_tinh,ma_ho,quan_he_chu_ho,ho_ten,ngay_sinh,gioi_tinh,so_dinh_danh,so_cmnd,'
    + 'dan_toc,ton_giao,quoc_tich,que_quan,noi_thuong_tru,noi_o_hien_tai,ho_ten_cha,ho_ten_me,ho_ten_vo_chong,ngay_chet';

// A row from a partial object; unspecified fields are empty.
function row(r) {
    const cols = HEADER.split(',');
    return cols.map((c) => {
        const v = r[c] ?? '';
        return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    }).join(',');
}

function writeCsv(dir, name, rows) {
    const p = path.join(dir, `${name}.csv`);
    fs.writeFileSync(p, [HEADER, ...rows.map(row)].join('\n') + '\n');
    return p;
}

// Minimal CSV reader for the peer's outputs (quoted fields, no newlines in them).
function readCsv(p) {
    const lines = fs.readFileSync(p, 'utf8').trim().split('\n');
    const split = (l) => {
        const out = [];
        let cur = '', q = false;
        for (let i = 0; i < l.length; i++) {
            const ch = l[i];
            if (q) {
                if (ch === '"' && l[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
            } else if (ch === '"') q = true; else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
        }
        out.push(cur);
        return out;
    };
    const head = split(lines[0]);
    return lines.slice(1).map((l) => Object.fromEntries(split(l).map((v, i) => [head[i], v])));
}

function runPeer(files, extra = []) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-test-'));
    const stdout = execFileSync('node', [PEER, '--quiet', '--threads', '2', '--max-pairs', '2000',
        '--out', out, ...extra, ...files], { encoding: 'utf8' });
    return { out, summary: JSON.parse(stdout) };
}

// Background population so that u and EM have something to learn from:
// distinct people, no duplicates.
function background(n, prefix) {
    const sur = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi'];
    const given = ['An', 'Bình', 'Cường', 'Dũng', 'Giang', 'Hải', 'Hùng', 'Lan', 'Mai', 'Nga', 'Phúc', 'Quân', 'Sơn', 'Tâm'];
    const rows = [];
    for (let i = 0; i < n; i++) {
        const y = 1940 + (i * 7) % 70, m = 1 + (i * 5) % 12, d = 1 + (i * 11) % 28;
        rows.push({
            record_id: `${prefix}${String(i).padStart(5, '0')}`,
            ho_ten: `${sur[i % sur.length]} ${i % 2 ? 'Thị' : 'Văn'} ${given[(i * 3) % given.length]} ${given[(i * 5 + 1) % given.length]}`,
            ngay_sinh: `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`,
            gioi_tinh: i % 2 ? 'Nữ' : 'Nam',
            so_dinh_danh: `0${String(10 + (i % 80)).padStart(2, '0')}${i % 2}${String(y % 100).padStart(2, '0')}${String(100000 + i * 37).slice(-6)}`,
            dan_toc: 'Kinh',
            noi_thuong_tru: `Xã Tân ${given[i % given.length]}, Huyện Châu Thành, Tỉnh An Giang`,
        });
    }
    return rows;
}

test('dates: every format of the input contract', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-in-'));
    const cases = [
        ['12/03/1985', '1985-03-12', 1985, 3, 12],
        ['5/7/1990', '1990-07-05', 1990, 7, 5],
        ['05-07-1990', '1990-07-05', 1990, 7, 5],
        ['1990-07-05', '1990-07-05', 1990, 7, 5],
        ['05/07/90', '1990-07-05', 1990, 7, 5],
        ['1975', '', 1975, '', ''],
        ['00/00/1950', '', 1950, '', ''],
        ['03/1962', '', 1962, 3, ''],
        ['18264', '1950-01-01', 1950, 1, 1],
        ['07/25/1980', '1980-07-25', 1980, 7, 25],     // impossible dd/mm: read as mm/dd
        ['1990/07/05', '1990-07-05', 1990, 7, 5],
        ['05.07.1990', '1990-07-05', 1990, 7, 5],
        ['19900705', '1990-07-05', 1990, 7, 5],
        ['31/02/1990', '', '', '', ''],
        ['not a date', '', '', '', ''],
    ];
    const rows = cases.map(([ds], i) => ({ record_id: `d${i}`, ho_ten: `Người Thứ ${i}`, ngay_sinh: ds }));
    const f = writeCsv(dir, 'dates', rows);
    const { out } = runPeer([f], ['--dump-clean']);
    const clean = Object.fromEntries(readCsv(path.join(out, 'clean.csv')).map((r) => [r.record_id, r]));
    cases.forEach(([ds, dob, y, m, d], i) => {
        const r = clean[`d${i}`];
        assert.equal(r.dob, dob, `dob of ${ds}`);
        assert.equal(r.dob_y, String(y), `year of ${ds}`);
        assert.equal(r.dob_m, String(m), `month of ${ds}`);
        assert.equal(r.dob_d, String(d), `day of ${ds}`);
    });
});

test('cleaning: names, IDs, sex codes per file, ethnic group, addresses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-in-'));
    // In this file 1 = female: the IDs' sex digits say so.
    const a = writeCsv(dir, 'tinh_a', [
        { record_id: 'a1', ho_ten: '  ĐẶNG  Thị-Hoà ', gioi_tinh: '1', so_dinh_danh: '001 185 012345', dan_toc: "Dân tộc H'Mông",
          noi_thuong_tru: 'Số 12 ngõ 34 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội' },
        { record_id: 'a2', ho_ten: 'Lê Văn Nghĩa', gioi_tinh: '0', so_dinh_danh: '001085000111', so_cmnd: '123-456-789',
          noi_thuong_tru: 'P.05, Q.3, TP. Hồ Chí Minh' },
        { record_id: 'a3', ho_ten: 'Phan Thị Quý', gioi_tinh: '1', so_cmnd: '079301000999', dan_toc: 'Hmông',
          noi_thuong_tru: 'Phường 5, Quận 3, Thành phố Hồ Chí Minh' },
    ]);
    // In this file 1 = male (middle names).
    const b = writeCsv(dir, 'tinh_b', [
        { record_id: 'b1', ho_ten: 'Trần Văn Khôi', gioi_tinh: '1' },
        { record_id: 'b2', ho_ten: 'Võ Thị Mai', gioi_tinh: '0', noi_thuong_tru: 'Ấp 3, X. Tân Hòa, H. Châu Thành, T. An Giang' },
        { record_id: 'b3', ho_ten: 'Võ Thị Lan', gioi_tinh: 'nữ' },
        { record_id: 'b4', ho_ten: 'Võ Minh Tú', gioi_tinh: 'M' },
    ]);
    const { out } = runPeer([a, b], ['--dump-clean']);
    const c = Object.fromEntries(readCsv(path.join(out, 'clean.csv')).map((r) => [r.record_id, r]));
    const expect = [
        ['a1', 'name_e', 'đặng thị hoà'], ['a1', 'name_a', 'dang thi hoa'], ['a1', 'sur', 'dang'],
        ['a1', 'given', 'hoa'], ['a2', 'name_p', 'le van ngia'], ['b1', 'name_p', 'chan van xoi'],
        ['a3', 'name_p', 'fan thi cui'], ['a2', 'mid', 'van'], ['a2', 'given_p', 'ngia'], ['b4', 'mid', 'minh'],
        ['a1', 'id12', '001185012345'], ['a1', 'id_prov', '001'], ['a2', 'cmnd', '123456789'],
        ['a3', 'id12', '079301000999'],   // a 12-digit CMND is the personal ID
        ['a3', 'cmnd', ''],
    ];
    for (const [id, col, want] of expect) assert.equal(c[id][col], want, `${col} of ${id}`);
    assert.deepEqual([c.a1.sex, c.a2.sex, c.a3.sex], ['f', 'm', 'f']);
    assert.deepEqual([c.b1.sex, c.b2.sex, c.b3.sex, c.b4.sex], ['m', 'f', 'f', 'm']);
    assert.equal(c.a1.ethnic, 'hmong');
    assert.equal(c.a3.ethnic, 'hmong');
    assert.deepEqual([c.a1.perm_ward, c.a1.perm_dist, c.a1.perm_prov], ['phamdinhho', 'haibatrung', 'hanoi']);
    assert.deepEqual([c.a2.perm_ward, c.a2.perm_dist, c.a2.perm_prov], ['5', '3', 'hochiminh']);
    assert.deepEqual([c.a3.perm_ward, c.a3.perm_dist, c.a3.perm_prov], ['5', '3', 'hochiminh']);
    assert.deepEqual([c.b2.perm_ward, c.b2.perm_dist, c.b2.perm_prov], ['tanhoa', 'chauthanh', 'angiang']);
});

test('linkage: duplicates found across rules, chains clustered, one output row per input row', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-in-'));
    const bg = background(400, 'x');
    const dup = [
        // P: four records chained by different rules (ID, old card, name + year)
        { record_id: 'p1', ho_ten: 'Nguyễn Hữu Thắng', ngay_sinh: '12/03/1985', gioi_tinh: 'Nam', so_dinh_danh: '001085765432',
          so_cmnd: '111222333', dan_toc: 'Kinh', ho_ten_cha: 'Nguyễn Hữu Tài', ho_ten_me: 'Trần Thị Cúc',
          noi_thuong_tru: 'Xã Hòa Bình, Huyện Kiến Xương, Tỉnh Thái Bình' },
        { record_id: 'p2', ho_ten: 'NGUYEN HUU THANG', ngay_sinh: '1985-03-12', gioi_tinh: 'Nam', so_dinh_danh: '001085765432',
          dan_toc: 'Kinh', ho_ten_cha: 'Nguyen Huu Tai', noi_thuong_tru: 'X. Hòa Bình, H. Kiến Xương, T. Thái Bình' },
        { record_id: 'p3', ho_ten: 'Nguyễn Hữu Thắng', ngay_sinh: '12/3/1985', gioi_tinh: 'Nam', so_cmnd: '111222333',
          dan_toc: 'Kinh', ho_ten_me: 'Trần Thị Cúc', noi_thuong_tru: 'Xã Hòa Bình, Huyện Kiến Xương, Tỉnh Thái Bình' },
        // Q: a typo in the name, same ID
        { record_id: 'q1', ho_ten: 'Lương Thị Diễm Kiều', ngay_sinh: '01/09/1972', gioi_tinh: 'Nữ', so_dinh_danh: '034172999888',
          dan_toc: 'Tày', noi_thuong_tru: 'P. Bến Nghé, Q. 1, TP. Hồ Chí Minh' },
        { record_id: 'q2', ho_ten: 'Lương Thị Diễm Kiềuu', ngay_sinh: '01/09/1972', gioi_tinh: 'Nữ', so_dinh_danh: '034172999888',
          dan_toc: 'Tày', noi_thuong_tru: 'P. Bến Nghé, Q. 1, TP. Hồ Chí Minh' },
    ];
    const f1 = writeCsv(dir, 'src1', [...bg.slice(0, 200), dup[0], dup[3]]);
    const f2 = writeCsv(dir, 'src2', [...bg.slice(200), dup[1], dup[2], dup[4]]);
    const truth = path.join(dir, 'truth.csv');
    fs.writeFileSync(truth, ['source,record_id,person_id',
        ...bg.slice(0, 200).map((r) => `src1.csv,${r.record_id},${r.record_id}`),
        ...bg.slice(200).map((r) => `src2.tsv,${r.record_id},${r.record_id}`),
        'src1.csv,p1,P', 'src2.tsv,p2,P', 'src2.tsv,p3,P', 'src1.csv,q1,Q', 'src2.tsv,q2,Q'].join('\n') + '\n');
    // src2.csv is the canonical output of an export named src2.tsv: the
    // source name comes from dancu load's report.
    fs.writeFileSync(path.join(dir, 'load-report.json'), JSON.stringify({ files: [
        { path: '/x/src1.csv', source: 'src1.csv', output: 'src1' },
        { path: '/x/src2.tsv', source: 'src2.tsv', output: 'src2' }] }));
    const { out, summary } = runPeer([f1, f2], ['--truth', truth]);
    const links = readCsv(path.join(out, 'links.csv'));
    assert.equal(links.length, 405, 'one row per input row');
    assert.deepEqual(Object.keys(links[0]), ['source', 'record_id', 'citizen_key', 'match_probability']);
    const key = Object.fromEntries(links.map((r) => [`${r.source}/${r.record_id}`, r.citizen_key]));
    assert.deepEqual([...new Set(links.map((r) => r.source))], ['src1.csv', 'src2.tsv']);
    assert.equal(key['src2.tsv/p2'], key['src1.csv/p1']);
    assert.equal(key['src2.tsv/p3'], key['src1.csv/p1']);
    assert.equal(key['src2.tsv/q2'], key['src1.csv/q1']);
    assert.notEqual(key['src1.csv/q1'], key['src1.csv/p1']);
    assert.equal(key['src1.csv/x00000'], 'src1.csv/x00000', 'a lone record is its own cluster');
    const sorted = [...links].sort((x, y) => (x.source + '\u0000' + x.record_id < y.source + '\u0000' + y.record_id ? -1 : 1));
    assert.deepEqual(links, sorted, 'links.csv sorted by source, record_id');
    assert.equal(summary.eval.true_pairs, 4);
    assert.equal(summary.eval.recall, 1);
    assert.ok(summary.eval.precision >= 0.8, `precision ${summary.eval.precision}`);
    // Splink's match_key: the rules' pairs are disjoint and add up.
    assert.equal(summary.rules.reduce((s, r) => s + r.new_pairs, 0), summary.candidate_pairs);
    assert.equal(fs.statSync(path.join(out, 'links.csv')).mode & 0o777, 0o600);
});

test('blocking: each of dancu\'s default rules, as SQL, finds the pair it is for', () => {
    // One pair (or two) per rule, built so that the rule is the first one
    // that finds it; the rules' pair counts (Splink's match_key: the first
    // rule wins) must be exactly one row of this table each, and two
    // different full dates of one year with the same name (no rule) must
    // not be a candidate pair.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-in-'));
    const qq = (p) => `Xã Yên Lạc, Huyện Ý Yên, Tỉnh ${p}`;
    const pairs = [
        // [rule index, record a, record b]
        [0, { ho_ten: 'Đinh Văn Nam', ngay_sinh: '02/03/1980', so_dinh_danh: '079080123456' },
            { ho_ten: 'Đinh Nam', ngay_sinh: '1979', so_dinh_danh: '079080123456' }],
        [1, { ho_ten: 'Quách Văn Lợi', so_cmnd: '123456789' }, { ho_ten: 'Quach Loi', so_cmnd: '123456789' }],
        [2, { ho_ten: 'Phan Văn Bảo', so_dinh_danh: '001085765432' },          // last digit slipped
            { ho_ten: 'Phan Bảo', so_dinh_danh: '001085765439' }],
        [3, { ho_ten: 'Đỗ Văn Chiến', so_dinh_danh: '001085111222' },          // first digits slipped
            { ho_ten: 'Đỗ Chiến', so_dinh_danh: '002085111222' }],
        [4, { ho_ten: 'Trịnh Công Sơn', ngay_sinh: '12/03/1961' },             // day and month swapped
            { ho_ten: 'Trinh Cong Son', ngay_sinh: '03/12/1961' }],
        [5, { ho_ten: 'Lý Thị Hoa', ngay_sinh: '1970' }, { ho_ten: 'Lý Thị Hoa', ngay_sinh: '15/06/1970' }],
        [5, { ho_ten: 'Lý Văn Hùng', ngay_sinh: '01/01/1972' },                // the 01/01 placeholder is vague
            { ho_ten: 'Lý Văn Hùng', ngay_sinh: '23/09/1972' }],
        [6, { ho_ten: 'Hà Văn Tuấn', ngay_sinh: '05/09/1975', que_quan: qq('Nam Định') },   // year slipped
            { ho_ten: 'Hà Văn Tuấn', ngay_sinh: '05/09/1976', que_quan: qq('Nam Định') }],
        [7, { ho_ten: 'Mai Văn Khoa', ngay_sinh: '10/10/1990', que_quan: qq('Thái Bình') },  // middle name differs
            { ho_ten: 'Mai Đức Khoa', ngay_sinh: '10/10/1990', que_quan: 'Tỉnh Thái Bình' }],
        [8, { ho_ten: 'Tô Văn Lâm', ngay_sinh: '11/11/1991', noi_thuong_tru: 'Xã An Bình, Huyện Kim Bảng, Tỉnh Hà Nam' },
            { ho_ten: 'Tô Hữu Lâm', ngay_sinh: '11/11/1991', noi_thuong_tru: 'Phường Lê Hồng Phong, Thành phố Phủ Lý, Tỉnh Hà Nam' }],
        [9, { ho_ten: 'Cao Thị Lệ Hằng', ngay_sinh: '14/02/1988', que_quan: qq('Hải Dương') },  // given name differs
            { ho_ten: 'Cao Thị Lệ Hà', ngay_sinh: '14/02/1988', que_quan: qq('Hải Dương') }],
        [10, { ho_ten: 'Lò Văn Minh Tú', ngay_sinh: '19/08/1983', noi_thuong_tru: 'Xã Chiềng Cơi, Thành phố Sơn La, Tỉnh Sơn La' },
            { ho_ten: 'Lò Văn Minh Tài', ngay_sinh: '19/08/1983', noi_thuong_tru: 'Xã Mường Bú, Huyện Mường La, Tỉnh Sơn La' }],
        [11, { ho_ten: 'Dương Văn Khánh', ngay_sinh: '07/07/2000', noi_thuong_tru: 'Xã Tân Hòa, Huyện Châu Thành, Tỉnh Long An' },
            { ho_ten: 'Trương Văn Khanh', ngay_sinh: '07/07/2000', noi_thuong_tru: 'Xã Bình Quới, Huyện Châu Thành, Tỉnh Long An' }],
        [12, { ho_ten: 'Kiều Văn Phong', ngay_sinh: '1965', ho_ten_cha: 'Kiều Văn Đạt' },
            { ho_ten: 'Kiều Phong', ngay_sinh: '12/05/1965', ho_ten_cha: 'Kieu Van Dat' }],
        [13, { ho_ten: 'Âu Văn Hiếu', ngay_sinh: '03/04/1955', ho_ten_me: 'Lâm Thị Xuân' },
            { ho_ten: 'Âu Hiếu', ngay_sinh: '04/05/1955', ho_ten_me: 'Lâm Thị Xuân' }],
        // siblings, twins and two IDs far apart: cannot be one person (true:
        // no pair of the parents' rule without --no-family-can-link)
        [14, { ho_ten: 'Vi Văn Hòa', ngay_sinh: '02/02/1990', ho_ten_cha: 'Vi Văn Tám', ho_ten_me: 'Hoàng Thị Na' },
            { ho_ten: 'Vi Thị Mận', ngay_sinh: '08/08/1993', ho_ten_cha: 'Vi Văn Tám', ho_ten_me: 'Hoàng Thị Na' }, true],
        [14, { ho_ten: 'Ma Văn Long', ngay_sinh: '06/06/2001', gioi_tinh: 'Nam', ho_ten_cha: 'Ma Văn Tư', ho_ten_me: 'Hứa Thị Mơ' },
            { ho_ten: 'Ma Văn Hổ', ngay_sinh: '06/06/2001', gioi_tinh: 'Nam', ho_ten_cha: 'Ma Văn Tư', ho_ten_me: 'Hứa Thị Mơ' }, true],
        [14, { ho_ten: 'Hầu Văn Pó', so_dinh_danh: '012345678901', ho_ten_cha: 'Hầu Văn Dơ', ho_ten_me: 'Giàng Thị Dợ' },
            { ho_ten: 'Hầu Pó', so_dinh_danh: '098765432109', ho_ten_cha: 'Hầu Văn Dơ', ho_ten_me: 'Giàng Thị Dợ' }, true],
        [14, { ho_ten: 'Lục Văn Bình', gioi_tinh: 'Nam', ho_ten_cha: 'Lục Văn Sáu', ho_ten_me: 'Nông Thị Hai' },
            { ho_ten: 'Lục Minh Bình', ngay_sinh: '09/10/1999', ho_ten_cha: 'Lục Văn Sáu', ho_ten_me: 'Nông Thị Hai' }],
    ];
    const rows = pairs.flatMap(([k, a, b], i) => [{ ...a, record_id: `r${i}a` }, { ...b, record_id: `r${i}b` }]);
    rows.push({ record_id: 'n1', ho_ten: 'Lý Thị Hồng', ngay_sinh: '15/06/1971' },
        { record_id: 'n2', ho_ten: 'Lý Thị Hồng', ngay_sinh: '20/08/1971' });
    const f = writeCsv(dir, 'src', rows);
    const { out, summary } = runPeer([f], ['--dump-clean', '--no-family-can-link']);
    const want = new Array(summary.rules.length).fill(0);
    for (const [k] of pairs) want[k]++;
    assert.equal(summary.rules.length, 15);
    assert.deepEqual(summary.rules.map((r) => r.new_pairs), want,
        summary.rules.map((r, k) => `${k} ${r.rule}: ${r.new_pairs}`).join('\n'));
    assert.equal(summary.candidate_pairs, pairs.length);
    // the derived key columns
    const c = Object.fromEntries(readCsv(path.join(out, 'clean.csv')).map((r) => [r.record_id, r]));
    const cases = [
        // record, dob_unord, dob_vague, id12_head, id12_tail, home_prov
        ['r4a', '19610312', 'false', '', '', ''],
        ['r4b', '19610312', 'false', '', '', ''],
        ['r5a', '', 'true', '', '', ''],
        ['r6a', '19720101', 'true', '', '', ''],
        ['r6b', '19720923', 'false', '', '', ''],
        ['r2a', '', 'false', '001085765', '085765432', ''],
        ['r8b', '19901010', 'false', '', '', 'thaibinh'],
        ['r1a', '', 'false', '', '', ''],
    ];
    for (const [id, unord, vague, head, tail, home] of cases) {
        assert.deepEqual([c[id].dob_unord, c[id].dob_vague, c[id].id12_head, c[id].id12_tail, c[id].home_prov],
            [unord, vague, head, tail, home], id);
    }
    // By default (without --no-family-can-link) the siblings (opposite
    // sexes, birth dates years apart) are no pair of the parents' rule; the
    // pair with an unknown birth date and an unknown sex is kept.
    const strict = runPeer([f]).summary;
    const vetoed = pairs.filter((x) => x[3]).length;
    want[14] -= vetoed;
    assert.deepEqual(strict.rules.map((r) => r.new_pairs), want);
    assert.equal(strict.candidate_pairs, pairs.length - vetoed);
});

test('connected components: label propagation against union-find', async () => {
    // Random graphs plus a long path numbered against the propagation
    // direction; the components must equal those of a union-find.
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await db.connect();
    const R = new Runner(conn, true);
    let seed = 7;
    const rnd = (n) => { seed = (seed * 48271) % 2147483647; return seed % n; };
    const graphs = [
        Array.from({ length: 30 }, (_, i) => [2 * i + 3, 2 * i + 1]).concat([[1, 200]]),  // path 1-3-5-...-61, and 1-200
        Array.from({ length: 300 }, () => [1 + rnd(400), 1 + rnd(400)]).filter(([a, b]) => a !== b),
        [[5, 6]],
    ];
    for (const g of graphs) {
        const edges = g.map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
        await R.run('CREATE OR REPLACE TABLE edges (uid_l BIGINT, uid_r BIGINT)');
        await R.run(`INSERT INTO edges VALUES ${edges.map(([a, b]) => `(${a}, ${b})`).join(', ')}`);
        const rounds = await connectedComponents(R);
        const reps = new Map((await R.rows('SELECT node_id, representative FROM reps'))
            .map((r) => [Number(r.node_id), Number(r.representative)]));
        const parent = new Map();
        const find = (x) => { while (parent.get(x) !== x) x = parent.get(x); return x; };
        for (const [a, b] of edges) {
            for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
            const ra = find(a), rb = find(b);
            if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
        }
        const minOf = new Map();
        for (const x of parent.keys()) { const r = find(x); minOf.set(r, Math.min(minOf.get(r) ?? x, x)); }
        assert.equal(reps.size, parent.size);
        for (const x of parent.keys()) assert.equal(reps.get(x), minOf.get(find(x)), `node ${x}`);
        if (g === graphs[0]) assert.ok(rounds >= 5, `rounds ${rounds}`);
    }
    conn.closeSync();
    db.closeSync();
});
