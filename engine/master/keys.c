/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * keys.c - stable citizen keys across loads (dc_master.h).
 *
 * DESIGN: the rule of dc_master.h as sorts over small arrays.
 *   claims   one (cluster, previous key, rows) per distinct pair: the rows
 *            that carry a previous key, sorted by (cluster, key) and
 *            counted in runs. Previous keys are numbered by their rank
 *            among the distinct keys, so "granted" is a flag array.
 *   grant    the claims sorted by (rows desc, generation, key, candidate)
 *            and granted in that order when both sides are still free.
 *   new keys clusters left without a claim, in cluster order, each gets
 *            its candidate or the first never-issued rehash of it.
 *   others   previous keys left without a claim: merged into the cluster
 *            that holds most of their rows, in key order.
 * O(r log r) for r rows with a previous key; memory O(r).
 */
#include "master/dc_master.h"

#include <stdlib.h>   /* qsort, free */
#include <string.h>   /* memset */
#include <xxhash.h>   /* XXH3_128bits */

/* ------------------------------------------------------------ registry */

struct dc_keyreg {
    /* the decoded keys: the registry's bytes as read (keys in key order,
     * then their generations), searched in place (a national registry
     * holds one key per citizen ever: a hash map of them cost a second per
     * 10 million at every load) */
    const unsigned char *keys, *gens;
    const char *bytes;   /* the registry bytes keys and gens point into */
    void *owner;         /* what holds them, released by release(owner) */
    void (*release)(void *owner);
    size_t ndecoded;
    dc_map128_t map;     /* the keys added since -> the generation that issued them */
    dc_hash128_t *added;
    size_t nadded, addcap;
};

#define is_zero dc_hash128_zero
#define key_eq dc_hash128_eq
#define key_cmp dc_hash128_cmp

static int cmp_key(const void *a, const void *b) { return key_cmp(*(const dc_hash128_t *)a, *(const dc_hash128_t *)b); }

/* Registry bytes: "DCMKEYS2", count n (8), then the n keys in key order,
 * hi (8) and lo (8) each, then their n generations (4 each);
 * little-endian. Keys apart from generations: the keys are random bytes
 * that zstd stores as they are (read at memory speed), the generations
 * compress. */
static const char REG_MAGIC[8] = {'D', 'C', 'M', 'K', 'E', 'Y', 'S', '2'};
#define REG_KEY 16
#define REG_ENTRY (REG_KEY + 4)

static dc_hash128_t entry_key(const unsigned char *e)
{
    dc_hash128_t k;
    memcpy(&k.hi, e, 8);
    memcpy(&k.lo, e + 8, 8);
    return k;
}

static uint32_t entry_gen(const unsigned char *gens, size_t i)
{
    uint32_t g;
    memcpy(&g, gens + 4 * i, 4);
    return g;
}

dc_keyreg_t *dc_keyreg_create(void)
{
    dc_keyreg_t *r = dc_xcalloc(1, sizeof *r);
    dc_map128_init(&r->map, 0);
    return r;
}

void dc_keyreg_free(dc_keyreg_t *r)
{
    if (!r) return;
    dc_map128_free(&r->map);
    if (r->release) r->release(r->owner);
    free(r->added);
    free(r);
}

size_t dc_keyreg_count(const dc_keyreg_t *r) { return r->ndecoded + r->nadded; }

/* The decoded key's index, or SIZE_MAX. */
static size_t base_find(const dc_keyreg_t *r, dc_hash128_t key)
{
    size_t lo = 0, hi = r->ndecoded;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(entry_key(r->keys + mid * REG_KEY), key);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return SIZE_MAX;
}

uint32_t dc_keyreg_generation(const dc_keyreg_t *r, dc_hash128_t key)
{
    size_t i = base_find(r, key);
    return i == SIZE_MAX ? dc_map128_get(&r->map, key, UINT32_MAX) : entry_gen(r->gens, i);
}

int dc_keyreg_add(dc_keyreg_t *r, dc_hash128_t key, uint32_t generation)
{
    if (is_zero(key)) dc_die("dc_keyreg_add: the zero key");
    if (base_find(r, key) != SIZE_MAX) return 0;
    int added;
    dc_map128_put(&r->map, key, generation, &added);
    if (!added) return 0;
    r->added = dc_grow(r->added, &r->addcap, r->nadded + 1, sizeof *r->added);
    r->added[r->nadded++] = key;
    return 1;
}

/* The decoded entries (`prev`: the bytes decoded) merged with the keys
 * added since (sorted): every key in order, without sorting the registry
 * again. */
int dc_keyreg_encode(const dc_keyreg_t *r, const void *prev, size_t prevlen, dc_buf_t *out)
{
    size_t nbase = prev && prevlen >= 16 ? (prevlen - 16) / REG_ENTRY : 0;
    if (nbase != r->ndecoded || (prev && prevlen != 16 + nbase * REG_ENTRY))
        return dc_seterr("key registry: encoding needs the bytes it was decoded from");
    const unsigned char *bk = prev ? (const unsigned char *)prev + 16 : NULL, *bg = bk ? bk + nbase * REG_KEY : NULL;
    dc_hash128_t *ix = dc_xmalloc((r->nadded + 1) * sizeof *ix);
    if (r->nadded) memcpy(ix, r->added, r->nadded * sizeof *ix);
    qsort(ix, r->nadded, sizeof *ix, cmp_key);
    uint64_t n = dc_keyreg_count(r);
    dc_buf_reserve(out, 16 + n * REG_ENTRY);
    size_t at = out->len;
    dc_buf_put(out, REG_MAGIC, 8);
    dc_buf_put(out, &n, 8);
    unsigned char *ok = (unsigned char *)out->p + at + 16, *og = ok + n * REG_KEY;
    out->len = at + 16 + n * REG_ENTRY;
    size_t b = 0, a = 0, o = 0;
    while (b < nbase || a < r->nadded) {
        /* runs of decoded entries below the next added key in one copy */
        size_t e = b;
        if (a == r->nadded) e = nbase;
        else
            while (e < nbase && key_cmp(entry_key(bk + e * REG_KEY), ix[a]) < 0) e++;
        if (e > b) {
            memcpy(ok + o * REG_KEY, bk + b * REG_KEY, (e - b) * REG_KEY);
            memcpy(og + o * 4, bg + b * 4, (e - b) * 4);
            o += e - b;
            b = e;
            continue;
        }
        uint32_t gen = dc_map128_get(&r->map, ix[a], UINT32_MAX);
        memcpy(ok + o * REG_KEY, &ix[a].hi, 8);
        memcpy(ok + o * REG_KEY + 8, &ix[a].lo, 8);
        memcpy(og + o * 4, &gen, 4);
        o++;
        a++;
    }
    free(ix);
    return 0;
}

int dc_keyreg_encode_added(const dc_keyreg_t *r, dc_buf_t *out)
{
    dc_keyreg_t tmp = *r;
    tmp.ndecoded = 0;   /* the same merge, without the decoded entries */
    return dc_keyreg_encode(&tmp, NULL, 0, out);
}

int dc_keyreg_decode_in_place(const void *data, size_t len, void *owner, void (*release)(void *),
                              dc_keyreg_t **out)
{
    const unsigned char *p = data;
    uint64_t n = 0;
    if (len < 16 || memcmp(p, REG_MAGIC, 8)) return dc_seterr("key registry: not a dancu key registry");
    memcpy(&n, p + 8, 8);
    if (n > (len - 16) / REG_ENTRY || len != 16 + n * REG_ENTRY) return dc_seterr("key registry: damaged (length)");
    for (uint64_t k = 0; k < n; k++) {
        const unsigned char *e = p + 16 + REG_KEY * k;
        if (is_zero(entry_key(e)) || (k && key_cmp(entry_key(e - REG_KEY), entry_key(e)) >= 0))
            return dc_seterr("key registry: damaged (a zero, repeated or misordered key)");
    }
    dc_keyreg_t *r = dc_keyreg_create();
    r->bytes = data;   /* the entries are searched where they are */
    r->owner = owner;
    r->release = release;
    r->keys = p + 16;
    r->gens = r->keys + n * REG_KEY;
    r->ndecoded = (size_t)n;
    *out = r;
    return 0;
}

int dc_keyreg_decode_take(dc_buf_t *b, dc_keyreg_t **out)
{
    if (dc_keyreg_decode_in_place(b->p, b->len, b->p, free, out)) return -1;
    b->p = NULL;
    b->len = b->cap = 0;
    return 0;
}

int dc_keyreg_decode(const void *data, size_t len, dc_keyreg_t **out)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_put(&b, data, len);
    int rc = dc_keyreg_decode_take(&b, out);
    dc_buf_free(&b);
    return rc;
}

int dc_keyreg_encode_all(const dc_keyreg_t *r, dc_buf_t *out)
{
    return dc_keyreg_encode(r, r->bytes, r->bytes ? 16 + r->ndecoded * REG_ENTRY : 0, out);
}

size_t dc_keyreg_added(const dc_keyreg_t *r) { return r->nadded; }

void dc_keyreg_add_all(dc_keyreg_t *dst, const dc_keyreg_t *src)
{
    for (size_t k = 0; k < src->ndecoded; k++) dc_keyreg_add(dst, entry_key(src->keys + k * REG_KEY), entry_gen(src->gens, k));
    for (size_t k = 0; k < src->nadded; k++)
        dc_keyreg_add(dst, src->added[k], dc_map128_get(&src->map, src->added[k], 0));
}

/* ---------------------------------------------------------- assignment */

const char *dc_key_event_name(dc_key_event_kind_t k)
{
    static const char *const names[] = {"kept", "new", "split", "merged", "retired"};
    return (unsigned)k < DC_ARRAY_LEN(names) ? names[k] : "?";
}

typedef struct pair {
    uint32_t cl;
    dc_hash128_t key;
} pair_t;

typedef struct claim {
    uint32_t cl, k;   /* cluster, rank of the previous key */
    uint32_t n;       /* rows */
    uint32_t gen;     /* generation that issued the key */
} claim_t;

/* Sort contexts: qsort has no user pointer; one assignment at a time
 * per thread. */
static _Thread_local const dc_hash128_t *t_keys;        /* rank -> key */
static _Thread_local const dc_hash128_t *t_candidate;   /* cluster -> candidate */
static _Thread_local const dc_hash128_t *t_clkey;       /* cluster -> assigned key */

static int cmp_pair(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    if (x->cl != y->cl) return x->cl < y->cl ? -1 : 1;
    return key_cmp(x->key, y->key);
}

/* The grant order: rows desc, generation asc, key asc, candidate asc. */
static int cmp_grant(const void *a, const void *b)
{
    const claim_t *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    if (x->gen != y->gen) return x->gen < y->gen ? -1 : 1;
    int c = key_cmp(t_keys[x->k], t_keys[y->k]);
    return c ? c : key_cmp(t_candidate[x->cl], t_candidate[y->cl]);
}

/* By key, then the cluster holding most rows, then that cluster's key. */
static int cmp_by_key(const void *a, const void *b)
{
    const claim_t *x = a, *y = b;
    if (x->k != y->k) return x->k < y->k ? -1 : 1;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return key_cmp(t_clkey[x->cl], t_clkey[y->cl]);
}

static uint32_t rank_of(const dc_hash128_t *keys, size_t nk, dc_hash128_t k)
{
    size_t lo = 0, hi = nk;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (key_cmp(keys[mid], k) < 0) lo = mid + 1;
        else hi = mid;
    }
    return (uint32_t)lo;
}

/* The candidate, or its first rehash never issued. */
static dc_hash128_t mint(const dc_keyreg_t *reg, dc_hash128_t cand)
{
    dc_hash128_t k = cand;
    for (uint32_t ctr = 1; is_zero(k) || dc_keyreg_generation(reg, k) != UINT32_MAX; ctr++) {
        unsigned char b[20];
        for (int i = 0; i < 8; i++) {
            b[i] = (unsigned char)(cand.hi >> (56 - 8 * i));
            b[8 + i] = (unsigned char)(cand.lo >> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) b[16 + i] = (unsigned char)(ctr >> (24 - 8 * i));
        XXH128_hash_t h = XXH3_128bits(b, sizeof b);
        k = (dc_hash128_t){h.high64, h.low64};
    }
    return k;
}

static void push(dc_key_result_t *out, size_t *cap, dc_key_event_t e)
{
    out->ev = dc_grow(out->ev, cap, out->nev + 1, sizeof *out->ev);
    out->ev[out->nev++] = e;
}

int dc_keys_assign(const dc_key_input_t *in, dc_keyreg_t *reg, uint32_t generation, dc_key_result_t *out)
{
    memset(out, 0, sizeof *out);
    const dc_hash128_t zero = {0, 0};
    /* (cluster, previous key) of every row that had one */
    size_t np = 0;
    pair_t *p = dc_xmalloc((in->nrows ? in->nrows : 1) * sizeof *p);
    for (size_t i = 0; i < in->nrows; i++) {
        if (in->cl[i] >= in->ncl) {
            free(p);
            return dc_seterr("key assignment: row %zu is in cluster %u of %u", i, in->cl[i], in->ncl);
        }
        if (!is_zero(in->prev[i])) p[np++] = (pair_t){in->cl[i], in->prev[i]};
    }
    qsort(p, np, sizeof *p, cmp_pair);
    /* the distinct previous keys, ranked */
    dc_hash128_t *keys = dc_xmalloc((np ? np : 1) * sizeof *keys);
    for (size_t i = 0; i < np; i++) keys[i] = p[i].key;
    qsort(keys, np, sizeof *keys, cmp_key);
    size_t nk = 0;
    for (size_t i = 0; i < np; i++)
        if (!nk || !key_eq(keys[nk - 1], keys[i])) keys[nk++] = keys[i];
    /* claims: runs of equal (cluster, key) */
    claim_t *c = dc_xmalloc((np ? np : 1) * sizeof *c);
    size_t nc = 0;
    int rc = 0;
    for (size_t i = 0; i < np && !rc; i++) {
        if (nc && c[nc - 1].cl == p[i].cl && key_eq(keys[c[nc - 1].k], p[i].key)) {
            c[nc - 1].n++;
            continue;
        }
        uint32_t gen = dc_keyreg_generation(reg, p[i].key);
        if (gen == UINT32_MAX) rc = dc_seterr("key assignment: a previous key was never issued");
        c[nc++] = (claim_t){p[i].cl, rank_of(keys, nk, p[i].key), 1, gen};
    }
    free(p);
    if (rc) {
        free(keys);
        free(c);
        return -1;
    }
    /* 1. grants */
    t_keys = keys;
    t_candidate = in->candidate;
    qsort(c, nc, sizeof *c, cmp_grant);
    uint32_t *cl_grant = dc_xmalloc((in->ncl ? in->ncl : 1) * sizeof *cl_grant);   /* cluster -> key rank */
    uint32_t *k_grant = dc_xmalloc((nk ? nk : 1) * sizeof *k_grant);              /* key rank -> cluster */
    for (uint32_t i = 0; i < in->ncl; i++) cl_grant[i] = UINT32_MAX;
    for (size_t i = 0; i < nk; i++) k_grant[i] = UINT32_MAX;
    for (size_t i = 0; i < nc; i++) {
        if (cl_grant[c[i].cl] != UINT32_MAX || k_grant[c[i].k] != UINT32_MAX) continue;
        cl_grant[c[i].cl] = c[i].k;
        k_grant[c[i].k] = c[i].cl;
    }
    /* the best claim of each cluster (first in grant order): split origin */
    uint32_t *cl_best = dc_xmalloc((in->ncl ? in->ncl : 1) * sizeof *cl_best);
    for (uint32_t i = 0; i < in->ncl; i++) cl_best[i] = UINT32_MAX;
    for (size_t i = 0; i < nc; i++)
        if (cl_best[c[i].cl] == UINT32_MAX) cl_best[c[i].cl] = c[i].k;
    /* 2. keys of the clusters, in cluster order */
    out->key = dc_xmalloc((in->ncl ? in->ncl : 1) * sizeof *out->key);
    size_t evcap = 0;
    for (uint32_t i = 0; i < in->ncl; i++) {
        dc_key_event_t e = {DC_KEY_KEPT, zero, zero, i};
        if (cl_grant[i] != UINT32_MAX) {
            e.key = keys[cl_grant[i]];
        } else {
            e.key = mint(reg, in->candidate[i]);
            dc_keyreg_add(reg, e.key, generation);
            if (cl_best[i] != UINT32_MAX) {
                e.kind = DC_KEY_SPLIT;
                e.other = keys[cl_best[i]];
            } else {
                e.kind = DC_KEY_NEW;
            }
        }
        out->key[i] = e.key;
        push(out, &evcap, e);
    }
    /* 3. previous keys without a cluster: merged into the cluster holding
     *    most of their rows */
    t_clkey = out->key;
    qsort(c, nc, sizeof *c, cmp_by_key);
    for (size_t i = 0; i < nc; i++) {
        if (i && c[i - 1].k == c[i].k) continue;   /* the first claim of each key is its largest */
        if (k_grant[c[i].k] != UINT32_MAX) continue;
        push(out, &evcap, (dc_key_event_t){DC_KEY_MERGED, keys[c[i].k], out->key[c[i].cl], UINT32_MAX});
    }
    /* keys whose every row is gone */
    dc_hash128_t *ret = dc_xmalloc((in->nretiring ? in->nretiring : 1) * sizeof *ret);
    size_t nr = 0;
    for (size_t i = 0; i < in->nretiring; i++) {
        dc_hash128_t k = in->retiring[i];
        uint32_t r = rank_of(keys, nk, k);
        if (is_zero(k) || (r < nk && key_eq(keys[r], k))) continue;
        ret[nr++] = k;
    }
    qsort(ret, nr, sizeof *ret, cmp_key);
    for (size_t i = 0; i < nr; i++)
        if (!i || !key_eq(ret[i - 1], ret[i])) push(out, &evcap, (dc_key_event_t){DC_KEY_RETIRED, ret[i], zero, UINT32_MAX});
    free(ret);
    free(cl_best);
    free(cl_grant);
    free(k_grant);
    free(keys);
    free(c);
    t_keys = t_candidate = t_clkey = NULL;
    return 0;
}

void dc_key_result_free(dc_key_result_t *r)
{
    free(r->key);
    free(r->ev);
    memset(r, 0, sizeof *r);
}
