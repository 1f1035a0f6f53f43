/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * block.c - candidate pairs from blocking rules (dc_match.h).
 *
 * DESIGN: rules by groups of GROUP (4). One parallel pass over the
 * records reads every key field of a group's rules once per record
 * (dc_bkey_value; names through the interner, prefetched ahead) and writes,
 * per rule, one 64-bit word per record: the top (63 - b) bits of the key
 * hash, one bit for the rule's pair condition ("! dob_vague"), then its
 * record index in the low b bits (b = bits needed for n), or UINT64_MAX
 * when the record lacks a key field. 15 rules thus cost 4 passes over the
 * 168-byte records, not one per rule. Then each rule of the group, on its
 * own thread (dc_parallel_for over the group's rules, a sort buffer per
 * thread), drops its unkeyed words, radix-sorts the rest (only the bytes
 * above the index: the words start in index order and every pass is
 * stable) so that equal keys form runs, records without the condition
 * first, each part in record order, and enumerates its blocks. A run of up
 * to max_block records yields all its pairs (with a condition: those with
 * a record that meets it); a larger run is sorted on the rule's sort fields
 * and each record is paired with the next window-1 records (sorted
 * neighbourhood), so a block of 50,000 Nguyễn Văn Hùng born 1980 costs
 * 50,000 * (window-1) pairs, not 1.25e9. The rule's pairs (packed
 * i << 32 | j, i < j) are sorted and made unique; then, in rule order on
 * the calling thread, they are merged into the pairs of the earlier rules,
 * which counts the new ones (in place: the accumulated pairs grow by
 * realloc and are filled from the back; the last group's keys and sort
 * buffers are freed before its merges). A rule's pairs depend on that rule only, so
 * the result is the same whatever the thread count. Last, with
 * drop_cannot_link, the unique pairs whose records cannot be one person
 * (dc_cannot_link: clustering would refuse them) are dropped, in parallel.
 * Key hash collisions (probability ~ n^2 / 2^(64-b)) only add candidates.
 */
#include "match/dc_match.h"

#include <assert.h>   /* assert: invariants, active without NDEBUG (make SAN=1, debug builds) */
#include <stdlib.h>   /* free */
#include <string.h>   /* memcpy */

uint64_t dc_rule_sort_value(const dc_rule_t *rule, const dc_record_t *rec, const dc_intern_t *in);

/* --------------------------------------------------------------- sorting */

/* Stable LSD radix sort of a[0..n) on the bytes that hold bits set in
 * `vary` (other bits are equal in every word, or already in order among
 * words equal elsewhere), one pass per such byte; the counts of all
 * passes are taken in one read pass first. */
static void lsd_passes(uint64_t *a, uint64_t *tmp, size_t n, uint64_t vary)
{
    uint64_t *src = a, *dst = tmp;
    int sh[8], nd = 0;
    for (int byte = 0; byte < 8; byte++)
        if ((vary >> (byte * 8)) & 0xFF) sh[nd++] = byte * 8;
    if (n < 2 || !nd) return;
    size_t cnt[8][256];
    memset(cnt, 0, (size_t)nd * sizeof cnt[0]);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = src[i];
        for (int d = 0; d < nd; d++) cnt[d][(x >> sh[d]) & 0xFF]++;
    }
    for (int d = 0; d < nd; d++) {
        size_t *c = cnt[d], s = 0;
        for (int k = 0; k < 256; k++) { size_t v = c[k]; c[k] = s; s += v; }
        int h = sh[d];
        for (size_t i = 0; i < n; i++) dst[c[(src[i] >> h) & 0xFF]++] = src[i];
        uint64_t *t = src; src = dst; dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static uint64_t vary_bits(const uint64_t *a, size_t n);

/* Below this many words every pass of lsd_passes runs in cache. */
#define MSD_MIN (1u << 16)

/* The same stable sort. A large array is first split on its highest
 * varying byte (one stable scatter pass), then each part is sorted by
 * lsd_passes on the other bytes that vary in it: those parts fit in the
 * cache, where the whole array's passes (8 bytes x n each, read and
 * scattered) did not (at 10M rows the blocking's sorts were 8% of the
 * run). A sort has one result: the same words in the same order. */
static void lsd_sort(uint64_t *a, uint64_t *tmp, size_t n, uint64_t vary)
{
    int top = -1, nd = 0;
    for (int byte = 0; byte < 8; byte++)
        if ((vary >> (byte * 8)) & 0xFF) top = byte, nd++;
    if (n < MSD_MIN || nd < 3) {
        lsd_passes(a, tmp, n, vary);
        return;
    }
    int h = top * 8;
    size_t cnt[256] = {0}, off[257];
    for (size_t i = 0; i < n; i++) cnt[(a[i] >> h) & 0xFF]++;
    off[0] = 0;
    for (int k = 0; k < 256; k++) off[k + 1] = off[k] + cnt[k];
    size_t pos[256];
    memcpy(pos, off, sizeof pos);
    for (size_t i = 0; i < n; i++) tmp[pos[(a[i] >> h) & 0xFF]++] = a[i];
    uint64_t rest = vary & ~(0xFFull << h);
    for (int k = 0; k < 256; k++)   /* part k sorted in tmp, a's slice as scratch */
        if (cnt[k] > 1) lsd_passes(tmp + off[k], a + off[k], cnt[k], rest & vary_bits(tmp + off[k], cnt[k]));
    memcpy(a, tmp, n * sizeof *a);
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

static size_t unique_sorted(uint64_t *a, size_t n)
{
    if (!n) return 0;
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}

int dc_pairs_valid(const uint64_t *pairs, size_t npairs, size_t n)
{
    for (size_t p = 0; p < npairs; p++) {
        uint64_t i = pairs[p] >> 32, j = (uint32_t)pairs[p];
        if (!(i < j && j < n) || (p && pairs[p - 1] >= pairs[p])) return 0;
    }
    return 1;
}

static inline uint64_t pack_pair(uint32_t i, uint32_t j)
{
    return i < j ? ((uint64_t)i << 32) | j : ((uint64_t)j << 32) | i;
}

#define KEY_RANGE 4096
#define GROUP 4   /* rules keyed per pass over the records */

/* One pass over the records computes the keys of GROUP rules at once. */
typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const dc_rules_t *rules;
    const uint32_t *rep;        /* NULL, or per record its representative: copies are not keyed */
    const uint8_t *dirty;       /* NULL, or per record: 1 = new or changed; pairs need a dirty side */
    size_t r0, g;               /* rules r0 .. r0+g-1 */
    uint64_t *words[GROUP];     /* per rule, per record: packed key word or UINT64_MAX */
    uint8_t fields[DC_BK__COUNT], nfields;   /* key fields of those rules */
    uint8_t sfields[DC_BK__COUNT], nsfields; /* of which strings (prefetched) */
    int b;
    size_t n;
} keyctx_t;

/* Keys of records [k*KEY_RANGE, ...) under the group's rules: each field
 * is read once per record, whatever the number of rules using it.
 * Interner entries are fetched 16 records ahead, their strings 8 ahead
 * (a string field's hash lives with the string: two cache misses per field
 * at national scale). Hints only: values do not depend on them. */
static void key_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    keyctx_t *c = ctx;
    size_t lo = k * KEY_RANGE, hi = DC_MIN(lo + KEY_RANGE, c->n);
    uint64_t vals[DC_BK__COUNT] = {0};
    for (size_t i = lo; i < hi; i++) {
        const dc_record_t *rec = &c->recs[i];
        if (c->rep && c->rep[i] != i) {   /* an exact copy: its representative is keyed */
            for (size_t r = 0; r < c->g; r++) c->words[r][i] = UINT64_MAX;
            continue;
        }
        for (int f = 0; f < c->nsfields; f++) {
            if (i + 16 < hi) dc_bkey_prefetch((dc_bkey_t)c->sfields[f], &c->recs[i + 16], c->in, 0);
            if (i + 8 < hi) dc_bkey_prefetch((dc_bkey_t)c->sfields[f], &c->recs[i + 8], c->in, 1);
        }
        for (int f = 0; f < c->nfields; f++)
            vals[c->fields[f]] = dc_bkey_value((dc_bkey_t)c->fields[f], rec, c->in);
        for (size_t r = 0; r < c->g; r++) {
            const dc_rule_t *rule = &c->rules->r[c->r0 + r];
            uint64_t h = dc_rule_key_vals(rule, (uint32_t)(c->r0 + r), vals);
            uint64_t cond = rule->require ? (uint64_t)dc_rule_required(rule, rec) : 0;
            c->words[r][i] = h ? ((h >> (c->b + 1)) << (c->b + 1)) | (cond << c->b) | i : UINT64_MAX;
        }
    }
    dc_spilled_drop(&c->recs[lo], (hi - lo) * sizeof *c->recs);   /* out of core: behind the pass */
}

/* Per rule of a group, on its own thread: sort its keyed records, pairs of
 * its blocks, sorted and made unique. */
typedef struct {
    keyctx_t *k;
    dc_block_stats_t *st;
    vec_t rp[GROUP];            /* per rule: its unique pairs */
    uint64_t **tmp;             /* per thread: n words of sort buffer */
    vec_t *sv;                  /* per thread: sort values of a capped block */
    double *sec;                /* per rule: seconds */
} rulectx_t;

static void rule_pairs(void *ctx, size_t t, int tid)
{
    rulectx_t *c = ctx;
    const keyctx_t *k = c->k;
    double tr = dc_now();
    size_t r = k->r0 + t, n = k->n;
    const dc_rules_t *rules = k->rules;
    const dc_rule_t *rule = &rules->r[r];
    dc_rule_stats_t *rs = &c->st->rule[r];
    int b = k->b;
    uint64_t mask = (1ull << b) - 1, flag = 1ull << b;
    uint64_t *words = k->words[t];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (words[i] != UINT64_MAX) words[m++] = words[i];
    rs->keyed = m;
    if (k->dirty) {   /* only the blocks (whole) of keys that a dirty record has */
        /* the dirty records' keys in an open-addressing set (a key has at
         * most 63 bits: UINT64_MAX marks an empty slot) */
        size_t nd = 0;
        for (size_t i = 0; i < m; i++) nd += k->dirty[words[i] & mask];
        size_t cap = 16;
        while (cap < 2 * nd) cap *= 2;
        uint64_t *set = dc_xmalloc(cap * sizeof *set);
        memset(set, 0xFF, cap * sizeof *set);
        for (size_t i = 0; i < m; i++) {
            if (!k->dirty[words[i] & mask]) continue;
            uint64_t key = words[i] >> (b + 1);
            size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (cap - 1);
            while (set[h] != UINT64_MAX && set[h] != key) h = (h + 1) & (cap - 1);
            set[h] = key;
        }
        size_t w = 0;
        for (size_t i = 0; i < m; i++) {
            uint64_t key = words[i] >> (b + 1);
            size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (cap - 1);
            while (set[h] != UINT64_MAX && set[h] != key) h = (h + 1) & (cap - 1);
            if (set[h] == key) words[w++] = words[i];
        }
        free(set);
        m = w;
    }
    /* the record index below bit b is in order among equal keys already
     * (appended in index order, every radix pass stable): not sorted on */
    if (m >= 64) {
        if (!c->tmp[tid]) c->tmp[tid] = dc_xmalloc(n * sizeof *c->tmp[tid]);
        lsd_sort(words, c->tmp[tid], m, vary_bits(words, m) & ~mask);
    } else {
        dc_sort_u64(words, m);
    }
    vec_t *rp = &c->rp[t];
    vec_t *sv = &c->sv[tid];
    rp->n = 0;
    /* words: key hash above bit b, the rule's pair condition at bit b,
     * the record index below: a run (one key) holds first the records
     * without the condition, then those with it, each in index order */
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
                        if ((!req || ((words[x] | words[y]) & flag)) &&
                            (!k->dirty || k->dirty[words[x] & mask] || k->dirty[words[y] & mask]))
                            vec_push(rp, pack_pair((uint32_t)(words[x] & mask), (uint32_t)(words[y] & mask)));
            } else {
                rs->capped_blocks++;
                rs->capped_rows += sz;
                sv->v = dc_grow(sv->v, &sv->cap, sz, sizeof *sv->v);
                uint64_t *v = sv->v;
                for (size_t x = 0; x < sz; x++) {
                    uint32_t idx = (uint32_t)(words[s + x] & mask);
                    uint64_t sval = dc_rule_sort_value(rule, &k->recs[idx], k->in);
                    v[x] = ((sval >> (b + 1)) << (b + 1)) | (words[s + x] & flag) | idx;
                }
                dc_sort_u64(v, sz);
                for (size_t x = 0; x < sz; x++)
                    for (size_t y = x + 1; y < sz && y < x + rules->window; y++)
                        if ((!req || ((v[x] | v[y]) & flag)) &&
                            (!k->dirty || k->dirty[v[x] & mask] || k->dirty[v[y] & mask]))
                            vec_push(rp, pack_pair((uint32_t)(v[x] & mask), (uint32_t)(v[y] & mask)));
            }
        }
        s = e;
    }
    dc_sort_u64(rp->v, rp->n);
    rp->n = unique_sorted(rp->v, rp->n);
    rs->pairs = rp->n;
    c->sec[t] = dc_now() - tr;
}

/* The cannot-link filter over the sorted pairs: keep[p] = 0 when the two
 * records cannot be the same person (clustering would refuse the union). */
typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const uint64_t *pairs;
    uint8_t *keep;
    size_t n;
    unsigned mask;
} filtctx_t;

static void filter_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    filtctx_t *c = ctx;
    size_t lo = k * KEY_RANGE, hi = DC_MIN(lo + KEY_RANGE, c->n);
    for (size_t p = lo; p < hi; p++) {
        if (p + 8 < hi) __builtin_prefetch(&c->recs[(uint32_t)c->pairs[p + 8]]);
        const dc_record_t *a = &c->recs[c->pairs[p] >> 32], *b = &c->recs[(uint32_t)c->pairs[p]];
        c->keep[p] = !dc_cannot_link_mask(c->in, a, b, c->mask);
    }
}

/* Merge sorted unique `add` into sorted unique `acc`, in place: acc is
 * grown by realloc (large blocks move by remapping, no second copy at the
 * peak) and filled from the back, then the gap left by the pairs both held
 * is closed. Returns acc; *nout = its new count, *nnew = how many of add
 * were new. */
static uint64_t *merge_pairs(uint64_t *acc, size_t nacc, const uint64_t *add, size_t nadd,
                             size_t *nout, uint64_t *nnew)
{
    size_t total = nacc + nadd;
    acc = dc_xrealloc(acc, (total + 1) * sizeof *acc);
    /* invariant: w = i + j + (pairs in both so far) >= i: never overwrites unread acc */
    size_t i = nacc, j = nadd, w = total;
    uint64_t fresh = 0;
    while (j > 0) {
        if (i > 0 && acc[i - 1] > add[j - 1]) acc[--w] = acc[--i];
        else if (i > 0 && acc[i - 1] == add[j - 1]) { acc[--w] = acc[--i]; j--; }
        else { acc[--w] = add[--j]; fresh++; }
    }
    if (w > i) memmove(acc + i, acc + w, (total - w) * sizeof *acc);
    *nout = i + (total - w);
    *nnew = fresh;
    return acc;
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
    return dc_block_pairs_rep(recs, n, in, rules, nthreads, NULL, on_rule, ud, pairs_out, st);
}

size_t dc_block_pairs_rep(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                          const dc_rules_t *rules, int nthreads, const uint32_t *rep,
                          dc_rule_pairs_fn on_rule, void *ud, uint64_t **pairs_out, dc_block_stats_t *st)
{
    return dc_block_pairs_dirty(recs, n, in, rules, nthreads, rep, NULL, on_rule, ud, pairs_out, st);
}

int dc_block_index_bits(size_t n)
{
    int b = 1;
    while (b < 40 && ((size_t)1 << b) < n + 1) b++;
    return b;
}

/* Keys of records [k*KEY_RANGE, ...) for dc_block_row_keys. */
typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const dc_rules_t *rules;
    uint64_t *keys;
    size_t n;
} rowkeyctx_t;

static void row_keys_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    rowkeyctx_t *c = ctx;
    size_t lo = k * KEY_RANGE, hi = DC_MIN(lo + KEY_RANGE, c->n), nr = c->rules->n;
    uint8_t used[DC_BK__COUNT] = {0};
    for (size_t r = 0; r < nr; r++)
        for (int f = 0; f < c->rules->r[r].nkeys; f++) used[c->rules->r[r].keys[f]] = 1;
    uint64_t vals[DC_BK__COUNT] = {0};
    for (size_t i = lo; i < hi; i++) {
        const dc_record_t *rec = &c->recs[i];
        for (int f = 0; f < DC_BK__COUNT; f++)
            if (used[f]) vals[f] = dc_bkey_value((dc_bkey_t)f, rec, c->in);
        for (size_t r = 0; r < nr; r++) c->keys[r * c->n + i] = dc_rule_key_vals(&c->rules->r[r], (uint32_t)r, vals);
        c->keys[nr * c->n + i] = dc_record_content_key(rec, c->in);
    }
}

void dc_block_row_keys(const dc_record_t *recs, size_t n, const dc_intern_t *in, const dc_rules_t *rules,
                       int nthreads, uint64_t *keys)
{
    rowkeyctx_t c = {recs, in, rules, keys, n};
    dc_parallel_for(nthreads, (n + KEY_RANGE - 1) / KEY_RANGE, 1, row_keys_range, &c);
}

size_t dc_block_pairs_dirty(const dc_record_t *recs, size_t n, const dc_intern_t *in,
                            const dc_rules_t *rules, int nthreads, const uint32_t *rep, const uint8_t *dirty,
                            dc_rule_pairs_fn on_rule, void *ud, uint64_t **pairs_out, dc_block_stats_t *st)
{
    return dc_block_pairs_sub(recs, n, n, in, rules, nthreads, rep, dirty, on_rule, ud, pairs_out, st);
}

size_t dc_block_pairs_sub(const dc_record_t *recs, size_t n, size_t nfull, const dc_intern_t *in,
                          const dc_rules_t *rules, int nthreads, const uint32_t *rep, const uint8_t *dirty,
                          dc_rule_pairs_fn on_rule, void *ud, uint64_t **pairs_out, dc_block_stats_t *st)
{
    double t0 = dc_now();
    memset(st, 0, sizeof *st);
    st->nrules = rules->n;
    st->rule = dc_xcalloc(rules->n ? rules->n : 1, sizeof *st->rule);
    int b = dc_block_index_bits(DC_MAX(n, nfull));
    size_t nranges = (n + KEY_RANGE - 1) / KEY_RANGE;
    int nt = nthreads > 0 ? nthreads : 1;
    uint64_t *words[GROUP];
    for (int g = 0; g < GROUP; g++) words[g] = NULL;
    rulectx_t rc;
    memset(&rc, 0, sizeof rc);
    rc.st = st;
    rc.tmp = dc_xcalloc((size_t)nt, sizeof *rc.tmp);
    rc.sv = dc_xcalloc((size_t)nt, sizeof *rc.sv);
    double sec[GROUP];
    rc.sec = sec;
    uint64_t *acc = NULL;
    size_t nacc = 0;
    for (size_t r0 = 0; r0 < rules->n; r0 += GROUP) {
        double tg = dc_now();
        keyctx_t k;
        memset(&k, 0, sizeof k);
        k.recs = recs;
        k.in = in;
        k.rules = rules;
        k.rep = rep;
        k.dirty = dirty;
        k.r0 = r0;
        k.g = DC_MIN((size_t)GROUP, rules->n - r0);
        k.b = b;
        k.n = n;
        uint8_t used[DC_BK__COUNT] = {0};
        for (size_t t = 0; t < k.g; t++) {
            if (!words[t]) words[t] = dc_xmalloc((n ? n : 1) * sizeof *words[t]);
            k.words[t] = words[t];
            const dc_rule_t *rule = &rules->r[r0 + t];
            for (int f = 0; f < rule->nkeys; f++) used[rule->keys[f]] = 1;
        }
        for (int f = 0; f < DC_BK__COUNT; f++)
            if (used[f]) {
                k.fields[k.nfields++] = (uint8_t)f;
                if (dc_bkey_is_string((dc_bkey_t)f)) k.sfields[k.nsfields++] = (uint8_t)f;
            }
        dc_parallel_for(nthreads, nranges, 1, key_range, &k);
        double keysec = (dc_now() - tg) / (double)k.g;
        rc.k = &k;
        dc_parallel_for(nthreads, k.g, 1, rule_pairs, &rc);
        if (r0 + k.g >= rules->n) {   /* last group: keys and sort buffers are done */
            for (int g = 0; g < GROUP; g++) {
                free(words[g]);
                words[g] = NULL;
            }
            for (int t = 0; t < nt; t++) {
                free(rc.tmp[t]);
                rc.tmp[t] = NULL;
            }
        }
        for (size_t t = 0; t < k.g; t++) {
            size_t r = r0 + t;
            dc_rule_stats_t *rs = &st->rule[r];
            assert(dc_pairs_valid(rc.rp[t].v, rc.rp[t].n, n));
            if (on_rule) on_rule(ud, r, rc.rp[t].v, rc.rp[t].n);
            acc = merge_pairs(acc, nacc, rc.rp[t].v, rc.rp[t].n, &nacc, &rs->pairs_new);
            rs->seconds = keysec + sec[t];
            dc_log(2, "block rule %s: %llu keyed, %llu blocks, largest %llu, %llu capped, %llu pairs (%llu new)",
                   rules->r[r].text, (unsigned long long)rs->keyed, (unsigned long long)rs->blocks,
                   (unsigned long long)rs->largest, (unsigned long long)rs->capped_blocks,
                   (unsigned long long)rs->pairs, (unsigned long long)rs->pairs_new);
        }
    }
    for (int g = 0; g < GROUP; g++) {
        free(words[g]);
        free(rc.rp[g].v);
    }
    for (int t = 0; t < nt; t++) {
        free(rc.tmp[t]);
        free(rc.sv[t].v);
    }
    free(rc.tmp);
    free(rc.sv);
    st->raw_pairs = nacc;
    if (rules->drop_cannot_link && nacc) {
        double tf = dc_now();
        uint8_t *keep = dc_xmalloc(nacc);
        filtctx_t f = {recs, in, acc, keep, nacc, rules->cannot_link};
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
    assert(dc_pairs_valid(acc, nacc, n));
    if (!acc) acc = dc_xmalloc(sizeof *acc);
    *pairs_out = acc;
    return nacc;
}

void dc_rule_stats_fields(const dc_rule_stats_t *s, const char *name[DC_RULE_STATS_NFIELDS],
                          uint64_t val[DC_RULE_STATS_NFIELDS])
{
    static const char *const names[DC_RULE_STATS_NFIELDS] = {
        "keyed_records", "blocks", "largest_block", "capped_blocks", "capped_records", "pairs", "pairs_new"};
    const uint64_t v[DC_RULE_STATS_NFIELDS] = {s->keyed, s->blocks, s->largest, s->capped_blocks,
                                               s->capped_rows, s->pairs, s->pairs_new};
    for (int i = 0; i < DC_RULE_STATS_NFIELDS; i++) {
        name[i] = names[i];
        val[i] = v[i];
    }
}

void dc_rule_stats_json(const dc_rule_stats_t *s, dc_jw_t *j)
{
    const char *name[DC_RULE_STATS_NFIELDS];
    uint64_t val[DC_RULE_STATS_NFIELDS];
    dc_rule_stats_fields(s, name, val);
    for (int i = 0; i < DC_RULE_STATS_NFIELDS; i++) {
        dc_jw_key(j, name[i]);
        dc_jw_u64(j, val[i]);
    }
}

void dc_block_stats_free(dc_block_stats_t *st)
{
    free(st->rule);
    memset(st, 0, sizeof *st);
}
