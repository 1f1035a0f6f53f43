/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * eval.c - pairwise and B-cubed scores of a clustering against the truth
 * (dc_match.h), from the contingency table of (predicted, true) labels:
 * sorting the n label pairs twice gives every cluster size and every cell
 * count, so no record pair is ever enumerated (O(n log n)).
 */
#include "match/dc_match.h"

#include <stdlib.h>   /* qsort */
#include <string.h>   /* memset */

typedef struct {
    uint64_t a, b;
} lp_t;

static int cmp_lp(const void *x, const void *y)
{
    const lp_t *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return 0;
}

static double c2(uint64_t k) { return (double)k * (double)(k - (k > 0)) / 2.0; }

/* Over label pairs sorted by (a, b): clusters of a, sum C(size_a, 2), and
 * sum over cells of n_ab^2 / size_a. */
static void pass(const lp_t *v, size_t n, uint64_t *nclusters, double *pairs, double *b3,
                 double *cellpairs)
{
    *nclusters = 0;
    *pairs = *b3 = *cellpairs = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && v[e].a == v[s].a) e++;
        double sz = (double)(e - s);
        (*nclusters)++;
        *pairs += c2(e - s);
        for (size_t c = s; c < e;) {
            size_t d = c + 1;
            while (d < e && v[d].b == v[c].b) d++;
            double k = (double)(d - c);
            *b3 += k * k / sz;
            *cellpairs += c2(d - c);
            c = d;
        }
        s = e;
    }
}

static double f1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

void dc_eval_labels(const uint64_t *pred, const uint64_t *truth, size_t n, dc_eval_t *e)
{
    uint64_t op = e->only_pred, ot = e->only_truth;
    memset(e, 0, sizeof *e);
    e->only_pred = op;
    e->only_truth = ot;
    e->n = n;
    if (!n) return;
    lp_t *v = dc_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (lp_t){pred[i], truth[i]};
    qsort(v, n, sizeof *v, cmp_lp);
    double pp, bp, tp;
    pass(v, n, &e->pred_clusters, &pp, &bp, &tp);
    for (size_t i = 0; i < n; i++) v[i] = (lp_t){truth[i], pred[i]};
    qsort(v, n, sizeof *v, cmp_lp);
    double tpairs, br, tp2;
    pass(v, n, &e->true_clusters, &tpairs, &br, &tp2);
    free(v);
    e->tp = (uint64_t)tp;
    e->pred_pairs = (uint64_t)pp;
    e->true_pairs = (uint64_t)tpairs;
    e->p = pp > 0 ? tp / pp : 1.0;
    e->r = tpairs > 0 ? tp / tpairs : 1.0;
    e->f1 = f1(e->p, e->r);
    e->bp = bp / (double)n;
    e->br = br / (double)n;
    e->bf1 = f1(e->bp, e->br);
}
