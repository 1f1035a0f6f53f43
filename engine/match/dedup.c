/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dedup.c - exact duplicate rows (dc_match.h: dc_match_dedup).
 *
 * DESIGN: bulk exports repeat rows verbatim (the same citizen exported
 * twice, a file concatenated with itself), sometimes thousands of times.
 * Left to blocking, n copies of one row make one block per rule that is
 * windowed into ~n * (window - 1) identical pairs: the copies are not all
 * joined (a window is not a clique), and the mass of identical "all
 * exact" patterns swamps EM and the random-pair u sample (one citizen
 * repeated 50,000 times among 110,000 rows took the others' recall from
 * 0.999 to 0.963). So identical rows are found first and set aside: every
 * record gets a representative (the first record, in input order, with
 * the same normalized content); only representatives are blocked,
 * compared, sampled for u and counted by EM, and clustering joins each
 * copy to its representative before any scored pair.
 *
 * "The same normalized content" is every column matching reads (names of
 * the person and relatives, dates of birth and death, sex, both ID
 * numbers with their flags, the three addresses, ethnic group, religion,
 * nationality), not the source, record_id or line. A row qualifies only
 * when that content identifies someone: a name with a valid ID or old
 * card number, or a name with a full birth date and one of an address,
 * a parent or a spouse. Two bare "name + birth year" rows are scored
 * like any pair.
 *
 * Content is hashed (XXH3 of the interned ids: equal strings have equal
 * ids within one run) into a word of the hash's top bits above the record
 * index; sorting the words groups equal hashes with their records in
 * input order, and each record is compared field by field with the
 * distinct contents already seen in its run, so a hash collision never
 * merges two different rows. The result depends only on the records'
 * content and order, not on the thread count or the id values.
 */
#include "match/dc_match.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memset */

#define DISTINCT_MAX 8   /* distinct contents compared per hash run (collisions only) */
#define RANGE 8192

static int qualifies(const dc_record_t *r)
{
    if (!r->name.exact || (r->name.flags & DC_NAME_PLACEHOLDER)) return 0;
    if (((r->id12_flags & DC_ID_VALID) && r->id12) || ((r->cmnd_flags & DC_ID_VALID) && r->cmnd)) return 1;
    if (r->dob.prec != DC_PREC_DAY) return 0;
    return r->perm.text || r->cur.text || r->hometown.text || r->father.exact || r->mother.exact ||
           r->spouse.exact;
}

static int same_date(dc_date_t a, dc_date_t b)
{
    return a.y == b.y && a.m == b.m && a.d == b.d && a.prec == b.prec && a.flags == b.flags;
}

static int same_addr(const dc_addr_t *a, const dc_addr_t *b)
{
    return a->text == b->text && a->ward_old == b->ward_old && a->ward_new == b->ward_new &&
           a->district_old == b->district_old && a->prov_old == b->prov_old && a->prov_new == b->prov_new;
}

static int same_rel(const dc_relname_t *a, const dc_relname_t *b)
{
    return a->exact == b->exact && a->ascii == b->ascii;
}

static int same_extra(const dc_record_t *a, const dc_record_t *b)
{
    for (int k = 0, nx = dc_extra_count(); k < nx; k++)
        if (dc_extra_value(a, k) != dc_extra_value(b, k)) return 0;
    return 1;
}

int dc_record_same_content(const dc_record_t *a, const dc_record_t *b)
{
    return a->id12 == b->id12 && a->id12_flags == b->id12_flags && a->cmnd == b->cmnd &&
           a->cmnd_flags == b->cmnd_flags && a->sex == b->sex && a->name.exact == b->name.exact &&
           a->name.ascii == b->name.ascii && a->name.flags == b->name.flags && same_rel(&a->father, &b->father) &&
           same_rel(&a->mother, &b->mother) && same_rel(&a->spouse, &b->spouse) &&
           same_addr(&a->hometown, &b->hometown) && same_addr(&a->perm, &b->perm) && same_addr(&a->cur, &b->cur) &&
           same_date(a->dob, b->dob) && same_date(a->dod, b->dod) && a->nationality == b->nationality &&
           a->ethnic == b->ethnic && a->religion == b->religion && same_extra(a, b);
}

static uint64_t addr_word(const dc_addr_t *a)
{
    return (uint64_t)a->text << 32 | (uint64_t)a->ward_old << 16 | (uint64_t)a->ward_new;
}

static uint64_t date_word(dc_date_t d)
{
    return (uint64_t)d.y << 32 | (uint64_t)d.m << 24 | (uint64_t)d.d << 16 | (uint64_t)d.prec << 8 |
           (uint64_t)d.flags;
}

static uint64_t content_hash(const dc_record_t *r)
{
    uint64_t v[16] = {
        r->id12, r->id12_flags, r->cmnd, r->cmnd_flags,
        (uint64_t)r->sex << 32 | r->name.exact, (uint64_t)r->name.ascii << 16 | r->name.flags,
        (uint64_t)r->father.exact << 32 | r->mother.exact, r->spouse.exact,
        addr_word(&r->hometown), addr_word(&r->perm), addr_word(&r->cur),
        date_word(r->dob), date_word(r->dod),
        (uint64_t)r->nationality << 16 | (uint64_t)r->ethnic << 8 | r->religion,
        (uint64_t)r->father.ascii << 32 | r->mother.ascii, r->spouse.ascii,
    };
    uint64_t h = dc_hash64(v, sizeof v);
    int nx = dc_extra_count();
    if (nx) {   /* declared extra columns (dc_extra.h) */
        uint32_t x[DC_EXTRA_MAX];
        for (int k = 0; k < nx; k++) x[k] = dc_extra_value(r, k);
        h = dc_hash64_seed(x, (size_t)nx * sizeof x[0], h);
    }
    return h;
}

static uint64_t str_word(const dc_intern_t *in, uint32_t a, uint32_t b)
{
    return dc_intern_hash(in, a) * 0x9E3779B97F4A7C15ull ^ dc_intern_hash(in, b);
}

static uint64_t addr_key(const dc_intern_t *in, const dc_addr_t *a)
{
    return str_word(in, a->text, 0) ^ ((uint64_t)a->ward_old << 32 | (uint64_t)a->ward_new << 16) ^
           ((uint64_t)a->district_old << 8 | (uint64_t)a->prov_old << 4 | (uint64_t)a->prov_new) * 0xC2B2AE3D27D4EB4Full;
}

uint64_t dc_record_content_key(const dc_record_t *r, const dc_intern_t *in)
{
    if (!qualifies(r)) return 0;
    uint64_t v[19] = {
        r->id12, r->id12_flags, r->cmnd, r->cmnd_flags,
        (uint64_t)r->sex << 32 | r->name.flags, str_word(in, r->name.exact, r->name.ascii),
        str_word(in, r->father.exact, r->father.ascii), str_word(in, r->mother.exact, r->mother.ascii),
        str_word(in, r->spouse.exact, r->spouse.ascii),
        addr_key(in, &r->hometown), addr_key(in, &r->perm), addr_key(in, &r->cur),
        date_word(r->dob), date_word(r->dod),
        (uint64_t)r->nationality << 16 | (uint64_t)r->ethnic << 8 | r->religion, 0, 0, 0, 0,
    };
    uint64_t h = dc_hash64(v, sizeof v);
    int nx = dc_extra_count();
    for (int k = 0; k < nx; k++) h = dc_hash64_seed(&(uint64_t){dc_intern_hash(in, dc_extra_value(r, k))}, 8, h);
    return h | 1;
}

typedef struct {
    const dc_record_t *recs;
    uint64_t *w;
    size_t n;
    int b;
} hctx_t;

static void hash_range(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    hctx_t *c = ctx;
    size_t lo = k * RANGE, hi = DC_MIN(lo + RANGE, c->n);
    for (size_t i = lo; i < hi; i++)
        c->w[i] = qualifies(&c->recs[i]) ? (content_hash(&c->recs[i]) >> c->b) << c->b | i : UINT64_MAX;
    dc_spilled_drop(&c->recs[lo], (hi - lo) * sizeof *c->recs);   /* out of core: behind the pass */
}

size_t dc_match_dedup(const dc_record_t *recs, size_t n, int nthreads, uint32_t *rep)
{
    for (size_t i = 0; i < n; i++) rep[i] = (uint32_t)i;
    if (n < 2) return 0;
    int b = 1;
    while (b < 40 && ((size_t)1 << b) < n + 1) b++;
    uint64_t mask = (1ull << b) - 1;
    hctx_t c = {recs, dc_xmalloc(n * sizeof *c.w), n, b};
    dc_parallel_for(nthreads, (n + RANGE - 1) / RANGE, 1, hash_range, &c);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c.w[i] != UINT64_MAX) c.w[m++] = c.w[i];
    dc_sort_u64(c.w, m);   /* equal hashes together, each run in record order */
    size_t dups = 0;
    for (size_t s = 0; s < m;) {
        size_t e = s + 1;
        while (e < m && (c.w[e] >> b) == (c.w[s] >> b)) e++;
        uint32_t seen[DISTINCT_MAX];
        int nseen = 0;
        for (size_t x = s; x < e; x++) {
            uint32_t i = (uint32_t)(c.w[x] & mask);
            int k;
            for (k = 0; k < nseen; k++)
                if (dc_record_same_content(&recs[seen[k]], &recs[i])) break;
            if (k < nseen) { rep[i] = seen[k]; dups++; }
            else if (nseen < DISTINCT_MAX) seen[nseen++] = i;
        }
        s = e;
    }
    free(c.w);
    return dups;
}
