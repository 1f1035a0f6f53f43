/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * block_truth.c - how blocking rules cover the true pairs of a labelled
 * data set (dc_match.h, `dancu blocks --truth`).
 *
 * The true pairs (records with the same label) are enumerated once and
 * sorted; each rule's sorted pairs are walked against them, so a rule
 * costs O(its pairs + true pairs). Per true pair we keep the first rule
 * that found it and how many did: enough for the pairs a rule adds over
 * the earlier ones (new) and over all the others (only). The transitive
 * figure joins the found true pairs with a union-find: a true pair whose
 * records are connected by found true pairs can still end in one cluster,
 * the best any scoring of these candidates could do. `found` and the
 * transitive figure count the final candidates (after the cannot-link
 * filter, whose true pairs clustering would refuse anyway); the per-rule
 * figures count each rule's own pairs.
 */
#include "match/dc_match.h"

#include <assert.h>   /* assert: invariants, active without NDEBUG (make SAN=1, debug builds) */
#include <stdlib.h>   /* qsort */
#include <string.h>   /* memset */

typedef struct {
    uint64_t l;
    uint32_t i;
} li_t;

static int cmp_li(const void *x, const void *y)
{
    const li_t *a = x, *b = y;
    if (a->l != b->l) return a->l < b->l ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

#define GROUP_MAX 1000

/* The working state, private to this file. */
struct dc_block_truth_state {
    uint64_t *tp;             /* sorted true pairs */
    uint16_t *first;          /* per true pair: the first rule that found it */
    uint16_t *cnt;            /* per true pair: rules that found it (saturating) */
    size_t n, ntp;            /* records, true pairs */
};

int dc_block_truth_init(dc_block_truth_t *bt, const uint64_t *labels, size_t n, size_t nrules)
{
    memset(bt, 0, sizeof *bt);
    bt->nrules = nrules;
    bt->rule = dc_xcalloc(nrules ? nrules : 1, sizeof *bt->rule);
    struct dc_block_truth_state *st = bt->st = dc_xcalloc(1, sizeof *st);
    st->n = n;
    if (nrules > 65535) return dc_seterr("too many blocking rules to evaluate (%zu)", nrules);
    li_t *v = dc_xmalloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i]) v[m++] = (li_t){labels[i], (uint32_t)i};
    qsort(v, m, sizeof *v, cmp_li);
    size_t cap = 0, ntp = 0;
    uint64_t *tp = NULL;
    for (size_t s = 0; s < m;) {
        size_t e = s + 1;
        while (e < m && v[e].l == v[s].l) e++;
        if (e - s > GROUP_MAX) {
            free(v);
            free(tp);
            return dc_seterr("a truth label holds %zu records (more than %d)", e - s, GROUP_MAX);
        }
        for (size_t x = s; x < e; x++)
            for (size_t y = x + 1; y < e; y++) {
                tp = dc_grow(tp, &cap, ntp + 1, sizeof *tp);
                tp[ntp++] = ((uint64_t)v[x].i << 32) | v[y].i;   /* v[x].i < v[y].i */
            }
        s = e;
    }
    free(v);
    dc_sort_u64(tp, ntp);
    st->tp = tp;
    st->ntp = ntp;
    bt->true_pairs = ntp;
    st->first = dc_xcalloc(ntp ? ntp : 1, sizeof *st->first);
    st->cnt = dc_xcalloc(ntp ? ntp : 1, sizeof *st->cnt);
    return 0;
}

void dc_block_truth_rule(void *ud, size_t r, const uint64_t *pairs, size_t npairs)
{
    dc_block_truth_t *bt = ud;
    struct dc_block_truth_state *st = bt->st;
    if (r >= bt->nrules) return;
    assert(dc_pairs_valid(pairs, npairs, st->n));   /* the walk below needs sorted, unique pairs */
    dc_block_truth_rule_t *rs = &bt->rule[r];
    size_t i = 0, j = 0;
    while (i < npairs && j < st->ntp) {
        if (pairs[i] < st->tp[j]) i++;
        else if (st->tp[j] < pairs[i]) j++;
        else {
            rs->true_pairs++;
            if (!st->cnt[j]) {
                st->first[j] = (uint16_t)r;
                rs->true_new++;
            }
            if (st->cnt[j] < UINT16_MAX) st->cnt[j]++;
            i++;
            j++;
        }
    }
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

void dc_block_truth_finish(dc_block_truth_t *bt, const uint64_t *pairs, size_t npairs)
{
    dc_block_truth_finish_joins(bt, pairs, npairs, NULL, 0);
}

void dc_block_truth_finish_joins(dc_block_truth_t *bt, const uint64_t *pairs, size_t npairs,
                                 const uint64_t *joins, size_t njoins)
{
    struct dc_block_truth_state *st = bt->st;
    assert(dc_pairs_valid(pairs, npairs, st->n));
    for (size_t r = 0; r < bt->nrules; r++) bt->rule[r].true_only = 0;
    bt->found_rules = bt->found = bt->found_transitive = 0;
    for (size_t j = 0; j < st->ntp; j++) {
        if (!st->cnt[j]) continue;
        bt->found_rules++;
        if (st->cnt[j] == 1) bt->rule[st->first[j]].true_only++;
    }
    /* the final candidates (after the cannot-link filter) */
    uint32_t *par = dc_xmalloc((st->n ? st->n : 1) * sizeof *par);
    for (size_t i = 0; i < st->n; i++) par[i] = (uint32_t)i;
    size_t i = 0, j = 0;
    while (i < npairs && j < st->ntp) {
        if (pairs[i] < st->tp[j]) i++;
        else if (st->tp[j] < pairs[i]) j++;
        else {
            bt->found++;
            uint32_t a = uf_find(par, (uint32_t)(st->tp[j] >> 32)), b = uf_find(par, (uint32_t)st->tp[j]);
            if (a != b) par[a < b ? b : a] = a < b ? a : b;
            i++;
            j++;
        }
    }
    for (size_t k = 0; k < njoins; k++) {   /* exact copies: joined whatever the candidates */
        uint32_t a = uf_find(par, (uint32_t)(joins[k] >> 32)), b = uf_find(par, (uint32_t)joins[k]);
        if (a != b) par[a < b ? b : a] = a < b ? a : b;
    }
    for (size_t t = 0; t < st->ntp; t++)
        if (uf_find(par, (uint32_t)(st->tp[t] >> 32)) == uf_find(par, (uint32_t)st->tp[t]))
            bt->found_transitive++;
    free(par);
}

void dc_block_truth_free(dc_block_truth_t *bt)
{
    free(bt->rule);
    if (bt->st) {
        free(bt->st->tp);
        free(bt->st->first);
        free(bt->st->cnt);
        free(bt->st);
    }
    memset(bt, 0, sizeof *bt);
}
