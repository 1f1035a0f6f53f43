/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * address_fold.c - the small Vietnamese text helpers of the address module:
 * ASCII folding (diacritics removed, đ -> d), case mapping, canonical tone
 * placement, and the matching keys (address_internal.h). UTF-8 itself is
 * decoded and encoded by common/dc_utf8.h.
 *
 * Its letters are those of the one letter table, dc_vnfold.h, in its
 * ASCII-folding scope: the Vietnamese letters and every Latin-1 and Latin
 * Extended-A letter with diacritics (ç, ñ, ö... fold to ASCII in an
 * address), case and tones as the name decoder (norm_text.c) reads them.
 */
#include "normalize/address_internal.h"
#include "normalize/dc_vnfold.h"

#include <string.h>   /* memcpy */

/*-*** Letters ***/

/* The entry of a letter the address folds (dc_vnfold.h, ASCII-folding
 * scope), NULL for anything else. */
static inline const dc_vnfold_t *fold_ent(uint32_t cp)
{
    const dc_vnfold_t *e = dc_vnfold_get(cp);
    return e && e->ascii ? e : NULL;
}

int dc_addr__fold_cp(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') return (int)cp;
        if (cp >= 'A' && cp <= 'Z') return (int)(cp + 32);
        if (cp >= '0' && cp <= '9') return (int)cp;
        return 0;
    }
    const dc_vnfold_t *e = fold_ent(cp);
    return e ? e->ascii : 0;
}

uint32_t dc_addr__lower(uint32_t cp)
{
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    const dc_vnfold_t *e = fold_ent(cp);
    return (e && (e->flags & DC_VF_UPPER)) ? e->other : cp;
}

uint32_t dc_addr__upper(uint32_t cp)
{
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
    const dc_vnfold_t *e = fold_ent(cp);
    return (e && !(e->flags & DC_VF_UPPER) && e->other) ? e->other : cp;
}

int dc_addr__is_combining(uint32_t cp) { return cp >= 0x300 && cp <= 0x36F; }

/* Tone of a letter (0 none) and the letter without it (a vowel of the
 * alphabet; a letter outside it, ñ, keeps its ASCII base). */
static int tone_of(uint32_t cp, uint32_t *base)
{
    const dc_vnfold_t *e = cp >= 0x80 ? fold_ent(cp) : NULL;
    if (!e || !e->tone) { *base = cp; return 0; }
    int up = e->flags & DC_VF_UPPER;
    *base = (e->flags & DC_VF_NAME) ? dc_vnfold_compose(e->letter, 0, up)
                                    : (uint32_t)(up ? e->ascii - 32 : e->ascii);
    return e->tone;
}

/* A vowel of the alphabet without a tone, with `tone`; any other letter
 * unchanged. */
static uint32_t tone_put(uint32_t base, int tone)
{
    const dc_vnfold_t *e = dc_vnfold_get(base);
    if (!e || !(e->flags & DC_VF_NAME) || e->tone) return base;
    uint32_t cp = dc_vnfold_compose(e->letter, (unsigned)tone, e->flags & DC_VF_UPPER);
    return cp ? cp : base;
}

/*-*** Keys ***/

static int is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

size_t dc_addr__tok_key_flags(const char *s, size_t n, char *out, int *roman, unsigned *flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0, i = 0;
    int digits = 1, letters = 0, upper = 0, first = -1, nonascii = 0;
    while (i < n) {
        uint32_t cp;
        if (p[i] < 0x80) { cp = p[i]; i++; }
        else i += dc_addr__utf8_next(p + i, n - i, &cp);
        int c = dc_addr__fold_fast(cp);
        if (!c) continue;
        out[k++] = (char)c;
        if (c <= '9') continue;
        digits = 0;
        int up;
        if (cp < 0x80) up = cp < 'a';
        else { nonascii = 1; up = dc_addr__lower(cp) != cp; }
        if (first < 0) first = up;
        letters++;
        upper += up;
    }
    if (flags)
        *flags = (letters < (int)k ? AD_KF_DIGIT : 0) | (nonascii ? AD_KF_NONASCII : 0) |
                 (first > 0 ? AD_KF_UPPER : 0) | (letters && upper == letters ? AD_KF_ALLUP : 0);
    return dc_addr__key_rules(out, k, digits, roman);
}

size_t dc_addr__key_rules(char *out, size_t k, int digits, int *roman)
{
    *roman = 0;
    if (!k) return 0;
    if (digits) {                         /* "05" -> "5", "000" -> "0" */
        size_t z = 0;
        while (z + 1 < k && out[z] == '0') z++;
        if (z) { memmove(out, out + z, k - z); k -= z; }
        return k;
    }
    if (k <= 3 && memcmp(out, "iii", k) == 0)          /* i, ii, iii */
        *roman = (int)k;
    else if (k == 2 && out[0] == 'i' && out[1] == 'v')
        *roman = 4;
    if (k >= 2 && out[k - 1] == 'y') {
        char b = out[k - 2];
        if (!is_vowel(b) || (b == 'u' && k >= 3 && out[k - 3] == 'q')) out[k - 1] = 'i';
    } else if (k >= 2 && out[k - 1] == 'k' && is_vowel(out[k - 2])) {
        out[k - 1] = 'c';
    }
    return k;
}

size_t dc_addr__utf8_fold(const unsigned char *s, size_t n, uint32_t *cp, int *info)
{
    size_t l = dc_addr__utf8_next(s, n, cp);
    const dc_vnfold_t *e = fold_ent(*cp);
    *info = e ? (e->ascii | ((e->flags & DC_VF_UPPER) ? 0x100 : 0)) : 0;
    return l;
}

size_t dc_addr__tok_key(const char *s, size_t n, char *out, int *roman)
{
    return dc_addr__tok_key_flags(s, n, out, roman, NULL);
}

/* A byte that separates tokens in key(): anything but letters, digits,
 * combining marks and apostrophes. */
static int key_sep(uint32_t cp)
{
    if (cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) return 0;
    if (dc_addr__is_combining(cp)) return 0;
    return dc_addr__fold_cp(cp) == 0;
}

/* The next word of p[0..n) at or after *i: skips key separators, sets
 * [*i, *j) to the word and returns 1, or returns 0 at the end. */
static inline int next_word(const unsigned char *p, size_t n, size_t *i, size_t *j)
{
    uint32_t cp;
    while (*i < n) {
        size_t l = dc_addr__utf8_next(p + *i, n - *i, &cp);
        if (!key_sep(cp)) break;
        *i += l;
    }
    if (*i >= n) return 0;
    *j = *i;
    while (*j < n) {
        size_t l = dc_addr__utf8_next(p + *j, n - *j, &cp);
        if (key_sep(cp)) break;
        *j += l;
    }
    return 1;
}

size_t dc_addr__key(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0, ntok = 0, last = 0;
    int last_roman = 0;
    char tmp[256];
    size_t j;
    while (next_word(p, n, &i, &j)) {
        int roman;
        size_t tl = j - i < sizeof tmp ? dc_addr__tok_key(s + i, j - i, tmp, &roman) : 0;
        if (tl && k + tl < cap) {
            last = k;
            memcpy(out + k, tmp, tl);
            k += tl;
            ntok++;
            last_roman = roman;
        }
        i = j;
    }
    if (ntok >= 2 && last_roman) {        /* "Hải Châu I" -> "haichau1" */
        k = last;
        out[k++] = (char)('0' + last_roman);
    }
    if (k < cap) out[k] = 0;
    return k;
}

/*-*** Diacritic keys ***/

/* Diacritic key of one word s[0..n) (no separators inside). */
static size_t dkey_word(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    int digits = 1, a = 0, b = 0, last_tone = 0;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int f, tone = 0;
        if (p[i] < 0x80) { cp = p[i]; f = dc_addr__fold_fast(cp); i++; if (f) cp = (uint32_t)f; }
        else {
            i += dc_addr__utf8_next(p + i, n - i, &cp);
            const dc_vnfold_t *e = fold_ent(cp);
            f = e ? e->ascii : 0;
            if (e) tone = e->tone;
            if (e && (e->flags & DC_VF_UPPER)) cp = e->other;   /* lower case */
        }
        if (!f) continue;
        if (f > '9') { digits = 0; a = b; b = f; last_tone = tone; }
        if (k + 4 >= cap) return k;
        if (cp < 0x80) out[k++] = (char)cp;
        else k += dc_utf8_put(cp, out + k);
    }
    if (digits) {   /* "05" -> "5" */
        size_t z = 0;
        while (z + 1 < k && out[z] == '0') z++;
        if (z) { memmove(out, out + z, k - z); k -= z; }
        return k;
    }
    if (last_tone && ((a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y'))) {
        /* tone placement to canonicalize (hoà -> hòa): the slow path */
        char w[192];
        size_t wl = dc_addr__word_display(out, k, w, sizeof w, 0);
        if (wl < cap) { memcpy(out, w, wl); k = wl; }
    }
    return k;
}

size_t dc_addr__dkey(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0;
    size_t j;
    while (next_word(p, n, &i, &j)) {
        k += dkey_word(s + i, j - i, out + k, cap - k);
        i = j;
    }
    return k;
}

size_t dc_addr__dkey_token(const char *s, size_t n, char *out, size_t cap)
{
    return dkey_word(s, n, out, cap);
}

/*-*** Text without diacritics ***/

size_t dc_addr__strip_marks(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k = 0;
    while (i < n && k + 4 < cap) {
        uint32_t cp;
        size_t l = dc_addr__utf8_next(p + i, n - i, &cp);
        int f = cp >= 0x80 ? dc_addr__fold_cp(cp) : 0;
        if (f) out[k++] = dc_addr__lower(cp) != cp ? (char)(f - 32) : (char)f;
        else if (!dc_addr__is_combining(cp)) { memcpy(out + k, p + i, l); k += l; }
        i += l;
    }
    if (cap) out[k] = 0;
    return k;
}

/*-*** Display ***/

size_t dc_addr__word_display(const char *s, size_t n, char *out, size_t cap, int proper)
{
    uint32_t cps[48];
    size_t m = 0, i = 0;
    int has_digit = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (i < n && m < DC_ARRAY_LEN(cps)) {
        uint32_t cp;
        i += dc_addr__utf8_next(p + i, n - i, &cp);
        if (cp >= '0' && cp <= '9') has_digit = 1;
        cps[m++] = cp;
    }
    /* Case. */
    int first = 1;
    for (size_t j = 0; j < m; j++) {
        if (!dc_addr__fold_cp(cps[j])) continue;
        if (has_digit) cps[j] = dc_addr__upper(cps[j]);
        else if (proper) cps[j] = first ? dc_addr__upper(cps[j]) : dc_addr__lower(cps[j]);
        first = 0;
    }
    /* Tone placement: in an open syllable ending in oa, oe or uy (not after
     * q), the tone goes on the first vowel: hoà -> hòa, thuỷ -> thủy. */
    if (m >= 2) {
        char a = (char)dc_addr__fold_cp(cps[m - 2]), b = (char)dc_addr__fold_cp(cps[m - 1]);
        int pair = (a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y');
        int onset_ok = 1;
        for (size_t j = 0; j + 2 < m && pair; j++) {
            char c = (char)dc_addr__fold_cp(cps[j]);
            if (!c || is_vowel(c)) onset_ok = 0;
        }
        if (pair && m >= 3 && (char)dc_addr__fold_cp(cps[m - 3]) == 'q') onset_ok = 0;
        if (pair && onset_ok) {
            uint32_t b0, b1;
            int t0 = tone_of(cps[m - 2], &b0), t1 = tone_of(cps[m - 1], &b1);
            if (t1 && !t0) {
                cps[m - 2] = tone_put(b0, t1);
                cps[m - 1] = b1;
            }
        }
    }
    size_t k = 0;
    for (size_t j = 0; j < m; j++) {
        char buf[4];
        size_t l = dc_utf8_put(cps[j], buf);
        if (k + l >= cap) break;
        memcpy(out + k, buf, l);
        k += l;
    }
    return k;
}
