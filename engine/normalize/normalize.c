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
#include "norm_internal.h"
#include "dc_address.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memcmp */

_Static_assert(sizeof(dc_record_t) == 200, "dc_record_t size changed: update docs/NORMALIZATION.md");

/* TRANSITION: until the address branch is merged the gazetteer functions
 * are weak references; without them an address keeps its folded text only
 * (flags PRESENT | UNMATCHED). Removed at the merge. */
#pragma weak dc_gazetteer_load
#pragma weak dc_gazetteer_free
#pragma weak dc_addr_normalize
#pragma weak dc_gazetteer_province_code

static void addr_normalize(const dc_norm_shared_t *sh, dc_norm_ctx_t *ctx, const char *s, size_t n,
                           uint8_t prov, dc_addr_t *out)
{
    if (dc_addr_normalize) {
        dc_addr_normalize(sh->gz, sh->in, s, n, prov, out, NULL);
        return;
    }
    memset(out, 0, sizeof *out);
    dc_buf_clear(&ctx->b1);
    dc_text_fold(s, n, &ctx->b1);
    out->text = ctx->b1.len ? dc_intern(sh->in, ctx->b1.p, ctx->b1.len) : 0;
    out->flags = DC_ADDR_PRESENT | DC_ADDR_UNMATCHED;
}

#define CACHE_SLOTS (1u << 17)   /* per worker; emptied at 3/4 */


/* ------------------------------------------------------------------ cache */

static void cache_init(cache_t *c)
{
    c->cap = CACHE_SLOTS;
    c->limit = CACHE_SLOTS / 4 * 3;
    c->e = dc_xcalloc(c->cap, sizeof *c->e);
    c->kcap = 1 << 20;
    c->keys = dc_xmalloc(c->kcap);
    c->klen = 0;
    c->count = 0;
}

static void cache_clear(cache_t *c)
{
    memset(c->e, 0, c->cap * sizeof *c->e);
    c->count = 0;
    c->klen = 0;
}

cache_ent_t *cache_find(cache_t *c, int kind, const char *s, size_t n, uint64_t *h)
{
    uint64_t hv = dc_hash64_seed(s, n, (uint64_t)kind) | 1;   /* 0 marks an empty slot */
    *h = hv;
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

void cache_put(cache_t *c, int kind, const char *s, size_t n, uint64_t h, const void *res,
               size_t rsize)
{
    if (n > 4096) return;
    if (c->count >= c->limit || c->klen + n > c->kcap) cache_clear(c);
    size_t i = (size_t)h & (c->cap - 1);
    while (c->e[i].h) i = (i + 1) & (c->cap - 1);
    cache_ent_t *e = &c->e[i];
    e->h = h;
    e->kind = (uint8_t)kind;
    e->off = (uint32_t)c->klen;
    e->len = (uint32_t)n;
    memcpy(c->keys + c->klen, s, n);
    c->klen += n;
    memcpy(&e->u, res, rsize);
    c->count++;
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
    sh->gz = dc_gazetteer_load ? dc_gazetteer_load() : NULL;
    return sh;
}

void dc_norm_shared_free(dc_norm_shared_t *sh)
{
    if (!sh) return;
    strmap_free(&sh->surnames);
    strmap_free(&sh->placeholders);
    for (size_t i = 0; i < sh->ncompound; i++) {
        free(sh->compound[i]);
        free(sh->compound_ascii[i]);
    }
    free(sh->compound);
    free(sh->compound_ascii);
    free(sh->compound_ntok);
    norm_codes_free(sh);
    if (dc_gazetteer_free) dc_gazetteer_free(sh->gz);
    free(sh->sex_decision);
    free(sh);
}

dc_intern_t *dc_norm_intern(const dc_norm_shared_t *sh) { return sh->in; }

dc_norm_ctx_t *dc_norm_ctx_create(dc_norm_shared_t *sh)
{
    dc_norm_ctx_t *ctx = dc_xcalloc(1, sizeof *ctx);
    ctx->sh = sh;
    if (!sh->opts.no_cache) cache_init(&ctx->cache);
    return ctx;
}

void dc_norm_ctx_free(dc_norm_ctx_t *ctx)
{
    if (!ctx) return;
    free(ctx->cache.e);
    free(ctx->cache.keys);
    dc_buf_free(&ctx->b1);
    dc_buf_free(&ctx->b2);
    dc_buf_free(&ctx->b3);
    free(ctx);
}

/* ------------------------------------------------------------------- rows */

static void norm_date_cached(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_date_t *out)
{
    if (!n) { memset(out, 0, sizeof *out); return; }
    if (ctx->sh->opts.no_cache) { dc_norm_date(&ctx->sh->opts, s, n, out); return; }
    uint64_t h;
    cache_ent_t *e = cache_find(&ctx->cache, CK_DATE, s, n, &h);
    if (e) { *out = e->u.date; return; }
    dc_norm_date(&ctx->sh->opts, s, n, out);
    cache_put(&ctx->cache, CK_DATE, s, n, h, out, sizeof *out);
}

static void norm_addr_cached(dc_norm_ctx_t *ctx, int kind, const char *s, size_t n, uint8_t prov,
                             dc_addr_t *out)
{
    if (!n) { memset(out, 0, sizeof *out); return; }
    dc_norm_shared_t *sh = ctx->sh;
    if (sh->opts.no_cache) { addr_normalize(sh, ctx, s, n, prov, out); return; }
    /* the province hint changes ties: it is part of the key */
    uint64_t h;
    cache_ent_t *e = cache_find(&ctx->cache, kind + prov * 8, s, n, &h);
    if (e) { *out = e->u.addr; return; }
    addr_normalize(sh, ctx, s, n, prov, out);
    cache_put(&ctx->cache, kind + prov * 8, s, n, h, out, sizeof *out);
}

void dc_norm_row(dc_norm_ctx_t *ctx, uint32_t source, const dc_row_t *row, dc_record_t *out)
{
    dc_norm_shared_t *sh = ctx->sh;
    memset(out, 0, sizeof *out);
    out->source = source;
    out->seq = row->seq;
#define F(f) row->v[DC_F_##f], row->len[DC_F_##f]
    {
        const char *s = row->v[DC_F_RECORD_ID];
        size_t n = row->len[DC_F_RECORD_ID];
        while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        out->record_id = n ? dc_intern(sh->in, s, n) : 0;
    }
    if (row->len[DC_F_MA_TINH]) {
        out->prov_src = dc_norm_province(sh, F(MA_TINH));
        if (!out->prov_src && sh->gz && dc_gazetteer_province_code)
            out->prov_src = dc_gazetteer_province_code(sh->gz, F(MA_TINH));
        if (!out->prov_src) out->code_flags |= DC_CODE_PROVINCE_UNRECOGNIZED;
    }
    dc_norm_name(ctx, F(HO_TEN), &out->name);
    dc_norm_relname(ctx, F(HO_TEN_CHA), &out->father, NULL);
    dc_norm_relname(ctx, F(HO_TEN_ME), &out->mother, NULL);
    dc_norm_relname(ctx, F(HO_TEN_VO_CHONG), &out->spouse, NULL);
    norm_date_cached(ctx, F(NGAY_SINH), &out->dob);
    norm_date_cached(ctx, F(NGAY_CHET), &out->dod);
    int unrec = 0;
    out->sex = dc_norm_sex(F(GIOI_TINH), &unrec);
    if (unrec) out->code_flags |= DC_CODE_SEX_UNRECOGNIZED;
    if (sh->opts.sex_one && out->sex >= DC_SEX_CODE0) {
        int one_male = sh->opts.sex_one == 1;
        out->sex = out->sex == DC_SEX_CODE1 ? (one_male ? DC_SEX_MALE : DC_SEX_FEMALE)
                                            : (one_male ? DC_SEX_FEMALE : DC_SEX_MALE);
    }
    out->id12 = dc_norm_id12(sh, F(SO_DINH_DANH), out->sex, &out->dob, &out->id12_flags);
    out->cmnd = dc_norm_cmnd(sh, F(SO_CMND), &out->cmnd_flags);
    out->ethnic = dc_norm_ethnic(sh, F(DAN_TOC), &out->code_flags);
    out->religion = dc_norm_religion(sh, F(TON_GIAO), &out->code_flags);
    out->nationality = dc_norm_nationality(sh, F(QUOC_TICH), &out->code_flags);
    norm_addr_cached(ctx, CK_ADDR, F(QUE_QUAN), out->prov_src, &out->hometown);
    norm_addr_cached(ctx, CK_ADDR2, F(NOI_THUONG_TRU), out->prov_src, &out->perm);
    norm_addr_cached(ctx, CK_ADDR3, F(NOI_O_HIEN_TAI), out->prov_src, &out->cur);
#undef F
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
#define MIN_EVIDENCE 20
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
    for (size_t i = 0; i < n; i++) maxsrc = DC_MAX(maxsrc, recs[i].source);
    dc_sex_vote_t *v = dc_xcalloc((size_t)maxsrc + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) dc_norm_sex_vote(&v[recs[i].source], &recs[i]);
    for (uint32_t s = 0; s <= maxsrc && n; s++) dc_norm_sex_decide(sh, s, &v[s]);
    for (size_t i = 0; i < n; i++) dc_norm_sex_apply(sh, &recs[i]);
    free(v);
}
