/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compare.c - per-field comparison levels and cannot-link evidence
 * (dc_match.h). Levels are listed strongest first; docs/MATCHING.md gives
 * the exact definition of each.
 */
#include "dc_match.h"

#include <stdlib.h>   /* abs */
#include <string.h>   /* memset */

static const char *const col_names[DC_COL__COUNT] = {
    "name", "dob", "id12", "cmnd", "sex", "ethnic", "residence", "hometown",
    "father", "mother", "spouse",
};
static const char *const name_lv[] = {"exact", "no_diacritics", "phonetic", "surname_given",
                                      "jw_high", "jw_low", "different"};
static const char *const dob_lv[] = {"exact", "compatible", "day_month_swapped", "one_off",
                                     "same_year", "different"};
static const char *const id_lv[] = {"equal", "one_digit", "different"};
static const char *const eq_lv[] = {"same", "different"};
static const char *const addr_lv[] = {"same_ward", "same_district", "same_province", "different"};
static const char *const rel_lv[] = {"exact", "no_diacritics", "phonetic", "jw_high", "different"};

const char *dc_col_name(dc_col_t c) { return (unsigned)c < DC_COL__COUNT ? col_names[c] : "?"; }

int dc_col_nlevels(dc_col_t c)
{
    switch (c) {
    case DC_COL_NAME: return DC_NAME__N;
    case DC_COL_DOB: return DC_DOB__N;
    case DC_COL_ID12: case DC_COL_CMND: return DC_ID__N;
    case DC_COL_SEX: case DC_COL_ETHNIC: return DC_EQ__N;
    case DC_COL_RESIDENCE: case DC_COL_HOMETOWN: return DC_ADDR__N;
    case DC_COL_FATHER: case DC_COL_MOTHER: case DC_COL_SPOUSE: return DC_REL__N;
    case DC_COL__COUNT: break;
    }
    return 0;
}

const char *dc_level_name(dc_col_t c, int level)
{
    if (level == DC_LV_MISSING) return "missing";
    if (level < 0 || level >= dc_col_nlevels(c)) return "?";
    switch (c) {
    case DC_COL_NAME: return name_lv[level];
    case DC_COL_DOB: return dob_lv[level];
    case DC_COL_ID12: case DC_COL_CMND: return id_lv[level];
    case DC_COL_SEX: case DC_COL_ETHNIC: return eq_lv[level];
    case DC_COL_RESIDENCE: case DC_COL_HOMETOWN: return addr_lv[level];
    default: return rel_lv[level];
    }
}

/* ------------------------------------------------------------ Jaro-Winkler */

double dc_jaro_winkler(const char *a, size_t na, const char *b, size_t nb)
{
    enum { MAXL = 128 };
    if (na > MAXL) na = MAXL;
    if (nb > MAXL) nb = MAXL;
    if (!na && !nb) return 1.0;
    if (!na || !nb) return 0.0;
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
    double md = (double)m;
    double jaro = (md / (double)na + md / (double)nb + (md - (double)t / 2.0) / md) / 3.0;
    size_t l = 0;
    while (l < 4 && l < na && l < nb && a[l] == b[l]) l++;
    return jaro + (double)l * 0.1 * (1.0 - jaro);
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

static int date_full(const dc_date_t *d)
{
    return d->prec == DC_PREC_DAY && d->m && d->d &&
           !(d->flags & (DC_DATE_INVALID | DC_DATE_AMBIGUOUS | DC_DATE_PLACEHOLDER));
}

static int sex_known(uint8_t s) { return s == DC_SEX_MALE || s == DC_SEX_FEMALE; }

static int cmp_name(const dc_intern_t *in, const dc_name_t *a, const dc_name_t *b)
{
    if (!a->ascii || !b->ascii || (a->flags & DC_NAME_PLACEHOLDER) || (b->flags & DC_NAME_PLACEHOLDER))
        return DC_LV_MISSING;
    if (a->exact == b->exact) return DC_NAME_EXACT;
    if (a->ascii == b->ascii) return DC_NAME_ASCII;
    if (a->phon && a->phon == b->phon) return DC_NAME_PHON;
    if (a->sur && a->given && a->sur == b->sur && a->given == b->given) return DC_NAME_SUR_GIVEN;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->ascii, &la), *sb = dc_intern_str(in, b->ascii, &lb);
    double jw = dc_jaro_winkler(sa, la, sb, lb);
    if (jw >= 0.92) return DC_NAME_JW_HIGH;
    if (jw >= 0.80) return DC_NAME_JW_LOW;
    return DC_NAME_DIFF;
}

static int cmp_rel(const dc_intern_t *in, const dc_relname_t *a, const dc_relname_t *b)
{
    if (!a->ascii || !b->ascii) return DC_LV_MISSING;
    if (a->exact == b->exact) return DC_REL_EXACT;
    if (a->ascii == b->ascii) return DC_REL_ASCII;
    if (a->phon && a->phon == b->phon) return DC_REL_PHON;
    size_t la, lb;
    const char *sa = dc_intern_str(in, a->ascii, &la), *sb = dc_intern_str(in, b->ascii, &lb);
    return dc_jaro_winkler(sa, la, sb, lb) >= 0.90 ? DC_REL_JW : DC_REL_DIFF;
}

static int cmp_dob(const dc_date_t *a, const dc_date_t *b)
{
    if (!date_ok(a) || !date_ok(b)) return DC_LV_MISSING;
    int p = a->prec < b->prec ? a->prec : b->prec;
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

static int cmp_id12(const dc_record_t *a, const dc_record_t *b)
{
    if (a->id12 && b->id12) return cmp_num(a->id12, b->id12);
    /* a 12-digit number in the old-card column equal to the other's ID */
    if (a->id12 && b->cmnd && (b->cmnd_flags & DC_ID_CMND12) && b->cmnd == a->id12) return DC_ID_EQ;
    if (b->id12 && a->cmnd && (a->cmnd_flags & DC_ID_CMND12) && a->cmnd == b->id12) return DC_ID_EQ;
    return DC_LV_MISSING;
}

static int cmp_cmnd(const dc_record_t *a, const dc_record_t *b)
{
    if (!a->cmnd || !b->cmnd) return DC_LV_MISSING;
    /* a 9-digit card against a 12-digit number cannot be compared */
    if (((a->cmnd_flags ^ b->cmnd_flags) & DC_ID_CMND12)) return DC_LV_MISSING;
    return cmp_num(a->cmnd, b->cmnd);
}

static int cmp_addr1(const dc_addr_t *a, const dc_addr_t *b)
{
    if (a->ward_old && b->ward_old && a->ward_old == b->ward_old) return DC_ADDR_WARD;
    if (a->ward_new && b->ward_new && a->ward_new == b->ward_new) return DC_ADDR_WARD;
    int comparable = (a->ward_old && b->ward_old) || (a->ward_new && b->ward_new);
    if (a->district_old && b->district_old) {
        if (a->district_old == b->district_old) return DC_ADDR_DISTRICT;
        comparable = 1;
    }
    if (a->prov_old && b->prov_old) return a->prov_old == b->prov_old ? DC_ADDR_PROV : DC_ADDR_DIFF;
    if (a->prov_new && b->prov_new) return a->prov_new == b->prov_new ? DC_ADDR_PROV : DC_ADDR_DIFF;
    return comparable ? DC_ADDR_DIFF : DC_LV_MISSING;
}

static int best(int x, int y)
{
    /* lower level = stronger; missing (15) is the weakest */
    return x < y ? x : y;
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
    int r = cmp_addr1(&a->perm, &b->perm);
    r = best(r, cmp_addr1(&a->cur, &b->cur));
    r = best(r, cmp_addr1(&a->perm, &b->cur));
    r = best(r, cmp_addr1(&a->cur, &b->perm));
    lv[DC_COL_RESIDENCE] = (uint8_t)r;
    lv[DC_COL_HOMETOWN] = (uint8_t)cmp_addr1(&a->hometown, &b->hometown);
    lv[DC_COL_FATHER] = (uint8_t)cmp_rel(in, &a->father, &b->father);
    lv[DC_COL_MOTHER] = (uint8_t)cmp_rel(in, &a->mother, &b->mother);
    lv[DC_COL_SPOUSE] = (uint8_t)cmp_rel(in, &a->spouse, &b->spouse);
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

int dc_cannot_link(const dc_record_t *a, const dc_record_t *b)
{
    if ((a->id12_flags & DC_ID_VALID) && (b->id12_flags & DC_ID_VALID) && a->id12 != b->id12 &&
        !one_edit(a->id12, b->id12, 12))
        return 1;
    if (sex_known(a->sex) && sex_known(b->sex) && a->sex != b->sex) return 1;
    if (date_full(&a->dob) && date_full(&b->dob)) {
        int l = cmp_dob(&a->dob, &b->dob);
        if (l == DC_DOB_SAME_YEAR || l == DC_DOB_DIFF) return 1;
    }
    return 0;
}
