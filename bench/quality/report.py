#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""report.py - the quality table of `make bench-quality`.

Usage: report.py WORKDIR SET...

For each SET, reads WORKDIR/SET/eval.json (`dancu eval --json`),
WORKDIR/SET/truth.csv and WORKDIR/SET/out/scores.csv (`dancu run --scores`),
and prints one line per set: rows, rows rejected by the loader, true
pairs, dancu's pairwise precision / recall / F1 (recall over every true
pair of the truth file: a rejected row's pairs count as missed) and
B-cubed F1 (over the rows linked) at the run's thresholds, beside the published figures
(bench/data/published: Splink's threshold sweeps at match probability 0.5
and at its best threshold, picked with the truth; Senzing's own audit).
Then, per set, a reliability table: the candidate pairs by predicted match
probability, with the observed share of true matches in each bin (pairs
that no blocking rule produced are not scored and are not in the table).
"""
import csv, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
PUB = os.path.join(os.path.dirname(HERE), 'data', 'published')
SWEEPS = {'febrl3': 'splink_febrl3_dedupe_threshold_sweep.csv',
          'febrl4': 'splink_febrl4_link_threshold_sweep.csv',
          'fake_1000': 'splink_fake_1000_dedupe_threshold_sweep.csv',
          'historical_50k': 'splink_historical_50k_dedupe_threshold_sweep.csv'}
BINS = [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0000001]


def published(s):
    """(label, P, R, F1) rows of the published figures for set s."""
    if s in SWEEPS:
        rows = list(csv.DictReader(open(os.path.join(PUB, SWEEPS[s]))))
        f = lambda r: (float(r['precision']), float(r['recall']), float(r['f1']))
        at = next((r for r in rows if float(r['match_probability']) >= 0.5), rows[-1])
        best = max(rows, key=lambda r: float(r['f1']))
        return [('Splink p>=0.5',) + f(at), ('Splink best',) + f(best)]
    if s == 'senzing':
        a = json.load(open(os.path.join(PUB, 'truthset_audit.json')))['PAIRS']
        return [('Senzing audit', a['PRECISION'], a['RECALL'], a['F1-SCORE'])]
    return []


def truth_pairs(d):
    """rows and true pairs of the whole truth file (rejected rows included)."""
    size = {}
    rows = 0
    with open(os.path.join(d, 'truth.csv'), encoding='utf-8') as f:
        for r in csv.DictReader(f):
            size[r['person_id']] = size.get(r['person_id'], 0) + 1
            rows += 1
    return rows, sum(k * (k - 1) // 2 for k in size.values())


def reliability(d):
    truth = {}
    with open(os.path.join(d, 'truth.csv'), encoding='utf-8') as f:
        for r in csv.DictReader(f):
            truth[(r['source'], r['record_id'])] = r['person_id']
    n = [0] * (len(BINS) - 1)
    t = [0] * (len(BINS) - 1)
    sp = [0.0] * (len(BINS) - 1)
    path = os.path.join(d, 'out', 'scores.csv')
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as f:
        for r in csv.DictReader(f):
            p = float(r['match_probability'])
            k = next(i for i in range(len(BINS) - 1) if p < BINS[i + 1])
            a, b = truth.get((r['source_a'], r['record_id_a'])), truth.get((r['source_b'], r['record_id_b']))
            n[k] += 1
            sp[k] += p
            t[k] += a is not None and a == b
    return [(BINS[i], min(BINS[i + 1], 1.0), n[i], sp[i] / n[i] if n[i] else 0, t[i] / n[i] if n[i] else 0)
            for i in range(len(n))]


def main():
    work, sets = sys.argv[1], sys.argv[2:]
    print('%-15s %6s %4s %7s | %-6s %-6s %-6s | %-7s | %s' % ('set', 'rows', 'rej', 'true', 'P', 'R', 'F1',
                                                              'B3 F1', 'published (P / R / F1)'))
    rel = {}
    for s in sets:
        d = os.path.join(work, s)
        e = json.load(open(os.path.join(d, 'eval.json')))
        pw, b3 = e['pairwise'], e['bcubed']
        # recall over every true pair of the truth file: a rejected row's pairs are missed
        rows, tp_all = truth_pairs(d)
        p = pw['precision']
        r = pw['true_positives'] / tp_all if tp_all else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        pub = '; '.join('%s %.4f / %.4f / %.4f' % x for x in published(s)) or 'none published'
        print('%-15s %6d %4d %7d | %.4f %.4f %.4f | %.4f  | %s' % (s, rows, rows - e['records'], tp_all, p, r, f1,
                                                                    b3['f1'], pub))
        rel[s] = reliability(d)
    print()
    print('reliability: candidate pairs by predicted match probability; observed = share of true matches')
    for s in sets:
        if not rel[s]:
            continue
        print('  %s' % s)
        for lo, hi, n, mp, obs in rel[s]:
            if n:
                print('    [%.3f, %.3f%s  pairs %8d  mean predicted %.4f  observed %.4f' %
                      (lo, hi, ']' if hi >= 1 else ')', n, mp, obs))


main()
