/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_gen.c - tests of the synthetic population generator (engine/gen):
 * random streams, the text corruptions, date and ward forms, and whole
 * runs: byte-identical output across thread counts, truth.csv covering
 * every generated row, manifest counts agreeing with the files; the
 * compressed output, the diverse profile and the holdout corruption profile. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "gen/dc_gen.h"
#include "gen/gen_int.h"
#include "dc_encoding.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static char *apply(void (*fn)(const char *, size_t, dc_buf_t *), const char *in)
{
    dc_buf_t b = DC_BUF_INIT;
    fn(in, strlen(in), &b);
    char *r = dc_xstrndup(b.p ? b.p : "", b.len);
    dc_buf_free(&b);
    return r;
}

START_TEST(test_rng)
{
    dc_rng_t a, b, c;
    dc_rng_seed(&a, 42, 7, 1);
    dc_rng_seed(&b, 42, 7, 1);
    dc_rng_seed(&c, 42, 8, 1);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = dc_rng_next(&a), y = dc_rng_next(&b), z = dc_rng_next(&c);
        ck_assert_uint_eq(x, y);
        differ += x != z;
    }
    ck_assert_int_gt(differ, 95);
    /* below() stays in range and hits every value */
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint32_t v = dc_rng_below(&a, 7);
        ck_assert_uint_lt(v, 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++) ck_assert_int_gt(seen[i], 800);
    double u = dc_rng_unit(&a);
    ck_assert(u >= 0 && u < 1);
}
END_TEST

START_TEST(test_fold_dd_case)
{
    static const struct { const char *in, *fold, *dd, *up, *low, *title; } cases[] = {
        {"Nguyễn Văn Đức", "Nguyen Van Duc", "Nguyễn Văn Dức", "NGUYỄN VĂN ĐỨC", "nguyễn văn đức", "Nguyễn Văn Đức"},
        {"ĐẶNG THỊ THÙY", "DANG THI THUY", "DẶNG THỊ THÙY", "ĐẶNG THỊ THÙY", "đặng thị thùy", "Đặng Thị Thùy"},
        {"trương ngọc ánh", "truong ngoc anh", "trương ngọc ánh", "TRƯƠNG NGỌC ÁNH", "trương ngọc ánh", "Trương Ngọc Ánh"},
        {"Số 12 ngõ 3", "So 12 ngo 3", "Số 12 ngõ 3", "SỐ 12 NGÕ 3", "số 12 ngõ 3", "Số 12 Ngõ 3"},
        {"", "", "", "", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *f = apply(dc_gen_fold, cases[i].in), *d = apply(dc_gen_dd, cases[i].in);
        ck_assert_str_eq(f, cases[i].fold);
        ck_assert_str_eq(d, cases[i].dd);
        free(f);
        free(d);
        const char *want[3] = {cases[i].up, cases[i].low, cases[i].title};
        for (int m = 0; m < 3; m++) {
            dc_buf_t b = DC_BUF_INIT;
            dc_gen_case(cases[i].in, strlen(cases[i].in), m, &b);
            ck_assert_str_eq(b.len ? b.p : "", want[m]);
            dc_buf_free(&b);
        }
    }
}
END_TEST

START_TEST(test_tone_swap)
{
    static const struct { const char *in, *out; int n; } cases[] = {
        {"Hòa", "Hoà", 1},          {"Hoà", "Hòa", 1},
        {"Thúy", "Thuý", 1},        {"Thuỷ", "Thủy", 1},
        {"khỏe", "khoẻ", 1},        {"HÒA", "HOÀ", 1},
        {"Quý", "Quý", 0},          /* qu + y: the tone stays on y */
        {"Hoàng", "Hoàng", 0},      /* closed syllable */
        {"Hoa", "Hoa", 0},          /* no tone */
        {"Nguyễn Thị Thủy Hòa", "Nguyễn Thị Thuỷ Hoà", 2},
        {"Phường Yên Hoà, Quận Cầu Giấy", "Phường Yên Hòa, Quận Cầu Giấy", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_buf_t b = DC_BUF_INIT;
        int n = dc_gen_tone_swap(cases[i].in, strlen(cases[i].in), &b);
        ck_assert_str_eq(b.p, cases[i].out);
        ck_assert_int_eq(n, cases[i].n);
        /* swapping twice gives the input back */
        dc_buf_t c = DC_BUF_INIT;
        dc_gen_tone_swap(b.p, b.len, &c);
        ck_assert_str_eq(c.p, cases[i].in);
        dc_buf_free(&b);
        dc_buf_free(&c);
    }
}
END_TEST

START_TEST(test_telex)
{
    static const struct { const char *in, *out; } cases[] = {
        {"Nguyễn Văn Đức", "Nguyeenx Vawn DDuwcs"},
        {"Trần", "Traanf"},
        {"Phượng", "Phuwowngj"},
        {"Lê Thị Hoa", "Lee Thij Hoa"},
        {"Hỏi", "Hoir"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = apply(dc_gen_telex, cases[i].in);
        ck_assert_str_eq(t, cases[i].out);
        free(t);
    }
}
END_TEST

/* Letters of a UTF-8 string, as code points. */
static size_t cps(const char *s, uint32_t *out)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t c = *p;
        int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n == 2) c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
        if (n == 3) c = ((c & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3F);
        out[k++] = c;
        p += n;
    }
    return k;
}

START_TEST(test_typo)
{
    const char *words[] = {"Nguyễn", "Thị", "Phương", "Hùng"};
    int changed = 0;
    for (uint64_t seed = 0; seed < 400; seed++) {
        dc_rng_t r;
        dc_rng_seed(&r, seed, 0, 0);
        const char *w = words[seed % 4];
        dc_buf_t b = DC_BUF_INIT;
        int ch = dc_gen_typo(&r, w, strlen(w), &b);
        ck_assert_int_eq(ch, 1);
        uint32_t a[64], o[64];
        size_t na = cps(w, a), no = cps(b.p, o);
        /* one letter changed, removed, doubled, or two swapped */
        ck_assert(no + 1 >= na && no <= na + 1);
        ck_assert_uint_eq(a[0], o[0]);          /* never the first letter */
        changed += strcmp(w, b.p) != 0;
        dc_buf_free(&b);
    }
    ck_assert_int_gt(changed, 390);  /* a transposition of equal letters is the only no-op */
    dc_rng_t r;
    dc_rng_seed(&r, 1, 0, 0);
    dc_buf_t b = DC_BUF_INIT;
    ck_assert_int_eq(dc_gen_typo(&r, "A", 1, &b), 0);
    ck_assert_str_eq(b.p, "A");
    dc_buf_free(&b);
}
END_TEST

START_TEST(test_nfd)
{
    /* every Vietnamese letter, both cases, plus mixed text: the table NFD
     * must equal utf8proc's */
    const char *texts[] = {
        "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ",
        "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ",
        "Số 12 ngõ 34 Phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, TP. Hà Nội",
        "Nguyễn Thị Thuỷ;1987-03-05\r\n", "", "ascii only",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        dc_buf_t b = DC_BUF_INIT;
        dc_gen_nfd(texts[i], strlen(texts[i]), &b);
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)texts[i], (utf8proc_ssize_t)strlen(texts[i]),
                                          &want, UTF8PROC_DECOMPOSE);
        ck_assert_int_ge(k, 0);
        ck_assert_uint_eq(b.len, (size_t)k);
        ck_assert(k == 0 || !memcmp(b.p, want, (size_t)k));
        free(want);
        dc_buf_free(&b);
    }
}
END_TEST

START_TEST(test_encode_cache)
{
    /* the cached per-character encoder gives dc_encode's bytes and counts */
    const char *texts[] = {
        "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ",
        "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ",
        "1;001;\"Số 12 ngõ 34, P. Phạm Đình Hổ\";NGUYỄN THỊ THUỶ;Nữ\r\n", "€ “quotes” ñ", "",
    };
    const dc_encoding_t encs[] = {DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};
    for (size_t e = 0; e < 4; e++)
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            dc_buf_t a = DC_BUF_INIT, b = DC_BUF_INIT;
            size_t ra = dc_encode(encs[e], texts[i], strlen(texts[i]), &a);
            size_t rb = dc_gen_encode(encs[e], texts[i], strlen(texts[i]), &b);
            ck_assert_uint_eq(ra, rb);
            ck_assert_uint_eq(a.len, b.len);
            ck_assert(a.len == 0 || !memcmp(a.p, b.p, a.len));
            dc_buf_free(&a);
            dc_buf_free(&b);
        }
}
END_TEST

START_TEST(test_dates)
{
    static const char *const want[DC_GEN_DATE__COUNT] = {
        "05/03/1987", "5/3/1987", "05-03-1987", "1987-03-05", "05/03/87",
        "03/1987", "1987", "00/00/1987", "01/01/1987", "31841",
    };
    for (int f = 0; f < DC_GEN_DATE__COUNT; f++) {
        dc_buf_t b = DC_BUF_INIT;
        dc_gen_date(1987, 3, 5, (dc_gen_date_fmt_t)f, &b);
        ck_assert_str_eq(b.p, want[f]);
        dc_buf_free(&b);
    }
    ck_assert_int_eq(dc_gen_serial(1950, 1, 1), 18264);   /* the spec's example */
    ck_assert_int_eq(dc_gen_serial(1900, 3, 1), 61);      /* spreadsheet day 61 */
    ck_assert_int_eq(dc_gen_serial(2000, 2, 29), 36585);
    ck_assert_int_eq(dc_gen_days_in_month(2000, 2), 29);
    ck_assert_int_eq(dc_gen_days_in_month(1900, 2), 28);
    ck_assert_int_eq(dc_gen_days_in_month(2024, 2), 29);
    ck_assert_int_eq(dc_gen_days_in_month(2023, 4), 30);
    ck_assert_str_eq(dc_gen_date_fmt_name(DC_GEN_DATE_PH00), "00/00/yyyy");
}
END_TEST

START_TEST(test_wards)
{
    static const char *const want[DC_GEN_WARD__COUNT] = {"Phường 5", "P.5", "P.05", "P5", "F5", "phường 05"};
    for (int f = 0; f < DC_GEN_WARD__COUNT; f++) {
        dc_buf_t b = DC_BUF_INIT;
        dc_gen_ward(5, (dc_gen_ward_fmt_t)f, &b);
        ck_assert_str_eq(b.p, want[f]);
        dc_buf_free(&b);
    }
    dc_buf_t b = DC_BUF_INIT;
    dc_gen_ward(12, DC_GEN_WARD_P_DOT0, &b);
    ck_assert_str_eq(b.p, "P.12");
    dc_buf_free(&b);
}
END_TEST

START_TEST(test_put_num)
{
    /* the hand-written formatting gives printf's bytes */
    dc_rng_t r;
    dc_rng_seed(&r, 9, 9, 9);
    for (int i = 0; i < 20000; i++) {
        int width = (int)dc_rng_below(&r, 12);
        unsigned long long v = dc_rng_next(&r) >> dc_rng_below(&r, 64);
        if (i < 100) v = (unsigned long long)i;
        char want[64], got[64];
        snprintf(want, sizeof want, "%0*llu", width, v);
        dc_buf_t b = DC_BUF_INIT;
        dc_buf_puts(&b, "x");
        gen_put_num(&b, (long long)(v >> 1), width);
        snprintf(want, sizeof want, "x%0*llu", width, v >> 1);
        ck_assert_str_eq(b.p, want);
        dc_buf_free(&b);
        size_t k = gen_cat(got, sizeof got, 0, "ab");
        k = gen_catnum(got, sizeof got, k, v, width);
        snprintf(want, sizeof want, "ab%0*llu", width, v);
        ck_assert_str_eq(got, want);
        ck_assert_uint_eq(k, strlen(want));
        /* truncation as snprintf's */
        char small[8];
        k = gen_catnum(small, sizeof small, gen_cat(small, sizeof small, 0, "abc"), v, width);
        snprintf(want, sizeof want, "abc%0*llu", width, v);
        want[7] = '\0';
        ck_assert_str_eq(small, want);
    }
    dc_buf_t b = DC_BUF_INIT;
    gen_put_num(&b, -42, 1);
    ck_assert_str_eq(b.p, "-42");
    dc_buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ whole runs */

/* Record ids (first field) of every data record of a CSV file, whatever
 * its delimiter and encoding (ids are ASCII; quoted fields may hold
 * delimiters and newlines). Returns the count; ids appended to `ids`
 * separated by '\n'. */
static size_t record_ids(const char *path, char delim, dc_buf_t *ids)
{
    size_t n = 0;
    char *s = dc_test_read_file(path, &n);
    ck_assert_msg(s != NULL, "cannot read %s", path);
    size_t i = 0, count = 0;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3;
    int header = 1;
    while (i < n) {
        /* one record */
        int field = 0;
        size_t fstart = i;
        int inq = 0;
        for (; i < n; i++) {
            char ch = s[i];
            if (inq) {
                if (ch == '"') {
                    if (i + 1 < n && s[i + 1] == '"') i++;
                    else inq = 0;
                }
                continue;
            }
            if (ch == '"') { inq = 1; continue; }
            if (ch == delim || ch == '\n' || ch == '\r') {
                if (field == 0 && !header) {
                    dc_buf_put(ids, s + fstart, i - fstart);
                    dc_buf_putc(ids, '\n');
                }
                field++;
                if (ch != delim) break;
            }
        }
        if (i < n && s[i] == '\r') i++;
        if (i < n && s[i] == '\n') i++;
        if (!header) count++;
        header = 0;
    }
    free(s);
    return count;
}

typedef struct { char name[128]; char delim; unsigned long rows; } mfile_t;

/* The files listed in manifest.json with their delimiter and row count. */
static size_t manifest_files(const char *dir, mfile_t *out, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *m = dc_test_read_file(path, NULL);
    ck_assert_msg(m != NULL, "no manifest.json");
    size_t k = 0;
    for (char *p = strstr(m, "{\"name\": \"exports/"); p && k < cap; p = strstr(p + 1, "{\"name\": \"exports/")) {
        char *q = p + strlen("{\"name\": \"exports/");
        char *e = strchr(q, '"');
        snprintf(out[k].name, sizeof out[k].name, "%.*s", (int)(e - q), q);
        char *d = strstr(p, "\"delimiter\": \"");
        d += strlen("\"delimiter\": \"");
        out[k].delim = d[0] == '\\' ? '\t' : d[0];
        char *r = strstr(p, "\"rows\": ");
        out[k].rows = strtoul(r + strlen("\"rows\": "), NULL, 10);
        k++;
    }
    free(m);
    return k;
}

static void check_truth_covers(const char *dir, unsigned long people)
{
    mfile_t files[160];
    size_t nf = manifest_files(dir, files, 160);
    ck_assert_uint_gt(nf, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    size_t tn;
    char *truth = dc_test_read_file(path, &tn);
    ck_assert(truth != NULL);
    ck_assert(!strncmp(truth, "source,record_id,person_id\n", 27));
    unsigned long total = 0, truth_rows = 0;
    /* per file: the record ids of the file, in order, must be those of the
     * truth lines of that source, in order */
    for (size_t i = 0; i < nf; i++) {
        dc_buf_t ids = DC_BUF_INIT, tids = DC_BUF_INIT;
        snprintf(path, sizeof path, "%.3000s/exports/%.127s", dir, files[i].name);
        size_t n = record_ids(path, files[i].delim, &ids);
        ck_assert_uint_eq(n, files[i].rows);
        total += n;
        size_t nl = strlen(files[i].name);
        for (char *p = strchr(truth, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
            if (!strncmp(p, files[i].name, nl) && p[nl] == ',') {
                char *rid = p + nl + 1, *e = strchr(rid, ',');
                dc_buf_put(&tids, rid, (size_t)(e - rid));
                dc_buf_putc(&tids, '\n');
            }
        }
        ck_assert_uint_eq(ids.len, tids.len);
        ck_assert_msg(ids.len == 0 || !memcmp(ids.p, tids.p, ids.len), "record ids of %s differ from truth", files[i].name);
        dc_buf_free(&ids);
        dc_buf_free(&tids);
    }
    /* every truth line is a row; distinct person ids = people */
    unsigned long maxp = 0;
    for (char *p = strchr(truth, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        truth_rows++;
        char *pid = strrchr(p, ',');  /* last field of this line */
        char *eol = strchr(p, '\n');
        while (pid > eol) pid = NULL;
        char *c2 = strchr(strchr(p, ',') + 1, ',');
        ck_assert(c2 && c2 < eol && c2[1] == 'P');
        unsigned long v = strtoul(c2 + 2, NULL, 10);
        if (v > maxp) maxp = v;
        ck_assert_uint_ge(v, 1);
    }
    ck_assert_uint_eq(truth_rows, total);
    ck_assert_uint_eq(maxp, people);
    free(truth);
}

START_TEST(test_run_threads_identical)
{
    char *d1 = dc_test_tmpdir("gen1"), *d2 = dc_test_tmpdir("gen2");
    ck_assert_int_eq(dc_test_run("%s gen -q -n 3000 --seed 7 --styles mixed --provinces 01,79,48,36,94,14,66,89 "
                                 "-t 1 -f -o %s", DANCU_BIN, d1), 0);
    ck_assert_int_eq(dc_test_run("%s gen -q -n 3000 --seed 7 --styles mixed --provinces 01,79,48,36,94,14,66,89 "
                                 "-t 2 -f -o %s", DANCU_BIN, d2), 0);
    ck_assert_int_eq(dc_test_run("diff -r %s %s >/dev/null", d1, d2), 0);
    check_truth_covers(d1, 3000);
    /* another seed gives other data */
    char *d3 = dc_test_tmpdir("gen3");
    ck_assert_int_eq(dc_test_run("%s gen -q -n 3000 --seed 8 --styles mixed --provinces 01,79,48,36,94,14,66,89 "
                                 "-t 2 -f -o %s", DANCU_BIN, d3), 0);
    ck_assert_int_ne(dc_test_run("cmp -s %s/truth.csv %s/truth.csv", d1, d3), 0);
    dc_test_run("rm -rf %s %s %s", d1, d2, d3);
    free(d1);
    free(d2);
    free(d3);
}
END_TEST

START_TEST(test_run_in_process)
{
    /* dc_gen_run directly, all provinces, realistic styles, more threads
     * than blocks per batch would need */
    char *d1 = dc_test_tmpdir("gen4"), *d2 = dc_test_tmpdir("gen5");
    dc_gen_opts_t o;
    dc_gen_opts_default(&o);
    o.people = 20000;
    o.seed = 123;
    o.dup_rate = 0.2;
    o.outdir = d1;
    o.nthreads = 1;
    dc_gen_stats_t st;
    ck_assert_int_eq(dc_gen_run(&o, &st), 0);
    ck_assert_uint_eq(st.people, 20000);
    ck_assert_uint_gt(st.rows, 20000 + 20000 * 15 / 100);   /* dup-rate 0.2: about 23,000 rows */
    ck_assert_uint_lt(st.rows, 20000 + 20000 * 30 / 100);
    ck_assert_uint_ge(st.files, 63);
    o.outdir = d2;
    o.nthreads = 3;
    ck_assert_int_eq(dc_gen_run(&o, &st), 0);
    ck_assert_int_eq(dc_test_run("diff -r %s %s >/dev/null", d1, d2), 0);
    check_truth_covers(d1, 20000);
    /* the manifest counts duplicates and corruptions */
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", d1);
    char *m = dc_test_read_file(path, NULL);
    ck_assert(strstr(m, "\"dup_moved_province\": "));
    ck_assert(!strstr(m, "\"dup_moved_province\": 0,"));
    ck_assert(!strstr(m, "\"twins\": 0,"));
    ck_assert(!strstr(m, "\"name_diacritics_dropped\": 0,"));
    free(m);
    /* bad options */
    o.provinces = "01,99";
    ck_assert_int_eq(dc_gen_run(&o, &st), -1);
    ck_assert(strstr(dc_geterr(), "99") != NULL);
    o.provinces = NULL;
    o.dup_rate = 1.5;
    ck_assert_int_eq(dc_gen_run(&o, &st), -1);
    dc_test_run("rm -rf %s %s", d1, d2);
    free(d1);
    free(d2);
}
END_TEST

START_TEST(test_surname_shares)
{
    /* Nguyễn is about 38% of the population: check the generated heads of
     * household in a canonical (UTF-8, comma, ho_ten) run */
    char *d = dc_test_tmpdir("gen6");
    ck_assert_int_eq(dc_test_run("%s gen -q -n 20000 --seed 3 --dup-rate 0 --corrupt-rate 0 --styles canonical "
                                 "-t 2 -f -o %s", DANCU_BIN, d), 0);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cat %s/exports/*.csv | grep -c ',Chủ hộ,Nguyễn ' > %s/n_nguyen; "
             "cat %s/exports/*.csv | grep -c ',Chủ hộ,' > %s/n_heads", d, d, d, d);
    ck_assert_int_eq(dc_test_run("%s", cmd), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/n_nguyen", d);
    char *a = dc_test_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/n_heads", d);
    char *b = dc_test_read_file(path, NULL);
    double share = strtod(a, NULL) / strtod(b, NULL);
    ck_assert_msg(share > 0.33 && share < 0.43, "Nguyễn share %.3f", share);
    free(a);
    free(b);
    dc_test_run("rm -rf %s", d);
    free(d);
}
END_TEST

START_TEST(test_ids_agree_and_unique)
{
    /* with no corruption, every 12-digit number is unique and agrees with
     * the row: digit 4 = sex + century, digits 5-6 = birth year */
    char *d = dc_test_tmpdir("gen7");
    ck_assert_int_eq(dc_test_run("%s gen -q -n 30000 --seed 5 --dup-rate 0 --corrupt-rate 0 --styles canonical "
                                 "-t 2 -f -o %s", DANCU_BIN, d), 0);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cat %s/exports/*.csv | grep -v '^record_id,' | cut -d, -f6,7,8,9 > %s/ids", d, d);
    ck_assert_int_eq(dc_test_run("%s", cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/ids", d);
    size_t n;
    char *t = dc_test_read_file(cmd, &n);
    ck_assert(t != NULL);
    size_t rows = 0, with_id = 0, with_cmnd = 0, cap = 1 << 16;
    char (*ids)[13] = malloc(cap * sizeof *ids);
    for (char *line = t; *line;) {
        char *eol = strchr(line, '\n');
        *eol = '\0';
        /* dd/mm/yyyy,Nam|Nữ,id12,cmnd */
        char *sex = strchr(line, ',') + 1, *id = strchr(sex, ',') + 1, *cm = strchr(id, ',') + 1;
        int year = atoi(line + 6);
        int female = !strncmp(sex, "Nữ", strlen("Nữ"));
        if (id[0] != ',') {
            ck_assert_msg(cm - id == 13, "id of length %d", (int)(cm - id - 1));
            int digit = id[3] - '0';
            ck_assert_int_eq(digit, (year >= 2000 ? 2 : 0) + female);
            ck_assert_int_eq((id[4] - '0') * 10 + (id[5] - '0'), year % 100);
            if (with_id == cap) ids = realloc(ids, (cap *= 2) * sizeof *ids);
            memcpy(ids[with_id], id, 12);
            ids[with_id][12] = '\0';
            with_id++;
        }
        if (*cm) {
            ck_assert_uint_eq(strlen(cm), 9);
            with_cmnd++;
        }
        rows++;
        line = eol + 1;
    }
    ck_assert_uint_eq(rows, 30000);
    ck_assert_uint_gt(with_id, rows * 93 / 100);
    ck_assert_uint_gt(with_cmnd, rows / 5);
    qsort(ids, with_id, sizeof *ids, (int (*)(const void *, const void *))strcmp);
    for (size_t i = 1; i < with_id; i++) ck_assert_str_ne(ids[i - 1], ids[i]);
    free(ids);
    free(t);
    dc_test_run("rm -rf %s", d);
    free(d);
}
END_TEST

START_TEST(test_samples_regenerate)
{
    /* the committed samples are exactly what the commands documented in
     * data-samples/README.md produce (here with 2 threads) */
    char *d = dc_test_tmpdir("gen8");
    ck_assert_int_eq(dc_test_run("%s gen -q --people 1000 --seed 1 --styles mixed --dup-rate 0.2 "
                                 "--provinces 01,14,36,48,66,79,89,94 --threads 2 -o %s/mixed-1000",
                                 DANCU_BIN, d), 0);
    ck_assert_int_eq(dc_test_run("%s gen -q --people 40 --seed 2 --styles canonical --dup-rate 0.3 "
                                 "--provinces 01,79 --threads 2 -o %s/tiny-40", DANCU_BIN, d), 0);
    ck_assert_int_eq(dc_test_run("sh %s/data-samples/dirty/make.sh %s/dirty", DANCU_SRCDIR, d), 0);
    const char *sets[] = {"mixed-1000", "tiny-40", "dirty"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(dc_test_run("diff -r -x make.sh %s/data-samples/%s %s/%s >/dev/null", DANCU_SRCDIR, sets[i],
                                  d, sets[i]) == 0,
                      "data-samples/%s differs from its regeneration command (see data-samples/README.md)", sets[i]);
    dc_test_run("rm -rf %s", d);
    free(d);
}
END_TEST

START_TEST(test_cli_usage)
{
    ck_assert_int_eq(dc_test_run("%s gen -n 10 >/dev/null 2>&1", DANCU_BIN), 2);          /* no -o */
    ck_assert_int_eq(dc_test_run("%s gen -n 0 -o /tmp/x >/dev/null 2>&1", DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("%s gen --dup-rate 2 -o /tmp/x >/dev/null 2>&1", DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("%s gen --styles odd -o /tmp/x >/dev/null 2>&1", DANCU_BIN), 2);
    ck_assert_int_eq(dc_test_run("%s gen --help >/dev/null", DANCU_BIN), 0);
    /* a non-empty output directory is refused without --force */
    char *d = dc_test_tmpdir("gen9");
    ck_assert_int_eq(dc_test_run("touch %s/x && %s gen -q -n 10 -o %s 2>/dev/null", d, DANCU_BIN, d), 1);
    ck_assert_int_eq(dc_test_run("%s gen -q -n 10 -f -o %s", DANCU_BIN, d), 0);
    ck_assert_int_eq(dc_test_run("test -f %s/truth.csv && test -f %s/manifest.json", d, d), 0);
    dc_test_run("rm -rf %s", d);
    free(d);
}
END_TEST

/* Fields of the data rows of a canonical export (comma, UTF-8, RFC 4180
 * quotes): calls fn(fields, n, ud) for each row. */
static void csv_rows(const char *path, void (*fn)(char **f, int n, void *ud), void *ud)
{
    char *s = dc_test_read_file(path, NULL);
    ck_assert(s != NULL);
    char *p = strchr(s, '\n') + 1;   /* header */
    char *f[64];
    while (*p) {
        int n = 0;
        for (;;) {
            char *w = p, *start = p;
            if (*p == '"') {
                p++;
                for (;;) {
                    if (*p == '"' && p[1] == '"') { *w++ = '"'; p += 2; }
                    else if (*p == '"') { p++; break; }
                    else *w++ = *p++;
                }
            } else {
                while (*p != ',' && *p != '\n') *w++ = *p++;
            }
            char end = *p;
            *w = '\0';
            if (n < 64) f[n++] = start;
            p++;
            if (end == '\n') break;
        }
        fn(f, n, ud);
    }
    free(s);
}

/* Distinct values, kept as one '\n'-joined sorted-later list. */
typedef struct {
    dc_buf_t given, street;
    size_t rows, lodgers_bare, apostrophe, kiet, buon;
} stats_t;

static void add_stats(char **f, int n, void *ud)
{
    stats_t *st = ud;
    ck_assert_int_ge(n, 18);
    st->rows++;
    const char *name = f[4], *sp = strrchr(name, ' ');
    dc_buf_puts(&st->given, sp ? sp + 1 : name);
    dc_buf_putc(&st->given, '\n');
    const char *addr = f[13], *comma = strchr(addr, ',');
    dc_buf_put(&st->street, addr, comma ? (size_t)(comma - addr) : strlen(addr));
    dc_buf_putc(&st->street, '\n');
    /* a lodger row without ID and relatives */
    if (!strcmp(f[3], "Ở nhờ") && !f[7][0] && !f[8][0] && !f[15][0] && !f[16][0] && !f[17][0])
        st->lodgers_bare++;
    if (strchr(name, '\'')) st->apostrophe++;
    /* in the street part (commune names may hold "Buôn") */
    size_t sl = comma ? (size_t)(comma - addr) : strlen(addr);
    char part[256];
    snprintf(part, sizeof part, "%.*s", (int)DC_MIN(sl, sizeof part - 1), addr);
    if (strstr(part, "kiệt ") || strstr(part, "Kiệt ")) st->kiet++;
    if (strstr(part, "Buôn ")) st->buon++;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static size_t distinct(dc_buf_t *b)
{
    size_t n = 0, cap = 1024;
    char **v = malloc(cap * sizeof *v);
    for (char *p = b->p; p && *p;) {
        char *e = strchr(p, '\n');
        *e = '\0';
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = p;
        p = e + 1;
    }
    qsort(v, n, sizeof *v, cmp_str);
    size_t d = 0;
    for (size_t i = 0; i < n; i++) d += i == 0 || strcmp(v[i - 1], v[i]) != 0;
    free(v);
    return d;
}

static void dir_stats(const char *dir, stats_t *st)
{
    memset(st, 0, sizeof *st);
    mfile_t files[160];
    size_t nf = manifest_files(dir, files, 160);
    for (size_t i = 0; i < nf; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%.3000s/exports/%.127s", dir, files[i].name);
        csv_rows(path, add_stats, st);
    }
}

START_TEST(test_compress)
{
    /* --compress: every export and the truth are zstd streams of exactly
     * the bytes written without it, whatever --threads */
    char *d1 = dc_test_tmpdir("genz1"), *d2 = dc_test_tmpdir("genz2"), *d3 = dc_test_tmpdir("genz3");
    const char *args = "-q -n 4000 --seed 11 --styles mixed --provinces 01,79,48,36,94,14,66,89 -f";
    ck_assert_int_eq(dc_test_run("%s gen %s -t 2 -o %s", DANCU_BIN, args, d1), 0);
    ck_assert_int_eq(dc_test_run("%s gen %s -t 1 --compress -o %s", DANCU_BIN, args, d2), 0);
    ck_assert_int_eq(dc_test_run("%s gen %s -t 3 --compress -o %s", DANCU_BIN, args, d3), 0);
    ck_assert_int_eq(dc_test_run("diff -r %s %s >/dev/null", d2, d3), 0);
    ck_assert_int_eq(dc_test_run("test ! -e %s/truth.csv && zstd -qdc %s/truth.csv.zst | cmp -s - %s/truth.csv",
                                 d2, d2, d1), 0);
    ck_assert_int_eq(dc_test_run("cd %s/exports && n=0 && for f in *; do zstd -qdc %s/exports/$f.zst | cmp -s - $f "
                                 "|| exit 1; n=$((n+1)); done && test $n -ge 16 && "
                                 "test $(ls %s/exports | grep -vc '[.]zst$') = 0", d1, d2, d2), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", d2);
    char *m = dc_test_read_file(path, NULL);
    ck_assert(strstr(m, "\"compression\": \"zstd\""));
    ck_assert(strstr(m, "\"truth\": \"truth.csv.zst\""));
    ck_assert(strstr(m, ".csv.zst\", \"province_code\""));
    free(m);
    /* the engine reads them: same links as from the plain files */
    ck_assert_int_eq(dc_test_run("%s run -q -o %s/run %s/exports && %s run -q -o %s/run %s/exports && "
                                 "cmp -s %s/run/links.csv %s/run/links.csv", DANCU_BIN, d1, d1, DANCU_BIN, d2, d2, d1,
                                 d2), 0);
    dc_test_run("rm -rf %s %s %s", d1, d2, d3);
    free(d1);
    free(d2);
    free(d3);
}
END_TEST

START_TEST(test_profiles)
{
    /* --profile diverse: more distinct given names and street parts than the
     * default at the same seed, minority and regional forms; --corruption
     * holdout: lodger rows without ID and relatives, the manifest's frozen
     * rates; both byte-identical whatever --threads */
    char *d0 = dc_test_tmpdir("genp0"), *d1 = dc_test_tmpdir("genp1"), *d2 = dc_test_tmpdir("genp2");
    const char *args = "-q -n 8000 --seed 4 --styles canonical -f";
    ck_assert_int_eq(dc_test_run("%s gen %s -t 2 -o %s", DANCU_BIN, args, d0), 0);
    ck_assert_int_eq(dc_test_run("%s gen %s --profile diverse --corruption holdout -t 1 -o %s", DANCU_BIN, args, d1),
                     0);
    ck_assert_int_eq(dc_test_run("%s gen %s --profile diverse --corruption holdout -t 3 -o %s", DANCU_BIN, args, d2),
                     0);
    ck_assert_int_eq(dc_test_run("diff -r %s %s >/dev/null", d1, d2), 0);
    check_truth_covers(d1, 8000);
    stats_t a, b;
    dir_stats(d0, &a);
    dir_stats(d1, &b);
    size_t ga = distinct(&a.given), gb = distinct(&b.given), sa = distinct(&a.street), sb = distinct(&b.street);
    ck_assert_msg(gb * 10 > ga * 13, "given names: default %zu, diverse %zu", ga, gb);
    ck_assert_msg(sb * 10 > sa * 13, "street parts: default %zu, diverse %zu", sa, sb);
    ck_assert_uint_eq(a.lodgers_bare, 0);
    ck_assert_uint_gt(b.lodgers_bare, b.rows / 100);
    ck_assert_uint_gt(b.apostrophe, a.apostrophe);
    ck_assert_uint_eq(a.kiet + a.buon, 0);
    ck_assert_uint_gt(b.kiet, 0);
    ck_assert_uint_gt(b.buon, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", d1);
    char *m = dc_test_read_file(path, NULL);
    ck_assert(strstr(m, "\"dup_rate\": 0.1500,\n  \"corrupt_rate\": 0.2500,"));
    ck_assert(strstr(m, "\"profile\": \"diverse\""));
    ck_assert(strstr(m, "\"corruption\": \"holdout\""));
    ck_assert(!strstr(m, "\"dup_lodger_without_id\": 0"));
    ck_assert(!strstr(m, "\"name_parts_swapped\": 0,"));
    ck_assert(!strstr(m, "\"field_missing\": 0,"));
    free(m);
    snprintf(path, sizeof path, "%s/manifest.json", d0);
    m = dc_test_read_file(path, NULL);
    ck_assert(!strstr(m, "lodger") && !strstr(m, "profile") && !strstr(m, "name_parts_swapped"));
    free(m);
    /* rates given on the command line win over the profile's */
    ck_assert_int_eq(dc_test_run("%s gen %s --corruption holdout --dup-rate 0.05 -t 2 -o %s && "
                                 "grep -q '\"dup_rate\": 0.0500,' %s/manifest.json", DANCU_BIN, args, d2, d2), 0);
    ck_assert_int_eq(dc_test_run("%s gen --profile odd -o %s >/dev/null 2>&1", DANCU_BIN, d2), 2);
    ck_assert_int_eq(dc_test_run("%s gen --corruption odd -o %s >/dev/null 2>&1", DANCU_BIN, d2), 2);
    dc_buf_free(&a.given);
    dc_buf_free(&a.street);
    dc_buf_free(&b.given);
    dc_buf_free(&b.street);
    dc_test_run("rm -rf %s %s %s", d0, d1, d2);
    free(d0);
    free(d1);
    free(d2);
}
END_TEST

static Suite *gen_suite(void)
{
    Suite *s = suite_create("gen");
    TCase *tc = dc_test_tcase("text");
    tcase_add_test(tc, test_rng);
    tcase_add_test(tc, test_fold_dd_case);
    tcase_add_test(tc, test_tone_swap);
    tcase_add_test(tc, test_telex);
    tcase_add_test(tc, test_typo);
    tcase_add_test(tc, test_nfd);
    tcase_add_test(tc, test_encode_cache);
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_wards);
    tcase_add_test(tc, test_put_num);
    suite_add_tcase(s, tc);
    TCase *tr = dc_test_tcase("run");
    tcase_add_test(tr, test_run_threads_identical);
    tcase_add_test(tr, test_run_in_process);
    tcase_add_test(tr, test_surname_shares);
    tcase_add_test(tr, test_ids_agree_and_unique);
    tcase_add_test(tr, test_samples_regenerate);
    tcase_add_test(tr, test_cli_usage);
    tcase_add_test(tr, test_compress);
    tcase_add_test(tr, test_profiles);
    suite_add_tcase(s, tr);
    return s;
}

int main(void) { return dc_test_main(gen_suite(), "gen"); }
