/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_date.c - tests of date parsing (norm_date.c): every accepted
 * format, placeholders, serial numbers, invalid and ambiguous dates. */
#include "dc_test.h"
#include "normalize/dc_normalize.h"

#include <string.h>

enum { I = DC_DATE_INVALID, P = DC_DATE_PLACEHOLDER, S = DC_DATE_SERIAL, T = DC_DATE_TWO_DIGIT,
       A = DC_DATE_AMBIGUOUS, W = DC_DATE_SWAPPED, F = DC_DATE_FUTURE };

static const struct {
    const char *in;
    int y, m, d, prec, flags;
} cases[] = {
    /* dd/mm/yyyy family */
    {"15/08/1990", 1990, 8, 15, 3, 0},
    {"5/8/1990", 1990, 8, 5, 3, A},
    {"05/08/1990", 1990, 8, 5, 3, A},
    {"15-08-1990", 1990, 8, 15, 3, 0},
    {"15.08.1990", 1990, 8, 15, 3, 0},
    {"15 08 1990", 1990, 8, 15, 3, 0},
    {" 15/08/1990 ", 1990, 8, 15, 3, 0},
    {"'15/08/1990", 1990, 8, 15, 3, 0},
    {"31/12/1999", 1999, 12, 31, 3, 0},
    {"29/02/2000", 2000, 2, 29, 3, 0},
    {"29/02/1996", 1996, 2, 29, 3, 0},
    {"07/07/1977", 1977, 7, 7, 3, 0},
    /* ISO and compact */
    {"1990-08-15", 1990, 8, 15, 3, 0},
    {"1990-8-5", 1990, 8, 5, 3, 0},
    {"1990/08/15", 1990, 8, 15, 3, 0},
    {"1990-08-15 00:00:00", 1990, 8, 15, 3, 0},
    {"1990-08-15T00:00:00Z", 1990, 8, 15, 3, 0},
    {"19900815", 1990, 8, 15, 3, 0},
    {"15081990", 1990, 8, 15, 3, 0},
    {"05081990", 1990, 8, 5, 3, A},
    /* two-digit years, pivot 30 */
    {"15/08/90", 1990, 8, 15, 3, T},
    {"15/08/05", 2005, 8, 15, 3, T},
    {"15/08/30", 0, 0, 0, 0, T | I | F},
    {"15/08/31", 1931, 8, 15, 3, T},
    {"150890", 1990, 8, 15, 3, T},
    /* month and year precision */
    {"08/1990", 1990, 8, 0, 2, 0},
    {"8/1990", 1990, 8, 0, 2, 0},
    {"1990-08", 1990, 8, 0, 2, 0},
    {"08/90", 1990, 8, 0, 2, T},
    {"1990", 1990, 0, 0, 1, 0},
    {"00/00/1950", 1950, 0, 0, 1, P},
    {"0/0/1950", 1950, 0, 0, 1, P},
    {"00/1950", 1950, 0, 0, 1, P},
    {"00/08/1950", 1950, 8, 0, 2, 0},
    {"01/01/1950", 1950, 1, 1, 3, P},
    {"1/1/1950", 1950, 1, 1, 3, P},
    {"1950-01-01", 1950, 1, 1, 3, P},
    /* spreadsheet serials (1900 system) */
    {"18264", 1950, 1, 1, 3, S | P},
    {"32874", 1990, 1, 1, 3, S | P},
    {"33100", 1990, 8, 15, 3, S},
    {"33100.0", 1990, 8, 15, 3, S},
    {"60", 0, 0, 0, 0, I},
    /* swapped day/month (mm/dd/yyyy) */
    {"08/15/1990", 1990, 8, 15, 3, W},
    {"12/31/1999", 1999, 12, 31, 3, W},
    /* invalid */
    {"31/02/1990", 1990, 0, 0, 1, I},
    {"30/02/1990", 1990, 0, 0, 1, I},
    {"29/02/1900", 1900, 0, 0, 1, I},
    {"29/02/1999", 1999, 0, 0, 1, I},
    {"31/04/1990", 1990, 0, 0, 1, I},
    {"32/01/1990", 1990, 0, 0, 1, I},
    {"15/13/1990", 1990, 0, 0, 1, I},
    {"13/13/1990", 1990, 0, 0, 1, I},
    {"15/00/1990", 1990, 0, 0, 1, I},
    {"15/08/2090", 0, 0, 0, 0, I | F},
    {"3000", 0, 0, 0, 0, I | F},
    {"1700", 0, 0, 0, 0, I},
    {"abc", 0, 0, 0, 0, I},
    {"15/08", 0, 0, 0, 0, I},
    {"15/08/1990/1", 0, 0, 0, 0, I},
    {"123", 0, 0, 0, 0, I},
    {"1234567", 0, 0, 0, 0, I},
    {"không rõ", 0, 0, 0, 0, I},
    {"15/8/199", 0, 0, 0, 0, I},
    /* written out */
    {"ngày 15 tháng 8 năm 1990", 1990, 8, 15, 3, 0},
    {"Ngày 05 tháng 08 năm 1990", 1990, 8, 5, 3, A},
    {"NGAY 15 THANG 08 NAM 1990", 1990, 8, 15, 3, 0},
    {"tháng 8/1990", 1990, 8, 0, 2, 0},
    {"Năm 1990", 1990, 0, 0, 1, 0},
    {"năm sinh 1990", 1990, 0, 0, 1, 0},
    {"ngày 31 tháng 2 năm 1990", 1990, 0, 0, 1, I},
    {"khoảng 1990", 0, 0, 0, 0, I},
    /* empty */
    {"", 0, 0, 0, 0, 0},
    {"   ", 0, 0, 0, 0, 0},
    {"0", 0, 0, 0, 0, 0},
};

START_TEST(test_dates)
{
    dc_norm_opts_t o = {0};
    o.century_pivot = 30;
    o.ref_year = 2026;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_date_t d;
        dc_norm_date(&o, cases[i].in, strlen(cases[i].in), &d);
        ck_assert_msg(d.y == cases[i].y && d.m == cases[i].m && d.d == cases[i].d &&
                          d.prec == cases[i].prec && d.flags == cases[i].flags,
                      "'%s': got %d-%d-%d prec %d flags %#x, want %d-%d-%d prec %d flags %#x",
                      cases[i].in, d.y, d.m, d.d, d.prec, d.flags, cases[i].y, cases[i].m, cases[i].d,
                      cases[i].prec, cases[i].flags);
    }
}
END_TEST

START_TEST(test_pivot_and_format)
{
    dc_norm_opts_t o = {0};
    o.century_pivot = 10;
    dc_date_t d;
    dc_norm_date(&o, "15/08/15", 8, &d);
    ck_assert_int_eq(d.y, 1915);
    o.century_pivot = 20;
    dc_norm_date(&o, "15/08/15", 8, &d);
    ck_assert_int_eq(d.y, 2015);
    char buf[16];
    dc_norm_date(&o, "05/08/1990", 10, &d);
    ck_assert_str_eq(dc_date_format(&d, buf), "1990-08-05");
    dc_norm_date(&o, "08/1990", 7, &d);
    ck_assert_str_eq(dc_date_format(&d, buf), "1990-08");
    dc_norm_date(&o, "00/00/1990", 10, &d);
    ck_assert_str_eq(dc_date_format(&d, buf), "1990");
    dc_norm_date(&o, "xx", 2, &d);
    ck_assert_str_eq(dc_date_format(&d, buf), "");
    dc_buf_t b = DC_BUF_INIT;
    dc_date_flags_str(DC_DATE_SERIAL | DC_DATE_PLACEHOLDER, &b);
    ck_assert_str_eq(b.p, "placeholder|serial");
    dc_buf_free(&b);
    /* every serial from 1 to 50000 except 60 gives a valid day, one day apart */
    dc_date_t prev = {0, 0, 0, 0, 0};
    o.ref_year = 2200;
    for (int s = 10000; s < 50000; s++) {
        char in[16];
        snprintf(in, sizeof in, "%d", s);
        dc_norm_date(&o, in, strlen(in), &d);
        ck_assert_int_eq(d.prec, DC_PREC_DAY);
        if (s > 10000) {
            int next = (d.d == prev.d + 1 && d.m == prev.m) || (d.d == 1 && (d.m == prev.m + 1 || (d.m == 1 && d.y == prev.y + 1)));
            ck_assert_msg(next, "serial %d", s);
        }
        prev = d;
    }
}
END_TEST

/* min_year (settings "dob_min_year"): the register reads years before
 * 1800 as invalid; a lower bound accepts them, in every date form. */
START_TEST(test_min_year)
{
    dc_norm_opts_t o = {0};
    dc_date_t d;
    static const char *const in[] = {"01/08/1630", "1630-08-01", "16300801", "1630"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        o.min_year = 0;
        dc_norm_date(&o, in[i], strlen(in[i]), &d);
        ck_assert_msg(d.y == 0 && (d.flags & DC_DATE_INVALID), "'%s' with the register's range", in[i]);
        o.min_year = 1500;
        dc_norm_date(&o, in[i], strlen(in[i]), &d);
        ck_assert_msg(d.y == 1630 && !(d.flags & DC_DATE_INVALID), "'%s' from 1500", in[i]);
        ck_assert_int_eq(d.prec, i == 3 ? DC_PREC_YEAR : DC_PREC_DAY);
    }
    o.min_year = 1700;
    dc_norm_date(&o, "01/08/1630", 10, &d);
    ck_assert(d.flags & DC_DATE_INVALID);
    dc_norm_date(&o, "01/08/1700", 10, &d);
    ck_assert_int_eq(d.y, 1700);
}
END_TEST

static Suite *date_suite(void)
{
    Suite *s = suite_create("date");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_pivot_and_format);
    tcase_add_test(tc, test_min_year);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(date_suite(), "date"); }
