/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_text.c - Vietnamese text as syllables (dc_text.h).
 *
 * DESIGN: the letter table of dc_vnfold.h (the one table of dancu's
 * letters, shared with the address folder) maps every code point a
 * Vietnamese text is made of (ASCII, the 134 precomposed letters, the
 * combining tone and vowel marks) to a cell: letter code + tone + case;
 * it is generated from Unicode's decompositions and checked against
 * utf8proc by check_vnfold, so it cannot disagree with Unicode. Decoding a
 * name is then a loop over bytes with one table look-up per letter;
 * utf8proc is called only for code points outside that set (other
 * scripts, symbols). The writers keep the way back (letter + tone + case
 * -> UTF-8) in a cache built once from the same table.
 */
#include "normalize/dc_text.h"
#include "normalize/dc_vnfold.h"
#include "common/dc_utf8.h"

#include <pthread.h>   /* pthread_once */
#include <string.h>    /* memcpy */
#include <utf8proc.h>  /* utf8proc_tolower, utf8proc_toupper, utf8proc_category */

/* Cell layout: bits 0-7 letter code, 8-10 tone, 11 upper case. */
#define CELL_UPPER 0x800u
#define MK(letter, tone) ((uint32_t)(letter) | ((uint32_t)(tone) << 8))

/* The writers' cache of the letter table (dc_vnfold.h), built once:
 * compose[letter][tone][upper] -> UTF-8 (NUL-terminated, <= 3 bytes). */
static char compose_tab[8 + 128][6][2][4];
static uint8_t compose_len[8 + 128][6][2];
static uint8_t ascii_letter[128];   /* lower-case code of an ASCII letter, 0 otherwise */
static uint8_t base_of[136];   /* ASCII base letter of a letter code */
static uint8_t is_vowel[136];
static uint8_t has_mod[136];   /* vowel carries a modifier (ă â ê ô ơ ư) */

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void put_compose(uint8_t code, int tone, int upper)
{
    uint32_t cp = dc_vnfold_compose(code, (unsigned)tone, upper);
    if (!cp) return;
    char tmp[8];
    size_t k = dc_utf8_put(cp, tmp);
    memcpy(compose_tab[code][tone][upper], tmp, (size_t)k);
    if (k < 4) compose_tab[code][tone][upper][k] = 0;
    compose_len[code][tone][upper] = (uint8_t)k;
}

static void build_tables(void)
{
    for (int c = 'a'; c <= 'z'; c++) {
        base_of[c] = (uint8_t)c;
        put_compose((uint8_t)c, 0, 0);
        put_compose((uint8_t)c, 0, 1);
        ascii_letter[c] = (uint8_t)c;
        ascii_letter[c - 32] = (uint8_t)c;
    }
    for (size_t v = 0; v < DC_VNFOLD_NVOWELS; v++) {
        uint8_t code = dc_vnfold_vowels[v].code;
        base_of[code] = (uint8_t)dc_vnfold_vowels[v].base;
        is_vowel[code] = 1;
        has_mod[code] = dc_vnfold_vowels[v].mark != 0;
        for (int tone = 0; tone < 6; tone++)
            for (int up = 0; up < 2; up++) put_compose(code, tone, up);
    }
    base_of[DC_L_D_BAR] = 'd';
    put_compose(DC_L_D_BAR, 0, 0);
    put_compose(DC_L_D_BAR, 0, 1);
}

static void init(void) { pthread_once(&once, build_tables); }

static int is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x2BC || cp == 0x60 ||
           cp == 0xB4 || cp == 0x2032;
}

void dc_text_decode(const char *s, size_t n, dc_text_t *t)
{
    init();
    t->n = 0;
    t->flags = 0;
    dc_token_t *cur = NULL;   /* token being filled, NULL between tokens */
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char b0 = p[i];
        if (b0 < 0x80 && ascii_letter[b0]) {   /* fast path: ASCII letter */
            if (!cur) {
                if (t->n == DC_TXT_MAXTOK) { t->flags |= DC_TXT_TRUNC; i++; continue; }
                cur = &t->t[t->n++];
                cur->n = 0;
            }
            if (cur->n == DC_TXT_MAXLEN) { t->flags |= DC_TXT_TRUNC; i++; continue; }
            int up = b0 < 'a';
            cur->c[cur->n++] = (uint32_t)ascii_letter[b0] | (up ? CELL_UPPER : 0);
            t->flags |= up ? DC_TXT_UPPER : DC_TXT_LOWER;
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = dc_utf8_dec(p + i, n - i, &cp);
        if (!k) { t->flags |= DC_TXT_PUNCT; i++; cur = NULL; continue; }
        i += k;
        const dc_vnfold_t *ci = dc_vnfold_get(cp);
        if (ci && (ci->flags & DC_VF_NAME)) {
            if (!cur) {
                if (t->n == DC_TXT_MAXTOK) { t->flags |= DC_TXT_TRUNC; continue; }
                cur = &t->t[t->n++];
                cur->n = 0;
            }
            if (cur->n == DC_TXT_MAXLEN) { t->flags |= DC_TXT_TRUNC; continue; }
            int up = ci->flags & DC_VF_UPPER;
            cur->c[cur->n++] = MK(ci->letter, ci->tone) | (up ? CELL_UPPER : 0);
            if (ci->tone || ci->letter < 8) t->flags |= DC_TXT_DIACRITICS;
            t->flags |= up ? DC_TXT_UPPER : DC_TXT_LOWER;
            continue;
        }
        if (ci && (ci->flags & DC_VF_TONE_MARK)) {
            /* on a letter (a misplaced one is moved to the vowel by
             * dc_text_canon); after a digit or an apostrophe it is dropped */
            uint32_t last = cur && cur->n ? cur->c[cur->n - 1] : DC_CELL_CP;
            uint8_t ll = (uint8_t)DC_CELL_LETTER(last);
            if (!(last & DC_CELL_CP) && (ll < 8 || (ll >= 'a' && ll <= 'z'))) {
                uint32_t *c = &cur->c[cur->n - 1];
                *c = (*c & ~0x700u) | ((uint32_t)ci->tone << 8);
                t->flags |= DC_TXT_DIACRITICS;
            } else {
                t->flags |= DC_TXT_PUNCT;
            }
            continue;
        }
        if (ci && (ci->flags & DC_VF_MOD_MARK)) {
            if (cur && cur->n && !(cur->c[cur->n - 1] & DC_CELL_CP)) {
                uint32_t *c = &cur->c[cur->n - 1];
                unsigned nl = dc_vnfold_apply_mod(DC_CELL_LETTER(*c), cp);
                if (nl) { *c = (*c & ~0xffu) | nl; t->flags |= DC_TXT_DIACRITICS; }
            }
            continue;
        }
        if (cp >= '0' && cp <= '9') {
            if (!cur) {
                if (t->n == DC_TXT_MAXTOK) { t->flags |= DC_TXT_TRUNC; continue; }
                cur = &t->t[t->n++];
                cur->n = 0;
            }
            if (cur->n < DC_TXT_MAXLEN) {
                cur->c[cur->n++] = cp;
                t->flags |= DC_TXT_DIGITS;
            } else {
                t->flags |= DC_TXT_TRUNC;
            }
            continue;
        }
        if (is_apostrophe(cp)) {
            /* Kept inside a token (H'Mông, K'Lan), dropped elsewhere. */
            if (cur && cur->n && cur->n < DC_TXT_MAXLEN && i < n &&
                DC_CELL_LETTER(cur->c[cur->n - 1]) != '\'')
                cur->c[cur->n++] = '\'';
            continue;
        }
        if (cp == ' ' || cp == '\t' || cp == '-' || cp == 0xA0 || cp == 0x2010 ||
            cp == 0x2011 || cp == 0x2013 || cp == '\r' || cp == '\n' || cp == 0x3000 ||
            cp == 0x2002 || cp == 0x2003 || cp == 0x2009 || cp == 0x200B) {
            cur = NULL;
            continue;
        }
        if (cp >= 0x300 && cp < 0x370) continue;   /* other combining marks: dropped */
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
        if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
            if (!cur) {
                if (t->n == DC_TXT_MAXTOK) { t->flags |= DC_TXT_TRUNC; continue; }
                cur = &t->t[t->n++];
                cur->n = 0;
            }
            if (cur->n < DC_TXT_MAXLEN) {
                uint32_t lc = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
                const dc_vnfold_t *li = dc_vnfold_get(lc);
                if (li && (li->flags & DC_VF_NAME)) {   /* İ -> i: a letter of ours after all */
                    cur->c[cur->n++] = MK(li->letter, li->tone);
                } else {
                    cur->c[cur->n++] = DC_CELL_CP | lc;
                    t->flags |= DC_TXT_OTHER;
                }
            } else {
                t->flags |= DC_TXT_TRUNC;
            }
            continue;
        }
        if (cat == UTF8PROC_CATEGORY_ND) {
            /* other decimal digits (full-width...): keep as digits */
            if (!cur) {
                if (t->n == DC_TXT_MAXTOK) { t->flags |= DC_TXT_TRUNC; continue; }
                cur = &t->t[t->n++];
                cur->n = 0;
            }
            if (cur->n < DC_TXT_MAXLEN) {
                cur->c[cur->n++] = DC_CELL_CP | cp;
                t->flags |= DC_TXT_DIGITS;
            } else {
                t->flags |= DC_TXT_TRUNC;
            }
            continue;
        }
        /* punctuation, symbols, controls: a separator */
        t->flags |= DC_TXT_PUNCT;
        cur = NULL;
    }
    /* drop a trailing apostrophe left in a token, and empty tokens; the
     * text has diacritics if a vowel has a tone or a letter a modifier (a
     * tone typed after a consonant only counts once dc_text_canon has
     * moved it to a vowel: it is not written otherwise) */
    uint8_t w = 0;
    int dia = 0;
    for (uint8_t j = 0; j < t->n; j++) {
        dc_token_t *k = &t->t[j];
        while (k->n && !(k->c[k->n - 1] & DC_CELL_CP) && DC_CELL_LETTER(k->c[k->n - 1]) == '\'')
            k->n--;
        for (int q = 0; q < k->n && !dia; q++) {
            uint32_t c = k->c[q];
            if (!(c & DC_CELL_CP) && (DC_CELL_LETTER(c) < 8 || (DC_CELL_TONE(c) && is_vowel[DC_CELL_LETTER(c)])))
                dia = 1;
        }
        if (k->n) {
            if (w != j) t->t[w] = *k;
            w++;
        }
    }
    t->n = w;
    t->flags = (uint16_t)(dia ? t->flags | DC_TXT_DIACRITICS : t->flags & ~DC_TXT_DIACRITICS);
}

/* ------------------------------------------------------------ tone placement */

static inline int cell_vowel(uint32_t c)
{
    return !(c & DC_CELL_CP) && is_vowel[DC_CELL_LETTER(c)];
}

/* Nucleus [*s, *e) of a token: the single vowel run, with "qu" and "gi"
 * initials removed. @return 0 if the token has no or several vowel runs or
 * holds something other than letters. */
static int nucleus(const dc_token_t *k, int *s, int *e)
{
    int start = -1, end = -1;
    for (int i = 0; i < k->n; i++) {
        uint32_t c = k->c[i];
        if (c & DC_CELL_CP) return 0;
        uint8_t l = (uint8_t)DC_CELL_LETTER(c);
        if (l == '\'' || (l >= '0' && l <= '9')) return 0;
        if (is_vowel[l]) {
            if (start < 0) start = i;
            else if (end >= 0) return 0;   /* second vowel run */
        } else if (start >= 0 && end < 0) {
            end = i;
        }
    }
    if (start < 0) return 0;
    if (end < 0) end = k->n;
    if (end - start >= 2 && start >= 1) {
        uint8_t l0 = (uint8_t)DC_CELL_LETTER(k->c[start - 1]);
        uint8_t l1 = (uint8_t)DC_CELL_LETTER(k->c[start]);
        if ((l0 == 'q' && l1 == 'u') || (l0 == 'g' && l1 == 'i' && start == 1)) start++;
    }
    *s = start;
    *e = end;
    return 1;
}

static int canon_pos(const dc_token_t *k, int s, int e)
{
    for (int i = e - 1; i >= s; i--)
        if (has_mod[DC_CELL_LETTER(k->c[i])]) return i;
    int len = e - s;
    if (len == 1) return s;
    if (e < k->n) return e - 1;          /* closed syllable: last vowel */
    if (len == 2) return s;              /* hòa, thúy, khỏe, mía, hài */
    return s + 1;                        /* xoài, khuỷu, ngoáy */
}

static int canon_token(dc_token_t *k)
{
    int ntone = 0, tone = 0, at = -1, vowel_tone = 0;
    for (int i = 0; i < k->n; i++)
        if (cell_vowel(k->c[i]) && DC_CELL_TONE(k->c[i])) vowel_tone = 1;
    if (vowel_tone)   /* a tone typed after a consonant as well: never written, dropped */
        for (int i = 0; i < k->n; i++)
            if (!(k->c[i] & DC_CELL_CP) && !is_vowel[DC_CELL_LETTER(k->c[i])]) k->c[i] &= ~0x700u;
    for (int i = 0; i < k->n; i++) {
        uint32_t c = k->c[i];
        if (!(c & DC_CELL_CP) && DC_CELL_TONE(c)) {
            ntone++;
            tone = (int)DC_CELL_TONE(c);
            at = i;
        }
    }
    if (!ntone) return 0;
    if (ntone > 1) return -1;
    int s, e;
    if (!nucleus(k, &s, &e)) return 0;
    int pos = canon_pos(k, s, e);
    if (pos == at) return 0;
    k->c[at] &= ~0x700u;
    k->c[pos] |= (uint32_t)tone << 8;
    return 1;
}

void dc_text_canon(dc_text_t *t)
{
    for (int j = 0; j < t->n; j++) {
        int r = canon_token(&t->t[j]);
        if (r < 0) t->flags |= DC_TXT_BADTONE;
        else if (r > 0) t->flags |= DC_TXT_MOVED_TONE;
    }
}

/* -------------------------------------------------------------- validity */

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && !memcmp(*list, s, n)) return 1;
    return 0;
}

/* Token letters as a byte string: plain letters as ASCII, modified letters
 * by their codes (1..7). */
static size_t token_bytes(const dc_token_t *k, char *out)
{
    size_t n = 0;
    for (int i = 0; i < k->n; i++) {
        if (k->c[i] & DC_CELL_CP) return 0;
        out[n++] = (char)DC_CELL_LETTER(k->c[i]);
    }
    out[n] = 0;
    return n;
}

static const char *const initials[] = {
    "", "b", "c", "ch", "d", "\x07", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng",
    "ngh", "nh", "p", "ph", "q", "r", "s", "t", "th", "tr", "v", "x", NULL};
/* Vowel nuclei (with the glide), after "qu"/"gi" initials are taken. */
#define AB "\x01"
#define AC "\x02"
#define EC "\x03"
#define OC "\x04"
#define OH "\x05"
#define UH "\x06"
static const char *const nuclei[] = {
    "a", AB, AC, "e", EC, "i", "o", OC, OH, "u", UH, "y",
    "ai", "ao", "au", "ay", AC "u", AC "y", "eo", EC "u", "ia", "i" EC, "iu", "oa", "o" AB, "oe",
    "oi", OC "i", OH "i", "ua", "u" AC, "u" EC, "ui", "u" OC, "uy", UH "a", UH "i", UH OH, UH "u",
    "y" EC, "uo", "oo", "u" OH,
    "i" EC "u", "oai", "oao", "oay", "oeo", "u" AC "y", "u" OC "i", "uya", "uy" EC, "uyu",
    UH OH "i", UH OH "u", "y" EC "u", NULL};
static const char *const finals[] = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t", NULL};

int dc_token_valid_syllable(const dc_token_t *k, int check_tone)
{
    init();
    char b[DC_TXT_MAXLEN + 1];
    size_t n = token_bytes(k, b);
    if (!n) return 0;
    size_t i = 0;
    while (i < n && !is_vowel[(uint8_t)b[i]]) i++;
    size_t ini = i;
    if (ini == n) return 0;
    /* "qu" and "gi" + vowel: the u/i belongs to the initial */
    if (ini == 1 && b[0] == 'q') {
        if (b[1] != 'u' || n < 3 || !is_vowel[(uint8_t)b[2]]) return 0;
        ini = 2;
    } else if (ini == 1 && b[0] == 'g' && b[1] == 'i' && n >= 3 && is_vowel[(uint8_t)b[2]]) {
        ini = 2;
    }
    if (!in_list(b, ini == 2 && b[0] == 'q' ? 1 : ini, initials)) {
        if (!(ini == 2 && (b[0] == 'q' || (b[0] == 'g' && b[1] == 'i')))) return 0;
    }
    size_t v = ini;
    while (v < n && is_vowel[(uint8_t)b[v]]) v++;
    if (!in_list(b + ini, v - ini, nuclei)) return 0;
    if (!in_list(b + v, n - v, finals)) return 0;
    if (check_tone && v < n && (b[v] == 'c' || b[v] == 'p' || b[v] == 't')) {
        int tone = 0;
        for (int j = 0; j < k->n; j++)
            if (DC_CELL_TONE(k->c[j])) tone = (int)DC_CELL_TONE(k->c[j]);
        if (tone != DC_TONE_ACUTE && tone != DC_TONE_DOT) return 0;
    }
    return 1;
}

/* ------------------------------------------------------- Telex / VNI keys */

static int last_vowel(const dc_token_t *k)
{
    for (int i = k->n - 1; i >= 0; i--)
        if (cell_vowel(k->c[i])) return i;
    return -1;
}

/* Decode one ASCII token typed as Telex. @return 1 decoded with keys, 0 no
 * keys (out = in), -1 not decodable. */
static int telex_token(const dc_token_t *in, dc_token_t *out)
{
    int keys = 0, tone = 0, seen_vowel = 0;
    out->n = 0;
    for (int i = 0; i < in->n; i++) {
        uint32_t c = in->c[i];
        if (c & DC_CELL_CP) return -1;
        uint8_t l = (uint8_t)DC_CELL_LETTER(c);
        if (l == '\'' || (l >= '0' && l <= '9')) return -1;
        if (l == 'd' && out->n && DC_CELL_LETTER(out->c[out->n - 1]) == 'd' && !seen_vowel) {
            out->c[out->n - 1] = MK(DC_L_D_BAR, 0);
            keys = 1;
            continue;
        }
        if (seen_vowel && (l == 's' || l == 'f' || l == 'r' || l == 'x' || l == 'j')) {
            tone = l == 's' ? DC_TONE_ACUTE : l == 'f' ? DC_TONE_GRAVE : l == 'r' ? DC_TONE_HOOK
                 : l == 'x' ? DC_TONE_TILDE : DC_TONE_DOT;
            keys = 1;
            continue;
        }
        if (seen_vowel && l == 'z') { tone = 0; keys = 1; continue; }
        if (l == 'w') {
            int v = last_vowel(out);
            keys = 1;
            if (v < 0) { out->c[out->n++] = MK(DC_L_U_HORN, 0); seen_vowel = 1; continue; }
            uint8_t lv = (uint8_t)DC_CELL_LETTER(out->c[v]);
            if (lv == 'o' && v > 0 &&
                (DC_CELL_LETTER(out->c[v - 1]) == 'u' || DC_CELL_LETTER(out->c[v - 1]) == DC_L_U_HORN)) {
                out->c[v] = MK(DC_L_O_HORN, 0);
                out->c[v - 1] = MK(DC_L_U_HORN, 0);
            } else if (lv == 'o') out->c[v] = MK(DC_L_O_HORN, 0);
            else if (lv == 'a') out->c[v] = MK(DC_L_A_BREVE, 0);
            else if (lv == 'u') out->c[v] = MK(DC_L_U_HORN, 0);
            else if (lv == DC_L_O_HORN || lv == DC_L_U_HORN || lv == DC_L_A_BREVE) continue;
            else return -1;
            continue;
        }
        if ((l == 'a' || l == 'e' || l == 'o') && out->n && DC_CELL_LETTER(out->c[out->n - 1]) == l &&
            i > 0 && DC_CELL_LETTER(in->c[i - 1]) == l) {
            out->c[out->n - 1] = MK(l == 'a' ? DC_L_A_CIRC : l == 'e' ? DC_L_E_CIRC : DC_L_O_CIRC, 0);
            keys = 1;
            continue;
        }
        if (l == 'f' || l == 'j' || l == 'z' || l == 'w') return -1;
        if (out->n == DC_TXT_MAXLEN) return -1;
        out->c[out->n++] = MK(l, 0);
        if (is_vowel[l]) seen_vowel = 1;
    }
    if (tone) {
        int v = last_vowel(out);
        if (v < 0) return -1;
        out->c[v] |= (uint32_t)tone << 8;
    }
    return keys;
}

/* Decode one token typed with VNI digits. Same returns as telex_token. */
static int vni_token(const dc_token_t *in, dc_token_t *out)
{
    int keys = 0, tone = 0;
    out->n = 0;
    for (int i = 0; i < in->n; i++) {
        uint32_t c = in->c[i];
        if (c & DC_CELL_CP) return -1;
        uint8_t l = (uint8_t)DC_CELL_LETTER(c);
        if (l == '\'') return -1;
        if (l >= '0' && l <= '9') {
            if (!out->n) return -1;
            keys = 1;
            int d = l - '0';
            if (d >= 1 && d <= 5) {
                static const int map[6] = {0, DC_TONE_ACUTE, DC_TONE_GRAVE, DC_TONE_HOOK,
                                           DC_TONE_TILDE, DC_TONE_DOT};
                if (last_vowel(out) < 0) return -1;
                tone = map[d];
            } else if (d == 0) {
                tone = 0;
            } else if (d == 9) {
                int j = -1;
                for (int q = out->n - 1; q >= 0; q--)
                    if (DC_CELL_LETTER(out->c[q]) == 'd') { j = q; break; }
                if (j < 0) return -1;
                out->c[j] = MK(DC_L_D_BAR, 0);
            } else {
                int j = -1;
                for (int q = out->n - 1; q >= 0 && j < 0; q--) {
                    uint8_t lq = (uint8_t)DC_CELL_LETTER(out->c[q]);
                    if ((d == 6 && (lq == 'a' || lq == 'e' || lq == 'o')) ||
                        (d == 7 && (lq == 'o' || lq == 'u')) || (d == 8 && lq == 'a'))
                        j = q;
                }
                if (j < 0) return -1;
                uint8_t lj = (uint8_t)DC_CELL_LETTER(out->c[j]);
                if (d == 6) out->c[j] = MK(lj == 'a' ? DC_L_A_CIRC : lj == 'e' ? DC_L_E_CIRC : DC_L_O_CIRC, 0);
                else if (d == 8) out->c[j] = MK(DC_L_A_BREVE, 0);
                else if (lj == 'o' && j > 0 && DC_CELL_LETTER(out->c[j - 1]) == 'u') {
                    out->c[j] = MK(DC_L_O_HORN, 0);
                    out->c[j - 1] = MK(DC_L_U_HORN, 0);
                } else out->c[j] = MK(lj == 'o' ? DC_L_O_HORN : DC_L_U_HORN, 0);
            }
            continue;
        }
        if (out->n == DC_TXT_MAXLEN) return -1;
        out->c[out->n++] = MK(l, 0);
    }
    if (tone) {
        int v = last_vowel(out);
        if (v < 0) return -1;
        out->c[v] |= (uint32_t)tone << 8;
    }
    return keys;
}

int dc_text_decode_typed(dc_text_t *t)
{
    init();
    if (t->flags & (DC_TXT_DIACRITICS | DC_TXT_OTHER) || !t->n) return 0;
    dc_token_t dec[DC_TXT_MAXTOK];
    int any = 0;
    int vni = 0;   /* VNI when a token holds an ASCII digit, Telex otherwise */
    for (int j = 0; j < t->n && !vni; j++)
        for (int i = 0; i < t->t[j].n; i++)
            if (t->t[j].c[i] >= '0' && t->t[j].c[i] <= '9') { vni = 1; break; }
    for (int j = 0; j < t->n; j++) {
        int r = vni ? vni_token(&t->t[j], &dec[j]) : telex_token(&t->t[j], &dec[j]);
        if (r < 0) return 0;
        if (!dc_token_valid_syllable(&dec[j], r > 0)) return 0;
        any |= r;
    }
    if (!any) return 0;
    /* keys that leave no diacritic ("lo00": tone 0 = none) decode nothing;
     * requiring one also makes the result a fixed point (text with
     * diacritics is never decoded again) */
    int dia = 0;
    for (int j = 0; j < t->n && !dia; j++)
        for (int i = 0; i < dec[j].n; i++)
            if (DC_CELL_TONE(dec[j].c[i]) || DC_CELL_LETTER(dec[j].c[i]) < 8) { dia = 1; break; }
    if (!dia) return 0;
    for (int j = 0; j < t->n; j++) t->t[j] = dec[j];
    t->flags = (uint16_t)((t->flags & ~DC_TXT_DIGITS) | DC_TXT_DIACRITICS);
    return 1;
}

/* ---------------------------------------------------------------- writers */

/* One cell as UTF-8 at p; @return bytes written (<= 4). */
static inline size_t cell_utf8(char *p, uint32_t c, int upper)
{
    if (c & DC_CELL_CP) {
        uint32_t cp = c & ~DC_CELL_CP;
        if (upper) cp = (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp);
        return dc_utf8_put(cp, p);
    }
    uint8_t l = (uint8_t)DC_CELL_LETTER(c);
    if (l == '\'' || (l >= '0' && l <= '9')) { *p = (char)l; return 1; }
    unsigned tone = DC_CELL_TONE(c), up = upper ? 1 : 0;
    if (!compose_len[l][tone][up]) tone = 0;   /* a tone on a consonant: dropped */
    memcpy(p, compose_tab[l][tone][up], 4);    /* callers leave 4 bytes of room */
    return compose_len[l][tone][up];
}

static inline char ascii_of(uint32_t c)
{
    if (c & DC_CELL_CP) return 0;
    uint8_t l = (uint8_t)DC_CELL_LETTER(c);
    if (l < 8) return (char)base_of[l];
    return (char)l;
}

size_t dc_token_exact(const dc_token_t *k, char *out)
{
    size_t n = 0;
    for (int i = 0; i < k->n; i++) n += cell_utf8(out + n, k->c[i], 0);
    out[n] = 0;
    return n;
}

size_t dc_token_display(const dc_token_t *k, char *out)
{
    size_t n = 0;
    int up = 1;
    for (int i = 0; i < k->n; i++) {
        uint32_t c = k->c[i];
        n += cell_utf8(out + n, c, up);
        up = !(c & DC_CELL_CP) && DC_CELL_LETTER(c) == '\'';
    }
    out[n] = 0;
    return n;
}

size_t dc_token_key(const dc_token_t *k, char *out)
{
    size_t n = 0;
    for (int i = 0; i < k->n; i++) {
        char a = ascii_of(k->c[i]);
        if (a) out[n++] = a;
        else n += cell_utf8(out + n, k->c[i], 0);
    }
    out[n] = 0;
    return n;
}

size_t dc_token_ascii(const dc_token_t *k, char *buf, size_t cap)
{
    init();
    size_t n = 0;
    for (int i = 0; i < k->n && n + 1 < cap; i++) {
        char a = ascii_of(k->c[i]);
        if (a) buf[n++] = a;
    }
    buf[n] = 0;
    return n;
}

static int av(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

/* Phonetic key of one ASCII syllable s[0..n) into out; @return its length
 * (docs/NORMALIZATION.md, "phonetic key"). */
static size_t phon_syllable(const char *s, size_t n, char *out)
{
    size_t i = 0, o = 0;
#define EMIT(lit) do { memcpy(out + o, lit, sizeof(lit) - 1); o += sizeof(lit) - 1; } while (0)
    char c1 = n > 1 ? s[1] : 0;
    switch (n ? s[0] : 0) {
    case 'n':
        if (c1 == 'g') { EMIT("ng"); i = (n > 2 && s[2] == 'h') ? 3 : 2; }
        else if (c1 == 'h') { EMIT("nh"); i = 2; }
        else { EMIT("n"); i = 1; }
        break;
    case 'g':
        if (c1 == 'h') { EMIT("g"); i = 2; }
        else if (c1 == 'i') { EMIT("z"); i = (n > 2 && av(s[2])) ? 2 : 1; }   /* gìn: the i is the vowel */
        else { EMIT("g"); i = 1; }
        break;
    case 'p': if (c1 == 'h') { EMIT("f"); i = 2; } else { EMIT("p"); i = 1; } break;
    case 't':
        if (c1 == 'r') { EMIT("ch"); i = 2; }
        else if (c1 == 'h') { EMIT("th"); i = 2; }
        else { EMIT("t"); i = 1; }
        break;
    case 'c': if (c1 == 'h') { EMIT("ch"); i = 2; } else { EMIT("k"); i = 1; } break;
    case 'k': if (c1 == 'h') { EMIT("kh"); i = 2; } else { EMIT("k"); i = 1; } break;
    case 'q': if (c1 == 'u') { EMIT("kw"); i = 2; } else { EMIT("k"); i = 1; } break;
    case 'd': case 'r': case 'v': case 'z': EMIT("z"); i = 1; break;
    case 's': EMIT("x"); i = 1; break;
    case 'l': EMIT("n"); i = 1; break;
    case 0: case 'a': case 'e': case 'i': case 'o': case 'u': case 'y': break;
    default: out[o++] = s[0]; i = 1; break;
    }
    while (i < n && av(s[i])) {   /* vowels: y -> i */
        out[o++] = s[i] == 'y' ? 'i' : s[i];
        i++;
    }
    size_t rest = n - i;
    if (rest == 2 && s[i] == 'n' && s[i + 1] == 'g') out[o++] = 'n';
    else if (rest == 1 && s[i] == 'c') out[o++] = 't';
    else { memcpy(out + o, s + i, rest); o += rest; }
    out[o] = 0;
    return o;
#undef EMIT
}

size_t dc_token_phon(const dc_token_t *k, char *out)
{
    char a[DC_TXT_MAXLEN + 1];
    size_t n = 0;
    for (int i = 0; i < k->n; i++) {
        char c = ascii_of(k->c[i]);
        if (!c) return dc_token_key(k, out);   /* other scripts: the key as is */
        if (c != '\'') a[n++] = c;
    }
    a[n] = 0;
    return phon_syllable(a, n, out);
}

typedef size_t (*tok_fn)(const dc_token_t *, char *);

static void put_tokens(const dc_text_t *t, int from, int to, dc_buf_t *out, tok_fn fn, int sep)
{
    if (to <= from) return;
    dc_buf_reserve(out, (size_t)(to - from) * DC_TOK_BYTES);
    char *p = out->p + out->len;
    for (int j = from; j < to; j++) {
        if (j > from && sep) *p++ = ' ';
        p += fn(&t->t[j], p);
    }
    out->len = (size_t)(p - out->p);
    *p = 0;
}

static size_t tok_compact(const dc_token_t *k, char *out)
{
    size_t n = 0;
    for (int i = 0; i < k->n; i++) {
        char a = ascii_of(k->c[i]);
        if (a && a != '\'') out[n++] = a;
        else if (!a) n += cell_utf8(out + n, k->c[i], 0);
    }
    out[n] = 0;
    return n;
}

void dc_text_put_exact(const dc_text_t *t, int from, int to, dc_buf_t *out)
{
    put_tokens(t, from, to, out, dc_token_exact, 1);
}

void dc_text_put_display(const dc_text_t *t, int from, int to, dc_buf_t *out)
{
    put_tokens(t, from, to, out, dc_token_display, 1);
}

void dc_text_put_ascii(const dc_text_t *t, int from, int to, dc_buf_t *out)
{
    put_tokens(t, from, to, out, dc_token_key, 1);
}

void dc_text_put_compact(const dc_text_t *t, int from, int to, dc_buf_t *out)
{
    put_tokens(t, from, to, out, tok_compact, 0);
}

void dc_text_put_phon(const dc_text_t *t, int from, int to, dc_buf_t *out)
{
    put_tokens(t, from, to, out, dc_token_phon, 1);
}

void dc_text_fold(const char *s, size_t n, dc_buf_t *out)
{
    dc_text_t t;
    dc_text_decode(s, n, &t);
    dc_text_canon(&t);
    dc_text_put_exact(&t, 0, t.n, out);
}

void dc_text_fold_ascii(const char *s, size_t n, dc_buf_t *out)
{
    dc_text_t t;
    dc_text_decode(s, n, &t);
    dc_text_put_ascii(&t, 0, t.n, out);
}
