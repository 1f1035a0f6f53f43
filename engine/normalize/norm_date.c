/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_date.c - dates of birth and death (docs/NORMALIZATION.md, "Dates").
 *
 * Accepted: dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd mm yyyy,
 * yyyy-mm-dd (ISO, also with a time part), yyyymmdd, ddmmyyyy, dd/mm/yy and
 * ddmmyy (century by the pivot), mm/yyyy, yyyy-mm, yyyy, 00/00/yyyy and
 * 00/mm/yyyy (year or month precision), spreadsheet serial numbers (5
 * digits, 1900 date system with Lotus's 1900-02-29). Anything else is
 * DC_DATE_INVALID with no precision.
 */
#include "normalize/norm_internal.h"

#include <string.h>   /* memset, strcmp */

#define MIN_YEAR 1800   /* the register's earliest year; dc_norm_opts_t.min_year lowers it */

static int min_year(const dc_norm_opts_t *o) { return o && o->min_year ? o->min_year : MIN_YEAR; }

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int mdays(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Spreadsheet serial (1900 system): 1 = 1900-01-01; 60 is Lotus's
 * non-existent 1900-02-29; from 61 on, day 0 is 1899-12-30. */
static int from_serial(long serial, dc_date_t *out)
{
    if (serial == 60) return -1;
    long days1970 = serial < 60 ? serial - 25568 : serial - 25569;
    int y, m, d;
    civil_from_days(days1970, &y, &m, &d);
    out->y = (int16_t)y;
    out->m = (uint8_t)m;
    out->d = (uint8_t)d;
    return 0;
}

static long num(const char *s, size_t n)
{
    long v = 0;
    for (size_t i = 0; i < n && i < 9; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static void set_invalid(dc_date_t *out)
{
    out->y = 0;
    out->m = out->d = 0;
    out->prec = DC_PREC_NONE;
    out->flags |= DC_DATE_INVALID;
}

/* Validate y/m/d (m or d may be 0) and set precision and flags. `iso`: the
 * order was explicit (year first), no day/month ambiguity. */
static void finish(const dc_norm_opts_t *o, int y, int m, int d, int iso, dc_date_t *out)
{
    int ref = o && o->ref_year ? o->ref_year : 2026;
    if (y < min_year(o) || y > ref) {
        if (y > ref) out->flags |= DC_DATE_FUTURE;
        set_invalid(out);
        return;
    }
    out->y = (int16_t)y;
    if (m == 0 && d == 0) {
        out->prec = DC_PREC_YEAR;
        out->flags |= DC_DATE_PLACEHOLDER;
        return;
    }
    if (!iso && m > 12 && d >= 1 && d <= 12) {   /* mm/dd/yyyy */
        int t = m; m = d; d = t;
        out->flags |= DC_DATE_SWAPPED;
    }
    if (m < 1 || m > 12) {
        out->prec = DC_PREC_YEAR;
        out->flags |= DC_DATE_INVALID;
        return;
    }
    out->m = (uint8_t)m;
    if (d == 0) {
        out->prec = DC_PREC_MONTH;
        return;
    }
    if (d > mdays(y, m)) {
        out->m = 0;
        out->prec = DC_PREC_YEAR;
        out->flags |= DC_DATE_INVALID;
        return;
    }
    out->d = (uint8_t)d;
    out->prec = DC_PREC_DAY;
    if (d == 1 && m == 1) out->flags |= DC_DATE_PLACEHOLDER;
    else if (!iso && !(out->flags & DC_DATE_SWAPPED) && d <= 12 && m <= 12 && d != m)
        out->flags |= DC_DATE_AMBIGUOUS;
}

static int two_digit_year(const dc_norm_opts_t *o, int yy, dc_date_t *out)
{
    int pivot = o && o->century_pivot > 0 ? o->century_pivot : 30;
    out->flags |= DC_DATE_TWO_DIGIT;
    return yy <= pivot ? 2000 + yy : 1900 + yy;
}

static void parse_numeric(const dc_norm_opts_t *o, const char *s, size_t n, dc_date_t *out);

/* "ngày 15 tháng 8 năm 1990", "Năm 1990", "tháng 8/1990": the words ngày,
 * tháng, năm (with or without diacritics, any case) around the numbers are
 * dropped and the numbers read as dd mm yyyy. Anything else: invalid. */
static void parse_words(const dc_norm_opts_t *o, const char *s, size_t n, dc_date_t *out)
{
    dc_text_t t;
    char buf[64];
    size_t k = 0;
    dc_text_decode(s, n, &t);
    for (int j = 0; j < t.n; j++) {
        char a[DC_TOK_BYTES];
        size_t al = dc_token_ascii(&t.t[j], a, sizeof a);
        int digits = al > 0;
        for (size_t i = 0; i < al; i++) digits &= a[i] >= '0' && a[i] <= '9';
        if (digits) {
            if (k + al + 2 > sizeof buf) break;
            if (k) buf[k++] = ' ';
            memcpy(buf + k, a, al);
            k += al;
        } else if (strcmp(a, "ngay") && strcmp(a, "thang") && strcmp(a, "nam") && strcmp(a, "sinh")) {
            set_invalid(out);
            return;
        }
    }
    if (!k) { set_invalid(out); return; }
    parse_numeric(o, buf, k, out);
}

void dc_norm_date(const dc_norm_opts_t *o, const char *s, size_t n, dc_date_t *out)
{
    memset(out, 0, sizeof *out);
    while (n && (*s == ' ' || *s == '\t' || *s == '\'' || *s == '"')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"' || s[n - 1] == '\r')) n--;
    if (!n) return;
    /* drop a time part: "1990-05-12 00:00:00", "1990-05-12T00:00:00Z" */
    for (size_t i = 1; i < n; i++) {
        if ((s[i] == ' ' || s[i] == 'T') && memchr(s + i, ':', n - i)) { n = i; break; }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= '0' && c <= '9') && c != '/' && c != '-' && c != '.' && c != ' ') {
            parse_words(o, s, n, out);
            return;
        }
    }
    parse_numeric(o, s, n, out);
}

/* dd/mm/yyyy and the other numeric forms (s holds digits and separators). */
static void parse_numeric(const dc_norm_opts_t *o, const char *s, size_t n, dc_date_t *out)
{
    /* numeric groups */
    const char *g[4];
    size_t gl[4];
    int ng = 0;
    char sep = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (ng == 4) { set_invalid(out); return; }
            g[ng] = s + i;
            size_t j = i;
            while (j < n && s[j] >= '0' && s[j] <= '9') j++;
            gl[ng++] = j - i;
            i = j;
        } else if (s[i] == '/' || s[i] == '-' || s[i] == '.' || s[i] == ' ') {
            if (!sep) sep = s[i];
            i++;
        } else {
            set_invalid(out);
            return;
        }
    }
    if (ng == 0) { set_invalid(out); return; }
    /* "18264.0": a serial written as a decimal */
    if (ng == 2 && sep == '.' && gl[0] == 5 && num(g[1], gl[1]) == 0) ng = 1;

    if (ng == 1) {
        size_t L = gl[0];
        long v = num(g[0], L);
        if (L > 9) { set_invalid(out); return; }
        if (v == 0) return;   /* "0", "0000": no date */
        if (L == 4) { finish(o, (int)v, 0, 0, 1, out); out->flags &= (uint8_t)~DC_DATE_PLACEHOLDER; return; }
        if (L == 8) {
            int y = (int)num(g[0], 4), m = (int)num(g[0] + 4, 2), d = (int)num(g[0] + 6, 2);
            int ref = o && o->ref_year ? o->ref_year : 2026;
            if (y >= min_year(o) && y <= ref && m >= 1 && m <= 12 && d >= 1 && d <= mdays(y, m)) {
                finish(o, y, m, d, 1, out);
                return;
            }
            finish(o, (int)num(g[0] + 4, 4), (int)num(g[0] + 2, 2), (int)num(g[0], 2), 0, out);
            return;
        }
        if (L == 6) {
            int yy = (int)num(g[0] + 4, 2);
            finish(o, two_digit_year(o, yy, out), (int)num(g[0] + 2, 2), (int)num(g[0], 2), 0, out);
            return;
        }
        if (L == 5) {
            dc_date_t d = {0, 0, 0, 0, 0};
            out->flags |= DC_DATE_SERIAL;
            if (from_serial(v, &d) < 0) { set_invalid(out); return; }
            finish(o, d.y, d.m, d.d, 1, out);
            return;
        }
        set_invalid(out);
        return;
    }
    if (ng == 2) {
        if (gl[0] == 4 && gl[1] <= 2) { finish(o, (int)num(g[0], 4), (int)num(g[1], gl[1]), 0, 1, out); return; }
        if (gl[1] == 4 && gl[0] <= 2) {
            int m = (int)num(g[0], gl[0]);
            finish(o, (int)num(g[1], 4), m, 0, 1, out);
            if (m == 0 && !(out->flags & DC_DATE_INVALID)) out->flags |= DC_DATE_PLACEHOLDER;
            return;
        }
        if (gl[1] == 2 && gl[0] <= 2) {
            /* mm/yy only when the first number is a month ("15/08" is a
             * day and a month without a year: invalid) */
            int m = (int)num(g[0], gl[0]);
            if (m < 1 || m > 12) { set_invalid(out); return; }
            int y = two_digit_year(o, (int)num(g[1], 2), out);
            finish(o, y, (int)num(g[0], gl[0]), 0, 1, out);
            return;
        }
        set_invalid(out);
        return;
    }
    if (ng == 3) {
        if (gl[0] == 4 && gl[1] <= 2 && gl[2] <= 2) {
            finish(o, (int)num(g[0], 4), (int)num(g[1], gl[1]), (int)num(g[2], gl[2]), 1, out);
            return;
        }
        if (gl[0] <= 2 && gl[1] <= 2 && (gl[2] == 4 || gl[2] == 2)) {
            int y = gl[2] == 4 ? (int)num(g[2], 4) : two_digit_year(o, (int)num(g[2], 2), out);
            finish(o, y, (int)num(g[1], gl[1]), (int)num(g[0], gl[0]), 0, out);
            return;
        }
    }
    set_invalid(out);
}

char *dc_date_format(const dc_date_t *d, char *buf)
{
    unsigned y = (unsigned)d->y % 10000u, m = d->m % 100u, dd = d->d % 100u;
    switch (d->prec) {
    case DC_PREC_DAY: snprintf(buf, 11, "%04u-%02u-%02u", y, m, dd); break;
    case DC_PREC_MONTH: snprintf(buf, 11, "%04u-%02u", y, m); break;
    case DC_PREC_YEAR: snprintf(buf, 11, "%04u", y); break;
    default: buf[0] = 0;
    }
    return buf;
}
