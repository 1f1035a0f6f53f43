/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen_text.c - random streams and the text corruptions of the generator:
 * diacritics dropped, case, tone placement, Đ/D, Telex, typing errors,
 * date forms and numbered-ward forms (dc_gen.h).
 *
 * Vietnamese vowels are handled through one table: 12 vowel letters x 6
 * tones (none, huyền, sắc, hỏi, ngã, nặng), lower and upper case, indexed
 * by code point once at first use. Input is UTF-8 NFC; other characters
 * pass through unchanged.
 */
#include "gen/dc_gen.h"
#include "dc_encoding.h"

#include <pthread.h>  /* pthread_once */
#include <string.h>   /* memcpy */
#include <utf8proc.h> /* utf8proc_decompose_char (NFD table) */

/* ---------------------------------------------------------------- random */

uint64_t dc_gen_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void dc_rng_seed(dc_rng_t *r, uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed;
    x = dc_gen_splitmix64(&x) ^ (a * 0xd1342543de82ef95ull);
    x = dc_gen_splitmix64(&x) ^ (b * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull);
    for (int i = 0; i < 4; i++) r->s[i] = dc_gen_splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t dc_rng_next(dc_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

uint32_t dc_rng_below(dc_rng_t *r, uint32_t n)
{
    return (uint32_t)(((dc_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double dc_rng_unit(dc_rng_t *r) { return (double)(dc_rng_next(r) >> 11) * 0x1.0p-53; }

int dc_rng_chance(dc_rng_t *r, double p) { return dc_rng_unit(r) < p; }

/* ---------------------------------------------------------------- UTF-8 */

static size_t utf8_dec(const char *s, size_t n, size_t i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[i];
    if (c < 0x80) { *cp = c; return 1; }
    if ((c & 0xE0) == 0xC0 && i + 1 < n) { *cp = ((c & 0x1Fu) << 6) | (u[i + 1] & 0x3Fu); return 2; }
    if ((c & 0xF0) == 0xE0 && i + 2 < n) {
        *cp = ((c & 0x0Fu) << 12) | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
        return 3;
    }
    if ((c & 0xF8) == 0xF0 && i + 3 < n) {
        *cp = ((c & 0x07u) << 18) | ((u[i + 1] & 0x3Fu) << 12) | ((u[i + 2] & 0x3Fu) << 6) |
              (u[i + 3] & 0x3Fu);
        return 4;
    }
    *cp = c; /* invalid byte: pass through as is */
    return 1;
}

static void utf8_put(dc_buf_t *b, uint32_t cp)
{
    char t[4];
    size_t k;
    if (cp < 0x80) { t[0] = (char)cp; k = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xC0 | (cp >> 6)); t[1] = (char)(0x80 | (cp & 0x3F)); k = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12)); t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F)); k = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18)); t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); t[3] = (char)(0x80 | (cp & 0x3F)); k = 4;
    }
    dc_buf_put(b, t, k);
}

/* ---------------------------------------------------------------- vowels */

enum { NV = 12, NT = 6, VTAB = 0x1F00 };
static const char *const vow_lower[NV] = {
    "aàáảãạ", "ăằắẳẵặ", "âầấẩẫậ", "eèéẻẽẹ", "êềếểễệ", "iìíỉĩị",
    "oòóỏõọ", "ôồốổỗộ", "ơờớởỡợ", "uùúủũụ", "ưừứửữự", "yỳýỷỹỵ",
};
static const char *const vow_upper[NV] = {
    "AÀÁẢÃẠ", "ĂẰẮẲẴẶ", "ÂẦẤẨẪẬ", "EÈÉẺẼẸ", "ÊỀẾỂỄỆ", "IÌÍỈĨỊ",
    "OÒÓỎÕỌ", "ÔỒỐỔỖỘ", "ƠỜỚỞỠỢ", "UÙÚỦŨỤ", "ƯỪỨỬỮỰ", "YỲÝỶỸỴ",
};
static const char vow_base[NV] = {'a', 'a', 'a', 'e', 'e', 'i', 'o', 'o', 'o', 'u', 'u', 'y'};
/* Telex keys of the vowel letters (without tone). */
static const char *const vow_telex[NV] = {"a", "aw", "aa", "e", "ee", "i", "o", "oo", "ow", "u", "uw", "y"};
static const char tone_telex[NT] = {0, 'f', 's', 'r', 'x', 'j'};

enum { V_A = 0, V_E = 3, V_I = 5, V_O = 6, V_U = 9, V_Y = 11 };

static uint8_t vinfo[VTAB];          /* 0, or 1 + vowel*6 + tone, | 0x80 if upper case */
static uint32_t vcp[2][NV][NT];      /* [upper][vowel][tone] -> code point */
static pthread_once_t vonce = PTHREAD_ONCE_INIT;

static void vinit(void)
{
    for (int up = 0; up < 2; up++)
        for (int v = 0; v < NV; v++) {
            const char *s = up ? vow_upper[v] : vow_lower[v];
            size_t n = strlen(s), i = 0;
            for (int t = 0; t < NT; t++) {
                uint32_t cp;
                i += utf8_dec(s, n, i, &cp);
                vcp[up][v][t] = cp;
                if (cp < VTAB) vinfo[cp] = (uint8_t)((1 + v * NT + t) | (up ? 0x80 : 0));
            }
        }
}

/* A decoded character: code point plus vowel analysis. */
typedef struct {
    uint32_t cp;
    int v, t, up;   /* vowel index (-1 if not a vowel), tone, upper case */
} vch_t;

static vch_t vclass(uint32_t cp)
{
    vch_t c = {cp, -1, 0, 0};
    if (cp < VTAB && vinfo[cp]) {
        int k = (vinfo[cp] & 0x7F) - 1;
        c.v = k / NT;
        c.t = k % NT;
        c.up = (vinfo[cp] & 0x80) != 0;
    }
    return c;
}

static int is_letter(uint32_t cp)
{
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return 1;
    if (cp == 0x110 || cp == 0x111) return 1;
    return cp >= 0xC0 && cp < VTAB && cp != 0xD7 && cp != 0xF7;
}

/* Decode s into an array of classified characters (at most cap). */
static size_t decode_all(const char *s, size_t n, vch_t *out, size_t cap)
{
    pthread_once(&vonce, vinit);
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        uint32_t cp;
        i += utf8_dec(s, n, i, &cp);
        out[k++] = vclass(cp);
    }
    return k;
}

static void put_vch(dc_buf_t *b, const vch_t *c)
{
    if (c->v >= 0) utf8_put(b, vcp[c->up][c->v][c->t]);
    else utf8_put(b, c->cp);
}

enum { MAXCH = 1024 };

void dc_gen_fold(const char *s, size_t n, dc_buf_t *out)
{
    pthread_once(&vonce, vinit);
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) { dc_buf_putc(out, s[i++]); continue; }
        uint32_t cp;
        i += utf8_dec(s, n, i, &cp);
        vch_t c = vclass(cp);
        if (c.v >= 0) dc_buf_putc(out, (char)(c.up ? vow_base[c.v] - 32 : vow_base[c.v]));
        else if (cp == 0x111) dc_buf_putc(out, 'd');
        else if (cp == 0x110) dc_buf_putc(out, 'D');
        else utf8_put(out, cp);
    }
}

void dc_gen_dd(const char *s, size_t n, dc_buf_t *out)
{
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) { dc_buf_putc(out, s[i++]); continue; }
        uint32_t cp;
        size_t k = utf8_dec(s, n, i, &cp);
        if (cp == 0x111) dc_buf_putc(out, 'd');
        else if (cp == 0x110) dc_buf_putc(out, 'D');
        else dc_buf_put(out, s + i, k);
        i += k;
    }
}

static uint32_t case_cp(uint32_t cp, int upper)
{
    if (cp < 0x80) {
        if (upper && cp >= 'a' && cp <= 'z') return cp - 32;
        if (!upper && cp >= 'A' && cp <= 'Z') return cp + 32;
        return cp;
    }
    if (cp == 0x110 || cp == 0x111) return upper ? 0x110 : 0x111;
    vch_t c = vclass(cp);
    if (c.v >= 0) return vcp[upper][c.v][c.t];
    return cp;
}

void dc_gen_case(const char *s, size_t n, int mode, dc_buf_t *out)
{
    pthread_once(&vonce, vinit);
    int word_start = 1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += utf8_dec(s, n, i, &cp);
        int up = mode == DC_GEN_UPPER ? 1 : mode == DC_GEN_LOWER ? 0 : word_start;
        if (is_letter(cp)) {
            utf8_put(out, case_cp(cp, up));
            word_start = 0;
        } else {
            utf8_put(out, cp);
            word_start = cp != '\'';
        }
    }
}

/* Syllable boundaries: runs of letters. */
static size_t syl_end(const vch_t *c, size_t k, size_t i)
{
    while (i < k && is_letter(c[i].cp)) i++;
    return i;
}

int dc_gen_tone_swap(const char *s, size_t n, dc_buf_t *out)
{
    vch_t c[MAXCH];
    size_t k = decode_all(s, n, c, MAXCH);
    int changed = 0;
    for (size_t i = 0; i < k;) {
        if (!is_letter(c[i].cp)) { put_vch(out, &c[i]); i++; continue; }
        size_t e = syl_end(c, k, i);
        /* open syllable ending in oa, oe or uy, with the tone on one of the
         * two, not after q (in "qu" the u is part of the consonant) */
        if (e - i >= 2) {
            vch_t *a = &c[e - 2], *b = &c[e - 1];
            int pair = (a->v == V_O && (b->v == V_A || b->v == V_E)) || (a->v == V_U && b->v == V_Y);
            int afterq = e - i >= 3 && (c[e - 3].cp | 0x20) == 'q';
            int other_vowel = e - i >= 3 && c[e - 3].v >= 0;
            if (pair && !afterq && !other_vowel && (a->t != 0) != (b->t != 0)) {
                int t = a->t + b->t;
                if (a->t) { a->t = 0; b->t = t; } else { b->t = 0; a->t = t; }
                changed++;
            }
        }
        for (; i < e; i++) put_vch(out, &c[i]);
    }
    return changed;
}

void dc_gen_telex(const char *s, size_t n, dc_buf_t *out)
{
    vch_t c[MAXCH];
    size_t k = decode_all(s, n, c, MAXCH);
    for (size_t i = 0; i < k;) {
        if (!is_letter(c[i].cp)) { put_vch(out, &c[i]); i++; continue; }
        size_t e = syl_end(c, k, i);
        int tone = 0;
        for (; i < e; i++) {
            if (c[i].v >= 0) {
                const char *t = vow_telex[c[i].v];
                for (; *t; t++) dc_buf_putc(out, c[i].up ? (char)(*t - 32) : *t);
                if (c[i].t) tone = c[i].t;
            } else if (c[i].cp == 0x111) dc_buf_puts(out, "dd");
            else if (c[i].cp == 0x110) dc_buf_puts(out, "DD");
            else utf8_put(out, c[i].cp);
        }
        if (tone) dc_buf_putc(out, tone_telex[tone]);
    }
}

/* Neighbouring keys on a QWERTY keyboard, for substitutions. */
static char neighbour(dc_rng_t *r, char ch)
{
    static const char *const rows[] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
    for (int row = 0; row < 3; row++) {
        const char *p = strchr(rows[row], ch);
        if (!p) continue;
        size_t pos = (size_t)(p - rows[row]), len = strlen(rows[row]);
        if (pos == 0) return rows[row][1];
        if (pos + 1 == len) return rows[row][pos - 1];
        return dc_rng_below(r, 2) ? rows[row][pos + 1] : rows[row][pos - 1];
    }
    return 'a';
}

int dc_gen_typo(dc_rng_t *r, const char *s, size_t n, dc_buf_t *out)
{
    vch_t c[MAXCH];
    size_t k = decode_all(s, n, c, MAXCH);
    size_t letters[MAXCH], nl = 0;
    for (size_t i = 0; i < k; i++)
        if (is_letter(c[i].cp)) letters[nl++] = i;
    if (nl < 2) { dc_buf_put(out, s, n); return 0; }
    /* not the first letter: people rarely mistype the initial */
    size_t at = letters[1 + dc_rng_below(r, (uint32_t)(nl - 1))];
    int op = (int)dc_rng_below(r, 4);
    if (op == 3 && (at + 1 >= k || !is_letter(c[at + 1].cp))) op = 0;
    for (size_t i = 0; i < k; i++) {
        if (i != at) { put_vch(out, &c[i]); continue; }
        switch (op) {
        case 0: { /* substitution: neighbouring key of the base letter */
            char base = c[i].v >= 0 ? vow_base[c[i].v] : (char)(c[i].cp < 0x80 ? c[i].cp | 0x20 : 'd');
            char nb = neighbour(r, base);
            int up = c[i].v >= 0 ? c[i].up : (c[i].cp >= 'A' && c[i].cp <= 'Z');
            dc_buf_putc(out, up ? (char)(nb - 32) : nb);
            break;
        }
        case 1: /* deletion */
            break;
        case 2: /* doubling */
            put_vch(out, &c[i]);
            put_vch(out, &c[i]);
            break;
        default: /* transposition with the next letter */
            put_vch(out, &c[i + 1]);
            put_vch(out, &c[i]);
            i++;
            break;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- NFD */

/* NFD of every code point below VTAB, as UTF-8 (at most 4 code points of 3
 * bytes). Text made of NFC characters and no stray combining marks needs no
 * reordering across characters, so a table lookup per character is its NFD. */
static unsigned char nfd_len[VTAB];
static char nfd_bytes[VTAB][12];
static pthread_once_t nfd_once = PTHREAD_ONCE_INIT;

static void nfd_init(void)
{
    for (uint32_t cp = 0x80; cp < VTAB; cp++) {
        utf8proc_int32_t d[4];
        int last = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 4, UTF8PROC_DECOMPOSE, &last);
        if (k <= 1 || k > 4) continue;
        dc_buf_t b = DC_BUF_INIT;
        for (utf8proc_ssize_t i = 0; i < k; i++) utf8_put(&b, (uint32_t)d[i]);
        if (b.len <= sizeof nfd_bytes[cp]) {
            memcpy(nfd_bytes[cp], b.p, b.len);
            nfd_len[cp] = (unsigned char)b.len;
        }
        dc_buf_free(&b);
    }
}

void dc_gen_nfd(const char *s, size_t n, dc_buf_t *out)
{
    pthread_once(&nfd_once, nfd_init);
    size_t run = 0;  /* start of the pending run of bytes copied as they are */
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) { i++; continue; }
        uint32_t cp;
        size_t k = utf8_dec(s, n, i, &cp);
        if (cp < VTAB && nfd_len[cp]) {
            dc_buf_put(out, s + run, i - run);
            dc_buf_put(out, nfd_bytes[cp], nfd_len[cp]);
            run = i + k;
        }
        i += k;
    }
    dc_buf_put(out, s + run, n - run);
}

/* ---------------------------------------------------------------- legacy */

/* dc_encode() of every code point below VTAB, per legacy encoding, cached:
 * dc_encode composes its input to NFC and then encodes code point by code
 * point, so for NFC input a per-character table gives the same bytes. */
enum { NLEG = DC_ENC__COUNT };
typedef struct { unsigned char len, replaced; char b[6]; } enc_cell_t;
static enc_cell_t *enc_tab[NLEG];
static pthread_once_t enc_once = PTHREAD_ONCE_INIT;

static void enc_init(void)
{
    static const dc_encoding_t encs[] = {DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};
    for (size_t e = 0; e < DC_ARRAY_LEN(encs); e++) {
        enc_cell_t *t = dc_xcalloc(VTAB, sizeof *t);
        dc_buf_t in = DC_BUF_INIT, out = DC_BUF_INIT;
        for (uint32_t cp = 1; cp < VTAB; cp++) {
            if (cp >= 0xD800 && cp < 0xE000) continue;
            dc_buf_clear(&in);
            dc_buf_clear(&out);
            utf8_put(&in, cp);
            size_t rep = dc_encode(encs[e], in.p, in.len, &out);
            if (out.len > sizeof t[cp].b) continue;
            memcpy(t[cp].b, out.p, out.len);
            t[cp].len = (unsigned char)out.len;
            t[cp].replaced = (unsigned char)rep;
        }
        dc_buf_free(&in);
        dc_buf_free(&out);
        enc_tab[encs[e]] = t;
    }
}

size_t dc_gen_encode(int enc, const char *s, size_t n, dc_buf_t *out)
{
    pthread_once(&enc_once, enc_init);
    const enc_cell_t *t = (unsigned)enc < NLEG ? enc_tab[enc] : NULL;
    if (!t) return dc_encode((dc_encoding_t)enc, s, n, out);
    size_t replaced = 0;
    dc_buf_reserve(out, n);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_dec(s, n, i, &cp);
        if (cp > 0 && cp < VTAB && t[cp].len) {
            dc_buf_put(out, t[cp].b, t[cp].len);
            replaced += t[cp].replaced;
        } else {
            replaced += dc_encode((dc_encoding_t)enc, s + i, k, out);
        }
        i += k;
    }
    return replaced;
}

/* ---------------------------------------------------------------- dates */

static const char *const date_fmt_names[DC_GEN_DATE__COUNT] = {
    "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "yyyy-mm-dd", "dd/mm/yy",
    "mm/yyyy", "yyyy", "00/00/yyyy", "01/01/yyyy", "serial",
};

const char *dc_gen_date_fmt_name(dc_gen_date_fmt_t f)
{
    return (unsigned)f < DC_GEN_DATE__COUNT ? date_fmt_names[f] : "?";
}

int dc_gen_days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[(m - 1) % 12];
}

/* Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

long dc_gen_serial(int y, int m, int d)
{
    return days_from_civil(y, m, d) - days_from_civil(1899, 12, 30);
}

void dc_gen_date(int y, int m, int d, dc_gen_date_fmt_t f, dc_buf_t *out)
{
    switch (f) {
    case DC_GEN_DATE_DMY: dc_buf_printf(out, "%02d/%02d/%04d", d, m, y); break;
    case DC_GEN_DATE_DMY_SHORT: dc_buf_printf(out, "%d/%d/%04d", d, m, y); break;
    case DC_GEN_DATE_DMY_DASH: dc_buf_printf(out, "%02d-%02d-%04d", d, m, y); break;
    case DC_GEN_DATE_ISO: dc_buf_printf(out, "%04d-%02d-%02d", y, m, d); break;
    case DC_GEN_DATE_DMY_YY: dc_buf_printf(out, "%02d/%02d/%02d", d, m, y % 100); break;
    case DC_GEN_DATE_MY: dc_buf_printf(out, "%02d/%04d", m, y); break;
    case DC_GEN_DATE_YEAR: dc_buf_printf(out, "%04d", y); break;
    case DC_GEN_DATE_PH00: dc_buf_printf(out, "00/00/%04d", y); break;
    case DC_GEN_DATE_PH01: dc_buf_printf(out, "01/01/%04d", y); break;
    case DC_GEN_DATE_SERIAL: dc_buf_printf(out, "%ld", dc_gen_serial(y, m, d)); break;
    default: break;
    }
}

/* ---------------------------------------------------------------- wards */

void dc_gen_ward(int num, dc_gen_ward_fmt_t f, dc_buf_t *out)
{
    switch (f) {
    case DC_GEN_WARD_FULL: dc_buf_printf(out, "Phường %d", num); break;
    case DC_GEN_WARD_P_DOT: dc_buf_printf(out, "P.%d", num); break;
    case DC_GEN_WARD_P_DOT0: dc_buf_printf(out, "P.%02d", num); break;
    case DC_GEN_WARD_P: dc_buf_printf(out, "P%d", num); break;
    case DC_GEN_WARD_F: dc_buf_printf(out, "F%d", num); break;
    case DC_GEN_WARD_LOWER: dc_buf_printf(out, "phường %02d", num); break;
    default: break;
    }
}
