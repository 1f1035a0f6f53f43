/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address_cache.c - the tail cache of dc_addr_normalize_cached().
 *
 * Addresses that differ only by their house number, alley or street
 * ("187/16 Trần Quốc Toản, Phường Yên Nghĩa, Quận Hà Đông, Thành phố Hà
 * Nội") are distinct raw values, but share their administrative part.
 * This cache keeps, for the raw bytes after a comma (the "tail") and the
 * province hint, what the chain found there gives (ad_tail_t: codes,
 * confidence, flags, unit names): another address with the same tail is
 * then only tokenized up to that comma, its local part parsed and its
 * display text built, without matching again.
 *
 * Exactness. An entry is stored only for an address A where:
 *  - the chain starts at the first token after a hard separator byte h
 *    (`,` `;` `|` CR LF), and matching ran without a decision depending on
 *    the tokens before it (r.left < r.horizon, address_match.c note());
 *  - there are no brackets, no combining marks (NFD) and at most AD_MAXIN
 *    bytes, and the tokenizer forgot no token.
 * The key is the bytes after h. For another address B with those bytes
 * after one of its hard bytes (same hint, same conditions):
 *  - B's tokens after that byte are A's (the tokenizer's state after a
 *    hard byte outside brackets is always the same: boundary hard, no open
 *    token, no bracket; keywords are found from a hard boundary on without
 *    looking back, address_parse.c), and B's tokens before it are those of
 *    the bytes before it alone (a token never spans a hard byte, and a
 *    keyword is never accepted with a hard boundary after it);
 *  - the matcher, on B, takes the same decisions as on A (shifted): the
 *    horizon argument of address_match.c, applied to both addresses at
 *    their own P, whose tail runs are the same run; so B's chain also
 *    starts at P and the tail (dc_addr__tail(), a function of the tokens
 *    from P on and the match) is A's;
 *  - dc_addr__finish() of B's tokens before P with that tail is then what
 *    dc_addr_normalize() computes for B.
 * B's token count must stay within AD_MAXTOK (checked), and B cannot be a
 * placeholder: the tail's keys alone are longer than any placeholder
 * (checked when storing). Inputs outside the conditions take the uncached
 * path. tests/unit/check_address.c compares both paths.
 */
#include "normalize/address_internal.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memcmp, memcpy, memset, strlen */

#define TC_SLOTS_DEFAULT (1u << 16)
#define TC_MAXHARD 16      /* hard bytes probed (the first ones) */
#define TC_MAXTOK 120      /* tokens of prefix + tail: the tokenizer forgets none below AD_MAXTOK - 1 */
#define TC_MINKEY 15       /* longer than the longest placeholder key ("chuacothongtin") */

typedef struct tc_ent {
    uint32_t off;          /* arena: the key bytes, then the five strings, each NUL-terminated */
    uint16_t klen;
    uint8_t hint;          /* the province hint it was computed with */
    uint8_t anyhint;       /* ... and it holds for every hint (no tie was broken) */
    uint8_t ntok;          /* tokens of the tail */
    uint8_t len[5];        /* adm[0..2], trail, skipped */
    ad_tail_score_t sc;
} tc_ent_t;

struct dc_addr_cache {
    const dc_gazetteer_t *gz;   /* the gazetteer of the entries (another one empties the cache) */
    uint32_t *tag;         /* per slot: high bits of the key hash | 1, 0 empty (compact: probed first) */
    tc_ent_t *e;
    size_t cap, count, limit;
    char *arena;
    size_t an, acap;
    dc_addr_cache_stats_t st;
};

dc_addr_cache_t *dc_addr_cache_create(size_t slots)
{
    size_t cap = 16;
    if (!slots) slots = TC_SLOTS_DEFAULT;
    while (cap < slots) cap *= 2;
    dc_addr_cache_t *tc = dc_xcalloc(1, sizeof *tc);
    tc->cap = cap;
    tc->limit = cap / 4 * 3;
    tc->tag = dc_xcalloc(cap, sizeof *tc->tag);
    tc->e = dc_xmalloc(cap * sizeof *tc->e);
    tc->acap = cap * 128;   /* a tail and its names: ~120 bytes */
    tc->arena = dc_xmalloc(tc->acap);
    return tc;
}

void dc_addr_cache_free(dc_addr_cache_t *tc)
{
    if (!tc) return;
    free(tc->tag);
    free(tc->e);
    free(tc->arena);
    free(tc);
}

void dc_addr_cache_clear(dc_addr_cache_t *tc)
{
    memset(tc->tag, 0, tc->cap * sizeof *tc->tag);
    tc->count = 0;
    tc->an = 0;
    tc->st.clears++;
}

void dc_addr_cache_stats(const dc_addr_cache_t *tc, dc_addr_cache_stats_t *st) { *st = tc->st; }

/* Bytes the cache looks at: hard separators, brackets, lead bytes of
 * combining marks (U+0300..U+036F: 0xCC 0x80 .. 0xCD 0xAF). */
enum { B_HARD = 1, B_BRACKET = 2, B_CC = 3 };
static const uint8_t byte_class[256] = {
    [','] = B_HARD, [';'] = B_HARD, ['|'] = B_HARD, ['\n'] = B_HARD, ['\r'] = B_HARD,
    ['('] = B_BRACKET, [')'] = B_BRACKET, ['['] = B_BRACKET, [']'] = B_BRACKET, ['{'] = B_BRACKET,
    ['}'] = B_BRACKET, [0xCC] = B_CC, [0xCD] = B_CC,
};

static int hard_byte(char b) { return byte_class[(unsigned char)b] == B_HARD; }

/* One pass over s: the positions of its first hard bytes into hard[]
 * (@return their count), or -1 when the cache does not handle s (longer
 * than AD_MAXIN, a bracket, a combining mark). */
static int scan(const char *s, size_t n, uint16_t *hard)
{
    if (n > AD_MAXIN) return -1;
    const unsigned char *p = (const unsigned char *)s;
    int nh = 0;
    for (size_t i = 0; i < n; i++) {
        switch (byte_class[p[i]]) {
        case 0: break;
        case B_HARD: if (nh < TC_MAXHARD) hard[nh++] = (uint16_t)i; break;
        case B_BRACKET: return -1;
        default: if (i + 1 < n && (p[i + 1] & 0xC0) == 0x80) return -1; break;
        }
    }
    return nh;
}

static uint64_t tc_hash(const char *k, size_t n) { return dc_hash64_seed(k, n, 0x7a11ull); }

/* A key starts where the tokenizer starts afresh: at the start of the
 * value or after a hard byte, then past spaces and tabs (which change
 * nothing there: the boundary stays hard, no token is open). */
static size_t key_start(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

static uint32_t tc_tag(uint64_t h) { return (uint32_t)(h >> 32) | 1; }

static const tc_ent_t *tc_find(const dc_addr_cache_t *tc, const char *k, size_t n, uint8_t hint)
{
    uint64_t h = tc_hash(k, n);
    uint32_t tag = tc_tag(h);
    for (size_t i = (size_t)h & (tc->cap - 1); tc->tag[i]; i = (i + 1) & (tc->cap - 1)) {
        const tc_ent_t *e = &tc->e[i];
        if (tc->tag[i] == tag && e->klen == n && (e->anyhint || e->hint == hint) &&
            !memcmp(tc->arena + e->off, k, n))
            return e;
    }
    return NULL;
}

/* The tail of an entry (its strings point into the arena). */
static void tc_tail(const dc_addr_cache_t *tc, const tc_ent_t *e, ad_tail_t *t)
{
    memset(t, 0, offsetof(ad_tail_t, buf));
    t->matched = 1;
    t->sc = e->sc;
    const char *p = tc->arena + e->off + e->klen;
    const char **dst[5] = {&t->adm[0], &t->adm[1], &t->adm[2], &t->trail, &t->skipped};
    for (int i = 0; i < 5; i++) {
        *dst[i] = p;
        p += e->len[i] + 1;
    }
}

/* Store the tail of a computed address w (s[0..n)) when the conditions of
 * the header comment hold. @return 1 if stored. */
static int tc_store(dc_addr_cache_t *tc, const char *s, size_t n, uint8_t hint, const ad_work_t *w)
{
    const ad_ctx_t *c = &w->c;
    const ad_match_t *r = &w->r;
    const ad_tail_t *t = &w->t;
    if (!w->done || !t->matched || c->dropped || c->ntok > TC_MAXTOK) return 0;
    int left = r->left;
    if (left >= r->horizon || c->t[left].bd != BD_HARD) return 0;
    size_t keys = 0;
    for (int i = left; i < c->ntok; i++) keys += c->t[i].klen;
    if (keys < TC_MINKEY) return 0;
    /* the key: from the start, or from the last hard byte before the chain
     * (after the token before it) */
    size_t h = 0;
    if (left > 0) {
        size_t lo = (size_t)c->t[left - 1].off + c->t[left - 1].len;
        h = c->t[left].off;
        while (h > lo && !hard_byte(s[h - 1])) h--;
        if (h == lo) return 0;
    }
    h = key_start(s, n, h);
    const char *k = s + h;
    size_t kn = n - h;
    const char *str[5] = {t->adm[0], t->adm[1], t->adm[2], t->trail, t->skipped};
    size_t len[5], need = kn;
    for (int i = 0; i < 5; i++) {
        len[i] = strlen(str[i]);
        if (len[i] > 255) return 0;
        need += len[i] + 1;
    }
    if (need > tc->acap) return 0;
    if (tc->count >= tc->limit || tc->an + need > tc->acap) dc_addr_cache_clear(tc);
    uint64_t hv = tc_hash(k, kn);
    size_t i = (size_t)hv & (tc->cap - 1);
    while (tc->tag[i]) i = (i + 1) & (tc->cap - 1);
    tc->tag[i] = tc_tag(hv);
    tc_ent_t *e = &tc->e[i];
    e->off = (uint32_t)tc->an;
    e->klen = (uint16_t)kn;
    e->hint = hint;
    e->anyhint = r->anyhint;
    e->ntok = (uint8_t)(c->ntok - left);
    e->sc = t->sc;
    char *p = tc->arena + tc->an;
    memcpy(p, k, kn);
    p += kn;
    for (int j = 0; j < 5; j++) {
        e->len[j] = (uint8_t)len[j];
        memcpy(p, str[j], len[j] + 1);
        p += len[j] + 1;
    }
    tc->an += need;
    tc->count++;
    return 1;
}

void dc_addr_normalize_cached(const dc_gazetteer_t *gz, dc_intern_t *in, dc_addr_cache_t *tc, const char *s,
                              size_t n, uint8_t prov_hint, dc_addr_t *out, dc_addr_parts_t *parts)
{
    uint16_t hard[TC_MAXHARD];
    int nh;
    if (!tc || !s || (nh = scan(s, n, hard)) < 0) {
        if (tc) tc->st.bypassed++;
        dc_addr_normalize(gz, in, s, n, prov_hint, out, parts);
        return;
    }
    memset(out, 0, sizeof *out);
    if (parts) memset(parts, 0, sizeof *parts);
    if (tc->gz != gz) {
        if (tc->count) dc_addr_cache_clear(tc);
        tc->gz = gz;
    }
    ad_work_t w;
    /* the whole value, then the suffixes after each hard byte, longest
     * first: any entry found is exact (header comment), the first will do */
    for (int j = -1; j < nh && tc->count; j++) {
        size_t i = j < 0 ? 0 : hard[j], k = key_start(s, n, j < 0 ? 0 : i + 1);
        if (n - k < TC_MINKEY) break;
        const tc_ent_t *e = tc_find(tc, s + k, n - k, prov_hint);
        if (!e) continue;
        ad_ctx_t *c = &w.c;
        c->gz = gz;
        c->s = s;
        c->n = i;   /* the tokens before the hard byte (none for the whole value) */
        dc_addr__tokenize(c);
        if (c->dropped || c->ntok + e->ntok > TC_MAXTOK) break;
        tc->st.hits++;
        tc_tail(tc, e, &w.t);
        out->flags = DC_ADDR_PRESENT;
        dc_addr__finish(in, c, c->ntok, &w.t, out, parts);
        return;
    }
    tc->st.misses++;
    /* NFC, at most AD_MAXIN bytes (scan()): what dc_addr_normalize() does */
    dc_addr__normalize_nfc(gz, in, s, n, prov_hint, out, parts, &w);
    tc->st.stored += (uint64_t)tc_store(tc, s, n, prov_hint, &w);
}
