#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""plot_growth.py - time and memory against rows, as an SVG (no plotting
library: the figure is a few lines and dots, written by hand).

Usage: plot_growth.py TABLE OUT.svg

TABLE is bench_ooc.sh's output (`TSV=FILE sh bench/bench_ooc.sh ...`): one
line per run, whitespace-separated: people path rows wall_s cpu_s peak_MiB
peak_B/row anon_MiB anon_B/row (a header line starting with "people" is
skipped). Two panels, both axes logarithmic: wall seconds against rows, and
peak memory (MiB: the kernel's peak RSS, and the anonymous peak) against
rows; one series per path (memory, ooc). Several runs of one size and path
are drawn as their median.
"""
import math, statistics, sys
from collections import defaultdict

COL = {'memory': '#1f77b4', 'ooc': '#d62728'}


def load(path):
    runs = defaultdict(list)
    for line in open(path, encoding='utf-8'):
        f = line.split()
        if not f or f[0] == 'people':
            continue
        rows, wall, peak, anon = int(f[2]), float(f[3]), float(f[5]), float(f[7])
        runs[(f[1], rows)].append((wall, peak, anon))
    series = defaultdict(list)
    for (path, rows), v in sorted(runs.items()):
        series[path].append((rows, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                             statistics.median(x[2] for x in v)))
    return series


def panel(out, x0, y0, w, h, title, ylabel, pts, xs, ys):
    """pts: list of (label, colour, dash, [(x, y)])."""
    lx0, lx1 = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
    ly0, ly1 = math.log10(min(ys)) - 0.15, math.log10(max(ys)) + 0.15
    X = lambda v: x0 + (math.log10(v) - lx0) / (lx1 - lx0) * w
    Y = lambda v: y0 + h - (math.log10(v) - ly0) / (ly1 - ly0) * h
    out.append('<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>' % (x0, y0, w, h))
    out.append('<text x="%g" y="%g" font-size="14" text-anchor="middle">%s</text>' % (x0 + w / 2, y0 - 10, title))
    out.append('<text x="%g" y="%g" font-size="12" text-anchor="middle" transform="rotate(-90 %g %g)">%s</text>'
               % (x0 - 45, y0 + h / 2, x0 - 45, y0 + h / 2, ylabel))
    out.append('<text x="%g" y="%g" font-size="12" text-anchor="middle">input rows</text>' % (x0 + w / 2, y0 + h + 35))
    for e in range(int(math.floor(lx0)), int(math.ceil(lx1)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lx0 <= math.log10(v) <= lx1:
                out.append('<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ddd"/>' % (X(v), y0, X(v), y0 + h))
                lab = '%gM' % (v / 1e6) if v >= 1e6 else '%gk' % (v / 1e3)
                out.append('<text x="%g" y="%g" font-size="11" text-anchor="middle">%s</text>' % (X(v), y0 + h + 16, lab))
    for e in range(int(math.floor(ly0)), int(math.ceil(ly1)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if ly0 <= math.log10(v) <= ly1:
                out.append('<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ddd"/>' % (x0, Y(v), x0 + w, Y(v)))
                out.append('<text x="%g" y="%g" font-size="11" text-anchor="end">%g</text>' % (x0 - 5, Y(v) + 4, v))
    ly = y0 + 15
    for label, colour, dash, xy in pts:
        d = ' '.join('%s%g,%g' % ('M' if i == 0 else 'L', X(x), Y(y)) for i, (x, y) in enumerate(xy))
        out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                   % (d, colour, ' stroke-dasharray="5,4"' if dash else ''))
        for x, y in xy:
            out.append('<circle cx="%g" cy="%g" r="3.5" fill="%s"/>' % (X(x), Y(y), colour))
        out.append('<text x="%g" y="%g" font-size="11" fill="%s">%s</text>' % (x0 + 10, ly, colour, label))
        ly += 15


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    s = load(sys.argv[1])
    if not s:
        sys.exit('plot_growth.py: no runs in %s' % sys.argv[1])
    allx = [r[0] for v in s.values() for r in v]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="900" height="400" font-family="sans-serif">',
           '<rect width="900" height="400" fill="white"/>']
    tpts = [('%s: wall s' % p, COL.get(p, '#333'), False, [(r[0], r[1]) for r in v]) for p, v in sorted(s.items())]
    panel(out, 80, 40, 330, 300, 'time', 'wall seconds', tpts, allx, [r[1] for v in s.values() for r in v])
    mpts = []
    for p, v in sorted(s.items()):
        mpts.append(('%s: peak RSS MiB' % p, COL.get(p, '#333'), False, [(r[0], r[2]) for r in v]))
        mpts.append(('%s: anonymous peak MiB (dashed)' % p, COL.get(p, '#333'), True, [(r[0], r[3]) for r in v]))
    panel(out, 540, 40, 330, 300, 'memory', 'MiB', mpts, allx,
          [r[k] for v in s.values() for r in v for k in (2, 3)])
    out.append('</svg>')
    open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
