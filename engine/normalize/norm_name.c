/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_name.c - full names: keys, split into surname / middle / given name,
 * flags (docs/NORMALIZATION.md, "Names").
 */
#include "norm_internal.h"
#include "ref/dc_ref.h"

#include <stdlib.h>   /* qsort */
#include <string.h>   /* memcmp */

/* Surnames seen at least this many times in the (biased) samples behind
 * derived_surname_freq.csv count as known; rarer rows are mostly noise. */
#define SURNAME_MIN_COUNT 3

static int cmp_compound(const void *a, const void *b, void *ctx)
{
    const uint8_t *nt = ctx;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    return (int)nt[ib] - (int)nt[ia];
}

void norm_names_load(dc_norm_shared_t *sh)
{
    dc_ref_csv_t c;
    dc_buf_t b = DC_BUF_INIT;
    dc_text_t t;

    strmap_init(&sh->surnames, 1024);
    dc_ref_csv_open(&c, "derived_surname_freq.csv", ',');
    int cs = dc_ref_csv_col(&c, "surname"), cn = dc_ref_csv_col(&c, "count_total");
    while (dc_ref_csv_next(&c)) {
        if (atoi(c.f[cn]) < SURNAME_MIN_COUNT) continue;
        dc_text_decode(c.f[cs], c.flen[cs], &t);
        if (t.n != 1) continue;
        dc_buf_clear(&b);
        dc_text_put_exact(&t, 0, 1, &b);
        strmap_put(&sh->surnames, b.p, b.len, 1);
        dc_buf_clear(&b);
        dc_text_put_ascii(&t, 0, 1, &b);
        strmap_put(&sh->surnames, b.p, b.len, 1);
    }
    dc_ref_csv_close(&c);

    /* compound surnames, longest first, kept in exact (lower case) form */
    dc_ref_csv_open(&c, "vn_compound_surnames.csv", ',');
    cs = dc_ref_csv_col(&c, "surname");
    size_t cap = 0;
    while (dc_ref_csv_next(&c)) {
        dc_text_decode(c.f[cs], c.flen[cs], &t);
        dc_text_canon(&t);
        if (t.n < 2) continue;
        if (sh->ncompound == cap) {
            cap = cap ? cap * 2 : 16;
            sh->compound = dc_xrealloc(sh->compound, cap * sizeof *sh->compound);
            sh->compound_ntok = dc_xrealloc(sh->compound_ntok, cap);
        }
        dc_buf_clear(&b);
        dc_text_put_exact(&t, 0, t.n, &b);
        sh->compound[sh->ncompound] = dc_xstrndup(b.p, b.len);
        sh->compound_ntok[sh->ncompound] = t.n;
        sh->ncompound++;
    }
    dc_ref_csv_close(&c);
    size_t *idx = dc_xmalloc((sh->ncompound + 1) * sizeof *idx);
    for (size_t i = 0; i < sh->ncompound; i++) idx[i] = i;
    qsort_r(idx, sh->ncompound, sizeof *idx, cmp_compound, sh->compound_ntok);
    char **s2 = dc_xmalloc((sh->ncompound + 1) * sizeof *s2);
    uint8_t *n2 = dc_xmalloc(sh->ncompound + 1);
    for (size_t i = 0; i < sh->ncompound; i++) {
        s2[i] = sh->compound[idx[i]];
        n2[i] = sh->compound_ntok[idx[i]];
    }
    free(sh->compound);
    free(sh->compound_ntok);
    free(idx);
    sh->compound = s2;
    sh->compound_ntok = n2;
    sh->compound_ascii = dc_xmalloc((sh->ncompound + 1) * sizeof *sh->compound_ascii);
    strmap_init(&sh->compound_first, 32);
    for (size_t i = 0; i < sh->ncompound; i++) {
        dc_buf_clear(&b);
        dc_text_fold_ascii(s2[i], strlen(s2[i]), &b);
        sh->compound_ascii[i] = dc_xstrndup(b.p, b.len);
        const char *sp = strchr(sh->compound_ascii[i], ' ');
        strmap_put(&sh->compound_first, sh->compound_ascii[i], (size_t)(sp - sh->compound_ascii[i]), 1);
    }

    strmap_init(&sh->placeholders, 64);
    dc_ref_csv_open(&c, "vn_name_placeholders.csv", ',');
    cs = dc_ref_csv_col(&c, "value");
    while (dc_ref_csv_next(&c)) {
        dc_buf_clear(&b);
        dc_text_fold_ascii(c.f[cs], c.flen[cs], &b);
        if (b.len) strmap_put(&sh->placeholders, b.p, b.len, 1);
    }
    dc_ref_csv_close(&c);
    dc_buf_free(&b);
}

/* Trim ASCII spaces; returns the trimmed length and moves *s. */
size_t norm_trim(const char **s, size_t n)
{
    const char *p = *s;
    while (n && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n')) { p++; n--; }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n')) n--;
    *s = p;
    return n;
}

/* Per-token renderings of a name, each token rendered once. */
typedef struct {
    char key[DC_TXT_MAXTOK][DC_TOK_BYTES];   /* ASCII key form */
    uint8_t klen[DC_TXT_MAXTOK];
} tokkeys_t;

/* Join tokens [from, to) of `k` with single spaces into b. */
static void join(dc_buf_t *b, const tokkeys_t *k, int from, int to)
{
    dc_buf_clear(b);
    for (int j = from; j < to; j++) {
        if (j > from) dc_buf_putc(b, ' ');
        dc_buf_put(b, k->key[j], k->klen[j]);
    }
}

static int tok_eq(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && !memcmp(s, lit, n);
}

/* Split a name of nt >= 1 tokens into surname, middle and given names,
 * with the flags that depend on it (*flagsp updated); e = the exact key. */
static void name_split(dc_norm_ctx_t *ctx, const dc_text_t *t, const tokkeys_t *ptk, int dia,
                       const dc_buf_t *e, uint16_t *flagsp, dc_name_t *out)
{
    dc_norm_shared_t *sh = ctx->sh;
    dc_buf_t *b = &ctx->b1;
    const tokkeys_t *tk = ptk;
    int nt = t->n;
    uint16_t flags = *flagsp;
    /* split: a compound surname (compared on the exact form when the name
     * has diacritics, else on the ASCII form), else the first token */
    int sur_n = nt >= 2 ? 1 : 0;
    if (nt >= 3 && strmap_get(&sh->compound_first, tk->key[0], tk->klen[0], 0)) {
        for (size_t i = 0; i < sh->ncompound; i++) {
            int k = sh->compound_ntok[i];
            if (k >= nt) continue;
            const char *want = dia ? sh->compound[i] : sh->compound_ascii[i];
            size_t wl = strlen(want);
            /* the first k tokens of e (exact) or of the ascii join */
            const char *have = dia ? e->p : NULL;
            size_t hl = 0;
            if (dia) {
                size_t sp = 0;
                for (hl = 0; hl < e->len; hl++)
                    if (e->p[hl] == ' ' && ++sp == (size_t)k) break;
            } else {
                join(b, tk, 0, k);
                have = b->p;
                hl = b->len;
            }
            if (hl == wl && !memcmp(have, want, wl)) {
                sur_n = k;
                break;
            }
        }
        if (sur_n > 1) flags |= DC_NAME_COMPOUND_SUR;
    }
    if (sur_n) {
        join(b, tk, 0, sur_n);
        out->sur = norm_intern_short(ctx, b->p, b->len);
        if (sur_n == 1 && !strmap_get(&sh->surnames, b->p, b->len, 0)) flags |= DC_NAME_RARE_SURNAME;
    }
    if (nt - 1 > sur_n) {
        join(b, tk, sur_n, nt - 1);
        out->mid = norm_intern_short(ctx, b->p, b->len);
        for (int j = sur_n; j < nt - 1; j++) {
            int van = tok_eq(tk->key[j], tk->klen[j], "van"), thi = tok_eq(tk->key[j], tk->klen[j], "thi");
            if (!van && !thi) continue;
            if (dia) {   /* with diacritics, only Văn and Thị themselves */
                char ex[DC_TOK_BYTES];
                size_t el = dc_token_exact(&t->t[j], ex);
                van = van && tok_eq(ex, el, "văn");
                thi = thi && tok_eq(ex, el, "thị");
            }
            if (van) flags |= DC_NAME_MID_VAN;
            if (thi) flags |= DC_NAME_MID_THI;
        }
    }
    char ph[DC_TOK_BYTES];
    size_t pl = dc_token_phon(&t->t[nt - 1], ph);
    out->given_phon = norm_intern_short(ctx, ph, pl);
    *flagsp = flags;
}

uint32_t dc_norm_phon_hash(const char *s, size_t n)
{
    if (!n) return 0;
    uint64_t k = dc_intern_key(s, n);
    uint32_t v = (uint32_t)(k ^ (k >> 32));
    return v ? v : 1;
}

/* One name being normalized, in three steps (job_begin, job_split,
 * job_end) so that the names of a row can be interleaved: the interner's
 * cache misses of one name overlap with the work on the others. */
struct name_job {
    dc_text_t t;
    tokkeys_t tk;
    dc_buf_t a, e, pf;        /* ASCII, exact and phonetic forms */
    uint64_t ka, ke, kp;      /* their interner keys */
    int dia, full, ip, done;  /* done: a placeholder, nothing to intern */
    uint16_t flags;
    uint32_t ph;              /* dc_norm_phon_hash of the phonetic key */
    dc_name_t out;
};

name_job_t *norm_jobs_create(void) { return dc_xcalloc(NAME_JOBS, sizeof(name_job_t)); }

void norm_jobs_free(name_job_t *jobs)
{
    if (!jobs) return;
    for (int i = 0; i < NAME_JOBS; i++) {
        dc_buf_free(&jobs[i].a);
        dc_buf_free(&jobs[i].e);
        dc_buf_free(&jobs[i].pf);
    }
    free(jobs);
}

/* Decode, key, canonicalize; build the three forms and prefetch their
 * interner slots. full: the person's own name (split, phonetic key
 * interned); else a related person's (NAME_PARTIAL). */
static void job_begin(dc_norm_ctx_t *ctx, name_job_t *j, const char *s, size_t n, int full)
{
    dc_norm_shared_t *sh = ctx->sh;
    dc_text_t *t = &j->t;
    dc_buf_t *b = &ctx->b1;
    dc_name_t *out = &j->out;
    uint16_t flags = 0;

    memset(out, 0, sizeof *out);
    j->full = full;
    j->ph = 0;
    j->ip = 0;
    j->done = 1;
    dc_text_decode(s, n, t);
    int dia = (t->flags & DC_TXT_DIACRITICS) != 0;
    if (!dia && dc_text_decode_typed(t)) {
        flags |= DC_NAME_TELEX;
        dia = 1;
    }
    int nt = t->n;
    for (int k = 0; k < nt; k++) j->tk.klen[k] = (uint8_t)dc_token_key(&t->t[k], j->tk.key[k]);
    join(b, &j->tk, 0, nt);
    if (!nt || strmap_get(&sh->placeholders, b->p, b->len, 0)) {
        j->flags = DC_NAME_PLACEHOLDER;
        return;
    }
    j->done = 0;
    dc_text_canon(t);
    if (t->flags & DC_TXT_DIGITS) flags |= DC_NAME_DIGITS;
    if (nt == 1) flags |= DC_NAME_ONE_TOKEN;
    if (!dia) flags |= DC_NAME_NO_DIACRITICS;
    if (t->flags & (DC_TXT_PUNCT | DC_TXT_TRUNC)) flags |= DC_NAME_ODD_CHARS;
    if (t->flags & DC_TXT_OTHER) flags |= DC_NAME_OTHER_SCRIPT;
    if (t->flags & DC_TXT_MOVED_TONE) flags |= DC_NAME_TONE_MOVED;

    dc_intern_t *in = sh->in;
    dc_buf_clear(&j->a);
    dc_buf_put(&j->a, b->p, b->len);
    dc_buf_clear(&j->e);
    dc_text_put_exact(t, 0, nt, &j->e);
    dc_buf_clear(&j->pf);
    dc_text_put_phon(t, 0, nt, &j->pf);
    j->ka = dc_intern_key(j->a.p, j->a.len);
    j->ke = dc_intern_key(j->e.p, j->e.len);
    j->kp = dc_intern_key(j->pf.p, j->pf.len);
    j->ip = full && j->pf.len;   /* intern the phonetic key */
    dc_intern_prefetch_key(in, j->ka);
    dc_intern_prefetch_key(in, j->ke);
    if (j->ip) dc_intern_prefetch_key(in, j->kp);
    j->ph = dc_norm_phon_hash(j->pf.p, j->pf.len);
    out->ntok = (uint8_t)nt;
    out->has_diacritics = (uint8_t)dia;
    out->given = norm_intern_short(ctx, j->tk.key[nt - 1], j->tk.klen[nt - 1]);
    j->dia = dia;
    j->flags = flags;
}

/* The split (own names), done while the interner slots arrive. */
static void job_split(dc_norm_ctx_t *ctx, name_job_t *j)
{
    if (j->done) return;
    if (j->full) name_split(ctx, &j->t, &j->tk, j->dia, &j->e, &j->flags, &j->out);
    else j->flags |= NAME_PARTIAL;
}

/* Once the slots have arrived: a hint for the stored strings they point to. */
static void job_prefetch(dc_norm_ctx_t *ctx, const name_job_t *j)
{
    if (j->done) return;
    dc_intern_t *in = ctx->sh->in;
    dc_intern_prefetch_hdr(in, j->ka);
    dc_intern_prefetch_hdr(in, j->ke);
    if (j->ip) dc_intern_prefetch_hdr(in, j->kp);
}

static void job_end(dc_norm_ctx_t *ctx, name_job_t *j)
{
    if (!j->done) {
        dc_intern_t *in = ctx->sh->in;
        j->out.ascii = dc_intern_with_key(in, j->a.p, j->a.len, j->ka);
        j->out.exact = dc_intern_with_key(in, j->e.p, j->e.len, j->ke);
        if (j->ip) j->out.phon = dc_intern_with_key(in, j->pf.p, j->pf.len, j->kp);
    }
    j->out.flags = j->flags;
}

/* The keys of one name (the steps above in a row). *phon_h =
 * dc_norm_phon_hash() of the phonetic key, either way. */
static void name_compute(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_name_t *out, int full,
                         uint32_t *phon_h)
{
    name_job_t *j = &ctx->jobs[0];
    job_begin(ctx, j, s, n, full);
    job_split(ctx, j);
    job_prefetch(ctx, j);
    job_end(ctx, j);
    *out = j->out;
    *phon_h = j->ph;
}

static void rel_from(const dc_name_t *nm, uint32_t ph, dc_relname_t *out)
{
    out->exact = nm->exact;
    out->ascii = nm->ascii;
    out->phon = ph;
    out->given = nm->given;
}

void norm_row_names(dc_norm_ctx_t *ctx, const char *const *s, const size_t *n, const uint64_t *h,
                    dc_name_t *name, dc_relname_t *const *rel)
{
    int cached = !ctx->sh->opts.no_cache;
    cache_t *c = &ctx->cache;
    int job_of[4], nj = 0;
    cache_ent_t *own_partial = NULL;
    for (int k = 0; k < 4; k++) {
        job_of[k] = -1;
        if (!n[k]) {
            if (k) memset(rel[k - 1], 0, sizeof *rel[k - 1]);
            else memset(name, 0, sizeof *name);
            continue;
        }
        if (cached) {
            cache_ent_t *e = cache_find_h(c, CK_NAME, s[k], n[k], h[k]);
            if (e && k) { rel_from(&e->u.name, e->aux, rel[k - 1]); continue; }
            if (e && !(e->u.name.flags & NAME_PARTIAL)) { *name = e->u.name; continue; }
            if (e) own_partial = e;   /* k == 0: a related person's entry, to complete */
        }
        /* the same value twice in the row: computed once */
        for (int q = 0; q < k; q++)
            if (job_of[q] >= 0 && n[q] == n[k] && !memcmp(s[q], s[k], n[k])) { job_of[k] = job_of[q]; break; }
        if (job_of[k] >= 0) continue;
        job_of[k] = nj;
        job_begin(ctx, &ctx->jobs[nj], s[k], n[k], k == 0);
        nj++;
    }
    for (int i = 0; i < nj; i++) job_split(ctx, &ctx->jobs[i]);
    for (int i = 0; i < nj; i++) job_prefetch(ctx, &ctx->jobs[i]);
    for (int i = 0; i < nj; i++) job_end(ctx, &ctx->jobs[i]);
    /* results, and into the cache in field order: the own name's entry
     * first (completing a partial entry found above is safe only before
     * any insertion, which may empty the table) */
    for (int k = 0; k < 4; k++) {
        if (job_of[k] < 0) continue;
        const name_job_t *j = &ctx->jobs[job_of[k]];
        if (k) rel_from(&j->out, j->ph, rel[k - 1]);
        else *name = j->out;
        int first = 1;
        for (int q = 0; q < k; q++) first &= job_of[q] != job_of[k];
        if (!cached || !first) continue;
        if (k == 0 && own_partial) {
            own_partial->u.name = j->out;
            c->completed++;
        } else {
            cache_ent_t *e = cache_put(c, CK_NAME, s[k], n[k], h[k], &j->out, sizeof j->out);
            if (e) e->aux = j->ph;
        }
    }
}

void norm_name_h(dc_norm_ctx_t *ctx, const char *s, size_t n, uint64_t h, dc_name_t *out)
{
    uint32_t ph;
    if (ctx->sh->opts.no_cache) { name_compute(ctx, s, n, out, 1, &ph); return; }
    cache_ent_t *e = cache_find_h(&ctx->cache, CK_NAME, s, n, h);
    if (e && !(e->u.name.flags & NAME_PARTIAL)) { *out = e->u.name; return; }
    name_compute(ctx, s, n, out, 1, &ph);
    if (e) {   /* a related person's entry, completed */
        e->u.name = *out;
        ctx->cache.completed++;
    }
    else if ((e = cache_put(&ctx->cache, CK_NAME, s, n, h, out, sizeof *out))) e->aux = ph;
}

void dc_norm_name(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_name_t *out)
{
    n = norm_trim(&s, n);
    if (!n) { memset(out, 0, sizeof *out); return; }
    norm_name_h(ctx, s, n, ctx->sh->opts.no_cache ? 0 : cache_hash(CK_NAME, s, n), out);
}

void norm_relname_h(dc_norm_ctx_t *ctx, const char *s, size_t n, uint64_t h, dc_relname_t *out,
                    uint16_t *flags)
{
    /* only the whole-name keys and the given name, no split; the cache is
     * shared with the persons' own names (a father's name is often someone's
     * own), whose entries hold everything a relative's needs */
    dc_name_t nm;
    uint32_t ph;
    if (ctx->sh->opts.no_cache) {
        name_compute(ctx, s, n, &nm, 0, &ph);
    } else {
        cache_ent_t *e = cache_find_h(&ctx->cache, CK_NAME, s, n, h);
        if (e) {
            nm = e->u.name;
            ph = e->aux;
        } else {
            name_compute(ctx, s, n, &nm, 0, &ph);
            if ((e = cache_put(&ctx->cache, CK_NAME, s, n, h, &nm, sizeof nm))) e->aux = ph;
        }
    }
    out->exact = nm.exact;
    out->ascii = nm.ascii;
    out->phon = ph;
    out->given = nm.given;
    /* the flags that do not depend on the split (the same whether the
     * cached entry is complete or not) */
    if (flags)
        *flags = nm.flags & (uint16_t)~(NAME_PARTIAL | DC_NAME_COMPOUND_SUR | DC_NAME_RARE_SURNAME |
                                        DC_NAME_MID_VAN | DC_NAME_MID_THI);
}

void dc_norm_relname(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_relname_t *out,
                     uint16_t *flags)
{
    n = norm_trim(&s, n);
    if (!n) {
        memset(out, 0, sizeof *out);
        if (flags) *flags = 0;
        return;
    }
    norm_relname_h(ctx, s, n, ctx->sh->opts.no_cache ? 0 : cache_hash(CK_NAME, s, n), out, flags);
}

void dc_norm_display_name(const dc_norm_shared_t *sh, uint32_t exact, dc_buf_t *out)
{
    size_t n;
    const char *s = dc_intern_str(sh->in, exact, &n);
    dc_text_t t;
    dc_text_decode(s, n, &t);
    dc_text_put_display(&t, 0, t.n, out);
}

void dc_norm_phon_of(const dc_norm_shared_t *sh, uint32_t exact, dc_buf_t *out)
{
    size_t n;
    const char *s = dc_intern_str(sh->in, exact, &n);
    dc_text_t t;
    dc_text_decode(s, n, &t);
    dc_text_canon(&t);
    dc_text_put_phon(&t, 0, t.n, out);
}

static void flags_str(unsigned flags, const char *const *names, size_t nnames, dc_buf_t *out)
{
    int first = 1;
    for (size_t i = 0; i < nnames; i++) {
        if (!(flags & (1u << i)) || !names[i]) continue;
        if (!first) dc_buf_putc(out, '|');
        dc_buf_puts(out, names[i]);
        first = 0;
    }
}

void dc_name_flags_str(uint16_t flags, dc_buf_t *out)
{
    static const char *const names[] = {"digits", "one_token", "placeholder", "telex",
                                        "no_diacritics", "odd_chars", "mid_van", "mid_thi",
                                        "compound_surname", "rare_surname", "other_script",
                                        "tone_moved"};
    flags_str(flags, names, DC_ARRAY_LEN(names), out);
}

void dc_date_flags_str(uint8_t flags, dc_buf_t *out)
{
    static const char *const names[] = {"invalid", "placeholder", "serial", "two_digit_year",
                                        "ambiguous", "swapped", "future"};
    flags_str(flags, names, DC_ARRAY_LEN(names), out);
}

void dc_id_flags_str(uint16_t flags, dc_buf_t *out)
{
    static const char *const names[] = {"present", "valid", "bad_length", "bad_province",
                                        "sex_mismatch", "year_mismatch", "not_digits", "cmnd12",
                                        "zero_restored", "mangled", "moved", "bad_year"};
    flags_str(flags, names, DC_ARRAY_LEN(names), out);
}

void dc_code_flags_str(uint8_t flags, dc_buf_t *out)
{
    static const char *const names[] = {"sex_unresolved", "sex_unrecognized", "ethnic_refused",
                                        "ethnic_unrecognized", "religion_unrecognized",
                                        "nationality_unrecognized", "province_unrecognized"};
    flags_str(flags, names, DC_ARRAY_LEN(names), out);
}
