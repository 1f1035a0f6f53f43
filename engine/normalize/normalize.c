/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * normalize.c - canonical rows -> dc_record_t (dc_normalize.h).
 *
 * DESIGN: the shared tables (dc_norm_shared_t) are built once and frozen;
 * each worker owns a dc_norm_ctx_t with its scratch buffers and a bounded
 * cache raw value -> result for the fields that repeat (names, dates,
 * addresses). The cache is an open-addressing table keyed by XXH3 of
 * (field kind, raw bytes); when it reaches its limit it is emptied in one
 * go, so memory stays bounded and results never depend on it (a hit gives
 * exactly what a miss would compute: interned ids are stable within a run).
 */
#include "normalize/norm_internal.h"
#include "normalize/dc_address.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memcmp */

_Static_assert(sizeof(dc_record_t) == 168, "dc_record_t size changed: update docs/NORMALIZATION.md");
_Static_assert(sizeof(dc_addr_t) == 16, "dc_addr_t size changed: update docs/NORMALIZATION.md");
_Static_assert(sizeof(dc_date_t) == 4, "dc_date_t size changed: update docs/NORMALIZATION.md");

static void addr_normalize(const dc_norm_shared_t *sh, const char *s, size_t n, uint8_t prov,
                           dc_addr_t *out)
{
    dc_addr_normalize(sh->gz, sh->in, s, n, prov, out, NULL);
}

#define CACHE_SLOTS (1u << 18)   /* per worker (15 MB of slots, 12 MB of keys); emptied at 3/4 */


/* ------------------------------------------------------------------ cache */

/* The big table and its key store are read at random: on 4 KB pages
 * nearly every lookup also misses the TLB. They are mapped apart, 2 MB
 * aligned, with huge pages where the kernel allows (dc_huge_alloc). */

static void cache_init(cache_t *c)
{
    c->cap = CACHE_SLOTS;
    c->limit = CACHE_SLOTS / 4 * 3;
    c->e = dc_huge_alloc(c->cap * sizeof *c->e);
    c->kcap = (size_t)CACHE_SLOTS * 48;   /* average key ~40 bytes (addresses are long) */
    c->keys = dc_huge_alloc(c->kcap);
    c->klen = 0;
    c->count = 0;
    c->vc = dc_huge_alloc(VC_SLOTS * sizeof *c->vc);   /* zeroed, aligned (64-byte slots) */
}

static void cache_clear(cache_t *c)
{
    c->clears++;
    memset(c->e, 0, c->cap * sizeof *c->e);
    c->count = 0;
    c->klen = 0;
}

uint64_t cache_hash(int kind, const char *s, size_t n)
{
    return dc_hash64_seed(s, n, (uint64_t)kind) | 1;   /* 0 marks an empty slot */
}

cache_ent_t *cache_find(cache_t *c, int kind, const char *s, size_t n, uint64_t *h)
{
    *h = cache_hash(kind, s, n);
    return cache_find_h(c, kind, s, n, *h);
}

cache_ent_t *cache_find_h(cache_t *c, int kind, const char *s, size_t n, uint64_t hv)
{
    size_t i = (size_t)hv & (c->cap - 1);
    while (c->e[i].h) {
        cache_ent_t *e = &c->e[i];
        if (e->h == hv && e->kind == kind && e->len == n && !memcmp(c->keys + e->off, s, n)) {
            c->hits++;
            return e;
        }
        i = (i + 1) & (c->cap - 1);
    }
    c->misses++;
    return NULL;
}

/* Hints for the row pipeline: the slot of hash h (an entry spans two cache
 * lines at most), then, once it has arrived, the key bytes of the entry
 * found there (what cache_find_h will compare). */
static inline void cache_prefetch(const cache_t *c, uint64_t h)
{
    const char *p = (const char *)&c->e[(size_t)h & (c->cap - 1)];
    __builtin_prefetch(p);
    __builtin_prefetch(p + sizeof(cache_ent_t) - 1);
}

static inline void cache_prefetch_key(const cache_t *c, uint64_t h)
{
    const cache_ent_t *e = &c->e[(size_t)h & (c->cap - 1)];
    if (e->h == h) {
        __builtin_prefetch(c->keys + e->off);
        __builtin_prefetch(c->keys + e->off + e->len - 1);
    }
}

/* The small-value cache (norm_internal.h): the slot of (kind, s[0..n)),
 * or NULL when the value is too long for it. */
static inline vc_ent_t *vc_slot(cache_t *c, int kind, const char *s, size_t n, uint64_t *h)
{
    if (n > VC_MAXLEN) return NULL;
    *h = cache_hash(kind, s, n);
    return &c->vc[*h & (VC_SLOTS - 1)];
}

static inline int vc_hit(cache_t *c, const vc_ent_t *e, int kind, const char *s, size_t n,
                         uint64_t h)
{
    if (e->h == h && e->kind == kind && e->len == n && !memcmp(e->s, s, n)) {
        c->hits++;
        return 1;
    }
    c->misses++;
    return 0;
}

static inline void vc_fill(vc_ent_t *e, int kind, const char *s, size_t n, uint64_t h)
{
    e->h = h;
    e->kind = (uint8_t)kind;
    e->len = (uint8_t)n;
    memcpy(e->s, s, n);
}

cache_ent_t *cache_put(cache_t *c, int kind, const char *s, size_t n, uint64_t h, const void *res,
                       size_t rsize)
{
    if (n > 4096) return NULL;
    if (c->count >= c->limit || c->klen + n > c->kcap) cache_clear(c);
    size_t i = (size_t)h & (c->cap - 1);
    while (c->e[i].h) i = (i + 1) & (c->cap - 1);
    cache_ent_t *e = &c->e[i];
    e->h = h;
    e->kind = (uint16_t)kind;
    e->off = (uint32_t)c->klen;
    e->len = (uint32_t)n;
    memcpy(c->keys + c->klen, s, n);
    c->klen += n;
    e->aux = 0;
    memcpy(&e->u, res, rsize);
    c->count++;
    return e;
}

uint32_t norm_intern_short(dc_norm_ctx_t *ctx, const char *s, size_t n)
{
    if (!n) return 0;
    if (n > TOKC_MAXLEN) return dc_intern(ctx->sh->in, s, n);
    uint64_t h = dc_hash64(s, n) | 1;
    tokc_ent_t *e = &ctx->tokc[h & (TOKC_SLOTS - 1)];
    if (e->h == h && e->len == n && !memcmp(e->s, s, n)) return e->id;
    uint32_t id = dc_intern(ctx->sh->in, s, n);
    e->h = h;
    e->len = (uint8_t)n;
    memcpy(e->s, s, n);
    e->id = id;
    return id;
}

/* ----------------------------------------------------------------- shared */

dc_norm_shared_t *dc_norm_shared_create(dc_intern_t *in, const dc_norm_opts_t *opts)
{
    dc_norm_shared_t *sh = dc_xcalloc(1, sizeof *sh);
    sh->in = in;
    if (opts) sh->opts = *opts;
    if (!sh->opts.century_pivot) sh->opts.century_pivot = 30;
    if (!sh->opts.ref_year) sh->opts.ref_year = 2026;
    norm_names_load(sh);
    norm_codes_load(sh);
    sh->gz = dc_gazetteer_load();
    return sh;
}

void dc_norm_shared_free(dc_norm_shared_t *sh)
{
    if (!sh) return;
    strmap_free(&sh->surnames);
    strmap_free(&sh->placeholders);
    strmap_free(&sh->compound_first);
    for (size_t i = 0; i < sh->ncompound; i++) {
        free(sh->compound[i]);
        free(sh->compound_ascii[i]);
    }
    free(sh->compound);
    free(sh->compound_ascii);
    free(sh->compound_ntok);
    norm_codes_free(sh);
    dc_gazetteer_free(sh->gz);
    free(sh->sex_decision);
    free(sh);
}

dc_intern_t *dc_norm_intern(const dc_norm_shared_t *sh) { return sh->in; }

const struct dc_gazetteer *dc_norm_gazetteer(const dc_norm_shared_t *sh) { return sh->gz; }

void dc_norm_shared_set_min_year(dc_norm_shared_t *sh, int min_year) { sh->opts.min_year = min_year; }

dc_bounds_t dc_norm_param_bounds(dc_norm_param_t p)
{
    switch (p) {
    case DC_NORM_P_CENTURY_PIVOT: return (dc_bounds_t){1, 99};
    case DC_NORM_P_REF_YEAR: return (dc_bounds_t){1900, 9999};
    }
    return (dc_bounds_t){0, 0};
}

dc_norm_ctx_t *dc_norm_ctx_create(dc_norm_shared_t *sh)
{
    dc_norm_ctx_t *ctx = dc_xcalloc(1, sizeof *ctx);
    ctx->sh = sh;
    ctx->tokc = dc_xcalloc(TOKC_SLOTS, sizeof *ctx->tokc);
    ctx->jobs = norm_jobs_create();
    if (!sh->opts.no_cache) {
        cache_init(&ctx->cache);
        ctx->sylc = dc_huge_alloc(SYLC_SLOTS * sizeof *ctx->sylc);   /* zeroed, aligned */
        ctx->addr_tail = dc_addr_cache_create(0);
    }
    return ctx;
}

void dc_norm_ctx_free(dc_norm_ctx_t *ctx)
{
    if (!ctx) return;
    if (ctx->cache.hits + ctx->cache.misses)
        dc_log(2, "normalize cache: %llu hits, %llu misses, %llu clears, %llu completed",
               (unsigned long long)ctx->cache.hits, (unsigned long long)ctx->cache.misses,
               (unsigned long long)ctx->cache.clears, (unsigned long long)ctx->cache.completed);
    if (ctx->addr_tail) {
        dc_addr_cache_stats_t st;
        dc_addr_cache_stats(ctx->addr_tail, &st);
        if (st.hits + st.misses + st.bypassed)
            dc_log(2, "address tail cache: %llu hits, %llu misses (%llu stored), %llu bypassed, %llu clears",
                   (unsigned long long)st.hits, (unsigned long long)st.misses, (unsigned long long)st.stored,
                   (unsigned long long)st.bypassed, (unsigned long long)st.clears);
        dc_addr_cache_free(ctx->addr_tail);
    }
    free(ctx->tokc);
    dc_huge_free(ctx->cache.e);
    dc_huge_free(ctx->cache.keys);
    dc_huge_free(ctx->cache.vc);
    dc_huge_free(ctx->sylc);
    dc_buf_free(&ctx->b1);
    norm_jobs_free(ctx->jobs);
    free(ctx);
}

/* ------------------------------------------------------------------- rows */

static void norm_date_cached(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_date_t *out)
{
    if (!n) { memset(out, 0, sizeof *out); return; }
    if (ctx->sh->opts.no_cache) { dc_norm_date(&ctx->sh->opts, s, n, out); return; }
    uint64_t h;
    vc_ent_t *v = vc_slot(&ctx->cache, CK_DATE, s, n, &h);
    if (v) {
        if (vc_hit(&ctx->cache, v, CK_DATE, s, n, h)) { *out = v->u.date; return; }
        dc_norm_date(&ctx->sh->opts, s, n, out);
        vc_fill(v, CK_DATE, s, n, h);
        v->u.date = *out;
        return;
    }
    cache_ent_t *e = cache_find(&ctx->cache, CK_DATE, s, n, &h);
    if (e) { *out = e->u.date; return; }
    dc_norm_date(&ctx->sh->opts, s, n, out);
    cache_put(&ctx->cache, CK_DATE, s, n, h, out, sizeof *out);
}

/* the cache kind of an address: the province hint changes ties, so it is
 * part of the key */
static int addr_kind(uint8_t prov) { return CK_ADDR + prov * 8; }

static void norm_addr_cached(dc_norm_ctx_t *ctx, const char *s, size_t n, uint8_t prov,
                             uint64_t h, dc_addr_t *out)
{
    if (!n) { memset(out, 0, sizeof *out); return; }
    dc_norm_shared_t *sh = ctx->sh;
    if (sh->opts.no_cache) { addr_normalize(sh, s, n, prov, out); return; }
    cache_ent_t *e = cache_find_h(&ctx->cache, addr_kind(prov), s, n, h);
    if (e) { *out = e->u.addr; return; }
    /* a new raw value: its administrative part may be known (tail cache) */
    dc_addr_normalize_cached(sh->gz, sh->in, ctx->addr_tail, s, n, prov, out, NULL);
    cache_put(&ctx->cache, addr_kind(prov), s, n, h, out, sizeof *out);
}

/* Small code fields (sex, ethnic group, religion, nationality, province)
 * repeat on almost every row: cached like the rest. @return value | flags << 16. */
static uint32_t code_compute(dc_norm_shared_t *sh, int kind, const char *s, size_t n)
{
    uint8_t fl = 0;
    uint32_t v = 0;
    int unrec = 0;
    switch (kind) {
    case CK_SEX:
        v = dc_norm_sex(s, n, &unrec);
        if (unrec) fl |= DC_CODE_SEX_UNRECOGNIZED;
        break;
    case CK_ETHNIC: v = dc_norm_ethnic(sh, s, n, &fl); break;
    case CK_RELIGION: v = dc_norm_religion(sh, s, n, &fl); break;
    case CK_NATION: v = dc_norm_nationality(sh, s, n, &fl); break;
    case CK_PROV:
        v = dc_norm_province(sh, s, n);
        if (!v) v = dc_gazetteer_province_code(sh->gz, s, n);
        if (!v) fl |= DC_CODE_PROVINCE_UNRECOGNIZED;
        break;
    }
    return v | (uint32_t)fl << 16;
}

static uint32_t code_cached(dc_norm_ctx_t *ctx, int kind, const char *s, size_t n)
{
    if (!n) return 0;
    if (ctx->sh->opts.no_cache) return code_compute(ctx->sh, kind, s, n);
    uint64_t h;
    vc_ent_t *v = vc_slot(&ctx->cache, kind, s, n, &h);
    if (v) {
        if (vc_hit(&ctx->cache, v, kind, s, n, h)) return v->u.code;
        uint32_t r = code_compute(ctx->sh, kind, s, n);
        vc_fill(v, kind, s, n, h);
        v->u.code = r;
        return r;
    }
    cache_ent_t *e = cache_find(&ctx->cache, kind, s, n, &h);
    if (e) return e->u.code;
    uint32_t r = code_compute(ctx->sh, kind, s, n);
    cache_put(&ctx->cache, kind, s, n, h, &r, sizeof r);
    return r;
}

/* ------------------------------------------------------------ row pipeline
 * Most of the time of a row went into waiting for memory: the slots of the
 * big cache (7 MB) and of the interner are cache misses. dc_norm_rows runs
 * three stages over a sliding window of rows: (A) row i+2: trim, hash and
 * prefetch the cache slots of its names and addresses and the interner slot
 * of its record_id; (B) row i+1: prefetch the key bytes of the entries found
 * in those slots; (C) row i: normalize, the memory now (mostly) at hand.
 * The stages only hint: results are those of dc_norm_row. */

enum { PF_NAME, PF_FATHER, PF_MOTHER, PF_SPOUSE, PF_HOME, PF_PERM, PF_CUR, PF__N };
static const int pf_field[PF__N] = {DC_F_HO_TEN, DC_F_HO_TEN_CHA, DC_F_HO_TEN_ME,
                                    DC_F_HO_TEN_VO_CHONG, DC_F_QUE_QUAN, DC_F_NOI_THUONG_TRU,
                                    DC_F_NOI_O_HIEN_TAI};

typedef struct prep {
    const char *s[PF__N];
    size_t n[PF__N];
    uint64_t h[PF__N];   /* cache_hash of the value, 0 when empty or uncached */
    uint32_t prov;       /* code_cached(CK_PROV, ma_tinh) */
    const char *rid;     /* record_id, trimmed */
    size_t rid_n;
    uint64_t rid_key;    /* its dc_intern_key */
} prep_t;

static void prep_a(dc_norm_ctx_t *ctx, const dc_row_t *row, prep_t *p)
{
    int cached = !ctx->sh->opts.no_cache;
    const char *s = row->v[DC_F_RECORD_ID];
    size_t n = row->len[DC_F_RECORD_ID];
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    p->rid = s;
    p->rid_n = n;
    if (n) {
        p->rid_key = dc_intern_key(s, n);
        dc_intern_prefetch_key(ctx->sh->in, p->rid_key);
    }
    p->prov = code_cached(ctx, CK_PROV, row->v[DC_F_MA_TINH], row->len[DC_F_MA_TINH]);
    /* dates: their slot of the small-value table (512 KB: not always in
     * the CPU's nearest caches) */
    static const int date_field[2] = {DC_F_NGAY_SINH, DC_F_NGAY_CHET};
    for (int k = 0; k < 2 && cached; k++) {
        n = row->len[date_field[k]];
        if (n && n <= VC_MAXLEN)
            __builtin_prefetch(&ctx->cache.vc[cache_hash(CK_DATE, row->v[date_field[k]], n) & (VC_SLOTS - 1)]);
    }
    for (int k = 0; k < PF__N; k++) {
        s = row->v[pf_field[k]];
        n = row->len[pf_field[k]];
        if (k < PF_HOME) n = norm_trim(&s, n);
        p->s[k] = s;
        p->n[k] = n;
        p->h[k] = 0;
        if (!n || !cached) continue;
        p->h[k] = cache_hash(k < PF_HOME ? CK_NAME : addr_kind((uint8_t)p->prov), s, n);
        cache_prefetch(&ctx->cache, p->h[k]);
    }
}

static void prep_b(dc_norm_ctx_t *ctx, const prep_t *p)
{
    for (int k = 0; k < PF__N; k++)
        if (p->h[k]) cache_prefetch_key(&ctx->cache, p->h[k]);
}

static void row_finish(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *row,
                       const prep_t *p, dc_record_t *out)
{
    dc_norm_shared_t *sh = ctx->sh;
    memset(out, 0, sizeof *out);
    out->source = source;
    out->seq = (uint32_t)row->seq;
#define F(f) row->v[DC_F_##f], row->len[DC_F_##f]
    out->record_id = p->rid_n ? dc_intern_with_key(sh->in, p->rid, p->rid_n, p->rid_key) : 0;
    uint32_t r = p->prov;
    out->prov_src = (uint8_t)r;
    out->code_flags |= (uint8_t)(r >> 16);
    dc_relname_t *rel[3] = {&out->father, &out->mother, &out->spouse};
    norm_row_names(ctx, p->s, p->n, p->h, &out->name, rel);
    norm_date_cached(ctx, F(NGAY_SINH), &out->dob);
    norm_date_cached(ctx, F(NGAY_CHET), &out->dod);
    r = code_cached(ctx, CK_SEX, F(GIOI_TINH));
    out->sex = (uint8_t)r;
    out->code_flags |= (uint8_t)(r >> 16);
    if (sh->opts.sex_one && out->sex >= DC_SEX_CODE0) {
        int one_male = sh->opts.sex_one == 1;
        out->sex = out->sex == DC_SEX_CODE1 ? (one_male ? DC_SEX_MALE : DC_SEX_FEMALE)
                                            : (one_male ? DC_SEX_FEMALE : DC_SEX_MALE);
    }
    {   /* (the record keeps them in bit fields) */
        uint16_t f1 = 0, f2 = 0;
        out->id12 = dc_norm_id12(sh, F(SO_DINH_DANH), out->sex, &out->dob, &f1);
        out->cmnd = dc_norm_cmnd(sh, F(SO_CMND), &f2);
        out->id12_flags = f1;
        out->cmnd_flags = f2;
    }
    /* numbers in the wrong column: an old 9-digit card number where the
     * 12-digit one belongs, or a 12-digit number in the old card column */
    if ((out->id12_flags & DC_ID_BAD_LENGTH) && !(out->cmnd_flags & DC_ID_PRESENT)) {
        uint16_t f;
        uint64_t v = dc_norm_cmnd(sh, F(SO_DINH_DANH), &f);
        if ((f & DC_ID_VALID) && !(f & DC_ID_CMND12)) {
            out->cmnd = v;
            out->cmnd_flags = f | DC_ID_MOVED;
        }
    }
    if (!(out->id12_flags & DC_ID_PRESENT) && (out->cmnd_flags & DC_ID_CMND12)) {
        uint16_t f;
        uint64_t v = dc_norm_id12(sh, F(SO_CMND), out->sex, &out->dob, &f);
        if (f & DC_ID_VALID) {
            out->id12 = v;
            out->id12_flags = f | DC_ID_MOVED;
        }
    }
    r = code_cached(ctx, CK_ETHNIC, F(DAN_TOC));
    out->ethnic = (uint8_t)r;
    out->code_flags |= (uint8_t)(r >> 16);
    r = code_cached(ctx, CK_RELIGION, F(TON_GIAO));
    out->religion = (uint8_t)r;
    out->code_flags |= (uint8_t)(r >> 16);
    r = code_cached(ctx, CK_NATION, F(QUOC_TICH));
    out->nationality = (uint16_t)r;
    out->code_flags |= (uint8_t)(r >> 16);
    /* one cache kind for the three fields: the current address is often the
     * permanent one, and a native place someone else's address */
    norm_addr_cached(ctx, p->s[PF_HOME], p->n[PF_HOME], out->prov_src, p->h[PF_HOME], &out->hometown);
    norm_addr_cached(ctx, p->s[PF_PERM], p->n[PF_PERM], out->prov_src, p->h[PF_PERM], &out->perm);
    norm_addr_cached(ctx, p->s[PF_CUR], p->n[PF_CUR], out->prov_src, p->h[PF_CUR], &out->cur);
#undef F
}

void dc_norm_rows(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *rows, size_t n,
                  dc_record_t *out)
{
    enum { AHEAD = 2 };
    prep_t p[AHEAD + 1];
    for (size_t i = 0; i < n + AHEAD; i++) {
        if (i < n) prep_a(ctx, &rows[i], &p[i % (AHEAD + 1)]);
        if (i >= 1 && i - 1 < n) prep_b(ctx, &p[(i - 1) % (AHEAD + 1)]);
        if (i >= AHEAD) {
            size_t j = i - AHEAD;
            row_finish(ctx, source, &rows[j], &p[j % (AHEAD + 1)], &out[j]);
        }
    }
}

void dc_norm_row(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *row, dc_record_t *out)
{
    dc_norm_rows(ctx, source, row, 1, out);
}


/* ---------------------------------------------------------- sex decision */

static int code_index(uint8_t sex)
{
    return sex == DC_SEX_CODE0 ? 0 : sex == DC_SEX_CODE1 ? 1 : sex == DC_SEX_CODE2 ? 2 : -1;
}

void dc_norm_sex_vote(dc_sex_vote_t *v, const dc_record_t *r)
{
    int c = code_index(r->sex);
    if (c < 0) return;
    v->rows[c]++;
    int van = (r->name.flags & DC_NAME_MID_VAN) != 0, thi = (r->name.flags & DC_NAME_MID_THI) != 0;
    if (van && !thi) v->n[c][0]++;
    if (thi && !van) v->n[c][1]++;
}

/* Evidence needed: at least MIN_EVIDENCE rows with Văn or Thị among the
 * coded rows, and the winning reading at least WIN_SHARE of them. */
#define MIN_EVIDENCE 8
#define WIN_SHARE 0.9

int dc_norm_sex_decide(dc_norm_shared_t *sh, uint32_t source, const dc_sex_vote_t *v)
{
    int d = 0;
    if (sh->opts.sex_one) {
        d = sh->opts.sex_one;
    } else {
        /* "1" = male is supported by Văn among "1" and Thị among "0"/"2" */
        uint64_t one_male = v->n[1][0] + v->n[0][1] + v->n[2][1];
        uint64_t one_female = v->n[1][1] + v->n[0][0] + v->n[2][0];
        uint64_t tot = one_male + one_female;
        if (tot >= MIN_EVIDENCE) {
            if ((double)one_male >= WIN_SHARE * (double)tot) d = 1;
            else if ((double)one_female >= WIN_SHARE * (double)tot) d = 2;
        }
        /* a 1/2 file with no "0": the census convention 1 = Nam, 2 = Nữ
         * only when the evidence does not contradict it */
        if (!d && v->rows[2] && !v->rows[0] && one_female == 0 && one_male > 0) d = 1;
    }
    if (source >= sh->nsex_decision) {
        size_t nn = source + 1;
        sh->sex_decision = dc_xrealloc(sh->sex_decision, nn * sizeof *sh->sex_decision);
        for (size_t i = sh->nsex_decision; i < nn; i++) sh->sex_decision[i] = 0;
        sh->nsex_decision = nn;
    }
    sh->sex_decision[source] = d;
    return d;
}

int dc_norm_sex_decision(const dc_norm_shared_t *sh, uint32_t source)
{
    return source < sh->nsex_decision ? sh->sex_decision[source] : 0;
}

void dc_norm_sex_apply(const dc_norm_shared_t *sh, dc_record_t *r)
{
    int c = code_index(r->sex);
    if (c < 0) return;
    int d = dc_norm_sex_decision(sh, r->source);
    if (!d) {
        r->sex = DC_SEX_UNKNOWN;
        r->code_flags |= DC_CODE_SEX_UNRESOLVED;
        return;
    }
    int one_male = d == 1;
    if (c == 1) r->sex = one_male ? DC_SEX_MALE : DC_SEX_FEMALE;
    else r->sex = one_male ? DC_SEX_FEMALE : DC_SEX_MALE;
    norm_id12_recheck_sex(r);
}

void dc_norm_finalize(dc_norm_shared_t *sh, dc_record_t *recs, size_t n)
{
    uint32_t maxsrc = 0;
    for (size_t i = 0; i < n; i++) {
        maxsrc = DC_MAX(maxsrc, recs[i].source);
        if ((i & 65535) == 65535) dc_spilled_drop(&recs[i - 65535], 65536 * sizeof *recs);   /* out of core */
    }
    dc_sex_vote_t *v = dc_xcalloc((size_t)maxsrc + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        dc_norm_sex_vote(&v[recs[i].source], &recs[i]);
        if ((i & 65535) == 65535) dc_spilled_drop(&recs[i - 65535], 65536 * sizeof *recs);   /* out of core */
    }
    for (uint32_t s = 0; s <= maxsrc && n; s++) dc_norm_sex_decide(sh, s, &v[s]);
    for (size_t i = 0; i < n; i++) {
        dc_norm_sex_apply(sh, &recs[i]);
        if ((i & 65535) == 65535) dc_spilled_drop(&recs[i - 65535], 65536 * sizeof *recs);
    }
    free(v);
}
