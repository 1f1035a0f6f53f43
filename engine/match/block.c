/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * block.c - candidate pairs from blocking rules (dc_match.h).
 *
 * DESIGN: one rule at a time. Fields used by two rules or more are first
 * read into a per-field cache (4 bytes per record, freed after the field's
 * last rule), so a rule reads a few columns, not every record and the
 * interner again. Every record with a key under the rule gives one 64-bit
 * word: the top (63 - b) bits of the key hash, one bit for the rule's pair
 * condition ("! dob_vague"), then its record index in the low b bits (b =
 * bits needed for n). A radix sort of these words (stable: the bytes that
 * hold only the index are skipped) groups equal keys into runs, records
 * without the condition first, each part in record order. A run of up to
 * max_block records yields all its pairs (with a condition: those with a
 * record that meets it); a larger run is sorted on the rule's sort fields
 * and each record is paired with the next window-1 records (sorted
 * neighbourhood), so a block of 50,000 Nguyễn Văn Hùng born 1980 costs
 * 50,000 * (window-1) pairs, not 1.25e9. The rule's pairs (packed
 * i << 32 | j, i < j) are sorted, made unique and merged into the pairs of
 * the earlier rules, which counts the new ones. Last, with
 * drop_cannot_link, the unique pairs whose records cannot be one person
 * (dc_cannot_link: clustering would refuse them) are dropped, in parallel.
 * Key hash collisions (probability ~ n^2 / 2^(64-b)) only add candidates.
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

/* Parallel radix sort of a[0..n). Bytes entirely inside `stable` bits are
 * not sorted on: the caller guarantees that a is already in order on them
 * among words equal elsewhere (the record index below a key, appended in
 * index order: every pass is stable). */
static void sort_par_stable(uint64_t *a, size_t n, int nthreads, uint64_t stable)
{
    uint64_t skip = 0;
    for (int byte = 0; byte < 8; byte++)
        if (((stable >> (byte * 8)) & 0xFF) == 0xFF) skip |= 0xFFull << (byte * 8);
    if (nthreads <= 1 || n < (1u << 16)) {
        if (n < 64) { dc_sort_u64(a, n); return; }
        uint64_t *tmp = dc_xmalloc(n * sizeof *tmp);
        lsd_sort(a, tmp, n, vary_bits(a, n) & ~skip);
        free(tmp);
        return;
    }
    uint64_t vary = vary_bits(a, n) & ~skip;
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

static void sort_par(uint64_t *a, size_t n, int nthreads) { sort_par_stable(a, n, nthreads, 0); }

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
    size_t n;
    const uint32_t *const *fc;   /* per string field: cached values, or NULL */
    dc_bkey_t field;             /* fill_range: the field being cached */
    uint32_t *out;
} keyctx_t;

#define KEY_RANGE 4096
#define CACHE_FIELDS 8

/* Interner entries are fetched 16 records ahead, their strings 8 ahead
 * (a string field's hash lives with the string: two cache misses per field
 * at national scale). Hints only: values do not depend on them. */
static inline void prefetch_fields(const keyctx_t *c, size_t i, size_t hi)
{
    for (int k = 0; k < c->rule->nkeys; k++) {
        dc_bkey_t f = (dc_bkey_t)c->rule->keys[k];
        if (!dc_bkey_is_string(f) || (c->fc && c->fc[f])) continue;
        if (i + 16 < hi) dc_bkey_prefetch(f, &c->recs[i + 16], c->in, 0);
        if (i + 8 < hi) dc_bkey_prefetch(f, &c->recs[i + 8], c->in, 1);
    }
}

/* Keys of records [k*KEY_RANGE, ...). */
static void key_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    keyctx_t *c = ctx;
    size_t lo = k * KEY_RANGE, hi = DC_MIN(lo + KEY_RANGE, c->n);
    for (size_t i = lo; i < hi; i++) {
        prefetch_fields(c, i, hi);
        uint64_t h = dc_rule_key_fc(c->rule, c->ri, &c->recs[i], c->in, c->fc, i);
        uint64_t cond = c->rule->require ? (uint64_t)dc_rule_required(c->rule, &c->recs[i]) : 0;
        c->words[i] = h ? ((h >> (c->b + 1)) << (c->b + 1)) | (cond << c->b) | i : UINT64_MAX;
    }
}

/* Cache of one field used by several rules: its value per record. */
static void fill_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    keyctx_t *c = ctx;
    size_t lo = k * KEY_RANGE, hi = DC_MIN(lo + KEY_RANGE, c->n);
    int str = dc_bkey_is_string(c->field);
    for (size_t i = lo; i < hi; i++) {
        if (str && i + 16 < hi) dc_bkey_prefetch(c->field, &c->recs[i + 16], c->in, 0);
        if (str && i + 8 < hi) dc_bkey_prefetch(c->field, &c->recs[i + 8], c->in, 1);
        c->out[i] = dc_bkey_value32(c->field, &c->recs[i], c->in);
    }
}

/* The cannot-link filter over the sorted pairs: keep[p] = 0 when the two
 * records cannot be the same person (clustering would refuse the union). */
typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const uint64_t *pairs;
    uint8_t *keep;
    size_t n;
} filtctx_t;

static void filter_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    filtctx_t *c = ctx;
    size_t lo = k * KEY_RANGE, hi = DC_MIN(lo + KEY_RANGE, c->n);
    for (size_t p = lo; p < hi; p++) {
        if (p + 8 < hi) __builtin_prefetch(&c->recs[(uint32_t)c->pairs[p + 8]]);
        const dc_record_t *a = &c->recs[c->pairs[p] >> 32], *b = &c->recs[(uint32_t)c->pairs[p]];
        c->keep[p] = !dc_cannot_link(c->in, a, b);
    }
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
    uint64_t mask = (1ull << b) - 1, flag = 1ull << b;
    size_t nranges = (n + KEY_RANGE - 1) / KEY_RANGE;
    /* Fields used by two rules or more are read once into a cache (4 bytes
     * per record each; at most CACHE_FIELDS of them, the most used first),
     * freed after their last rule: a rule then reads a few small columns,
     * not every record (and the interner, for names) again. */
    uint32_t *fc[DC_BK__COUNT] = {0};
    int uses[DC_BK__COUNT] = {0}, cached[DC_BK__COUNT] = {0};
    size_t last[DC_BK__COUNT] = {0};
    for (size_t r = 0; r < rules->n; r++)
        for (int k = 0; k < rules->r[r].nkeys; k++) {
            uses[rules->r[r].keys[k]]++;
            last[rules->r[r].keys[k]] = r;
        }
    for (int c = 0; c < CACHE_FIELDS; c++) {
        int best = -1;
        for (int f = 0; f < DC_BK__COUNT; f++)
            if (!cached[f] && uses[f] >= 2 && dc_bkey_fits32((dc_bkey_t)f) && (best < 0 || uses[f] > uses[best]))
                best = f;
        if (best < 0) break;
        cached[best] = 1;
    }
    uint64_t *words = dc_xmalloc((n ? n : 1) * sizeof *words);
    uint64_t *acc = NULL;
    size_t nacc = 0;
    vec_t rp = {0};
    uint64_t *sv = NULL;
    size_t svcap = 0;
    for (size_t r = 0; r < rules->n; r++) {
        double tr = dc_now();
        dc_rule_stats_t *rs = &st->rule[r];
        keyctx_t k = {recs, in, &rules->r[r], (uint32_t)r, words, b, n, (const uint32_t *const *)fc,
                      DC_BK__COUNT, NULL};
        for (int f = 0; f < rules->r[r].nkeys; f++) {
            dc_bkey_t fk = (dc_bkey_t)rules->r[r].keys[f];
            if (!cached[fk] || fc[fk]) continue;
            fc[fk] = dc_xmalloc((n ? n : 1) * sizeof *fc[fk]);
            k.field = fk;
            k.out = fc[fk];
            dc_parallel_for(nthreads, nranges, 1, fill_range, &k);
        }
        dc_parallel_for(nthreads, nranges, 1, key_range, &k);
        for (int f = 0; f < DC_BK__COUNT; f++)
            if (fc[f] && last[f] == r) {
                free(fc[f]);
                fc[f] = NULL;
            }
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (words[i] != UINT64_MAX) words[m++] = words[i];
        rs->keyed = m;
        sort_par_stable(words, m, nthreads, mask);
        rp.n = 0;
        /* words: key hash above bit b, the rule's pair condition at bit b,
         * the record index below: a run (one key) holds first the records
         * without the condition, then those with it, each in index order */
        const dc_rule_t *rule = &rules->r[r];
        int req = rule->require != DC_REQ_NONE;
        for (size_t s = 0; s < m;) {
            size_t e = s + 1;
            while (e < m && (words[e] >> (b + 1)) == (words[s] >> (b + 1))) e++;
            size_t sz = e - s;
            if (sz >= 2) {
                rs->blocks++;
                if (sz > rs->largest) rs->largest = sz;
                if (sz <= rules->max_block) {
                    for (size_t x = s; x < e; x++)
                        for (size_t y = x + 1; y < e; y++)
                            if (!req || ((words[x] | words[y]) & flag))
                                vec_push(&rp, pack_pair((uint32_t)(words[x] & mask),
                                                        (uint32_t)(words[y] & mask)));
                } else {
                    rs->capped_blocks++;
                    rs->capped_rows += sz;
                    sv = dc_grow(sv, &svcap, sz, sizeof *sv);
                    for (size_t x = 0; x < sz; x++) {
                        uint32_t idx = (uint32_t)(words[s + x] & mask);
                        uint64_t v = dc_rule_sort_value(rule, &recs[idx], in);
                        sv[x] = ((v >> (b + 1)) << (b + 1)) | (words[s + x] & flag) | idx;
                    }
                    dc_sort_u64(sv, sz);
                    for (size_t x = 0; x < sz; x++)
                        for (size_t y = x + 1; y < sz && y < x + rules->window; y++)
                            if (!req || ((sv[x] | sv[y]) & flag))
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
    st->raw_pairs = nacc;
    if (rules->drop_cannot_link && nacc) {
        double tf = dc_now();
        uint8_t *keep = dc_xmalloc(nacc);
        filtctx_t f = {recs, in, acc, keep, nacc};
        dc_parallel_for(nthreads, (nacc + KEY_RANGE - 1) / KEY_RANGE, 1, filter_range, &f);
        size_t w = 0;
        for (size_t p = 0; p < nacc; p++)
            if (keep[p]) acc[w++] = acc[p];
        free(keep);
        st->dropped_cannot_link = nacc - w;
        nacc = w;
        dc_log(2, "block: %llu pairs of records that cannot be the same person dropped (%.2f s)",
               (unsigned long long)st->dropped_cannot_link, dc_now() - tf);
    }
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
