/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model.c - the Fellegi-Sunter model (dc_match.h): u from seeded random
 * pairs, m and the match share by EM over the candidate pairs' level
 * patterns, term-frequency adjustment, match weights, model.json.
 *
 * DESIGN: EM runs on distinct level patterns with their counts (a few
 * thousand patterns for millions of pairs), so it costs nothing. Inside EM
 * both m and the non-match level shares of the candidate pairs (u_c) are
 * free: candidate non-matches agree on the blocking fields far more often
 * than random pairs, so fixing u to the random-pair values there would
 * pull look-alikes into the match class. Scoring then uses m from EM with
 * u from random pairs and the prior lambda = (EM match share * candidate
 * pairs) / all pairs, as in Splink.
 *
 * Pair contexts (same or other source file x same or other residence
 * province, dc_pair_context) refine two things only: each context with
 * enough pairs has its own prior (its EM match share * its candidate
 * pairs / its record pairs, counted from the group sizes) and its own
 * residence m and u (u from random pairs drawn inside the context). One
 * EM run estimates them beside the global values, which the other
 * contexts keep (docs/MATCHING.md, "Pair contexts").
 */
#include "match/dc_match.h"
#include "common/dc_json.h"

#include <assert.h>   /* assert: invariants, active without NDEBUG (make SAN=1, debug builds) */
#include <math.h>     /* log2 */
#include <stdlib.h>   /* free */
#include <string.h>   /* memset */

/* -------------------------------------------------------------- defaults */

static const double def_m[DC_COL__COUNT][DC_MAX_LEVELS] = {
    [DC_COL_NAME] = {0.80, 0.06, 0.04, 0.005, 0.035, 0.03, 0.02, 0.01, 0.02},   /* [8]: nickname */
    [DC_COL_DOB] = {0.85, 0.05, 0.02, 0.04, 0.02, 0.02},
    [DC_COL_ID12] = {0.95, 0.03, 0.02},
    [DC_COL_CMND] = {0.95, 0.03, 0.02},
    [DC_COL_SEX] = {0.98, 0.02},
    [DC_COL_ETHNIC] = {0.97, 0.03},
    [DC_COL_RESIDENCE] = {0.40, 0.20, 0.05, 0.10, 0.10, 0.15},
    [DC_COL_HOMETOWN] = {0.50, 0.25, 0.02, 0.06, 0.07, 0.10},
    [DC_COL_PARENTS] = {0.85, 0.10, 0.03, 0.02},
    [DC_COL_SPOUSE] = {0.80, 0.06, 0.05, 0.04, 0.05},
};
static const double def_u[DC_COL__COUNT][DC_MAX_LEVELS] = {
    [DC_COL_NAME] = {0.0005, 0.0002, 0.0005, 0.00001, 0.0005, 0.002, 0.02, 0.97629, 0.0005},
    [DC_COL_DOB] = {0.0001, 0.001, 0.00005, 0.001, 0.015, 0.98285},
    [DC_COL_ID12] = {1e-7, 1e-5, 0.9999899},
    [DC_COL_CMND] = {1e-7, 1e-5, 0.9999899},
    [DC_COL_SEX] = {0.5, 0.5},
    [DC_COL_ETHNIC] = {0.8, 0.2},
    [DC_COL_RESIDENCE] = {0.0005, 0.001, 0.001, 0.01, 0.05, 0.9375},
    [DC_COL_HOMETOWN] = {0.0005, 0.001, 0.001, 0.01, 0.05, 0.9375},
    [DC_COL_PARENTS] = {1e-6, 0.001, 0.01, 0.989},
    [DC_COL_SPOUSE] = {0.001, 0.0005, 0.001, 0.005, 0.9925},
};

#define P_MIN 1e-9
/* Floor of an estimated m: synthetic or very clean data can make EM put
 * m ~ 0 on a disagreement level (no true match ever disagrees there),
 * which would let one slip outweigh everything else. With the floor, one
 * level can count at most ~log2(1/M_FLOOR) = 10 bits against a pair. */
#define M_FLOOR 1e-3
/* ID-sharing pairs needed to anchor m of the other columns. */
#define ANCHOR_MIN 1000
/* A pair context gets a prior and residence m/u of its own with at least
 * this many candidate pairs and random pairs drawn for its u, and only
 * when at least two contexts qualify (docs/MATCHING.md, "Pair contexts"). */
#define CTX_MIN_PAIRS 1000
#define CTX_MIN_U 10000
/* A residence level seen fewer times among a context's random pairs keeps
 * the global m and u in that context: too rare there to be estimated (a
 * different pre-2025 province between pairs of one post-2025 province). */
#define CTX_MIN_LEVEL 20

/* u values fixed by the settings ("u COLUMN LEVEL P"), process-wide like
 * the extra columns they may name (dc_extra.h). */
static struct {
    int n;
    dc_fixed_u_t f[DC_FIXED_U_MAX];
} g_fixu;

void dc_model_fixed_u_use(const dc_fixed_u_t *f, int n)
{
    g_fixu.n = n < 0 ? 0 : n > DC_FIXED_U_MAX ? DC_FIXED_U_MAX : n;
    if (g_fixu.n) memcpy(g_fixu.f, f, (size_t)g_fixu.n * sizeof *f);
}

/* The fixed u values into column c's u[]: its other levels share the rest
 * in their current proportions. */
static void fix_u_col(double *u, int c)
{
    int nl = dc_col_nlevels((dc_col_t)c), fixed[DC_MAX_LEVELS] = {0}, any = 0;
    double fsum = 0, rest = 0;
    for (int k = 0; k < g_fixu.n; k++)
        if (g_fixu.f[k].col == c && g_fixu.f[k].level < nl) {
            fixed[g_fixu.f[k].level] = 1;
            u[g_fixu.f[k].level] = g_fixu.f[k].u;
            any = 1;
        }
    if (!any) return;
    int nfree = 0;
    for (int l = 0; l < nl; l++) {
        if (fixed[l]) fsum += u[l];
        else { rest += u[l]; nfree++; }
    }
    double left = fsum < 1 ? 1 - fsum : 0;
    for (int l = 0; l < nl; l++)
        if (!fixed[l]) u[l] = rest > 0 ? u[l] * left / rest : left / nfree;
}

/* The fixed u values into m, the contexts' residence u included. */
static void fix_u(dc_model_t *m)
{
    for (int c = 0; c < DC_COL__COUNT; c++) fix_u_col(m->u[c], c);
    for (int k = 0; k < DC_CTX__N; k++) fix_u_col(m->ctx[k].u, DC_COL_RESIDENCE);
}

void dc_model_init_default(dc_model_t *m)
{
    memset(m, 0, sizeof *m);
    memcpy(m->m, def_m, sizeof def_m);
    memcpy(m->u, def_u, sizeof def_u);
    /* declared extra columns (dc_extra.h): a value like an e-mail or a
     * passport number is rarely shared by chance; EM and the random pairs
     * replace these */
    for (int k = 0; k < dc_extra_count(); k++) {
        int c = DC_COL_X0 + k, nl = dc_extra_nlevels(k);
        m->m[c][0] = 0.90;
        m->u[c][0] = 0.001;
        if (nl == 3) { m->m[c][1] = 0.05; m->u[c][1] = 0.01; }
        m->m[c][nl - 1] = nl == 3 ? 0.05 : 0.10;
        m->u[c][nl - 1] = nl == 3 ? 0.989 : 0.999;
    }
    for (int k = 0; k < DC_CTX__N; k++) {   /* no context of its own until EM says so */
        memcpy(m->ctx[k].m, def_m[DC_COL_RESIDENCE], sizeof m->ctx[k].m);
        memcpy(m->ctx[k].u, def_u[DC_COL_RESIDENCE], sizeof m->ctx[k].u);
    }
    fix_u(m);
    m->lambda = 1e-6;
    m->lambda_cand = 0.5;
    m->tf_enabled = 1;
}

/* --------------------------------------------------------- pair contexts */

unsigned dc_rec_province(const dc_record_t *r)
{
    return r->cur.prov_new ? r->cur.prov_new : r->perm.prov_new;
}

int dc_pair_context(const dc_record_t *a, const dc_record_t *b)
{
    unsigned pa = dc_rec_province(a);
    int same_prov = pa && pa == dc_rec_province(b);
    return (a->source == b->source ? DC_CTX_FILE_PROV : DC_CTX_CROSS_PROV) + !same_prov;
}

static const char *const ctx_names[DC_CTX__N] = {"same_file_same_province", "same_file_other_province",
                                                 "cross_file_same_province", "cross_file_other_province"};

const char *dc_context_name(int ctx) { return ctx >= 0 && ctx < DC_CTX__N ? ctx_names[ctx] : "global"; }

/* -------------------------------------------------------- term frequency */

static uint64_t parents_key(const dc_intern_t *in, const dc_record_t *r)
{
    uint64_t h[2] = {dc_intern_hash(in, r->father.ascii), dc_intern_hash(in, r->mother.ascii)};
    return dc_hash64(h, sizeof h) | 1;   /* never 0: dc_tf_build's "no couple" */
}

/* Records with the couple `key`: a binary search among the distinct
 * couples, whose counts dc_tf_build stored (a scan over the records with
 * one couple made scoring quadratic when many rows share it). */
static size_t parents_count(const dc_tf_t *tf, uint64_t key)
{
    size_t lo = 0, hi = tf->nparents;
    while (lo < hi) { size_t mid = (lo + hi) / 2; if (tf->parents[mid] < key) lo = mid + 1; else hi = mid; }
    return lo < tf->nparents && tf->parents[lo] == key ? tf->parents_n[lo] : 0;
}

typedef struct {
    dc_tf_t *tf;
    const dc_record_t *recs;
    double *nrel;   /* per thread */
} tfctx_t;

static void tf_count(uint32_t *cnt, uint32_t id, size_t nids)
{
    if (id && id < nids) __atomic_fetch_add(&cnt[id], 1, __ATOMIC_RELAXED);
}

/* Record r's names counted; @return its related-name values. */
static int tf_count_record(dc_tf_t *tf, const dc_record_t *r)
{
    tf_count(tf->name_ascii, r->name.ascii, tf->nids);
    tf_count(tf->name_phon, r->name.phon, tf->nids);
    const dc_relname_t *rel[3] = {&r->father, &r->mother, &r->spouse};
    int nrel = 0;
    for (int k = 0; k < 3; k++)
        if (rel[k]->ascii && rel[k]->ascii < tf->nids) {
            tf_count(tf->rel_ascii, rel[k]->ascii, tf->nids);
            nrel++;
        }
    return nrel;
}

static void tf_one(void *ctx, size_t i, int tid)
{
    tfctx_t *c = ctx;
    dc_tf_t *tf = c->tf;
    const dc_record_t *r = &c->recs[i];
    c->nrel[tid] += tf_count_record(tf, r);
    /* 0 = no couple (sorted first, skipped); a real key is never 0 */
    uint64_t key = 0;
    if (r->father.ascii && r->mother.ascii) key = parents_key(tf->in, r);
    tf->parents[i] = key;
    if ((i & 4095) == 4095) dc_spilled_drop(&c->recs[i - 4095], 4096 * sizeof *c->recs);   /* out of core */
}

void dc_tf_build(dc_tf_t *tf, const dc_record_t *recs, size_t n, const dc_intern_t *in, int nthreads)
{
    memset(tf, 0, sizeof *tf);
    tf->nids = dc_intern_count(in);
    tf->name_ascii = dc_xcalloc(tf->nids + 1, sizeof *tf->name_ascii);
    tf->name_phon = dc_xcalloc(tf->nids + 1, sizeof *tf->name_phon);
    tf->rel_ascii = dc_xcalloc(tf->nids + 1, sizeof *tf->rel_ascii);
    tf->n = (double)n;
    tf->in = in;
    /* (father, mother) couples: siblings share both, so the share of
     * records with this couple is the u of "both parents agree" */
    tf->parents = dc_xmalloc((n ? n : 1) * sizeof *tf->parents);
    if (nthreads < 1) nthreads = 1;
    tfctx_t c = {.tf = tf, .recs = recs, .nrel = dc_xcalloc((size_t)nthreads, sizeof(double))};
    dc_parallel_for(nthreads, n, 16384, tf_one, &c);   /* counts are sums: any order */
    double nrel = 0;
    for (int t = 0; t < nthreads; t++) nrel += c.nrel[t];
    tf->nrel = nrel;
    free(c.nrel);
    dc_sort_u64(tf->parents, n);
    /* distinct couples with their counts */
    tf->parents_n = dc_xmalloc((n ? n : 1) * sizeof *tf->parents_n);
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && tf->parents[e] == tf->parents[i]) e++;
        if (tf->parents[i]) {   /* 0: no couple */
            tf->parents[w] = tf->parents[i];
            tf->parents_n[w++] = (uint32_t)DC_MIN(e - i, (size_t)UINT32_MAX);
        }
        i = e;
    }
    tf->nparents = w;
}

/* ---- term frequencies kept by a master: counts by value, per source */

static const char TF_MAGIC[8] = {'D', 'C', 'M', 'T', 'F', '0', '0', '1'};
enum { TF_NAME_ASCII, TF_NAME_PHON, TF_REL_ASCII, TF_PARENTS, TF__N };

/* Sorted hashes h[0..n) as (hash, count) runs onto out, after their count. */
static void tf_put_runs(dc_buf_t *out, uint64_t *h, size_t n)
{
    dc_sort_u64(h, n);
    size_t at = out->len, runs = 0;
    uint64_t z = 0;
    dc_buf_put(out, &z, 8);
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && h[e] == h[i]) e++;
        uint32_t c = (uint32_t)DC_MIN(e - i, (size_t)UINT32_MAX);
        dc_buf_put(out, &h[i], 8);
        dc_buf_put(out, &c, 4);
        runs++;
        i = e;
    }
    memcpy(out->p + at, &runs, 8);
}

void dc_tf_encode(const dc_record_t *recs, size_t n, const dc_intern_t *in, dc_buf_t *out)
{
    dc_buf_put(out, TF_MAGIC, 8);
    uint64_t nn = n;
    dc_buf_put(out, &nn, 8);
    uint64_t *h = dc_xmalloc((3 * n + 1) * sizeof *h);
    size_t k = 0;
    uint64_t nrel = 0;
    for (int t = 0; t < TF__N; t++) {
        k = 0;
        for (size_t i = 0; i < n; i++) {
            const dc_record_t *r = &recs[i];
            if (t == TF_NAME_ASCII && r->name.ascii) h[k++] = dc_intern_hash(in, r->name.ascii);
            else if (t == TF_NAME_PHON && r->name.phon) h[k++] = dc_intern_hash(in, r->name.phon);
            else if (t == TF_REL_ASCII) {
                const dc_relname_t *rel[3] = {&r->father, &r->mother, &r->spouse};
                for (int x = 0; x < 3; x++)
                    if (rel[x]->ascii) h[k++] = dc_intern_hash(in, rel[x]->ascii);
            } else if (t == TF_PARENTS && r->father.ascii && r->mother.ascii) h[k++] = parents_key(in, r);
        }
        if (t == TF_REL_ASCII) {
            nrel = k;
            dc_buf_put(out, &nrel, 8);
        }
        tf_put_runs(out, h, k);
    }
    free(h);
}

/* The interned strings by hash, sorted: stored counts (sorted by hash too)
 * are added by one merge per table, not a lookup per entry. */
typedef struct {
    uint64_t *h;
    uint32_t *id;
    size_t n;
} hmap_t;

/* hmap of the strings `use` marks (NULL: every interned string), sorted
 * by hash with an LSD radix sort of (hash, id) pairs (a qsort of the
 * strings of a national delivery took half a second). */
static void hmap_build(hmap_t *m, const dc_intern_t *in, const uint8_t *use)
{
    uint32_t n = dc_intern_count(in);
    size_t k = 0;
    for (uint32_t id = 1; id < n; id++) k += !use || use[id];
    uint64_t *h = dc_xmalloc((k + 1) * sizeof *h), *h2 = dc_xmalloc((k + 1) * sizeof *h2);
    uint32_t *ids = dc_xmalloc((k + 1) * sizeof *ids), *ids2 = dc_xmalloc((k + 1) * sizeof *ids2);
    k = 0;
    for (uint32_t id = 1; id < n; id++) {
        if (use && !use[id]) continue;
        uint64_t x = dc_intern_hash(in, id);
        if (x) h[k] = x, ids[k++] = id;
    }
    for (int sh = 0; sh < 64; sh += 8) {   /* stable passes, low byte first */
        size_t cnt[257] = {0};
        for (size_t i = 0; i < k; i++) cnt[((h[i] >> sh) & 0xFF) + 1]++;
        if (!k || cnt[((h[0] >> sh) & 0xFF) + 1] == k) continue;   /* the byte never varies */
        for (int b = 0; b < 256; b++) cnt[b + 1] += cnt[b];
        for (size_t i = 0; i < k; i++) {
            size_t at = cnt[(h[i] >> sh) & 0xFF]++;
            h2[at] = h[i], ids2[at] = ids[i];
        }
        uint64_t *th = h; h = h2, h2 = th;
        uint32_t *ti = ids; ids = ids2, ids2 = ti;
    }
    free(h2);
    free(ids2);
    m->h = h;
    m->id = ids;
    m->n = k;
}

void dc_tf_build_sel(dc_tf_t *tf, const dc_record_t *recs, size_t n, const dc_intern_t *in, int nthreads,
                     const uint8_t *count)
{
    if (!count) {
        dc_tf_build(tf, recs, n, in, nthreads);
        return;
    }
    /* the counted records' values; every record's couple listed (count 0
     * when no counted record has it) for the stored counts to add to */
    memset(tf, 0, sizeof *tf);
    tf->nids = dc_intern_count(in);
    tf->name_ascii = dc_xcalloc(tf->nids + 1, sizeof *tf->name_ascii);
    tf->name_phon = dc_xcalloc(tf->nids + 1, sizeof *tf->name_phon);
    tf->rel_ascii = dc_xcalloc(tf->nids + 1, sizeof *tf->rel_ascii);
    tf->in = in;
    tf->parents = dc_xmalloc((n ? n : 1) * sizeof *tf->parents);
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[i];
        uint64_t key = r->father.ascii && r->mother.ascii ? parents_key(in, r) : 0;
        if (key) tf->parents[np++] = (key & ~1ull) | count[i];   /* a key's low bit is 1: it holds the flag */
        if (!count[i]) continue;
        tf->n += 1;
        tf->nrel += tf_count_record(tf, r);
    }
    DC_UNUSED(nthreads);
    /* stored counts will be added (dc_tf_add_encoded) for these records'
     * name values only: the strings of other fields are left out of the
     * hash -> id table */
    uint8_t *use = dc_xcalloc((size_t)tf->nids + 1, 1);
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[i];
        uint32_t v[5] = {r->name.ascii, r->name.phon, r->father.ascii, r->mother.ascii, r->spouse.ascii};
        for (int k = 0; k < 5; k++)
            if (v[k] < tf->nids) use[v[k]] = 1;
    }
    tf->ids = dc_xmalloc(sizeof(hmap_t));
    hmap_build(tf->ids, in, use);
    free(use);
    dc_sort_u64(tf->parents, np);
    tf->parents_n = dc_xmalloc((np ? np : 1) * sizeof *tf->parents_n);
    size_t w = 0;
    for (size_t i = 0; i < np;) {   /* key without its low bit | counted: uncounted entries first */
        size_t e = i + 1, c = tf->parents[i] & 1;
        while (e < np && (tf->parents[e] | 1) == (tf->parents[i] | 1)) c += tf->parents[e++] & 1;
        tf->parents_n[w] = (uint32_t)c;
        tf->parents[w++] = tf->parents[i] | 1;
        i = e;
    }
    tf->nparents = w;
}

/* The first j' >= j with h[j'] >= x (h ascending): doubling steps, then a
 * binary search. The merge walks a source's table (about its rows) over
 * every interned string of the run (far more): a step per stored value,
 * not per string, or the strings would be walked once per source. */
static size_t gallop(const uint64_t *h, size_t n, size_t j, uint64_t x)
{
    if (j >= n || h[j] >= x) return j;
    size_t lo = j, step = 1;   /* h[lo] < x */
    while (lo + step < n && h[lo + step] < x) lo += step, step <<= 1;
    size_t hi = lo + step < n ? lo + step : n;   /* h[hi] >= x or hi == n */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (h[mid] < x) lo = mid;
        else hi = mid;
    }
    return hi;
}

/* A dc_tf_encode table parsed: where each value table starts, its runs. */
typedef struct {
    uint64_t n, nrel;
    const unsigned char *at[TF__N];
    uint64_t runs[TF__N];
} tfview_t;

static int tf_view(const void *data, size_t len, tfview_t *v)
{
    const unsigned char *p = data, *end = p + len;
    if (len < 16 || memcmp(p, TF_MAGIC, 8)) return dc_seterr("term-frequency table: not one (magic)");
    memcpy(&v->n, p + 8, 8);
    p += 16;
    v->nrel = 0;
    for (int t = 0; t < TF__N; t++) {
        if (t == TF_REL_ASCII) {
            if (end - p < 8) return dc_seterr("term-frequency table: damaged (sizes)");
            memcpy(&v->nrel, p, 8);
            p += 8;
        }
        if (end - p < 8) return dc_seterr("term-frequency table: damaged (sizes)");
        memcpy(&v->runs[t], p, 8);
        p += 8;
        if (v->runs[t] > (uint64_t)(end - p) / 12) return dc_seterr("term-frequency table: damaged (sizes)");
        v->at[t] = p;
        p += v->runs[t] * 12;
    }
    if (p != end) return dc_seterr("term-frequency table: damaged (sizes)");
    return 0;
}

int dc_tf_add_encoded_sign(dc_tf_t *tf, const void *data, size_t len, int sign)
{
    tfview_t v;
    if (tf_view(data, len, &v)) return -1;
    if (!tf->ids) {
        tf->ids = dc_xmalloc(sizeof(hmap_t));
        hmap_build(tf->ids, tf->in, NULL);
    }
    const hmap_t *mp = tf->ids;
    for (int t = 0; t < TF__N; t++) {
        uint32_t *cnt = t == TF_NAME_ASCII ? tf->name_ascii : t == TF_NAME_PHON ? tf->name_phon : tf->rel_ascii;
        /* both sides sorted by hash: one merge (hashes repeat in the
         * interner only if two strings collide: each gets the count) */
        const uint64_t *kh = t == TF_PARENTS ? tf->parents : mp->h;
        size_t kn = t == TF_PARENTS ? tf->nparents : mp->n, j = 0;
        const unsigned char *p = v.at[t];
        uint64_t prevh = 0;
        for (uint64_t k = 0; k < v.runs[t]; k++, p += 12) {
            uint64_t h;
            uint32_t c;
            memcpy(&h, p, 8);
            memcpy(&c, p + 8, 4);
            if (k && h <= prevh) return dc_seterr("term-frequency table: damaged (order)");
            prevh = h;
            if (sign < 0) c = 0u - c;   /* modulo 2^32: exact once every table is in */
            j = gallop(kh, kn, j, h);
            for (size_t x = j; x < kn && kh[x] == h; x++) {
                if (t == TF_PARENTS) tf->parents_n[x] += c;
                else if (mp->id[x] < tf->nids) cnt[mp->id[x]] += c;
            }
        }
    }
    /* record counts of a table of differences may be below zero (two's complement) */
    tf->n += sign * (double)(int64_t)v.n;
    tf->nrel += sign * (double)(int64_t)v.nrel;
    return 0;
}

int dc_tf_add_encoded(dc_tf_t *tf, const void *data, size_t len) { return dc_tf_add_encoded_sign(tf, data, len, 1); }

/* (h, c) runs of one value table, ascending, onto out after their count. */
static int tf_merge_table(const unsigned char *a, uint64_t na, const unsigned char *b, uint64_t nb, int sign,
                          dc_buf_t *out)
{
    size_t at = out->len;
    uint64_t runs = 0, i = 0, j = 0, pa = 0, pb = 0;
    dc_buf_put(out, &runs, 8);
    dc_buf_reserve(out, (size_t)(na + nb) * 12);
    while (i < na || j < nb) {
        uint64_t ha = UINT64_MAX, hb = UINT64_MAX;
        uint32_t ca = 0, cb = 0;
        if (i < na) memcpy(&ha, a + i * 12, 8), memcpy(&ca, a + i * 12 + 8, 4);
        if (j < nb) memcpy(&hb, b + j * 12, 8), memcpy(&cb, b + j * 12 + 8, 4);
        if ((i < na && i && ha <= pa) || (j < nb && j && hb <= pb))
            return dc_seterr("term-frequency table: damaged (order)");
        uint64_t h;
        uint32_t c;
        if (i < na && (j >= nb || ha <= hb)) {
            h = ha, c = ca, pa = ha, i++;
            if (j < nb && hb == ha) c += sign < 0 ? 0u - cb : cb, pb = hb, j++;
        } else {
            h = hb, c = sign < 0 ? 0u - cb : cb, pb = hb, j++;
        }
        if (!c) continue;   /* no row has it any more */
        dc_buf_put(out, &h, 8);
        dc_buf_put(out, &c, 4);
        runs++;
    }
    memcpy(out->p + at, &runs, 8);
    return 0;
}

int dc_tf_merge_encoded(const void *a, size_t alen, const void *b, size_t blen, int sign, dc_buf_t *out)
{
    tfview_t va, vb;
    if (tf_view(a, alen, &va) || tf_view(b, blen, &vb)) return -1;
    uint64_t n = va.n + (sign < 0 ? 0 - vb.n : vb.n), nrel = va.nrel + (sign < 0 ? 0 - vb.nrel : vb.nrel);
    dc_buf_clear(out);
    dc_buf_put(out, TF_MAGIC, 8);
    dc_buf_put(out, &n, 8);
    for (int t = 0; t < TF__N; t++) {
        if (t == TF_REL_ASCII) dc_buf_put(out, &nrel, 8);
        if (tf_merge_table(va.at[t], va.runs[t], vb.at[t], vb.runs[t], sign, out)) return -1;
    }
    return 0;
}

void dc_tf_free(dc_tf_t *tf)
{
    if (tf->ids) {
        hmap_t *m = tf->ids;
        free(m->h);
        free(m->id);
        free(m);
    }
    tf->ids = NULL;
    free(tf->name_ascii);
    free(tf->name_phon);
    free(tf->rel_ascii);
    free(tf->parents);
    free(tf->parents_n);
    memset(tf, 0, sizeof *tf);
}

/* u of the value for a TF-adjusted level, or -1 when TF does not apply. */
static double tf_u(const dc_tf_t *tf, dc_col_t c, int level, const dc_record_t *a,
                   const dc_record_t *b)
{
    const dc_intern_t *in_ = tf ? tf->in : NULL;
    if (!tf || !tf->nids) return -1;
    uint32_t id = 0, id2 = 0;
    const uint32_t *cnt = NULL;
    double total = tf->n;
    if (c == DC_COL_NAME) {
        if (level == DC_NAME_EXACT || level == DC_NAME_ASCII) { cnt = tf->name_ascii; id = a->name.ascii; id2 = b->name.ascii; }
        else if (level == DC_NAME_PHON) { cnt = tf->name_phon; id = a->name.phon; id2 = b->name.phon; }
    } else if (c == DC_COL_PARENTS && level == DC_PAR_BOTH) {
        /* both parents agree exactly: the share of records with this couple */
        if (!in_ || a->father.ascii != b->father.ascii || a->mother.ascii != b->mother.ascii) return -1;
        size_t k = parents_count(tf, parents_key(in_, a));
        return (double)(k < 2 ? 2 : k) / tf->n;
    } else if (c == DC_COL_SPOUSE) {
        if (level == DC_REL_EXACT || level == DC_REL_ASCII) { cnt = tf->rel_ascii; id = a->spouse.ascii; id2 = b->spouse.ascii; }
        total = tf->nrel;
    }
    if (!cnt || !id || id >= tf->nids || total <= 0) return -1;
    uint32_t k = cnt[id];
    if (id2 && id2 < tf->nids && cnt[id2] > k) k = cnt[id2];
    if (k < 2) k = 2;   /* the value is on both sides of the pair */
    return (double)k / total;
}

double dc_level_weight(const dc_model_t *m, const dc_tf_t *tf, dc_col_t c, int level,
                       const dc_record_t *a, const dc_record_t *b)
{
    if (level == DC_LV_MISSING || level >= dc_col_nlevels(c)) return 0.0;
    double mm = m->m[c][level], uu = m->u[c][level];
    if (c == DC_COL_RESIDENCE && a && b) {   /* the pair context's own m/u, when it has them */
        const dc_model_ctx_t *x = &m->ctx[dc_pair_context(a, b)];
        if (x->own) { mm = x->m[level]; uu = x->u[level]; }
    }
    if (m->tf_enabled && a && b) {
        double t = tf_u(tf, c, level, a, b);
        if (t > 0) uu = t;
    }
    if (mm < P_MIN) mm = P_MIN;
    if (uu < P_MIN) uu = P_MIN;
    return log2(mm / uu);
}

double dc_model_score(const dc_model_t *m, const dc_tf_t *tf, const uint8_t lv[DC_COL__COUNT],
                      const dc_record_t *a, const dc_record_t *b, double w[DC_COL__COUNT])
{
    double lam = dc_model_prior(m, lv, a, b, NULL);
    if (lam < 1e-15) lam = 1e-15;
    if (lam > 1 - 1e-9) lam = 1 - 1e-9;
    double s = log2(lam / (1 - lam));
    /* Household members share their parents and their addresses: once both
     * parents agree, agreeing addresses say nothing more about being the
     * same person rather than a sibling, so they add no positive weight
     * (disagreeing addresses still count against). */
    int family = lv[DC_COL_PARENTS] == DC_PAR_BOTH;
    for (int c = 0, nc = dc_col_count(); c < nc; c++) {
        double x = dc_level_weight(m, tf, (dc_col_t)c, lv[c], a, b);
        if (family && x > 0 && (c == DC_COL_RESIDENCE || c == DC_COL_HOMETOWN)) x = 0;
        if (w) w[c] = x;
        s += x;
    }
    return s;
}

double dc_model_prior(const dc_model_t *m, const uint8_t *lv, const dc_record_t *a, const dc_record_t *b,
                      int *ctx)
{
    int k = a && b ? dc_pair_context(a, b) : -1;
    if (ctx) *ctx = k;
    if (k < 0 || !m->ctx[k].own) return m->lambda;
    /* a context is address evidence (same file, same province): for a
     * household pair (both parents agree) it may lower the prior, never
     * raise it, as agreeing addresses add no weight there (dc_model_score) */
    if (lv && lv[DC_COL_PARENTS] == DC_PAR_BOTH && m->ctx[k].lambda > m->lambda) return m->lambda;
    return m->ctx[k].lambda;
}

double dc_weight_prob(double weight)
{
    return 1.0 / (1.0 + exp2(-weight));
}

/* Every level is one of its column's levels or DC_LV_MISSING: what the
 * DC_LV_SLOTS-sized arrays below may be indexed with. For assert(). */
#ifndef NDEBUG
static int levels_valid(const uint8_t lv[DC_COL__COUNT])
{
    for (int c = 0; c < dc_col_count(); c++)
        if (lv[c] != DC_LV_MISSING && lv[c] >= dc_col_nlevels((dc_col_t)c)) return 0;
    return 1;
}
#endif

/* -------------------------------------------------------- u estimation */

typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const uint32_t *sel;   /* NULL, or the records drawn from (n of them) */
    size_t n;
    uint64_t seed, sample;
    uint64_t (*cnt)[DC_COL__COUNT][DC_LV_SLOTS];   /* per thread */
} uctx_t;

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* The k-th random pair of the sample, as i << 32 | j (dc_pair_at_fn). */
static uint64_t u_pair(const void *ctx, size_t k)
{
    const uctx_t *u = ctx;
    uint64_t x = splitmix64(u->seed ^ (k * 0xD1B54A32D192ED03ull));
    uint64_t y = splitmix64(x);
    uint64_t i = x % u->n, j = y % u->n;
    if (u->sel) { i = u->sel[i]; j = u->sel[j]; }
    return i << 32 | j;
}

static void u_one(void *ctx, size_t k, int tid)
{
    uctx_t *u = ctx;
    /* random pairs: every record and string read is a cache miss, so
     * pipeline them as the candidate pairs are */
    dc_compare_prefetch_ahead(u->in, u->recs, u_pair, u, k, u->sample);
    uint64_t pr = u_pair(u, k);
    size_t i = (size_t)(pr >> 32), j = (uint32_t)pr;
    if (i == j) return;
    uint8_t lv[DC_COL__COUNT];
    dc_compare(u->in, &u->recs[i], &u->recs[j], lv);
    assert(levels_valid(lv));
    for (int c = 0; c < dc_col_count(); c++) u->cnt[tid][c][lv[c]]++;
}

void dc_model_estimate_u(dc_model_t *m, const dc_record_t *recs, size_t n,
                         const dc_intern_t *in, uint64_t sample, uint64_t seed, int nthreads)
{
    dc_model_estimate_u_sel(m, recs, NULL, n, in, sample, seed, nthreads);
}

void dc_model_estimate_u_sel(dc_model_t *m, const dc_record_t *recs, const uint32_t *sel, size_t n,
                             const dc_intern_t *in, uint64_t sample, uint64_t seed, int nthreads)
{
    if (n < 2 || !sample) return;
    if (nthreads < 1) nthreads = 1;
    uctx_t u = {recs, in, sel, n, seed, sample, dc_xcalloc((size_t)nthreads, sizeof *u.cnt)};
    dc_parallel_for(nthreads, sample, 8192, u_one, &u);
    for (int c = 0; c < dc_col_count(); c++) {
        int nl = dc_col_nlevels((dc_col_t)c);
        double tot = 0, k[DC_LV_SLOTS] = {0};
        for (int l = 0; l < nl; l++) {
            for (int t = 0; t < nthreads; t++) k[l] += (double)u.cnt[t][c][l];
            tot += k[l];
        }
        if (tot < 1) continue;   /* never compared: keep the defaults */
        for (int l = 0; l < nl; l++) m->u[c][l] = (k[l] + 0.5) / (tot + 0.5 * nl);
    }
    m->u_sample = sample;
    free(u.cnt);
    fix_u(m);
}

/* -------------------------------------------------- u per pair context */

/* Records grouped by a key: random pairs of a context are drawn inside
 * the groups that hold it (same source file, same province, or both),
 * the group with probability proportional to its ordered distinct pairs
 * size (size - 1), then two of its members: every pair of the groups
 * equally likely; pairs of another context are drawn again. */
enum { G_SOURCE_PROV, G_SOURCE, G_PROV, G_ALL };

typedef struct {
    uint32_t *mem;     /* record indices, grouped (G_ALL: NULL, sel or 0..n-1) */
    const uint32_t *sel;
    size_t *off;       /* ng + 1 */
    double *cum;       /* cumulative size (size - 1) */
    size_t ng, n;
    double pairs;      /* record pairs inside the groups */
} groups_t;

static void groups_build(groups_t *g, int kind, const dc_record_t *recs, const uint32_t *sel, size_t n)
{
    memset(g, 0, sizeof *g);
    g->sel = sel;
    if (kind == G_ALL) {
        g->ng = 1;
        g->n = n;
        g->off = dc_xmalloc(2 * sizeof *g->off);
        g->cum = dc_xmalloc(sizeof *g->cum);
        g->off[0] = 0;
        g->off[1] = n;
        g->cum[0] = (double)n * ((double)n - 1);
        g->pairs = g->cum[0] / 2;
        return;
    }
    /* (key << 32 | record), sorted: a source index takes 24 bits of the key */
    uint64_t *k = dc_xmalloc((n ? n : 1) * sizeof *k);
    size_t m = 0;
    for (size_t x = 0; x < n; x++) {
        uint32_t i = sel ? sel[x] : (uint32_t)x;
        uint64_t prov = dc_rec_province(&recs[i]), src = recs[i].source & 0xFFFFFFu;
        if (kind != G_SOURCE && !prov) continue;   /* groups of a known province */
        uint64_t key = kind == G_SOURCE_PROV ? src << 8 | prov : kind == G_SOURCE ? src : prov;
        k[m++] = key << 32 | i;
    }
    dc_sort_u64(k, m);
    g->off = dc_xmalloc((m + 1) * sizeof *g->off);
    g->cum = dc_xmalloc((m ? m : 1) * sizeof *g->cum);
    g->mem = dc_xmalloc((m ? m : 1) * sizeof *g->mem);
    double cum = 0;
    for (size_t x = 0; x < m;) {
        size_t e = x + 1;
        while (e < m && k[e] >> 32 == k[x] >> 32) e++;
        double sz = (double)(e - x);
        g->off[g->ng] = x;
        cum += sz * (sz - 1);
        g->cum[g->ng++] = cum;
        for (size_t y = x; y < e; y++) g->mem[y] = (uint32_t)k[y];
        x = e;
    }
    g->off[g->ng] = m;
    g->n = m;
    g->pairs = cum / 2;
    free(k);
}

static void groups_free(groups_t *g)
{
    free(g->mem);
    free(g->off);
    free(g->cum);
    memset(g, 0, sizeof *g);
}

typedef struct {
    const dc_record_t *recs;
    const dc_intern_t *in;
    const groups_t *g;
    int ctx;
    uint64_t seed;
    uint64_t (*cnt)[DC_LV_SLOTS + 1];   /* per thread: levels, then pairs drawn */
} uctxs_t;

#define CTX_DRAWS 4    /* attempts per sampled pair */

static void u_ctx_one(void *ctx, size_t k, int tid)
{
    uctxs_t *u = ctx;
    const groups_t *g = u->g;
    for (int att = 0; att < CTX_DRAWS; att++) {
        uint64_t x = splitmix64(u->seed ^ (uint64_t)(u->ctx + 1) * 0x9E3779B97F4A7C15ull ^
                                ((uint64_t)k * CTX_DRAWS + (uint64_t)att) * 0xD1B54A32D192ED03ull);
        uint64_t y = splitmix64(x), z = splitmix64(y);
        double t = (double)(x >> 11) * 0x1p-53 * g->cum[g->ng - 1];
        size_t lo = 0, hi = g->ng - 1;
        while (lo < hi) { size_t mid = (lo + hi) / 2; if (g->cum[mid] > t) hi = mid; else lo = mid + 1; }
        size_t a = g->off[lo], sz = g->off[lo + 1] - a;
        size_t xi = a + (size_t)(y % sz), xj = a + (size_t)(z % sz);
        if (xi == xj) continue;
        uint32_t i = g->mem ? g->mem[xi] : g->sel ? g->sel[xi] : (uint32_t)xi;
        uint32_t j = g->mem ? g->mem[xj] : g->sel ? g->sel[xj] : (uint32_t)xj;
        const dc_record_t *ra = &u->recs[i], *rb = &u->recs[j];
        if (dc_pair_context(ra, rb) != u->ctx) continue;
        u->cnt[tid][dc_compare_residence(u->in, ra, rb)]++;
        u->cnt[tid][DC_LV_SLOTS]++;
        return;
    }
}

void dc_model_estimate_u_ctx(dc_model_t *m, const dc_record_t *recs, const uint32_t *sel, size_t n,
                             const dc_intern_t *in, uint64_t sample, uint64_t seed, int nthreads)
{
    if (nthreads < 1) nthreads = 1;
    /* the contexts' record pairs from the group sizes: same file and
     * province (SP), same file (S), same province (P), all */
    static const int kind[DC_CTX__N] = {G_SOURCE_PROV, G_SOURCE, G_PROV, G_ALL};
    double sp = 0, sfile = 0, sprov = 0;
    int nl = dc_col_nlevels(DC_COL_RESIDENCE);
    for (int c = 0; c < DC_CTX__N; c++) {
        dc_model_ctx_t *x = &m->ctx[c];
        groups_t g;
        groups_build(&g, kind[c], recs, sel, n);
        if (c == DC_CTX_FILE_PROV) sp = g.pairs;
        if (c == DC_CTX_FILE_OTHER) sfile = g.pairs;
        if (c == DC_CTX_CROSS_PROV) sprov = g.pairs;
        x->all_pairs = c == DC_CTX_FILE_PROV ? sp : c == DC_CTX_FILE_OTHER ? sfile - sp
                       : c == DC_CTX_CROSS_PROV ? sprov - sp : g.pairs - sfile - sprov + sp;
        if (x->all_pairs < 0.5) x->all_pairs = 0;
        x->u_sample = 0;
        if (x->all_pairs > 0 && sample && g.ng && g.cum[g.ng - 1] > 0) {
            uctxs_t u = {recs, in, &g, c, seed, dc_xcalloc((size_t)nthreads, sizeof *u.cnt)};
            dc_parallel_for(nthreads, sample, 8192, u_ctx_one, &u);
            double k[DC_LV_SLOTS] = {0}, tot = 0;
            for (int t = 0; t < nthreads; t++) {
                for (int l = 0; l < nl; l++) k[l] += (double)u.cnt[t][l];
                x->u_sample += u.cnt[t][DC_LV_SLOTS];
            }
            for (int l = 0; l < nl; l++) tot += k[l];
            if (tot >= 1)
                for (int l = 0; l < nl; l++) x->u[l] = (k[l] + 0.5) / (tot + 0.5 * nl);
            free(u.cnt);
        }
        groups_free(&g);
    }
    fix_u(m);
}

/* u of "dob exact" counted, not sampled: among n records a random pair has
 * the same full date with probability sum c_d (c_d - 1) / (N (N - 1)),
 * where c_d counts the records with full date d and N those whose date can
 * be compared at all. Sampled, the level is seen ~20 times in 600,000
 * random pairs at 200,000 rows, and its weight moved by 0.3 bit from one
 * sample to another (enough to move pairs across the match threshold). */
void dc_model_u_dob_exact(dc_model_t *m, const dc_record_t *recs, const uint32_t *sel, size_t n)
{
    uint64_t *d = dc_xmalloc((n ? n : 1) * sizeof *d);
    size_t nd = 0, nok = 0;
    for (size_t k = 0; k < n; k++) {
        const dc_record_t *r = &recs[sel ? sel[k] : k];
        const dc_date_t *t = &r->dob;
        if (t->prec == DC_PREC_NONE || (t->flags & DC_DATE_INVALID) || !t->y) continue;
        nok++;
        if (t->prec == DC_PREC_DAY) d[nd++] = (uint64_t)t->y * 10000u + (uint64_t)t->m * 100u + t->d;
        if ((k & 65535) == 65535) dc_spilled_drop(recs, (size_t)(r + 1 - recs) * sizeof *recs);   /* out of core */
    }
    dc_sort_u64(d, nd);
    double same = 0;
    for (size_t i = 0; i < nd;) {
        size_t e = i + 1;
        while (e < nd && d[e] == d[i]) e++;
        same += (double)(e - i) * (double)(e - i - 1);
        i = e;
    }
    free(d);
    if (nok < 2 || same <= 0) return;
    m->u[DC_COL_DOB][DC_DOB_EXACT] = same / ((double)nok * (double)(nok - 1));
}

/* ------------------------------------------------------------------- EM */

typedef struct {
    uint64_t pat;
    double cnt;
} patc_t;

static int patc_cmp(const void *a, const void *b)
{
    uint64_t x = ((const patc_t *)a)->pat, y = ((const patc_t *)b)->pat;
    return x < y ? -1 : x > y;
}

void dc_model_estimate_em(dc_model_t *m, const uint64_t *pats, size_t npairs,
                          double npairs_total, int max_iter)
{
    dc_model_estimate_em_sup(m, pats, npairs, npairs_total, NULL, 0, max_iter);
}

/* EM's M step for one column: m (when `free_m`) and u (when `free_u`)
 * from the expected counts am / au of its nl levels, smoothed; @return the
 * largest change of m. */
static double m_step(const double *am, const double *au, int nl, int free_m, int free_u, double *m, double *u)
{
    double tm = 0, tu = 0, delta = 0;
    for (int l = 0; l < nl; l++) { tm += am[l]; tu += au[l]; }
    for (int l = 0; l < nl; l++) {
        double nm = tm > 0 && free_m ? (am[l] + 1e-3) / (tm + 1e-3 * nl) : m[l];
        double nu = tu > 0 && free_u ? (au[l] + 1e-3) / (tu + 1e-3 * nl) : u[l];
        delta = fmax(delta, fabs(nm - m[l]));
        m[l] = nm;
        u[l] = nu;
    }
    return delta;
}

void dc_model_estimate_em_sup(dc_model_t *m, const uint64_t *pats, size_t npairs, double npairs_total,
                              const uint64_t *sup, size_t nsup, int max_iter)
{
    m->em_pairs = npairs;
    m->em_labelled = nsup;
    if (!npairs) return;
    /* distinct patterns and their counts: a few thousand at most, so an
     * open-addressing table that stays in cache (no copy of the pairs),
     * then sorted by pattern so that EM sums in a fixed order */
    size_t hcap = 1024, hn = 0;
    patc_t *h = dc_xcalloc(hcap, sizeof *h);
    uint8_t *used = dc_xcalloc(hcap, 1);
    for (size_t i = 0; i < npairs; i++) {
        uint64_t x = pats[i];
        size_t k = (size_t)(dc_hash64(&x, sizeof x) & (hcap - 1));
        while (used[k] && h[k].pat != x) k = (k + 1) & (hcap - 1);
        if (used[k]) { h[k].cnt += 1; continue; }
        used[k] = 1;
        h[k] = (patc_t){x, 1};
        if (++hn * 2 > hcap) {   /* grow, re-insert */
            size_t ncap = hcap * 2;
            patc_t *nh = dc_xcalloc(ncap, sizeof *nh);
            uint8_t *nu = dc_xcalloc(ncap, 1);
            for (size_t j = 0; j < hcap; j++) {
                if (!used[j]) continue;
                size_t q = (size_t)(dc_hash64(&h[j].pat, sizeof h[j].pat) & (ncap - 1));
                while (nu[q]) q = (q + 1) & (ncap - 1);
                nu[q] = 1;
                nh[q] = h[j];
            }
            free(h);
            free(used);
            h = nh;
            used = nu;
            hcap = ncap;
        }
    }
    size_t np = 0;
    patc_t *pc = dc_xmalloc(hn * sizeof *pc);
    for (size_t j = 0; j < hcap; j++)
        if (used[j]) pc[np++] = h[j];
    free(h);
    free(used);
    qsort(pc, np, sizeof *pc, patc_cmp);

    /* pair contexts (bits 60-61 of a pattern): the candidate pairs of each;
     * a context gets its own prior and residence m/u with enough candidate
     * pairs, record pairs and random pairs for its u; the others use the
     * global values, estimated over every pair */
    enum { R = DC_COL_RESIDENCE };
    double cpairs[DC_CTX__N] = {0};
    for (size_t p = 0; p < np; p++) cpairs[DC_PAT_CTX(pc[p].pat)] += pc[p].cnt;
    int own[DC_CTX__N] = {0}, nown = 0;
    for (int k = 0; k < DC_CTX__N; k++) {
        own[k] = cpairs[k] >= CTX_MIN_PAIRS && m->ctx[k].all_pairs >= cpairs[k] && m->ctx[k].u_sample >= CTX_MIN_U;
        nown += own[k];
    }
    if (nown < 2) memset(own, 0, sizeof own);   /* one context: the global values alone */

    /* initial m from pairs with equal IDs, when there are enough of them */
    double mm[DC_COL__COUNT][DC_MAX_LEVELS], uc[DC_COL__COUNT][DC_MAX_LEVELS];
    memcpy(mm, m->m, sizeof mm);
    memcpy(uc, m->u, sizeof uc);
    double seedcnt[DC_COL__COUNT][DC_LV_SLOTS] = {{0}}, nseed = 0;
    double seedres[DC_CTX__N][DC_LV_SLOTS] = {{0}};   /* residence levels of the anchors, per context */
    double seedc[DC_CTX__N] = {0};                     /* anchors per context */
    for (size_t p = 0; p < np; p++) {
        uint8_t lv[DC_COL__COUNT];
        dc_levels_unpack(pc[p].pat, lv);
        assert(levels_valid(lv));
        /* anchors: the same 12-digit ID, or without one, the same old card */
        if (lv[DC_COL_ID12] != DC_ID_EQ && !(lv[DC_COL_ID12] == DC_LV_MISSING && lv[DC_COL_CMND] == DC_ID_EQ))
            continue;
        nseed += pc[p].cnt;
        for (int c = 0; c < dc_col_count(); c++) seedcnt[c][lv[c]] += pc[p].cnt;
        seedres[DC_PAT_CTX(pc[p].pat)][lv[R]] += pc[p].cnt;
        seedc[DC_PAT_CTX(pc[p].pat)] += pc[p].cnt;
    }
    /* pairs labelled "match" are anchors too */
    for (size_t k = 0; k < nsup; k++) {
        if (!(sup[k] >> 63)) continue;
        uint8_t lv[DC_COL__COUNT];
        dc_levels_unpack(sup[k], lv);
        nseed += 1;
        for (int c = 0; c < dc_col_count(); c++) seedcnt[c][lv[c]] += 1;
        seedres[DC_PAT_CTX(sup[k])][lv[R]] += 1;
    }
    /* With enough pairs sharing an ID number (true matches but for
     * a negligible share), m of every other column is taken from them and
     * kept fixed ("anchored"): EM alone, under its independence
     * assumption, would count look-alikes such as twins (who agree on
     * everything but the given name and the ID) as matches. EM then only
     * estimates m of the ID columns, u among candidates and the match share. */
    int fixed[DC_COL__COUNT] = {0};
    m->m_seeded_from_ids = nseed >= 100;
    if (m->m_seeded_from_ids) {
        for (int c = 0; c < dc_col_count(); c++) {
            if (c == DC_COL_ID12 || c == DC_COL_CMND) continue;
            int nl = dc_col_nlevels((dc_col_t)c);
            double tot = 0;
            for (int l = 0; l < nl; l++) tot += seedcnt[c][l];
            if (tot < 20) continue;
            for (int l = 0; l < nl; l++) mm[c][l] = (seedcnt[c][l] + 0.5) / (tot + 0.5 * nl);
            fixed[c] = nseed >= ANCHOR_MIN && tot >= ANCHOR_MIN / 4;
        }
    }
    /* Without enough anchors (data with few ID numbers), the non-match
     * level shares stay those of random pairs, as in Splink: left free,
     * they can absorb a whole class of true matches (fake_1000: every pair
     * whose names differ by a typo went to the non-match class). */
    int anchored = nseed >= ANCHOR_MIN;
    /* the contexts' residence m: from their own anchors as above, else
     * from the global start */
    int nlr = dc_col_nlevels(DC_COL_RESIDENCE), fixc[DC_CTX__N] = {0};
    double lamc[DC_CTX__N], mc[DC_CTX__N][DC_MAX_LEVELS], ucc[DC_CTX__N][DC_MAX_LEVELS];
    for (int k = 0; k < DC_CTX__N; k++) {
        lamc[k] = 0.5;
        memcpy(mc[k], mm[R], sizeof mc[k]);
        memcpy(ucc[k], m->ctx[k].u, sizeof ucc[k]);
        double tot = 0;
        for (int l = 0; l < nlr; l++) tot += seedres[k][l];
        if (!own[k] || !m->m_seeded_from_ids || tot < 20) continue;
        for (int l = 0; l < nlr; l++) mc[k][l] = (seedres[k][l] + 0.5) / (tot + 0.5 * nlr);
        fixc[k] = anchored && tot >= ANCHOR_MIN / 4;
    }
    double lam = 0.5;
    int it;
    int conv = 0;
    for (it = 0; it < max_iter; it++) {
        double am[DC_COL__COUNT][DC_LV_SLOTS] = {{0}}, au[DC_COL__COUNT][DC_LV_SLOTS] = {{0}};
        double amc[DC_CTX__N][DC_LV_SLOTS] = {{0}}, auc[DC_CTX__N][DC_LV_SLOTS] = {{0}};
        double sm = 0, stot = 0, smc[DC_CTX__N] = {0}, stotc[DC_CTX__N] = {0};
        for (size_t p = 0; p < np; p++) {
            uint8_t lv[DC_COL__COUNT];
            dc_levels_unpack(pc[p].pat, lv);
            int k = DC_PAT_CTX(pc[p].pat);
            double pm = own[k] ? lamc[k] : lam, pu = 1 - pm;
            for (int c = 0; c < dc_col_count(); c++) {
                if (lv[c] == DC_LV_MISSING) continue;
                if (c == R && own[k]) {
                    pm *= mc[k][lv[c]];
                    pu *= ucc[k][lv[c]];
                    continue;
                }
                pm *= mm[c][lv[c]];
                pu *= uc[c][lv[c]];
            }
            double r = pm + pu > 0 ? pm / (pm + pu) : 0;
            double w = pc[p].cnt;
            sm += r * w;
            stot += w;
            smc[k] += r * w;
            stotc[k] += w;
            for (int c = 0; c < dc_col_count(); c++) {
                am[c][lv[c]] += r * w;
                au[c][lv[c]] += (1 - r) * w;
            }
            amc[k][lv[R]] += r * w;
            auc[k][lv[R]] += (1 - r) * w;
        }
        /* labelled pairs: their class is known (supervision of m and of
         * the candidates' non-match shares); the match share stays the
         * candidates' own */
        for (size_t k = 0; k < nsup; k++) {
            uint8_t lv[DC_COL__COUNT];
            dc_levels_unpack(sup[k], lv);
            double r = (double)(sup[k] >> 63);
            for (int c = 0; c < dc_col_count(); c++) {
                am[c][lv[c]] += r;
                au[c][lv[c]] += 1 - r;
            }
            amc[DC_PAT_CTX(sup[k])][lv[R]] += r;
            auc[DC_PAT_CTX(sup[k])][lv[R]] += 1 - r;
        }
        double delta = 0;
        for (int c = 0; c < dc_col_count(); c++)
            delta = fmax(delta, m_step(am[c], au[c], dc_col_nlevels((dc_col_t)c), !fixed[c], anchored, mm[c], uc[c]));
        for (int k = 0; k < DC_CTX__N; k++) {
            if (!own[k]) continue;
            delta = fmax(delta, m_step(amc[k], auc[k], nlr, !fixc[k], anchored, mc[k], ucc[k]));
            double q = stotc[k] > 0 ? smc[k] / stotc[k] : lamc[k];
            /* never below the share of its pairs sharing an ID number
             * (true matches but for a negligible share): with the
             * candidates' non-match shares free, EM could otherwise empty
             * the match class of one context (all its pairs, anchors
             * included, explained as non-matches) */
            double qmin = seedc[k] / cpairs[k];
            if (q < qmin) q = qmin;
            q = q < 1e-9 ? 1e-9 : q > 1 - 1e-9 ? 1 - 1e-9 : q;
            delta = fmax(delta, fabs(q - lamc[k]));
            lamc[k] = q;
        }
        double nl_ = stot > 0 ? sm / stot : lam;
        if (nl_ < 1e-9) nl_ = 1e-9;
        if (nl_ > 1 - 1e-9) nl_ = 1 - 1e-9;
        delta = fmax(delta, fabs(nl_ - lam));
        lam = nl_;
        if (delta < 1e-7) { conv = 1; it++; break; }
    }
    free(pc);
    for (int c = 0; c < dc_col_count(); c++)
        for (int l = 0; l < dc_col_nlevels((dc_col_t)c); l++) {
            double v = mm[c][l];
            m->m[c][l] = v < M_FLOOR ? M_FLOOR : v;
        }
    m->lambda_cand = lam;
    m->em_iterations = it;
    m->em_converged = conv;
    double prior = npairs_total > 0 ? lam * (double)npairs / npairs_total : lam;
    if (prior < 1e-15) prior = 1e-15;
    if (prior > 0.5) prior = 0.5;
    m->lambda = prior;
    /* Random pairs include true matches at the rate of the prior: a level
     * is seen among them with probability prior * m + (1 - prior) * u.
     * Negligible for a national population (prior ~ 1e-7), it matters for
     * small files dense in duplicates (FEBRL3: prior ~ 5e-4, where 9 in 10
     * random pairs sharing an ID number are duplicates). */
    if (m->u_sample) {
        double floor_u = 0.5 / (double)m->u_sample;
        for (int c = 0; c < dc_col_count(); c++)
            for (int l = 0; l < dc_col_nlevels((dc_col_t)c); l++) {
                double u = (m->u[c][l] - prior * m->m[c][l]) / (1 - prior);
                m->u[c][l] = u < floor_u ? floor_u : u > 1 ? 1 : u;
            }
    }
    /* the contexts: prior = EM match share x candidate pairs / record
     * pairs of the context, residence m floored and u corrected as above */
    for (int k = 0; k < DC_CTX__N; k++) {
        dc_model_ctx_t *x = &m->ctx[k];
        x->pairs = (uint64_t)cpairs[k];
        x->own = own[k];
        if (!own[k]) continue;
        double pk = lamc[k] * cpairs[k] / x->all_pairs;
        pk = pk < 1e-15 ? 1e-15 : pk > 0.5 ? 0.5 : pk;
        x->lambda_cand = lamc[k];
        x->lambda = pk;
        double floor_u = 0.5 / (double)x->u_sample;
        for (int l = 0; l < nlr; l++) {
            if (x->u[l] * (double)x->u_sample < CTX_MIN_LEVEL) {
                x->m[l] = m->m[R][l];
                x->u[l] = m->u[R][l];
                continue;
            }
            double u = (x->u[l] - pk * mc[k][l]) / (1 - pk);
            x->u[l] = u < floor_u ? floor_u : u > 1 ? 1 : u;
            /* the floor of m, but a level that neither class shows in this
             * context (a different province among pairs of one province)
             * weighs nothing rather than log2(M_FLOOR / u) */
            double fl = x->u[l] < M_FLOOR ? x->u[l] : M_FLOOR;
            x->m[l] = mc[k][l] < fl ? fl : mc[k][l];
        }
    }
    fix_u(m);
}

/* ---------------------------------------------------------------- JSON */

/* A prior as model.json holds it (the model's, a context's): the
 * probability, its weight, the EM match share among candidate pairs. */
static void prior_json(dc_jw_t *j, double lambda, double lambda_cand)
{
    dc_jw_key(j, "prior");
    dc_jw_g(j, lambda, 17);
    dc_jw_key(j, "prior_match_weight");
    dc_jw_fixed(j, log2(lambda / (1 - lambda)), 6);
    dc_jw_key(j, "candidate_match_share");
    dc_jw_g(j, lambda_cand, 17);
}

void dc_model_json(const dc_model_t *m, dc_jw_t *j)
{
    dc_jw_key(j, "format");
    dc_jw_str(j, "dancu-model-1");
    prior_json(j, m->lambda, m->lambda_cand);
    dc_jw_key(j, "em");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_key(j, "iterations");
    dc_jw_i64(j, m->em_iterations);
    dc_jw_key(j, "converged");
    dc_jw_bool(j, m->em_converged);
    dc_jw_key(j, "pairs");
    dc_jw_u64(j, m->em_pairs);
    dc_jw_key(j, "seeded_from_ids");
    dc_jw_bool(j, m->m_seeded_from_ids);
    if (m->em_labelled) dc_jw_kv_u64(j, "labelled_pairs", m->em_labelled);
    dc_jw_close(j);
    dc_jw_key(j, "u_random_pairs");
    dc_jw_u64(j, m->u_sample);
    dc_jw_key(j, "tf_adjustment");
    dc_jw_bool(j, m->tf_enabled);
    dc_jw_key(j, "columns");
    dc_jw_open(j, '{', DC_JW_LINES);
    for (int c = 0; c < dc_col_count(); c++) {
        dc_jw_key(j, dc_col_name((dc_col_t)c));
        dc_jw_open(j, '[', DC_JW_LINES);
        for (int l = 0; l < dc_col_nlevels((dc_col_t)c); l++) {
            dc_jw_open(j, '{', DC_JW_INLINE);
            dc_jw_key(j, "level");
            dc_jw_str(j, dc_level_name((dc_col_t)c, l));
            dc_jw_key(j, "m");
            dc_jw_g(j, m->m[c][l], 17);
            dc_jw_key(j, "u");
            dc_jw_g(j, m->u[c][l], 17);
            dc_jw_key(j, "weight");
            dc_jw_fixed(j, log2(fmax(m->m[c][l], P_MIN) / fmax(m->u[c][l], P_MIN)), 4);
            dc_jw_close(j);
        }
        dc_jw_close(j);
    }
    dc_jw_close(j);
    /* pair contexts: those with values of their own carry their prior and
     * residence levels; the others are scored with the values above */
    dc_jw_key(j, "contexts");
    dc_jw_open(j, '[', DC_JW_LINES);
    for (int k = 0; k < DC_CTX__N; k++) {
        const dc_model_ctx_t *x = &m->ctx[k];
        dc_jw_open(j, '{', x->own ? DC_JW_LINES : DC_JW_INLINE);
        dc_jw_key(j, "context");
        dc_jw_str(j, ctx_names[k]);
        dc_jw_key(j, "own");
        dc_jw_bool(j, x->own);
        dc_jw_kv_u64(j, "candidate_pairs", x->pairs);
        dc_jw_key(j, "record_pairs");
        dc_jw_g(j, x->all_pairs, 17);
        dc_jw_kv_u64(j, "u_random_pairs", x->u_sample);
        if (x->own) {
            prior_json(j, x->lambda, x->lambda_cand);
            dc_jw_key(j, dc_col_name(DC_COL_RESIDENCE));
            dc_jw_open(j, '[', DC_JW_LINES);
            for (int l = 0; l < dc_col_nlevels(DC_COL_RESIDENCE); l++) {
                dc_jw_open(j, '{', DC_JW_INLINE);
                dc_jw_key(j, "level");
                dc_jw_str(j, dc_level_name(DC_COL_RESIDENCE, l));
                dc_jw_key(j, "m");
                dc_jw_g(j, x->m[l], 17);
                dc_jw_key(j, "u");
                dc_jw_g(j, x->u[l], 17);
                dc_jw_key(j, "weight");
                dc_jw_fixed(j, log2(fmax(x->m[l], P_MIN) / fmax(x->u[l], P_MIN)), 4);
                dc_jw_close(j);
            }
            dc_jw_close(j);
        }
        dc_jw_close(j);
    }
    dc_jw_close(j);
}

/* The "contexts" member of model.json (absent in older files: one
 * context, the global values). @return 0, or -1 (dc_seterr). */
static int parse_contexts(const dc_json_t *ctxs, dc_model_t *m)
{
    if (!ctxs) return 0;
    if (ctxs->type != DC_JSON_ARRAY) return dc_seterr("model: \"contexts\" must be an array");
    int nl = dc_col_nlevels(DC_COL_RESIDENCE);
    for (const dc_json_t *e = ctxs->child; e; e = e->next) {
        const char *name = dc_json_str(dc_json_get(e, "context"));
        int k;
        for (k = 0; k < DC_CTX__N; k++)
            if (name && !strcmp(name, ctx_names[k])) break;
        if (k == DC_CTX__N) return dc_seterr("model: unknown context \"%s\"", name ? name : "?");
        dc_model_ctx_t *x = &m->ctx[k];
        x->pairs = (uint64_t)dc_json_num(dc_json_get(e, "candidate_pairs"), 0);
        x->all_pairs = dc_json_num(dc_json_get(e, "record_pairs"), 0);
        x->u_sample = (uint64_t)dc_json_num(dc_json_get(e, "u_random_pairs"), 0);
        x->own = dc_json_num(dc_json_get(e, "own"), 0) != 0;
        if (!x->own) continue;
        x->lambda = dc_json_num(dc_json_get(e, "prior"), -1);
        x->lambda_cand = dc_json_num(dc_json_get(e, "candidate_match_share"), 0.5);
        if (!(x->lambda > 0 && x->lambda < 1))
            return dc_seterr("model: context \"%s\": \"prior\" must be a number between 0 and 1", name);
        const dc_json_t *col = dc_json_get(e, dc_col_name(DC_COL_RESIDENCE));
        int seen = 0;
        for (const dc_json_t *lv = col && col->type == DC_JSON_ARRAY ? col->child : NULL; lv; lv = lv->next) {
            const char *ln = dc_json_str(dc_json_get(lv, "level"));
            int l;
            for (l = 0; l < nl; l++)
                if (ln && !strcmp(ln, dc_level_name(DC_COL_RESIDENCE, l))) break;
            double mv = dc_json_num(dc_json_get(lv, "m"), -1), uv = dc_json_num(dc_json_get(lv, "u"), -1);
            if (l == nl || !(mv > 0 && mv <= 1) || !(uv > 0 && uv <= 1))
                return dc_seterr("model: context \"%s\": bad residence level", name);
            x->m[l] = mv;
            x->u[l] = uv;
            seen |= 1 << l;
        }
        if (seen != (1 << nl) - 1) return dc_seterr("model: context \"%s\" lacks residence levels", name);
    }
    return 0;
}

int dc_model_parse_json(const char *text, size_t len, dc_model_t *m)
{
    dc_arena_t a;
    dc_arena_init(&a, 1 << 16);
    int rc = -1;
    dc_json_t *root = dc_json_parse(text, len, &a);
    if (!root) goto done;
    dc_model_init_default(m);
    const dc_json_t *prior = dc_json_get(root, "prior");
    if (!prior || prior->type != DC_JSON_NUMBER || !(prior->num > 0 && prior->num < 1)) {
        dc_seterr("model: \"prior\" must be a number between 0 and 1");
        goto done;
    }
    m->lambda = prior->num;
    m->lambda_cand = dc_json_num(dc_json_get(root, "candidate_match_share"), 0.5);
    const dc_json_t *tf = dc_json_get(root, "tf_adjustment");
    m->tf_enabled = tf ? tf->num != 0 : 1;
    const dc_json_t *cols = dc_json_get(root, "columns");
    if (!cols || cols->type != DC_JSON_OBJECT) { dc_seterr("model: no \"columns\" object"); goto done; }
    for (int c = 0; c < dc_col_count(); c++) {
        const dc_json_t *col = dc_json_get(cols, dc_col_name((dc_col_t)c));
        if (!col || col->type != DC_JSON_ARRAY) {
            dc_seterr("model: column \"%s\" missing", dc_col_name((dc_col_t)c));
            goto done;
        }
        int nl = dc_col_nlevels((dc_col_t)c);
        int seen = 0;
        for (const dc_json_t *lv = col->child; lv; lv = lv->next) {
            const char *name = dc_json_str(dc_json_get(lv, "level"));
            int l;
            for (l = 0; l < nl; l++)
                if (name && !strcmp(name, dc_level_name((dc_col_t)c, l))) break;
            if (l == nl) {
                dc_seterr("model: column \"%s\": unknown level \"%s\"", dc_col_name((dc_col_t)c),
                          name ? name : "?");
                goto done;
            }
            double mv = dc_json_num(dc_json_get(lv, "m"), -1), uv = dc_json_num(dc_json_get(lv, "u"), -1);
            if (!(mv > 0 && mv <= 1) || !(uv > 0 && uv <= 1)) {
                dc_seterr("model: column \"%s\" level \"%s\": m and u must be in (0, 1]",
                          dc_col_name((dc_col_t)c), name);
                goto done;
            }
            m->m[c][l] = mv;
            m->u[c][l] = uv;
            seen |= 1 << l;
        }
        if (seen != (1 << nl) - 1) {
            dc_seterr("model: column \"%s\" lacks some levels", dc_col_name((dc_col_t)c));
            goto done;
        }
    }
    const dc_json_t *em = dc_json_get(root, "em");
    m->em_iterations = (int)dc_json_num(dc_json_get(em, "iterations"), 0);
    m->em_converged = (int)dc_json_num(dc_json_get(em, "converged"), 0);
    m->em_pairs = (uint64_t)dc_json_num(dc_json_get(em, "pairs"), 0);
    m->m_seeded_from_ids = (int)dc_json_num(dc_json_get(em, "seeded_from_ids"), 0);
    m->u_sample = (uint64_t)dc_json_num(dc_json_get(root, "u_random_pairs"), 0);
    if (parse_contexts(dc_json_get(root, "contexts"), m)) goto done;
    rc = 0;
done:
    dc_arena_free(&a);
    return rc;
}

int dc_model_load(const char *path, dc_model_t *m)
{
    size_t len;
    char *t = dc_read_file(path, &len, 64u << 20);
    if (!t) return -1;
    int rc = dc_model_parse_json(t, len, m);
    free(t);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", dc_geterr());
        return dc_seterr("%s: %s", path, msg);
    }
    return 0;
}
