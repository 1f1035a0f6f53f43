/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * survive.c - survivorship: the golden record of each cluster.
 *
 * Every field is chosen by the same vote (docs/OUTPUTS.md, "Survivorship"):
 *   1. keep only the candidate rows of the highest tier (a rule-specific
 *      rank: a valid ID consistent with the person's sex and birth year,
 *      a name that is not a placeholder, an address from the permanent
 *      register, ...);
 *   2. group them by normalized value; the most frequent value wins;
 *   3. ties go to the value with the best quality (more complete, more
 *      precise, with diacritics), then to a value held by a row of a
 *      permanent register (better sourced than a temporary-residence
 *      register), then to the value seen first (records are in input
 *      order, so this is deterministic).
 * Dates use a support vote instead (a date supports every date it does
 * not contradict), so that "1950", "1950-03" and "1950-03-14" agree and
 * the most precise wins.
 *
 * DESIGN: `dancu run` computes each golden record once, in the citizens
 * writer (citizens.c), block by block on all threads, with per-thread
 * scratch arrays and per-thread flag counters summed afterwards, so the
 * result does not depend on the thread count and no dc_citizen_t is kept
 * per citizen. dc_merge_run (counts only) and dc_merge_citizens (keeps
 * citizens[cl]) do the same over dc_parallel_for for other callers. A
 * cluster of one record (most of them) takes merge_single, the result of
 * the general vote for n == 1 without the votes. Interned ids are used for
 * equality only (grouping), never to order anything visible: ties are
 * broken by position in the cluster.
 */
#include "merge/dc_merge.h"

#include <stdlib.h>   /* qsort, free */
#include <stddef.h>   /* offsetof */
#include <string.h>   /* memset, strcmp */

static const char *const flag_names[DC_CF__COUNT] = {
    [DC_CF_ID12_CONFLICT] = "id12_conflict",
    [DC_CF_ID12_INCONSISTENT] = "id12_inconsistent",
    [DC_CF_ID12_INVALID_ONLY] = "id12_invalid_only",
    [DC_CF_CMND_CONFLICT] = "cmnd_conflict",
    [DC_CF_NAME_CONFLICT] = "name_conflict",
    [DC_CF_DOB_CONFLICT] = "dob_conflict",
    [DC_CF_DOB_INVALID_ONLY] = "dob_invalid_only",
    [DC_CF_SEX_CONFLICT] = "sex_conflict",
    [DC_CF_ETHNIC_CONFLICT] = "ethnic_conflict",
    [DC_CF_NATIONALITY_CONFLICT] = "nationality_conflict",
    [DC_CF_RELIGION_CONFLICT] = "religion_conflict",
    [DC_CF_HOMETOWN_CONFLICT] = "hometown_conflict",
    [DC_CF_PERM_CONFLICT] = "perm_address_conflict",
    [DC_CF_CUR_CONFLICT] = "cur_address_conflict",
    [DC_CF_FATHER_CONFLICT] = "father_conflict",
    [DC_CF_MOTHER_CONFLICT] = "mother_conflict",
    [DC_CF_SPOUSE_CONFLICT] = "spouse_conflict",
    [DC_CF_DOD_CONFLICT] = "dod_conflict",
    [DC_CF_SAME_SOURCE_DUP] = "same_source_duplicate",
};

const char *dc_merge_flag_name(dc_cflag_t f)
{
    return (unsigned)f < DC_CF__COUNT ? flag_names[f] : "?";
}

/* ------------------------------------------------------------- the vote */

typedef struct cand {
    uint64_t key;    /* normalized value (interned id or code): equality only */
    int32_t tier;    /* rule-specific rank; only the highest tier votes */
    int32_t qual;    /* tie-break: higher is better */
    uint32_t pos;    /* position in the cluster (input order) */
} cand_t;

/* The last tie-break before the input order: a row of a permanent
 * register is better sourced than a row of a temporary-residence register.
 * It is the lowest bit of every quality. */
static int32_t src_bit(const dc_record_t *r)
{
    return !(r->rec_flags & DC_REC_TEMP_REGISTER);
}

typedef struct vote {
    int found;
    uint64_t key;
    uint32_t pos;        /* earliest row of the winning value with its best quality */
    uint32_t count;      /* rows of the winning value */
    uint32_t ndistinct;  /* distinct values among the voting rows */
} vote_t;

static int cmp_cand(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Sort by (key, pos): insertion sort for the small arrays of nearly every
 * cluster, qsort beyond. */
static void sort_cands(cand_t *c, size_t n)
{
    if (n > 16) {
        qsort(c, n, sizeof *c, cmp_cand);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        cand_t x = c[i];
        size_t j = i;
        while (j > 0 && (c[j - 1].key > x.key || (c[j - 1].key == x.key && c[j - 1].pos > x.pos))) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
}

/* Vote over c[0..n) (reordered in place). */
static vote_t vote(cand_t *c, size_t n)
{
    vote_t v = {0, 0, 0, 0, 0};
    if (!n) return v;
    int32_t maxt = c[0].tier;
    for (size_t i = 1; i < n; i++) if (c[i].tier > maxt) maxt = c[i].tier;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) if (c[i].tier == maxt) c[m++] = c[i];
    if (m > 1) sort_cands(c, m);
    uint32_t best_count = 0, best_first = 0;
    int32_t best_q = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        uint32_t first = c[i].pos, qpos = c[i].pos;
        int32_t q = c[i].qual;
        while (j < m && c[j].key == c[i].key) {
            if (c[j].pos < first) first = c[j].pos;
            if (c[j].qual > q || (c[j].qual == q && c[j].pos < qpos)) { q = c[j].qual; qpos = c[j].pos; }
            j++;
        }
        uint32_t cnt = (uint32_t)(j - i);
        v.ndistinct++;
        int better = !v.found || cnt > best_count ||
                     (cnt == best_count && (q > best_q || (q == best_q && first < best_first)));
        if (better) {
            v.found = 1;
            v.key = c[i].key;
            v.pos = qpos;
            v.count = cnt;
            best_count = cnt;
            best_q = q;
            best_first = first;
        }
        i = j;
    }
    return v;
}

static uint32_t count_distinct(cand_t *c, size_t n)
{
    if (n > 1) sort_cands(c, n);
    uint32_t d = 0;
    for (size_t i = 0; i < n; i++) if (i == 0 || c[i].key != c[i - 1].key) d++;
    return d;
}

/* ------------------------------------------------------------------ dates */

static int date_valid(const dc_date_t *d)
{
    return d->prec != DC_PREC_NONE && !(d->flags & DC_DATE_INVALID) && d->y != 0;
}

static int date_consistent(const dc_date_t *a, const dc_date_t *b)
{
    if (a->y != b->y) return 0;
    if (a->prec >= DC_PREC_MONTH && b->prec >= DC_PREC_MONTH && a->m != b->m) return 0;
    if (a->prec >= DC_PREC_DAY && b->prec >= DC_PREC_DAY && a->d != b->d) return 0;
    return 1;
}

/* Fewer doubts about how a date was read is better. */
static int date_quality(const dc_date_t *d)
{
    int q = 0;
    if (d->flags & DC_DATE_AMBIGUOUS) q--;
    if (d->flags & DC_DATE_TWO_DIGIT) q--;
    if (d->flags & DC_DATE_SERIAL) q--;
    return q;
}

typedef struct dgroup {
    dc_date_t d;
    uint32_t count, first;
    int qual;
    uint64_t support;
} dgroup_t;

static uint64_t date_key(const dc_date_t *d)
{
    uint64_t k = (uint64_t)(uint16_t)d->y << 24 | (uint64_t)d->prec << 16;
    if (d->prec >= DC_PREC_MONTH) k |= (uint64_t)d->m << 8;
    if (d->prec >= DC_PREC_DAY) k |= d->d;
    return k;
}

/* Choose a date among the members' dates (field at byte offset `off` of
 * dc_record_t). Sets *conflict when two readable dates contradict, and
 * *invalid_only when dates are present but none is readable. Dates are
 * grouped by sorting (years in the high bits), and support is computed
 * within each year only, so a huge cluster costs O(n log n) plus at most
 * (1 + 12 + 366)^2 comparisons per year. */
static dc_date_t choose_date(const dc_record_t *recs, const uint32_t *mem, size_t n, size_t off,
                             cand_t *c, dgroup_t *g, int *conflict, int *invalid_only)
{
    dc_date_t none;
    memset(&none, 0, sizeof none);
    size_t m = 0, ninvalid = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_date_t *d = (const dc_date_t *)((const char *)&recs[mem[i]] + off);
        if (!date_valid(d)) {
            if (d->flags & DC_DATE_INVALID) ninvalid++;
            continue;
        }
        c[m].key = date_key(d);
        c[m].tier = 0;
        c[m].qual = date_quality(d) * 2 + src_bit(&recs[mem[i]]);
        c[m].pos = (uint32_t)i;
        m++;
    }
    *conflict = 0;
    *invalid_only = m == 0 && ninvalid > 0;
    if (!m) return none;
    sort_cands(c, m);
    size_t ng = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || c[i].key != c[i - 1].key) {
            const dc_date_t *d = (const dc_date_t *)((const char *)&recs[mem[c[i].pos]] + off);
            g[ng].d = *d;
            g[ng].d.flags = 0;
            g[ng].count = 0;
            g[ng].first = c[i].pos;   /* sorted by pos within a key */
            g[ng].qual = c[i].qual;
            ng++;
        }
        dgroup_t *x = &g[ng - 1];
        x->count++;
        if (c[i].qual > x->qual) x->qual = c[i].qual;
    }
    if (g[0].d.y != g[ng - 1].d.y) *conflict = 1;
    for (size_t ya = 0; ya < ng;) {
        size_t yb = ya;
        while (yb < ng && g[yb].d.y == g[ya].d.y) yb++;
        for (size_t a = ya; a < yb; a++) {
            g[a].support = 0;
            for (size_t b = ya; b < yb; b++) {
                if (date_consistent(&g[a].d, &g[b].d)) g[a].support += g[b].count;
                else *conflict = 1;
            }
        }
        ya = yb;
    }
    size_t w = 0;
    for (size_t a = 1; a < ng; a++) {
        const dgroup_t *x = &g[a], *y = &g[w];
        int better = x->support != y->support ? x->support > y->support
                     : x->d.prec != y->d.prec ? x->d.prec > y->d.prec
                     : x->count != y->count   ? x->count > y->count
                     : x->qual != y->qual     ? x->qual > y->qual
                                              : x->first < y->first;
        if (better) w = a;
    }
    return g[w].d;
}

/* ------------------------------------------------------------------- IDs */

/* Sex and birth year encoded in a 12-digit personal ID: digit 4 is
 * 0/1 (male/female) for 1900-1999, 2/3 for 2000-2099, ... */
static void id12_decode(uint64_t id, int *sex, int *year)
{
    int g = (int)((id / 100000000ull) % 10);
    int yy = (int)((id / 1000000ull) % 100);
    *sex = g % 2 ? DC_SEX_FEMALE : DC_SEX_MALE;
    *year = 1900 + (g / 2) * 100 + yy;
}

static int id12_consistent(uint64_t id, int sex, const dc_date_t *dob)
{
    int isex, iyear;
    id12_decode(id, &isex, &iyear);
    if ((sex == DC_SEX_MALE || sex == DC_SEX_FEMALE) && sex != isex) return 0;
    if (dob->prec != DC_PREC_NONE && dob->y != iyear) return 0;
    return 1;
}

/* ----------------------------------------------------------------- names */

/* Whether two interned strings differ: the interner gives one id per byte
 * string (and 0 only to ""), and names hold no NUL byte (the loader rejects
 * such rows), so comparing the ids is comparing the strings, without two
 * random reads of the string table per call. */
static int str_differs(const dc_intern_t *in, uint32_t a, uint32_t b)
{
    DC_UNUSED(in);
    return a != b;
}

/* The display form: among rows whose ascii key won, the exact form with
 * diacritics beats the same name without; then the most frequent. */
static uint32_t choose_exact(cand_t *c, const dc_intern_t *in, const dc_record_t *recs,
                             const uint32_t *mem, size_t n, size_t off_exact, size_t off_ascii,
                             uint32_t ascii)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[mem[i]];
        uint32_t a = *(const uint32_t *)((const char *)r + off_ascii);
        uint32_t e = *(const uint32_t *)((const char *)r + off_exact);
        if (a != ascii || !e) continue;
        c[m].key = e;
        c[m].tier = str_differs(in, e, a);   /* carries diacritics */
        c[m].qual = src_bit(r);
        c[m].pos = (uint32_t)i;
        m++;
    }
    vote_t v = vote(c, m);
    return v.found ? (uint32_t)v.key : 0;
}

static void choose_relname(cand_t *c, const dc_intern_t *in, const dc_record_t *recs,
                           const uint32_t *mem, size_t n, size_t off, dc_cname_t *out, int *conflict)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_relname_t *r = (const dc_relname_t *)((const char *)&recs[mem[i]] + off);
        if (!r->ascii) continue;
        c[m].key = r->ascii;
        c[m].tier = 0;
        c[m].qual = str_differs(in, r->exact, r->ascii) * 2 + src_bit(&recs[mem[i]]);
        c[m].pos = (uint32_t)i;
        m++;
    }
    memset(out, 0, sizeof *out);
    vote_t v = vote(c, m);
    *conflict = v.ndistinct > 1;
    if (!v.found) return;
    out->ascii = (uint32_t)v.key;
    out->exact = choose_exact(c, in, recs, mem, n, off + offsetof(dc_relname_t, exact),
                              off + offsetof(dc_relname_t, ascii), out->ascii);
}

/* ------------------------------------------------------------- addresses */

static int addr_present(const dc_addr_t *a)
{
    return a->text != 0;
}

/* `perm_first`: rows of the permanent register outvote those of a
 * temporary-residence register whatever their number. */
static void choose_addr(cand_t *c, const dc_record_t *recs, const uint32_t *mem, size_t n,
                        size_t off, int perm_first, dc_addr_t *out, int *conflict)
{
    size_t m = 0, nw = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[mem[i]];
        const dc_addr_t *a = (const dc_addr_t *)((const char *)r + off);
        if (!addr_present(a)) continue;
        c[m].key = a->text;
        c[m].tier = perm_first ? !(r->rec_flags & DC_REC_TEMP_REGISTER) : 0;
        /* quality: matched to a commune, then complete, then confidence */
        int q = (a->ward_old || a->ward_new) ? 4 : a->district_old ? 2 : a->prov_old ? 1 : 0;
        if (a->flags & DC_ADDR_UNMATCHED) q = 0;
        if (a->flags & DC_ADDR_PARTIAL) q--;
        c[m].qual = (q * 256 + a->conf) * 2 + (perm_first ? src_bit(r) : 0);
        c[m].pos = (uint32_t)i;
        m++;
    }
    memset(out, 0, sizeof *out);
    /* conflict: matched to two different communes (text variants of one
     * commune are not a conflict) */
    cand_t *w = c + m;
    for (size_t i = 0; i < n; i++) {
        const dc_addr_t *a = (const dc_addr_t *)((const char *)&recs[mem[i]] + off);
        if (!addr_present(a) || !a->ward_old) continue;
        w[nw].key = a->ward_old;
        w[nw].tier = w[nw].qual = 0;
        w[nw].pos = (uint32_t)i;
        nw++;
    }
    *conflict = count_distinct(w, nw) > 1;
    vote_t v = vote(c, m);
    if (!v.found) return;
    *out = *(const dc_addr_t *)((const char *)&recs[mem[v.pos]] + off);
}

/* ---------------------------------------------------------------- codes */

/* Vote on a small unsigned code (1 or 2 bytes at offset `off` of
 * dc_record_t); 0 means unknown and does not vote. */
static vote_t vote_code(cand_t *c, const dc_record_t *recs, const uint32_t *mem, size_t n,
                        size_t off, size_t size)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)&recs[mem[i]] + off;
        uint64_t k = *p;
        if (size == 2) {
            uint16_t w;
            memcpy(&w, p, 2);
            k = w;
        }
        if (k) c[m++] = (cand_t){k, 0, src_bit(&recs[mem[i]]), (uint32_t)i};
    }
    return vote(c, m);
}

/* ------------------------------------------------------------ one cluster */

typedef struct scratch {
    cand_t *c;
    dgroup_t *g;
    size_t cap;
} scratch_t;

static void scratch_reserve(scratch_t *s, size_t n)
{
    if (n <= s->cap) return;
    free(s->c);
    free(s->g);
    s->cap = n < 64 ? 64 : n;
    s->c = dc_xmalloc(2 * s->cap * sizeof *s->c);   /* two halves: votes and conflict checks */
    s->g = dc_xmalloc(s->cap * sizeof *s->g);
}

static void scratch_free(scratch_t *s)
{
    free(s->c);
    free(s->g);
    s->c = NULL;
    s->g = NULL;
    s->cap = 0;
}

#define SETF(o, f) ((o)->flags |= 1u << (f))

/* Survivorship of a cluster of one record: what merge_general computes
 * for n == 1 (every vote has at most one candidate, nothing conflicts),
 * without the votes. Most clusters are one record. Checked against
 * merge_general field by field in tests/unit/check_merge.c. */
static void merge_single(const dc_record_t *r, dc_citizen_t *o)
{
    uint32_t cl = o->cl;
    memset(o, 0, sizeof *o);
    o->cl = cl;
    o->nrows = 1;
    if (r->sex == DC_SEX_MALE || r->sex == DC_SEX_FEMALE) o->sex = r->sex;
    if (date_valid(&r->dob)) {
        o->dob = r->dob;
        o->dob.flags = 0;
    } else if (r->dob.flags & DC_DATE_INVALID) {
        SETF(o, DC_CF_DOB_INVALID_ONLY);
    }
    if (date_valid(&r->dod)) {
        o->dod = r->dod;
        o->dod.flags = 0;
    }
    if (r->id12 || (r->id12_flags & DC_ID_PRESENT)) {
        if (r->id12 && (r->id12_flags & DC_ID_VALID)) {
            o->id12 = r->id12;
            if (!id12_consistent(o->id12, o->sex, &o->dob)) SETF(o, DC_CF_ID12_INCONSISTENT);
        } else {
            SETF(o, DC_CF_ID12_INVALID_ONLY);
        }
    }
    if (r->cmnd && (r->cmnd_flags & DC_ID_VALID)) {
        o->cmnd = r->cmnd;
        o->cmnd12 = (r->cmnd_flags & DC_ID_CMND12) != 0;
    }
    if (r->name.ascii) {
        o->name.ascii = r->name.ascii;
        o->name.sur = r->name.sur;
        o->name.mid = r->name.mid;
        o->name.exact = r->name.exact;
    }
    const dc_relname_t *rel[3] = {&r->father, &r->mother, &r->spouse};
    dc_cname_t *out[3] = {&o->father, &o->mother, &o->spouse};
    for (int k = 0; k < 3; k++)
        if (rel[k]->ascii) {
            out[k]->ascii = rel[k]->ascii;
            out[k]->exact = rel[k]->exact;
        }
    o->ethnic = r->ethnic;
    o->nationality = r->nationality;
    o->religion = r->religion;
    if (addr_present(&r->hometown)) o->hometown = r->hometown;
    if (addr_present(&r->perm)) o->perm = r->perm;
    if (addr_present(&r->cur)) o->cur = r->cur;
}

static void merge_general(scratch_t *s, const dc_intern_t *in, const dc_record_t *recs,
                          const uint32_t *mem, size_t n, dc_citizen_t *o)
{
    scratch_reserve(s, n);
    cand_t *c = s->c;
    uint32_t cl = o->cl;
    memset(o, 0, sizeof *o);
    o->cl = cl;
    o->nrows = (uint32_t)n;
    size_t m;
    vote_t v;

    /* same source twice: a duplicate inside one export */
    for (size_t i = 0; i < n; i++) { c[i].key = recs[mem[i]].source; c[i].pos = (uint32_t)i; }
    if (count_distinct(c, n) < n) SETF(o, DC_CF_SAME_SOURCE_DUP);

    /* sex: most frequent; a tie goes to the sex the valid IDs encode */
    int idsex[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[mem[i]];
        if (r->id12 && (r->id12_flags & DC_ID_VALID)) {
            int sx, yr;
            id12_decode(r->id12, &sx, &yr);
            idsex[sx]++;
        }
    }
    m = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t sx = recs[mem[i]].sex;
        if (sx != DC_SEX_MALE && sx != DC_SEX_FEMALE) continue;
        c[m] = (cand_t){sx, 0, idsex[sx] * 2 + src_bit(&recs[mem[i]]), (uint32_t)i};
        m++;
    }
    v = vote(c, m);
    if (v.found) o->sex = (uint8_t)v.key;
    if (v.ndistinct > 1) SETF(o, DC_CF_SEX_CONFLICT);

    /* dates */
    int conflict, invalid_only;
    o->dob = choose_date(recs, mem, n, offsetof(dc_record_t, dob), c, s->g, &conflict, &invalid_only);
    if (conflict) SETF(o, DC_CF_DOB_CONFLICT);
    if (invalid_only) SETF(o, DC_CF_DOB_INVALID_ONLY);
    o->dod = choose_date(recs, mem, n, offsetof(dc_record_t, dod), c, s->g, &conflict, &invalid_only);
    if (conflict) SETF(o, DC_CF_DOD_CONFLICT);

    /* so_dinh_danh: valid and consistent with the chosen sex and year,
     * then valid, then most frequent; invalid numbers are never output */
    m = 0;
    size_t npresent = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[mem[i]];
        if (!r->id12 && !(r->id12_flags & DC_ID_PRESENT)) continue;
        npresent++;
        if (!r->id12 || !(r->id12_flags & DC_ID_VALID)) continue;
        c[m] = (cand_t){r->id12, 1 + id12_consistent(r->id12, o->sex, &o->dob), src_bit(r), (uint32_t)i};
        m++;
    }
    /* distinct valid IDs, whatever their tier */
    memcpy(c + n, c, m * sizeof *c);
    if (count_distinct(c + n, m) > 1) SETF(o, DC_CF_ID12_CONFLICT);
    v = vote(c, m);
    if (v.found) {
        o->id12 = v.key;
        if (!id12_consistent(o->id12, o->sex, &o->dob)) SETF(o, DC_CF_ID12_INCONSISTENT);
    } else if (npresent) {
        SETF(o, DC_CF_ID12_INVALID_ONLY);
    }

    /* so_cmnd: valid numbers, most frequent */
    m = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_record_t *r = &recs[mem[i]];
        if (!r->cmnd || !(r->cmnd_flags & DC_ID_VALID)) continue;
        c[m] = (cand_t){r->cmnd, 0, src_bit(r), (uint32_t)i};
        m++;
    }
    v = vote(c, m);
    if (v.found) {
        o->cmnd = v.key;
        o->cmnd12 = (recs[mem[v.pos]].cmnd_flags & DC_ID_CMND12) != 0;
    }
    if (v.ndistinct > 1) SETF(o, DC_CF_CMND_CONFLICT);

    /* name: placeholders lose; most frequent ascii key; ties to the more
     * complete (more syllables), then to one written with diacritics */
    m = 0;
    for (size_t i = 0; i < n; i++) {
        const dc_name_t *nm = &recs[mem[i]].name;
        if (!nm->ascii) continue;
        int good_diac = nm->has_diacritics && !(nm->flags & DC_NAME_NO_DIACRITICS);
        c[m] = (cand_t){nm->ascii, !(nm->flags & DC_NAME_PLACEHOLDER),
                        (nm->ntok * 2 + good_diac) * 2 + src_bit(&recs[mem[i]]), (uint32_t)i};
        m++;
    }
    v = vote(c, m);
    if (v.ndistinct > 1) SETF(o, DC_CF_NAME_CONFLICT);
    if (v.found) {
        const dc_name_t *nm = &recs[mem[v.pos]].name;
        o->name.ascii = (uint32_t)v.key;
        o->name.sur = nm->sur;
        o->name.mid = nm->mid;
        o->name.exact = choose_exact(c, in, recs, mem, n,
                                     offsetof(dc_record_t, name) + offsetof(dc_name_t, exact),
                                     offsetof(dc_record_t, name) + offsetof(dc_name_t, ascii),
                                     o->name.ascii);
    }

    /* related people */
    choose_relname(c, in, recs, mem, n, offsetof(dc_record_t, father), &o->father, &conflict);
    if (conflict) SETF(o, DC_CF_FATHER_CONFLICT);
    choose_relname(c, in, recs, mem, n, offsetof(dc_record_t, mother), &o->mother, &conflict);
    if (conflict) SETF(o, DC_CF_MOTHER_CONFLICT);
    choose_relname(c, in, recs, mem, n, offsetof(dc_record_t, spouse), &o->spouse, &conflict);
    if (conflict) SETF(o, DC_CF_SPOUSE_CONFLICT);

    /* codes: most frequent, then first */
    v = vote_code(c, recs, mem, n, offsetof(dc_record_t, ethnic), sizeof recs->ethnic);
    o->ethnic = (uint8_t)v.key;
    if (v.ndistinct > 1) SETF(o, DC_CF_ETHNIC_CONFLICT);
    v = vote_code(c, recs, mem, n, offsetof(dc_record_t, nationality), sizeof recs->nationality);
    o->nationality = (uint16_t)v.key;
    if (v.ndistinct > 1) SETF(o, DC_CF_NATIONALITY_CONFLICT);
    v = vote_code(c, recs, mem, n, offsetof(dc_record_t, religion), sizeof recs->religion);
    o->religion = (uint8_t)v.key;
    if (v.ndistinct > 1) SETF(o, DC_CF_RELIGION_CONFLICT);

    /* addresses: the permanent register's rows first for the permanent
     * address and the native place; current address by frequency */
    choose_addr(c, recs, mem, n, offsetof(dc_record_t, hometown), 1, &o->hometown, &conflict);
    if (conflict) SETF(o, DC_CF_HOMETOWN_CONFLICT);
    choose_addr(c, recs, mem, n, offsetof(dc_record_t, perm), 1, &o->perm, &conflict);
    if (conflict) SETF(o, DC_CF_PERM_CONFLICT);
    choose_addr(c, recs, mem, n, offsetof(dc_record_t, cur), 0, &o->cur, &conflict);
    if (conflict) SETF(o, DC_CF_CUR_CONFLICT);
}

static void merge_cluster(scratch_t *s, const dc_intern_t *in, const dc_record_t *recs,
                          const uint32_t *mem, size_t n, dc_citizen_t *o)
{
    if (n == 1) merge_single(&recs[mem[0]], o);
    else merge_general(s, in, recs, mem, n, o);
}

void dc_merge_cluster_general(const dc_intern_t *in, const dc_record_t *recs, const uint32_t *members,
                              size_t n, dc_citizen_t *out)
{
    scratch_t s = {NULL, NULL, 0};
    merge_general(&s, in, recs, members, n, out);
    scratch_free(&s);
}

struct dc_merge_scratch {
    scratch_t s;
};

dc_merge_scratch_t *dc_merge_scratch_create(void) { return dc_xcalloc(1, sizeof(dc_merge_scratch_t)); }

void dc_merge_scratch_free(dc_merge_scratch_t *s)
{
    if (!s) return;
    scratch_free(&s->s);
    free(s);
}

void dc_merge_citizen_of(dc_merge_scratch_t *s, const dc_run_t *run, uint32_t cl, dc_citizen_t *out)
{
    const dc_clusters_t *c = &run->cl;
    out->cl = cl;
    merge_cluster(&s->s, run->in, run->recs, c->members + c->off[cl], c->off[cl + 1] - c->off[cl], out);
}

void dc_merge_cluster(const dc_intern_t *in, const dc_record_t *recs, const uint32_t *members,
                      size_t n, dc_citizen_t *out)
{
    scratch_t s = {NULL, NULL, 0};
    merge_cluster(&s, in, recs, members, n, out);
    scratch_free(&s);
}

/* ----------------------------------------------------------- whole run */

/* Flags that count as conflicts for citizens_flagged. */
static uint32_t conflict_mask(void)
{
    uint32_t m = 0;
    for (int f = 0; f < DC_CF__COUNT; f++)
        if (f != DC_CF_SAME_SOURCE_DUP && f != DC_CF_ID12_INVALID_ONLY && f != DC_CF_DOB_INVALID_ONLY)
            m |= 1u << f;
    return m;
}

typedef struct tcount {
    uint64_t conflicts[DC_CF__COUNT];
    uint64_t flagged;
} tcount_t;

void dc_merge_count_flags(uint32_t flags, uint64_t conflicts[DC_CF__COUNT], uint64_t *flagged)
{
    if (!flags) return;
    for (int f = 0; f < DC_CF__COUNT; f++) conflicts[f] += (flags >> f) & 1u;
    *flagged += (flags & conflict_mask()) != 0;
}

typedef struct merge_job {
    const dc_run_t *run;
    dc_citizen_t *cit;           /* NULL: count only */
    dc_merge_scratch_t **scr;    /* one per thread */
    tcount_t *count;             /* one per thread: sums do not depend on the schedule */
} merge_job_t;

static void merge_one(void *ctx, size_t i, int tid)
{
    merge_job_t *j = ctx;
    dc_citizen_t tmp, *z = j->cit ? &j->cit[i] : &tmp;
    dc_merge_citizen_of(j->scr[tid], j->run, (uint32_t)i, z);
    dc_merge_count_flags(z->flags, j->count[tid].conflicts, &j->count[tid].flagged);
    if ((i & 1023) == 1023) dc_progress_add(1024);   /* the display needs no more */
}

static void merge_pass(dc_run_t *run, int keep)
{
    if (!run->merge) run->merge = dc_xcalloc(1, sizeof *run->merge);
    dc_merge_state_t *ms = run->merge;
    free(ms->cit);
    ms->cit = NULL;
    size_t ncl = run->cl.ncl;
    if (keep) ms->cit = dc_xcalloc(ncl ? ncl : 1, sizeof *ms->cit);
    ms->ncit = ncl;
    int nth = run->opts.nthreads > 0 ? run->opts.nthreads : dc_nthreads_default();
    merge_job_t job = {run, ms->cit, dc_xcalloc((size_t)nth, sizeof *job.scr),
                       dc_xcalloc((size_t)nth, sizeof *job.count)};
    for (int t = 0; t < nth; t++) job.scr[t] = dc_merge_scratch_create();
    dc_progress_begin("merge", ncl);
    dc_parallel_for(nth, ncl, 1024, merge_one, &job);
    dc_progress_end();
    memset(ms->conflicts, 0, sizeof ms->conflicts);
    ms->citizens_flagged = 0;
    for (int t = 0; t < nth; t++) {
        for (int f = 0; f < DC_CF__COUNT; f++) ms->conflicts[f] += job.count[t].conflicts[f];
        ms->citizens_flagged += job.count[t].flagged;
        dc_merge_scratch_free(job.scr[t]);
    }
    free(job.scr);
    free(job.count);
}

int dc_merge_run(dc_run_t *run)
{
    dc_run_stage_begin(run, "merge");
    merge_pass(run, 0);
    dc_run_stage_end(run, run->cl.ncl);
    return 0;
}

int dc_merge_citizens(dc_run_t *run)
{
    dc_run_stage_begin(run, "merge");
    merge_pass(run, 1);
    dc_run_stage_end(run, run->cl.ncl);
    return 0;
}

void dc_merge_free(dc_run_t *run)
{
    if (!run->merge) return;
    dc_output_abort(run);
    free(run->merge->cit);
    dc_merge_display_free(run->merge->disp);
    free(run->merge);
    run->merge = NULL;
}
