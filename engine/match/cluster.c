/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cluster.c - clusters from accepted pairs, with cannot-link evidence
 * (dc_match.h).
 *
 * DESIGN: accepted pairs are processed strongest first, in (weight desc,
 * i, j) order, through a union-find. Each component keeps a short list of
 * "evidence" members: one record per distinct (valid ID, full birth date,
 * sex, surname and given name; and the values of extra columns declared
 * cannot_link, when there are any) signature. Joining components A and B is refused when any evidence
 * member of A cannot be the same person as one of B (dc_cannot_link), so
 * a component never holds a contradiction; since unions come in decreasing
 * weight, the links left out are the weakest ones on the path between the
 * contradicting records. Refused pairs go to review. A join whose evidence
 * check would exceed CHECK_MAX comparisons is refused too (never merged
 * blindly, never quadratic).
 */
#include "match/dc_match.h"

#include <assert.h>   /* assert: invariants, active without NDEBUG (make SAN=1, debug builds) */
#include <math.h>     /* exp2 */
#include <stdlib.h>   /* free */
#include <string.h>   /* memset */

#define CHECK_MAX 4096

typedef struct {
    uint32_t *parent, *size;
    uint32_t *ev_head, *ev_tail, *ev_len;   /* per root: evidence list */
    uint32_t *ev_next;                        /* per record */
    /* "non_match" labels: per root, a list of entries (the partner record
     * of each label held by a member); NULL without labels */
    uint32_t *con_head, *con_tail, *con_len;  /* per root */
    uint32_t *con_next, *con_partner;         /* per entry */
    int wide;   /* extra columns declared cannot_link: their values are evidence and part of
                   the signatures too */
} uf_t;

static uint32_t uf_find(uf_t *u, uint32_t x)
{
    while (u->parent[x] != x) {
        u->parent[x] = u->parent[u->parent[x]];
        x = u->parent[x];
    }
    return x;
}

/* 1 when some declared extra column is cannot-link evidence. */
static int extra_cannot_link(void)
{
    for (int k = 0, nx = dc_extra_count(); k < nx; k++)
        if (dc_extra_def(k)->cannot_link) return 1;
    return 0;
}

/* A value of an extra cannot_link column (wide settings). */
static int wide_evidence(const dc_record_t *r)
{
    for (int k = 0, nx = dc_extra_count(); k < nx; k++)
        if (dc_extra_def(k)->cannot_link && dc_extra_value(r, k)) return 1;
    return 0;
}

static int wide_same(const dc_record_t *a, const dc_record_t *b)
{
    for (int k = 0, nx = dc_extra_count(); k < nx; k++)
        if (dc_extra_def(k)->cannot_link && dc_extra_value(a, k) != dc_extra_value(b, k)) return 0;
    return 1;
}

static int has_evidence(const dc_record_t *r, int wide)
{
    return (r->id12_flags & DC_ID_VALID) || r->dob.prec == DC_PREC_DAY || r->sex == DC_SEX_MALE ||
           r->sex == DC_SEX_FEMALE || (wide && wide_evidence(r));
}

static int same_sig(const dc_record_t *a, const dc_record_t *b, int wide)
{
    if (wide && !wide_same(a, b)) return 0;
    uint64_t ia = (a->id12_flags & DC_ID_VALID) ? a->id12 : 0, ib = (b->id12_flags & DC_ID_VALID) ? b->id12 : 0;
    return ia == ib && a->sex == b->sex && a->dob.prec == b->dob.prec && a->dob.y == b->dob.y &&
           a->dob.m == b->dob.m && a->dob.d == b->dob.d && a->dob.flags == b->dob.flags &&
           a->name.sur == b->name.sur && a->name.given == b->name.given &&
           a->name.given_phon == b->name.given_phon && a->name.flags == b->name.flags;
}

#define NIL UINT32_MAX

/* The root of x without path compression (for read-only checks). */
static uint32_t uf_root(const uf_t *u, uint32_t x)
{
    while (u->parent[x] != x) x = u->parent[x];
    return x;
}

/* 1 when a "non_match" label holds a member of ra and one of rb. */
static int label_conflict(const uf_t *u, uint32_t ra, uint32_t rb)
{
    if (!u->con_head) return 0;
    if (u->con_len[ra] > u->con_len[rb]) { uint32_t t = ra; ra = rb; rb = t; }
    for (uint32_t e = u->con_head[ra]; e != NIL; e = u->con_next[e])
        if (uf_root(u, u->con_partner[e]) == rb) return 1;
    return 0;
}

/* 1 when components ra and rb hold records that cannot be one person, or
 * when checking would cost too much. */
static int conflict(const uf_t *u, const dc_intern_t *in, const dc_record_t *recs, uint32_t ra, uint32_t rb,
                    unsigned mask)
{
    if ((uint64_t)u->ev_len[ra] * u->ev_len[rb] > CHECK_MAX) return 1;
    for (uint32_t x = u->ev_head[ra]; x != NIL; x = u->ev_next[x])
        for (uint32_t y = u->ev_head[rb]; y != NIL; y = u->ev_next[y])
            if (dc_cannot_link_mask(in, &recs[x], &recs[y], mask)) return 1;
    return 0;
}

static void join(uf_t *u, const dc_record_t *recs, uint32_t ra, uint32_t rb)
{
    if (u->size[ra] < u->size[rb]) { uint32_t t = ra; ra = rb; rb = t; }
    u->parent[rb] = ra;
    u->size[ra] += u->size[rb];
    /* move rb's evidence members whose signature ra lacks */
    uint32_t y = u->ev_head[rb];
    while (y != NIL) {
        uint32_t next = u->ev_next[y];
        int dup = 0;
        for (uint32_t x = u->ev_head[ra]; x != NIL && !dup; x = u->ev_next[x]) dup = same_sig(&recs[x], &recs[y], u->wide);
        if (!dup) {
            u->ev_next[y] = NIL;
            if (u->ev_tail[ra] == NIL) u->ev_head[ra] = y;
            else u->ev_next[u->ev_tail[ra]] = y;
            u->ev_tail[ra] = y;
            u->ev_len[ra]++;
        }
        y = next;
    }
    u->ev_head[rb] = u->ev_tail[rb] = NIL;
    u->ev_len[rb] = 0;
    if (u->con_head && u->con_head[rb] != NIL) {   /* labels: append rb's list to ra's */
        if (u->con_tail[ra] == NIL) u->con_head[ra] = u->con_head[rb];
        else u->con_next[u->con_tail[ra]] = u->con_head[rb];
        u->con_tail[ra] = u->con_tail[rb];
        u->con_len[ra] += u->con_len[rb];
        u->con_head[rb] = u->con_tail[rb] = NIL;
        u->con_len[rb] = 0;
    }
}

/* Order-preserving map of a float to uint32 (ascending). */
static uint32_t float_key(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return (x & 0x80000000u) ? ~x : x | 0x80000000u;
}

int dc_cluster(const dc_intern_t *in, const dc_record_t *recs, size_t n, const uint32_t *anchor, const uint32_t *rep,
               unsigned cl_mask,
               const dc_labels_t *labels,
               const uint64_t *pairs, const float *score,
               size_t npairs, double threshold_weight, dc_clusters_t *cl,
               size_t **refused, size_t *nrefused, dc_cluster_stats_t *st)
{
    assert(dc_pairs_valid(pairs, npairs, n));
    memset(st, 0, sizeof *st);
    memset(cl, 0, sizeof *cl);
    *refused = NULL;
    *nrefused = 0;
    size_t nn = n ? n : 1;
    uf_t u;
    u.parent = dc_xmalloc(nn * sizeof *u.parent);
    u.size = dc_xmalloc(nn * sizeof *u.size);
    u.ev_head = dc_xmalloc(nn * sizeof *u.ev_head);
    u.ev_tail = dc_xmalloc(nn * sizeof *u.ev_tail);
    u.ev_len = dc_xmalloc(nn * sizeof *u.ev_len);
    u.ev_next = dc_xmalloc(nn * sizeof *u.ev_next);
    u.con_head = u.con_tail = u.con_len = u.con_next = u.con_partner = NULL;
    u.wide = extra_cannot_link();
    float *prob = dc_xmalloc(nn * sizeof *prob);
    for (size_t i = 0; i < n; i++) {
        u.parent[i] = (uint32_t)i;
        u.size[i] = 1;
        u.ev_next[i] = NIL;
        int ev = has_evidence(&recs[i], u.wide);
        u.ev_head[i] = u.ev_tail[i] = ev ? (uint32_t)i : NIL;
        u.ev_len[i] = ev ? 1 : 0;
        prob[i] = 0;
        if ((i & 65535) == 65535) dc_spilled_drop(&recs[i - 65535], 65536 * sizeof *recs);   /* out of core */
    }
    /* a load into a master: rows that stay in their citizen join it first
     * (its rows were one citizen before; no evidence check, no
     * probability: the master keeps theirs) */
    for (size_t i = 0; anchor && i < n; i++) {
        if (anchor[i] == i) continue;
        uint32_t ri = uf_find(&u, (uint32_t)i), rj = uf_find(&u, anchor[i]);
        if (ri != rj) join(&u, recs, ri, rj);
    }
    /* exact copies join their representative first: identical content
     * holds no contradiction, and the evidence lists keep one member per
     * signature, so each join costs O(1) */
    for (size_t i = 0; rep && i < n; i++) {
        if (rep[i] == i) continue;
        uint32_t ri = uf_find(&u, (uint32_t)i), rj = uf_find(&u, rep[i]);
        if (ri != rj) join(&u, recs, ri, rj);
        prob[i] = prob[rep[i]] = 1.0f;
        st->copies++;
    }
    /* labels: "non_match" pairs as per-root lists, then "match" pairs joined */
    if (labels && labels->ncannot) {
        u.con_head = dc_xmalloc(nn * sizeof *u.con_head);
        u.con_tail = dc_xmalloc(nn * sizeof *u.con_tail);
        u.con_len = dc_xcalloc(nn, sizeof *u.con_len);
        u.con_next = dc_xmalloc(2 * labels->ncannot * sizeof *u.con_next);
        u.con_partner = dc_xmalloc(2 * labels->ncannot * sizeof *u.con_partner);
        for (size_t i = 0; i < n; i++) u.con_head[i] = u.con_tail[i] = NIL;
        for (size_t k = 0; k < 2 * labels->ncannot; k++) {
            uint64_t pr = labels->cannot[k / 2];
            uint32_t a = (uint32_t)(pr >> 32), b = (uint32_t)pr;
            if (k & 1) { uint32_t t = a; a = b; b = t; }
            uint32_t r = uf_find(&u, a);
            u.con_partner[k] = b;
            u.con_next[k] = NIL;
            if (u.con_tail[r] == NIL) u.con_head[r] = (uint32_t)k;
            else u.con_next[u.con_tail[r]] = (uint32_t)k;
            u.con_tail[r] = (uint32_t)k;
            u.con_len[r]++;
        }
    }
    for (size_t k = 0; labels && k < labels->nmust; k++) {
        uint32_t i = (uint32_t)(labels->must[k] >> 32), j = (uint32_t)labels->must[k];
        uint32_t ri = uf_find(&u, i), rj = uf_find(&u, j);
        if (ri != rj) {
            if (label_conflict(&u, ri, rj)) st->label_conflicts++;
            join(&u, recs, ri, rj);
            st->label_joins++;
        }
        prob[i] = prob[j] = 1.0f;
    }
    /* accepted pairs in (weight desc, pair index asc) order; pairs are
     * sorted by (i, j), so the index breaks ties by (i, j) */
    size_t na = 0;
    for (size_t p = 0; p < npairs; p++)
        if (score[p] >= threshold_weight) na++;
    uint64_t *ord = dc_xmalloc((na ? na : 1) * sizeof *ord);
    na = 0;
    for (size_t p = 0; p < npairs; p++)
        if (score[p] >= threshold_weight) ord[na++] = ((uint64_t)~float_key(score[p]) << 32) | (uint32_t)p;
    dc_sort_u64(ord, na);
    st->accepted = na;
    size_t rcap = 0;
    for (size_t k = 0; k < na; k++) {
        /* pairs come in weight order, so their records are random reads:
         * fetch the pair and its weight 16 ahead, the records and their
         * union-find slots 8 ahead (hints only) */
        if (k + 16 < na) {
            __builtin_prefetch(&pairs[(uint32_t)ord[k + 16]]);
            __builtin_prefetch(&score[(uint32_t)ord[k + 16]]);
        }
        if (k + 8 < na) {
            uint64_t q = pairs[(uint32_t)ord[k + 8]];
            uint32_t qi = (uint32_t)(q >> 32), qj = (uint32_t)q;
            __builtin_prefetch(&u.parent[qi]);
            __builtin_prefetch(&u.parent[qj]);
            for (size_t o = 0; o < sizeof *recs; o += 64) {
                __builtin_prefetch((const char *)&recs[qi] + o);
                __builtin_prefetch((const char *)&recs[qj] + o);
            }
            __builtin_prefetch(&prob[qi]);
            __builtin_prefetch(&prob[qj]);
        }
        size_t p = (uint32_t)ord[k];
        uint32_t i = (uint32_t)(pairs[p] >> 32), j = (uint32_t)pairs[p];
        uint32_t ri = uf_find(&u, i), rj = uf_find(&u, j);
        if (ri != rj) {
            if (label_conflict(&u, ri, rj) || conflict(&u, in, recs, ri, rj, cl_mask)) {
                st->label_refused += label_conflict(&u, ri, rj);
                *refused = dc_grow(*refused, &rcap, *nrefused + 1, sizeof **refused);
                (*refused)[(*nrefused)++] = p;
                st->refused++;
                continue;
            }
            join(&u, recs, ri, rj);
            st->unions++;
        }
        float pr = (float)dc_weight_prob(score[p]);
        if (pr > prob[i]) prob[i] = pr;
        if (pr > prob[j]) prob[j] = pr;
    }
    free(ord);
    /* the evidence lists are done with: give their memory back before the
     * cluster arrays are made (the peak of the stage) */
    free(u.ev_head);
    free(u.ev_len);
    free(u.ev_next);
    free(u.con_head);
    free(u.con_tail);
    free(u.con_len);
    free(u.con_next);
    free(u.con_partner);
    u.ev_head = u.ev_len = u.ev_next = NULL;
    /* number clusters by their first record */
    uint32_t *cid = u.size;   /* reuse: root -> cluster id */
    for (size_t i = 0; i < n; i++) cid[i] = NIL;
    cl->of = dc_xmalloc(nn * sizeof *cl->of);
    uint32_t ncl = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = uf_find(&u, (uint32_t)i);
        if (cid[r] == NIL) cid[r] = ncl++;
        cl->of[i] = cid[r];
    }
    cl->ncl = ncl;
    cl->off = dc_xcalloc((size_t)ncl + 1, sizeof *cl->off);
    for (size_t i = 0; i < n; i++) cl->off[cl->of[i] + 1]++;
    for (uint32_t c = 0; c < ncl; c++) cl->off[c + 1] += cl->off[c];
    cl->members = dc_xmalloc(nn * sizeof *cl->members);
    uint32_t *pos = u.ev_tail;   /* reuse */
    for (uint32_t c = 0; c < ncl; c++) pos[c] = cl->off[c];
    for (size_t i = 0; i < n; i++) cl->members[pos[cl->of[i]]++] = (uint32_t)i;
    for (uint32_t c = 0; c < ncl; c++) {
        uint32_t sz = cl->off[c + 1] - cl->off[c];
        if (sz == 1) { st->singletons++; prob[cl->members[cl->off[c]]] = 1.0f; }
        if (sz > st->largest) st->largest = sz;
    }
    st->clusters = ncl;
    cl->prob = prob;
    cl->key = dc_xcalloc(ncl ? ncl : 1, sizeof *cl->key);
    free(u.parent);
    free(u.size);
    free(u.ev_tail);
    return 0;
}
