/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compare.c - per-field comparison levels and cannot-link evidence
 * (dc_match.h). Levels are listed strongest first; docs/MATCHING.md gives
 * the exact definition of each.
 */
#include "match/dc_match.h"
#include "common/dc_utf8.h"
#include "normalize/dc_vnfold.h"

#include <stdlib.h>   /* abs */
#include <string.h>   /* memset */

static const char *const col_names[DC_COL__COUNT] = {
    "name", "dob", "id12", "cmnd", "sex", "ethnic", "residence", "hometown",
    "parents", "spouse",
};
static const char *const name_lv[] = {"exact", "no_diacritics", "phonetic", "reordered",
                                      "surname_given", "jw_high", "jw_low", "different", "nickname"};
static const char *const dob_lv[] = {"exact", "compatible", "day_month_swapped", "one_off",
                                     "same_year", "different"};
static const char *const id_lv[] = {"equal", "one_digit", "different"};
static const char *const eq_lv[] = {"same", "different"};
static const char *const addr_lv[] = {"same_text", "same_ward", "similar_text", "same_district",
                                      "same_province", "different"};
static const char *const rel_lv[] = {"exact", "no_diacritics", "phonetic", "jw_high", "different"};
static const char *const par_lv[] = {"both_agree", "one_agrees_other_missing", "one_agrees_other_differs",
                                     "none_agrees"};

static dc_cmp_thresholds_t g_th = {0.92, 0.80, 0.90, 0.92};

dc_cmp_thresholds_t dc_cmp_thresholds_default(void) { return (dc_cmp_thresholds_t){0.92, 0.80, 0.90, 0.92}; }

void dc_cmp_thresholds_use(const dc_cmp_thresholds_t *t) { g_th = t ? *t : dc_cmp_thresholds_default(); }

static int g_placeholder_year;   /* settings "dob_placeholder year" */

void dc_cmp_placeholder_year_use(int on) { g_placeholder_year = on != 0; }

static const char *const x_lv[] = {"same", "similar", "different"};
static const char *const x2_lv[] = {"same", "different"};

int dc_col_count(void) { return DC_COL_X0 + dc_extra_count(); }

const char *dc_col_name(dc_col_t c)
{
    if (c >= DC_COL_X0 && c < DC_COL__COUNT) {
        const dc_extra_def_t *d = dc_extra_def((int)(c - DC_COL_X0));
        return d ? d->name : "?";
    }
    return (unsigned)c < DC_COL__COUNT ? col_names[c] : "?";
}

int dc_col_nlevels(dc_col_t c)
{
    if (c >= DC_COL_X0 && c < DC_COL__COUNT) return dc_extra_nlevels((int)(c - DC_COL_X0));
    switch (c) {
    case DC_COL_NAME: return DC_NAME__N + (dc_nicknames_active() ? 1 : 0);
    case DC_COL_DOB: return DC_DOB__N;
    case DC_COL_ID12: case DC_COL_CMND: return DC_ID__N;
    case DC_COL_SEX: case DC_COL_ETHNIC: return DC_EQ__N;
    case DC_COL_RESIDENCE: case DC_COL_HOMETOWN: return DC_ADDR__N;
    case DC_COL_PARENTS: return DC_PAR__N;
    case DC_COL_SPOUSE: return DC_REL__N;
    case DC_COL_X0: case DC_COL__COUNT: break;
    }
    return 0;
}

const char *dc_level_name(dc_col_t c, int level)
{
    if (level == DC_LV_MISSING) return "missing";
    if (level < 0 || level >= dc_col_nlevels(c)) return "?";
    if (c >= DC_COL_X0) return dc_col_nlevels(c) == 3 ? x_lv[level] : x2_lv[level];
    switch (c) {
    case DC_COL_NAME: return name_lv[level];
    case DC_COL_DOB: return dob_lv[level];
    case DC_COL_ID12: case DC_COL_CMND: return id_lv[level];
    case DC_COL_SEX: case DC_COL_ETHNIC: return eq_lv[level];
    case DC_COL_RESIDENCE: case DC_COL_HOMETOWN: return addr_lv[level];
    case DC_COL_PARENTS: return par_lv[level];
    default: return rel_lv[level];
    }
}

/* ------------------------------------------------------------ Jaro-Winkler */

/* Strings of up to 64 bytes (all Vietnamese names in ascii form) use a
 * bit-parallel matcher: for every byte value, the positions where it
 * occurs in b; a match is the lowest such unmatched position inside the
 * window, found with one AND and a count of trailing zeros. */
static double jw_finish(const char *a, size_t na, const char *b, size_t nb, size_t m, size_t t)
{
    double md = (double)m;
    double jaro = (md / (double)na + md / (double)nb + (md - (double)t / 2.0) / md) / 3.0;
    size_t l = 0;
    while (l < 4 && l < na && l < nb && a[l] == b[l]) l++;
    return jaro + (double)l * 0.1 * (1.0 - jaro);
}

static double jw_short(const char *a, size_t na, const char *b, size_t nb)
{
    uint64_t pos[256], seen[4] = {0, 0, 0, 0};
    for (size_t j = 0; j < nb; j++) pos[(unsigned char)b[j]] = 0;
    for (size_t j = 0; j < nb; j++) {
        unsigned char c = (unsigned char)b[j];
        pos[c] |= 1ull << j;
        seen[c >> 6] |= 1ull << (c & 63);
    }
    size_t range = (na > nb ? na : nb) / 2;
    range = range ? range - 1 : 0;
    uint64_t mb = 0, ma = 0, inb = 0;
    for (size_t j = 0; j < nb; j++) inb |= 1ull << j;
    /* bytes of a that never occur in b (not in seen[]) have no valid pos[] */
    size_t m = 0;
    for (size_t i = 0; i < na; i++) {
        unsigned char c = (unsigned char)a[i];
        if (!(seen[c >> 6] >> (c & 63) & 1)) continue;
        uint64_t cand = pos[c] & ~mb & inb;
        size_t lo = i > range ? i - range : 0, hi = i + range + 1 < nb ? i + range + 1 : nb;
        if (lo >= hi) continue;
        uint64_t win = (hi >= 64 ? ~0ull : ((1ull << hi) - 1)) & ~((1ull << lo) - 1);
        cand &= win;
        if (!cand) continue;
        mb |= cand & -cand;
        ma |= 1ull << i;
        m++;
    }
    if (!m) return 0.0;
    size_t t = 0;
    uint64_t bb = mb;
    for (size_t i = 0; i < na; i++) {
        if (!(ma >> i & 1)) continue;
        int k = __builtin_ctzll(bb);
        bb &= bb - 1;
        if (a[i] != b[k]) t++;
    }
    return jw_finish(a, na, b, nb, m, t);
}

double dc_jaro_winkler(const char *a, size_t na, const char *b, size_t nb)
{
    enum { MAXL = 128 };
    if (!na && !nb) return 1.0;
    if (!na || !nb) return 0.0;
    if (na <= 64 && nb <= 64) return jw_short(a, na, b, nb);
    if (na > MAXL) na = MAXL;
    if (nb > MAXL) nb = MAXL;
    size_t range = (na > nb ? na : nb) / 2;
    range = range ? range - 1 : 0;
    unsigned char ma[MAXL], mb[MAXL];
    memset(ma, 0, na);
    memset(mb, 0, nb);
    size_t m = 0;
    for (size_t i = 0; i < na; i++) {
        size_t lo = i > range ? i - range : 0, hi = i + range + 1 < nb ? i + range + 1 : nb;
        for (size_t j = lo; j < hi; j++) {
            if (mb[j] || a[i] != b[j]) continue;
            ma[i] = mb[j] = 1;
            m++;
            break;
        }
    }
    if (!m) return 0.0;
    size_t t = 0, k = 0;
    for (size_t i = 0; i < na; i++) {
        if (!ma[i]) continue;
        while (!mb[k]) k++;
        if (a[i] != b[k]) t++;
        k++;
    }
    return jw_finish(a, na, b, nb, m, t);
}

/* ---------------------------------------------------------------- helpers */

static int ndigits(uint64_t v)
{
    int n = 1;
    while (v >= 10) { v /= 10; n++; }
    return n;
}

/* 1 when x and y (written with `nd` digits) differ by one digit or by one
 * transposition of adjacent digits. */
static int one_edit(uint64_t x, uint64_t y, int nd)
{
    int dx[20], dy[20], diff[20], nd_ = 0;
    for (int i = 0; i < nd; i++) {
        dx[i] = (int)(x % 10); x /= 10;
        dy[i] = (int)(y % 10); y /= 10;
        if (dx[i] != dy[i]) diff[nd_++] = i;
    }
    if (nd_ == 1) return 1;
    if (nd_ == 2 && diff[1] == diff[0] + 1 && dx[diff[0]] == dy[diff[1]] && dx[diff[1]] == dy[diff[0]])
        return 1;
    return 0;
}

static int date_ok(const dc_date_t *d)
{
    return d->prec != DC_PREC_NONE && !(d->flags & DC_DATE_INVALID) && d->y;
}

/* A birth date precise enough to contradict another. An ambiguous day/month
 * order is fine: a swap is a level of its own, never a contradiction. */
static int date_full(const dc_date_t *d)
{
    return d->prec == DC_PREC_DAY && d->m && d->d && !(d->flags & (DC_DATE_INVALID | DC_DATE_PLACEHOLDER));
}

static int sex_known(uint8_t s) { return s == DC_SEX_MALE || s == DC_SEX_FEMALE; }

/* 1 when the strings are equal or one edit apart (substitution, insertion,
 * deletion or transposition of adjacent bytes). */
static int within_one_edit(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > nb) { const char *t = a; a = b; b = t; size_t k = na; na = nb; nb = k; }
    if (nb - na > 1) return 0;
    size_t i = 0;
    while (i < na && a[i] == b[i]) i++;
    if (i == na) return 1;
    if (na == nb) {
        if (!memcmp(a + i + 1, b + i + 1, na - i - 1)) return 1;   /* substitution */
        return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               !memcmp(a + i + 2, b + i + 2, na - i - 2);          /* transposition */
    }
    return !memcmp(a + i, b + i + 1, na - i);                      /* insertion */
}

static int given_close(const dc_intern_t *in, const dc_name_t *a, const dc_name_t *b)
{
    if (!a->given || !b->given) return 1;   /* cannot tell: let the full name decide */
    if (a->given == b->given) return 1;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->given, &la), *sb = dc_intern_str(in, b->given, &lb);
    return within_one_edit(sa, la, sb, lb);
}

/* Given names that the nickname table calls variants ("nicknames en"). */
static int given_variants(const dc_intern_t *in, const dc_name_t *a, const dc_name_t *b)
{
    if (!a->given || !b->given || !dc_nicknames_active()) return 0;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->given, &la), *sb = dc_intern_str(in, b->given, &lb);
    return dc_nickname_pair(sa, la, sb, lb);
}

/* The nickname level: the same surname, or one edit apart, and given
 * names that are variants ("chudleigh tom" / "chudleigh thomas"). */
static int nickname_level(const dc_intern_t *in, const dc_name_t *a, const dc_name_t *b)
{
    if (!dc_nicknames_active() || !a->sur || !b->sur) return 0;   /* off: nothing read */
    if (a->sur != b->sur) {
        size_t la, lb;
        const char *sa = dc_intern_str(in, a->sur, &la), *sb = dc_intern_str(in, b->sur, &lb);
        if (!within_one_edit(sa, la, sb, lb)) return 0;
    }
    return given_variants(in, a, b);
}

static int cmp_rel(const dc_intern_t *in, const dc_relname_t *a, const dc_relname_t *b)
{
    if (!a->ascii || !b->ascii) return DC_LV_MISSING;
    if (a->exact == b->exact) return DC_REL_EXACT;
    if (a->ascii == b->ascii) return DC_REL_ASCII;
    if (a->phon && a->phon == b->phon) return DC_REL_PHON;
    size_t la, lb;
    /* Vietnamese full names share surname and middle name so often that a
     * high similarity means little unless the given names are close too
     * (tested first: it is cheaper) */
    if (a->given && b->given && a->given != b->given) {
        const char *ga = dc_intern_str(in, a->given, &la), *gb = dc_intern_str(in, b->given, &lb);
        if (!within_one_edit(ga, la, gb, lb)) return DC_REL_DIFF;
    }
    const char *sa = dc_intern_str(in, a->ascii, &la), *sb = dc_intern_str(in, b->ascii, &lb);
    return dc_jaro_winkler(sa, la, sb, lb) >= g_th.relative_jw ? DC_REL_JW : DC_REL_DIFF;
}

/* Copy s without spaces into out (at most cap-1 bytes); returns the length. */
static size_t squeeze(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if (s[i] != ' ') out[k++] = s[i];
    out[k] = 0;
    return k;
}

static int cmp_tok(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Split s in place on spaces (thread-safe, unlike strtok); returns the
 * number of tokens, or MAXT + 1 when there are more than `max`. */
static int split_tokens(char *s, char **tok, int max)
{
    int k = 0;
    while (*s) {
        while (*s == ' ') *s++ = 0;
        if (!*s) break;
        if (k == max) return max + 1;
        tok[k++] = s;
        while (*s && *s != ' ') s++;
    }
    return k;
}

/* 1 when the two names hold the same syllables in another order
 * ("hùng nguyễn văn" for "nguyễn văn hùng"). */
static int same_tokens(const char *a, size_t na, const char *b, size_t nb)
{
    enum { MAXT = 8, CAP = 128 };
    if (na != nb || na >= CAP) return 0;
    char ca[CAP], cb[CAP];
    memcpy(ca, a, na);
    ca[na] = 0;
    memcpy(cb, b, nb);
    cb[nb] = 0;
    char *ta[MAXT], *tb[MAXT];
    int ka = 0, kb = 0;
    ka = split_tokens(ca, ta, MAXT);
    kb = split_tokens(cb, tb, MAXT);
    if (ka != kb || ka < 2 || ka > MAXT) return 0;
    qsort(ta, (size_t)ka, sizeof *ta, cmp_tok);
    qsort(tb, (size_t)kb, sizeof *tb, cmp_tok);
    for (int i = 0; i < ka; i++)
        if (strcmp(ta[i], tb[i])) return 0;
    return 1;
}

/* 1 when the two names hold the same syllables in another order, each
 * syllable equal or one edit apart once both lists are sorted
 * ("stephenson elizabeth" for "elizbeth stephenson"). */
static int near_tokens(const char *a, size_t na, const char *b, size_t nb)
{
    enum { MAXT = 8, CAP = 128 };
    if (na >= CAP || nb >= CAP) return 0;
    char ca[CAP], cb[CAP];
    memcpy(ca, a, na);
    ca[na] = 0;
    memcpy(cb, b, nb);
    cb[nb] = 0;
    char *ta[MAXT], *tb[MAXT];
    int ka = split_tokens(ca, ta, MAXT), kb = split_tokens(cb, tb, MAXT);
    if (ka != kb || ka < 2 || ka > MAXT) return 0;
    qsort(ta, (size_t)ka, sizeof *ta, cmp_tok);
    qsort(tb, (size_t)kb, sizeof *tb, cmp_tok);
    for (int i = 0; i < ka; i++)
        if (!within_one_edit(ta[i], strlen(ta[i]), tb[i], strlen(tb[i]))) return 0;
    return 1;
}

static int cmp_name(const dc_intern_t *in, const dc_name_t *a, const dc_name_t *b)
{
    if (!a->ascii || !b->ascii || (a->flags & DC_NAME_PLACEHOLDER) || (b->flags & DC_NAME_PLACEHOLDER))
        return DC_LV_MISSING;
    if (a->exact == b->exact) return DC_NAME_EXACT;
    if (a->ascii == b->ascii) return DC_NAME_ASCII;
    if (a->phon && a->phon == b->phon) return DC_NAME_PHON;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->ascii, &la), *sb = dc_intern_str(in, b->ascii, &lb);
    if (same_tokens(sa, la, sb, lb)) return DC_NAME_REORDERED;
    if (a->sur && a->given && a->sur == b->sur && a->given == b->given) return DC_NAME_SUR_GIVEN;
    char qa[128], qb[128];
    size_t qla = squeeze(sa, la, qa, sizeof qa), qlb = squeeze(sb, lb, qb, sizeof qb);
    if (qla == qlb && !memcmp(qa, qb, qla)) return DC_NAME_ASCII;   /* only the spacing differs */
    /* given names apart by more than one edit: different, unless only the
     * spacing of the whole name is off by one letter ("soph ie") */
    if (!given_close(in, a, b) && !within_one_edit(qa, qla, qb, qlb)) {
        if (near_tokens(sa, la, sb, lb)) return DC_NAME_REORDERED;
        return nickname_level(in, a, b) ? DC_NAME_NICK : DC_NAME_DIFF;
    }
    double jw = dc_jaro_winkler(sa, la, sb, lb);
    if (jw < g_th.name_jw_low) return DC_NAME_DIFF;
    return jw >= g_th.name_jw_high ? DC_NAME_JW_HIGH : DC_NAME_JW_LOW;
}

static int cmp_dob(const dc_date_t *a, const dc_date_t *b)
{
    if (!date_ok(a) || !date_ok(b)) return DC_LV_MISSING;
    int p = a->prec < b->prec ? a->prec : b->prec;
    /* "dob_placeholder year": 01/01/yyyy stands for a year only */
    if (g_placeholder_year && p == DC_PREC_DAY && ((a->flags | b->flags) & DC_DATE_PLACEHOLDER)) p = DC_PREC_YEAR;
    int ym = a->y == b->y, mm = a->m == b->m, dd = a->d == b->d;
    if (p == DC_PREC_DAY) {
        if (ym && mm && dd) return DC_DOB_EXACT;
        if (ym && a->d == b->m && a->m == b->d) return DC_DOB_SWAP;
        if (mm && dd && abs(a->y - b->y) == 1) return DC_DOB_ONE_OFF;
        uint64_t x = (uint64_t)a->y * 10000 + a->m * 100u + a->d;
        uint64_t y = (uint64_t)b->y * 10000 + b->m * 100u + b->d;
        if (a->y >= 1000 && b->y >= 1000 && one_edit(x, y, 8)) return DC_DOB_ONE_OFF;
        return ym ? DC_DOB_SAME_YEAR : DC_DOB_DIFF;
    }
    if (ym && (p < DC_PREC_MONTH || mm)) return DC_DOB_COMPAT;
    if (abs(a->y - b->y) == 1 && (p < DC_PREC_MONTH || mm)) return DC_DOB_ONE_OFF;
    return ym ? DC_DOB_SAME_YEAR : DC_DOB_DIFF;
}

static int cmp_num(uint64_t x, uint64_t y)
{
    if (x == y) return DC_ID_EQ;
    int nx = ndigits(x), ny = ndigits(y);
    if (nx == ny && one_edit(x, y, nx)) return DC_ID_ONE_EDIT;
    return DC_ID_DIFF;
}

uint64_t dc_rec_id12(const dc_record_t *r)
{
    return r->id12 >= 1000000000ull ? r->id12 : 0;   /* 10 digits or more */
}

uint64_t dc_rec_cmnd(const dc_record_t *r)
{
    if (r->cmnd) return r->cmnd;
    /* an old 9-digit card number typed into the so_dinh_danh column */
    return r->id12 && r->id12 < 1000000000ull ? r->id12 : 0;   /* 9 digits or fewer */
}

static int cmp_id12(const dc_record_t *a, const dc_record_t *b)
{
    uint64_t ia = dc_rec_id12(a), ib = dc_rec_id12(b);
    if (ia && ib) return cmp_num(ia, ib);
    /* a 12-digit number in the old-card column equal to the other's ID */
    if (ia && b->cmnd && b->cmnd == ia) return DC_ID_EQ;
    if (ib && a->cmnd && a->cmnd == ib) return DC_ID_EQ;
    return DC_LV_MISSING;
}

static int cmp_cmnd(const dc_record_t *a, const dc_record_t *b)
{
    uint64_t ca = dc_rec_cmnd(a), cb = dc_rec_cmnd(b);
    if (!ca || !cb) return DC_LV_MISSING;
    /* a 9-digit card against a 12-digit number cannot be compared */
    if ((ndigits(ca) > 9) != (ndigits(cb) > 9)) return DC_LV_MISSING;
    return cmp_num(ca, cb);
}

/* The words of an address text: letters folded to lower-case ASCII
 * (Vietnamese letters without their marks: "Phường" is "phuong"; a
 * combining mark continues its word), and digits; anything else splits
 * words. At most ADDR_WORDS words of up to 31 bytes. */
enum { ADDR_WORDS = 32, ADDR_WORD_MAX = 32 };

static int addr_words(const char *s, size_t n, char w[ADDR_WORDS][ADDR_WORD_MAX])
{
    int k = 0;
    size_t len = 0;
    for (size_t i = 0; i <= n;) {
        uint32_t cp = 0;
        size_t l = i < n ? dc_utf8_dec((const unsigned char *)s + i, n - i, &cp) : 1;
        if (!l) l = 1, cp = ' ';   /* an invalid byte splits */
        i += l;
        char c = 0;
        int mark = 0;
        if (i <= n && cp >= '0' && cp <= '9') c = (char)cp;
        else if (i <= n) {
            const dc_vnfold_t *f = dc_vnfold_get(cp);
            if (f && f->ascii) c = (char)f->ascii;
            else if (f && (f->flags & (DC_VF_TONE_MARK | DC_VF_MOD_MARK))) mark = 1;
        }
        if (mark) continue;
        if (c) {
            if (len + 1 < ADDR_WORD_MAX) {
                if (k < ADDR_WORDS) w[k][len] = c;
                len++;
            }
        } else if (len) {
            if (k < ADDR_WORDS) w[k++][len] = 0;
            len = 0;
        }
    }
    return k;
}

/* Two words of an address are the same when equal, or, from 5 letters
 * on, one edit apart ("verbrugghen" / "verbrugghens"). */
static int same_word(const char *x, const char *y)
{
    if (!strcmp(x, y)) return 1;
    size_t lx = strlen(x), ly = strlen(y);
    return lx >= 5 && ly >= 5 && within_one_edit(x, lx, y, ly);
}

/* The words of x matched one to one with words of y (each distinct word
 * of x once, greedily in order). */
static int common_words(char x[][ADDR_WORD_MAX], int nx, char y[][ADDR_WORD_MAX], int ny)
{
    int common = 0;
    uint32_t used = 0;   /* words of y already matched */
    for (int i = 0; i < nx; i++) {
        int dup = 0;
        for (int k = 0; k < i && !dup; k++) dup = !strcmp(x[k], x[i]);
        if (dup) continue;
        for (int j = 0; j < ny; j++)
            if (!(used >> j & 1) && same_word(x[i], y[j])) {
                used |= 1u << j;
                common++;
                break;
            }
    }
    return common;
}

/* Two address texts that share most of their words: at least 3 words in
 * common, making at least 3/4 of the shorter one's (counted both ways, the
 * smaller count taken: the same answer whichever side is first). Where
 * the texts were written with parts left out, reordered, run together or
 * misspelt ("95 grylls crescent, barrack heights 4221" against "95,
 * barrack heights 4222"), Jaro-Winkler on the whole strings falls below
 * the threshold though the address is the same. */
static int addr_words_overlap(const char *sa, size_t la, const char *sb, size_t lb)
{
    char wa[ADDR_WORDS][ADDR_WORD_MAX], wb[ADDR_WORDS][ADDR_WORD_MAX];
    int na = addr_words(sa, la, wa), nb = addr_words(sb, lb, wb);
    int ab = common_words(wa, na, wb, nb), ba = common_words(wb, nb, wa, na);
    int common = ab < ba ? ab : ba, shorter = na < nb ? na : nb;
    return common >= 3 && 4 * common >= 3 * shorter;
}

static int cmp_addr1(const dc_intern_t *in, const dc_addr_t *a, const dc_addr_t *b)
{
    if (a->text && a->text == b->text) return DC_ADDR_SAME_TEXT;
    if (a->ward_old && b->ward_old && a->ward_old == b->ward_old) return DC_ADDR_WARD;
    if (a->ward_new && b->ward_new && a->ward_new == b->ward_new) return DC_ADDR_WARD;
    int comparable = (a->ward_old && b->ward_old) || (a->ward_new && b->ward_new);
    if (a->district_old && b->district_old) {
        if (a->district_old == b->district_old) return DC_ADDR_DISTRICT;
        comparable = 1;
    }
    if (a->prov_old && b->prov_old) return a->prov_old == b->prov_old ? DC_ADDR_PROV : DC_ADDR_DIFF;
    if (a->prov_new && b->prov_new) return a->prov_new == b->prov_new ? DC_ADDR_PROV : DC_ADDR_DIFF;
    if (comparable) return DC_ADDR_DIFF;
    /* no code on one side at least: the texts (unmatched or foreign addresses) */
    if (!a->text || !b->text) return DC_LV_MISSING;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->text, &la), *sb = dc_intern_str(in, b->text, &lb);
    if (dc_jaro_winkler(sa, la, sb, lb) >= g_th.address_jw || addr_words_overlap(sa, la, sb, lb))
        return DC_ADDR_SIMILAR_TEXT;
    return DC_ADDR_DIFF;
}

/* Declared extra column k (dc_extra.h): same, similar (Jaro-Winkler at
 * or above the column's fuzzy threshold, when it has one), different. */
static int cmp_extra(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b, int k)
{
    uint32_t x = dc_extra_value(a, k), y = dc_extra_value(b, k);
    if (!x || !y) return DC_LV_MISSING;
    if (x == y) return DC_XLV_SAME;
    const dc_extra_def_t *d = dc_extra_def(k);
    if (d->fuzzy <= 0) return 1;
    size_t la, lb;
    const char *sa = dc_intern_str(in, x, &la), *sb = dc_intern_str(in, y, &lb);
    return dc_jaro_winkler(sa, la, sb, lb) >= (double)d->fuzzy ? DC_XLV_SIMILAR : 2;
}

static int best(int x, int y)
{
    /* lower level = stronger; missing (15) is the weakest */
    return x < y ? x : y;
}

int dc_compare_residence(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b)
{
    int r = cmp_addr1(in, &a->perm, &b->perm);
    if (r != DC_ADDR_SAME_TEXT) {
        r = best(r, cmp_addr1(in, &a->cur, &b->cur));
        r = best(r, cmp_addr1(in, &a->perm, &b->cur));
        r = best(r, cmp_addr1(in, &a->cur, &b->perm));
    }
    return r;
}

void dc_compare(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b,
                uint8_t lv[DC_COL__COUNT])
{
    lv[DC_COL_NAME] = (uint8_t)cmp_name(in, &a->name, &b->name);
    lv[DC_COL_DOB] = (uint8_t)cmp_dob(&a->dob, &b->dob);
    lv[DC_COL_ID12] = (uint8_t)cmp_id12(a, b);
    lv[DC_COL_CMND] = (uint8_t)cmp_cmnd(a, b);
    lv[DC_COL_SEX] = sex_known(a->sex) && sex_known(b->sex)
                         ? (a->sex == b->sex ? DC_EQ_SAME : DC_EQ_DIFF) : DC_LV_MISSING;
    lv[DC_COL_ETHNIC] = a->ethnic && b->ethnic
                            ? (a->ethnic == b->ethnic ? DC_EQ_SAME : DC_EQ_DIFF) : DC_LV_MISSING;
    lv[DC_COL_RESIDENCE] = (uint8_t)dc_compare_residence(in, a, b);
    lv[DC_COL_HOMETOWN] = (uint8_t)cmp_addr1(in, &a->hometown, &b->hometown);
    int f = cmp_rel(in, &a->father, &b->father), m = cmp_rel(in, &a->mother, &b->mother);
    int fa = f <= DC_REL_JW, ma = m <= DC_REL_JW;   /* agrees (JW-close counts) */
    int fm = f == DC_LV_MISSING, mm = m == DC_LV_MISSING;
    int par;
    if (fm && mm) par = DC_LV_MISSING;
    else if (fa && ma) par = DC_PAR_BOTH;
    else if ((fa && mm) || (ma && fm)) par = DC_PAR_ONE;
    else if (fa || ma) par = DC_PAR_ONE_OTHER_DIFF;
    else par = DC_PAR_NONE;
    lv[DC_COL_PARENTS] = (uint8_t)par;
    lv[DC_COL_SPOUSE] = (uint8_t)cmp_rel(in, &a->spouse, &b->spouse);
    int nx = dc_extra_count();
    for (int k = 0; k < DC_EXTRA_MAX; k++) lv[DC_COL_X0 + k] = (uint8_t)(k < nx ? cmp_extra(in, a, b, k) : DC_LV_MISSING);
}

void dc_compare_prefetch(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b, int stage)
{
    if (stage == DC_PREFETCH_RECORDS) {
        for (size_t o = 0; o < sizeof(dc_record_t); o += 64) {
            __builtin_prefetch((const char *)a + o);
            __builtin_prefetch((const char *)b + o);
        }
        return;
    }
    /* the strings dc_compare reads when the ids differ: names, parents */
    void (*fetch)(const dc_intern_t *, uint32_t) =
        stage == DC_PREFETCH_ENTRIES ? dc_intern_prefetch_entry : dc_intern_prefetch_str;
    if (a->name.exact != b->name.exact) { fetch(in, a->name.ascii); fetch(in, b->name.ascii); }
    if (a->father.exact != b->father.exact) { fetch(in, a->father.ascii); fetch(in, b->father.ascii); }
    if (a->mother.exact != b->mother.exact) { fetch(in, a->mother.ascii); fetch(in, b->mother.ascii); }
}

void dc_compare_prefetch_ahead(const dc_intern_t *in, const dc_record_t *recs, dc_pair_at_fn pair,
                               const void *ctx, size_t p, size_t n)
{
    static const struct { size_t ahead; int stage; } st[] = {
        {16, DC_PREFETCH_RECORDS}, {8, DC_PREFETCH_ENTRIES}, {4, DC_PREFETCH_STRINGS}};
    for (size_t k = 0; k < sizeof st / sizeof st[0]; k++) {
        if (p + st[k].ahead >= n) continue;
        uint64_t pr = pair(ctx, p + st[k].ahead);
        dc_compare_prefetch(in, &recs[pr >> 32], &recs[(uint32_t)pr], st[k].stage);
    }
}

uint64_t dc_levels_pack(const uint8_t lv[DC_COL__COUNT])
{
    uint64_t p = 0;
    for (int c = 0; c < DC_COL__COUNT; c++) p |= (uint64_t)(lv[c] & 15) << (4 * c);
    return p;
}

void dc_levels_unpack(uint64_t pat, uint8_t lv[DC_COL__COUNT])
{
    for (int c = 0; c < DC_COL__COUNT; c++) lv[c] = (uint8_t)((pat >> (4 * c)) & 15);
}

/* Given names that cannot be one name mistyped: different ascii and
 * phonetic keys, more than one edit apart. */
static int given_clearly_differ(const dc_intern_t *in, const dc_name_t *a, const dc_name_t *b)
{
    if (!a->given || !b->given || a->given == b->given) return 0;
    if (a->given_phon && a->given_phon == b->given_phon) return 0;
    if ((a->flags | b->flags) & (DC_NAME_PLACEHOLDER | DC_NAME_ONE_TOKEN)) return 0;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->given, &la), *sb = dc_intern_str(in, b->given, &lb);
    if (within_one_edit(sa, la, sb, lb) || dc_jaro_winkler(sa, la, sb, lb) >= 0.80) return 0;
    if (dc_nickname_pair(sa, la, sb, lb)) return 0;   /* variants of one name ("nicknames en") */
    /* a space slipped into the name moves the last syllable ("soph ie") */
    char qa[128], qb[128];
    const char *fa = dc_intern_str(in, a->ascii, &la), *fb = dc_intern_str(in, b->ascii, &lb);
    size_t qla = squeeze(fa, la, qa, sizeof qa), qlb = squeeze(fb, lb, qb, sizeof qb);
    return !within_one_edit(qa, qla, qb, qlb);
}

int dc_cannot_link(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b)
{
    return dc_cannot_link_mask(in, a, b, DC_CL_ALL);
}

int dc_cannot_link_mask(const dc_intern_t *in, const dc_record_t *a, const dc_record_t *b, unsigned mask)
{
    /* the same valid ID (12-digit or old card) outweighs any other
     * disagreement: it is scored, never vetoed */
    if ((a->id12_flags & DC_ID_VALID) && (b->id12_flags & DC_ID_VALID) && dc_rec_id12(a) &&
        dc_rec_id12(a) == dc_rec_id12(b))
        return 0;
    if ((a->cmnd_flags & DC_ID_VALID) && (b->cmnd_flags & DC_ID_VALID) && a->cmnd && a->cmnd == b->cmnd)
        return 0;
    if ((mask & DC_CL_ID12) && (a->id12_flags & DC_ID_VALID) && (b->id12_flags & DC_ID_VALID) &&
        dc_rec_id12(a) && dc_rec_id12(b) && a->id12 != b->id12 && !one_edit(a->id12, b->id12, 12))
        return 1;
    if ((mask & DC_CL_SEX) && sex_known(a->sex) && sex_known(b->sex) && a->sex != b->sex) return 1;
    for (int k = 0, nx = dc_extra_count(); k < nx; k++)   /* declared "cannot_link" columns */
        if (dc_extra_def(k)->cannot_link) {
            uint32_t x = dc_extra_value(a, k), y = dc_extra_value(b, k);
            if (x && y && x != y) return 1;
        }
    if ((mask & (DC_CL_DOB | DC_CL_TWINS)) && date_full(&a->dob) && date_full(&b->dob)) {
        int l = cmp_dob(&a->dob, &b->dob);
        if ((mask & DC_CL_DOB) && (l == DC_DOB_SAME_YEAR || l == DC_DOB_DIFF)) return 1;
        /* twins: same surname, same full birth date, different given names */
        if ((mask & DC_CL_TWINS) && l == DC_DOB_EXACT && in && a->name.sur && a->name.sur == b->name.sur &&
            given_clearly_differ(in, &a->name, &b->name))
            return 1;
    }
    return 0;
}
