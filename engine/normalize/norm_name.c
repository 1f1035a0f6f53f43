/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_name.c - full names: keys, split into surname / middle / given name,
 * flags (docs/NORMALIZATION.md, "Names").
 */
#include "normalize/norm_internal.h"
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

/* The exact form of token k of a job (a slice of its exact key). */
static const char *job_tok(const dc_buf_t *b, const uint16_t *off, int k, int nt, size_t *len)
{
    size_t end = k + 1 < nt ? (size_t)off[k + 1] - 1 : b->len;
    *len = end - off[k];
    return b->p + off[k];
}

/* Split a name of nt >= 1 tokens into surname, middle and given names,
 * with the flags that depend on it (*flagsp updated); e = the exact key,
 * eoff / poff where each token starts in it and in the phonetic key pf. */
static void name_split(dc_norm_ctx_t *ctx, int nt, const tokkeys_t *ptk, int dia, const dc_buf_t *e,
                       const uint16_t *eoff, const dc_buf_t *pf, const uint16_t *poff,
                       uint16_t *flagsp, dc_name_t *out)
{
    dc_norm_shared_t *sh = ctx->sh;
    dc_buf_t *b = &ctx->b1;
    const tokkeys_t *tk = ptk;
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
                hl = (size_t)eoff[k] - 1;
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
                size_t el;
                const char *ex = job_tok(e, eoff, j, nt, &el);
                van = van && tok_eq(ex, el, "văn");
                thi = thi && tok_eq(ex, el, "thị");
            }
            if (van) flags |= DC_NAME_MID_VAN;
            if (thi) flags |= DC_NAME_MID_THI;
        }
    }
    size_t pl;
    const char *ph = job_tok(pf, poff, nt - 1, nt, &pl);
    out->given_phon = norm_intern_short(ctx, ph, pl);
    *flagsp = flags;
}

/* dc_norm_phon_hash from the phonetic key's interner key k (n: its length) */
static uint32_t phon_hash_of_key(uint64_t k, size_t n)
{
    if (!n) return 0;
    uint32_t v = (uint32_t)(k ^ (k >> 32));
    return v ? v : 1;
}

uint32_t dc_norm_phon_hash(const char *s, size_t n)
{
    return n ? phon_hash_of_key(dc_intern_key(s, n), n) : 0;
}

/* One name being normalized, in three steps (job_begin, job_split,
 * job_end) so that the names of a row can be interleaved: the interner's
 * cache misses of one name overlap with the work on the others. */
struct name_job {
    dc_text_t t;
    tokkeys_t tk;
    dc_buf_t a, e, pf;        /* ASCII, exact and phonetic forms */
    uint16_t eoff[DC_TXT_MAXTOK], poff[DC_TXT_MAXTOK];   /* token starts in e and pf */
    int nt;
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

/* ------------------------------------------------------- syllable cache
 * A name not in the row cache is mostly made of syllables seen before
 * (there are a few thousand surnames, middle and given names): the
 * per-worker syllable cache maps the raw bytes of one space-separated
 * token to what dc_text_decode + dc_text_canon make of it alone (its key,
 * exact and phonetic forms and its DC_TXT_* flags), so that such a name
 * is assembled from its tokens without decoding it.
 *
 * Why this gives what decoding the whole name gives: decoding starts each
 * token afresh after an ASCII space (the only state carried is the token
 * being filled, which a space ends), so a raw token that decodes alone to
 * exactly one token, untruncated, decodes to that same token inside the
 * name; tone placement is per token; the text flags are the OR of the
 * tokens' (the diacritics flag included, which decode computes per token
 * at its end). The path is refused, and the name decoded whole, when a raw
 * token decodes to no token or to several (punctuation, a hyphen, a tab
 * inside), is too long for a slot, when the name has more than
 * DC_TXT_MAXTOK tokens (truncation), or when the name has no diacritics at
 * all (it may be Telex/VNI typing, which is decided on the whole name). */

static inline size_t syl_slot(uint64_t h) { return (size_t)h & (SYLC_SLOTS - 1); }

/* The entry of raw token s[0..n), computed on a miss (t: scratch). NULL
 * when the token is too long to be cached. */
static const sylc_ent_t *syl_get(dc_norm_ctx_t *ctx, const char *s, size_t n, dc_text_t *t)
{
    if (n > SYLC_RAW) return NULL;
    uint64_t h = dc_hash64(s, n) | 1;
    sylc_ent_t *e = &ctx->sylc[syl_slot(h)];
    if (e->h == h && e->rawlen == n && !memcmp(e->raw, s, n)) return e;
    e->h = h;
    e->rawlen = (uint8_t)n;
    memcpy(e->raw, s, n);
    e->ok = 0;
    dc_text_decode(s, n, t);
    if (t->n != 1 || (t->flags & DC_TXT_TRUNC)) return e;
    char k[DC_TOK_BYTES], x[DC_TOK_BYTES], p[DC_TOK_BYTES];
    size_t kl = dc_token_key(&t->t[0], k);
    dc_text_canon(t);
    size_t xl = dc_token_exact(&t->t[0], x);
    size_t pl = dc_token_phon(&t->t[0], p);
    if (kl + xl + pl > SYLC_DATA) return e;
    memcpy(e->data, k, kl);
    memcpy(e->data + kl, x, xl);
    memcpy(e->data + kl + xl, p, pl);
    e->klen = (uint8_t)kl;
    e->xlen = (uint8_t)xl;
    e->plen = (uint8_t)pl;
    e->flags = t->flags;
    e->ok = 1;
    return e;
}

/* The tokens of a name from the syllable cache: j->tk, j->e, j->pf and
 * their offsets, j->nt; *tflags = the DC_TXT_* flags of the whole text.
 * @return 0 when the name must be decoded whole (see above). */
static int job_tokens_cached(dc_norm_ctx_t *ctx, name_job_t *j, const char *s, size_t n,
                             uint16_t *tflags)
{
    int nt = 0;
    uint16_t fl = 0;
    dc_buf_clear(&j->e);
    dc_buf_clear(&j->pf);
    /* room for DC_TXT_MAXTOK tokens and their separators */
    dc_buf_reserve(&j->e, DC_TXT_MAXTOK * (SYLC_DATA + 1));
    dc_buf_reserve(&j->pf, DC_TXT_MAXTOK * (SYLC_DATA + 1));
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ') { i++; continue; }
        size_t a = i;
        while (i < n && s[i] != ' ') i++;
        if (nt == DC_TXT_MAXTOK) return 0;
        /* copied at once: the next token may take this one's slot */
        const sylc_ent_t *e = syl_get(ctx, s + a, i - a, &j->t);
        if (!e || !e->ok) return 0;
        fl |= e->flags;
        if (nt) {
            j->e.p[j->e.len++] = ' ';
            j->pf.p[j->pf.len++] = ' ';
        }
        memcpy(j->tk.key[nt], e->data, e->klen);
        j->tk.key[nt][e->klen] = 0;
        j->tk.klen[nt] = e->klen;
        j->eoff[nt] = (uint16_t)j->e.len;
        memcpy(j->e.p + j->e.len, e->data + e->klen, e->xlen);
        j->e.len += e->xlen;
        j->poff[nt] = (uint16_t)j->pf.len;
        memcpy(j->pf.p + j->pf.len, e->data + e->klen + e->xlen, e->plen);
        j->pf.len += e->plen;
        nt++;
    }
    if (!nt || !(fl & DC_TXT_DIACRITICS)) return 0;
    j->e.p[j->e.len] = 0;
    j->pf.p[j->pf.len] = 0;
    j->nt = nt;
    *tflags = fl;
    return 1;
}

/* The tokens of a name decoded whole (Telex/VNI typing decoded): the same
 * outputs as job_tokens_cached. @return DC_NAME_TELEX when the name was
 * typed with the input method off and decoded, else 0. */
static int job_tokens_decoded(name_job_t *j, const char *s, size_t n, uint16_t *tflags)
{
    dc_text_t *t = &j->t;
    int telex = 0;
    dc_text_decode(s, n, t);
    if (!(t->flags & DC_TXT_DIACRITICS) && dc_text_decode_typed(t)) telex = DC_NAME_TELEX;
    int nt = j->nt = t->n;
    for (int k = 0; k < nt; k++) j->tk.klen[k] = (uint8_t)dc_token_key(&t->t[k], j->tk.key[k]);
    dc_text_canon(t);
    dc_buf_clear(&j->e);
    dc_buf_clear(&j->pf);
    dc_buf_reserve(&j->e, (size_t)nt * DC_TOK_BYTES);
    dc_buf_reserve(&j->pf, (size_t)nt * DC_TOK_BYTES);
    for (int k = 0; k < nt; k++) {
        if (k) {
            j->e.p[j->e.len++] = ' ';
            j->pf.p[j->pf.len++] = ' ';
        }
        j->eoff[k] = (uint16_t)j->e.len;
        j->e.len += dc_token_exact(&t->t[k], j->e.p + j->e.len);
        j->poff[k] = (uint16_t)j->pf.len;
        j->pf.len += dc_token_phon(&t->t[k], j->pf.p + j->pf.len);
    }
    if (nt) {
        j->e.p[j->e.len] = 0;
        j->pf.p[j->pf.len] = 0;
    }
    *tflags = t->flags;
    return telex;
}

/* Decode, key, canonicalize; build the three forms and prefetch their
 * interner slots. full: the person's own name (split, phonetic key
 * interned); else a related person's (NAME_PARTIAL). */
static void job_begin(dc_norm_ctx_t *ctx, name_job_t *j, const char *s, size_t n, int full)
{
    dc_norm_shared_t *sh = ctx->sh;
    dc_buf_t *b = &ctx->b1;
    dc_name_t *out = &j->out;
    uint16_t flags = 0, tf;

    memset(out, 0, sizeof *out);
    j->full = full;
    j->ph = 0;
    j->ip = 0;
    j->done = 1;
    if (sh->opts.no_cache || !job_tokens_cached(ctx, j, s, n, &tf))
        flags |= (uint16_t)job_tokens_decoded(j, s, n, &tf);
    int dia = (tf & DC_TXT_DIACRITICS) != 0;
    int nt = j->nt;
    join(b, &j->tk, 0, nt);
    if (!nt || strmap_get(&sh->placeholders, b->p, b->len, 0)) {
        j->flags = DC_NAME_PLACEHOLDER;
        return;
    }
    j->done = 0;
    if (tf & DC_TXT_DIGITS) flags |= DC_NAME_DIGITS;
    if (nt == 1) flags |= DC_NAME_ONE_TOKEN;
    if (!dia) flags |= DC_NAME_NO_DIACRITICS;
    if (tf & (DC_TXT_PUNCT | DC_TXT_TRUNC)) flags |= DC_NAME_ODD_CHARS;
    if (tf & DC_TXT_OTHER) flags |= DC_NAME_OTHER_SCRIPT;
    if (tf & DC_TXT_MOVED_TONE) flags |= DC_NAME_TONE_MOVED;

    dc_intern_t *in = sh->in;
    dc_buf_clear(&j->a);
    dc_buf_put(&j->a, b->p, b->len);
    j->ka = dc_intern_key(j->a.p, j->a.len);
    j->ke = dc_intern_key(j->e.p, j->e.len);
    j->kp = dc_intern_key(j->pf.p, j->pf.len);
    j->ip = full && j->pf.len;   /* intern the phonetic key */
    dc_intern_prefetch_key(in, j->ka);
    dc_intern_prefetch_key(in, j->ke);
    if (j->ip) dc_intern_prefetch_key(in, j->kp);
    j->ph = phon_hash_of_key(j->kp, j->pf.len);   /* = dc_norm_phon_hash(pf) */
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
    if (j->full) name_split(ctx, j->nt, &j->tk, j->dia, &j->e, j->eoff, &j->pf, j->poff, &j->flags, &j->out);
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
