/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * block.c - candidate pairs from blocking rules (dc_match.h).
 *
 * DESIGN: one rule at a time. Every record with a key under the rule gives
 * one 64-bit word: the top (64 - b) bits of the key hash, then its record
 * index in the low b bits (b = bits needed for n). A radix sort of these
 * words groups equal keys into runs whose members are already in record
 * order. A run of up to max_block records yields all its pairs; a larger
 * run is sorted on the rule's sort fields and each record is paired with
 * the next window-1 records (sorted neighbourhood), so a block of 50,000
 * Nguyễn Văn Hùng born 1980 costs 50,000 * (window-1) pairs, not 1.25e9.
 * The rule's pairs (packed i << 32 | j, i < j) are sorted, made unique and
 * merged into the pairs of the earlier rules, which counts the new ones.
 * Key hash collisions (probability ~ n^2 / 2^(65-b)) only add candidates.
 */
#include "dc_match.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memcpy */

uint64_t dc_rule_sort_value(const dc_rule_t *rule, const dc_record_t *rec, const dc_intern_t *in);

/* --------------------------------------------------------------- sorting */

static void lsd_sort(uint64_t *a, uint64_t *tmp, size_t n, uint64_t vary)
{
    uint64_t *src = a, *dst = tmp;
    size_t cnt[256];
    for (int byte = 0; byte < 8; byte++) {
        int sh = byte * 8;
        if (!((vary >> sh) & 0xFF)) continue;
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++) cnt[(src[i] >> sh) & 0xFF]++;
        size_t s = 0;
        for (int k = 0; k < 256; k++) { size_t c = cnt[k]; cnt[k] = s; s += c; }
        for (size_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & 0xFF]++] = src[i];
        uint64_t *t = src; src = dst; dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static uint64_t vary_bits(const uint64_t *a, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 1; i < n; i++) v |= a[i] ^ a[0];
    return v;
}

void dc_sort_u64(uint64_t *a, size_t n)
{
    if (n < 2) return;
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t j = i;
            while (j && a[j - 1] > x) { a[j] = a[j - 1]; j--; }
            a[j] = x;
        }
        return;
    }
    uint64_t *tmp = dc_xmalloc(n * sizeof *tmp);
    lsd_sort(a, tmp, n, vary_bits(a, n));
    free(tmp);
}

/* Parallel sort: MSD split on the highest varying byte, then LSD per bucket. */
typedef struct {
    uint64_t *a, *tmp;
    size_t off[257];
    uint64_t vary_low;
} psort_t;

static void psort_bucket(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    psort_t *p = ctx;
    size_t lo = p->off[k], hi = p->off[k + 1];
    if (hi - lo > 1) lsd_sort(p->a + lo, p->tmp + lo, hi - lo, p->vary_low);
}

static void sort_par(uint64_t *a, size_t n, int nthreads)
{
    if (nthreads <= 1 || n < (1u << 16)) { dc_sort_u64(a, n); return; }
    uint64_t vary = vary_bits(a, n);
    if (!vary) return;
    int top = 63 - __builtin_clzll(vary);
    int sh = top >= 7 ? top - 7 : 0;
    psort_t p;
    p.a = a;
    p.tmp = dc_xmalloc(n * sizeof *p.tmp);
    size_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[(a[i] >> sh) & 0xFF]++;
    size_t s = 0;
    for (int k = 0; k < 256; k++) { p.off[k] = s; s += cnt[k]; }
    p.off[256] = n;
    size_t pos[256];
    memcpy(pos, p.off, sizeof pos);
    for (size_t i = 0; i < n; i++) p.tmp[pos[(a[i] >> sh) & 0xFF]++] = a[i];
    memcpy(a, p.tmp, n * sizeof *a);
    p.vary_low = vary & ((1ull << sh) - 1);
    dc_parallel_for(nthreads, 256, 1, psort_bucket, &p);
    free(p.tmp);
}

/* ---------------------------------------------------------------- pairs */

typedef struct {
    uint64_t *v;
    size_t n, cap;
} vec_t;

static void vec_push(vec_t *v, uint64_t x)
{
    if (v->n == v->cap) v->v = dc_grow(v->v, &v->cap, v->n + 1, sizeof *v->v);
    v->v[v->n++] = x;
}

static inline uint64_t pack_pair(uint32_t i, uint32_t j)
{
    return i < j ? ((uint64_t)i << 32) | j : ((uint64_t)j << 32) | i;
}

typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const dc_rule_t *rule;
    uint32_t ri;
    uint64_t *words;   /* per record: packed key word or UINT64_MAX when missing */
    int b;
    uint64_t mask;
} keyctx_t;

static void key_one(void *ctx, size_t i, int tid)
{
    DC_UNUSED(tid);
    keyctx_t *k = ctx;
    uint64_t h = dc_rule_key(k->rule, k->ri, &k->recs[i], k->in);
    k->words[i] = h ? ((h >> k->b) << k->b) | i : UINT64_MAX;
}

static size_t unique_sorted(uint64_t *a, size_t n)
{
    if (!n) return 0;
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}

/* Merge sorted unique `add` into sorted unique `acc`; returns new count of acc
 * and how many of add were new. */
static uint64_t *merge_pairs(uint64_t *acc, size_t nacc, const uint64_t *add, size_t nadd,
                             size_t *nout, uint64_t *nnew)
{
    uint64_t *out = dc_xmalloc((nacc + nadd + 1) * sizeof *out);
    size_t i = 0, j = 0, w = 0;
    uint64_t fresh = 0;
    while (i < nacc || j < nadd) {
        if (j >= nadd || (i < nacc && acc[i] < add[j])) out[w++] = acc[i++];
        else if (i >= nacc || add[j] < acc[i]) { out[w++] = add[j++]; fresh++; }
        else { out[w++] = acc[i++]; j++; }
    }
    free(acc);
    *nout = w;
    *nnew = fresh;
    return out;
}

size_t dc_block_pairs(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                      const dc_rules_t *rules, int nthreads, uint64_t **pairs_out,
                      dc_block_stats_t *st)
{
    return dc_block_pairs_ex(recs, n, in, rules, nthreads, NULL, NULL, pairs_out, st);
}

size_t dc_block_pairs_ex(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                         const dc_rules_t *rules, int nthreads, dc_rule_pairs_fn on_rule,
                         void *ud, uint64_t **pairs_out, dc_block_stats_t *st)
{
    double t0 = dc_now();
    memset(st, 0, sizeof *st);
    st->nrules = rules->n;
    st->rule = dc_xcalloc(rules->n ? rules->n : 1, sizeof *st->rule);
    int b = 1;
    while (b < 40 && ((size_t)1 << b) < n + 1) b++;
    uint64_t mask = (1ull << b) - 1;
    uint64_t *words = dc_xmalloc((n ? n : 1) * sizeof *words);
    uint64_t *acc = NULL;
    size_t nacc = 0;
    vec_t rp = {0};
    uint64_t *sv = NULL;
    size_t svcap = 0;
    for (size_t r = 0; r < rules->n; r++) {
        double tr = dc_now();
        dc_rule_stats_t *rs = &st->rule[r];
        keyctx_t k = {recs, in, &rules->r[r], (uint32_t)r, words, b, mask};
        dc_parallel_for(nthreads, n, 4096, key_one, &k);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (words[i] != UINT64_MAX) words[m++] = words[i];
        rs->keyed = m;
        sort_par(words, m, nthreads);
        rp.n = 0;
        for (size_t s = 0; s < m;) {
            size_t e = s + 1;
            while (e < m && (words[e] >> b) == (words[s] >> b)) e++;
            size_t sz = e - s;
            if (sz >= 2) {
                rs->blocks++;
                if (sz > rs->largest) rs->largest = sz;
                if (sz <= rules->max_block) {
                    for (size_t x = s; x < e; x++)
                        for (size_t y = x + 1; y < e; y++)
                            vec_push(&rp, pack_pair((uint32_t)(words[x] & mask),
                                                    (uint32_t)(words[y] & mask)));
                } else {
                    rs->capped_blocks++;
                    rs->capped_rows += sz;
                    sv = dc_grow(sv, &svcap, sz, sizeof *sv);
                    for (size_t x = 0; x < sz; x++) {
                        uint32_t idx = (uint32_t)(words[s + x] & mask);
                        uint64_t v = dc_rule_sort_value(&rules->r[r], &recs[idx], in);
                        sv[x] = ((v >> b) << b) | idx;
                    }
                    dc_sort_u64(sv, sz);
                    for (size_t x = 0; x < sz; x++)
                        for (size_t y = x + 1; y < sz && y < x + rules->window; y++)
                            vec_push(&rp, pack_pair((uint32_t)(sv[x] & mask), (uint32_t)(sv[y] & mask)));
                }
            }
            s = e;
        }
        sort_par(rp.v, rp.n, nthreads);
        size_t nu = unique_sorted(rp.v, rp.n);
        rs->pairs = nu;
        if (on_rule) on_rule(ud, r, rp.v, nu);
        acc = merge_pairs(acc, nacc, rp.v, nu, &nacc, &rs->pairs_new);
        rs->seconds = dc_now() - tr;
        dc_log(2, "block rule %s: %llu keyed, %llu blocks, largest %llu, %llu capped, %llu pairs (%llu new)",
               rules->r[r].text, (unsigned long long)rs->keyed, (unsigned long long)rs->blocks,
               (unsigned long long)rs->largest, (unsigned long long)rs->capped_blocks,
               (unsigned long long)rs->pairs, (unsigned long long)rs->pairs_new);
    }
    free(rp.v);
    free(sv);
    free(words);
    st->pairs = nacc;
    st->seconds = dc_now() - t0;
    if (!acc) acc = dc_xmalloc(sizeof *acc);
    *pairs_out = acc;
    return nacc;
}

void dc_block_stats_free(dc_block_stats_t *st)
{
    free(st->rule);
    memset(st, 0, sizeof *st);
}
