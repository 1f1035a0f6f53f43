#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
//
// splink_duckdb.mjs - the peer of the dancu benchmark (issue 7).
//
// A Splink-style probabilistic record linkage pipeline written as SQL on
// DuckDB, the engine Splink runs on by default. It mirrors what a Splink
// user would write for dancu's problem: cleaning in SQL, blocking rules as
// SQL joins with `l.uid < r.uid` and exclusion of the pairs of earlier rules
// (Splink's match_key logic), comparison levels as CASE expressions with
// DuckDB's jaro_winkler_similarity, u from random sampling, m by EM over
// agreement-pattern counts in two training sessions, lambda from
// deterministic rules, term-frequency adjustment of the name levels,
// predict() and connected components by iterative label propagation
// (Splink's cluster_pairwise_predictions_at_threshold). See docs/PEER.md.
//
// Input: canonical CSV files written by `dancu load` (one per source,
// <source>.csv). Output: OUT/links.csv (source,record_id,citizen_key,
// match_probability, one row per input row) and OUT/model.json. With
// --truth, pairwise precision / recall / F1 computed in SQL.
//
// Personal data: nothing this program prints names a person; it prints
// counts, timings and model parameters only.

import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: node splink_duckdb.mjs --out DIR [options] FILE.csv|LOAD-DIR...
  (a folder is a \`dancu load\` output folder: its canonical files are read)
  --out DIR            output folder (links.csv, model.json)
  --threads N          DuckDB threads (default: all cores)
  --memory-limit SIZE  DuckDB memory_limit (default 8GB)
  --temp-dir DIR       DuckDB temp_directory for spilling (default OUT/.duckdb_tmp)
  --threshold P        match probability for clustering (default 0.9, as dancu)
  --max-pairs N        random pairs for u (default 1e6, Splink's default)
  --recall R           recall assumed for the deterministic lambda rules (default 0.8)
  --em-max-iter N      EM iterations per training session (default 25)
  --em-convergence X   EM stop when no parameter moves more than X (default 1e-4)
  --seed N             seed of the u sample (default 42)
  --no-tf              no term-frequency adjustment
  --no-family-can-link the parents' rule as dancu writes it, without the filter that keeps
                       only pairs that can be one person (by default: IDs equal, one edit
                       apart or unknown; same sex or unknown; birth dates equal, swapped,
                       one slip apart or unknown; not twins)
  --truth FILE         truth CSV (source,record_id,person_id): print pairwise P/R/F1
  --quiet              no stage log on stderr
  --dump-clean         also write OUT/clean.csv, the cleaned records (personal data, mode 0600)
`;

function parseArgs(argv) {
    const o = {
        out: null, threads: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
        memoryLimit: '8GB', tempDir: null, threshold: 0.9, maxPairs: 1e6, recall: 0.8,
        emMaxIter: 25, emConvergence: 1e-4, seed: 42, tf: true, familyCanLink: true, truth: null, quiet: false, dumpClean: false,
        files: [],
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) die(`option ${a} needs a value`);
            return argv[++i];
        };
        const num = () => {
            const v = Number(val());
            if (!Number.isFinite(v)) die(`option ${a} needs a number`);
            return v;
        };
        switch (a) {
        case '--out': o.out = val(); break;
        case '--threads': o.threads = num(); break;
        case '--memory-limit': o.memoryLimit = val(); break;
        case '--temp-dir': o.tempDir = val(); break;
        case '--threshold': o.threshold = num(); break;
        case '--max-pairs': o.maxPairs = num(); break;
        case '--recall': o.recall = num(); break;
        case '--em-max-iter': o.emMaxIter = num(); break;
        case '--em-convergence': o.emConvergence = num(); break;
        case '--seed': o.seed = num(); break;
        case '--no-tf': o.tf = false; break;
        case '--no-family-can-link': o.familyCanLink = false; break;
        case '--truth': o.truth = val(); break;
        case '--quiet': o.quiet = true; break;
        case '--dump-clean': o.dumpClean = true; break;
        case '-h': case '--help': process.stdout.write(USAGE); process.exit(0); break;
        default:
            if (a.startsWith('--')) die(`unknown option ${a}\n${USAGE}`);
            o.files.push(a);
        }
    }
    if (!o.out || o.files.length === 0) die(USAGE);
    if (!(o.threads >= 1)) die('--threads must be >= 1');
    if (!(o.threshold > 0 && o.threshold < 1)) die('--threshold must be in (0,1)');
    if (!(o.recall > 0 && o.recall <= 1)) die('--recall must be in (0,1]');
    return o;
}

function die(msg) {
    process.stderr.write(`splink_duckdb: ${msg}\n`);
    process.exit(2);
}

const sqlStr = (s) => `'${String(s).replace(/'/g, "''")}'`;
const num = (x) => {
    if (!Number.isFinite(x)) throw new Error(`non-finite parameter ${x}`);
    return x.toPrecision(17);
};

// ------------------------------------------------------------------ cleaning
//
// Macros a Splink user would write for Vietnamese data. Names: lower case,
// anything but letters becomes a space, spaces collapsed. ASCII fold: đ -> d
// then strip_accents. The phonetic-ish key folds the spelling variants of
// Vietnamese initials and finals that sound alike (ngh/ng, gh/g, d/gi/r,
// ph/f, tr/ch, k/c, qu/cu, s/x, kh, -nh/-n, -ng/-n, -ch/-t, -c/-t, y/i):
// DuckDB has no double metaphone, and double metaphone is meant for English.
const MACROS = String.raw`
CREATE OR REPLACE MACRO clean_name(s) AS
    nullif(trim(regexp_replace(lower(nfc_normalize(s)), '[^\pL]+', ' ', 'g')), '');
CREATE OR REPLACE MACRO ascii_fold(s) AS strip_accents(replace(s, 'đ', 'd'));
CREATE OR REPLACE MACRO vn_phon(s) AS
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(replace(s, 'y', 'i'),
        '\bngh', 'ng', 'g'), '\bgh', 'g', 'g'), '\bgi', 'z', 'g'), '\b[dr]', 'z', 'g'),
        '\bph', 'f', 'g'), '\btr', 'ch', 'g'), '\bkh', 'x', 'g'), '\bk', 'c', 'g'),
        '\bqu', 'cu', 'g'), '\bs', 'x', 'g'), 'nh\b', 'n', 'g'), 'ng\b', 'n', 'g'),
        'ch\b', 't', 'g'), 'c\b', 't', 'g');
CREATE OR REPLACE MACRO addr_fold(s) AS
    nullif(trim(regexp_replace(ascii_fold(lower(nfc_normalize(s))), '\s+', ' ', 'g')), '');
CREATE OR REPLACE MACRO addr_part(s) AS
    nullif(regexp_replace(regexp_replace(s, '[^a-z0-9]', '', 'g'), '(^|[^0-9])0+([0-9])', '\1\2', 'g'), '');
CREATE OR REPLACE MACRO addr_ward(a) AS addr_part(coalesce(
    nullif(regexp_extract(a, '(?:^|,)\s*(?:(?:phuong|xa|thi tran)\s+|(?:p|x|tt)\.\s*)([^,]+)', 1), ''),
    nullif(regexp_extract(a, '(?:^|,)\s*p ?([0-9]+)\s*(?:,|$)', 1), '')));
CREATE OR REPLACE MACRO addr_district(a) AS addr_part(
    nullif(regexp_extract(a, '(?:^|,)\s*(?:(?:quan|huyen|thi xa|thanh pho)\s+|(?:q|h|tx|tp)\.\s*)([^,]+),[^,]*$', 1), ''));
CREATE OR REPLACE MACRO addr_province(a) AS addr_part(
    nullif(regexp_replace(regexp_extract(a, '([^,]+)$', 1), '^\s*(?:(?:tinh|thanh pho)\s+|(?:tp|t)\.\s*)', ''), ''));
CREATE OR REPLACE MACRO past_century(t) AS
    CASE WHEN t > current_date THEN t - INTERVAL 100 YEAR ELSE t END;
CREATE OR REPLACE MACRO digits(s) AS regexp_replace(coalesce(s, ''), '[^0-9]', '', 'g');
`;

// Dates: the formats of the input contract. The separator picks the
// formats to try (try_strptime is the dear part): day/month order first,
// month/day as the last resort for an impossible day; yyyymmdd; spreadsheet
// serial numbers (5 digits); two-digit years put in the past. The partial
// forms (mm/yyyy, yyyy, 00/00/yyyy) are read by regular expressions later.
const DATE_SQL = String.raw`
    CASE WHEN ds IS NULL THEN NULL
         WHEN regexp_full_match(ds, '\d{1,2}[/.-]\d{1,2}[/.-]\d{2}')
         THEN past_century(try_strptime(regexp_replace(ds, '[.-]', '/', 'g'), '%d/%m/%y'))
         WHEN contains(ds, '/') THEN coalesce(try_strptime(ds, '%d/%m/%Y'), try_strptime(ds, '%Y/%m/%d'),
                                             try_strptime(ds, '%m/%d/%Y'))
         WHEN contains(ds, '-') THEN coalesce(try_strptime(ds, '%Y-%m-%d'), try_strptime(ds, '%d-%m-%Y'))
         WHEN contains(ds, '.') THEN try_strptime(ds, '%d.%m.%Y')
         WHEN length(ds) = 8 THEN try_strptime(ds, '%Y%m%d')
         WHEN length(ds) = 5 AND TRY_CAST(ds AS INTEGER) BETWEEN 10000 AND 60000
         THEN DATE '1899-12-30' + TRY_CAST(ds AS INTEGER)
    END::DATE`;

// --------------------------------------------------------------- comparisons
//
// Each comparison: name, levels strongest first (index 0 is the strongest,
// the CASE yields nlev-1-index so that higher gamma = stronger, as Splink's
// comparison_vector_value), the null level (-1) and optional term-frequency
// columns per level. Levels mirror dancu's (engine/match/dc_match.h).

function relationLevels(col) {
    return {
        name: col, levels: ['exact', 'ascii', 'phon', 'jw'],
        nul: `l.${col}_a IS NULL OR r.${col}_a IS NULL`,
        conds: [
            `l.${col}_e = r.${col}_e`,
            `l.${col}_a = r.${col}_a`,
            `l.${col}_p = r.${col}_p`,
            `jaro_winkler_similarity(l.${col}_a, r.${col}_a) >= 0.90`,
        ],
    };
}

// Address comparison over the best of several column combinations (dancu
// compares permanent and current addresses both ways). Ward names repeat
// across the country, so a ward match needs the province too, and the
// district when both sides have one.
function addressLevels(name, combos) {
    const any = (f) => combos.map(([x, y]) => `(${f(x, y)})`).join(' OR ');
    return {
        name, levels: ['ward', 'district', 'province'],
        nul: `NOT (${any((x, y) => `l.${x}_prov IS NOT NULL AND r.${y}_prov IS NOT NULL`)})`,
        conds: [
            any((x, y) => `l.${x}_prov = r.${y}_prov AND l.${x}_ward = r.${y}_ward
                AND (l.${x}_dist = r.${y}_dist OR l.${x}_dist IS NULL OR r.${y}_dist IS NULL)`),
            any((x, y) => `l.${x}_prov = r.${y}_prov AND l.${x}_dist = r.${y}_dist`),
            any((x, y) => `l.${x}_prov = r.${y}_prov`),
        ],
    };
}

const COMPARISONS = [
    {
        name: 'name', levels: ['exact', 'ascii', 'phon', 'sur_given', 'jw_high', 'jw_low'],
        nul: 'l.name_a IS NULL OR r.name_a IS NULL',
        conds: [
            'l.name_e = r.name_e',
            'l.name_a = r.name_a',
            'l.name_p = r.name_p',
            'l.sur = r.sur AND l.given = r.given',
            'jaro_winkler_similarity(l.name_a, r.name_a) >= 0.92',
            'jaro_winkler_similarity(l.name_a, r.name_a) >= 0.80',
        ],
        tf: ['name_e', 'name_a', 'name_p'],   // term frequency column of levels 0..2
    },
    {
        name: 'dob', levels: ['exact', 'compat', 'swap', 'one_off', 'same_year'],
        nul: 'l.dob_y IS NULL OR r.dob_y IS NULL',
        conds: [
            'l.dob = r.dob',
            `l.dob_y = r.dob_y AND (l.dob IS NULL OR r.dob IS NULL)
             AND (l.dob_m = r.dob_m OR l.dob_m IS NULL OR r.dob_m IS NULL)`,
            'l.dob_y = r.dob_y AND l.dob_d = r.dob_m AND l.dob_m = r.dob_d',
            `(abs(l.dob_y - r.dob_y) = 1 AND (l.dob_m = r.dob_m OR l.dob_m IS NULL OR r.dob_m IS NULL)
              AND (l.dob_d = r.dob_d OR l.dob_d IS NULL OR r.dob_d IS NULL))
             OR (hamming(strftime(l.dob, '%Y%m%d'), strftime(r.dob, '%Y%m%d')) <= 2
                 AND damerau_levenshtein(strftime(l.dob, '%Y%m%d'), strftime(r.dob, '%Y%m%d')) = 1)`,
            'l.dob_y = r.dob_y',
        ],
    },
    {
        name: 'id12', levels: ['eq', 'one_edit'],
        nul: 'l.id12 IS NULL OR r.id12 IS NULL',
        conds: ['l.id12 = r.id12', 'hamming(l.id12, r.id12) <= 2 AND damerau_levenshtein(l.id12, r.id12) = 1'],
    },
    {
        name: 'cmnd', levels: ['eq', 'one_edit'],
        nul: 'l.cmnd IS NULL OR r.cmnd IS NULL',
        conds: ['l.cmnd = r.cmnd', 'hamming(l.cmnd, r.cmnd) <= 2 AND damerau_levenshtein(l.cmnd, r.cmnd) = 1'],
    },
    { name: 'sex', levels: ['eq'], nul: 'l.sex IS NULL OR r.sex IS NULL', conds: ['l.sex = r.sex'] },
    {
        name: 'ethnic', levels: ['eq'], nul: 'l.ethnic IS NULL OR r.ethnic IS NULL',
        conds: ['l.ethnic = r.ethnic'],
    },
    addressLevels('residence', [['perm', 'perm'], ['cur', 'cur'], ['perm', 'cur'], ['cur', 'perm']]),
    addressLevels('hometown', [['home', 'home']]),
    relationLevels('father'),
    relationLevels('mother'),
    relationLevels('spouse'),
];
for (const c of COMPARISONS) c.nlev = c.levels.length + 1;   // + the "else" level

function gammaSql(c) {
    const n = c.nlev;
    const whens = c.conds.map((cond, i) => `WHEN ${cond} THEN ${n - 1 - i}`).join('\n        ');
    return `CAST(CASE WHEN ${c.nul} THEN -1\n        ${whens}\n        ELSE 0 END AS TINYINT) AS g_${c.name}`;
}
const levelName = (c, g) => (g === 0 ? 'else' : c.levels[c.nlev - 1 - g]);

// -------------------------------------------------------------- blocking
//
// Blocking rules: dancu's default rule set (engine/match/rules.c, written
// there in its own rule language; docs/MATCHING.md "Blocking"), as Splink
// SQL on the peer's cleaned columns. What cannot be carried over exactly
// (docs/PEER.md): dancu windows blocks larger than max_block (Splink has no
// cap, so neither has the peer); dancu drops the pairs that cannot be one
// person before comparing them (drop_cannot_link; Splink has no such step);
// the provinces are the last part of the address text as written (the peer
// has no gazetteer to map a pre-2025 province to its post-2025 one).
// Derived key columns, computed in the cleaning step: id12_head / id12_tail
// (first / last 9 digits of id12), dob_unord (the full date with day and
// month in either order), dob_vague (year known, day not, or the 01/01
// placeholder).
const BLOCKING_RULES = [
    // identity numbers, and one-digit slips in them
    'l.id12 = r.id12',                                                   // id12
    'l.cmnd = r.cmnd',                                                   // cmnd
    'l.id12_head = r.id12_head AND l.sur = r.sur AND l.given_p = r.given_p',  // id12_head+sur+given_phon
    'l.id12_tail = r.id12_tail AND l.sur = r.sur',                       // id12_tail+sur
    // name and birth date, across the whole country
    'l.name_p = r.name_p AND l.dob_unord = r.dob_unord',                 // name_phon+dob_unordered
    'l.name_p = r.name_p AND l.dob_y = r.dob_y AND (l.dob_vague OR r.dob_vague)',  // name_phon+dob_year ! dob_vague
    // a birth year or a name damaged: within the province of origin or of residence
    'l.name_p = r.name_p AND l.dob_m = r.dob_m AND l.dob_d = r.dob_d AND l.home_prov = r.home_prov',  // name_phon+dob_md+home_prov
    'l.sur = r.sur AND l.given = r.given AND l.dob = r.dob AND l.home_prov = r.home_prov',    // sur+given+dob+home_prov
    'l.sur = r.sur AND l.given = r.given AND l.dob = r.dob AND l.perm_prov = r.perm_prov',    // sur+given+dob+perm_prov
    'l.sur = r.sur AND l.mid = r.mid AND l.dob = r.dob AND l.home_prov = r.home_prov',        // sur+mid+dob+home_prov
    'l.sur = r.sur AND l.mid = r.mid AND l.dob = r.dob AND l.perm_prov = r.perm_prov',        // sur+mid+dob+perm_prov
    'l.given_p = r.given_p AND l.dob = r.dob AND l.perm_dist = r.perm_dist',  // given_phon+dob+perm_district
    // family
    'l.father_p = r.father_p AND l.given = r.given AND l.dob_y = r.dob_y',    // father_phon+given+dob_year
    'l.mother_p = r.mother_p AND l.given = r.given AND l.dob_y = r.dob_y',    // mother_phon+given+dob_year
    'l.father_p = r.father_p AND l.mother_p = r.mother_p',                    // father_phon+mother_phon @ dob,given,sex
];
// What a Splink user who watches the rule counts adds to the parents' rule,
// whose pairs are mostly siblings (70% of all candidate pairs at 1 M people
// without it, and pairwise precision 0.79): a residual filter on the join
// keeping only pairs that can be one person, dancu's dc_cannot_link written
// in SQL. dancu drops such pairs after every rule (drop_cannot_link);
// Splink has no such step, so the other rules get no filter.
// --no-family-can-link leaves the rule as dancu writes it.
const FAMILY_CAN_LINK = `(l.id12 IS NULL OR r.id12 IS NULL OR l.id12 = r.id12
         OR (hamming(l.id12, r.id12) <= 2 AND damerau_levenshtein(l.id12, r.id12) = 1))
    AND coalesce(l.sex = r.sex, true)
    AND (l.dob IS NULL OR r.dob IS NULL OR l.dob_unord = r.dob_unord
         OR (abs(l.dob_y - r.dob_y) = 1 AND l.dob_m = r.dob_m AND l.dob_d = r.dob_d)
         OR damerau_levenshtein(strftime(l.dob, '%Y%m%d'), strftime(r.dob, '%Y%m%d')) = 1)
    AND NOT coalesce(l.dob = r.dob AND l.sur = r.sur AND l.given_p <> r.given_p, false)`;
function blockingRules(o) {
    const rules = [...BLOCKING_RULES];
    if (o.familyCanLink) rules[rules.length - 1] += ` AND ${FAMILY_CAN_LINK}`;
    return rules;
}

// EM training sessions (estimate_parameters_using_expectation_maximisation):
// the comparisons whose columns the training rule uses are not trained in
// that session. Each session's pairs are a subset of the blocked pairs (both
// rules are prediction rules too), selected by a flag computed with them.
const TRAINING = [
    { rule: 'l.id12 = r.id12', flag: 'tr_id', deactivate: ['id12'] },
    { rule: 'l.name_a = r.name_a AND l.dob_y = r.dob_y', flag: 'tr_name_dob', deactivate: ['name', 'dob'] },
];
// Deterministic rules for estimate_probability_two_random_records_match.
const DETERMINISTIC = 'l.id12 = r.id12 OR (l.name_a = r.name_a AND l.dob = r.dob)';

// ------------------------------------------------------------------- main

export class Runner {
    constructor(conn, quiet) {
        this.conn = conn;
        this.quiet = quiet;
        this.stages = [];
        this.t0 = performance.now();
    }
    log(msg) {
        if (!this.quiet) process.stderr.write(`[peer ${((performance.now() - this.t0) / 1000).toFixed(2)}s] ${msg}\n`);
    }
    async run(sql) {
        const t = performance.now();
        await this.conn.run(sql);
        if (process.env.PEER_PROFILE) this.log(`  ${((performance.now() - t) / 1000).toFixed(3)}s ${sql.trim().split("\n")[0].slice(0, 60)}`);
    }
    async rows(sql) { return (await this.conn.runAndReadAll(sql)).getRowObjectsJS(); }
    async one(sql) { return (await this.rows(sql))[0]; }
    async stage(name, fn) {
        const t = performance.now();
        const r = await fn();
        const s = (performance.now() - t) / 1000;
        this.stages.push({ stage: name, seconds: Number(s.toFixed(3)) });
        this.log(`${name}: ${s.toFixed(2)}s`);
        return r;
    }
}

// The source name of an input file, as dancu names it (the truth's `source`
// column): `dancu load` records it in load-report.json beside its outputs
// ("source" of the entry whose "output" is this file); without a report,
// the file name without compression suffix (dc_source_name()).
const reports = new Map();
function sourceName(file) {
    const dir = path.dirname(path.resolve(file));
    if (!reports.has(dir)) {
        let rep = null;
        try {
            rep = JSON.parse(fs.readFileSync(path.join(dir, 'load-report.json'), 'utf8'));
        } catch { rep = null; }
        reports.set(dir, rep);
    }
    const base = path.basename(file).replace(/\.(zst|zstd|gz)$/, '');
    const rep = reports.get(dir);
    if (rep && Array.isArray(rep.files)) {
        const stem = base.replace(/\.csv$/, '');
        const hit = rep.files.find((f) => f.output === base || f.output === stem);
        if (hit && hit.source) return hit.source;
    }
    return base;
}

// An input folder is a `dancu load` output folder: its canonical files are
// the outputs listed in load-report.json (else every .csv but rejects.csv).
function expandInput(arg) {
    if (!fs.existsSync(arg) || !fs.statSync(arg).isDirectory()) return [arg];
    try {
        const rep = JSON.parse(fs.readFileSync(path.join(arg, 'load-report.json'), 'utf8'));
        return rep.files.filter((f) => f.output).map((f) => path.join(arg, `${f.output}.csv`))
            .filter((f) => fs.existsSync(f));
    } catch {
        return fs.readdirSync(arg).filter((f) => /\.csv(\.gz|\.zst)?$/.test(f) && !/^rejects\.csv/.test(f))
            .sort().map((f) => path.join(arg, f));
    }
}

const N = (x) => (typeof x === 'bigint' ? Number(x) : x);

// Connected components of the graph in table edges(uid_l, uid_r), by
// Splink's label propagation (solve_connected_components): every node's
// representative starts as the minimum of itself and its neighbours; each
// round takes the minimum representative over the neighbours whose
// representative changed in the previous round (needs_updating) and its
// own, until nothing changes. Leaves reps(node_id, representative) for the
// nodes that have an edge. @return the number of rounds.
export async function connectedComponents(R) {
    await R.run(`CREATE OR REPLACE TABLE neighbours AS
        SELECT uid_l AS node_id, uid_r AS neighbour FROM edges
        UNION ALL SELECT uid_r, uid_l FROM edges`);
    await R.run(`CREATE OR REPLACE TABLE reps AS
        SELECT node_id, least(node_id, min(neighbour)) AS representative, true AS needs_updating
        FROM neighbours GROUP BY node_id`);
    let rounds = 0;
    for (;;) {
        rounds++;
        await R.run(`CREATE OR REPLACE TABLE reps_next AS
            WITH r AS (
                SELECT node_id, min(representative) AS representative FROM (
                    SELECT n.node_id, rn.representative
                    FROM neighbours n JOIN reps rn ON n.neighbour = rn.node_id
                    WHERE rn.needs_updating
                    UNION ALL
                    SELECT node_id, representative FROM reps)
                GROUP BY node_id)
            SELECT r.node_id, r.representative, r.representative <> p.representative AS needs_updating
            FROM r JOIN reps p ON r.node_id = p.node_id`);
        await R.run('DROP TABLE reps; ALTER TABLE reps_next RENAME TO reps;');
        const ch = N((await R.one('SELECT count(*) AS n FROM reps WHERE needs_updating')).n);
        if (ch === 0) return rounds;
    }
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    o.files = o.files.flatMap(expandInput);
    for (const f of o.files) if (!fs.existsSync(f)) die(`cannot read ${f}`);
    if (o.files.length === 0) die('no input file');
    fs.mkdirSync(o.out, { recursive: true, mode: 0o700 });
    const tempDir = o.tempDir || path.join(o.out, '.duckdb_tmp');

    const db = await DuckDBInstance.create(':memory:', {
        threads: String(o.threads),
        memory_limit: o.memoryLimit,
        preserve_insertion_order: 'false',
        temp_directory: tempDir,
    });
    const conn = await db.connect();
    const R = new Runner(conn, o.quiet);
    await R.run(MACROS);

    // ---- load: the canonical CSV of `dancu load`, all columns as text
    const files = `[${o.files.map((f) => sqlStr(path.resolve(f))).join(', ')}]`;
    const want = ['record_id', 'ma_tinh', 'ho_ten', 'ngay_sinh', 'gioi_tinh', 'so_dinh_danh', 'so_cmnd',
        'dan_toc', 'que_quan', 'noi_thuong_tru', 'noi_o_hien_tai', 'ho_ten_cha', 'ho_ten_me', 'ho_ten_vo_chong'];
    let nrec = 0;
    await R.stage('load', async () => {
        // One pass: the wanted columns that exist (COLUMNS with a lambda
        // pushes the projection into the reader), then the absent ones are
        // added as NULL. No separate DESCRIBE: with union_by_name it would
        // sniff every file a second time.
        await R.run(`CREATE TABLE raw AS
            SELECT m.source, COLUMNS(c -> list_contains(${`[${want.map(sqlStr).join(', ')}]`}, c))
            FROM read_csv(${files}, header = true, all_varchar = true, union_by_name = true,
                          filename = true, delim = ',', quote = '"', escape = '"') AS t
            JOIN (VALUES ${o.files.map((f) => `(${sqlStr(path.resolve(f))}, ${sqlStr(sourceName(f))})`).join(', ')})
                AS m(path, source) ON m.path = t.filename`);
        const cols = new Set((await R.rows('DESCRIBE raw')).map((r) => r.column_name));
        if (!cols.has('record_id')) throw new Error('input has no record_id column: is it canonical CSV?');
        for (const c of want) if (!cols.has(c)) await R.run(`ALTER TABLE raw ADD COLUMN "${c}" VARCHAR`);
        nrec = N((await R.one('SELECT count(*) AS n FROM raw')).n);
    });
    R.log(`${nrec} records`);

    // ---- clean (SQL, as a Splink user would)
    await R.stage('clean', async () => {
        // Names and addresses repeat a lot (relatives' names, villages): the
        // regular expressions run once per distinct value, in two lookup
        // tables joined back, instead of once per row.
        await R.run(`CREATE TABLE namedict AS
            SELECT v, e, a, vn_phon(a) AS p FROM (
                SELECT v, e, ascii_fold(e) AS a FROM (
                    SELECT v, clean_name(v) AS e FROM (
                        SELECT DISTINCT unnest([ho_ten, ho_ten_cha, ho_ten_me, ho_ten_vo_chong]) AS v FROM raw)
                    WHERE v IS NOT NULL))`);
        await R.run(`CREATE TABLE addrdict AS
            SELECT v, addr_ward(f) AS ward, addr_district(f) AS dist, addr_province(f) AS prov FROM (
                SELECT v, addr_fold(v) AS f FROM (
                    SELECT DISTINCT unnest([noi_thuong_tru, noi_o_hien_tai, que_quan]) AS v
                    FROM raw)
                WHERE v IS NOT NULL)`);
        // Record numbers in (source, record_id) order: deterministic, and
        // computed on the two key columns only (a window over the wide
        // table would sort every column).
        await R.run(`CREATE TABLE ids AS
            SELECT source, record_id, row_number() OVER (ORDER BY source, record_id) AS uid FROM raw`);
        // Sex: words are read as such; 1/0 codes differ between provinces'
        // systems, so each file's meaning of '1' is inferred from the sex
        // digit of the 12-digit ID (4th digit odd = female) and, failing
        // that, from the middle names Thị / Văn.
        await R.run(`CREATE TABLE sexmap AS
        WITH s AS (
            SELECT source, strip_accents(lower(trim(gioi_tinh))) AS sex_raw,
                   digits(so_dinh_danh) AS dd, digits(so_cmnd) AS cm, n.a AS name_a
            FROM raw LEFT JOIN namedict n ON n.v = raw.ho_ten),
        ev AS (
            SELECT source, sex_raw,
                   CASE WHEN length(dd) = 12 THEN TRY_CAST(substr(dd, 4, 1) AS INTEGER) % 2 = 1
                        WHEN length(cm) = 12 THEN TRY_CAST(substr(cm, 4, 1) AS INTEGER) % 2 = 1
                        WHEN name_a LIKE '% thi %' THEN true
                        WHEN name_a LIKE '% van %' THEN false END AS fem
            FROM s WHERE sex_raw IN ('0', '1'))
        SELECT source,
               sum(CASE WHEN (sex_raw = '1') = fem THEN 1 WHEN fem IS NOT NULL THEN -1 ELSE 0 END) > 0
                   AS one_is_female
        FROM ev GROUP BY source`);
    });

    // ---- term frequencies (Splink's compute_tf_table) of the name columns
    const TF_COLS = ['name_e', 'name_a', 'name_p'];
    if (o.tf) {
        await R.stage('tf', async () => {
            await R.run(`CREATE TEMP TABLE names_used AS
                SELECT n.e AS name_e, n.a AS name_a, n.p AS name_p FROM raw JOIN namedict n ON n.v = raw.ho_ten`);
            for (const c of TF_COLS) {
                await R.run(`CREATE TABLE tf_${c} AS
                    SELECT ${c}, count(*) / sum(count(*)) OVER () AS tf_${c}
                    FROM names_used WHERE ${c} IS NOT NULL GROUP BY ${c}`);
            }
            await R.run('DROP TABLE names_used');
        });
    }

    // ---- the cleaned records, in one statement
    await R.stage('records', async () => {
        await R.run(`CREATE TABLE rec AS
        WITH a AS (
            SELECT raw.*, ids.uid,
                   nullif(trim(ngay_sinh), '') AS ds,
                   strip_accents(lower(trim(coalesce(gioi_tinh, '')))) AS sex_raw,
                   digits(so_dinh_danh) AS dd, digits(so_cmnd) AS cm
            FROM raw JOIN ids USING (source, record_id)),
        b AS (
            SELECT *, ${DATE_SQL} AS dfull,
                   regexp_extract(ds, '^0{0,2}[/.-]?0{0,2}[/.-]?([12][0-9]{3})$', 1) AS yonly,
                   regexp_extract(ds, '^([0-9]{1,2})[/.-]([12][0-9]{3})$', ['m', 'y']) AS ym,
                   CASE WHEN length(dd) = 12 THEN dd WHEN length(cm) = 12 THEN cm END AS id12
            FROM a),
        c AS (
        SELECT b.uid, b.source, b.record_id,
               n.e AS name_e, n.a AS name_a, n.p AS name_p,
               split_part(n.a, ' ', 1) AS sur,
               regexp_extract(n.a, '(\\S+)$', 1) AS given,
               nullif(regexp_extract(n.a, '^\\S+ (.+) \\S+$', 1), '') AS mid,
               regexp_extract(n.p, '(\\S+)$', 1) AS given_p,
               CASE WHEN year(dfull) BETWEEN 1880 AND 2030 THEN dfull END AS dob,
               CAST(CASE WHEN year(dfull) BETWEEN 1880 AND 2030 THEN year(dfull)
                    WHEN yonly <> '' THEN TRY_CAST(yonly AS INTEGER)
                    WHEN ym.y <> '' AND TRY_CAST(ym.m AS INTEGER) BETWEEN 1 AND 12 THEN TRY_CAST(ym.y AS INTEGER) END AS SMALLINT) AS dob_y,
               CAST(CASE WHEN year(dfull) BETWEEN 1880 AND 2030 THEN month(dfull)
                    WHEN ym.y <> '' AND TRY_CAST(ym.m AS INTEGER) BETWEEN 1 AND 12 THEN TRY_CAST(ym.m AS INTEGER) END AS TINYINT) AS dob_m,
               CAST(CASE WHEN year(dfull) BETWEEN 1880 AND 2030 THEN day(dfull) END AS TINYINT) AS dob_d,
               id12, substr(id12, 1, 3) AS id_prov,
               substr(id12, 1, 9) AS id12_head, substr(id12, 4, 9) AS id12_tail,
               CASE WHEN length(cm) = 9 THEN cm END AS cmnd,
               CASE WHEN sex_raw IN ('nam', 'm', 'male', 'trai') THEN 'm'
                    WHEN sex_raw IN ('nu', 'f', 'female', 'gai') THEN 'f'
                    WHEN sex_raw = '1' THEN CASE WHEN sm.one_is_female THEN 'f' ELSE 'm' END
                    WHEN sex_raw = '0' THEN CASE WHEN sm.one_is_female THEN 'm' ELSE 'f' END
               END AS sex,
               nullif(regexp_replace(regexp_replace(ascii_fold(lower(coalesce(dan_toc, ''))),
                      '^\\s*dan toc\\s+', ''), '[^a-z]', '', 'g'), '') AS ethnic,
               ap.ward AS perm_ward, ap.dist AS perm_dist, ap.prov AS perm_prov,
               ac.ward AS cur_ward, ac.dist AS cur_dist, ac.prov AS cur_prov,
               ah.ward AS home_ward, ah.dist AS home_dist, ah.prov AS home_prov,
               f.e AS father_e, f.a AS father_a, f.p AS father_p,
               m.e AS mother_e, m.a AS mother_a, m.p AS mother_p,
               s.e AS spouse_e, s.a AS spouse_a, s.p AS spouse_p
               ${o.tf ? ', ' + TF_COLS.map((c) => `tf_${c}.tf_${c}`).join(', ') : ''}
        FROM b
        LEFT JOIN sexmap sm ON sm.source = b.source
        LEFT JOIN namedict n ON n.v = b.ho_ten
        LEFT JOIN namedict f ON f.v = b.ho_ten_cha
        LEFT JOIN namedict m ON m.v = b.ho_ten_me
        LEFT JOIN namedict s ON s.v = b.ho_ten_vo_chong
        LEFT JOIN addrdict ap ON ap.v = b.noi_thuong_tru
        LEFT JOIN addrdict ac ON ac.v = b.noi_o_hien_tai
        LEFT JOIN addrdict ah ON ah.v = b.que_quan
        ${o.tf ? TF_COLS.map((c) => `LEFT JOIN tf_${c} ON tf_${c}.${c} = ${{ name_e: 'n.e', name_a: 'n.a', name_p: 'n.p' }[c]}`).join('\n        ') : ''})
        -- key columns of the blocking rules: the full date with day and
        -- month in either order; a date known to the year but not to the
        -- day, or the 01/01 placeholder (dancu's dob_vague)
        SELECT c.*,
               CASE WHEN dob_d IS NOT NULL
                    THEN dob_y::INTEGER * 10000 + least(dob_m, dob_d)::INTEGER * 100 + greatest(dob_m, dob_d) END
                   AS dob_unord,
               dob_y IS NOT NULL AND (dob_d IS NULL OR (dob_m = 1 AND dob_d = 1)) AS dob_vague
        FROM c`);
        await R.run('DROP TABLE raw; DROP TABLE ids; DROP TABLE namedict; DROP TABLE addrdict;');
    });

    if (o.dumpClean) {
        const p = path.join(o.out, 'clean.csv');
        await R.run(`COPY (SELECT * FROM rec ORDER BY uid) TO ${sqlStr(p)} (FORMAT csv, HEADER true)`);
        fs.chmodSync(p, 0o600);
    }

    // ---- blocking: one join per rule, excluding the pairs of earlier rules
    const ruleCounts = [];
    const rules = blockingRules(o);
    await R.stage('block', async () => {
        const parts = rules.map((rule, k) => {
            const prev = rules.slice(0, k).map((p) => `coalesce((${p}), false)`);
            const excl = prev.length ? `AND NOT (${prev.join(' OR ')})` : '';
            return `SELECT l.uid AS uid_l, r.uid AS uid_r, ${k}::TINYINT AS match_key
                    FROM rec l JOIN rec r ON (${rule}) AND l.uid < r.uid ${excl}`;
        });
        await R.run(`CREATE TABLE pairs AS ${parts.join('\nUNION ALL\n')}`);
        const counts = await R.rows('SELECT match_key, count(*) AS n FROM pairs GROUP BY ALL ORDER BY match_key');
        const byKey = new Map(counts.map((r) => [N(r.match_key), N(r.n)]));
        rules.forEach((rule, k) => ruleCounts.push({ rule, new_pairs: byKey.get(k) || 0 }));
    });
    const npairs = ruleCounts.reduce((s, r) => s + r.new_pairs, 0);
    R.log(`${npairs} candidate pairs`);

    // ---- comparison vectors of the candidate pairs
    const tfCols = o.tf ? ['name_e', 'name_a', 'name_p'].flatMap((c) => [`l.tf_${c} AS tf_${c}_l`, `r.tf_${c} AS tf_${c}_r`]) : [];
    await R.stage('compare', async () => {
        await R.run(`CREATE TABLE cv AS
            SELECT p.uid_l, p.uid_r, p.match_key,
                   ${COMPARISONS.map(gammaSql).join(',\n                   ')},
                   ${TRAINING.map((t) => `coalesce((${t.rule}), false) AS ${t.flag}`).join(', ')},
                   coalesce((${DETERMINISTIC}), false) AS det
                   ${tfCols.length ? ', ' + tfCols.join(', ') : ''}
            FROM pairs p JOIN rec l ON l.uid = p.uid_l JOIN rec r ON r.uid = p.uid_r`);
        await R.run('DROP TABLE pairs');
    });

    // ---- u by random sampling (estimate_u_using_random_sampling)
    const u = {};
    let uPairs = 0;
    await R.stage('estimate_u', async () => {
        const k = Math.min(nrec, Math.ceil((1 + Math.sqrt(1 + 8 * o.maxPairs)) / 2));
        // Splink samples with USING SAMPLE; a reservoir sample depends on
        // the physical row order, which DuckDB's parallel inserts do not fix,
        // so the sample is the k records of smallest hash(uid, seed) instead:
        // the same u whatever the thread count.
        await R.run(`CREATE TABLE usample AS SELECT rec.* FROM rec JOIN (
            SELECT uid FROM rec ORDER BY hash(uid, ${Math.trunc(o.seed)}), uid LIMIT ${k}) USING (uid)`);
        await R.run(`CREATE TABLE ucv AS SELECT ${COMPARISONS.map(gammaSql).join(', ')}
            FROM usample l JOIN usample r ON l.uid < r.uid`);
        uPairs = N((await R.one('SELECT count(*) AS n FROM ucv')).n);
        const q = COMPARISONS.map((c) => `SELECT '${c.name}' AS comp, g_${c.name} AS g, count(*) AS n FROM ucv GROUP BY ALL`).join(' UNION ALL ');
        const rows = await R.rows(q);
        for (const c of COMPARISONS) {
            const cnt = new Array(c.nlev).fill(0);
            let tot = 0;
            for (const r of rows) {
                if (r.comp !== c.name || N(r.g) < 0) continue;
                cnt[N(r.g)] = N(r.n);
                tot += N(r.n);
            }
            // A level never seen among random pairs gets half a pair: Splink
            // leaves it untrained ("level not observed") and the user must set
            // it by hand; this is that hand.
            u[c.name] = cnt.map((x) => Math.max(x, 0.5) / Math.max(tot, 1));
        }
        await R.run('DROP TABLE ucv; DROP TABLE usample;');
    });
    R.log(`u from ${uPairs} random pairs`);

    // ---- lambda from deterministic rules (estimate_probability_two_random_records_match)
    const det = N((await R.one('SELECT count(*) AS n FROM cv WHERE det')).n);
    const allPairs = (nrec * (nrec - 1)) / 2;
    const lambda = Math.min(Math.max(det / o.recall / Math.max(allPairs, 1), 1e-12), 0.5);
    R.log(`lambda ${lambda.toExponential(3)} (${det} deterministic pairs, recall ${o.recall})`);

    // ---- m by EM over agreement-pattern counts, one session per training rule
    const mInit = (c) => {
        // Splink starts from the comparison library's m defaults: strong
        // levels likely among matches. Geometric decay from the top level.
        const m = new Array(c.nlev).fill(0);
        let rest = 1;
        for (let g = c.nlev - 1; g > 0; g--) { m[g] = rest * 0.7; rest -= m[g]; }
        m[0] = rest;
        return m;
    };
    const mEstimates = Object.fromEntries(COMPARISONS.map((c) => [c.name, []]));
    const emLog = [];
    await R.stage('estimate_m_em', async () => {
        for (const t of TRAINING) {
            const active = COMPARISONS.filter((c) => !t.deactivate.includes(c.name));
            const gcols = active.map((c) => `g_${c.name}`);
            await R.run(`CREATE OR REPLACE TABLE patterns AS
                SELECT ${gcols.join(', ')}, count(*)::DOUBLE AS cnt FROM cv WHERE ${t.flag} GROUP BY ALL`);
            const pc = await R.one('SELECT count(*) AS n, coalesce(sum(cnt), 0)::BIGINT AS s FROM patterns');
            const np = N(pc.n), sessPairs = N(pc.s);
            if (sessPairs === 0) { emLog.push({ rule: t.rule, pairs: 0, iterations: 0 }); continue; }
            const m = Object.fromEntries(active.map((c) => [c.name, mInit(c)]));
            let lam = lambda;   // the session's lambda starts at the global one and is trained
            let it = 0;
            let converged = false;
            for (it = 1; it <= o.emMaxIter; it++) {
                const wsql = active.map((c) => `CASE g_${c.name} ${Array.from({ length: c.nlev }, (_, g) =>
                    `WHEN ${g} THEN ${num(Math.log2(Math.max(m[c.name][g], 1e-12) / u[c.name][g]))}`).join(' ')} ELSE 0 END`).join(' + ');
                const q = `WITH e AS (
                        SELECT *, 1.0 / (1.0 + pow(2.0, -(${num(Math.log2(lam / (1 - lam)))} + ${wsql}))) AS p FROM patterns)
                    ${active.map((c) => `SELECT '${c.name}' AS comp, g_${c.name} AS g, sum(p * cnt) AS mc FROM e GROUP BY ALL`).join(' UNION ALL ')}
                    UNION ALL SELECT '_lambda', 0, sum(p * cnt) / sum(cnt) FROM e`;
                const rows = await R.rows(q);
                let change = 0;
                for (const c of active) {
                    const cnt = new Array(c.nlev).fill(0);
                    let tot = 0;
                    for (const r of rows) {
                        if (r.comp !== c.name || N(r.g) < 0) continue;
                        cnt[N(r.g)] = r.mc;
                        tot += r.mc;
                    }
                    if (tot <= 0) continue;
                    for (let g = 0; g < c.nlev; g++) {
                        const nm = cnt[g] / tot;
                        change = Math.max(change, Math.abs(nm - m[c.name][g]));
                        m[c.name][g] = nm;
                    }
                }
                const nl = rows.find((r) => r.comp === '_lambda').mc;
                change = Math.max(change, Math.abs(nl - lam));
                lam = Math.min(Math.max(nl, 1e-12), 1 - 1e-9);
                if (change < o.emConvergence) { converged = true; break; }
            }
            for (const c of active) mEstimates[c.name].push(m[c.name]);
            emLog.push({ rule: t.rule, pairs: sessPairs, patterns: np, iterations: Math.min(it, o.emMaxIter), converged, lambda_session: lam });
            R.log(`EM on "${t.rule}": ${sessPairs} pairs, ${np} patterns, ${Math.min(it, o.emMaxIter)} iterations`);
        }
        await R.run('DROP TABLE IF EXISTS patterns');
    });
    // Splink's final m of a level is the mean of its estimates over the
    // training sessions that trained it.
    const model = {};
    for (const c of COMPARISONS) {
        const ests = mEstimates[c.name];
        const m = ests.length ? new Array(c.nlev).fill(0).map((_, g) => ests.reduce((s, e) => s + e[g], 0) / ests.length) : mInit(c);
        model[c.name] = Array.from({ length: c.nlev }, (_, g) => ({
            level: levelName(c, g), gamma: g, m: m[g], u: u[c.name][g],
            weight: Math.log2(Math.max(m[g], 1e-12) / u[c.name][g]),
        }));
    }

    // ---- predict: match weights and probabilities, edges at the threshold
    const prior = Math.log2(lambda / (1 - lambda));
    const weightSql = COMPARISONS.map((c) => {
        const whens = model[c.name].map((l) => `WHEN ${l.gamma} THEN ${num(l.weight)}`).join(' ');
        let tfAdj = '';
        if (o.tf && c.tf) {
            // Splink's TF adjustment of an exact level: log2(u_level / max(tf_l, tf_r))
            tfAdj = ' + CASE ' + c.tf.map((col, i) => {
                const g = c.nlev - 1 - i;
                return `WHEN g_${c.name} = ${g} AND coalesce(tf_${col}_l, tf_${col}_r) IS NOT NULL THEN
                    log2(${num(u[c.name][g])} / greatest(coalesce(tf_${col}_l, tf_${col}_r), coalesce(tf_${col}_r, tf_${col}_l)))`;
            }).join(' ') + ' ELSE 0 END';
        }
        return `(CASE g_${c.name} ${whens} ELSE 0 END${tfAdj})`;
    }).join(' + ');
    const threshWeight = Math.log2(o.threshold / (1 - o.threshold));
    let nedges = 0;
    await R.stage('predict', async () => {
        await R.run(`CREATE TABLE edges AS
            SELECT uid_l, uid_r, w AS match_weight, 1.0 / (1.0 + pow(2.0, -w)) AS match_probability
            FROM (SELECT uid_l, uid_r, ${num(prior)} + ${weightSql} AS w FROM cv)
            WHERE w >= ${num(threshWeight)}`);
        nedges = N((await R.one('SELECT count(*) AS n FROM edges')).n);
    });
    R.log(`${nedges} pairs at match probability >= ${o.threshold}`);

    // ---- cluster: connected components by label propagation (Splink's
    // solve_connected_components, with its needs_updating optimisation).
    // Records without an edge are their own cluster; they are added at the
    // end instead of as self-loops, which gives the same result.
    let iterations = 0;
    await R.stage('cluster', async () => {
        iterations = await connectedComponents(R);
        await R.run(`CREATE TABLE clusters AS
            SELECT rec.uid, rec.source, rec.record_id, coalesce(reps.representative, rec.uid) AS rep
            FROM rec LEFT JOIN reps ON rec.uid = reps.node_id`);
    });
    R.log(`connected components in ${iterations} iterations`);

    // ---- write links.csv
    const linksPath = path.join(o.out, 'links.csv');
    const linksTmp = `${linksPath}.tmp${process.pid}`;
    await R.stage('write', async () => {
        await R.run(`CREATE TABLE links AS
            WITH best AS (
                SELECT uid, max(match_probability) AS p FROM (
                    SELECT uid_l AS uid, match_probability FROM edges
                    UNION ALL SELECT uid_r, match_probability FROM edges)
                GROUP BY uid)
            SELECT c.source, c.record_id, k.source || '/' || k.record_id AS citizen_key,
                   round(b.p, 6) AS match_probability
            FROM clusters c JOIN rec k ON k.uid = c.rep LEFT JOIN best b ON b.uid = c.uid`);
        await R.run(`COPY (SELECT * FROM links ORDER BY source, record_id)
            TO ${sqlStr(linksTmp)} (FORMAT csv, HEADER true)`);
        fs.chmodSync(linksTmp, 0o600);
        fs.renameSync(linksTmp, linksPath);
    });
    const cstats = await R.one(`SELECT count(*) AS clusters, count(*) FILTER (WHERE n = 1) AS singletons, max(n) AS largest
        FROM (SELECT count(*) AS n FROM clusters GROUP BY rep)`);

    const total = (performance.now() - R.t0) / 1000;
    const summary = {
        peer: 'splink-style DuckDB', duckdb: (await R.one('SELECT version() AS v')).v,
        threads: o.threads, memory_limit: o.memoryLimit, threshold: o.threshold,
        records: nrec, candidate_pairs: npairs, rules: ruleCounts,
        u_random_pairs: uPairs, lambda, em: emLog, edges: nedges, cc_iterations: iterations,
        clusters: N(cstats.clusters), singletons: N(cstats.singletons), largest_cluster: N(cstats.largest),
        stages: R.stages, seconds: Number(total.toFixed(3)),
    };

    // ---- optional: pairwise P/R/F1 against the truth, in SQL
    if (o.truth) {
        const ev = await R.one(`
            WITH t AS (SELECT source, record_id, person_id FROM read_csv(${sqlStr(path.resolve(o.truth))},
                           header = true, all_varchar = true)),
                 j AS (SELECT l.citizen_key, t.person_id FROM links l JOIN t USING (source, record_id)),
                 tp AS (SELECT coalesce(sum(n * (n - 1) / 2), 0) AS v FROM (SELECT count(*)::HUGEINT AS n FROM j GROUP BY citizen_key, person_id)),
                 pp AS (SELECT coalesce(sum(n * (n - 1) / 2), 0) AS v FROM (SELECT count(*)::HUGEINT AS n FROM j GROUP BY citizen_key)),
                 ap AS (SELECT coalesce(sum(n * (n - 1) / 2), 0) AS v FROM (SELECT count(*)::HUGEINT AS n FROM j GROUP BY person_id)),
                 tu AS (SELECT t.person_id, c.uid FROM t JOIN rec c USING (source, record_id)),
                 bl AS (SELECT count(*) AS v FROM cv JOIN tu a ON a.uid = cv.uid_l JOIN tu b ON b.uid = cv.uid_r
                        WHERE a.person_id = b.person_id)
            SELECT (SELECT count(*) FROM j) AS n, tp.v::DOUBLE AS tp, pp.v::DOUBLE AS pp, ap.v::DOUBLE AS ap, bl.v::DOUBLE AS blocked_tp
            FROM tp, pp, ap, bl`);
        const p = ev.pp > 0 ? ev.tp / ev.pp : 1;
        const r = ev.ap > 0 ? ev.tp / ev.ap : 1;
        summary.eval = {
            records: N(ev.n), true_pairs: ev.ap, predicted_pairs: ev.pp, tp: ev.tp,
            precision: p, recall: r, f1: p + r > 0 ? (2 * p * r) / (p + r) : 0,
            blocking_recall: ev.ap > 0 ? ev.blocked_tp / ev.ap : 1,
        };
        R.log(`pairwise P ${p.toFixed(4)} R ${r.toFixed(4)} F1 ${summary.eval.f1.toFixed(4)} (blocking recall ${summary.eval.blocking_recall.toFixed(4)})`);
    }

    const modelOut = { ...summary, probability_two_random_records_match: lambda, comparisons: model, blocking_rules: rules, training: TRAINING };
    const modelPath = path.join(o.out, 'model.json');
    fs.writeFileSync(`${modelPath}.tmp${process.pid}`, JSON.stringify(modelOut, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(`${modelPath}.tmp${process.pid}`, modelPath);
    process.stdout.write(JSON.stringify(summary) + '\n');
    conn.closeSync();
    db.closeSync();
    fs.rmSync(tempDir, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
    main().catch((e) => {
        process.stderr.write(`splink_duckdb: ${e && e.message ? e.message : e}\n`);
        process.exit(1);
    });
}
