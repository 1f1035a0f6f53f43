/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_match.c - tests of engine/match: rules, blocking, comparison levels,
 * cannot-link, EM, clustering, model.json, on hand-built records. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "match/dc_match.h"
#include "common/dc_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static dc_intern_t *IN;

static uint32_t S(const char *s) { return dc_intern(IN, s, strlen(s)); }

/* A record from "sur|mid|given" ascii parts (exact = ascii unless given),
 * a yyyymmdd date (0 none; yyyy0000 year only), an ID and a sex. */
static dc_record_t rec(const char *exact, const char *sur, const char *mid, const char *given,
                       uint32_t dob, uint64_t id12, int sex)
{
    dc_record_t r;
    memset(&r, 0, sizeof r);
    char full[128];
    snprintf(full, sizeof full, "%s%s%s%s%s", sur, *mid ? " " : "", mid, " ", given);
    r.name.exact = S(exact ? exact : full);
    r.name.ascii = S(full);
    char phon[160];
    snprintf(phon, sizeof phon, "P:%s", full);
    r.name.phon = S(phon);
    r.name.sur = S(sur);
    r.name.mid = *mid ? S(mid) : 0;
    r.name.given = S(given);
    r.name.given_phon = S(given);
    if (dob) {
        r.dob.y = (int16_t)(dob / 10000);
        r.dob.m = (uint8_t)(dob / 100 % 100);
        r.dob.d = (uint8_t)(dob % 100);
        r.dob.prec = r.dob.d ? DC_PREC_DAY : r.dob.m ? DC_PREC_MONTH : DC_PREC_YEAR;
    }
    if (id12) {
        r.id12 = id12;
        r.id12_flags = DC_ID_PRESENT | DC_ID_VALID;
    }
    r.sex = (uint8_t)sex;
    return r;
}

static void setup(void) { IN = dc_intern_create(); }
static void teardown(void) { dc_intern_free(IN); IN = NULL; }


/* Settings file: extra columns, comparison thresholds, decision thresholds
 * (docs/SETTINGS.md); canonical text re-parses to the same settings. */
START_TEST(test_settings_parse)
{
    dc_rules_t r;
    ck_assert_int_eq(dc_rules_parse("column email text fuzzy 0.9\ncolumn passport exact cannot_link\n"
                                    "column phone digits\nthreshold name_jw_high 0.95\nmatch_threshold 0.8\n"
                                    "review_threshold 0.3\nemail\nphone+dob @ passport\n", "t", &r), 0);
    ck_assert_int_eq(r.nextra, 3);
    ck_assert_str_eq(r.extra[0].name, "email");
    ck_assert_int_eq(r.extra[0].norm, DC_XN_TEXT);
    ck_assert(r.extra[0].fuzzy > 0.89f && r.extra[0].fuzzy < 0.91f);
    ck_assert_int_eq(r.extra[1].norm, DC_XN_EXACT);
    ck_assert_int_eq(r.extra[1].cannot_link, 1);
    ck_assert_int_eq(r.extra[2].norm, DC_XN_DIGITS);
    ck_assert_double_eq(r.cmp.name_jw_high, 0.95);
    ck_assert_double_eq(r.cmp.name_jw_low, 0.80);
    ck_assert_double_eq(r.match_threshold, 0.8);
    ck_assert_double_eq(r.review_threshold, 0.3);
    ck_assert_str_eq(r.r[0].text, "email");
    ck_assert_str_eq(r.r[1].text, "phone+dob @ passport");
    ck_assert_int_eq(r.r[0].keys[0], DC_BK_X0);
    dc_buf_t b = DC_BUF_INIT;
    dc_rules_text(&r, &b);
    dc_rules_t r2;
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &r2), 0);
    ck_assert_int_eq(r2.nextra, 3);
    ck_assert_mem_eq(r2.extra, r.extra, sizeof r.extra);
    ck_assert_double_eq(r2.cmp.name_jw_high, 0.95);
    ck_assert_double_eq(r2.match_threshold, 0.8);
    ck_assert_str_eq(r2.r[1].text, "phone+dob @ passport");
    dc_rules_free(&r2);
    dc_buf_free(&b);
    dc_rules_scoring_text(&r, &b);
    ck_assert_str_eq(b.p, "column email text fuzzy 0.9\ncolumn passport exact cannot_link\ncolumn phone digits\n"
                          "threshold name_jw_high 0.95\n");
    dc_buf_free(&b);
    dc_rules_free(&r);
    /* fixed u: a register column's level, an extra column's */
    ck_assert_int_eq(dc_rules_parse("column email text fuzzy 0.9\nu cmnd equal 0.00001\nu email similar 0.01\nid12\n",
                                    "t", &r), 0);
    ck_assert_int_eq(r.nfixed_u, 2);
    ck_assert_int_eq(r.fixed_u[0].col, DC_COL_CMND);
    ck_assert_int_eq(r.fixed_u[0].level, DC_ID_EQ);
    ck_assert_int_eq(r.fixed_u[1].col, DC_COL_X0);
    ck_assert_int_eq(r.fixed_u[1].level, DC_XLV_SIMILAR);
    dc_rules_scoring_text(&r, &b);
    ck_assert_str_eq(b.p, "column email text fuzzy 0.9\nu cmnd equal 1e-05\nu email similar 0.01\n");
    dc_rules_use(&r);
    dc_model_t m;
    dc_model_init_default(&m);
    ck_assert_double_eq(m.u[DC_COL_CMND][DC_ID_EQ], 0.00001);
    ck_assert_double_eq_tol(m.u[DC_COL_CMND][0] + m.u[DC_COL_CMND][1] + m.u[DC_COL_CMND][2], 1, 1e-12);
    ck_assert_double_eq(m.u[DC_COL_X0][DC_XLV_SIMILAR], 0.01);
    dc_rules_free(&r);
    ck_assert_int_eq(dc_rules_parse("id12\n", "t", &r), 0);
    dc_rules_use(&r);
    dc_model_init_default(&m);
    ck_assert_double_eq(m.u[DC_COL_CMND][DC_ID_EQ], 1e-7);
    dc_buf_free(&b);
    dc_rules_free(&r);
    /* the defaults: nothing to record */
    ck_assert_int_eq(dc_rules_parse(dc_rules_default_text(), "default", &r), 0);
    dc_rules_scoring_text(&r, &b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(r.nextra, 0);
    ck_assert_double_eq(r.match_threshold, DC_MATCH_THRESHOLD_DEFAULT);
    ck_assert_double_eq(r.review_threshold, DC_REVIEW_THRESHOLD_DEFAULT);
    dc_buf_free(&b);
    dc_rules_free(&r);
    /* errors name the line */
    static const char *const bad[] = {
        "email\n",                                       /* not declared */
        "id12\ncolumn email\nemail\ncolumn email\n",     /* twice */
        "column dob\nid12\n",                            /* a field name */
        "column e@mail\nid12\n",
        "column email fuzzy\nid12\n",
        "column email fuzzy 1.5\nid12\n",
        "column email soundex\nid12\n",
        "column a\ncolumn b\ncolumn c\ncolumn d\ncolumn e\ncolumn f\nid12\n",
        "threshold name_jw 0.9\nid12\n",
        "threshold name_jw_low 0.95\nid12\n",            /* above name_jw_high */
        "match_threshold 2\nid12\n",
        "match_threshold 0.5 0.6\nid12\n",
        "match_threshold 0.5\nreview_threshold 0.6\nid12\n",
        "u email same 0.1\ncolumn email\nid12\n",         /* used before declared */
        "u cmnd same 0.1\nid12\n",                          /* no such level */
        "u cmnd equal 1\nid12\n",
        "u cmnd equal 0.1\nu cmnd equal 0.2\nid12\n",
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        ck_assert_msg(dc_rules_parse(bad[i], "t", &r) == -1, "accepted: %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(dc_geterr(), "t"));
    }
}
END_TEST

/* Extra columns: normalization, levels, blocking keys and cannot-link
 * evidence read from the values bound beside the records. */
START_TEST(test_extra_columns)
{
    char o[64];
    ck_assert_uint_eq(dc_extra_normalize(DC_XN_TEXT, " A.B-12 x ", 10, o, sizeof o), 5);
    ck_assert_str_eq(o, "ab12x");
    ck_assert_uint_eq(dc_extra_normalize(DC_XN_DIGITS, "(02) 9876-5432", 14, o, sizeof o), 10);
    ck_assert_str_eq(o, "0298765432");
    ck_assert_uint_eq(dc_extra_normalize(DC_XN_EXACT, "  AbC ", 6, o, sizeof o), 3);
    ck_assert_str_eq(o, "AbC");
    ck_assert_uint_eq(dc_extra_normalize(DC_XN_DIGITS, "n/a", 3, o, sizeof o), 0);

    dc_rules_t r;
    ck_assert_int_eq(dc_rules_parse("column email text fuzzy 0.9\ncolumn passport text cannot_link\nemail\n", "t", &r), 0);
    dc_rules_use(&r);
    ck_assert_int_eq(dc_col_count(), DC_COL_X0 + 2);
    ck_assert_str_eq(dc_col_name(DC_COL_X0), "email");
    ck_assert_int_eq(dc_col_nlevels(DC_COL_X0), 3);
    ck_assert_int_eq(dc_col_nlevels((dc_col_t)(DC_COL_X0 + 1)), 2);
    ck_assert_str_eq(dc_level_name(DC_COL_X0, 1), "similar");
    ck_assert_str_eq(dc_level_name((dc_col_t)(DC_COL_X0 + 1), 1), "different");
    dc_record_t rec[4];
    memset(rec, 0, sizeof rec);
    uint32_t v[8] = {
        dc_intern(IN, "robert255smithnet", 17), dc_intern(IN, "p1", 2),
        dc_intern(IN, "robert255smithnet", 17), dc_intern(IN, "p2", 2),
        dc_intern(IN, "roberta25smithnet", 17), 0,
        0, dc_intern(IN, "p1", 2),
    };
    uint8_t lv[DC_COL__COUNT];
    dc_compare(IN, &rec[0], &rec[1], lv);   /* not bound yet: missing */
    ck_assert_int_eq(lv[DC_COL_X0], DC_LV_MISSING);
    dc_extra_bind(rec, 4, v);
    dc_compare(IN, &rec[0], &rec[1], lv);
    ck_assert_int_eq(lv[DC_COL_X0], DC_XLV_SAME);
    ck_assert_int_eq(lv[DC_COL_X0 + 1], 1);                 /* passports differ */
    ck_assert_int_eq(dc_cannot_link_mask(IN, &rec[0], &rec[1], 0), 1);
    dc_compare(IN, &rec[0], &rec[2], lv);
    ck_assert_int_eq(lv[DC_COL_X0], DC_XLV_SIMILAR);
    ck_assert_int_eq(lv[DC_COL_X0 + 1], DC_LV_MISSING);
    ck_assert_int_eq(dc_cannot_link_mask(IN, &rec[0], &rec[2], DC_CL_ALL), 0);
    dc_compare(IN, &rec[0], &rec[3], lv);
    ck_assert_int_eq(lv[DC_COL_X0], DC_LV_MISSING);
    ck_assert_int_eq(lv[DC_COL_X0 + 1], DC_XLV_SAME);
    /* a record outside the bound array has no value */
    dc_record_t other = rec[0];
    dc_compare(IN, &other, &rec[1], lv);
    ck_assert_int_eq(lv[DC_COL_X0], DC_LV_MISSING);
    /* blocking: the email rule pairs 0 and 1 only (2's address differs, 3 has none) */
    uint64_t *pairs = NULL;
    dc_block_stats_t st;
    size_t np = dc_block_pairs(rec, 4, IN, &r, 1, &pairs, &st);
    ck_assert_uint_eq(np, 0);   /* 0-1 was the only pair, and the passports veto it */
    ck_assert_uint_eq(st.dropped_cannot_link, 1);
    free(pairs);
    dc_block_stats_free(&st);
    v[3] = v[1];   /* same passport: the pair stays */
    np = dc_block_pairs(rec, 4, IN, &r, 1, &pairs, &st);
    ck_assert_uint_eq(np, 1);
    ck_assert_uint_eq(pairs[0], 1);   /* 0 << 32 | 1 */
    free(pairs);
    dc_block_stats_free(&st);
    /* exact copies must agree on the extra columns too */
    ck_assert_int_eq(dc_record_same_content(&rec[0], &rec[1]), 1);
    ck_assert_int_eq(dc_record_same_content(&rec[0], &rec[2]), 0);
    dc_extra_use(NULL, 0);
    ck_assert_int_eq(dc_col_count(), DC_COL_X0);
    ck_assert_int_eq(dc_record_same_content(&rec[0], &rec[2]), 1);
    dc_rules_free(&r);
}
END_TEST

START_TEST(test_rules_parse)
{
    dc_rules_t r;
    ck_assert_int_eq(dc_rules_parse(dc_rules_default_text(), "default", &r), 0);
    ck_assert_uint_ge(r.n, 6);
    ck_assert_str_eq(r.r[0].text, "id12");
    dc_buf_t b = DC_BUF_INIT;
    dc_rules_text(&r, &b);
    dc_rules_t r2;
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &r2), 0);
    ck_assert_uint_eq(r2.n, r.n);
    for (size_t i = 0; i < r.n; i++) ck_assert_str_eq(r.r[i].text, r2.r[i].text);
    ck_assert_uint_eq(r2.max_block, r.max_block);
    ck_assert_int_eq(r.drop_cannot_link, 1);
    ck_assert_int_eq(r2.drop_cannot_link, 1);
    dc_rules_free(&r2);
    dc_rules_free(&r);
    dc_buf_free(&b);

    /* a pair condition, after the sort fields; canonical text keeps it */
    ck_assert_int_eq(dc_rules_parse("name_phon + dob_year @ dob ! dob_vague\nname_phon+dob_unordered\n", "t", &r), 0);
    ck_assert_str_eq(r.r[0].text, "name_phon+dob_year @ dob ! dob_vague");
    ck_assert_int_eq(r.r[0].require, DC_REQ_DOB_VAGUE);
    ck_assert_int_eq(r.r[1].require, DC_REQ_NONE);
    dc_rules_text(&r, &b);
    dc_rules_free(&r);
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &r), 0);
    ck_assert_str_eq(r.r[0].text, "name_phon+dob_year @ dob ! dob_vague");
    dc_rules_free(&r);
    dc_buf_free(&b);

    ck_assert_int_eq(dc_rules_parse("drop_cannot_link   no\ndob\n", "t", &r), 0);
    ck_assert_int_eq(r.drop_cannot_link, 0);
    dc_rules_text(&r, &b);
    ck_assert_ptr_nonnull(strstr(b.p, "drop_cannot_link no\n"));
    dc_rules_free(&r);
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &r), 0);
    ck_assert_int_eq(r.drop_cannot_link, 0);
    dc_rules_free(&r);
    dc_buf_free(&b);

    /* which kinds of cannot-link evidence apply; canonical text keeps the setting */
    ck_assert_int_eq(dc_rules_parse("dob\n", "t", &r), 0);
    ck_assert_int_eq(r.cannot_link, DC_CL_ALL);
    dc_rules_text(&r, &b);
    ck_assert_ptr_null(strstr(b.p, "\ncannot_link "));
    dc_buf_free(&b);
    dc_rules_free(&r);
    ck_assert_int_eq(dc_rules_parse("cannot_link id12, sex\ndob\n", "t", &r), 0);
    ck_assert_int_eq(r.cannot_link, DC_CL_ID12 | DC_CL_SEX);
    dc_rules_text(&r, &b);
    ck_assert_ptr_nonnull(strstr(b.p, "cannot_link id12,sex\n"));
    dc_rules_free(&r);
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &r), 0);
    ck_assert_int_eq(r.cannot_link, DC_CL_ID12 | DC_CL_SEX);
    dc_rules_free(&r);
    dc_buf_free(&b);
    ck_assert_int_eq(dc_rules_parse("cannot_link none\ndob ! dob_none\n", "t", &r), 0);
    ck_assert_int_eq(r.cannot_link, 0);
    ck_assert_str_eq(r.r[0].text, "dob ! dob_none");
    ck_assert_int_eq(r.r[0].require, DC_REQ_DOB_NONE);
    dc_rules_free(&r);

    ck_assert_int_eq(dc_rules_parse("max_block 50\nwindow 4\n name_phon + dob_year @ dob , given # c\n", "t", &r), 0);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.max_block, 50);
    ck_assert_uint_eq(r.window, 4);
    ck_assert_str_eq(r.r[0].text, "name_phon+dob_year @ dob,given");
    dc_rules_free(&r);

    static const struct { const char *text, *err; } bad[] = {
        {"name_phonx+dob", "unknown blocking field"},
        {"dob+dob", "repeated"},
        {"dob+", "ends with"},
        {"# nothing\n", "no blocking rule"},
        {"max_block 1\ndob", "bad number"},
        {"dob @", "without sort fields"},
        {"dob\ndob", "given twice"},
        {"drop_cannot_link maybe\ndob", "yes or no"},
        {"name_phon+dob_year ! dob_exact", "unknown pair condition"},
        {"! dob_vague", "empty"},
        {"cannot_link id12,height\ndob", "unknown cannot_link kind"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(dc_rules_parse(bad[i].text, "t", &r), -1);
        ck_assert_msg(strstr(dc_geterr(), bad[i].err), "case %zu: %s", i, dc_geterr());
    }
}
END_TEST

START_TEST(test_jaro_winkler)
{
    static const struct { const char *a, *b; double jw; } c[] = {
        {"martha", "marhta", 0.9611}, {"dwayne", "duane", 0.8400}, {"dixon", "dicksonx", 0.8133},
        {"abc", "abc", 1.0}, {"abc", "xyz", 0.0}, {"", "", 1.0}, {"a", "", 0.0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        ck_assert_double_eq_tol(dc_jaro_winkler(c[i].a, strlen(c[i].a), c[i].b, strlen(c[i].b)), c[i].jw, 1e-4);
}
END_TEST

START_TEST(test_compare_names_dates)
{
    dc_record_t a = rec("nguyễn văn hùng", "nguyen", "van", "hung", 19800512, 1080012345678ull, DC_SEX_MALE);
    struct { dc_record_t b; int name, dob; } c[] = {
        {rec("nguyễn văn hùng", "nguyen", "van", "hung", 19800512, 0, 0), DC_NAME_EXACT, DC_DOB_EXACT},
        {rec(NULL, "nguyen", "van", "hung", 19801205, 0, 0), DC_NAME_ASCII, DC_DOB_SWAP},
        {rec(NULL, "nguyen", "", "hung", 19810512, 0, 0), DC_NAME_SUR_GIVEN, DC_DOB_ONE_OFF},
        {rec(NULL, "nguyen", "van", "hungg", 19800000, 0, 0), DC_NAME_JW_HIGH, DC_DOB_COMPAT},
        {rec(NULL, "nguyen", "thi", "hunh", 19800513, 0, 0), DC_NAME_JW_LOW, DC_DOB_ONE_OFF},
        /* similar full names, different given names (sisters, twins): different */
        {rec(NULL, "nguyen", "thi", "lan", 19800512, 0, 0), DC_NAME_DIFF, DC_DOB_EXACT},
        {rec(NULL, "tran", "duc", "bo", 19800722, 0, 0), DC_NAME_DIFF, DC_DOB_SAME_YEAR},
        {rec(NULL, "nguyen", "van", "hung", 19750722, 0, 0), DC_NAME_ASCII, DC_DOB_DIFF},
        {rec(NULL, "nguyen", "van", "hung", 0, 0, 0), DC_NAME_ASCII, DC_LV_MISSING},
        /* given name written first */
        {rec(NULL, "hung", "nguyen", "van", 19800512, 0, 0), DC_NAME_REORDERED, DC_DOB_EXACT},
        /* given name written first, with a typo (each sorted syllable one edit apart) */
        {rec(NULL, "hugn", "nguyen", "van", 19800512, 0, 0), DC_NAME_REORDERED, DC_DOB_EXACT},
        /* only the spacing differs */
        {rec(NULL, "nguyen", "van", "hu ng", 19800512, 0, 0), DC_NAME_ASCII, DC_DOB_EXACT},
        /* a space inside the given name plus one typo: fuzzy, not different */
        {rec(NULL, "nguyen", "van", "hu nh", 19800512, 0, 0), DC_NAME_JW_HIGH, DC_DOB_EXACT},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        uint8_t lv[DC_COL__COUNT];
        dc_compare(IN, &a, &c[i].b, lv);
        ck_assert_msg(lv[DC_COL_NAME] == c[i].name, "case %zu name %d", i, lv[DC_COL_NAME]);
        ck_assert_msg(lv[DC_COL_DOB] == c[i].dob, "case %zu dob %d", i, lv[DC_COL_DOB]);
        ck_assert_int_eq(lv[DC_COL_ID12], DC_LV_MISSING);
        ck_assert_int_eq(lv[DC_COL_SEX], DC_LV_MISSING);
    }
    /* same phonetic key, different spelling */
    dc_record_t p1 = a, p2 = rec(NULL, "nguyen", "van", "hunk", 19800512, 0, 0);
    p2.name.phon = p1.name.phon;
    uint8_t lv[DC_COL__COUNT];
    dc_compare(IN, &p1, &p2, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_PHON);
    /* placeholder name is missing */
    p2.name.flags = DC_NAME_PLACEHOLDER;
    dc_compare(IN, &p1, &p2, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_LV_MISSING);
}
END_TEST

/* Address texts without codes: similar_text by Jaro-Winkler, or by most
 * words shared (at least 3, and 3/4 of the shorter text's words), whatever
 * their order, case and punctuation; different otherwise. */
START_TEST(test_compare_addr_words)
{
    dc_record_t a = rec(NULL, "le", "thi", "mai", 19900101, 0, DC_SEX_FEMALE), b = a;
    static const struct { const char *x, *y; int lv; } t[] = {
        {"95 grylls crescent, barrack heights 4221 nsw", "95, barrack heights 4222 nsw", DC_ADDR_SIMILAR_TEXT},
        {"264 ainsworth street, the sarina centre, camden 3500 qld", "CAMDEN 3500 QLD, 264 Ainsworth st",
         DC_ADDR_SIMILAR_TEXT},
        {"95 grylls crescent, barrack heights 4221 nsw", "12 smith road, barrack heights 4221 nsw",
         DC_ADDR_DIFF},                                                          /* 4 of 7 shared */
        {"5 cann close", "5 cann road", DC_ADDR_DIFF},                           /* 2 words shared */
        {"1 high st, london", "1 high st, leeds", DC_ADDR_SIMILAR_TEXT},       /* Jaro-Winkler */
        {"nsw nsw nsw 2000", "nsw 3000 vic", DC_ADDR_DIFF},                       /* a word counts once */
        {"262 verbrugghen street, oxley's way, mount helen 2560 qld",
         "262 verbrugghens treet, oxley's way, hackham 2560 qld", DC_ADDR_SIMILAR_TEXT},  /* one edit from 5 letters */
        {"12 abcd road 2000", "12 abce road 3000", DC_ADDR_DIFF},                 /* 4 letters: not one edit */
        {"Số 7, Phường Ngọc Lâm, Quận Long Biên", "so 7 phuong ngoc lam, q. long bien", DC_ADDR_SIMILAR_TEXT},
        {"Phường Ngọc Lâm, Quận Long Biên", "Phường Bồ Đề, Quận Hoàn Kiếm", DC_ADDR_DIFF},  /* whole words, not fragments */
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
        a.perm = (dc_addr_t){.text = S(t[i].x)};
        b.perm = (dc_addr_t){.text = S(t[i].y)};
        uint8_t lv[DC_COL__COUNT];
        dc_compare(IN, &a, &b, lv);
        ck_assert_msg(lv[DC_COL_RESIDENCE] == t[i].lv, "case %zu: %d", i, lv[DC_COL_RESIDENCE]);
        dc_compare(IN, &b, &a, lv);   /* symmetric */
        ck_assert_msg(lv[DC_COL_RESIDENCE] == t[i].lv, "case %zu reversed: %d", i, lv[DC_COL_RESIDENCE]);
    }
}
END_TEST

/* perm_numbers: the digits of the permanent address's text, in order;
 * missing without text or without a digit; a rule on it parses. */
START_TEST(test_key_perm_numbers)
{
    dc_record_t a = rec(NULL, "le", "thi", "mai", 19900101, 0, DC_SEX_FEMALE), b = a, c = a, d = a;
    a.perm.text = S("95 grylls crescent, barrack heights 4221 nsw");
    b.perm.text = S("95, barrak heigths 4221 NSW");          /* words dropped and misspelt */
    c.perm.text = S("4221 grylls crescent, barrack heights 95");   /* the numbers in another order */
    d.perm.text = S("grylls crescent");
    uint64_t ka = dc_bkey_value(DC_BK_PERM_NUMBERS, &a, IN);
    ck_assert_uint_ne(ka, 0);
    ck_assert_uint_eq(dc_bkey_value(DC_BK_PERM_NUMBERS, &b, IN), ka);
    ck_assert_uint_ne(dc_bkey_value(DC_BK_PERM_NUMBERS, &c, IN), ka);
    ck_assert_uint_eq(dc_bkey_value(DC_BK_PERM_NUMBERS, &d, IN), 0);
    d.perm.text = 0;
    ck_assert_uint_eq(dc_bkey_value(DC_BK_PERM_NUMBERS, &d, IN), 0);
    ck_assert_str_eq(dc_bkey_name(DC_BK_PERM_NUMBERS), "perm_numbers");
    dc_rules_t r;
    ck_assert_int_eq(dc_rules_parse("sur+perm_numbers\n", "t", &r), 0);
    ck_assert_int_eq(r.r[0].keys[1], DC_BK_PERM_NUMBERS);
    dc_rules_free(&r);
}
END_TEST

/* "nicknames en" and "dob_min_year": parsed, written back in canonical
 * form, refused with a bad value; the table makes variants of English
 * given names a level of their own ("nickname", after "different": the
 * default settings keep their level numbers), keeps them from the twin
 * veto and keys them alike for blocking ("given_nick"). */
START_TEST(test_nicknames)
{
    dc_rules_t r;
    ck_assert_int_eq(dc_rules_parse("nicknames en\ndob_min_year 1500\nsur+given_nick\n", "t", &r), 0);
    ck_assert_int_eq(r.nicknames, 1);
    ck_assert_int_eq(r.dob_min_year, 1500);
    ck_assert_int_eq(r.r[0].keys[1], DC_BK_GIVEN_NICK);
    dc_buf_t b = DC_BUF_INIT;
    dc_rules_scoring_text(&r, &b);
    ck_assert_str_eq(b.p, "nicknames en\ndob_min_year 1500\n");
    dc_buf_free(&b);
    dc_rules_t bad;
    ck_assert_int_eq(dc_rules_parse("nicknames fr\nid12\n", "t", &bad), -1);
    ck_assert_int_eq(dc_rules_parse("u name nickname 0.001\nid12\n", "t", &bad), -1);   /* no such level */
    dc_rules_t fu;
    ck_assert_int_eq(dc_rules_parse("nicknames en\nu name nickname 0.001\nid12\n", "t", &fu), 0);
    ck_assert_int_eq(fu.fixed_u[0].col, DC_COL_NAME);
    ck_assert_int_eq(fu.fixed_u[0].level, DC_NAME_NICK);
    dc_rules_scoring_text(&fu, &b);
    ck_assert_str_eq(b.p, "nicknames en\nu name nickname 0.001\n");
    dc_rules_t back;   /* the canonical text reads back (explain) */
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &back), -1);   /* no blocking rule */
    dc_buf_puts(&b, "id12\n");
    ck_assert_int_eq(dc_rules_parse(b.p, "canon", &back), 0);
    ck_assert_int_eq(back.fixed_u[0].level, DC_NAME_NICK);
    dc_rules_free(&back);
    dc_buf_free(&b);
    dc_rules_free(&fu);
    ck_assert_int_eq(dc_rules_parse("dob_min_year 1900\nid12\n", "t", &bad), -1);
    ck_assert_int_eq(dc_rules_parse("dob_min_year 999\nid12\n", "t", &bad), -1);
    /* off (the defaults): Tom and Thomas are different names */
    dc_record_t a = rec(NULL, "chudleigh", "", "thomas", 16300801, 0, DC_SEX_MALE);
    dc_record_t t = rec(NULL, "chudleigh", "", "tom", 16300801, 0, DC_SEX_MALE);
    dc_record_t w = rec(NULL, "chudleigh", "", "walter", 16300801, 0, DC_SEX_MALE);
    dc_record_t s = rec(NULL, "chudleygh", "", "tommy", 0, 0, DC_SEX_MALE);   /* surname one edit apart */
    dc_record_t o = rec(NULL, "barrow", "", "tom", 0, 0, DC_SEX_MALE);        /* another surname */
    dc_record_t rb = rec(NULL, "smith", "", "robert", 19781211, 0, DC_SEX_MALE);
    dc_record_t bb = rec(NULL, "smith", "", "bob", 19781211, 0, DC_SEX_MALE);
    uint8_t lv[DC_COL__COUNT];
    ck_assert_int_eq(dc_nicknames_active(), 0);
    ck_assert_int_eq(dc_col_nlevels(DC_COL_NAME), DC_NAME__N);
    dc_compare(IN, &a, &t, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_DIFF);
    ck_assert_int_eq(dc_cannot_link(IN, &rb, &bb), 1);   /* twins: same surname and date */
    ck_assert_uint_ne(dc_bkey_value(DC_BK_GIVEN_NICK, &a, IN), dc_bkey_value(DC_BK_GIVEN_NICK, &t, IN));
    ck_assert_uint_eq(dc_bkey_value(DC_BK_GIVEN_NICK, &a, IN), dc_bkey_value(DC_BK_GIVEN, &a, IN));
    /* on */
    dc_rules_use(&r);
    ck_assert_int_eq(dc_nicknames_active(), 1);
    ck_assert_int_eq(dc_col_nlevels(DC_COL_NAME), DC_NAME__N + 1);
    ck_assert_str_eq(dc_level_name(DC_COL_NAME, DC_NAME_NICK), "nickname");
    ck_assert_int_eq(dc_nickname_pair("thomas", 6, "tom", 3), 1);
    ck_assert_int_eq(dc_nickname_pair("tom", 3, "thomas", 6), 1);
    ck_assert_int_eq(dc_nickname_pair("robert", 6, "bob", 3), 1);
    ck_assert_int_eq(dc_nickname_pair("will", 4, "willie", 6), 1);   /* two nicknames of William */
    ck_assert_int_eq(dc_nickname_pair("thomas", 6, "walter", 6), 0);
    dc_compare(IN, &a, &t, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_NICK);
    dc_compare(IN, &t, &a, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_NICK);
    dc_compare(IN, &a, &s, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_NICK);
    dc_compare(IN, &a, &o, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_DIFF);
    dc_compare(IN, &a, &w, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_DIFF);
    ck_assert_int_eq(dc_cannot_link(IN, &rb, &bb), 0);   /* variants are not twins */
    ck_assert_int_eq(dc_cannot_link(IN, &a, &w), 1);
    uint64_t ka = dc_bkey_value(DC_BK_GIVEN_NICK, &a, IN);
    ck_assert_uint_ne(ka, 0);
    ck_assert_uint_eq(dc_bkey_value(DC_BK_GIVEN_NICK, &t, IN), ka);
    ck_assert_uint_eq(dc_bkey_value(DC_BK_GIVEN_NICK, &s, IN), ka);
    ck_assert_uint_ne(dc_bkey_value(DC_BK_GIVEN_NICK, &w, IN), ka);
    /* a model with the level: written and read back */
    dc_model_t m, m2;
    dc_model_init_default(&m);
    dc_jw_t j;
    dc_buf_t mb = DC_BUF_INIT;
    dc_jw_init(&j, &mb, 0);
    dc_jw_open(&j, '{', DC_JW_LINES);
    dc_model_json(&m, &j);
    dc_jw_close(&j);
    ck_assert_ptr_nonnull(strstr(mb.p, "\"nickname\""));
    ck_assert_int_eq(dc_model_parse_json(mb.p, mb.len, &m2), 0);
    ck_assert_double_eq(m2.m[DC_COL_NAME][DC_NAME_NICK], m.m[DC_COL_NAME][DC_NAME_NICK]);
    dc_buf_free(&mb);
    dc_rules_free(&r);
    ck_assert_int_eq(dc_rules_parse("id12\n", "t", &r), 0);
    dc_rules_use(&r);   /* off again: the rest of the tests see the defaults */
    ck_assert_int_eq(dc_nicknames_active(), 0);
    dc_compare(IN, &a, &t, lv);
    ck_assert_int_eq(lv[DC_COL_NAME], DC_NAME_DIFF);
    dc_rules_free(&r);
}
END_TEST

/* "dob_placeholder year": 01/01/yyyy is compared as the year it stands
 * for (compatible), not as an exact date; the default keeps "exact". */
START_TEST(test_dob_placeholder)
{
    dc_record_t a = rec(NULL, "barlow", "", "william", 18610101, 0, DC_SEX_MALE), b = a, c = a;
    a.dob.flags = b.dob.flags = DC_DATE_PLACEHOLDER;
    c.dob.m = 6;
    c.dob.d = 7;   /* 07/06/1861 */
    uint8_t lv[DC_COL__COUNT];
    dc_compare(IN, &a, &b, lv);
    ck_assert_int_eq(lv[DC_COL_DOB], DC_DOB_EXACT);
    dc_rules_t r;
    ck_assert_int_eq(dc_rules_parse("dob_placeholder year\nid12\n", "t", &r), 0);
    ck_assert_int_eq(r.placeholder_year, 1);
    dc_buf_t bt = DC_BUF_INIT;
    dc_rules_scoring_text(&r, &bt);
    ck_assert_str_eq(bt.p, "dob_placeholder year\n");
    dc_buf_free(&bt);
    dc_rules_use(&r);
    dc_compare(IN, &a, &b, lv);
    ck_assert_int_eq(lv[DC_COL_DOB], DC_DOB_COMPAT);
    dc_compare(IN, &a, &c, lv);
    ck_assert_int_eq(lv[DC_COL_DOB], DC_DOB_COMPAT);   /* the same year */
    c.dob.y = 1862;
    dc_compare(IN, &a, &c, lv);
    ck_assert_int_eq(lv[DC_COL_DOB], DC_DOB_ONE_OFF);
    dc_rules_free(&r);
    dc_rules_t bad;
    ck_assert_int_eq(dc_rules_parse("dob_placeholder month\nid12\n", "t", &bad), -1);
    ck_assert_int_eq(dc_rules_parse("dob_placeholder day\nid12\n", "t", &r), 0);
    dc_rules_use(&r);
    dc_compare(IN, &a, &b, lv);
    ck_assert_int_eq(lv[DC_COL_DOB], DC_DOB_EXACT);
    dc_rules_free(&r);
}
END_TEST

START_TEST(test_compare_ids_addr)
{
    dc_record_t a = rec(NULL, "le", "thi", "mai", 19900101, 190012345678ull, DC_SEX_FEMALE);
    static const struct { uint64_t id; int lv; } ids[] = {
        {190012345678ull, DC_ID_EQ},   {190012345679ull, DC_ID_ONE_EDIT},
        {190012345687ull, DC_ID_ONE_EDIT}, {190012345597ull, DC_ID_DIFF}, {0, DC_LV_MISSING},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        dc_record_t b = rec(NULL, "le", "thi", "mai", 19900101, ids[i].id, DC_SEX_FEMALE);
        uint8_t lv[DC_COL__COUNT];
        dc_compare(IN, &a, &b, lv);
        ck_assert_msg(lv[DC_COL_ID12] == ids[i].lv, "id case %zu: %d", i, lv[DC_COL_ID12]);
        ck_assert_int_eq(lv[DC_COL_SEX], DC_EQ_SAME);
    }
    /* an old card number typed into the ID column is compared as a card */
    dc_record_t c9 = rec(NULL, "le", "thi", "mai", 19900101, 123456789, DC_SEX_FEMALE), d9 = c9;
    d9.id12 = 0;
    d9.cmnd = 123456789;
    uint8_t l9[DC_COL__COUNT];
    dc_compare(IN, &c9, &d9, l9);
    ck_assert_int_eq(l9[DC_COL_CMND], DC_ID_EQ);
    ck_assert_int_eq(l9[DC_COL_ID12], DC_LV_MISSING);
    ck_assert_uint_eq(dc_rec_id12(&c9), 0);
    ck_assert_uint_eq(dc_rec_cmnd(&c9), 123456789);
    /* old card vs new ID: nothing to compare, unless the card column holds the 12 digits */
    dc_record_t b = rec(NULL, "le", "thi", "mai", 19900101, 0, DC_SEX_MALE);
    b.cmnd = 123456789;
    uint8_t lv[DC_COL__COUNT];
    dc_compare(IN, &a, &b, lv);
    ck_assert_int_eq(lv[DC_COL_ID12], DC_LV_MISSING);
    ck_assert_int_eq(lv[DC_COL_CMND], DC_LV_MISSING);
    ck_assert_int_eq(lv[DC_COL_SEX], DC_EQ_DIFF);
    b.cmnd = a.id12;
    b.cmnd_flags = DC_ID_PRESENT | DC_ID_CMND12;
    dc_compare(IN, &a, &b, lv);
    ck_assert_int_eq(lv[DC_COL_ID12], DC_ID_EQ);

    /* addresses: the best of permanent/current, pre-2025 codes first */
    dc_record_t x = a, y = a;
    x.perm = (dc_addr_t){.ward_old = 10001, .district_old = 101, .prov_old = 1};
    y.perm = (dc_addr_t){.ward_old = 10002, .district_old = 101, .prov_old = 1};
    dc_compare(IN, &x, &y, lv);
    ck_assert_int_eq(lv[DC_COL_RESIDENCE], DC_ADDR_DISTRICT);
    y.cur = x.perm;
    dc_compare(IN, &x, &y, lv);
    ck_assert_int_eq(lv[DC_COL_RESIDENCE], DC_ADDR_WARD);
    y.cur = (dc_addr_t){0};
    y.perm = (dc_addr_t){.ward_old = 20002, .district_old = 202, .prov_old = 2};
    dc_compare(IN, &x, &y, lv);
    ck_assert_int_eq(lv[DC_COL_RESIDENCE], DC_ADDR_DIFF);
    y.perm = (dc_addr_t){.prov_old = 1};
    dc_compare(IN, &x, &y, lv);
    ck_assert_int_eq(lv[DC_COL_RESIDENCE], DC_ADDR_PROV);
    x.perm = (dc_addr_t){.ward_new = 555, .prov_new = 7};
    y.perm = (dc_addr_t){.ward_new = 555, .prov_new = 7};
    dc_compare(IN, &x, &y, lv);
    ck_assert_int_eq(lv[DC_COL_RESIDENCE], DC_ADDR_WARD);
    y.perm = (dc_addr_t){0};
    dc_compare(IN, &x, &y, lv);
    ck_assert_int_eq(lv[DC_COL_RESIDENCE], DC_LV_MISSING);
    ck_assert_int_eq(lv[DC_COL_HOMETOWN], DC_LV_MISSING);
    ck_assert_int_eq(lv[DC_COL_PARENTS], DC_LV_MISSING);

    uint64_t pat = dc_levels_pack(lv);
    uint8_t lv2[DC_COL__COUNT];
    dc_levels_unpack(pat, lv2);
    ck_assert_int_eq(memcmp(lv, lv2, sizeof lv), 0);
}
END_TEST

START_TEST(test_cannot_link)
{
    dc_record_t a = rec(NULL, "pham", "van", "nam", 19700304, 1070012345678ull, DC_SEX_MALE);
    static const struct { uint32_t dob; uint64_t id; int sex; int cl; } c[] = {
        {19700304, 1070012345678ull, DC_SEX_MALE, 0},
        {19700304, 1070012345679ull, DC_SEX_MALE, 0},   /* one digit: possible typo */
        {19700304, 1070099945678ull, DC_SEX_MALE, 1},   /* different IDs */
        {19700304, 0, DC_SEX_FEMALE, 1},                /* sex */
        {19700403, 0, DC_SEX_MALE, 0},                  /* swapped day/month */
        {19710304, 0, DC_SEX_MALE, 0},                  /* year off by one */
        {19700314, 0, DC_SEX_MALE, 0},                  /* one digit */
        {19700827, 0, DC_SEX_MALE, 1},                  /* different dates */
        {19950827, 0, DC_SEX_MALE, 1},                  /* father and son */
        {19700000, 0, DC_SEX_UNKNOWN, 0},               /* year only: no contradiction */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        dc_record_t b = rec(NULL, "pham", "van", "nam", c[i].dob, c[i].id, c[i].sex);
        ck_assert_msg(dc_cannot_link(IN, &a, &b) == c[i].cl, "case %zu", i);
        ck_assert_int_eq(dc_cannot_link(IN, &b, &a), c[i].cl);
    }
    /* twins: same surname and birth date, clearly different given names */
    static const struct { const char *given; int cl; } tw[] = {
        {"nam", 0}, {"namm", 0}, {"nma", 0}, {"lan", 1}, {"binh", 1},
    };
    for (size_t i = 0; i < sizeof tw / sizeof tw[0]; i++) {
        dc_record_t b = rec(NULL, "pham", "van", tw[i].given, 19700304, 0, DC_SEX_MALE);
        ck_assert_msg(dc_cannot_link(IN, &a, &b) == tw[i].cl, "twin case %zu", i);
        ck_assert_int_eq(dc_cannot_link(NULL, &a, &b), 0);
        ck_assert_int_eq(dc_cannot_link_mask(IN, &a, &b, DC_CL_ALL & ~DC_CL_TWINS), 0);
    }
    /* each kind of evidence can be left out (the rules file's cannot_link) */
    dc_record_t s = rec(NULL, "pham", "van", "nam", 19700304, 0, DC_SEX_FEMALE);
    ck_assert_int_eq(dc_cannot_link_mask(IN, &a, &s, DC_CL_ALL & ~DC_CL_SEX), 0);
    dc_record_t d = rec(NULL, "pham", "van", "nam", 19950827, 0, DC_SEX_MALE);
    ck_assert_int_eq(dc_cannot_link_mask(IN, &a, &d, DC_CL_ALL & ~DC_CL_DOB), 0);
    ck_assert_int_eq(dc_cannot_link_mask(IN, &a, &d, DC_CL_DOB), 1);
    dc_record_t i2 = rec(NULL, "pham", "van", "nam", 19700304, 1070099945678ull, DC_SEX_MALE);
    ck_assert_int_eq(dc_cannot_link_mask(IN, &a, &i2, DC_CL_ALL & ~DC_CL_ID12), 0);
    ck_assert_int_eq(dc_cannot_link_mask(IN, &a, &i2, 0), 0);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A population: `np` people, each with 1-3 records, one name in 8 shared by
 * 500 people born in 1980 (a giant block). */
static dc_record_t *population(size_t np, size_t *n_out, uint32_t **person)
{
    size_t cap = np * 3, n = 0;
    dc_record_t *r = dc_xcalloc(cap, sizeof *r);
    *person = dc_xcalloc(cap, sizeof **person);
    uint64_t x = 12345;
    static const char *const given[] = {"an", "binh", "cuong", "dung", "hung", "lan", "mai", "nam", "son", "tuan"};
    static const char *const sur[] = {"nguyen", "tran", "le", "pham", "hoang", "vu", "dang", "bui"};
    for (size_t p = 0; p < np; p++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int common = p % 8 == 0 && p < 4000;
        char g[32];
        if (common) snprintf(g, sizeof g, "hung");
        else snprintf(g, sizeof g, "%s%u", given[(x >> 33) % 10], (unsigned)((x >> 40) % 50));
        const char *s = common ? "nguyen" : sur[(x >> 20) % 8];
        uint32_t dob = common ? 19800000u + (uint32_t)(1 + (x >> 13) % 12) * 100u + (uint32_t)(1 + (x >> 7) % 28)
                              : (uint32_t)(1940 + (x >> 50) % 60) * 10000u + (uint32_t)(1 + (x >> 13) % 12) * 100u + (uint32_t)(1 + (x >> 7) % 28);
        uint64_t id = 100000000000ull + p * 7919;
        int nrec = 1 + (int)((x >> 3) % 3);
        for (int k = 0; k < nrec; k++) {
            r[n] = rec(NULL, s, common ? "van" : "thi", g, dob, k == 2 ? 0 : id, p % 2 ? DC_SEX_MALE : DC_SEX_FEMALE);
            char f[48], fg[24], fp[56];
            snprintf(fg, sizeof fg, "%s%u", given[(x >> 25) % 10], (unsigned)((x >> 45) % 40));
            snprintf(f, sizeof f, "%s van %s", s, fg);
            snprintf(fp, sizeof fp, "P:%s", f);
            r[n].father.ascii = r[n].father.exact = S(f);
            r[n].father.given = S(fg);
            r[n].father.phon = S(fp);
            (*person)[n] = (uint32_t)p;
            n++;
        }
    }
    *n_out = n;
    return r;
}

START_TEST(test_blocking)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(6000, &n, &person);
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse("max_block 100\nwindow 5\nid12\nname_phon+dob_year\nsur+given+dob\n", "t", &rules), 0);
    uint64_t *p1, *p4;
    dc_block_stats_t s1, s4;
    size_t n1 = dc_block_pairs(r, n, IN, &rules, 1, &p1, &s1);
    size_t n4 = dc_block_pairs(r, n, IN, &rules, 4, &p4, &s4);
    ck_assert_uint_eq(n1, n4);
    ck_assert_int_eq(memcmp(p1, p4, n1 * sizeof *p1), 0);
    ck_assert_uint_eq(s1.pairs, n1);
    uint64_t sum_new = 0;
    for (size_t i = 0; i < s1.nrules; i++) sum_new += s1.rule[i].pairs_new;
    ck_assert_uint_eq(sum_new, s1.raw_pairs);
    /* the common name's block pairs people born on other days: dropped */
    ck_assert_uint_gt(s1.dropped_cannot_link, 0);
    ck_assert_uint_eq(s1.raw_pairs - s1.dropped_cannot_link, n1);
    for (size_t i = 0; i < n1; i++) ck_assert(!dc_cannot_link(IN, &r[p1[i] >> 32], &r[(uint32_t)p1[i]]));
    for (size_t i = 0; i < n1; i++) {
        ck_assert_uint_lt(p1[i] >> 32, (uint32_t)p1[i]);
        ck_assert_uint_lt((uint32_t)p1[i], n);
        if (i) ck_assert_uint_gt(p1[i], p1[i - 1]);
    }
    /* the common name born 1980 forms one block of ~1000 records: capped */
    ck_assert_uint_eq(s1.rule[1].capped_blocks, 1);
    ck_assert_uint_gt(s1.rule[1].largest, 500);
    ck_assert_uint_le(s1.rule[1].pairs, s1.rule[1].largest * 4 + 100 * 99 / 2 * s1.rule[1].blocks);
    /* every pair of records sharing a person and an ID is a candidate */
    size_t want = 0, found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && person[j] == person[i]; j++) {
            want++;
            uint64_t key = ((uint64_t)i << 32) | j;
            size_t lo = 0, hi = n1;
            while (lo < hi) { size_t mid = (lo + hi) / 2; if (p1[mid] < key) lo = mid + 1; else hi = mid; }
            found += lo < n1 && p1[lo] == key;
        }
    ck_assert_uint_eq(found, want);
    free(p1);
    free(p4);
    dc_block_stats_free(&s1);
    dc_block_stats_free(&s4);
    dc_rules_free(&rules);
    free(r);
    free(person);
}
END_TEST

/* drop_cannot_link no keeps every pair; yes drops exactly the vetoed ones */
START_TEST(test_blocking_cannot_link_filter)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(3000, &n, &person);
    dc_rules_t keep, drop;
    ck_assert_int_eq(dc_rules_parse("drop_cannot_link no\nname_phon+dob_year\nsur+given+dob\n", "t", &keep), 0);
    ck_assert_int_eq(dc_rules_parse("name_phon+dob_year\nsur+given+dob\n", "t", &drop), 0);
    ck_assert_int_eq(keep.drop_cannot_link, 0);
    ck_assert_int_eq(drop.drop_cannot_link, 1);
    uint64_t *pk, *pd;
    dc_block_stats_t sk, sd;
    size_t nk = dc_block_pairs(r, n, IN, &keep, 2, &pk, &sk);
    size_t nd = dc_block_pairs(r, n, IN, &drop, 2, &pd, &sd);
    ck_assert_uint_eq(sk.dropped_cannot_link, 0);
    ck_assert_uint_eq(nk, sk.raw_pairs);
    ck_assert_uint_eq(sd.raw_pairs, nk);
    ck_assert_uint_eq(nd + sd.dropped_cannot_link, nk);
    size_t j = 0, vetoed = 0;
    for (size_t i = 0; i < nk; i++) {
        int cl = dc_cannot_link(IN, &r[pk[i] >> 32], &r[(uint32_t)pk[i]]);
        vetoed += cl;
        if (j < nd && pd[j] == pk[i]) {
            ck_assert(!cl);
            j++;
        } else {
            ck_assert(cl);
        }
    }
    ck_assert_uint_eq(j, nd);
    ck_assert_uint_eq(vetoed, sd.dropped_cannot_link);
    ck_assert_uint_gt(vetoed, 0);
    free(pk);
    free(pd);
    dc_block_stats_free(&sk);
    dc_block_stats_free(&sd);
    dc_rules_free(&keep);
    dc_rules_free(&drop);
    free(r);
    free(person);
}
END_TEST

/* Each rule's own pairs, as dc_block_pairs_ex hands them (rules 0..31). */
#define CAPTURE_RULES 32
typedef struct {
    uint64_t *p[CAPTURE_RULES];
    size_t n[CAPTURE_RULES];
} capture_t;

static void capture(void *ud, size_t r, const uint64_t *pairs, size_t n)
{
    capture_t *c = ud;
    ck_assert_uint_lt(r, CAPTURE_RULES);
    c->p[r] = dc_xmalloc((n ? n : 1) * sizeof *pairs);
    if (n) memcpy(c->p[r], pairs, n * sizeof *pairs);
    c->n[r] = n;
}

/* "! dob_vague": in a block, only pairs with a record dated to the year;
 * dob_unordered: the day and month in either order key alike */
START_TEST(test_blocking_conditions)
{
    static const struct { uint32_t dob; } d[] = {
        {19800312}, {19800312}, {19801203}, {19800000}, {19800500}, {19800715}, {19790312}, {19790000},
    };
    size_t n = sizeof d / sizeof d[0];
    dc_record_t r[8];
    for (size_t i = 0; i < n; i++) r[i] = rec(NULL, "tran", "van", "an", d[i].dob, 0, DC_SEX_MALE);
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse("drop_cannot_link no\nname_phon+dob_year ! dob_vague\nname_phon+dob_unordered\n",
                                    "t", &rules), 0);
    capture_t c = {{0}, {0}};
    uint64_t *p;
    dc_block_stats_t s;
    dc_block_pairs_ex(r, n, IN, &rules, 2, capture, &c, &p, &s);
    /* 1980: six records, two of them vague (3: year, 4: month): pairs with 3 or 4 */
    static const uint64_t want0[] = {
        (0ull << 32) | 3, (0ull << 32) | 4, (1ull << 32) | 3, (1ull << 32) | 4, (2ull << 32) | 3,
        (2ull << 32) | 4, (3ull << 32) | 4, (3ull << 32) | 5, (4ull << 32) | 5, (6ull << 32) | 7,
    };
    ck_assert_uint_eq(c.n[0], sizeof want0 / sizeof want0[0]);
    ck_assert_int_eq(memcmp(c.p[0], want0, sizeof want0), 0);
    /* 12/03 and 03/12 of 1980 key alike; 1979-03-12 does not */
    static const uint64_t want1[] = {(0ull << 32) | 1, (0ull << 32) | 2, (1ull << 32) | 2};
    ck_assert_uint_eq(c.n[1], 3);
    ck_assert_int_eq(memcmp(c.p[1], want1, sizeof want1), 0);
    ck_assert(dc_rule_required(&rules.r[0], &r[3]));
    ck_assert(!dc_rule_required(&rules.r[0], &r[0]));
    ck_assert(dc_rule_required(&rules.r[1], &r[0]));
    for (int i = 0; i < CAPTURE_RULES; i++) free(c.p[i]);
    free(p);
    dc_block_stats_free(&s);
    dc_rules_free(&rules);
}
END_TEST

/* Above 65,536 keyed records the key sort runs in parallel (MSD split,
 * then LSD per bucket, skipping the bytes of the record index): the pairs
 * must be those of a plain grouping of the keys, with 1 or 2 threads. */
typedef struct {
    uint64_t key;
    uint32_t i;
} ki_t;

static int cmp_ki(const void *a, const void *b)
{
    const ki_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* A rule's pairs by brute force: records keyed one at a time
 * (dc_rule_key), grouped by key, every pair of a group that meets the
 * rule's condition; *nkeyed = records keyed, *largest = largest group.
 * Returns the pairs, sorted (malloc'd; *npairs of them). */
static uint64_t *brute_rule_pairs(const dc_rules_t *rules, size_t ri, const dc_record_t *r, size_t n,
                                  size_t *npairs, size_t *nkeyed, size_t *largest)
{
    const dc_rule_t *rule = &rules->r[ri];
    ki_t *v = dc_xmalloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = dc_rule_key(rule, (uint32_t)ri, &r[i], IN);
        if (k) v[m++] = (ki_t){k, (uint32_t)i};
    }
    qsort(v, m, sizeof *v, cmp_ki);
    uint64_t *want = dc_xmalloc(sizeof *want);
    size_t nw = 0, cap = 1;
    *largest = 0;
    for (size_t s0 = 0; s0 < m;) {
        size_t e = s0 + 1;
        while (e < m && v[e].key == v[s0].key) e++;
        if (e - s0 >= 2 && e - s0 > *largest) *largest = e - s0;   /* blocks: 2 records or more */
        for (size_t x = s0; x < e; x++)
            for (size_t y = x + 1; y < e; y++) {
                if (rule->require && !dc_rule_required(rule, &r[v[x].i]) && !dc_rule_required(rule, &r[v[y].i]))
                    continue;
                want = dc_grow(want, &cap, nw + 1, sizeof *want);
                want[nw++] = ((uint64_t)v[x].i << 32) | v[y].i;
            }
        s0 = e;
    }
    dc_sort_u64(want, nw);
    free(v);
    *npairs = nw;
    *nkeyed = m;
    return want;
}

START_TEST(test_blocking_large_sort)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(40000, &n, &person);
    ck_assert_uint_gt(n, 65536);
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse("drop_cannot_link no\nsur+given+dob\n", "t", &rules), 0);
    /* expected: every pair inside each key group (all small) */
    size_t nw, m, largest;
    uint64_t *want = brute_rule_pairs(&rules, 0, r, n, &nw, &m, &largest);
    ck_assert_uint_le(largest, rules.max_block);
    for (int t = 1; t <= 2; t++) {
        uint64_t *p;
        dc_block_stats_t s;
        size_t np = dc_block_pairs(r, n, IN, &rules, t, &p, &s);
        ck_assert_uint_eq(np, nw);
        ck_assert_int_eq(memcmp(p, want, nw * sizeof *p), 0);
        ck_assert_uint_eq(s.rule[0].keyed, m);
        free(p);
        dc_block_stats_free(&s);
    }
    free(want);
    dc_rules_free(&rules);
    free(r);
    free(person);
}
END_TEST

/* Rules keyed four at a time, sorted side by side: every rule's pairs are
 * those of its blocks by brute force (dc_rule_key, one record at a time),
 * and pairs and figures are the same on 1, 2 and 3 threads. */
START_TEST(test_blocking_groups)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(8000, &n, &person);
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse(dc_rules_default_text(), "d", &rules), 0);
    ck_assert_uint_gt(rules.n, 8);
    capture_t c[3];
    uint64_t *p[3];
    size_t np[3];
    dc_block_stats_t s[3];
    for (int t = 0; t < 3; t++) {
        memset(&c[t], 0, sizeof c[t]);
        np[t] = dc_block_pairs_ex(r, n, IN, &rules, t + 1, capture, &c[t], &p[t], &s[t]);
    }
    size_t checked = 0;
    for (size_t ri = 0; ri < rules.n; ri++) {
        for (int t = 1; t < 3; t++) {
            ck_assert_uint_eq(c[t].n[ri], c[0].n[ri]);
            ck_assert_int_eq(memcmp(c[t].p[ri], c[0].p[ri], c[0].n[ri] * sizeof *c[0].p[ri]), 0);
            const dc_rule_stats_t *a = &s[0].rule[ri], *b = &s[t].rule[ri];
            ck_assert_uint_eq(a->keyed, b->keyed);
            ck_assert_uint_eq(a->blocks, b->blocks);
            ck_assert_uint_eq(a->largest, b->largest);
            ck_assert_uint_eq(a->capped_blocks, b->capped_blocks);
            ck_assert_uint_eq(a->capped_rows, b->capped_rows);
            ck_assert_uint_eq(a->pairs, b->pairs);
            ck_assert_uint_eq(a->pairs_new, b->pairs_new);
        }
        size_t nw, m, largest;
        uint64_t *want = brute_rule_pairs(&rules, ri, r, n, &nw, &m, &largest);
        ck_assert_uint_eq(s[0].rule[ri].keyed, m);
        ck_assert_uint_eq(s[0].rule[ri].largest, largest);
        if (s[0].rule[ri].capped_blocks) {
            free(want);
            continue;
        }
        ck_assert_uint_eq(c[0].n[ri], nw);
        ck_assert(nw == 0 || memcmp(c[0].p[ri], want, nw * sizeof *want) == 0);
        checked++;
        free(want);
    }
    ck_assert_uint_gt(checked, 8);
    for (int t = 0; t < 3; t++) {
        ck_assert_uint_eq(np[t], np[0]);
        ck_assert_int_eq(memcmp(p[t], p[0], np[0] * sizeof *p[0]), 0);
        ck_assert_uint_eq(s[t].raw_pairs, s[0].raw_pairs);
        ck_assert_uint_eq(s[t].dropped_cannot_link, s[0].dropped_cannot_link);
    }
    for (int t = 2; t >= 0; t--) {
        for (size_t ri = 0; ri < rules.n; ri++) free(c[t].p[ri]);
        free(p[t]);
        dc_block_stats_free(&s[t]);
    }
    dc_rules_free(&rules);
    free(r);
    free(person);
}
END_TEST

/* A rule's pairs do not depend on the other rules (nor on the group of
 * four it is keyed with) nor on the thread count. */
START_TEST(test_blocking_rule_pairs_alone)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(3000, &n, &person);
    dc_rules_t one, many;
    ck_assert_int_eq(dc_rules_parse("sur+given+dob\n", "t", &one), 0);
    ck_assert_int_eq(dc_rules_parse("name_phon+dob_year\nsur+dob\ngiven+dob_md\nsur+given+dob\n", "t", &many), 0);
    capture_t c1 = {{0}, {0}}, c2 = {{0}, {0}};
    uint64_t *p;
    dc_block_stats_t s;
    dc_block_pairs_ex(r, n, IN, &one, 1, capture, &c1, &p, &s);
    free(p);
    dc_block_stats_free(&s);
    dc_block_pairs_ex(r, n, IN, &many, 2, capture, &c2, &p, &s);
    free(p);
    ck_assert_uint_gt(c1.n[0], 0);
    ck_assert_uint_eq(c1.n[0], c2.n[3]);
    ck_assert_int_eq(memcmp(c1.p[0], c2.p[3], c1.n[0] * sizeof *c1.p[0]), 0);
    ck_assert_uint_eq(s.rule[3].pairs, c2.n[3]);
    for (int i = 0; i < CAPTURE_RULES; i++) {
        free(c1.p[i]);
        free(c2.p[i]);
    }
    dc_block_stats_free(&s);
    dc_rules_free(&one);
    dc_rules_free(&many);
    free(r);
    free(person);
}
END_TEST

/* Blocking against a truth: every figure recounted by brute force. */
/* The invariant that assert()s check on every candidate list. */
START_TEST(test_pairs_valid)
{
#define PR(i, j) (((uint64_t)(i) << 32) | (j))
    const uint64_t ok[] = {PR(0, 1), PR(0, 3), PR(1, 2), PR(2, 3)};
    ck_assert(dc_pairs_valid(ok, 4, 4));
    ck_assert(dc_pairs_valid(NULL, 0, 0));
    ck_assert(!dc_pairs_valid(ok, 4, 3));                      /* j >= n */
    const uint64_t unsorted[] = {PR(0, 3), PR(0, 1)};
    ck_assert(!dc_pairs_valid(unsorted, 2, 4));
    const uint64_t dup[] = {PR(0, 1), PR(0, 1)};
    ck_assert(!dc_pairs_valid(dup, 2, 4));
    const uint64_t rev[] = {PR(2, 1)};                         /* i > j */
    ck_assert(!dc_pairs_valid(rev, 1, 4));
    const uint64_t self[] = {PR(2, 2)};
    ck_assert(!dc_pairs_valid(self, 1, 4));
#undef PR
}
END_TEST

START_TEST(test_block_truth)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(2000, &n, &person);
    /* a person's third record has no ID: only the name rule can find it */
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse("id12\nsur+given+dob\nname_phon+dob_year\n", "t", &rules), 0);
    uint64_t *labels = dc_xmalloc(n * sizeof *labels);
    for (size_t i = 0; i < n; i++) labels[i] = i % 97 == 5 ? 0 : 1000 + person[i];
    dc_block_truth_t bt;
    ck_assert_int_eq(dc_block_truth_init(&bt, labels, n, rules.n), 0);
    capture_t c = {{0}, {0}};
    uint64_t *p;
    dc_block_stats_t s;
    /* two callbacks: capture the rule's pairs, then count them */
    size_t np = dc_block_pairs_ex(r, n, IN, &rules, 2, capture, &c, &p, &s);
    for (size_t k = 0; k < rules.n; k++) dc_block_truth_rule(&bt, k, c.p[k], c.n[k]);
    dc_block_truth_finish(&bt, p, np);
    /* brute force */
    uint64_t tp = 0, found = 0, byrule[3] = {0}, only[3] = {0}, fresh[3] = {0}, any = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            if (!labels[i] || labels[i] != labels[j]) continue;
            tp++;
            uint64_t key = ((uint64_t)i << 32) | j;
            int in[3], cnt = 0;
            for (size_t k = 0; k < 3; k++) {
                in[k] = bsearch(&key, c.p[k], c.n[k], sizeof key, cmp_u64) != NULL;
                byrule[k] += (uint64_t)in[k];
                if (in[k] && !cnt) fresh[k]++;
                cnt += in[k];
            }
            for (size_t k = 0; k < 3; k++) only[k] += in[k] && cnt == 1;
            any += cnt > 0;
            found += bsearch(&key, p, np, sizeof key, cmp_u64) != NULL;
        }
    ck_assert_uint_gt(tp, 1000);
    ck_assert_uint_eq(bt.true_pairs, tp);
    ck_assert_uint_eq(bt.found_rules, any);
    ck_assert_uint_eq(bt.found, found);
    ck_assert_uint_ge(bt.found_transitive, bt.found);
    ck_assert_uint_le(bt.found_transitive, bt.true_pairs);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_uint_eq(bt.rule[k].true_pairs, byrule[k]);
        ck_assert_uint_eq(bt.rule[k].true_new, fresh[k]);
        ck_assert_uint_eq(bt.rule[k].true_only, only[k]);
    }
    ck_assert_uint_eq(bt.rule[0].true_new, bt.rule[0].true_pairs);
    ck_assert_uint_gt(bt.rule[1].true_new, 0);   /* third records: no ID */
    /* a label held by too many records is refused */
    dc_block_truth_t big;
    uint64_t *same = dc_xmalloc(2000 * sizeof *same);
    for (size_t i = 0; i < 2000; i++) same[i] = 7;
    ck_assert_int_eq(dc_block_truth_init(&big, same, 2000, 1), -1);
    dc_block_truth_free(&big);
    free(same);
    for (int i = 0; i < CAPTURE_RULES; i++) free(c.p[i]);
    free(p);
    free(labels);
    dc_block_truth_free(&bt);
    dc_block_stats_free(&s);
    dc_rules_free(&rules);
    free(r);
    free(person);
}
END_TEST

/* dc_sort_u64 gives qsort's order on every shape of input, below and above
 * the size where it splits on the top byte first (MSD_MIN, 65,536): full
 * random words, words whose top varying byte takes few values, pairs
 * (i << 32 | j), many repeats, and input already sorted or reversed. */
START_TEST(test_sort)
{
    static const size_t sizes[] = {2, 63, 64, 1000, 65535, 65536, 300001};
    uint64_t x = 1;
    for (size_t si = 0; si < DC_ARRAY_LEN(sizes); si++) {
        size_t n = sizes[si];
        uint64_t *a = dc_xmalloc(n * sizeof *a), *b = dc_xmalloc(n * sizeof *b);
        for (int shape = 0; shape < 7; shape++) {
            for (size_t i = 0; i < n; i++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                uint64_t r = x ^ (x >> 29);
                switch (shape) {
                case 0: a[i] = r; break;
                case 1: a[i] = r >> (i % 3 ? 0 : 40); break;
                case 2: a[i] = r & 0x3FFFFF; break;                                  /* 22 bits: top byte few values */
                case 3: a[i] = (r % 5000) << 32 | (uint32_t)(r >> 32); break;        /* pairs */
                case 4: a[i] = r % 97; break;                                        /* repeats */
                case 5: a[i] = (uint64_t)i * 0x10000001ull; break;                   /* sorted */
                default: a[i] = (uint64_t)(n - i) << 20 | (r & 0xFFFFF); break;      /* reversed */
                }
            }
            memcpy(b, a, n * sizeof *a);
            dc_sort_u64(a, n);
            qsort(b, n, sizeof *b, cmp_u64);
            ck_assert_msg(!memcmp(a, b, n * sizeof *a), "size %zu shape %d", n, shape);
        }
        free(a);
        free(b);
    }
}
END_TEST

START_TEST(test_em_and_cluster)
{
    size_t n;
    uint32_t *person;
    dc_record_t *r = population(3000, &n, &person);
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse(dc_rules_default_text(), "d", &rules), 0);
    uint64_t *pairs;
    dc_block_stats_t bs;
    size_t np = dc_block_pairs(r, n, IN, &rules, 2, &pairs, &bs);
    uint64_t *pats = dc_xmalloc(np * sizeof *pats);
    size_t true_pairs_cand = 0;
    for (size_t p = 0; p < np; p++) {
        uint8_t lv[DC_COL__COUNT];
        dc_compare(IN, &r[pairs[p] >> 32], &r[(uint32_t)pairs[p]], lv);
        pats[p] = dc_levels_pack(lv);
        true_pairs_cand += person[pairs[p] >> 32] == person[(uint32_t)pairs[p]];
    }
    dc_model_t m;
    dc_model_init_default(&m);
    dc_model_estimate_u(&m, r, n, IN, 200000, 7, 2);
    dc_model_t m1 = m;
    dc_model_estimate_u(&m1, r, n, IN, 200000, 7, 1);
    ck_assert_int_eq(memcmp(m.u, m1.u, sizeof m.u), 0);   /* thread-count independent */
    ck_assert_double_lt(m.u[DC_COL_NAME][DC_NAME_EXACT], 0.03);   /* 1/8 share one name */
    ck_assert_double_gt(m.u[DC_COL_SEX][DC_EQ_SAME], 0.4);
    double all = (double)n * (double)(n - 1) / 2;
    dc_model_estimate_em(&m, pats, np, all, 200);
    ck_assert(m.m_seeded_from_ids);
    /* every estimate is a probability, and the model reloads (a dense file
     * makes the random-match correction push u of "different" levels up) */
    for (int c = 0; c < DC_COL__COUNT; c++)
        for (int l = 0; l < dc_col_nlevels(c); l++) {
            ck_assert(m.u[c][l] > 0 && m.u[c][l] <= 1);
            ck_assert(m.m[c][l] > 0 && m.m[c][l] <= 1);
        }
    dc_buf_t mj = DC_BUF_INIT;
    dc_jw_t jw;
    dc_jw_init(&jw, &mj, 0);
    dc_jw_open(&jw, '{', DC_JW_LINES);
    dc_model_json(&m, &jw);
    dc_jw_close(&jw);
    dc_model_t back;
    ck_assert_int_eq(dc_model_parse_json(mj.p, mj.len, &back), 0);
    dc_buf_free(&mj);
    ck_assert_double_gt(m.m[DC_COL_NAME][DC_NAME_EXACT], 0.9);
    ck_assert_double_gt(m.m[DC_COL_DOB][DC_DOB_EXACT], 0.9);
    ck_assert_double_eq_tol(m.lambda_cand, (double)true_pairs_cand / (double)np, 0.05);

    dc_tf_t tf;
    dc_tf_build(&tf, r, n, IN, 2);
    float *score = dc_xmalloc(np * sizeof *score);
    for (size_t p = 0; p < np; p++) {
        uint8_t lv[DC_COL__COUNT];
        dc_levels_unpack(pats[p], lv);
        score[p] = (float)dc_model_score(&m, &tf, lv, &r[pairs[p] >> 32], &r[(uint32_t)pairs[p]], NULL);
    }
    dc_clusters_t cl;
    size_t *ref, nref;
    dc_cluster_stats_t cs;
    dc_cluster(IN, r, n, NULL, NULL, DC_CL_ALL, NULL, pairs, score, np, log2(0.9 / 0.1), &cl, &ref, &nref, &cs);
    /* score the clustering against the people */
    uint64_t *pred = dc_xmalloc(n * sizeof *pred), *truth = dc_xmalloc(n * sizeof *truth);
    for (size_t i = 0; i < n; i++) { pred[i] = cl.of[i]; truth[i] = person[i]; }
    dc_eval_t e = {0};
    dc_eval_labels(pred, truth, n, &e);
    ck_assert_msg(e.p > 0.99 && e.r > 0.99, "P %f R %f", e.p, e.r);
    /* members are grouped by cluster and sorted; clusters numbered by first record */
    ck_assert_uint_eq(cl.off[cl.ncl], n);
    uint32_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (cl.of[i] == next) next++;
        ck_assert_uint_lt(cl.of[i], next);
        ck_assert(cl.prob[i] > 0.5f && cl.prob[i] <= 1.0f);
    }
    for (uint32_t c = 0; c < cl.ncl; c++)
        for (uint32_t k = cl.off[c] + 1; k < cl.off[c + 1]; k++) ck_assert_uint_lt(cl.members[k - 1], cl.members[k]);
    /* the TF adjustment: agreeing on the shared name counts less than on a rare one */
    uint8_t lv[DC_COL__COUNT] = {0};
    double wc = dc_level_weight(&m, &tf, DC_COL_NAME, DC_NAME_EXACT, &r[0], &r[0]);
    size_t rare = 1;
    while (rare < n && tf.name_ascii[r[rare].name.ascii] > 3) rare++;
    ck_assert_uint_lt(rare, n);
    double wr = dc_level_weight(&m, &tf, DC_COL_NAME, DC_NAME_EXACT, &r[rare], &r[rare]);
    ck_assert_msg(wr > wc + 4, "rare %f common %f", wr, wc);
    (void)lv;
    dc_tf_free(&tf);
    dc_clusters_free(&cl);
    free(ref);
    free(pred);
    free(truth);
    free(score);
    free(pats);
    free(pairs);
    dc_block_stats_free(&bs);
    dc_rules_free(&rules);
    free(r);
    free(person);
}
END_TEST

/* Issue 19, item 4: 200,000 rows with one name, birth date and couple of
 * parents. The term frequency of "both parents agree" is a lookup among
 * the distinct couples (one here), not a scan over the rows that share
 * the couple, which made scoring quadratic in the rows sharing it. The
 * work is checked by the table's size (one entry per distinct couple) and
 * by scoring 1.8 M windowed pairs, 3.6e11 steps with the old scan. */
START_TEST(test_tf_parents_shared)
{
    size_t n = 200000;
    dc_record_t *r = dc_xmalloc(n * sizeof *r);
    dc_record_t one = rec(NULL, "nguyen", "van", "hung", 19800512, 0, DC_SEX_MALE);
    one.father.exact = one.father.ascii = S("nguyen van nam");
    one.mother.exact = one.mother.ascii = S("tran thi lan");
    for (size_t i = 0; i < n; i++) r[i] = one;
    r[7].mother.exact = r[7].mother.ascii = S("le thi hoa");   /* a second couple */
    dc_tf_t tf;
    dc_tf_build(&tf, r, n, IN, 2);
    ck_assert_uint_eq(tf.nparents, 2);
    dc_model_t m;
    dc_model_init_default(&m);
    /* the share of rows with the couple: all but one */
    double w = dc_level_weight(&m, &tf, DC_COL_PARENTS, DC_PAR_BOTH, &r[0], &r[1]);
    ck_assert_double_eq_tol(w, log2(m.m[DC_COL_PARENTS][DC_PAR_BOTH] / ((double)(n - 1) / (double)n)), 1e-9);
    double w7 = dc_level_weight(&m, &tf, DC_COL_PARENTS, DC_PAR_BOTH, &r[7], &r[7]);
    ck_assert_double_eq_tol(w7, log2(m.m[DC_COL_PARENTS][DC_PAR_BOTH] / (2.0 / (double)n)), 1e-9);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && j < i + 10; j++) {
            uint8_t lv[DC_COL__COUNT];
            dc_compare(IN, &r[i], &r[j], lv);
            sum += dc_model_score(&m, &tf, lv, &r[i], &r[j], NULL);
        }
    ck_assert(sum != 0);
    dc_tf_free(&tf);
    free(r);
}
END_TEST

/* A string of IN into `to`. */
static uint32_t into(dc_intern_t *to, uint32_t id)
{
    size_t n;
    const char *str = dc_intern_str(IN, id, &n);
    return id ? dc_intern(to, str, n) : 0;
}

/* Issue 13: a load into a master counts term frequencies over the rows it
 * read (its delivery counted, the stored rows it reached not) plus the
 * counts each stored source keeps by value: the same counts, for every
 * value a row read holds, as counting every row. */
START_TEST(test_tf_encoded)
{
    static const char *const sur[] = {"nguyen", "tran", "le", "pham", "hoang"};
    static const char *const giv[] = {"hung", "lan", "nam", "hoa", "minh", "tuan", "mai"};
    size_t n = 3000, nd = 400, nreach = 300;   /* rows [0, nd) delivered, [nd, nd + nreach) reached */
    dc_record_t *r = dc_xcalloc(n, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i] = rec(NULL, sur[i % 5], i % 3 ? "van" : "", giv[(i * 7 + i / 11) % 7], 19800101 + (uint32_t)(i % 28), 0,
                   DC_SEX_MALE);
        if (i % 4) {
            char f[64], m[64];
            snprintf(f, sizeof f, "%s van %s", sur[(i / 3) % 5], giv[i % 7]);
            snprintf(m, sizeof m, "%s thi %s", sur[(i / 5) % 5], giv[(i / 2) % 7]);
            r[i].father.exact = r[i].father.ascii = S(f);
            r[i].mother.exact = r[i].mother.ascii = S(m);
        }
        if (i % 9 == 0) r[i].spouse.exact = r[i].spouse.ascii = S("vo thi hang");
    }
    dc_tf_t all;
    dc_tf_build(&all, r, n, IN, 2);
    /* the load: its own interner, the rows read; the rest as stored counts
     * of two sources */
    dc_intern_t *in2 = dc_intern_create();
    size_t nr = nd + nreach;
    dc_record_t *q = dc_xcalloc(nr, sizeof *q);
    uint8_t *count = dc_xcalloc(nr, 1);
    for (size_t i = 0; i < nr; i++) {
        q[i] = r[i];
        q[i].name.exact = into(in2, r[i].name.exact);
        q[i].name.ascii = into(in2, r[i].name.ascii);
        q[i].name.phon = into(in2, r[i].name.phon);
        q[i].father.ascii = q[i].father.exact = into(in2, r[i].father.ascii);
        q[i].mother.ascii = q[i].mother.exact = into(in2, r[i].mother.ascii);
        q[i].spouse.ascii = q[i].spouse.exact = into(in2, r[i].spouse.ascii);
        count[i] = i < nd;
    }
    dc_tf_t sub;
    dc_tf_build_sel(&sub, q, nr, in2, 2, count);
    dc_buf_t b1 = DC_BUF_INIT, b2 = DC_BUF_INIT;
    size_t mid = nd + (n - nd) / 2;
    dc_tf_encode(r + nd, mid - nd, IN, &b1);
    dc_tf_encode(r + mid, n - mid, IN, &b2);
    /* as a master keeps them: the sum of the two sources' tables, then
     * changes: b2 taken away and added back (a re-delivery of it), each a
     * table of differences; the result is the sum again, byte for byte */
    dc_buf_t sum = DC_BUF_INIT, d = DC_BUF_INIT, e = DC_BUF_INIT, empty = DC_BUF_INIT, x = DC_BUF_INIT;
    dc_tf_encode(NULL, 0, NULL, &empty);
    ck_assert_int_eq(dc_tf_merge_encoded(b1.p, b1.len, b2.p, b2.len, 1, &sum), 0);
    ck_assert_int_eq(dc_tf_merge_encoded(empty.p, empty.len, b2.p, b2.len, -1, &d), 0);   /* -b2 */
    ck_assert_int_eq(dc_tf_merge_encoded(sum.p, sum.len, d.p, d.len, 1, &e), 0);         /* b1 */
    ck_assert_uint_eq(e.len, b1.len);
    ck_assert_int_eq(memcmp(e.p, b1.p, b1.len), 0);
    ck_assert_int_eq(dc_tf_merge_encoded(d.p, d.len, b2.p, b2.len, 1, &x), 0);            /* -b2 + b2: nothing */
    ck_assert_uint_eq(x.len, empty.len);
    ck_assert_int_eq(memcmp(x.p, empty.p, empty.len), 0);
    /* the sum, then -b2 and b2 added (in that order: modulo 2^32 the
     * intermediate counts below zero do not matter) */
    ck_assert_int_eq(dc_tf_add_encoded(&sub, sum.p, sum.len), 0);
    ck_assert_int_eq(dc_tf_add_encoded(&sub, d.p, d.len), 0);
    ck_assert_int_eq(dc_tf_add_encoded_sign(&sub, b2.p, b2.len, 1), 0);
    ck_assert_int_eq(dc_tf_add_encoded_sign(&sub, b1.p, b1.len, -1), 0);
    ck_assert_int_eq(dc_tf_add_encoded(&sub, b1.p, b1.len), 0);
    /* a table out of order is refused by the merge */
    dc_buf_clear(&x);
    dc_buf_put(&x, sum.p, sum.len);
    ck_assert_uint_gt(sum.len, 16 + 8 + 24);
    memcpy(x.p + 24 + 12, x.p + 24, 8);   /* the second value of the first table = the first */
    ck_assert_int_eq(dc_tf_merge_encoded(x.p, x.len, b1.p, b1.len, 1, &e), -1);
    dc_buf_free(&sum), dc_buf_free(&d), dc_buf_free(&e), dc_buf_free(&empty), dc_buf_free(&x);
    ck_assert_double_eq(sub.n, all.n);
    ck_assert_double_eq(sub.nrel, all.nrel);
    dc_model_t m;
    dc_model_init_default(&m);
    for (size_t i = 0; i < nr; i++) {
        ck_assert_uint_eq(sub.name_ascii[q[i].name.ascii], all.name_ascii[r[i].name.ascii]);
        ck_assert_uint_eq(sub.name_phon[q[i].name.phon], all.name_phon[r[i].name.phon]);
        if (r[i].father.ascii) ck_assert_uint_eq(sub.rel_ascii[q[i].father.ascii], all.rel_ascii[r[i].father.ascii]);
        if (r[i].spouse.ascii) ck_assert_uint_eq(sub.rel_ascii[q[i].spouse.ascii], all.rel_ascii[r[i].spouse.ascii]);
        double wa = dc_level_weight(&m, &all, DC_COL_PARENTS, DC_PAR_BOTH, &r[i], &r[i]);
        double wq = dc_level_weight(&m, &sub, DC_COL_PARENTS, DC_PAR_BOTH, &q[i], &q[i]);
        ck_assert_double_eq_tol(wa, wq, 1e-12);
    }
    /* a damaged table is refused */
    b1.p[b1.len / 2] ^= 0x5A;
    b1.len -= 3;
    ck_assert_int_eq(dc_tf_add_encoded(&sub, b1.p, b1.len), -1);
    dc_buf_free(&b1);
    dc_buf_free(&b2);
    dc_tf_free(&sub);
    dc_tf_free(&all);
    dc_intern_free(in2);
    free(q);
    free(count);
    free(r);
}
END_TEST

/* Issue 19, item 5: exact copies of a row always merge, whatever their
 * number, and they are set aside before blocking and estimation. */
START_TEST(test_dedup_copies)
{
    size_t ncopy = 50000, n = ncopy + 6;
    dc_record_t *r = dc_xcalloc(n, sizeof *r);
    dc_record_t one = rec(NULL, "pham", "anh", "minh", 19850408, 1085012345ull, DC_SEX_MALE);
    one.perm.text = S("so 5 pho hue, ha noi");
    /* records 0..2: distinct people; then the copies, interleaved with
     * a near copy (one field differs) and two bare rows */
    r[0] = rec(NULL, "le", "thi", "hoa", 19900101, 0, DC_SEX_FEMALE);
    r[1] = rec(NULL, "tran", "van", "an", 19700203, 0, DC_SEX_MALE);
    r[2] = one;
    r[2].perm.text = S("so 7 pho hue, ha noi");   /* near copy: not a copy */
    for (size_t i = 3; i < 3 + ncopy; i++) r[i] = one;
    r[n - 3] = r[0];                              /* a copy of record 0 (no ID, but date + name + ...) */
    r[n - 3].perm.text = r[0].perm.text = S("xa an binh");
    r[n - 2] = rec(NULL, "vo", "van", "ba", 0, 0, 0);   /* bare name: never a copy */
    r[n - 1] = r[n - 2];
    for (size_t i = 0; i < n; i++) r[i].seq = (uint32_t)i;   /* rows differ in their line only */
    uint32_t *rep1 = dc_xmalloc(n * sizeof *rep1), *rep2 = dc_xmalloc(n * sizeof *rep2);
    ck_assert_uint_eq(dc_match_dedup(r, n, 1, rep1), ncopy - 1 + 1);
    ck_assert_uint_eq(dc_match_dedup(r, n, 2, rep2), ncopy - 1 + 1);
    ck_assert_int_eq(memcmp(rep1, rep2, n * sizeof *rep1), 0);
    ck_assert_uint_eq(rep1[2], 2);
    ck_assert_uint_eq(rep1[3], 3);
    for (size_t i = 4; i < 3 + ncopy; i++) ck_assert_uint_eq(rep1[i], 3);
    ck_assert_uint_eq(rep1[n - 3], 0);
    ck_assert_uint_eq(rep1[n - 2], n - 2);
    ck_assert_uint_eq(rep1[n - 1], n - 1);
    /* blocking sees the representatives only: no pair holds a copy */
    dc_rules_t rules;
    ck_assert_int_eq(dc_rules_parse(dc_rules_default_text(), "d", &rules), 0);
    uint64_t *pairs;
    dc_block_stats_t bs;
    size_t np = dc_block_pairs_rep(r, n, IN, &rules, 2, rep1, NULL, NULL, &pairs, &bs);
    ck_assert_uint_le(np, 10);
    for (size_t p = 0; p < np; p++) {
        ck_assert_uint_eq(rep1[pairs[p] >> 32], pairs[p] >> 32);
        ck_assert_uint_eq(rep1[(uint32_t)pairs[p]], (uint32_t)pairs[p]);
    }
    /* clustering with no accepted pair: the copies are one citizen */
    float *score = dc_xcalloc(np ? np : 1, sizeof *score);
    dc_clusters_t cl;
    size_t *ref, nref;
    dc_cluster_stats_t cs;
    dc_cluster(IN, r, n, NULL, rep1, DC_CL_ALL, NULL, pairs, score, np, 1e9, &cl, &ref, &nref, &cs);
    ck_assert_uint_eq(cs.copies, ncopy);
    ck_assert_uint_eq(cl.ncl, 6);   /* 0 (with its copy), 1, 2, the copies, two bare rows */
    for (size_t i = 3; i < 3 + ncopy; i++) ck_assert_uint_eq(cl.of[i], cl.of[3]);
    ck_assert_uint_eq(cl.of[n - 3], cl.of[0]);
    ck_assert_uint_ne(cl.of[n - 1], cl.of[n - 2]);
    ck_assert_uint_ne(cl.of[2], cl.of[3]);
    ck_assert(cl.prob[5] == 1.0f);
    dc_clusters_free(&cl);
    free(ref);
    free(score);
    free(pairs);
    dc_block_stats_free(&bs);
    dc_rules_free(&rules);
    free(rep1);
    free(rep2);
    free(r);
}
END_TEST

/* Labelled pairs supervise EM: a level that EM alone leaves to the
 * non-match class gets its m from the pairs labelled "match". */
/* u of "dob exact" is counted from the dates, not sampled */
START_TEST(test_u_dob_exact)
{
    dc_record_t r[8];
    uint32_t d[8] = {19800101, 19800101, 19800101, 19800101, 19900505, 19900505, 19700000, 0};
    for (int i = 0; i < 8; i++) r[i] = rec(NULL, "le", "van", "an", d[i], 0, 0);
    dc_model_t m;
    dc_model_init_default(&m);
    dc_model_u_dob_exact(&m, r, NULL, 8);
    /* 7 comparable dates; 4 * 3 + 2 * 1 ordered pairs share a full date */
    ck_assert_double_eq_tol(m.u[DC_COL_DOB][DC_DOB_EXACT], 14.0 / 42.0, 1e-12);
    uint32_t sel[] = {0, 1, 4, 6};
    dc_model_u_dob_exact(&m, r, sel, 4);
    ck_assert_double_eq_tol(m.u[DC_COL_DOB][DC_DOB_EXACT], 2.0 / 12.0, 1e-12);
}
END_TEST

START_TEST(test_em_supervised)
{
    uint8_t lv[DC_COL__COUNT];
    for (int c = 0; c < DC_COL__COUNT; c++) lv[c] = DC_LV_MISSING;
    size_t n = 400;
    uint64_t *pats = dc_xmalloc(n * sizeof *pats);
    for (size_t p = 0; p < n; p++) {
        lv[DC_COL_NAME] = p % 4 ? DC_NAME_DIFF : DC_NAME_JW_HIGH;
        lv[DC_COL_DOB] = p % 2 ? DC_DOB_DIFF : DC_DOB_EXACT;
        pats[p] = dc_levels_pack(lv);
    }
    lv[DC_COL_NAME] = DC_NAME_JW_HIGH;
    lv[DC_COL_DOB] = DC_DOB_EXACT;
    uint64_t sup[300];
    for (size_t k = 0; k < 300; k++) sup[k] = dc_levels_pack(lv) | 1ull << 63;
    dc_model_t m0, m1;
    dc_model_init_default(&m0);
    m1 = m0;
    dc_model_estimate_em(&m0, pats, n, 1e6, 200);
    dc_model_estimate_em_sup(&m1, pats, n, 1e6, sup, 300, 200);
    ck_assert_uint_eq(m1.em_labelled, 300);
    ck_assert_double_gt(m1.m[DC_COL_NAME][DC_NAME_JW_HIGH], 0.5);
    ck_assert_double_gt(m1.m[DC_COL_NAME][DC_NAME_JW_HIGH], m0.m[DC_COL_NAME][DC_NAME_JW_HIGH]);
    free(pats);
}
END_TEST

/* Issue 15 part 3: the pair context comes from the two rows only (source
 * index, residence province: current address first), is symmetric, and
 * the record pairs of each context are counted exactly. */
START_TEST(test_pair_context)
{
    dc_record_t a = rec(NULL, "nguyen", "van", "an", 19800101, 0, DC_SEX_MALE), b = a, c = a, d = a;
    a.source = 0;
    a.cur.prov_new = 1;
    b.source = 0;
    b.perm.prov_new = 1;              /* no current address: the permanent one */
    c.source = 1;
    c.perm.prov_new = 1;
    c.cur.prov_new = 29;              /* a lodger elsewhere: the current address wins */
    d.source = 1;                     /* no province at all */
    ck_assert_uint_eq(dc_rec_province(&a), 1);
    ck_assert_uint_eq(dc_rec_province(&b), 1);
    ck_assert_uint_eq(dc_rec_province(&c), 29);
    ck_assert_uint_eq(dc_rec_province(&d), 0);
    ck_assert_int_eq(dc_pair_context(&a, &b), DC_CTX_FILE_PROV);
    ck_assert_int_eq(dc_pair_context(&a, &c), DC_CTX_CROSS_OTHER);
    ck_assert_int_eq(dc_pair_context(&c, &d), DC_CTX_FILE_OTHER);   /* unknown province: other */
    ck_assert_int_eq(dc_pair_context(&d, &d), DC_CTX_FILE_OTHER);
    c.cur.prov_new = 0;
    ck_assert_int_eq(dc_pair_context(&a, &c), DC_CTX_CROSS_PROV);
    const dc_record_t *all[] = {&a, &b, &c, &d};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) ck_assert_int_eq(dc_pair_context(all[i], all[j]), dc_pair_context(all[j], all[i]));
    ck_assert_str_eq(dc_context_name(DC_CTX_CROSS_OTHER), "cross_file_other_province");
    ck_assert_str_eq(dc_context_name(-1), "global");

    /* 3 files x 3 provinces (0: unknown), uneven counts; every row's
     * residence is its province (no commune): same_province or different */
    enum { N = 240 };
    dc_record_t *r = dc_xcalloc(N, sizeof *r);
    for (size_t i = 0; i < N; i++) {
        r[i] = rec(NULL, "le", "thi", "binh", 19900101, 0, DC_SEX_FEMALE);
        r[i].source = (uint32_t)(i % 3);
        unsigned prov = (unsigned)(i * 7 % 5 < 2 ? 0 : i * 7 % 5 == 2 ? 1 : 79);
        r[i].perm.prov_old = r[i].perm.prov_new = (uint8_t)prov;
    }
    double want[DC_CTX__N] = {0};
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++) want[dc_pair_context(&r[i], &r[j])] += 1;
    dc_model_t m, m1;
    dc_model_init_default(&m);
    m1 = m;
    dc_model_estimate_u_ctx(&m, r, NULL, N, IN, 20000, 5, 2);
    dc_model_estimate_u_ctx(&m1, r, NULL, N, IN, 20000, 5, 1);
    ck_assert_int_eq(memcmp(m.ctx, m1.ctx, sizeof m.ctx), 0);   /* thread-count independent */
    for (int k = 0; k < DC_CTX__N; k++) {
        ck_assert_double_eq(m.ctx[k].all_pairs, want[k]);
        ck_assert(m.ctx[k].u_sample > 19000 && m.ctx[k].u_sample <= 20000);   /* a few draws rejected */
    }
    /* drawn inside the context: same province, or different/unknown */
    ck_assert_double_gt(m.ctx[DC_CTX_FILE_PROV].u[DC_ADDR_PROV], 0.99);
    ck_assert_double_gt(m.ctx[DC_CTX_CROSS_PROV].u[DC_ADDR_PROV], 0.99);
    ck_assert_double_gt(m.ctx[DC_CTX_CROSS_OTHER].u[DC_ADDR_DIFF], 0.99);
    /* a selection: rows of one file only: cross-file contexts are empty */
    uint32_t sel[N / 3];
    for (size_t i = 0; i < N / 3; i++) sel[i] = (uint32_t)(3 * i);
    dc_model_estimate_u_ctx(&m, r, sel, N / 3, IN, 20000, 5, 2);
    ck_assert_double_eq(m.ctx[DC_CTX_CROSS_PROV].all_pairs, 0);
    ck_assert_uint_eq(m.ctx[DC_CTX_CROSS_OTHER].u_sample, 0);
    ck_assert_double_gt(m.ctx[DC_CTX_FILE_PROV].all_pairs + m.ctx[DC_CTX_FILE_OTHER].all_pairs,
                        (double)(N / 3) * (N / 3 - 1) / 2 - 0.5);
    free(r);
}
END_TEST

/* Expected counts of a two-class mixture over (name, dob, residence)
 * patterns of context k, added to pats. */
static size_t mix_pats(uint64_t *pats, size_t np, int k, double n, double share, const double *mres,
                       const double *ures)
{
    static const double mn[2] = {0.9, 0.1}, un[2] = {0.1, 0.9}, md[2] = {0.85, 0.15}, ud[2] = {0.05, 0.95};
    static const int nlv[2] = {DC_NAME_EXACT, DC_NAME_DIFF}, dlv[2] = {DC_DOB_EXACT, DC_DOB_DIFF};
    for (int x = 0; x < 2; x++)
        for (int y = 0; y < 2; y++)
            for (int z = 0; z < DC_ADDR__N; z++) {
                double c = n * (share * mn[x] * md[y] * mres[z] + (1 - share) * un[x] * ud[y] * ures[z]);
                uint8_t lv[DC_COL__COUNT];
                for (int col = 0; col < DC_COL__COUNT; col++) lv[col] = DC_LV_MISSING;
                lv[DC_COL_NAME] = (uint8_t)nlv[x];
                lv[DC_COL_DOB] = (uint8_t)dlv[y];
                lv[DC_COL_RESIDENCE] = (uint8_t)z;
                for (long q = 0; q < lround(c); q++)
                    pats[np++] = dc_levels_pack(lv) | (uint64_t)k << DC_PAT_CTX_SHIFT;
            }
    return np;
}

/* Issue 15 part 3: EM learns the match share of each pair context (within
 * one file 0.2, across files 0.6) and the residence m of each, where one
 * global share and m cannot fit both; a context with too few pairs uses
 * the global values; the prior of a context is its share x candidate
 * pairs / record pairs; scoring and model.json use them. */
START_TEST(test_em_contexts)
{
    /* within a file, true matches share the commune; across files they moved */
    static const double m_in[DC_ADDR__N] = {0, 0.9, 0, 0, 0.1, 0}, u_in[DC_ADDR__N] = {0, 0.3, 0, 0, 0.7, 0};
    static const double m_x[DC_ADDR__N] = {0, 0.05, 0, 0, 0, 0.95}, u_x[DC_ADDR__N] = {0, 0.01, 0, 0, 0, 0.99};
    uint64_t *pats = dc_xmalloc(60000 * sizeof *pats);
    size_t np = mix_pats(pats, 0, DC_CTX_FILE_PROV, 20000, 0.2, m_in, u_in);
    np = mix_pats(pats, np, DC_CTX_CROSS_OTHER, 20000, 0.6, m_x, u_x);
    size_t nbig = np;
    np = mix_pats(pats, np, DC_CTX_CROSS_PROV, 600, 0.5, m_in, u_in);   /* too few pairs */
    dc_model_t m;
    dc_model_init_default(&m);
    /* u as random pairs would give it: the non-match shares above */
    for (int l = 0; l < DC_NAME__N; l++) m.u[DC_COL_NAME][l] = l == DC_NAME_EXACT ? 0.1 : l == DC_NAME_DIFF ? 0.9 : 1e-6;
    for (int l = 0; l < DC_DOB__N; l++) m.u[DC_COL_DOB][l] = l == DC_DOB_EXACT ? 0.05 : l == DC_DOB_DIFF ? 0.95 : 1e-6;
    for (int l = 0; l < DC_ADDR__N; l++) {
        m.ctx[DC_CTX_FILE_PROV].u[l] = u_in[l] > 0 ? u_in[l] : 1e-6;
        m.ctx[DC_CTX_CROSS_OTHER].u[l] = u_x[l] > 0 ? u_x[l] : 1e-6;
        m.ctx[DC_CTX_CROSS_PROV].u[l] = u_in[l] > 0 ? u_in[l] : 1e-6;
    }
    const int used[] = {DC_CTX_FILE_PROV, DC_CTX_CROSS_OTHER, DC_CTX_CROSS_PROV};
    for (int q = 0; q < 3; q++) {
        m.ctx[used[q]].all_pairs = 4e6;
        m.ctx[used[q]].u_sample = 250000;
    }
    dc_model_t one = m;
    dc_model_estimate_em(&m, pats, np, 12e6, 500);
    ck_assert(m.em_converged);
    const dc_model_ctx_t *in = &m.ctx[DC_CTX_FILE_PROV], *x = &m.ctx[DC_CTX_CROSS_OTHER];
    ck_assert(in->own && x->own);
    ck_assert(!m.ctx[DC_CTX_CROSS_PROV].own && !m.ctx[DC_CTX_FILE_OTHER].own);
    ck_assert_uint_eq(m.ctx[DC_CTX_CROSS_PROV].pairs, np - nbig);
    ck_assert_double_eq_tol(in->lambda_cand, 0.2, 0.02);
    ck_assert_double_eq_tol(x->lambda_cand, 0.6, 0.02);
    ck_assert_double_eq_tol(in->lambda, in->lambda_cand * (double)in->pairs / 4e6, 1e-12);
    ck_assert_double_eq_tol(x->lambda, x->lambda_cand * (double)x->pairs / 4e6, 1e-12);
    ck_assert_double_eq_tol(in->m[DC_ADDR_WARD], 0.9, 0.03);
    ck_assert_double_eq_tol(x->m[DC_ADDR_DIFF], 0.95, 0.03);
    /* a moved row across files barely counts against; within a file a
     * different commune does */
    ck_assert_double_gt(log2(x->m[DC_ADDR_DIFF] / x->u[DC_ADDR_DIFF]), -0.1);
    ck_assert_double_lt(log2(in->m[DC_ADDR_PROV] / in->u[DC_ADDR_PROV]), -2);
    /* a level too rare among a context's random pairs keeps the global m/u */
    ck_assert(in->m[DC_ADDR_DIFF] == m.m[DC_COL_RESIDENCE][DC_ADDR_DIFF]);
    ck_assert(in->u[DC_ADDR_DIFF] == m.u[DC_COL_RESIDENCE][DC_ADDR_DIFF]);
    ck_assert(x->m[DC_ADDR_PROV] == m.m[DC_COL_RESIDENCE][DC_ADDR_PROV]);

    /* scoring: the pair's context picks the prior and the residence m/u */
    dc_record_t a = rec(NULL, "tran", "van", "ba", 19700101, 0, DC_SEX_MALE), b = a, c = a;
    a.cur.prov_new = 1;
    b.cur.prov_new = 79;
    b.source = 1;                 /* a lodger in another file and province */
    c.source = 1;                 /* no province: cross_file_other_province too */
    uint8_t lv[DC_COL__COUNT];
    for (int col = 0; col < DC_COL__COUNT; col++) lv[col] = DC_LV_MISSING;
    lv[DC_COL_RESIDENCE] = DC_ADDR_DIFF;
    int k;
    ck_assert(dc_model_prior(&m, lv, &a, &b, &k) == x->lambda);
    ck_assert_int_eq(k, DC_CTX_CROSS_OTHER);
    ck_assert(dc_model_prior(&m, lv, &a, NULL, &k) == m.lambda);
    ck_assert_int_eq(k, -1);
    double w[DC_COL__COUNT];
    double s = dc_model_score(&m, NULL, lv, &a, &b, w);
    ck_assert_double_eq_tol(w[DC_COL_RESIDENCE], log2(x->m[DC_ADDR_DIFF] / x->u[DC_ADDR_DIFF]), 1e-12);
    ck_assert_double_eq_tol(s, log2(x->lambda / (1 - x->lambda)) + w[DC_COL_RESIDENCE], 1e-9);
    /* a context with too few pairs: the global values */
    c.cur.prov_new = 1;           /* cross_file_same_province */
    ck_assert(dc_model_prior(&m, lv, &a, &c, NULL) == m.lambda);
    dc_model_score(&m, NULL, lv, &a, &c, w);
    ck_assert_double_eq_tol(w[DC_COL_RESIDENCE], log2(m.m[DC_COL_RESIDENCE][DC_ADDR_DIFF] / m.u[DC_COL_RESIDENCE][DC_ADDR_DIFF]),
                            1e-12);
    /* both parents agree: the context may lower the prior, not raise it */
    dc_record_t a2 = a;
    a2.cur.prov_new = 1;
    lv[DC_COL_PARENTS] = DC_PAR_BOTH;
    double hi = in->lambda > m.lambda ? m.lambda : in->lambda;
    ck_assert(dc_model_prior(&m, lv, &a, &a2, NULL) == hi);

    /* model.json keeps the contexts; a file without them means one context */
    dc_buf_t b1 = DC_BUF_INIT;
    dc_jw_t jw;
    dc_jw_init(&jw, &b1, 0);
    dc_jw_open(&jw, '{', DC_JW_LINES);
    dc_model_json(&m, &jw);
    dc_jw_close(&jw);
    dc_model_t back;
    ck_assert_int_eq(dc_model_parse_json(b1.p, b1.len, &back), 0);
    for (int q = 0; q < DC_CTX__N; q++) {
        ck_assert_int_eq(back.ctx[q].own, m.ctx[q].own);
        ck_assert_uint_eq(back.ctx[q].pairs, m.ctx[q].pairs);
        if (!m.ctx[q].own) continue;
        ck_assert(back.ctx[q].lambda == m.ctx[q].lambda);
        ck_assert_int_eq(memcmp(back.ctx[q].m, m.ctx[q].m, DC_ADDR__N * sizeof(double)), 0);
        ck_assert_int_eq(memcmp(back.ctx[q].u, m.ctx[q].u, DC_ADDR__N * sizeof(double)), 0);
    }
    char *cut = strstr(b1.p, ",\n  \"contexts\"");
    ck_assert_ptr_nonnull(cut);
    strcpy(cut, "\n}\n");
    ck_assert_int_eq(dc_model_parse_json(b1.p, strlen(b1.p), &back), 0);
    for (int q = 0; q < DC_CTX__N; q++) ck_assert(!back.ctx[q].own);
    ck_assert(dc_model_prior(&back, lv, &a, &b, NULL) == m.lambda);
    dc_buf_free(&b1);

    /* the same pairs in one context: no context of its own, the global model */
    for (size_t p = 0; p < np; p++) pats[p] &= ~(3ull << DC_PAT_CTX_SHIFT);
    dc_model_estimate_em(&one, pats, np, 12e6, 500);
    for (int q = 0; q < DC_CTX__N; q++) ck_assert(!one.ctx[q].own);
    ck_assert(dc_model_prior(&one, lv, &a, &b, NULL) == one.lambda);
    free(pats);
}
END_TEST

START_TEST(test_cluster_cannot_link)
{
    /* a-b and b-c are strong links, a and c carry different IDs: the chain
     * must not put a and c together; the weaker link is the one refused */
    dc_record_t r[4];
    r[0] = rec(NULL, "do", "van", "long", 19600101, 1060011111111ull, DC_SEX_MALE);
    r[1] = rec(NULL, "do", "van", "long", 19600101, 0, DC_SEX_MALE);
    r[2] = rec(NULL, "do", "van", "long", 19600101, 1060022222222ull, DC_SEX_MALE);
    r[3] = rec(NULL, "ha", "thi", "thu", 19700101, 0, DC_SEX_FEMALE);
    uint64_t pairs[] = {(0ull << 32) | 1, (0ull << 32) | 2, (1ull << 32) | 2, (2ull << 32) | 3};
    float score[] = {20.0f, 30.0f, 15.0f, -5.0f};
    dc_clusters_t cl;
    size_t *ref, nref;
    dc_cluster_stats_t cs;
    dc_cluster(IN, r, 4, NULL, NULL, DC_CL_ALL, NULL, pairs, score, 4, 0.0, &cl, &ref, &nref, &cs);
    ck_assert_uint_eq(cs.accepted, 3);
    ck_assert_uint_eq(nref, 2);                 /* 0-2 (cannot link) then 1-2 (would join 0 and 2) */
    ck_assert_uint_eq(ref[0], 1);
    ck_assert_uint_eq(ref[1], 2);
    ck_assert_uint_eq(cl.of[0], cl.of[1]);
    ck_assert_uint_ne(cl.of[0], cl.of[2]);
    ck_assert_uint_eq(cl.ncl, 3);
    ck_assert_uint_eq(cl.of[3], 2);
    ck_assert_float_eq(cl.prob[3], 1.0f);
    ck_assert_float_eq(cl.prob[2], 1.0f);       /* alone in its cluster */
    ck_assert(cl.prob[0] > 0.99f);
    free(ref);
    dc_clusters_free(&cl);

    /* labels: "non_match" 0-1 refuses the strongest link left, "match" 1-3
     * joins rows no pair links (and whose sexes differ: a label is not vetoed) */
    uint64_t must[] = {(1ull << 32) | 3}, cannot[] = {(0ull << 32) | 1};
    dc_labels_t lab = {.must = must, .nmust = 1, .cannot = cannot, .ncannot = 1};
    dc_cluster(IN, r, 4, NULL, NULL, DC_CL_ALL, &lab, pairs, score, 4, 0.0, &cl, &ref, &nref, &cs);
    ck_assert_uint_eq(cs.label_joins, 1);
    ck_assert_uint_eq(cs.label_refused, 1);
    ck_assert_uint_ne(cl.of[0], cl.of[1]);
    ck_assert_uint_eq(cl.of[1], cl.of[3]);
    ck_assert_uint_eq(cl.ncl, 3);               /* {0}, {1, 3}, {2}: 1-2 would put 2 beside the woman 3 */
    ck_assert_uint_ne(cl.of[2], cl.of[0]);
    ck_assert_uint_ne(cl.of[2], cl.of[1]);
    ck_assert_float_eq(cl.prob[3], 1.0f);
    free(ref);
    dc_clusters_free(&cl);
    /* a "match" label against a "non_match" one: joined, counted */
    uint64_t must2[] = {(0ull << 32) | 1};
    dc_labels_t lab2 = {.must = must2, .nmust = 1, .cannot = cannot, .ncannot = 1};
    dc_cluster(IN, r, 4, NULL, NULL, DC_CL_ALL, &lab2, pairs, score, 4, 0.0, &cl, &ref, &nref, &cs);
    ck_assert_uint_eq(cs.label_conflicts, 1);
    ck_assert_uint_eq(cl.of[0], cl.of[1]);
    free(ref);
    dc_clusters_free(&cl);

    /* an extra cannot_link column is evidence in components too: rows with
     * no ID, date or sex, a-b and b-c strong links, a and c holding two
     * different passports: the chain does not join a and c */
    {
        dc_extra_def_t d = {.name = "passport", .norm = DC_XN_TEXT, .cannot_link = 1};
        dc_extra_use(&d, 1);
        dc_record_t x[3];
        for (int k = 0; k < 3; k++) x[k] = rec(NULL, "smith", "", "pat", 0, 0, 0);
        uint32_t v[3] = {S("10251111"), 0, S("10252222")};
        dc_extra_bind(x, 3, v);
        uint64_t xp[] = {(0ull << 32) | 1, (1ull << 32) | 2};
        float xs[] = {20.0f, 15.0f};
        dc_cluster(IN, x, 3, NULL, NULL, DC_CL_ALL, NULL, xp, xs, 2, 0.0, &cl, &ref, &nref, &cs);
        ck_assert_uint_eq(cl.of[0], cl.of[1]);
        ck_assert_uint_ne(cl.of[1], cl.of[2]);
        ck_assert_uint_eq(nref, 1);
        free(ref);
        dc_clusters_free(&cl);
        dc_extra_use(NULL, 0);
    }

    /* the key contract (dc_run.h): XXH3-128 of source, 0, record_id; text
     * "VN" + 32 hex digits, high half first */
    char key[DC_CITIZEN_KEY_LEN + 1], key2[DC_CITIZEN_KEY_LEN + 1];
    dc_citizen_key_format(dc_citizen_key_of("hanoi.csv", 9, "000123", 6), key);
    ck_assert_uint_eq(strlen(key), 34);
    ck_assert(!strncmp(key, "VN", 2));
    for (int i = 2; i < 34; i++) ck_assert(strchr("0123456789abcdef", key[i]));
    XXH128_hash_t h = XXH3_128bits("hanoi.csv\0" "000123", 16);
    char want[40];
    snprintf(want, sizeof want, "VN%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
    ck_assert_str_eq(key, want);
    dc_citizen_key_format(dc_citizen_key_of("hanoi.csv0", 10, "00123", 5), key2);   /* the separator counts */
    ck_assert_str_ne(key, key2);
    dc_citizen_key_format(dc_citizen_key_of("hanoi.csv", 9, "000123", 6), key2);
    ck_assert_str_eq(key, key2);
    /* the order of identities: source first, then record_id, bytes */
    ck_assert_int_lt(dc_row_identity_cmp("a", 1, "9", 1, "b", 1, "1", 1), 0);
    ck_assert_int_lt(dc_row_identity_cmp("a", 1, "10", 2, "a", 1, "9", 1), 0);
    ck_assert_int_lt(dc_row_identity_cmp("a", 1, "1", 1, "a", 1, "10", 2), 0);
    ck_assert_int_eq(dc_row_identity_cmp("a", 1, "1", 1, "a", 1, "1", 1), 0);
}
END_TEST

START_TEST(test_model_json)
{
    dc_model_t m;
    dc_model_init_default(&m);
    m.lambda = 3.25e-7;
    m.m[DC_COL_DOB][DC_DOB_SWAP] = 0.0123456789;
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw;
    dc_jw_init(&jw, &b, 0);
    dc_jw_open(&jw, '{', DC_JW_LINES);
    dc_model_json(&m, &jw);
    dc_jw_key(&jw, "run");
    static const char run[] = "{\"inputs\": [\"a\\u00e9.csv\"]}";
    dc_jw_raw(&jw, run, strlen(run));
    dc_jw_close(&jw);
    dc_model_t m2;
    ck_assert_int_eq(dc_model_parse_json(b.p, b.len, &m2), 0);
    ck_assert_int_eq(memcmp(m.m, m2.m, sizeof m.m), 0);
    ck_assert_int_eq(memcmp(m.u, m2.u, sizeof m.u), 0);
    ck_assert(m.lambda == m2.lambda);
    dc_arena_t a;
    dc_arena_init(&a, 4096);
    dc_json_t *root = dc_json_parse(b.p, b.len, &a);
    ck_assert_ptr_nonnull(root);
    const dc_json_t *in = dc_json_get(dc_json_get(root, "run"), "inputs");
    ck_assert_str_eq(dc_json_str(in->child), "a\xc3\xa9.csv");
    dc_arena_free(&a);
    /* broken models are refused with a reason */
    char *q = strstr(b.p, "\"prior\": ");
    ck_assert_ptr_nonnull(q);
    dc_buf_t bb = DC_BUF_INIT;
    dc_buf_put(&bb, b.p, (size_t)(q - b.p) + 9);
    dc_buf_puts(&bb, "-");
    dc_buf_puts(&bb, q + 9);
    char *bad = bb.p;
    ck_assert_int_eq(dc_model_parse_json(bad, strlen(bad), &m2), -1);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "prior"));
    ck_assert_int_eq(dc_model_parse_json("{\"prior\": 0.1}", 14, &m2), -1);
    ck_assert_int_eq(dc_model_parse_json("{\"prior\": 0.1", 13, &m2), -1);
    free(bad);
    dc_buf_free(&b);
}
END_TEST

static Suite *match_suite(void)
{
    Suite *s = suite_create("match");
    TCase *t = dc_test_tcase("core");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_rules_parse);
    tcase_add_test(t, test_settings_parse);
    tcase_add_test(t, test_extra_columns);
    tcase_add_test(t, test_jaro_winkler);
    tcase_add_test(t, test_compare_names_dates);
    tcase_add_test(t, test_compare_ids_addr);
    tcase_add_test(t, test_compare_addr_words);
    tcase_add_test(t, test_key_perm_numbers);
    tcase_add_test(t, test_nicknames);
    tcase_add_test(t, test_dob_placeholder);
    tcase_add_test(t, test_cannot_link);
    tcase_add_test(t, test_blocking);
    tcase_add_test(t, test_blocking_cannot_link_filter);
    tcase_add_test(t, test_blocking_conditions);
    tcase_add_test(t, test_blocking_large_sort);
    tcase_add_test(t, test_blocking_rule_pairs_alone);
    tcase_add_test(t, test_blocking_groups);
    tcase_add_test(t, test_pairs_valid);
    tcase_add_test(t, test_block_truth);
    tcase_add_test(t, test_sort);
    tcase_add_test(t, test_em_and_cluster);
    tcase_add_test(t, test_cluster_cannot_link);
    tcase_add_test(t, test_tf_parents_shared);
    tcase_add_test(t, test_tf_encoded);
    tcase_add_test(t, test_dedup_copies);
    tcase_add_test(t, test_em_supervised);
    tcase_add_test(t, test_u_dob_exact);
    tcase_add_test(t, test_model_json);
    tcase_add_test(t, test_pair_context);
    tcase_add_test(t, test_em_contexts);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return dc_test_main(match_suite(), "match"); }
